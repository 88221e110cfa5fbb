# Generated from source/08_resnet/08_resnet.ipynb by `make release`. Do not edit:
# change the source notebook, then run `make release`.
"""Reference solutions for notebook 08 — ResNet: the degradation problem, residual blocks, bottlenecks, and networks from stage tables."""

from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from coursekit.datasets import digits
from coursekit.previous import torch_conv2d as conv2d_fast  # PyTorch's until section 3 loads yours
from coursekit.previous import torch_relu as relu  # (notebook 02's conv2d_fast, notebook 04's relu)
from coursekit.train import History, fit, random_crop_flip


def _is_int(v) -> bool:
    """True for a Python or numpy integer (not a bool)."""
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


class ThinNet(nn.Module):
    """A thin network for the degradation experiment: (N, 1, H, W) digits -> scores (N, 10).

    The stem (a 3x3 convolution from 1 to `width` channels, batch norm, ReLU), then
    (depth - 2) // 2 pairs of 3x3 convolutions with `width` channels, each followed by batch
    norm, then global average pooling and one fc layer: `depth` layers with weights (the
    convolutions and the fc layer), as the paper counts. Every pair computes
    relu(bn(conv(relu(bn(conv(x)))))) or, with `residual`, the same with x added before the
    last ReLU (an identity shortcut: the maps and channels never change). Padding 1 keeps the
    maps at H x W. The convolutions have no bias (batch norm shifts).
    """

    def __init__(self, depth: int, residual: bool, width: int = 16):
        super().__init__()
        if not _is_int(depth) or depth < 4 or depth % 2:
            raise ValueError(f"depth must be an even int >= 4 (stem, pairs, fc), got {depth!r}")
        self.residual = bool(residual)
        self.stem = nn.Sequential(nn.Conv2d(1, width, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(width), nn.ReLU())
        n = depth - 2   # the convolutions of the pairs
        self.convs = nn.ModuleList(nn.Conv2d(width, width, 3, padding=1, bias=False) for _ in range(n))
        self.norms = nn.ModuleList(nn.BatchNorm2d(width) for _ in range(n))
        self.fc = nn.Linear(width, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for k in range(0, len(self.convs), 2):
            out = F.relu(self.norms[k](self.convs[k](x)))
            out = self.norms[k + 1](self.convs[k + 1](out))
            x = F.relu(out + x) if self.residual else F.relu(out)
        return self.fc(x.mean(dim=(2, 3)))


def thin_net(depth: int, residual: bool, width: int = 16, seed: int = 0) -> ThinNet:
    """ThinNet(depth, residual, width) with its convolutions He-initialized (normal, fan_out,
    as torchvision's ResNets) from torch seed `seed`: a plain network and the residual network
    of the same depth and seed start from the same weights."""
    torch.manual_seed(seed)
    model = ThinNet(depth, residual, width)
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
    return model


def cosine_optimizer(optimizer: type[torch.optim.Optimizer], total_steps: int, **options):
    """An optimizer for coursekit.train.fit (a callable f(params, lr=lr)): `optimizer` with
    `options` (e.g. torch.optim.SGD, momentum=0.9), its learning rate falling from lr to 0 along a
    half cosine over total_steps steps (CosineAnnealingLR, stepped after every optimizer step)."""
    def make(params, lr: float) -> torch.optim.Optimizer:
        opt = optimizer(params, lr=lr, **options)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, total_steps)
        opt.register_step_post_hook(lambda *_: schedule.step())
        return opt
    return make


def standardized_digits(size: int = 8, channels: int = 1) -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_test, y_test): the digits at size x size (coursekit.datasets.digits),
    standardized with the training set's mean and standard deviation, the gray channel repeated
    `channels` times (3 for a network whose stem expects RGB): x (N, channels, size, size)."""
    x_train, y_train, x_test, y_test = digits(size=size)
    mean, std = x_train.mean(), x_train.std()
    x_train, x_test = (np.repeat((x - mean) / std, channels, axis=1) for x in (x_train, x_test))
    return x_train, y_train, x_test, y_test


def degradation_run(depth: int, residual: bool, seed: int = 0, epochs: int = 5, lr: float = 0.05,
                    width: int = 16, batch_size: int = 64, data: tuple | None = None) -> History:
    """One run of the degradation experiment (the notebook's and bench/degradation.py's):
    train thin_net(depth, residual, width, seed) on `data` (default: the standardized 8x8 digits)
    through coursekit.train.fit with SGD, momentum 0.9, learning rate lr decayed along a cosine
    to 0, `epochs` epochs of batches of `batch_size`, one thread, shuffling seeded with `seed`;
    return its History (train_loss[-1]: the final loss on the whole training set)."""
    data = standardized_digits(8) if data is None else data
    steps = epochs * -(-len(data[0]) // batch_size)
    return fit(thin_net(depth, residual, width, seed), data, epochs=epochs, lr=lr,
               optimizer=cosine_optimizer(torch.optim.SGD, steps, momentum=0.9),
               batch_size=batch_size, seed=seed, progress=False, verbose=False)


def residual_backward(dout: np.ndarray, dF: np.ndarray) -> np.ndarray:
    """The gradient of a residual connection y = x + 𝓕(x) with respect to its input x.

    dout: dL/dy, the upstream gradient, any shape ((N, C, H, W) for a block's output).
    dF: the gradient that the branch 𝓕 sends back to its input, (∂𝓕/∂x)ᵀ dout, of dout's shape.
    Returns dx: np.ndarray of dout's shape; returns float64. dx = dout + dF: the skip path passes
        dout through unchanged, the branch adds its own gradient.
    Raises ValueError, naming both shapes, if dF's shape differs from dout's (no broadcasting).

    EXAMPLE:
        >>> residual_backward(np.array([1.0, -2.0]), np.array([0.5, 0.5]))
        array([ 1.5, -1.5])
    """
    dout = np.asarray(dout, dtype=np.float64)
    dF = np.asarray(dF, dtype=np.float64)
    if dout.shape != dF.shape:
        raise ValueError(f"dF must have dout's shape {dout.shape}, got {dF.shape}")
    return dout + dF


def basic_block_forward(x: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray,
                        b2: np.ndarray, stride: int = 1, w_proj: np.ndarray | None = None,
                        b_proj: np.ndarray | None = None) -> np.ndarray:
    """ResNet's basic block at test time (batch norms folded into the weights), in numpy.

    x: (N, C_in, H, W).
    w1: (C_out, C_in, 3, 3), b1: (C_out,): the first 3x3 convolution, stride `stride`, padding 1.
    w2: (C_out, C_out, 3, 3), b2: (C_out,): the second 3x3 convolution, stride 1, padding 1.
    w_proj: (C_out, C_in, 1, 1) and b_proj: (C_out,): the shortcut's 1x1 projection, stride
        `stride`, padding 0; both None for the identity shortcut (C_out == C_in, stride 1).
    Returns out: np.ndarray of shape (N, C_out, H', W'), H' = (H - 1) // stride + 1 and
        W' = (W - 1) // stride + 1; returns float64.
        out = relu(conv(relu(conv(x, w1, b1, stride, 1)), w2, b2, 1, 1) + shortcut(x)), with
        shortcut(x) = x, or conv(x, w_proj, b_proj, stride, 0); conv is conv2d_fast.
    Raises ValueError, naming the shapes, if x is not 4-D, the weights or biases do not fit x
    and each other, only one of w_proj and b_proj is given, stride is not a positive int, or the
    identity shortcut is asked for where the shape changes.

    EXAMPLE:
        >>> x = np.ones((1, 2, 4, 4)); w = np.zeros((2, 2, 3, 3)); b = np.zeros(2)
        >>> basic_block_forward(x, w, b, w, b).shape     # a zero branch: out = relu(x)
        (1, 2, 4, 4)
    """
    x = np.asarray(x, dtype=np.float64)
    w1, b1, w2, b2 = (np.asarray(a, dtype=np.float64) for a in (w1, b1, w2, b2))
    if x.ndim != 4:
        raise ValueError(f"x must be (N, C_in, H, W), got shape {x.shape}")
    if not _is_int(stride) or stride < 1:
        raise ValueError(f"stride must be a positive int, got {stride!r}")
    c_in = x.shape[1]
    c_out = w1.shape[0] if w1.ndim == 4 else -1
    if w1.shape != (c_out, c_in, 3, 3):
        raise ValueError(f"w1 must be (C_out, C_in, 3, 3) with C_in = {c_in} (x {x.shape}), "
                         f"got {w1.shape}")
    if w2.shape != (c_out, c_out, 3, 3):
        raise ValueError(f"w2 must be (C_out, C_out, 3, 3) = {(c_out, c_out, 3, 3)}, got {w2.shape}")
    for name, b in (("b1", b1), ("b2", b2)):
        if b.shape != (c_out,):
            raise ValueError(f"{name} must be (C_out,) = ({c_out},), got {b.shape}")
    if (w_proj is None) != (b_proj is None):
        raise ValueError("give both w_proj and b_proj (a projection) or neither (the identity)")
    if w_proj is None:
        if c_out != c_in or stride != 1:
            raise ValueError(f"the identity shortcut needs the shape kept, but x {x.shape} becomes "
                             f"C_out = {c_out} channels with stride {stride}: pass w_proj, b_proj")
        shortcut = x
    else:
        w_proj = np.asarray(w_proj, dtype=np.float64)
        b_proj = np.asarray(b_proj, dtype=np.float64)
        if w_proj.shape != (c_out, c_in, 1, 1) or b_proj.shape != (c_out,):
            raise ValueError(f"w_proj must be {(c_out, c_in, 1, 1)} and b_proj ({c_out},), got "
                             f"{w_proj.shape} and {b_proj.shape}")
        shortcut = conv2d_fast(x, w_proj, b_proj, stride=stride, padding=0)
    h = relu(conv2d_fast(x, w1, b1, stride=stride, padding=1))
    f = conv2d_fast(h, w2, b2, stride=1, padding=1)
    return relu(f + shortcut)


class BasicBlock(nn.Module):
    """ResNet's basic block (ResNet-18 and ResNet-34), as torchvision builds it.

    in_ch: C_in, the input's channels; out_ch: C_out, the output's channels; stride: 1, or 2 to
        halve the maps (the first 3x3 convolution and the projection carry it).
    Returns block: an nn.Module (an instance of this class) mapping x (N, C_in, H, W) to
        (N, C_out, H', W'), H' = (H - 1) // stride + 1 (the same for W):
        out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), where conv1 is
        nn.Conv2d(C_in, C_out, 3, stride=stride, padding=1, bias=False), conv2 is
        nn.Conv2d(C_out, C_out, 3, padding=1, bias=False), bn1 and bn2 are nn.BatchNorm2d(C_out);
        shortcut(x) is x itself when stride == 1 and C_in == C_out, else the projection
        nn.Sequential(nn.Conv2d(C_in, C_out, 1, stride=stride, bias=False),
        nn.BatchNorm2d(C_out)) (torchvision's downsample). BasicBlock(64, 64) has 73,984
        parameters, BasicBlock(64, 128, stride=2) 230,144.
    Raises ValueError unless in_ch, out_ch and stride are positive ints.
    expansion = 1: the output has out_ch * expansion channels (resnet reads it).

    EXAMPLE:
        >>> BasicBlock(64, 128, stride=2)(torch.zeros(1, 64, 56, 56)).shape
        torch.Size([1, 128, 28, 28])
    """

    expansion = 1

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1):
        super().__init__()
        for name, value in (("in_ch", in_ch), ("out_ch", out_ch), ("stride", stride)):
            if not _is_int(value) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        self.downsample = None   # the shortcut: the identity, or a projection
        if stride != 1 or in_ch != out_ch:
            self.downsample = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(out_ch))
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut)


class Bottleneck(nn.Module):
    """ResNet's bottleneck block (ResNet-50, -101 and -152), torchvision's ResNet v1.5.

    in_ch: C_in, the input's channels; width: the reduced channels of the 3x3 convolution; the
        output has C_out = 4 * width channels (expansion = 4); stride: 1, or 2 to halve the maps
        (the 3x3 convolution and the projection carry it: ResNet v1.5).
    Returns block: an nn.Module (an instance of this class) mapping x (N, C_in, H, W) to
        (N, 4 * width, H', W'), H' = (H - 1) // stride + 1 (the same for W):
        out = relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x)), where
        conv1 is nn.Conv2d(C_in, width, 1, bias=False), conv2 is nn.Conv2d(width, width, 3,
        stride=stride, padding=1, bias=False), conv3 is nn.Conv2d(width, 4 * width, 1,
        bias=False), each followed by its nn.BatchNorm2d; shortcut(x) is x itself when
        stride == 1 and C_in == 4 * width, else the projection nn.Sequential(nn.Conv2d(C_in,
        4 * width, 1, stride=stride, bias=False), nn.BatchNorm2d(4 * width)).
        Bottleneck(256, 64) has 70,400 parameters, Bottleneck(256, 128, stride=2) 379,392.
    Raises ValueError unless in_ch, width and stride are positive ints.
    expansion = 4: the output has width * expansion channels (resnet reads it).

    EXAMPLE:
        >>> Bottleneck(256, 128, stride=2)(torch.zeros(1, 256, 56, 56)).shape
        torch.Size([1, 512, 28, 28])
    """

    expansion = 4

    def __init__(self, in_ch: int, width: int, stride: int = 1):
        super().__init__()
        for name, value in (("in_ch", in_ch), ("width", width), ("stride", stride)):
            if not _is_int(value) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        out_ch = width * self.expansion
        self.downsample = None   # the shortcut: the identity, or a projection
        if stride != 1 or in_ch != out_ch:
            self.downsample = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(out_ch))
        self.conv1 = nn.Conv2d(in_ch, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out_ch, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut)


def resnet(block: type[nn.Module], layers, num_classes: int = 1000, width: int = 64) -> nn.Module:
    """A ResNet built from its stage table, as torchvision builds it.

    block: the block class, BasicBlock or Bottleneck, called as block(in_ch, planes, stride);
        its output has planes * block.expansion channels.
    layers: the number of blocks in each of the four stages, e.g. [2, 2, 2, 2] for ResNet-18.
    num_classes: the fc layer's outputs. width: the stem's channels and the first stage's
        planes; stage k (k = 0, ..., 3) has planes = width * 2**k (64, 128, 256, 512 for 64).
    Returns model: an nn.Module mapping x (N, 3, H, W) to scores (N, num_classes):
        the stem (nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False),
        nn.BatchNorm2d(width), ReLU, nn.MaxPool2d(3, stride=2, padding=1)); four stages, each
        an nn.Sequential of layers[k] blocks, the first block of stages 1 to 3 with stride 2
        and every other block with stride 1, each block's in_ch the previous block's output
        channels (width for the first); nn.AdaptiveAvgPool2d((1, 1)), flatten,
        nn.Linear(8 * width * block.expansion, num_classes). With 1000 classes:
        11,689,512 parameters (ResNet-18), 21,797,672 (34), 25,557,032 (50), 44,549,160 (101),
        60,192,808 (152).
    Raises ValueError unless layers holds four positive ints, num_classes >= 1 and width >= 1.

    EXAMPLE:
        >>> with torch.device("meta"):
        ...     model = resnet(Bottleneck, [3, 4, 6, 3])
        >>> sum(p.numel() for p in model.parameters())
        25557032
    """
    if (not isinstance(layers, list | tuple) or len(layers) != 4
            or not all(_is_int(n) and n >= 1 for n in layers)):
        raise ValueError(f"layers must hold four positive ints, got {layers!r}")
    for name, value in (("num_classes", num_classes), ("width", width)):
        if not _is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    parts = OrderedDict(
        conv1=nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False),
        bn1=nn.BatchNorm2d(width),
        relu=nn.ReLU(inplace=True),
        maxpool=nn.MaxPool2d(3, stride=2, padding=1))
    channels = width
    for k, n_blocks in enumerate(layers):
        planes = width * 2 ** k
        blocks = []
        for i in range(n_blocks):
            blocks.append(block(channels, planes, 2 if k > 0 and i == 0 else 1))
            channels = planes * block.expansion
        parts[f"layer{k + 1}"] = nn.Sequential(*blocks)
    parts["avgpool"] = nn.AdaptiveAvgPool2d((1, 1))
    parts["flatten"] = nn.Flatten()
    parts["fc"] = nn.Linear(channels, num_classes)
    return nn.Sequential(parts)


def resnet_by_name(block_name: str, layers, num_classes: int = 1000, width: int = 64) -> nn.Module:
    """resnet(block, layers, num_classes, width=width) with the block given by its name,
    "BasicBlock" or "Bottleneck" (the classes of this notebook). The hidden tests call your resnet
    through it: a class cannot be sent into the grading sandbox, its name can."""
    names = ("BasicBlock", "Bottleneck")
    if block_name not in names:
        raise ValueError(f"block_name must be one of {names}, got {block_name!r}")
    missing = [name for name in ("resnet", *names) if name not in globals()]
    if missing:
        raise NameError(f"{', '.join(missing)} not defined: its answer cell did not run (look for a "
                        "syntax error in it)")
    return globals()["resnet"](globals()[block_name], list(layers), num_classes, width=width)


def resnet10(num_classes: int = 10, seed: int = 0) -> nn.Module:
    """The reduced ResNet of section 6 and of bench/training.py, ResNet-10: resnet(BasicBlock,
    [1, 1, 1, 1], num_classes, width=16), one basic block per stage at a quarter of the width,
    its initial weights drawn after torch.manual_seed(seed). In the notebook: your resnet and
    BasicBlock."""
    torch.manual_seed(seed)
    return resnet(BasicBlock, [1, 1, 1, 1], num_classes, width=16)


def train_digits_resnet(model: nn.Module, seed: int = 0, epochs: int = 20, lr: float = 3e-3,
                        shift: int = 2, batch_size: int = 64, data: tuple | None = None,
                        progress: bool = True, verbose: bool = True) -> History:
    """Train `model` ((N, 3, 32, 32) -> (N, 10)) on `data` (default: the standardized digits at
    32x32 with three channels) through coursekit.train.fit: Adam at lr decayed along a cosine to
    0 over `epochs` epochs, random shifts of up to `shift` pixels (no flips), batches of
    `batch_size`, one thread, seed `seed`. Returns the History."""
    data = standardized_digits(32, channels=3) if data is None else data
    steps = epochs * -(-len(data[0]) // batch_size)
    return fit(model, data, epochs=epochs, lr=lr, optimizer=cosine_optimizer(torch.optim.Adam, steps),
               batch_size=batch_size, augment=random_crop_flip(pad=shift, flip=False), seed=seed,
               progress=progress, verbose=verbose)
