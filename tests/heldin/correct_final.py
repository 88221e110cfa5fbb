# ruff: noqa: E501
"""Correct solutions for notebooks 09 and 10 in several styles, written from the student notebooks
alone (held-in set, final notebooks). Same format as tests/heldin/correct.py, whose STYLES these
extend (correct.py imports this module at its bottom, after correct_late).

The styles, per notebook:

- ``loops``: straightforward explicit code, torchvision's attribute names, modules registered
  with add_module and nn.Sequential built in a loop;
- ``modules``: another construction: OrderedDict Sequentials, nn.ModuleList, functional
  forwards (F.relu, F.adaptive_avg_pool2d), vectorised counts, a global forward hook;
- ``helpers``: answers that call helper functions, imports and constants defined only in code
  cells the student added before the answer cells;
- ``scratch``: correct code left the way students leave it: debug prints, IPython magics,
  leftover test calls, commented-out attempts.
"""

from __future__ import annotations

from tests.heldin.correct import Style

A9, A10 = "09_densenet", "10_comparison"

# ---------------------------------------------------------------------------------------------
# 09_densenet
# ---------------------------------------------------------------------------------------------

C09_LOOPS = {
    "densenet_channels": r'''def densenet_channels(num_init_features: int, growth_rate: int, block_config,
                      compression: float = 0.5) -> tuple[int, ...]:
    """The channels of a DenseNet after every dense block and every transition."""
    if not _is_int(num_init_features) or num_init_features < 1:
        raise ValueError(f"num_init_features must be a positive int, got {num_init_features!r}")
    if not _is_int(growth_rate) or growth_rate < 1:
        raise ValueError(f"growth_rate must be a positive int, got {growth_rate!r}")
    if not isinstance(block_config, list | tuple) or len(block_config) == 0:
        raise ValueError(f"block_config must be a non-empty list or tuple, got {block_config!r}")
    for n in block_config:
        if not _is_int(n) or n < 1:
            raise ValueError(f"block_config must hold positive ints, got {block_config!r}")
    if isinstance(compression, bool) or not isinstance(compression, int | float | np.integer | np.floating):
        raise ValueError(f"compression must be a number in (0, 1], got {compression!r}")
    if not 0 < compression <= 1:
        raise ValueError(f"compression must be in (0, 1], got {compression!r}")
    channels = []
    c = int(num_init_features)
    for i, n in enumerate(block_config):
        c = c + int(n) * int(growth_rate)
        channels.append(c)
        if i < len(block_config) - 1:
            c = int(math.floor(compression * c))
            channels.append(c)
    return tuple(channels)
''',
    "DenseLayer": r'''class DenseLayer(nn.Module):
    """One layer of a dense block, DenseNet-BC's bottleneck layer, as torchvision builds it."""

    def __init__(self, in_ch: int, growth_rate: int, bn_size: int = 4):
        super().__init__()
        for name, v in (("in_ch", in_ch), ("growth_rate", growth_rate), ("bn_size", bn_size)):
            if not _is_int(v) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        width = bn_size * growth_rate
        self.norm1 = nn.BatchNorm2d(in_ch)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_ch, width, kernel_size=1, stride=1, bias=False)
        self.norm2 = nn.BatchNorm2d(width)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(width, growth_rate, kernel_size=3, stride=1, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(self.relu1(self.norm1(x)))
        new = self.conv2(self.relu2(self.norm2(out)))
        return torch.cat([x, new], dim=1)
''',
    "DenseBlock": r'''class DenseBlock(nn.Module):
    """A dense block: num_layers DenseLayers, each reading everything before it in the block."""

    def __init__(self, num_layers: int, in_ch: int, growth_rate: int, bn_size: int = 4):
        super().__init__()
        for name, v in (("num_layers", num_layers), ("in_ch", in_ch),
                        ("growth_rate", growth_rate), ("bn_size", bn_size)):
            if not _is_int(v) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        self.num_layers = int(num_layers)
        for i in range(num_layers):
            layer = DenseLayer(in_ch + i * growth_rate, growth_rate, bn_size)
            self.add_module(f"denselayer{i + 1}", layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for i in range(self.num_layers):
            layer = getattr(self, f"denselayer{i + 1}")
            out = layer(out)
        return out
''',
    "Transition": r'''class Transition(nn.Module):
    """A transition layer between two dense blocks, as torchvision builds it."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        if not _is_int(in_ch) or in_ch < 1:
            raise ValueError(f"in_ch must be a positive int, got {in_ch!r}")
        if not _is_int(out_ch) or out_ch < 1:
            raise ValueError(f"out_ch must be a positive int, got {out_ch!r}")
        self.norm = nn.BatchNorm2d(in_ch)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size=1, stride=1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x)
        x = self.relu(x)
        x = self.conv(x)
        x = self.pool(x)
        return x
''',
    "densenet": r'''def densenet(growth_rate: int, block_config, num_init_features: int,
             num_classes: int = 1000) -> nn.Module:
    """A DenseNet-BC built from its configuration, as torchvision builds it."""
    if not _is_int(growth_rate) or growth_rate < 1:
        raise ValueError(f"growth_rate must be a positive int, got {growth_rate!r}")
    if not _is_int(num_init_features) or num_init_features < 1:
        raise ValueError(f"num_init_features must be a positive int, got {num_init_features!r}")
    if not _is_int(num_classes) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    if not isinstance(block_config, list | tuple) or len(block_config) == 0:
        raise ValueError(f"block_config must be a non-empty list or tuple, got {block_config!r}")
    for n in block_config:
        if not _is_int(n) or n < 1:
            raise ValueError(f"block_config must hold positive ints, got {block_config!r}")
    features = nn.Sequential()
    features.add_module("conv0", nn.Conv2d(3, num_init_features, kernel_size=7, stride=2,
                                           padding=3, bias=False))
    features.add_module("norm0", nn.BatchNorm2d(num_init_features))
    features.add_module("relu0", nn.ReLU(inplace=True))
    features.add_module("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    c = num_init_features
    for i, n in enumerate(block_config):
        features.add_module(f"denseblock{i + 1}", DenseBlock(n, c, growth_rate))
        c = c + n * growth_rate
        if i != len(block_config) - 1:
            features.add_module(f"transition{i + 1}", Transition(c, c // 2))
            c = c // 2
    features.add_module("norm5", nn.BatchNorm2d(c))
    model = nn.Sequential()
    model.add_module("features", features)
    model.add_module("relu", nn.ReLU(inplace=True))
    model.add_module("avgpool", nn.AdaptiveAvgPool2d((1, 1)))
    model.add_module("flatten", nn.Flatten())
    model.add_module("classifier", nn.Linear(c, num_classes))
    return model
''',
    "concat_memory": r'''def concat_memory(num_layers: int, in_ch: int, growth_rate: int, h: int, w: int) -> int:
    """The values of the concatenations a naive dense block keeps for the backward pass."""
    args = {"num_layers": num_layers, "in_ch": in_ch, "growth_rate": growth_rate, "h": h, "w": w}
    for name, v in args.items():
        if not _is_int(v) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    total = 0
    for l in range(int(num_layers)):   # noqa: E741
        channels = int(in_ch) + l * int(growth_rate)
        total += channels * int(h) * int(w)
    return total
''',
}

C09_MODULES = {
    "densenet_channels": r'''from itertools import accumulate


def densenet_channels(num_init_features: int, growth_rate: int, block_config,
                      compression: float = 0.5) -> tuple[int, ...]:
    ok = lambda v: _is_int(v) and v > 0   # noqa: E731
    if not (ok(num_init_features) and ok(growth_rate)):
        raise ValueError(f"num_init_features and growth_rate must be positive ints, got "
                         f"{num_init_features!r} and {growth_rate!r}")
    if type(block_config) not in (list, tuple) or not block_config or not all(map(ok, block_config)):
        raise ValueError(f"block_config must be a non-empty list or tuple of positive ints, got {block_config!r}")
    try:
        theta = float(compression)
    except (TypeError, ValueError):
        raise ValueError(f"compression must be a number, got {compression!r}") from None
    if isinstance(compression, bool | np.bool_) or isinstance(compression, str) or not (0.0 < theta <= 1.0):
        raise ValueError(f"compression must be in (0, 1], got {compression!r}")
    k = int(growth_rate)

    def through(c: int, n: int, last: bool) -> list[int]:
        """A block of n layers, then its transition unless it is the last block."""
        grown = c + n * k
        return [grown] if last else [grown, math.floor(compression * grown)]

    out: list[int] = []
    c = int(num_init_features)
    for i, n in enumerate(block_config):
        out += through(c, int(n), i == len(block_config) - 1)
        c = out[-1]
    # the block outputs alone: the stem plus the running growth, less what transitions dropped
    assert out[::2][0] == int(num_init_features) + next(accumulate(int(n) * k for n in block_config))
    return tuple(int(v) for v in out)
''',
    "DenseLayer": r'''class DenseLayer(nn.Module):
    def __init__(self, in_ch: int, growth_rate: int, bn_size: int = 4):
        super().__init__()
        if not all(_is_int(v) and v > 0 for v in (in_ch, growth_rate, bn_size)):
            raise ValueError(f"DenseLayer({in_ch!r}, {growth_rate!r}, bn_size={bn_size!r}): "
                             "every argument must be a positive int")
        mid = int(bn_size) * int(growth_rate)
        self.bottleneck = nn.Sequential(OrderedDict([
            ("norm1", nn.BatchNorm2d(in_ch)),
            ("relu1", nn.ReLU()),
            ("conv1", nn.Conv2d(in_ch, mid, 1, bias=False)),
            ("norm2", nn.BatchNorm2d(mid)),
            ("relu2", nn.ReLU()),
            ("conv2", nn.Conv2d(mid, growth_rate, (3, 3), padding=(1, 1), bias=False)),
        ]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat((x, self.bottleneck(x)), 1)
''',
    "DenseBlock": r'''class DenseBlock(nn.Module):
    def __init__(self, num_layers: int, in_ch: int, growth_rate: int, bn_size: int = 4):
        super().__init__()
        args = (num_layers, in_ch, growth_rate, bn_size)
        if not all(_is_int(a) and a >= 1 for a in args):
            raise ValueError(f"DenseBlock{args}: every argument must be a positive int")
        self.layers = nn.ModuleList([DenseLayer(in_ch + i * growth_rate, growth_rate, bn_size=bn_size)
                                     for i in range(num_layers)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x
''',
    "Transition": r'''class Transition(nn.Module):
    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        if not (_is_int(in_ch) and in_ch > 0 and _is_int(out_ch) and out_ch > 0):
            raise ValueError(f"Transition({in_ch!r}, {out_ch!r}): positive ints only")
        self.norm = nn.BatchNorm2d(in_ch)
        self.conv = nn.Conv2d(in_ch, out_ch, (1, 1), bias=False)
        self.pool = nn.AvgPool2d((2, 2), stride=(2, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.conv(F.relu(self.norm(x))))
''',
    "densenet": r'''class DenseNet(nn.Module):
    """torchvision's DenseNet layout: features (stem, blocks, transitions, norm5), then a
    functional ReLU, global average pooling and the classifier."""

    def __init__(self, growth_rate: int, block_config, num_init_features: int, num_classes: int):
        super().__init__()
        parts = [
            ("conv0", nn.Conv2d(3, num_init_features, 7, 2, 3, bias=False)),
            ("norm0", nn.BatchNorm2d(num_init_features)),
            ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(3, 2, 1)),
        ]
        channels = num_init_features
        last = len(block_config) - 1
        for i, num_layers in enumerate(block_config):
            parts.append((f"denseblock{i + 1}", DenseBlock(num_layers, channels, growth_rate, 4)))
            channels += num_layers * growth_rate
            if i < last:
                parts.append((f"transition{i + 1}", Transition(channels, channels // 2)))
                channels //= 2
        parts.append(("norm5", nn.BatchNorm2d(channels)))
        self.features = nn.Sequential(OrderedDict(parts))
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.features(x), inplace=True)
        out = F.adaptive_avg_pool2d(out, (1, 1))
        return self.classifier(torch.flatten(out, 1))


def densenet(growth_rate: int, block_config, num_init_features: int,
             num_classes: int = 1000) -> nn.Module:
    for name, v in (("growth_rate", growth_rate), ("num_init_features", num_init_features),
                    ("num_classes", num_classes)):
        if not (_is_int(v) and v > 0):
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    if not (isinstance(block_config, list | tuple) and block_config
            and all(_is_int(n) and n > 0 for n in block_config)):
        raise ValueError(f"block_config must be a non-empty list or tuple of positive ints, got {block_config!r}")
    return DenseNet(int(growth_rate), [int(n) for n in block_config], int(num_init_features),
                    int(num_classes))
''',
    "concat_memory": r'''def concat_memory(num_layers: int, in_ch: int, growth_rate: int, h: int, w: int) -> int:
    values = np.array([num_layers, in_ch, growth_rate, h, w], dtype=object)
    if not all(_is_int(v) and v > 0 for v in values):
        raise ValueError(f"concat_memory{tuple(values)}: every argument must be a positive int")
    L = int(num_layers)
    inputs = int(in_ch) + np.arange(L, dtype=np.int64) * int(growth_rate)   # c_0 + l k
    return int(inputs.sum()) * int(h) * int(w)
''',
}

C09_HELPERS_ADDED = (
    ("densenet_channels", r'''# my helpers for notebook 09
import numbers

from torch.nn import BatchNorm2d, Conv2d


def positive_int(value, name):
    """value as an int, or ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def positive_ints(**values):
    return [positive_int(v, k) for k, v in values.items()]


def check_block_config(block_config):
    if not isinstance(block_config, (list, tuple)) or not block_config:
        raise ValueError(f"block_config must be a non-empty list or tuple, got {block_config!r}")
    return [positive_int(n, f"block_config[{i}]") for i, n in enumerate(block_config)]


BN_SIZE = 4
HALF = 0.5
'''),
    ("DenseLayer", r'''def bn_relu_conv(c_in, c_out, kernel_size, padding=0):
    """Pre-activation: BN, ReLU, then a convolution without bias."""
    return nn.Sequential(BatchNorm2d(c_in), nn.ReLU(inplace=True),
                         Conv2d(c_in, c_out, kernel_size, padding=padding, bias=False))
'''),
    ("densenet", r'''def stem(c):
    return [("conv0", nn.Conv2d(3, c, 7, stride=2, padding=3, bias=False)), ("norm0", nn.BatchNorm2d(c)),
            ("relu0", nn.ReLU(inplace=True)), ("pool0", nn.MaxPool2d(3, stride=2, padding=1))]


def head(c, num_classes):
    return nn.Sequential(nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
                         nn.Linear(c, num_classes))
'''),
)

C09_HELPERS_ANSWERS = {
    "densenet_channels": r'''def densenet_channels(num_init_features: int, growth_rate: int, block_config,
                      compression: float = 0.5) -> tuple[int, ...]:
    c, k = positive_ints(num_init_features=num_init_features, growth_rate=growth_rate)
    blocks = check_block_config(block_config)
    if isinstance(compression, bool) or not isinstance(compression, numbers.Real) or not 0 < compression <= 1:
        raise ValueError(f"compression must be in (0, 1], got {compression!r}")
    out = []
    for i, n in enumerate(blocks):
        if i:
            c = int(compression * c)   # int() floors a positive number
            out.append(c)
        c += n * k
        out.append(c)
    return tuple(out)
''',
    "DenseLayer": r'''class DenseLayer(nn.Module):
    def __init__(self, in_ch: int, growth_rate: int, bn_size: int = BN_SIZE):
        super().__init__()
        in_ch, k, bn_size = positive_ints(in_ch=in_ch, growth_rate=growth_rate, bn_size=bn_size)
        self.first = bn_relu_conv(in_ch, bn_size * k, 1)
        self.second = bn_relu_conv(bn_size * k, k, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.second(self.first(x))], dim=1)
''',
    "DenseBlock": r'''class DenseBlock(nn.Module):
    def __init__(self, num_layers: int, in_ch: int, growth_rate: int, bn_size: int = BN_SIZE):
        super().__init__()
        L, c0, k, b = positive_ints(num_layers=num_layers, in_ch=in_ch, growth_rate=growth_rate,
                                    bn_size=bn_size)
        self.block = nn.Sequential(*(DenseLayer(c0 + i * k, k, b) for i in range(L)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)
''',
    "Transition": r'''class Transition(nn.Module):
    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        in_ch, out_ch = positive_ints(in_ch=in_ch, out_ch=out_ch)
        self.body = bn_relu_conv(in_ch, out_ch, 1)
        self.pool = nn.AvgPool2d(2, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.body(x))
''',
    "densenet": r'''def densenet(growth_rate: int, block_config, num_init_features: int,
             num_classes: int = 1000) -> nn.Module:
    k, c0, num_classes = positive_ints(growth_rate=growth_rate, num_init_features=num_init_features,
                                       num_classes=num_classes)
    blocks = check_block_config(block_config)
    channels = densenet_channels(c0, k, blocks, HALF)   # my exercise 1: the same numbers as c // 2
    parts = stem(c0)
    c = c0
    for i, n in enumerate(blocks):
        parts.append((f"denseblock{i + 1}", DenseBlock(n, c, k)))
        c = channels[2 * i]
        if 2 * i + 1 < len(channels):
            parts.append((f"transition{i + 1}", Transition(c, channels[2 * i + 1])))
            c = channels[2 * i + 1]
    parts.append(("norm5", nn.BatchNorm2d(c)))
    return nn.Sequential(OrderedDict([("features", nn.Sequential(OrderedDict(parts))),
                                      ("classifier", head(c, num_classes))]))
''',
    "concat_memory": r'''def concat_memory(num_layers: int, in_ch: int, growth_rate: int, h: int, w: int) -> int:
    L, c0, k, h, w = positive_ints(num_layers=num_layers, in_ch=in_ch, growth_rate=growth_rate,
                                   h=h, w=w)
    return h * w * (L * c0 + k * (L * (L - 1) // 2))   # the closed form
''',
}

C09_SCRATCH = {
    "densenet_channels": r'''def densenet_channels(num_init_features: int, growth_rate: int, block_config,
                      compression: float = 0.5) -> tuple[int, ...]:
    # print(num_init_features, growth_rate, block_config, compression)
    if type(num_init_features) is bool or not isinstance(num_init_features, (int, np.integer)) or num_init_features <= 0:
        raise ValueError("bad num_init_features " + repr(num_init_features))
    if type(growth_rate) is bool or not isinstance(growth_rate, (int, np.integer)) or growth_rate <= 0:
        raise ValueError("bad growth_rate " + repr(growth_rate))
    if not isinstance(block_config, (list, tuple)) or len(block_config) < 1:
        raise ValueError("bad block_config " + repr(block_config))
    if any(not _is_int(b) or b <= 0 for b in block_config):
        raise ValueError("bad block_config " + repr(block_config))
    if not isinstance(compression, (int, float, np.number)) or isinstance(compression, bool):
        raise ValueError("bad compression " + repr(compression))
    if compression <= 0 or compression > 1:
        raise ValueError("bad compression " + repr(compression))
    res = []
    ch = num_init_features
    n_blocks = len(block_config)
    for idx in range(n_blocks):
        ch += block_config[idx] * growth_rate
        res.append(int(ch))
        if idx == n_blocks - 1:
            break
        # ch = ch // 2   # ignores compression
        ch = math.floor(ch * compression)
        res.append(int(ch))
    # print(res)
    return tuple(res)

print(densenet_channels(64, 32, (6, 12, 24, 16)))
densenet_channels(24, 12, (2, 2))
%time densenet_channels(48, 48, [6, 12, 36, 24])
''',
    "DenseLayer": r'''class DenseLayer(nn.Module):
    def __init__(self, in_ch: int, growth_rate: int, bn_size: int = 4):
        super().__init__()
        # print("DenseLayer", in_ch, growth_rate, bn_size)
        for v in [in_ch, growth_rate, bn_size]:
            if not _is_int(v):
                raise ValueError(f"not an int: {v!r}")
            if v <= 0:
                raise ValueError(f"not positive: {v!r}")
        self.conv1 = nn.Conv2d(in_ch, bn_size * growth_rate, kernel_size=1, bias=False)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, padding=1, bias=False)
        # the batch norms, added after the convolutions
        self.norm1 = nn.BatchNorm2d(in_ch)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # h = F.relu(self.norm1(self.conv1(x)))   # post-activation, wrong order
        h = self.conv1(F.relu(self.norm1(x)))
        h = self.conv2(F.relu(self.norm2(h)))
        # print(x.shape, h.shape)
        return torch.cat([x, h], dim=1)

with torch.device("meta"):
    print(sum(p.numel() for p in DenseLayer(64, 32).parameters()))   # 45440
%time DenseLayer(64, 32)(torch.zeros(1, 64, 56, 56)).shape
''',
    "DenseBlock": r'''class DenseBlock(nn.Module):
    def __init__(self, num_layers: int, in_ch: int, growth_rate: int, bn_size: int = 4):
        super().__init__()
        for v in (num_layers, in_ch, growth_rate, bn_size):
            if not _is_int(v) or v <= 0:
                raise ValueError(f"DenseBlock: bad argument {v!r}")
        # self.layers = [DenseLayer(in_ch + i * growth_rate, growth_rate) for i in range(num_layers)]   # not registered!
        layers = []
        ch = in_ch
        for i in range(num_layers):
            layers.append(DenseLayer(ch, growth_rate, bn_size))
            ch += growth_rate
        self.layers = nn.Sequential(*layers)
        self.out_channels = ch
        # print("block out", ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.layers(x)
        # assert y.shape[1] == self.out_channels
        return y

with torch.device("meta"):
    b = DenseBlock(6, 64, 32)
    print(sum(p.numel() for p in b.parameters()), b.out_channels)   # 335040 256
%time DenseBlock(2, 3, 2)(torch.zeros(1, 3, 4, 4)).shape
''',
    "Transition": r'''class Transition(nn.Module):
    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        if not _is_int(in_ch) or not _is_int(out_ch):
            raise ValueError(f"Transition wants ints, got {in_ch!r}, {out_ch!r}")
        if in_ch < 1 or out_ch < 1:
            raise ValueError(f"Transition wants positive channels, got {in_ch}, {out_ch}")
        # self.pool = nn.MaxPool2d(2, 2)
        self.pool = nn.AvgPool2d(2, stride=2)
        self.conv = nn.Conv2d(in_ch, out_ch, 1, bias=False)
        self.relu = nn.ReLU()
        self.norm = nn.BatchNorm2d(in_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.norm(x))
        out = self.conv(out)
        # print(out.shape)
        return self.pool(out)

print(Transition(256, 128)(torch.zeros(1, 256, 56, 56)).shape)
%timeit -n 1 -r 1 Transition(4, 2)(torch.zeros(1, 4, 8, 8))
''',
    "densenet": r'''def densenet(growth_rate: int, block_config, num_init_features: int,
             num_classes: int = 1000) -> nn.Module:
    if not _is_int(growth_rate) or growth_rate <= 0:
        raise ValueError(f"bad growth_rate {growth_rate!r}")
    if not _is_int(num_init_features) or num_init_features <= 0:
        raise ValueError(f"bad num_init_features {num_init_features!r}")
    if not _is_int(num_classes) or num_classes <= 0:
        raise ValueError(f"bad num_classes {num_classes!r}")
    if not isinstance(block_config, (list, tuple)) or len(block_config) == 0:
        raise ValueError(f"bad block_config {block_config!r}")
    for n in block_config:
        if not _is_int(n) or n <= 0:
            raise ValueError(f"bad block_config entry {n!r}")
    layers = [nn.Conv2d(3, num_init_features, 7, stride=2, padding=3, bias=False),
              nn.BatchNorm2d(num_init_features), nn.ReLU(inplace=True),
              nn.MaxPool2d(3, stride=2, padding=1)]
    c = num_init_features
    for i in range(len(block_config)):
        layers.append(DenseBlock(block_config[i], c, growth_rate))
        c += block_config[i] * growth_rate
        # print("after block", i + 1, c)
        if i + 1 < len(block_config):
            layers.append(Transition(c, c // 2))
            c //= 2
    # layers.append(Transition(c, c // 2))   # no! not after the last block
    layers += [nn.BatchNorm2d(c), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
               nn.Linear(c, num_classes)]
    return nn.Sequential(*layers)

with torch.device("meta"):
    for name, cfg in DENSENETS.items():
        print(name, sum(p.numel() for p in densenet(*cfg).parameters()))
%time densenet(12, (2, 2, 2, 2), 24, num_classes=10)(torch.zeros(2, 3, 32, 32)).shape
''',
    "concat_memory": r'''def concat_memory(num_layers: int, in_ch: int, growth_rate: int, h: int, w: int) -> int:
    for a in (num_layers, in_ch, growth_rate, h, w):
        if not _is_int(a) or a < 1:
            raise ValueError(f"concat_memory: {a!r} is not a positive int")
    L, c0, k = num_layers, in_ch, growth_rate
    # return h * w * (L * c0 + k * L * (L - 1) / 2)   # float!
    closed = h * w * (L * c0 + k * (L * (L - 1) // 2))
    looped = sum((c0 + l * k) * h * w for l in range(L))   # noqa: E741
    # print(closed, looped)
    assert closed == looped
    return int(closed)

print(concat_memory(24, 256, 32, 14, 14))   # 2,935,296
%time concat_memory(48, 256, 32, 14, 14)
''',
}

# ---------------------------------------------------------------------------------------------
# 10_comparison
# ---------------------------------------------------------------------------------------------

C10_LOOPS = {
    "count_macs": r'''def count_macs(model: nn.Module, input_shape) -> int:
    """The multiply-accumulates (MACs) of one forward pass of `model` on one example."""
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be an nn.Module, got {type(model).__name__}")
    if not isinstance(input_shape, tuple | list) or len(input_shape) == 0:
        raise ValueError(f"input_shape must be a non-empty tuple or list, got {input_shape!r}")
    for v in input_shape:
        if not _is_int(v) or v < 1:
            raise ValueError(f"input_shape must hold positive ints, got {input_shape!r}")
    total = 0

    def hook(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            c_out, h_out, w_out = output.shape[1], output.shape[2], output.shape[3]
            kh, kw = module.kernel_size
            total += c_out * h_out * w_out * (module.in_channels // module.groups) * kh * kw
        else:
            positions = output.numel() // module.out_features
            total += module.in_features * module.out_features * positions

    handles = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d | nn.Linear):
            handles.append(m.register_forward_hook(hook))
    params = list(model.parameters())
    device = params[0].device if params else torch.device("cpu")
    was_training = model.training
    try:
        model.eval()
        x = torch.zeros((1, *(int(v) for v in input_shape)), device=device)
        try:
            with torch.no_grad():
                model(x)
        except Exception as e:
            raise ValueError(f"the forward pass failed on input shape {tuple(input_shape)}: {e}") from e
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return int(total)
''',
}

C10_MODULES = {
    "count_macs": r'''import math
from functools import partial

from torch.nn.modules.module import register_module_forward_hook


def _macs(module: nn.Module, output: torch.Tensor) -> int:
    """MACs of one call: every output value sums the products of one filter (or one row)."""
    if isinstance(module, nn.Conv2d):
        return output.numel() * math.prod(module.weight.shape[1:])   # (C_in / groups) * KH * KW
    return output.numel() * module.in_features


def count_macs(model: nn.Module, input_shape) -> int:
    if not isinstance(model, nn.Module):
        raise ValueError(f"count_macs needs an nn.Module, got {model!r}")
    ok = isinstance(input_shape, tuple | list) and len(input_shape) > 0 and all(
        _is_int(v) and v > 0 for v in input_shape)
    if not ok:
        raise ValueError(f"input_shape must be a non-empty tuple or list of positive ints, got {input_shape!r}")
    mine = {id(m) for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)}
    calls: list[int] = []

    def on_forward(module, inputs, output, calls):
        if id(module) in mine:
            calls.append(_macs(module, output))

    modes = {m: m.training for m in model.modules()}   # per module, restored exactly
    device = next(iter(model.parameters()), torch.zeros(0)).device
    handle = register_module_forward_hook(partial(on_forward, calls=calls))
    try:
        model.eval()
        with torch.inference_mode():
            try:
                model(torch.zeros((1, *map(int, input_shape)), device=device))
            except Exception as err:
                raise ValueError(f"model fails on an input of shape (1, *{tuple(input_shape)}): "
                                 f"{type(err).__name__}: {err}") from None
    finally:
        handle.remove()
        for m, mode in modes.items():
            m.training = mode
    return int(sum(calls))
''',
}

C10_HELPERS_ADDED = (
    ("count_macs", r'''# helpers for count_macs
from contextlib import contextmanager

COUNTED = (nn.Conv2d, nn.Linear)


def conv_macs(conv, out):
    """C_out * H' * W' * (C_in / groups) * KH * KW for an output (1, C_out, H', W')."""
    _, c_out, h, w = out.shape
    kh, kw = conv.kernel_size
    return c_out * h * w * (conv.in_channels // conv.groups) * kh * kw


def linear_macs(fc, out):
    return fc.in_features * fc.out_features * (out.numel() // fc.out_features)


def layer_cost(module, out):
    return conv_macs(module, out) if isinstance(module, nn.Conv2d) else linear_macs(module, out)


def device_of(model):
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


@contextmanager
def eval_mode(model):
    was = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was)


def is_shape(s):
    return isinstance(s, (tuple, list)) and len(s) > 0 and all(_is_int(v) and v >= 1 for v in s)
'''),
)

C10_HELPERS_ANSWERS = {
    "count_macs": r'''def count_macs(model: nn.Module, input_shape) -> int:
    if not isinstance(model, nn.Module):
        raise ValueError(f"not an nn.Module: {model!r}")
    if not is_shape(input_shape):
        raise ValueError(f"bad input_shape {input_shape!r}")
    counts = []
    handles = [m.register_forward_hook(lambda mod, inp, out: counts.append(layer_cost(mod, out)))
               for m in model.modules() if isinstance(m, COUNTED)]
    try:
        with eval_mode(model), torch.no_grad():
            x = torch.zeros((1, *input_shape), device=device_of(model))
            try:
                model(x)
            except Exception as exc:
                raise ValueError(f"forward pass failed for input_shape {input_shape}: {exc}") from exc
    finally:
        for h in handles:
            h.remove()
    return int(sum(counts))
''',
}

C10_SCRATCH = {
    "count_macs": r'''def count_macs(model: nn.Module, input_shape) -> int:
    if not isinstance(model, nn.Module):
        raise ValueError("model is not an nn.Module: " + str(type(model)))
    if not isinstance(input_shape, (tuple, list)) or not input_shape:
        raise ValueError("bad input_shape " + repr(input_shape))
    if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s <= 0 for s in input_shape):
        raise ValueError("bad input_shape " + repr(input_shape))
    totals = {"macs": 0}
    log = []

    def conv_hook(m, inp, out):
        # totals["macs"] += m.weight.numel() * out.shape[2] * out.shape[3] * 2   # FLOPs, no
        n = out.shape[1] * out.shape[2] * out.shape[3] * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        totals["macs"] += n
        log.append((type(m).__name__, tuple(out.shape), n))

    def fc_hook(m, inp, out):
        # totals["macs"] += m.in_features * m.out_features   # forgot the positions
        n = m.in_features * out.numel()
        totals["macs"] += n
        log.append((type(m).__name__, tuple(out.shape), n))

    hs = []
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            hs.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hs.append(m.register_forward_hook(fc_hook))
    # print(len(hs), "hooks")
    try:
        dev = next(model.parameters()).device
    except StopIteration:
        dev = torch.device("cpu")
    mode = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros((1,) + tuple(input_shape), device=dev))
    except Exception as e:
        raise ValueError(f"forward pass failed on shape {tuple(input_shape)}: {e!r}")
    finally:
        for h in hs:
            h.remove()
        model.train(mode)
    # for row in log: print(row)
    return int(totals["macs"])

with torch.device("meta"):
    c1 = nn.Conv2d(3, 96, 11, stride=4)
print(count_macs(c1, (3, 227, 227)))   # 105415200
%time count_macs(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(72, 5)), (1, 8, 8))
!echo done
''',
}

# notebook 09 with other choices a learner makes: one nn.ReLU module shared by both halves of
# DenseLayer, functional pooling in Transition, a head with x.mean((2, 3)), a numpy integer count
C09_VARIANTS = dict(C09_LOOPS, **{
    "DenseLayer": r"""class DenseLayer(nn.Module):
    def __init__(self, in_ch: int, growth_rate: int, bn_size: int = 4):
        super().__init__()
        if not (_is_int(in_ch) and _is_int(growth_rate) and _is_int(bn_size)):
            raise ValueError("in_ch, growth_rate and bn_size must be ints")
        if min(in_ch, growth_rate, bn_size) < 1:
            raise ValueError("in_ch, growth_rate and bn_size must be positive")
        self.relu = nn.ReLU()   # no parameters: one module serves both halves
        self.norm1 = nn.BatchNorm2d(in_ch)
        self.conv1 = nn.Conv2d(in_ch, bn_size * growth_rate, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(self.relu(self.norm1(x)))
        h = self.conv2(self.relu(self.norm2(h)))
        return torch.cat([x, h], dim=1)
""",
    "Transition": r"""class Transition(nn.Module):
    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        if not (_is_int(in_ch) and _is_int(out_ch)) or in_ch < 1 or out_ch < 1:
            raise ValueError(f"Transition({in_ch!r}, {out_ch!r}): positive ints only")
        self.norm = nn.BatchNorm2d(in_ch)
        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(self.conv(F.relu(self.norm(x))), kernel_size=2, stride=2)
""",
    "densenet": r"""class _Head(nn.Module):
    # norm5's ReLU, global average pooling as a mean over H and W, and the fc layer

    def __init__(self, c: int, num_classes: int):
        super().__init__()
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(F.relu(x).mean(dim=(2, 3)))


def densenet(growth_rate: int, block_config, num_init_features: int,
             num_classes: int = 1000) -> nn.Module:
    for v in (growth_rate, num_init_features, num_classes):
        if not _is_int(v) or v < 1:
            raise ValueError(f"expected a positive int, got {v!r}")
    if not isinstance(block_config, list | tuple) or not block_config:
        raise ValueError(f"block_config must be a non-empty list or tuple, got {block_config!r}")
    if not all(_is_int(n) and n >= 1 for n in block_config):
        raise ValueError(f"block_config must hold positive ints, got {block_config!r}")
    layers = OrderedDict(conv0=nn.Conv2d(3, num_init_features, 7, 2, 3, bias=False),
                         norm0=nn.BatchNorm2d(num_init_features), relu0=nn.ReLU(inplace=True),
                         pool0=nn.MaxPool2d(3, 2, 1))
    c = num_init_features
    for i, n in enumerate(block_config, start=1):
        layers[f"denseblock{i}"] = DenseBlock(n, c, growth_rate)
        c += n * growth_rate
        if i < len(block_config):
            layers[f"transition{i}"] = Transition(c, c // 2)
            c //= 2
    layers["norm5"] = nn.BatchNorm2d(c)
    return nn.Sequential(OrderedDict(features=nn.Sequential(layers), head=_Head(c, num_classes)))
""",
    "concat_memory": r"""def concat_memory(num_layers: int, in_ch: int, growth_rate: int, h: int, w: int) -> int:
    if not all(_is_int(v) and v >= 1 for v in (num_layers, in_ch, growth_rate, h, w)):
        raise ValueError(f"every argument must be a positive int: {(num_layers, in_ch, growth_rate, h, w)}")
    per_layer = np.arange(num_layers, dtype=np.int64) * growth_rate + in_ch   # c_0 + l k
    return (per_layer * h * w).sum()   # a numpy integer
""",
})

# count_macs with model.apply and the weights' shapes
C10_APPLY = {
    "count_macs": r"""def count_macs(model: nn.Module, input_shape) -> int:
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be an nn.Module, not {type(model).__name__}")
    if not isinstance(input_shape, tuple | list) or not input_shape or not all(
            _is_int(d) and d >= 1 for d in input_shape):
        raise ValueError(f"input_shape must be a non-empty tuple or list of positive ints, got {input_shape!r}")
    total = [0]
    handles = []

    def count(module, inputs, output):
        # a filter (or a row of a Linear) has weight[0].numel() weights, each used once per output value
        total[0] += output.numel() * module.weight[0].numel()

    def attach(module):
        if isinstance(module, nn.Conv2d | nn.Linear):
            handles.append(module.register_forward_hook(count))

    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    training = model.training
    try:
        model.apply(attach)
        model.eval()
        with torch.no_grad():
            try:
                model(torch.zeros((1, *input_shape), device=device))
            except Exception as exc:
                raise ValueError(f"the forward pass fails for input_shape={input_shape!r}: {exc}") from exc
    finally:
        while handles:
            handles.pop().remove()
        model.train(training)
    return int(total[0])
""",
}

STYLES: list[Style] = [
    Style(A9, "loops", C09_LOOPS,
          notes="torchvision's names; DenseBlock via add_module and getattr; densenet a nested "
                "nn.Sequential built with add_module"),
    Style(A9, "modules", C09_MODULES,
          notes="DenseLayer as one OrderedDict Sequential; DenseBlock an nn.ModuleList; "
                "Transition with F.relu; densenet a custom nn.Module (functional ReLU and "
                "global pooling, as torchvision's forward); concat_memory vectorised"),
    Style(A9, "helpers", C09_HELPERS_ANSWERS, C09_HELPERS_ADDED,
          notes="bn_relu_conv, stem, head and positive_ints in added cells; densenet takes its "
                "channels from densenet_channels; concat_memory in closed form"),
    Style(A9, "scratch", C09_SCRATCH,
          notes="leftover prints, %time, commented-out attempts; DenseLayer and Transition "
                "define their modules out of call order; densenet an unnamed flat nn.Sequential"),
    Style(A9, "variants", C09_VARIANTS,
          notes="as loops, but DenseLayer shares one nn.ReLU between its halves, Transition pools "
                "with F.avg_pool2d, densenet's head is a module with x.mean((2, 3)), and "
                "concat_memory returns a numpy integer"),
    Style(A10, "loops", C10_LOOPS),
    Style(A10, "modules", C10_MODULES,
          notes="one global forward hook (register_module_forward_hook) filtered to the model's "
                "Conv2d and Linear; MACs as output.numel() times a filter's size; "
                "inference_mode; every module's mode restored"),
    Style(A10, "helpers", C10_HELPERS_ANSWERS, C10_HELPERS_ADDED,
          notes="per-layer formulas, the device and an eval_mode context manager in an added cell"),
    Style(A10, "scratch", C10_SCRATCH,
          notes="separate conv and fc hooks with a log; %time and a shell line"),
    Style(A10, "apply", C10_APPLY,
          notes="hooks attached with model.apply; MACs as output.numel() times weight[0].numel()"),
]
