"""Hidden checks for notebook 07, GoogLeNet (Inception): 1x1 convolutions, the cost of an
Inception module, the module as a class and the whole network.

``conv1x1_as_matmul`` and ``inception_cost`` are compared with the reference on fixed and seeded
random cases. ``Inception`` and ``GoogLeNet`` (built by ``googlenet``) are graded as models
(:mod:`autograder.checks.models`): full size counted on the meta device, the function compared at
reduced widths with seeded weights. ``googlenet`` is called through the notebook's
``googlenet_checked``: with ``training_run=True`` the model is wrapped in ``TrainingRun``, whose
forward pass runs it in training mode and concatenates ``(scores, aux1, aux2)``, so that where the
auxiliary classifiers are attached (they run in training mode only) is compared as data too.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from autograder.checks.core import Case, Exercise, Group, Mistake, register
from autograder.checks.exercises.common import ref, shape_str
from autograder.checks.models import ModelProbe, model_case

# ----------------------------------------------------------------------------- conv1x1_as_matmul


def _wrong_conv1x1(x, w, b=None, *, bias: str = "channel", mix_batch: bool = False,
                   channels_last: bool = False, transpose_w: bool = False) -> np.ndarray:
    """conv1x1_as_matmul with one mistake switched on (float64 throughout)."""
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if transpose_w:
        w = w.T
    n, c, h, wd = x.shape
    if mix_batch:  # x.reshape(C_in, -1) without moving the batch axis
        out = (w @ x.reshape(c, -1)).reshape(n, w.shape[0], h, wd)
    else:
        out = np.einsum("fc,nchw->nfhw", w, x)
    if b is not None:
        b = np.asarray(b, dtype=np.float64)
        if bias == "channel":
            out = out + b[None, :, None, None]
        elif bias == "last":
            out = out + b[None, None, None, :]
    return out.transpose(0, 2, 3, 1) if channels_last else out


CONV1X1_MISTAKES = [
    Mistake("missing_bias", partial(_wrong_conv1x1, bias="none")),
    Mistake("bias_wrong_axis", partial(_wrong_conv1x1, bias="last"), partial=True),
    Mistake("the batch axis is mixed with the pixels: x.reshape(C_in, -1) puts pixels of "
            "different images in one row; reshape to (N, C_in, H * W) (or move N next to H and W "
            "first)", partial(_wrong_conv1x1, mix_batch=True)),
    Mistake("the output is channels-last (N, H, W, C_out); the layout is (N, C_out, H, W)",
            partial(_wrong_conv1x1, channels_last=True)),
    Mistake("w is used transposed: its layout is (C_out, C_in), row f holds filter f's weights, "
            "so out = w @ x", partial(_wrong_conv1x1, transpose_w=True), partial=True),
]


def _conv_case(label: str, x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> Case:
    args = (x, w) if b is None else (x, w, b)
    return Case(label, args)


def _conv1x1_fixed(rng):
    x = np.arange(8.0).reshape(1, 2, 2, 2)
    w = np.array([[1.0, 0.0], [1.0, 1.0], [0.5, -1.0]])
    yield _conv_case("x = arange(8).reshape(1, 2, 2, 2), w = [[1, 0], [1, 1], [0.5, -1]], "
                     "b = [0, 0, 10]", x, w, np.array([0.0, 0.0, 10.0]))
    fixed = np.random.default_rng(0)
    x, w, b = fixed.standard_normal((3, 4, 5, 6)), fixed.standard_normal((7, 4)), \
        fixed.standard_normal(7)
    yield _conv_case("random 3x4x5x6 batch, 7 filters (the notebook's)", x, w, b)


def _conv1x1_random(rng):
    for trial in range(6):
        n, c_in, c_out = (int(v) for v in rng.integers(2, 6, size=3))
        h, wd = int(rng.integers(1, 8)), int(rng.integers(1, 8))
        if c_in == c_out:
            c_out += 1
        x = rng.standard_normal((n, c_in, h, wd))
        w, b = rng.standard_normal((c_out, c_in)), rng.standard_normal(c_out)
        yield _conv_case(f"random {trial}: x {shape_str(x)}, w {shape_str(w)}, b ({c_out},)",
                         x, w, b)


def _conv1x1_square(rng):
    # C_in = C_out and W = C_out: transposed weights and a bias on the last axis run here
    for trial in range(3):
        c = int(rng.integers(2, 5))
        x = rng.standard_normal((2, c, int(rng.integers(2, 5)), c))
        w, b = rng.standard_normal((c, c)), rng.standard_normal(c)
        yield _conv_case(f"square {trial}: x {shape_str(x)}, w {shape_str(w)}, b ({c},)", x, w, b)


def _conv1x1_no_bias(rng):
    for trial in range(3):
        x = rng.standard_normal((int(rng.integers(1, 4)), 3, int(rng.integers(2, 6)), 4))
        w = rng.standard_normal((int(rng.integers(1, 6)), 3))
        yield _conv_case(f"no bias {trial}: x {shape_str(x)}, w {shape_str(w)}", x, w, None)


def _conv1x1_bad(rng):
    x, w, b = np.ones((2, 3, 4, 4)), np.ones((5, 3)), np.ones(5)
    yield Case("a 3-D x (3, 4, 4)", (x[0], w, b), raises=ValueError)
    yield Case("w with C_in = 2 for x with 3 channels", (x, np.ones((5, 2)), b), raises=ValueError)
    yield Case("PyTorch's 4-D weight (5, 3, 1, 1) instead of (C_out, C_in)",
               (x, np.ones((5, 3, 1, 1)), b), raises=ValueError)
    yield Case("b of shape (4,) for 5 filters", (x, w, np.ones(4)), raises=ValueError)
    yield Case("b of shape (1,) for 5 filters (numpy would broadcast it silently)",
               (x, w, np.ones(1)), raises=ValueError)


register(Exercise(
    name="conv1x1_as_matmul", reference="conv1x1_as_matmul", seed=7010,
    groups=[
        Group("fixed examples from the notebook", 0.5, _conv1x1_fixed),
        Group("random batches, channels and sizes", 1, _conv1x1_random),
        Group("C_in = C_out = W (a transposed w or a misplaced bias still runs)", 0.5,
              _conv1x1_square),
        Group("without bias (b=None)", 0.5, _conv1x1_no_bias),
        Group("bad input raises ValueError", 0.5, _conv1x1_bad),
    ],
    mistakes=CONV1X1_MISTAKES,
    dtype_rule="keeps_float",
))


# ----------------------------------------------------------------------------- inception_cost


def _wrong_cost(in_shape, spec, reduce: bool = True, *, flops: bool = False, bias: bool = True,
                pool_channels: bool = True, reductions: bool = True, projection: bool = True,
                reduced_input: bool = True, five: int = 5, positions: bool = True,
                twice_3x3: bool = False, ignore_reduce: bool = False, h_for_w: bool = False
                ) -> tuple[int, int, int]:
    """inception_cost with one mistake switched on."""
    c_in, h, w = (int(v) for v in in_shape)
    _, ch1, ch3r, ch3, ch5r, ch5, proj = (int(v) for v in spec)
    if h_for_w:
        w = h
    reduce = True if ignore_reduce else reduce
    if reduce:
        convs = [(c_in, ch1, 1)]
        if reductions:
            convs += [(c_in, ch3r, 1), (c_in, ch5r, 1)]
        convs += [(ch3r if reduced_input else c_in, ch3, 3),
                  (ch5r if reduced_input else c_in, ch5, five)]
        if twice_3x3:
            convs.append((ch3r, ch3, 3))
        if projection:
            convs.append((c_in, proj, 1))
        out = ch1 + ch3 + ch5 + (proj if pool_channels else 0)
    else:
        convs = [(c_in, ch1, 1), (c_in, ch3, 3), (c_in, ch5, five)]
        out = ch1 + ch3 + ch5 + (c_in if pool_channels else 0)
    params = sum(co * ci * f * f + (co if bias else 0) for ci, co, f in convs)
    macs = sum(co * (h * w if positions else 1) * ci * f * f for ci, co, f in convs)
    return out, params, macs * (2 if flops else 1)


COST_MISTAKES = {
    "MACs counted as FLOPs: one multiply-accumulate is two floating-point operations (a "
    "multiply and an add); count the MACs, half the FLOPs": {"flops": True},
    "the biases are not counted: every convolution has C_out biases, one per filter": {
        "bias": False},
    "the pooling branch's channels are left out of the output: the naive module passes the "
    "pooled input on with its C_in channels, and the reduced one adds pool_proj": {
        "pool_channels": False},
    "the 1x1 reductions before the 3x3 and the 5x5 are not counted: they are convolutions too "
    "(C_in to ch3x3red and C_in to ch5x5red)": {"reductions": False},
    "the 1x1 projection after the pooling is not counted (C_in to pool_proj)": {
        "projection": False},
    "the 3x3 and the 5x5 see all C_in channels; after a reduction they see ch3x3red and "
    "ch5x5red, which is what the reduction saves": {"reduced_input": False},
    "the 5x5 branch is counted with a 3x3 kernel (torchvision's, pytorch/vision#906); "
    "inception_cost counts the paper's module, whose third branch is a true 5x5": {"five": 3},
    "the output positions are missing from the MACs: every weight is used once per output "
    "position, H * W times": {"positions": False},
    "the 3x3 convolution is counted twice (the slide's 358 M for the lecture's module)": {
        "twice_3x3": True},
    "reduce=False is ignored: the naive module has no reductions and no projection (and its "
    "pooling keeps C_in channels)": {"ignore_reduce": True},
    "H is used for both sides: the module keeps H x W, so a convolution's MACs are "
    "C_out * H * W * C_in * F * F (the inputs here are not square)": {"h_for_w": True},
}

LECTURE = (256, 128, 64, 192, 64, 96, 64)
SIDES = {"3": 28, "4": 14, "5": 7}  # the maps each stage of GoogLeNet sees in a 224x224 image


def _cost_case(label: str, in_shape, spec, reduce: bool | None = None) -> Case:
    kwargs = {} if reduce is None else {"reduce": reduce}
    return Case(label, (tuple(in_shape), tuple(spec)), kwargs)


def _cost_lecture(rng):
    yield _cost_case("the lecture's naive module on 28x28x256 (reduce=False)", (256, 28, 28),
                     LECTURE, False)
    yield _cost_case("the lecture's module with 1x1 reductions on 28x28x256", (256, 28, 28),
                     LECTURE)


def _cost_googlenet(rng):
    for name, spec in ref("INCEPTION").items():
        side = SIDES[name[0]]
        yield _cost_case(f"GoogLeNet's {name} on {spec[0]}x{side}x{side}", (spec[0], side, side),
                         spec)
    yield _cost_case("GoogLeNet's 4e as a naive module (reduce=False) on 528x14x14",
                     (528, 14, 14), ref("INCEPTION")["4e"], False)


def _cost_random(rng):
    for trial in range(8):
        spec = tuple(int(v) for v in rng.integers(1, 40, size=7))
        h = int(rng.integers(3, 30))
        w = h + int(rng.integers(1, 9))
        reduce = bool(trial % 2)
        yield _cost_case(f"random {trial}: {spec} on {spec[0]}x{h}x{w}, reduce={reduce}",
                         (spec[0], h, w), spec, reduce)


def _cost_bad(rng):
    yield Case("3a (in_channels 192) on a 256-channel input", ((256, 28, 28), ref("INCEPTION")["3a"]),
               raises=ValueError)
    yield Case("a 2-D in_shape (256, 28)", ((256, 28), LECTURE), raises=ValueError)
    yield Case("a spec of six numbers (no in_channels)", ((256, 28, 28), LECTURE[1:]),
               raises=ValueError)
    yield Case("a spec with 0 filters in the 5x5 branch", ((256, 28, 28), (256, 128, 64, 192,
                                                                           64, 0, 64)),
               raises=ValueError)
    yield Case("in_shape with a zero side (256, 0, 28)", ((256, 0, 28), LECTURE), raises=ValueError)
    yield Case("a float channel count 64.0 in the spec", ((256, 28, 28), (256, 128, 64.0, 192, 64,
                                                                           96, 64)),
               raises=ValueError)


register(Exercise(
    name="inception_cost", reference="inception_cost", seed=7020,
    groups=[
        Group("the lecture's module on 28x28x256, naive and with reductions", 1.5, _cost_lecture),
        Group("GoogLeNet's nine modules at their sizes in a 224x224 image", 1.5, _cost_googlenet),
        Group("random specs on non-square inputs, with and without reductions", 1.5,
              _cost_random),
        Group("bad input raises ValueError", 0.5, _cost_bad),
    ],
    mistakes=[Mistake(text, partial(_wrong_cost, **options))
              for text, options in COST_MISTAKES.items()],
))


# ----------------------------------------------------------------------------- Inception


def _wrong_inception(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj,
                     variant: str = "torchvision", *, projection: bool = True,
                     swap_3x3: bool = False, order: tuple[int, ...] = (0, 1, 2, 3),
                     unpadded: str = "", kernel_5x5: int | None = None, eps: float = 0.001,
                     batch_norm: bool | None = None, reduction_relu: bool = True):
    """An Inception module with one mistake switched on (the checks' catalogue). unpadded:
    the branches whose large convolution has no padding ("2" the 3x3, "3" the third branch)."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    variants = ref("GOOGLENET_VARIANTS")
    if variant not in variants:
        raise ValueError(f"unknown variant {variant!r}")
    bn = variants[variant]["batch_norm"] if batch_norm is None else batch_norm
    k5 = variants[variant]["kernel_5x5"] if kernel_5x5 is None else kernel_5x5

    class Unit(nn.Module):
        def __init__(self, c_in, c_out, k, pad, relu=True):
            super().__init__()
            self.conv = nn.Conv2d(c_in, c_out, k, padding=pad, bias=not bn)
            self.bn = nn.BatchNorm2d(c_out, eps=eps) if bn else None
            self.relu = relu

        def forward(self, x):
            x = self.conv(x)
            if self.bn is not None:
                x = self.bn(x)
            return F.relu(x) if self.relu else x

    class Wrong(nn.Module):
        def __init__(self):
            super().__init__()
            self.branch1 = Unit(in_channels, ch1x1, 1, 0)
            if swap_3x3:  # the 3x3 on all input channels first, then the 1x1
                self.branch2 = nn.Sequential(Unit(in_channels, ch3x3red, 3, 1),
                                             Unit(ch3x3red, ch3x3, 1, 0))
            else:
                self.branch2 = nn.Sequential(Unit(in_channels, ch3x3red, 1, 0, reduction_relu),
                                             Unit(ch3x3red, ch3x3, 3, 0 if "2" in unpadded else 1))
            self.branch3 = nn.Sequential(Unit(in_channels, ch5x5red, 1, 0, reduction_relu),
                                         Unit(ch5x5red, ch5x5, k5,
                                              0 if "3" in unpadded else k5 // 2))
            pool = [nn.MaxPool2d(3, stride=1, padding=1)]
            self.branch4 = nn.Sequential(*pool, Unit(in_channels, pool_proj, 1, 0)) \
                if projection else nn.Sequential(*pool)

        def forward(self, x):
            outs = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]
            return torch.cat([outs[k] for k in order], dim=1)

    return Wrong()


ORDER_TEXT = ("the branches are concatenated in another order: torch.cat([branch1, branch2, "
              "branch3, branch4], dim=1), in the order of the table (1x1, 3x3, 5x5, pool)")
INCEPTION_MISTAKES = [
    ("the pool branch has no 1x1 projection: after the max pooling comes a 1x1 convolution "
     "to pool_proj channels, so the module outputs ch1x1 + ch3x3 + ch5x5 + pool_proj "
     "channels, not + in_channels", {"projection": False}),
    ("the reduction comes after the 3x3 (a 3x3 on all in_channels, then the 1x1): the 1x1 to "
     "ch3x3red goes before the 3x3, which then sees only ch3x3red channels", {"swap_3x3": True}),
    (ORDER_TEXT, {"order": (1, 0, 2, 3)}),
    (ORDER_TEXT, {"order": (0, 1, 3, 2)}),
    (ORDER_TEXT, {"order": (3, 2, 1, 0)}),
    ("the 3x3 and 5x5 convolutions have no padding, so their maps shrink and the branches "
     "cannot be concatenated: padding 1 for a 3x3, 2 for a 5x5 (every branch keeps H x W)",
     {"unpadded": "23"}),
    ("the 3x3 convolution of the second branch has no padding (padding=1), so its maps shrink "
     "by 2 pixels and the branches cannot be concatenated (every branch keeps H x W)",
     {"unpadded": "2"}),
    ("the third branch's K x K convolution has no padding (padding=K // 2: 1 for torchvision's "
     "3x3, 2 for the paper's 5x5), so the branches cannot be concatenated", {"unpadded": "3"}),
    ("the third branch ignores the variant's kernel: torchvision's is 3x3 (pytorch/vision#906), "
     "the paper's 5x5 (GOOGLENET_VARIANTS[variant]['kernel_5x5'])", {"kernel_5x5": 5}),
    ("the third branch ignores the variant's kernel: torchvision's is 3x3 (pytorch/vision#906), "
     "the paper's 5x5 (GOOGLENET_VARIANTS[variant]['kernel_5x5'])", {"kernel_5x5": 3}),
    ("the batch normalization uses PyTorch's default eps=1e-5; BasicConv2d's (torchvision's) is "
     "eps=0.001: use BasicConv2d", {"eps": 1e-5}),
    ("the variant's batch_norm is ignored: the paper's module has convolutions with biases and "
     "no batch norm, torchvision's batch norm and no biases (BasicConv2d(..., batch_norm=...))",
     {"batch_norm": True}),
    ("the variant's batch_norm is ignored: the paper's module has convolutions with biases and "
     "no batch norm, torchvision's batch norm and no biases (BasicConv2d(..., batch_norm=...))",
     {"batch_norm": False}),
    ("the 1x1 reductions have no ReLU: every convolution of the module is followed by one, as "
     "BasicConv2d does", {"reduction_relu": False}),
]


def _inception_full(rng):
    table = ref("INCEPTION")
    for name, side, variant in (("3a", 28, "torchvision"), ("4e", 14, "torchvision"),
                                ("5b", 7, "torchvision"), ("4a", 14, "paper")):
        spec = table[name]
        kwargs = {} if variant == "torchvision" else {"variant": variant}
        yield model_case(f"Inception(*INCEPTION[{name!r}]{', variant=' + repr(variant) if kwargs else ''})"
                         f" on 1x{spec[0]}x{side}x{side}, full width, counted on the meta device",
                         spec, kwargs, input_shape=(1, spec[0], side, side), function=False,
                         stages=False)


def _inception_function(rng):
    yield model_case("Inception(8, 4, 3, 6, 2, 3, 2) on 2x8x9x9, seeded weights",
                     (8, 4, 3, 6, 2, 3, 2), input_shape=(2, 8, 9, 9), stages=False)
    yield model_case("Inception(12, 4, 6, 8, 2, 4, 3) on 2x12x7x6, seeded weights",
                     (12, 4, 6, 8, 2, 4, 3), input_shape=(2, 12, 7, 6), stages=False, seed=1)
    yield model_case("3a at 1/8 width, Inception(24, 8, 12, 16, 2, 4, 4), on 2x24x8x8",
                     (24, 8, 12, 16, 2, 4, 4), input_shape=(2, 24, 8, 8), stages=False, seed=2)


def _inception_paper(rng):
    yield model_case("Inception(8, 4, 3, 6, 2, 3, 2, variant='paper') on 2x8x9x9 (biases, true "
                     "5x5), seeded weights", (8, 4, 3, 6, 2, 3, 2), {"variant": "paper"},
                     input_shape=(2, 8, 9, 9), stages=False, seed=3)
    yield model_case("Inception(10, 3, 4, 5, 3, 4, 2, variant='paper') on 1x10x6x7, seeded "
                     "weights", (10, 3, 4, 5, 3, 4, 2), {"variant": "paper"},
                     input_shape=(1, 10, 6, 7), stages=False, seed=4)


def _inception_bad(rng):
    counted = ModelProbe((1, 192, 28, 28), function=False, stages=False)
    yield Case("Inception(*INCEPTION['3a'], variant='vgg'): an unknown variant",
               ref("INCEPTION")["3a"], {"variant": "vgg"}, raises=ValueError, probe=counted)


register(Exercise(
    name="Inception", reference="Inception", seed=7030,
    groups=[
        Group("GoogLeNet's modules at full width (counted on the meta device)", 1.5,
              _inception_full),
        Group("torchvision's module at reduced width, with seeded weights (layer by layer)", 2,
              _inception_function),
        Group("the paper's module (biases, true 5x5), with seeded weights", 1, _inception_paper),
        Group("bad input raises ValueError", 0.5, _inception_bad),
    ],
    mistakes=[Mistake(text, partial(_wrong_inception, **options))
              for text, options in INCEPTION_MISTAKES],
))


# ----------------------------------------------------------------------------- googlenet


def _wrong_googlenet(aux_logits: bool = False, variant: str = "torchvision",
                     num_classes: int = 1000, width: float = 1.0, *, training_run: bool = False,
                     aux1_at: str = "4a", aux2_at: str = "4d", projection: bool = True,
                     kernel_5x5: int | None = None, ceil: bool = True, dropout: float | None = None,
                     aux_order: str = "12", aux_in_eval: bool = False, aux_classes: bool = True,
                     truncate: bool = False, maxpool4: bool = True):
    """GoogLeNet with one mistake switched on, called as the notebook's googlenet_checked."""
    import torch
    from torch import nn

    variants = ref("GOOGLENET_VARIANTS")
    if variant not in variants or num_classes < 1 or not width > 0:
        raise ValueError("bad arguments")
    basic, aux_head = ref("BasicConv2d"), ref("InceptionAux")
    bn = variants[variant]["batch_norm"]

    def s(c: int) -> int:
        return max(1, int(c * width)) if truncate else max(1, round(c * width))

    class Wrong(nn.Module):
        def __init__(self):
            super().__init__()
            stem = [s(64), s(64), s(192)]
            self.conv1 = basic(3, stem[0], 7, stride=2, padding=3, batch_norm=bn)
            self.conv2 = basic(stem[0], stem[1], 1, batch_norm=bn)
            self.conv3 = basic(stem[1], stem[2], 3, padding=1, batch_norm=bn)
            self.pools = nn.ModuleList([nn.MaxPool2d(3, 2, ceil_mode=ceil) for _ in range(3)]
                                       + [nn.MaxPool2d(2, 2, ceil_mode=ceil)])
            self.modules_ = nn.ModuleDict()
            channels, out = stem[2], {}
            for name, spec in ref("INCEPTION").items():
                ch = [s(c) for c in spec[1:]]
                self.modules_[name] = _wrong_inception(channels, *ch, variant=variant,
                                                       projection=projection,
                                                       kernel_5x5=kernel_5x5)
                channels = out[name] = ch[0] + ch[2] + ch[4] + (ch[5] if projection else channels)
            classes = num_classes if aux_classes else 1000
            self.aux1 = aux_head(out[aux1_at], classes, variant, width) if aux_logits else None
            self.aux2 = aux_head(out[aux2_at], classes, variant, width) if aux_logits else None
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.dropout = nn.Dropout(variants[variant]["dropout"] if dropout is None else dropout)
            self.fc = nn.Linear(channels, num_classes)

        def forward(self, x):
            x = self.pools[0](self.conv1(x))
            x = self.pools[1](self.conv3(self.conv2(x)))
            aux = (self.training or aux_in_eval) and self.aux1 is not None
            found = {}
            for name, module in self.modules_.items():
                x = module(x)
                if aux and name in (aux1_at, aux2_at):
                    found["1" if name == aux1_at else "2"] = (self.aux1 if name == aux1_at
                                                              else self.aux2)(x)
                if name == "3b":
                    x = self.pools[2](x)
                if name == "4e" and maxpool4:
                    x = self.pools[3](x)
            scores = self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))
            return (scores, *(found[k] for k in aux_order)) if aux else scores

    model = Wrong()
    return ref("TrainingRun")(model) if training_run else model


GOOGLENET_MISTAKES = {
    "aux1 is attached after 4b; it reads the output of 4a (the paper: after Inception (4a) and "
    "(4d))": {"aux1_at": "4b"},
    "aux2 is attached after 4e; it reads the output of 4d (528 channels)": {"aux2_at": "4e"},
    "the pool branches have no 1x1 projection: each module outputs ch1x1 + ch3x3 + ch5x5 + "
    "pool_proj channels": {"projection": False},
    "the third branch of every module ignores the variant: torchvision's is 3x3 "
    "(pytorch/vision#906), the paper's 5x5": {"kernel_5x5": 5},
    "the max poolings floor their output sizes: GoogLeNet's round up (ceil_mode=True), so "
    "112 gives 56, not 55": {"ceil": False},
    "the dropout before fc has the wrong rate: GOOGLENET_VARIANTS[variant]['dropout'] (0.2 for "
    "torchvision, 0.4 for the paper)": {"dropout": 0.5},
    "the dropout before fc is missing (GOOGLENET_VARIANTS[variant]['dropout']; only training "
    "mode shows it)": {"dropout": 0.0},
    "in training mode the outputs are returned as (scores, aux2, aux1); the notebook's order is "
    "(scores, aux1, aux2)": {"aux_order": "21"},
    "the auxiliary classifiers also run in evaluation mode: model.eval() must return the "
    "scores alone (they are removed at test time)": {"aux_in_eval": True},
    "the auxiliary classifiers ignore num_classes: InceptionAux(..., num_classes, ...)": {
        "aux_classes": False},
    "the widths are truncated (int(c * width)); the docstring rounds: scaled(c, width) = "
    "max(1, round(c * width))": {"truncate": True},
    "maxpool4 (after 4e) is missing: 5a and 5b work on 7x7 maps": {"maxpool4": False},
}


def _googlenet_full(rng):
    for variant in ("torchvision", "paper"):
        for aux in (False, True):
            yield model_case(f"googlenet(aux_logits={aux}, variant={variant!r}), full size, "
                             "counted on the meta device", (aux, variant),
                             input_shape=(1, 3, 224, 224), function=False, stages=False)


def _googlenet_options(rng):
    yield model_case("googlenet(aux_logits=True, num_classes=10), full size", (True,),
                     {"num_classes": 10}, input_shape=(1, 3, 224, 224), function=False,
                     stages=False)
    yield model_case("googlenet(width=0.5), full size counted: every width scaled(c, 0.5)", (),
                     {"width": 0.5}, input_shape=(1, 3, 224, 224), function=False, stages=False)
    yield model_case("googlenet(True, 'paper', 7, width=0.3): widths max(1, round(c * 0.3))",
                     (True, "paper", 7), {"width": 0.3}, input_shape=(1, 3, 160, 160),
                     function=False, stages=False)


def _googlenet_function(rng):
    yield model_case("googlenet(num_classes=10, width=1/16) on 2x3x64x64, seeded weights", (),
                     {"num_classes": 10, "width": 1 / 16}, input_shape=(2, 3, 64, 64),
                     stages=False)
    yield model_case("googlenet(variant='paper', num_classes=5, width=1/16) on 1x3x96x96, "
                     "seeded weights", (), {"variant": "paper", "num_classes": 5,
                                            "width": 1 / 16},
                     input_shape=(1, 3, 96, 96), stages=False, seed=1)
    yield model_case("googlenet(aux_logits=True, num_classes=10, width=1/8) in eval mode on "
                     "2x3x64x64: the scores alone", (True,), {"num_classes": 10, "width": 1 / 8},
                     input_shape=(2, 3, 64, 64), stages=False, seed=2)


def _googlenet_training(rng):
    yield model_case("googlenet(aux_logits=True, num_classes=10, width=1/16) in training mode "
                     "on 2x3x64x64: (scores, aux1, aux2) concatenated, dropout masks from one "
                     "seeded generator", (True,), {"num_classes": 10, "width": 1 / 16,
                                                   "training_run": True},
                     input_shape=(2, 3, 64, 64), stages=False, seed=3)
    yield model_case("googlenet(True, 'paper', 6, width=1/16) in training mode on 2x3x96x96",
                     (True, "paper", 6), {"width": 1 / 16, "training_run": True},
                     input_shape=(2, 3, 96, 96), stages=False, seed=4)
    yield model_case("googlenet(num_classes=10, width=1/16) in training mode (no auxiliary "
                     "classifiers) on 2x3x64x64", (), {"num_classes": 10, "width": 1 / 16,
                                                      "training_run": True},
                     input_shape=(2, 3, 64, 64), stages=False, seed=5)


def _googlenet_bad(rng):
    counted = ModelProbe((1, 3, 224, 224), function=False, stages=False)
    yield Case("googlenet(variant='vgg'): an unknown variant", (), {"variant": "vgg"},
               raises=ValueError, probe=counted)
    yield Case("googlenet(num_classes=0)", (), {"num_classes": 0}, raises=ValueError,
               probe=counted)
    yield Case("googlenet(width=0)", (), {"width": 0.0}, raises=ValueError, probe=counted)


def _wrong_googlenet_variant(options: dict[str, Any]):
    return partial(_wrong_googlenet, **options)


# named after the class the learner completes: the name googlenet is also solutions' module's
register(Exercise(
    name="GoogLeNet", reference="googlenet_checked", seed=7040,
    groups=[
        Group("both variants at full size, with and without auxiliary classifiers (counted on "
              "the meta device)", 2, _googlenet_full),
        Group("other numbers of classes and widths (counted on the meta device)", 1,
              _googlenet_options),
        Group("the function at reduced width, with seeded weights (layer by layer)", 2,
              _googlenet_function),
        Group("training mode: the auxiliary classifiers, dropout and batch norm", 1.5,
              _googlenet_training),
        Group("bad input raises ValueError", 0.5, _googlenet_bad),
    ],
    # a mistake whose model cannot run is named too: the catalogue's model fails the same way
    mistakes=[Mistake(text, _wrong_googlenet_variant(options))
              for text, options in GOOGLENET_MISTAKES.items()],
))
