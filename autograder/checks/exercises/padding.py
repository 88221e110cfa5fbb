"""Hidden checks for notebook 02, padding and stride."""

from __future__ import annotations

import numpy as np

from autograder.checks.core import Case, Exercise, Group, Mistake, register
from autograder.checks.exercises.common import (
    STRIDE_ONE_AXIS,
    STRIDE_ROW_FOR_COLS,
    STRIDE_SWAPPED,
    as_pair,
    columns_stepped_by,
    ref,
    shape_str,
)

# ----------------------------------------------------------------------------- conv_output_size


def _size_fixed(rng):
    yield Case("lecture: 7x7 input, 3x3 filter, stride 1, pad 1", (7, 3), {"stride": 1, "padding": 1})
    yield Case("ResNet stem: 224, 7x7, stride 2, pad 3", (224, 7), {"stride": 2, "padding": 3})
    yield Case("7x7 input, 3x3 filter, stride 3 (floors)", (7, 3), {"stride": 3})
    yield Case("32, 5x5 filter, no padding", (32, 5), {})
    yield Case("3x3 input, 5x5 filter, padding 2: the filter fits the padded input", (3, 5),
               {"padding": 2})


def _size_random(rng):
    for trial in range(15):
        f, s, p = int(rng.integers(1, 8)), int(rng.integers(1, 4)), int(rng.integers(0, 4))
        n = int(rng.integers(max(1, f - 2 * p), 40))
        yield Case(f"random {trial}: n={n}, f={f}, stride={s}, padding={p}", (n, f),
                   {"stride": s, "padding": p})


def _size_strict_ok(rng):
    # the stride divides n - f + 2P, whatever n % S is: strict mode returns the size
    yield Case("strict: n=7, f=3, stride 2 tiles ((7 - 3) / 2 = 2), although 7 % 2 = 1", (7, 3),
               {"stride": 2, "strict": True})
    yield Case("strict: n=10, f=3, stride 3, padding 1 tiles ((10 - 3 + 2) / 3 = 3), although "
               "10 % 3 = 1 and (10 - 3) % 3 = 1", (10, 3), {"stride": 3, "padding": 1, "strict": True})
    yield Case("strict: n=9, f=3, stride 3 tiles", (9, 3), {"stride": 3, "strict": True})
    yield Case("strict: n=f=5, one position", (5, 5), {"stride": 4, "strict": True})


def _size_bad(rng):
    yield Case("strict: 7x7 input, 3x3 filter, stride 3 does not tile", (7, 3),
               {"stride": 3, "strict": True}, raises=ValueError)
    # n % S == 0 would wrongly accept these: the stride must divide n - f + 2P
    yield Case("strict: n=8, f=3, stride 2 does not tile ((8 - 3) / 2 = 2.5), although 8 % 2 = 0",
               (8, 3), {"stride": 2, "strict": True}, raises=ValueError)
    yield Case("strict: n=9, f=2, stride 3 does not tile, although 9 % 3 = 0", (9, 2),
               {"stride": 3, "strict": True}, raises=ValueError)
    yield Case("strict: n=7, f=1, stride 3, padding 1 does not tile ((7 - 1 + 2) / 3), although "
               "(7 - 1) % 3 = 0", (7, 1), {"stride": 3, "padding": 1, "strict": True},
               raises=ValueError)
    yield Case("filter larger than the padded input: n=4, f=7, padding=1", (4, 7), {"padding": 1},
               raises=ValueError)
    yield Case("stride 0", (7, 3), {"stride": 0}, raises=ValueError)
    yield Case("negative size n=-5", (-5, 3), {}, raises=ValueError)
    yield Case("filter size f=0", (7, 0), {}, raises=ValueError)
    yield Case("negative padding: n=7, f=3, padding=-1", (7, 3), {"padding": -1}, raises=ValueError)


register(Exercise(
    name="conv_output_size",
    reference="conv_output_size",
    seed=2020,
    atol=0.5,
    groups=[
        Group("the lecture's and ResNet's numbers", 1, _size_fixed),
        Group("random sizes, strides and paddings", 1, _size_random),
        Group("strict mode where the stride tiles n - f + 2P", 0.5, _size_strict_ok),
        Group("strict mode and bad input raise ValueError", 1, _size_bad),
    ],
    mistakes=[
        Mistake("size_no_padding", lambda n, f, stride=1, padding=0, strict=False:
                (n - f) // stride + 1),
        Mistake("size_padding_once", lambda n, f, stride=1, padding=0, strict=False:
                (n - f + padding) // stride + 1),
        Mistake("size_off_by_one", lambda n, f, stride=1, padding=0, strict=False:
                (n - f + 2 * padding) // stride),
        Mistake("stride_ignored", lambda n, f, stride=1, padding=0, strict=False:
                n - f + 2 * padding + 1),
    ],
))


# ----------------------------------------------------------------------------- pad2d


def _pad_random(rng, as_tuple: bool):
    for trial in range(8):
        x = rng.standard_normal(tuple(int(v) for v in rng.integers(1, 5, size=4)))
        ph, pw = int(rng.integers(0, 4)), int(rng.integers(0, 4))
        if not as_tuple:
            pw = ph
        if as_tuple and ph == pw:
            pw = ph + 1
        padding = (ph, pw) if as_tuple else ph
        yield Case(f"random {trial}: x {shape_str(x)}, padding={padding}", (x, padding))


def _pad_bad(rng):
    yield Case("x is 3-D: x 3x4x4, padding=1", (np.zeros((3, 4, 4)), 1), raises=ValueError)
    yield Case("x is 2-D: x 4x4, padding=1", (np.zeros((4, 4)), 1), raises=ValueError)
    yield Case("x is 5-D: x 1x1x2x3x3, padding=1", (np.zeros((1, 1, 2, 3, 3)), 1),
               raises=ValueError)
    yield Case("negative padding: x 1x1x3x3, padding=-1", (np.zeros((1, 1, 3, 3)), -1),
               raises=ValueError)
    yield Case("one negative padding: x 1x1x3x3, padding=(1, -1)", (np.zeros((1, 1, 3, 3)), (1, -1)),
               raises=ValueError)


def _pad_all(x, padding):
    ph, pw = as_pair(padding)
    return np.pad(x, ((ph, ph), (ph, ph), (ph, ph), (pw, pw)))


def _pad_one_side(x, padding):
    ph, pw = as_pair(padding)
    return np.pad(x, ((0, 0), (0, 0), (0, ph), (0, pw)))


def _pad_one_side_before(x, padding):
    ph, pw = as_pair(padding)
    return np.pad(x, ((0, 0), (0, 0), (ph, 0), (pw, 0)))


def _pad_swapped(x, padding):
    ph, pw = as_pair(padding)
    return np.pad(x, ((0, 0), (0, 0), (pw, pw), (ph, ph)))


register(Exercise(
    name="pad2d",
    reference="pad2d",
    seed=2021,
    groups=[
        Group("fixed examples from the notebook", 1, lambda rng: iter([
            Case("x 1x1x2x2 = [[1, 2], [3, 4]], padding=1",
                 (np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), 1)),
            Case("x 1x1x1x2 = [[1, 2]], padding=(1, 0): rows only",
                 (np.array([[[[1.0, 2.0]]]]), (1, 0)))])),
        Group("random batches, int padding", 1, lambda rng: _pad_random(rng, as_tuple=False)),
        Group("random batches, (ph, pw) padding", 1, lambda rng: _pad_random(rng, as_tuple=True)),
        Group("bad input raises ValueError", 0.5, _pad_bad),
    ],
    mistakes=[
        Mistake("pad_all_axes", _pad_all),
        Mistake("pad_one_side", _pad_one_side),
        Mistake("pad_one_side", _pad_one_side_before),
        Mistake("pad_swapped", _pad_swapped),
    ],
    dtype_rule="keeps_float",
))


# ----------------------------------------------------------------------------- conv2d, conv2d_fast


def _conv_random(rng, stride_pad: str):
    for trial in range(8):
        N, C, F = (int(v) for v in rng.integers(1, 4, size=3))
        KH, KW = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        if stride_pad == "stride":
            stride, padding = (int(rng.integers(2, 4)), int(rng.integers(1, 4))), 0
        elif stride_pad == "padding":
            stride, padding = 1, (int(rng.integers(1, 3)), int(rng.integers(0, 3)))
        else:
            stride, padding = int(rng.integers(2, 4)), int(rng.integers(1, 3))
        H, W = KH + int(rng.integers(0, 8)), KW + int(rng.integers(0, 8))
        x, w, b = rng.standard_normal((N, C, H, W)), rng.standard_normal((F, C, KH, KW)), \
            rng.standard_normal(F)
        yield Case(f"random {trial}: x {shape_str(x)}, w {shape_str(w)}, b ({F},), stride={stride}, "
                   f"padding={padding}", (x, w, b), {"stride": stride, "padding": padding})


def _conv_bad(rng):
    yield Case("channel counts differ: x 1x3x5x5, w 2x2x3x3",
               (np.zeros((1, 3, 5, 5)), np.zeros((2, 2, 3, 3))), raises=ValueError)
    yield Case("kernel larger than the padded image: x 1x1x2x2, w 1x1x5x5, padding=1",
               (np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 5, 5))), {"padding": 1}, raises=ValueError)
    yield Case("stride 0", (np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2))), {"stride": 0},
               raises=ValueError)
    yield Case("x is 3-D: x 3x4x4, w 1x3x2x2", (np.zeros((3, 4, 4)), np.zeros((1, 3, 2, 2))),
               raises=ValueError)
    # numpy would broadcast these silently (a channel axis of 1, a bias of one value)
    yield Case("w has 1 channel, x has 3: x 1x3x5x5, w 2x1x3x3",
               (np.ones((1, 3, 5, 5)), np.ones((2, 1, 3, 3))), raises=ValueError)
    yield Case("x has 1 channel, w has 3: x 1x1x5x5, w 2x3x3x3",
               (np.ones((1, 1, 5, 5)), np.ones((2, 3, 3, 3))), raises=ValueError)
    yield Case("b (1,) for 2 filters: x 1x3x5x5, w 2x3x3x3",
               (np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3)), np.ones(1)), raises=ValueError)
    yield Case("negative padding: x 1x1x5x5, w 1x1x3x3, padding=-1",
               (np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))), {"padding": -1}, raises=ValueError)


VISIBLE_X = np.arange(16.0).reshape(1, 1, 4, 4)
VISIBLE_W = np.ones((1, 1, 2, 2))
RECT_X = np.arange(20.0).reshape(1, 1, 4, 5)
ASYM_W = np.array([[[[1.0, 2.0], [0.0, -1.0]]]])


def _conv_fixed(rng):
    yield Case("x = arange(16) as 1x1x4x4, w = ones 1x1x2x2, stride=2",
               (VISIBLE_X, VISIBLE_W), {"stride": 2})
    yield Case("x = arange(16) as 1x1x4x4, w = ones 1x1x2x2, stride=2, padding=1",
               (VISIBLE_X, VISIBLE_W), {"stride": 2, "padding": 1})
    yield Case("x = arange(20) as 1x1x4x5, w = [[1, 2], [0, -1]], b = [0.5], stride=(2, 1), "
               "padding=(1, 0)", (RECT_X, ASYM_W, np.array([0.5])),
               {"stride": (2, 1), "padding": (1, 0)})




def _conv_mistakes(name: str) -> list[Mistake]:
    def reference(*args, **kwargs):
        return ref(name)(*args, **kwargs)

    def no_stride(x, w, b=None, stride=1, padding=0):
        return reference(x, w, b, stride=1, padding=padding)

    def stride_rows_only(x, w, b=None, stride=1, padding=0):
        return reference(x, w, b, stride=(as_pair(stride)[0], 1), padding=padding)

    def stride_cols_only(x, w, b=None, stride=1, padding=0):
        return reference(x, w, b, stride=(1, as_pair(stride)[1]), padding=padding)

    def stride_swapped(x, w, b=None, stride=1, padding=0):
        return reference(x, w, b, stride=as_pair(stride)[::-1], padding=padding)

    def row_stride_for_cols(x, w, b=None, stride=1, padding=0):
        sh, sw = as_pair(stride)
        count = reference(x, w, b, stride=stride, padding=padding).shape[-1]
        return columns_stepped_by(reference(x, w, b, stride=(sh, 1), padding=padding), sh, count)

    def bias_last_axis(x, w, b=None, stride=1, padding=0):
        out = reference(x, w, None, stride=stride, padding=padding)
        if b is None:
            return out
        if name == "conv2d_fast":  # b added to the (N, C_out, H'*W') product
            return (out.reshape(*out.shape[:2], -1) + np.asarray(b)).reshape(out.shape)
        return out + np.asarray(b)

    def padding_swapped(x, w, b=None, stride=1, padding=0):
        return reference(x, w, b, stride=stride, padding=as_pair(padding)[::-1])

    def pad_one_side(x, w, b=None, stride=1, padding=0):
        ph, pw = as_pair(padding)
        return reference(np.pad(np.asarray(x), ((0, 0), (0, 0), (ph, 0), (pw, 0))), w, b, stride=stride)

    def pad_one_side_after(x, w, b=None, stride=1, padding=0):
        ph, pw = as_pair(padding)
        return reference(np.pad(np.asarray(x), ((0, 0), (0, 0), (0, ph), (0, pw))), w, b, stride=stride)

    def first_channel(x, w, b=None, stride=1, padding=0):
        return reference(np.asarray(x)[:, :1], np.asarray(w)[:, :1], b, stride=stride,
                         padding=padding)

    def last_channel(x, w, b=None, stride=1, padding=0):
        return reference(np.asarray(x)[:, -1:], np.asarray(w)[:, -1:], b, stride=stride,
                         padding=padding)

    def transposed(x, w, b=None, stride=1, padding=0):
        return reference(x, np.swapaxes(w, 2, 3), b, stride=stride, padding=padding)

    def short(x, w, b=None, stride=1, padding=0):
        return reference(x, w, b, stride=stride, padding=padding)[..., :-1, :-1]

    def flipped(x, w, b=None, stride=1, padding=0):
        return reference(x, np.asarray(w)[..., ::-1, ::-1], b, stride=stride, padding=padding)

    def no_bias(x, w, b=None, stride=1, padding=0):
        return reference(x, w, None, stride=stride, padding=padding)

    return [Mistake("stride_ignored", no_stride),
            Mistake(STRIDE_ONE_AXIS, stride_rows_only), Mistake(STRIDE_ONE_AXIS, stride_cols_only),
            Mistake(STRIDE_SWAPPED, stride_swapped), Mistake("pad_swapped", padding_swapped),
            Mistake(STRIDE_ROW_FOR_COLS, row_stride_for_cols, partial=True),
            Mistake("bias_wrong_axis", bias_last_axis, partial=True),
            Mistake("pad_one_side", pad_one_side), Mistake("pad_one_side", pad_one_side_after),
            Mistake("short_output", short), Mistake("flipped_kernel", flipped),
            Mistake("transposed_kernel", transposed), Mistake("missing_bias", no_bias),
            Mistake("channels_not_summed", first_channel),
            Mistake("channels_not_summed", last_channel)]


def _im2col_order_conv(x, w, b=None, stride=1, padding=0):
    """conv2d_fast whose columns are ordered (kh, kw, C) while the weights stay (C, kh, kw)."""
    w = np.asarray(w)
    F, C, KH, KW = w.shape
    w_eff = w.reshape(F, KH, KW, C).transpose(0, 3, 1, 2)
    return ref("conv2d_fast")(x, w_eff, b, stride=stride, padding=padding)


for _name, _seed in (("conv2d", 2022), ("conv2d_fast", 2023)):
    register(Exercise(
        name=_name,
        reference=_name,
        seed=_seed,
        groups=[
            Group("fixed examples from the notebook", 1, _conv_fixed),
            Group("random shapes with stride", 1, lambda rng: _conv_random(rng, "stride")),
            Group("random shapes with padding", 1, lambda rng: _conv_random(rng, "padding")),
            Group("random shapes with stride and padding", 1, lambda rng: _conv_random(rng, "both")),
            Group("bad input raises ValueError", 0.5, _conv_bad),
        ],
        mistakes=_conv_mistakes(_name) + (
            [Mistake("conv_fast_weight_order", _im2col_order_conv)] if _name == "conv2d_fast" else []),
        dtype_rule="float64" if _name == "conv2d" else "keeps_float",
    ))


# ----------------------------------------------------------------------------- receptive_field


def _rf_random(rng):
    for trial in range(10):
        depth = int(rng.integers(1, 7))
        layers = [(int(rng.integers(1, 8)), int(rng.integers(1, 3))) for _ in range(depth)]
        yield Case(f"random {trial}: layers={layers}", (layers,))


def _rf_strides_ignored(layers):
    return 1 + sum(k - 1 for k, _ in layers)


def _rf_own_stride(layers):
    r, jump = 1, 1
    for k, s in layers:
        jump *= s
        r += (k - 1) * jump
    return r


register(Exercise(
    name="receptive_field",
    reference="receptive_field",
    seed=2024,
    atol=0.5,
    groups=[
        Group("stacks of 3x3 convolutions (the bridge to VGG)", 1, lambda rng: iter([
            Case("two 3x3 stride-1 layers", ([(3, 1), (3, 1)],)),
            Case("three 3x3 stride-1 layers", ([(3, 1)] * 3,)),
            Case("no layers", ([],)),
        ])),
        Group("random stacks with strides", 1, _rf_random),
        Group("bad layers raise ValueError", 0.5, lambda rng: iter([
            Case("kernel 0: [(0, 1)]", ([(0, 1)],), raises=ValueError),
            Case("stride 0: [(3, 1), (3, 0)]", ([(3, 1), (3, 0)],), raises=ValueError),
        ])),
    ],
    mistakes=[
        Mistake("rf_strides_ignored", _rf_strides_ignored),
        Mistake("rf_own_stride", _rf_own_stride),
        Mistake("rf_sum_kernels", lambda layers: sum(k for k, _ in layers)),
    ],
))


# ----------------------------------------------------------------------------- im2col


def _im2col_random(rng):
    for trial in range(10):
        N, C = int(rng.integers(1, 3)), int(rng.integers(1, 4))
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        stride = (int(rng.integers(1, 3)), int(rng.integers(1, 4)))
        # (ph, pw) pairs too: padding the columns by ph is right only when ph == pw
        padding = (int(rng.integers(0, 3)), int(rng.integers(0, 3))) if trial % 2 else int(
            rng.integers(0, 3))
        x = rng.standard_normal((N, C, kh + int(rng.integers(0, 6)), kw + int(rng.integers(0, 6))))
        yield Case(f"random {trial}: x {shape_str(x)}, kh={kh}, kw={kw}, stride={stride}, "
                   f"padding={padding}", (x, kh, kw), {"stride": stride, "padding": padding})


def _im2col_column_major(x, kh, kw, stride=1, padding=0):
    cols = ref("im2col")(x, kh, kw, stride=stride, padding=padding)
    N, CKK, L = cols.shape
    C = CKK // (kh * kw)
    return cols.reshape(N, C, kh, kw, L).transpose(0, 1, 3, 2, 4).reshape(N, CKK, L)


IM2COL_COLUMN_MAJOR = ("each window is flattened column by column, (c, b, a); flatten it row by "
                       "row, (c, a, b), the order of w.reshape(F, -1): row c*kh*kw + a*kw + b.")


def _im2col_ordered_khkwc(x, kh, kw, stride=1, padding=0):
    cols = ref("im2col")(x, kh, kw, stride=stride, padding=padding)
    N, CKK, L = cols.shape
    C = CKK // (kh * kw)
    return cols.reshape(N, C, kh, kw, L).transpose(0, 2, 3, 1, 4).reshape(N, CKK, L)


register(Exercise(
    name="im2col",
    reference="im2col",
    seed=2025,
    groups=[
        Group("fixed examples from the notebook", 1, lambda rng: iter([
            Case("x = arange(18) as 1x2x3x3, kh = kw = 2", (np.arange(18.0).reshape(1, 2, 3, 3), 2, 2)),
            Case("x = arange(12) as 1x1x3x4, kh = 2, kw = 3 (non-square window)",
                 (np.arange(12.0).reshape(1, 1, 3, 4), 2, 3)),
        ])),
        Group("random shapes, strides and paddings", 2, _im2col_random),
    ],
    mistakes=[
        Mistake("im2col_order", _im2col_ordered_khkwc),
        Mistake("im2col_transposed", lambda x, kh, kw, stride=1, padding=0: np.swapaxes(
            ref("im2col")(x, kh, kw, stride=stride, padding=padding), 1, 2)),
        Mistake(IM2COL_COLUMN_MAJOR, _im2col_column_major),
        Mistake("stride_ignored", lambda x, kh, kw, stride=1, padding=0:
                ref("im2col")(x, kh, kw, stride=1, padding=padding)),
        Mistake(STRIDE_ONE_AXIS, lambda x, kh, kw, stride=1, padding=0:
                ref("im2col")(x, kh, kw, stride=(as_pair(stride)[0], 1), padding=padding)),
        Mistake(STRIDE_ONE_AXIS, lambda x, kh, kw, stride=1, padding=0:
                ref("im2col")(x, kh, kw, stride=(1, as_pair(stride)[1]), padding=padding)),
        Mistake(STRIDE_SWAPPED, lambda x, kh, kw, stride=1, padding=0:
                ref("im2col")(x, kh, kw, stride=as_pair(stride)[::-1], padding=padding)),
        Mistake("pad_one_side", lambda x, kh, kw, stride=1, padding=0: ref("im2col")(
            np.pad(np.asarray(x), ((0, 0), (0, 0), (padding, 0), (padding, 0))), kh, kw,
            stride=stride)),
        Mistake("pad_one_side", lambda x, kh, kw, stride=1, padding=0: ref("im2col")(
            np.pad(np.asarray(x), ((0, 0), (0, 0), (0, padding), (0, padding))), kh, kw,
            stride=stride)),
    ],
    dtype_rule="keeps_float",
))
