"""``python -m autograder check NOTEBOOK``: grade one notebook locally, as the instructor would.

The notebook is autograded by real nbgrader in a throw-away course folder (so the learner's
gradebook and folders are untouched), with the hidden tests of the matching source notebook.

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
      ]
    }
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import nbformat

from autograder.batch.grading import (
    GradingError,
    autograde_one,
    check_notebook_file,
    exercise_name,
    known_notebooks,
    prepare_assignments,
)
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


def _cell_feedback(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(output.get("text", ""))
        elif kind == "error":
            parts.append(f"{output.get('ename')}: {output.get('evalue')}\n")
    return "".join(parts).rstrip("\n")


def check_notebook(path: Path, course: Path = ROOT) -> dict:
    """Autograde one notebook; return the report described in the module docstring."""
    if not path.exists():
        raise GradingError(f"{path}: no such file")
    if path.is_dir():
        raise GradingError(f"{path}: is a folder; give the notebook file")
    problem = check_notebook_file(path)
    if problem:
        raise GradingError(f"{path}: {problem}")
    assignment, nb_name = assignment_of(path, course)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(course / SOURCE_DIR / assignment, work / SOURCE_DIR / assignment)
        db = f"sqlite:///{work / 'gradebook.db'}"
        prepare_assignments(work, db, {assignment})
        dest = work / "submitted" / LEARNER / assignment
        dest.mkdir(parents=True)
        shutil.copy(path, dest / nb_name)
        outcome = autograde_one(str(work), db, assignment, LEARNER, sandboxed=False)
        if not outcome["success"]:
            raise GradingError(f"{path}: nbgrader could not grade it: "
                               f"{(outcome['error'] or outcome['log']).strip().splitlines()[-1:]}")
        graded = nbformat.read(work / "autograded" / LEARNER / assignment / nb_name, as_version=4)
        scores = _scores(db, assignment)
    exercises = []
    for cell in graded.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and meta.get("points", 0) > 0:
            score, max_score = scores[meta["grade_id"]]
            exercises.append({
                "id": meta["grade_id"],
                "name": exercise_name(meta["grade_id"]),
                "score": score,
                "max_score": max_score,
                "passed": score >= max_score,
                "feedback": _cell_feedback(cell),
            })
    return {
        "schema": SCHEMA,
        "notebook": str(path),
        "assignment": assignment,
        "score": sum(e["score"] for e in exercises),
        "max_score": sum(e["max_score"] for e in exercises),
        "exercises": exercises,
    }


def _scores(db: str, assignment: str) -> dict[str, tuple[float, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(db) as gb:
        sub = gb.find_submission(assignment, LEARNER)
        return {g.name: (float(g.score), float(g.max_score))
                for nb in sub.notebooks for g in nb.grades}


def format_report(report: dict) -> str:
    lines = [f"{report['notebook']} (assignment {report['assignment']}): "
             f"{report['score']:g} / {report['max_score']:g} points", ""]
    for ex in report["exercises"]:
        mark = "ok  " if ex["passed"] else "FAIL"
        lines.append(f"[{mark}] {ex['name']}: {ex['score']:g} / {ex['max_score']:g}")
        lines += ["    " + line for line in ex["feedback"].splitlines()]
    return "\n".join(lines)
