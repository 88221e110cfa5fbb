"""Your own functions from earlier notebooks, reused in later ones (student-safe).

Notebook 04 trains a CNN made of your ``conv2d_fast`` (notebook 02) and ``max_pool2d``
(notebook 03). :func:`earlier` finds those notebooks next to the current one
(``../02_padding_stride/02_padding_stride.ipynb``), runs their setup and answer cells (only
definitions are kept) and checks each function on a small probe against PyTorch. A function
that is missing, unfinished or wrong is replaced by PyTorch's, and the reason is printed, so a
later notebook always runs.

EXAMPLE:
    >>> ops = earlier({"02_padding_stride": ["conv2d_fast"], "03_pooling": ["max_pool2d"]})
    conv2d_fast: yours, from ../02_padding_stride/02_padding_stride.ipynb (agrees with PyTorch)
    max_pool2d: yours, from ../03_pooling/03_pooling.ipynb (agrees with PyTorch)
    >>> ops.conv2d_fast(x, w, b, padding=1)
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np


class PreviousWorkError(Exception):
    """An earlier notebook cannot be found or loaded; the message names the file."""


def torch_conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    """PyTorch's F.conv2d on numpy arrays. x: (N, C, H, W); w: (F, C, KH, KW) -> (N, F, H', W')."""
    import torch
    import torch.nn.functional as F

    out = F.conv2d(torch.from_numpy(np.asarray(x)), torch.from_numpy(np.asarray(w)),
                   None if b is None else torch.from_numpy(np.asarray(b)), stride, padding)
    return out.numpy()


def torch_max_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int],
                     stride: int | tuple[int, int] | None = None,
                     padding: int | tuple[int, int] = 0) -> np.ndarray:
    """PyTorch's F.max_pool2d on numpy arrays. x: (N, C, H, W) -> (N, C, H', W')."""
    import torch
    import torch.nn.functional as F

    return F.max_pool2d(torch.from_numpy(np.asarray(x)), kernel_size, stride, padding).numpy()


# What earlier() can load, with PyTorch's version and a probe call for each.
FALLBACKS: dict[str, Callable[..., np.ndarray]] = {
    "conv2d_fast": torch_conv2d,
    "conv2d": torch_conv2d,
    "max_pool2d": torch_max_pool2d,
}


def _probe(name: str, rng: np.random.Generator) -> tuple[tuple, dict]:
    if name.startswith("conv2d"):
        return (rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 3)),
                rng.standard_normal(4)), {"stride": 2, "padding": 1}
    return (rng.standard_normal((2, 3, 7, 6)), 2), {"stride": 1, "padding": 1}


def notebook_path(assignment: str, folder: Path | str | None = None) -> Path:
    """``<folder>/<assignment>/<assignment>.ipynb``; ``folder`` defaults to the parent of the
    current folder (a notebook's kernel runs in the notebook's own folder)."""
    base = Path.cwd().parent if folder is None else Path(folder)
    return base / assignment / f"{assignment}.ipynb"


DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
ASSIGNMENTS = (ast.Assign, ast.AnnAssign)
# Calls allowed in a constant (``K = np.array(...)``): numpy, math, torch and plain builtins.
# Anything else (``history = train(...)``, ``fig, ax = plt.subplots()``) is not a definition.
CONSTANT_CALLS = {"np", "numpy", "math", "torch", "range", "tuple", "list", "dict", "set",
                  "frozenset", "float", "int", "str", "bool", "complex", "slice", "len", "sum",
                  "min", "max", "abs", "round", "sorted", "zip", "enumerate", "reversed"}
# Cell magics whose body IPython runs as Python: the body counts, the magic does not.
RUNS_BODY = {"time", "timeit", "capture", "prun"}


def _ipython_call(node: ast.AST) -> ast.Call | None:
    """The ``get_ipython().<method>(...)`` call a statement consists of, if it is one."""
    value = getattr(node, "value", None) if isinstance(node, ast.Expr | ast.Assign) else None
    if (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and isinstance(value.func.value, ast.Call)
            and isinstance(value.func.value.func, ast.Name)
            and value.func.value.func.id == "get_ipython"):
        return value
    return None


def plain_python(source: str) -> ast.Module:
    """A cell's code as plain Python, parsed: IPython syntax is transformed as IPython does it,
    then dropped. ``%timeit f(x)``, ``!pip install``, ``x = !ls`` and ``f?`` disappear; the body
    of ``%%time``, ``%%timeit`` and ``%%capture`` cells stays, as IPython runs it.

    Raises SyntaxError (with the cell's line number) for code that does not parse.
    """
    try:
        tree = ast.parse(source)  # plain Python: IPython would leave it as it is
    except SyntaxError:
        try:
            from IPython.core.inputtransformer2 import TransformerManager
        except ImportError:  # no IPython here: the error stands
            raise
        tree = ast.parse(TransformerManager().transform_cell(source))
    body: list[ast.stmt] = []
    for node in tree.body:
        call = _ipython_call(node)
        if call is None:
            body.append(node)
            continue
        args = call.args
        if (call.func.attr == "run_cell_magic" and len(args) == 3
                and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args)
                and args[0].value in RUNS_BODY):
            inner = plain_python(args[2].value)
            offset = node.lineno  # the body starts on the line after the magic
            for stmt in inner.body:
                ast.increment_lineno(stmt, offset)
            body.extend(inner.body)
    tree.body = body
    return tree


def _constant(value: ast.AST | None) -> bool:
    """True if an assigned value calls nothing but numpy, math, torch and plain builtins."""
    if value is None:
        return True
    for node in ast.walk(value):
        if isinstance(node, ast.Call):
            root = node.func
            while isinstance(root, ast.Attribute | ast.Call | ast.Subscript):
                root = root.func if isinstance(root, ast.Call) else root.value
            if not (isinstance(root, ast.Name) and root.id in CONSTANT_CALLS):
                return False
        elif isinstance(node, ast.Lambda | ast.Await | ast.Yield | ast.YieldFrom | ast.NamedExpr):
            return False
    return True


def definitions(source: str) -> ast.Module:
    """``source`` with only its top-level imports, functions, classes and constants (assignments
    that call nothing but numpy, math, torch and plain builtins); IPython syntax dropped.

    Raises SyntaxError for code that does not parse.
    """
    tree = plain_python(source)
    tree.body = [node for node in tree.body if isinstance(node, DEFINITIONS) or (
        isinstance(node, ASSIGNMENTS) and _constant(node.value))]
    return tree


def load_definitions(path: Path) -> dict[str, Any]:
    """Run the definitions (imports, functions, classes, constants) of a notebook's setup cells
    (tagged ``export``) and answer cells (nbgrader solution cells), in notebook order, with
    IPython magics and shell lines dropped; return the namespace.

    Statements that are not definitions (plots, prints, tests) are skipped, so loading is quick
    and has no side effects. Raises PreviousWorkError naming the file and cell at fault.
    """
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        cells = nb["cells"]
    except FileNotFoundError:
        raise PreviousWorkError(f"{path} does not exist") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PreviousWorkError(f"{path} is not a readable notebook: {exc}") from None
    namespace: dict[str, Any] = {"__name__": f"previous_{Path(path).stem}"}
    for index, cell in enumerate(cells):
        meta = cell.get("metadata", {})
        if cell.get("cell_type") != "code" or not (
                "export" in meta.get("tags", []) or meta.get("nbgrader", {}).get("solution")):
            continue
        source = "".join(cell.get("source", ""))
        try:
            exec(compile(definitions(source), f"{path} cell {index}", "exec"), namespace)  # noqa: S102
        except Exception as exc:
            raise PreviousWorkError(
                f"{path}, cell {index}: {type(exc).__name__}: {exc}") from None
    return namespace


def earlier(wanted: Mapping[str, Sequence[str]], folder: Path | str | None = None,
            atol: float = 1e-8, verbose: bool = True) -> SimpleNamespace:
    """Your functions from earlier notebooks, each checked against PyTorch on a probe.

    wanted: {assignment: [function names]}, e.g. {"02_padding_stride": ["conv2d_fast"]}.
    Returns a namespace with one attribute per function: yours if it agrees with PyTorch within
    ``atol`` on the probe, else PyTorch's (the reason is printed).
    """
    out = SimpleNamespace()
    rng = np.random.default_rng(0)
    for assignment, names in wanted.items():
        path = notebook_path(assignment, folder)
        try:
            namespace = load_definitions(path)
            problem = None
        except PreviousWorkError as exc:
            namespace, problem = {}, str(exc)
        for name in names:
            if name not in FALLBACKS:
                raise KeyError(f"earlier() can load {sorted(FALLBACKS)}, not {name!r}")
            why = problem or _check(namespace.get(name), name, rng, atol)
            if why is None:
                setattr(out, name, namespace[name])
                note = f"yours, from {_short(path)} (agrees with PyTorch)"
            else:
                setattr(out, name, FALLBACKS[name])
                note = f"PyTorch's, because {why}"
            if verbose:
                print(f"{name}: {note}")
    return out


def _check(fn: Any, name: str, rng: np.random.Generator, atol: float) -> str | None:
    if fn is None:
        return "it is not defined in that notebook"
    args, kwargs = _probe(name, rng)
    try:
        got = np.asarray(fn(*args, **kwargs), dtype=np.float64)
    except NotImplementedError:
        return "it is not implemented yet (finish that notebook to train with your own)"
    except Exception as exc:
        return f"it raised {type(exc).__name__}: {exc}"
    want = FALLBACKS[name](*args, **kwargs)
    if got.shape != want.shape:
        return f"it returned shape {got.shape} where PyTorch gives {want.shape}"
    err = float(np.max(np.abs(got - want)))
    if not err <= atol:
        return f"it differs from PyTorch by up to {err:.3g} on a {'x'.join(map(str, args[0].shape))} probe"
    return None


def _short(path: Path) -> str:
    try:
        return str(Path("..") / path.relative_to(Path.cwd().parent))
    except ValueError:
        return str(path)
