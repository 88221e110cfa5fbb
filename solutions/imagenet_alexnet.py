# Generated from source/05_imagenet_alexnet/05_imagenet_alexnet.ipynb by `make release`. Do not edit:
# change the source notebook, then run `make release`.
"""Reference solutions for notebook 05 — ImageNet and AlexNet: top-5 error, layer tables, two AlexNets, and what made them work."""

import math
from collections import OrderedDict

import numpy as np
import torch
from torch import nn


def _is_int(v) -> bool:
    """True for a Python or numpy integer (not a bool)."""
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


# A layer table has one row per layer, a plain tuple: (name, kind, *hyperparameters).
#   (name, "conv", C_out, F, S, P, groups)   convolution: C_out filters of F x F, stride S, padding P
#   (name, "pool", F, S)                     max pooling over F x F windows with stride S
#   (name, "lrn", size)                      local response normalization across `size` channels
#   (name, "fc", D_out)                      fully connected layer with D_out outputs
KINDS = {"conv": 5, "pool": 2, "lrn": 1, "fc": 1}   # kind -> number of hyperparameters

# The paper's normalization: k = 2, n = 5, alpha = 1e-4, beta = 0.75. PyTorch divides alpha by
# the window size n (as Caffe does), so the paper's alpha is 5 * 1e-4 in nn.LocalResponseNorm.
LRN_ARGS = {"alpha": 5e-4, "beta": 0.75, "k": 2.0}

ALEXNET = {
    # The paper's network, trained on two GPUs: CONV2, CONV4 and CONV5 connect each filter to
    # the half of the input channels on its own GPU (groups=2); CONV3 and the fc layers see all.
    # The layer order is the lecture's (normalization after pooling, as in Caffe's CaffeNet).
    "paper": (
        ("CONV1", "conv", 96, 11, 4, 0, 1),
        ("POOL1", "pool", 3, 2),
        ("NORM1", "lrn", 5),
        ("CONV2", "conv", 256, 5, 1, 2, 2),
        ("POOL2", "pool", 3, 2),
        ("NORM2", "lrn", 5),
        ("CONV3", "conv", 384, 3, 1, 1, 1),
        ("CONV4", "conv", 384, 3, 1, 1, 2),
        ("CONV5", "conv", 256, 3, 1, 1, 2),
        ("POOL3", "pool", 3, 2),
        ("FC6", "fc", 4096),
        ("FC7", "fc", 4096),
        ("FC8", "fc", 1000),
    ),
    # torchvision's network, from "One weird trick for parallelizing convolutional neural
    # networks" (Krizhevsky, 2014): one GPU, 64-192-384-256-256 filters, no grouping, no
    # normalization, and padding 2 in CONV1 so that a 224 x 224 input gives 55 x 55 maps.
    "one_gpu": (
        ("CONV1", "conv", 64, 11, 4, 2, 1),
        ("POOL1", "pool", 3, 2),
        ("CONV2", "conv", 192, 5, 1, 2, 1),
        ("POOL2", "pool", 3, 2),
        ("CONV3", "conv", 384, 3, 1, 1, 1),
        ("CONV4", "conv", 256, 3, 1, 1, 1),
        ("CONV5", "conv", 256, 3, 1, 1, 1),
        ("POOL3", "pool", 3, 2),
        ("FC6", "fc", 4096),
        ("FC7", "fc", 4096),
        ("FC8", "fc", 1000),
    ),
}
INPUT_SHAPE = {"paper": (3, 227, 227), "one_gpu": (3, 224, 224)}



def parse_layer(layer) -> tuple[str, str, tuple[int, ...]]:
    """Split a row of a layer table into (name, kind, hyperparameters), checking its form.

    Raises ValueError, naming the row, unless it is (name, kind, *ints) with a known kind, the
    right number of hyperparameters for that kind, all of them >= 1 (a padding may be 0).
    EXAMPLE:
        >>> parse_layer(("CONV2", "conv", 256, 5, 1, 2, 2))
        ('CONV2', 'conv', (256, 5, 1, 2, 2))
    """
    if not isinstance(layer, tuple | list) or len(layer) < 2 or not isinstance(layer[0], str):
        raise ValueError(f"a layer is a tuple (name, kind, ...), got {layer!r}")
    name, kind, *hp = layer
    if kind not in KINDS:
        raise ValueError(f"layer {name}: unknown kind {kind!r}; the kinds are {sorted(KINDS)}")
    if len(hp) != KINDS[kind] or not all(_is_int(v) for v in hp):
        raise ValueError(f"layer {name}: a {kind!r} row has {KINDS[kind]} integer "
                         f"hyperparameters after its name and kind, got {tuple(hp)!r}")
    lowest = (1, 1, 1, 0, 1) if kind == "conv" else (1,) * len(hp)
    if any(v < low for v, low in zip(hp, lowest, strict=True)):
        raise ValueError(f"layer {name}: its hyperparameters must be >= 1 (a padding >= 0), "
                         f"got {tuple(hp)!r}")
    return name, kind, tuple(int(v) for v in hp)


def layer_output_shape(layer: tuple, in_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape of one layer of a layer table, for one example (no batch axis).

    layer: a row of a layer table: (name, "conv", C_out, F, S, P, groups), (name, "pool", F, S),
        (name, "lrn", size) or (name, "fc", D_out).
    in_shape: (C_in, H, W) for conv, pool and lrn; any shape for fc, which flattens its input
        (D_in = C_in * H * W).
    Returns out_shape: a tuple of ints:
        conv: (C_out, H', W') with H' = (H - F + 2P) // S + 1 and W' = (W - F + 2P) // S + 1;
        pool: (C_in, H', W'), the same formula with P = 0 (max pooling keeps the channels);
        lrn: in_shape itself (normalization changes values, not shapes);
        fc: (D_out,).
    Raises ValueError, naming the layer and the shapes, if the row is malformed (parse_layer),
    if conv, pool or lrn get an in_shape that is not (C_in, H, W) of positive ints, if groups
    does not divide C_in or C_out, if the window F is larger than the padded input, or if an fc
    layer gets an empty in_shape.

    EXAMPLE:
        >>> layer_output_shape(("CONV1", "conv", 96, 11, 4, 0, 1), (3, 227, 227))
        (96, 55, 55)
        >>> layer_output_shape(("FC6", "fc", 4096), (256, 6, 6))
        (4096,)
    """
    name, kind, hp = parse_layer(layer)
    if not isinstance(in_shape, tuple | list) or not all(_is_int(v) and v >= 1 for v in in_shape):
        raise ValueError(f"layer {name}: in_shape must be a tuple of positive ints, got {in_shape!r}")
    shape = tuple(int(v) for v in in_shape)
    if kind == "fc":
        if not shape:
            raise ValueError(f"layer {name} (fc) needs a non-empty in_shape, got {shape}")
        return (hp[0],)
    if len(shape) != 3:
        raise ValueError(f"layer {name} ({kind}) expects in_shape (C_in, H, W), got {shape}")
    c_in, h, w = shape
    if kind == "lrn":
        return shape
    if kind == "pool":
        (f, s), c_out, p = hp, c_in, 0
    else:
        c_out, f, s, p, groups = hp
        if c_in % groups or c_out % groups:
            raise ValueError(f"layer {name}: groups={groups} must divide C_in={c_in} (in_shape "
                             f"{shape}) and C_out={c_out}")
    if f > h + 2 * p or f > w + 2 * p:
        raise ValueError(f"layer {name}: its {f}x{f} window is larger than the input {shape} "
                         f"padded by {p}")
    return (c_out, (h - f + 2 * p) // s + 1, (w - f + 2 * p) // s + 1)


def layer_table(layers, in_shape: tuple[int, ...]) -> list[tuple[str, tuple[int, ...], int, int]]:
    """The layer table of a network: each layer's output shape, parameters and MACs.

    layers: a sequence of layer-table rows (see layer_output_shape), applied in order;
    in_shape: the input of the first layer, (C, H, W) for one image.
    Returns rows: a list of one tuple (name, out_shape, params, macs) per layer, in order;
        out_shape as layer_output_shape gives it (the next layer's in_shape); params and macs
        Python ints:
        conv: params = C_out * (C_in / groups) * F * F + C_out (weights and biases),
              macs = C_out * H' * W' * (C_in / groups) * F * F (one multiply-accumulate per
              weight and output position; the bias additions are not counted);
        fc:   params = D_in * D_out + D_out, macs = D_in * D_out (D_in = the flattened input);
        pool, lrn: params = 0, macs = 0.
    Raises ValueError, naming the layer and the shapes, wherever layer_output_shape does.

    EXAMPLE:
        >>> layer_table(ALEXNET["paper"][:2], (3, 227, 227))
        [('CONV1', (96, 55, 55), 34944, 105415200), ('POOL1', (96, 27, 27), 0, 0)]
    """
    rows = []
    shape = in_shape
    for layer in layers:
        out = layer_output_shape(layer, shape)
        name, kind, hp = parse_layer(layer)
        params = macs = 0
        if kind == "conv":
            c_out, f, _, _, groups = hp
            weights = c_out * (shape[0] // groups) * f * f
            params, macs = weights + c_out, weights * out[1] * out[2]
        elif kind == "fc":
            d_in = math.prod(shape)
            params, macs = d_in * hp[0] + hp[0], d_in * hp[0]
        rows.append((name, out, int(params), int(macs)))
        shape = out
    return rows


def layer_table_numbers(layers, in_shape) -> np.ndarray:
    """layer_table(layers, in_shape) as numbers: an int64 array of shape (L, 5), one row per
    layer: its output shape padded with zeros to three entries (an fc layer's (D,) reads D, 0,
    0), its parameters and its MACs. The plots use it, and the hidden tests read your table
    through it.

    Raises TypeError, naming the row, unless layer_table returns one (name, out_shape, params,
    macs) tuple per layer, in order, named as the layers, with a shape of 1 to 3 ints and int
    counts. ValueErrors of layer_table pass through.
    """
    table = globals().get("layer_table")
    if table is None:
        raise NameError("layer_table is not defined: its answer cell did not run (look for a "
                        "syntax error in it)")
    rows = table(layers, in_shape)
    if not isinstance(rows, list | tuple) or len(rows) != len(layers):
        raise TypeError(f"layer_table must return a list of {len(layers)} rows, one per layer, "
                        f"got {type(rows).__name__}"
                        + (f" of length {len(rows)}" if isinstance(rows, list | tuple) else ""))
    out = np.zeros((len(layers), 5), dtype=np.int64)
    for k, (row, layer) in enumerate(zip(rows, layers, strict=True)):
        if not isinstance(row, tuple | list) or len(row) != 4:
            raise TypeError(f"row {k} must be a tuple (name, out_shape, params, macs), got {row!r}")
        name, shape, params, macs = row
        if name != layer[0]:
            raise TypeError(f"row {k} is named {name!r}, but layer {k} is {layer[0]!r}")
        if (not isinstance(shape, tuple | list) or not 1 <= len(shape) <= 3
                or not all(_is_int(v) for v in shape)):
            raise TypeError(f"row {k} ({name}): out_shape must be a tuple of 1 to 3 ints, got {shape!r}")
        for what, value in (("params", params), ("macs", macs)):
            if not _is_int(value):
                raise TypeError(f"row {k} ({name}): {what} must be an int, got "
                                f"{type(value).__name__} {value!r}")
        out[k, :len(shape)] = shape
        out[k, 3:] = params, macs
    return out


def alexnet(variant: str = "paper", num_classes: int = 1000, width: float = 1.0) -> nn.Module:
    """AlexNet built from its layer table ALEXNET[variant].

    variant: "paper" (two GPUs: CONV2, CONV4, CONV5 grouped, NORM1 and NORM2; input
        (N, 3, 227, 227)) or "one_gpu" (torchvision's: 64-192-384-256-256 filters, no
        normalization, nn.AdaptiveAvgPool2d((6, 6)) before the classifier; input
        (N, 3, 224, 224), or any H, W >= 63).
    num_classes: outputs of FC8.
    width: multiplies every convolution's C_out and the widths of FC6 and FC7, each becoming
        2 * round(c * width / 2); width=1 gives the full network.
    Returns model: an nn.Module mapping x (N, 3, H, W) to scores (N, num_classes): features
        (per conv row nn.Conv2d + nn.ReLU, per pool row nn.MaxPool2d(F, S), per lrn row
        nn.LocalResponseNorm(size, **LRN_ARGS)), then ("one_gpu") nn.AdaptiveAvgPool2d((6, 6)),
        flatten to (N, C5 * 6 * 6), then classifier (FC6 and FC7: nn.Dropout(0.5), nn.Linear,
        nn.ReLU; FC8: nn.Linear(..., num_classes)). 60,965,224 parameters ("paper") and
        61,100,840 ("one_gpu") with 1000 classes at width 1.
    Raises ValueError for an unknown variant, num_classes < 1 or width <= 0.

    EXAMPLE:
        >>> with torch.device("meta"):
        ...     model = alexnet("one_gpu")
        >>> sum(p.numel() for p in model.parameters())
        61100840
    """
    if variant not in ALEXNET:
        raise ValueError(f"variant must be one of {sorted(ALEXNET)}, got {variant!r}")
    if not _is_int(num_classes) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    if not width > 0:
        raise ValueError(f"width must be positive, got {width!r}")

    def scaled(c: int) -> int:
        return max(2, 2 * round(c * width / 2))

    features: list[nn.Module] = []
    fc_widths: list[int] = []
    channels = 3
    for layer in ALEXNET[variant]:
        _, kind, hp = parse_layer(layer)
        if kind == "conv":
            c_out, f, s, p, groups = hp
            features += [nn.Conv2d(channels, scaled(c_out), f, stride=s, padding=p, groups=groups),
                         nn.ReLU(inplace=True)]
            channels = scaled(c_out)
        elif kind == "pool":
            features.append(nn.MaxPool2d(hp[0], hp[1]))
        elif kind == "lrn":
            features.append(nn.LocalResponseNorm(hp[0], **LRN_ARGS))
        else:
            fc_widths.append(hp[0])
    classifier: list[nn.Module] = []
    d_in = channels * 6 * 6
    for d_out in fc_widths[:-1]:
        classifier += [nn.Dropout(0.5), nn.Linear(d_in, scaled(d_out)), nn.ReLU(inplace=True)]
        d_in = scaled(d_out)
    classifier.append(nn.Linear(d_in, num_classes))
    parts = OrderedDict(features=nn.Sequential(*features))
    if variant == "one_gpu":
        parts["avgpool"] = nn.AdaptiveAvgPool2d((6, 6))
    parts["flatten"] = nn.Flatten()
    parts["classifier"] = nn.Sequential(*classifier)
    return nn.Sequential(parts)


SMALL_ALEXNET = (            # the same table format; input (1, 32, 32)
    ("CONV1", "conv", 16, 5, 2, 2, 1),
    ("POOL1", "pool", 3, 2),
    ("CONV2", "conv", 32, 3, 1, 1, 1),
    ("POOL2", "pool", 3, 2),
    ("CONV3", "conv", 64, 3, 1, 1, 1),
    ("CONV4", "conv", 64, 3, 1, 1, 1),
    ("CONV5", "conv", 64, 3, 1, 1, 1),
    ("POOL3", "pool", 3, 2),
    ("FC6", "fc", 256),
    ("FC7", "fc", 256),
    ("FC8", "fc", 10),
)


def small_alexnet(activation: str = "relu", pool: int = 3, dropout: float = 0.5,
                  seed: int = 0) -> nn.Module:
    """SMALL_ALEXNET for (N, 1, 32, 32) digits: every conv and the hidden fc layers followed by
    the activation ("relu" or "tanh"), every pool row as nn.MaxPool2d(pool, 2) (3: AlexNet's
    overlapping pooling; 2: non-overlapping), nn.Dropout(dropout) after FC6 and FC7 (the paper's
    placement). Weights He-initialized (normal, fan_in) from torch seed `seed`, biases 0."""
    act = {"relu": nn.ReLU, "tanh": nn.Tanh}[activation]
    torch.manual_seed(seed)
    features: list[nn.Module] = []
    channels = 1
    for _, kind, *hp in SMALL_ALEXNET:
        if kind == "conv":
            features += [nn.Conv2d(channels, hp[0], hp[1], stride=hp[2], padding=hp[3]), act()]
            channels = hp[0]
        elif kind == "pool":
            features.append(nn.MaxPool2d(pool, 2))
    features_net = nn.Sequential(*features)
    with torch.no_grad():
        d_in = features_net(torch.zeros(1, 1, 32, 32)).numel()
    widths = [hp[0] for _, kind, *hp in SMALL_ALEXNET if kind == "fc"]
    classifier: list[nn.Module] = []
    for d_out in widths[:-1]:
        classifier += [nn.Linear(d_in, d_out), act(), nn.Dropout(dropout)]
        d_in = d_out
    classifier.append(nn.Linear(d_in, widths[-1]))
    model = nn.Sequential(features_net, nn.Flatten(), nn.Sequential(*classifier))
    for module in model.modules():
        if isinstance(module, nn.Conv2d | nn.Linear):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)
    return model


def cosine_decay(optimizer: type[torch.optim.Optimizer], total_steps: int, **options):
    """An optimizer for coursekit.train.fit (a callable f(params, lr=lr)) whose learning rate
    falls from lr to 0 along a half cosine over total_steps steps (PyTorch's
    CosineAnnealingLR, stepped after every optimizer step)."""
    def make(params, lr: float) -> torch.optim.Optimizer:
        opt = optimizer(params, lr=lr, **options)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, total_steps)
        opt.register_step_post_hook(lambda *_: schedule.step())
        return opt
    return make
