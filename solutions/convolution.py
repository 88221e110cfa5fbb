# Generated from source/01_convolution/01_convolution.ipynb by `make release`. Do not edit:
# change the source notebook, then run `make release`.
"""Reference solutions for notebook 01_convolution: 01 — Convolution: feature extraction, channels, weight sharing."""

import numpy as np


def corr2d(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Valid 2-D cross-correlation of one channel (no padding, stride 1, kernel not flipped).

    X: (H, W) image; K: (KH, KW) kernel with KH <= H and KW <= W.
    Returns out: (H - KH + 1, W - KW + 1), float64, with
        out[i, j] = sum_{a, b} X[i + a, j + b] * K[a, b]

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
