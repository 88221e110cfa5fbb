# Generated from source/04_classification_head/04_classification_head.ipynb by `make release`. Do not edit:
# change the source notebook, then run `make release`.
"""Reference solutions for notebook 04 — The classification head and training a CNN: ReLU, flatten, FC, softmax, backpropagation."""

import time

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from coursekit.arrays import as_float, pair, pool_geometry


def _check_labels(scores, y, name):
    """Validate logits (N, K) and labels (N,) of ints in [0, K); return them as arrays."""
    scores, y = as_float(scores), np.asarray(y)
    if scores.ndim != 2:
        raise ValueError(f"{name} expects scores of shape (N, K), got {scores.shape}")
    if y.shape != (scores.shape[0],):
        raise ValueError(f"{name}: y must have shape (N,) = ({scores.shape[0]},) for scores "
                         f"{scores.shape}, got {y.shape}")
    if y.size and (y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= scores.shape[1]):
        raise ValueError(f"{name}: labels must be integers in [0, {scores.shape[1]}) for scores "
                         f"{scores.shape}, got {y.dtype} values from {y.min()} to {y.max()}")
    return scores, y


def window_mask(window: np.ndarray) -> np.ndarray:
    """Boolean mask of the first maximum of each 2-D window (row-major order, as np.argmax).

    window: (..., kh, kw), one window or a stack of them (e.g. (N, C, kh, kw)).
    Returns mask: bool array of window's shape, True at exactly one position per window: the
    first maximum when reading row by row. -inf padding is never chosen over a real value.
    EXAMPLE:
        >>> window_mask(np.array([[1.0, 3.0], [3.0, 2.0]]))
        array([[False,  True],
               [False, False]])
    """
    window = np.asarray(window)
    flat = window.reshape(*window.shape[:-2], -1)
    mask = np.zeros(flat.shape, dtype=bool)
    np.put_along_axis(mask, flat.argmax(axis=-1)[..., None], True, axis=-1)
    return mask.reshape(window.shape)


def _pool_backward_geometry(dout, x, kernel_size, stride, padding, name):
    """pool_geometry for a backward pass, also checking that dout has the pooled shape."""
    geometry = pool_geometry(x, kernel_size, stride, padding, name)
    expected = np.shape(x)[:2] + geometry[3:]
    if np.shape(dout) != expected:
        raise ValueError(f"{name}: dout must have the pooled shape {expected} of x {np.shape(x)}, "
                         f"got {np.shape(dout)}")
    return geometry


def relu(x: np.ndarray) -> np.ndarray:
    """Rectified linear unit, elementwise.

    x: any shape (an empty array gives an empty result).
    Returns out: np.ndarray of x's shape; returns float64. out = max(x, 0).

    EXAMPLE:
        >>> relu(np.array([-2.0, 0.0, 3.0]))
        array([0., 0., 3.])
    """
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def flatten(x: np.ndarray) -> np.ndarray:
    """Flatten every example of a batch into one row.

    x: (N, d1, d2, ...), for example (N, C, H, W).
    Returns out: np.ndarray of shape (N, D), D = d1 * d2 * ...; returns float64. Each row is in
        C order: out[n] = x[n].ravel() (channel by channel, row by row).
    Raises ValueError, naming the shape, if x has no batch axis (x.ndim < 2).

    EXAMPLE:
        >>> flatten(np.zeros((2, 3, 4, 4))).shape
        (2, 48)
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"flatten expects a batch x of shape (N, ...), got {x.shape}")
    return x.reshape(x.shape[0], -1)


def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Fully connected layer.

    x: (N, D); w: (D, M); b: (M,).
    Returns scores: np.ndarray of shape (N, M); returns float64. scores = x @ w + b.
    Raises ValueError, naming the shapes, unless x is (N, D), w is (D, M) and b is (M,) exactly
    (a b of shape (1,) or (1, M) would broadcast, but is an error).

    EXAMPLE:
        >>> linear(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]), np.zeros(3))
        array([[1., 2., 3.]])
    """
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    if x.ndim != 2 or w.ndim != 2 or b.shape != w.shape[1:] or x.shape[1] != w.shape[0]:
        raise ValueError(f"linear expects x (N, D), w (D, M), b (M,), got x {x.shape}, "
                         f"w {w.shape}, b {b.shape}")
    return x @ w + b


def softmax(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along one axis, numerically stable.

    scores: any shape, (N, K) for a batch of logits.
    Returns p: np.ndarray of the shape of scores; returns float64.
        p = exp(s - max(s)) / sum(exp(s - max(s))) along ``axis``; every slice sums to 1 (a slice
        of length 1 is exactly 1).

    EXAMPLE:
        >>> softmax(np.array([[1000.0, 1000.0]]))
        array([[0.5, 0.5]])
    """
    scores = np.asarray(scores, dtype=np.float64)
    shifted = scores - scores.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def cross_entropy(scores: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood of the true classes, computed through log-softmax.

    scores: (N, K) logits; y: (N,) integer labels in [0, K).
    Returns loss: a Python float, loss = -(1/N) sum_n log softmax(scores[n])[y[n]], where
    log softmax(s)_k = (s_k - max s) - log sum_j exp(s_j - max s). With one class (K = 1) it is 0.
    Raises ValueError, naming the shapes, if scores is not 2-D, y is not (N,), or a label is not
    an integer in [0, K).

    EXAMPLE:
        >>> cross_entropy(np.zeros((2, 4)), np.array([0, 3]))   # uniform over 4 classes: log 4
        1.3862943611198906
    """
    scores, y = _check_labels(scores, y, "cross_entropy")
    shifted = scores - scores.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


def topk_error(scores: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    """Top-k error: the fraction of examples whose true class is not among the k highest scores.

    scores: (N, K); y: (N,) labels in [0, K); 1 <= k <= K.
    Returns error: a Python float in [0, 1]. Example n counts as right when fewer than k scores
    of its row are strictly larger than its true class's score scores[n, y[n]] (so ties never
    count against the true class). Top-1 error is the usual error rate; ImageNet is ranked by
    top-5 error.
    Raises ValueError, naming the shapes, for k outside [1, K] and for bad labels (as
    cross_entropy).

    EXAMPLE:
        >>> topk_error(np.array([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1]]), np.array([2, 0]), k=1)
        0.5
    """
    scores, y = _check_labels(scores, y, "topk_error")
    if isinstance(k, bool) or int(k) != k or not 1 <= k <= scores.shape[1]:
        raise ValueError(f"k must be an integer in [1, {scores.shape[1]}] for scores {scores.shape}, got {k!r}")
    true = scores[np.arange(len(y)), y]
    above = (scores > true[:, None]).sum(axis=1)       # scores strictly larger than the true one
    return float((above >= k).mean())


def numerical_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Centered-difference gradient of a scalar function.

    f: takes an array shaped like x, returns a number; x: any shape; h > 0.
    Returns grad: np.ndarray of x's shape; returns float64.
        grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h), e_i the unit array at index i.
    Raises ValueError for h <= 0 and when f returns more than one number. x itself is never
    changed (work on a copy).
    The error is O(h^2) (a forward difference (f(x + h e_i) - f(x)) / h is only O(h)).

    EXAMPLE:
        >>> numerical_gradient(lambda v: np.sum(v ** 2), np.array([1.0, -2.0]))  # 2v
        array([ 2., -4.])   (to about 1e-10)
    """
    if not h > 0:
        raise ValueError(f"numerical_gradient: h must be positive, got {h!r}")
    xc = np.array(x, dtype=np.float64)
    grad = np.zeros_like(xc)

    def value(v):
        out = np.asarray(f(v), dtype=np.float64)
        if out.size != 1:
            raise ValueError(f"numerical_gradient: f must return one number, got an array of shape {out.shape}")
        return float(out.reshape(()))

    for i in np.ndindex(xc.shape):
        old = xc[i]
        xc[i] = old + h
        up = value(xc)
        xc[i] = old - h
        down = value(xc)
        xc[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient of relu: dL/dx given dL/dout.

    dout: upstream gradient, same shape as x; x: the input of the forward pass.
    Returns dx: np.ndarray of x's shape; returns float64. dx = dout where x > 0, else 0 (also 0
        at x == 0, as in PyTorch).
    Raises ValueError, naming both shapes, if dout and x differ in shape (even by broadcasting).

    EXAMPLE:
        >>> relu_backward(np.array([5.0, 5.0, 5.0]), np.array([-1.0, 0.0, 2.0]))
        array([0., 0., 5.])
    """
    dout, x = np.asarray(dout, dtype=np.float64), np.asarray(x, dtype=np.float64)
    if dout.shape != x.shape:
        raise ValueError(f"relu_backward: dout {dout.shape} and x {x.shape} must have the same shape")
    return dout * (x > 0)


def linear_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of scores = x @ w + b.

    dout: (N, M) = dL/dscores; x: (N, D); w: (D, M).
    Returns the tuple (dx, dw, db), in this order, of np.ndarrays; returns float64.
        dx = dout @ w.T (N, D), dw = x.T @ dout (D, M), db = dout.sum(0) (M,).
    Raises ValueError, naming the shapes, unless dout is (N, M), x is (N, D) and w is (D, M).

    EXAMPLE:
        >>> dx, dw, db = linear_backward(np.ones((2, 3)), np.ones((2, 4)), np.ones((4, 3)))
        >>> dx.shape, dw.shape, db
        ((2, 4), (4, 3), array([2., 2., 2.]))
    """
    dout, x, w = (np.asarray(a, dtype=np.float64) for a in (dout, x, w))
    if x.ndim != 2 or w.ndim != 2 or x.shape[1] != w.shape[0] or dout.shape != (x.shape[0], w.shape[1]):
        raise ValueError(f"linear_backward expects dout (N, M), x (N, D), w (D, M), got dout "
                         f"{dout.shape}, x {x.shape}, w {w.shape}")
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def softmax_cross_entropy_backward(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of cross_entropy(scores, y) with respect to the scores.

    scores: (N, K); y: (N,) labels in [0, K).
    Returns dscores: np.ndarray of shape (N, K); returns float64.
        dscores = (softmax(scores) - onehot(y)) / N.
    Raises ValueError, naming the shapes, where cross_entropy does (_check_labels).

    EXAMPLE:
        >>> softmax_cross_entropy_backward(np.zeros((1, 2)), np.array([1]))
        array([[ 0.5, -0.5]])
    """
    scores, y = _check_labels(scores, y, "softmax_cross_entropy_backward")
    p = softmax(scores, axis=1)
    p[np.arange(len(y)), y] -= 1.0
    return p / len(y)


def max_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None,
                        padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Gradient of max_pool2d(x, kernel_size, stride, padding) with respect to x.

    dout: (N, C, H', W'); x: (N, C, H, W); the arguments of notebook 03's max_pool2d.
    Returns dx: np.ndarray of shape (N, C, H, W); returns float64.
    Raises ValueError, naming the shapes, where max_pool2d does, and if dout is not exactly the
    pooled shape (N, C, H', W') (_pool_backward_geometry).
    Each window sends its dout to the one input that was its maximum;
    a tie goes to the first maximum in row-major order (as PyTorch does). Overlapping windows
    that pick the same input add up: dx[n, c, r, s] = sum of dout over the windows whose max is at (r, s).

    EXAMPLE:
        >>> max_pool2d_backward(np.ones((1, 1, 1, 1)), np.array([[[[1.0, 3.0], [3.0, 2.0]]]]), 2)
        array([[[[0., 1.],
                 [0., 0.]]]])
    """
    # x is only compared, never returned: its own float precision gives the same maxima.
    dout, x = np.asarray(dout, dtype=np.float64), as_float(x)
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = _pool_backward_geometry(dout, x, kernel_size, stride, padding,
                                                                   "max_pool2d_backward")
    N, C, H, W = x.shape
    maps, dmaps = x.reshape(N * C, H, W), dout.reshape(N * C, Ho, Wo)   # one feature map each
    dx = np.empty((N * C, H, W))
    offsets = [(a, b) for a in range(kh) for b in range(kw)]            # row-major, as the tie rule

    def at(arr, a, b):        # the input at offset (a, b) of every window: (n, H', W'), a view
        return arr[:, a:a + sh * Ho:sh, b:b + sw * Wo:sw]

    # A few feature maps at a time (about 16384 windows), so that the arrays below stay in the
    # CPU's cache from one offset to the next.
    step = max(1, 16384 // (Ho * Wo))
    for m in range(0, N * C, step):
        xpad = maps[m:m + step]
        if ph or pw:                                # padding is -inf: never a window's maximum
            xpad = np.full((len(xpad), H + 2 * ph, W + 2 * pw), -np.inf, dtype=x.dtype)
            xpad[:, ph:ph + H, pw:pw + W] = maps[m:m + step]
        best = at(xpad, 0, 0).copy()                # each window's maximum, as max_pool2d finds it
        for a, b in offsets[1:]:
            np.maximum(best, at(xpad, a, b), out=best)
        # Offset by offset, in row-major order, a window's maximum is at that offset if the input
        # there equals it and the window has not found it at an earlier offset (taken): so a tie
        # goes to the first maximum.
        taken = np.zeros(best.shape, dtype=bool)
        firsts = []
        for a, b in offsets:
            first = (at(xpad, a, b) == best) & ~taken
            taken |= first
            firsts.append(first)
        # Each window sends its dout there; += adds up overlapping windows that pick the same
        # input. Last offset first: an input's earlier windows reach it at later offsets, so the
        # sums run in the order of the windows, as PyTorch's do (the same rounding).
        dxpad = np.zeros(xpad.shape)
        for (a, b), first in reversed(list(zip(offsets, firsts, strict=True))):
            grad = at(dxpad, a, b)
            grad += dmaps[m:m + step] * first
        dx[m:m + step] = dxpad[:, ph:ph + H, pw:pw + W]
    return dx.reshape(N, C, H, W)


def avg_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None,
                        padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Gradient of avg_pool2d(x, kernel_size, stride, padding) (zero padding counted).

    dout: (N, C, H', W'); x: (N, C, H, W).
    Returns dx: np.ndarray of shape (N, C, H, W); returns float64. Each window spreads
        dout / (kh * kw) over its kh x kw inputs; overlapping windows add up.
    Raises ValueError, naming the shapes, as max_pool2d_backward does.

    EXAMPLE:
        >>> avg_pool2d_backward(np.ones((1, 1, 1, 2)), np.zeros((1, 1, 2, 3)), 2, stride=1)
        array([[[[0.25, 0.5 , 0.25],
                 [0.25, 0.5 , 0.25]]]])
    """
    dout, x = np.asarray(dout, dtype=np.float64), as_float(x)      # x only gives its shape
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = _pool_backward_geometry(dout, x, kernel_size, stride, padding,
                                                                   "avg_pool2d_backward")
    N, C, H, W = x.shape
    share = (dout / (kh * kw)).reshape(N * C, Ho, Wo)                  # one feature map each
    dx = np.empty((N * C, H, W))
    # avg_pool2d's two passes, transposed: spread each share along its window row (the kw
    # column offsets b), then down the window's kh rows (the row offsets a); += adds up
    # overlapping windows. A few feature maps at a time (about 16384 windows), as in
    # max_pool2d_backward, so that rows and dxpad stay in the CPU's cache.
    step = max(1, 16384 // (Ho * Wo))
    for m in range(0, N * C, step):
        block = share[m:m + step]
        rows = np.zeros((len(block), Ho, W + 2 * pw))
        for b in range(kw):
            rows[:, :, b:b + sw * Wo:sw] += block
        dxpad = np.zeros((len(block), H + 2 * ph, W + 2 * pw))
        for a in range(kh):
            dxpad[:, a:a + sh * Ho:sh] += rows
        dx[m:m + step] = dxpad[:, ph:ph + H, pw:pw + W]
    return dx.reshape(N, C, H, W)


def conv2d_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray,
                    stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of out = conv2d(x, w, b, stride, padding) (notebook 02's cross-correlation).

    dout: (N, C_out, H', W'), H' = (H + 2ph - KH) // sh + 1; x: (N, C_in, H, W);
    w: (C_out, C_in, KH, KW).
    Raises ValueError, naming the shapes, if x or w is not 4-D, their channel counts differ, or
    dout is not exactly (N, C_out, H', W').
    Returns the tuple (dx, dw, db), in this order, of np.ndarrays; returns float64.
        db[o] = sum over n, i, j of dout[n, o, i, j]                              (C_out,)
        dw[o, c, a, b] = sum over n, i, j of dout[n, o, i, j] * xpad[n, c, i*sh + a, j*sw + b]
        dxpad[n, c, i*sh + a, j*sw + b] += sum over o of dout[n, o, i, j] * w[o, c, a, b],
        dx = dxpad without its padding: dxpad[:, :, ph:ph + H, pw:pw + W]    (N, C_in, H, W)

    EXAMPLE:
        >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
        >>> dx[0, 0]          # how many windows cover each input pixel
        array([[1., 2., 1.],
               [2., 4., 2.],
               [1., 2., 1.]])
    """
    dout, x, w = (np.asarray(a, dtype=np.float64) for a in (dout, x, w))
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError(f"conv2d_backward expects x (N, C, H, W) and w (F, C, KH, KW) with the "
                         f"same C, got x {x.shape} and w {w.shape}")
    (sh, sw), (ph, pw) = pair(stride, "stride"), pair(padding, "padding")
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    Ho, Wo = (H + 2 * ph - KH) // sh + 1, (W + 2 * pw - KW) // sw + 1
    if Ho < 1 or Wo < 1 or dout.shape != (N, F, Ho, Wo):
        raise ValueError(f"conv2d_backward: dout must have the output shape {(N, F, Ho, Wo)} of "
                         f"x {x.shape}, w {w.shape}, stride {(sh, sw)}, padding {(ph, pw)}; "
                         f"got {dout.shape}")
    db = dout.sum(axis=(0, 2, 3))
    if (sh, sw) == (1, 1) and F <= C:
        # Stride 1: the backward pass is a convolution too. Pad dout with KH-1 rows and KW-1
        # columns of zeros on each side (doutpad); then for every pixel (r, s) of xpad
        #   dxpad[n, c, r, s] = sum over o, a, b of doutpad[n, o, r+a, s+b] * w[o, c, KH-1-a, KW-1-b]
        # (a conv2d of doutpad with the kernel flipped and C_in, C_out swapped), and the same
        # windows of doutpad give dw:
        #   dw[o, c, KH-1-a, KW-1-b] = sum over n, r, s of doutpad[n, o, r+a, s+b] * xpad[n, c, r, s].
        # Only the pixels of x count (dx drops the padding, and xpad is 0 there), so the columns
        # dcols of their windows, (F*KH*KW, pixels), serve both matrix multiplies and no col2im
        # is needed. dcols holds F*KH*KW numbers per pixel where the columns of x hold C*KH*KW
        # (and col2im moves as many again), so this way is taken when F <= C.
        doutpad = np.zeros((N, F, Ho + 2 * (KH - 1), Wo + 2 * (KW - 1)))
        doutpad[:, :, KH - 1:KH - 1 + Ho, KW - 1:KW - 1 + Wo] = dout
        doutpad = doutpad[:, :, ph:ph + H + KH - 1, pw:pw + W + KW - 1]  # windows at x's pixels
        windows = np.lib.stride_tricks.sliding_window_view(doutpad, (KH, KW), axis=(2, 3))
        w_back = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(C, F * KH * KW)
        dx = np.empty((N, C, H, W))
        dw_flipped = np.zeros((C, F * KH * KW))
        step = -(-4096 // (H * W))                  # images per group, as in conv2d_fast
        for n in range(0, N, step):
            dcols = windows[n:n + step].transpose(1, 4, 5, 0, 2, 3).reshape(F * KH * KW, -1)
            dx[n:n + step] = (w_back @ dcols).reshape(C, -1, H, W).transpose(1, 0, 2, 3)
            dw_flipped += x[n:n + step].transpose(1, 0, 2, 3).reshape(C, -1) @ dcols.T
        dw = dw_flipped.reshape(C, F, KH, KW)[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
        return dx, np.ascontiguousarray(dw), db
    # Otherwise, the forward pass as conv2d_fast computes it, image by image: out[n] = w_rows @
    # cols[n], with cols[n] = im2col(x)[n] (C*KH*KW, H'*W') and g[n] = dout[n] as (F, H'*W').
    # Its gradients are two matrix multiplies, dw = sum over n of g[n] @ cols[n].T and
    # dcols[n] = w_rows.T @ g[n], and col2im: each entry of dcols goes back, +=, to the pixel of
    # xpad its column entry came from.
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    windows = np.lib.stride_tricks.sliding_window_view(xpad, (KH, KW), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw][:, :, :Ho, :Wo]           # (N, C, H', W', KH, KW), a view
    w_rows = w.reshape(F, C * KH * KW)
    g = dout.reshape(N, F, Ho * Wo)
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w_rows)
    step = -(-4096 // (Ho * Wo))                    # images per group, as in conv2d_fast
    for n in range(0, N, step):
        cols = windows[n:n + step].transpose(0, 1, 4, 5, 2, 3).reshape(-1, C * KH * KW, Ho * Wo)
        dw += (g[n:n + step] @ cols.transpose(0, 2, 1)).sum(axis=0)
        dcols = (w_rows.T @ g[n:n + step]).reshape(-1, C, KH, KW, Ho, Wo)
        for a in range(KH):                                         # col2im
            for b in range(KW):
                dxpad[n:n + step, :, a:a + sh * Ho:sh, b:b + sw * Wo:sw] += dcols[:, :, a, b]
    return dxpad[:, :, ph:ph + H, pw:pw + W], dw.reshape(w.shape), db


CHANNELS = (16, 32)   # the layer table: output channels of the two conv blocks


def random_shift(x: np.ndarray, rng: np.random.Generator, max_shift: int = 1) -> np.ndarray:
    """Data augmentation: move every image by up to ``max_shift`` pixels in each direction.

    x: (N, C, H, W). Returns (N, C, H, W): image n is shifted by (dy, dx) drawn uniformly from
    [-max_shift, max_shift]; pixels shifted in from outside are 0 (the digits' background).
    """
    N, _, H, W = x.shape
    m = max_shift
    padded = np.pad(x, ((0, 0), (0, 0), (m, m), (m, m)))
    dy, dx = rng.integers(0, 2 * m + 1, size=(2, N))
    out = np.empty_like(x)
    for a in range(2 * m + 1):
        for b in range(2 * m + 1):
            pick = (dy == a) & (dx == b)
            out[pick] = padded[pick, :, a:a + H, b:b + W]
    return out


class NumpyCNN:
    """[conv 3x3 (pad 1) -> ReLU -> 2x2 max pool] x 2 -> flatten -> fully connected -> softmax.

    x: (N, C, S, S), S divisible by 4. Returns scores: (N, num_classes) from ``scores``.
    Parameters (``self.params``): w1 (c1, C, 3, 3), b1 (c1,), w2 (c2, c1, 3, 3), b2 (c2,),
    w3 (c2 * (S/4)^2, num_classes), b3 (num_classes,), with (c1, c2) = ``channels``.
    ``conv2d`` and ``max_pool2d`` are the forward passes of notebooks 02 and 03; every other
    layer, and every backward pass, is this notebook's.
    """

    def __init__(self, conv2d, max_pool2d, in_channels: int = 1, image_size: int = 8,
                 num_classes: int = 10, channels: tuple[int, int] = CHANNELS, seed: int = 0):
        if image_size % 4:
            raise ValueError(f"image_size must be divisible by 4 (two 2x2 pools), got {image_size}")
        rng = np.random.default_rng(seed)
        c1, c2 = channels
        d = c2 * (image_size // 4) ** 2

        def he(*shape, fan_in):  # He initialisation: keeps the activations' scale through ReLUs
            return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)

        self.conv2d, self.max_pool2d = conv2d, max_pool2d
        self.params = {
            "w1": he(c1, in_channels, 3, 3, fan_in=in_channels * 9), "b1": np.zeros(c1),
            "w2": he(c2, c1, 3, 3, fan_in=c1 * 9), "b2": np.zeros(c2),
            "w3": he(d, num_classes, fan_in=d) / np.sqrt(2.0), "b3": np.zeros(num_classes),
        }

    def num_params(self) -> int:
        return sum(p.size for p in self.params.values())

    def _forward(self, x):
        p = self.params
        c1 = self.conv2d(x, p["w1"], p["b1"], padding=1)
        r1 = relu(c1)
        p1 = self.max_pool2d(r1, 2)
        c2 = self.conv2d(p1, p["w2"], p["b2"], padding=1)
        r2 = relu(c2)
        p2 = self.max_pool2d(r2, 2)
        scores = linear(flatten(p2), p["w3"], p["b3"])
        return scores, (x, c1, r1, p1, c2, r2, p2)

    def scores(self, x: np.ndarray) -> np.ndarray:
        """x: (N, C, S, S) -> scores: (N, num_classes)."""
        return self._forward(as_float(x))[0]

    def feature_maps(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The activations of each layer for x: (N, C, S, S), by name."""
        _, (x, c1, r1, p1, c2, r2, p2) = self._forward(as_float(x))
        return {"conv1": c1, "relu1": r1, "pool1": p1, "conv2": c2, "relu2": r2, "pool2": p2}

    def loss(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """Cross-entropy on a batch and its gradient for every parameter (backpropagation).

        x: (N, C, S, S); y: (N,). Returns (loss, grads) with grads[name] shaped like params[name].
        """
        p = self.params
        scores, (x, c1, r1, p1, c2, r2, p2) = self._forward(as_float(x))
        loss = cross_entropy(scores, y)
        dscores = softmax_cross_entropy_backward(scores, y)
        dflat, dw3, db3 = linear_backward(dscores, flatten(p2), p["w3"])
        dr2 = max_pool2d_backward(dflat.reshape(p2.shape), r2, 2)
        dp1, dw2, db2 = conv2d_backward(relu_backward(dr2, c2), p1, p["w2"], padding=1)
        dr1 = max_pool2d_backward(dp1, r1, 2)
        _, dw1, db1 = conv2d_backward(relu_backward(dr1, c1), x, p["w1"], padding=1)
        return loss, {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2, "w3": dw3, "b3": db3}

    def predict(self, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """x: (N, C, S, S) -> predicted classes (N,)."""
        return np.concatenate([self.scores(x[i:i + batch_size]).argmax(axis=1)
                               for i in range(0, len(x), batch_size)])


def sgd_momentum(params: dict, grads: dict, velocity: dict, lr: float, momentum: float = 0.9) -> None:
    """One step of SGD with momentum, in place: v = momentum * v - lr * g; p += v."""
    for name, g in grads.items():
        velocity[name] = momentum * velocity.get(name, 0.0) - lr * g
        params[name] += velocity[name]


def cosine_lr(lr: float, epoch: int, epochs: int) -> float:
    """Cosine schedule: lr at epoch 0, falling smoothly towards 0 at the last epoch."""
    return lr * 0.5 * (1.0 + np.cos(np.pi * epoch / epochs))


def train_numpy(model: NumpyCNN, x_train, y_train, x_test, y_test, epochs: int = 20,
                batch_size: int = 32, lr: float = 0.05, momentum: float = 0.9, max_shift: int = 1,
                seed: int = 0, progress: bool = True) -> dict[str, list[float]]:
    """Minibatch SGD with momentum, a cosine learning-rate schedule and random shifts of up to
    ``max_shift`` pixels; returns the history: per epoch the mean training loss, the training
    and test accuracy, and the seconds since the start."""
    rng = np.random.default_rng(seed)
    velocity: dict = {}
    history: dict[str, list[float]] = {"loss": [], "train_acc": [], "test_acc": [], "seconds": []}
    start = time.perf_counter()
    bar = tqdm(range(epochs), desc="numpy CNN", unit="epoch", disable=not progress)
    for epoch in bar:
        x_aug = random_shift(x_train, rng, max_shift) if max_shift else x_train
        order = rng.permutation(len(x_train))
        losses = []
        for i in range(0, len(order), batch_size):
            batch = order[i:i + batch_size]
            loss, grads = model.loss(x_aug[batch], y_train[batch])
            sgd_momentum(model.params, grads, velocity, cosine_lr(lr, epoch, epochs), momentum)
            losses.append(loss)
        history["loss"].append(float(np.mean(losses)))
        history["train_acc"].append(float(np.mean(model.predict(x_train) == y_train)))
        history["test_acc"].append(float(np.mean(model.predict(x_test) == y_test)))
        history["seconds"].append(time.perf_counter() - start)
        bar.set_postfix(loss=f"{history['loss'][-1]:.3f}", test_acc=f"{history['test_acc'][-1]:.3f}")
    return history


class TorchCNN(nn.Module):
    """The same network in PyTorch: [Conv2d 3x3 (pad 1), ReLU, MaxPool2d 2] x 2, Flatten, Linear.

    x: (N, C, S, S) float32 -> scores (N, num_classes).
    """

    def __init__(self, in_channels: int = 1, image_size: int = 8, num_classes: int = 10,
                 channels: tuple[int, int] = CHANNELS):
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c2 * (image_size // 4) ** 2, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def load_numpy_params(net: TorchCNN, params: dict[str, np.ndarray]) -> TorchCNN:
    """Copy a NumpyCNN's parameters into ``net`` (in place, converted to net's dtype); return net.

    w1, b1 -> the first Conv2d, w2, b2 -> the second, w3 (D, M), b3 -> the Linear layer, whose
    weight is stored transposed, (M, D).
    """
    layers = ((net.features[0], params["w1"], params["b1"]), (net.features[3], params["w2"], params["b2"]),
              (net.head[1], params["w3"].T, params["b3"]))
    with torch.no_grad():
        for layer, w, b in layers:
            layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(w)))
            layer.bias.copy_(torch.from_numpy(np.asarray(b)))
    return net


def train_torch(model: nn.Module, x_train, y_train, x_test, y_test, epochs: int = 40,
                batch_size: int = 32, lr: float = 3e-3, max_shift: int = 1, seed: int = 0,
                progress: bool = True, optimizer: str = "adam", momentum: float = 0.9
                ) -> dict[str, list[float]]:
    """Train on minibatches with nn.CrossEntropyLoss (log-softmax + mean NLL, like
    cross_entropy) and random shifts; returns the same history as train_numpy.

    optimizer="adam": Adam, with a cosine learning-rate schedule stepped after every batch.
    optimizer="sgd": train_numpy's optimiser exactly: SGD with momentum written out as
    sgd_momentum does (v = momentum * v - lr * g; p += v), with cosine_lr's schedule per epoch.
    (torch.optim.SGD folds the learning rate in after the velocity, v = momentum * v + g;
    p -= lr * v, which differs as soon as the learning rate changes.)
    The random shifts and the batch order come from np.random.default_rng(seed) in
    train_numpy's order, and the inputs take the dtype of the model's parameters: a float64
    model with a NumpyCNN's initial weights (load_numpy_params) and optimizer="sgd" repeats
    train_numpy's run step for step.
    """
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    dtype = next(model.parameters()).dtype
    xtr, xte = torch.as_tensor(x_train, dtype=dtype), torch.as_tensor(x_test, dtype=dtype)
    ytr = torch.as_tensor(y_train)
    params = list(model.parameters())
    if optimizer == "adam":
        adam = torch.optim.Adam(params, lr=lr)
        steps = epochs * -(-len(xtr) // batch_size)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(adam, steps)
    else:
        velocity = [torch.zeros_like(p) for p in params]
    loss_fn = nn.CrossEntropyLoss()
    history: dict[str, list[float]] = {"loss": [], "train_acc": [], "test_acc": [], "seconds": []}
    start = time.perf_counter()
    bar = tqdm(range(epochs), desc=f"PyTorch CNN ({optimizer})", unit="epoch", disable=not progress)
    for epoch in bar:
        lr_epoch = cosine_lr(lr, epoch, epochs)
        model.train()
        x_aug = torch.as_tensor(random_shift(x_train, rng, max_shift), dtype=dtype) if max_shift else xtr
        order = torch.from_numpy(rng.permutation(len(xtr)))
        losses = []
        for i in range(0, len(order), batch_size):
            batch = order[i:i + batch_size]
            model.zero_grad()
            loss = loss_fn(model(x_aug[batch]), ytr[batch])
            loss.backward()
            if optimizer == "adam":
                adam.step()
                schedule.step()
            else:
                with torch.no_grad():
                    for p, v in zip(params, velocity, strict=True):
                        v.mul_(momentum).sub_(lr_epoch * p.grad)
                        p.add_(v)
            losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            train_pred = model(xtr).argmax(1).numpy()
            test_pred = model(xte).argmax(1).numpy()
        history["loss"].append(float(np.mean(losses)))
        history["train_acc"].append(float(np.mean(train_pred == y_train)))
        history["test_acc"].append(float(np.mean(test_pred == y_test)))
        history["seconds"].append(time.perf_counter() - start)
        bar.set_postfix(loss=f"{history['loss'][-1]:.3f}", test_acc=f"{history['test_acc'][-1]:.3f}")
    return history
