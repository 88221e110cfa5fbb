"""Hidden checks for notebook 09, DenseNet: channel arithmetic, the three layer classes, networks
from configurations, and the memory cost of concatenation.

``densenet_channels`` and ``concat_memory`` return counts (a tuple of ints, an int), compared
with the reference on fixed and seeded random cases; a float where a count belongs fails
(``int_result``). ``DenseLayer``, ``DenseBlock``, ``Transition`` and ``densenet`` are graded as
models (:mod:`autograder.checks.models`): full-size layers, blocks and networks counted on the
meta device, the function compared at reduced widths with seeded weights, in eval mode and (the
layer classes) in training mode, batch norm on the batch's statistics. ``DenseBlock`` is graded
with the learner's own ``DenseLayer``, and ``densenet`` with their ``DenseBlock`` and
``Transition``, as the notebook builds them: a wrong layer costs points there too. The per-stage
counts are not compared (``stages=False``): a correct network may group its modules in any way.

The reference module ``solutions.densenet`` shares its name with the function ``densenet``;
:func:`autograder.checks.exercises.common.ref` reads the function from the module.
"""

from __future__ import annotations

import functools
import math
from functools import partial
from typing import Any

from autograder.checks.core import Case, Exercise, Group, Mistake, register
from autograder.checks.exercises.common import ref
from autograder.checks.models import ModelProbe, model_case


def _fixed(*cases: Case):
    return lambda rng: iter(cases)


def _dims(shape) -> str:
    return "x".join(str(int(s)) for s in shape)


# ----------------------------------------------------------------------------- densenet_channels


def _wrong_channels(num_init_features, growth_rate, block_config, compression=0.5, *,
                    per_block: bool = False, last: bool = False, start: bool = True,
                    rounding: str = "floor", compress: str = "theta", with_stem: bool = False,
                    transitions: bool = True) -> tuple[int, ...]:
    """densenet_channels with one mistake switched on."""
    c = int(num_init_features) if start else 0
    out = [c] if with_stem else []
    blocks = list(block_config)
    for i, n in enumerate(blocks):
        c += int(growth_rate) * (1 if per_block else int(n))
        out.append(c)
        if i < len(blocks) - 1 or last:
            theta = {"theta": compression, "half": 0.5, "none": 1}[compress]
            c = {"floor": math.floor, "ceil": math.ceil, "round": round}[rounding](theta * c)
            if transitions:
                out.append(c)
    return tuple(out)


CHANNEL_MISTAKES = {
    "the growth is added once per block: every layer of a block adds k channels, so a block of "
    "n layers adds n * k": {"per_block": True},
    "a transition follows the last block too: after the last dense block come the final batch "
    "norm and the classifier, no compression (there are len(block_config) - 1 transitions)": {
        "last": True},
    "the initial features are forgotten: the first block starts from the stem's "
    "num_init_features channels, and adds its n * k to them": {"start": False},
    "the compression rounds up: a transition keeps floor(compression * c) channels (7.5 -> 7)": {
        "rounding": "ceil"},
    "the compression rounds to the nearest: a transition keeps floor(compression * c) channels, "
    "rounded down (round(7.5) is 8, and round(6.5) is 6)": {"rounding": "round"},
    "compression is ignored and every transition halves the channels: it keeps "
    "floor(compression * c)": {"compress": "half"},
    "compression is not applied: a transition keeps floor(compression * c) of its c channels": {
        "compress": "none"},
    "the stem's channels are listed first: the tuple starts with the channels after dense "
    "block 1": {"with_stem": True},
    "the transitions are left out of the tuple: it lists the channels after every block and "
    "after every transition, alternately": {"transitions": False},
}


def _channels_torchvision(rng):
    for name, (k, blocks, init) in ref("DENSENETS").items():
        yield Case(f"{name}: densenet_channels({init}, {k}, {blocks})", (init, k, blocks))


def _channels_other(rng):
    yield Case("densenet_channels(16, 5, (3, 3), compression=0.75): 31 channels keep "
               "floor(23.25) = 23", (16, 5, (3, 3)), {"compression": 0.75})
    yield Case("DenseNet-BC for CIFAR (L = 100, k = 12): densenet_channels(24, 12, (16, 16, 16))",
               (24, 12, (16, 16, 16)))
    yield Case("compression=1 (DenseNet-B, no compression): densenet_channels(16, 12, [4, 4, 4])",
               (16, 12, [4, 4, 4]), {"compression": 1})
    yield Case("one block, no transition: densenet_channels(2, 1, (1,))", (2, 1, (1,)))
    yield Case("odd counts halved: densenet_channels(13, 3, (2, 3, 2))", (13, 3, (2, 3, 2)))


THETAS = (0.5, 0.25, 0.75, 1.0, 0.375, 0.625)  # exact in binary: floor(theta * c) is exact


def _channels_random(rng):
    trial = 0
    while trial < 8:
        init, k = int(rng.integers(1, 129)), int(rng.integers(1, 49))
        blocks = tuple(int(n) for n in rng.integers(1, 49, int(rng.integers(1, 6))))
        theta = float(rng.choice(THETAS))
        if min(ref("densenet_channels")(init, k, blocks, theta)) < 1:
            continue  # a transition would keep no channels
        blocks = list(blocks) if trial % 2 else blocks
        yield Case(f"random {trial}: densenet_channels({init}, {k}, {blocks}, compression="
                   f"{theta})", (init, k, blocks), {"compression": theta})
        trial += 1


def _channels_bad(rng):
    for label, args, kwargs in (
            ("num_init_features=0", (0, 32, (6, 12)), {}),
            ("growth_rate=0", (64, 0, (6, 12)), {}),
            ("an empty block_config ()", (64, 32, ()), {}),
            ("a block of 0 layers: (6, 0, 24)", (64, 32, (6, 0, 24)), {}),
            ("a float in block_config: (6.0, 12)", (64, 32, (6.0, 12)), {}),
            ("num_init_features=64.0 (a float)", (64.0, 32, (6, 12)), {}),
            ("compression=0", (64, 32, (6, 12)), {"compression": 0.0}),
            ("compression=1.5", (64, 32, (6, 12)), {"compression": 1.5}),
            ("compression=-0.5", (64, 32, (6, 12)), {"compression": -0.5}),
            ("block_config='6,12' (a string)", (64, 32, "6,12"), {}),
            ("growth_rate=True (a bool)", (64, True, (6, 12)), {}),
            ("num_init_features=True (a bool)", (True, 32, (6, 12)), {}),
            ("a bool in block_config: (6, True)", (64, 32, (6, True)), {})):
        yield Case(label, args, kwargs, raises=ValueError)


register(Exercise(
    name="densenet_channels", reference="densenet_channels", seed=9010, int_result=True,
    groups=[
        Group("torchvision's four DenseNets", 1, _channels_torchvision),
        Group("other compressions, odd counts, one block", 1, _channels_other),
        Group("random configurations and compressions", 1.5, _channels_random),
        Group("bad input raises ValueError", 0.5, _channels_bad),
    ],
    mistakes=[Mistake(text, partial(_wrong_channels, **options))
              for text, options in CHANNEL_MISTAKES.items()],
))


# ----------------------------------------------------------------------------- wrong models
# layers, blocks and networks with one mistake switched on (the checks' catalogue), built like
# the references so that only the mistake differs


@functools.cache
def _wrong_classes() -> tuple[type, type, type]:
    import torch
    import torch.nn.functional as F
    from torch import nn

    class WrongLayer(nn.Module):
        def __init__(self, in_ch: int, growth_rate: int, bn_size: int = 4, *,
                     post_activation=False, reversed_order=False, width="bn_size", concat=True,
                     padding=1, bias=False, relu1=True, relu2=True, swap_kernels=False,
                     normalized_input=False):
            super().__init__()
            k = growth_rate
            mid = {"bn_size": bn_size * k, "k": k, "4k": 4 * k}[width]
            k1, k2 = (3, 1) if swap_kernels else (1, 3)
            self.post = post_activation
            self.norm1 = nn.BatchNorm2d(mid if post_activation else in_ch)
            self.conv1 = nn.Conv2d(in_ch, mid, k1, padding=k1 // 2 if swap_kernels else 0,
                                   bias=bias)
            self.norm2 = nn.BatchNorm2d(k if post_activation else mid)
            self.conv2 = nn.Conv2d(mid, k, k2, padding=0 if swap_kernels else padding, bias=bias)
            self.options = (reversed_order, concat, relu1, relu2, normalized_input)

        def forward(self, x):
            reversed_order, concat, relu1, relu2, normalized_input = self.options
            act1 = F.relu if relu1 else (lambda t: t)
            act2 = F.relu if relu2 else (lambda t: t)
            if self.post:  # conv, BN, ReLU (ResNet's order)
                new = act2(self.norm2(self.conv2(act1(self.norm1(self.conv1(x))))))
            else:
                h = act1(self.norm1(x))
                new = self.conv2(act2(self.norm2(self.conv1(h))))
                x = h if normalized_input else x  # x overwritten: x = relu(norm1(x))
            if not concat:
                return new
            return torch.cat([new, x] if reversed_order else [x, new], dim=1)

    class WrongBlock(nn.Module):
        def __init__(self, num_layers: int, in_ch: int, growth_rate: int, bn_size: int = 4, *,
                     grow=True, offset=0, extra=0, again=False, chain=False, fixed_bn=False):
            super().__init__()
            layer = ref("DenseLayer")
            self.again = again
            size = 4 if fixed_bn else bn_size
            self.layers = nn.ModuleList()
            for i in range(num_layers + extra):
                if chain:  # a plain chain: each layer reads only the previous layer's k maps
                    c = in_ch if i == 0 else growth_rate
                    self.layers.append(WrongLayer(c, growth_rate, size, concat=False))
                else:
                    c = in_ch + ((i + offset) * growth_rate if grow else 0)
                    self.layers.append(layer(c, growth_rate, size))

        def forward(self, x):
            out = x
            for layer in self.layers:
                out = layer(out)
            return torch.cat([x, out], dim=1) if self.again else out

    class WrongTransition(nn.Module):
        def __init__(self, in_ch: int, out_ch: int, *, post_activation=False, pool="avg",
                     pool_first=False, kernel=1, bias=False, relu=True, stride=2):
            super().__init__()
            self.post = post_activation
            self.norm = nn.BatchNorm2d(out_ch if post_activation else in_ch)
            self.conv = nn.Conv2d(in_ch, out_ch, kernel, padding=kernel // 2, bias=bias)
            self.pool = {"avg": nn.AvgPool2d(2, stride=stride), "max": nn.MaxPool2d(2, stride),
                         "none": nn.Identity()}[pool]
            self.pool_first, self.relu = pool_first, relu

        def forward(self, x):
            act = F.relu if self.relu else (lambda t: t)
            if self.pool_first:
                x = self.pool(x)
            if self.post:
                out = act(self.norm(self.conv(x)))
            else:
                out = self.conv(act(self.norm(x)))
            return out if self.pool_first else self.pool(out)

    return WrongLayer, WrongBlock, WrongTransition


def _wrong_layer(in_ch: int, growth_rate: int, bn_size: int = 4, **options):
    return _wrong_classes()[0](in_ch, growth_rate, bn_size, **options)


def _wrong_block(num_layers: int, in_ch: int, growth_rate: int, bn_size: int = 4, **options):
    return _wrong_classes()[1](num_layers, in_ch, growth_rate, bn_size, **options)


def _wrong_transition(in_ch: int, out_ch: int, **options):
    return _wrong_classes()[2](in_ch, out_ch, **options)


POST_ACTIVATION = ("the convolutions come before their batch norms (post-activation, ResNet's "
                   "order); DenseNet's layer is pre-activation: BN, ReLU, then the convolution, "
                   "so each batch norm normalizes what the convolution after it reads")
LAYER_MISTAKES = {
    POST_ACTIVATION: ({"post_activation": True}, False),
    "the layer concatenates relu(norm1(x)), not its input: x was overwritten (x = "
    "F.relu(self.norm1(x))); the output starts with the input x itself, unchanged, so that "
    "every later layer (and its own batch norm) reads the original maps": (
        {"normalized_input": True}, False),
    "the concatenation order is reversed: the input comes first, then the k new maps, "
    "torch.cat([x, new], dim=1), so that every block's output starts with its input": (
        {"reversed_order": True}, False),
    "the bottleneck width is k: the 1x1 convolution makes bn_size * k channels (4k in "
    "DenseNet-BC), and the 3x3 convolution reduces them to k": ({"width": "k"}, False),
    "bn_size is ignored: the bottleneck has bn_size * k channels (4k only when bn_size = 4)": (
        {"width": "4k"}, False),
    "the layer returns only its k new maps (as torchvision's _DenseLayer, whose block "
    "concatenates); this DenseLayer returns torch.cat([x, new], dim=1)": ({"concat": False}, False),
    "the 3x3 convolution has no padding: with padding=1 it keeps H x W, so that its maps can be "
    "concatenated with the input": ({"padding": 0}, True),
    "the convolutions have a bias: a convolution followed by batch norm needs none (bias=False)": (
        {"bias": True}, False),
    "the ReLU after the first batch norm is missing: relu(norm1(x)) goes into the 1x1 "
    "convolution": ({"relu1": False}, False),
    "the ReLU after the second batch norm is missing: relu(norm2(...)) goes into the 3x3 "
    "convolution": ({"relu2": False}, False),
    "the kernels are swapped: the bottleneck is a 1x1 convolution (to bn_size * k channels), "
    "then a 3x3 convolution (to k)": ({"swap_kernels": True}, False),
}

BLOCK_MISTAKES = {
    "every layer is built for the block's input channels: layer i reads in_ch + i * k channels "
    "(the input and the k new maps of each layer before it)": ({"grow": False}, True),
    "layer i is built for in_ch + (i + 1) * k channels: the first layer reads the block's input "
    "alone, in_ch channels": ({"offset": 1}, True),
    "the block has one layer too many: range(num_layers) builds num_layers layers": (
        {"extra": 1}, False),
    "the block has one layer too few: range(num_layers) builds num_layers layers": (
        {"extra": -1}, False),
    "the block concatenates its input again: each DenseLayer already returns its input "
    "followed by its new maps, so the block only chains the layers": ({"again": True}, False),
    "the layers are chained as in a plain network, each reading only the previous layer's "
    "maps: in a dense block every layer reads the concatenation of everything before it": (
        {"chain": True}, False),
    "bn_size is not passed on: every DenseLayer gets the block's bn_size": (
        {"fixed_bn": True}, False),
}

TRANSITION_MISTAKES = {
    "the convolution comes before the batch norm (post-activation); a transition is BN, ReLU, "
    "1x1 convolution, then 2x2 average pooling": ({"post_activation": True}, False),
    "the pooling is max pooling: a transition averages, nn.AvgPool2d(2, stride=2)": (
        {"pool": "max"}, False),
    "the pooling comes before the convolution: BN, ReLU, 1x1 convolution, then the pooling (the "
    "convolution runs on the full-size maps)": ({"pool_first": True}, False),
    "the pooling is missing: a transition halves H and W with nn.AvgPool2d(2, stride=2)": (
        {"pool": "none"}, False),
    "the pooling has stride 1: nn.AvgPool2d(2, stride=2) halves H and W": ({"stride": 1}, False),
    "the convolution is 3x3: a transition's convolution is 1x1, it only mixes (and compresses) "
    "the channels": ({"kernel": 3}, False),
    "the convolution has a bias: as every convolution of DenseNet it has bias=False (the next "
    "layer's batch norm shifts its output anyway)": ({"bias": True}, False),
    "the ReLU is missing: norm, ReLU, conv, pool (torchvision's transition)": (
        {"relu": False}, False),
}


# ----------------------------------------------------------------------------- DenseLayer


def _layer_full(rng):
    for args, shape, what in (((64, 32), (1, 64, 56, 56), "DenseNet-121's first layer"),
                              ((992, 32), (1, 992, 14, 14), "the last layer of DenseNet-121's "
                                                            "third block"),
                              ((96, 48), (1, 96, 56, 56), "DenseNet-161's first layer"),
                              ((256, 32, 2), (1, 256, 28, 28), "bn_size=2")):
        yield model_case(f"DenseLayer{args} on {_dims(shape)} ({what}), counted on the meta "
                         "device", args, input_shape=shape, function=False, stages=False)


def _layer_function(rng):
    settings = [((4, 2), (2, 4, 6, 6)), ((6, 3, 2), (2, 6, 5, 7)), ((3, 5), (1, 3, 4, 4)),
                ((8, 4, 1), (2, 8, 3, 5)), ((5, 2, 3), (1, 5, 6, 3))]
    for seed, (args, shape) in enumerate(settings):
        yield model_case(f"DenseLayer{args} on {_dims(shape)}, seeded weights, eval mode", args,
                         input_shape=shape, stages=False, seed=seed)


def _layer_training(rng):
    for seed, (args, shape) in enumerate((((5, 2), (2, 5, 4, 4)), ((3, 4, 2), (2, 3, 5, 6)))):
        yield model_case(f"DenseLayer{args} on {_dims(shape)} in training mode (batch norm on "
                         "the batch's statistics)", args, input_shape=shape, stages=False,
                         seed=10 + seed, training=True)


def _bad(name: str, cases: tuple, shape: tuple):
    def generate(rng):
        probe = ModelProbe(shape, function=False, stages=False)
        for label, args, kwargs in cases:
            yield Case(f"{name}{label}", args, kwargs, raises=ValueError, probe=probe)
    return generate


register(Exercise(
    name="DenseLayer", reference="DenseLayer", seed=9020,
    groups=[
        Group("layers of DenseNet-121 and -161 at full size (counted on the meta device)", 1.5,
              _layer_full),
        Group("reduced layers with seeded weights (other bn_size, non-square maps)", 2.5,
              _layer_function),
        Group("batch norm in training mode", 0.5, _layer_training),
        Group("bad input raises ValueError", 0.5, _bad("DenseLayer", (
            ("(0, 8): no input channels", (0, 8), {}), ("(4, 0): no growth", (4, 0), {}),
            ("(4, 8, bn_size=0)", (4, 8), {"bn_size": 0}),
            ("(4.0, 8): a float", (4.0, 8), {})), (1, 4, 8, 8))),
    ],
    mistakes=[Mistake(text, partial(_wrong_layer, **options), partial=crashes)
              for text, (options, crashes) in LAYER_MISTAKES.items()],
))


# ----------------------------------------------------------------------------- DenseBlock


def _block_full(rng):
    for n, c, side in ((6, 64, 56), (12, 128, 28), (24, 256, 14), (16, 512, 7)):
        yield model_case(f"DenseBlock({n}, {c}, 32) on 1x{c}x{side}x{side} (a block of "
                         "DenseNet-121), counted on the meta device", (n, c, 32),
                         input_shape=(1, c, side, side), function=False, stages=False)


def _block_function(rng):
    settings = [((3, 4, 2), {}, (2, 4, 5, 5)), ((2, 3, 3), {"bn_size": 2}, (2, 3, 6, 4)),
                ((4, 2, 1), {}, (1, 2, 4, 4)), ((1, 5, 3), {}, (2, 5, 3, 3))]
    for seed, (args, kwargs, shape) in enumerate(settings):
        call = ", ".join([*map(str, args), *(f"{k}={v}" for k, v in kwargs.items())])
        yield model_case(f"DenseBlock({call}) on {_dims(shape)}, seeded weights, eval mode",
                         args, kwargs, input_shape=shape, stages=False, seed=seed)


def _block_training(rng):
    yield model_case("DenseBlock(2, 3, 2) on 2x3x4x5 in training mode (batch norm on the "
                     "batch's statistics)", (2, 3, 2), input_shape=(2, 3, 4, 5), stages=False,
                     seed=10, training=True)


register(Exercise(
    name="DenseBlock", reference="DenseBlock", seed=9030,
    groups=[
        Group("the four blocks of DenseNet-121 at full size (counted on the meta device)", 1,
              _block_full),
        Group("reduced blocks with seeded weights", 1.5, _block_function),
        Group("batch norm in training mode", 0.25, _block_training),
        Group("bad input raises ValueError", 0.25, _bad("DenseBlock", (
            ("(0, 4, 2): no layers", (0, 4, 2), {}), ("(2, 0, 2): no input channels", (2, 0, 2), {}),
            ("(2, 4, 0): no growth", (2, 4, 0), {}), ("(2.0, 4, 2): a float", (2.0, 4, 2), {})),
            (1, 4, 8, 8))),
    ],
    mistakes=[Mistake(text, partial(_wrong_block, **options), partial=crashes)
              for text, (options, crashes) in BLOCK_MISTAKES.items()],
))


# ----------------------------------------------------------------------------- Transition


def _transition_full(rng):
    for c, side in ((256, 56), (512, 28), (1024, 14), (2112, 14)):
        yield model_case(f"Transition({c}, {c // 2}) on 1x{c}x{side}x{side}, counted on the meta "
                         "device", (c, c // 2), input_shape=(1, c, side, side), function=False,
                         stages=False)


def _transition_function(rng):
    settings = [((4, 2), (2, 4, 6, 6)), ((6, 3), (2, 6, 7, 5)), ((3, 5), (1, 3, 4, 8)),
                ((5, 5), (2, 5, 2, 2))]
    for seed, (args, shape) in enumerate(settings):
        yield model_case(f"Transition{args} on {_dims(shape)}, seeded weights, eval mode", args,
                         input_shape=shape, stages=False, seed=seed)


def _transition_training(rng):
    yield model_case("Transition(4, 2) on 2x4x4x4 in training mode (batch norm on the batch's "
                     "statistics)", (4, 2), input_shape=(2, 4, 4, 4), stages=False, seed=10,
                     training=True)


register(Exercise(
    name="Transition", reference="Transition", seed=9040,
    groups=[
        Group("the transitions of DenseNet-121 and -161 at full size (counted on the meta "
              "device)", 1, _transition_full),
        Group("reduced transitions with seeded weights (odd sizes: the pooling floors)", 1.5,
              _transition_function),
        Group("batch norm in training mode", 0.25, _transition_training),
        Group("bad input raises ValueError", 0.25, _bad("Transition", (
            ("(0, 4)", (0, 4), {}), ("(4, 0)", (4, 0), {}), ("(4.5, 2): a float", (4.5, 2), {}),
            ("(4, True): a bool", (4, True), {})), (1, 4, 8, 8))),
    ],
    mistakes=[Mistake(text, partial(_wrong_transition, **options), partial=crashes)
              for text, (options, crashes) in TRANSITION_MISTAKES.items()],
))


# ----------------------------------------------------------------------------- densenet


def _wrong_densenet(growth_rate: int, block_config, num_init_features: int,
                    num_classes: int = 1000, *, compress: bool = True, last: bool = False,
                    norm5: bool = True, relu5: bool = True, stem_kernel: int = 7,
                    maxpool: bool = True, stem_bn: bool = True, classes: bool = True,
                    growth_per_block: bool = False):
    """densenet with one mistake switched on, built from the reference classes."""
    from collections import OrderedDict

    from torch import nn

    block, transition = ref("DenseBlock"), ref("Transition")
    parts: OrderedDict[str, Any] = OrderedDict(
        conv0=nn.Conv2d(3, num_init_features, stem_kernel, stride=2, padding=stem_kernel // 2,
                        bias=False))
    if stem_bn:
        parts["norm0"] = nn.BatchNorm2d(num_init_features)
    parts["relu0"] = nn.ReLU(inplace=True)
    if maxpool:
        parts["pool0"] = nn.MaxPool2d(3, stride=2, padding=1)
    c = num_init_features
    blocks = list(block_config)
    for i, n in enumerate(blocks):
        parts[f"denseblock{i + 1}"] = block(n, c, growth_rate)
        c += growth_rate if growth_per_block else n * growth_rate
        if i < len(blocks) - 1 or last:
            out = c // 2 if compress else c
            parts[f"transition{i + 1}"] = transition(c, out)
            c = out
    if norm5:
        parts["norm5"] = nn.BatchNorm2d(c)
    head: OrderedDict[str, Any] = OrderedDict(features=nn.Sequential(parts))
    if relu5:
        head["relu"] = nn.ReLU(inplace=True)
    head["pool"] = nn.AdaptiveAvgPool2d((1, 1))
    head["flatten"] = nn.Flatten()
    head["classifier"] = nn.Linear(c, num_classes if classes else 1000)
    return nn.Sequential(head)


DENSENET_MISTAKES = {
    "the transitions do not compress: each keeps half of its input channels, "
    "Transition(c, c // 2) (DenseNet-BC's compression 0.5)": ({"compress": False}, False),
    "a transition follows the last block too: after the last dense block come the final batch "
    "norm (norm5), the ReLU, global average pooling and the classifier": ({"last": True}, False),
    "the final batch norm is missing: after the last dense block comes nn.BatchNorm2d(c) "
    "(torchvision's norm5), then the ReLU": ({"norm5": False}, False),
    "the ReLU after the final batch norm is missing: relu(norm5(...)) goes into the global "
    "average pooling": ({"relu5": False}, False),
    "the stem's convolution is 3x3; DenseNet's ImageNet stem is nn.Conv2d(3, num_init_features, "
    "7, stride=2, padding=3, bias=False)": ({"stem_kernel": 3}, False),
    "the stem has no max pooling: it ends in nn.MaxPool2d(3, stride=2, padding=1), which "
    "halves the maps again (224 -> 112 -> 56 before the first block)": ({"maxpool": False}, False),
    "the stem has no batch norm: its convolution is followed by nn.BatchNorm2d and a ReLU": (
        {"stem_bn": False}, False),
    "num_classes is ignored: the classifier has num_classes outputs": ({"classes": False}, False),
    "the channels after a block are counted with one growth per block: a block of n layers "
    "adds n * growth_rate channels, which the transition after it reads": (
        {"growth_per_block": True}, True),
}


def _densenet_full(rng):
    for name, (k, blocks, init) in ref("DENSENETS").items():
        yield model_case(f"{name}: densenet({k}, {blocks}, {init}), full size, counted on the "
                         "meta device", (k, blocks, init), input_shape=(1, 3, 224, 224),
                         function=False, stages=False)


def _densenet_other(rng):
    yield model_case("three blocks: densenet(12, (16, 16, 16), 24, 100) on 1x3x64x64, counted",
                     (12, (16, 16, 16), 24, 100), input_shape=(1, 3, 64, 64), function=False,
                     stages=False)
    yield model_case("densenet(16, [2, 3], 32, 5) on 1x3x96x96 (block_config a list), counted",
                     (16, [2, 3], 32, 5), input_shape=(1, 3, 96, 96), function=False,
                     stages=False)


def _densenet_function(rng):
    settings = [((4, (2, 2), 8, 10), (2, 3, 32, 32)), ((3, (1, 2, 1), 6, 7), (1, 3, 32, 32)),
                ((2, (2, 1, 1, 1), 4, 5), (2, 3, 64, 48)), ((4, (1,), 8, 3), (2, 3, 16, 16))]
    for seed, (args, shape) in enumerate(settings):
        yield model_case(f"densenet{args} on {_dims(shape)}, seeded weights", args,
                         input_shape=shape, stages=False, seed=seed)


register(Exercise(
    name="densenet", reference="densenet", seed=9050,
    groups=[
        Group("DenseNet-121, -169, -201 and -161 at full size (counted on the meta device)", 2,
              _densenet_full),
        Group("other numbers of classes, blocks and input sizes (counted on the meta device)",
              0.75, _densenet_other),
        Group("reduced DenseNets with seeded weights", 1.75, _densenet_function),
        Group("bad input raises ValueError", 0.5, _bad("densenet", (
            ("(0, (6, 12), 64): growth_rate 0", (0, (6, 12), 64), {}),
            ("(32, (), 64): no blocks", (32, (), 64), {}),
            ("(32, (6, 0), 64): a block of 0 layers", (32, (6, 0), 64), {}),
            ("(32, (6, 12), 0): no initial features", (32, (6, 12), 0), {}),
            ("(32, (6, 12), 64, num_classes=0)", (32, (6, 12), 64), {"num_classes": 0})),
            (1, 3, 64, 64))),
    ],
    mistakes=[Mistake(text, partial(_wrong_densenet, **options), partial=crashes)
              for text, (options, crashes) in DENSENET_MISTAKES.items()],
))


# ----------------------------------------------------------------------------- concat_memory


def _wrong_memory(num_layers, in_ch, growth_rate, h, w, *, new_only=False, output=False,
                  outputs=False, no_input=False, positions=True, last_only=False,
                  bytes_=False, square=False, h_for_w=False) -> int:
    """concat_memory with one mistake switched on."""
    L, c0, k = int(num_layers), int(in_ch), int(growth_rate)
    hw = int(h) * (int(h) if h_for_w else int(w)) if positions else 1
    if new_only:
        channels = L * k
    elif last_only:
        channels = c0 + (L - 1) * k
    else:
        first, last = (1, L) if outputs else (0, L if output else L - 1)
        channels = sum((0 if no_input else c0) + i * k for i in range(first, last + 1))
        if square:
            channels = L * c0 + k * L * (L - 1)
    return channels * hw * (4 if bytes_ else 1)


MEMORY_MISTAKES = {
    "only the new maps are counted (L * k maps): the naive block keeps every layer's whole "
    "input, the concatenation of c_0 + l * k maps, so the count grows with L squared": {
        "new_only": True},
    "the block's output is counted too: the sum runs over the inputs of the L layers, l = 0, "
    "..., L - 1 (the output goes on to the transition)": {"output": True},
    "the layers' outputs are counted instead of their inputs: layer l (l = 0, ..., L - 1) reads "
    "c_0 + l * k maps; the first reads the block's input alone": {"outputs": True},
    "the block's input channels are forgotten: every layer's input holds the block's c_0 input "
    "maps, so each term is c_0 + l * k": {"no_input": True},
    "the positions are forgotten: every map holds h * w values": {"positions": False},
    "only the last concatenation is counted: the naive block keeps the input of every layer, "
    "one concatenation per layer": {"last_only": True},
    "the count is in bytes: it counts values (multiply by 4 only for float32 bytes)": {
        "bytes_": True},
    "the growth is counted twice: 0 + 1 + ... + (L - 1) is L * (L - 1) / 2, not L * (L - 1)": {
        "square": True},
    "h is used for both sides: a map holds h * w values (the maps here are not square)": {
        "h_for_w": True},
}


def _memory_fixed(rng):
    for n, c, side in ((6, 64, 56), (12, 128, 28), (24, 256, 14), (16, 512, 7)):
        yield Case(f"DenseNet-121's block of {n} layers: concat_memory({n}, {c}, 32, {side}, "
                   f"{side})", (n, c, 32, side, side))
    yield Case("one layer: concat_memory(1, 64, 32, 56, 56), the block's input alone",
               (1, 64, 32, 56, 56))
    yield Case("concat_memory(3, 2, 5, 4, 3) on 4x3 maps", (3, 2, 5, 4, 3))


def _memory_random(rng):
    for trial in range(8):
        L, c0, k = int(rng.integers(2, 65)), int(rng.integers(1, 513)), int(rng.integers(1, 65))
        h = int(rng.integers(1, 65))
        w = h + int(rng.integers(1, 9))
        yield Case(f"random {trial}: concat_memory({L}, {c0}, {k}, {h}, {w})", (L, c0, k, h, w))


def _memory_bad(rng):
    for label, args in (("num_layers=0", (0, 64, 32, 14, 14)), ("in_ch=0", (6, 0, 32, 14, 14)),
                        ("growth_rate=-32", (6, 64, -32, 14, 14)), ("h=0", (6, 64, 32, 0, 14)),
                        ("w=14.0 (a float)", (6, 64, 32, 14, 14.0)),
                        ("num_layers=True (a bool)", (True, 64, 32, 14, 14))):
        yield Case(label, args, raises=ValueError)


register(Exercise(
    name="concat_memory", reference="concat_memory", seed=9060, int_result=True,
    groups=[
        Group("DenseNet-121's blocks and small fixed cases", 1, _memory_fixed),
        Group("random blocks on non-square maps", 1.5, _memory_random),
        Group("bad input raises ValueError", 0.5, _memory_bad),
    ],
    mistakes=[Mistake(text, partial(_wrong_memory, **options))
              for text, options in MEMORY_MISTAKES.items()],
))
