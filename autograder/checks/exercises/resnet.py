"""Hidden checks for notebook 08, ResNet: the residual gradient, the basic block in numpy, the
two block classes and networks from stage tables.

``residual_backward`` and ``basic_block_forward`` are numpy functions, graded like notebook 04's
(seeded cases against the reference, float64 for every input). ``basic_block_forward`` calls the
notebook's ``conv2d_fast`` and ``relu``: in the grading sandbox, where the earlier notebooks are
absent, those are PyTorch's (coursekit.previous), as in the reference module.

``BasicBlock``, ``Bottleneck`` and ``resnet`` are graded as models
(:mod:`autograder.checks.models`): full-size blocks and networks counted on the meta device, the
function compared at reduced widths with seeded weights, in eval mode and (blocks) in training
mode, batch norm on the batch's statistics. A class cannot enter the sandbox, so ``resnet`` is graded
through the notebook's ``resnet_by_name(block_name, layers, num_classes, width)``, which calls
the learner's ``resnet`` with the learner's block classes. The per-stage counts are not compared
(``stages=False``): a correct block or network may group its modules in any way. Training mode
is compared on blocks, with and without a projection; ``resnet`` is compared in eval mode.

The reference module ``solutions.resnet`` shares its name with the function ``resnet``:
importing the module binds the package attribute ``solutions.resnet`` to the module, so the
references are read from the module itself (:func:`ref`), which binds the attribute back to the
function, as ``from solutions import resnet`` promises.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from autograder.checks.core import Case, Exercise, Group, Mistake, register
from autograder.checks.exercises.common import shape_str
from autograder.checks.models import ModelProbe, model_case

# ----------------------------------------------------------------------------- helpers


def ref(name: str) -> Any:
    """The reference ``name`` of notebook 08, from ``solutions.resnet``, imported only when a
    check runs (torch is imported with it)."""
    import solutions

    module = importlib.import_module("solutions.resnet")
    if getattr(solutions, "resnet", None) is module:  # the submodule shadows the function
        solutions.resnet = module.resnet
    return getattr(module, name)


@dataclass
class ResNetExercise(Exercise):
    """An exercise of notebook 08: its reference is read through :func:`ref`."""

    def reference_fn(self) -> Any:
        return ref(self.reference)


def _fixed(*cases: Case):
    return lambda rng: iter(cases)


def _f(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _dims(shape) -> str:
    return "x".join(str(int(s)) for s in shape)


# ----------------------------------------------------------------------------- residual_backward


def _rb_random(rng):
    shapes = [(5,), (3, 4), (2, 3, 4, 4), (1, 8, 3, 5), (4, 2, 2, 3)]
    for trial, shape in enumerate(shapes):
        dout, dF = rng.standard_normal(shape), rng.standard_normal(shape)
        yield Case(f"random {trial}: dout and dF of shape {shape}", (dout, dF))
    dout = rng.standard_normal((2, 3, 4, 4))
    yield Case("dF = -dout (2x3x4x4): the gradients cancel", (dout, -dout))


def _rb_bad(rng):
    for dout, dF in (((2, 3, 4, 4), (1, 3, 4, 4)), ((2, 3, 4, 4), (3, 4, 4)),
                     ((2, 3), (3, 2)), ((4,), (1,)), ((2, 3, 4, 4), (2, 3, 4, 1))):
        yield Case(f"dout {dout} and dF {dF}", (np.ones(dout), np.ones(dF)), raises=ValueError)


register(ResNetExercise(
    name="residual_backward", reference="residual_backward", seed=8010,
    groups=[
        Group("fixed example from the notebook", 1, _fixed(Case(
            "dout [[1, -2], [0.5, 3]], dF [[0.25, 0.5], [-1.5, 0]]",
            (np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([[0.25, 0.5], [-1.5, 0.0]]))))),
        Group("random gradients of several shapes", 2, _rb_random),
        Group("shapes that numpy would broadcast raise ValueError", 0.5, _rb_bad),
    ],
    mistakes=[
        Mistake("the skip path is missing: y = x + 𝓕(x), so dx = dout + dF; dF alone is only the "
                "branch's part", lambda dout, dF: _f(dF)),
        Mistake("the branch's gradient is missing: dx = dout + dF; dout alone is only the skip "
                "path's part", lambda dout, dF: _f(dout)),
        Mistake("the two gradients are multiplied; y = x + 𝓕(x) is a sum, so by the sum rule "
                "they add: dx = dout + dF", lambda dout, dF: _f(dout) * _f(dF)),
        Mistake("the two gradients are averaged: dx = dout + dF, not (dout + dF) / 2",
                lambda dout, dF: (_f(dout) + _f(dF)) / 2),
        Mistake("dF is subtracted: dx = dout + dF", lambda dout, dF: _f(dout) - _f(dF)),
    ],
    dtype_rule="float64",
))


# ----------------------------------------------------------------------------- basic_block_forward


def _block_inputs(rng, n: int, c_in: int, c_out: int, h: int, w: int, projection: bool,
                  integers: bool = False) -> tuple:
    if integers:
        x = rng.integers(-2, 3, (n, c_in, h, w)).astype(float)
        w1 = rng.integers(-1, 2, (c_out, c_in, 3, 3)).astype(float)
        w2 = rng.integers(-1, 2, (c_out, c_out, 3, 3)).astype(float)
        b1, b2 = rng.integers(-1, 2, c_out).astype(float), rng.integers(-1, 2, c_out).astype(float)
        wp = rng.integers(-1, 2, (c_out, c_in, 1, 1)).astype(float)
        bp = rng.integers(-1, 2, c_out).astype(float)
    else:
        x = rng.standard_normal((n, c_in, h, w))
        w1 = rng.standard_normal((c_out, c_in, 3, 3)) / (3 * np.sqrt(c_in))
        w2 = rng.standard_normal((c_out, c_out, 3, 3)) / (3 * np.sqrt(c_out))
        b1, b2 = rng.standard_normal(c_out) / 2, rng.standard_normal(c_out) / 2
        wp = rng.standard_normal((c_out, c_in, 1, 1)) / np.sqrt(c_in)
        bp = rng.standard_normal(c_out) / 2
    return (x, w1, b1, w2, b2, wp, bp) if projection else (x, w1, b1, w2, b2)


def _bb_fixed(rng):
    centre = np.zeros((1, 1, 3, 3))
    centre[0, 0, 1, 1] = 1.0
    x = np.array([[[[-1.0, 2, -3], [4, -5, 6], [-7, 8, -9]]]])
    yield Case("x 1x1x3x3, both kernels copy, b2 = -1", (x, centre, np.zeros(1), centre,
                                                          -np.ones(1)))
    x, w1, b1, w2, b2, wp, bp = _block_inputs(np.random.default_rng(0), 1, 2, 3, 5, 5, True,
                                              integers=True)
    b1, b2, bp = np.array([1.0, 0, -1]), np.array([0.0, 1, 0]), np.array([0.0, 0, 1])
    yield Case("x 1x2x5x5 -> 3 channels, stride 2, with a projection (the notebook's integers)",
               (x, w1, b1, w2, b2), {"stride": 2, "w_proj": wp, "b_proj": bp})


def _bb_identity(rng):
    for trial in range(5):
        n, c = int(rng.integers(1, 4)), int(rng.integers(1, 5))
        h, w = int(rng.integers(3, 8)), int(rng.integers(3, 8))
        args = _block_inputs(rng, n, c, c, h, w, False)
        yield Case(f"random {trial}: identity shortcut, x {shape_str(args[0])}, C_out = {c}", args)


def _bb_projection(rng):
    settings = [(2, 3, 6, 7, 2), (1, 4, 5, 5, 1), (2, 2, 4, 7, 2), (1, 3, 3, 9, 9), (2, 1, 2, 5, 4)]
    for trial, (n, c_in, c_out, h, w) in enumerate(settings):
        stride = 2 if trial != 1 else 1
        if c_in == c_out and stride == 1:
            c_out += 1
        x, w1, b1, w2, b2, wp, bp = _block_inputs(rng, n, c_in, c_out, h, w, True)
        yield Case(f"random {trial}: projection, x {shape_str(x)} -> C_out = {c_out}, "
                   f"stride {stride}", (x, w1, b1, w2, b2),
                   {"stride": stride, "w_proj": wp, "b_proj": bp})


def _bb_bad(rng):
    x, w1, b1, w2, b2, wp, bp = _block_inputs(rng, 1, 2, 3, 5, 5, True)
    yield Case("C_out = 3 != C_in = 2 without a projection", (x, w1, b1, w2, b2),
               raises=ValueError)
    xs, w1s, b1s, w2s, b2s = _block_inputs(rng, 1, 3, 3, 5, 5, False)
    yield Case("stride 2 without a projection (C_in = C_out = 3)", (xs, w1s, b1s, w2s, b2s),
               {"stride": 2}, raises=ValueError)
    yield Case("x with 3 axes (2, 5, 5)", (x[0], w1, b1, w2, b2),
               {"stride": 2, "w_proj": wp, "b_proj": bp}, raises=ValueError)
    yield Case("w2 (3, 2, 3, 3): its C_in is not w1's C_out = 3", (x, w1, b1, w2[:, :2], b2),
               {"stride": 2, "w_proj": wp, "b_proj": bp}, raises=ValueError)
    yield Case("w1 with 5x5 kernels", (x, np.ones((3, 2, 5, 5)), b1, w2, b2),
               {"stride": 2, "w_proj": wp, "b_proj": bp}, raises=ValueError)
    yield Case("b1 of shape (2,) for C_out = 3", (x, w1, b1[:2], w2, b2),
               {"stride": 2, "w_proj": wp, "b_proj": bp}, raises=ValueError)
    yield Case("w_proj given without b_proj", (x, w1, b1, w2, b2),
               {"stride": 2, "w_proj": wp}, raises=ValueError)
    yield Case("w_proj (3, 2, 3, 3): a projection is 1x1", (x, w1, b1, w2, b2),
               {"stride": 2, "w_proj": np.ones((3, 2, 3, 3)), "b_proj": bp}, raises=ValueError)
    yield Case("stride 0", (xs, w1s, b1s, w2s, b2s), {"stride": 0}, raises=ValueError)
    x1, w11, b11, w21, b21 = _block_inputs(rng, 1, 1, 3, 5, 5, False)
    yield Case("C_in = 1, C_out = 3 without a projection (numpy would broadcast x over the "
               "3 channels silently)", (x1, w11, b11, w21, b21), raises=ValueError)
    yield Case("b1 of shape (1,) for C_out = 3 (numpy would broadcast it silently)",
               (x, w1, b1[:1], w2, b2), {"stride": 2, "w_proj": wp, "b_proj": bp},
               raises=ValueError)


def _wrong_block_forward(x, w1, b1, w2, b2, stride=1, w_proj=None, b_proj=None, *,
                         relu_first: bool = False, no_final_relu: bool = False,
                         both_relu: bool = False, no_middle_relu: bool = False,
                         stride_second: bool = False):
    """basic_block_forward with one mistake switched on (the catalogue), with PyTorch's ops."""
    from coursekit.previous import torch_conv2d as conv
    from coursekit.previous import torch_relu as relu

    x, w1, b1, w2, b2 = (_f(a) for a in (x, w1, b1, w2, b2))
    s1, s2 = (1, stride) if stride_second else (stride, 1)
    h = conv(x, w1, b1, stride=s1, padding=1)
    h = h if no_middle_relu else relu(h)
    f = conv(h, w2, b2, stride=s2, padding=1)
    shortcut = x if w_proj is None else conv(x, _f(w_proj), _f(b_proj), stride=stride, padding=0)
    if relu_first:
        return relu(f) + shortcut
    if both_relu:
        return relu(relu(f) + shortcut)
    if no_final_relu:
        return f + shortcut
    return relu(f + shortcut)


BLOCK_FORWARD_MISTAKES = {
    "the ReLU is applied before the addition and none after it: the block adds the shortcut to "
    "the second convolution's output, then applies the ReLU, out = relu(f + shortcut), not "
    "relu(f) + shortcut": {"relu_first": True},
    "the ReLU after the addition is missing: out = relu(f + shortcut), not f + shortcut (the "
    "ReLU after the sum is part of the block)": {"no_final_relu": True},
    "a ReLU is applied before the addition as well as after it: out = relu(f + shortcut), with "
    "f the second convolution's output as it is": {"both_relu": True},
    "the ReLU between the two convolutions is missing: h = relu(conv(x, w1, b1, stride, 1))":
        {"no_middle_relu": True},
    "the stride is on the second 3x3 convolution; the first one (w1) carries the block's stride, "
    "the second has stride 1": {"stride_second": True},
}


register(ResNetExercise(
    name="basic_block_forward", reference="basic_block_forward", seed=8020,
    groups=[
        Group("fixed examples from the notebook", 1, _bb_fixed),
        Group("random blocks with the identity shortcut", 1.5, _bb_identity),
        Group("random blocks with a projection (other channels, stride 2, non-square maps)", 2,
              _bb_projection),
        Group("bad shapes and arguments raise ValueError", 0.5, _bb_bad),
    ],
    mistakes=[Mistake(text, partial(_wrong_block_forward, **options))
              for text, options in BLOCK_FORWARD_MISTAKES.items()],
    dtype_rule="float64",
))


# ----------------------------------------------------------------------------- wrong models
# blocks and networks with one mistake switched on (the checks' catalogue), built like the
# references so that only the mistake differs


@functools.cache
def _wrong_classes() -> tuple[type, type]:
    import torch.nn.functional as F
    from torch import nn

    def projection(in_ch: int, out_ch: int, stride: int, mode: str, bn: bool) -> Any:
        changes = stride != 1 or in_ch != out_ch
        if mode == "never" or (mode == "auto" and not changes):
            return None
        layers = [nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False)]
        return nn.Sequential(*layers, nn.BatchNorm2d(out_ch)) if bn else nn.Sequential(*layers)

    class WrongBasic(nn.Module):
        expansion = 1

        def __init__(self, in_ch: int, out_ch: int, stride: int = 1, *, relu_first=False,
                     no_final_relu=False, both_relu=False, projection_mode="auto",
                     proj_bn=True, bias=False, stride_second=False, bn2=True):
            super().__init__()
            s1, s2 = (1, stride) if stride_second else (stride, 1)
            self.downsample = projection(in_ch, out_ch, stride, projection_mode, proj_bn)
            self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride=s1, padding=1, bias=bias)
            self.bn1 = nn.BatchNorm2d(out_ch)
            self.conv2 = nn.Conv2d(out_ch, out_ch, 3, stride=s2, padding=1, bias=bias)
            self.bn2 = nn.BatchNorm2d(out_ch) if bn2 else nn.Identity()
            self.mode = (relu_first, no_final_relu, both_relu)

        def forward(self, x):
            out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
            shortcut = x if self.downsample is None else self.downsample(x)
            return _join(F, out, shortcut, *self.mode)

    class WrongBottleneck(nn.Module):
        expansion = 4

        def __init__(self, in_ch: int, width: int, stride: int = 1, *, relu_first=False,
                     no_final_relu=False, both_relu=False, projection_mode="auto",
                     proj_bn=True, stride_first=False, expansion=4, middle_relu=True):
            super().__init__()
            out_ch = width * expansion
            s1, s2 = (stride, 1) if stride_first else (1, stride)
            self.downsample = projection(in_ch, out_ch, stride, projection_mode, proj_bn)
            self.conv1 = nn.Conv2d(in_ch, width, 1, stride=s1, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.conv2 = nn.Conv2d(width, width, 3, stride=s2, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(width)
            self.conv3 = nn.Conv2d(width, out_ch, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(out_ch)
            self.mode = (relu_first, no_final_relu, both_relu)
            self.middle_relu = middle_relu

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out = F.relu(out) if self.middle_relu else out
            out = self.bn3(self.conv3(out))
            shortcut = x if self.downsample is None else self.downsample(x)
            return _join(F, out, shortcut, *self.mode)

    return WrongBasic, WrongBottleneck


def _join(F: Any, out: Any, shortcut: Any, relu_first: bool, no_final_relu: bool,
          both_relu: bool) -> Any:
    if relu_first:
        return F.relu(out) + shortcut
    if both_relu:
        return F.relu(F.relu(out) + shortcut)
    if no_final_relu:
        return out + shortcut
    return F.relu(out + shortcut)


def _wrong_basic(in_ch: int, out_ch: int, stride: int = 1, **options):
    return _wrong_classes()[0](in_ch, out_ch, stride, **options)


def _wrong_bottleneck(in_ch: int, width: int, stride: int = 1, **options):
    return _wrong_classes()[1](in_ch, width, stride, **options)


RELU_FIRST = ("the ReLU is applied before the addition and none after it: the block adds the "
              "shortcut to the last batch norm's output, then applies the ReLU, "
              "out = relu(bn(conv(...)) + shortcut(x))")
NO_FINAL_RELU = ("the ReLU after the addition is missing: out = relu(bn(conv(...)) + "
                 "shortcut(x)); the ReLU after the sum is part of the block")
BOTH_RELU = ("a ReLU is applied before the addition as well as after it: the last batch norm's "
             "output goes into the sum as it is, out = relu(bn(conv(...)) + shortcut(x))")
NO_PROJECTION = ("the projection is missing where the shape changes (stride 2, or other "
                 "channels): x cannot be added to an output of another shape; the shortcut is "
                 "then a 1x1 convolution with the block's stride and no bias, followed by "
                 "nn.BatchNorm2d")
ALWAYS_PROJECTION = ("a projection where the shape does not change: with stride 1 and as many "
                     "output channels as input channels, the shortcut is x itself (the "
                     "identity, no parameters)")
PROJECTION_NO_BN = ("the projection has no batch norm: torchvision's downsample is a 1x1 "
                    "convolution (no bias) followed by nn.BatchNorm2d")

BASIC_MISTAKES = {
    RELU_FIRST: {"relu_first": True},
    NO_FINAL_RELU: {"no_final_relu": True},
    BOTH_RELU: {"both_relu": True},
    NO_PROJECTION: {"projection_mode": "never"},
    ALWAYS_PROJECTION: {"projection_mode": "always"},
    PROJECTION_NO_BN: {"proj_bn": False},
    "the convolutions have a bias: a convolution followed by batch norm needs none "
    "(bias=False), the batch norm's shift does its job": {"bias": True},
    "the stride is on the second 3x3 convolution; the first one (conv1) carries the block's "
    "stride, the second has stride 1": {"stride_second": True},
    "the second batch norm is missing: conv2 is followed by nn.BatchNorm2d(out_ch) before the "
    "addition": {"bn2": False},
}

BOTTLENECK_MISTAKES = {
    "the stride is on the first 1x1 convolution, as in the paper (ResNet v1); torchvision's "
    "bottleneck (ResNet v1.5, this notebook's) puts it on the 3x3 convolution, conv2":
        {"stride_first": True},
    RELU_FIRST: {"relu_first": True},
    NO_FINAL_RELU: {"no_final_relu": True},
    BOTH_RELU: {"both_relu": True},
    NO_PROJECTION: {"projection_mode": "never"},
    ALWAYS_PROJECTION: {"projection_mode": "always"},
    PROJECTION_NO_BN: {"proj_bn": False},
    "the expansion is missing: conv3 expands to 4 * width channels (expansion = 4), so the "
    "block's output has 4 * width channels": {"expansion": 1},
    "the ReLU after the 3x3 convolution's batch norm is missing: relu(bn2(conv2(...))) goes "
    "into conv3": {"middle_relu": False},
}


# ----------------------------------------------------------------------------- BasicBlock


def _basic_full(rng):
    for args, shape in (((64, 64), (1, 64, 56, 56)), ((64, 128, 2), (1, 64, 56, 56)),
                        ((256, 512, 2), (1, 256, 14, 14)), ((512, 512), (1, 512, 7, 7))):
        yield model_case(f"BasicBlock{args} on {_dims(shape)}, "
                         "counted on the meta device", args, input_shape=shape, function=False,
                         stages=False)


def _block_cases(block: str, settings, training: bool = False):
    """Model cases of a block class: (constructor args, input shape) pairs with seeded weights,
    in eval mode, or in training mode (batch norm on the batch's statistics)."""
    mode = "training mode (batch norm on the batch's statistics)" if training else "eval mode"
    for seed, (args, shape) in enumerate(settings):
        yield model_case(f"{block}{args} on {_dims(shape)}, seeded weights, {mode}", args,
                         input_shape=shape, stages=False, seed=seed + (10 if training else 0),
                         training=training)


def _basic_function(rng):
    yield from _block_cases("BasicBlock", [
        ((4, 4), (2, 4, 6, 6)), ((4, 8, 2), (2, 4, 7, 7)), ((6, 6, 2), (1, 6, 8, 5)),
        ((8, 4), (2, 8, 5, 6)), ((3, 5), (1, 3, 4, 4))])


def _basic_training(rng):
    # a projection block too: the probe restores batch norm's running statistics after its
    # training-mode pass, so the definition-order pass sees the block as built
    yield from _block_cases("BasicBlock", [((5, 5), (2, 5, 4, 4)), ((3, 3), (2, 3, 5, 6)),
                                           ((4, 6, 2), (2, 4, 6, 5))], training=True)


def _block_bad(name: str):
    def cases(rng):
        probe = ModelProbe((1, 4, 8, 8), function=False, stages=False)
        yield Case(f"{name}(0, 8): no input channels", (0, 8), raises=ValueError, probe=probe)
        yield Case(f"{name}(4, 0)", (4, 0), raises=ValueError, probe=probe)
        yield Case(f"{name}(4, 8, stride=0)", (4, 8), {"stride": 0}, raises=ValueError,
                   probe=probe)
        yield Case(f"{name}(4.0, 8): a float", (4.0, 8), raises=ValueError, probe=probe)
    return cases


register(ResNetExercise(
    name="BasicBlock", reference="BasicBlock", seed=8030,
    groups=[
        Group("the blocks of ResNet-18 and -34 at full size (counted on the meta device)", 1.5,
              _basic_full),
        Group("reduced blocks with seeded weights (identity, stride 2, other channels)", 2.5,
              _basic_function),
        Group("batch norm in training mode", 0.5, _basic_training),
        Group("bad input raises ValueError", 0.5, _block_bad("BasicBlock")),
    ],
    mistakes=[Mistake(text, partial(_wrong_basic, **options))
              for text, options in BASIC_MISTAKES.items()],
))


# ----------------------------------------------------------------------------- Bottleneck


def _bottleneck_full(rng):
    for args, shape in (((64, 64), (1, 64, 56, 56)), ((256, 64), (1, 256, 56, 56)),
                        ((256, 128, 2), (1, 256, 56, 56)), ((1024, 512, 2), (1, 1024, 14, 14)),
                        ((2048, 512), (1, 2048, 7, 7))):
        yield model_case(f"Bottleneck{args} on {_dims(shape)}, "
                         "counted on the meta device", args, input_shape=shape, function=False,
                         stages=False)


def _bottleneck_function(rng):
    yield from _block_cases("Bottleneck", [
        ((8, 2), (2, 8, 5, 5)), ((4, 2), (2, 4, 6, 6)), ((8, 3, 2), (2, 8, 7, 7)),
        ((12, 3, 2), (1, 12, 6, 9)), ((5, 1), (1, 5, 4, 3))])


def _bottleneck_training(rng):
    yield from _block_cases("Bottleneck", [((8, 2), (2, 8, 3, 3)), ((12, 3), (2, 12, 4, 5)),
                                           ((6, 2, 2), (2, 6, 5, 5))], training=True)


register(ResNetExercise(
    name="Bottleneck", reference="Bottleneck", seed=8040,
    groups=[
        Group("the blocks of ResNet-50 to -152 at full size (counted on the meta device)", 1.5,
              _bottleneck_full),
        Group("reduced blocks with seeded weights (identity, projection, stride 2)", 2.5,
              _bottleneck_function),
        Group("batch norm in training mode", 0.5, _bottleneck_training),
        Group("bad input raises ValueError", 0.5, _block_bad("Bottleneck")),
    ],
    mistakes=[Mistake(text, partial(_wrong_bottleneck, **options))
              for text, options in BOTTLENECK_MISTAKES.items()],
))


# ----------------------------------------------------------------------------- resnet


def _wrong_resnet(block_name: str, layers, num_classes: int = 1000, width: int = 64, *,
                  maxpool: bool = True, stem_kernel: int = 7, stem_bn: bool = True,
                  first_stride: int = 1, expansion: bool = True, one_block: bool = False,
                  double: bool = True, classes: bool = True, last_downsamples: bool = False):
    """resnet_by_name with one mistake switched on, built from the reference blocks."""
    from collections import OrderedDict

    from torch import nn

    block = ref(block_name)
    parts: OrderedDict[str, Any] = OrderedDict(
        conv1=nn.Conv2d(3, width, stem_kernel, stride=2, padding=stem_kernel // 2, bias=False))
    if stem_bn:
        parts["bn1"] = nn.BatchNorm2d(width)
    parts["relu"] = nn.ReLU(inplace=True)
    if maxpool:
        parts["maxpool"] = nn.MaxPool2d(3, stride=2, padding=1)
    channels = width
    for k, n_blocks in enumerate(layers):
        planes = width * 2 ** k if double else width
        blocks = []
        n = 1 if one_block else int(n_blocks)
        for i in range(n):
            down = (n - 1 if last_downsamples else 0) == i
            stride = (2 if k > 0 else first_stride) if down else 1
            blocks.append(block(channels, planes, stride))
            channels = planes * block.expansion if expansion else planes
        parts[f"layer{k + 1}"] = nn.Sequential(*blocks)
    parts["avgpool"] = nn.AdaptiveAvgPool2d((1, 1))
    parts["flatten"] = nn.Flatten()
    parts["fc"] = nn.Linear(channels, num_classes if classes else 1000)
    return nn.Sequential(parts)


RESNET_MISTAKES = {
    "the stem has no max pooling: torchvision's stem ends in nn.MaxPool2d(3, stride=2, "
    "padding=1), which halves the maps again (224 -> 112 -> 56 before the first stage)":
        {"maxpool": False},
    "the stem's convolution is 3x3 (as in the paper's CIFAR networks); the ImageNet ResNets "
    "start with nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)": {"stem_kernel": 3},
    "the stem has no batch norm: its convolution is followed by nn.BatchNorm2d(width) and a "
    "ReLU": {"stem_bn": False},
    "the first stage halves the maps too: its first block has stride 1 (the stem already "
    "reduced 224 to 56); only stages 2 to 4 start with stride 2": {"first_stride": 2},
    "the expansion is ignored: after a block the maps have planes * block.expansion channels "
    "(4 * planes for a Bottleneck), the next block's in_ch and, at the end, the fc layer's "
    "input": {"expansion": False},
    "layers is ignored: stage k has layers[k] blocks, not one": {"one_block": True},
    "the widths do not double: stage k has planes = width * 2**k (64, 128, 256, 512)":
        {"double": False},
    "num_classes is ignored: the fc layer has num_classes outputs": {"classes": False},
    "the stride is on the last block of each stage; the first block of stages 2 to 4 has "
    "stride 2 (it changes the shape, with its projection), the others stride 1":
        {"last_downsamples": True},
}


# the stage tables of He et al. 2016, Table 1 (the notebook's RESNETS)
STAGE_TABLES = {"ResNet-18": ("BasicBlock", (2, 2, 2, 2)), "ResNet-34": ("BasicBlock", (3, 4, 6, 3)),
                "ResNet-50": ("Bottleneck", (3, 4, 6, 3)), "ResNet-101": ("Bottleneck", (3, 4, 23, 3)),
                "ResNet-152": ("Bottleneck", (3, 8, 36, 3))}


def _resnet_full(rng):
    for name, (block, layers) in STAGE_TABLES.items():
        yield model_case(f"{name}: resnet_by_name({block!r}, {list(layers)}), full size, counted "
                         "on the meta device", (block, list(layers)),
                         input_shape=(1, 3, 224, 224), function=False, stages=False)


def _resnet_other(rng):
    yield model_case("resnet_by_name('BasicBlock', [2, 2, 2, 2], num_classes=10), full size",
                     ("BasicBlock", [2, 2, 2, 2], 10), input_shape=(1, 3, 224, 224),
                     function=False, stages=False)
    yield model_case("resnet_by_name('Bottleneck', [3, 4, 6, 3], 200, width=32), counted",
                     ("Bottleneck", [3, 4, 6, 3], 200), {"width": 32},
                     input_shape=(1, 3, 160, 160), function=False, stages=False)
    yield model_case("resnet_by_name('BasicBlock', [1, 2, 3, 1], 5, width=16) on 1x3x96x96, "
                     "counted", ("BasicBlock", [1, 2, 3, 1], 5), {"width": 16},
                     input_shape=(1, 3, 96, 96), function=False, stages=False)


def _resnet_function(rng):
    settings = [(("BasicBlock", [1, 1, 1, 1], 10), 4, (2, 3, 32, 32)),
                (("Bottleneck", [1, 1, 1, 1], 7), 2, (1, 3, 32, 32)),
                (("BasicBlock", [2, 1, 1, 2], 5), 4, (1, 3, 40, 36)),
                (("Bottleneck", [2, 1, 2, 1], 10), 2, (2, 3, 32, 32))]
    for seed, (args, width, shape) in enumerate(settings):
        yield model_case(f"resnet_by_name({args[0]!r}, {args[1]}, {args[2]}, width={width}) on "
                         f"{_dims(shape)}, seeded weights",
                         args, {"width": width}, input_shape=shape, stages=False, seed=seed)


def _resnet_bad(rng):
    probe = ModelProbe((1, 3, 64, 64), function=False, stages=False)
    yield Case("three stages: layers = [2, 2, 2]", ("BasicBlock", [2, 2, 2]), raises=ValueError,
               probe=probe)
    yield Case("a stage of 0 blocks: layers = [2, 0, 2, 2]", ("BasicBlock", [2, 0, 2, 2]),
               raises=ValueError, probe=probe)
    yield Case("num_classes = 0", ("Bottleneck", [1, 1, 1, 1], 0), raises=ValueError,
               probe=probe)
    yield Case("width = 0", ("BasicBlock", [1, 1, 1, 1], 10), {"width": 0}, raises=ValueError,
               probe=probe)


register(ResNetExercise(
    name="resnet", reference="resnet_by_name", seed=8050,
    groups=[
        Group("ResNet-18, -34, -50, -101 and -152 at full size (counted on the meta device)", 2,
              _resnet_full),
        Group("other numbers of classes and widths (counted on the meta device)", 1,
              _resnet_other),
        Group("reduced ResNets with seeded weights", 2.5, _resnet_function),
        Group("bad input raises ValueError", 0.5, _resnet_bad),
    ],
    mistakes=[Mistake(text, partial(_wrong_resnet, **options))
              for text, options in RESNET_MISTAKES.items()],
))
