"""The student copy (`python -m autograder bundle`, `make student`): nothing of the reference or the
hidden checks is in it, and its notebooks run their visible tests with only the copy's own code:
notebook 01, solved, passes the copy's own `make test` in a Python where `solutions` and the
hidden checks cannot be imported."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import tomllib
from pathlib import Path

import nbformat
import pytest

from autograder.course import bundle

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.heldin import correct  # noqa: E402

HIDDEN_MODULES = ("autograder/checks/exercises/", "autograder/checks/core.py",
                  "autograder/checks/probes.py")


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "student"
    made = bundle.build_bundle(ROOT, out)
    assert made.out == out
    return out


def files_of(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def code_of(path: Path) -> str:
    """A file's code: a notebook's code cells joined, any other file as it is."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    return path.read_text(encoding="utf-8", errors="replace")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, in every code cell or anywhere in the module."""
    sources = [path.read_text(encoding="utf-8")] if path.suffix == ".py" else [
        c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    found = set()
    for source in sources:
        for node in ast.walk(bundle.parse_code(source, path.name)):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def functions(tree: ast.AST) -> list[ast.FunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def body_without_docstring(fn: ast.FunctionDef) -> list[ast.stmt]:
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return body


def handed_out_names() -> set[str]:
    """Functions and classes given to students on purpose, so also in solutions/: those of the
    notebooks' setup cells (tagged export), and those of answer cells that hold no solution
    region (notebook 07's `googlenet(...)`, which only calls the class the learner writes)."""
    names = set()
    for path in (ROOT / "source").glob("*/*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            tree = ast.parse(cell.source)
            exported = "export" in cell.metadata.get("tags", [])
            lines = cell.source.splitlines()
            regions = [i + 1 for i, line in enumerate(lines)
                       if line.strip() in ("### BEGIN SOLUTION", "### END SOLUTION")]
            for node in tree.body if not exported else ast.walk(tree):
                if not isinstance(node, ast.FunctionDef | ast.ClassDef):
                    continue
                inside = any(node.lineno <= r <= (node.end_lineno or node.lineno)
                             for r in regions)
                if exported or not inside:
                    names.add(node.name)
    return names


def reference_bodies() -> dict[str, tuple[str, str]]:
    """{qualified name: (ast dump of the body, its source text)} of every answer in solutions/."""
    given = handed_out_names()
    trees = {path: ast.parse(path.read_text(encoding="utf-8"))
             for path in sorted((ROOT / "solutions").glob("*.py"))}
    skip = {id(n) for tree in trees.values() for top in tree.body
            if isinstance(top, ast.FunctionDef | ast.ClassDef) and top.name in given
            for n in ast.walk(top)}
    # a body that the course hands out (an export cell's helper, such as notebook 07's
    # `scaled`) is public, wherever else it recurs (the same one-liner inside notebook 06's vgg)
    public = {ast.dump(ast.Module(body_without_docstring(fn), []))
              for tree in trees.values() for fn in functions(tree) if id(fn) in skip}
    bodies = {}
    for path, tree in trees.items():
        source = path.read_text(encoding="utf-8")
        for fn in functions(tree):
            body = body_without_docstring(fn)
            if id(fn) in skip or not body or ast.dump(ast.Module(body, [])) in public:
                continue
            text = "\n".join(ast.get_source_segment(source, s, padded=True) or "" for s in body)
            bodies[f"{path.stem}.{fn.name}"] = (ast.dump(ast.Module(body, [])),
                                                textwrap.dedent(text).strip())
    assert len(bodies) > 20, sorted(bodies)
    return bodies


# ----------------------------------------------------------------------------- contents


def test_holds_no_reference_hidden_checks_or_source(copy):
    files = files_of(copy)
    assert "notebooks/01_convolution/01_convolution.ipynb" in files
    assert "autograder/checks/feedback.py" in files
    for rel in files:
        assert not rel.startswith(("solutions/", "source/", "tests/", *HIDDEN_MODULES)), rel
        assert Path(rel).name not in ("core.py", "probes.py", "gradebook.db"), rel
    for rel in files:
        text = (copy / rel).read_text(encoding="utf-8", errors="replace")
        for marker in ("BEGIN HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION"):
            assert marker not in text, f"{rel} contains {marker}"
        if rel.endswith((".py", ".ipynb")):
            for module in imported_modules(copy / rel):
                assert not module.startswith(("solutions", "autograder.checks.core",
                                              "autograder.checks.exercises",
                                              "autograder.checks.probes")), f"{rel}: {module}"


def test_holds_no_reference_solution_body(copy):
    bodies = reference_bodies()
    dumps = {dump: name for name, (dump, _) in bodies.items()}
    for rel in files_of(copy):
        path = copy / rel
        code = code_of(path)
        for name, (_, text) in bodies.items():
            if text.count("\n") >= 1:  # two lines or more: text that cannot recur by chance
                assert text not in code, f"{rel} contains the body of solutions.{name}"
        if path.suffix not in (".py", ".ipynb"):
            continue
        cells = [code] if path.suffix == ".py" else [
            c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        for source in cells:
            try:
                tree = bundle.parse_code(source, rel)
            except bundle.BundleError:
                continue
            for fn in functions(tree):
                dump = ast.dump(ast.Module(body_without_docstring(fn), []))
                assert dump not in dumps, f"{rel}: {fn.name} is solutions.{dumps[dump]}"


def test_has_its_own_setup_and_learner_lab(copy):
    makefile = (copy / "Makefile").read_text()
    assert "\nlab:" in makefile and "\ntest:" in makefile
    assert "jupyter/learner" in makefile
    readme = (copy / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
    pyproject = tomllib.loads((copy / "pyproject.toml").read_text())
    assert pyproject["tool"]["setuptools"]["packages"]["find"]["include"] == [
        "autograder*", "coursekit*"]
    assert "--nbval-lax" in pyproject["tool"]["pytest"]["ini_options"]["addopts"]
    requirements = (copy / "requirements.txt").read_text()
    for name in ("jupyterlab", "numpy", "torch", "matplotlib", "scikit-learn", "tqdm", "nbval"):
        assert f"\n{name}==" in requirements, name
    page = json.loads((copy / "jupyter/learner/labconfig/page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    manifest = (copy / "MANIFEST").read_text().splitlines()
    assert manifest[0] == bundle.MANIFEST_HEADER
    assert sorted(manifest[1:]) == [f for f in files_of(copy) if f != "MANIFEST"]


def test_rebuilds_over_itself_and_refuses_other_folders(copy, tmp_path):
    (copy / "notebooks/stray.txt").write_text("left from an earlier copy")
    bundle.build_bundle(ROOT, copy)
    assert not (copy / "notebooks/stray.txt").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    with pytest.raises(bundle.BundleError, match="not a student copy"):
        bundle.build_bundle(ROOT, mine)
    assert (mine / "thesis.tex").read_text() == "precious"
    for bad in (ROOT, ROOT / "notebooks" / "x", ROOT.parent):
        with pytest.raises(bundle.BundleError):
            bundle.build_bundle(ROOT, bad)


def _course(tmp_path: Path, cell: str, helper: str = "") -> Path:
    root = tmp_path / "course"
    (root / "notebooks/01_a").mkdir(parents=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    nbformat.write(nb, root / "notebooks/01_a/01_a.ipynb")
    (root / "helpers").mkdir()
    (root / "helpers/__init__.py").write_text('"""Helpers."""\n')
    (root / "helpers/tools.py").write_text(helper)
    (root / "solutions").mkdir()
    (root / "solutions/__init__.py").write_text("ANSWER = 42\n")
    return root


def test_refuses_a_notebook_that_would_need_the_reference(tmp_path):
    root = _course(tmp_path, "from helpers.tools import f\n",
                   "def f():\n    from solutions import ANSWER\n    return ANSWER\n")
    with pytest.raises(bundle.BundleError, match=r"solutions.*01_a.ipynb cell 0 -> helpers.tools"):
        bundle.build_bundle(root, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_refuses_a_notebook_with_hidden_tests(tmp_path):
    root = _course(tmp_path, "### BEGIN HIDDEN TESTS\nassert True\n### END HIDDEN TESTS\n")
    with pytest.raises(bundle.BundleError, match="BEGIN HIDDEN TESTS"):
        bundle.build_bundle(root, tmp_path / "out")


def test_make_student_runs_the_bundle_command():
    proc = subprocess.run(["make", "-n", "student", "OUT=/tmp/x"], cwd=ROOT, capture_output=True,
                          text=True)
    assert "-m autograder bundle --out /tmp/x" in proc.stdout, proc.stdout + proc.stderr


# ----------------------------------------------------------------------------- running it

GUARD_CELL = """\
# test only: the copy's code, and nothing else of the course, is importable here
import importlib, importlib.util, pathlib
here = pathlib.Path.cwd().resolve().parent.parent
for name in ("solutions", "autograder.checks.core", "autograder.checks.exercises",
             "autograder.checks.probes", "autograder.course", "autograder.verdict"):
    try:
        found = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        found = None
    assert found is None, f"{name} is importable: {found}"
for path in sorted(p for p in here.glob("[a-z]*/**/*.py")  # every module of the copy
                   if (here / p.relative_to(here).parts[0] / "__init__.py").is_file()):
    module = importlib.import_module(".".join(path.relative_to(here).with_suffix("").parts)
                                     .removesuffix(".__init__"))
    assert pathlib.Path(module.__file__).resolve().is_relative_to(here), module.__file__
print("isolated")
"""


def _venv_for(copy: Path) -> Path:
    """The copy's .venv as its Makefile leaves it, without downloading: a new virtual environment
    that sees this one's installed packages but not the course checkout, with the copy's folder
    on its path as the Makefile's editable install (compat mode) puts it there."""
    venv = copy / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = venv / Path(sysconfig.get_path("purelib")).relative_to(sys.prefix)
    assert site.is_dir(), site
    # plain path lines: this environment's packages, but not its .pth files (the course's own
    # editable install is one of them), and the copy itself
    (site / "course_packages.pth").write_text(sysconfig.get_path("purelib") + "\n")
    (site / "__editable__.cnn_course_student.pth").write_text(f"{copy}\n")
    (venv / ".installed").touch()
    return venv


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_solved_notebook_01_passes_the_copys_make_test_without_the_reference(copy, tmp_path):
    student = tmp_path / "student"
    shutil.copytree(copy, student)
    style = next(s for s in correct.STYLES if (s.assignment, s.name) == ("01_convolution",
                                                                         "loops"))
    path = student / "notebooks/01_convolution/01_convolution.ipynb"
    nb = correct.build(style, path)
    nb.cells.append(nbformat.v4.new_code_cell(GUARD_CELL))
    nbformat.write(nb, path)
    _venv_for(student)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER", "NBGRADER"))}
    proc = subprocess.run(["make", "test", f"ARGS={path.relative_to(student)} -q"], cwd=student,
                          capture_output=True, text=True, env=env, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert " passed" in out and "failed" not in out, out[-3000:]
