"""nbgrader's Validate means something, and the test cells read well in Jupyter.

* ``nbgrader validate`` (what JupyterLab's Validate button runs) passes notebook 01 with correct
  answers, fails it naming corr2d and the mistake when corr2d flips its kernel (the visible
  test fails; the points live in the hidden tests), and fails the untouched student notebook
  with "not implemented yet".
* In a learner's session (nbclient, as JupyterLab runs cells): a failing visible test is an
  error whose output is the report (case, expected and got, likely mistake), with no frames of
  the course's modules; with stubs, Run All reaches the last cell and each stub says one line.
* The build keeps the conventions Validate relies on.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder.checks.feedback import CheckFailure, expect  # noqa: E402
from autograder.course import build  # noqa: E402
from tests.heldin import correct, wrong  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
A = "01_convolution"
STUDENT_NB = ROOT / "notebooks" / A / f"{A}.ipynb"
FLIPPED = next(b for b in wrong.BUGS if b.exercise == "corr2d" and b.name == "flipped_kernel")
STUB_LINE = "corr2d is not implemented yet"


def solved(flipped: bool = False) -> nbformat.NotebookNode:
    style = next(s for s in correct.STYLES if s.assignment == A and s.name == "vectorised")
    nb = correct.build(style, STUDENT_NB)
    if flipped:
        cell = next(c for c in nb.cells if correct._grade_id(c) == "corr2d")
        cell.source = FLIPPED.code
    return nb


def cell(nb, grade_id: str):
    return next(c for c in nb.cells if correct._grade_id(c) == grade_id)


def run(nb, cells: int | None = None, allow_errors: bool = True) -> nbformat.NotebookNode:
    """Execute like JupyterLab's Run All in a learner's session (no NBGRADER_EXECUTION)."""
    if cells is not None:
        nb.cells = nb.cells[:cells]
    env_free = {"metadata": {"path": str(STUDENT_NB.parent)}}
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=allow_errors,
                   resources=env_free).execute()
    return nb


def text_of(c) -> str:
    parts = []
    for out in c.outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append("\n".join(out.traceback))
    return re.sub(r"\x1b\[[0-9;]*m", "", "".join(parts))


# ----------------------------------------------------------------------------- fast


def test_expect_describes_the_float_result_and_uses_the_hidden_checks_tolerance():
    with pytest.raises(CheckFailure) as info:
        expect(np.array([[13.0, 23.0]]), [[27, 37]], case="tiny",
               mistakes={"flipped_kernel": [[13, 23]]})
    message = str(info.value)
    assert "expected: float64 array of shape (1, 2)" in message, message
    assert "int64" not in message
    assert "(tolerance 1e-10)" in message
    with pytest.raises(CheckFailure):  # 1e-9 off is a failure now, as in the hidden checks
        expect(np.array([27.0 + 1e-9]), [27.0], case="close")
    expect(np.array([27.0 + 1e-12]), [27], case="close enough")


def _course_with(tmp_path: Path, edit) -> Path:
    root = tmp_path / "course"
    (root / "source" / A).mkdir(parents=True)
    nb = nbformat.read(build.ROOT / "source" / A / f"{A}.ipynb", as_version=4)
    edit(nb)
    nbformat.write(nb, root / "source" / A / f"{A}.ipynb")
    return root


def test_build_requires_require_implemented_in_every_graded_cell(tmp_path):
    def drop(nb):
        c = next(c for c in nb.cells if correct._grade_id(c) == "test-corr2d-hidden")
        c.source = c.source.replace("require_implemented(corr2d, X_lecture, K_lecture)", "")

    root = _course_with(tmp_path, drop)
    with pytest.raises(build.BuildError, match=r"cell \d+ \(id test-corr2d-hidden\).*"
                                               r"require_implemented\(corr2d"):
        build.check_test_cells(build.find_sources(root)[0], root)


def test_build_requires_the_visible_test_mark_on_checking_cells(tmp_path):
    def unmark(nb):
        c = next(c for c in nb.cells if correct._grade_id(c) == "test-edge-visible")
        c.source = c.source.replace("# Visible test", "# A test", 1)

    root = _course_with(tmp_path, unmark)
    with pytest.raises(build.BuildError, match="test-edge-visible.*# Visible test"):
        build.check_test_cells(build.find_sources(root)[0], root)
    for src in build.find_sources():  # the course itself keeps both conventions
        build.check_test_cells(src, build.ROOT)


# ----------------------------------------------------------------------------- nbgrader validate


@pytest.fixture(scope="module")
def validated(tmp_path_factory) -> dict[str, str]:
    """``nbgrader validate`` on three versions of notebook 01, run at the same time."""
    folder = tmp_path_factory.mktemp("validate")
    notebooks = {"correct": solved(), "flipped": solved(flipped=True),
                 "untouched": nbformat.read(STUDENT_NB, as_version=4)}
    procs = {}
    for name, nb in notebooks.items():
        path = folder / name / f"{A}.ipynb"
        path.parent.mkdir()
        nbformat.write(nb, path)
        procs[name] = subprocess.Popen(
            [str(Path(sys.executable).parent / "nbgrader"), "validate", str(path)], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return {name: proc.communicate(timeout=600)[0] for name, proc in procs.items()}


@pytest.mark.slow
def test_validate_passes_a_correct_notebook(validated):
    out = validated["correct"]
    assert "Success! Your notebook passes all the tests." in out, out


@pytest.mark.slow
def test_validate_fails_a_flipped_kernel_naming_corr2d_and_the_mistake(validated):
    out = validated["flipped"]
    assert "VALIDATION FAILED ON 1 CELL(S)!" in out, out
    assert "require_implemented(corr2d, X_lecture, K_lecture)" in out  # the graded cell
    assert "corr2d failed a visible test above" in out, out
    assert 'case "X = arange(9).reshape(3, 3), K = [[1, 2], [3, 4]]"' in out
    assert "likely mistake: the kernel is flipped" in out
    assert "Success!" not in out


@pytest.mark.slow
def test_validate_fails_the_untouched_notebook_as_not_implemented(validated):
    out = validated["untouched"]
    assert "VALIDATION FAILED ON 6 CELL(S)!" in out, out
    for name in ("corr2d", "conv2d_multi", "conv_params", "fc_params",
                 "locally_connected_params", "edge_kernel"):
        assert f"NotImplementedError: {name} is not implemented yet" in out, name
    assert "Traceback" not in out


# ----------------------------------------------------------------------------- in the notebook


@pytest.mark.slow
def test_a_failing_visible_test_shows_its_report_without_a_traceback():
    nb = solved(flipped=True)
    stop = nb.cells.index(cell(nb, "test-corr2d-visible")) + 1
    # Run All stops at the visible test: it is an error for the kernel (and nbgrader, nbval)
    with pytest.raises(CellExecutionError, match="CheckFailure"):
        run(nb, cells=stop + 1, allow_errors=False)
    visible = cell(nb, "test-corr2d-visible")
    errors = [o for o in visible.outputs if o.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename == "CheckFailure", visible.outputs
    shown = text_of(visible)
    assert shown.splitlines()[0] == "CheckFailure: corr2d failed a visible test", shown
    assert 'case "X = arange(9).reshape(3, 3), K = [[1, 2], [3, 4]]":' in shown
    assert "expected: float64 array of shape (2, 2)" in shown
    assert "max abs error: 14 (tolerance 1e-10)" in shown
    assert "likely mistake: the kernel is flipped" in shown
    for internal in ("autograder/", "feedback.py", "Traceback", "File ", "---->"):
        assert internal not in shown, f"{internal!r} in the learner's error:\n{shown}"
    assert len(shown.splitlines()) <= 8
    assert cell(nb, "test-corr2d-hidden").execution_count is None  # never reached


@pytest.mark.slow
def test_stubs_say_one_line_and_run_all_reaches_the_last_cell():
    nb = run(nbformat.read(STUDENT_NB, as_version=4), allow_errors=False)  # raises on an error
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[-1].execution_count is not None, "Run All did not reach the last cell"
    assert text_of(cell(nb, "test-corr2d-visible")) == (
        f"{STUB_LINE}: the rest of this cell is skipped.\n")
    assert text_of(cell(nb, "test-corr2d-hidden")) == f"{STUB_LINE}\n"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    # the prose figures that need no answer are drawn
    figures = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 2


def test_a_class_whose_method_is_a_stub_is_named_as_the_learner_wrote_it():
    code = [
        "from autograder.checks.feedback import require_implemented",
        "class Block:\n    def __init__(self, c):\n        raise NotImplementedError\n",
        "class Twice:\n    def __init__(self, c):\n        self.c = c\n"
        "    def forward(self, x):\n        raise NotImplementedError\n",
        "def double(c):\n    return Twice(c).forward(c)\n",
        "require_implemented(Block, 3)\nrequire_implemented(double, 3)",
    ]
    nb = run(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in code]),
             allow_errors=False)
    assert text_of(nb.cells[-1]) == ("Block is not implemented yet\n"
                                     "Twice.forward is not implemented yet (double calls it)\n")


def test_a_name_assigned_inside_a_with_block_after_a_stub_is_skipped_in_one_line():
    # notebook 09 builds its networks inside `with torch.device("meta"):`; a later cell that
    # reads them says why they are missing instead of raising a NameError
    code = [
        "import autograder.checks.feedback\n\ndef build(c):\n    raise NotImplementedError\n",
        "import contextlib\nwith contextlib.nullcontext():\n    nets = {c: build(c) for c in (1, 2)}\n"
        "    for c in nets:\n        total = c\n",
        "print(len(nets))",
        "print(total)",
    ]
    nb = run(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in code]),
             allow_errors=False)
    assert text_of(nb.cells[1]) == "build is not implemented yet: the rest of this cell is skipped.\n"
    for index, name in ((2, "nets"), (3, "total")):
        assert text_of(nb.cells[index]) == (f"{name} is not defined because build is not "
                                            "implemented yet: the rest of this cell is skipped.\n")
