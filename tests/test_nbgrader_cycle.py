"""The real nbgrader cycle in a temporary course, for every assignment: the source notebook gets
full marks and the unmodified student notebook gets 0, graded by `python -m autograder grade`
(nbgrader's generate_assignment and autograde) and read back from nbgrader's gradebook."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.course import build

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = sorted({s.assignment for s in build.find_sources()})


def test_source_gets_full_marks_and_student_version_gets_zero(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(ROOT / "source", course / "source")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    subs = tmp_path / "submissions"
    for student, folder in (("instructor", "source"), ("blank", "notebooks")):
        for assignment in ASSIGNMENTS:
            shutil.copytree(ROOT / folder / assignment, subs / student / assignment)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run([sys.executable, "-m", "autograder", "--root", str(course), "grade",
                           str(subs), "--jobs", "2", "-q"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for assignment in ASSIGNMENTS:
            max_score = gb.find_assignment(assignment).max_score
            full = gb.find_submission(assignment, "instructor")
            blank = gb.find_submission(assignment, "blank")
            assert max_score > 0, assignment
            lost = [f"{g.name}: {g.score}/{g.max_score}" for nb in full.notebooks
                    for g in nb.grades if g.score != g.max_score]
            assert full.score == max_score, f"{assignment}: source notebook lost points: {lost}"
            assert blank.score == 0, f"{assignment}: unmodified student notebook scored {blank.score}"
