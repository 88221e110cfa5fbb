"""Helpers shared by the exercise checks."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np


def ref(name: str) -> Any:
    """The reference solution ``name``, imported only when a check runs. A name that is also
    its notebook's module (``vgg`` in ``solutions/vgg.py``) is read from that module, where an
    earlier ``import solutions.vgg`` has bound the package's attribute to the module."""
    import solutions

    value = getattr(solutions, name)
    return getattr(value, name) if isinstance(value, ModuleType) else value


def shape_str(a: Any) -> str:
    """``2x3x4x4``: an array's shape as written in case labels."""
    return "x".join(map(str, np.shape(a)))


def as_pair(v: Any) -> tuple:
    """An int (or a 0-d value) as (v, v); a pair as a tuple."""
    return (v, v) if np.ndim(v) == 0 else tuple(v)


# Plain-words mistakes shared by several exercises (keys that are not in feedback.MISTAKES)
STRIDE_ONE_AXIS = ("the stride is used on one axis only: rows step by sh and columns by sw, so "
                   "out[i, j] reads the window at row i * sh and column j * sw.")
STRIDE_ROW_FOR_COLS = ("the columns step by the row stride sh: rows step by sh and columns by sw, "
                       "so out[i, j] reads the window at row i * sh and column j * sw.")
STRIDE_SWAPPED = ("the (sh, sw) stride pair is read as (sw, sh): sh steps the rows (H), sw the "
                  "columns (W).")


def columns_stepped_by(full: np.ndarray, step: int, count: int) -> np.ndarray:
    """From an output computed with column stride 1, the ``count`` columns 0, step, 2*step...:
    the output of a pass whose windows move along the columns by ``step``. Raises ValueError
    when such a pass would run off the input (a student's slicing would fail there too)."""
    idx = np.arange(count) * step
    if count == 0 or idx[-1] >= full.shape[-1]:
        raise ValueError("the windows run off the input")
    return full[..., idx]
