"""Build the course from its single source: the instructor notebooks in ``source/``.

One build (``make release`` or ``python -m autograder release``) writes two things:

1. ``notebooks/<assignment>/<notebook>.ipynb``, the student notebooks, made by nbgrader's
   ``generate_assignment`` (solutions become stubs, hidden tests are removed, outputs cleared),
   then stamped in their metadata with the source they came from;
2. ``solutions/<module>.py``, the reference package, exported from the solution cells of the
   same notebooks, plus ``solutions/__init__.py`` that re-exports every public name.

Which cells are exported: every nbgrader solution code cell, and every code cell tagged
``export`` (used for a notebook's imports). An exported cell may only define things (imports,
functions, classes, constants); anything else is an error that names the notebook and cell.
Inside exported docstrings, the student-facing ``TODO:`` and ``HINTS:`` paragraphs are dropped;
the shapes, formulas and ``EXAMPLE:`` stay.

Before building, the test cells are checked for what nbgrader's Validate relies on in the
student notebooks (:func:`check_test_cells`): each graded cell calls
``require_implemented(<fn>, ...)`` outside its hidden tests, and each locked checking cell starts
with ``# Visible test``.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCE_DIR = "source"
NOTEBOOKS_DIR = "notebooks"
SOLUTIONS_DIR = "solutions"
EXPORT_TAG = "export"
STAMP_KEY = "cnn_course"
FIRST_PARTY = ("autograder", "coursekit", "solutions")

_ALLOWED_TOP_LEVEL = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
)
_SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")
_STUDENT_ONLY = re.compile(r"^\s*(TODO|HINTS?):")
_SECTION = re.compile(r"^\s*(TODO|HINTS?|EXAMPLES?):")


class BuildError(Exception):
    """A source notebook cannot be built; the message names the notebook and the cell."""


@dataclass(frozen=True)
class SourceNotebook:
    assignment: str
    path: Path  # absolute

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def module(self) -> str:
        """``01_convolution`` -> ``convolution`` (module names cannot start with a digit)."""
        return re.sub(r"^\d+_", "", self.name)

    def rel(self, root: Path) -> str:
        return self.path.relative_to(root).as_posix()


def find_sources(root: Path = ROOT) -> list[SourceNotebook]:
    """Every ``source/<assignment>/<notebook>.ipynb``, in course order."""
    found = []
    for path in sorted((root / SOURCE_DIR).glob("*/*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        found.append(SourceNotebook(assignment=path.parent.name, path=path))
    return found


# ----------------------------------------------------------------------------- export


def _is_exported(cell) -> bool:
    if cell.cell_type != "code":
        return False
    if EXPORT_TAG in cell.metadata.get("tags", []):
        return True
    return bool(cell.metadata.get("nbgrader", {}).get("solution", False))


def _strip_student_sections(source: str) -> str:
    """Drop the ``TODO:`` and ``HINTS:`` paragraphs of docstrings; keep everything else.

    A dropped section runs from its heading line to the next section heading (``TODO:``,
    ``HINTS:``, ``EXAMPLE:``) or to the line that closes the docstring.
    """
    out: list[str] = []
    dropping = False
    for line in source.splitlines():
        if _SECTION.match(line):
            dropping = bool(_STUDENT_ONLY.match(line))
        elif dropping and line.strip().endswith(('"""', "'''")):
            dropping = False
            # keep the closing quotes, at the docstring's indentation
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + line.strip()[-3:])
            continue
        if not dropping:
            out.append(line)
    # a dropped section at the end leaves a trailing blank line before the closing quotes
    text = "\n".join(out)
    return re.sub(r'\n\s*\n(\s*""")', r"\n\1", text)


def cell_to_module_code(source: str, where: str) -> str:
    """The reference code of one exported cell: markers removed, definitions only."""
    lines = [line for line in source.splitlines() if not _SOLUTION_MARKER.match(line)]
    code = _strip_student_sections("\n".join(lines)).strip("\n")
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise BuildError(f"{where}: exported cell is not valid Python: {exc}") from exc
    for node in tree.body:
        is_docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if not isinstance(node, _ALLOWED_TOP_LEVEL) and not is_docstring:
            raise BuildError(
                f"{where}: line {node.lineno}: an exported cell may only hold imports, functions, "
                f"classes and constants, found {type(node).__name__}. Move this statement to a "
                "cell that is neither a solution cell nor tagged 'export'."
            )
    return code


def _public_names(code: str) -> list[str]:
    names = []
    for node in ast.parse(code).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [n for n in names if not n.startswith("_")]


def export_module(nb_src: SourceNotebook, root: Path) -> tuple[str, list[str]]:
    """Return (module text, public names) for one source notebook."""
    nb = nbformat.read(nb_src.path, as_version=4)
    title = _title(nb)
    chunks = []
    for index, cell in enumerate(nb.cells):
        if _is_exported(cell):
            where = f"{nb_src.rel(root)} cell {index} (id {cell.get('id', '?')})"
            chunks.append(cell_to_module_code(cell.source, where))
    if not chunks:
        return "", []
    header = (
        f"# Generated from {nb_src.rel(root)} by `make release`. Do not edit:\n"
        "# change the source notebook, then run `make release`.\n"
        f'"""Reference solutions for notebook {title}."""\n'
    )
    imports: list[str] = []
    body: list[str] = []
    for chunk in chunks:
        chunk_imports, rest = _split_imports(chunk)
        imports += [line for line in chunk_imports if line not in imports]
        if rest:
            body.append(rest)
    # isort's grouping: standard library, third-party, then the course's own packages
    def top(line: str) -> str:
        return line.split()[1].split(".")[0]

    own = [line for line in imports if top(line) in FIRST_PARTY]
    std = [line for line in imports if line not in own and top(line) in sys.stdlib_module_names]
    third = [line for line in imports if line not in own and line not in std]
    import_block = "\n\n".join(
        "\n".join(block) for block in (std, third, own) if block)
    text = header + "\n" + import_block + "\n\n\n" + "\n\n\n".join(body) + "\n"
    names = [n for chunk in body for n in _public_names(chunk)]
    return text, names


def _split_imports(code: str) -> tuple[list[str], str]:
    """(top-level import statements, the rest of the code) of one exported cell."""
    lines = code.splitlines()
    tree = ast.parse(code)
    import_lines: set[int] = set()
    imports = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            span = range(node.lineno - 1, node.end_lineno)
            import_lines.update(span)
            imports.append("\n".join(lines[i] for i in span))
    rest = "\n".join(line for i, line in enumerate(lines) if i not in import_lines)
    return imports, rest.strip("\n")


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "untitled"


def _import_order(name: str) -> tuple:
    """isort's order of the names one import brings (ruff's I001): constants, then classes,
    then the rest, each in natural, case-insensitive order (INCEPTION before BasicConv2d)."""
    kind = 0 if len(name) > 1 and name.isupper() else 1 if name[0].isupper() else 2
    return kind, [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", name)]


def write_solutions(root: Path, out_dir: Path) -> None:
    """Export every source notebook into ``out_dir`` (a ``solutions`` package)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    exports = []
    for nb_src in find_sources(root):
        text, names = export_module(nb_src, root)
        if not text:
            continue
        (out_dir / f"{nb_src.module}.py").write_text(text)
        exports.append((nb_src.module, names))
    init = [
        "# Generated from source/*/*.ipynb by `make release`. Do not edit.",
        '"""The course\'s reference solutions, exported from the instructor notebooks in source/.',
        "",
        "Hidden tests compare a student's answer with these. Import them as",
        "``from solutions import corr2d``. Each name imports only its own notebook's module, on",
        "first use: grading notebook 01 does not pay for torch, which notebook 04's module imports.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import importlib",
        "from typing import TYPE_CHECKING, Any",
        "",
        "if TYPE_CHECKING:",
    ]
    where: dict[str, str] = {}
    for module, names in sorted(exports):  # isort order: by module name
        init.append(f"    from solutions.{module} import (")
        init += [f"        {n}," for n in sorted(names, key=_import_order)]
        init.append("    )")
        for n in names:
            if n in where:
                raise BuildError(f"{n} is exported by two source notebooks, into solutions/"
                                 f"{where[n]}.py and solutions/{module}.py: rename one of them")
            where[n] = module
    init += ["", "# each public name and the module (one per source notebook) that defines it",
             "_WHERE = {"] + [f'    "{n}": "{m}",' for n, m in where.items()] + ["}", ""]
    init += ["__all__ = ["] + [f'    "{n}",' for n in where] + ["]", "", "",
             "def __getattr__(name: str) -> Any:",
             "    if name not in _WHERE:",
             "        raise AttributeError(f\"module 'solutions' has no attribute {name!r}\")",
             "    module = importlib.import_module(f\"solutions.{_WHERE[name]}\")",
             "    # bind every name of the module, after the import: solutions.vgg, the module, would",
             "    # otherwise hide vgg, the function (the import sets the package's attribute)",
             "    for other, where in _WHERE.items():",
             "        if where == _WHERE[name]:",
             "            globals()[other] = getattr(module, other)",
             "    return globals()[name]",
             "", "",
             "def __dir__() -> list[str]:",
             "    return sorted(__all__)",
             ""]
    (out_dir / "__init__.py").write_text("\n".join(init))


# ----------------------------------------------------------------------------- test cells

VISIBLE_MARK = "# Visible test"  # the same as autograder.checks.notebook.VISIBLE_MARK
_GRADE_CALL = re.compile(r"\bgrade\(\s*[\"'](\w+)[\"']\s*,\s*(\w+)")
_HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.S)


def check_test_cells(nb_src: SourceNotebook, root: Path) -> None:
    """The test cells keep the two conventions nbgrader's Validate relies on in the student
    notebooks (see autograder.checks.notebook):

    * every graded test cell calls ``require_implemented(<fn>, ...)`` outside its hidden
      region, for the function its hidden test grades: that call is all the student version
      keeps, and it fails when the exercise is a stub or one of its visible tests failed;
    * every locked test cell that checks something (``assert``, ``expect``, ``expect_raises``)
      starts with ``# Visible test``, so that a failing ``assert`` in it counts for Validate.
    """
    nb = nbformat.read(nb_src.path, as_version=4)
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("solution") or not (
                meta.get("grade") or meta.get("locked")):
            continue
        where = f"{nb_src.rel(root)} cell {index} (id {cell.get('id', '?')})"
        if meta.get("grade"):
            public = _HIDDEN_REGION.sub("", cell.source)
            for _, fn in _GRADE_CALL.findall(cell.source):
                if not re.search(rf"\brequire_implemented\(\s*{fn}\b", public):
                    raise BuildError(
                        f"{where}: the graded cell grades {fn} but does not start with "
                        f"`require_implemented({fn}, ...)` outside its hidden tests; without it "
                        "nbgrader's Validate cannot tell a stub or a failing visible test.")
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        checks = any(isinstance(node, ast.Assert) or (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in ("expect", "expect_raises")) for node in ast.walk(tree))
        if checks and not cell.source.lstrip().startswith(VISIBLE_MARK):
            raise BuildError(
                f"{where}: a locked test cell must start with the line '{VISIBLE_MARK} ...' "
                "(nbgrader's Validate counts a failing assert only in such cells).")


# ----------------------------------------------------------------------------- students


def generate_student_notebooks(root: Path, out_dir: Path) -> list[Path]:
    """Run nbgrader ``generate_assignment`` for every assignment into ``out_dir``.

    One nbgrader process builds them all (its assignment id is the glob ``*``): nbgrader's
    import costs more than building a notebook, so one process per assignment took about eight
    times the CPU time."""
    out_dir.mkdir(parents=True, exist_ok=True)
    assignments = sorted({s.assignment for s in find_sources(root)})
    cmd = [
        sys.executable,
        "-m",
        "nbgrader",
        "generate_assignment",
        "*",
        "--force",
        "--no-db",
        f"--CourseDirectory.root={root}",
        f"--CourseDirectory.release_directory={out_dir}",
        "--log-level=WARN",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
    if proc.returncode != 0:
        raise BuildError(f"nbgrader generate_assignment failed ({', '.join(assignments)}):\n"
                         f"{proc.stdout}{proc.stderr}")
    written = []
    for assignment in assignments:
        target = out_dir / assignment
        for path in sorted(target.glob("*.ipynb")):
            _stamp_student_notebook(path, f"{SOURCE_DIR}/{assignment}/{path.name}")
            written.append(path)
    return written


def _stamp_student_notebook(path: Path, source_rel: str) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata[STAMP_KEY] = {
        "generated_from": source_rel,
        "note": f"Generated from {source_rel} by `make release`. Instructors: do not edit "
        "this file, edit the source notebook. Learners: this is your copy, work in it.",
    }
    nb.metadata.pop("widgets", None)
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


# ----------------------------------------------------------------------------- release


def release(root: Path = ROOT, out: Path | None = None) -> list[str]:
    """Build ``notebooks/`` and ``solutions/`` from ``source/``; return the files written.

    The build goes into a temporary folder first, so a failing source notebook leaves the
    course untouched. With ``out`` given, the result goes to ``out/notebooks`` and
    ``out/solutions`` instead of the course (the staleness test compares the two).
    """
    out = root if out is None else out
    for nb_src in find_sources(root):
        check_test_cells(nb_src, root)
    with tempfile.TemporaryDirectory() as tmp:
        build = Path(tmp)
        write_solutions(root, build / SOLUTIONS_DIR)
        generate_student_notebooks(root, build / NOTEBOOKS_DIR)
        fresh = generated_files(build)
        for rel, path in generated_files(out).items():
            if rel not in fresh:
                path.unlink()
        for rel, path in fresh.items():
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        for folder in (out / NOTEBOOKS_DIR).glob("*"):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return sorted(fresh)


def generated_files(root: Path = ROOT) -> dict[str, Path]:
    """The committed generated files, keyed by their path relative to the course root."""
    files = {}
    for pattern in (f"{SOLUTIONS_DIR}/*.py", f"{NOTEBOOKS_DIR}/*/*.ipynb"):
        for path in sorted(root.glob(pattern)):
            if ".ipynb_checkpoints" not in path.parts:
                files[path.relative_to(root).as_posix()] = path
    return files


def stale_files(root: Path = ROOT) -> list[str]:
    """Rebuild into a temporary folder; return the generated files that differ from the course.

    Each entry names the file and why: ``changed``, ``missing`` (the build makes it but it is not
    in the course) or ``orphan`` (in the course but no source notebook builds it any more).
    """
    with tempfile.TemporaryDirectory() as tmp:
        release(root, Path(tmp))
        fresh = generated_files(Path(tmp))
        committed = generated_files(root)
        problems = []
        for rel, path in fresh.items():
            if rel not in committed:
                problems.append(f"{rel}: missing (run `make release`)")
            elif path.read_bytes() != committed[rel].read_bytes():
                problems.append(f"{rel}: stale, differs from its source (run `make release`)")
        problems += [f"{rel}: orphan, no source notebook builds it" for rel in committed
                     if rel not in fresh]
        return problems
