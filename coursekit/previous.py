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
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType, SimpleNamespace
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


def torch_conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0,
                           strict: bool = False) -> int:
    """The output length PyTorch's F.conv1d gives for an input of n, a filter of f, ``stride``
    and ``padding`` (on the meta device: nothing is allocated). strict=True raises ValueError
    when the windows do not tile the padded input: (out - 1) * stride + f != n + 2 * padding."""
    import torch
    import torch.nn.functional as F

    if min(n, f, stride) < 1 or padding < 0:
        raise ValueError(f"conv_output_size needs n, f, stride >= 1 and padding >= 0, got "
                         f"n={n}, f={f}, stride={stride}, padding={padding}")
    x, w = torch.empty(1, 1, n, device="meta"), torch.empty(1, 1, f, device="meta")
    try:
        out = int(F.conv1d(x, w, stride=stride, padding=padding).shape[-1])
    except RuntimeError as exc:
        raise ValueError(f"filter f={f} is larger than the padded input n + 2P = "
                         f"{n + 2 * padding}") from exc
    if strict and (out - 1) * stride + f != n + 2 * padding:
        raise ValueError(f"stride {stride} does not tile the input: the windows cover "
                         f"{(out - 1) * stride + f} of the {n + 2 * padding} padded positions")
    return out


def torch_topk_error(scores: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    """Top-k error with torch.topk: the fraction of rows whose label is not among the indices
    of the k largest scores. scores: (N, K); y: (N,). Returns a Python float."""
    import torch

    top = torch.topk(torch.as_tensor(np.asarray(scores, dtype=np.float64)), k, dim=1).indices
    hit = (top == torch.as_tensor(np.asarray(y)).reshape(-1, 1)).any(dim=1)
    return float(1.0 - hit.double().mean())


def torch_global_avg_pool2d(x: np.ndarray) -> np.ndarray:
    """Global average pooling with F.adaptive_avg_pool2d on numpy arrays: x (N, C, H, W) -> the
    mean of every map, (N, C)."""
    import torch
    import torch.nn.functional as F

    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"global_avg_pool2d expects x of shape (N, C, H, W), got {x.shape}")
    return F.adaptive_avg_pool2d(torch.from_numpy(x), 1).flatten(1).numpy()


def torch_relu(x: np.ndarray) -> np.ndarray:
    """PyTorch's F.relu on a numpy array, as float64 (notebook 04's rule). x: any shape."""
    import torch
    import torch.nn.functional as F

    return F.relu(torch.from_numpy(np.asarray(x, dtype=np.float64))).numpy()


def torch_receptive_field(layers: Sequence[tuple[int, int]]) -> int:
    """Receptive field of a stack of (kernel, stride) layers, measured with autograd: the span
    of the input positions whose gradient reaches the first output of a chain of F.conv1d
    layers."""
    import torch
    import torch.nn.functional as F

    for index, (k, s) in enumerate(layers):
        if k < 1 or s < 1:
            raise ValueError(f"layer {index}: kernel {k} and stride {s} must be at least 1")
    length, jump = 1, 1   # an input long enough for one output: 1 + sum of k * jump
    for k, s in layers:
        length, jump = length + k * jump, jump * s
    x = torch.ones(1, 1, length, dtype=torch.float64, requires_grad=True)
    out = x
    for k, s in layers:
        out = F.conv1d(out, torch.ones(1, 1, k, dtype=torch.float64), stride=s)
    out[0, 0, 0].backward()
    seen = torch.nonzero(x.grad[0, 0]).flatten()   # a stride above the kernel leaves gaps
    return int(seen[-1] - seen[0] + 1)


def _conv_probes(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [((rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 3)),
              rng.standard_normal(4)), {"stride": 2, "padding": 1})]


def _pool_probes(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [((rng.standard_normal((2, 3, 7, 6)), 2), {"stride": 1, "padding": 1})]


def _gap_probes(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [((rng.standard_normal((2, 3, 5, 4)),), {}), ((rng.standard_normal((1, 2, 1, 7)),), {})]


def _size_probes(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [((227, 11), {"stride": 4}), ((224, 11), {"stride": 4, "padding": 2}),
            ((13, 3), {"stride": 1, "padding": 1}), ((8, 3), {"stride": 2}),
            ((32, 5), {})]


def _topk_probes(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    scores, y = rng.standard_normal((20, 8)), rng.integers(0, 8, 20)
    return [((scores, y), {"k": k}) for k in (1, 3, 5)]


def _relu_probes(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    x = rng.standard_normal((2, 3, 4, 5))
    x[0, 0, 0, :2] = 0.0   # exact zeros
    return [((x,), {}), ((np.array([-3, 0, 4]),), {})]


def _field_probes(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [(([(3, 1), (3, 1)],), {}), (([(3, 1)] * 3,), {}),
            (([(11, 4), (3, 2), (5, 1), (3, 2)],), {}), (([(7, 2), (3, 2), (3, 1)],), {})]


# What earlier() can load: PyTorch's version of each function (the fallback, which gives no
# answer away) and the probe calls that yours must agree with it on.
FALLBACKS: dict[str, Callable[..., Any]] = {
    "conv2d_fast": torch_conv2d,
    "conv2d": torch_conv2d,
    "max_pool2d": torch_max_pool2d,
    "global_avg_pool2d": torch_global_avg_pool2d,
    "conv_output_size": torch_conv_output_size,
    "receptive_field": torch_receptive_field,
    "topk_error": torch_topk_error,
    "relu": torch_relu,
}
PROBES: dict[str, Callable[[np.random.Generator], list[tuple[tuple, dict]]]] = {
    "conv2d_fast": _conv_probes,
    "conv2d": _conv_probes,
    "max_pool2d": _pool_probes,
    "global_avg_pool2d": _gap_probes,
    "conv_output_size": _size_probes,
    "receptive_field": _field_probes,
    "topk_error": _topk_probes,
    "relu": _relu_probes,
}


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


# Modules whose functions a constant may call: the standard library (``namedtuple``,
# ``partial``, ``OrderedDict``), numpy and torch (``nn.ReLU()``), but not plotting, progress bars,
# the course's data loaders or the learner's own functions (which may train for minutes).
SAFE_MODULES = frozenset(sys.stdlib_module_names) | {"numpy", "torch"}


def _imports(tree: ast.Module) -> dict[str, str]:
    """The names a cell's import statements bind, with the module each comes from."""
    bound = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                bound[alias.asname or alias.name] = node.module
    return bound


def _module_of(value: Any) -> str | None:
    try:
        name = value.__name__ if isinstance(value, ModuleType) else type(value).__module__ \
            if not callable(value) else getattr(value, "__module__", None)
    except Exception:  # noqa: BLE001 - an object that cannot say: not safe
        return None
    return name if isinstance(name, str) else None


def _safe_root(name: str, namespace: Mapping[str, Any] | None, imported: Mapping[str, str]) -> bool:
    if name in CONSTANT_CALLS:
        return True
    module = imported.get(name)
    if module is None and namespace is not None and name in namespace:
        module = _module_of(namespace[name])
    return module is not None and module.split(".")[0] in SAFE_MODULES


def _constant(value: ast.AST | None, namespace: Mapping[str, Any] | None = None,
              imported: Mapping[str, str] | None = None) -> bool:
    """True if an assigned value calls nothing but numpy, math, torch, plain builtins and the
    standard library (through names imported in the cell or bound in ``namespace``). A lambda
    is a definition: its body does not run."""
    if value is None:
        return True
    imported = imported or {}
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            root = node.func
            while isinstance(root, ast.Attribute | ast.Call | ast.Subscript):
                root = root.func if isinstance(root, ast.Call) else root.value
            if not (isinstance(root, ast.Name) and _safe_root(root.id, namespace, imported)):
                return False
        elif isinstance(node, ast.Await | ast.Yield | ast.YieldFrom | ast.NamedExpr):
            return False
        stack.extend(ast.iter_child_nodes(node))
    return True


def _targets(node: ast.stmt) -> list[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def definitions(source: str, namespace: Mapping[str, Any] | None = None,
                skipped: list[tuple[str, int]] | None = None) -> ast.Module:
    """``source`` with only its top-level imports, functions, classes and constants (assignments
    that call nothing but numpy, math, torch, plain builtins and the standard library, see
    :func:`_constant`; ``namespace`` tells what the names bound by earlier cells are); IPython
    syntax dropped. The names that the dropped assignments bind are appended to ``skipped``
    as (name, line).

    Raises SyntaxError for code that does not parse.
    """
    tree = plain_python(source)
    imported = _imports(tree)
    kept = []
    for node in tree.body:
        if isinstance(node, DEFINITIONS) or (
                isinstance(node, ASSIGNMENTS) and _constant(node.value, namespace, imported)):
            kept.append(node)
        elif isinstance(node, ASSIGNMENTS) and skipped is not None:
            skipped.extend((name, node.lineno) for name in _targets(node))
    tree.body = kept
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
            exec(compile(definitions(source, namespace), f"{path} cell {index}", "exec"),  # noqa: S102
                 namespace)
        except Exception as exc:
            raise PreviousWorkError(
                f"{path}, cell {index}: {type(exc).__name__}: {exc}") from None
    return namespace


def earlier(wanted: Mapping[str, Sequence[str]], folder: Path | str | None = None,
            atol: float = 1e-8, verbose: bool = True) -> SimpleNamespace:
    """Your functions from earlier notebooks, each checked against PyTorch on a few probes.

    wanted: {assignment: [function names]}, e.g. {"02_padding_stride": ["conv2d_fast"]}.
    Returns a namespace with one attribute per function: yours if it agrees with PyTorch within
    ``atol`` on every probe, else PyTorch's (the reason is printed). Loadable: the names of
    :data:`FALLBACKS` (conv2d_fast, conv2d, max_pool2d, global_avg_pool2d, conv_output_size,
    receptive_field, topk_error, relu), layer_table (notebook 05), and the models and blocks of
    :data:`MODEL_PROBES` (notebook 10), which have no PyTorch twin: one that is missing, unfinished
    or wrong becomes None (the reason is printed), and the caller leaves it out.
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
            if name in MODEL_PROBES:   # notebook 10: models and blocks, no PyTorch twin
                _earlier_model(out, namespace, name, problem, path, verbose)
                continue
            if name not in FALLBACKS:
                raise KeyError(f"earlier() can load {sorted(FALLBACKS)} and the models "
                               f"{sorted(MODEL_PROBES)}, not {name!r}")
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
    for args, kwargs in PROBES[name](rng):
        call = _call_text(name, args, kwargs)
        if name in TABLES:   # rows of names, shapes and counts: compared exactly
            try:
                got_rows = TABLES[name](fn(*args, **kwargs))
            except NotImplementedError:
                return "it is not implemented yet (finish that notebook to use your own)"
            except Exception as exc:
                return f"{call} raised {type(exc).__name__}: {exc}"[:300]
            want_rows = TABLES[name](FALLBACKS[name](*args, **kwargs))
            if got_rows != want_rows:
                bad = next((w for g, w in zip(got_rows, want_rows, strict=False) if g != w),
                           want_rows[-1] if want_rows else None)
                return f"{call} differs from PyTorch's table (first at {bad!r})"[:300]
            continue
        try:
            got = np.asarray(fn(*args, **kwargs), dtype=np.float64)
        except NotImplementedError:
            return "it is not implemented yet (finish that notebook to use your own)"
        except Exception as exc:
            return f"{call} raised {type(exc).__name__}: {exc}"
        want = np.asarray(FALLBACKS[name](*args, **kwargs), dtype=np.float64)
        if got.shape != want.shape:
            return f"{call} returned shape {got.shape} where PyTorch gives {want.shape}"
        err = float(np.max(np.abs(got - want))) if got.size else 0.0
        if not err <= atol:
            if want.size == 1:
                return f"{call} gave {got.item():g} where PyTorch gives {want.item():g}"
            return f"it differs from PyTorch by up to {err:.3g} on {call}"
    return None


def _call_text(name: str, args: tuple, kwargs: dict) -> str:
    """``conv2d_fast(2x3x7x6 array, ..., stride=2)``: arrays by shape, other values as written."""
    def show(value: Any) -> str:
        return "x".join(map(str, value.shape)) + " array" if isinstance(value, np.ndarray) else repr(value)
    parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def _short(path: Path) -> str:
    try:
        return str(Path("..") / path.relative_to(Path.cwd().parent))
    except ValueError:
        return str(path)


# ----------------------------------------------------------------------------- notebook 10
# Notebook 10 compares the learner's networks from notebooks 05-09. A layer table has a PyTorch
# twin (below); a model or a block has none that would not be the answer itself, so each is
# checked on facts (the parameter counts of COURSE.md and of the notebooks' visible tests, output
# shapes, on the meta device: nothing is allocated) and, when it fails, is None: the comparison
# leaves that design out and says why.


def torch_layer_table(layers: Sequence[tuple], in_shape: Sequence[int]) -> list[tuple]:
    """Notebook 05's layer table computed by PyTorch: each row of ``layers`` ((name, "conv",
    C_out, F, S, P, groups), (name, "pool", F, S), (name, "lrn", size), (name, "fc", D_out)) is
    built as its torch.nn layer on the meta device and run on the previous output; returns one
    (name, out_shape, params, macs) per row, MACs by :func:`coursekit.summary.layer_macs`.
    Raises ValueError, naming the row, where PyTorch cannot build or run it."""
    import torch
    from torch import nn

    from coursekit.summary import layer_macs

    rows, shape = [], tuple(int(v) for v in in_shape)
    for layer in layers:
        name, kind, *hp = layer
        try:
            if kind == "conv":
                module: nn.Module = nn.Conv2d(shape[0], hp[0], hp[1], stride=hp[2], padding=hp[3],
                                              groups=hp[4], device="meta")
            elif kind == "pool":
                module = nn.MaxPool2d(hp[0], hp[1])
            elif kind == "lrn":
                module = nn.LocalResponseNorm(hp[0])
            elif kind == "fc":
                module = nn.Sequential(nn.Flatten(), nn.Linear(int(np.prod(shape)), hp[0], device="meta"))
            else:
                raise ValueError(f"unknown kind {kind!r}")
            out = module(torch.zeros((1, *shape), device="meta"))
        except Exception as exc:  # noqa: BLE001 - reported as the row's error
            raise ValueError(f"layer {name}: {type(exc).__name__}: {exc}") from None
        last = module[-1] if isinstance(module, nn.Sequential) else module
        params = sum(p.numel() for p in module.parameters())
        rows.append((name, tuple(out.shape[1:]), int(params), int(layer_macs(last, tuple(out.shape)))))
        shape = tuple(out.shape[1:])
    return rows


def _table_probes(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    paper = (("CONV1", "conv", 96, 11, 4, 0, 1), ("POOL1", "pool", 3, 2), ("NORM1", "lrn", 5),
             ("CONV2", "conv", 256, 5, 1, 2, 2), ("POOL2", "pool", 3, 2), ("FC6", "fc", 4096))
    return [((paper, (3, 227, 227)), {})]


def _table_rows(rows: Any) -> list[tuple]:
    """A layer table as plain comparable rows (name, shape, params, macs)."""
    return [(str(r[0]), tuple(int(v) for v in r[1]), int(r[2]), int(r[3])) for r in rows]


TABLES: dict[str, Callable[[Any], list[tuple]]] = {"layer_table": _table_rows}
FALLBACKS["layer_table"] = torch_layer_table
PROBES["layer_table"] = _table_probes


def _counted(build: Callable[[], Any], want: int, what: str,
             input_shape: tuple[int, ...] | None = None, out_shape: tuple[int, ...] | None = None
             ) -> str | None:
    """None if ``build()`` on the meta device has ``want`` parameters (and maps a meta input of
    ``input_shape`` to ``out_shape``), else the reason, naming ``what``."""
    import torch

    try:
        with torch.device("meta"):
            model = build()
            got = sum(p.numel() for p in model.parameters())
            if got != want:
                return f"{what} has {got:,} parameters where it should have {want:,}"
            if input_shape is not None:
                shape = tuple(model(torch.zeros(input_shape)).shape)
                if shape != out_shape:
                    return f"{what} maps {input_shape} to {shape}, not {out_shape}"
    except NotImplementedError:
        return "it is not implemented yet (finish that notebook to use your own)"
    except Exception as exc:  # noqa: BLE001 - the reason is printed
        return f"{what} raised {type(exc).__name__}: {exc}"[:300]
    return None


# name -> check(the learner's object) -> None or the reason it is not used
MODEL_PROBES: dict[str, Callable[[Any], str | None]] = {
    "alexnet": lambda f: _counted(lambda: f("one_gpu"), 61_100_840, 'alexnet("one_gpu")',
                                  (1, 3, 224, 224), (1, 1000)),
    "vgg": lambda f: _counted(lambda: f("D"), 138_357_544, 'vgg("D")', (1, 3, 224, 224), (1, 1000)),
    "make_features": lambda f: _counted(lambda: f([8, "M", 16], batch_norm=True), 1_440,
                                        'make_features([8, "M", 16], batch_norm=True)',
                                        (1, 3, 8, 8), (1, 16, 4, 4)),
    "googlenet": lambda f: _counted(lambda: f(), 6_624_904, "googlenet()", (1, 3, 224, 224), (1, 1000)),
    "Inception": lambda f: _counted(lambda: f(192, 64, 96, 128, 16, 32, 32), 155_872,
                                    "Inception(192, 64, 96, 128, 16, 32, 32)", (1, 192, 28, 28),
                                    (1, 256, 28, 28)),
    "BasicBlock": lambda f: _counted(lambda: f(64, 128, 2), 230_144, "BasicBlock(64, 128, 2)",
                                     (1, 64, 56, 56), (1, 128, 28, 28)),
    "resnet_by_name": lambda f: _counted(lambda: f("Bottleneck", [3, 4, 6, 3]), 25_557_032,
                                         'resnet_by_name("Bottleneck", [3, 4, 6, 3])',
                                         (1, 3, 224, 224), (1, 1000)),
    "densenet": lambda f: _counted(lambda: f(32, (6, 12, 24, 16), 64), 7_978_856,
                                   "densenet(32, (6, 12, 24, 16), 64)", (1, 3, 224, 224), (1, 1000)),
    "DenseLayer": lambda f: _counted(lambda: f(64, 32), 45_440, "DenseLayer(64, 32)",
                                     (1, 64, 8, 8), (1, 96, 8, 8)),
}


def _earlier_model(out: SimpleNamespace, namespace: Mapping[str, Any], name: str,
                   problem: str | None, path: Path, verbose: bool) -> None:
    """Set ``out.<name>`` to the learner's model or block if it passes its probe, else None."""
    value = namespace.get(name)
    why = problem or ("it is not defined in that notebook" if value is None
                      else MODEL_PROBES[name](value))
    setattr(out, name, value if why is None else None)
    if verbose:
        print(f"{name}: " + (f"yours, from {_short(path)} (its counts agree with the course's)"
                             if why is None else f"left out, because {why}"))
