# ruff: noqa: E501
"""Correct solutions in several styles, written from the student notebooks alone (held-in set).

Every style answers every exercise of one notebook, following the notebook's written contract
(prose above the exercise and the stub's docstring). The styles:

- ``loops``: explicit Python loops, straightforward;
- ``vectorised``: numpy vectorised (einsum, sliding_window_view, reshape, np.add.at, ...);
- ``helpers``: answers that call helper functions, imports and constants defined only in code
  cells the student added before the answer cells;
- ``scratch``: correct code left the way students leave it: debug prints, IPython magics and
  shell lines, leftover test calls, unused variables, commented-out attempts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import nbformat


@dataclass(frozen=True)
class Style:
    assignment: str              # e.g. "01_convolution"
    name: str                    # e.g. "loops"
    answers: dict[str, str]      # grade_id -> full source of that answer cell
    added: tuple[tuple[str, str], ...] = ()  # (grade_id of the answer cell to insert BEFORE, source)
    notes: str = field(default="", compare=False)

# ---------------------------------------------------------------------------------------------
# 01_convolution
# ---------------------------------------------------------------------------------------------

C01_LOOPS = {
    "corr2d": r'''def corr2d(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Valid 2-D cross-correlation of one channel (no padding, stride 1, kernel not flipped)."""
    X = np.asarray(X, dtype=float)
    K = np.asarray(K, dtype=float)
    if X.ndim != 2 or K.ndim != 2:
        raise ValueError(f"corr2d needs a 2-D image and a 2-D kernel, got X {X.shape} and K {K.shape}")
    H, W = X.shape
    KH, KW = K.shape
    if KH > H or KW > W:
        raise ValueError(f"the kernel K {K.shape} is larger than the image X {X.shape}")
    out = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return out
''',
    "conv2d_multi": r'''def conv2d_multi(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Valid convolution of N images, C channels, F filters; stride 1, no padding."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"x must be (N, C, H, W) and w (F, C, KH, KW), got x {x.shape} and w {w.shape}")
    N, C, H, W = x.shape
    F, Cw, KH, KW = w.shape
    if C != Cw:
        raise ValueError(f"x {x.shape} has {C} channels but w {w.shape} has {Cw}")
    if KH > H or KW > W:
        raise ValueError(f"kernel of w {w.shape} is larger than the images of x {x.shape}")
    if b is not None:
        b = np.asarray(b, dtype=float)
        if b.shape != (F,):
            raise ValueError(f"b must have shape ({F},) for w {w.shape}, got {b.shape}")
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for n in range(N):
        for f in range(F):
            for c in range(C):
                out[n, f] += corr2d(x[n, c], w[f, c])
            if b is not None:
                out[n, f] += b[f]
    return out
''',
    "conv_params": r'''def conv_params(c_in: int, c_out: int, kh: int, kw: int, bias: bool = True) -> int:
    """Learnable parameters of a convolutional layer."""
    _check_positive(c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    per_filter = c_in * kh * kw
    if bias:
        per_filter += 1
    return int(c_out * per_filter)
''',
    "fc_params": r'''def fc_params(n_in: int, n_out: int, bias: bool = True) -> int:
    """Learnable parameters of a fully connected layer."""
    _check_positive(n_in=n_in, n_out=n_out)
    per_unit = n_in
    if bias:
        per_unit += 1
    return int(n_out * per_unit)
''',
    "locally_connected_params": r'''def locally_connected_params(h_out: int, w_out: int, c_in: int, c_out: int, kh: int, kw: int,
                             bias: bool = True) -> int:
    """Learnable parameters of a locally connected layer."""
    _check_positive(h_out=h_out, w_out=w_out, c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    one_position = c_out * (c_in * kh * kw + (1 if bias else 0))
    total = 0
    for _ in range(h_out * w_out):
        total += one_position
    return int(total)
''',
    "edge_kernel": r'''def edge_kernel() -> np.ndarray:
    """A 3x3 kernel that detects vertical edges (Prewitt)."""
    return np.array([[1.0, 0.0, -1.0],
                     [1.0, 0.0, -1.0],
                     [1.0, 0.0, -1.0]])
''',
}

C01_VECTORISED = {
    "corr2d": r'''def corr2d(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    X, K = np.asarray(X, dtype=np.float64), np.asarray(K, dtype=np.float64)
    if X.ndim != 2 or K.ndim != 2 or K.shape[0] > X.shape[0] or K.shape[1] > X.shape[1]:
        raise ValueError(f"corr2d: X must be 2-D, K 2-D and no larger than X; got X {X.shape}, K {K.shape}")
    windows = np.lib.stride_tricks.sliding_window_view(X, K.shape)   # (H', W', KH, KW)
    return np.einsum("ijab,ab->ij", windows, K)
''',
    "conv2d_multi": r'''def conv2d_multi(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"expected 4-D x and w, got x {x.shape}, w {w.shape}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"channel mismatch: x {x.shape} vs w {w.shape}")
    KH, KW = w.shape[2:]
    if KH > x.shape[2] or KW > x.shape[3]:
        raise ValueError(f"kernel {KH}x{KW} of w {w.shape} does not fit in x {x.shape}")
    if b is not None and np.shape(b) != (w.shape[0],):
        raise ValueError(f"b {np.shape(b)} must be ({w.shape[0]},) for w {w.shape}")
    windows = np.lib.stride_tricks.sliding_window_view(x, (KH, KW), axis=(2, 3))
    out = np.einsum("nchwab,fcab->nfhw", windows, w)
    if b is not None:
        out = out + np.asarray(b, dtype=np.float64)[None, :, None, None]
    return out
''',
    "conv_params": r'''def conv_params(c_in: int, c_out: int, kh: int, kw: int, bias: bool = True) -> int:
    _check_positive(c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    return int(c_out * (c_in * kh * kw + int(bias)))
''',
    "fc_params": r'''def fc_params(n_in: int, n_out: int, bias: bool = True) -> int:
    _check_positive(n_in=n_in, n_out=n_out)
    return int(n_out * (n_in + int(bias)))
''',
    "locally_connected_params": r'''def locally_connected_params(h_out: int, w_out: int, c_in: int, c_out: int, kh: int, kw: int,
                             bias: bool = True) -> int:
    _check_positive(h_out=h_out, w_out=w_out, c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    return int(h_out * w_out * c_out * (c_in * kh * kw + int(bias)))
''',
    "edge_kernel": r'''def edge_kernel() -> np.ndarray:
    # Scharr-like weights: heavier middle row, left minus right
    return np.outer([3.0, 10.0, 3.0], [1.0, 0.0, -1.0])
''',
}

C01_HELPERS_ANSWERS = {
    "corr2d": r'''def corr2d(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Valid 2-D cross-correlation, built on my helpers above."""
    X, K = _as_2d_pair(X, K)
    return _windows_dot(X, K)
''',
    "conv2d_multi": r'''def conv2d_multi(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    x, w, b = _check_layer(x, w, b)
    N, F = x.shape[0], w.shape[0]
    out = np.zeros((N, F) + _valid_size(x.shape[2:], w.shape[2:]))
    for f in range(F):
        for c in range(x.shape[1]):
            for n in range(N):
                out[n, f] += _windows_dot(x[n, c], w[f, c])
    return out + (0.0 if b is None else b[None, :, None, None])
''',
    "conv_params": r'''def conv_params(c_in: int, c_out: int, kh: int, kw: int, bias: bool = True) -> int:
    _check_positive(c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    return int(c_out) * _filter_size(c_in, kh, kw, bias)
''',
    "fc_params": r'''def fc_params(n_in: int, n_out: int, bias: bool = True) -> int:
    _check_positive(n_in=n_in, n_out=n_out)
    return int(n_out) * _filter_size(n_in, 1, 1, bias)     # a unit is a 1x1 "filter" over n_in inputs
''',
    "locally_connected_params": r'''def locally_connected_params(h_out: int, w_out: int, c_in: int, c_out: int, kh: int, kw: int,
                             bias: bool = True) -> int:
    _check_positive(h_out=h_out, w_out=w_out, c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    return prod((int(h_out), int(w_out))) * conv_params(c_in, c_out, kh, kw, bias)
''',
    "edge_kernel": r'''def edge_kernel() -> np.ndarray:
    return np.outer(ROW_WEIGHTS, LEFT_MINUS_RIGHT)
''',
}

C01_HELPERS_ADDED = (
    ("corr2d", r'''# my helpers for the convolution exercises
from math import prod

from numpy.lib.stride_tricks import sliding_window_view

EPS = 1e-12


def _as_2d_pair(X, K):
    """X and K as float64 2-D arrays, K no larger than X."""
    X, K = np.asarray(X, dtype=np.float64), np.asarray(K, dtype=np.float64)
    if X.ndim != 2 or K.ndim != 2:
        raise ValueError(f"X and K must be 2-D, got X {X.shape} and K {K.shape}")
    if K.shape[0] > X.shape[0] or K.shape[1] > X.shape[1]:
        raise ValueError(f"K {K.shape} is larger than X {X.shape}")
    return X, K


def _valid_size(image_hw, kernel_hw):
    return tuple(int(n - k + 1) for n, k in zip(image_hw, kernel_hw, strict=True))


def _windows_dot(X, K):
    """Every valid window of X dotted with K (no flip)."""
    return np.tensordot(sliding_window_view(X, K.shape), K, axes=([2, 3], [0, 1]))
'''),
    ("conv2d_multi", r'''def _check_layer(x, w, b):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"x (N, C, H, W) and w (F, C, KH, KW) expected, got x {x.shape} and w {w.shape}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"x {x.shape} and w {w.shape} have different channel counts")
    if w.shape[2] > x.shape[2] or w.shape[3] > x.shape[3]:
        raise ValueError(f"the kernels of w {w.shape} are larger than the images of x {x.shape}")
    if b is not None:
        if np.shape(b) != (w.shape[0],):
            raise ValueError(f"b must be ({w.shape[0]},) for w {w.shape}, got {np.shape(b)}")
        b = np.asarray(b, dtype=np.float64)
    return x, w, b
'''),
    ("conv_params", r'''def _filter_size(c_in, kh, kw, bias):
    """Weights of one filter plus its bias, as a Python int."""
    return int(prod((int(c_in), int(kh), int(kw)))) + (1 if bias else 0)
'''),
    ("edge_kernel", r'''ROW_WEIGHTS = np.array([1.0, 1.5, 1.0])          # every row alike up to a positive factor
LEFT_MINUS_RIGHT = np.array([-2.0, 0.0, 2.0])    # the reverse sign of Prewitt works too
assert abs(np.outer(ROW_WEIGHTS, LEFT_MINUS_RIGHT).sum()) < EPS
'''),
)

C01_SCRATCH = {
    "corr2d": r'''def corr2d(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    X = np.array(X, dtype=np.float64)
    K = np.array(K, dtype=np.float64)
    print("corr2d: X", X.shape, "K", K.shape)   # debug
    if X.ndim != 2 or K.ndim != 2:
        raise ValueError(f"need 2-D arrays: X {X.shape}, K {K.shape}")
    if K.shape[0] > X.shape[0] or K.shape[1] > X.shape[1]:
        raise ValueError(f"K {K.shape} does not fit in X {X.shape}")
    kh, kw = K.shape
    oh = X.shape[0] - kh + 1
    ow = X.shape[1] - kw + 1
    tmp = []   # was going to collect the windows
    out = np.empty((oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = X[i:i+kh, j:j+kw]
            # print(i, j, window)
            out[i, j] = (window * K).sum()
    return out

print(corr2d(X_lecture, K_lecture))
corr2d(np.arange(9).reshape(3, 3), np.array([[1, 0], [0, -1]]))
%timeit -n 10 corr2d(X_lecture, K_lecture)
''',
    "conv2d_multi": r'''def conv2d_multi(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    x = np.array(x, dtype=np.float64)
    w = np.array(w, dtype=np.float64)
    if len(x.shape) != 4 or len(w.shape) != 4:
        raise ValueError("x and w must be 4-D, got " + str(x.shape) + " and " + str(w.shape))
    N, C, H, W = x.shape
    F, C2, KH, KW = w.shape
    print("conv2d_multi", x.shape, w.shape, None if b is None else np.shape(b))
    if C2 != C:
        raise ValueError("channels of x " + str(x.shape) + " and w " + str(w.shape) + " differ")
    if KH > H or KW > W:
        raise ValueError("kernel " + str(w.shape) + " bigger than image " + str(x.shape))
    if b is None:
        b = np.zeros(F)
    b = np.array(b, dtype=np.float64)
    if b.shape != (F,):
        raise ValueError("bias shape " + str(b.shape) + " but w is " + str(w.shape))
    Ho, Wo = H - KH + 1, W - KW + 1
    out = np.zeros((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            patch = x[:, :, i:i+KH, j:j+KW]                     # N C KH KW
            out[:, :, i, j] = np.einsum("ncab,fcab->nf", patch, w) + b
    return out

res = conv2d_multi(np.ones((1, 2, 3, 3)), np.ones((1, 2, 2, 2)), np.array([0.5]))
print(res)
print(res.shape)
''',
    "conv_params": r'''def conv_params(c_in: int, c_out: int, kh: int, kw: int, bias: bool = True) -> int:
    _check_positive(c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    weights = c_in * kh * kw
    n = c_out * (weights + bias)
    return int(n)

!echo "checking conv_params"
print(conv_params(1, 100, 2, 2, bias=False), conv_params(3, 64, 3, 3))
''',
    "fc_params": r'''def fc_params(n_in: int, n_out: int, bias: bool = True) -> int:
    _check_positive(n_in=n_in, n_out=n_out)
    print("fc", n_in, n_out, bias)
    return int(n_out * (n_in + bias))

fc_params(4096, 1000)
''',
    "locally_connected_params": r'''def locally_connected_params(h_out: int, w_out: int, c_in: int, c_out: int, kh: int, kw: int,
                             bias: bool = True) -> int:
    _check_positive(h_out=h_out, w_out=w_out, c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    positions = h_out * w_out
    per_position = c_out * (c_in * kh * kw + bias)
    old = positions * c_out * c_in * kh * kw   # forgot the bias at first
    return int(positions * per_position)

print(locally_connected_params(200, 200, 1, 1, 10, 10))  # 4040000?
''',
    "edge_kernel": r'''def edge_kernel() -> np.ndarray:
    k = np.zeros((3, 3))
    k[:, 0] = -1     # dark on the left
    k[:, 2] = 1      # bright on the right
    k[1] *= 2        # tried sobel-ish middle row
    print(k)
    return k

K_try = edge_kernel()
print(K_try.sum())
''',
}
# ---------------------------------------------------------------------------------------------
# 02_padding_stride
# ---------------------------------------------------------------------------------------------

C02_LOOPS = {
    "conv_output_size": r'''def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0, strict: bool = False) -> int:
    """Number of positions of a window along one axis."""
    if n < 1 or f < 1:
        raise ValueError(f"sizes must be >= 1, got n={n}, f={f}")
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")
    span = n - f + 2 * padding
    if span < 0:
        raise ValueError(f"filter {f} is larger than the padded input {n} + 2*{padding}")
    if strict and span % stride != 0:
        raise ValueError(f"stride {stride} does not tile n - f + 2P = {span}")
    return int(span // stride + 1)
''',
    "pad2d": r'''def pad2d(x: np.ndarray, padding: int | tuple[int, int]) -> np.ndarray:
    """Zero-pad the spatial axes of a batch of images."""
    x = as_float(x)
    if x.ndim != 4:
        raise ValueError(f"pad2d expects x of shape (N, C, H, W), got {x.shape}")
    ph, pw = pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be >= 0, got {(ph, pw)}")
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    out[:, :, ph:ph + H, pw:pw + W] = x
    return out
''',
    "conv2d": r'''def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Convolution with stride and zero padding, one window at a time."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d")
    xpad = pad2d(x, (ph, pw))
    N = x.shape[0]
    F, C, KH, KW = w.shape
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    window = xpad[n, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
                    out[n, f, i, j] = np.sum(window * w[f])
                    if b is not None:
                        out[n, f, i, j] += b[f]
    return out
''',
    "receptive_field": r'''def receptive_field(layers: list[tuple[int, int]]) -> int:
    """Side of the input region seen by one unit of the top layer of a stack."""
    r = 1
    jump = 1
    for k, s in layers:
        if k < 1 or s < 1:
            raise ValueError(f"kernel and stride must be >= 1, got ({k}, {s})")
        r = r + (k - 1) * jump
        jump = jump * s
    return int(r)
''',
    "im2col": r'''def im2col(x: np.ndarray, kh: int, kw: int, stride: int | tuple[int, int] = 1,
           padding: int | tuple[int, int] = 0) -> np.ndarray:
    """All the windows a convolution reads, one per column (loops over the kernel offsets only)."""
    x = as_float(x)
    sh, sw = pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    xpad = pad2d(x, (ph, pw))
    N, C, H, W = x.shape
    Ho = conv_output_size(H, kh, sh, ph)
    Wo = conv_output_size(W, kw, sw, pw)
    cols = np.empty((N, C, kh, kw, Ho, Wo), dtype=x.dtype)
    for a in range(kh):
        for b in range(kw):
            cols[:, :, a, b] = xpad[:, :, a:a + sh * Ho:sh, b:b + sw * Wo:sw]
    return cols.reshape(N, C * kh * kw, Ho * Wo)
''',
    "conv2d_fast": r'''def conv2d_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    """conv2d as one matrix multiply per image."""
    x = as_float(x)
    w = as_float(w)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d_fast")
    N = x.shape[0]
    F, C, KH, KW = w.shape
    cols = im2col(x, KH, KW, (sh, sw), (ph, pw))           # (N, C*KH*KW, Ho*Wo)
    out = np.matmul(w.reshape(F, -1), cols)                 # (N, F, Ho*Wo)
    out = out.reshape(N, F, Ho, Wo)
    if b is not None:
        out = out + np.asarray(b).astype(out.dtype)[None, :, None, None]
    return out
''',
}

C02_VECTORISED = {
    "conv_output_size": r'''def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0, strict: bool = False) -> int:
    if min(n, f, stride) < 1 or padding < 0:
        raise ValueError(f"need n, f, stride >= 1 and padding >= 0; got n={n}, f={f}, "
                         f"stride={stride}, padding={padding}")
    if f > n + 2 * padding:
        raise ValueError(f"filter {f} larger than padded input {n + 2 * padding}")
    q, rem = divmod(n - f + 2 * padding, stride)
    if strict and rem:
        raise ValueError(f"stride {stride} does not tile {n} - {f} + 2*{padding}")
    return int(q) + 1
''',
    "pad2d": r'''def pad2d(x: np.ndarray, padding: int | tuple[int, int]) -> np.ndarray:
    x = as_float(x)
    ph, pw = pair(padding, "padding")
    if x.ndim != 4 or ph < 0 or pw < 0:
        raise ValueError(f"pad2d: x must be 4-D and padding >= 0, got x {x.shape}, padding {(ph, pw)}")
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode="constant", constant_values=0)
''',
    "conv2d": r'''def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d")
    xpad = pad2d(x, (ph, pw))
    KH, KW = w.shape[2:]
    out = np.empty((x.shape[0], w.shape[0], Ho, Wo), dtype=np.float64)
    for i in range(Ho):
        for j in range(Wo):
            window = xpad[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]      # (N, C, KH, KW)
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += np.asarray(b, dtype=np.float64)[None, :, None, None]
    return out
''',
    "receptive_field": r'''def receptive_field(layers: list[tuple[int, int]]) -> int:
    if len(layers) == 0:
        return 1
    ks, ss = np.array(layers, dtype=np.int64).reshape(-1, 2).T
    if ks.min() < 1 or ss.min() < 1:
        raise ValueError(f"kernels and strides must be >= 1, got {layers}")
    jumps = np.concatenate([[1], np.cumprod(ss)[:-1]])
    return int(1 + np.sum((ks - 1) * jumps))
''',
    "im2col": r'''def im2col(x: np.ndarray, kh: int, kw: int, stride: int | tuple[int, int] = 1,
           padding: int | tuple[int, int] = 0) -> np.ndarray:
    x = as_float(x)
    (sh, sw), (ph, pw) = pair(stride, "stride"), pair(padding, "padding")
    xpad = pad2d(x, (ph, pw))
    Ho = conv_output_size(x.shape[2], kh, sh, ph)
    Wo = conv_output_size(x.shape[3], kw, sw, pw)
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    win = win[:, :, :Ho, :Wo].transpose(0, 1, 4, 5, 2, 3)            # (N, C, kh, kw, Ho, Wo)
    return np.ascontiguousarray(win).reshape(x.shape[0], -1, Ho * Wo)
''',
    "conv2d_fast": r'''def conv2d_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x, w = as_float(x), as_float(w)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d_fast")
    F = w.shape[0]
    cols = im2col(x, w.shape[2], w.shape[3], (sh, sw), (ph, pw))
    out = np.einsum("fk,nkl->nfl", w.reshape(F, -1), cols).reshape(x.shape[0], F, Ho, Wo)
    if b is not None:
        out += np.asarray(b, dtype=out.dtype).reshape(1, F, 1, 1)
    return out
''',
}

C02_HELPERS_ANSWERS = {
    "conv_output_size": r'''def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0, strict: bool = False) -> int:
    _at_least(1, n=n, f=f, stride=stride)
    _at_least(0, padding=padding)
    room = n + 2 * padding - f
    if room < 0:
        raise ValueError(f"a filter of {f} does not fit in {n} padded by {padding} on each side")
    if strict and room % stride:
        raise ValueError(f"stride {stride} does not tile the padded input: "
                         f"({n} - {f} + 2*{padding}) / {stride} is not an integer")
    return room // stride + 1
''',
    "pad2d": r'''def pad2d(x: np.ndarray, padding: int | tuple[int, int]) -> np.ndarray:
    x = as_float(_batch(x, "pad2d"))
    ph, pw = pair(padding, "padding")
    _at_least(0, ph=ph, pw=pw)
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
''',
    "conv2d": r'''def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d")
    xpad = pad2d(x, (ph, pw))
    out = np.zeros((x.shape[0], w.shape[0], Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = _one_position(xpad, w, i * sh, j * sw)
    return _add_bias(out, b)
''',
    "receptive_field": r'''def receptive_field(layers: list[tuple[int, int]]) -> int:
    r, jump = 1, 1
    for k, s in layers:
        _at_least(1, kernel=k, stride=s)
        r, jump = r + (k - 1) * jump, jump * s
    return r
''',
    "im2col": r'''def im2col(x: np.ndarray, kh: int, kw: int, stride: int | tuple[int, int] = 1,
           padding: int | tuple[int, int] = 0) -> np.ndarray:
    x = as_float(_batch(x, "im2col"))
    (sh, sw), (ph, pw) = pair(stride, "stride"), pair(padding, "padding")
    Ho = conv_output_size(x.shape[2], kh, sh, ph)
    Wo = conv_output_size(x.shape[3], kw, sw, pw)
    win = _strided_windows(pad2d(x, (ph, pw)), kh, kw, sh, sw)[:, :, :Ho, :Wo]
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(x.shape[0], x.shape[1] * kh * kw, Ho * Wo)
''',
    "conv2d_fast": r'''def conv2d_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x, w = as_float(x), as_float(w)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d_fast")
    cols = im2col(x, *w.shape[2:], stride=(sh, sw), padding=(ph, pw))
    out = (w.reshape(w.shape[0], -1) @ cols).reshape(x.shape[0], w.shape[0], Ho, Wo)
    return _add_bias(out, b)
''',
}

C02_HELPERS_ADDED = (
    ("conv_output_size", r'''# helpers I wrote for this notebook
def _at_least(lower, **values):
    """ValueError naming every value below ``lower``."""
    bad = {name: v for name, v in values.items() if v < lower}
    if bad:
        raise ValueError(f"must be >= {lower}: {bad}")
'''),
    ("pad2d", r'''SPATIAL = (2, 3)   # H and W in NCHW


def _batch(x, name):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"{name} expects a batch (N, C, H, W), got shape {x.shape}")
    return x
'''),
    ("conv2d", r'''def _one_position(xpad, w, top, left):
    """All N x F outputs of the window whose top-left corner is (top, left)."""
    KH, KW = w.shape[SPATIAL[0]], w.shape[SPATIAL[1]]
    window = xpad[:, :, top:top + KH, left:left + KW]
    return np.einsum("ncab,fcab->nf", window, w)


def _add_bias(out, b):
    if b is None:
        return out
    return out + np.asarray(b).astype(out.dtype)[None, :, None, None]
'''),
    ("im2col", r'''from numpy.lib.stride_tricks import sliding_window_view


def _strided_windows(xpad, kh, kw, sh, sw):
    """(N, C, H'', W'', kh, kw) windows of xpad, keeping every sh-th row and sw-th column."""
    return sliding_window_view(xpad, (kh, kw), axis=SPATIAL)[:, :, ::sh, ::sw]
'''),
)

C02_SCRATCH = {
    "conv_output_size": r'''def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0, strict: bool = False) -> int:
    if n < 1 or f < 1 or stride < 1 or padding < 0:
        raise ValueError("bad sizes: n=%s f=%s stride=%s padding=%s" % (n, f, stride, padding))
    total = n + 2*padding
    if f > total:
        raise ValueError("filter %d bigger than padded input %d" % (f, total))
    exact = (n - f + 2*padding) / stride + 1    # the lecture's formula
    if strict and exact != int(exact):
        raise ValueError("stride does not fit: %s" % exact)
    return (n - f + 2*padding) // stride + 1

print(conv_output_size(7, 3, stride=1, padding=1))
print(conv_output_size(224, 7, stride=2, padding=3))
conv_output_size(7, 3, stride=3)
''',
    "pad2d": r'''def pad2d(x: np.ndarray, padding: int | tuple[int, int]) -> np.ndarray:
    ph, pw = pair(padding, "padding")
    x = as_float(x)
    if x.ndim != 4:
        raise ValueError(f"x must be 4D, got {x.shape}")
    if ph < 0 or pw < 0:
        raise ValueError(f"negative padding {padding}")
    #return np.pad(x, ph)   # pads N and C too!
    padded = np.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)])
    print("pad2d", x.shape, "->", padded.shape)
    return padded

pad2d(np.ones((1, 1, 1, 2)), (1, 0))[0, 0]
''',
    "conv2d": r'''def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    (sh, sw), (ph, pw), H2, W2 = _conv_geometry(x, w, b, stride, padding, "conv2d")
    print("conv2d: out size", H2, W2, "stride", (sh, sw), "pad", (ph, pw))
    xpad = pad2d(x, (ph, pw))
    F, C, KH, KW = w.shape
    out = np.zeros((x.shape[0], F, H2, W2))
    count = 0
    for i in range(H2):
        for j in range(W2):
            window = xpad[:, :, i*sh:i*sh + KH, j*sw:j*sw + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
            count += 1
    if b is not None:
        for f in range(F):
            out[:, f] += b[f]
    return out

print(conv2d(np.arange(16.0).reshape(1, 1, 4, 4), np.ones((1, 1, 2, 2)), stride=2))
%time conv2d(np.random.rand(2, 3, 16, 16), np.random.rand(4, 3, 3, 3), padding=1).shape
''',
    "receptive_field": r'''def receptive_field(layers: list[tuple[int, int]]) -> int:
    r = 1
    J = 1
    for layer in layers:
        k, s = layer
        if k < 1 or s < 1:
            raise ValueError(f"bad layer {layer}")
        r += (k - 1) * J
        J *= s
        print("after", layer, "r =", r, "J =", J)
    return r

receptive_field([(3, 1), (3, 1)]), receptive_field([(7, 2), (3, 2)])
''',
    "im2col": r'''def im2col(x: np.ndarray, kh: int, kw: int, stride: int | tuple[int, int] = 1,
           padding: int | tuple[int, int] = 0) -> np.ndarray:
    x = as_float(x)
    sh, sw = pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    xpad = pad2d(x, (ph, pw))
    N, C = x.shape[:2]
    H2 = conv_output_size(x.shape[2], kh, sh, ph)
    W2 = conv_output_size(x.shape[3], kw, sw, pw)
    v = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    print("windows", v.shape)
    v = v[:, :, ::sh, ::sw][:, :, :H2, :W2]
    v = v.transpose(0, 1, 4, 5, 2, 3)
    cols = np.ascontiguousarray(v).reshape(N, C * kh * kw, H2 * W2)
    print("cols", cols.shape, cols.dtype)
    return cols

!echo im2col
c = im2col(np.arange(18.0).reshape(1, 2, 3, 3), 2, 2)
print(c[0, :, 0])
''',
    "conv2d_fast": r'''def conv2d_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x = as_float(x)
    w = as_float(w)
    stride_hw, pad_hw, H2, W2 = _conv_geometry(x, w, b, stride, padding, "conv2d_fast")
    F, C, KH, KW = w.shape
    cols = im2col(x, KH, KW, stride_hw, pad_hw)
    wflat = w.reshape(F, -1)
    print(wflat.shape, cols.shape)
    out = np.matmul(wflat, cols)
    out = out.reshape(x.shape[0], F, H2, W2)
    if b is not None:
        bb = np.asarray(b).astype(out.dtype)
        out = out + bb.reshape(1, F, 1, 1)
    return out

x_dbg = np.random.rand(2, 3, 8, 8).astype(np.float32)
w_dbg = np.random.rand(4, 3, 3, 3).astype(np.float32)
print(conv2d_fast(x_dbg, w_dbg, stride=2, padding=1).dtype)
%timeit conv2d_fast(x_l, w_l, b_l, padding=1)
''',
}
# ---------------------------------------------------------------------------------------------
# 03_pooling
# ---------------------------------------------------------------------------------------------

C03_LOOPS = {
    "max_pool2d": r'''def max_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Max pooling over each channel of a batch."""
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = pool_geometry(x, kernel_size, stride, padding, "max_pool2d")
    x = as_float(x)                         # float32 stays float32, integers become float64
    N, C, H, W = x.shape
    xpad = np.full((N, C, H + 2 * ph, W + 2 * pw), -np.inf, dtype=x.dtype)
    xpad[:, :, ph:ph + H, pw:pw + W] = x
    out = np.zeros((N, C, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, c, i, j] = xpad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
    return out
''',
    "avg_pool2d": r'''def avg_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Average pooling over each channel of a batch (zero padding counted in the mean)."""
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = pool_geometry(x, kernel_size, stride, padding, "avg_pool2d")
    x = as_float(x)
    N, C, H, W = x.shape
    xpad = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    xpad[:, :, ph:ph + H, pw:pw + W] = x
    out = np.zeros((N, C, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    total = 0.0
                    for a in range(kh):
                        for b in range(kw):
                            total += xpad[n, c, i * sh + a, j * sw + b]
                    out[n, c, i, j] = total / (kh * kw)
    return out
''',
    "global_avg_pool2d": r'''def global_avg_pool2d(x: np.ndarray) -> np.ndarray:
    """Global average pooling: the mean of every feature map."""
    x = as_float(x)
    if x.ndim != 4:
        raise ValueError(f"global_avg_pool2d expects x of shape (N, C, H, W), got {x.shape}")
    N, C = x.shape[:2]
    out = np.zeros((N, C), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            out[n, c] = x[n, c].mean()
    return out
''',
}

C03_VECTORISED = {
    "max_pool2d": r'''def max_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = pool_geometry(x, kernel_size, stride, padding, "max_pool2d")
    x = as_float(x)
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    return windows[:, :, :Ho, :Wo].max(axis=(4, 5))
''',
    "avg_pool2d": r'''def avg_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = pool_geometry(x, kernel_size, stride, padding, "avg_pool2d")
    x = as_float(x)
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    windows = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    return windows[:, :, :Ho, :Wo].mean(axis=(4, 5))
''',
    "global_avg_pool2d": r'''def global_avg_pool2d(x: np.ndarray) -> np.ndarray:
    x = as_float(x)
    if x.ndim != 4:
        raise ValueError(f"expected (N, C, H, W), got {x.shape}")
    return x.mean(axis=(2, 3))
''',
}

C03_HELPERS_ANSWERS = {
    "max_pool2d": r'''def max_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> np.ndarray:
    return _pool_windows(x, kernel_size, stride, padding, -np.inf, "max_pool2d").max(axis=WINDOW_AXES)
''',
    "avg_pool2d": r'''def avg_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> np.ndarray:
    windows = _pool_windows(x, kernel_size, stride, padding, 0.0, "avg_pool2d")
    kh, kw = windows.shape[-2:]
    return windows.sum(axis=WINDOW_AXES) / (kh * kw)
''',
    "global_avg_pool2d": r'''def global_avg_pool2d(x: np.ndarray) -> np.ndarray:
    if np.ndim(x) != 4:
        raise ValueError(f"global_avg_pool2d expects a 4-D x (N, C, H, W), got shape {np.shape(x)}")
    x = as_float(x)
    # average pooling with the window as large as the map, then drop the 1x1 spatial axes
    return _pool_windows(x, x.shape[2:], None, 0, 0.0, "global_avg_pool2d").mean(axis=WINDOW_AXES)[:, :, 0, 0]
''',
}

C03_HELPERS_ADDED = (
    ("max_pool2d", r'''# shared by both pooling functions
from numpy.lib.stride_tricks import sliding_window_view

WINDOW_AXES = (4, 5)


def _pool_windows(x, kernel_size, stride, padding, fill, name):
    """(N, C, H', W', kh, kw): every pooling window, padding filled with ``fill``."""
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = pool_geometry(x, kernel_size, stride, padding, name)
    x = as_float(x)
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    return sliding_window_view(xpad, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
'''),
)

C03_SCRATCH = {
    "max_pool2d": r'''def max_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> np.ndarray:
    k, s, p, H2, W2 = pool_geometry(x, kernel_size, stride, padding, "max_pool2d")
    print("max_pool2d: kernel", k, "stride", s, "pad", p, "->", H2, W2)
    x = as_float(x)
    xpad = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=-np.inf)
    #xpad = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))   # zeros: wrong for negatives
    out = np.empty(x.shape[:2] + (H2, W2), dtype=x.dtype)
    for i in range(H2):
        for j in range(W2):
            r, c = i * s[0], j * s[1]
            out[:, :, i, j] = xpad[:, :, r:r + k[0], c:c + k[1]].max(axis=(2, 3))
    return out

test = max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)
print(test)
print(max_pool2d(-np.arange(16.0).reshape(1, 1, 4, 4), 2, padding=1))
%timeit max_pool2d(x_grid, 2)
''',
    "avg_pool2d": r'''def avg_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> np.ndarray:
    k, s, p, H2, W2 = pool_geometry(x, kernel_size, stride, padding, "avg_pool2d")
    x = as_float(x)
    xpad = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    out = np.zeros(x.shape[:2] + (H2, W2), dtype=x.dtype)
    for a in range(k[0]):           # add up the kh*kw shifted grids
        for b in range(k[1]):
            out += xpad[:, :, a:a + s[0] * H2:s[0], b:b + s[1] * W2:s[1]]
    out /= k[0] * k[1]
    print("avg_pool2d", x.shape, "->", out.shape)
    return out

!echo "avg pool"
avg_pool2d(np.ones((1, 1, 2, 2)), 2, stride=1, padding=1)
''',
    "global_avg_pool2d": r'''def global_avg_pool2d(x: np.ndarray) -> np.ndarray:
    x = as_float(x)
    if len(x.shape) != 4:
        raise ValueError("need (N, C, H, W), got " + str(x.shape))
    s = x.sum(axis=3).sum(axis=2)
    unused = x.shape[2] * x.shape[3]
    return x.mean(axis=(2, 3))

global_avg_pool2d(np.arange(8.0).reshape(1, 2, 2, 2))
''',
}
# ---------------------------------------------------------------------------------------------
# 04_classification_head
# ---------------------------------------------------------------------------------------------

C04_LOOPS = {
    "relu": r'''def relu(x: np.ndarray) -> np.ndarray:
    """Rectified linear unit, elementwise."""
    out = np.array(x, dtype=float)          # a copy: x itself is not changed
    for idx in np.ndindex(out.shape):
        if out[idx] < 0:
            out[idx] = 0.0
    return out
''',
    "flatten": r'''def flatten(x: np.ndarray) -> np.ndarray:
    """Flatten every example of a batch into one row."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"flatten needs a batch axis: x.ndim must be >= 2, got shape {x.shape}")
    N = x.shape[0]
    D = 1
    for d in x.shape[1:]:
        D *= d
    out = np.empty((N, D), dtype=x.dtype)
    for n in range(N):
        out[n] = x[n].ravel()
    return out
''',
    "linear": r'''def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Fully connected layer."""
    x, w, b = np.asarray(x, dtype=float), np.asarray(w, dtype=float), np.asarray(b, dtype=float)
    if x.ndim != 2 or w.ndim != 2 or b.ndim != 1:
        raise ValueError(f"linear expects x (N, D), w (D, M), b (M,), got x {x.shape}, w {w.shape}, b {b.shape}")
    if x.shape[1] != w.shape[0] or b.shape[0] != w.shape[1]:
        raise ValueError(f"shapes do not fit: x {x.shape}, w {w.shape}, b {b.shape}")
    N, D = x.shape
    M = w.shape[1]
    scores = np.zeros((N, M))
    for n in range(N):
        scores[n] = x[n] @ w + b
    return scores
''',
    "softmax": r'''def softmax(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along one axis, numerically stable."""
    s = np.asarray(scores, dtype=float)
    m = np.max(s, axis=axis, keepdims=True)
    e = np.exp(s - m)
    return e / np.sum(e, axis=axis, keepdims=True)
''',
    "cross_entropy": r'''def cross_entropy(scores: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood of the true classes, computed through log-softmax."""
    scores, y = _check_labels(scores, y, "cross_entropy")
    N = scores.shape[0]
    total = 0.0
    for n in range(N):
        row = scores[n].astype(np.float64)
        m = row.max()
        log_p = (row[y[n]] - m) - np.log(np.sum(np.exp(row - m)))
        total += -log_p
    return float(total / N)
''',
    "topk_error": r'''def topk_error(scores: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    """Top-k error: the fraction of examples whose true class is not among the k highest scores."""
    scores, y = _check_labels(scores, y, "topk_error")
    K = scores.shape[1]
    if k < 1 or k > K:
        raise ValueError(f"k must be in [1, {K}] for scores {scores.shape}, got {k}")
    wrong = 0
    for n in range(scores.shape[0]):
        true_score = scores[n, y[n]]
        larger = 0                              # scores strictly larger than the true class's
        for j in range(K):
            if scores[n, j] > true_score:
                larger += 1
        if larger >= k:                         # ties never count against the true class
            wrong += 1
    return wrong / scores.shape[0]
''',
    "numerical_gradient": r'''def numerical_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Centered-difference gradient of a scalar function."""
    if h <= 0:
        raise ValueError(f"h must be > 0, got {h}")
    xc = np.array(x, dtype=np.float64)        # float64 copy
    grad = np.zeros(xc.shape, dtype=np.float64)
    for i in np.ndindex(xc.shape):
        old = xc[i]
        xc[i] = old + h
        f_plus = np.asarray(f(xc), dtype=np.float64)
        if f_plus.size != 1:
            raise ValueError(f"f must return one number, got an array of shape {f_plus.shape}")
        f_plus = float(f_plus.reshape(()))
        xc[i] = old - h
        f_minus = np.asarray(f(xc), dtype=np.float64)
        if f_minus.size != 1:
            raise ValueError(f"f must return one number, got an array of shape {f_minus.shape}")
        f_minus = float(f_minus.reshape(()))
        xc[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
''',
    "relu_backward": r'''def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient of relu: dL/dx given dL/dout."""
    dout, x = np.asarray(dout, dtype=float), np.asarray(x, dtype=float)
    if dout.shape != x.shape:
        raise ValueError(f"dout {dout.shape} and x {x.shape} must have the same shape")
    dx = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        if x[idx] > 0:
            dx[idx] = dout[idx]
    return dx
''',
    "linear_backward": r'''def linear_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of scores = x @ w + b."""
    dout, x, w = np.asarray(dout, dtype=float), np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    if dout.ndim != 2 or x.ndim != 2 or w.ndim != 2:
        raise ValueError(f"expected 2-D dout, x, w; got dout {dout.shape}, x {x.shape}, w {w.shape}")
    N, D = x.shape
    if w.shape[0] != D or dout.shape != (N, w.shape[1]):
        raise ValueError(f"shapes do not fit: dout {dout.shape}, x {x.shape}, w {w.shape}")
    M = w.shape[1]
    dx = np.zeros((N, D))
    dw = np.zeros((D, M))
    db = np.zeros(M)
    for n in range(N):
        dx[n] = w @ dout[n]
        dw += np.outer(x[n], dout[n])
        db += dout[n]
    return dx, dw, db
''',
    "softmax_cross_entropy_backward": r'''def softmax_cross_entropy_backward(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of cross_entropy(scores, y) with respect to the scores."""
    scores, y = _check_labels(scores, y, "softmax_cross_entropy_backward")
    N = scores.shape[0]
    dscores = softmax(scores, axis=1).copy()
    for n in range(N):
        dscores[n, y[n]] -= 1.0
    return dscores / N
''',
    "max_pool2d_backward": r'''def max_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None,
                        padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Gradient of max_pool2d(x, kernel_size, stride, padding) with respect to x."""
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = _pool_backward_geometry(
        dout, x, kernel_size, stride, padding, "max_pool2d_backward")
    x = np.asarray(x, dtype=float)
    dout = np.asarray(dout, dtype=float)
    N, C, H, W = x.shape
    xpad = np.full((N, C, H + 2 * ph, W + 2 * pw), -np.inf)
    xpad[:, :, ph:ph + H, pw:pw + W] = x
    dxpad = np.zeros(xpad.shape)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    window = xpad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    a, b = np.unravel_index(np.argmax(window), window.shape)   # first maximum
                    dxpad[n, c, i * sh + a, j * sw + b] += dout[n, c, i, j]
    return dxpad[:, :, ph:ph + H, pw:pw + W]
''',
    "avg_pool2d_backward": r'''def avg_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None,
                        padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Gradient of avg_pool2d(x, kernel_size, stride, padding) (zero padding counted)."""
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = _pool_backward_geometry(
        dout, x, kernel_size, stride, padding, "avg_pool2d_backward")
    dout = np.asarray(dout, dtype=float)
    N, C, H, W = np.shape(x)
    dxpad = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    for i in range(Ho):
        for j in range(Wo):
            share = dout[:, :, i, j] / (kh * kw)
            dxpad[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += share[:, :, None, None]
    return dxpad[:, :, ph:ph + H, pw:pw + W]
''',
    "conv2d_backward": r'''def conv2d_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray,
                    stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of out = conv2d(x, w, b, stride, padding)."""
    dout = np.asarray(dout, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4 or dout.ndim != 4:
        raise ValueError(f"expected 4-D dout, x and w; got dout {dout.shape}, x {x.shape}, w {w.shape}")
    sh, sw = pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    if sh < 1 or sw < 1 or ph < 0 or pw < 0:
        raise ValueError(f"stride must be >= 1 and padding >= 0, got stride {(sh, sw)}, padding {(ph, pw)}")
    N, C, H, W = x.shape
    F, Cw, KH, KW = w.shape
    if Cw != C:
        raise ValueError(f"x {x.shape} has {C} channels, w {w.shape} has {Cw}")
    if KH > H + 2 * ph or KW > W + 2 * pw:
        raise ValueError(f"kernel of w {w.shape} is larger than x {x.shape} padded by {(ph, pw)}")
    Ho = (H + 2 * ph - KH) // sh + 1
    Wo = (W + 2 * pw - KW) // sw + 1
    if dout.shape != (N, F, Ho, Wo):
        raise ValueError(f"dout must have shape {(N, F, Ho, Wo)} for x {x.shape}, w {w.shape}, "
                         f"stride {(sh, sw)}, padding {(ph, pw)}; got {dout.shape}")
    xpad = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    xpad[:, :, ph:ph + H, pw:pw + W] = x
    dxpad = np.zeros(xpad.shape)
    dw = np.zeros(w.shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    g = dout[n, f, i, j]
                    rows = slice(i * sh, i * sh + KH)
                    cols = slice(j * sw, j * sw + KW)
                    db[f] += g
                    dw[f] += g * xpad[n, :, rows, cols]
                    dxpad[n, :, rows, cols] += g * w[f]
    dx = dxpad[:, :, ph:ph + H, pw:pw + W]
    return dx, dw, db
''',
}

C04_VECTORISED = {
    "relu": r'''def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)
''',
    "flatten": r'''def flatten(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"flatten: x needs a batch axis, got shape {x.shape}")
    return x.reshape(x.shape[0], int(np.prod(x.shape[1:])))
''',
    "linear": r'''def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    if x.ndim != 2 or w.ndim != 2 or x.shape[1] != w.shape[0] or b.shape != (w.shape[1],):
        raise ValueError(f"linear: need x (N, D), w (D, M), b (M,); got x {x.shape}, w {w.shape}, b {b.shape}")
    return np.einsum("nd,dm->nm", x, w) + b
''',
    "softmax": r'''def softmax(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    s = np.asarray(scores, dtype=np.float64)
    z = np.exp(s - s.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)
''',
    "cross_entropy": r'''def cross_entropy(scores: np.ndarray, y: np.ndarray) -> float:
    s, y = _check_labels(scores, y, "cross_entropy")
    shifted = s - s.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())
''',
    "topk_error": r'''def topk_error(scores: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    s, y = _check_labels(scores, y, "topk_error")
    if not 1 <= k <= s.shape[1]:
        raise ValueError(f"k={k} must be between 1 and K={s.shape[1]} (scores {s.shape})")
    true_score = s[np.arange(len(y)), y]
    rank = (s > true_score[:, None]).sum(axis=1)      # classes that beat the true one
    return float(np.mean(rank >= k))
''',
    "numerical_gradient": r'''def numerical_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    if not h > 0:
        raise ValueError(f"h must be positive, got {h}")
    xc = np.array(x, dtype=np.float64, copy=True)
    flat = xc.reshape(-1)                  # a view of xc
    grad = np.empty(flat.size)

    def value(v):
        out = np.asarray(f(v))
        if out.size != 1:
            raise ValueError(f"f must return a single number, got shape {out.shape}")
        return float(out.item())

    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + h
        up = value(xc)
        flat[i] = keep - h
        down = value(xc)
        flat[i] = keep
        grad[i] = (up - down) / (2.0 * h)
    return grad.reshape(xc.shape)
''',
    "relu_backward": r'''def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    dout, x = np.asarray(dout, dtype=np.float64), np.asarray(x)
    if dout.shape != x.shape:
        raise ValueError(f"relu_backward: dout {dout.shape} and x {x.shape} differ")
    return np.where(x > 0, dout, 0.0)
''',
    "linear_backward": r'''def linear_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dout, x, w = (np.asarray(a, dtype=np.float64) for a in (dout, x, w))
    if (dout.ndim != 2 or x.ndim != 2 or w.ndim != 2 or x.shape[1] != w.shape[0]
            or dout.shape != (x.shape[0], w.shape[1])):
        raise ValueError(f"linear_backward: need dout (N, M), x (N, D), w (D, M); "
                         f"got dout {dout.shape}, x {x.shape}, w {w.shape}")
    dx = dout @ w.T
    dw = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
''',
    "softmax_cross_entropy_backward": r'''def softmax_cross_entropy_backward(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    s, y = _check_labels(scores, y, "softmax_cross_entropy_backward")
    N, K = s.shape
    onehot = np.eye(K)[y]
    return (softmax(s, axis=1) - onehot) / N
''',
    "max_pool2d_backward": r'''def max_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None,
                        padding: int | tuple[int, int] = 0) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = _pool_backward_geometry(
        dout, x, kernel_size, stride, padding, "max_pool2d_backward")
    x, dout = np.asarray(x, dtype=np.float64), np.asarray(dout, dtype=np.float64)
    N, C, H, W = x.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    arg = windows[:, :, :Ho, :Wo].reshape(N, C, Ho, Wo, kh * kw).argmax(axis=-1)
    a, b = np.divmod(arg, kw)
    n, c, i, j = np.indices((N, C, Ho, Wo))
    dxpad = np.zeros_like(xpad)
    np.add.at(dxpad, (n, c, i * sh + a, j * sw + b), dout)
    return dxpad[:, :, ph:ph + H, pw:pw + W]
''',
    "avg_pool2d_backward": r'''def avg_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None,
                        padding: int | tuple[int, int] = 0) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = _pool_backward_geometry(
        dout, x, kernel_size, stride, padding, "avg_pool2d_backward")
    N, C, H, W = np.shape(x)
    share = np.asarray(dout, dtype=np.float64) / (kh * kw)
    dxpad = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    for a in range(kh):
        for b in range(kw):
            dxpad[:, :, a:a + sh * Ho:sh, b:b + sw * Wo:sw] += share
    return dxpad[:, :, ph:ph + H, pw:pw + W]
''',
    "conv2d_backward": r'''def conv2d_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray,
                    stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dout, x, w = (np.asarray(a, dtype=np.float64) for a in (dout, x, w))
    (sh, sw), (ph, pw) = pair(stride, "stride"), pair(padding, "padding")
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError(f"conv2d_backward: x {x.shape} and w {w.shape} must be (N, C, H, W) and (F, C, KH, KW)")
    if min(sh, sw) < 1 or min(ph, pw) < 0:
        raise ValueError(f"conv2d_backward: bad stride {(sh, sw)} or padding {(ph, pw)}")
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    Hp, Wp = H + 2 * ph, W + 2 * pw
    if KH > Hp or KW > Wp:
        raise ValueError(f"conv2d_backward: w {w.shape} does not fit x {x.shape} padded by {(ph, pw)}")
    Ho, Wo = (Hp - KH) // sh + 1, (Wp - KW) // sw + 1
    if dout.shape != (N, F, Ho, Wo):
        raise ValueError(f"conv2d_backward: dout {dout.shape} does not fit x {x.shape}, w {w.shape}, "
                         f"stride {(sh, sw)}, padding {(ph, pw)}: expected {(N, F, Ho, Wo)}")
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxpad = np.zeros_like(xpad)
    dw = np.empty_like(w)
    for a in range(KH):
        for b in range(KW):
            rows, cols = slice(a, a + sh * Ho, sh), slice(b, b + sw * Wo, sw)
            dw[:, :, a, b] = np.einsum("nfij,ncij->fc", dout, xpad[:, :, rows, cols])
            dxpad[:, :, rows, cols] += np.einsum("nfij,fc->ncij", dout, w[:, :, a, b])
    db = dout.sum(axis=(0, 2, 3))
    return dxpad[:, :, ph:ph + H, pw:pw + W], dw, db
''',
}

C04_HELPERS_ANSWERS = {
    "relu": r'''def relu(x: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(x, dtype=np.float64), 0, None)      # a new array; x is untouched
''',
    "flatten": r'''def flatten(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"flatten expects a batch (N, ...), got shape {x.shape} with no batch axis")
    return x.reshape(len(x), prod(x.shape[1:]))
''',
    "linear": r'''def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    x, w, b = _fc_shapes(x, w, b)
    return x @ w + b
''',
    "softmax": r'''def softmax(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.exp(_log_softmax(np.asarray(scores, dtype=np.float64), axis))
''',
    "cross_entropy": r'''def cross_entropy(scores: np.ndarray, y: np.ndarray) -> float:
    scores, y = _check_labels(scores, y, "cross_entropy")
    logp = _log_softmax(scores, CLASS_AXIS)
    return float(-np.mean(logp[np.arange(scores.shape[0]), y]))
''',
    "topk_error": r'''def topk_error(scores: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    scores, y = _check_labels(scores, y, "topk_error")
    if k < 1 or k > scores.shape[CLASS_AXIS]:
        raise ValueError(f"k must satisfy 1 <= k <= K = {scores.shape[CLASS_AXIS]}, got k={k}")
    true_score = scores[np.arange(scores.shape[0]), y][:, None]
    larger = (scores > true_score).sum(axis=CLASS_AXIS)     # ties do not count against y
    return float(np.mean(larger >= k))
''',
    "numerical_gradient": r'''def numerical_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    if h <= 0:
        raise ValueError(f"numerical_gradient: h must be > 0, got {h}")
    xc = np.array(x, dtype=np.float64)
    grad = np.zeros_like(xc)
    for i in np.ndindex(*xc.shape):
        saved = xc[i]
        xc[i] = saved + h
        up = _scalar(f(xc))
        xc[i] = saved - h
        down = _scalar(f(xc))
        xc[i] = saved
        grad[i] = (up - down) * HALF / h
    return grad
''',
    "relu_backward": r'''def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    dout, x = _same_shape(dout, x, "relu_backward")
    return dout * (x > 0)
''',
    "linear_backward": r'''def linear_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, w, _ = _fc_shapes(x, w, np.zeros(np.shape(w)[-1]))
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != (x.shape[0], w.shape[1]):
        raise ValueError(f"dout {dout.shape} must be (N, M) = {(x.shape[0], w.shape[1])} for x {x.shape}, w {w.shape}")
    dx = np.einsum("nm,dm->nd", dout, w)
    dw = np.einsum("nd,nm->dm", x, dout)
    db = np.einsum("nm->m", dout)
    return dx, dw, db
''',
    "softmax_cross_entropy_backward": r'''def softmax_cross_entropy_backward(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    scores, y = _check_labels(scores, y, "softmax_cross_entropy_backward")
    N, K = scores.shape
    return (softmax(scores, CLASS_AXIS) - _onehot(y, K)) / N
''',
    "max_pool2d_backward": r'''def max_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None,
                        padding: int | tuple[int, int] = 0) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = _pool_backward_geometry(
        dout, x, kernel_size, stride, padding, "max_pool2d_backward")
    xpad = _pad_hw(np.asarray(x, dtype=np.float64), ph, pw, -np.inf)
    win = _windows(xpad, kh, kw, sh, sw, Ho, Wo)                       # (N, C, Ho, Wo, kh, kw)
    first = win.reshape(win.shape[:4] + (kh * kw,)).argmax(axis=-1)    # first max, row-major
    pick = (np.arange(kh * kw) == first[..., None]).reshape(win.shape)
    contrib = pick * np.asarray(dout, dtype=np.float64)[..., None, None]
    dxpad = _scatter_windows(np.zeros_like(xpad), contrib, sh, sw)
    return _unpad_hw(dxpad, ph, pw)
''',
    "avg_pool2d_backward": r'''def avg_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None,
                        padding: int | tuple[int, int] = 0) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = _pool_backward_geometry(
        dout, x, kernel_size, stride, padding, "avg_pool2d_backward")
    N, C, H, W = np.shape(x)
    contrib = np.broadcast_to(np.asarray(dout, dtype=np.float64)[..., None, None] / (kh * kw),
                              (N, C, Ho, Wo, kh, kw))
    dxpad = _scatter_windows(np.zeros((N, C, H + 2 * ph, W + 2 * pw)), contrib, sh, sw)
    return _unpad_hw(dxpad, ph, pw)
''',
    "conv2d_backward": r'''def conv2d_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray,
                    stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dout, x, w, (sh, sw), (ph, pw) = _conv_backward_args(dout, x, w, stride, padding)
    KH, KW = w.shape[2:]
    Ho, Wo = dout.shape[2:]
    xpad = _pad_hw(x, ph, pw, 0.0)
    win = _windows(xpad, KH, KW, sh, sw, Ho, Wo)                       # (N, C, Ho, Wo, KH, KW)
    db = dout.sum(axis=(0, *SPATIAL))
    dw = np.einsum("nfij,ncijab->fcab", dout, win)
    contrib = np.einsum("nfij,fcab->ncijab", dout, w)
    dxpad = _scatter_windows(np.zeros_like(xpad), contrib, sh, sw)
    return _unpad_hw(dxpad, ph, pw), dw, db
''',
}

C04_HELPERS_ADDED = (
    ("relu", r'''# my toolbox for notebook 04
from math import prod

from numpy.lib.stride_tricks import sliding_window_view

CLASS_AXIS = 1        # scores are (N, K)
SPATIAL = (2, 3)      # H and W in NCHW
HALF = 0.5


def _same_shape(a, b, name):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"{name}: shapes differ, {a.shape} and {b.shape}")
    return a, b
'''),
    ("linear", r'''def _fc_shapes(x, w, b):
    """x (N, D), w (D, M), b (M,) as float64 arrays, or ValueError naming the shapes."""
    x, w, b = (np.asarray(v, dtype=np.float64) for v in (x, w, b))
    if x.ndim != 2 or w.ndim != 2 or b.ndim != 1 or x.shape[1] != w.shape[0] or b.shape[0] != w.shape[1]:
        raise ValueError(f"fully connected shapes do not fit: x {x.shape}, w {w.shape}, b {b.shape}")
    return x, w, b
'''),
    ("softmax", r'''def _log_softmax(s, axis):
    shifted = s - s.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _onehot(y, K):
    out = np.zeros((len(y), K))
    out[np.arange(len(y)), y] = 1.0
    return out
'''),
    ("numerical_gradient", r'''def _scalar(value):
    value = np.asarray(value, dtype=np.float64)
    if value.size != 1:
        raise ValueError(f"f must return one number, got an array of shape {value.shape}")
    return float(value.reshape(-1)[0])
'''),
    ("max_pool2d_backward", r'''def _pad_hw(x, ph, pw, value):
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _unpad_hw(xpad, ph, pw):
    H, W = xpad.shape[2] - 2 * ph, xpad.shape[3] - 2 * pw
    return xpad[:, :, ph:ph + H, pw:pw + W]


def _windows(xpad, kh, kw, sh, sw, Ho, Wo):
    return sliding_window_view(xpad, (kh, kw), axis=SPATIAL)[:, :, ::sh, ::sw][:, :, :Ho, :Wo]


def _scatter_windows(dxpad, contrib, sh, sw):
    """Add contrib (N, C, Ho, Wo, kh, kw) back onto the windows of dxpad (they may overlap)."""
    Ho, Wo, kh, kw = contrib.shape[2:]
    for a in range(kh):
        for b in range(kw):
            dxpad[:, :, a:a + sh * Ho:sh, b:b + sw * Wo:sw] += contrib[..., a, b]
    return dxpad
'''),
    ("conv2d_backward", r'''def _conv_backward_args(dout, x, w, stride, padding):
    dout, x, w = (np.asarray(v, dtype=np.float64) for v in (dout, x, w))
    (sh, sw), (ph, pw) = pair(stride, "stride"), pair(padding, "padding")
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError(f"need x (N, C, H, W) and w (F, C, KH, KW), got x {x.shape} and w {w.shape}")
    if sh < 1 or sw < 1 or ph < 0 or pw < 0:
        raise ValueError(f"stride {(sh, sw)} must be >= 1 and padding {(ph, pw)} >= 0")
    Hp, Wp = x.shape[2] + 2 * ph, x.shape[3] + 2 * pw
    if w.shape[2] > Hp or w.shape[3] > Wp:
        raise ValueError(f"kernel of w {w.shape} larger than x {x.shape} padded by {(ph, pw)}")
    expected = (x.shape[0], w.shape[0], (Hp - w.shape[2]) // sh + 1, (Wp - w.shape[3]) // sw + 1)
    if dout.shape != expected:
        raise ValueError(f"dout {dout.shape} does not fit x {x.shape} and w {w.shape} with stride "
                         f"{(sh, sw)}, padding {(ph, pw)}: expected {expected}")
    return dout, x, w, (sh, sw), (ph, pw)
'''),
)

C04_SCRATCH = {
    "relu": r'''def relu(x: np.ndarray) -> np.ndarray:
    out = np.array(x, dtype=float)   # copy!! (x[x < 0] = 0 changed my input)
    out[out < 0] = 0
    return out

print(relu(np.array([-2.0, 0.0, 3.0])))
relu(np.array([-3, 4]))
''',
    "flatten": r'''def flatten(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError("flatten: no batch axis in shape " + str(x.shape))
    N = x.shape[0]
    print("flatten", x.shape, "->", (N, x[0].size if N else 0))
    return x.reshape(N, -1)

flatten(np.zeros((2, 3, 4, 4))).shape
''',
    "linear": r'''def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    b = np.asarray(b, dtype=float)
    if len(x.shape) != 2 or len(w.shape) != 2:
        raise ValueError(f"x {x.shape} and w {w.shape} must be matrices")
    if x.shape[1] != w.shape[0]:
        raise ValueError(f"x {x.shape} @ w {w.shape}: inner sizes differ")
    if b.shape != (w.shape[1],):
        raise ValueError(f"b {b.shape} does not match w {w.shape}")
    scores = x @ w
    #print(scores)
    scores = scores + b
    return scores

linear(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]), np.zeros(3))
''',
    "softmax": r'''def softmax(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    s = np.asarray(scores, dtype=float)
    # naive = np.exp(s) / np.exp(s).sum(axis=axis, keepdims=True)   # overflows for 1000
    s = s - np.max(s, axis=axis, keepdims=True)
    e = np.exp(s)
    p = e / np.sum(e, axis=axis, keepdims=True)
    return p

p = softmax(np.array([[1000.0, 1001.0, 1002.0]]))
print(p, p.sum())
''',
    "cross_entropy": r'''def cross_entropy(scores: np.ndarray, y: np.ndarray) -> float:
    scores, y = _check_labels(scores, y, "cross_entropy")
    N = scores.shape[0]
    m = scores.max(axis=1, keepdims=True)
    logp = (scores - m) - np.log(np.sum(np.exp(scores - m), axis=1, keepdims=True))
    #loss = -np.mean(np.log(softmax(scores)[np.arange(N), y]))   # -inf for big logits
    loss = -logp[np.arange(N), y].sum() / N
    print("loss", loss)
    return float(loss)

cross_entropy(np.zeros((2, 4)), np.array([0, 3])), np.log(4)
''',
    "topk_error": r'''def topk_error(scores: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    scores, y = _check_labels(scores, y, "topk_error")
    K = scores.shape[1]
    if k < 1 or k > K:
        raise ValueError(f"k={k} not in [1, {K}]")
    #best = np.argsort(-scores, axis=1)[:, :k]   # breaks ties by class order
    true = scores[np.arange(len(y)), y]
    above = (scores > true[:, None]).sum(axis=1)
    print(above)
    correct = above < k
    acc = correct.mean()
    return float(1 - acc)

topk_error(np.array([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1]]), np.array([2, 0]), k=1)
''',
    "numerical_gradient": r'''def numerical_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    if h <= 0:
        raise ValueError("h must be positive")
    xc = np.array(x, dtype=np.float64)
    grad = np.zeros(xc.shape)
    it = np.nditer(xc, flags=["multi_index"])
    while not it.finished:
        i = it.multi_index
        orig = xc[i]
        xc[i] = orig + h
        fp = f(xc)
        if np.size(fp) != 1:
            raise ValueError(f"f returned {np.size(fp)} numbers, not one")
        fp = float(np.squeeze(fp))
        xc[i] = orig - h
        fm = float(np.squeeze(f(xc)))
        xc[i] = orig      # restore!!
        grad[i] = (fp - fm) / (2 * h)
        it.iternext()
    return grad

g = numerical_gradient(lambda v: np.sum(v ** 2), np.array([1.0, -2.0]))
print(g)
%timeit numerical_gradient(lambda v: np.sum(v ** 2), np.ones(100))
''',
    "relu_backward": r'''def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    dout = np.asarray(dout, dtype=float)
    x = np.asarray(x)
    if dout.shape != x.shape:
        raise ValueError(f"shape mismatch {dout.shape} vs {x.shape}")
    dx = dout.copy()
    dx[x <= 0] = 0       # 0 at x == 0 like pytorch
    return dx

relu_backward(np.array([5.0, 5.0, 5.0]), np.array([-1.0, 0.0, 2.0]))
''',
    "linear_backward": r'''def linear_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dout = np.asarray(dout, dtype=float)
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if dout.ndim != 2 or x.ndim != 2 or w.ndim != 2:
        raise ValueError(f"need matrices: dout {dout.shape}, x {x.shape}, w {w.shape}")
    if x.shape[1] != w.shape[0] or dout.shape[0] != x.shape[0] or dout.shape[1] != w.shape[1]:
        raise ValueError(f"shapes don't fit: dout {dout.shape}, x {x.shape}, w {w.shape}")
    dx = dout @ w.T
    dw = x.T @ dout
    db = np.sum(dout, axis=0)
    print("shapes", dx.shape, dw.shape, db.shape)
    return dx, dw, db

!echo linear backward
dx, dw, db = linear_backward(np.ones((2, 3)), np.ones((2, 4)), np.ones((4, 3)))
dx.shape, dw.shape, db
''',
    "softmax_cross_entropy_backward": r'''def softmax_cross_entropy_backward(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    scores, y = _check_labels(scores, y, "softmax_cross_entropy_backward")
    N = scores.shape[0]
    p = softmax(scores)
    p = p.copy()
    p[np.arange(N), y] -= 1
    grad = p / N
    return grad

softmax_cross_entropy_backward(np.zeros((1, 2)), np.array([1]))
''',
    "max_pool2d_backward": r'''def max_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None,
                        padding: int | tuple[int, int] = 0) -> np.ndarray:
    k, s, p, H2, W2 = _pool_backward_geometry(dout, x, kernel_size, stride, padding, "max_pool2d_backward")
    kh, kw = k
    x = np.asarray(x, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    N, C, H, W = x.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=-np.inf)
    dxpad = np.zeros(xpad.shape)
    nn, cc = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
    for i in range(H2):
        for j in range(W2):
            r0, c0 = i * s[0], j * s[1]
            win = xpad[:, :, r0:r0 + kh, c0:c0 + kw].reshape(N, C, -1)
            arg = win.argmax(axis=2)
            a, b = arg // kw, arg % kw
            np.add.at(dxpad, (nn, cc, r0 + a, c0 + b), dout[:, :, i, j])
            # dxpad[nn, cc, r0 + a, c0 + b] = dout[:, :, i, j]   # overwrote overlapping windows
    dx = dxpad[:, :, p[0]:p[0] + H, p[1]:p[1] + W]
    print("max_pool2d_backward: sum dx", dx.sum(), "sum dout", dout.sum())
    return dx

max_pool2d_backward(np.ones((1, 1, 1, 1)), np.array([[[[1.0, 3.0], [3.0, 2.0]]]]), 2)
''',
    "avg_pool2d_backward": r'''def avg_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None,
                        padding: int | tuple[int, int] = 0) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw), H2, W2 = _pool_backward_geometry(dout, x, kernel_size, stride, padding,
                                                                   "avg_pool2d_backward")
    dout = np.asarray(dout, dtype=np.float64)
    N, C, H, W = np.shape(x)
    dxpad = np.zeros((N, C, H + 2*ph, W + 2*pw))
    for a in range(kh):
        for b in range(kw):
            dxpad[:, :, a:a + sh*H2:sh, b:b + sw*W2:sw] += dout / (kh*kw)
    print(dxpad)
    return dxpad[:, :, ph:ph + H, pw:pw + W]

avg_pool2d_backward(np.ones((1, 1, 1, 2)), np.zeros((1, 1, 2, 3)), 2, stride=1)
''',
    "conv2d_backward": r'''def conv2d_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray,
                    stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dout = np.asarray(dout, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    sh, sw = pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    if x.ndim != 4 or w.ndim != 4 or dout.ndim != 4:
        raise ValueError(f"x {x.shape}, w {w.shape}, dout {dout.shape} must all be 4-D")
    N, C, H, W = x.shape
    F, C_w, KH, KW = w.shape
    if C != C_w:
        raise ValueError(f"x {x.shape} and w {w.shape}: channels differ")
    if sh < 1 or sw < 1 or ph < 0 or pw < 0:
        raise ValueError(f"stride {stride} / padding {padding} not allowed")
    if KH > H + 2*ph or KW > W + 2*pw:
        raise ValueError(f"w {w.shape} too big for x {x.shape} with padding {padding}")
    H2 = (H + 2*ph - KH) // sh + 1
    W2 = (W + 2*pw - KW) // sw + 1
    if dout.shape != (N, F, H2, W2):
        raise ValueError(f"dout {dout.shape} should be {(N, F, H2, W2)} for x {x.shape}, w {w.shape}")
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for a in range(KH):
        for b in range(KW):
            patch = xpad[:, :, a:a + sh*H2:sh, b:b + sw*W2:sw]          # N C H2 W2
            dw[:, :, a, b] = np.tensordot(dout, patch, axes=([0, 2, 3], [0, 2, 3]))
            dxpad[:, :, a:a + sh*H2:sh, b:b + sw*W2:sw] += np.tensordot(dout, w[:, :, a, b], axes=([1], [0])).transpose(0, 3, 1, 2)
    dx = dxpad[:, :, ph:ph+H, pw:pw+W]
    print("conv2d_backward", dx.shape, dw.shape, db.shape)
    return dx, dw, db

dx_t, dw_t, db_t = conv2d_backward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
print(dx_t[0, 0])
%timeit conv2d_backward(np.ones((2, 4, 8, 8)), np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3)), padding=1)
!pip list 2>/dev/null | grep -i numpy
''',
}

# ---------------------------------------------------------------------------------------------
# 05_imagenet_alexnet
# ---------------------------------------------------------------------------------------------

C05_LOOPS = {
    "layer_output_shape": r'''def layer_output_shape(layer: tuple, in_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape of one layer of a layer table, for one example (no batch axis)."""
    name, kind, hp = parse_layer(layer)
    if not isinstance(in_shape, tuple | list):
        raise ValueError(f"layer {name}: in_shape must be a tuple, got {in_shape!r}")
    if kind == "fc":
        if len(in_shape) == 0:
            raise ValueError(f"layer {name}: an fc layer needs a non-empty in_shape, got {in_shape!r}")
        return (hp[0],)
    if len(in_shape) != 3:
        raise ValueError(f"layer {name}: in_shape must be (C_in, H, W), got {in_shape!r}")
    for v in in_shape:
        if not _is_int(v) or v < 1:
            raise ValueError(f"layer {name}: in_shape must hold positive ints, got {in_shape!r}")
    C, H, W = int(in_shape[0]), int(in_shape[1]), int(in_shape[2])
    if kind == "lrn":
        return (C, H, W)
    if kind == "conv":
        c_out, f, s, p, groups = hp
        if C % groups != 0 or c_out % groups != 0:
            raise ValueError(f"layer {name}: groups={groups} must divide C_in={C} and C_out={c_out} "
                             f"(in_shape {in_shape!r})")
    else:  # pool
        f, s = hp
        p = 0
        c_out = C
    sides = []
    for n in (H, W):
        if f > n + 2 * p:
            raise ValueError(f"layer {name}: the {f}x{f} window is larger than the padded input "
                             f"{n} + 2*{p} of in_shape {in_shape!r}")
        sides.append((n - f + 2 * p) // s + 1)
    return (c_out, sides[0], sides[1])
''',
    "layer_table": r'''def layer_table(layers, in_shape: tuple[int, ...]) -> list[tuple[str, tuple[int, ...], int, int]]:
    """The layer table of a network: each layer's output shape, parameters and MACs."""
    rows = []
    shape = in_shape
    for layer in layers:
        name, kind, hp = parse_layer(layer)
        out_shape = layer_output_shape(layer, shape)
        params = 0
        macs = 0
        if kind == "conv":
            c_out, f, s, p, groups = hp
            c_in = int(shape[0])
            per_filter = (c_in // groups) * f * f
            params = c_out * per_filter + c_out
            macs = c_out * out_shape[1] * out_shape[2] * per_filter
        elif kind == "fc":
            d_out = hp[0]
            d_in = 1
            for v in shape:
                d_in = d_in * int(v)
            params = d_in * d_out + d_out
            macs = d_in * d_out
        rows.append((name, out_shape, int(params), int(macs)))
        shape = out_shape
    return rows
''',
    "alexnet": r'''def alexnet(variant: str = "paper", num_classes: int = 1000, width: float = 1.0) -> nn.Module:
    """AlexNet built from its layer table ALEXNET[variant]."""
    if variant not in ALEXNET:
        raise ValueError(f"unknown variant {variant!r}; the variants are {sorted(ALEXNET)}")
    if num_classes < 1:
        raise ValueError(f"num_classes must be >= 1, got {num_classes}")
    if width <= 0:
        raise ValueError(f"width must be > 0, got {width}")

    layers = []
    channels = 3
    fc_sizes = []
    for row in ALEXNET[variant]:
        name, kind, hp = parse_layer(row)
        if kind == "conv":
            c_out, f, s, p, groups = hp
            c_out = 2 * round(c_out * width / 2)
            layers.append(nn.Conv2d(channels, c_out, f, stride=s, padding=p, groups=groups))
            layers.append(nn.ReLU(inplace=True))
            channels = c_out
        elif kind == "pool":
            layers.append(nn.MaxPool2d(hp[0], hp[1]))
        elif kind == "lrn":
            layers.append(nn.LocalResponseNorm(hp[0], **LRN_ARGS))
        else:
            fc_sizes.append(hp[0])
    if variant == "one_gpu":
        layers.append(nn.AdaptiveAvgPool2d((6, 6)))
    layers.append(nn.Flatten())
    d_in = channels * 6 * 6
    for i in range(len(fc_sizes)):
        if i == len(fc_sizes) - 1:
            layers.append(nn.Linear(d_in, num_classes))
        else:
            d_out = 2 * round(fc_sizes[i] * width / 2)
            layers.append(nn.Dropout(0.5))
            layers.append(nn.Linear(d_in, d_out))
            layers.append(nn.ReLU(inplace=True))
            d_in = d_out
    return nn.Sequential(*layers)
''',
}

C05_VECTORISED = {
    "layer_output_shape": r'''def layer_output_shape(layer: tuple, in_shape: tuple[int, ...]) -> tuple[int, ...]:
    name, kind, hp = parse_layer(layer)
    try:
        shape = tuple(in_shape)
    except TypeError:
        raise ValueError(f"layer {name}: in_shape {in_shape!r} is not a shape") from None
    if kind == "fc":
        if not shape:
            raise ValueError(f"layer {name}: empty in_shape {shape!r} for an fc layer")
        return (hp[0],)
    if len(shape) != 3 or not all(_is_int(v) and v > 0 for v in shape):
        raise ValueError(f"layer {name}: in_shape must be (C_in, H, W) of positive ints, got {shape!r}")
    c, hw = int(shape[0]), np.array(shape[1:], dtype=np.int64)
    # every kind as a window (C_out, F, S, P, groups): lrn is a 1x1 window with stride 1
    c_out, f, s, p, g = {"conv": lambda: hp,
                         "pool": lambda: (c, hp[0], hp[1], 0, 1),
                         "lrn": lambda: (c, 1, 1, 0, 1)}[kind]()
    if c % g or c_out % g:
        raise ValueError(f"layer {name}: groups={g} does not divide C_in={c} and C_out={c_out}")
    if np.any(hw + 2 * p < f):
        raise ValueError(f"layer {name}: window {f} larger than the padded input {shape!r} (P={p})")
    return (c_out, *((hw - f + 2 * p) // s + 1).tolist())
''',
    "layer_table": r'''def layer_table(layers, in_shape: tuple[int, ...]) -> list[tuple[str, tuple[int, ...], int, int]]:
    # kind -> (params, macs) from the hyperparameters, the input shape and the output shape
    cost = {
        "conv": lambda hp, i, o: (o[0] * (i[0] // hp[4]) * hp[1] ** 2 + o[0],
                                  math.prod(o) * (i[0] // hp[4]) * hp[1] ** 2),
        "fc": lambda hp, i, o: (math.prod(i) * hp[0] + hp[0], math.prod(i) * hp[0]),
        "pool": lambda hp, i, o: (0, 0),
        "lrn": lambda hp, i, o: (0, 0),
    }
    rows, shape = [], in_shape
    for layer in layers:
        name, kind, hp = parse_layer(layer)
        out = layer_output_shape(layer, shape)
        params, macs = cost[kind](hp, tuple(int(v) for v in shape), out)
        rows.append((name, out, int(params), int(macs)))
        shape = out
    return rows
''',
    "alexnet": r'''def alexnet(variant: str = "paper", num_classes: int = 1000, width: float = 1.0) -> nn.Module:
    if not isinstance(variant, str) or variant not in ALEXNET or num_classes < 1 or width <= 0:
        raise ValueError(f"alexnet(variant={variant!r}, num_classes={num_classes!r}, width={width!r}): "
                         f"the variants are {sorted(ALEXNET)}, num_classes >= 1, width > 0")
    rows = [parse_layer(r) for r in ALEXNET[variant]]
    even = lambda c: 2 * round(c * width / 2)
    convs = [even(hp[0]) for _, kind, hp in rows if kind == "conv"]
    c_in, c_out = iter([3, *convs[:-1]]), iter(convs)
    make = {
        "conv": lambda hp: [nn.Conv2d(next(c_in), next(c_out), hp[1], stride=hp[2], padding=hp[3],
                                      groups=hp[4]), nn.ReLU(inplace=True)],
        "pool": lambda hp: [nn.MaxPool2d(*hp)],
        "lrn": lambda hp: [nn.LocalResponseNorm(*hp, **LRN_ARGS)],
        "fc": lambda hp: [],
    }
    features = nn.Sequential(*[m for _, kind, hp in rows for m in make[kind](hp)])
    fcs = [hp[0] for _, kind, hp in rows if kind == "fc"]
    sizes = [convs[-1] * 6 * 6, *map(even, fcs[:-1]), num_classes]
    last = len(sizes) - 2
    classifier = nn.Sequential(*[
        m for i, (a, b) in enumerate(zip(sizes, sizes[1:]))
        for m in ((nn.Linear(a, b),) if i == last else (nn.Dropout(0.5), nn.Linear(a, b), nn.ReLU(inplace=True)))
    ])
    avgpool = [nn.AdaptiveAvgPool2d((6, 6))] if variant == "one_gpu" else []
    return nn.Sequential(features, *avgpool, nn.Flatten(), classifier)
''',
}

C05_HELPERS_ANSWERS = {
    "layer_output_shape": r'''def layer_output_shape(layer: tuple, in_shape: tuple[int, ...]) -> tuple[int, ...]:
    name, kind, hp = parse_layer(layer)
    if kind == "fc":
        return (hp[0],) if _nonempty(name, in_shape) else None
    c, h, w = _chw(name, in_shape)
    if kind == "lrn":
        return (c, h, w)
    window = Window(*hp) if kind == "conv" else Window(c, hp[0], hp[1], 0, 1)
    _check_groups(name, c, window)
    return (window.c_out, _side(name, h, window), _side(name, w, window))
''',
    "layer_table": r'''def layer_table(layers, in_shape: tuple[int, ...]) -> list[tuple[str, tuple[int, ...], int, int]]:
    table = []
    shape = in_shape
    for layer in layers:
        name, kind, hp = parse_layer(layer)
        out = layer_output_shape(layer, shape)
        table.append((name, out, *COSTS[kind](hp, shape, out)))
        shape = out
    return table
''',
    "alexnet": r'''def alexnet(variant: str = "paper", num_classes: int = 1000, width: float = 1.0) -> nn.Module:
    _check_alexnet_args(variant, num_classes, width)
    return TableNet(ALEXNET[variant], num_classes, width, adaptive=(variant == "one_gpu"))
''',
}

C05_HELPERS_ADDED = (
    ("layer_output_shape", r'''# helpers for the layer-table exercises
from collections import namedtuple
from math import prod

Window = namedtuple("Window", "c_out f s p groups")   # a conv row's hyperparameters; pool: P=0, groups=1


def _nonempty(name, in_shape):
    if not isinstance(in_shape, tuple | list) or len(in_shape) == 0:
        raise ValueError(f"layer {name}: an fc layer needs a non-empty in_shape, got {in_shape!r}")
    return True


def _chw(name, in_shape):
    """(C, H, W) as Python ints, or ValueError naming the layer."""
    if (not isinstance(in_shape, tuple | list) or len(in_shape) != 3
            or not all(_is_int(v) and v >= 1 for v in in_shape)):
        raise ValueError(f"layer {name}: expected in_shape (C_in, H, W) of positive ints, got {in_shape!r}")
    return tuple(int(v) for v in in_shape)


def _check_groups(name, c_in, window):
    if c_in % window.groups or window.c_out % window.groups:
        raise ValueError(f"layer {name}: groups={window.groups} must divide C_in={c_in} and C_out={window.c_out}")


def _side(name, n, window):
    """notebook 02: (N - F + 2P) // S + 1, floored."""
    padded = n + 2 * window.p
    if window.f > padded:
        raise ValueError(f"layer {name}: window {window.f} larger than the padded side {padded}")
    return (padded - window.f) // window.s + 1
'''),
    ("layer_table", r'''def _conv_cost(hp, in_shape, out_shape):
    w = Window(*hp)
    per_filter = (int(in_shape[0]) // w.groups) * w.f * w.f
    return w.c_out * per_filter + w.c_out, prod(out_shape) * per_filter


def _fc_cost(hp, in_shape, out_shape):
    d_in = prod(int(v) for v in in_shape)
    return d_in * hp[0] + hp[0], d_in * hp[0]


def _free(hp, in_shape, out_shape):
    return 0, 0


COSTS = {"conv": _conv_cost, "fc": _fc_cost, "pool": _free, "lrn": _free}
'''),
    ("alexnet", r'''import torch.nn.functional as F

DROPOUT = 0.5
FINAL_SIDE = 6


def _even(c, width):
    return 2 * round(c * width / 2)


def _check_alexnet_args(variant, num_classes, width):
    if variant not in ALEXNET:
        raise ValueError(f"unknown variant {variant!r}, expected one of {list(ALEXNET)}")
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1, got {num_classes}")
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")


class TableNet(nn.Module):
    """A network from a layer table: the weighted layers as modules, everything else functional."""

    def __init__(self, table, num_classes, width, adaptive):
        super().__init__()
        self.steps = []                 # (kind, index of the conv, or the hyperparameters)
        self.convs = nn.ModuleList()
        channels = 3
        fc_rows = []
        for row in table:
            name, kind, hp = parse_layer(row)
            if kind == "conv":
                c_out = _even(hp[0], width)
                self.convs.append(nn.Conv2d(channels, c_out, hp[1], stride=hp[2], padding=hp[3], groups=hp[4]))
                self.steps.append(("conv", len(self.convs) - 1))
                channels = c_out
            elif kind == "fc":
                fc_rows.append(hp[0])
            else:
                self.steps.append((kind, hp))
        self.adaptive = adaptive
        sizes = [channels * FINAL_SIDE * FINAL_SIDE] + [_even(d, width) for d in fc_rows[:-1]] + [num_classes]
        self.fcs = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))

    def forward(self, x):
        for kind, arg in self.steps:
            if kind == "conv":
                x = F.relu(self.convs[arg](x))
            elif kind == "pool":
                x = F.max_pool2d(x, arg[0], arg[1])
            else:
                x = F.local_response_norm(x, arg[0], **LRN_ARGS)
        if self.adaptive:
            x = F.adaptive_avg_pool2d(x, (FINAL_SIDE, FINAL_SIDE))
        x = torch.flatten(x, 1)
        for fc in self.fcs[:-1]:
            x = F.relu(fc(F.dropout(x, DROPOUT, self.training)))
        return self.fcs[-1](x)
'''),
)

C05_SCRATCH = {
    "layer_output_shape": r'''def layer_output_shape(layer: tuple, in_shape: tuple[int, ...]) -> tuple[int, ...]:
    name, kind, hp = parse_layer(layer)
    print(name, kind, hp, "in:", in_shape)
    if type(in_shape) not in (tuple, list):
        raise ValueError("layer " + name + ": in_shape should be a tuple, got " + repr(in_shape))
    if kind == "fc":
        if len(in_shape) < 1:
            raise ValueError("layer " + name + ": empty in_shape " + repr(in_shape))
        # D_in = prod(in_shape), not needed for the shape
        return (hp[0],)
    if len(in_shape) != 3 or not all(_is_int(d) and d > 0 for d in in_shape):
        raise ValueError("layer " + name + ": bad in_shape " + repr(in_shape) + ", need (C_in, H, W)")
    C, H, W = in_shape
    if kind == "lrn":
        return tuple(int(d) for d in in_shape)
    if kind == "pool":
        F_, S = hp
        P = 0
        C_out = C
    else:
        C_out, F_, S, P, groups = hp
        if C % groups or C_out % groups:
            raise ValueError(f"layer {name}: groups {groups} vs C_in {C}, C_out {C_out} (in_shape {in_shape})")
    # Hout = (H - F_ + 2*P) / S + 1     <- float!! 54.25
    try:
        Hout = conv_output_size(int(H), F_, stride=S, padding=P)   # my notebook 02 function
        Wout = conv_output_size(int(W), F_, stride=S, padding=P)
    except ValueError as e:
        raise ValueError(f"layer {name} on {in_shape}: {e}") from e
    return (int(C_out), int(Hout), int(Wout))

layer_output_shape(("CONV1", "conv", 96, 11, 4, 0, 1), (3, 227, 227))
print(layer_output_shape(("FC6", "fc", 4096), (256, 6, 6)))
%time layer_output_shape(("POOL1", "pool", 3, 2), (96, 55, 55))
''',
    "layer_table": r'''def layer_table(layers, in_shape: tuple[int, ...]) -> list[tuple[str, tuple[int, ...], int, int]]:
    out = []
    cur = in_shape
    for layer in layers:
        name, kind, hp = parse_layer(layer)
        new = layer_output_shape(layer, cur)
        if kind == "conv":
            g = hp[4]
            w = hp[0] * (cur[0] // g) * hp[1] * hp[1]
            params = w + hp[0]          # + biases
            # macs = params * new[1] * new[2]   # no: biases are not MACs
            macs = w * new[1] * new[2]
        elif kind == "fc":
            D_in = math.prod(cur)
            params = D_in * hp[0] + hp[0]
            macs = D_in * hp[0]
            # flops = 2 * macs
        else:
            params, macs = 0, 0
        print(f"  {name:6s} {str(new):16s} {params:>12,} {macs:>14,}")
        out.append((name, new, int(params), int(macs)))
        cur = new
    return out

t = layer_table(ALEXNET["paper"], INPUT_SHAPE["paper"])
print(sum(r[2] for r in t), "should be 60965224")
%time _ = layer_table(ALEXNET["one_gpu"], INPUT_SHAPE["one_gpu"])
t
''',
    "alexnet": r'''def alexnet(variant: str = "paper", num_classes: int = 1000, width: float = 1.0) -> nn.Module:
    if variant not in ("paper", "one_gpu"):
        raise ValueError("variant must be 'paper' or 'one_gpu', not " + repr(variant))
    if not num_classes >= 1:
        raise ValueError("num_classes < 1: " + str(num_classes))
    if not width > 0:
        raise ValueError("width <= 0: " + str(width))
    table = ALEXNET[variant]
    feats = OrderedDict()
    c = 3
    for row in table:
        name, kind, hp = parse_layer(row)
        if kind == "conv":
            c_out = 2 * round(hp[0] * width / 2)
            feats[name.lower()] = nn.Conv2d(c, c_out, kernel_size=hp[1], stride=hp[2], padding=hp[3], groups=hp[4])
            feats["relu" + name[-1]] = nn.ReLU(inplace=True)
            c = c_out
        elif kind == "pool":
            feats[name.lower()] = nn.MaxPool2d(kernel_size=hp[0], stride=hp[1])
        elif kind == "lrn":
            feats[name.lower()] = nn.LocalResponseNorm(hp[0], **LRN_ARGS)
    if variant == "one_gpu":
        feats["avgpool"] = nn.AdaptiveAvgPool2d((6, 6))
    feats["flatten"] = nn.Flatten()
    # d_in = c * 6 * 6
    with torch.no_grad():   # let torch tell me the size (works on meta too)
        side = INPUT_SHAPE[variant][1]
        d_in = nn.Sequential(feats)(torch.zeros(1, 3, side, side)).shape[1]
    print("d_in", d_in)
    fc_names = [r[0] for r in table if r[1] == "fc"]
    fc_sizes = [r[2] for r in table if r[1] == "fc"]
    for i, (name, d) in enumerate(zip(fc_names, fc_sizes)):
        if name == fc_names[-1]:
            feats[name.lower()] = nn.Linear(d_in, num_classes)
        else:
            d = 2 * round(d * width / 2)
            feats["drop" + str(i + 6)] = nn.Dropout(p=0.5)
            feats[name.lower()] = nn.Linear(d_in, d)
            feats["relu" + str(i + 6)] = nn.ReLU(inplace=True)
            d_in = d
    return nn.Sequential(feats)

with torch.device("meta"):
    m = alexnet()
print(sum(p.numel() for p in m.parameters()))   # 60965224 ?
%time small = alexnet("paper", 10, width=1/16)
small
# print(small(torch.zeros(2, 3, 227, 227)).shape)
''',
}

# ---------------------------------------------------------------------------------------------
# the styles and the notebook builder
# ---------------------------------------------------------------------------------------------

STYLES: list[Style] = [
    Style("01_convolution", "loops", C01_LOOPS),
    Style("01_convolution", "vectorised", C01_VECTORISED),
    Style("01_convolution", "helpers", C01_HELPERS_ANSWERS, C01_HELPERS_ADDED),
    Style("01_convolution", "scratch", C01_SCRATCH,
          notes="leftover call print(corr2d(X_lecture, K_lecture)) uses a name of an earlier, "
                "non-setup cell; edge_kernel is the negated Sobel (the notebook only suggests "
                "another design)"),
    Style("02_padding_stride", "loops", C02_LOOPS),
    Style("02_padding_stride", "vectorised", C02_VECTORISED),
    Style("02_padding_stride", "helpers", C02_HELPERS_ANSWERS, C02_HELPERS_ADDED),
    Style("02_padding_stride", "scratch", C02_SCRATCH),
    Style("03_pooling", "loops", C03_LOOPS),
    Style("03_pooling", "vectorised", C03_VECTORISED),
    Style("03_pooling", "helpers", C03_HELPERS_ANSWERS, C03_HELPERS_ADDED),
    Style("03_pooling", "scratch", C03_SCRATCH),
    Style("04_classification_head", "loops", C04_LOOPS),
    Style("04_classification_head", "vectorised", C04_VECTORISED,
          notes="topk_error counts ties with the true class in its favour, as its docstring says"),
    Style("04_classification_head", "helpers", C04_HELPERS_ANSWERS, C04_HELPERS_ADDED),
    Style("04_classification_head", "scratch", C04_SCRATCH),
    Style("05_imagenet_alexnet", "loops", C05_LOOPS),
    Style("05_imagenet_alexnet", "vectorised", C05_VECTORISED,
          notes="alexnet as nn.Sequential(features, [avgpool], Flatten, classifier) built by "
                "comprehensions over a dict of builders; lrn as a 1x1 window in layer_output_shape"),
    Style("05_imagenet_alexnet", "helpers", C05_HELPERS_ANSWERS, C05_HELPERS_ADDED,
          notes="alexnet is a custom nn.Module (ModuleLists convs, fcs) whose forward uses "
                "F.relu, F.max_pool2d, F.local_response_norm, F.adaptive_avg_pool2d and "
                "F.dropout: the only leaf modules are the Conv2d and Linear layers"),
    Style("05_imagenet_alexnet", "scratch", C05_SCRATCH,
          notes="layer_output_shape calls conv_output_size, which an earlier, non-setup cell of "
                "the notebook defines (reuse of notebook 02); alexnet is a flat nn.Sequential of "
                "an OrderedDict and finds FC6's D_in with a dummy forward pass"),
]

ROOT = Path(__file__).resolve().parents[2]


def student_notebook(assignment: str) -> Path:
    """The released student notebook of an assignment."""
    return ROOT / "notebooks" / assignment / f"{assignment}.ipynb"


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def build(style: Style, student_nb_path) -> nbformat.NotebookNode:
    """The student notebook (nbformat dict, version 4) with the answer cells replaced and the
    added cells inserted (as plain code cells with no nbgrader metadata)."""
    nb = nbformat.read(str(student_nb_path), as_version=4)
    answers = {_grade_id(c): c for c in nb.cells
               if c.cell_type == "code" and c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    missing = set(answers) - set(style.answers)
    unknown = set(style.answers) - set(answers)
    if missing or unknown:
        raise ValueError(f"{style.assignment}/{style.name}: answers missing {sorted(missing)}, "
                         f"unknown {sorted(unknown)}")
    for grade_id, source in style.answers.items():
        answers[grade_id].source = source
    for before, source in style.added:
        if before not in answers:
            raise ValueError(f"{style.assignment}/{style.name}: no answer cell {before!r}")
        index = next(i for i, c in enumerate(nb.cells) if _grade_id(c) == before)
        nb.cells.insert(index, nbformat.v4.new_code_cell(source))
    return nb


# the styles of notebooks 06 to 08 (imported last: correct_late imports Style from here)
from tests.heldin import correct_late  # noqa: E402

STYLES += correct_late.STYLES

# the styles of notebooks 09 and 10 (imported last: correct_final imports Style from here)
from tests.heldin import correct_final  # noqa: E402

STYLES += correct_final.STYLES
