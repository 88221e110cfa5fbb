"""Small argument helpers shared by the notebooks' solutions and stubs (student-safe)."""

from __future__ import annotations

import numpy as np


def pair(value, name: str) -> tuple[int, int]:
    """``value`` as a pair of ints: an int is used for both axes, an (h, w) pair as it is.

    Raises ValueError naming ``name`` for anything else (floats, bools, triples).
    EXAMPLE:
        >>> pair(3, "stride"), pair((2, 1), "stride")
        ((3, 3), (2, 1))
    """
    items = (value, value) if np.ndim(value) == 0 else tuple(value)
    if len(items) != 2 or any(isinstance(v, bool) or int(v) != v for v in items):
        raise ValueError(f"{name} must be an int or an (h, w) pair of ints, got {value!r}")
    return int(items[0]), int(items[1])


def as_float(a) -> np.ndarray:
    """Float arrays keep their precision (float32 stays float32); anything else becomes float64."""
    a = np.asarray(a)
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def pool_geometry(x, kernel_size, stride, padding, name: str):
    """Validate a pooling layer's arguments; return (kh, kw), (sh, sw), (ph, pw), H', W'.

    x: (N, C, H, W); kernel_size F or (kh, kw); stride S or (sh, sw), None means kernel_size;
    padding P or (ph, pw), at most half the window (as in PyTorch).
    H' = (H + 2ph - kh) // sh + 1, W' = (W + 2pw - kw) // sw + 1.
    Raises ValueError naming ``name`` and the shapes at fault.
    """
    if np.ndim(x) != 4:
        raise ValueError(f"{name} expects x of shape (N, C, H, W), got {np.shape(x)}")
    kh, kw = pair(kernel_size, "kernel_size")
    sh, sw = pair(kernel_size if stride is None else stride, "stride")
    ph, pw = pair(padding, "padding")
    if min(kh, kw, sh, sw) < 1 or min(ph, pw) < 0:
        raise ValueError(f"{name}: kernel_size and stride must be >= 1 and padding >= 0, got "
                         f"kernel_size={(kh, kw)}, stride={(sh, sw)}, padding={(ph, pw)}")
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError(f"{name}: padding {(ph, pw)} is more than half the window {(kh, kw)}; "
                         "such a window could see only padding (PyTorch rejects it too)")
    H, W = np.shape(x)[2:]
    if kh > H + 2 * ph or kw > W + 2 * pw:
        raise ValueError(f"{name}: window {(kh, kw)} is larger than the input {np.shape(x)} "
                         f"padded by {(ph, pw)}")
    return (kh, kw), (sh, sw), (ph, pw), (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
