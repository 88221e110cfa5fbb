# Generated from source/01_convolution/01_convolution.ipynb by `make release`. Do not edit:
# change the source notebook, then run `make release`.
"""Reference solutions for notebook 01 — Convolution: feature extraction, channels, weight sharing."""

import numpy as np


def _check_positive(**sizes: int) -> None:
    """Raise ValueError naming every size that is not a positive integer."""
    bad = {name: v for name, v in sizes.items() if int(v) != v or v < 1}
    if bad:
        raise ValueError(f"sizes must be positive integers, got {bad}")


def corr2d(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Valid 2-D cross-correlation of one channel (no padding, stride 1, kernel not flipped).

    X: (H, W) image; K: (KH, KW) kernel with KH <= H and KW <= W.
    Returns out: np.ndarray of shape (H - KH + 1, W - KW + 1); returns float64. Entry (i, j) is
        out[i, j] = sum_{a, b} X[i + a, j + b] * K[a, b]
    Raises ValueError, naming both shapes, if X or K is not 2-D or K is larger than X.

    EXAMPLE:
        >>> corr2d(np.arange(9).reshape(3, 3), np.array([[1, 0], [0, -1]]))
        array([[-4., -4.],
               [-4., -4.]])
    """
    X = np.asarray(X, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64)
    if X.ndim != 2 or K.ndim != 2:
        raise ValueError(f"corr2d expects a 2-D image and a 2-D kernel, got X {X.shape} and K {K.shape}")
    if K.shape[0] > X.shape[0] or K.shape[1] > X.shape[1]:
        raise ValueError(f"kernel K {K.shape} is larger than image X {X.shape}")
    windows = np.lib.stride_tricks.sliding_window_view(X, K.shape)  # (H', W', KH, KW)
    return np.einsum("ijab,ab->ij", windows, K)


def conv2d_multi(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    '''Valid convolution (cross-correlation) of N images, C_in channels, C_out filters; stride 1, no pad.

    x: (N, C_in, H, W) images; w: (C_out, C_in, KH, KW) filters; b: (C_out,) biases, or None
    for no bias.
    Returns out: np.ndarray of shape (N, C_out, H', W'); returns float64. H' = H - KH + 1,
        W' = W - KW + 1, and out[n, o] = sum_c corr2d(x[n, c], w[o, c]) + b[o]
    Raises ValueError, naming the shapes, if x or w is not 4-D, their channel counts differ
    (even when one of them is 1), the kernel is larger than the images, or b is not (C_out,).

    EXAMPLE:
        >>> conv2d_multi(np.ones((1, 2, 3, 3)), np.ones((1, 2, 2, 2)), np.array([0.5]))
        array([[[[8.5, 8.5],
                 [8.5, 8.5]]]])
    '''
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(
            f"conv2d_multi expects x (N, C_in, H, W) and w (C_out, C_in, KH, KW), got x {x.shape} and w {w.shape}")
    (_, C, H, W), (F, Cw, KH, KW) = x.shape, w.shape
    if Cw != C:
        raise ValueError(f"channel counts differ: x {x.shape} has C={C}, w {w.shape} has C={Cw}")
    if KH > H or KW > W:
        raise ValueError(f"kernel {KH}x{KW} of w {w.shape} is larger than the images of x {x.shape}")
    windows = np.lib.stride_tricks.sliding_window_view(x, (KH, KW), axis=(2, 3))
    out = np.einsum("nchwij,fcij->nfhw", windows, w)
    if b is not None:
        b = np.asarray(b, dtype=np.float64)
        if b.shape != (F,):
            raise ValueError(f"b must have shape (C_out,) = ({F},) for w {w.shape}, got {b.shape}")
        out += b[None, :, None, None]
    return out


def conv_params(c_in: int, c_out: int, kh: int, kw: int, bias: bool = True) -> int:
    '''Learnable parameters of a convolutional layer: c_out filters of c_in x kh x kw.

    Returns params: int (a numpy integer is accepted; a float is not),
    params = c_out * (c_in * kh * kw + bias). The image size does not
    appear: every position shares the same filters.
    Raises ValueError, naming the sizes, if a size is not a positive integer.

    EXAMPLE:
        >>> conv_params(1, 100, 2, 2, bias=False)   # the lecture: 100 maps of 2x2 filters
        400
    '''
    _check_positive(c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    return int(c_out * (c_in * kh * kw + int(bias)))


def fc_params(n_in: int, n_out: int, bias: bool = True) -> int:
    '''Learnable parameters of a fully connected layer from n_in inputs to n_out units.

    Returns params: int (a numpy integer is accepted; a float is not),
    params = n_out * (n_in + bias).
    Raises ValueError, naming the sizes, if a size is not a positive integer.

    EXAMPLE:
        >>> fc_params(4096, 1000)   # AlexNet's last layer
        4097000
    '''
    _check_positive(n_in=n_in, n_out=n_out)
    return int(n_out * (n_in + int(bias)))


def locally_connected_params(h_out: int, w_out: int, c_in: int, c_out: int, kh: int, kw: int,
                             bias: bool = True) -> int:
    '''Learnable parameters of a locally connected layer (a convolution without weight sharing).

    Every one of the h_out x w_out output positions has its own c_out filters of c_in x kh x kw,
    each with its own bias.
    Returns params: int (a numpy integer is accepted; a float is not),
    params = h_out * w_out * c_out * (c_in * kh * kw + bias).
    Raises ValueError, naming the sizes, if a size is not a positive integer.

    EXAMPLE:
        >>> locally_connected_params(200, 200, 1, 1, 10, 10)   # about 4 million
        4040000
    '''
    _check_positive(h_out=h_out, w_out=w_out, c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    return int(h_out * w_out * c_out * (c_in * kh * kw + int(bias)))


def edge_kernel() -> np.ndarray:
    '''A 3x3 kernel that detects vertical edges.

    Returns K: np.ndarray of shape (3, 3); returns float64. Its entries sum to 0 (a flat region
    gives 0); it weights the left and right columns with opposite signs and every row alike, so
    a left-to-right change in brightness gives a large response and a top-to-bottom change
    gives none.

    EXAMPLE:
        >>> corr2d(np.array([[0, 0, 1, 1]] * 3, dtype=float), edge_kernel())   # an edge
        array([[-3., -3.]])     # Prewitt's kernel; your numbers may differ
    '''
    return np.array([[1.0, 0.0, -1.0],
                     [1.0, 0.0, -1.0],
                     [1.0, 0.0, -1.0]])
