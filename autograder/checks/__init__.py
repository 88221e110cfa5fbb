"""The checks and their feedback.

* :mod:`autograder.checks.feedback`: student-safe messages and the visible-test helpers
  (``expect``, ``expect_raises``); the student notebooks import it.
* :mod:`autograder.checks.core`: the hidden checks engine (cases, groups, diagnosis).
* :mod:`autograder.checks.exercises`: every exercise's cases and catalogue of mistakes.

Nothing is imported here eagerly, so the student-safe module can be staged into a sandbox alone.
"""

from __future__ import annotations


def grade(name: str, student, points: float) -> float:
    """Grade one exercise in this process and return its points (see checks.core.grade)."""
    from autograder.checks.core import grade as _grade

    return _grade(name, student, points)
