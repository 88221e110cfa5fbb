"""The real nbgrader cycle in a temporary course: generate, submit, autograde, read the gradebook."""

from __future__ import annotations

import shutil

import pytest
from nbgrader.api import Gradebook

from autograder import build
from tests.conftest import nbgrader

pytestmark = pytest.mark.slow

ASSIGNMENTS = sorted({s.assignment for s in build.find_sources()})


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_gets_full_marks_and_student_version_gets_zero(course_copy, assignment):
    course = course_copy
    shutil.rmtree(course / "notebooks")
    nbgrader(course, "generate_assignment", assignment, "--force")
    for student, folder in (("instructor", "source"), ("blank", "notebooks")):
        dest = course / "submitted" / student / assignment
        shutil.copytree(course / folder / assignment, dest)
    nbgrader(course, "autograde", assignment)

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        max_score = gb.find_assignment(assignment).max_score
        full = gb.find_submission(assignment, "instructor")
        blank = gb.find_submission(assignment, "blank")
        assert max_score > 0
        failed = [
            f"{g.name}: {g.score}/{g.max_score}"
            for nb in full.notebooks
            for g in nb.grades
            if g.score != g.max_score
        ]
        assert full.score == max_score, f"source notebook lost points: {failed}"
        assert blank.score == 0, f"unmodified student notebook scored {blank.score}"
