"""The real nbgrader cycle in a temporary course, one assignment per test: the source notebook
gets full marks and the unmodified student notebook gets 0, graded by `python -m autograder grade`
(nbgrader's generate_assignment and autograde, then the trusted verdict) and read back from
nbgrader's gradebook.

This is also the suite's one execution of every source notebook, top to bottom: nbgrader's
autograde runs each cell of the instructor's copy, and a cell that raises fails the test here,
named as nbval names it (cell index, exception, message). The source notebooks are not run a
second time under nbval; the student copy's own `make test` runs nbval on the learner's work.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.batch import reports
from autograder.course import build

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
# the later notebooks train more and take longer: they start first (see conftest.HEAVY_FIRST)
ASSIGNMENTS = sorted({s.assignment for s in build.find_sources()}, reverse=True)


def cell_errors(path: Path) -> list[str]:
    """Every code cell of an executed notebook that raised: 'cell 12: ValueError: ...'."""
    nb = nbformat.read(path, as_version=4)
    return [f"cell {index}: {out.get('ename')}: {out.get('evalue')}"
            for index, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for out in cell.get("outputs", []) if out.get("output_type") == "error"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_gets_full_marks_runs_without_error_and_student_version_gets_zero(
        assignment, tmp_path):
    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    shutil.copytree(ROOT / "source" / assignment, course / "source" / assignment)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    subs = tmp_path / "submissions"
    for student, folder in (("instructor", "source"), ("blank", "notebooks")):
        shutil.copytree(ROOT / folder / assignment, subs / student / assignment)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "autograder", "--root", str(course), "grade",
                           str(subs), "--jobs", "2", "-q"], capture_output=True, text=True, env=env)
    print(f"{assignment}: both submissions graded in {time.monotonic() - start:.0f} s")
    assert proc.returncode == 0, proc.stderr

    executed = course / "autograded" / "instructor" / assignment / f"{assignment}.ipynb"
    errors = cell_errors(executed)
    assert not errors, f"{assignment}: the solved notebook raised in\n" + "\n".join(errors)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        max_score = gb.find_assignment(assignment).max_score
        full = gb.find_submission(assignment, "instructor")
        blank = gb.find_submission(assignment, "blank")
        assert max_score > 0, assignment
        # Answers graded by hand (markdown answer cells): the model answer waits for a grader
        # and the untouched template scores 0 without one, as nbgrader's own rule has it.
        by_hand = [g for nb in full.notebooks for g in nb.grades if g.cell.cell_type == "markdown"]
        assert sorted(g.name for g in by_hand) == sorted(
            c.metadata.nbgrader["grade_id"]
            for path in (ROOT / "source" / assignment).glob("*.ipynb")
            for c in nbformat.read(path, as_version=4).cells
            if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade"))
        for grade in by_hand:
            assert grade.auto_score is None and grade.needs_manual_grade, grade.name
        for grade in (g for nb in blank.notebooks for g in nb.grades
                      if g.cell.cell_type == "markdown"):
            assert grade.auto_score == 0 and not grade.needs_manual_grade, grade.name
        if by_hand:
            status = {r.student: r.status for r in reports.gradebook_scores(course)}
            assert "awaiting manual grading: free-response (4 points)" in status["instructor"]
            assert "awaiting" not in status["blank"]
            for grade in by_hand:   # what formgrader does when a grader gives full marks
                grade.manual_score = grade.max_score
                grade.needs_manual_grade = False
            gb.db.commit()
        lost = [f"{g.name}: {g.score}/{g.max_score}" for nb in full.notebooks
                for g in nb.grades if g.score != g.max_score]
        assert full.score == max_score, f"{assignment}: source notebook lost points: {lost}"
        scored = [f"{g.name}: {g.score}" for nb in blank.notebooks for g in nb.grades if g.score]
        assert blank.score == 0, f"{assignment}: unmodified student notebook scored {scored}"
    if by_hand:
        status = {r.student: r.status for r in reports.gradebook_scores(course)}
        assert status["instructor"] == "graded", status


def test_cell_errors_names_the_cell_that_raised(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1"),
                                         nbformat.v4.new_markdown_cell("text"),
                                         nbformat.v4.new_code_cell("1 / 0")])
    nb.cells[2].outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError",
                                                  evalue="division by zero", traceback=[])]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert cell_errors(path) == ["cell 2: ZeroDivisionError: division by zero"]
