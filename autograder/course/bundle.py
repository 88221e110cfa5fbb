"""The student copy of the course: ``python -m autograder bundle [--out DIR]`` (``make student``).

A graded class hands out this folder, not the repository. It holds

* ``notebooks/``, the student notebooks as ``make release`` generated them;
* the course modules those notebooks import, followed transitively through every import of
  every module taken (``coursekit/`` and the student-safe ``autograder/checks/feedback.py``
  today), and nothing else. A package that is only the parent of a module taken keeps its
  ``__init__.py`` if that file needs nothing it may not have, else gets a one-line one;
* its own ``README.md`` for learners, ``Makefile`` (``make lab``, ``make test``),
  ``requirements.txt`` (the course's pins of what it needs), ``pyproject.toml`` (installs the
  helpers, configures ``make test``), ``nbgrader_config.py`` (the Validate button's settings),
  the learner lab's Jupyter configuration (``jupyter/learner/``) and a ``MANIFEST``.

It never holds the reference (``solutions/``), the hidden checks (``autograder/checks/core.py``,
``probes.py``, ``exercises/``), ``source/`` or the tests: the build stops with
:class:`BundleError`, naming the chain of imports, if anything taken would import one of them, and
if a notebook still holds a solution region or hidden tests.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course.build import NOTEBOOKS_DIR, ROOT

DEFAULT_OUT = Path("dist") / "cnn-course-student"
NAME = "cnn-course-student"
MANIFEST_HEADER = "cnn-course student copy, built by `python -m autograder bundle`"
LEARNER_CONFIG = Path("jupyter") / "learner"

# Modules that hold answers or hidden checks: never in the student copy.
FORBIDDEN = ("solutions", "autograder.checks.core", "autograder.checks.probes",
             "autograder.checks.exercises")
# Text that only the instructor side has.
FORBIDDEN_TEXT = ("### BEGIN SOLUTION", "### END SOLUTION", "BEGIN HIDDEN TESTS",
                  "END HIDDEN TESTS")
# The course's pinned requirements the student copy installs (their lines are copied from the
# course's requirements.txt). nbgrader is there for the Validate button, nbval and pytest for
# `make test`, setuptools for the editable install of the helpers.
STUDENT_REQUIREMENTS = ("jupyterlab", "notebook", "nbgrader", "nbval", "pytest", "numpy",
                        "matplotlib", "torch", "scikit-learn", "scikit-image", "tqdm",
                        "setuptools")
# The course's nbgrader settings that matter to a learner's Validate.
STUDENT_NBGRADER_SECTIONS = ("Validator", "Execute")


class BundleError(Exception):
    """The student copy cannot be built safely; the message says why."""


# ----------------------------------------------------------------------------- imports


@dataclass(frozen=True)
class Import:
    module: str          # absolute dotted name
    names: tuple = ()    # for ``from module import a, b``: ("a", "b")


def parse_code(source: str, where: str) -> ast.Module:
    """A module's or a notebook cell's code, IPython syntax (magics, ``!cmd``) dropped."""
    from coursekit.previous import plain_python

    try:
        return plain_python(source)
    except SyntaxError as exc:
        raise BundleError(f"{where}: cannot parse: {exc}") from None


def imports_in(tree: ast.Module, package: str = "") -> list[Import]:
    """Every import statement anywhere in ``tree`` (module level, functions, try blocks);
    relative imports resolved against ``package``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append(Import(module, tuple(alias.name for alias in node.names)))
    return found


def notebook_code(path: Path) -> list[tuple[int, str]]:
    """(index, source) of every code cell of a notebook."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(i, "".join(cell.get("source", "")))
            for i, cell in enumerate(nb.get("cells", [])) if cell.get("cell_type") == "code"]


def _is_forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


@dataclass
class Modules:
    """The course modules the student copy needs, found from the notebooks' imports."""

    root: Path
    files: dict[str, Path] = field(default_factory=dict)       # module -> file, taken whole
    markers: dict[str, Path] = field(default_factory=dict)     # package -> __init__, parent only
    third_party: dict[str, str] = field(default_factory=dict)  # top-level name -> first user

    def local_file(self, module: str) -> Path | None:
        """The file of a course module (``root/a/b.py`` or ``root/a/b/__init__.py``)."""
        parts = module.split(".")
        top = self.root / parts[0]
        if not ((top / "__init__.py").is_file() or top.with_suffix(".py").is_file()):
            return None
        base = self.root.joinpath(*parts)
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                return candidate
        return None

    def is_local(self, module: str) -> bool:
        top = self.root / module.split(".")[0]
        return (top / "__init__.py").is_file() or top.with_suffix(".py").is_file()

    def add_imports(self, imports: list[Import], chain: tuple[str, ...]) -> None:
        for imp in imports:
            if not imp.module:
                continue
            if not self.is_local(imp.module):
                top = imp.module.split(".")[0]
                if top not in sys.stdlib_module_names:
                    self.third_party.setdefault(top, " -> ".join(chain))
                continue
            # ``from pkg import sub`` takes the submodule pkg.sub; pkg itself is then only its
            # parent, needed whole when a name comes from its __init__.py
            subs = [f"{imp.module}.{n}" for n in imp.names
                    if n != "*" and self.local_file(f"{imp.module}.{n}") is not None]
            if not imp.names or len(subs) < len(imp.names):
                self.add(imp.module, chain)
            for module in subs:
                self.add(module, chain)

    def add(self, module: str, chain: tuple[str, ...]) -> None:
        if _is_forbidden(module):
            raise BundleError(
                f"the student copy would need {module}, which holds answers or hidden checks: "
                + " -> ".join((*chain, module)))
        if module in self.files:
            return
        path = self.local_file(module)
        if path is None:
            raise BundleError(f"{' -> '.join(chain)} imports {module}, which is not in the course")
        self.files[module] = path
        self.markers.pop(module, None)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        where = path.relative_to(self.root).as_posix()
        self.add_imports(imports_in(parse_code(path.read_text(encoding="utf-8"), where),
                                    package), (*chain, module))
        parts = module.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent not in self.files:
                self.markers[parent] = self.root.joinpath(*parts[:i], "__init__.py")


def find_modules(root: Path, notebooks: list[Path]) -> Modules:
    """The course modules the notebooks import, transitively (see the module docstring)."""
    found = Modules(root)
    for path in notebooks:
        rel = path.relative_to(root).as_posix()
        for index, source in notebook_code(path):
            where = f"{rel} cell {index}"
            found.add_imports(imports_in(parse_code(source, where)), (where,))
    return found


def parent_packages(modules: Modules) -> dict[str, str]:
    """The ``__init__.py`` text of every package that is only a parent of modules taken: the
    whole file if everything it imports may be taken too (it then joins ``modules.files``),
    else a docstring alone."""
    stubs: dict[str, str] = {}
    while pending := [p for p in modules.markers if p not in stubs and p not in modules.files]:
        for package in pending:
            trial = Modules(modules.root, dict(modules.files), dict(modules.markers),
                            dict(modules.third_party))
            try:
                trial.add(package, (f"{package} (parent package)",))
            except BundleError:
                stubs[package] = (f'"""The course\'s {package} package, as far as the student '
                                  'copy needs it: only the modules the notebooks import."""\n')
            else:
                modules.files, modules.markers = trial.files, trial.markers
                modules.third_party = trial.third_party
    return {p: text for p, text in stubs.items() if p not in modules.files}


# ----------------------------------------------------------------------------- requirements


def _requirement_name(line: str) -> str | None:
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    return re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def student_requirements(root: Path) -> str:
    """The course's requirements.txt lines (and the comments above them) for
    :data:`STUDENT_REQUIREMENTS`."""
    wanted = {_canonical(n) for n in STUDENT_REQUIREMENTS}
    out = ["# Exact pins, the same as the course's. `make lab` / `make test` install this into",
           "# .venv once (the stamp .venv/.installed records it; editing this file reinstalls).",
           ""]
    comments: list[str] = []
    found = set()
    for line in (root / "requirements.txt").read_text(encoding="utf-8").splitlines():
        name = _requirement_name(line)
        if name is None:
            comments = comments + [line] if line.startswith("#") else []
            continue
        if _canonical(name) in wanted:
            found.add(_canonical(name))
            out += [c for c in comments if "make lab" not in c and ".installed" not in c]
            out.append(line.strip())
        comments = []
    missing = wanted - found
    if missing:
        raise BundleError(f"requirements.txt has no pin for {sorted(missing)}")
    return "\n".join(out) + "\n"


def _installed_closure(names: tuple[str, ...]) -> set[str] | None:
    """Canonical names of ``names`` and everything they require (extras left out); None if the
    metadata is not installed here."""
    seen: set[str] = set()
    todo = [_canonical(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            if name in {_canonical(n) for n in names}:
                return None
            continue
        for req in requires:
            if "extra ==" in req:
                continue
            dep = _requirement_name(req)
            if dep:
                todo.append(_canonical(dep))
    return seen


def check_third_party(modules: Modules) -> None:
    """Every third-party import of the copy comes with its requirements."""
    closure = _installed_closure(STUDENT_REQUIREMENTS)
    if closure is None:
        return  # not in the course's environment: nothing to compare with
    dists = importlib.metadata.packages_distributions()
    for top, user in sorted(modules.third_party.items()):
        provided = {_canonical(d) for d in dists.get(top, [])}
        if not provided:
            raise BundleError(f"{user} imports {top}, which is not installed here")
        if not provided & closure:
            raise BundleError(f"{user} imports {top} ({', '.join(sorted(provided))}), which the "
                              "student copy's requirements do not install; add it to "
                              "STUDENT_REQUIREMENTS in autograder/course/bundle.py")


# ----------------------------------------------------------------------------- generated files


def student_nbgrader_config(root: Path) -> str:
    """nbgrader_config.py of the copy: the course's settings for Validate, nothing else."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", str(root)).load_config()
    lines = ['"""nbgrader settings of the student copy: what the Validate button needs."""',
             "", "c = get_config()  # noqa: F821  (injected by nbgrader)", ""]
    for section in STUDENT_NBGRADER_SECTIONS:
        if section not in config:
            continue
        for key, value in sorted(config[section].items()):
            if isinstance(value, str | int | float | bool | type(None)) or (
                    isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)):
                lines.append(f"c.{section}.{key} = {value!r}")
    lines += ["", "# Kernels get CurveZMQ keys (no \"TCP without encryption\" warning) where "
              "pyzmq supports it.", "try:", "    import zmq", "",
              '    if zmq.has("curve"):', '        c.KernelManager.transport_encryption = "auto"',
              "except ImportError:", "    pass"]
    return "\n".join(lines) + "\n"


PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "0.1.0"
description = "An open course on convolutional neural networks: the student copy."
requires-python = ">=3.11"
license = {{ text = "MIT" }}

[tool.setuptools.packages.find]
include = {packages}

[tool.pytest.ini_options]
# `make test`: every notebook runs from the top; a cell that raises fails (outputs are not compared)
testpaths = ["notebooks"]
addopts = "--nbval-lax -p no:cacheprovider"
"""

MAKEFILE = """\
# The student copy of the CNN course. Two commands: `make lab` and `make test`.
# Both create .venv and install requirements.txt on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ARGS   ?=

unexport PYTHONDONTWRITEBYTECODE
# Tools that nbgrader calls (alembic, jupyter) must come from .venv.
export PATH := $(abspath $(VENV))/bin:$(PATH)
# The learner lab: the Validate button, without nbgrader's instructor tools.
LEARNER := $(abspath {learner})

.PHONY: lab test

$(STAMP): requirements.txt pyproject.toml
\t@test -x $(PY) || $(PYTHON) -m venv $(VENV)
\t$(PY) -m pip install --quiet -r requirements.txt
\t@# the helpers (coursekit, the visible tests' checks) importable from every notebook
\t$(PY) -m pip install --quiet --no-deps --no-build-isolation --config-settings editable_mode=compat -e .
\t@touch $(STAMP)

## Open JupyterLab on notebooks/ (headless server: make lab ARGS=--no-browser, open the URL it prints)
ROOTFLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: $(STAMP)
\t@echo "JupyterLab for learners: open the URL printed below (ending in /lab/tree/notebooks)."
\tJUPYTER_CONFIG_PATH="$(LEARNER)$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH))" \\
\t\t$(VENV)/bin/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks $(ROOTFLAG) $(ARGS)

## Run every notebook's visible tests (one notebook: make test ARGS=notebooks/01_convolution)
# NBGRADER_EXECUTION: as under Validate, an unfinished exercise is an error, not a note.
test: $(STAMP)
\tNBGRADER_EXECUTION=validate $(PY) -m pytest $(ARGS)
"""

GITIGNORE = """\
.venv/
__pycache__/
*.egg-info/
.ipynb_checkpoints/
"""


def _title(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            first = "".join(cell.get("source", "")).strip().splitlines()
            if first:
                return first[0].lstrip("# ").strip()
    return path.stem


def learner_readme(notebooks: list[tuple[str, str]], helpers: list[str]) -> str:
    rows = "\n".join(f"| `{rel}` | {title} |" for rel, title in notebooks)
    helper_list = ", ".join(f"`{h}`" for h in helpers)
    return f"""\
# Convolutional Neural Networks: the student copy

The notebooks of an open course on convolutional neural networks, from one convolution by hand
to a CNN of your own functions trained on real digits, written in numpy and checked against
PyTorch. This is the copy a class hands out: the exercises and their visible tests, without the
answers and without the hidden tests that your instructor grades with.

## Setup: two commands

On a machine with Python 3.11 and `make`:

```bash
make lab     # creates .venv, installs everything, opens JupyterLab on notebooks/
make test    # runs every notebook from the top: every exercise done, every visible test passing
```

The first run installs into `.venv` (a few minutes: PyTorch is the large part); later runs
install nothing. On a server without a browser, run `make lab ARGS=--no-browser` and open the
URL it prints. `make test ARGS=notebooks/01_convolution` tests one notebook.

## The notebooks

Work through them in order; each one uses what the one before it taught.

| notebook | topic |
|---|---|
{rows}

## How to work

1. Open a notebook in JupyterLab and read it from the top, running each cell.
2. Fill in each cell marked `YOUR CODE HERE`: its docstring gives the shapes, a TODO, hints and an
   example. Replace the `raise NotImplementedError()` line with your code.
3. Run the test cell under it. A failing visible test says which case failed, what was
   expected, what your function returned and the likely mistake.
4. When a notebook is done, check all of it:
   - **Validate** (the button in the notebook's toolbar) runs your notebook from the top in a
     fresh kernel, as the grader will, and lists the test cells that fail.
   - **`make test`** runs every notebook from the top in a terminal and fails on any cell
     that raises: an unfinished exercise or a failing visible test.

   Both see only the visible tests. Your instructor grades with hidden tests as well: more
   cases (random shapes, strides, padding, bad input), so passing the visible tests is needed,
   not enough. Follow each docstring's contract (shapes, dtypes, `ValueError` on bad input).

Notebook 04 trains a CNN made of your own `conv2d_fast` (notebook 02) and `max_pool2d`
(notebook 03): it loads them from the notebooks next to it and checks them against PyTorch
first. If one is unfinished or wrong, it says so and uses PyTorch's, so the training still runs.

## Handing in

Hand in `notebooks/<assignment>/<assignment>.ipynb` as your instructor asks. Save first.
Keep the notebook's cells: write your answers in the `YOUR CODE HERE` cells and add cells of your
own if you like, but do not delete or copy the test cells (they are graded by their ids). Keep a
clean copy of this folder if you want to start a notebook over.

## What is in this folder

- `notebooks/`: your notebooks; work in them.
- the helpers the notebooks import (figures, data, the visible tests; no answers):
  {helper_list}.
- `jupyter/learner/`: the JupyterLab settings `make lab` uses; `nbgrader_config.py`: the
  settings of the Validate button.
- `Makefile`, `requirements.txt`, `pyproject.toml`: the two commands and what they install.
"""


# ----------------------------------------------------------------------------- the bundle


@dataclass
class Bundle:
    out: Path
    files: list[str]     # relative paths, sorted
    size: int            # bytes
    modules: list[str]   # course modules taken (dotted)


def _student_notebooks(root: Path) -> list[Path]:
    notebooks = sorted(p for p in (root / NOTEBOOKS_DIR).glob("*/*.ipynb")
                       if ".ipynb_checkpoints" not in p.parts)
    if not notebooks:
        raise BundleError(f"no student notebooks in {root / NOTEBOOKS_DIR} (run `make release`)")
    for path in notebooks:
        text = path.read_text(encoding="utf-8")
        for marker in FORBIDDEN_TEXT:
            if marker in text:
                raise BundleError(f"{path.relative_to(root)} contains {marker!r}: it is not a "
                                  "student notebook (run `make release`)")
    return notebooks


def _check_out(root: Path, out: Path) -> None:
    root, out = root.resolve(), out.resolve()
    if out == root or root.is_relative_to(out):
        raise BundleError(f"--out {out} is the course folder or contains it")
    for name in ("source", "notebooks", "solutions", "autograder", "coursekit", "tests",
                 "jupyter"):
        if out.is_relative_to(root / name):
            raise BundleError(f"--out {out} is inside the course's {name}/")
    if out.exists():
        if not out.is_dir() or out.is_symlink():
            raise BundleError(f"--out {out} exists and is not a folder")
        manifest = out / "MANIFEST"
        if any(out.iterdir()) and not (manifest.is_file() and manifest.read_text(
                encoding="utf-8", errors="replace").startswith(MANIFEST_HEADER)):
            raise BundleError(f"--out {out} is a folder that is not a student copy; "
                              "choose an empty or new folder")


def build_bundle(root: Path = ROOT, out: Path | None = None) -> Bundle:
    """Write the student copy to ``out`` (default ``<root>/dist/cnn-course-student``), replacing
    an earlier student copy there. Raises BundleError, writing nothing, if it cannot be safe."""
    root = Path(root).resolve()
    out = (root / DEFAULT_OUT) if out is None else Path(out).absolute()
    _check_out(root, out)

    notebooks = _student_notebooks(root)
    modules = find_modules(root, notebooks)
    stubs = parent_packages(modules)
    check_third_party(modules)
    files: dict[str, bytes] = {}
    for path in notebooks:
        files[path.relative_to(root).as_posix()] = path.read_bytes()
    for package, text in stubs.items():
        files[modules.markers[package].relative_to(root).as_posix()] = text.encode()
    for path in modules.files.values():
        files[path.relative_to(root).as_posix()] = path.read_bytes()

    learner = root / LEARNER_CONFIG
    for path in sorted(learner.rglob("*")):
        if path.is_file():
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    packages = sorted({m.split(".")[0] for m in (*modules.files, *modules.markers)})
    helpers = []  # a package taken whole as "pkg/", else its modules taken
    for package in packages:
        taken = {p.relative_to(root).as_posix() for p in modules.files.values()
                 if p.relative_to(root).parts[0] == package}
        every = {p.relative_to(root).as_posix() for p in (root / package).rglob("*.py")
                 if "__pycache__" not in p.parts}
        helpers += [f"{package}/"] if taken == every else sorted(
            t for t in taken if not t.endswith("__init__.py"))
    files["README.md"] = learner_readme(
        [(p.relative_to(root).as_posix(), _title(p)) for p in notebooks], helpers).encode()
    files["Makefile"] = MAKEFILE.format(learner=LEARNER_CONFIG.as_posix()).encode()
    files["requirements.txt"] = student_requirements(root).encode()
    files["pyproject.toml"] = PYPROJECT.format(
        name=NAME, packages=json.dumps([f"{p}*" for p in packages])).encode()
    files["nbgrader_config.py"] = student_nbgrader_config(root).encode()
    files[".gitignore"] = GITIGNORE.encode()

    for rel, data in files.items():
        text = data.decode("utf-8", errors="replace")
        for marker in FORBIDDEN_TEXT:
            if marker in text:
                raise BundleError(f"{rel} would contain {marker!r}")
        if rel.split("/")[0] in ("solutions", "source", "tests"):
            raise BundleError(f"{rel} would be in the student copy")
    files["MANIFEST"] = (MANIFEST_HEADER + "\n" + "".join(f"{rel}\n" for rel in sorted(files))
                         ).encode()

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        staging.chmod(0o755)
        for rel, data in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
            os.replace(out, old / "copy")
            os.replace(staging, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Bundle(out, sorted(files), sum(len(d) for d in files.values()),
                  sorted(modules.files))
