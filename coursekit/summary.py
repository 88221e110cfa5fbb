"""Layer tables: what a model is made of, traced with forward hooks (student-safe).

:func:`summary` prints, for every leaf module (a module without children) in the order the
forward pass calls it, its output shape, its parameters and its multiply-accumulates (MACs),
and returns the rows for plotting. :func:`fingerprint` turns a model into plain data: its
parameter counts, the same leaf table, and its output with seeded weights. The course's grader
compares two models through their fingerprints (never the objects), and a learner can use it to
compare two models the same way.

Both work on the meta device (``with torch.device("meta"): model = build()``): a full-size
network is counted without allocating its weights.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

MAX_LEAVES = 4096  # leaf-module calls recorded (more are not: the tables stop there)
MAX_NDIM = 8  # leaf output shapes are padded with -1 to this many axes
REPR_CHARS = 160  # characters kept of each leaf's repr


@dataclass(frozen=True)
class Row:
    """One call of a leaf module.

    name: its path in the model (``"features.0"``; ``"(model)"`` for a model that is one layer),
    kind: its type name (``"Conv2d"``), out_shape: its output's shape (``()`` if the output is not
    a tensor), params: its own parameters (counted at its first call only, so the column adds
    up to the model's total), macs: its multiply-accumulates per image (see :func:`layer_macs`).
    """

    name: str
    kind: str
    out_shape: tuple[int, ...]
    params: int
    macs: int


def layer_macs(module: nn.Module, out_shape: Sequence[int]) -> int:
    """Multiply-accumulates of one call of ``module`` per image, from its output shape.

    - ConvNd: C_out * H' * W' * (C_in / groups) * KH * KW (one MAC per weight and output
      position; the bias adds are not counted);
    - Linear: in_features * out_features (times the positions if the input has more axes);
    - everything else (pooling, activations, normalization, dropout, flatten): 0, since their
      comparisons and additions are not multiply-accumulates.

    out_shape: (N, C_out, H', W') for a 2-D convolution; the batch axis N is not counted.
    EXAMPLE: AlexNet's CONV1 (96 filters of 11x11x3, stride 4, 227x227 input, output 55x55)
    has 96 * 55 * 55 * 3 * 11 * 11 = 105,415,200 MACs.
    """
    if isinstance(module, nn.modules.conv._ConvNd) and not module.transposed:
        per_output = (module.in_channels // module.groups) * math.prod(module.kernel_size)
        return int(math.prod(out_shape[1:]) * per_output)
    if isinstance(module, nn.Linear):
        return int(module.in_features * math.prod(out_shape[1:]))
    return 0


def _own_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters(recurse=False))


def _as_batch(input_shape: Sequence[int], literal: bool = False) -> tuple[int, ...]:
    """An input shape with its batch axis: (C, H, W) becomes (1, C, H, W); any other rank
    (and every shape if ``literal``) is taken as it is, e.g. (N, C, H, W) or (N, features)."""
    try:
        shape = tuple(int(s) for s in input_shape)
    except (TypeError, ValueError):
        raise ValueError(f"input_shape must be a tuple of ints, got {input_shape!r}") from None
    if not shape or any(s <= 0 for s in shape):
        raise ValueError(f"input_shape must be positive sizes, e.g. (3, 224, 224) or "
                         f"(1, 3, 224, 224), got {input_shape!r}")
    return (1, *shape) if len(shape) == 3 and not literal else shape


def _leaf_names(model: nn.Module) -> dict[int, str]:
    return {id(m): name or "(model)" for name, m in model.named_modules()
            if next(m.children(), None) is None}


def _where(model: nn.Module) -> tuple[torch.device, torch.dtype]:
    """The device and floating dtype of the model's first floating parameter (CPU float32 if
    it has none)."""
    for tensor in (*model.parameters(), *model.buffers()):
        if tensor.is_floating_point():
            return tensor.device, tensor.dtype
    return torch.device("cpu"), torch.get_default_dtype()


@dataclass
class _Trace:
    rows: list[dict]
    output: Any = None
    error: str = ""


def _trace(model: nn.Module, x: torch.Tensor, stats: bool = False,
           before: Callable[[nn.Module], None] | None = None) -> _Trace:
    """Run ``model(x)`` in eval mode without gradients, recording every leaf module call.

    Each row: name, kind, repr, params (own, every call), first (True at its first call),
    shape, macs and, if ``stats``, (mean, root mean square) of its output in float64, taken at
    the hook (before any in-place operation changes the tensor). ``before(module)`` runs when
    any module is entered (forward pre-hook), in call order. A forward pass that raises keeps
    the rows recorded so far and its error message.
    """
    names = _leaf_names(model)
    trace = _Trace([])
    seen: set[int] = set()

    def hook(module: nn.Module, inputs: Any, output: Any) -> None:
        if len(trace.rows) >= MAX_LEAVES:
            return
        shape = tuple(output.shape) if isinstance(output, torch.Tensor) else ()
        row = {"name": names[id(module)], "kind": type(module).__name__,
               "repr": repr(module)[:REPR_CHARS], "params": _own_params(module),
               "first": id(module) not in seen, "shape": shape,
               "macs": layer_macs(module, shape) if shape else 0}
        seen.add(id(module))
        if stats:
            if isinstance(output, torch.Tensor) and output.numel() and not output.is_meta:
                v = output.detach().to(torch.float64)
                row["stats"] = (float(v.mean()), float(v.square().mean().sqrt()))
            else:
                row["stats"] = (0.0, 0.0)
        trace.rows.append(row)

    handles = [m.register_forward_hook(hook) for m in model.modules() if id(m) in names]
    if before is not None:
        handles += [m.register_forward_pre_hook(lambda mod, inputs: before(mod))
                    for m in model.modules()]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            trace.output = model(x)
    except Exception as exc:  # a model that cannot run still has a table up to its failure
        trace.error = f"{type(exc).__name__}: {exc}"[:400]
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return trace


def summary(model: nn.Module, input_shape: Sequence[int], show: bool = True) -> list[Row]:
    """Print the layer table of ``model`` for an input of ``input_shape``; return its rows.

    input_shape: (C, H, W) (a batch of one), or the whole shape with its batch axis:
    (N, C, H, W), (N, features). The input is zeros on the model's device and in its dtype, so
    a model built on the meta device is counted without allocating anything. One row per call of a leaf module, in forward-call order (a module
    called twice has two rows; its parameters count at the first). MACs are per image (see
    :func:`layer_macs`). The last printed line gives the model's total parameters (including
    any a non-leaf module owns itself) and total MACs.

    Raises ValueError if the forward pass fails, naming the last layer that ran.
    EXAMPLE:
        >>> rows = summary(nn.Conv2d(3, 96, 11, stride=4), (3, 227, 227), show=False)
        >>> rows[0].out_shape, rows[0].params, rows[0].macs
        ((1, 96, 55, 55), 34944, 105415200)
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"summary needs a torch.nn.Module, got {type(model).__name__}")
    shape = _as_batch(input_shape)
    device, dtype = _where(model)
    with torch.device(device):  # tensors the forward pass makes go where the model is
        trace = _trace(model, torch.zeros(shape, device=device, dtype=dtype))
    if trace.error:
        last = trace.rows[-1]["name"] if trace.rows else "(none)"
        raise ValueError(f"the forward pass on an input of shape {shape} failed after layer "
                         f"{last}: {trace.error}")
    rows = [Row(r["name"], r["kind"], r["shape"], r["params"] if r["first"] else 0, r["macs"])
            for r in trace.rows]
    if show:
        print(format_table(rows, total_params=sum(p.numel() for p in model.parameters())))
    return rows


def format_table(rows: Sequence[Row], total_params: int | None = None) -> str:
    """The rows as a text table with a total line (thousands separated by commas)."""
    width = max([len("layer"), *(len(r.name) for r in rows)])
    kinds = max([len("type"), *(len(r.kind) for r in rows)])
    shapes = max([len("output shape"), *(len(str(r.out_shape)) for r in rows)])
    lines = [f"{'layer':<{width}}  {'type':<{kinds}}  {'output shape':<{shapes}}  "
             f"{'params':>12}  {'MACs':>15}"]
    for r in rows:
        lines.append(f"{r.name:<{width}}  {r.kind:<{kinds}}  {str(r.out_shape):<{shapes}}  "
                     f"{r.params:>12,}  {r.macs:>15,}")
    total = sum(r.params for r in rows) if total_params is None else total_params
    lines.append(f"{'total':<{width + kinds + shapes + 4}}  {total:>12,}  "
                 f"{sum(r.macs for r in rows):>15,}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- fingerprints


def _fill(tensor: torch.Tensor, generator: torch.Generator, name: str = "") -> None:
    """Seeded values for a parameter, drawn by its shape: He-scaled normal weights for tensors
    of 2 or more axes (std sqrt(2 / fan_in), fan_in = prod(shape[1:])); for vectors, a
    ``bias`` (a layer's shift, a batch norm's beta) gets 0.5 * normal, of either sign, so that
    a missing ReLU shows, and any other vector (a normalization's scale) 1 + 0.1 * normal, so
    activations stay of order one at any depth."""
    with torch.no_grad():
        values = torch.randn(tensor.shape, generator=generator, dtype=torch.float64)
        if tensor.ndim >= 2:
            values *= math.sqrt(2.0 / max(1, math.prod(tensor.shape[1:])))
        elif name == "bias":
            values = 0.5 * values
        else:
            values = 1.0 + 0.1 * values
        tensor.copy_(values.to(tensor.dtype))


def _fill_in_order(modules: Sequence[nn.Module], seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    for module in modules:
        for name, p in module.named_parameters(recurse=False):
            _fill(p, generator, name)


def _fill_by_key(modules: Sequence[nn.Module], seed: int) -> None:
    """Each module's parameters from a generator of its own, seeded by its key: its type and
    its parameters' shapes (for a layer of vectors only, such as a batch norm, also the layer
    with parameters called just before it), and how many modules with that whole key come
    before it. ``modules`` are in forward-call order.
    So a layer is known by what it is and what feeds it: a batch norm after conv3 and one after
    the shortcut's convolution get different weights, in whichever order the two branches run
    or are defined, and the same ones as in any other model built of the same layers."""
    seen: dict[str, int] = {}
    before = ""
    for module in modules:
        params = list(module.parameters(recurse=False))
        if not params:
            continue
        own = f"{type(module).__name__}{[tuple(p.shape) for p in params]}"
        # a layer of vectors only (a batch norm's scale and shift) is known by the layer it
        # follows; a layer with weights (a convolution, a linear layer) by itself
        key = own if any(p.ndim >= 2 for p in params) else f"{own} after {before}"
        ordinal = seen[key] = seen.get(key, -1) + 1
        generator = torch.Generator().manual_seed(
            (seed * 1_000_003 + zlib.crc32(key.encode()) * 1009 + ordinal) % 2**63)
        for name, p in module.named_parameters(recurse=False):
            _fill(p, generator, name)
        before = own



def fingerprint(model: Any, input_shape: Sequence[int], seed: int = 0,
                function: bool = True, training: bool = False) -> dict[str, Any]:
    """A model as plain data: what the grader compares (ints, strings and numpy arrays only).

    Always: ``returned`` (the type name of ``model``). For a ``torch.nn.Module``:

    - ``total``: its parameter count; ``stage_names``, ``stage_params``: the count of each
      top-level child (a stage), with ``"(own)"`` for parameters the model holds itself;
    - ``leaf_paths``, ``leaf_types``, ``leaf_reprs``, ``leaf_params`` (L,) and ``leaf_shapes``
      (L, 8), -1 padded: one row per leaf-module call in forward-call order, for an input of
      ``input_shape`` (the whole shape, batch axis included: (N, C, H, W));
    - ``out_shape``: the output's shape (empty if it is not a tensor), ``out_type``;
    - ``error``: the forward pass's exception ("" if none; the table stops there);
    - if ``function``: the model in float64 and eval mode, every parameter drawn from one
      generator seeded with ``seed``, by shape (see :func:`_fill`), module by module in
      forward-call order (the order their forward pass is entered), run on a fixed float64
      input (normal, seeded with ``seed + 1``): ``output``, ``leaf_stats`` (L, 2) (mean and root
      mean square of each leaf's output) and ``output_by_definition``, the output when the
      modules are filled in definition order (``named_modules``) instead, and ``output_by_key``,
      each module filled by its key (see :func:`_fill_by_key`); with ``training``
      also ``output_train``, ``output_train_by_definition`` and ``output_train_by_key``, the
      same three in training mode
      (dropout on, batch norm on batch statistics; see :func:`_train_mode_output`). Two models that compute the same function with the same
      layers, called (or defined) in the same order, get identical weights and outputs.

    With ``function=False`` nothing is computed: a model on the meta device is traced on a meta
    input (shapes only). Nothing here raises for a broken model: its error is data. With
    ``function=True`` the model itself becomes float64 with the seeded weights: pass a fresh one.
    """
    data: dict[str, Any] = {"returned": type(model).__name__[:60]}
    if not isinstance(model, nn.Module):
        return data
    shape = _as_batch(input_shape, literal=True)
    params = {id(p): p.numel() for p in model.parameters()}
    data["total"] = int(sum(params.values()))
    stages = [(name, sum(p.numel() for p in child.parameters()))
              for name, child in model.named_children()]
    if _own_params(model):
        stages.insert(0, ("(own)", _own_params(model)))
    data["stage_names"] = np.array([n for n, _ in stages], dtype=str)
    data["stage_params"] = np.array([c for _, c in stages], dtype=np.int64)
    empty = _Trace([])
    if function:
        try:
            model.to(device=torch.device("cpu"), dtype=torch.float64)
        except Exception as exc:  # e.g. a model whose weights are on the meta device
            empty.error = f"{type(exc).__name__}: {exc}"[:400]
    if empty.error:
        trace = empty
    elif function:
        x = torch.randn(shape, generator=torch.Generator().manual_seed(seed + 1),
                        dtype=torch.float64)
        # parameters a forward pass never enters (used through another module) still get
        # deterministic values: definition order first, then forward-call order over them
        _fill_in_order(list(model.modules()), seed + 2)
        generator = torch.Generator().manual_seed(seed)
        filled: set[int] = set()

        called: list[nn.Module] = []   # forward-call order, each module once

        def fill(module: nn.Module) -> None:
            if id(module) not in filled:
                filled.add(id(module))
                called.append(module)
                for name, p in module.named_parameters(recurse=False):
                    _fill(p, generator, name)

        trace = _trace(model, x, stats=True, before=fill)
    else:
        device, dtype = _where(model)
        with torch.device(device):  # tensors the forward pass makes go where the model is
            trace = _trace(model, torch.zeros(shape, device=device, dtype=dtype))
    rows = trace.rows
    data["leaf_paths"] = np.array([r["name"] for r in rows], dtype=str)
    data["leaf_types"] = np.array([r["kind"] for r in rows], dtype=str)
    data["leaf_reprs"] = np.array([r["repr"] for r in rows], dtype=str)
    data["leaf_params"] = np.array([r["params"] for r in rows], dtype=np.int64)
    shapes = np.full((len(rows), MAX_NDIM), -1, dtype=np.int64)
    for i, r in enumerate(rows):
        shapes[i, :min(len(r["shape"]), MAX_NDIM)] = r["shape"][:MAX_NDIM]
    data["leaf_shapes"] = shapes
    data["error"] = trace.error
    out = trace.output
    data["out_type"] = type(out).__name__[:60]
    data["out_shape"] = np.array(tuple(out.shape) if isinstance(out, torch.Tensor) else (),
                                 dtype=np.int64)
    if function and not trace.error:
        data["leaf_stats"] = np.array([r["stats"] for r in rows], dtype=np.float64).reshape(-1, 2)
        if isinstance(out, torch.Tensor):
            data["output"] = out.detach().to(torch.float64).numpy().copy()
            trained = _train_mode_output(model, x, seed) if training else None
            if trained is not None:   # the same weights, before the refill
                data["output_train"] = trained
            for name, refill, order in (("by_definition", _fill_in_order, list(model.modules())),
                                        ("by_key", _fill_by_key, called)):
                refill(order, seed)
                again = _trace(model, x)
                if isinstance(again.output, torch.Tensor) and not again.error:
                    data[f"output_{name}"] = again.output.detach().to(
                        torch.float64).numpy().copy()
                    trained = _train_mode_output(model, x, seed) if training else None
                    if trained is not None:
                        data[f"output_train_{name}"] = trained
    return data


def _train_mode_output(model: nn.Module, x: torch.Tensor, seed: int) -> np.ndarray | None:
    """The output in training mode, with torch's global generator seeded with ``seed + 3`` (the
    one nn.Dropout draws from; restored after): two models with the same layers in the same
    order draw the same dropout masks. None if the forward pass raises there (batch norm on a
    single value per channel, for one). The buffers (batch norm's running statistics and batch
    counter) are restored afterwards, so later eval-mode passes see the model as built."""
    buffers = {name: b.detach().clone() for name, b in model.named_buffers()}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed + 3)
        try:
            model.train()
            with torch.no_grad():
                out = model(x)
        except Exception:  # noqa: BLE001 - the eval-mode checks already ran
            return None
        finally:
            model.eval()
            with torch.no_grad():   # batch norm's running statistics as they were
                for name, b in model.named_buffers():
                    if name in buffers:
                        b.copy_(buffers[name])
    return out.detach().to(torch.float64).numpy().copy() if isinstance(out, torch.Tensor) else None


def warm_up() -> None:
    """Pay once the first meta-device forward pass, which imports a few hundred of torch's
    modules (seconds); the grader calls this before the timed calls of a model exercise."""
    try:
        conv = nn.Conv2d(1, 1, 1, device="meta")
        conv(torch.zeros(1, 1, 2, 2, device="meta"))
    except Exception:  # only a speed-up
        pass


def model_probe(build: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any],
                input_shape: Sequence[int], seed: int = 0, function: bool = True,
                training: bool = False) -> dict[str, Any]:
    """Call ``build(*args, **kwargs)`` (a model builder or a block class) and return the
    :func:`fingerprint` of the model it returns. With ``function=False`` it is built on the
    meta device (counted without allocating its weights). It runs on one thread (restored
    after). The grader calls this on both sides: in the sandbox on the submission's builder,
    and on the reference."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small models: threads only cost (and results do not depend on them)
    try:
        if function:
            model = build(*args, **kwargs)
        else:
            with torch.device("meta"):
                model = build(*args, **kwargs)
        return fingerprint(model, input_shape, seed=seed, function=function,
                           training=training)
    finally:
        torch.set_num_threads(threads)
