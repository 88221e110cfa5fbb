"""The one-source build: source/ -> notebooks/ (student) and solutions/ (reference)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.course import build
from autograder.course.build import BuildError, cell_to_module_code

SOURCES = build.find_sources()


def test_there_is_at_least_one_source_notebook():
    assert SOURCES, "no source notebooks found under source/*/*.ipynb"


def test_committed_build_is_fresh(root):
    problems = build.stale_files(root)
    assert not problems, "generated files are out of date:\n" + "\n".join(problems)


def test_stale_check_names_changed_missing_and_orphan_files(course_copy):
    # change a solution in a source notebook, delete one generated file, add an orphan
    nb_path = course_copy / "source/01_convolution/01_convolution.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "corr2d")
    cell.source = cell.source.replace("Valid 2-D cross-correlation", "Valid 2D cross-correlation")
    nbformat.write(nb, nb_path)
    (course_copy / "solutions/__init__.py").unlink()
    (course_copy / "notebooks/99_gone").mkdir()
    (course_copy / "notebooks/99_gone/99_gone.ipynb").write_text("{}")

    problems = "\n".join(build.stale_files(course_copy))

    assert "solutions/convolution.py: stale" in problems
    assert "notebooks/01_convolution/01_convolution.ipynb: stale" in problems
    assert "solutions/__init__.py: missing" in problems
    assert "notebooks/99_gone/99_gone.ipynb: orphan" in problems


def test_release_writes_into_the_course_and_removes_orphans(course_copy):
    orphan = course_copy / "solutions/old_module.py"
    orphan.write_text("x = 1\n")
    (course_copy / "notebooks/01_convolution/01_convolution.ipynb").unlink()
    written = build.release(course_copy)
    assert "notebooks/01_convolution/01_convolution.ipynb" in written
    assert (course_copy / "notebooks/01_convolution/01_convolution.ipynb").exists()
    assert not orphan.exists()
    assert build.stale_files(course_copy) == []


def test_generated_files_are_stamped_with_their_source(root):
    for rel, path in build.generated_files(root).items():
        if rel.endswith(".py"):
            first = path.read_text().splitlines()[0]
            assert first.startswith("# Generated from source/") and "Do not edit" in first, rel
        else:
            meta = json.loads(path.read_text())["metadata"][build.STAMP_KEY]
            assert meta["generated_from"] == "source/" + rel.split("/", 1)[1], rel
            assert "do not edit" in meta["note"], rel


# ----------------------------------------------------------------------------- student notebooks


def _solution_lines(source: str) -> list[str]:
    """Non-trivial lines inside ### BEGIN SOLUTION ... ### END SOLUTION."""
    inside, lines = False, []
    for line in source.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif inside and len(line.strip()) > 12:
            lines.append(line.strip())
    return lines


def _hidden_lines(source: str) -> list[str]:
    inside, lines = False, []
    for line in source.splitlines():
        if "### BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "### END HIDDEN TESTS" in line:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


@pytest.mark.parametrize("src", SOURCES, ids=lambda s: s.name)
def test_student_notebook_has_no_solutions_hidden_tests_or_outputs(root, src):
    student_path = root / "notebooks" / src.assignment / src.path.name
    assert student_path.exists(), f"{student_path} missing: run `make release`"
    source_text = src.path.read_text()
    student = nbformat.read(student_path, as_version=4)
    student_text = "\n".join(c.source for c in student.cells)
    secret, public = [], []
    for cell in nbformat.read(src.path, as_version=4).cells:
        secret += _solution_lines(cell.source) + _hidden_lines(cell.source)
        public.append(re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS).*?### END (SOLUTION|HIDDEN TESTS)",
                             "", cell.source, flags=re.S))
    # a line that also appears outside the solution regions (a hint, a demo) is not secret
    secret = [line for line in secret if line not in "\n".join(public)]
    assert secret, f"{src.name}: the source has no solution or hidden-test lines to hide"
    leaked = [line for line in secret if line in student_text]
    assert not leaked, f"{student_path.name} leaks source lines: {leaked[:3]}"
    assert not re.search(r"^\s*(from|import) solutions\b", student_text, re.M), (
        f"{student_path.name} imports the reference package")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in student_text, f"{student_path.name} still contains '{marker}'"
    assert "BEGIN HIDDEN TESTS" in source_text
    for index, cell in enumerate(student.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{student_path.name} cell {index} has outputs"
            assert cell.execution_count is None, f"{student_path.name} cell {index} has a count"
            stub = cell.metadata.get("nbgrader", {}).get("solution")
            if stub:
                assert "raise NotImplementedError" in cell.source, f"cell {index}: stub must raise"


@pytest.mark.slow
def test_nbgrader_validate_invert_passes_on_student_notebook(root, tmp_path):
    # validate --invert passes when the unmodified notebook fails its tests. One notebook here:
    # every student notebook's tests are run, and must all fail, in the nbgrader cycle (its
    # blank submission scores 0), and every graded cell calls require_implemented
    # (test_validate), so the button cannot say Success to an unfinished notebook.
    src = SOURCES[0]
    student_path = root / "notebooks" / src.assignment / src.path.name
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", "--invert", str(student_path)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "Success!" in out, out


# ----------------------------------------------------------------------------- exporter


def test_export_removes_markers_and_student_sections():
    cell = '''def f(x):
    """Double x.

    x: (N,)
    Returns out: (N,), out = 2 x

    TODO: multiply.
        more todo text
    HINTS: use *.
    EXAMPLE:
        >>> f(1)
        2
    """
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION'''
    code = cell_to_module_code(cell, "nb cell 3")
    assert "BEGIN SOLUTION" not in code and "END SOLUTION" not in code
    assert "TODO" not in code and "HINTS" not in code and "more todo text" not in code
    assert "EXAMPLE:" in code and ">>> f(1)" in code and "Returns out: (N,)" in code
    namespace: dict = {}
    exec(code, namespace)
    assert namespace["f"](3) == 6


def test_export_strips_a_trailing_student_section():
    code = cell_to_module_code('def g():\n    """Return 1.\n\n    TODO: do it.\n    """\n    return 1', "x")
    assert code == 'def g():\n    """Return 1.\n    """\n    return 1'


def test_export_rejects_statements_that_are_not_definitions():
    with pytest.raises(BuildError, match=r"nb.ipynb cell 7.*line 2.*Expr"):
        cell_to_module_code("import numpy as np\nprint(np.pi)", "nb.ipynb cell 7")
    with pytest.raises(BuildError, match="not valid Python"):
        cell_to_module_code("def f(:\n    pass", "nb.ipynb cell 8")


def test_release_fails_cleanly_on_a_broken_source(course_copy):
    nb_path = course_copy / "source/01_convolution/01_convolution.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "corr2d")
    cell.source += "\ncorr2d(1, 2)"
    nbformat.write(nb, nb_path)
    before = (course_copy / "solutions/convolution.py").read_text()
    with pytest.raises(BuildError, match=re.escape("01_convolution.ipynb cell")):
        build.release(course_copy)
    assert (course_copy / "solutions/convolution.py").read_text() == before


def test_every_solution_name_is_exported_once(root):
    import solutions

    names = solutions.__all__
    assert len(names) == len(set(names)), f"a name is exported twice: {names}"
    missing = [name for name in names if not hasattr(solutions, name)]
    assert not missing, f"solutions.__all__ names {missing}, which solutions does not define"
    assert Path(solutions.__file__).parent == root / "solutions"


def test_student_side_modules_work_without_the_reference_package(root):
    # a student's machine has no solutions/: everything the student notebooks import must load
    code = ("import sys; sys.modules['solutions'] = None; "
            "import autograder.checks.feedback, coursekit.arrays, coursekit.data, coursekit.plots, "
            "coursekit.previous; "
            "from autograder.checks.feedback import expect; expect([[1.0]], [[1.0]], case='ok')")
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_solutions_imports_only_the_module_a_name_needs(root):
    # grading notebook 01 must not pay for torch, which notebook 04's module imports
    code = ("import sys\nfrom solutions import corr2d, conv2d_fast, max_pool2d\n"
            "assert corr2d.__module__ == 'solutions.convolution'\n"
            "print('torch' in sys.modules)\n"
            "import solutions\nsolutions.relu\nprint('torch' in sys.modules)\n"
            "print(sorted(dir(solutions)) == sorted(solutions.__all__))\n"
            "try:\n    solutions.not_a_name\nexcept AttributeError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[:3] == ["False", "True", "True"]
    assert out[3] == "module 'solutions' has no attribute 'not_a_name'"


def test_release_refuses_a_name_exported_by_two_notebooks(course_copy):
    # notebook 02 defining its own corr2d would shadow notebook 01's in `from solutions import`
    nb_path = course_copy / "source/02_padding_stride/02_padding_stride.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "pad2d")
    cell.source += "\n\n\ndef corr2d(x, k):\n    return x\n"
    nbformat.write(nb, nb_path)
    with pytest.raises(BuildError, match=r"corr2d is exported by two source notebooks.*"
                                         r"convolution\.py and solutions/padding_stride\.py"):
        build.release(course_copy)
