# Generated from source/02_padding_stride/02_padding_stride.ipynb by `make release`. Do not edit:
# change the source notebook, then run `make release`.
"""Reference solutions for notebook 02 — Padding and stride: output size, "same" padding, receptive field, convolution as one matrix multiply."""

import numpy as np

from coursekit.arrays import as_float, pair


def _conv_geometry(x, w, b, stride, padding, name):
    """Validate a convolution's arguments; return (sh, sw), (ph, pw), H', W'."""
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(
            f"{name} expects x (N, C, H, W) and w (F, C, KH, KW), got x {x.shape} and w {w.shape}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"channel counts differ: x {x.shape} has C={x.shape[1]}, w {w.shape} has C={w.shape[1]}")
    (sh, sw), (ph, pw) = pair(stride, "stride"), pair(padding, "padding")
    KH, KW = w.shape[2:]
    if KH > x.shape[2] + 2 * ph or KW > x.shape[3] + 2 * pw:
        raise ValueError(f"kernel {KH}x{KW} of w {w.shape} is larger than the images of x "
                         f"{x.shape} padded by {(ph, pw)}")
    if b is not None and np.shape(b) != (w.shape[0],):
        raise ValueError(f"b must have shape (F,) = ({w.shape[0]},) for w {w.shape}, got {np.shape(b)}")
    return (sh, sw), (ph, pw), conv_output_size(x.shape[2], KH, sh, ph), conv_output_size(
        x.shape[3], KW, sw, pw)


def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0, strict: bool = False) -> int:
    """Number of positions of a window along one axis of a convolution or pooling layer.

    n: input size; f: filter size; stride: S >= 1; padding: P >= 0 zeros on each side.
    Returns out: int, out = (n - f + 2P) // S + 1 (floored, as PyTorch does).
    strict=True raises ValueError unless S divides n - f + 2P, CS231n's rule (S dividing n
    is not enough: n=8, f=3, S=2 does not tile; n=7, f=3, S=2 does).
    Always raises ValueError for n, f or S below 1, P below 0, or f larger than n + 2P.

    EXAMPLE:
        >>> conv_output_size(7, 3, stride=1, padding=1)     # the lecture: size kept
        7
        >>> conv_output_size(224, 7, stride=2, padding=3)   # ResNet's stem
        112
    """
    for name, v, low in (("n", n, 1), ("f", f, 1), ("stride", stride, 1), ("padding", padding, 0)):
        if isinstance(v, bool) or int(v) != v or v < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")
    span = n + 2 * padding - f
    if span < 0:
        raise ValueError(
            f"filter size {f} is larger than the padded input {n} + 2*{padding} = {n + 2 * padding}")
    if strict and span % stride:
        raise ValueError(
            f"stride {stride} does not tile the input: (n - f + 2P) / S = ({n} - {f} + 2*{padding}) "
            f"/ {stride} = {span / stride:g} is not an integer")
    return int(span // stride + 1)


def pad2d(x: np.ndarray, padding: int | tuple[int, int]) -> np.ndarray:
    """Zero-pad the spatial axes of a batch of images.

    x: (N, C, H, W); padding: P or (ph, pw).
    Returns xpad: np.ndarray of shape (N, C, H + 2ph, W + 2pw), with x in the middle and zeros
    around it; keeps float32 and float64, and returns float64 for integer input.
    Raises ValueError, naming the shape, if x is not 4-D or a padding is negative.

    EXAMPLE:
        >>> pad2d(np.ones((1, 1, 1, 2)), (1, 0))[0, 0]
        array([[0., 0.],
               [1., 1.],
               [0., 0.]])
    """
    x = as_float(x)
    if x.ndim != 4:
        raise ValueError(f"pad2d expects x of shape (N, C, H, W), got {x.shape}")
    ph, pw = pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be >= 0, got {(ph, pw)}")
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Convolution (cross-correlation) with stride and zero padding, one window at a time.

    x: (N, C_in, H, W); w: (C_out, C_in, KH, KW); b: (C_out,) or None; stride S or (sh, sw);
    padding P or (ph, pw).
    Returns out: np.ndarray of shape (N, C_out, H', W'); returns float64.
        H' = (H + 2ph - KH) // sh + 1, W' = (W + 2pw - KW) // sw + 1,
        out[n, o, i, j] = sum_{c,a,b} xpad[n, c, i*sh + a, j*sw + b] * w[o, c, a, b] + b[o]
    Raises ValueError, naming the shapes, if x or w is not 4-D, their channel counts differ
    (even when one of them is 1), the kernel is larger than the padded images, b is not (C_out,),
    a stride is below 1 or a padding below 0 (_conv_geometry does all of it).

    EXAMPLE:
        >>> conv2d(np.arange(16.0).reshape(1, 1, 4, 4), np.ones((1, 1, 2, 2)), stride=2)
        array([[[[10., 18.],
                 [42., 50.]]]])
    """
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d")
    KH, KW = w.shape[2:]
    xpad = pad2d(x, (ph, pw))
    out = np.zeros((x.shape[0], w.shape[0], Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            window = xpad[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += np.asarray(b, dtype=np.float64)[None, :, None, None]
    return out


def receptive_field(layers: list[tuple[int, int]]) -> int:
    """Side of the input region seen by one unit of the top layer of a stack.

    layers: [(k_1, s_1), (k_2, s_2), ...] from the input upwards.
    Returns r: int, r = 1 + sum_l (k_l - 1) * J_l, with J_l the product of the strides below
    layer l. Raises ValueError, naming the layer, for a kernel or stride below 1.

    EXAMPLE:
        >>> receptive_field([(3, 1), (3, 1)])      # two 3x3 convolutions see 5x5
        5
    """
    r, jump = 1, 1
    for index, layer in enumerate(layers):
        k, s = layer
        if int(k) != k or int(s) != s or k < 1 or s < 1:
            raise ValueError(f"layer {index}: (kernel, stride) must be positive integers, got {layer!r}")
        r += (k - 1) * jump
        jump *= s
    return int(r)


def im2col(x: np.ndarray, kh: int, kw: int, stride: int | tuple[int, int] = 1,
           padding: int | tuple[int, int] = 0) -> np.ndarray:
    """All the windows a convolution reads, one per column (the layout of torch's F.unfold).

    x: (N, C, H, W); window kh x kw; stride S or (sh, sw); padding P or (ph, pw).
    Returns cols: np.ndarray of shape (N, C*kh*kw, H'*W'); keeps float32 and float64, and
        returns float64 for integer input. H' = (H + 2ph - kh) // sh + 1, W' likewise, and
        cols[n, c*kh*kw + a*kw + b, i*W' + j] = xpad[n, c, i*sh + a, j*sw + b]

    EXAMPLE:
        >>> im2col(np.arange(18.0).reshape(1, 2, 3, 3), 2, 2)[0, :, 0]   # window (0, 0)
        array([ 0.,  1.,  3.,  4.,  9., 10., 12., 13.])
    """
    x = as_float(x)
    if x.ndim != 4:
        raise ValueError(f"im2col expects x of shape (N, C, H, W), got {x.shape}")
    (sh, sw), (ph, pw) = pair(stride, "stride"), pair(padding, "padding")
    Ho = conv_output_size(x.shape[2], kh, sh, ph)
    Wo = conv_output_size(x.shape[3], kw, sw, pw)
    N, C = x.shape[:2]
    windows = np.lib.stride_tricks.sliding_window_view(pad2d(x, (ph, pw)), (kh, kw), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return np.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3)).reshape(N, C * kh * kw, Ho * Wo)


def conv2d_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    """conv2d as one matrix multiply per image: out[n] = w.reshape(C_out, -1) @ im2col(x)[n].

    x: (N, C_in, H, W); w: (C_out, C_in, KH, KW); b: (C_out,) or None; stride S or (sh, sw);
    padding P or (ph, pw).
    Returns out: np.ndarray of shape (N, C_out, H', W'), equal to conv2d(x, w, b, stride, padding);
        keeps float32 and float64, and returns float64 for integer input.
    Raises ValueError, naming the shapes, where conv2d does (reuse _conv_geometry).

    EXAMPLE:
        >>> x, w = np.random.rand(2, 3, 8, 8), np.random.rand(4, 3, 3, 3)
        >>> np.allclose(conv2d_fast(x, w, stride=2, padding=1), conv2d(x, w, stride=2, padding=1))
        True
    """
    x, w = as_float(x), as_float(w)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d_fast")
    N, C = x.shape[:2]
    F, _, KH, KW = w.shape
    # Every window, as a view (no copy): (N, C, H', W', KH, KW).
    windows = np.lib.stride_tricks.sliding_window_view(pad2d(x, (ph, pw)), (KH, KW), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    w_rows = w.reshape(F, C * KH * KW)
    out = np.empty((N, F, Ho * Wo), dtype=np.result_type(x, w))
    # The images go in groups of about 4096 output positions: enough columns for BLAS to run at
    # full speed, and a group's columns are copied from the windows just before its multiply,
    # while they are still in the CPU's cache.
    step = -(-4096 // (Ho * Wo))                                    # images per group, at least 1
    for n in range(0, N, step):
        if Ho * Wo >= 1024:
            # Big images: im2col's layout (n, C*KH*KW, H'*W') and one multiply per image
            # (np.matmul repeats w_rows over the group), written straight into out.
            cols = windows[n:n + step].transpose(0, 1, 4, 5, 2, 3).reshape(-1, C * KH * KW, Ho * Wo)
            np.matmul(w_rows, cols, out=out[n:n + step])
        else:
            # Small images have too few columns each for a fast multiply: the group's columns go
            # side by side, CS231n's layout (C*KH*KW, n*H'*W'), for one multiply, whose result
            # (C_out, n, H'*W') is then reordered to (n, C_out, H'*W').
            cols = windows[n:n + step].transpose(1, 4, 5, 0, 2, 3).reshape(C * KH * KW, -1)
            out[n:n + step] = (w_rows @ cols).reshape(F, -1, Ho * Wo).transpose(1, 0, 2)
    if b is not None:
        out += np.asarray(b, dtype=out.dtype)[None, :, None]
    return out.reshape(N, F, Ho, Wo)
