"""The held-in sets (tests/heldin): answers written from the student notebooks alone.

* Every correct style keeps full marks, graded with the trusted verdict's cell rules (helpers and
  imports in added cells, magics, prints) - in process here, through `check` and `grade` in the
  slow test below.
* `check` and `grade` give equal points on the same notebooks (correct styles and bugs).
* bench/diagnosis.py prints the diagnosis figures over the wrong set.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import diagnosis  # noqa: E402
from tests.heldin import correct, wrong  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("style", correct.STYLES, ids=lambda s: f"{s.assignment}-{s.name}")
def test_every_correct_style_keeps_full_marks(style):
    nb = correct.build(style, diagnosis.student_nb(style.assignment))
    verdicts = diagnosis.grade_in_process(nb, style.assignment, None)
    lost = {name: report for name, (p, m, report) in verdicts.items() if p < m - 1e-9}
    assert not lost, "\n".join(lost.values())


def test_the_wrong_set_covers_every_exercise_three_times_or_more():
    counts: dict[str, int] = {}
    for bug in wrong.BUGS:
        counts[bug.exercise] = counts.get(bug.exercise, 0) + 1
    assert len(counts) == 51 and min(counts.values()) >= 3, counts


@pytest.mark.slow
def test_check_and_grade_give_equal_points(tmp_path):
    # a correct notebook with helpers in added cells, one with magics and prints, and two bugs
    picks = [next(s for s in correct.STYLES if (s.assignment, s.name) == ("01_convolution", n))
             for n in ("helpers", "scratch")]
    bugs = [b for b in wrong.BUGS if b.assignment == "01_convolution"][:2]
    notebooks = {f"style_{s.name}": correct.build(s, diagnosis.student_nb(s.assignment))
                 for s in picks}
    notebooks.update({f"bug_{i}": diagnosis.bug_notebook(b) for i, b in enumerate(bugs)})
    subs, course = tmp_path / "subs", tmp_path / "course"
    course.mkdir()
    subprocess.run(["cp", "-r", str(ROOT / "source"), str(ROOT / "nbgrader_config.py"),
                    str(course)], check=True)
    checked = {}
    for student, nb in notebooks.items():
        folder = subs / student / "01_convolution"
        folder.mkdir(parents=True)
        path = folder / "01_convolution.ipynb"
        nbformat.write(nb, path)
        from autograder import selfcheck

        checked[student] = selfcheck.check_notebook(path, ROOT)["score"]
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run([sys.executable, "-m", "autograder", "--root", str(course), "grade",
                           str(subs), "-q", "--jobs", "2", "--csv", str(tmp_path / "g.csv")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with (tmp_path / "g.csv").open() as fh:
        graded = {r["student"]: float(r["score"]) for r in csv.DictReader(fh)}
    assert graded == pytest.approx(checked, rel=1e-3)  # the CSV keeps 4 significant digits
    assert graded["style_helpers"] == graded["style_scratch"] == 12
    assert all(graded[f"bug_{i}"] < 12 for i in range(len(bugs)))
