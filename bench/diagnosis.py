"""How well the grader judges answers it was not written for: the held-in sets under tests/heldin.

    .venv/bin/python bench/diagnosis.py            # every bug and every correct style
    .venv/bin/python bench/diagnosis.py --sandbox  # through `check` (bubblewrap), slower
    .venv/bin/python bench/diagnosis.py --exercise conv2d --verbose

The correct set (tests/heldin/correct.py) holds whole notebooks written from the student
notebooks alone, in several styles (loops, vectorised, helpers in added cells, scratch code with
prints and magics). The wrong set (tests/heldin/wrong.py) holds student-style bugs, one per
notebook copy, each with a regex that a feedback naming that mistake would match.

Printed, against the targets of issue 13 (baseline: a grader that only says "values differ"):

    correct set: false fails       (target 0)
    wrong set:   false passes      (target 0)
                 named correctly   (target >= 80%)
                 named wrongly     (a diagnosis, but of another mistake)
                 generic only      (no diagnosis: "values differ", a crash, a shape)

A bug is graded with the other answers of its notebook taken from the "loops" correct style, so
a bug in conv2d_fast sits beside a working im2col, as in a real submission.
"""

from __future__ import annotations

import argparse
import builtins
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from autograder.checks.core import get_exercise, run  # noqa: E402
from autograder.verdict import runner, trusted  # noqa: E402
from tests.heldin import correct, wrong  # noqa: E402

DIAGNOSIS = re.compile(r"likely mistake: (?!the output shape is wrong\.$)|pattern:|"
                       r"changed its input|expected ValueError|"
                       r"expected: \w+ array \(the dtype rule|could not run:")


def student_nb(assignment: str) -> Path:
    return ROOT / "notebooks" / assignment / f"{assignment}.ipynb"


def source_nb(assignment: str) -> Path:
    return ROOT / "source" / assignment / f"{assignment}.ipynb"


def base_style(assignment: str) -> correct.Style:
    styles = [s for s in correct.STYLES if s.assignment == assignment]
    return next((s for s in styles if s.name == "loops"), styles[0])


def bug_notebook(bug: wrong.Bug) -> nbformat.NotebookNode:
    nb = correct.build(base_style(bug.assignment), student_nb(bug.assignment))
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == (
                bug.cell or bug.exercise):
            cell.source = bug.code
            return nb
    raise KeyError(f"{bug.assignment} has no answer cell {bug.cell or bug.exercise}")


def grade_in_process(nb: nbformat.NotebookNode, assignment: str, exercise: str | None
                     ) -> dict[str, tuple[float, float, str]]:
    """The trusted verdict's cell rules and checks, run in this process (the held-in code is
    ours): {exercise: (points, max_points, report)}."""
    plan = trusted.course_plan(source_nb(assignment))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{assignment}.ipynb"
        nbformat.write(nb, path)
        cells, problem = trusted.submission_cells(path, plan)
    if problem:
        raise RuntimeError(problem)
    out = {}
    for answer in plan.answers:
        if exercise is not None and answer.exercise != exercise:
            continue
        namespace = {"__name__": "__main__", "__builtins__": builtins,
                     "get_ipython": runner._NoIPython}
        own = [dict(c, definitions_only=c.get("definitions_only", False) or (
            "grade_id" in c and c["grade_id"] != answer.function)) for c in cells]
        errors = runner.run_cells(list(plan.setup) + own, namespace)
        fn = namespace.get(answer.function)
        report = run(get_exercise(answer.exercise), fn, answer.points)
        text = report.text() + "".join(f"\n  note: {e['where']}: {e['error']}" for e in errors
                                       if e["where"] == f"answer cell {answer.function}")
        out[answer.exercise] = (report.points, answer.points, text)
    return out


def grade_sandboxed(nb: nbformat.NotebookNode, assignment: str, exercise: str | None
                    ) -> dict[str, tuple[float, float, str]]:
    from autograder import selfcheck

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{assignment}.ipynb"
        nbformat.write(nb, path)
        report = selfcheck.check_notebook(path, ROOT, only={exercise} if exercise else None)
    return {e["name"]: (e["score"], e["max_score"], e["feedback"]) for e in report["exercises"]}


@dataclass
class BugResult:
    bug: wrong.Bug
    points: float
    max_points: float
    verdict: str  # "false pass", "named", "named wrongly", "generic"
    report: str


def judge(bug: wrong.Bug, points: float, max_points: float, report: str) -> BugResult:
    if points >= max_points - 1e-9:
        return BugResult(bug, points, max_points, "false pass", report)
    lines = report.splitlines()
    # a diagnosis line, with the case it is about (a bad input's label names what is wrong)
    diagnosis = "\n".join(
        (lines[i - 1] + "\n" if "expected ValueError" in line and i else "") + line
        for i, line in enumerate(lines) if DIAGNOSIS.search(line))
    if not diagnosis:
        return BugResult(bug, points, max_points, "generic", report)
    named = re.search(bug.named_if, diagnosis, re.I | re.S)
    return BugResult(bug, points, max_points, "named" if named else "named wrongly", report)


def measure_bugs(grade=grade_in_process, exercise: str | None = None) -> list[BugResult]:
    results = []
    for bug in wrong.BUGS:
        if exercise and bug.exercise != exercise:
            continue
        points, max_points, report = grade(bug_notebook(bug), bug.assignment, bug.exercise)[
            bug.exercise]
        results.append(judge(bug, points, max_points, report))
    return results


def measure_correct(grade=grade_in_process) -> list[tuple[correct.Style, float, float, str]]:
    out = []
    for style in correct.STYLES:
        verdicts = grade(correct.build(style, student_nb(style.assignment)), style.assignment,
                         None)
        points = sum(v[0] for v in verdicts.values())
        max_points = sum(v[1] for v in verdicts.values())
        lost = "\n".join(v[2] for v in verdicts.values() if v[0] < v[1] - 1e-9)
        out.append((style, points, max_points, lost))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", action="store_true", help="grade through `check`")
    parser.add_argument("--exercise", help="only the bugs of this exercise")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every report")
    args = parser.parse_args(argv)
    grade = grade_sandboxed if args.sandbox else grade_in_process
    start = time.monotonic()
    styles = [] if args.exercise else measure_correct(grade)
    false_fails = [(s, p, m, lost) for s, p, m, lost in styles if p < m - 1e-9]
    bugs = measure_bugs(grade, args.exercise)
    counts = {k: sum(r.verdict == k for r in bugs) for k in
              ("false pass", "named", "named wrongly", "generic")}
    n = max(1, len(bugs))
    if styles:
        print(f"correct set: {len(styles)} notebooks in "
              f"{len({s.name for s, *_ in styles})} styles; false fails: {len(false_fails)} "
              "(target 0)")
        for style, points, max_points, lost in false_fails:
            print(f"  FALSE FAIL {style.assignment}/{style.name}: {points:g} / {max_points:g}")
            print("    " + lost.replace("\n", "\n    "))
    print(f"wrong set: {len(bugs)} bugs over {len({b.bug.exercise for b in bugs})} exercises")
    print(f"  false passes:    {counts['false pass']:4d}  (target 0)")
    print(f"  named correctly: {counts['named']:4d}  ({100 * counts['named'] / n:.0f}%, "
          "target >= 80%)")
    print(f"  named wrongly:   {counts['named wrongly']:4d}  ({100 * counts['named wrongly'] / n:.0f}%)")
    print(f"  generic only:    {counts['generic']:4d}  ({100 * counts['generic'] / n:.0f}%; "
          "the baseline of a grader that only compares values: 100%)")
    for r in bugs:
        if r.verdict != "named" or args.verbose:
            print(f"  [{r.verdict}] {r.bug.exercise}/{r.bug.name} ({r.points:g}/{r.max_points:g})"
                  f": {r.bug.mistake}")
            if args.verbose or r.verdict in ("named wrongly",):
                print("      " + "\n      ".join(line for line in r.report.splitlines()
                                                 if DIAGNOSIS.search(line))[:600])
    print(f"({time.monotonic() - start:.0f} s, {'sandboxed check' if args.sandbox else 'in process'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
