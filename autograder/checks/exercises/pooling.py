"""Hidden checks for notebook 03, pooling."""

from __future__ import annotations

import numpy as np

from autograder.checks.core import Case, Exercise, Group, Mistake, register
from autograder.checks.exercises.common import (
    STRIDE_ONE_AXIS,
    STRIDE_ROW_FOR_COLS,
    as_pair,
    columns_stepped_by,
    ref,
    shape_str,
)

GRID = np.arange(16.0).reshape(1, 1, 4, 4)


RECT = np.arange(12.0).reshape(1, 1, 3, 4)


def _pool_fixed(rng):
    yield Case("4x4 grid, kernel_size=2", (GRID, 2))
    yield Case("4x4 grid, kernel_size=3, stride=1 (overlapping)", (GRID, 3), {"stride": 1})
    yield Case("4x4 grid, kernel_size=(2, 1)", (GRID, (2, 1)))
    yield Case("3x4 grid arange(12), kernel_size=2, stride=(1, 2)", (RECT, 2), {"stride": (1, 2)})
    yield Case("3x4 grid arange(12), kernel_size=(1, 2)", (RECT, (1, 2)))
    yield Case("window as large as the input: 3x4 grid, kernel_size=(3, 4)", (RECT, (3, 4)))


def _pool_random(rng, kind: str):
    for trial in range(10):
        N, C = int(rng.integers(1, 3)), int(rng.integers(2, 4))
        kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        if kind == "square":
            kw = kh
        if kind == "nonsquare" and kh == kw:
            kw = kh % 4 + 1
        kwargs: dict = {}
        if kind == "overlap":
            kwargs["stride"] = (int(rng.integers(1, kh + 1)), int(rng.integers(1, kw + 1)))
        if kind == "padding":
            kwargs["padding"] = (int(rng.integers(0, kh // 2 + 1)), int(rng.integers(0, kw // 2 + 1)))
            kwargs["stride"] = int(rng.integers(1, 3))
        H, W = kh + int(rng.integers(0, 8)), kw + int(rng.integers(0, 8))
        x = rng.standard_normal((N, C, H, W))
        label = f"random {trial}: x {shape_str(x)}, kernel_size={(kh, kw)}" + "".join(
            f", {k}={v}" for k, v in kwargs.items())
        yield Case(label, (x, (kh, kw)), kwargs)


def _pool_bad(rng):
    yield Case("window larger than the input: x 1x1x3x3, kernel_size=4", (np.zeros((1, 1, 3, 3)), 4),
               raises=ValueError)
    yield Case("window wider than the input: x 1x1x4x4, kernel_size=(2, 5)",
               (np.zeros((1, 1, 4, 4)), (2, 5)), raises=ValueError)
    yield Case("padding more than half the window: kernel_size=2, padding=2",
               (np.zeros((1, 1, 6, 6)), 2), {"padding": 2}, raises=ValueError)
    yield Case("padding more than half the window on one axis: kernel_size=(4, 2), padding=(1, 2)",
               (np.zeros((1, 1, 6, 6)), (4, 2)), {"padding": (1, 2)}, raises=ValueError)
    yield Case("negative padding: kernel_size=2, padding=-1", (np.zeros((1, 1, 4, 4)), 2),
               {"padding": -1}, raises=ValueError)
    yield Case("stride 0: kernel_size=2, stride=0", (np.zeros((1, 1, 4, 4)), 2), {"stride": 0},
               raises=ValueError)
    yield Case("x is 3-D: x 1x4x4", (np.zeros((1, 4, 4)), 2), raises=ValueError)
    yield Case("x is 5-D: x 1x1x2x4x4", (np.zeros((1, 1, 2, 4, 4)), 2), raises=ValueError)


def _groups():
    return [
        Group("fixed examples from the notebook", 1, _pool_fixed),
        Group("random square windows", 1, lambda rng: _pool_random(rng, "square")),
        Group("random non-square windows", 1, lambda rng: _pool_random(rng, "nonsquare")),
        Group("random overlapping windows (stride < window)", 1,
              lambda rng: _pool_random(rng, "overlap")),
        Group("random padded windows", 1, lambda rng: _pool_random(rng, "padding")),
        Group("bad input raises ValueError", 0.5, _pool_bad),
    ]


def _common_mistakes(name: str) -> list[Mistake]:
    def reference(*a, **k):
        return ref(name)(*a, **k)

    def across_channels(x, kernel_size, stride=None, padding=0):
        x = np.asarray(x, dtype=float)
        squash = x.max(axis=1, keepdims=True) if name == "max_pool2d" else x.mean(axis=1, keepdims=True)
        out = reference(squash, kernel_size, stride, padding)
        return np.repeat(out, x.shape[1], axis=1)

    def across_channels_one(x, kernel_size, stride=None, padding=0):
        return across_channels(x, kernel_size, stride, padding)[:, :1]

    def stride_one(x, kernel_size, stride=None, padding=0):
        return reference(x, kernel_size, 1, padding)

    def wh(x, kernel_size, stride=None, padding=0):
        kh, kw = as_pair(kernel_size)
        s = None if stride is None else as_pair(stride)[::-1]
        return reference(x, (kw, kh), s, as_pair(padding)[::-1])

    def stride_rows_only(x, kernel_size, stride=None, padding=0):
        return reference(x, kernel_size, (as_pair(kernel_size if stride is None else stride)[0], 1),
                         padding)

    def stride_cols_only(x, kernel_size, stride=None, padding=0):
        return reference(x, kernel_size, (1, as_pair(kernel_size if stride is None else stride)[1]),
                         padding)

    def row_stride_for_cols(x, kernel_size, stride=None, padding=0):
        sh, _ = as_pair(kernel_size if stride is None else stride)
        count = reference(x, kernel_size, stride, padding).shape[-1]
        return columns_stepped_by(reference(x, kernel_size, (sh, 1), padding), sh, count)

    return [Mistake("pool_across_channels", across_channels),
            Mistake(STRIDE_ROW_FOR_COLS, row_stride_for_cols, partial=True),
            Mistake("pool_across_channels", across_channels_one),
            Mistake("stride_ignored", stride_one), Mistake("pool_wh", wh),
            Mistake(STRIDE_ONE_AXIS, stride_rows_only), Mistake(STRIDE_ONE_AXIS, stride_cols_only),
            Mistake("pad_one_side", _pad_one_side(name, before=True)),
            Mistake("pad_one_side", _pad_one_side(name, before=False))]




def _pad_one_side(name: str, before: bool):
    """The padding (-inf for max, 0 for average) on one side only, top-left or bottom-right."""
    def variant(x, kernel_size, stride=None, padding=0):
        ph, pw = as_pair(padding)
        fill = -np.inf if name.startswith("max") else 0.0
        sides = ((ph, 0), (pw, 0)) if before else ((0, ph), (0, pw))
        xp = np.pad(np.asarray(x, dtype=float), ((0, 0), (0, 0), *sides), constant_values=fill)
        return ref(name)(xp, kernel_size, kernel_size if stride is None else stride, 0)
    return variant


def _max_pad_zero(x, kernel_size, stride=None, padding=0):
    ph, pw = as_pair(padding)
    xp = np.pad(np.asarray(x, dtype=float), ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    return ref("max_pool2d")(xp, kernel_size, stride, 0)


def _avg_exclude_pad(x, kernel_size, stride=None, padding=0):
    avg = ref("avg_pool2d")
    kh, kw = as_pair(kernel_size)
    counts = avg(np.ones_like(np.asarray(x, dtype=float)), kernel_size, stride, padding) * kh * kw
    return avg(x, kernel_size, stride, padding) * kh * kw / counts


def _avg_divide_by_kh(x, kernel_size, stride=None, padding=0):
    return ref("avg_pool2d")(x, kernel_size, stride, padding) * as_pair(kernel_size)[1]


def _avg_divide_by_k_plus(x, kernel_size, stride=None, padding=0):
    kh, kw = as_pair(kernel_size)
    return ref("avg_pool2d")(x, kernel_size, stride, padding) * kh * kw / (kh + kw)


def _avg_divide_by_square(axis: int):
    """The mean divided by kh * kh (axis 0) or kw * kw (axis 1) instead of kh * kw."""
    def variant(x, kernel_size, stride=None, padding=0):
        kh, kw = as_pair(kernel_size)
        side = (kh, kw)[axis]
        return ref("avg_pool2d")(x, kernel_size, stride, padding) * kh * kw / (side * side)
    return variant


register(Exercise(
    name="max_pool2d", reference="max_pool2d", seed=2030, groups=_groups(),
    mistakes=_common_mistakes("max_pool2d") + [Mistake("max_pad_zero", _max_pad_zero)],
    dtype_rule="keeps_float",
))

register(Exercise(
    name="avg_pool2d", reference="avg_pool2d", seed=2031, groups=_groups(),
    mistakes=_common_mistakes("avg_pool2d") + [
        Mistake("avg_exclude_pad", _avg_exclude_pad),
        Mistake("avg_wrong_count", _avg_divide_by_kh),
        Mistake("avg_wrong_count", _avg_divide_by_k_plus),
        Mistake("avg_wrong_count", _avg_divide_by_square(0)),
        Mistake("avg_wrong_count", _avg_divide_by_square(1)),
    ],
    dtype_rule="keeps_float",
))


def _gap_random(rng):
    for trial in range(8):
        x = rng.standard_normal(tuple(int(v) for v in rng.integers(1, 7, size=4)))
        yield Case(f"random {trial}: x {shape_str(x)}", (x,))


register(Exercise(
    name="global_avg_pool2d",
    reference="global_avg_pool2d",
    seed=2032,
    groups=[
        Group("fixed example from the notebook", 1, lambda rng: iter([
            Case("x 1x2x2x2 = arange(8)", (np.arange(8.0).reshape(1, 2, 2, 2),))])),
        Group("random batches", 2, _gap_random),
        Group("bad input raises ValueError", 0.5, lambda rng: iter([
            Case("x is 3-D: x 2x3x3", (np.zeros((2, 3, 3)),), raises=ValueError),
            # x.mean(axis=(2, 3)) would accept these silently
            Case("x is 5-D: x 1x2x3x3x3", (np.zeros((1, 2, 3, 3, 3)),), raises=ValueError),
        ])),
    ],
    mistakes=[
        Mistake("gap_keepdims", lambda x: np.asarray(x, dtype=float).mean(axis=(2, 3), keepdims=True)),
        Mistake("gap_all_axes", lambda x: np.asarray(x, dtype=float).mean(axis=(1, 2, 3))),
        Mistake("gap_wrong_axes", lambda x: np.asarray(x, dtype=float).mean(axis=(1, 2))),
        Mistake("gap_wrong_axes", lambda x: np.asarray(x, dtype=float).mean(axis=(1, 3))),
        Mistake("the values are summed, not averaged: divide by H * W (or use .mean)",
                lambda x: np.asarray(x, dtype=float).sum(axis=(2, 3))),
    ],
    dtype_rule="keeps_float",
))
