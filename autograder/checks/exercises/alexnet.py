"""Hidden checks for notebook 05, ImageNet and AlexNet: layer tables and the two AlexNets.

A layer is a row of a layer table, a plain tuple (it crosses the sandbox as data):
``(name, "conv", C_out, F, S, P, groups)``, ``(name, "pool", F, S)``, ``(name, "lrn", size)``,
``(name, "fc", D_out)``. ``layer_table`` is graded through the notebook's ``layer_table_numbers``
(its rows as an int64 array: output shape padded with zeros, parameters, MACs), because names
and nested tuples do not cross the sandbox; the check names the first row that differs.
``alexnet`` is graded as a model (:mod:`autograder.checks.models`): full size counted on the
meta device, the function compared at reduced widths with seeded weights.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np

from autograder.checks.core import Case, Exercise, Group, Mistake, register
from autograder.checks.exercises.common import ref
from autograder.checks.feedback import as_plain_array
from autograder.checks.models import ModelProbe, model_case

# ----------------------------------------------------------------------------- helpers


def _fixed(*cases: Case):
    return lambda rng: iter(cases)


def _table(variant: str) -> tuple:
    return ref("ALEXNET")[variant]


def _parse(layer) -> tuple[str, str, tuple[int, ...]]:
    name, kind, *hp = layer
    return name, kind, tuple(int(v) for v in hp)


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(int(v)) for v in shape) + ("," if len(shape) == 1 else "") + ")"


def _is_int(v: Any) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


# ----------------------------------------------------------------------------- layer_output_shape
# wrong versions of the shape rule, each with one mistake switched on


def _wrong_shape(layer, in_shape, *, padding: bool = True, floor: bool = True,
                 stride: bool = True, keep_c_in: bool = False, groups_div: bool = False,
                 h_for_w: bool = False, fc_spatial: bool = False,
                 pool_window_stride: bool = False) -> tuple[int, ...]:
    name, kind, hp = _parse(layer)
    shape = tuple(int(v) for v in in_shape)
    if kind == "fc":
        return (hp[0], 1, 1) if fc_spatial else (hp[0],)
    c_in, h, w = shape
    if kind == "lrn":
        return shape
    if kind == "pool":
        (f, s), c_out, p, g = hp, c_in, 0, 1
        s = f if pool_window_stride else s
    else:
        c_out, f, s, p, g = hp
    p = p if padding else 0
    s = s if stride else 1
    if keep_c_in:
        c_out = c_in
    if groups_div:
        c_out //= g

    def side(n: int) -> int:
        span = n - f + 2 * p
        return (span // s if floor else -(-span // s)) + 1

    return (c_out, side(h), side(h if h_for_w else w))


SHAPE_MISTAKES = {
    "padding": "padding ignored in the output size: it is (N - F + 2P) // S + 1, with P zeros on "
               "each side.",
    "ceil": "the size is rounded up: (N - F + 2P) / S + 1 is floored (//), as PyTorch does, so "
            "224 with an 11x11 filter at stride 4 gives 54, not 55.",
    "stride": "the stride is ignored: the window moves S pixels at a time, (N - F + 2P) // S + 1.",
    "keep_c_in": "a convolution's output has C_out channels (one per filter), not the C_in of "
                 "its input.",
    "groups_div": "groups divides the output channels: a grouped convolution still has C_out "
                  "filters; groups only changes which input channels each filter sees.",
    "h_for_w": "H is used for both sides: H' comes from H and W' from W (the inputs here are "
               "not square).",
    "fc_spatial": "an fc layer's output shape is (D_out,), one number per output unit, not "
                  "(D_out, 1, 1).",
    "pool_window_stride": "a pooling row's stride S is ignored and the window F used as the "
                          "stride: AlexNet's pooling overlaps (F = 3, S = 2).",
}


SHAPE_OPTIONS = {"padding": {"padding": False}, "ceil": {"floor": False},
                 "stride": {"stride": False}, "keep_c_in": {"keep_c_in": True},
                 "groups_div": {"groups_div": True}, "h_for_w": {"h_for_w": True},
                 "fc_spatial": {"fc_spatial": True},
                 "pool_window_stride": {"pool_window_stride": True}}


def _shape_case(label: str, layer, in_shape) -> Case:
    return Case(label, (tuple(layer), tuple(in_shape)))


def _shape_alexnet(rng):
    paper, one = _table("paper"), _table("one_gpu")
    yield _shape_case("CONV1 of the paper on 3x227x227", paper[0], (3, 227, 227))
    yield _shape_case("POOL1 of the paper on 96x55x55", paper[1], (96, 55, 55))
    yield _shape_case("NORM1 of the paper on 96x27x27", paper[2], (96, 27, 27))
    yield _shape_case("CONV2 of the paper (groups=2) on 96x27x27", paper[3], (96, 27, 27))
    yield _shape_case("CONV4 of the paper (groups=2) on 384x13x13", paper[7], (384, 13, 13))
    yield _shape_case("POOL3 of the paper on 256x13x13", paper[9], (256, 13, 13))
    yield _shape_case("FC6 of the paper on 256x6x6", paper[10], (256, 6, 6))
    yield _shape_case("CONV1 of the paper on 3x224x224 (floors to 54)", paper[0], (3, 224, 224))
    yield _shape_case("CONV1 of torchvision's one-GPU AlexNet (padding 2) on 3x224x224", one[0],
                      (3, 224, 224))


def _random_conv(rng, name: str = "CONV") -> tuple[tuple, tuple[int, int, int]]:
    g = int(rng.choice([1, 2, 3]))
    c_in, c_out = g * int(rng.integers(1, 5)), g * int(rng.integers(1, 5))
    f, s, p = int(rng.integers(1, 7)), int(rng.integers(1, 4)), int(rng.integers(0, 3))
    h = int(rng.integers(max(1, f - 2 * p), 24))
    w = int(rng.integers(max(1, f - 2 * p), 24))
    if w == h:
        w += 1
    return (name, "conv", c_out, f, s, p, g), (c_in, h, w)


def _shape_random_conv(rng):
    for trial in range(10):
        layer, shape = _random_conv(rng, f"CONV{trial}")
        yield _shape_case(f"random {trial}: {layer} on {'x'.join(map(str, shape))}", layer, shape)


def _shape_random_other(rng):
    for trial in range(4):
        f, s = int(rng.integers(2, 5)), int(rng.integers(1, 4))
        c, h = int(rng.integers(1, 9)), int(rng.integers(f, 30))
        w = h + int(rng.integers(1, 6))
        layer, shape = (f"POOL{trial}", "pool", f, s), (c, h, w)
        yield _shape_case(f"random pool {trial}: {layer} on {c}x{h}x{w}", layer, shape)
    for trial in range(2):
        c, h, w = (int(v) for v in rng.integers(1, 20, size=3))
        layer = (f"NORM{trial}", "lrn", int(rng.choice([3, 5])))
        yield _shape_case(f"random lrn {trial}: {layer} on {c}x{h}x{w}", layer, (c, h, w))
    for trial in range(3):
        shape = tuple(int(v) for v in rng.integers(1, 9, size=int(rng.integers(1, 4))))
        layer = (f"FC{trial}", "fc", int(rng.integers(1, 500)))
        yield _shape_case(f"random fc {trial}: {layer} on {shape}", layer, shape)


def _shape_bad(rng):
    paper = _table("paper")
    yield Case("CONV1 on a 2-D in_shape (3, 227)", (paper[0], (3, 227)), raises=ValueError)
    yield Case("CONV2 (groups=2) on 3 input channels", (paper[3], (3, 27, 27)), raises=ValueError)
    yield Case("a conv with groups=2 and C_out = 5", (("C", "conv", 5, 3, 1, 1, 2), (4, 8, 8)),
               raises=ValueError)
    yield Case("CONV1's 11x11 window on a 5x5 input", (paper[0], (3, 5, 5)), raises=ValueError)
    yield Case("POOL1's 3x3 window on a 2x9 input", (paper[1], (8, 2, 9)), raises=ValueError)
    yield Case("NORM1 on a 4-D in_shape", (paper[2], (1, 96, 27, 27)), raises=ValueError)
    yield Case("an unknown kind 'relu'", (("R", "relu"), (3, 8, 8)), raises=ValueError)
    yield Case("a conv row with 4 hyperparameters", (("C", "conv", 8, 3, 1, 1), (3, 8, 8)),
               raises=ValueError)
    yield Case("in_shape with a zero: (3, 0, 8)", (paper[0], (3, 0, 8)), raises=ValueError)
    yield Case("FC6 on an empty in_shape ()", (paper[10], ()), raises=ValueError)


register(Exercise(
    name="layer_output_shape", reference="layer_output_shape", seed=5010,
    groups=[
        Group("AlexNet's layers (both networks, 227 and 224 inputs)", 1.5, _shape_alexnet),
        Group("random convolutions (grouped, padded, strided, non-square)", 1.5,
              _shape_random_conv),
        Group("random pool, lrn and fc layers", 1, _shape_random_other),
        Group("bad input raises ValueError", 0.5, _shape_bad),
    ],
    mistakes=[Mistake(text, partial(_wrong_shape, **SHAPE_OPTIONS[key]))
              for key, text in SHAPE_MISTAKES.items()],
))


# ----------------------------------------------------------------------------- layer_table


def _wrong_table(layers, in_shape, *, bias: bool = True, groups: bool = True, flops: bool = False,
                 positions: bool = True, bias_macs: bool = False, flatten: bool = True,
                 shape: dict | None = None, macs_groups: bool = True, input_positions: bool = False,
                 bias_groups: bool = False) -> np.ndarray:
    """layer_table_numbers with one mistake switched on."""
    rows = np.zeros((len(layers), 5), dtype=np.int64)
    current = tuple(int(v) for v in in_shape)
    for k, layer in enumerate(layers):
        name, kind, hp = _parse(layer)
        out = _wrong_shape(layer, current, **(shape or {}))
        params = macs = 0
        if kind == "conv":
            c_out, f, _, _, g = hp
            weights = c_out * (current[0] // (g if groups else 1)) * f * f
            params = weights + (c_out if bias else 0)
            if bias_groups:
                params = (c_out * current[0] * f * f + c_out) // g
            used = weights if macs_groups else c_out * current[0] * f * f
            at = (current[1] * current[2]) if input_positions else (out[1] * out[2])
            macs = (params if bias_macs else used) * (at if positions else 1)
        elif kind == "fc":
            d_in = math.prod(current) if flatten else current[0]
            params = d_in * hp[0] + (hp[0] if bias else 0)
            macs = params if bias_macs else d_in * hp[0]
        rows[k, :len(out)] = out
        rows[k, 3:] = params, macs * (2 if flops else 1)
        current = out
    return rows


TABLE_MISTAKES = {
    "the biases are not counted: a convolution has C_out biases (one per filter) and an fc "
    "layer D_out": {"bias": False},
    "groups ignored in the parameter count (and MACs): a grouped convolution connects each "
    "filter to C_in / groups input channels, so it has C_out * (C_in / groups) * F * F weights": {
        "groups": False},
    "MACs counted as FLOPs: one multiply-accumulate is two floating-point operations (a "
    "multiply and an add); count the MACs, half the FLOPs": {"flops": True},
    "the output positions are missing from the MACs: every weight is used once per output "
    "position, so a convolution's MACs are its weights times H' * W'": {"positions": False},
    "the bias additions counted as MACs: a MAC is a multiply and an add, and a bias is only "
    "added (convolution: C_out * H' * W' * (C_in / groups) * F * F; fc: D_in * D_out)": {
        "bias_macs": True},
    "an fc layer's D_in is its whole flattened input, C * H * W, not C": {"flatten": False},
    "groups ignored in the MACs only: each output value of a grouped convolution sums over "
    "C_in / groups channels, so its MACs are C_out * H' * W' * (C_in / groups) * F * F, like its "
    "weights": {"macs_groups": False},
    "the MACs use the input positions H * W: each weight is used once per OUTPUT position, "
    "H' * W'": {"input_positions": True},
    "the biases divided by groups too: a grouped convolution still has C_out biases, one per "
    "filter; groups divides only the weights": {"bias_groups": True},
    "padding ignored in the output sizes (and so in the MACs): (N - F + 2P) // S + 1": {
        "shape": {"padding": False}},
    "the sizes are rounded up: (N - F + 2P) / S + 1 is floored (//)": {
        "shape": {"floor": False}},
}


def _describe_row(name: str, row: np.ndarray) -> str:
    dims = [int(v) for v in row[:3]]
    while len(dims) > 1 and dims[-1] == 0:
        dims.pop()
    return (f"{name}: output {_shape_text(dims)}, {int(row[3]):,} parameters, "
            f"{int(row[4]):,} MACs")


def _table_check(layers, in_shape):
    def check(got: Any) -> str | None:
        want = ref("layer_table_numbers")(layers, in_shape)
        arr = as_plain_array(got)
        if arr is None or arr.dtype.kind not in "iu" or arr.shape != want.shape:
            return (f"expected one row per layer ({len(layers)} rows), got "
                    f"{'nothing usable' if arr is None else f'{arr.dtype} array {arr.shape}'}")
        for k, layer in enumerate(layers):
            if not np.array_equal(arr[k], want[k]):
                what = [word for word, cols in (("output shape", slice(0, 3)),
                                                ("parameters", slice(3, 4)),
                                                ("MACs", slice(4, 5)))
                        if not np.array_equal(arr[k, cols], want[k, cols])]
                return (f"the first row that differs is row {k}, {layer[0]} ({' and '.join(what)} "
                        f"differ)\n  expected: {_describe_row(layer[0], want[k])}\n"
                        f"  got:      {_describe_row(layer[0], arr[k])}")
        return None
    return check


def _table_case(label: str, layers, in_shape) -> Case:
    layers, in_shape = tuple(tuple(layer) for layer in layers), tuple(in_shape)
    return Case(label, (layers, in_shape), check=_table_check(layers, in_shape))


def _table_first(rng):
    yield _table_case("the first four layers of the paper's AlexNet on 3x227x227",
                      _table("paper")[:4], (3, 227, 227))


def _table_alexnets(rng):
    yield _table_case("the paper's AlexNet, all 13 layers, on 3x227x227", _table("paper"),
                      (3, 227, 227))
    yield _table_case("torchvision's one-GPU AlexNet, without its adaptive pooling, on 3x224x224",
                      _table("one_gpu"), (3, 224, 224))
    yield _table_case("the classifier of the paper's AlexNet on 256x6x6", _table("paper")[-3:],
                      (256, 6, 6))


def _table_random(rng):
    for trial in range(8):
        g0 = int(rng.choice([1, 3]))
        c_in = 3 if g0 == 1 else 3 * int(rng.integers(1, 3))
        h, w = int(rng.integers(16, 40)), int(rng.integers(16, 40))
        if w == h:
            w += 3
        shape = (c_in, h, w)
        layers = []
        for k in range(int(rng.integers(2, 5))):
            c, hh, ww = shape
            kind = "conv" if k % 2 == 0 else str(rng.choice(["conv", "pool", "lrn"]))
            if kind == "pool" and min(hh, ww) < 2:
                kind = "lrn"
            if kind == "conv":
                g = g0 if k == 0 else int(rng.choice([1, 2]))
                if c % g:
                    g = 1
                f = int(rng.integers(1, min(hh, ww, 6) + 1))
                layer = (f"CONV{k + 1}", "conv", g * int(rng.integers(1, 5)), f,
                         int(rng.integers(1, 3)), int(rng.integers(0, 3)), g)
            elif kind == "pool":
                layer = (f"POOL{k + 1}", "pool", int(rng.integers(2, min(hh, ww, 3) + 1)),
                         int(rng.integers(1, 3)))
            else:
                layer = (f"NORM{k + 1}", "lrn", 5)
            layers.append(layer)
            shape = _wrong_shape(layer, shape)
        for k in range(int(rng.integers(1, 3))):
            layers.append((f"FC{k + 1}", "fc", int(rng.integers(2, 40))))
        yield _table_case(f"random {trial}: {len(layers)} layers {[row[0] for row in layers]} on "
                          f"{c_in}x{h}x{w}", layers, (c_in, h, w))


def _table_bad(rng):
    paper = _table("paper")
    yield Case("the paper's AlexNet on a 2-D in_shape (3, 227)", (paper, (3, 227)),
               raises=ValueError)
    yield Case("a grouped conv (groups=2) on 3 input channels",
               ((("CONV1", "conv", 4, 3, 1, 1, 2),), (3, 8, 8)), raises=ValueError)
    yield Case("a 5x5 conv after the map has shrunk to 2x2",
               ((("CONV1", "conv", 4, 3, 2, 0, 1), ("CONV2", "conv", 4, 5, 1, 0, 1)), (1, 5, 5)),
               raises=ValueError)
    yield Case("a conv after an fc layer (its input is (10,), not (C, H, W))",
               ((("FC1", "fc", 10), ("CONV1", "conv", 4, 1, 1, 0, 1)), (3, 8, 8)),
               raises=ValueError)
    yield Case("an unknown kind in the second row",
               ((("CONV1", "conv", 4, 3, 1, 1, 1), ("ACT", "relu")), (3, 8, 8)),
               raises=ValueError)


register(Exercise(
    name="layer_table", reference="layer_table_numbers", seed=5020,
    groups=[
        Group("the first layers of AlexNet (the visible test)", 1, _table_first),
        Group("both AlexNets, layer by layer", 2, _table_alexnets),
        Group("random tables (grouped convolutions, pooling, normalization, fc)", 2,
              _table_random),
        Group("bad input raises ValueError", 0.5, _table_bad),
    ],
    mistakes=[Mistake(text, partial(_wrong_table, **options))
              for text, options in TABLE_MISTAKES.items()],
))


# ----------------------------------------------------------------------------- alexnet


def _wrong_alexnet(variant: str = "paper", num_classes: int = 1000, width: float = 1.0, *,
                   groups: bool = True, bias: bool = True, skip: str = "", stride1: int = 0,
                   lrn: bool = True, lrn_alpha: float | None = None, avgpool: bool = True,
                   avgpool_paper: bool = False, pool: int = 3, classes: bool = True, dropout: bool = True,
                   truncate: bool = False):
    """An AlexNet built with one mistake switched on (the checks' catalogue)."""
    from torch import nn

    lrn_args = dict(ref("LRN_ARGS"))
    if lrn_alpha is not None:
        lrn_args["alpha"] = lrn_alpha

    def scaled(c: int) -> int:
        if truncate:
            return int(c * width)
        return c if width == 1 else max(2, 2 * round(c * width / 2))

    features, fcs, channels = [], [], 3
    for layer in ref("ALEXNET")[variant]:
        name, kind, hp = _parse(layer)
        if name == skip:
            continue
        if kind == "conv":
            c_out, f, s, p, g = hp
            s = stride1 if (stride1 and name == "CONV1") else s
            conv = nn.Conv2d(channels, scaled(c_out), f, stride=s, padding=p,
                             groups=g if groups else 1, bias=bias)
            features += [conv, nn.ReLU(inplace=True)]
            channels = scaled(c_out)
        elif kind == "pool":
            features.append(nn.MaxPool2d(pool, 2))
        elif kind == "lrn" and lrn:
            features.append(nn.LocalResponseNorm(hp[0], **lrn_args))
        elif kind == "fc":
            fcs.append(hp[0])
    head: list[Any] = []
    d = channels * 36
    for k, d_out in enumerate(fcs):
        if k == len(fcs) - 1:
            head.append(nn.Linear(d, num_classes if classes else d_out, bias=bias))
        else:
            head += [nn.Dropout(0.5)] if dropout else []
            head += [nn.Linear(d, scaled(d_out), bias=bias), nn.ReLU(inplace=True)]
            d = scaled(d_out)
    parts = [nn.Sequential(*features)]
    if (variant == "one_gpu" and avgpool) or (variant == "paper" and avgpool_paper):
        parts.append(nn.AdaptiveAvgPool2d((6, 6)))
    parts += [nn.Flatten(), nn.Sequential(*head)]
    return nn.Sequential(*parts)


ALEXNET_MISTAKES = {
    "groups ignored: CONV2, CONV4 and CONV5 of the paper's network are grouped convolutions "
    "(groups=2, one half of the channels per GPU)": {"groups": False},
    "the layers have no bias (bias=False): nn.Conv2d and nn.Linear have bias=True by default, "
    "as AlexNet has": {"bias": False},
    "CONV4 is missing: AlexNet has five convolutions, CONV1 to CONV5": {"skip": "CONV4"},
    "CONV1's stride is 2; AlexNet's first layer moves its 11x11 filters 4 pixels at a time "
    "(stride=4)": {"stride1": 2},
    "the normalization layers are missing: the paper's network has NORM1 after POOL1 and NORM2 "
    "after POOL2 (nn.LocalResponseNorm(5, **LRN_ARGS))": {"lrn": False},
    "the normalization uses the paper's alpha = 1e-4 as it is: PyTorch divides alpha by the "
    "window size, so pass LRN_ARGS (alpha = 5 * 1e-4)": {"lrn_alpha": 1e-4},
    "the one-GPU network has no nn.AdaptiveAvgPool2d((6, 6)) before its classifier (torchvision "
    "has one, so any input of at least 63x63 pixels gives 6x6 maps)": {"avgpool": False},
    "the paper's network has an nn.AdaptiveAvgPool2d((6, 6)) too; the notebook reserves it for "
    "\"one_gpu\" (the paper's 6x6 maps come from its 227x227 input, without pooling to "
    "size)": {"avgpool_paper": True},
    "the pooling is 2x2 with stride 2; AlexNet's pooling overlaps: 3x3 windows, stride 2": {
        "pool": 2},
    "num_classes is ignored: FC8 has num_classes outputs": {"classes": False},
    "the dropout layers are missing: FC6 and FC7 each take their input through nn.Dropout(0.5) "
    "(it has no parameters and does nothing in eval mode, so only training shows it)": {
        "dropout": False},
    "the widths are truncated (int(c * width)); the docstring rounds each to an even number, "
    "2 * round(c * width / 2), so that the grouped layers split evenly": {"truncate": True},
}


def _alexnet_full(rng):
    yield model_case("alexnet('paper'), full size, counted on the meta device", ("paper",),
                     input_shape=(1, 3, 227, 227), function=False, stages=False)
    yield model_case("alexnet('one_gpu'), full size, counted on the meta device", ("one_gpu",),
                     input_shape=(1, 3, 224, 224), function=False, stages=False)


def _alexnet_classes(rng):
    yield model_case("alexnet('paper', num_classes=10), full size", ("paper",),
                     {"num_classes": 10}, input_shape=(1, 3, 227, 227), function=False,
                     stages=False)
    yield model_case("alexnet('one_gpu', 200), full size", ("one_gpu", 200),
                     input_shape=(1, 3, 224, 224), function=False, stages=False)
    yield model_case("alexnet('one_gpu', 10, width=0.3): every width 2 * round(c * 0.3 / 2)",
                     ("one_gpu", 10), {"width": 0.3}, input_shape=(1, 3, 224, 224),
                     function=False, stages=False)


def _alexnet_function(rng):
    yield model_case("alexnet('paper', 10, width=1/16) on 2x3x227x227, seeded weights",
                     ("paper", 10), {"width": 1 / 16}, input_shape=(2, 3, 227, 227),
                     stages=False)
    yield model_case("alexnet('one_gpu', 7, width=1/16) on 2x3x224x224, seeded weights",
                     ("one_gpu", 7), {"width": 1 / 16}, input_shape=(2, 3, 224, 224),
                     stages=False, seed=1)
    yield model_case("alexnet('paper', num_classes=5, width=1/8) on 1x3x227x227, seeded weights",
                     ("paper",), {"num_classes": 5, "width": 1 / 8},
                     input_shape=(1, 3, 227, 227), stages=False, seed=2)
    yield model_case("alexnet('one_gpu', 10, width=1/8) on 1x3x128x128 (3x3 maps pooled "
                     "adaptively to 6x6), seeded weights", ("one_gpu", 10), {"width": 1 / 8},
                     input_shape=(1, 3, 128, 128), stages=False, seed=3)
    yield model_case("alexnet('paper', 10, width=1/16) on 1x3x259x259: the paper's network "
                     "pools nothing to size, so FC6 gets 7x7 maps and the forward pass fails",
                     ("paper", 10), {"width": 1 / 16}, input_shape=(1, 3, 259, 259),
                     stages=False, seed=5)


def _alexnet_training(rng):
    yield model_case("alexnet('one_gpu', 10, width=1/16) on 2x3x96x96 in training mode (dropout "
                     "masks from one seeded generator)", ("one_gpu", 10), {"width": 1 / 16},
                     input_shape=(2, 3, 96, 96), stages=False, seed=4, training=True)


def _alexnet_bad(rng):
    counted = ModelProbe((1, 3, 227, 227), function=False, stages=False)
    yield Case("alexnet('vgg'): an unknown variant", ("vgg",), raises=ValueError, probe=counted)
    yield Case("alexnet('paper', num_classes=0)", ("paper", 0), raises=ValueError,
               probe=counted)
    yield Case("alexnet('one_gpu', width=0)", ("one_gpu",), {"width": 0.0}, raises=ValueError,
               probe=counted)


register(Exercise(
    name="alexnet", reference="alexnet", seed=5030,
    groups=[
        Group("both AlexNets at full size, 1000 classes (counted on the meta device)", 2,
              _alexnet_full),
        Group("other numbers of classes and widths (counted on the meta device)", 1,
              _alexnet_classes),
        Group("the function at reduced width, with seeded weights", 3, _alexnet_function),
        Group("dropout: the same function in training mode", 0.5, _alexnet_training),
        Group("bad input raises ValueError", 0.5, _alexnet_bad),
    ],
    # a mistake whose model cannot run (the paper's fc layers need 6x6 maps) is named too: the
    # catalogue's model fails the same way, after the same leaf modules
    mistakes=[Mistake(text, partial(_wrong_alexnet, **options))
              for text, options in ALEXNET_MISTAKES.items()],
))
