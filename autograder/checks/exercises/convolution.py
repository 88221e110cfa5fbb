"""Hidden checks for notebook 01, convolution."""

from __future__ import annotations

import numpy as np

from autograder.checks.core import Case, Exercise, Group, Mistake, register
from autograder.checks.exercises.common import ref, shape_str

# ----------------------------------------------------------------------------- corr2d

LECTURE_X = np.array([[1, 1, 1, 0, 0],
                      [0, 1, 1, 1, 0],
                      [0, 0, 1, 1, 1],
                      [0, 0, 1, 1, 0],
                      [0, 1, 1, 0, 0]], dtype=np.float64)
LECTURE_K = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.float64)


def _corr2d_fixed(rng):
    yield Case("lecture example: 5x5 image, 3x3 kernel", (LECTURE_X, LECTURE_K))
    yield Case("X = arange(9).reshape(3, 3), K = [[1, 2], [3, 4]]",
               (np.arange(9.0).reshape(3, 3), np.array([[1.0, 2.0], [3.0, 4.0]])))
    yield Case("X = arange(12).reshape(3, 4), K = [[1, -1, 2]] (non-square image and kernel)",
               (np.arange(12.0).reshape(3, 4), np.array([[1.0, -1.0, 2.0]])))
    yield Case("kernel as large as the image: X 2x3, K 2x3 gives one value",
               (np.arange(6.0).reshape(2, 3), np.array([[1.0, 0.0, -1.0], [2.0, 0.5, 0.0]])))
    yield Case("1x1 kernel: X 3x2, K = [[2]]", (np.arange(6.0).reshape(3, 2), np.array([[2.0]])))


def _corr2d_random(rng, square: bool):
    for trial in range(12):
        H, W = (int(v) for v in rng.integers(2, 12, size=2))
        if square:
            KH = KW = int(rng.integers(1, min(H, W) + 1))
        else:
            KH, KW = int(rng.integers(1, H + 1)), int(rng.integers(1, W + 1))
            if KH == KW:
                KW = KW - 1 if KW > 1 else min(2, W)
        X, K = rng.standard_normal((H, W)), rng.standard_normal((KH, KW))
        yield Case(f"random {trial}: X {shape_str(X)}, K {shape_str(K)}", (X, K))


def _corr2d_bad(rng):
    yield Case("kernel taller than the image: X 3x3, K 4x2", (np.zeros((3, 3)), np.zeros((4, 2))),
               raises=ValueError)
    yield Case("kernel wider than the image: X 3x3, K 2x4", (np.zeros((3, 3)), np.zeros((2, 4))),
               raises=ValueError)
    yield Case("3-D image: X 2x3x3, K 2x2", (np.zeros((2, 3, 3)), np.zeros((2, 2))),
               raises=ValueError)
    # numpy would compute these silently: X[..., i:i + KH, j:j + KW] * K broadcasts
    yield Case("3-D image with a leading axis of 1: X 1x4x4, K 2x2",
               (np.ones((1, 4, 4)), np.ones((2, 2))), raises=ValueError)
    yield Case("3-D kernel with a leading axis of 1: X 4x4, K 1x2x2",
               (np.ones((4, 4)), np.ones((1, 2, 2))), raises=ValueError)


def _flipped(X, K):
    return ref("corr2d")(X, np.asarray(K)[::-1, ::-1])


def _transposed(X, K):
    return ref("corr2d")(X, np.asarray(K).T)


def _short(X, K):
    return ref("corr2d")(X, K)[:-1, :-1]


FLIPPED_ONE_AXIS = ("the kernel is flipped along one axis (up-down or left-right); "
                    "deep-learning 'convolution' flips nothing: use K[a, b] as it is.")


register(Exercise(
    name="corr2d",
    reference="corr2d",
    seed=2012,
    groups=[
        Group("fixed examples from the notebook", 1, _corr2d_fixed),
        Group("random images, square kernels", 1, lambda rng: _corr2d_random(rng, square=True)),
        Group("random images, non-square kernels", 0.5, lambda rng: _corr2d_random(rng, square=False)),
        Group("bad input raises ValueError", 0.5, _corr2d_bad),
    ],
    mistakes=[
        Mistake("flipped_kernel", _flipped),
        Mistake("transposed_kernel", _transposed),
        Mistake("short_output", _short),
        Mistake(FLIPPED_ONE_AXIS, lambda X, K: ref("corr2d")(X, np.asarray(K)[::-1, :])),
        Mistake(FLIPPED_ONE_AXIS, lambda X, K: ref("corr2d")(X, np.asarray(K)[:, ::-1])),
    ],
    dtype_rule="float64",
))


# ----------------------------------------------------------------------------- conv2d_multi

VISIBLE_X = np.arange(18.0).reshape(1, 2, 3, 3)
VISIBLE_W = np.array([[[[1.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 1.0]]],
                      [[[1.0, 2.0], [3.0, 4.0]], [[-1.0, 0.0], [0.0, 0.0]]]])
VISIBLE_B = np.array([0.5, -1.0])


RECT_X = np.arange(24.0).reshape(1, 2, 3, 4)
RECT_W = np.array([[[[1.0, 0.0, -1.0], [2.0, 0.0, 0.0]], [[0.0, 1.0, 0.0], [0.0, 0.0, -2.0]]]])
RECT_B = np.array([1.0])


def _multi_fixed(rng):
    yield Case("notebook example: x 1x2x3x3, w 2x2x2x2, b = [0.5, -1]",
               (VISIBLE_X, VISIBLE_W, VISIBLE_B))
    yield Case("notebook example: x = arange(24) as 1x2x3x4, w 1x2x2x3, b = [1] (non-square)",
               (RECT_X, RECT_W, RECT_B))


def _multi_random(rng, with_bias: bool, square_cf: bool = False):
    for trial in range(10):
        C = int(rng.integers(1, 4))
        F = C if square_cf else int(rng.integers(1, 5))
        KH, KW = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        if trial < 3:
            # N == F == W' lets a bias added on the batch or width axis broadcast, so that mistake
            # can be recognised instead of crashing
            N, H, W = F, KH - 1 + int(rng.integers(1, 6)), KW - 1 + F
        else:
            N, H, W = int(rng.integers(1, 4)), KH - 1 + int(rng.integers(1, 7)), KW - 1 + int(
                rng.integers(1, 7))
        x = rng.standard_normal((N, C, H, W))
        w = rng.standard_normal((F, C, KH, KW))
        b = rng.standard_normal(F) if with_bias else None
        label = f"random {trial}: x {shape_str(x)}, w {shape_str(w)}, " + (
            f"b ({F},)" if with_bias else "b = None")
        yield Case(label, (x, w, b))


def _multi_bad(rng):
    yield Case("channel counts differ: x 1x3x5x5, w 2x2x3x3",
               (np.zeros((1, 3, 5, 5)), np.zeros((2, 2, 3, 3))), raises=ValueError)
    yield Case("x is 3-D: x 3x5x5, w 2x3x3x3", (np.zeros((3, 5, 5)), np.zeros((2, 3, 3, 3))),
               raises=ValueError)
    yield Case("kernel larger than the image: x 1x1x2x2, w 1x1x3x3",
               (np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3))), raises=ValueError)
    # numpy would broadcast these silently (a channel axis of 1, a bias of one value)
    yield Case("w has 1 channel, x has 3: x 1x3x5x5, w 2x1x3x3",
               (np.ones((1, 3, 5, 5)), np.ones((2, 1, 3, 3))), raises=ValueError)
    yield Case("x has 1 channel, w has 3: x 1x1x5x5, w 2x3x3x3",
               (np.ones((1, 1, 5, 5)), np.ones((2, 3, 3, 3))), raises=ValueError)
    yield Case("b (1,) for 2 filters: x 1x3x5x5, w 2x3x3x3",
               (np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3)), np.ones(1)), raises=ValueError)
    yield Case("b (2, 1) for 2 filters: x 1x3x5x5, w 2x3x3x3",
               (np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3)), np.ones((2, 1))), raises=ValueError)


def _multi(x, w, b=None):
    return ref("conv2d_multi")(x, w, b)


def _nobias(x, w, b=None):
    return _multi(x, w, None)


def _bias_on_width(x, w, b=None):
    return _multi(x, w, None) + np.asarray(b)[None, None, None, :]


def _bias_on_batch(x, w, b=None):
    return _multi(x, w, None) + np.asarray(b)[:, None, None, None]


def _first_channel(x, w, b=None):
    return _multi(np.asarray(x)[:, :1], np.asarray(w)[:, :1], b)


def _last_channel(x, w, b=None):
    return _multi(np.asarray(x)[:, -1:], np.asarray(w)[:, -1:], b)


def _channel_mean(x, w, b=None):
    out = _multi(x, w, None) / np.shape(x)[1]
    return out if b is None else out + np.asarray(b)[None, :, None, None]


def _weights_cf(x, w, b=None):
    return _multi(x, np.asarray(w).transpose(1, 0, 2, 3), b)


register(Exercise(
    name="conv2d_multi",
    reference="conv2d_multi",
    seed=2013,
    groups=[
        Group("fixed example from the notebook", 1, _multi_fixed),
        Group("random shapes with bias", 1, lambda rng: _multi_random(rng, with_bias=True)),
        Group("random shapes without bias (b=None)", 0.5,
              lambda rng: _multi_random(rng, with_bias=False)),
        Group("as many filters as channels (F == C)", 0.5,
              lambda rng: _multi_random(rng, with_bias=True, square_cf=True)),
        Group("bad input raises ValueError", 1, _multi_bad),
    ],
    mistakes=[
        Mistake("flipped_kernel", lambda x, w, b=None: _multi(x, np.asarray(w)[..., ::-1, ::-1], b)),
        Mistake("missing_bias", _nobias),
        Mistake("bias_wrong_axis", _bias_on_width),
        Mistake("bias_wrong_axis", _bias_on_batch),
        Mistake("channels_not_summed", _first_channel),
        Mistake("channels_not_summed", _last_channel),
        Mistake("channels_not_summed", _channel_mean),
        Mistake("short_output", lambda x, w, b=None: _multi(x, w, b)[..., :-1, :-1]),
        Mistake("weights_cf", _weights_cf),
        Mistake("transposed_kernel", lambda x, w, b=None: _multi(x, np.swapaxes(w, 2, 3), b)),
    ],
    dtype_rule="float64",
))


# ----------------------------------------------------------------------------- parameter counts


def _count_cases(rng, names: tuple[str, ...]):
    for trial in range(10):
        values = tuple(int(v) for v in rng.integers(1, 65, size=len(names)))
        bias = bool(trial % 2)
        label = ", ".join(f"{n}={v}" for n, v in zip(names, values, strict=True))
        yield Case(f"random {trial}: {label}, bias={bias}", values, {"bias": bias})


def _count_bad(names: tuple[str, ...]):
    def cases(rng):
        # a bad size first, last, and one that is not an integer: the formulas would return a
        # number for every one of them
        for position, bad, what in ((-1, 0, "non-positive size"), (-1, -3, "non-positive size"),
                                    (0, 0, "non-positive first size"),
                                    (0, 2.5, "size that is not an integer")):
            values: list = [4] * len(names)
            values[position] = bad
            label = ", ".join(f"{n}={v}" for n, v in zip(names, values, strict=True))
            yield Case(f"{what}: {label}", tuple(values), raises=ValueError)
    return cases


CONV_NAMES = ("c_in", "c_out", "kh", "kw")
register(Exercise(
    name="conv_params",
    int_result=True,
    reference="conv_params",
    seed=2014,
    atol=0.5,
    groups=[
        Group("the lecture's numbers", 1, lambda rng: iter([
            Case("one 2x2 filter, one feature map, no bias", (1, 1, 2, 2), {"bias": False}),
            Case("100 feature maps of 2x2 filters, no bias", (1, 100, 2, 2), {"bias": False}),
            Case("64 filters of 3x3 over RGB, with bias", (3, 64, 3, 3), {}),
        ])),
        Group("random layers, with and without bias", 1,
              lambda rng: _count_cases(rng, CONV_NAMES)),
        Group("bad input raises ValueError", 0.5, _count_bad(CONV_NAMES)),
    ],
    mistakes=[
        Mistake("params_no_bias", lambda c_in, c_out, kh, kw, bias=True: c_out * c_in * kh * kw),
        Mistake("params_one_bias",
                lambda c_in, c_out, kh, kw, bias=True: c_out * c_in * kh * kw + int(bias)),
        Mistake("params_no_c_in",
                lambda c_in, c_out, kh, kw, bias=True: c_out * (kh * kw + int(bias))),
    ],
))

FC_NAMES = ("n_in", "n_out")
register(Exercise(
    name="fc_params",
    int_result=True,
    reference="fc_params",
    seed=2015,
    atol=0.5,
    groups=[
        Group("fixed examples", 1, lambda rng: iter([
            Case("200x200 image to 40,000 hidden units, with bias", (40_000, 40_000), {}),
            Case("4096 to 1000 (AlexNet's last layer), with bias", (4096, 1000), {}),
            Case("10 to 3, no bias", (10, 3), {"bias": False}),
        ])),
        Group("random layers, with and without bias", 1,
              lambda rng: _count_cases(rng, FC_NAMES)),
        Group("bad input raises ValueError", 0.5, _count_bad(FC_NAMES)),
    ],
    mistakes=[
        Mistake("params_no_bias", lambda n_in, n_out, bias=True: n_in * n_out),
        Mistake("params_one_bias", lambda n_in, n_out, bias=True: n_in * n_out + int(bias)),
        Mistake("params_bias_per_input",
                lambda n_in, n_out, bias=True: (n_out + int(bias)) * n_in),
    ],
))

LC_NAMES = ("h_out", "w_out", "c_in", "c_out", "kh", "kw")
register(Exercise(
    name="locally_connected_params",
    int_result=True,
    reference="locally_connected_params",
    seed=2016,
    atol=0.5,
    groups=[
        Group("fixed examples", 1, lambda rng: iter([
            Case("200x200 outputs, 1 map of 10x10 fields on a gray image, with bias",
                 (200, 200, 1, 1, 10, 10), {}),
            Case("3x3 outputs, 2 maps of 2x2 fields on 3 channels, no bias",
                 (3, 3, 3, 2, 2, 2), {"bias": False}),
        ])),
        Group("random layers, with and without bias", 1,
              lambda rng: _count_cases(rng, LC_NAMES)),
        Group("bad input raises ValueError", 0.5, _count_bad(LC_NAMES)),
    ],
    mistakes=[
        Mistake("params_shared", lambda h_out, w_out, c_in, c_out, kh, kw, bias=True:
                c_out * (c_in * kh * kw + int(bias))),
        Mistake("params_bias_per_filter", lambda h_out, w_out, c_in, c_out, kh, kw, bias=True:
                h_out * w_out * c_out * c_in * kh * kw + c_out * int(bias)),
        Mistake("params_no_c_in", lambda h_out, w_out, c_in, c_out, kh, kw, bias=True:
                h_out * w_out * c_out * (kh * kw + int(bias))),
        Mistake("params_no_bias", lambda h_out, w_out, c_in, c_out, kh, kw, bias=True:
                h_out * w_out * c_out * c_in * kh * kw),
    ],
))


# ----------------------------------------------------------------------------- edge_kernel


def _edge_images(rng):
    """(flat, vertical edge, horizontal edge) 8x8 images with a random level and contrast."""
    level, contrast = float(rng.uniform(-2, 2)), float(rng.uniform(0.5, 3))
    col = int(rng.integers(2, 6))
    flat = np.full((8, 8), level)
    vertical = flat.copy()
    vertical[:, col:] += contrast
    return flat, vertical, vertical.T.copy()


def _edge_property(images):
    flat, vertical, horizontal = images

    def check(K) -> str | None:
        from autograder.checks.feedback import as_plain_array

        arr = as_plain_array(K)
        if arr is None:
            return f"edge_kernel must return a 3x3 numpy array, got {type(K).__name__}"
        if arr.shape != (3, 3):
            return f"expected a kernel of shape (3, 3), got {arr.shape}"
        corr2d = ref("corr2d")
        scale = max(float(np.abs(arr).max()), 1e-12)
        flat_resp = float(np.abs(corr2d(flat, arr)).max())
        v_resp = float(np.abs(corr2d(vertical, arr)).max())
        h_resp = float(np.abs(corr2d(horizontal, arr)).max())
        if flat_resp > 1e-8 * scale * max(1.0, abs(flat[0, 0])):
            return (f"on a flat 8x8 image (every pixel {flat[0, 0]:.3g}) the response is "
                    f"{flat_resp:.3g}, not 0")
        if v_resp < 1e-6 * scale:
            return "a vertical edge (dark left part, bright right part) gives no response"
        if h_resp > 0.25 * v_resp:
            return (f"the response to a horizontal edge ({h_resp:.3g}) is more than a quarter of "
                    f"the response to a vertical edge ({v_resp:.3g})")
        return None
    return check


def _edge_cases(rng):
    for trial in range(5):
        images = _edge_images(rng)
        yield Case(f"random {trial}: 8x8 flat, vertical-edge and horizontal-edge images "
                   f"(level {images[0][0, 0]:.2f})", (), check=_edge_property(images))


def _edge_dtype(rng):
    """The docstring's dtype rule (returns float64), checked only on a kernel that works, so
    that a wrong kernel earns nothing here either."""
    works = _edge_property(_edge_images(rng))

    def check(K) -> str | None:
        problem = works(K)
        if problem is not None:
            return f"the dtype is checked only on a working kernel; this one fails: {problem}"
        if type(K) is not np.ndarray:
            return (f"edge_kernel must return a numpy array (np.array(...)), got "
                    f"{type(K).__name__}")
        if K.dtype != np.float64:
            return (f"edge_kernel returns float64 (the docstring's dtype rule), got {K.dtype}: "
                    "write the entries as floats (1.0, not 1) or pass dtype=np.float64")
        return None

    yield Case("the kernel is a float64 np.ndarray of shape (3, 3)", (), check=check)


SOBEL_V = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
register(Exercise(
    name="edge_kernel",
    reference="edge_kernel",
    seed=2017,
    groups=[Group("responds to vertical edges, not to flat regions or horizontal edges", 1,
                  _edge_cases),
            Group("dtype rule: returns float64", 0.25, _edge_dtype)],
    mistakes=[
        Mistake("horizontal_edges", lambda: SOBEL_V.T.copy()),
        Mistake("horizontal_edges", lambda: np.array([[1.0, 1, 1], [0, 0, 0], [-1, -1, -1]])),
        Mistake("not_zero_sum", lambda: np.full((3, 3), 1 / 9)),
        Mistake("not_zero_sum", lambda: np.array([[0.0, 0, 0], [0, 1, 0], [0, 0, 0]])),
    ],
))
