# Generated from source/06_vgg/06_vgg.ipynb by `make release`. Do not edit:
# change the source notebook, then run `make release`.
"""Reference solutions for notebook 06 — VGG: depth from 3 × 3 convolutions, configurations as data, and where the memory and the parameters go."""

from collections import OrderedDict

import numpy as np
import torch
from torch import nn


def _is_int(v) -> bool:
    """True for a Python or numpy integer (not a bool)."""
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


# VGG's configurations (Simonyan & Zisserman, ICLR 2015, Table 1), as torchvision writes them:
# an int is a 3x3 convolution with that many filters (stride 1, padding 1) followed by a ReLU,
# "M" is a 2x2 max pooling with stride 2. Every configuration ends in the same classifier:
# FC6 and FC7 with 4096 units, FC8 with one unit per class.
CFGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
          512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
          512, 512, 512, 512, "M"],
}
VGG_NAMES = {"A": "VGG-11", "B": "VGG-13", "D": "VGG-16", "E": "VGG-19"}


def check_cfg(cfg) -> list:
    """Check a configuration and return it as a list.

    Raises ValueError, naming the position and the entry, unless cfg is a non-empty list or
    tuple whose entries are positive ints (a 3x3 convolution's number of filters) or the
    string "M" (a 2x2 max pooling).
    EXAMPLE:
        >>> check_cfg([64, "M", 128])
        [64, 'M', 128]
    """
    if not isinstance(cfg, list | tuple) or not cfg:
        raise ValueError(f"a cfg is a non-empty list of ints and 'M', got {cfg!r}")
    for k, v in enumerate(cfg):
        if not (v == "M" if isinstance(v, str) else _is_int(v) and v >= 1):
            raise ValueError(f"cfg[{k}] = {v!r}: each entry is a positive int (the filters of "
                             "a 3x3 convolution) or 'M' (a 2x2 max pooling)")
    return list(cfg)


def stack_vs_single(c: int, n_layers: int) -> tuple[int, int, int]:
    """A stack of n_layers 3x3 convolutions against the one convolution that sees as much.

    c: the channels C of every layer's input and output (C_in = C_out = C).
    n_layers: how many 3x3 convolutions (stride 1, padding 1) are stacked.
    Returns counts: a tuple of three ints (field, stack_params, single_params):
        field = 2 * n_layers + 1, the stack's receptive field (each 3x3 layer adds 3 - 1 = 2);
        stack_params = n_layers * (3 * 3 * C * C + C), the weights and biases of the stack;
        single_params = F * F * C * C + C with F = field, those of one F x F convolution.
    Raises ValueError unless c and n_layers are ints >= 1 (numpy ints are fine).

    EXAMPLE:
        >>> stack_vs_single(64, 3)      # three 3x3 layers against one 7x7 layer
        (7, 110784, 200768)
    """
    for name, value in (("c", c), ("n_layers", n_layers)):
        if not _is_int(value) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    c, n = int(c), int(n_layers)
    field = 2 * n + 1
    return field, n * (9 * c * c + c), field * field * c * c + c


def make_features(cfg, batch_norm: bool = False) -> nn.Sequential:
    """VGG's convolutional part ("features") built from a configuration, as torchvision does.

    cfg: a list of ints and "M" (see check_cfg): an int v is nn.Conv2d(C_in, v, 3, padding=1)
        followed by nn.ReLU(inplace=True), with nn.BatchNorm2d(v) between them if batch_norm;
        "M" is nn.MaxPool2d(2, 2). C_in is 3 (RGB) for the first convolution, then the previous
        convolution's v.
    batch_norm: put a batch normalization after every convolution (torchvision's vgg16_bn).
    Returns features: an nn.Sequential of these layers in the order of cfg, mapping x
        (N, 3, H, W) to (N, C_last, H', W'), where C_last is the last int of cfg and every "M"
        halves H and W (floored: 7 -> 3); the convolutions keep H and W.
    Raises ValueError for a malformed cfg (check_cfg does that).

    EXAMPLE:
        >>> make_features([8, "M", 16])
        Sequential(
          (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
          (1): ReLU(inplace=True)
          (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
          (3): Conv2d(8, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
          (4): ReLU(inplace=True)
        )
    """
    layers: list[nn.Module] = []
    channels = 3
    for v in check_cfg(cfg):
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
            continue
        layers.append(nn.Conv2d(channels, v, 3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        channels = v
    return nn.Sequential(*layers)


def vgg(cfg_name: str, num_classes: int = 1000, batch_norm: bool = False,
        width: float = 1.0) -> nn.Module:
    """VGG built from its configuration CFGS[cfg_name], as torchvision's VGG.

    cfg_name: "A" (VGG-11), "B" (VGG-13), "D" (VGG-16) or "E" (VGG-19), a key of CFGS.
    num_classes: outputs of FC8. batch_norm: as in make_features.
    width: multiplies every convolution's filters and the widths of FC6 and FC7, each becoming
        max(1, round(c * width)); width=1 is the full network (reduced widths are for tests).
    Returns model: an nn.Module mapping x (N, 3, H, W), H and W >= 32, to scores
        (N, num_classes), in this order:
        features: make_features of the (scaled) cfg, giving (N, C5, H / 32, W / 32);
        nn.AdaptiveAvgPool2d((7, 7)): (N, C5, 7, 7) for any input size (at 224 x 224 the
            maps are already 7 x 7);
        flatten to (N, C5 * 7 * 7);
        classifier: nn.Linear(C5 * 7 * 7, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(4096, num_classes).
        With 1000 classes and width 1: 132,863,336 parameters ("A"), 133,047,848 ("B"),
        138,357,544 ("D"), 143,667,240 ("E"); 138,365,992 for "D" with batch_norm.
    Raises ValueError for an unknown cfg_name, num_classes that is not an int >= 1, or
        width <= 0.

    EXAMPLE:
        >>> with torch.device("meta"):
        ...     model = vgg("D")
        >>> sum(p.numel() for p in model.parameters())
        138357544
    """
    if not isinstance(cfg_name, str) or cfg_name not in CFGS:
        raise ValueError(f"cfg_name must be one of {sorted(CFGS)}, got {cfg_name!r}")
    if not _is_int(num_classes) or num_classes < 1:
        raise ValueError(f"num_classes must be an int >= 1, got {num_classes!r}")
    if not (isinstance(width, int | float) and width > 0):
        raise ValueError(f"width must be a positive number, got {width!r}")

    def scaled(c: int) -> int:
        return max(1, round(c * width))

    cfg = [v if v == "M" else scaled(v) for v in CFGS[cfg_name]]
    channels = [v for v in cfg if v != "M"][-1]
    hidden = scaled(4096)
    classifier = nn.Sequential(
        nn.Linear(channels * 7 * 7, hidden), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(hidden, int(num_classes)))
    return nn.Sequential(OrderedDict(
        features=make_features(cfg, batch_norm), avgpool=nn.AdaptiveAvgPool2d((7, 7)),
        flatten=nn.Flatten(), classifier=classifier))


def activation_memory(cfg, input_shape: tuple[int, int, int],
                      bytes_per_value: int = 4) -> np.ndarray:
    """The activations each layer of VGG's features stores for one image, and their bytes.

    cfg: a configuration (see check_cfg): an int v is a 3x3 convolution (stride 1, padding 1)
        with v filters, "M" a 2x2 max pooling with stride 2.
    input_shape: (C, H, W) of one image, positive ints.
    bytes_per_value: the bytes of one number: 4 for float32, 2 for float16, 8 for float64.
    Returns memory: an int64 np.ndarray of shape (L, 2), one row per entry of cfg (L = len(cfg);
        the input is not a layer): memory[k, 0] = C' * H' * W', the activations of the output
        of entry k for one image (a convolution keeps H and W and has v channels; "M" keeps the
        channels and halves H and W, floored); memory[k, 1] = memory[k, 0] * bytes_per_value.
        The ReLU after a convolution works in place (nn.ReLU(inplace=True)): it adds no row.
    Raises ValueError, naming the problem, for a malformed cfg (check_cfg), an input_shape that
        is not three positive ints, a bytes_per_value that is not an int >= 1, and an "M" on a
        map smaller than 2 x 2.

    EXAMPLE:
        >>> activation_memory([64, "M"], (3, 224, 224))
        array([[ 3211264, 12845056],
               [  802816,  3211264]])
    """
    cfg = check_cfg(cfg)
    if (not isinstance(input_shape, tuple | list) or len(input_shape) != 3
            or not all(_is_int(v) and v >= 1 for v in input_shape)):
        raise ValueError(f"input_shape must be (C, H, W), three positive ints, got {input_shape!r}")
    if not _is_int(bytes_per_value) or bytes_per_value < 1:
        raise ValueError(f"bytes_per_value must be an int >= 1, got {bytes_per_value!r}")
    c, h, w = (int(v) for v in input_shape)
    rows = []
    for k, v in enumerate(cfg):
        if v == "M":
            if h < 2 or w < 2:
                raise ValueError(f"cfg[{k}] = 'M' pools a {h}x{w} map: a 2x2 pooling needs at "
                                 "least 2x2")
            h, w = h // 2, w // 2
        else:
            c = int(v)
        rows.append((c * h * w, c * h * w * int(bytes_per_value)))
    return np.array(rows, dtype=np.int64)


# The reduced VGG of section 5: VGG-11's table (configuration A) at one eighth of the width,
# for the digits at 32x32: five 2x2 poolings take 32 to 1, as they take 224 to 7.
SMALL_CFG = [v if v == "M" else v // 8 for v in CFGS["A"]]


def digits_vgg(batch_norm: bool, hidden: int = 512, seed: int = 0) -> nn.Module:
    """The reduced VGG for the digits, (N, 3, 32, 32) -> scores (N, 10): features from
    make_features(SMALL_CFG, batch_norm) (yours, in the notebook), then flatten (64 values:
    the maps end at 1x1) and VGG's classifier at one eighth of the width: Linear(64, hidden),
    ReLU, Dropout(0.5), Linear(hidden, hidden), ReLU, Dropout(0.5), Linear(hidden, 10).
    PyTorch's default initialization, drawn after torch.manual_seed(seed): batch normalization
    draws no random numbers, so both settings of batch_norm start from the same weights."""
    torch.manual_seed(seed)
    features = make_features(SMALL_CFG, batch_norm=batch_norm)
    channels = [v for v in SMALL_CFG if v != "M"][-1]
    return nn.Sequential(OrderedDict(
        features=features, flatten=nn.Flatten(),
        classifier=nn.Sequential(
            nn.Linear(channels, hidden), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(hidden, 10))))


def adam_cosine(total_steps: int):
    """An optimizer for coursekit.train.fit (a callable f(params, lr=lr)): Adam whose learning
    rate falls from lr to 0 along a half cosine over total_steps steps (PyTorch's
    CosineAnnealingLR, stepped after every optimizer step)."""
    def make(params, lr: float) -> torch.optim.Optimizer:
        opt = torch.optim.Adam(params, lr=lr)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, total_steps)
        opt.register_step_post_hook(lambda *_: schedule.step())
        return opt
    return make
