"""The feedback page a student reads (``python -m autograder grade``, then ``feedback``).

Three submissions of notebook 01 (correct, a flipped kernel, the untouched student notebook)
are graded for real, in the sandbox. Each page must show the student's figures (inline PNG
outputs of the sandboxed kernel), name the exercises in its index, show under each graded cell
the trusted verdict's report (not what the kernel printed, which a submission controls), agree
with it in every score it shows, and carry no noise (Fontconfig errors, stray ``Out[..]``).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.heldin import correct, wrong  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
A = "01_convolution"
NB = f"{A}.ipynb"
EXERCISES = ["corr2d", "conv2d_multi", "conv_params", "fc_params", "locally_connected_params",
             "edge_kernel"]
FAKE = "corr2d: 3 / 3 points  (FAKE REPORT)"
IMG = re.compile(r'<img[^>]*\ssrc="data:image/png;base64,[A-Za-z0-9+/=]{200,}')


def autograder(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run([sys.executable, "-m", "autograder", "--root", str(course), *args],
                          capture_output=True, text=True, cwd=course, env=env)


def solved(flipped: bool = False) -> nbformat.NotebookNode:
    style = next(s for s in correct.STYLES if s.assignment == A and s.name == "vectorised")
    nb = correct.build(style, correct.student_notebook(A))
    if flipped:  # flipped, and printing a fake report whenever it is called
        bug = next(b for b in wrong.BUGS if b.exercise == "corr2d" and b.name == "flipped_kernel")
        answer = next(c for c in nb.cells if correct._grade_id(c) == "corr2d")
        answer.source = bug.code.replace(
            "    X, K = np.asarray", f"    print({FAKE!r})\n    X, K = np.asarray", 1)
        assert FAKE in answer.source
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("feedback-page")
    course = tmp / "course"
    shutil.copytree(ROOT / "source", course / "source")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    subs = tmp / "submissions"
    for student, nb in (("alice", solved()), ("carol", solved(flipped=True)),
                        ("bob", nbformat.read(correct.student_notebook(A), as_version=4))):
        (subs / student / A).mkdir(parents=True)
        nbformat.write(nb, subs / student / A / NB)
    proc = autograder(course, "grade", str(subs), "--jobs", "2", "-q")
    assert proc.returncode == 0, proc.stderr
    # An autograded notebook whose graded cell says something else than the verdict (what an
    # nbgrader autograde without the course's plug-ins would keep: the kernel's own output and
    # the cell's last value). The page must show the verdict's report all the same.
    path = course / "autograded" / "carol" / A / NB
    nb = nbformat.read(path, as_version=4)
    graded = next(c for c in nb.cells if correct._grade_id(c) == "test-corr2d-hidden")
    graded.outputs = [nbformat.v4.new_output("stream", name="stdout", text=FAKE + "\n"),
                      nbformat.v4.new_output("execute_result", data={"text/plain": "3"},
                                             execution_count=7)]
    nbformat.write(nb, path)
    proc = autograder(course, "feedback")
    assert proc.returncode == 0, proc.stderr
    return course


def page(course: Path, student: str) -> str:
    return (course / "feedback" / student / A / f"{A}.html").read_text()


def verdict(course: Path, student: str) -> dict[str, dict]:
    data = json.loads((course / "verdicts" / student / f"{A}.json").read_text())
    return {e["exercise"]: e for n in data["notebooks"] for e in n["exercises"]}


def graded_cell(text: str, grade_id: str) -> str:
    """The HTML of one notebook cell of the page: from its cell div to the next one."""
    chunks = text.split('<div class="cell border-box-sizing')
    found = [c for c in chunks if f'name="{grade_id}"' in c]
    assert len(found) == 1, grade_id
    return found[0]


def plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


STUDENTS = ("alice", "bob", "carol")
# figures of notebook 01: 5 with answers; the untouched notebook draws the 2 that need none
FIGURES = {"alice": 5, "bob": 2, "carol": 5}


@pytest.mark.parametrize("student", STUDENTS)
def test_the_page_shows_the_figures_and_no_noise(course, student):
    text = page(course, student)
    assert len(IMG.findall(text)) >= FIGURES[student], f"{student}: figures are missing"
    assert "Fontconfig" not in text
    assert "Fontconfig" not in (course / "autograded" / student / A / NB).read_text()


@pytest.mark.parametrize("student", STUDENTS)
def test_the_index_names_the_exercises_and_every_score_is_the_verdicts(course, student):
    text = page(course, student)
    exercises = verdict(course, student)
    total = sum(e["points"] for e in exercises.values())
    head = re.search(r"<h4>01_convolution \(Score: ([\d.]+) / ([\d.]+)\)</h4>", text)
    assert head, "no score in the page's header"
    assert float(head.group(1)) == round(total, 2) and float(head.group(2)) == 12.0
    toc = text[text.index('<div id="toc">'):]
    toc = plain(toc[:toc.index("</div>")])
    assert "Test cell" not in toc and "Comment" not in toc, toc
    listed = re.findall(r"(\w+): ([\d.]+) / ([\d.]+)", toc)
    assert [name for name, _, _ in listed] == EXERCISES, toc
    for name, score, points in listed:
        assert float(score) == round(exercises[name]["points"], 2), (name, toc)
        assert float(points) == exercises[name]["max_points"]
    for name, e in exercises.items():
        shown = plain(graded_cell(text, e["grade_id"]))
        assert f"Hidden tests of {name}" in shown
        cell_score = re.search(r"Score: ([\d.]+) / ([\d.]+)", shown)
        assert float(cell_score.group(1)) == round(e["points"], 2), (name, shown[:300])
        assert e["report"].splitlines()[0] in shown  # "corr2d: 0 / 3 points"
        assert "Out[" not in shown, f"{student}/{name}: a value after the report"


def test_the_report_is_the_trusted_one_not_the_kernels(course):
    text = page(course, "carol")
    exercises = verdict(course, "carol")
    corr2d = exercises["corr2d"]
    assert corr2d["points"] < 3
    shown = plain(graded_cell(text, corr2d["grade_id"]))
    assert FAKE not in shown
    for line in corr2d["report"].splitlines():
        assert line.strip() in shown, line
    assert "likely mistake: the kernel is flipped" in shown
    # the student's own output stays where the student printed it, outside the graded cells
    assert FAKE in plain(text)


def test_a_stub_shows_one_line_in_the_page(course):
    text = page(course, "bob")
    visible = [plain(c) for c in text.split('<div class="cell border-box-sizing')
               if "corr2d: visible tests passed" in plain(c)]
    assert len(visible) == 1
    assert "NotImplementedError: corr2d is not implemented yet" in visible[0]
    assert "Traceback" not in visible[0] and "File " not in visible[0]
