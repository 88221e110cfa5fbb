# ruff: noqa: E501
"""Correct solutions for notebooks 06 to 08 in several styles, written from the student notebooks
alone (held-in set, late notebooks). Same format as tests/heldin/correct.py, whose STYLES these
extend (correct.py imports this module at its bottom).

The styles, per notebook:

- ``loops``: straightforward explicit code, nn.Sequential built in a loop, torchvision's names;
- ``modules``: another construction: OrderedDicts, nn.ModuleList / nn.ModuleDict, custom
  nn.Module classes with a functional forward (F.relu, F.max_pool2d, ...), comprehensions;
- ``helpers``: answers that call helper functions, imports and constants defined only in code
  cells the student added before the answer cells;
- ``scratch``: correct code left the way students leave it: debug prints, IPython magics,
  leftover test calls, commented-out attempts.
"""

from __future__ import annotations

from tests.heldin.correct import Style

A6, A7, A8 = "06_vgg", "07_googlenet", "08_resnet"

# ---------------------------------------------------------------------------------------------
# 06_vgg
# ---------------------------------------------------------------------------------------------

C06_LOOPS = {
    "stack_vs_single": r'''def stack_vs_single(c: int, n_layers: int) -> tuple[int, int, int]:
    """A stack of n_layers 3x3 convolutions against the one convolution that sees as much."""
    if not _is_int(c) or c < 1:
        raise ValueError(f"c must be an int >= 1, got {c!r}")
    if not _is_int(n_layers) or n_layers < 1:
        raise ValueError(f"n_layers must be an int >= 1, got {n_layers!r}")
    c, n_layers = int(c), int(n_layers)
    field = 1
    stack_params = 0
    for _ in range(n_layers):
        field += 2
        stack_params += 3 * 3 * c * c + c
    single_params = field * field * c * c + c
    return field, stack_params, single_params
''',
    "make_features": r'''def make_features(cfg, batch_norm: bool = False) -> nn.Sequential:
    """VGG's convolutional part ("features") built from a configuration, as torchvision does."""
    cfg = check_cfg(cfg)
    layers = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            v = int(v)
            layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(v))
            layers.append(nn.ReLU(inplace=True))
            in_channels = v
    return nn.Sequential(*layers)
''',
    "vgg": r'''def vgg(cfg_name: str, num_classes: int = 1000, batch_norm: bool = False,
        width: float = 1.0) -> nn.Module:
    """VGG built from its configuration CFGS[cfg_name], as torchvision's VGG."""
    if not isinstance(cfg_name, str) or cfg_name not in CFGS:
        raise ValueError(f"unknown configuration {cfg_name!r}; use one of {list(CFGS)}")
    if not _is_int(num_classes) or num_classes < 1:
        raise ValueError(f"num_classes must be an int >= 1, got {num_classes!r}")
    if width <= 0:
        raise ValueError(f"width must be > 0, got {width!r}")
    cfg = []
    for v in CFGS[cfg_name]:
        if v == "M":
            cfg.append("M")
        else:
            cfg.append(max(1, round(v * width)))
    c5 = [v for v in cfg if v != "M"][-1]
    hidden = max(1, round(4096 * width))
    features = make_features(cfg, batch_norm)
    classifier = nn.Sequential(
        nn.Linear(c5 * 7 * 7, hidden),
        nn.ReLU(inplace=True),
        nn.Dropout(0.5),
        nn.Linear(hidden, hidden),
        nn.ReLU(inplace=True),
        nn.Dropout(0.5),
        nn.Linear(hidden, int(num_classes)),
    )
    return nn.Sequential(OrderedDict([
        ("features", features),
        ("avgpool", nn.AdaptiveAvgPool2d((7, 7))),
        ("flatten", nn.Flatten()),
        ("classifier", classifier),
    ]))
''',
    "activation_memory": r'''def activation_memory(cfg, input_shape: tuple[int, int, int],
                      bytes_per_value: int = 4) -> np.ndarray:
    """The activations each layer of VGG's features stores for one image, and their bytes."""
    cfg = check_cfg(cfg)
    if not isinstance(input_shape, tuple | list) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (C, H, W), got {input_shape!r}")
    for v in input_shape:
        if not _is_int(v) or v < 1:
            raise ValueError(f"input_shape must be three positive ints, got {input_shape!r}")
    if not _is_int(bytes_per_value) or bytes_per_value < 1:
        raise ValueError(f"bytes_per_value must be an int >= 1, got {bytes_per_value!r}")
    c, h, w = (int(v) for v in input_shape)
    rows = []
    for k, v in enumerate(cfg):
        if v == "M":
            if h < 2 or w < 2:
                raise ValueError(f"cfg[{k}] = 'M' on a {h}x{w} map: a 2x2 pooling needs at least 2x2")
            h, w = h // 2, w // 2
        else:
            c = int(v)
        acts = c * h * w
        rows.append([acts, acts * int(bytes_per_value)])
    return np.array(rows, dtype=np.int64)
''',
}

C06_MODULES = {
    "stack_vs_single": r'''def stack_vs_single(c: int, n_layers: int) -> tuple[int, int, int]:
    for name, v in (("c", c), ("n_layers", n_layers)):
        if not (_is_int(v) and v >= 1):
            raise ValueError(f"{name} must be a positive int (not a float or bool), got {v!r}")
    C, n = int(c), int(n_layers)
    F_ = 2 * n + 1
    return (F_, n * (9 * C * C + C), F_ ** 2 * C ** 2 + C)
''',
    "make_features": r'''def make_features(cfg, batch_norm: bool = False) -> nn.Sequential:
    cfg = check_cfg(cfg)
    channels = [3] + [v for v in cfg if v != "M"]
    convs = iter(zip(channels[:-1], channels[1:]))
    blocks = []
    for v in cfg:
        if v == "M":
            blocks.append([nn.MaxPool2d(2, 2)])
            continue
        c_in, c_out = next(convs)
        block = [nn.Conv2d(c_in, c_out, (3, 3), stride=1, padding=1, bias=True)]
        block += [nn.BatchNorm2d(c_out)] if batch_norm else []
        block.append(nn.ReLU(inplace=True))
        blocks.append(block)
    return nn.Sequential(*[layer for block in blocks for layer in block])
''',
    "vgg": r'''class _VGG(nn.Module):
    """VGG as a module with its own forward (torchvision's layout)."""

    def __init__(self, features: nn.Sequential, c5: int, hidden: int, num_classes: int):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(c5 * 49, hidden), nn.ReLU(True), nn.Dropout(p=0.5),
            nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(p=0.5),
            nn.Linear(hidden, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def vgg(cfg_name: str, num_classes: int = 1000, batch_norm: bool = False,
        width: float = 1.0) -> nn.Module:
    try:
        base = CFGS[cfg_name]
    except (KeyError, TypeError):
        raise ValueError(f"cfg_name must be one of {sorted(CFGS)}, got {cfg_name!r}") from None
    if not (_is_int(num_classes) and num_classes >= 1):
        raise ValueError(f"num_classes: an int >= 1, got {num_classes!r}")
    if not width > 0:
        raise ValueError(f"width must be positive, got {width}")
    scale = lambda n: max(1, round(n * width))   # noqa: E731
    cfg = [v if v == "M" else scale(v) for v in base]
    c5 = next(v for v in reversed(cfg) if v != "M")
    return _VGG(make_features(cfg, batch_norm=batch_norm), c5, scale(4096), num_classes)
''',
    "activation_memory": r'''def activation_memory(cfg, input_shape: tuple[int, int, int],
                      bytes_per_value: int = 4) -> np.ndarray:
    cfg = check_cfg(cfg)
    shape = tuple(input_shape) if isinstance(input_shape, tuple | list) else ()
    if len(shape) != 3 or not all(_is_int(v) and v > 0 for v in shape):
        raise ValueError(f"input_shape must be three positive ints (C, H, W), got {input_shape!r}")
    if not (_is_int(bytes_per_value) and bytes_per_value > 0):
        raise ValueError(f"bytes_per_value must be a positive int, got {bytes_per_value!r}")
    C, H, W = map(int, shape)
    memory = np.zeros((len(cfg), 2), dtype=np.int64)
    for k, v in enumerate(cfg):
        if v == "M":
            if min(H, W) < 2:
                raise ValueError(f"entry {k} ('M') needs a map of at least 2x2, the map is {H}x{W}")
            H, W = (H - 2) // 2 + 1, (W - 2) // 2 + 1
        else:
            C = v
        memory[k, 0] = C * H * W
    memory[:, 1] = memory[:, 0] * int(bytes_per_value)
    return memory
''',
}

C06_HELPERS_ANSWERS = {
    "stack_vs_single": r'''def stack_vs_single(c: int, n_layers: int) -> tuple[int, int, int]:
    c, n_layers = _positive_int(c, "c"), _positive_int(n_layers, "n_layers")
    field = receptive_field_of_3x3_stack(n_layers)
    return field, n_layers * conv_layer_params(c, c, 3), conv_layer_params(c, c, field)
''',
    "make_features": r'''def make_features(cfg, batch_norm: bool = False) -> nn.Sequential:
    layers, c_in = [], RGB
    for v in check_cfg(cfg):
        if v == POOL:
            layers.append(vgg_pool())
        else:
            layers += conv_unit(c_in, v, batch_norm)
            c_in = v
    return nn.Sequential(*layers)
''',
    "vgg": r'''def vgg(cfg_name: str, num_classes: int = 1000, batch_norm: bool = False,
        width: float = 1.0) -> nn.Module:
    if cfg_name not in VALID_NAMES:
        raise ValueError(f"unknown cfg_name {cfg_name!r}: one of {VALID_NAMES}")
    num_classes = _positive_int(num_classes, "num_classes")
    if width <= 0:
        raise ValueError(f"width {width} must be > 0")
    cfg = scale_cfg(CFGS[cfg_name], width)
    c5 = last_channels(cfg)
    return nn.Sequential(OrderedDict(
        features=make_features(cfg, batch_norm),
        avgpool=nn.AdaptiveAvgPool2d(POOLED),
        flatten=nn.Flatten(),
        classifier=vgg_classifier(c5 * POOLED[0] * POOLED[1], scaled_width(FC_UNITS, width), num_classes),
    ))
''',
    "activation_memory": r'''def activation_memory(cfg, input_shape: tuple[int, int, int],
                      bytes_per_value: int = 4) -> np.ndarray:
    cfg = check_cfg(cfg)
    state = _check_shape(input_shape)
    bytes_per_value = _positive_int(bytes_per_value, "bytes_per_value")
    rows = []
    for k, v in enumerate(cfg):
        state = next_shape(state, v, k)
        rows.append((math.prod(state), math.prod(state) * bytes_per_value))
    return np.array(rows, dtype=np.int64).reshape(len(cfg), 2)
''',
}

C06_HELPERS_ADDED = (
    ("stack_vs_single", r'''# helpers for the whole notebook
import math

RGB = 3
POOL = "M"
POOLED = (7, 7)
FC_UNITS = 4096


def _positive_int(v, name):
    """v as a Python int, or ValueError if it is not an int >= 1 (bools are not ints here)."""
    if not _is_int(v) or v < 1:
        raise ValueError(f"{name} must be an int >= 1, got {v!r}")
    return int(v)


def receptive_field_of_3x3_stack(n):
    return 1 + n * (3 - 1)


def conv_layer_params(c_in, c_out, k):
    """Weights and biases of a k x k convolution."""
    return c_out * c_in * k * k + c_out
'''),
    ("make_features", r'''def conv_unit(c_in, c_out, batch_norm):
    unit = [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1)]
    if batch_norm:
        unit.append(nn.BatchNorm2d(c_out))
    unit.append(nn.ReLU(inplace=True))
    return unit


def vgg_pool():
    return nn.MaxPool2d(kernel_size=2, stride=2)
'''),
    ("vgg", r'''VALID_NAMES = tuple(CFGS)


def scaled_width(c, width):
    return max(1, round(c * width))


def scale_cfg(cfg, width):
    return [v if v == POOL else scaled_width(v, width) for v in cfg]


def last_channels(cfg):
    return [v for v in cfg if v != POOL][-1]


def vgg_classifier(d_in, hidden, num_classes):
    return nn.Sequential(
        nn.Linear(d_in, hidden), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(hidden, num_classes),
    )
'''),
    ("activation_memory", r'''def _check_shape(shape):
    if not isinstance(shape, tuple | list) or len(shape) != 3:
        raise ValueError(f"input_shape must be (C, H, W), got {shape!r}")
    return tuple(_positive_int(v, "input_shape entry") for v in shape)


def next_shape(shape, entry, k):
    c, h, w = shape
    if entry == POOL:
        if h < 2 or w < 2:
            raise ValueError(f"cfg[{k}]: 'M' on a {h}x{w} map, smaller than 2x2")
        return c, h // 2, w // 2
    return int(entry), h, w
'''),
)

C06_SCRATCH = {
    "stack_vs_single": r'''def stack_vs_single(c: int, n_layers: int) -> tuple[int, int, int]:
    # print(type(c), type(n_layers))
    if isinstance(c, bool) or isinstance(n_layers, bool):
        raise ValueError("bools are not allowed")
    if not isinstance(c, int | np.integer) or not isinstance(n_layers, int | np.integer):
        raise ValueError(f"c and n_layers must be ints, got {c!r}, {n_layers!r}")
    if c < 1 or n_layers < 1:
        raise ValueError(f"c and n_layers must be >= 1, got {c}, {n_layers}")
    field = 2 * int(n_layers) + 1
    per_layer = 9 * int(c) ** 2 + int(c)
    stack = int(n_layers) * per_layer
    single = field ** 2 * int(c) ** 2 + int(c)
    return (field, stack, single)

print(stack_vs_single(64, 3))   # should be (7, 110784, 200768)
print(stack_vs_single(64, 2))
%time stack_vs_single(512, 6)
''',
    "make_features": r'''def make_features(cfg, batch_norm: bool = False) -> nn.Sequential:
    cfg = check_cfg(cfg)
    seq = nn.Sequential()
    prev = 3
    i = 0
    for v in cfg:
        if v == "M":
            seq.add_module(str(i), nn.MaxPool2d(2, stride=2)); i += 1
        else:
            seq.add_module(str(i), nn.Conv2d(prev, v, 3, padding=1)); i += 1
            if batch_norm:
                seq.add_module(str(i), nn.BatchNorm2d(v)); i += 1
            seq.add_module(str(i), nn.ReLU(inplace=True)); i += 1
            prev = v
    # print(seq)
    return seq

test = make_features([8, "M", 16], batch_norm=True)
print(test)
print(test(torch.zeros(1, 3, 8, 8)).shape)
''',
    "vgg": r'''def vgg(cfg_name: str, num_classes: int = 1000, batch_norm: bool = False,
        width: float = 1.0) -> nn.Module:
    if cfg_name not in list(CFGS.keys()):
        raise ValueError("unknown cfg " + repr(cfg_name))
    if isinstance(num_classes, bool) or not isinstance(num_classes, int | np.integer) or num_classes < 1:
        raise ValueError("bad num_classes " + repr(num_classes))
    if width <= 0:
        raise ValueError("width must be positive")
    new_cfg = []
    for v in CFGS[cfg_name]:
        new_cfg.append(v if v == "M" else max(1, round(v * width)))
    print("scaled cfg:", new_cfg) if width != 1 else None
    last = [v for v in new_cfg if isinstance(v, int)][-1]
    fc = max(1, round(4096 * width))
    model = nn.Sequential(OrderedDict([
        ("features", make_features(new_cfg, batch_norm=batch_norm)),
        ("avgpool", nn.AdaptiveAvgPool2d(output_size=(7, 7))),
        ("flatten", nn.Flatten(start_dim=1)),
        ("classifier", nn.Sequential(nn.Linear(last * 7 * 7, fc), nn.ReLU(inplace=True), nn.Dropout(p=0.5),
                                     nn.Linear(fc, fc), nn.ReLU(inplace=True), nn.Dropout(p=0.5),
                                     nn.Linear(fc, num_classes))),
    ]))
    return model

%time small_model = vgg("A", 10, width=1 / 16)
with torch.device("meta"):
    m = vgg("D")
print(sum(p.numel() for p in m.parameters()))  # 138357544?
''',
    "activation_memory": r'''def activation_memory(cfg, input_shape: tuple[int, int, int],
                      bytes_per_value: int = 4) -> np.ndarray:
    cfg = check_cfg(cfg)
    try:
        C, H, W = input_shape
    except (TypeError, ValueError):
        raise ValueError(f"input_shape should be (C, H, W): {input_shape!r}") from None
    for v in (C, H, W):
        if not _is_int(v) or v <= 0:
            raise ValueError(f"input_shape should be positive ints: {input_shape!r}")
    if not _is_int(bytes_per_value) or bytes_per_value <= 0:
        raise ValueError(f"bytes_per_value: {bytes_per_value!r}")
    out = []
    for idx, layer in enumerate(cfg):
        if layer == "M":
            if H < 2 or W < 2:
                raise ValueError(f"pooling at {idx} on a map of {H}x{W}")
            H = H // 2
            W = W // 2
        else:
            C = layer
        n = int(C) * int(H) * int(W)
        out.append((n, n * int(bytes_per_value)))
        # print(idx, layer, C, H, W, n)
    return np.array(out, dtype=np.int64)

activation_memory(CFGS["D"][:3], (3, 224, 224))
%timeit activation_memory(CFGS["E"], (3, 224, 224))
''',
}

# ---------------------------------------------------------------------------------------------
# 07_googlenet
# ---------------------------------------------------------------------------------------------

_GN_WRAPPER = r'''

def googlenet(aux_logits: bool = False, variant: str = "torchvision", num_classes: int = 1000,
              width: float = 1.0) -> nn.Module:
    """GoogLeNet built from the INCEPTION table, as torchvision builds it."""
    return GoogLeNet(aux_logits, variant, num_classes, width)
'''

C07_LOOPS = {
    "conv1x1_as_matmul": r'''def conv1x1_as_matmul(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """A 1x1 convolution as one matrix multiply: a fully connected layer applied at every pixel."""
    x = np.asarray(x)
    w = np.asarray(w)
    if x.ndim != 4:
        raise ValueError(f"x must be (N, C_in, H, W), got shape {x.shape}")
    if w.ndim != 2:
        raise ValueError(f"w must be (C_out, C_in), got shape {w.shape}")
    N, C_in, H, W = x.shape
    C_out = w.shape[0]
    if w.shape[1] != C_in:
        raise ValueError(f"w {w.shape} has C_in = {w.shape[1]} but x {x.shape} has {C_in} channels")
    if b is not None:
        b = np.asarray(b)
        if b.shape != (C_out,):
            raise ValueError(f"b must have shape ({C_out},) for w {w.shape}, got {b.shape}")
        dtype = np.result_type(x, w, b)
    else:
        dtype = np.result_type(x, w)
    if not np.issubdtype(dtype, np.floating):
        dtype = np.float64
    columns = x.astype(dtype).reshape(N, C_in, H * W)
    out = w.astype(dtype) @ columns                   # (N, C_out, H * W)
    if b is not None:
        out = out + b.astype(dtype)[:, None]
    return out.reshape(N, C_out, H, W)
''',
    "inception_cost": r'''def inception_cost(in_shape: tuple[int, int, int], spec: tuple[int, ...],
                   reduce: bool = True) -> tuple[int, int, int]:
    """The output channels, parameters and MACs of one Inception module, for one image."""
    if not isinstance(in_shape, tuple | list) or len(in_shape) != 3 or \
            not all(_is_int(v) and v >= 1 for v in in_shape):
        raise ValueError(f"in_shape must be three positive ints (C_in, H, W), got {in_shape!r}")
    if not isinstance(spec, tuple | list) or len(spec) != 7 or \
            not all(_is_int(v) and v >= 1 for v in spec):
        raise ValueError(f"spec must be seven positive ints, got {spec!r}")
    c_in, h, w = (int(v) for v in in_shape)
    in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj = (int(v) for v in spec)
    if in_channels != c_in:
        raise ValueError(f"spec's in_channels {in_channels} differs from in_shape's C_in {c_in} "
                         f"(in_shape {tuple(in_shape)})")
    if reduce:
        convs = [(c_in, ch1x1, 1),
                 (c_in, ch3x3red, 1), (ch3x3red, ch3x3, 3),
                 (c_in, ch5x5red, 1), (ch5x5red, ch5x5, 5),
                 (c_in, pool_proj, 1)]
        out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj
    else:
        convs = [(c_in, ch1x1, 1), (c_in, ch3x3, 3), (c_in, ch5x5, 5)]
        out_channels = ch1x1 + ch3x3 + ch5x5 + c_in
    params = 0
    macs = 0
    for a, c_out, f in convs:
        params += c_out * a * f * f + c_out
        macs += c_out * h * w * a * f * f
    return out_channels, params, macs
''',
    "Inception": r'''class Inception(nn.Module):
    """GoogLeNet's Inception module (torchvision's Inception)."""

    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int,
                 ch5x5: int, pool_proj: int, variant: str = "torchvision"):
        super().__init__()
        if variant not in GOOGLENET_VARIANTS:
            raise ValueError(f"unknown variant {variant!r}; use one of {list(GOOGLENET_VARIANTS)}")
        bn = GOOGLENET_VARIANTS[variant]["batch_norm"]
        k = GOOGLENET_VARIANTS[variant]["kernel_5x5"]
        self.branch1 = BasicConv2d(in_channels, ch1x1, 1, batch_norm=bn)
        self.branch2 = nn.Sequential(
            BasicConv2d(in_channels, ch3x3red, 1, batch_norm=bn),
            BasicConv2d(ch3x3red, ch3x3, 3, padding=1, batch_norm=bn),
        )
        self.branch3 = nn.Sequential(
            BasicConv2d(in_channels, ch5x5red, 1, batch_norm=bn),
            BasicConv2d(ch5x5red, ch5x5, k, padding=k // 2, batch_norm=bn),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1),
            BasicConv2d(in_channels, pool_proj, 1, batch_norm=bn),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b1 = self.branch1(x)
        b2 = self.branch2(x)
        b3 = self.branch3(x)
        b4 = self.branch4(x)
        return torch.cat([b1, b2, b3, b4], dim=1)
''',
    "googlenet": r'''class GoogLeNet(nn.Module):
    """GoogLeNet built from the INCEPTION table, as torchvision builds it."""

    def __init__(self, aux_logits: bool = False, variant: str = "torchvision",
                 num_classes: int = 1000, width: float = 1.0):
        super().__init__()
        if variant not in GOOGLENET_VARIANTS:
            raise ValueError(f"unknown variant {variant!r}")
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        if width <= 0:
            raise ValueError(f"width must be > 0, got {width}")
        bn = GOOGLENET_VARIANTS[variant]["batch_norm"]
        self.aux_logits = aux_logits
        c1, c2, c3 = scaled(64, width), scaled(64, width), scaled(192, width)
        self.conv1 = BasicConv2d(3, c1, 7, stride=2, padding=3, batch_norm=bn)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(c1, c2, 1, batch_norm=bn)
        self.conv3 = BasicConv2d(c2, c3, 3, padding=1, batch_norm=bn)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        channels = c3
        out_of = {}
        for name, spec in INCEPTION.items():
            _, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj = (scaled(c, width) for c in spec)
            setattr(self, f"inception{name}",
                    Inception(channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj, variant=variant))
            channels = ch1x1 + ch3x3 + ch5x5 + pool_proj
            out_of[name] = channels
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        if aux_logits:
            self.aux1 = InceptionAux(out_of["4a"], num_classes, variant, width)
            self.aux2 = InceptionAux(out_of["4d"], num_classes, variant, width)
        else:
            self.aux1 = None
            self.aux2 = None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(GOOGLENET_VARIANTS[variant]["dropout"])
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        x = self.conv1(x)
        x = self.maxpool1(x)
        x = self.conv2(x)
        x = self.conv3(x)
        x = self.maxpool2(x)
        x = self.inception3a(x)
        x = self.inception3b(x)
        x = self.maxpool3(x)
        x = self.inception4a(x)
        aux1 = None
        if self.aux1 is not None and self.training:
            aux1 = self.aux1(x)
        x = self.inception4b(x)
        x = self.inception4c(x)
        x = self.inception4d(x)
        aux2 = None
        if self.aux2 is not None and self.training:
            aux2 = self.aux2(x)
        x = self.inception4e(x)
        x = self.maxpool4(x)
        x = self.inception5a(x)
        x = self.inception5b(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.dropout(x)
        x = self.fc(x)
        if aux1 is not None:
            return x, aux1, aux2
        return x
''' + _GN_WRAPPER,
}

C07_MODULES = {
    "conv1x1_as_matmul": r'''def conv1x1_as_matmul(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 4 or w.ndim != 2 or x.shape[1] != w.shape[1]:
        raise ValueError(f"need x (N, C_in, H, W) and w (C_out, C_in) with the same C_in; got x {x.shape}, w {w.shape}")
    arrays = [x, w]
    if b is not None:
        b = np.asarray(b)
        if b.shape != (w.shape[0],):
            raise ValueError(f"b has shape {b.shape}, expected ({w.shape[0]},) for w {w.shape}")
        arrays.append(b)
    dtype = np.result_type(*arrays)
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
    out = np.einsum("fc,nchw->nfhw", w.astype(dtype, copy=False), x.astype(dtype, copy=False))
    if b is not None:
        out += b.astype(dtype, copy=False).reshape(1, -1, 1, 1)
    return out
''',
    "inception_cost": r'''def inception_cost(in_shape: tuple[int, int, int], spec: tuple[int, ...],
                   reduce: bool = True) -> tuple[int, int, int]:
    def ints(v, n):
        return isinstance(v, tuple | list) and len(v) == n and all(_is_int(e) and e > 0 for e in v)

    if not ints(in_shape, 3):
        raise ValueError(f"in_shape {in_shape!r}: expected (C_in, H, W), three positive ints")
    if not ints(spec, 7):
        raise ValueError(f"spec {spec!r}: expected seven positive ints {SPEC_FIELDS}")
    if spec[0] != in_shape[0]:
        raise ValueError(f"spec's in_channels {spec[0]} != C_in {in_shape[0]} of in_shape {tuple(in_shape)}")
    row = dict(zip(SPEC_FIELDS, map(int, spec), strict=True))
    C, H, W = map(int, in_shape)
    if reduce:
        convs = {"1x1": (C, row["ch1x1"], 1),
                 "3x3 reduce": (C, row["ch3x3red"], 1), "3x3": (row["ch3x3red"], row["ch3x3"], 3),
                 "5x5 reduce": (C, row["ch5x5red"], 1), "5x5": (row["ch5x5red"], row["ch5x5"], 5),
                 "pool proj": (C, row["pool_proj"], 1)}
        pool_out = row["pool_proj"]
    else:
        convs = {"1x1": (C, row["ch1x1"], 1), "3x3": (C, row["ch3x3"], 3), "5x5": (C, row["ch5x5"], 5)}
        pool_out = C
    params = sum(co * ci * f * f + co for ci, co, f in convs.values())
    macs = sum(co * H * W * ci * f * f for ci, co, f in convs.values())
    return row["ch1x1"] + row["ch3x3"] + row["ch5x5"] + pool_out, int(params), int(macs)
''',
    "Inception": r'''from collections import OrderedDict


class Inception(nn.Module):
    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int,
                 ch5x5: int, pool_proj: int, variant: str = "torchvision"):
        super().__init__()
        options = GOOGLENET_VARIANTS.get(variant) if isinstance(variant, str) else None
        if options is None:
            raise ValueError(f"variant must be one of {tuple(GOOGLENET_VARIANTS)}, got {variant!r}")
        k, bn = options["kernel_5x5"], options["batch_norm"]
        self.branches = nn.ModuleList([
            BasicConv2d(in_channels, ch1x1, kernel_size=1, batch_norm=bn),
            nn.Sequential(OrderedDict(
                reduce=BasicConv2d(in_channels, ch3x3red, kernel_size=1, batch_norm=bn),
                conv=BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1, batch_norm=bn))),
            nn.Sequential(OrderedDict(
                reduce=BasicConv2d(in_channels, ch5x5red, kernel_size=1, batch_norm=bn),
                conv=BasicConv2d(ch5x5red, ch5x5, kernel_size=k, padding=k // 2, batch_norm=bn))),
            nn.Sequential(OrderedDict(
                pool=nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
                proj=BasicConv2d(in_channels, pool_proj, kernel_size=1, batch_norm=bn))),
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], 1)
''',
    "googlenet": r'''class GoogLeNet(nn.Module):
    def __init__(self, aux_logits: bool = False, variant: str = "torchvision",
                 num_classes: int = 1000, width: float = 1.0):
        super().__init__()
        if variant not in GOOGLENET_VARIANTS:
            raise ValueError(f"variant {variant!r} is not one of {list(GOOGLENET_VARIANTS)}")
        if not num_classes >= 1:
            raise ValueError(f"num_classes {num_classes} < 1")
        if not width > 0:
            raise ValueError(f"width {width} <= 0")
        opts = GOOGLENET_VARIANTS[variant]
        bn = opts["batch_norm"]
        s = lambda c: scaled(c, width)   # noqa: E731
        self.aux_logits = bool(aux_logits)
        self.stem = nn.Sequential(OrderedDict(
            conv1=BasicConv2d(3, s(64), 7, stride=2, padding=3, batch_norm=bn),
            maxpool1=nn.MaxPool2d(3, 2, ceil_mode=True),
            conv2=BasicConv2d(s(64), s(64), 1, batch_norm=bn),
            conv3=BasicConv2d(s(64), s(192), 3, padding=1, batch_norm=bn),
            maxpool2=nn.MaxPool2d(3, 2, ceil_mode=True)))
        c = s(192)
        self.blocks = nn.ModuleDict()
        outs = {}
        for name, (_, *branches) in INCEPTION.items():
            a, r3, b3, r5, b5, p = (s(v) for v in branches)
            self.blocks[name] = Inception(c, a, r3, b3, r5, b5, p, variant)
            c = outs[name] = a + b3 + b5 + p
        self.pools = nn.ModuleDict({"3": nn.MaxPool2d(3, 2, ceil_mode=True),
                                    "4": nn.MaxPool2d(2, 2, ceil_mode=True)})
        self.aux = nn.ModuleDict()
        if self.aux_logits:
            self.aux["4a"] = InceptionAux(outs["4a"], num_classes, variant, width)
            self.aux["4d"] = InceptionAux(outs["4d"], num_classes, variant, width)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(opts["dropout"])
        self.fc = nn.Linear(c, num_classes)

    @property
    def inception5b(self) -> nn.Module:
        return self.blocks["5b"]

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        x = self.stem(x)
        extra = []
        for name, block in self.blocks.items():
            if name in ("4a", "5a"):
                x = self.pools[str(int(name[0]) - 1)](x)
            x = block(x)
            if self.training and name in self.aux:
                extra.append(self.aux[name](x))
        scores = self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))
        return (scores, *extra) if extra else scores
''' + _GN_WRAPPER,
}

C07_HELPERS_ANSWERS = {
    "conv1x1_as_matmul": r'''def conv1x1_as_matmul(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    x, w, b = check_1x1_args(x, w, b)
    dtype = float_type(x, w, *([] if b is None else [b]))
    n, c_in, h, wd = x.shape
    cols = to_columns(x.astype(dtype))
    out = np.matmul(w.astype(dtype), cols)
    if b is not None:
        out = out + b.astype(dtype)[None, :, None]
    return out.reshape(n, w.shape[0], h, wd)
''',
    "inception_cost": r'''def inception_cost(in_shape: tuple[int, int, int], spec: tuple[int, ...],
                   reduce: bool = True) -> tuple[int, int, int]:
    c_in, h, w = check_ints(in_shape, 3, "in_shape")
    spec = check_ints(spec, 7, "spec")
    if spec[0] != c_in:
        raise ValueError(f"in_shape {tuple(in_shape)} has C_in {c_in}, spec {tuple(spec)} expects {spec[0]}")
    convs, out_channels = module_convs(spec, reduce)
    return (out_channels, sum(conv_params(*cv) for cv in convs),
            sum(conv_macs(*cv, h, w) for cv in convs))
''',
    "Inception": r'''class Inception(nn.Module):
    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int,
                 ch5x5: int, pool_proj: int, variant: str = "torchvision"):
        super().__init__()
        bn, k = variant_options(variant)
        self.branch1 = conv_chain((in_channels, ch1x1, 1), batch_norm=bn)
        self.branch2 = conv_chain((in_channels, ch3x3red, 1), (ch3x3red, ch3x3, 3), batch_norm=bn)
        self.branch3 = conv_chain((in_channels, ch5x5red, 1), (ch5x5red, ch5x5, k), batch_norm=bn)
        self.branch4 = conv_chain((in_channels, pool_proj, 1), batch_norm=bn, pool_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return concat_channels(self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x))
''',
    "googlenet": r'''class GoogLeNet(nn.Module):
    def __init__(self, aux_logits: bool = False, variant: str = "torchvision",
                 num_classes: int = 1000, width: float = 1.0):
        super().__init__()
        bn, _ = variant_options(variant)
        check_head(num_classes, width)
        self.aux_logits = aux_logits
        stem = stem_channels(width)
        self.conv1 = BasicConv2d(3, stem[0], 7, stride=2, padding=3, batch_norm=bn)
        self.maxpool1 = ceil_pool(3)
        self.conv2 = BasicConv2d(stem[0], stem[1], 1, batch_norm=bn)
        self.conv3 = BasicConv2d(stem[1], stem[2], 3, padding=1, batch_norm=bn)
        self.maxpool2 = ceil_pool(3)
        rows = scaled_rows(stem[2], width)
        for name, row in rows.items():
            setattr(self, f"inception{name}", Inception(*row, variant=variant))
        self.maxpool3 = ceil_pool(3)
        self.maxpool4 = ceil_pool(2)
        self.aux1 = InceptionAux(module_out(rows["4a"]), num_classes, variant, width) if aux_logits else None
        self.aux2 = InceptionAux(module_out(rows["4d"]), num_classes, variant, width) if aux_logits else None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(GOOGLENET_VARIANTS[variant]["dropout"])
        self.fc = nn.Linear(module_out(rows["5b"]), num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        x = self.maxpool2(self.conv3(self.conv2(self.maxpool1(self.conv1(x)))))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        use_aux = self.aux_logits and self.training
        aux1 = self.aux1(x) if use_aux else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if use_aux else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        scores = self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))
        return (scores, aux1, aux2) if use_aux else scores
''' + _GN_WRAPPER,
}

C07_HELPERS_ADDED = (
    ("conv1x1_as_matmul", r'''# my helpers
def float_type(*arrays):
    """The common dtype of the arrays if it is a float type, else float64."""
    dt = np.result_type(*arrays)
    return dt if np.issubdtype(dt, np.floating) else np.dtype("float64")


def check_1x1_args(x, w, b):
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 4:
        raise ValueError(f"x must be 4-D (N, C_in, H, W), got {x.shape}")
    if w.ndim != 2 or w.shape[1] != x.shape[1]:
        raise ValueError(f"w must be (C_out, {x.shape[1]}) for x {x.shape}, got {w.shape}")
    if b is not None:
        b = np.asarray(b)
        if b.shape != (w.shape[0],):
            raise ValueError(f"b must be ({w.shape[0]},) for w {w.shape}, got {b.shape}")
    return x, w, b


def to_columns(x):
    """(N, C, H, W) -> (N, C, H * W): every pixel's channels as a column, images kept apart."""
    return x.reshape(x.shape[0], x.shape[1], -1)
'''),
    ("inception_cost", r'''def check_ints(values, n, what):
    if not isinstance(values, tuple | list) or len(values) != n or not all(_is_int(v) and v >= 1 for v in values):
        raise ValueError(f"{what} must be {n} positive ints, got {values!r}")
    return tuple(int(v) for v in values)


def conv_params(c_in, c_out, f):
    return c_out * c_in * f * f + c_out


def conv_macs(c_in, c_out, f, h, w):
    return c_out * h * w * c_in * f * f


def module_convs(spec, reduce):
    """[(C_in, C_out, F)] of a module's convolutions and its output channels."""
    c, a, r3, b3, r5, b5, p = spec
    if reduce:
        return [(c, a, 1), (c, r3, 1), (r3, b3, 3), (c, r5, 1), (r5, b5, 5), (c, p, 1)], a + b3 + b5 + p
    return [(c, a, 1), (c, b3, 3), (c, b5, 5)], a + b3 + b5 + c
'''),
    ("Inception", r'''def variant_options(variant):
    if variant not in GOOGLENET_VARIANTS:
        raise ValueError(f"unknown variant {variant!r}, expected one of {sorted(GOOGLENET_VARIANTS)}")
    opts = GOOGLENET_VARIANTS[variant]
    return opts["batch_norm"], opts["kernel_5x5"]


def conv_chain(*convs, batch_norm, pool_first=False):
    """BasicConv2d layers (C_in, C_out, K) with padding K // 2, optionally after a 3x3 stride-1 pooling."""
    layers = [nn.MaxPool2d(3, stride=1, padding=1)] if pool_first else []
    layers += [BasicConv2d(ci, co, k, padding=k // 2, batch_norm=batch_norm) for ci, co, k in convs]
    return layers[0] if len(layers) == 1 else nn.Sequential(*layers)


def concat_channels(*maps):
    return torch.cat(maps, dim=1)
'''),
    ("googlenet", r'''STEM = (64, 64, 192)


def check_head(num_classes, width):
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1, got {num_classes}")
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")


def stem_channels(width):
    return tuple(scaled(c, width) for c in STEM)


def module_out(row):
    """Output channels of an Inception row (in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)."""
    return row[1] + row[3] + row[5] + row[6]


def scaled_rows(first_in, width):
    rows, c = {}, first_in
    for name, spec in INCEPTION.items():
        row = (c, *(scaled(v, width) for v in spec[1:]))
        rows[name] = row
        c = module_out(row)
    return rows


def ceil_pool(k):
    return nn.MaxPool2d(k, stride=2, ceil_mode=True)
'''),
)

C07_SCRATCH = {
    "conv1x1_as_matmul": r'''def conv1x1_as_matmul(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    x = np.asarray(x); w = np.asarray(w)
    if x.ndim != 4:
        raise ValueError(f"x should be 4-D, is {x.shape}")
    if w.ndim != 2:
        raise ValueError(f"w should be 2-D, is {w.shape}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"C_in mismatch: x {x.shape} vs w {w.shape}")
    if b is not None and np.shape(b) != (w.shape[0],):
        raise ValueError(f"b {np.shape(b)} should be ({w.shape[0]},)")
    N, C, H, W = x.shape
    dt = np.result_type(x, w) if b is None else np.result_type(x, w, np.asarray(b))
    if dt.kind != "f":
        dt = np.float64
    # cols = x.reshape(C, N * H * W)   # wrong: mixes the images!
    cols = x.transpose(1, 0, 2, 3).reshape(C, N * H * W).astype(dt)
    res = w.astype(dt) @ cols          # (C_out, N*H*W)
    if b is not None:
        res = res + np.asarray(b).astype(dt)[:, None]
    # print(res.shape)
    return res.reshape(w.shape[0], N, H, W).transpose(1, 0, 2, 3).copy()

print(conv1x1_as_matmul(np.ones((1, 3, 2, 2)), np.array([[1.0, 2.0, 3.0]]), np.array([0.5])))
%timeit conv1x1_as_matmul(np.ones((8, 64, 28, 28)), np.ones((32, 64)))
''',
    "inception_cost": r'''def inception_cost(in_shape: tuple[int, int, int], spec: tuple[int, ...],
                   reduce: bool = True) -> tuple[int, int, int]:
    if type(in_shape) not in (tuple, list) or len(in_shape) != 3:
        raise ValueError(f"in_shape {in_shape} is not (C_in, H, W)")
    if type(spec) not in (tuple, list) or len(spec) != 7:
        raise ValueError(f"spec {spec} does not have 7 numbers")
    for v in list(in_shape) + list(spec):
        if not _is_int(v) or v <= 0:
            raise ValueError(f"all of in_shape {in_shape} and spec {spec} must be positive ints")
    C, H, W = [int(v) for v in in_shape]
    cin, c1, r3, c3, r5, c5, pp = [int(v) for v in spec]
    if cin != C:
        raise ValueError(f"spec in_channels {cin} but in_shape {in_shape} has C_in {C}")
    HW = H * W
    if reduce:
        p = (c1 * C + c1) + (r3 * C + r3) + (c3 * r3 * 9 + c3) + (r5 * C + r5) + (c5 * r5 * 25 + c5) + (pp * C + pp)
        m = HW * (c1 * C + r3 * C + c3 * r3 * 9 + r5 * C + c5 * r5 * 25 + pp * C)
        out = c1 + c3 + c5 + pp
    else:
        p = (c1 * C + c1) + (c3 * C * 9 + c3) + (c5 * C * 25 + c5)
        m = HW * (c1 * C + c3 * C * 9 + c5 * C * 25)
        out = c1 + c3 + c5 + C   # pooling passes C channels through
    print("DEBUG", out, p, m) if False else None
    return (out, p, m)

inception_cost((256, 28, 28), (256, 128, 64, 192, 64, 96, 64), reduce=False)  # (672, 1089952, 854196224)
''',
    "Inception": r'''class Inception(nn.Module):
    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int,
                 ch5x5: int, pool_proj: int, variant: str = "torchvision"):
        super().__init__()
        if variant != "torchvision" and variant != "paper":
            raise ValueError("variant should be 'torchvision' or 'paper', not " + str(variant))
        cfg = GOOGLENET_VARIANTS[variant]
        use_bn = cfg["batch_norm"]
        K = cfg["kernel_5x5"]
        # print("Inception", in_channels, ch1x1, ch3x3, ch5x5, pool_proj, variant)
        self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1, batch_norm=use_bn)
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, kernel_size=1, batch_norm=use_bn),
                                     BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1, batch_norm=use_bn))
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, kernel_size=1, batch_norm=use_bn),
                                     BasicConv2d(ch5x5red, ch5x5, kernel_size=K, padding=K // 2, batch_norm=use_bn))
        self.branch4 = nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
                                     BasicConv2d(in_channels, pool_proj, kernel_size=1, batch_norm=use_bn))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]
        # for o in outs: print(o.shape)
        return torch.cat(outs, 1)

blk = Inception(*INCEPTION["3a"])
print(blk(torch.zeros(2, 192, 28, 28)).shape)
%time Inception(*INCEPTION["5b"], variant="paper")
''',
    "googlenet": r'''class GoogLeNet(nn.Module):
    def __init__(self, aux_logits: bool = False, variant: str = "torchvision",
                 num_classes: int = 1000, width: float = 1.0):
        super().__init__()
        if variant not in GOOGLENET_VARIANTS.keys():
            raise ValueError(f"bad variant {variant}")
        if num_classes < 1 or width <= 0:
            raise ValueError(f"bad num_classes={num_classes} or width={width}")
        v = GOOGLENET_VARIANTS[variant]
        self.aux_logits = aux_logits
        c64, c192 = scaled(64, width), scaled(192, width)
        self.conv1 = BasicConv2d(3, c64, kernel_size=7, stride=2, padding=3, batch_norm=v["batch_norm"])
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(c64, c64, kernel_size=1, batch_norm=v["batch_norm"])
        self.conv3 = BasicConv2d(c64, c192, kernel_size=3, padding=1, batch_norm=v["batch_norm"])
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        ch = c192
        self.outs = {}
        for key in ["3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"]:
            row = [scaled(c, width) for c in INCEPTION[key][1:]]
            mod = Inception(ch, *row, variant=variant)
            self.add_module("inception" + key, mod)
            ch = row[0] + row[2] + row[4] + row[5]
            self.outs[key] = ch
            # print(key, ch)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        if aux_logits:
            self.aux1 = InceptionAux(self.outs["4a"], num_classes, variant=variant, width=width)
            self.aux2 = InceptionAux(self.outs["4d"], num_classes, variant=variant, width=width)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=v["dropout"])
        self.fc = nn.Linear(ch, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        x = self.maxpool1(self.conv1(x))
        x = self.conv2(x)
        x = self.conv3(x)
        x = self.maxpool2(x)
        x = self.inception3a(x)
        x = self.inception3b(x)
        x = self.maxpool3(x)
        x = self.inception4a(x)
        a1 = self.aux1(x) if (self.aux_logits and self.training) else None
        x = self.inception4b(x)
        x = self.inception4c(x)
        x = self.inception4d(x)
        a2 = self.aux2(x) if (self.aux_logits and self.training) else None
        x = self.inception4e(x)
        x = self.maxpool4(x)
        x = self.inception5a(x)
        x = self.inception5b(x)
        # print(x.shape)
        x = self.avgpool(x).flatten(1)
        x = self.fc(self.dropout(x))
        if self.aux_logits and self.training:
            return x, a1, a2
        return x
''' + _GN_WRAPPER + r'''

%time small_net = googlenet(num_classes=10, width=1 / 16)
with torch.device("meta"):
    print(sum(p.numel() for p in googlenet().parameters()))   # 6624904
''',
}

# ---------------------------------------------------------------------------------------------
# 08_resnet
# ---------------------------------------------------------------------------------------------

C08_LOOPS = {
    "residual_backward": r'''def residual_backward(dout: np.ndarray, dF: np.ndarray) -> np.ndarray:
    """The gradient of a residual connection y = x + F(x) with respect to its input x."""
    dout = np.asarray(dout, dtype=np.float64)
    dF = np.asarray(dF, dtype=np.float64)
    if dout.shape != dF.shape:
        raise ValueError(f"dF has shape {dF.shape} but dout has shape {dout.shape}")
    dx = dout + dF
    return dx
''',
    "basic_block_forward": r'''def basic_block_forward(x: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray,
                        b2: np.ndarray, stride: int = 1, w_proj: np.ndarray | None = None,
                        b_proj: np.ndarray | None = None) -> np.ndarray:
    """ResNet's basic block at test time (batch norms folded into the weights), in numpy."""
    x = np.asarray(x, dtype=np.float64)
    w1 = np.asarray(w1, dtype=np.float64)
    b1 = np.asarray(b1, dtype=np.float64)
    w2 = np.asarray(w2, dtype=np.float64)
    b2 = np.asarray(b2, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError(f"x must be (N, C_in, H, W), got {x.shape}")
    c_in = x.shape[1]
    if w1.ndim != 4 or w1.shape[1:] != (c_in, 3, 3):
        raise ValueError(f"w1 must be (C_out, {c_in}, 3, 3) for x {x.shape}, got {w1.shape}")
    c_out = w1.shape[0]
    if w2.shape != (c_out, c_out, 3, 3):
        raise ValueError(f"w2 must be ({c_out}, {c_out}, 3, 3), got {w2.shape}")
    if b1.shape != (c_out,):
        raise ValueError(f"b1 must be ({c_out},), got {b1.shape}")
    if b2.shape != (c_out,):
        raise ValueError(f"b2 must be ({c_out},), got {b2.shape}")
    if not _is_int(stride) or stride < 1:
        raise ValueError(f"stride must be a positive int, got {stride!r}")
    if (w_proj is None) != (b_proj is None):
        raise ValueError("give both w_proj and b_proj, or neither")
    if w_proj is not None:
        w_proj = np.asarray(w_proj, dtype=np.float64)
        b_proj = np.asarray(b_proj, dtype=np.float64)
        if w_proj.shape != (c_out, c_in, 1, 1):
            raise ValueError(f"w_proj must be ({c_out}, {c_in}, 1, 1), got {w_proj.shape}")
        if b_proj.shape != (c_out,):
            raise ValueError(f"b_proj must be ({c_out},), got {b_proj.shape}")
    elif c_out != c_in or stride != 1:
        raise ValueError(f"the identity shortcut needs C_out == C_in and stride 1: x {x.shape}, "
                         f"w1 {w1.shape}, stride {stride}")
    h = relu(conv2d_fast(x, w1, b1, stride=stride, padding=1))
    f = conv2d_fast(h, w2, b2, stride=1, padding=1)
    if w_proj is None:
        shortcut = x
    else:
        shortcut = conv2d_fast(x, w_proj, b_proj, stride=stride, padding=0)
    return relu(f + shortcut)
''',
    "BasicBlock": r'''class BasicBlock(nn.Module):
    """ResNet's basic block (ResNet-18 and ResNet-34), as torchvision builds it."""

    expansion = 1

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1):
        super().__init__()
        for name, v in (("in_ch", in_ch), ("out_ch", out_ch), ("stride", stride)):
            if not _is_int(v) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_ch)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_ch)
        if stride != 1 or in_ch != out_ch:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_ch),
            )
        else:
            self.downsample = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out = out + identity
        out = self.relu(out)
        return out
''',
    "Bottleneck": r'''class Bottleneck(nn.Module):
    """ResNet's bottleneck block (ResNet-50, -101 and -152), torchvision's ResNet v1.5."""

    expansion = 4

    def __init__(self, in_ch: int, width: int, stride: int = 1):
        super().__init__()
        for name, v in (("in_ch", in_ch), ("width", width), ("stride", stride)):
            if not _is_int(v) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        out_ch = width * self.expansion
        self.conv1 = nn.Conv2d(in_ch, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out_ch, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_ch)
        self.relu = nn.ReLU(inplace=True)
        if stride != 1 or in_ch != out_ch:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_ch),
            )
        else:
            self.downsample = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out = out + identity
        return self.relu(out)
''',
    "resnet": r'''def resnet(block: type[nn.Module], layers, num_classes: int = 1000, width: int = 64) -> nn.Module:
    """A ResNet built from its stage table, as torchvision builds it."""
    if not isinstance(layers, list | tuple) or len(layers) != 4:
        raise ValueError(f"layers must hold four positive ints, got {layers!r}")
    for n in layers:
        if not _is_int(n) or n < 1:
            raise ValueError(f"layers must hold four positive ints, got {layers!r}")
    if not _is_int(num_classes) or num_classes < 1:
        raise ValueError(f"num_classes must be an int >= 1, got {num_classes!r}")
    if not _is_int(width) or width < 1:
        raise ValueError(f"width must be an int >= 1, got {width!r}")
    parts = OrderedDict()
    parts["conv1"] = nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)
    parts["bn1"] = nn.BatchNorm2d(width)
    parts["relu"] = nn.ReLU(inplace=True)
    parts["maxpool"] = nn.MaxPool2d(3, stride=2, padding=1)
    in_ch = width
    for k in range(4):
        planes = width * 2 ** k
        blocks = []
        for i in range(layers[k]):
            stride = 2 if (k > 0 and i == 0) else 1
            blocks.append(block(in_ch, planes, stride))
            in_ch = planes * block.expansion
        parts[f"layer{k + 1}"] = nn.Sequential(*blocks)
    parts["avgpool"] = nn.AdaptiveAvgPool2d((1, 1))
    parts["flatten"] = nn.Flatten()
    parts["fc"] = nn.Linear(8 * width * block.expansion, num_classes)
    return nn.Sequential(parts)
''',
}

C08_MODULES = {
    "residual_backward": r'''def residual_backward(dout: np.ndarray, dF: np.ndarray) -> np.ndarray:
    if np.shape(dout) != np.shape(dF):
        raise ValueError(f"shapes differ: dout {np.shape(dout)} and dF {np.shape(dF)}")
    dx = np.array(dout, dtype=np.float64, copy=True)
    np.add(dx, dF, out=dx, casting="unsafe")
    return dx
''',
    "basic_block_forward": r'''def basic_block_forward(x: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray,
                        b2: np.ndarray, stride: int = 1, w_proj: np.ndarray | None = None,
                        b_proj: np.ndarray | None = None) -> np.ndarray:
    x, w1, b1, w2, b2 = (np.asarray(a, dtype=np.float64) for a in (x, w1, b1, w2, b2))
    if x.ndim != 4:
        raise ValueError(f"x must be 4-D (N, C_in, H, W): {x.shape}")
    n, c_in, height, width = x.shape
    c_out = w1.shape[0] if w1.ndim == 4 else -1
    expected = {"w1": ((c_out, c_in, 3, 3), w1.shape), "w2": ((c_out, c_out, 3, 3), w2.shape),
                "b1": ((c_out,), b1.shape), "b2": ((c_out,), b2.shape)}
    for name, (want, got) in expected.items():
        if c_out < 1 or want != got:
            raise ValueError(f"{name} has shape {got}, expected {want} for x {x.shape}")
    if isinstance(stride, bool) or not isinstance(stride, int | np.integer) or stride <= 0:
        raise ValueError(f"stride must be a positive int: {stride!r}")
    project = w_proj is not None or b_proj is not None
    if project:
        if w_proj is None or b_proj is None:
            raise ValueError("w_proj and b_proj come together: one of them is None")
        w_proj, b_proj = np.asarray(w_proj, dtype=np.float64), np.asarray(b_proj, dtype=np.float64)
        if w_proj.shape != (c_out, c_in, 1, 1) or b_proj.shape != (c_out,):
            raise ValueError(f"projection w_proj {w_proj.shape}, b_proj {b_proj.shape}; expected "
                             f"({c_out}, {c_in}, 1, 1) and ({c_out},)")
    elif (c_out, stride) != (c_in, 1):
        raise ValueError(f"identity shortcut impossible: x {x.shape} -> {c_out} channels, stride {stride}")
    branch = conv2d_fast(relu(conv2d_fast(x, w1, b1, stride=stride, padding=1)), w2, b2, stride=1, padding=1)
    skip = conv2d_fast(x, w_proj, b_proj, stride=stride, padding=0) if project else x
    return relu(branch + skip)
''',
    "BasicBlock": r'''class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1):
        super().__init__()
        if not all(_is_int(v) and v > 0 for v in (in_ch, out_ch, stride)):
            raise ValueError(f"in_ch, out_ch and stride must be positive ints: {in_ch!r}, {out_ch!r}, {stride!r}")
        self.branch = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(in_ch, out_ch, kernel_size=3, stride=stride, padding=1, bias=False)),
            ("bn1", nn.BatchNorm2d(out_ch)),
            ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(out_ch, out_ch, kernel_size=3, stride=1, padding=1, bias=False)),
            ("bn2", nn.BatchNorm2d(out_ch)),
        ]))
        self.shortcut = nn.Identity()
        if stride != 1 or in_ch != out_ch:
            self.shortcut = nn.Sequential(OrderedDict([
                ("conv", nn.Conv2d(in_ch, out_ch, kernel_size=1, stride=stride, bias=False)),
                ("bn", nn.BatchNorm2d(out_ch)),
            ]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.branch(x) + self.shortcut(x))
''',
    "Bottleneck": r'''class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_ch: int, width: int, stride: int = 1):
        super().__init__()
        if not all(_is_int(v) and v > 0 for v in (in_ch, width, stride)):
            raise ValueError(f"in_ch, width and stride must be positive ints: {in_ch!r}, {width!r}, {stride!r}")
        out_ch = self.expansion * width
        # (C_in, C_out, kernel, stride, padding) of conv1, conv2, conv3
        specs = [(in_ch, width, 1, 1, 0), (width, width, 3, stride, 1), (width, out_ch, 1, 1, 0)]
        self.convs = nn.ModuleList(nn.Conv2d(ci, co, k, stride=s, padding=p, bias=False)
                                   for ci, co, k, s, p in specs)
        self.bns = nn.ModuleList(nn.BatchNorm2d(co) for _, co, *_ in specs)
        self.proj = None
        if stride != 1 or in_ch != out_ch:
            self.proj = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False),
                                      nn.BatchNorm2d(out_ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.proj is None else self.proj(x)
        out = x
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns, strict=True)):
            out = bn(conv(out))
            if i < 2:
                out = F.relu(out)
        return F.relu(out + shortcut)
''',
    "resnet": r'''class _ResNet(nn.Module):
    def __init__(self, block, layers, num_classes, width):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.in_ch = width
        self.layer1 = self._stage(block, width, layers[0], stride=1)
        self.layer2 = self._stage(block, width * 2, layers[1], stride=2)
        self.layer3 = self._stage(block, width * 4, layers[2], stride=2)
        self.layer4 = self._stage(block, width * 8, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(width * 8 * block.expansion, num_classes)

    def _stage(self, block, planes, n, stride):
        strides = [stride] + [1] * (n - 1)
        blocks = []
        for s in strides:
            blocks.append(block(self.in_ch, planes, s))
            self.in_ch = planes * block.expansion
        return nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        for stage in (self.layer1, self.layer2, self.layer3, self.layer4):
            x = stage(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet(block: type[nn.Module], layers, num_classes: int = 1000, width: int = 64) -> nn.Module:
    layers = list(layers) if isinstance(layers, list | tuple) else None
    if layers is None or len(layers) != 4 or not all(_is_int(n) and n > 0 for n in layers):
        raise ValueError("layers must be four positive ints (blocks per stage)")
    if not (_is_int(num_classes) and num_classes >= 1):
        raise ValueError(f"num_classes must be >= 1, got {num_classes!r}")
    if not (_is_int(width) and width >= 1):
        raise ValueError(f"width must be >= 1, got {width!r}")
    return _ResNet(block, [int(n) for n in layers], int(num_classes), int(width))
''',
}

C08_HELPERS_ANSWERS = {
    "residual_backward": r'''def residual_backward(dout: np.ndarray, dF: np.ndarray) -> np.ndarray:
    dout, dF = as_f64(dout), as_f64(dF)
    same_shape(dout, dF, "dout", "dF")
    return np.add(dout, dF)
''',
    "basic_block_forward": r'''def basic_block_forward(x: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray,
                        b2: np.ndarray, stride: int = 1, w_proj: np.ndarray | None = None,
                        b_proj: np.ndarray | None = None) -> np.ndarray:
    x, w1, b1, w2, b2 = map(as_f64, (x, w1, b1, w2, b2))
    c_out, c_in = check_block_shapes(x, w1, b1, w2, b2)
    stride = positive_int(stride, "stride")
    proj = check_projection(w_proj, b_proj, c_out, c_in, stride)
    branch = conv_same(relu(conv_same(x, w1, b1, stride)), w2, b2, 1)
    shortcut = x if proj is None else conv2d_fast(x, *proj, stride=stride, padding=0)
    return relu(branch + shortcut)
''',
    "BasicBlock": r'''class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1):
        super().__init__()
        in_ch, out_ch = positive_int(in_ch, "in_ch"), positive_int(out_ch, "out_ch")
        stride = positive_int(stride, "stride")
        self.conv1, self.bn1 = conv_bn(in_ch, out_ch, 3, stride)
        self.conv2, self.bn2 = conv_bn(out_ch, out_ch, 3, 1)
        self.downsample = projection(in_ch, out_ch, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + shortcut(self.downsample, x))
''',
    "Bottleneck": r'''class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_ch: int, width: int, stride: int = 1):
        super().__init__()
        in_ch, width = positive_int(in_ch, "in_ch"), positive_int(width, "width")
        stride = positive_int(stride, "stride")
        self.conv1, self.bn1 = conv_bn(in_ch, width, 1, 1)
        self.conv2, self.bn2 = conv_bn(width, width, 3, stride)
        self.conv3, self.bn3 = conv_bn(width, width * self.expansion, 1, 1)
        self.downsample = projection(in_ch, width * self.expansion, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return F.relu(out + shortcut(self.downsample, x))
''',
    "resnet": r'''def resnet(block: type[nn.Module], layers, num_classes: int = 1000, width: int = 64) -> nn.Module:
    layers = check_layers(layers)
    num_classes = positive_int(num_classes, "num_classes")
    width = positive_int(width, "width")
    model = nn.Sequential(OrderedDict(stem(width)))
    in_ch = width
    for k, n in enumerate(layers):
        stage, in_ch = make_stage(block, in_ch, width * 2 ** k, n, first_stride=1 if k == 0 else 2)
        model.add_module(f"layer{k + 1}", stage)
    for name, module in head(in_ch, num_classes):
        model.add_module(name, module)
    return model
''',
}

C08_HELPERS_ADDED = (
    ("residual_backward", r'''# helpers for this notebook
def as_f64(a):
    return np.asarray(a, dtype=np.float64)


def same_shape(a, b, name_a, name_b):
    if a.shape != b.shape:
        raise ValueError(f"{name_b} {b.shape} must have the shape of {name_a} {a.shape}")


def positive_int(v, name):
    if not _is_int(v) or v < 1:
        raise ValueError(f"{name} must be a positive int, got {v!r}")
    return int(v)
'''),
    ("basic_block_forward", r'''def check_block_shapes(x, w1, b1, w2, b2):
    if x.ndim != 4:
        raise ValueError(f"x must be (N, C_in, H, W), got {x.shape}")
    c_in = x.shape[1]
    if w1.ndim != 4 or w1.shape[1:] != (c_in, 3, 3):
        raise ValueError(f"w1 {w1.shape} must be (C_out, {c_in}, 3, 3) for x {x.shape}")
    c_out = w1.shape[0]
    if w2.shape != (c_out, c_out, 3, 3):
        raise ValueError(f"w2 {w2.shape} must be ({c_out}, {c_out}, 3, 3)")
    for name, b in (("b1", b1), ("b2", b2)):
        if b.shape != (c_out,):
            raise ValueError(f"{name} {b.shape} must be ({c_out},)")
    return c_out, c_in


def check_projection(w_proj, b_proj, c_out, c_in, stride):
    if w_proj is None and b_proj is None:
        if c_out != c_in or stride != 1:
            raise ValueError(f"identity shortcut with C_in {c_in} -> C_out {c_out}, stride {stride}: needs a projection")
        return None
    if w_proj is None or b_proj is None:
        raise ValueError("w_proj and b_proj must both be given or both be None")
    w_proj, b_proj = as_f64(w_proj), as_f64(b_proj)
    if w_proj.shape != (c_out, c_in, 1, 1) or b_proj.shape != (c_out,):
        raise ValueError(f"w_proj {w_proj.shape} / b_proj {b_proj.shape} must be ({c_out}, {c_in}, 1, 1) / ({c_out},)")
    return w_proj, b_proj


def conv_same(x, w, b, stride):
    """A 3x3 convolution with padding 1."""
    return conv2d_fast(x, w, b, stride=stride, padding=1)
'''),
    ("BasicBlock", r'''def conv_bn(c_in, c_out, k, stride):
    """A k x k convolution without bias (padding k // 2) and its batch norm."""
    return nn.Conv2d(c_in, c_out, k, stride=stride, padding=k // 2, bias=False), nn.BatchNorm2d(c_out)


def projection(c_in, c_out, stride):
    """torchvision's downsample where the shape changes, else None."""
    if stride == 1 and c_in == c_out:
        return None
    return nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))


def shortcut(downsample, x):
    return x if downsample is None else downsample(x)
'''),
    ("resnet", r'''def check_layers(layers):
    if not isinstance(layers, list | tuple) or len(layers) != 4:
        raise ValueError(f"layers must be four positive ints, got {layers!r}")
    return [positive_int(n, "layers entry") for n in layers]


def stem(width):
    return [("conv1", nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)),
            ("bn1", nn.BatchNorm2d(width)), ("relu", nn.ReLU(inplace=True)),
            ("maxpool", nn.MaxPool2d(3, stride=2, padding=1))]


def make_stage(block, in_ch, planes, n, first_stride):
    blocks = []
    for i in range(n):
        blocks.append(block(in_ch, planes, first_stride if i == 0 else 1))
        in_ch = planes * block.expansion
    return nn.Sequential(*blocks), in_ch


def head(in_ch, num_classes):
    return [("avgpool", nn.AdaptiveAvgPool2d((1, 1))), ("flatten", nn.Flatten()),
            ("fc", nn.Linear(in_ch, num_classes))]
'''),
)

C08_SCRATCH = {
    "residual_backward": r'''def residual_backward(dout: np.ndarray, dF: np.ndarray) -> np.ndarray:
    dout = np.array(dout, dtype=float)
    dF = np.array(dF, dtype=float)
    # print(dout.shape, dF.shape)
    if dout.shape != dF.shape:
        raise ValueError("dout " + str(dout.shape) + " and dF " + str(dF.shape) + " differ")
    # return dF   # forgot the skip path at first
    return dout + dF

residual_backward(np.array([1.0, -2.0]), np.array([0.5, 0.5]))
%timeit residual_backward(np.ones((64, 64, 56, 56)), np.ones((64, 64, 56, 56)))
''',
    "basic_block_forward": r'''def basic_block_forward(x: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray,
                        b2: np.ndarray, stride: int = 1, w_proj: np.ndarray | None = None,
                        b_proj: np.ndarray | None = None) -> np.ndarray:
    x = np.asarray(x).astype(np.float64)
    w1 = np.asarray(w1).astype(np.float64); b1 = np.asarray(b1).astype(np.float64)
    w2 = np.asarray(w2).astype(np.float64); b2 = np.asarray(b2).astype(np.float64)
    if len(x.shape) != 4:
        raise ValueError(f"bad x shape {x.shape}")
    N, Cin, H, W = x.shape
    if len(w1.shape) != 4 or w1.shape[1] != Cin or w1.shape[2:] != (3, 3):
        raise ValueError(f"bad w1 shape {w1.shape} for x {x.shape}")
    Cout = w1.shape[0]
    if w2.shape != (Cout, Cout, 3, 3):
        raise ValueError(f"bad w2 shape {w2.shape}, want {(Cout, Cout, 3, 3)}")
    if b1.shape != (Cout,) or b2.shape != (Cout,):
        raise ValueError(f"bad bias shapes b1 {b1.shape} b2 {b2.shape}, want ({Cout},)")
    if type(stride) is bool or not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(f"bad stride {stride}")
    if (w_proj is None) ^ (b_proj is None):
        raise ValueError("only one of w_proj / b_proj given")
    if w_proj is None and (Cout != Cin or stride != 1):
        raise ValueError(f"can't add x {x.shape} to the branch with {Cout} channels and stride {stride}")
    if w_proj is not None:
        w_proj = np.asarray(w_proj).astype(np.float64); b_proj = np.asarray(b_proj).astype(np.float64)
        if w_proj.shape != (Cout, Cin, 1, 1) or b_proj.shape != (Cout,):
            raise ValueError(f"bad projection shapes {w_proj.shape} {b_proj.shape}")
    h = conv2d_fast(x, w1, b1, stride=stride, padding=1)
    h = relu(h)
    f = conv2d_fast(h, w2, b2, stride=1, padding=1)
    # print("branch", f.shape)
    if w_proj is not None:
        sc = conv2d_fast(x, w_proj, b_proj, stride=stride, padding=0)
    else:
        sc = x
    out = relu(f + sc)
    return out

x_ = np.ones((1, 2, 4, 4)); w_ = np.zeros((2, 2, 3, 3)); b_ = np.zeros(2)
print(basic_block_forward(x_, w_, b_, w_, b_).shape)
''',
    "BasicBlock": r'''class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1):
        super().__init__()
        if not (_is_int(in_ch) and _is_int(out_ch) and _is_int(stride)):
            raise ValueError(f"ints please: {in_ch!r} {out_ch!r} {stride!r}")
        if in_ch <= 0 or out_ch <= 0 or stride <= 0:
            raise ValueError(f"positive please: {in_ch} {out_ch} {stride}")
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_ch)
        self.needs_proj = stride != 1 or in_ch != out_ch
        if self.needs_proj:
            self.downsample = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride, bias=False), nn.BatchNorm2d(out_ch))
        # print("BasicBlock", in_ch, out_ch, stride, self.needs_proj)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        sc = self.downsample(x) if self.needs_proj else x
        return F.relu(out + sc)

b = BasicBlock(64, 128, stride=2)
print(b(torch.zeros(1, 64, 56, 56)).shape)
print(sum(p.numel() for p in b.parameters()))   # 230144
''',
    "Bottleneck": r'''class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_ch: int, width: int, stride: int = 1):
        super().__init__()
        for v in (in_ch, width, stride):
            if not _is_int(v) or v < 1:
                raise ValueError(f"Bottleneck({in_ch!r}, {width!r}, stride={stride!r}): positive ints only")
        out_ch = width * 4
        self.conv1 = nn.Conv2d(in_ch, width, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        # self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=False)   # v1 had the stride on conv1
        self.conv2 = nn.Conv2d(width, width, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out_ch, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_ch)
        self.relu = nn.ReLU()
        self.downsample = None
        if stride != 1 or in_ch != out_ch:
            self.downsample = nn.Sequential(nn.Conv2d(in_ch, out_ch, kernel_size=1, stride=stride, bias=False),
                                            nn.BatchNorm2d(out_ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.downsample is None:
            identity = x
        else:
            identity = self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        y = y + identity
        return self.relu(y)

with torch.device("meta"):
    print(sum(p.numel() for p in Bottleneck(256, 64).parameters()))   # 70400
%time Bottleneck(256, 128, stride=2)(torch.zeros(1, 256, 56, 56)).shape
''',
    "resnet": r'''def resnet(block: type[nn.Module], layers, num_classes: int = 1000, width: int = 64) -> nn.Module:
    try:
        layers = list(layers)
    except TypeError:
        raise ValueError(f"layers must be a list of four ints, got {layers!r}") from None
    if len(layers) != 4 or any(not _is_int(n) or n < 1 for n in layers):
        raise ValueError(f"layers must be four positive ints, got {layers}")
    if not _is_int(num_classes) or num_classes < 1:
        raise ValueError(f"num_classes={num_classes!r}")
    if not _is_int(width) or width < 1:
        raise ValueError(f"width={width!r}")
    mods = [nn.Conv2d(3, width, 7, 2, 3, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1)]
    ch = width
    for stage_idx, nblocks in enumerate(layers):
        planes = width * (2 ** stage_idx)
        stage = []
        for j in range(nblocks):
            s = 2 if stage_idx > 0 and j == 0 else 1
            stage.append(block(ch, planes, s))
            ch = planes * block.expansion
        mods.append(nn.Sequential(*stage))
        # print(stage_idx, planes, ch)
    mods += [nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(ch, num_classes)]
    net = nn.Sequential(*mods)
    return net

%time resnet(BasicBlock, [1, 1, 1, 1], 10, width=4)
with torch.device("meta"):
    for name, (b, st) in RESNETS.items():
        m = resnet({"BasicBlock": BasicBlock, "Bottleneck": Bottleneck}[b], st)
        print(name, sum(p.numel() for p in m.parameters()))
''',
}

# the same construction with the branch computed before the shortcut in Bottleneck (the
# ModuleLists still define conv1, conv2, conv3 before bn1, bn2, bn3)
C08_MODULES_BRANCH_FIRST = dict(C08_MODULES, Bottleneck=C08_MODULES["Bottleneck"].replace(
    """        shortcut = x if self.proj is None else self.proj(x)
        out = x
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns, strict=True)):
            out = bn(conv(out))
            if i < 2:
                out = F.relu(out)
        return F.relu(out + shortcut)""",
    """        out = x
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns, strict=True)):
            out = bn(conv(out))
            if i < 2:
                out = F.relu(out)
        return F.relu(out + (x if self.proj is None else self.proj(x)))"""))
assert C08_MODULES_BRANCH_FIRST["Bottleneck"] != C08_MODULES["Bottleneck"]

STYLES: list[Style] = [
    Style(A6, "loops", C06_LOOPS),
    Style(A6, "modules", C06_MODULES,
          notes="vgg is a custom nn.Module (features, avgpool, classifier) whose forward uses "
                "torch.flatten; make_features pairs the channels with zip and flattens blocks"),
    Style(A6, "helpers", C06_HELPERS_ANSWERS, C06_HELPERS_ADDED),
    Style(A6, "scratch", C06_SCRATCH,
          notes="make_features via add_module; %time lines; leftover prints and calls"),
    Style(A7, "loops", C07_LOOPS),
    Style(A7, "modules", C07_MODULES,
          notes="conv1x1 via einsum; Inception branches in an nn.ModuleList of OrderedDict "
                "Sequentials; GoogLeNet as a stem Sequential, an nn.ModuleDict of modules and "
                "of auxiliary classifiers, pools looked up by stage"),
    Style(A7, "helpers", C07_HELPERS_ANSWERS, C07_HELPERS_ADDED,
          notes="branch1 is a bare BasicConv2d, branch4 a Sequential built by a helper; "
                "GoogLeNet's forward as nested calls"),
    Style(A7, "scratch", C07_SCRATCH,
          notes="conv1x1 via transpose to (C_in, N*H*W) and back; inception_cost written out "
                "term by term; %time and a meta count after the googlenet builder"),
    Style(A8, "loops", C08_LOOPS),
    Style(A8, "modules", C08_MODULES,
          notes="BasicBlock as branch/shortcut Sequentials with nn.Identity; Bottleneck with "
                "ModuleLists; resnet a custom nn.Module with a functional stem ReLU"),
    Style(A8, "modules_branch_first", C08_MODULES_BRANCH_FIRST,
          notes="as modules, but Bottleneck's forward runs the branch before the projection"),
    Style(A8, "helpers", C08_HELPERS_ANSWERS, C08_HELPERS_ADDED),
    Style(A8, "scratch", C08_SCRATCH,
          notes="shortcut computed before the branch in Bottleneck; resnet an unnamed flat "
                "nn.Sequential; leftover prints and %time lines"),
]
