"""Hidden checks for notebook 10, the winners side by side: ``count_macs``.

``count_macs(model, input_shape)`` is graded through the notebook's ``count_macs_of(layers,
input_shape)``, which builds an ``nn.Sequential`` on the meta device from rows of plain data
(``("conv", C_out, F, S, P, groups, bias)``, ``("maxpool", F, S)``, ``("avgpool", F, S)``,
``("gap",)``, ``("relu",)``, ``("bn",)``, ``("flatten",)``, ``("fc", D_out)``,
``("fc_in", D_in, D_out)``), because a model cannot cross the sandbox but a list can. The
catalogue computes each misconception from the rows by the formulas, without torch: FLOPs
counted as MACs, bias additions counted, groups ignored, pooling windows counted, a Linear after
a flatten counted at the positions of the maps before it, a Linear on maps counted once, batch
norm counted, and a convolution counted at its input's positions. ``count_macs_of(...,
twice=True)`` counts one model in training mode twice and reports the hooks left on it and its
mode: count_macs must leave the model as it found it.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np

from autograder.checks.core import Case, Exercise, Group, Mistake, register
from autograder.checks.exercises.common import ref

# ----------------------------------------------------------------------------- the formulas


def _wrong_macs(layers, input_shape, *, flops: bool = False, bias: bool = False,
                groups: bool = True, pooling: bool = False, fc_positions: bool = False,
                fc_once: bool = False, batchnorm: bool = False, input_size: bool = False) -> int:
    """The MACs of count_macs_of's rows by the formulas, with one mistake switched on."""
    if isinstance(layers, str):
        raise ValueError("not a model")
    shape = tuple(int(v) for v in input_shape)
    if not shape or min(shape) < 1:
        raise ValueError("bad input_shape")
    total, before_flatten = 0, 1
    for kind, *hp in layers:
        if kind == "conv":
            c_out, f, s, p, g, b = (int(v) for v in hp)
            c, h, w = shape[-3:]
            h2, w2 = (h + 2 * p - f) // s + 1, (w + 2 * p - f) // s + 1
            positions = h * w if input_size else h2 * w2
            total += c_out * positions * (c // g if groups else c) * f * f
            total += c_out * h2 * w2 if bias and b else 0
            shape = (c_out, h2, w2)
        elif kind in ("maxpool", "avgpool"):
            f, s = (int(v) for v in hp)
            c, h, w = shape[-3:]
            shape = (c, (h - f) // s + 1, (w - f) // s + 1)
            total += c * shape[1] * shape[2] * f * f if pooling else 0
        elif kind == "gap":
            total += math.prod(shape) if pooling else 0
            shape = (shape[0], 1, 1)
        elif kind == "bn":
            total += math.prod(shape) if batchnorm else 0
        elif kind == "flatten":
            before_flatten = math.prod(shape[1:]) if len(shape) == 3 else 1
            shape = (math.prod(shape),)
        elif kind in ("fc", "fc_in"):
            d_out = int(hp[-1])
            d_in = shape[-1] if kind == "fc" else int(hp[0])
            if kind == "fc_in" and d_in != shape[-1]:
                raise ValueError("the forward pass fails")
            positions = 1 if fc_once else math.prod(shape[:-1])
            if fc_positions and len(shape) == 1:
                positions *= before_flatten
            total += d_in * d_out * positions + (d_out * positions if bias else 0)
            shape = (*shape[:-1], d_out)
    return total * (2 if flops else 1)


MAC_MISTAKES = {
    "FLOPs counted instead of MACs: one multiply-accumulate (a += w * x) is two floating-point "
    "operations, so the FLOPs are twice the MACs; count each multiply-add once": {"flops": True},
    "the bias additions are counted: a bias is only added (C_out * H' * W' additions for a "
    "convolution, D_out for an fc layer), so it is not a multiply-accumulate": {"bias": True},
    "groups ignored: each filter of a grouped convolution sees C_in / groups input channels, so "
    "its MACs are C_out * H' * W' * (C_in / groups) * KH * KW (module.groups)": {"groups": False},
    "pooling counted as MACs (each window's comparisons or additions): by the course's convention, "
    "and torchvision's, pooling costs no MACs; only Conv2d and Linear do": {"pooling": True},
    "a Linear after a flatten counted at every position of the maps before the flatten: after a "
    "flatten it is applied once per image, in_features * out_features": {"fc_positions": True},
    "a Linear on maps counted once: nn.Linear acts on the last axis at every other position, so its "
    "MACs are in_features * out_features * (output.numel() / out_features)": {"fc_once": True},
    "batch norm counted (one multiply-add per element): by the course's convention, and "
    "torchvision's, only Conv2d and Linear cost MACs": {"batchnorm": True},
    "a convolution counted at the positions of its input (H x W) instead of its output "
    "(H' x W'): stride and padding change the number of outputs, read them from the output "
    "tensor the hook gets": {"input_size": True},
}

# ----------------------------------------------------------------------------- cases


def _case(label: str, layers, input_shape, check=None) -> Case:
    return Case(label, (tuple(tuple(r) for r in layers), tuple(input_shape)), check=check)


def _fixed(rng):
    yield _case("Conv2d(2, 4, 3, padding=1) on 2x5x5", [("conv", 4, 3, 1, 1, 1, 1)], (2, 5, 5))
    yield _case("AlexNet's CONV1 (96 filters 11x11, stride 4) on 3x227x227",
                [("conv", 96, 11, 4, 0, 1, 1)], (3, 227, 227))
    yield _case("AlexNet's CONV2 (groups=2) on 96x27x27", [("conv", 256, 5, 1, 2, 2, 1)],
                (96, 27, 27))
    yield _case("Conv2d(1, 2, 3), ReLU, MaxPool2d(2), Flatten, Linear(18, 5) on 1x8x8",
                [("conv", 2, 3, 1, 0, 1, 1), ("relu",), ("maxpool", 2, 2), ("flatten",),
                 ("fc", 5)], (1, 8, 8))
    yield _case("Linear(4, 3) on (5, 4): applied at 5 positions", [("fc", 3)], (5, 4))


ALEXNET_ROWS = {   # notebook 05's tables as count_macs_of rows (LRN and the identity pooling cost 0)
    "paper": [("conv", 96, 11, 4, 0, 1, 1), ("maxpool", 3, 2), ("conv", 256, 5, 1, 2, 2, 1),
              ("maxpool", 3, 2), ("conv", 384, 3, 1, 1, 1, 1), ("conv", 384, 3, 1, 1, 2, 1),
              ("conv", 256, 3, 1, 1, 2, 1), ("maxpool", 3, 2), ("flatten",), ("fc", 4096),
              ("relu",), ("fc", 4096), ("relu",), ("fc", 1000)],
    "one_gpu": [("conv", 64, 11, 4, 2, 1, 1), ("maxpool", 3, 2), ("conv", 192, 5, 1, 2, 1, 1),
                ("maxpool", 3, 2), ("conv", 384, 3, 1, 1, 1, 1), ("conv", 256, 3, 1, 1, 1, 1),
                ("conv", 256, 3, 1, 1, 1, 1), ("maxpool", 3, 2), ("flatten",), ("fc", 4096),
                ("fc", 4096), ("fc", 1000)],
}
INPUT = {"paper": (3, 227, 227), "one_gpu": (3, 224, 224)}


def _against_table(table_rows, in_shape, what: str):
    def check(got: Any) -> str | None:
        want = int(sum(row[3] for row in ref("layer_table")(table_rows, in_shape)))
        value = np.asarray(got)   # an int comes back from the sandbox as a 0-d array
        if value.shape != () or value.dtype.kind not in "iu":
            return f"expected an int, got {type(got).__name__} {value.dtype} {value.shape}"
        if int(value) != want:
            return (f"{what}: notebook 05's layer table gives {want:,} MACs, your count_macs "
                    f"{int(value):,} (a ratio of {int(value) / want:.4g})")
        return None
    return check


def _alexnets(rng):
    for variant in ("paper", "one_gpu"):
        name = "the paper's two-GPU AlexNet" if variant == "paper" else "torchvision's one-GPU AlexNet"
        table = ref("ALEXNET")[variant]
        yield _case(f"{name}, full size on the meta device, against the layer table",
                    ALEXNET_ROWS[variant], INPUT[variant],
                    check=_against_table(table, INPUT[variant], name))


def _random_stack(rng, trial: int):
    c = int(rng.choice([1, 2, 3, 4, 6]))
    h, w = int(rng.integers(10, 30)), int(rng.integers(10, 30))
    if h == w:
        w += 1
    shape = (c, h, w)
    rows = []
    for _ in range(int(rng.integers(2, 6))):
        c_now, hh, ww = shape
        kind = str(rng.choice(["conv", "conv", "maxpool", "avgpool", "bn", "relu"]))
        if kind != "conv" and min(hh, ww) < 3:
            kind = "relu"
        if kind == "conv":
            g = int(rng.choice([g for g in (1, 2, 3) if c_now % g == 0]))
            c_out = g * int(rng.integers(1, 5))
            f = int(rng.integers(1, min(hh, ww, 5) + 1))
            s, p = int(rng.integers(1, 3)), int(rng.integers(0, 3))
            row = ("conv", c_out, f, s, p, g, int(rng.integers(0, 2)))
            shape = (c_out, (hh + 2 * p - f) // s + 1, (ww + 2 * p - f) // s + 1)
        elif kind in ("maxpool", "avgpool"):
            f, s = int(rng.integers(2, 4)), int(rng.integers(1, 3))
            row = (kind, f, s)
            shape = (c_now, (hh - f) // s + 1, (ww - f) // s + 1)
        else:
            row = (kind,)
        rows.append(row)
    ending = trial % 3
    if ending == 0:      # flatten, then two fc layers
        rows += [("flatten",), ("fc", int(rng.integers(3, 30))), ("relu",), ("fc", 10)]
    elif ending == 1:    # global average pooling, flatten, one fc layer
        rows += [("gap",), ("flatten",), ("fc", int(rng.integers(2, 12)))]
    else:                # an fc layer on the maps: applied at every position
        rows += [("fc", int(rng.integers(2, 9)))]
    return rows, (c, h, w)


def _random(rng):
    for trial in range(10):
        rows, shape = _random_stack(rng, trial)
        yield _case(f"random {trial}: {[r[0] for r in rows]} on {'x'.join(map(str, shape))}",
                    rows, shape)


def _property(rng):
    """Random layer tables of notebook 05 (conv, pool, fc): count_macs of the same layers must
    equal the sum of the table's MACs."""
    for trial in range(6):
        c = int(rng.choice([2, 3, 4]))
        h, w = int(rng.integers(12, 40)), int(rng.integers(12, 40))
        shape, table, rows = (c, h, w), [], []
        for k in range(int(rng.integers(2, 5))):
            c_now, hh, ww = shape
            if k % 2 == 1 and min(hh, ww) >= 3:
                f, s = int(rng.integers(2, 4)), int(rng.integers(1, 3))
                table.append((f"POOL{k}", "pool", f, s))
                rows.append(("maxpool", f, s))
                shape = (c_now, (hh - f) // s + 1, (ww - f) // s + 1)
                continue
            g = int(rng.choice([g for g in (1, 2) if c_now % g == 0]))
            c_out = g * int(rng.integers(1, 6))
            f = int(rng.integers(1, min(hh, ww, 5) + 1))
            s, p = int(rng.integers(1, 3)), int(rng.integers(0, 2))
            table.append((f"CONV{k}", "conv", c_out, f, s, p, g))
            rows.append(("conv", c_out, f, s, p, g, 1))
            shape = (c_out, (hh + 2 * p - f) // s + 1, (ww + 2 * p - f) // s + 1)
        rows.append(("flatten",))
        for k in range(int(rng.integers(1, 3))):
            d = int(rng.integers(2, 40))
            table.append((f"FC{k}", "fc", d))
            rows.append(("fc", d))
        label = (f"random table {trial}: {[t[0] for t in table]} on {c}x{h}x{w}, against the "
                 "layer table's total")
        yield _case(label, rows, (c, h, w), check=_against_table(tuple(table), (c, h, w), label))


def _left_as_found(want: int):
    """A check of count_macs_of(..., twice=True), which returns (first count, second count,
    still training, hooks left): both counts must be ``want`` (so a count_macs that touches
    nothing and returns a constant earns nothing here), and the model must be left as found."""
    def check(got: Any) -> str | None:
        values = np.asarray(got)
        if values.shape != (4,) or values.dtype.kind not in "iuf":
            return f"expected 4 numbers from count_macs_of(..., twice=True), got {values!r}"
        if int(values[0]) != want:
            return (f"the first count is {int(values[0]):,}, expected {want:,} (the other groups "
                    "say what is wrong with the count)")
        return _left_as_found_state(*(int(v) for v in values))
    return check


def _left_as_found_state(first: int, second: int, training: int, hooks: int) -> str | None:
    problems = []
    if hooks:
        problems.append(f"{hooks} forward hook(s) are left on the model after two calls: remove "
                        "each handle (handle.remove()) in a finally, or every later forward pass "
                        "keeps adding to a total")
    if not training:
        problems.append("the model was in training mode and count_macs left it in eval mode: "
                        "remember model.training and restore it (model.train(was_training))")
    if first != second:
        problems.append(f"the second count differs from the first ({second:,} against {first:,})")
    return ("likely mistake: " + "; ".join(problems)) if problems else None


def _state(rng):
    rows = [("conv", 4, 3, 1, 1, 1, 1), ("bn",), ("relu",), ("maxpool", 2, 2), ("flatten",),
            ("fc", 5)]
    yield Case("the same model (Conv2d, BatchNorm2d, ReLU, MaxPool2d, Flatten, Linear) on 2x8x8, "
               "in training mode, counted twice: no hooks left, training mode restored",
               (tuple(rows), (2, 8, 8)), {"twice": True},
               check=_left_as_found(_wrong_macs(rows, (2, 8, 8))))


def _bad(rng):
    yield Case("model is a string, not an nn.Module", ("a model", (3, 8, 8)), raises=ValueError)
    for shape in ((), (3, 0, 8), (3, -1, 4), (2.5, 3, 3)):
        yield Case(f"input_shape {shape!r}", ((), shape), raises=ValueError)
    yield Case('input_shape "3x8x8" (a string)', ((), "3x8x8"), raises=ValueError)
    yield Case("the forward pass fails: Linear(10, 5) on a 3x8x8 input",
               ((("fc_in", 10, 5),), (3, 8, 8)), raises=ValueError)


register(Exercise(
    name="count_macs", reference="count_macs_of", seed=10010, int_result=True, atol=0.5,
    groups=[
        Group("fixed examples (the visible tests)", 1, _fixed),
        Group("both AlexNets at full size, against notebook 05's layer table", 1, _alexnets),
        Group("random stacks (grouped, strided, padded convolutions with and without bias; "
              "pooling, batch norm, fc layers)", 1.5, _random),
        Group("the model is left as it was found", 0.5, _state),
        Group("random layer tables: the same total as the layer table", 1.5, _property),
        Group("bad input raises ValueError", 0.5, _bad),
    ],
    mistakes=[Mistake(text, partial(_wrong_macs, **options))
              for text, options in MAC_MISTAKES.items()],
))
