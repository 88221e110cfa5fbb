"""Hidden checks: run a student's function on fixed and seeded random cases against the reference.

A hidden test cell in a source notebook is one line::

    grade("corr2d", corr2d, points=3)

:func:`grade` runs every case of the exercise, groups the cases, prints a report that names each
failing case and the likely mistake, and returns the points earned. The cell's last value is that
number, which nbgrader reads as partial credit. Nothing the student's code raises escapes: an
exception is reported as the failure of that case, so no traceback (and no test source) reaches
the feedback.

An exercise is described by :class:`Exercise` in ``autograder/exercises/<module>.py``: its
reference (a name in ``solutions``), its cases in groups with weights, and its catalogue of known
wrong variants, each derived from the reference.
"""

from __future__ import annotations

import copy
import importlib
import io
import math
from collections.abc import Callable, Iterable, Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograder.feedback import MISTAKES, describe, diagnose


@dataclass
class Case:
    """One call of the function under test. ``label`` names it in feedback: shapes, params."""

    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    raises: type[BaseException] | None = None  # the call must raise this
    # a property check used instead of comparing with the reference (e.g. "is an edge detector"):
    # returns None if the output is acceptable, else what is wrong with it
    check: Callable[[Any], str | None] | None = None


@dataclass
class Group:
    """Cases graded together: the group's share of the points is earned only if all pass."""

    name: str
    weight: float
    cases: Callable[[np.random.Generator], Iterable[Case]]


@dataclass
class Mistake:
    """A known wrong variant: ``variant`` has the reference's signature and computes the mistake."""

    key: str  # a key of feedback.MISTAKES, or a plain-words description
    variant: Callable[..., Any]


@dataclass
class Exercise:
    name: str
    reference: str  # attribute of the solutions package
    groups: Sequence[Group]
    mistakes: Sequence[Mistake] = ()
    atol: float = 1e-10
    seed: int = 0

    def reference_fn(self) -> Callable[..., Any]:
        return getattr(importlib.import_module("solutions"), self.reference)


@dataclass
class GroupResult:
    name: str
    points: float
    max_points: float
    n_cases: int
    failure: str | None = None  # message for the first failing case


@dataclass
class Report:
    exercise: str
    groups: list[GroupResult]

    @property
    def points(self) -> float:
        return sum(g.points for g in self.groups)

    @property
    def max_points(self) -> float:
        return sum(g.max_points for g in self.groups)

    def text(self) -> str:
        lines = [f"{self.exercise}: {_fmt(self.points)} / {_fmt(self.max_points)} points"]
        for g in self.groups:
            mark = "pass" if g.failure is None else "FAIL"
            cases = f"{g.n_cases} case" + ("s" if g.n_cases != 1 else "")
            lines.append(f"  [{mark}] {g.name} ({cases}): {_fmt(g.points)} / {_fmt(g.max_points)}")
            if g.failure:
                lines += ["      " + line for line in g.failure.rstrip("\n").splitlines()]
        return "\n".join(lines)


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


REGISTRY: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    if exercise.name in REGISTRY:
        raise ValueError(f"exercise {exercise.name!r} is registered twice")
    REGISTRY[exercise.name] = exercise
    return exercise


def get_exercise(name: str) -> Exercise:
    import autograder.exercises  # noqa: F401  (registers every exercise)

    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no exercise named {name!r}; known: {sorted(REGISTRY)}") from None


def _call(fn: Callable[..., Any], case: Case) -> tuple[Any, BaseException | None, str]:
    """Call ``fn`` on private copies of the case's inputs; capture what it prints."""
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    printed = io.StringIO()
    try:
        with redirect_stdout(printed):
            return fn(*args, **kwargs), None, printed.getvalue()
    except Exception as exc:  # the student's code may raise anything
        return None, exc, printed.getvalue()


def _describe_exception(name: str, exc: BaseException) -> str:
    if isinstance(exc, NotImplementedError):
        return f"{name} raised NotImplementedError: it is not implemented yet."
    return f"{name} raised {type(exc).__name__}: {exc}"


def check_case(ex: Exercise, student: Callable[..., Any], case: Case,
               reference: Callable[..., Any]) -> str | None:
    """None if the student's function passes ``case``, else the feedback for it."""
    head = f'case "{case.label}":\n'
    got, exc, _ = _call(student, case)
    if case.raises is not None:
        if isinstance(exc, case.raises):
            return None
        if exc is None:
            return head + f"  expected {case.raises.__name__}, but {ex.name} returned {describe(got)}\n"
        return head + f"  expected {case.raises.__name__}; {_describe_exception(ex.name, exc)}\n"
    if exc is not None:
        return head + "  " + _describe_exception(ex.name, exc) + "\n"
    if case.check is not None:
        problem = case.check(got)
        if problem is None:
            return None
        likely = _likely(ex, case, got)
        return head + f"  {problem}\n" + (f"  likely mistake: {likely}\n" if likely else "")
    want, ref_exc, _ = _call(reference, case)
    if ref_exc is not None:  # a broken case is the course's bug, never the student's
        raise RuntimeError(f"{ex.name}: the reference fails on {case.label}: {ref_exc!r}")
    variants = []
    for mistake in ex.mistakes:
        out, err, _ = _call(mistake.variant, case)
        if err is None and out is not None:
            variants.append((mistake.key, out))
    problem = diagnose(got, np.asarray(want), atol=ex.atol, mistakes=variants)
    return None if problem is None else head + problem


def _likely(ex: Exercise, case: Case, got: Any) -> str | None:
    """The catalogue mistake whose output ``got`` matches, for property-checked cases."""
    for mistake in ex.mistakes:
        out, err, _ = _call(mistake.variant, case)
        if err is None and out is not None and diagnose(got, np.asarray(out), atol=ex.atol) is None:
            return MISTAKES.get(mistake.key, mistake.key)
    return None


def run(ex: Exercise, student: Callable[..., Any], points: float) -> Report:
    """Grade ``student`` on every case of ``ex``; ``points`` are shared by group weight."""
    reference = ex.reference_fn()
    total_weight = sum(g.weight for g in ex.groups)
    results = []
    for index, group in enumerate(ex.groups):
        rng = np.random.default_rng([ex.seed, index])
        cases = list(group.cases(rng))
        share = points * group.weight / total_weight
        failure = None
        if not callable(student):
            failure = f"{ex.name} is {describe(student)}, not a function.\n"
        else:
            for case in cases:
                failure = check_case(ex, student, case, reference)
                if failure:
                    break
        results.append(GroupResult(group.name, 0.0 if failure else share, share, len(cases), failure))
    return Report(ex.name, results)


def grade(name: str, student: Callable[..., Any], points: float) -> float:
    """Grade one exercise, print the report and return the points earned (nbgrader's partial credit).

    The return value is rounded to 1e-6 and never exceeds ``points``.
    """
    report = run(get_exercise(name), student, points)
    print(report.text())
    return min(points, math.floor(report.points * 1e6 + 0.5) / 1e6)
