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
