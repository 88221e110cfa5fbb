# Generated from source/09_densenet/09_densenet.ipynb by `make release`. Do not edit:
# change the source notebook, then run `make release`.
"""Reference solutions for notebook 09 — DenseNet: dense connectivity, growth rate, transitions, and the memory cost of concatenation."""

import math
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from coursekit.datasets import digits
from coursekit.train import History, fit, random_crop_flip


def _is_int(v) -> bool:
    """True for a Python or numpy integer (not a bool)."""
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


# torchvision's DenseNets (Huang et al. 2017, Table 1): growth rate k, block_config, and the
# stem's channels (num_init_features, 2k)
DENSENETS = {
    "DenseNet-121": (32, (6, 12, 24, 16), 64),
    "DenseNet-169": (32, (6, 12, 32, 32), 64),
    "DenseNet-201": (32, (6, 12, 48, 32), 64),
    "DenseNet-161": (48, (6, 12, 36, 24), 96),
}


def densenet_channels(num_init_features: int, growth_rate: int, block_config,
                      compression: float = 0.5) -> tuple[int, ...]:
    """The channels of a DenseNet after every dense block and every transition.

    num_init_features: c_0 of the first block, the stem's channels (64 in DenseNet-121).
    growth_rate: k, the channels each layer of a dense block adds.
    block_config: the number of layers of each dense block, e.g. (6, 12, 24, 16).
    compression: θ in (0, 1]: a transition keeps floor(θ * c) of its c input channels (0.5 in
        DenseNet-BC and torchvision; 1 keeps them all).
    Returns channels: a tuple of ints, 2 * len(block_config) - 1 of them: the channels after
        dense block 1, after transition 1, after dense block 2, ..., after the last dense block
        (no transition follows it). A block of n layers adds n * k channels to its input.
        DenseNet-121: densenet_channels(64, 32, (6, 12, 24, 16)) is
        (256, 128, 512, 256, 1024, 512, 1024).
    Raises ValueError unless num_init_features and growth_rate are positive ints, block_config
        is a non-empty list or tuple of positive ints, and 0 < compression <= 1.

    EXAMPLE:
        >>> densenet_channels(24, 12, (2, 2))
        (48, 24, 48)
    """
    for name, value in (("num_init_features", num_init_features), ("growth_rate", growth_rate)):
        if not _is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if (not isinstance(block_config, list | tuple) or not block_config
            or not all(_is_int(n) and n >= 1 for n in block_config)):
        raise ValueError("block_config must be a non-empty list or tuple of positive ints, got "
                         f"{block_config!r}")
    if (isinstance(compression, bool | np.bool_)
            or not isinstance(compression, int | float | np.integer | np.floating)
            or not 0 < compression <= 1):
        raise ValueError(f"compression must be a number in (0, 1], got {compression!r}")
    channels, c = [], int(num_init_features)
    for i, n in enumerate(block_config):
        c += int(n) * int(growth_rate)
        channels.append(c)
        if i < len(block_config) - 1:   # a transition follows every block but the last
            c = math.floor(compression * c)
            channels.append(c)
    return tuple(channels)


class DenseLayer(nn.Module):
    """One layer of a dense block, DenseNet-BC's bottleneck layer, as torchvision builds it.

    in_ch: C_in, the channels of the layer's input (everything before it in its block);
        growth_rate: k, the new maps it adds; bn_size: the bottleneck's factor, its 1x1
        convolution makes bn_size * k channels (4 in DenseNet-BC).
    Returns layer: an nn.Module (an instance of this class) mapping x (N, C_in, H, W) to
        (N, C_in + k, H, W): torch.cat([x, new], dim=1), the input first, then the k new maps
        new = conv2(relu(norm2(conv1(relu(norm1(x)))))), where norm1 is nn.BatchNorm2d(C_in),
        conv1 is nn.Conv2d(C_in, bn_size * k, 1, bias=False), norm2 is
        nn.BatchNorm2d(bn_size * k) and conv2 is nn.Conv2d(bn_size * k, k, 3, padding=1,
        bias=False): pre-activation, each convolution after its batch norm and ReLU.
        DenseLayer(64, 32) has 45,440 parameters.
    Raises ValueError unless in_ch, growth_rate and bn_size are positive ints.

    EXAMPLE:
        >>> DenseLayer(64, 32)(torch.zeros(1, 64, 56, 56)).shape
        torch.Size([1, 96, 56, 56])
    """

    def __init__(self, in_ch: int, growth_rate: int, bn_size: int = 4):
        super().__init__()
        for name, value in (("in_ch", in_ch), ("growth_rate", growth_rate), ("bn_size", bn_size)):
            if not _is_int(value) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        width = bn_size * growth_rate   # the bottleneck
        self.norm1 = nn.BatchNorm2d(in_ch)
        self.conv1 = nn.Conv2d(in_ch, width, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, growth_rate, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        new = self.conv1(F.relu(self.norm1(x)))
        new = self.conv2(F.relu(self.norm2(new)))
        return torch.cat([x, new], dim=1)


class DenseBlock(nn.Module):
    """A dense block: num_layers DenseLayers, each reading everything before it in the block.

    num_layers: L; in_ch: c_0, the block's input channels; growth_rate: k; bn_size: passed to
        every DenseLayer.
    Returns block: an nn.Module (an instance of this class) mapping x (N, c_0, H, W) to
        (N, c_0 + L * k, H, W). Layer i (i = 0, ..., L - 1) is DenseLayer(c_0 + i * k, k,
        bn_size); forward applies the layers in turn, each to the previous layer's output,
        which already holds the block's input and every earlier layer's new maps (DenseLayer
        concatenates). DenseBlock(6, 64, 32), DenseNet-121's first block, has 335,040
        parameters and outputs 256 channels.
    Raises ValueError unless num_layers, in_ch, growth_rate and bn_size are positive ints.

    EXAMPLE:
        >>> DenseBlock(6, 64, 32)(torch.zeros(1, 64, 56, 56)).shape
        torch.Size([1, 256, 56, 56])
    """

    def __init__(self, num_layers: int, in_ch: int, growth_rate: int, bn_size: int = 4):
        super().__init__()
        for name, value in (("num_layers", num_layers), ("in_ch", in_ch),
                            ("growth_rate", growth_rate), ("bn_size", bn_size)):
            if not _is_int(value) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        for i in range(num_layers):
            self.add_module(f"denselayer{i + 1}",
                            DenseLayer(in_ch + i * growth_rate, growth_rate, bn_size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.children():
            x = layer(x)   # each layer returns its input and its new maps
        return x


class Transition(nn.Module):
    """A transition layer between two dense blocks, as torchvision builds it.

    in_ch: C_in, the channels of the dense block before it; out_ch: C_out, the channels it
        keeps (floor(θ * C_in) for a compression θ: C_in // 2 in DenseNet-BC).
    Returns transition: an nn.Module (an instance of this class) mapping x (N, C_in, H, W) to
        (N, C_out, H // 2, W // 2): pool(conv(relu(norm(x)))), where norm is
        nn.BatchNorm2d(C_in), conv is nn.Conv2d(C_in, C_out, 1, bias=False) and pool is
        nn.AvgPool2d(2, stride=2). Transition(256, 128) has 33,280 parameters.
    Raises ValueError unless in_ch and out_ch are positive ints.

    EXAMPLE:
        >>> Transition(256, 128)(torch.zeros(1, 256, 56, 56)).shape
        torch.Size([1, 128, 28, 28])
    """

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        for name, value in (("in_ch", in_ch), ("out_ch", out_ch)):
            if not _is_int(value) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        self.norm = nn.BatchNorm2d(in_ch)
        self.conv = nn.Conv2d(in_ch, out_ch, 1, bias=False)
        self.pool = nn.AvgPool2d(2, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.conv(F.relu(self.norm(x))))


def densenet(growth_rate: int, block_config, num_init_features: int,
             num_classes: int = 1000) -> nn.Module:
    """A DenseNet-BC built from its configuration, as torchvision builds it.

    growth_rate: k; block_config: the number of layers of each dense block, e.g.
        (6, 12, 24, 16) for DenseNet-121; num_init_features: the stem's channels (2k in the
        paper: 64 for k = 32); num_classes: the fc layer's outputs.
    Returns model: an nn.Module mapping x (N, 3, H, W) to scores (N, num_classes): the stem
        (nn.Conv2d(3, num_init_features, 7, stride=2, padding=3, bias=False),
        nn.BatchNorm2d(num_init_features), ReLU, nn.MaxPool2d(3, stride=2, padding=1)); for
        each entry n of block_config a DenseBlock(n, c, k) and, after every block but the last,
        a Transition(c, c // 2), c tracking the channels; then nn.BatchNorm2d(c), ReLU,
        nn.AdaptiveAvgPool2d((1, 1)), flatten and nn.Linear(c, num_classes). With 1000
        classes: 7,978,856 parameters (DenseNet-121, densenet(32, (6, 12, 24, 16), 64)),
        14,149,480 (169), 20,013,928 (201), 28,681,000 (161, densenet(48, (6, 12, 36, 24), 96)).
    Raises ValueError unless growth_rate, num_init_features and num_classes are positive ints
        and block_config is a non-empty list or tuple of positive ints.

    EXAMPLE:
        >>> with torch.device("meta"):
        ...     model = densenet(32, (6, 12, 24, 16), 64)
        >>> sum(p.numel() for p in model.parameters())
        7978856
    """
    for name, value in (("growth_rate", growth_rate), ("num_init_features", num_init_features),
                        ("num_classes", num_classes)):
        if not _is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if (not isinstance(block_config, list | tuple) or not block_config
            or not all(_is_int(n) and n >= 1 for n in block_config)):
        raise ValueError("block_config must be a non-empty list or tuple of positive ints, got "
                         f"{block_config!r}")
    features = OrderedDict(
        conv0=nn.Conv2d(3, num_init_features, 7, stride=2, padding=3, bias=False),
        norm0=nn.BatchNorm2d(num_init_features),
        relu0=nn.ReLU(inplace=True),
        pool0=nn.MaxPool2d(3, stride=2, padding=1))
    c = num_init_features
    for i, n in enumerate(block_config):
        features[f"denseblock{i + 1}"] = DenseBlock(n, c, growth_rate)
        c += n * growth_rate
        if i < len(block_config) - 1:
            features[f"transition{i + 1}"] = Transition(c, c // 2)
            c //= 2
    features["norm5"] = nn.BatchNorm2d(c)
    return nn.Sequential(OrderedDict(
        features=nn.Sequential(features),
        relu=nn.ReLU(inplace=True),
        pool=nn.AdaptiveAvgPool2d((1, 1)),
        flatten=nn.Flatten(),
        classifier=nn.Linear(c, num_classes)))


def saved_activations(model: nn.Module, x: torch.Tensor) -> int:
    """The number of feature-map values that autograd keeps for the backward pass of model(x).

    Every 4-D tensor that an operation of the forward pass saves (a batch norm keeps its input,
    a convolution its input, a ReLU its output) is recorded through autograd's saved-tensor
    hooks; each storage counts once, and the model's parameters and buffers are left out.
    (tracemalloc cannot do this: torch allocates tensors outside Python's allocator.) x should
    require grad, as a block's input inside a network does. Returns an int (values, not bytes:
    4 bytes each in float32).
    """
    own = {t.untyped_storage().data_ptr() for t in (*model.parameters(), *model.buffers())}
    kept: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        if t.dim() == 4 and t.untyped_storage().data_ptr() not in own:
            kept[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes() // t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = model(x)
    del out
    return sum(kept.values())


class CheckpointedDenseBlock(nn.Module):
    """A dense block as torchvision's DenseNet(memory_efficient=True) runs it.

    Layer i has the parameters of DenseLayer(in_ch + i * k, k, bn_size): norm1, conv1, norm2,
    conv2. The block keeps a list of maps (its input, then each layer's k new maps); layer i
    concatenates the list and applies norm1, ReLU and conv1, under torch.utils.checkpoint when
    memory_efficient is True and gradients are on (the concatenation is recomputed in the
    backward pass instead of kept), then norm2, ReLU and conv2. Returns the concatenation of
    the list: (N, in_ch + num_layers * k, H, W), the same function as DenseBlock.
    """

    def __init__(self, num_layers: int, in_ch: int, growth_rate: int, bn_size: int = 4,
                 memory_efficient: bool = True):
        super().__init__()
        self.memory_efficient = memory_efficient
        width = bn_size * growth_rate
        self.layers = nn.ModuleList(
            nn.ModuleDict({"norm1": nn.BatchNorm2d(c), "conv1": nn.Conv2d(c, width, 1, bias=False),
                           "norm2": nn.BatchNorm2d(width),
                           "conv2": nn.Conv2d(width, growth_rate, 3, padding=1, bias=False)})
            for c in (in_ch + i * growth_rate for i in range(num_layers)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for layer in self.layers:
            def bottleneck(*maps: torch.Tensor, layer=layer) -> torch.Tensor:
                return layer["conv1"](F.relu(layer["norm1"](torch.cat(maps, dim=1))))

            if self.memory_efficient and torch.is_grad_enabled():
                out = checkpoint(bottleneck, *features, use_reentrant=False)
            else:
                out = bottleneck(*features)
            features.append(layer["conv2"](F.relu(layer["norm2"](out))))
        return torch.cat(features, dim=1)


def concat_memory(num_layers: int, in_ch: int, growth_rate: int, h: int, w: int) -> int:
    """The values of the concatenations a naive dense block keeps for the backward pass, per
    image.

    num_layers: L; in_ch: c_0, the block's input channels; growth_rate: k; h, w: the maps' height
        and width.
    Returns values: int, the sum over l = 0, ..., L - 1 of (c_0 + l * k) * h * w: layer l reads
        the concatenation of the block's input and of the k new maps of each of the l layers
        before it, (c_0 + l * k) maps of h x w, which the naive block materialises and keeps.
        In closed form h * w * (L * c_0 + k * L * (L - 1) / 2): it grows with the square of L.
        DenseNet-121's third block: concat_memory(24, 256, 32, 14, 14) = 2,935,296.
    Raises ValueError unless every argument is a positive int.

    EXAMPLE:
        >>> concat_memory(2, 3, 2, 4, 5)   # (3 + 5) maps of 4 x 5
        160
    """
    for name, value in (("num_layers", num_layers), ("in_ch", in_ch),
                        ("growth_rate", growth_rate), ("h", h), ("w", w)):
        if not _is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    L, c0, k = int(num_layers), int(in_ch), int(growth_rate)
    return int(h) * int(w) * (L * c0 + k * L * (L - 1) // 2)


def digits_densenet(num_classes: int = 10, seed: int = 0) -> nn.Module:
    """The reduced DenseNet of section 6 and of bench/training.py, DenseNet-21:
    densenet(12, (2, 2, 2, 2), 24, num_classes), growth rate 12 and four blocks of two layers,
    its initial weights drawn after torch.manual_seed(seed). In the notebook: your densenet,
    DenseBlock, DenseLayer and Transition."""
    torch.manual_seed(seed)
    return densenet(12, (2, 2, 2, 2), 24, num_classes)


def train_digits_densenet(model: nn.Module, seed: int = 0, epochs: int = 10, lr: float = 3e-3,
                          shift: int = 2, batch_size: int = 64, progress: bool = True,
                          verbose: bool = True) -> History:
    """Train `model` ((N, 3, 32, 32) -> (N, 10)) on the digits at 32x32, standardized, on three
    channels (coursekit.datasets.digits) through coursekit.train.fit: Adam at lr decayed along a
    cosine to 0 over `epochs` epochs, random shifts of up to `shift` pixels (no flips), batches
    of `batch_size`, one thread, seed `seed`. Returns the History."""
    data = digits(32, channels=3, standardize=True)
    return fit(model, data, epochs=epochs, lr=lr, optimizer="adam", schedule="cosine",
               batch_size=batch_size, augment=random_crop_flip(pad=shift, flip=False), seed=seed,
               progress=progress, verbose=verbose)
