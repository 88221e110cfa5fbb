"""Hidden checks for notebook 06, VGG: stacks of 3x3 convolutions, configurations as data, and
where the memory goes.

A configuration is a torchvision-style ``cfg`` list: ints (a 3x3 convolution with that many
filters, stride 1, padding 1, then ReLU) and ``"M"`` (a 2x2 max pooling with stride 2); it
crosses the sandbox as plain data. ``stack_vs_single`` returns a tuple of three ints, compared
part by part. ``make_features`` and ``vgg`` are graded as models
(:mod:`autograder.checks.models`): full size counted on the meta device, the function compared
at reduced widths with seeded weights, in eval mode and in training mode (dropout on, with the
same seeded masks on both sides: a classifier without dropout computes the same function in
eval mode and is caught only there). ``activation_memory`` returns an int64 array, one row
(activations, bytes) per cfg entry; the check names the first row that differs.

The reference module ``solutions.vgg`` shares its name with the function ``vgg``: importing the
module binds the package attribute ``solutions.vgg`` to the module, so the references here are
read from the module itself (:func:`ref`), which also binds the attribute back to the function,
as ``from solutions import vgg`` promises.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from autograder.checks.core import Case, Exercise, Group, Mistake, register
from autograder.checks.feedback import as_plain_array
from autograder.checks.models import ModelProbe, model_case

# ----------------------------------------------------------------------------- helpers


def ref(name: str) -> Any:
    """The reference ``name`` of notebook 06, from ``solutions.vgg``, imported only when a check
    runs (torch is imported with it)."""
    import solutions

    module = importlib.import_module("solutions.vgg")
    if getattr(solutions, "vgg", None) is module:  # the submodule shadows the function
        solutions.vgg = module.vgg
    return getattr(module, name)


@dataclass
class VggExercise(Exercise):
    """An exercise of notebook 06: its reference is read through :func:`ref`."""

    def reference_fn(self) -> Any:
        return ref(self.reference)


def _cfg(name: str) -> list:
    return list(ref("CFGS")[name])


def _is_int(v: Any) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


def _cfg_text(cfg) -> str:
    return "[" + ", ".join(repr(v) if v == "M" else str(v) for v in cfg) + "]"


# ----------------------------------------------------------------------------- stack_vs_single


def _wrong_stack(c: int, n_layers: int, *, bias: str = "each", field: str = "2n+1",
                 square: bool = True, extra: int = 0) -> tuple[int, int, int]:
    """stack_vs_single with one mistake switched on."""
    n = int(n_layers) + extra
    f = {"2n+1": 2 * n + 1, "3n": 3 * n, "3^n": 3 ** n, "2n": 2 * n}[field]
    c = int(c)
    weights = c * c if square else c
    b = {"each": c, "none": 0}[bias] if bias != "stack" else 0
    stack = n * (9 * weights + b) + (c if bias == "stack" else 0)
    single = f * f * weights + (0 if bias == "none" else c)
    return f, stack, single


STACK_MISTAKES = {
    "the biases are not counted: every convolution has one bias per filter, C of them, so a "
    "3x3 layer has 9 * C * C + C parameters": {"bias": "none"},
    "one bias for the whole stack: each of the n layers has its own C biases, n * (9 * C * C "
    "+ C) in all": {"bias": "stack"},
    "the receptive field adds the kernel sizes (3 + 3 + 3): each 3x3 layer (stride 1) adds "
    "k - 1 = 2 pixels to the field of the layer above, so n layers see 2n + 1": {"field": "3n"},
    "the receptive field multiplies the kernel sizes (3 ** n): with stride 1 the fields add up, "
    "2 pixels per 3x3 layer, so n layers see 2n + 1": {"field": "3^n"},
    "the receptive field is one short (2n): one 3x3 layer sees 3 pixels, and each further "
    "layer adds 2, so n layers see 2n + 1": {"field": "2n"},
    "C is not squared: a 3x3 layer with C input and C output channels has C filters of "
    "3 x 3 x C weights, 9 * C * C in all (and C biases)": {"square": False},
    "the input is counted as a layer: a stack of n convolutions has n layers of weights (the "
    "input has none), and sees 2n + 1 pixels": {"extra": 1},
}


def _stack_fixed(rng):
    yield Case("c=64, n_layers=2: two 3x3 layers against one 5x5", (64, 2))
    yield Case("c=256, n_layers=3: three 3x3 layers against one 7x7 (the paper's example)",
               (256, 3))
    yield Case("c=512, n_layers=3: a block of VGG-16's conv5", (512, 3))
    yield Case("c=1, n_layers=1: one 3x3 layer is its own single layer", (1, 1))


def _stack_random(rng):
    for trial in range(8):
        c, n = int(rng.integers(1, 1025)), int(rng.integers(1, 11))
        yield Case(f"random {trial}: c={c}, n_layers={n}", (c, n))


def _stack_bad(rng):
    yield Case("c=0", (0, 3), raises=ValueError)
    yield Case("n_layers=0", (64, 0), raises=ValueError)
    yield Case("c=-8", (-8, 2), raises=ValueError)
    yield Case("n_layers=2.5 (a float)", (64, 2.5), raises=ValueError)
    yield Case("c=64.0 (a float)", (64.0, 2), raises=ValueError)
    yield Case("c=True (a bool)", (True, 2), raises=ValueError)
    yield Case("c='64' (a string)", ("64", 2), raises=ValueError)


register(VggExercise(
    name="stack_vs_single", reference="stack_vs_single", seed=6010,
    outputs=("field", "stack_params", "single_params"),
    groups=[
        Group("VGG's stacks (the paper's examples)", 1, _stack_fixed),
        Group("random channels and depths", 1.5, _stack_random),
        Group("bad input raises ValueError", 0.5, _stack_bad),
    ],
    mistakes=[Mistake(text, partial(_wrong_stack, **options))
              for text, options in STACK_MISTAKES.items()],
))


# ----------------------------------------------------------------------------- make_features and vgg
# wrong builders, each with one mistake switched on (the checks' catalogue)


def _wrong_features(cfg, batch_norm: bool = False, *, width: float = 1.0, pool: tuple = (2, 2),
                    padding: int = 1, bn_after_relu: bool = False, relu: bool = True,
                    drop_m: int | None = None, skip_m: bool = False, bias: bool = True,
                    fixed_c_in: bool = False, truncate: bool = False):
    from torch import nn

    cfg = list(cfg)
    pools = [k for k, v in enumerate(cfg) if v == "M"]
    if drop_m is not None and -len(pools) <= drop_m < len(pools):  # the drop_m-th "M" is missing
        del cfg[pools[drop_m]]
    layers: list[Any] = []
    c = 3
    for v in cfg:
        if v == "M":
            if not skip_m:
                layers.append(nn.MaxPool2d(*pool))
            continue
        out = max(1, int(v * width) if truncate else round(v * width))
        conv = nn.Conv2d(3 if fixed_c_in else c, out, 3, padding=padding,
                         bias=bias or not batch_norm)
        norm = [nn.BatchNorm2d(out)] if batch_norm else []
        act = [nn.ReLU(inplace=True)] if relu else []
        layers += [conv, *act, *norm] if bn_after_relu else [conv, *norm, *act]
        c = out
    return nn.Sequential(*layers), c


MISSING_M = ("an 'M' of the cfg is missing (a pooling is left out): every 'M' is a 2x2 max "
             "pooling with stride 2, nn.MaxPool2d(2, 2), which halves H and W")

FEATURE_MISTAKES = {
    "the 'M' entries are skipped: each one is a 2x2 max pooling with stride 2, "
    "nn.MaxPool2d(2, 2)": {"skip_m": True},
    "the convolutions have padding 0 (nn.Conv2d's default): VGG's 3x3 convolutions have "
    "padding=1, so that they keep H and W and only the 'M' layers shrink the maps": {
        "padding": 0},
    "the pooling is AlexNet's 3x3 with stride 2; VGG's 'M' is a 2x2 max pooling with stride 2, "
    "nn.MaxPool2d(2, 2), which halves H and W exactly": {"pool": (3, 2)},
    "the pooling has stride 1: nn.MaxPool2d(2, 1) shrinks the maps by one pixel; VGG's 'M' "
    "has stride 2, nn.MaxPool2d(2, 2) (or nn.MaxPool2d(2), whose stride is its kernel "
    "size)": {"pool": (2, 1)},
    "the batch normalization comes after the ReLU; it normalizes the convolution's output "
    "before the non-linearity: Conv2d, BatchNorm2d, ReLU (torchvision's vgg16_bn)": {
        "bn_after_relu": True},
    "the ReLU after each convolution is missing: every conv of a cfg is followed by "
    "nn.ReLU(inplace=True) (after the batch normalization, if any)": {"relu": False},
    "the convolutions have no bias when batch_norm=True: torchvision's VGG (and COURSE.md's "
    "count of VGG-16 with batch norm, 138,365,992) keeps bias=True in every convolution": {
        "bias": False},
}


def _features_variant(cfg, batch_norm: bool = False, **options):
    return _wrong_features(cfg, batch_norm, **options)[0]


DEPTH = {"A": 11, "B": 13, "D": 16, "E": 19}  # the paper's configurations: weight layers


def _features_full(rng):
    for name in ("A", "B", "D", "E"):
        yield model_case(f"make_features(CFGS[{name!r}]) (VGG-{DEPTH[name]}), full size, "
                         "counted on the meta device", (_cfg(name),),
                         input_shape=(1, 3, 224, 224), function=False, stages=False)


def _features_bn(rng):
    yield model_case("make_features(CFGS['D'], batch_norm=True) (VGG-16 with batch norm), full "
                     "size, counted on the meta device", (_cfg("D"),), {"batch_norm": True},
                     input_shape=(1, 3, 224, 224), function=False, stages=False)
    yield model_case("make_features(CFGS['A'], batch_norm=True), full size, counted on the meta "
                     "device", (_cfg("A"), True), input_shape=(1, 3, 224, 224), function=False,
                     stages=False)


def _features_function(rng):
    small = [4, "M", 8, "M", 16, 16, "M"]
    yield model_case(f"make_features({_cfg_text(small)}) on 2x3x32x32, seeded weights",
                     (small,), input_shape=(2, 3, 32, 32), stages=False)
    bn = [4, 4, "M", 8, "M", 8]
    yield model_case(f"make_features({_cfg_text(bn)}, batch_norm=True) on 2x3x20x28, seeded "
                     "weights", (bn,), {"batch_norm": True}, input_shape=(2, 3, 20, 28),
                     stages=False, seed=1)
    odd = [6, "M", 6, "M", 10, "M"]
    yield model_case(f"make_features({_cfg_text(odd)}) on 2x3x15x15 (odd sizes: the pooling "
                     "floors 15 -> 7 -> 3 -> 1), seeded weights", (odd,),
                     input_shape=(2, 3, 15, 15), stages=False, seed=2)
    for trial in range(3):
        h = int(rng.integers(12, 33))
        w = h + int(rng.integers(1, 9))
        side = h
        cfg: list = []
        for _ in range(int(rng.integers(2, 5))):
            cfg += [int(rng.integers(2, 9)) for _ in range(int(rng.integers(1, 3)))]
            if side >= 2:
                cfg.append("M")
                side //= 2
        batch_norm = bool(trial % 2)
        yield model_case(f"random {trial}: make_features({_cfg_text(cfg)}, batch_norm="
                         f"{batch_norm}) on 2x3x{h}x{w}, seeded weights", (cfg,),
                         {"batch_norm": batch_norm}, input_shape=(2, 3, h, w), stages=False,
                         seed=3 + trial)


def _features_bad(rng):
    counted = ModelProbe((1, 3, 32, 32), function=False, stages=False)
    for label, cfg in (("an empty cfg []", []),
                       ("a lower-case 'm' in [64, 'm']", [64, "m"]),
                       ("a zero width in [0, 'M']", [0, "M"]),
                       ("a negative width in [64, -64]", [64, -64]),
                       ("a float width in [64, 3.5]", [64, 3.5]),
                       ("a bool in [True, 'M']", [True, "M"]),
                       ("None in [64, None]", [64, None]),
                       ("a string '64M' instead of a list", "64M")):
        yield Case(f"make_features: {label}", (cfg,), raises=ValueError, probe=counted)


register(VggExercise(
    name="make_features", reference="make_features", seed=6020,
    groups=[
        Group("the four configurations at full size (counted on the meta device)", 1.5,
              _features_full),
        Group("with batch normalization, full size", 1, _features_bn),
        Group("the function on small cfgs, with seeded weights", 2, _features_function),
        Group("bad input raises ValueError", 0.5, _features_bad),
    ],
    # padding 0 on a small input shrinks a map to nothing: that variant cannot run everywhere
    mistakes=[Mistake(text, partial(_features_variant, **options),
                      partial="padding" in options)
              for text, options in FEATURE_MISTAKES.items()]
    # a missing "M" at each position (the last one first: a loop that stops one short)
    + [Mistake(MISSING_M, partial(_features_variant, drop_m=k)) for k in (-1, 0, 1, 2, 3)],
))


def _wrong_vgg(cfg_name: str, num_classes: int = 1000, batch_norm: bool = False,
               width: float = 1.0, *, features: dict | None = None, pool: tuple | None = (7, 7),
               fc_side: int = 7, dropout: bool = True, dropout_first: bool = False,
               last_relu: bool = False, classes: bool = True, truncate: bool = False):
    """A VGG built with one mistake switched on."""
    from collections import OrderedDict

    from torch import nn

    feats, c = _wrong_features(_cfg(cfg_name), batch_norm, width=width, truncate=truncate,
                               **(features or {}))
    hidden = max(1, int(4096 * width) if truncate else round(4096 * width))
    d_in = c * fc_side * fc_side
    head: list[Any] = []
    for _ in range(2):
        drop = [nn.Dropout(0.5)] if dropout else []
        if dropout_first:
            head += [*drop, nn.Linear(d_in, hidden), nn.ReLU(inplace=True)]
        else:
            head += [nn.Linear(d_in, hidden), nn.ReLU(inplace=True), *drop]
        d_in = hidden
    head.append(nn.Linear(d_in, num_classes if classes else 1000))
    if last_relu:
        head.append(nn.ReLU())
    parts: OrderedDict = OrderedDict(features=feats)
    if pool is not None:
        parts["avgpool"] = nn.AdaptiveAvgPool2d(pool)
    parts["flatten"] = nn.Flatten()
    parts["classifier"] = nn.Sequential(*head)
    return nn.Sequential(parts)


VGG_MISTAKES = {
    "the classifier has no dropout: VGG drops the outputs of FC6 and FC7 during training, "
    "nn.Dropout(0.5) after each of their ReLUs (dropout is the identity in eval mode, so only "
    "training shows it)": ({"dropout": False}, False),
    "the dropout comes before FC6 and FC7 (AlexNet's order in notebook 05); VGG drops their "
    "outputs: Linear, ReLU, Dropout(0.5), as torchvision's VGG": ({"dropout_first": True}, False),
    "the classifier is sized for AlexNet's 6x6 maps: VGG pools adaptively to 7x7, "
    "nn.AdaptiveAvgPool2d((7, 7)), and FC6 has 512 * 7 * 7 = 25,088 inputs": (
        {"pool": (6, 6), "fc_side": 6}, False),
    "FC6's input size is computed for 14x14 maps (four poolings counted instead of five): "
    "224 / 2**5 = 7, so FC6 has C * 7 * 7 inputs after nn.AdaptiveAvgPool2d((7, 7))": (
        {"fc_side": 14}, True),
    "the nn.AdaptiveAvgPool2d((7, 7)) before the classifier is missing: without it FC6 fits "
    "only 224x224 inputs; with it any input of at least 32x32 gives 7x7 maps": (
        {"pool": None}, True),
    "the convolutions have padding 0 (nn.Conv2d's default): VGG's 3x3 convolutions have "
    "padding=1, so they keep H and W": ({"features": {"padding": 0}}, True),
    "the batch normalization comes after the ReLU; it normalizes the convolution's output "
    "before the non-linearity: Conv2d, BatchNorm2d, ReLU": (
        {"features": {"bn_after_relu": True}}, False),
    "the convolutions have no bias when batch_norm=True: torchvision's VGG keeps bias=True "
    "(VGG-16 with batch norm has 138,365,992 parameters)": ({"features": {"bias": False}}, False),
    "a ReLU follows FC8: the last layer's outputs are the scores (logits), which may be "
    "negative; only FC6 and FC7 are followed by a ReLU": ({"last_relu": True}, False),
    "num_classes is ignored: FC8 has num_classes outputs": ({"classes": False}, False),
    "the widths are truncated (int(c * width)); the docstring rounds them: max(1, round(c * "
    "width))": ({"truncate": True}, False),
}


def _vgg_full(rng):
    for name, depth in DEPTH.items():
        yield model_case(f"vgg({name!r}) (VGG-{depth}), full size, counted on the meta device",
                         (name,), input_shape=(1, 3, 224, 224), function=False, stages=False)


def _vgg_options(rng):
    yield model_case("vgg('D', batch_norm=True) (VGG-16 with batch norm), full size",
                     ("D",), {"batch_norm": True}, input_shape=(1, 3, 224, 224),
                     function=False, stages=False)
    yield model_case("vgg('E', num_classes=10), full size", ("E", 10),
                     input_shape=(1, 3, 224, 224), function=False, stages=False)
    yield model_case("vgg('A', 200, batch_norm=True) on 1x3x64x64 (adaptive pooling to 7x7), "
                     "full size", ("A", 200, True), input_shape=(1, 3, 64, 64), function=False,
                     stages=False)
    yield model_case("vgg('D', 10, width=0.3): every width max(1, round(c * 0.3)), 256 -> 77",
                     ("D", 10), {"width": 0.3}, input_shape=(1, 3, 224, 224), function=False,
                     stages=False)


def _vgg_function(rng):
    # training=True: the output in training mode too, where both sides drop the same units
    yield model_case("vgg('A', 10, width=1/16) on 2x3x32x32, seeded weights", ("A", 10),
                     {"width": 1 / 16}, input_shape=(2, 3, 32, 32), stages=False, training=True)
    yield model_case("vgg('D', 7, batch_norm=True, width=1/16) on 2x3x32x32, seeded weights",
                     ("D", 7), {"batch_norm": True, "width": 1 / 16},
                     input_shape=(2, 3, 32, 32), stages=False, seed=1, training=True)
    yield model_case("vgg('E', num_classes=5, width=1/32) on 2x3x64x48, seeded weights",
                     ("E",), {"num_classes": 5, "width": 1 / 32}, input_shape=(2, 3, 64, 48),
                     stages=False, seed=2, training=True)
    yield model_case("vgg('B', 10, width=1/32) on 1x3x224x224, seeded weights", ("B", 10),
                     {"width": 1 / 32}, input_shape=(1, 3, 224, 224), stages=False, seed=3,
                     training=True)


def _vgg_bad(rng):
    counted = ModelProbe((1, 3, 224, 224), function=False, stages=False)
    yield Case("vgg('C'): not a configuration of CFGS", ("C",), raises=ValueError,
               probe=counted)
    yield Case("vgg('vgg16'): a name, not a key of CFGS", ("vgg16",), raises=ValueError,
               probe=counted)
    yield Case("vgg('D', num_classes=0)", ("D", 0), raises=ValueError, probe=counted)
    yield Case("vgg('D', num_classes=2.5)", ("D", 2.5), raises=ValueError, probe=counted)
    yield Case("vgg('A', width=0)", ("A",), {"width": 0.0}, raises=ValueError, probe=counted)


register(VggExercise(
    name="vgg", reference="vgg", seed=6030,
    groups=[
        Group("VGG-11, -13, -16 and -19 at full size (counted on the meta device)", 2,
              _vgg_full),
        Group("batch norm, other numbers of classes, other input sizes", 1, _vgg_options),
        Group("the function at reduced width, with seeded weights (eval and training mode)", 2,
              _vgg_function),
        Group("bad input raises ValueError", 0.5, _vgg_bad),
    ],
    mistakes=[Mistake(text, partial(_wrong_vgg, **options), partial=crashes)
              for text, (options, crashes) in VGG_MISTAKES.items()]
    + [Mistake(MISSING_M, partial(_wrong_vgg, features={"drop_m": k})) for k in range(5)],
))


# ----------------------------------------------------------------------------- activation_memory


def _wrong_memory(cfg, input_shape, bytes_per_value=4, *, with_input: bool = False,
                  per_position: bool = False, pool: bool = True, padding: int = 1,
                  ceil: bool = False, times_bytes: bool = True, bits: bool = False,
                  relu: bool = False, h_for_w: bool = False, keep_c: bool = False,
                  cumulative: bool = False) -> np.ndarray:
    """activation_memory with one mistake switched on."""
    c, h, w = (int(v) for v in input_shape)
    rows = [(c * h * w)] if with_input else []
    for v in cfg:
        if v == "M":
            if pool:
                h, w = ((h + 1) // 2, (w + 1) // 2) if ceil else (h // 2, w // 2)
        else:
            c = c if keep_c else int(v)
            h, w = h + 2 * padding - 2, w + 2 * padding - 2
        if h < 1 or w < 1:
            raise ValueError("the maps have shrunk to nothing")
        n = c if per_position else c * (h if h_for_w else w) * h
        rows.append(n * (2 if relu and v != "M" else 1))
    acts = np.cumsum(rows) if cumulative else np.array(rows)
    size = int(bytes_per_value) * (8 if bits else 1) if times_bytes else 1
    return np.stack([acts, acts * size], axis=1).astype(np.int64).reshape(-1, 2)


MEMORY_MISTAKES = {
    "the input is counted as a layer: there is one row per cfg entry (a convolution or an "
    "'M'), and the input's activations are not a layer's": {"with_input": True},
    "the activations are counted per position: a layer's output holds C * H' * W' values, one "
    "per channel and position, not C": {"per_position": True},
    "the 'M' layers do not shrink the maps: a 2x2 max pooling with stride 2 halves H and W "
    "(floored: 7 -> 3)": {"pool": False},
    "the convolutions shrink the maps by 2: VGG's 3x3 convolutions have padding 1, so they keep "
    "H and W": {"padding": 0},
    "the pooling rounds up: a 2x2 pooling with stride 2 floors, (N - 2) // 2 + 1 = N // 2, so "
    "7 -> 3 as in PyTorch": {"ceil": True},
    "the bytes are not multiplied by bytes_per_value: each activation takes bytes_per_value "
    "bytes (4 for float32)": {"times_bytes": False},
    "the bytes are counted in bits (times 8): bytes_per_value is already in bytes": {
        "bits": True},
    "each convolution is counted twice, once for the ReLU: VGG's ReLU is in place "
    "(nn.ReLU(inplace=True)), so a convolution and its ReLU share one output": {"relu": True},
    "H is used for both sides: a layer's output has H' * W' positions (the inputs here are "
    "not square)": {"h_for_w": True},
    "the channels stay those of the input: a convolution's output has as many channels as it "
    "has filters (the cfg's number), and an 'M' keeps them": {"keep_c": True},
    "the rows are running totals: each row holds one layer's own activations; the total is "
    "the sum of the rows": {"cumulative": True},
}


def _layer_text(cfg, k: int) -> str:
    v = cfg[k]
    return (f"cfg[{k}] = 'M' (a 2x2 max pooling)" if v == "M"
            else f"cfg[{k}] = {v} (a 3x3 convolution)")


def _memory_check(cfg, input_shape, bytes_per_value):
    def check(got: Any) -> str | None:
        want = ref("activation_memory")(cfg, input_shape, bytes_per_value)
        arr = as_plain_array(got)
        if arr is None or arr.dtype.kind not in "iu" or arr.ndim != 2 or arr.shape[1:] != (2,):
            what = ("nothing usable" if arr is None else f"a {arr.dtype} array of shape "
                    f"{arr.shape}")
            return (f"expected: an int64 array of shape {want.shape}, one row (activations, "
                    f"bytes) per cfg entry\n  got:      {what}")
        if arr.shape != want.shape:
            convs = sum(1 for v in cfg if v != "M")
            why = {len(cfg) + 1: "a row for the input too: the rows are the cfg's layers only",
                   len(cfg) + convs: "a row for every ReLU: the in-place ReLU keeps its "
                   "activations in its convolution's output, so it adds no row",
                   convs: "no rows for the \"M\" entries: every pooling layer stores its "
                   "output too"}.get(arr.shape[0])
            return (f"expected: {want.shape[0]} rows, one per cfg entry (the input is not a "
                    f"layer)\n  got:      {arr.shape[0]} rows"
                    + (f"\n  likely mistake: {why}" if why else ""))
        for k in range(len(want)):
            if not np.array_equal(arr[k], want[k]):
                return (f"the first row that differs is row {k}, {_layer_text(cfg, k)}\n"
                        f"  expected: {int(want[k, 0]):,} activations, {int(want[k, 1]):,} "
                        f"bytes\n  got:      {int(arr[k, 0]):,} activations, "
                        f"{int(arr[k, 1]):,} bytes")
        if arr.dtype != np.int64:
            return (f"expected: an int64 array, as the docstring says\n  got:      a "
                    f"{arr.dtype} array with the right values\n  likely mistake: build it with "
                    f"dtype=np.int64: {arr.dtype} overflows on larger networks and inputs")
        return None
    return check


def _memory_case(label: str, cfg, input_shape, bytes_per_value: int = 4) -> Case:
    cfg, input_shape = list(cfg), tuple(int(v) for v in input_shape)
    return Case(label, (cfg, input_shape, bytes_per_value),
                check=_memory_check(cfg, input_shape, bytes_per_value))


def _memory_vgg16(rng):
    yield _memory_case("VGG-16 (CFGS['D']) on 3x224x224, float32 (4 bytes)", _cfg("D"),
                       (3, 224, 224), 4)


def _memory_configs(rng):
    yield _memory_case("VGG-11 (CFGS['A']) on 3x224x224, float16 (2 bytes)", _cfg("A"),
                       (3, 224, 224), 2)
    yield _memory_case("VGG-13 (CFGS['B']) on 3x64x96, 1 byte per value", _cfg("B"),
                       (3, 64, 96), 1)
    yield _memory_case("VGG-19 (CFGS['E']) on 3x40x40, float64 (8 bytes): 40 -> 20 -> 10 -> 5 "
                       "-> 2 -> 1", _cfg("E"), (3, 40, 40), 8)
    yield _memory_case("VGG-16 on a gray 1x56x72 input", _cfg("D"), (1, 56, 72), 4)


def _memory_random(rng):
    for trial in range(6):
        c = int(rng.choice([1, 3, 4]))
        h = int(rng.integers(5, 40))
        w = h + int(rng.integers(1, 12))
        side = min(h, w)
        cfg: list = []
        for _ in range(int(rng.integers(1, 5))):
            cfg += [int(rng.integers(1, 130)) for _ in range(int(rng.integers(1, 4)))]
            if side >= 2:
                cfg.append("M")
                side //= 2
        size = int(rng.choice([1, 2, 4, 8]))
        yield _memory_case(f"random {trial}: {_cfg_text(cfg)} on {c}x{h}x{w}, "
                           f"{size} bytes per value", cfg, (c, h, w), size)


def _memory_bad(rng):
    d = _cfg("D")
    for label, args in (
            ("bytes_per_value=0", (d, (3, 224, 224), 0)),
            ("bytes_per_value=2.5 (a float)", (d, (3, 224, 224), 2.5)),
            ("input_shape (224, 224) without channels", (d, (224, 224), 4)),
            ("input_shape (3, 0, 224)", (d, (3, 0, 224), 4)),
            ("a lower-case 'm' in the cfg", ([64, "m"], (3, 32, 32), 4)),
            ("a zero width in the cfg", ([0, "M"], (3, 32, 32), 4)),
            ("an empty cfg", ([], (3, 32, 32), 4)),
            ("an 'M' on a 1x1 map: [8, 'M', 'M'] on 3x2x2", ([8, "M", "M"], (3, 2, 2), 4))):
        yield Case(f"activation_memory: {label}", args, raises=ValueError)


register(VggExercise(
    name="activation_memory", reference="activation_memory", seed=6040,
    groups=[
        Group("VGG-16 at 224x224 (the classic accounting)", 1.5, _memory_vgg16),
        Group("all four configurations, other inputs and value sizes", 1.5, _memory_configs),
        Group("random cfgs on odd and non-square inputs", 1.5, _memory_random),
        Group("bad input raises ValueError", 0.5, _memory_bad),
    ],
    mistakes=[Mistake(text, partial(_wrong_memory, **options), partial="padding" in options)
              for text, options in MEMORY_MISTAKES.items()],
))
