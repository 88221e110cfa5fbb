# Generated from source/03_pooling/03_pooling.ipynb by `make release`. Do not edit:
# change the source notebook, then run `make release`.
"""Reference solutions for notebook 03 — Pooling: max and average, overlapping windows, global average pooling, small shifts."""

import numpy as np

from coursekit.arrays import as_float, pool_geometry


def max_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Max pooling over each channel of a batch.

    x: (N, C, H, W); kernel_size F or (kh, kw); stride S or (sh, sw), default kernel_size;
    padding P or (ph, pw), at most half the window, filled with -inf.
    Returns out: np.ndarray of shape (N, C, H', W');
        keeps float32 and float64, and returns float64 for integer input.
        H' = (H + 2ph - kh) // sh + 1, W' = (W + 2pw - kw) // sw + 1,
        out[n, c, i, j] = max of xpad[n, c, i*sh : i*sh + kh, j*sw : j*sw + kw]
    Raises ValueError, naming the shapes, where pool_geometry does: x not 4-D, a window larger
    than the padded input, a padding above half the window or below 0, a size or stride below 1.

    EXAMPLE:
        >>> max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)
        array([[[[ 5.,  7.],
                 [13., 15.]]]])
    """
    x = as_float(x)
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = pool_geometry(x, kernel_size, stride, padding, "max_pool2d")
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf) if ph or pw else x
    # A window's max is the max over its kh rows of each row's max. So first the max over the
    # kw column offsets b, for every row: rows[..., r, j] = max of xpad[..., r, j*sw : j*sw + kw];
    # then the max of those over the kh row offsets a. Strided slices and np.maximum, no copy
    # of the windows.
    rows = xpad[:, :, :, :sw * Wo:sw].copy()                        # (N, C, H + 2ph, W')
    for b in range(1, kw):
        np.maximum(rows, xpad[:, :, :, b:b + sw * Wo:sw], out=rows)
    out = rows[:, :, :sh * Ho:sh].copy()                            # (N, C, H', W')
    for a in range(1, kh):
        np.maximum(out, rows[:, :, a:a + sh * Ho:sh], out=out)
    return out


def avg_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Average pooling over each channel of a batch (zero padding counted in the mean).

    x: (N, C, H, W); kernel_size F or (kh, kw); stride S or (sh, sw), default kernel_size;
    padding P or (ph, pw), at most half the window, filled with 0.
    Returns out: np.ndarray of shape (N, C, H', W'), the sizes of max_pool2d;
        keeps float32 and float64, and returns float64 for integer input.
        out[n, c, i, j] = sum of xpad[n, c, i*sh : i*sh + kh, j*sw : j*sw + kw] / (kh * kw)
    Raises ValueError, naming the shapes, where max_pool2d does (pool_geometry).

    EXAMPLE:
        >>> avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)
        array([[[[ 2.5,  4.5],
                 [10.5, 12.5]]]])
    """
    x = as_float(x)
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = pool_geometry(x, kernel_size, stride, padding, "avg_pool2d")
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
    # As in max_pool2d: the sum along each window row first (kw column offsets), then over the
    # kh rows; then divide by kh * kw.
    rows = xpad[:, :, :, :sw * Wo:sw].copy()                        # (N, C, H + 2ph, W')
    for b in range(1, kw):
        rows += xpad[:, :, :, b:b + sw * Wo:sw]
    out = rows[:, :, :sh * Ho:sh].copy()                            # (N, C, H', W')
    for a in range(1, kh):
        out += rows[:, :, a:a + sh * Ho:sh]
    out /= kh * kw
    return out


def global_avg_pool2d(x: np.ndarray) -> np.ndarray:
    """Global average pooling: the mean of every feature map.

    x: (N, C, H, W).
    Returns out: np.ndarray of shape (N, C), out[n, c] = mean over (h, w) of x[n, c, h, w];
        keeps float32 and float64, and returns float64 for integer input.
    Raises ValueError, naming the shape, if x is not 4-D (3-D or 5-D alike).

    EXAMPLE:
        >>> global_avg_pool2d(np.arange(8.0).reshape(1, 2, 2, 2))
        array([[1.5, 5.5]])
    """
    x = as_float(x)
    if x.ndim != 4:
        raise ValueError(f"global_avg_pool2d expects x of shape (N, C, H, W), got {x.shape}")
    return x.mean(axis=(2, 3))
