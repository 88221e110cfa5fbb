"""Grading a model: exercises whose answer returns a ``torch.nn.Module`` (a block class, or a
builder such as ``alexnet(variant="paper", num_classes=1000)``).

A model never crosses the sandbox boundary as an object. Each case carries a
:class:`ModelProbe`: the call of the answer goes through it, and it turns the returned module
into plain data with :func:`coursekit.summary.model_probe` (ints, strings and numpy arrays; see
:func:`coursekit.summary.fingerprint`). In the sandbox that happens in the student's process,
and only the data is written out (``autograder.verdict.runner``, read back by
``autograder.verdict.wire``); the grader computes the same data from the reference and compares
the two here. A case compares:

- the parameter count, in total and (``stages=True``) per top-level stage (stages without
  parameters, such as a ``Flatten`` child, are left out: a functional flatten is as good);
- the output shape;
- every leaf module with parameters: type, parameter count and output shape, in forward-call
  order (leaves without parameters, such as ``nn.ReLU`` against ``F.relu``, are style and only
  serve the diagnosis);
- with ``function=True`` (reduced widths): the output for identical seeded weights on a fixed
  float64 input, within ``rtol`` relative to the largest expected value. Weights are assigned
  in forward-call order; a model that passes with them assigned in definition order instead
  passes too (a correct block that runs its branches in another order than it defines them).

Full-size models are built and traced on the meta device (``function=False``): counted, never
allocated. A failing case names the first leaf module that differs and, where the data shows
it, the likely mistake: a missing layer, a missing bias, ``groups`` ignored, a wrong stride
or kernel size, branches concatenated in another order; and any catalogue mistake
(``Exercise.mistakes``) whose model gives the same data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from autograder.checks.core import Case
from autograder.checks.feedback import MISTAKES

MAX_LEAVES = 4096  # as coursekit.summary.MAX_LEAVES: a fingerprint never has more
NAME_KEYS = ("stage_names", "leaf_paths", "leaf_types", "leaf_reprs")
INT_KEYS = ("stage_params", "leaf_params", "leaf_shapes", "out_shape")
# the outputs compared, under each way of seeding the weights (coursekit.summary.fingerprint)
OUTPUTS = ("output", "output_by_definition", "output_by_key")
TRAIN_OUTPUTS = ("output_train", "output_train_by_definition", "output_train_by_key")


@dataclass(frozen=True)
class ModelProbe:
    """How one case turns the returned model into data, and how it compares the data.

    input_shape: the whole shape of the fixed input, batch axis included: (N, C, H, W).
    function: True to compare the output with seeded weights (build it at a reduced width);
      False to count only, on the meta device (full-size models).
    seed: the seed of the weights (the input uses seed + 1).
    stages: compare the parameter count of each top-level stage.
    rtol: tolerance of the output, relative to max(1, the largest expected value).
    training: also compare the output in training mode (model.train(), the dropout masks drawn
      from one seeded generator): dropout and batch norm placement, which eval mode hides.
    """

    input_shape: tuple[int, ...]
    function: bool = True
    seed: int = 0
    stages: bool = True
    rtol: float = 1e-8
    training: bool = False
    name: ClassVar[str] = "model"  # the sandbox looks the probe up by this name

    @property
    def settings(self) -> dict[str, Any]:
        """The keyword arguments of :func:`coursekit.summary.model_probe` (they cross into the
        sandbox as data)."""
        return {"input_shape": tuple(int(s) for s in self.input_shape), "seed": int(self.seed),
                "function": bool(self.function), "training": bool(self.training)}

    def call(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> dict[str, Any]:
        """Build the model with ``fn(*args, **kwargs)`` and return its data."""
        from coursekit.summary import model_probe

        return model_probe(fn, args, kwargs, **self.settings)

    def compare(self, got: Any, want: dict[str, Any],
                variants: Callable[[], list[tuple[str, Any]]] | None = None) -> str | None:
        """None if ``got`` (the student's data, untrusted) matches ``want`` (the reference's);
        else the feedback lines, naming the first difference and the likely mistake."""
        return compare_models(got, want, rtol=self.rtol, stages=self.stages, variants=variants,
                              input_shape=self.input_shape, training=self.training)


def model_case(label: str, args: tuple = (), kwargs: dict | None = None, *,
               input_shape: Sequence[int], function: bool = True, seed: int = 0,
               stages: bool = True, rtol: float = 1e-8, training: bool = False) -> Case:
    """A case of a model exercise: call the answer with ``args`` and ``kwargs``, then compare
    the model it returns through a :class:`ModelProbe` (see the module docstring)."""
    probe = ModelProbe(tuple(int(s) for s in input_shape), function, seed, stages, rtol, training)
    return Case(label, tuple(args), dict(kwargs or {}), probe=probe)


# ----------------------------------------------------------------------------- reading the data


@dataclass(frozen=True)
class Leaf:
    path: str
    kind: str
    text: str  # the module's repr, e.g. "Conv2d(3, 96, kernel_size=(11, 11), stride=(4, 4))"
    params: int
    shape: tuple[int, ...]
    stats: tuple[float, float] | None = None

    @property
    def key(self) -> tuple:
        return (self.kind, self.params, self.shape)

    def describe(self) -> str:
        return f"{self.text} with {self.params:,} parameters, output {self.shape}"

    def named(self) -> str:
        return f"{self.path} ({self.describe()})"


def _malformed(data: Any) -> str | None:
    """Why ``data`` is not a model's data (None if it is well formed)."""
    if not isinstance(data, dict) or not isinstance(data.get("returned"), str):
        return "not the data of a model"
    if "total" not in data:
        return None
    if not isinstance(data["total"], int) or not all(
            isinstance(data.get(k), str) for k in ("error", "out_type")):
        return "malformed model data"
    for key in NAME_KEYS:
        arr = data.get(key)
        if not isinstance(arr, np.ndarray) or arr.ndim != 1 or arr.dtype.kind != "U":
            return f"malformed model data ({key})"
    for key in INT_KEYS:
        arr = data.get(key)
        if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "iu":
            return f"malformed model data ({key})"
    n = len(data["leaf_paths"])
    if n > MAX_LEAVES or len(data["stage_names"]) > MAX_LEAVES:
        return "malformed model data (too many leaves or stages)"
    if (data["out_shape"].ndim != 1 or data["stage_params"].shape != data["stage_names"].shape
            or any(len(data[k]) != n for k in ("leaf_types", "leaf_reprs", "leaf_params"))
            or data["leaf_shapes"].ndim != 2 or len(data["leaf_shapes"]) != n):
        return "malformed model data (inconsistent lengths)"
    for key in OUTPUTS + TRAIN_OUTPUTS:
        if key in data and not (isinstance(data[key], np.ndarray) and data[key].dtype.kind == "f"):
            return f"malformed model data ({key})"
    stats = data.get("leaf_stats")
    if stats is not None and not (isinstance(stats, np.ndarray) and stats.shape == (n, 2)
                                  and stats.dtype.kind == "f"):
        return "malformed model data (leaf_stats)"
    return None


def leaves(data: dict[str, Any]) -> list[Leaf]:
    """The leaf-module calls of well-formed model data, in forward-call order."""
    stats = data.get("leaf_stats")
    out = []
    for i in range(len(data["leaf_paths"])):
        shape = tuple(int(s) for s in data["leaf_shapes"][i] if s >= 0)
        out.append(Leaf(str(data["leaf_paths"][i]), str(data["leaf_types"][i]),
                        str(data["leaf_reprs"][i]), int(data["leaf_params"][i]), shape,
                        None if stats is None else (float(stats[i, 0]), float(stats[i, 1]))))
    return out


def _stages(data: dict[str, Any]) -> list[tuple[str, int]]:
    return [(str(n), int(c)) for n, c in zip(data["stage_names"], data["stage_params"],
                                             strict=True) if c > 0]


def _shape(data: dict[str, Any]) -> tuple[int, ...]:
    return tuple(int(s) for s in data["out_shape"])


def _close(a: Any, b: Any, rtol: float) -> bool:
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
        return False
    with np.errstate(all="ignore"):
        scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
        return bool(np.all(np.isfinite(a) == np.isfinite(b))) and float(
            np.max(np.abs(a - b), initial=0.0, where=np.isfinite(b))) <= rtol * scale


# ----------------------------------------------------------------------------- comparison


def _failures(got: dict[str, Any], want: dict[str, Any], rtol: float,
              stages: bool, training: bool = False) -> list[str]:
    """What differs, as short phrases (empty: the models match)."""
    found = []
    if got["error"] and not want.get("error"):  # a catalogue variant may fail the same way
        found.append("forward pass failed")
    if want.get("error"):   # the input is outside what the model accepts: it must fail too
        if not got["error"]:
            found.append("forward pass ran where it must fail")
        if got["total"] != want["total"]:
            found.append("parameter count")
        return found        # where each forward pass stopped is not compared
    if got["total"] != want["total"]:
        found.append("parameter count")
    if stages and sorted(c for _, c in _stages(got)) != sorted(c for _, c in _stages(want)):
        found.append("per-stage parameter counts")
    if _shape(got) != _shape(want):
        found.append("output shape")
    mine = sorted(leaf.key for leaf in leaves(got) if leaf.params)
    if mine != sorted(leaf.key for leaf in leaves(want) if leaf.params):
        found.append("leaf modules")
    if "output" in want and not _any_close(got, want, OUTPUTS, rtol):
        found.append("output values")
    elif training and "output_train" in want and "output" in want and not _any_close(
            got, want, TRAIN_OUTPUTS, rtol):
        found.append("output values in training mode")
    return found


def _any_close(got: dict[str, Any], want: dict[str, Any], keys: Sequence[str],
               rtol: float) -> bool:
    """The outputs agree under some pair of weight seedings, one for each side (call order,
    definition order, by key): each seeding gives every layer distinct random weights, so a
    match means the answer computes the reference's function with its layers' weights
    permuted among layers of the same kind and shape, that is, the same network. Pairs across
    seedings let a block that calls its shortcut first match a reference that defines its
    shortcut first."""
    return any(_close(got.get(a), want.get(b), rtol) for a in keys for b in keys)


def compare_models(got: Any, want: dict[str, Any], *, rtol: float = 1e-8, stages: bool = True,
                   variants: Callable[[], list[tuple[str, Any]]] | None = None,
                   input_shape: Sequence[int] = (), training: bool = False) -> str | None:
    """None if the model data ``got`` matches ``want``, else the feedback lines (indented by
    two spaces, like every failure of the checks). ``got`` is untrusted: any shape of value
    gives a message, never an exception. ``variants()`` returns (mistake key, model data) of
    the catalogue's wrong models for the same case; it is called only on failure."""
    problem = _malformed(got)
    if problem is not None:
        what = type(got).__name__ if not isinstance(got, dict) else problem
        return f"  expected: a torch.nn.Module\n  got:      {what}\n"
    if "total" not in got:
        return (f"  expected: a torch.nn.Module\n  got:      {got['returned']}\n"
                "  likely mistake: return the model (a torch.nn.Module instance), e.g. "
                "`return nn.Sequential(*layers)`.\n")
    found = _failures(got, want, rtol, stages, training)
    if not found:
        return None
    lines = [f"  expected: {_overview(want)}", f"  got:      {_overview(got)}",
             f"  differs in: {', '.join(found)}"]
    lines += _diagnosis(got, want, rtol, found, tuple(input_shape))
    likely = _catalogue(got, variants, rtol, stages, training)
    if likely:
        lines.append(f"  likely mistake: {likely}")
    return "\n".join(lines) + "\n"


def _overview(data: dict[str, Any]) -> str:
    n_param = sum(1 for leaf in leaves(data) if leaf.params)
    shape = (_shape(data) if len(data["out_shape"]) else
             "none (the forward pass failed)" if data["error"] else data["out_type"])
    return (f"a model with {data['total']:,} parameters, output {shape}, "
            f"{n_param} leaf modules with parameters")


def _catalogue(got: dict[str, Any], variants: Callable[[], list[tuple[str, Any]]] | None,
               rtol: float, stages: bool, training: bool = False) -> str | None:
    if variants is None:
        return None
    texts = []
    for key, data in variants():
        if _malformed(data) is None and "total" in data and not _failures(got, data, rtol, stages,
                                                                          training):
            text = MISTAKES.get(key, key)
            if text not in texts:
                texts.append(text)
    if not texts:
        return None
    return texts[0] if len(texts) == 1 else (
        "one of these (this case cannot tell them apart): " + " OR ".join(texts))


def _diagnosis(got: dict[str, Any], want: dict[str, Any], rtol: float, found: list[str],
               input_shape: tuple[int, ...]) -> list[str]:
    lines = []
    if got["error"]:
        ran = leaves(got)
        after = f" after {ran[-1].path} ({ran[-1].text})" if ran else " before any leaf module"
        lines.append(f"  the forward pass on an input of shape {input_shape} failed{after}: "
                     f"{got['error']}")
        hint = _error_hint(got["error"])
        if hint:
            lines.append(f"  likely mistake: {hint}")
    if "per-stage parameter counts" in found:
        lines.append(_stage_text(got, want))
    mine, ref = leaves(got), leaves(want)
    structure = _first_difference(mine, ref, stopped=bool(got["error"]),
                                  deficit=want["total"] - got["total"])
    if structure:
        lines.append(f"  first difference: {structure}")
    elif "output shape" in found:
        lines.append(f"  the output shape is {_shape(got)}, expected {_shape(want)}: check what "
                     "follows the last leaf module (flatten, reshape, the final pooling).")
    if "output values" in found and "leaf modules" not in found and not got["error"]:
        lines += _value_diagnosis(got, want, mine, ref, rtol)
    if "output values in training mode" in found:
        how = ("differ" if isinstance(got.get("output_train"), np.ndarray)
               else "differ (your model raised in training mode)")
        lines.append(f"  in eval mode the outputs agree; in training mode (model.train(): dropout "
                     f"active, batch norm on the batch's statistics) they {how}: a dropout layer "
                     "is missing, extra, in another place or with another p, or a batch norm "
                     "sits in another place.")
    return lines


# PyTorch's shape errors in a forward pass, and what they say about the model's table
_ERROR_HINTS = [
    (re.compile(r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)"
                r"|must have same reduction dim, but got \[(\d+), (\d+)\] X \[(\d+), (\d+)\]"),
     lambda m: (f"a Linear layer gets {m.group(2) or m.group(6)} input features but was built "
                f"for {m.group(3) or m.group(7)}: its D_in must be what reaches it (the channels "
                "times the map size after flattening, or the previous Linear's outputs; "
                "scaled by the width and the block's expansion where those apply).")),
    (re.compile(r"expected input\[[^\]]*\] to have (\d+) channels, but got (\d+) channels"
                r"|Invalid channel dimensions"),
     lambda m: ("a convolution's C_in is not the number of channels that reaches it"
                + (f" ({m.group(2)} arrive, it was built for {m.group(1)})" if m.group(1) else "")
                + ": carry C_out of the layer before (or the sum of the concatenated branches, "
                "times the expansion) into the next layer's C_in.")),
    (re.compile(r"Sizes of tensors must match except in dimension 0"),
     lambda m: ("torch.cat joined the tensors along dimension 0, the batch axis (its default): "
                "feature maps are concatenated along the channels, torch.cat(..., dim=1).")),
    (re.compile(r"is not on the expected device|mixed dtype|Expected all tensors to be on the "
                r"same device|Input type \(\w+\) and weight type"),
     lambda m: ("some layers are not registered as submodules, so model.to() does not move them "
                "and their parameters are not counted: layers kept in a plain Python list or "
                "dict belong in nn.ModuleList, nn.ModuleDict or nn.Sequential.")),
    (re.compile(r"running_mean should contain (\d+) elements not (\d+)"),
     lambda m: (f"a BatchNorm2d was built for {m.group(2)} channels but gets {m.group(1)}: its "
                "size must be the C_out of the convolution just before it.")),
]


def _error_hint(error: str) -> str | None:
    for pattern, hint in _ERROR_HINTS:
        m = pattern.search(error)
        if m:
            return hint(m)
    return None


def _stage_text(got: dict[str, Any], want: dict[str, Any]) -> str:
    """The first stage (top-level child) whose parameter count differs: matched by name, else
    by position (stages without parameters are left out)."""
    mine, ref = _stages(got), _stages(want)
    named = dict(mine)
    for k, (name, count) in enumerate(ref):
        yours = (name, named[name]) if name in named else mine[k] if k < len(mine) else None
        if yours is None:
            return f"  stage {name}: expected {count:,} parameters, missing"
        if yours[1] != count:
            label = f" (your stage {yours[0]})" if yours[0] != name else ""
            return f"  stage {name}: expected {count:,} parameters, found {yours[1]:,}{label}"

    def listed(stages: list[tuple[str, int]]) -> str:
        more = f", ... ({len(stages)} stages)" if len(stages) > 8 else ""
        return ", ".join(f"{n} ({c:,})" for n, c in stages[:8]) + more

    return f"  stages: expected {listed(ref)}; found {listed(mine)}"


def _aligned(a: Sequence[Leaf], b: Sequence[Leaf], exact: bool) -> bool:
    """The next few leaves agree in type and parameters, and also in output shape if
    ``exact`` (downstream of a missing layer the shapes may differ)."""
    if len(a) == 0 or len(b) == 0:
        return len(a) == len(b)
    m = min(6, len(a), len(b))
    return all((x.key if exact else x.key[:2]) == (y.key if exact else y.key[:2])
               for x, y in zip(a[:m], b[:m], strict=True))


def _block(path: str) -> str:
    return path.rpartition(".")[0]


def _common_block(run: Sequence[Leaf]) -> str:
    """The innermost block that holds every leaf of ``run`` ("" for the model itself)."""
    common: list[str] = []
    for level in zip(*(leaf.path.split(".")[:-1] for leaf in run), strict=False):
        if any(part != level[0] for part in level):
            break
        common.append(level[0])
    return ".".join(common)


def _missing_text(missing: Sequence[Leaf], ref: Sequence[Leaf], found_side: str) -> str:
    """``missing`` leaves of ``ref`` (or extra ones, found_side="extra"): named by their block
    (the block they all sit in, when they span nested blocks, as an auxiliary classifier's do)."""
    parents = {_block(leaf.path) for leaf in missing}
    if len(parents) == 1:
        block = parents.pop()
        in_block = [leaf for leaf in ref if block and _block(leaf.path) == block] or list(missing)
    else:
        block = _common_block(missing)
        in_block = [leaf for leaf in ref if block and leaf.path.startswith(block + ".")] or list(
            missing)
    names = "; ".join(leaf.named() for leaf in missing)
    what = "leaf module" if len(missing) == 1 else f"{len(missing)} leaf modules"
    where = block or "the model"
    if found_side == "extra":
        return (f"{where}: {what} more than expected ({len(in_block) - len(missing)} expected, "
                f"found {len(in_block)}): {names}")
    projection = any("kernel_size=(1, 1)" in leaf.text for leaf in missing) and any(
        word in block for word in ("downsample", "shortcut", "proj", "skip"))
    hint = " (the shortcut's 1x1 projection)" if projection else ""
    return (f"{where}: missing {what}{hint} (expected {len(in_block)} leaf modules with "
            f"parameters, found {len(in_block) - len(missing)}): {names}")


def _first_difference(mine: list[Leaf], ref: list[Leaf], stopped: bool = False,
                      deficit: int = 0) -> str | None:
    """The first leaf module with parameters (in forward-call order) whose type, parameter
    count or output shape differs, with what the difference says. ``stopped``: the student's
    forward pass raised, so its leaves end early; ``deficit``: how many parameters it has fewer
    than the reference (the expected leaves next that account for it are missing)."""
    a = [leaf for leaf in mine if leaf.params]
    b = [leaf for leaf in ref if leaf.params]
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x.key != y.key),
             min(len(a), len(b)))
    if i == len(a) == len(b):
        return None
    if stopped and i == len(a):
        for k in range(1, min(4, len(b) - i) + 1):
            if deficit > 0 and sum(leaf.params for leaf in b[i:i + k]) == deficit:
                return _missing_text(b[i:i + k], b, "missing")
        return (f"your forward pass stopped before {b[i].path}, the next leaf module with "
                f"parameters: {b[i].describe()}")
    if sorted(x.key for x in a) == sorted(y.key for y in b):
        return (f"the same leaf modules run in another order (allowed: weights are matched by "
                f"layer type and shape): at position {i + 1} the reference runs {b[i].path} "
                f"({b[i].text}), yours runs {a[i].path} ({a[i].text}).")
    exact = i < len(a) and i < len(b) and a[i].key[:2] == b[i].key[:2]
    for k in range(1, 5):
        if i + k <= len(b) and _aligned(a[i:], b[i + k:], exact):
            return _missing_text(b[i:i + k], b, "missing")
        if not stopped and i + k <= len(a) and _aligned(a[i + k:], b[i:], exact):
            return _missing_text(a[i:i + k], a, "extra")
    if i >= len(a) or i >= len(b):
        first = (f"the first missing is {b[i].named()}" if i < len(b)
                 else f"the first extra is {a[i].named()}")
        return f"expected {len(b)} leaf modules with parameters, found {len(a)}; {first}"
    x, y = a[i], b[i]
    text = f"{y.path}: expected {y.describe()}, found {x.describe()}"
    if x.path != y.path:
        text += f" (your {x.path})"
    why = _leaf_relation(x, y, mine, ref) or _configured_before(
        _between(mine, a[i - 1] if i else None, x), _between(ref, b[i - 1] if i else None, y))
    return text + (f"\n  likely mistake: {why}" if why else "")


def _between(run: list[Leaf], first: Leaf | None, last: Leaf) -> list[Leaf]:
    """The leaves of ``run`` after ``first`` (from the start if None) and before ``last``."""
    end = next(k for k, leaf in enumerate(run) if leaf is last)
    start = 0 if first is None else next(k for k, leaf in enumerate(run) if leaf is first) + 1
    return run[start:end]


def _configured_before(yours: list[Leaf], theirs: list[Leaf]) -> str | None:
    """The same layers (such as pooling) before a differing leaf, one with other arguments."""
    if [leaf.kind for leaf in yours] != [leaf.kind for leaf in theirs]:
        return None
    for u, v in zip(yours, theirs, strict=True):
        if u.text != v.text:
            return (f"before it, {v.path} is {v.text} in the reference; yours is {u.text} "
                    "(its arguments change the size of what follows).")
    return None


def _kernel_size(text: str) -> str | None:
    """A convolution's kernel size read from its repr ("3x3"), or None."""
    found = re.search(r"kernel_size=\((\d+), (\d+)\)", text)
    return f"{found[1]}x{found[2]}" if found else None


def _leaf_relation(x: Leaf, y: Leaf, mine: list[Leaf], ref: list[Leaf]) -> str | None:
    """What a leaf that differs from the expected one says about the mistake (x: found)."""
    if x.kind != y.kind:
        return f"a {x.kind} where a {y.kind} belongs: a layer is missing, extra or misplaced."
    kernels = _kernel_size(x.text), _kernel_size(y.text)
    if None not in kernels and kernels[0] != kernels[1]:
        return (f"a {kernels[0]} kernel where the reference has {kernels[1]}: check this "
                "convolution's kernel_size (or the order of the layers: a 1x1 reduction before "
                "a larger filter, not after it).")
    channels = y.shape[1] if len(y.shape) >= 2 else 0
    if x.params != y.params and channels:
        if x.params == y.params - channels:
            return (f"the bias is missing ({channels} biases): nn.{y.kind} has bias=True by "
                    "default; remove bias=False.")
        if x.params == y.params + channels:
            return f"an extra bias ({channels} parameters): this layer has bias=False."
        if len(x.shape) >= 2 and x.shape[1] != channels:
            unit = "output channels (C_out)" if x.kind.startswith("Conv") else "outputs"
            return (f"{x.shape[1]} {unit} where {channels} belong in {y.path} ({y.kind}): check "
                    "this layer's width (a channel count not scaled, or taken from the wrong "
                    "row).")
        for bias in (0, channels) if x.kind.startswith("Conv") else ():
            wx, wy = x.params - bias, y.params - bias
            if wy > 0 and wx > wy and wx % wy == 0 and 2 <= wx // wy <= 64:
                g = wx // wy
                return (f"groups ignored: {g} times the expected weights; a grouped "
                        f"convolution (groups={g}) connects each filter to C_in / {g} input "
                        f"channels, so it has C_out * (C_in / {g}) * KH * KW weights.")
            if wx > 0 and wy > wx and wy % wx == 0 and 2 <= wy // wx <= 64:
                g = wy // wx
                return (f"{g} times too few weights: groups={g} where the layer is not grouped, "
                        "or a channel count divided.")
    if x.params == y.params and x.shape != y.shape and len(x.shape) == len(y.shape) >= 3:
        spatial = list(zip(x.shape[2:], y.shape[2:], strict=True))
        if all(-(-w // 2) == g or w // 2 == g for g, w in spatial if g != w) and any(
                g < w for g, w in spatial):
            return ("the output is half as large as expected along "
                    f"{'the spatial axes' if len(spatial) > 1 else 'its axis'}: a stride of 2 "
                    "where the reference has 1 (here or in a pooling layer before it).")
        if all(g in (2 * w, 2 * w - 1, 2 * w + 1) for g, w in spatial if g != w):
            return ("the output is twice as large as expected: a stride of 1 where the "
                    "reference has 2 (here or in a pooling layer before it).")
        if all(abs(g - w) <= 4 for g, w in spatial):
            return "the output size is off by a few pixels: check the padding (and the kernel size)."
    return None


def _value_diagnosis(got: dict[str, Any], want: dict[str, Any], mine: list[Leaf],
                     ref: list[Leaf], rtol: float) -> list[str]:
    """Same structure, different values: a channel permutation, or the first leaf whose
    output differs."""
    lines = []
    runs = _channel_permutation(got.get("output"), want.get("output"), rtol) or (
        _channel_permutation(got.get("output_by_definition"), want.get("output_by_definition"),
                             rtol))
    if runs:
        moved = ", ".join(f"{g0}-{g1 - 1} hold the expected {w0}-{w0 + g1 - g0 - 1}"
                          for g0, g1, w0 in runs)
        lines.append(f"  the output is the expected one with its channels in another order "
                     f"(your channels {moved})")
        lines.append("  likely mistake: the tensors are concatenated in another order: "
                     "torch.cat([...], dim=1) stacks their channels in the order of the list.")
        return lines
    a = [k for k, leaf in enumerate(mine) if leaf.params]
    b = [k for k, leaf in enumerate(ref) if leaf.params]
    if [mine[i].key for i in a] != [ref[j].key for j in b]:  # weights assigned differently
        return ["  the output differs; your leaf modules run in another order, so the values "
                "of the leaves cannot be compared one by one."]
    for k, (i, j) in enumerate(zip(a, b, strict=True)):
        x, y = mine[i], ref[j]
        if x.stats is None or y.stats is None:
            break
        scale = max(1.0, abs(y.stats[1]))
        if any(abs(p - q) > 1e3 * rtol * scale for p, q in zip(x.stats, y.stats, strict=True)):
            before = f"everything up to {ref[b[k - 1]].path} agrees; " if k else ""
            lines.append(f"  {before}the first leaf module whose output differs is {y.path} "
                         f"({y.text}; yours {x.path}): its weights are the same, so what "
                         "reaches it differs (a missing or extra activation or pooling, the "
                         "residual added in another place, branches concatenated in another "
                         "order) or it is applied differently.")
            start_a, start_b = (a[k - 1] + 1, b[k - 1] + 1) if k else (0, 0)
            theirs, yours = ref[start_b:j], mine[start_a:i]
            if [leaf.kind for leaf in theirs] != [leaf.kind for leaf in yours]:
                lines.append(f"  between them the reference runs {_names(theirs)}; yours runs "
                             f"{_names(yours)}")
                why = _kind_difference(yours, theirs, mine, f"before {y.path}")
                if why:
                    lines.append(f"  likely mistake: {why}")
            else:  # the same layers in between: one is configured differently
                for u, v in zip(yours, theirs, strict=True):
                    if u.text != v.text:
                        lines.append(f"  likely mistake: {v.path} is built with other "
                                     f"arguments: {v.text} in the reference, yours {u.text}.")
                        break
            return lines
    lines.append("  every leaf module's output agrees, but the model's output does not: check "
                 "what follows the last layer (an activation or softmax after the classifier, "
                 "the residual addition, the final concatenation).")
    if a and b:
        why = _kind_difference(mine[a[-1] + 1:], ref[b[-1] + 1:], mine,
                               f"after the last layer with parameters ({ref[b[-1]].path}), so "
                               "the scores are not the layer's raw output")
        if why:
            lines.append(f"  likely mistake: {why}")
    return lines


def _kind_difference(yours: Sequence[Leaf], theirs: Sequence[Leaf], mine: Sequence[Leaf],
                     where: str) -> str | None:
    """The parameterless layers (ReLU, Dropout, pooling, ...) that one run has and the other
    has not, as a sentence. A layer is called missing only if the model uses that kind of
    module somewhere: a model that calls F.relu has no ReLU leaves at all."""
    counts: dict[str, int] = {}
    for leaf in theirs:
        counts[leaf.kind] = counts.get(leaf.kind, 0) + 1
    for leaf in yours:
        counts[leaf.kind] = counts.get(leaf.kind, 0) - 1
    used = {leaf.kind for leaf in mine}
    missing = [k for k, n in counts.items() if n > 0 and k in used]
    extra = [k for k, n in counts.items() if n < 0]
    parts = ([f"an extra {k}" for k in extra] + [f"a missing {k}" for k in missing])
    return f"{' and '.join(parts)} {where}" if parts else None


def _names(run: Sequence[Leaf]) -> str:
    if not run:
        return "no leaf modules (functional calls such as F.relu are not seen)"
    return ", ".join(leaf.text for leaf in run)


def _channel_permutation(got: Any, want: Any, rtol: float) -> list[tuple[int, int, int]]:
    """If ``got`` is ``want`` with its channels (axis 1) permuted, the permutation as runs
    (got start, got end, want start); else []."""
    if not (isinstance(got, np.ndarray) and isinstance(want, np.ndarray)) or (
            got.shape != want.shape or got.ndim < 2 or got.shape[1] < 2 or got.shape[1] > 4096):
        return []
    g = np.moveaxis(got, 1, 0).reshape(got.shape[1], -1)
    w = np.moveaxis(want, 1, 0).reshape(want.shape[1], -1)
    tol = rtol * max(1.0, float(np.max(np.abs(w), initial=0.0)))
    order = []
    with np.errstate(all="ignore"):
        for row in g:
            match = np.flatnonzero(np.max(np.abs(w - row), axis=1) <= tol)
            if len(match) != 1:
                return []
            order.append(int(match[0]))
    if sorted(order) != list(range(len(order))) or order == sorted(order):
        return []
    runs, start = [], 0
    for k in range(1, len(order) + 1):
        if k == len(order) or order[k] != order[k - 1] + 1:
            runs.append((start, k, order[start]))
            start = k
    return runs
