# Generated from source/10_comparison/10_comparison.ipynb by `make release`. Do not edit:
# change the source notebook, then run `make release`.
"""Reference solutions for notebook 10 — The winners side by side: counting compute, equal-budget training, accuracy against cost."""

import math

import numpy as np
import torch
from torch import nn


def _is_int(v) -> bool:
    """True for a Python or numpy integer (not a bool)."""
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


def count_macs(model: nn.Module, input_shape) -> int:
    """The multiply-accumulates (MACs) of one forward pass of `model` on one example.

    model: an nn.Module, on any device (the meta device: nothing is allocated).
    input_shape: the shape of one example without the batch axis, e.g. (3, 224, 224): a
        non-empty tuple or list of positive ints. The model runs on a zero batch of one,
        torch.zeros((1, *input_shape)), on its own device, in eval mode, without gradients.
    Returns macs: int, the sum over every call of every nn.Conv2d and nn.Linear:
        Conv2d: C_out * H' * W' * (C_in / groups) * KH * KW, from its output (1, C_out, H', W');
        Linear: in_features * out_features * P, where P = output.numel() / out_features is the
            number of positions it is applied at (1 after a flatten);
        every other layer (pooling, activations, batch norm, dropout, flatten): 0. Bias
        additions are not MACs, and a MAC is not 2 FLOPs: it is one multiply-add.
    Leaves the model as it found it: every hook removed (also when the forward pass fails) and
    its training mode restored (model.train(was_training)).
    Raises ValueError if model is not an nn.Module, input_shape is not a non-empty tuple or list
    of positive ints, or the forward pass fails (the message names the shape).

    EXAMPLE:
        >>> with torch.device("meta"):
        ...     conv = nn.Conv2d(3, 96, 11, stride=4)
        >>> count_macs(conv, (3, 227, 227))           # AlexNet's CONV1: 96 * 55 * 55 * 3 * 11 * 11
        105415200
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be an nn.Module, got {type(model).__name__}")
    if (not isinstance(input_shape, tuple | list) or not input_shape
            or not all(_is_int(v) and v >= 1 for v in input_shape)):
        raise ValueError(f"input_shape must be a non-empty tuple of positive ints, e.g. "
                         f"(3, 224, 224), got {input_shape!r}")
    total = 0

    def hook(module: nn.Module, inputs, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(module, nn.Conv2d):
            per_output = (module.in_channels // module.groups) * math.prod(module.kernel_size)
            total += math.prod(output.shape[1:]) * per_output
        else:
            total += module.in_features * math.prod(output.shape[1:])

    tensors = [*model.parameters(), *model.buffers()]
    device = tensors[0].device if tensors else torch.device("cpu")
    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, nn.Conv2d | nn.Linear)]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros((1, *(int(v) for v in input_shape)), device=device))
    except Exception as exc:
        raise ValueError(f"the forward pass on an input of shape {tuple(input_shape)} failed: "
                         f"{type(exc).__name__}: {exc}") from None
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return int(total)


# The kinds of layer a row of count_macs_of's list can be, and the hyperparameters after the kind:
MAC_KINDS = {
    "conv": ("C_out", "F", "S", "P", "groups", "bias"),   # nn.Conv2d(C_in, C_out, F, S, P, groups=, bias=)
    "maxpool": ("F", "S"), "avgpool": ("F", "S"),           # nn.MaxPool2d(F, S), nn.AvgPool2d(F, S)
    "gap": (),                                              # nn.AdaptiveAvgPool2d((1, 1))
    "relu": (), "bn": (), "flatten": (),                    # nn.ReLU(), nn.BatchNorm2d(C), nn.Flatten()
    "fc": ("D_out",),                                       # nn.Linear(last axis of its input, D_out)
    "fc_in": ("D_in", "D_out"),                             # nn.Linear(D_in, D_out), given explicitly
}


def count_macs_of(layers, input_shape, twice: bool = False):
    """count_macs of an nn.Sequential built from `layers` on the meta device: the hidden tests
    call your count_macs through it (a model cannot be sent into the grading sandbox, a list can).

    layers: rows (kind, *hyperparameters), see MAC_KINDS, e.g. [("conv", 8, 3, 1, 1, 1, 1),
        ("relu",), ("maxpool", 2, 2), ("flatten",), ("fc", 10)]; each layer's input size is
        the previous layer's output (the model runs on a meta input as it is built). An "fc" row
        is a Linear over the last axis: after "flatten" it sees everything, before it it acts
        at every position. A string instead of a list is passed to count_macs as the model.
    input_shape: one example's shape, passed to count_macs as it is.
    twice: count the same model, in training mode, twice, and return the array [first count,
        second count, 1 if the model is still in training mode else 0, forward hooks left on
        it]: what count_macs leaves behind.
    """
    if "count_macs" not in globals():
        raise NameError("count_macs is not defined: its answer cell did not run (look for a "
                        "syntax error in it)")
    if isinstance(layers, str):
        return globals()["count_macs"](layers, input_shape)
    modules: list[nn.Module] = []
    with torch.device("meta"):
        x = None
        if isinstance(input_shape, tuple | list) and input_shape and all(
                _is_int(v) and v >= 1 for v in input_shape):
            x = torch.zeros((1, *(int(v) for v in input_shape)))
        for kind, *hp in layers:
            if kind == "fc_in":
                modules.append(nn.Linear(int(hp[0]), int(hp[1])))
                x = None   # the sizes after it are not followed
                continue
            if x is None:
                raise ValueError(f"cannot build a {kind!r} layer without a known input size")
            if kind == "conv":
                c_out, f, s, p, g, bias = (int(v) for v in hp)
                module: nn.Module = nn.Conv2d(x.shape[1], c_out, f, stride=s, padding=p,
                                              groups=g, bias=bool(bias))
            elif kind in ("maxpool", "avgpool"):
                module = (nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d)(int(hp[0]), int(hp[1]))
            elif kind == "fc":
                module = nn.Linear(x.shape[-1], int(hp[0]))
            else:
                module = {"gap": lambda: nn.AdaptiveAvgPool2d((1, 1)), "relu": nn.ReLU,
                          "bn": lambda c=x.shape[1]: nn.BatchNorm2d(c), "flatten": nn.Flatten}[kind]()
            modules.append(module)
            x = module(x)
    model = nn.Sequential(*modules)
    if not twice:
        return globals()["count_macs"](model, input_shape)
    model.train()
    first = globals()["count_macs"](model, input_shape)
    second = globals()["count_macs"](model, input_shape)
    hooks = sum(len(m._forward_hooks) for m in model.modules())
    return np.array([first, second, int(model.training), hooks])


def _scaled(c: int, width: float) -> int:
    """A channel count at a width: round(c * width), at least 1."""
    scaled = round(c * width)
    return scaled if scaled >= 1 else 1


def _conv_bn_relu(c_in: int, c_out: int) -> nn.Sequential:
    """A 3x3 convolution (padding 1, no bias), batch norm and ReLU: the stems of section 3."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


def alexnet_design(width: float, num_classes: int = 10) -> nn.Module:
    """AlexNet at digit scale, (N, 3, 8, 8) -> (N, num_classes): conv 5x5 (padding 2), ReLU,
    max pool 3x3 stride 2 (padding 1: 8 -> 4), conv 3x3, ReLU, the same pooling (4 -> 2), three
    3x3 convolutions with ReLUs, flatten, dropout 0.2, fc, ReLU, dropout 0.2, fc, ReLU, fc.
    Channels 32, 64, 96, 64, 64 and fc width 128, each times `width`. He-initialized weights,
    zero biases (as notebook 05's small AlexNet)."""
    c = [_scaled(v, width) for v in (32, 64, 96, 64, 64, 128)]
    model = nn.Sequential(
        nn.Conv2d(3, c[0], 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, padding=1),
        nn.Conv2d(c[0], c[1], 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, padding=1),
        nn.Conv2d(c[1], c[2], 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(c[2], c[3], 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(c[3], c[4], 3, padding=1), nn.ReLU(inplace=True), nn.Flatten(),
        nn.Dropout(0.2), nn.Linear(c[4] * 2 * 2, c[5]), nn.ReLU(inplace=True),
        nn.Dropout(0.2), nn.Linear(c[5], c[5]), nn.ReLU(inplace=True), nn.Linear(c[5], num_classes))
    for module in model.modules():
        if isinstance(module, nn.Conv2d | nn.Linear):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)
    return model


def vgg_design(width: float, make_features, num_classes: int = 10) -> nn.Module:
    """VGG at digit scale with `make_features` (notebook 06's): the configuration
    [c0, c0, "M", c1, c1, "M", c2, c2, "M"] with batch norm (8 -> 1), flatten, then fc to h,
    ReLU, dropout 0.2, fc h to h, ReLU, dropout 0.2, fc to num_classes. c0, c1, c2 = 16, 32, 64
    and h = 256, each times `width`."""
    c0, c1, c2, h = (_scaled(v, width) for v in (16, 32, 64, 256))
    return nn.Sequential(
        make_features([c0, c0, "M", c1, c1, "M", c2, c2, "M"], batch_norm=True), nn.Flatten(),
        nn.Linear(c2, h), nn.ReLU(inplace=True), nn.Dropout(0.2),
        nn.Linear(h, h), nn.ReLU(inplace=True), nn.Dropout(0.2), nn.Linear(h, num_classes))


SMALL_MODULES = (   # Inception rows (ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj) at width 1
    (16, 16, 24, 4, 8, 8), (24, 24, 32, 4, 12, 12), (32, 24, 48, 6, 16, 16), (40, 32, 56, 8, 16, 16))


def inception_design(width: float, Inception, num_classes: int = 10) -> nn.Module:
    """GoogLeNet at digit scale with `Inception` (notebook 07's): a 3x3 stem (conv, BN, ReLU)
    to 32 channels, Inception modules SMALL_MODULES[0] and [1] on 8x8 maps, max pool 3x3 stride
    2 (ceil mode: 8 -> 4), modules [2] and [3], global average pooling, fc. Every channel count
    times `width`."""
    stem = _scaled(32, width)
    layers: list[nn.Module] = [_conv_bn_relu(3, stem)]
    channels = stem
    for k, row in enumerate(SMALL_MODULES):
        ch = [_scaled(v, width) for v in row]
        layers.append(Inception(channels, *ch))
        channels = ch[0] + ch[2] + ch[4] + ch[5]
        if k == 1:
            layers.append(nn.MaxPool2d(3, stride=2, ceil_mode=True))
    layers += [nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(channels, num_classes)]
    return nn.Sequential(*layers)


def resnet_design(width: float, BasicBlock, num_classes: int = 10) -> nn.Module:
    """ResNet at digit scale with `BasicBlock` (notebook 08's): a 3x3 stem to c0, then
    BasicBlock(c0, c0), BasicBlock(c0, c1, 2) (8 -> 4), BasicBlock(c1, c2, 2) (4 -> 2), global
    average pooling, fc; c0, c1, c2 = 16, 32, 64 times `width`."""
    c0, c1, c2 = (_scaled(v, width) for v in (16, 32, 64))
    return nn.Sequential(_conv_bn_relu(3, c0), BasicBlock(c0, c0), BasicBlock(c0, c1, 2),
                         BasicBlock(c1, c2, 2), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
                         nn.Linear(c2, num_classes))


def densenet_design(width: float, DenseLayer, num_classes: int = 10) -> nn.Module:
    """DenseNet at digit scale with `DenseLayer` (notebook 09's, DenseLayer(in_ch, k) returns its
    input with k new channels concatenated): growth rate k = round(width) (at least 1), a 3x3
    convolution to 2k channels, three dense blocks of three layers, with transitions (BN, ReLU,
    1x1 convolution to half the channels, 2x2 average pooling: 8 -> 4 -> 2) between them, then
    BN, ReLU, global average pooling, fc."""
    k = max(1, round(width))
    channels = 2 * k
    layers: list[nn.Module] = [nn.Conv2d(3, channels, 3, padding=1, bias=False)]
    for block in range(3):
        for _ in range(3):
            layers.append(DenseLayer(channels, k))
            channels += k
        if block < 2:
            layers += [nn.BatchNorm2d(channels), nn.ReLU(inplace=True),
                       nn.Conv2d(channels, channels // 2, 1, bias=False), nn.AvgPool2d(2)]
            channels //= 2
    layers += [nn.BatchNorm2d(channels), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)),
               nn.Flatten(), nn.Linear(channels, num_classes)]
    return nn.Sequential(*layers)


def scale_to_budget(build, budget: int, low: float = 0.05, high: float = 64.0,
                    tolerance: float = 0.1) -> float:
    """The width w for which build(w) (counted on the meta device) has the parameter count
    nearest `budget`, by bisection over [low, high]. Raises ValueError if that count is not
    within `tolerance` (a fraction) of the budget."""
    def params(w: float) -> int:
        with torch.device("meta"):
            return sum(p.numel() for p in build(w).parameters())
    for _ in range(40):
        mid = (low + high) / 2
        low, high = (mid, high) if params(mid) < budget else (low, mid)
    best = min((low, high), key=lambda w: abs(params(w) - budget))
    if abs(params(best) - budget) > tolerance * budget:
        raise ValueError(f"no width gives {budget:,} parameters within {tolerance:.0%}: the nearest, "
                         f"{best:.3f}, gives {params(best):,}")
    return best


def comparison_digits() -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_test, y_test): the 8x8 digits (coursekit.datasets.digits), standardized
    with the training set's mean and standard deviation, the gray channel repeated 3 times."""
    from coursekit.datasets import digits as load_digits

    x_train, y_train, x_test, y_test = load_digits(size=8)
    mean, std = x_train.mean(), x_train.std()
    x_train, x_test = (np.repeat((x - mean) / std, 3, axis=1) for x in (x_train, x_test))
    return x_train, y_train, x_test, y_test


def train_design(model: nn.Module, data, seed: int = 0, epochs: int = 8, lr: float = 3e-3,
                 batch_size: int = 64):
    """Train `model` on `data` with coursekit.train.fit: Adam at lr decayed along a cosine to 0
    over `epochs` epochs, random shifts of up to 1 pixel, batches of `batch_size`, one thread,
    seed `seed`. Returns the History (and trains the model in place)."""
    from coursekit.train import fit as fit_model
    from coursekit.train import random_crop_flip as shifts

    steps = epochs * -(-len(data[0]) // batch_size)

    def adam_cosine(params, lr: float) -> torch.optim.Optimizer:
        opt = torch.optim.Adam(params, lr=lr)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
        opt.register_step_post_hook(lambda *_: schedule.step())
        return opt

    return fit_model(model, data, epochs=epochs, lr=lr, optimizer=adam_cosine, batch_size=batch_size,
                     augment=shifts(pad=1, flip=False), seed=seed, progress=False, verbose=False)


BUDGET = 20_000   # parameters of every design (within 10%)
SEEDS = (0, 1)
