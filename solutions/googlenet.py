# Generated from source/07_googlenet/07_googlenet.ipynb by `make release`. Do not edit:
# change the source notebook, then run `make release`.
"""Reference solutions for notebook 07 — GoogLeNet (Inception): 1×1 convolutions, the Inception module, global average pooling and auxiliary classifiers."""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def _is_int(v) -> bool:
    """True for a Python or numpy integer (not a bool)."""
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


# GoogLeNet's nine Inception modules (Szegedy et al. 2015, Table 1), one row each, in the order
# of torchvision's Inception(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj).
# A module outputs ch1x1 + ch3x3 + ch5x5 + pool_proj channels: the next row's in_channels
# (3b gives 128 + 192 + 96 + 64 = 480 = 4a's in_channels).
SPEC_FIELDS = ("in_channels", "ch1x1", "ch3x3red", "ch3x3", "ch5x5red", "ch5x5", "pool_proj")
INCEPTION = {
    "3a": (192, 64, 96, 128, 16, 32, 32),
    "3b": (256, 128, 128, 192, 32, 96, 64),
    "4a": (480, 192, 96, 208, 16, 48, 64),
    "4b": (512, 160, 112, 224, 24, 64, 64),
    "4c": (512, 128, 128, 256, 24, 64, 64),
    "4d": (512, 112, 144, 288, 32, 64, 64),
    "4e": (528, 256, 160, 320, 32, 128, 128),
    "5a": (832, 256, 160, 320, 32, 128, 128),
    "5b": (832, 384, 192, 384, 48, 128, 128),
}

GOOGLENET_VARIANTS = {
    # torchvision's GoogLeNet (ported from TensorFlow): batch normalization after every
    # convolution, which then has no bias; a 3x3 convolution in the "5x5" branch (a known bug,
    # kept for its pretrained weights: pytorch/vision#906); dropout 0.2 before the classifier.
    "torchvision": {"batch_norm": True, "kernel_5x5": 3, "dropout": 0.2},
    # the paper's: convolutions with biases and no normalization, true 5x5 convolutions, and a
    # dropout layer with "40% ratio of dropped outputs"
    "paper": {"batch_norm": False, "kernel_5x5": 5, "dropout": 0.4},
}
AUX_DROPOUT = 0.7   # the auxiliary classifiers' dropout (paper and torchvision)
AUX_WEIGHT = 0.3    # the weight of each auxiliary loss in the training loss (the paper)


def scaled(c: int, width: float) -> int:
    """A channel count at a reduced width: max(1, round(c * width)); width=1 keeps c."""
    return max(1, round(c * width))


class BasicConv2d(nn.Module):
    """A convolution and its ReLU, as every convolution of GoogLeNet is built.

    batch_norm=True (torchvision): nn.Conv2d(in_channels, out_channels, kernel_size, stride,
    padding, bias=False), nn.BatchNorm2d(out_channels, eps=0.001), ReLU: the normalization's
    shift does the bias's job. batch_norm=False (the paper): nn.Conv2d(..., bias=True), ReLU.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, batch_norm: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                              padding=padding, bias=not batch_norm)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001) if batch_norm else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x, inplace=True)


class InceptionAux(nn.Module):
    """An auxiliary classifier (torchvision's InceptionAux), used in training only.

    Input: the output of 4a (512 channels) or 4d (528), 14 x 14 for a 224 x 224 image.
    Average pooling to 4 x 4 (torchvision pools adaptively; the paper uses a 5 x 5 window with
    stride 3, which also maps 14 to 4), a 1 x 1 BasicConv2d to 128 channels, flatten
    (128 * 4 * 4 = 2048), fc1 to 1024 and ReLU, dropout AUX_DROPOUT, fc2 to num_classes.
    variant: a key of GOOGLENET_VARIANTS (batch norm or not); width scales 128 and 1024.
    """

    def __init__(self, in_channels: int, num_classes: int, variant: str = "torchvision",
                 width: float = 1.0):
        super().__init__()
        channels, hidden = scaled(128, width), scaled(1024, width)
        self.conv = BasicConv2d(in_channels, channels, 1,
                                batch_norm=GOOGLENET_VARIANTS[variant]["batch_norm"])
        self.fc1 = nn.Linear(channels * 4 * 4, hidden)
        self.fc2 = nn.Linear(hidden, num_classes)
        self.dropout = nn.Dropout(AUX_DROPOUT)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(self.conv(F.adaptive_avg_pool2d(x, (4, 4))), 1)
        return self.fc2(self.dropout(F.relu(self.fc1(x), inplace=True)))


def conv1x1_as_matmul(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """A 1x1 convolution as one matrix multiply: a fully connected layer applied at every pixel.

    x: (N, C_in, H, W) images or feature maps.
    w: (C_out, C_in), one row of weights per filter (PyTorch's 1x1 weight (C_out, C_in, 1, 1)
        without its two axes of size 1).
    b: (C_out,) biases, or None for no bias.
    Returns out: np.ndarray of shape (N, C_out, H, W),
        out[n, f, i, j] = sum over c of w[f, c] * x[n, c, i, j] + b[f];
        keeps float32 and float64, and returns float64 for integer input.
    Raises ValueError, naming the shapes, if x is not 4-D, w is not 2-D, w's C_in differs from
    x's, or b is not (C_out,).

    EXAMPLE:
        >>> conv1x1_as_matmul(np.ones((1, 3, 2, 2)), np.array([[1.0, 2.0, 3.0]]), np.array([0.5]))
        array([[[[6.5, 6.5],
                 [6.5, 6.5]]]])
    """
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 4:
        raise ValueError(f"conv1x1_as_matmul expects x of shape (N, C_in, H, W), got {x.shape}")
    if w.ndim != 2:
        raise ValueError(f"w must be (C_out, C_in), got shape {w.shape}")
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"w {w.shape} has C_in = {w.shape[1]}, but x {x.shape} has "
                         f"{x.shape[1]} channels")
    arrays = [x, w]
    if b is not None:
        b = np.asarray(b)
        if b.shape != (w.shape[0],):
            raise ValueError(f"b must be (C_out,) = ({w.shape[0]},) for w {w.shape}, got {b.shape}")
        arrays.append(b)
    dtype = np.result_type(*arrays)
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    n, c_in, h, wd = x.shape
    out = w.astype(dtype) @ x.astype(dtype).reshape(n, c_in, h * wd)
    if b is not None:
        out = out + b.astype(dtype)[:, None]
    return out.reshape(n, w.shape[0], h, wd)


def inception_cost(in_shape: tuple[int, int, int], spec: tuple[int, ...],
                   reduce: bool = True) -> tuple[int, int, int]:
    """The output channels, parameters and MACs of one Inception module, for one image.

    in_shape: (C_in, H, W), the module's input.
    spec: a row of INCEPTION, (in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj);
        in_channels must equal C_in.
    reduce: True for GoogLeNet's module (1x1 reductions before the 3x3 and the 5x5, a 1x1
        projection after the pooling); False for the naive module (1x1, 3x3 and 5x5
        convolutions on the input itself, the pooled input passed on as it is; ch3x3red,
        ch5x5red and pool_proj are not used).
    Returns cost: a tuple of three ints (out_channels, params, macs):
        out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj (reduce) or
                       ch1x1 + ch3x3 + ch5x5 + C_in (naive: the pooling keeps its channels);
        params: each convolution's C_out * C_in * F * F weights and C_out biases (F = 1, 3 or 5;
            true 5x5 convolutions, as in the paper); the pooling has none;
        macs: each convolution's C_out * H * W * C_in * F * F (every branch keeps H x W); bias
            additions and the pooling's comparisons are not MACs.
    Raises ValueError, naming the shapes, unless in_shape is three positive ints (C_in, H, W)
    and spec seven positive ints whose in_channels equals C_in.

    EXAMPLE: the 28 x 28 x 256 input of the lecture, with and without the reductions:
        >>> inception_cost((256, 28, 28), (256, 128, 64, 192, 64, 96, 64), reduce=False)
        (672, 1089952, 854196224)
        >>> inception_cost((256, 28, 28), (256, 128, 64, 192, 64, 96, 64))
        (480, 346720, 271351808)
    """
    if (not isinstance(in_shape, tuple | list) or len(in_shape) != 3
            or not all(_is_int(v) and v >= 1 for v in in_shape)):
        raise ValueError(f"in_shape must be (C_in, H, W) of positive ints, got {in_shape!r}")
    if (not isinstance(spec, tuple | list) or len(spec) != 7
            or not all(_is_int(v) and v >= 1 for v in spec)):
        raise ValueError(f"spec must be seven positive ints {SPEC_FIELDS}, got {spec!r}")
    c_in, h, w = (int(v) for v in in_shape)
    in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj = (int(v) for v in spec)
    if in_channels != c_in:
        raise ValueError(f"spec has in_channels = {in_channels}, but in_shape {tuple(in_shape)} "
                         f"has C_in = {c_in}")
    if reduce:
        convs = [(c_in, ch1x1, 1), (c_in, ch3x3red, 1), (ch3x3red, ch3x3, 3),
                 (c_in, ch5x5red, 1), (ch5x5red, ch5x5, 5), (c_in, pool_proj, 1)]
        out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj
    else:
        convs = [(c_in, ch1x1, 1), (c_in, ch3x3, 3), (c_in, ch5x5, 5)]
        out_channels = ch1x1 + ch3x3 + ch5x5 + c_in
    params = sum(c_out * c * f * f + c_out for c, c_out, f in convs)
    macs = sum(c_out * h * w * c * f * f for c, c_out, f in convs)
    return out_channels, params, macs


class Inception(nn.Module):
    """GoogLeNet's Inception module (torchvision's Inception): four branches side by side,
    concatenated along the channels.

    Inception(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj,
    variant="torchvision") maps x (N, in_channels, H, W) to
    (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W). Every convolution is a BasicConv2d with
    batch_norm=GOOGLENET_VARIANTS[variant]["batch_norm"]; the branches, in this order:
        branch1: 1x1 to ch1x1;
        branch2: 1x1 to ch3x3red, then 3x3 (padding 1) to ch3x3;
        branch3: 1x1 to ch5x5red, then K x K (padding K // 2) to ch5x5, where
            K = GOOGLENET_VARIANTS[variant]["kernel_5x5"] (3 in torchvision, 5 in the paper);
        branch4: nn.MaxPool2d(3, stride=1, padding=1), then 1x1 to pool_proj.
    forward(x) returns torch.cat([branch1(x), branch2(x), branch3(x), branch4(x)], dim=1).
    Returns block: an nn.Module (Inception(...) is one) whose forward maps x to the
        concatenation above.
    Raises ValueError for a variant that is not a key of GOOGLENET_VARIANTS.

    EXAMPLE:
        >>> block = Inception(*INCEPTION["3a"])       # 192 -> 64 + 128 + 32 + 32 channels
        >>> block(torch.zeros(2, 192, 28, 28)).shape
        torch.Size([2, 256, 28, 28])
    """

    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int,
                 ch5x5: int, pool_proj: int, variant: str = "torchvision"):
        super().__init__()
        if variant not in GOOGLENET_VARIANTS:
            raise ValueError(f"variant must be one of {sorted(GOOGLENET_VARIANTS)}, got {variant!r}")
        bn = GOOGLENET_VARIANTS[variant]["batch_norm"]
        k = GOOGLENET_VARIANTS[variant]["kernel_5x5"]
        self.branch1 = BasicConv2d(in_channels, ch1x1, 1, batch_norm=bn)
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, 1, batch_norm=bn),
                                     BasicConv2d(ch3x3red, ch3x3, 3, padding=1, batch_norm=bn))
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, 1, batch_norm=bn),
                                     BasicConv2d(ch5x5red, ch5x5, k, padding=k // 2, batch_norm=bn))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),
                                     BasicConv2d(in_channels, pool_proj, 1, batch_norm=bn))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], dim=1)


class GoogLeNet(nn.Module):
    """GoogLeNet built from the INCEPTION table, as torchvision builds it; googlenet() below
    builds one, and its docstring says what each part is.

    GoogLeNet(aux_logits=False, variant="torchvision", num_classes=1000, width=1.0)
    Returns model: an nn.Module mapping x (N, 3, H, W) to scores (N, num_classes), or in
        training mode with aux_logits to (scores, aux1, aux2).
    Raises ValueError for an unknown variant, num_classes < 1 or width <= 0.
    """

    def __init__(self, aux_logits: bool = False, variant: str = "torchvision",
                 num_classes: int = 1000, width: float = 1.0):
        super().__init__()
        if variant not in GOOGLENET_VARIANTS:
            raise ValueError(f"variant must be one of {sorted(GOOGLENET_VARIANTS)}, got {variant!r}")
        if not _is_int(num_classes) or num_classes < 1:
            raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
        if not width > 0:
            raise ValueError(f"width must be positive, got {width!r}")
        bn = GOOGLENET_VARIANTS[variant]["batch_norm"]
        stem = [scaled(c, width) for c in (64, 64, 192)]
        self.conv1 = BasicConv2d(3, stem[0], 7, stride=2, padding=3, batch_norm=bn)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(stem[0], stem[1], 1, batch_norm=bn)
        self.conv3 = BasicConv2d(stem[1], stem[2], 3, padding=1, batch_norm=bn)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        channels, out = stem[2], {}
        for name, spec in INCEPTION.items():
            ch = [scaled(c, width) for c in spec[1:]]
            setattr(self, f"inception{name}", Inception(channels, *ch, variant=variant))
            channels = out[name] = ch[0] + ch[2] + ch[4] + ch[5]
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.aux_logits = bool(aux_logits)
        self.aux1 = InceptionAux(out["4a"], num_classes, variant, width) if aux_logits else None
        self.aux2 = InceptionAux(out["4d"], num_classes, variant, width) if aux_logits else None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(GOOGLENET_VARIANTS[variant]["dropout"])
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        aux = self.training and self.aux_logits
        aux1 = self.aux1(x) if aux else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if aux else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        scores = self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))
        return (scores, aux1, aux2) if aux else scores


def googlenet(aux_logits: bool = False, variant: str = "torchvision", num_classes: int = 1000,
              width: float = 1.0) -> nn.Module:
    """GoogLeNet built from the INCEPTION table, as torchvision builds it.

    aux_logits: add the two auxiliary classifiers (InceptionAux on the outputs of 4a and 4d).
    variant: "torchvision" (batch norm, a 3x3 in each module's "5x5" branch, dropout 0.2) or
        "paper" (biases, no batch norm, true 5x5, dropout 0.4): GOOGLENET_VARIANTS.
    num_classes: outputs of fc (and of the auxiliary classifiers).
    width: every channel count of the stem, the table and the auxiliary classifiers becomes
        scaled(c, width) = max(1, round(c * width)); width=1 is the full network.
    Returns model: an nn.Module (a GoogLeNet) mapping x (N, 3, H, W) to scores
        (N, num_classes): conv1 (7x7, stride 2, padding 3), maxpool1, conv2 (1x1), conv3 (3x3,
        padding 1), maxpool2, inception3a, inception3b, maxpool3, inception4a to inception4e,
        maxpool4 (2x2), inception5a, inception5b, nn.AdaptiveAvgPool2d((1, 1)), flatten,
        nn.Dropout, fc; every convolution a BasicConv2d, every max pooling with stride 2 and
        ceil_mode=True. In training mode with aux_logits it returns (scores, aux1, aux2), aux1
        computed on the output of 4a and aux2 on that of 4d. 6,624,904 parameters
        ("torchvision", 1000 classes), 13,004,888 with aux_logits; input 224 x 224 (any
        H, W >= 32 runs).
    Raises ValueError for an unknown variant, num_classes < 1 or width <= 0.

    EXAMPLE:
        >>> with torch.device("meta"):
        ...     model = googlenet()
        >>> sum(p.numel() for p in model.parameters())
        6624904
    """
    return GoogLeNet(aux_logits, variant, num_classes, width)


class TrainingRun(nn.Module):
    """A network as it runs in training, for the checks: forward(x) puts `net` in training mode
    (its auxiliary classifiers on, dropout active, batch norm on the batch's statistics), draws
    the dropout masks from torch's generator seeded with 0 (inside a fork of its state), runs
    it, puts it back in its mode, and returns its outputs concatenated along dim 1: (N,
    3 * num_classes) for (scores, aux1, aux2), (N, num_classes) for scores alone."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mode = self.net.training
        try:
            self.net.train()
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(0)
                out = self.net(x)
        finally:
            self.net.train(mode)
        if isinstance(out, tuple | list):
            return torch.cat([torch.flatten(o, 1) for o in out], dim=1)
        return out


def googlenet_checked(*args, training_run: bool = False, **kwargs) -> nn.Module:
    """googlenet(*args, **kwargs) as the hidden tests see it: the model itself, or with
    training_run=True the model wrapped in TrainingRun, so that one forward pass in evaluation
    mode shows what it computes in training mode, auxiliary classifiers included. (A model never
    leaves the grader's sandbox as an object; it is compared as data, layer by layer.)"""
    model = googlenet(*args, **kwargs)
    return TrainingRun(model) if training_run else model


SMALL_INCEPTION = {              # INCEPTION's format at digit scale: the input is (1, 32, 32)
    "3a": (32, 16, 16, 24, 4, 8, 8),
    "3b": (56, 24, 24, 32, 4, 12, 12),
    "4a": (80, 32, 24, 48, 6, 16, 16),
    "4b": (112, 40, 32, 56, 8, 16, 16),
}


def digits_inception(seed: int = 0) -> nn.Module:
    """A reduced Inception network for (N, 1, 32, 32) digits -> scores (N, 10): a BasicConv2d
    stem (5x5, 32 filters, stride 2, padding 2), nn.MaxPool2d(3, 2, ceil_mode=True) (16 -> 8),
    Inception 3a and 3b (yours, torchvision's variant), the same pooling (8 -> 4), 4a and 4b,
    global average pooling, flatten, dropout 0.2, nn.Linear(128, 10). PyTorch's default
    initialization drawn after torch.manual_seed(seed); channels-last memory layout."""
    torch.manual_seed(seed)
    layers: list[nn.Module] = [BasicConv2d(1, 32, 5, stride=2, padding=2),
                               nn.MaxPool2d(3, stride=2, ceil_mode=True)]
    for name, spec in SMALL_INCEPTION.items():
        layers.append(Inception(*spec))
        if name == "3b":
            layers.append(nn.MaxPool2d(3, stride=2, ceil_mode=True))
    last = SMALL_INCEPTION["4b"]
    layers += [nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Dropout(0.2),
               nn.Linear(last[1] + last[3] + last[5] + last[6], 10)]
    return nn.Sequential(*layers).to(memory_format=torch.channels_last)


def cosine_adam(total_steps: int):
    """An optimizer for coursekit.train.fit (a callable f(params, lr=lr)): Adam whose learning
    rate falls from lr to 0 along a half cosine over total_steps steps."""
    def make(params, lr: float) -> torch.optim.Optimizer:
        opt = torch.optim.Adam(params, lr=lr)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, total_steps)
        opt.register_step_post_hook(lambda *_: schedule.step())
        return opt
    return make
