"""``python -m autograder check NOTEBOOK``: grade one notebook locally, as the instructor would.

``check`` runs the same trusted verdict as ``grade`` (:mod:`autograder.verdict.trusted`): the
same cells count (setup from the course, the answer cells and the cells the learner added,
definitions only), the same cases, the same points. It does not execute the notebook (no
figures, no training), so it answers in seconds; ``--exercise NAME`` grades one exercise. It
runs in the bubblewrap sandbox where bwrap works, and as a plain process elsewhere (a learner's
own code on a learner's own machine: macOS, Windows, containers without user namespaces).

JSON report (``--json``), schema ``cnn-course/check-report/1``::

    {
      "schema": "cnn-course/check-report/1",
      "notebook": "<path as given>",
      "assignment": "01_convolution",
      "score": 2.5,              # points earned, float
      "max_score": 3.0,          # points available, float
      "exercises": [             # one per graded cell, in notebook order
        {"id": "test-corr2d-hidden",  # nbgrader grade_id of the cell
         "name": "corr2d",            # the exercise
         "score": 2.5, "max_score": 3.0,
         "passed": false,             # score == max_score
         "feedback": "corr2d: 2.5 / 3 points\\n  [FAIL] ..."}   # what the checks printed
      ],
      "by_hand": [               # answers your instructor grades by hand (not in score)
        {"id": "free-response", "max_score": 4.0,
         "answered": true}       # the cell holds more than the template's YOUR ANSWER HERE
      ]
    }
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

from autograder.batch.intake import GradingError, check_notebook_file, known_notebooks
from autograder.course.build import ROOT, SOURCE_DIR, STAMP_KEY

SCHEMA = "cnn-course/check-report/1"
LEARNER = "learner"


def assignment_of(path: Path, course: Path = ROOT) -> tuple[str, str]:
    """(assignment, notebook file name) of a student notebook, from its stamp or its name."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    stamp = nb.get("metadata", {}).get(STAMP_KEY, {}).get("generated_from", "")
    known = known_notebooks(course)
    match = re.fullmatch(rf"{SOURCE_DIR}/([^/]+)/([^/]+\.ipynb)", stamp)
    if match and match.group(2) in known.get(match.group(1), ()):
        return match.group(1), match.group(2)
    for assignment, names in known.items():
        if path.name in names:
            return assignment, path.name
    raise GradingError(f"{path}: cannot tell which assignment this notebook belongs to (no course "
                       f"stamp in its metadata and no source notebook named {path.name})")


_SANDBOX_WORKS: bool | None = None


def sandbox_works() -> bool:
    """True if bubblewrap is installed and runs here (checked once per process)."""
    global _SANDBOX_WORKS  # noqa: PLW0603
    if _SANDBOX_WORKS is None:
        from autograder.verdict import sandbox

        try:
            sandbox.selftest()
            _SANDBOX_WORKS = True
        except Exception:
            _SANDBOX_WORKS = False
    return _SANDBOX_WORKS


def check_notebook(path: Path, course: Path = ROOT, only: set[str] | None = None) -> dict:
    """Grade one notebook with the trusted verdict; return the report described above.

    ``only``: names of the exercises to grade (all if None); an unknown name is an error."""
    from autograder.verdict import trusted

    given, path = path, Path(path).resolve()  # the learner's own file: their link is fine
    if not path.exists():
        raise GradingError(f"{path}: no such file")
    if path.is_dir():
        raise GradingError(f"{path}: is a folder; give the notebook file")
    problem = check_notebook_file(path)
    if problem:
        raise GradingError(f"{path}: {problem}")
    assignment, nb_name = assignment_of(path, course)
    source = course / SOURCE_DIR / assignment / nb_name
    if only:
        names = {a.exercise for a in trusted.course_plan(source).answers}
        unknown = sorted(set(only) - names)
        if unknown:
            raise GradingError(f"{path}: no exercise named {', '.join(unknown)} in {assignment} "
                               f"(its exercises: {', '.join(sorted(names))})")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / nb_name
        shutil.copyfile(path, copy)
        verdict = trusted.grade_notebook(copy, source, only=only, sandboxed=sandbox_works())
    exercises = [{
        "id": v.grade_id,
        "name": v.exercise,
        "score": float(v.points),
        "max_score": float(v.max_points),
        "passed": v.points >= v.max_points - 1e-9,
        "feedback": v.report,
    } for v in verdict.exercises]
    return {
        "schema": SCHEMA,
        "notebook": str(given),
        "assignment": assignment,
        "score": sum(e["score"] for e in exercises),
        "max_score": sum(e["max_score"] for e in exercises),
        "exercises": exercises,
        "by_hand": graded_by_hand(path, source),
    }


def graded_by_hand(path: Path, source: Path) -> list[dict]:
    """The source's markdown answer cells (free response, graded by hand in formgrader), each
    with whether the learner's notebook ``path`` answers it: its cell of that grade_id holds
    more than the student template's ``YOUR ANSWER HERE``."""
    def cells(nb_path: Path) -> list[dict]:
        found = json.loads(Path(nb_path).read_text(encoding="utf-8")).get("cells", [])
        return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []

    def meta(cell: dict) -> dict:   # the learner's file may hold anything: no shape is assumed
        nbg = cell.get("metadata", {})
        nbg = nbg.get("nbgrader", {}) if isinstance(nbg, dict) else {}
        return nbg if isinstance(nbg, dict) else {}

    mine = {meta(c).get("grade_id"): c for c in cells(path)
            if isinstance(meta(c).get("grade_id"), str)}
    found = []
    for cell in cells(source):
        m = meta(cell)
        if cell.get("cell_type") == "markdown" and m.get("grade") and m.get("solution"):
            text = mine.get(m["grade_id"], {}).get("source", "")
            text = "".join(text) if isinstance(text, list) else str(text)
            found.append({"id": m["grade_id"], "max_score": float(m.get("points", 0)),
                          "answered": text.strip() not in ("", "YOUR ANSWER HERE")})
    return found


def format_report(report: dict) -> str:
    lines = [f"{report['notebook']} (assignment {report['assignment']}): "
             f"{report['score']:g} / {report['max_score']:g} points", ""]
    for ex in report["exercises"]:
        mark = "ok  " if ex["passed"] else "FAIL"
        lines.append(f"[{mark}] {ex['name']}: {ex['score']:g} / {ex['max_score']:g}")
        lines += ["    " + line for line in ex["feedback"].splitlines()]
    for ex in report.get("by_hand", []):
        state = "answered" if ex["answered"] else "not answered yet"
        lines.append(f"[hand] {ex['id']}: {ex['max_score']:g} points, graded by hand by your "
                     f"instructor, not counted above ({state})")
    return "\n".join(lines)
