"""The checks library: verdicts, partial credit and the diagnosis of known mistakes."""

from __future__ import annotations

import json
import re
import warnings

import nbformat
import numpy as np
import pytest

import autograder.checks.exercises  # noqa: F401  (registers every exercise)
from autograder.checks.core import REGISTRY, get_exercise, grade, run
from autograder.checks.feedback import MISTAKES, CheckFailure, diagnose, expect, require_implemented
from autograder.course import build
from solutions import corr2d


def flipped(X, K):
    return corr2d(X, np.asarray(K)[::-1, ::-1])


def transposed(X, K):
    return corr2d(X, np.asarray(K).T)


def short_loops(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    H, W = X.shape
    KH, KW = K.shape
    out = np.zeros((H - KH, W - KW))
    for i in range(H - KH):
        for j in range(W - KW):
            out[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return out


def no_validation(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    if X.ndim != 2:
        return np.zeros((1, 1))
    H, W = X.shape
    KH, KW = K.shape
    return np.array([[np.sum(X[i:i + KH, j:j + KW] * K) for j in range(max(W - KW + 1, 1))]
                     for i in range(max(H - KH + 1, 1))])


def stub(X, K):
    raise NotImplementedError()


@pytest.mark.parametrize("wrong, mistake", [
    (flipped, "flipped_kernel"),
    (transposed, "transposed_kernel"),
    (short_loops, "short_output"),
])
def test_planted_corr2d_mistakes_lose_points_and_are_named(wrong, mistake, capsys):
    earned = grade("corr2d", wrong, points=3)
    report = capsys.readouterr().out
    assert earned < 3
    assert MISTAKES[mistake] in report, report
    assert re.search(r'case "[^"]+X \d+x\d+, K \d+x\d+"|case "lecture|case "X = ', report)


def _share(name: str, group_start: str, points: float) -> float:
    """The points of the groups of exercise ``name`` whose names start with ``group_start``."""
    groups = get_exercise(name).groups
    total = sum(g.weight for g in groups)
    return points * sum(g.weight for g in groups if g.name.startswith(group_start)) / total


def test_missing_validation_loses_only_the_bad_input_group(capsys):
    earned = grade("corr2d", no_validation, points=3)
    report = capsys.readouterr().out
    assert earned == pytest.approx(3 - _share("corr2d", "bad input", 3), abs=1e-6)
    assert "[FAIL] bad input raises ValueError" in report
    assert "expected ValueError, but corr2d returned" in report


def test_reference_gets_full_marks_and_stub_gets_zero(capsys):
    assert grade("corr2d", corr2d, points=3) == 3
    assert grade("corr2d", stub, points=3) == 0
    assert "not implemented yet" in capsys.readouterr().out


def test_report_is_deterministic():
    first = run(get_exercise("corr2d"), flipped, 3).text()
    assert run(get_exercise("corr2d"), flipped, 3).text() == first


def test_a_lying_object_gets_no_credit(capsys):
    class Liar:
        shape = (3, 3)
        dtype = np.float64

        def __eq__(self, other):
            return True

        def __array__(self, dtype=None, copy=None):
            return np.array([[0.0]])

    assert grade("corr2d", lambda X, K: Liar(), points=3) == 0
    assert "got:      float64 array of shape (1, 1)" in capsys.readouterr().out


def test_inputs_are_private_copies_and_changing_one_is_named(capsys):
    def mutating(X, K):
        X[...] = 0  # must not corrupt the reference's inputs or later cases
        return corr2d(np.ones_like(X), K) * 0

    assert grade("corr2d", mutating, points=3) == 0
    out = capsys.readouterr().out
    assert "corr2d changed its input `X` in place" in out and "dout.copy()" in out

    def right_but_mutating(X, K):
        out = corr2d(X, K)
        K *= 1  # the kernel is changed in place (its values and dtype stay the same)
        X += 0
        return out

    def clobbers(X, K):
        out = corr2d(X, K)
        X[0, 0] = 99.0
        return out

    assert grade("corr2d", right_but_mutating, points=3) == 3  # values unchanged: not a change
    assert grade("corr2d", clobbers, points=3) == 0
    assert "`X`" in capsys.readouterr().out


def test_diagnose_checks_return_shape_dtype_and_nan():
    want = np.zeros((2, 2))
    assert MISTAKES["no_return"] in diagnose(None, want)
    assert "expected a numeric numpy array, got str" in diagnose("x", want)
    assert "shape (3, 3)" in diagnose(np.zeros((3, 3)), want)
    assert "return float64" in diagnose(np.zeros((2, 2), dtype=np.float32), want)
    assert MISTAKES["nan"] in diagnose(np.full((2, 2), np.nan), want)
    assert diagnose(want + 1e-12, want) is None


def test_expect_names_the_case_and_the_mistake():
    with pytest.raises(CheckFailure, match=r'case "tiny":(.|\n)*flipped'):
        expect(np.array([[13.0, 23.0]]), [[27, 37]], case="tiny",
               mistakes={"flipped_kernel": [[13, 23]]})
    expect(np.array([[27.0, 37.0]]), [[27, 37]], case="tiny")


def test_require_implemented_only_stops_stubs():
    with pytest.raises(NotImplementedError, match="stub is not implemented"):
        def stub():
            raise NotImplementedError

        require_implemented(stub)
    require_implemented(lambda: 1 / 0)  # other errors are left to the hidden checks


def _hidden_cells():
    for src in build.find_sources():
        for cell in nbformat.read(src.path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and cell.cell_type == "code":
                yield src.name, meta, cell.source


def test_every_graded_cell_calls_a_registered_check_with_its_own_points():

    seen = []
    for nb, meta, source in _hidden_cells():
        calls = re.findall(r'grade\("(\w+)", (\w+), points=([\d.]+)\)', source)
        assert len(calls) == 1, f"{nb} {meta['grade_id']}: expected one grade(...) call"
        name, fn, points = calls[0]
        assert name in REGISTRY, f"{nb}: no check registered for {name}"
        assert float(points) == meta["points"], (
            f"{nb} {meta['grade_id']}: grade(points={points}) but the cell is worth {meta['points']}")
        seen.append(name)
    assert seen and len(seen) == len(set(seen))


def test_mistake_catalogue_has_three_variants_per_exercise():

    for name, ex in REGISTRY.items():
        assert len(ex.mistakes) >= 3, f"{name} has fewer than three known mistakes"
        json.dumps([m.key for m in ex.mistakes])


def test_a_warning_from_the_student_does_not_change_the_verdict():
    def noisy(X, K):
        warnings.warn("deprecated thing", UserWarning, stacklevel=1)
        return corr2d(X, K)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert grade("corr2d", noisy, points=3) == 3


# ----------------------------------------------------------------------------- notebook 01's rest

from solutions import (  # noqa: E402
    conv2d_multi,
    conv_params,
    edge_kernel,
    fc_params,
    locally_connected_params,
)


def _loops_multi(x, w, b=None, *, flip=False, bias_axis=1, channels="sum", short=False, cf=False):
    """A student-style loop implementation with one planted mistake switched on."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    if cf:
        w = w.transpose(1, 0, 2, 3)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    Ho, Wo = H - KH + 1 - short, W - KW + 1 - short
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for c in {"first": [0], "last": [C - 1]}.get(channels, range(C)):
                K = w[f, c][::-1, ::-1] if flip else w[f, c]
                for i in range(Ho):
                    for j in range(Wo):
                        out[n, f, i, j] += np.sum(x[n, c, i:i + KH, j:j + KW] * K)
    if channels == "mean":
        out /= C
    if b is not None:
        b = np.asarray(b, dtype=float)
        if bias_axis == 1:
            out += b[None, :, None, None]
        elif bias_axis == 3:
            out += b[None, None, None, :]
        elif bias_axis == 0:
            out += b[:, None, None, None]
    return out


@pytest.mark.parametrize("options, mistake", [
    ({"flip": True}, "flipped_kernel"),
    ({"bias_axis": None}, "missing_bias"),
    ({"bias_axis": 3}, "bias_wrong_axis"),
    ({"bias_axis": 0}, "bias_wrong_axis"),
    ({"channels": "first"}, "channels_not_summed"),
    ({"channels": "last"}, "channels_not_summed"),
    ({"channels": "mean"}, "channels_not_summed"),
    ({"short": True}, "short_output"),
    ({"cf": True}, "weights_cf"),
])
def test_planted_conv2d_multi_mistakes_are_diagnosed(options, mistake, capsys):
    def student(x, w, b=None):
        return _loops_multi(x, w, b, **options)

    earned = grade("conv2d_multi", student, points=4)
    report = capsys.readouterr().out
    assert earned < 4, report
    assert MISTAKES[mistake] in report, report


def test_correct_loop_conv2d_multi_passes_everything_but_validation(capsys):
    assert grade("conv2d_multi", _loops_multi, points=4) == pytest.approx(
        4 - _share("conv2d_multi", "bad input", 4), abs=1e-6)
    assert "[FAIL] bad input raises ValueError" in capsys.readouterr().out


@pytest.mark.parametrize("name, student, mistake", [
    ("conv_params", lambda c_in, c_out, kh, kw, bias=True: c_out * c_in * kh * kw, "params_no_bias"),
    ("conv_params", lambda c_in, c_out, kh, kw, bias=True: c_out * c_in * kh * kw + bias,
     "params_one_bias"),
    ("conv_params", lambda c_in, c_out, kh, kw, bias=True: c_out * (kh * kw + bias), "params_no_c_in"),
    ("fc_params", lambda n_in, n_out, bias=True: n_in * n_out, "params_no_bias"),
    ("fc_params", lambda n_in, n_out, bias=True: (n_out + bias) * n_in, "params_bias_per_input"),
    ("locally_connected_params",
     lambda h, w, c_in, c_out, kh, kw, bias=True: c_out * (c_in * kh * kw + bias), "params_shared"),
    ("locally_connected_params",
     lambda h, w, c_in, c_out, kh, kw, bias=True: h * w * c_out * c_in * kh * kw + c_out * bias,
     "params_bias_per_filter"),
])
def test_planted_parameter_count_mistakes_are_diagnosed(name, student, mistake, capsys):
    earned = grade(name, student, points=1)
    report = capsys.readouterr().out
    assert earned < 1
    assert MISTAKES[mistake] in report, report


def test_reference_counters_and_edge_kernel_get_full_marks():
    assert grade("conv_params", conv_params, points=1) == 1
    assert grade("fc_params", fc_params, points=1) == 1
    assert grade("locally_connected_params", locally_connected_params, points=1) == 1
    assert grade("edge_kernel", edge_kernel, points=2) == 2
    assert grade("conv2d_multi", conv2d_multi, points=4) == 4


@pytest.mark.parametrize("kernel, mistake, words", [
    (np.array([[1.0, 2, 1], [0, 0, 0], [-1, -2, -1]]), "horizontal_edges", "horizontal edge"),
    (np.full((3, 3), 1 / 9), "not_zero_sum", "flat"),
    (np.array([[0.0, 0, 0], [0, 1, 0], [0, 0, 0]]), "not_zero_sum", "flat"),
    (np.array([[1.0, 0, -1], [1, 0, -1], [1, 0, 0]]), None, "flat"),  # almost, but not zero-sum
    (np.array([[1.0, 1, 0], [1, 0, -1], [0, -1, -1]]), None, "horizontal edge"),  # diagonal
    (np.zeros((2, 2)), None, "shape (3, 3)"),
])
def test_edge_kernel_check_explains_what_is_wrong(kernel, mistake, words, capsys):
    assert grade("edge_kernel", lambda: kernel.copy(), points=2) == 0
    report = capsys.readouterr().out
    assert words in report, report
    if mistake:
        assert MISTAKES[mistake] in report, report


def test_other_vertical_edge_detectors_are_accepted():
    for K in (np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]),   # Sobel, other sign
              np.array([[1.0, -1, 0], [1, -1, 0], [1, -1, 0]]),    # a 2-tap difference
              np.array([[0.5, 0, -0.5], [1, 0, -1], [0.5, 0, -0.5]])):
        assert grade("edge_kernel", lambda K=K: K, points=2) == 2


def test_corr2d_that_keeps_the_input_dtype_loses_the_dtype_rule(capsys):
    def keeps_dtype(X, K):
        X, K = np.asarray(X), np.asarray(K)
        if X.ndim != 2 or K.ndim != 2 or K.shape[0] > X.shape[0] or K.shape[1] > X.shape[1]:
            raise ValueError(f"bad shapes X {X.shape}, K {K.shape}")
        return np.einsum("ijab,ab->ij", np.lib.stride_tricks.sliding_window_view(X, K.shape), K)

    earned = grade("corr2d", keeps_dtype, points=3)
    report = capsys.readouterr().out
    # the bad-input points need correct results on valid input, the dtype included
    lost = _share("corr2d", "dtype rule", 3) + _share("corr2d", "bad input", 3)
    assert earned == pytest.approx(3 - lost, abs=1e-6), report
    assert "[FAIL] dtype rule: returns float64" in report
    assert "inputs as int64" in report and "keeps the integer dtype" in report


def test_corr2d_flipped_along_one_axis_is_named(capsys):
    from autograder.checks.exercises.convolution import FLIPPED_ONE_AXIS

    assert grade("corr2d", lambda X, K: corr2d(X, np.asarray(K)[::-1]), points=3) < 3
    assert FLIPPED_ONE_AXIS in capsys.readouterr().out


def test_conv2d_multi_without_checks_is_caught_where_numpy_broadcasts(capsys):
    def unchecked(x, w, b=None):
        x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
        windows = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
        out = np.einsum("nchwij,fcij->nfhw", windows, w)
        return out if b is None else out + np.asarray(b)[None, :, None, None]

    earned = grade("conv2d_multi", unchecked, points=4)
    report = capsys.readouterr().out
    assert earned == pytest.approx(4 - _share("conv2d_multi", "bad input", 4), abs=1e-6), report
    # einsum raises for the channel counts 3 and 2, but broadcasts a channel axis of 1
    assert 'case "w has 1 channel, x has 3' in report


def test_parameter_counters_must_reject_sizes_that_are_not_integers(capsys):
    def only_positive(c_in, c_out, kh, kw, bias=True):
        if min(c_in, c_out, kh, kw) < 1:
            raise ValueError("sizes must be positive")
        return c_out * (c_in * kh * kw + int(bias))

    assert grade("conv_params", only_positive, points=1) == pytest.approx(
        1 - _share("conv_params", "bad input", 1), abs=1e-6)
    assert "size that is not an integer" in capsys.readouterr().out


def test_an_integer_edge_kernel_loses_only_the_dtype_rule(capsys):
    prewitt = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
    assert grade("edge_kernel", lambda: prewitt.copy(), points=2) == pytest.approx(
        2 - _share("edge_kernel", "dtype rule", 2), abs=1e-6)
    assert "returns float64" in capsys.readouterr().out
    assert grade("edge_kernel", lambda: prewitt.astype(float).tolist(), points=2) < 2
    assert "numpy array" in capsys.readouterr().out


# ----------------------------------------------------------------------------- notebook 02

from solutions import conv2d as ref_conv2d  # noqa: E402
from solutions import conv2d_fast, conv_output_size, im2col, pad2d, receptive_field  # noqa: E402


def _pp(padding):
    return (padding, padding) if np.ndim(padding) == 0 else tuple(padding)


@pytest.mark.parametrize("student, mistake", [
    (lambda n, f, stride=1, padding=0, strict=False: (n - f) // stride + 1, "size_no_padding"),
    (lambda n, f, stride=1, padding=0, strict=False: (n - f + 2 * padding) // stride,
     "size_off_by_one"),
    (lambda n, f, stride=1, padding=0, strict=False: (n - f + padding) // stride + 1,
     "size_padding_once"),
    (lambda n, f, stride=1, padding=0, strict=False: n - f + 2 * padding + 1, "stride_ignored"),
])
def test_planted_output_size_mistakes_are_diagnosed(student, mistake, capsys):
    assert grade("conv_output_size", student, points=2) < 2
    assert MISTAKES[mistake] in capsys.readouterr().out


@pytest.mark.parametrize("student, mistake", [
    (lambda x, padding: np.pad(x, _pp(padding)[0]), "pad_all_axes"),
    (lambda x, padding: np.pad(x, ((0, 0), (0, 0), (0, _pp(padding)[0]), (0, _pp(padding)[1]))),
     "pad_one_side"),
    (lambda x, padding: np.pad(x, ((0, 0), (0, 0), (_pp(padding)[1],) * 2, (_pp(padding)[0],) * 2)),
     "pad_swapped"),
])
def test_planted_pad2d_mistakes_are_diagnosed(student, mistake, capsys):
    assert grade("pad2d", student, points=2) < 2
    assert MISTAKES[mistake] in capsys.readouterr().out


def _student_conv(x, w, b=None, stride=1, padding=0, *, mistake=None):
    """A loop convolution written the way students write it, with one planted mistake."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    sh, sw = _pp(stride)
    ph, pw = _pp(padding)
    if mistake == "stride_ignored":
        sh = sw = 1
    if mistake == "pad_one_side":
        xp = np.pad(x, ((0, 0), (0, 0), (ph, 0), (pw, 0)))
    else:
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F_, _, KH, KW = w.shape
    Ho, Wo = (xp.shape[2] - KH) // sh + 1, (xp.shape[3] - KW) // sw + 1
    if mistake == "short_output":
        Ho, Wo = Ho - 1, Wo - 1
    out = np.zeros((x.shape[0], F_, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            win = xp[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
            out[:, :, i, j] = np.einsum("ncab,fcab->nf", win, w)
    return out if b is None else out + np.asarray(b)[None, :, None, None]


@pytest.mark.parametrize("name", ["conv2d", "conv2d_fast"])
@pytest.mark.parametrize("mistake", ["stride_ignored", "pad_one_side", "short_output"])
def test_planted_conv2d_mistakes_are_diagnosed(name, mistake, capsys):
    def student(x, w, b=None, stride=1, padding=0):
        return _student_conv(x, w, b, stride, padding, mistake=mistake)

    assert grade(name, student, points=4) < 4
    assert MISTAKES[mistake] in capsys.readouterr().out


def test_planted_student_conv_without_mistakes_passes(capsys):
    # only the bad-input group fails: the planted student does not validate
    assert grade("conv2d", _student_conv, points=4) >= 3.5


def _im2col_khkwc(x, kh, kw, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=float), ((0, 0), (0, 0), (_pp(padding)[0],) * 2,
                                            (_pp(padding)[1],) * 2))
    sh, sw = _pp(stride)
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    N, C, Ho, Wo = win.shape[:4]
    return np.ascontiguousarray(win.transpose(0, 4, 5, 1, 2, 3)).reshape(N, C * kh * kw, Ho * Wo)


def test_planted_im2col_order_mistake_is_diagnosed(capsys):
    assert grade("im2col", _im2col_khkwc, points=3) < 3
    assert MISTAKES["im2col_order"] in capsys.readouterr().out


def test_planted_conv2d_fast_with_mismatched_im2col_order_is_diagnosed(capsys):
    def student(x, w, b=None, stride=1, padding=0):
        F_, C, KH, KW = np.shape(w)
        cols = _im2col_khkwc(x, KH, KW, stride, padding)
        ph, pw = _pp(padding)
        sh, sw = _pp(stride)
        Ho = (np.shape(x)[2] + 2 * ph - KH) // sh + 1
        Wo = (np.shape(x)[3] + 2 * pw - KW) // sw + 1
        out = np.matmul(np.asarray(w).reshape(F_, -1), cols).reshape(-1, F_, Ho, Wo)
        return out if b is None else out + np.asarray(b)[None, :, None, None]

    assert grade("conv2d_fast", student, points=3) < 3
    assert MISTAKES["conv_fast_weight_order"] in capsys.readouterr().out


@pytest.mark.parametrize("student, mistake", [
    (lambda layers: 1 + sum(k - 1 for k, _ in layers), "rf_strides_ignored"),
    (lambda layers: sum(k for k, _ in layers), "rf_sum_kernels"),
])
def test_planted_receptive_field_mistakes_are_diagnosed(student, mistake, capsys):
    assert grade("receptive_field", student, points=1) < 1
    assert MISTAKES[mistake] in capsys.readouterr().out


@pytest.mark.parametrize("tiles", [
    lambda n, f, stride, padding: n % stride == 0,            # the input, not the span
    lambda n, f, stride, padding: (n - f) % stride == 0,      # the padding forgotten
])
def test_strict_output_size_must_test_the_padded_span(tiles, capsys):
    def student(n, f, stride=1, padding=0, strict=False):
        if min(n, f, stride) < 1 or padding < 0 or f > n + 2 * padding:
            raise ValueError("bad sizes")
        if strict and not tiles(n, f, stride, padding):
            raise ValueError("does not tile")
        return (n - f + 2 * padding) // stride + 1

    assert grade("conv_output_size", student, points=2) < 2
    assert "does not tile" in capsys.readouterr().out


def test_pad2d_with_np_pad_alone_breaks_the_dtype_rule_for_integers(capsys):
    def student(x, padding):
        x = np.asarray(x)
        ph, pw = _pp(padding)
        if x.ndim != 4 or ph < 0 or pw < 0:
            raise ValueError(f"bad x {x.shape} or padding {padding}")
        return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))

    assert grade("pad2d", student, points=2) < 2
    report = capsys.readouterr().out
    assert "[FAIL] dtype rule: keeps float32 and float64" in report
    assert "inputs as int64" in report and "[pass] random batches, (ph, pw) padding" in report


def test_conv2d_fast_in_float64_only_breaks_the_keeps_float32_rule(capsys):
    def student(x, w, b=None, stride=1, padding=0):
        return ref_conv2d(x, w, b, stride=stride, padding=padding)  # always float64

    assert grade("conv2d_fast", student, points=3) < 3
    report = capsys.readouterr().out
    assert "inputs as float32" in report and "float32 input must stay float32" in report


@pytest.mark.parametrize("name", ["conv2d", "conv2d_fast"])
@pytest.mark.parametrize("mistake", ["rows", "swapped", "last_channel"])
def test_near_miss_conv2d_mistakes_are_named(name, mistake, capsys):
    from autograder.checks.exercises.padding import STRIDE_ONE_AXIS, STRIDE_SWAPPED

    def student(x, w, b=None, stride=1, padding=0):
        sh, sw = _pp(stride)
        x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
        if mistake == "rows":
            stride = (sh, 1)
        elif mistake == "swapped":
            stride = (sw, sh)
        else:
            x, w = x[:, -1:], w[:, -1:]
        return _student_conv(x, w, b, stride, padding)

    assert grade(name, student, points=4) < 4
    want = {"rows": STRIDE_ONE_AXIS, "swapped": STRIDE_SWAPPED,
            "last_channel": MISTAKES["channels_not_summed"]}[mistake]
    assert want in capsys.readouterr().out


def test_unchecked_conv2d_is_caught_where_numpy_broadcasts(capsys):
    def student(x, w, b=None, stride=1, padding=0):
        (sh, sw), (ph, pw) = _pp(stride), _pp(padding)
        if np.ndim(x) != 4 or np.ndim(w) != 4 or min(sh, sw) < 1 or min(ph, pw) < 0 or (
                np.shape(w)[2] > np.shape(x)[2] + 2 * ph or np.shape(w)[3] > np.shape(x)[3] + 2 * pw):
            raise ValueError("bad shapes")
        return _student_conv(x, w, b, stride, padding)  # channels and bias left to broadcasting

    assert grade("conv2d", student, points=4) < 4
    assert 'case "w has 1 channel, x has 3' in capsys.readouterr().out


def test_im2col_flattening_windows_column_by_column_is_named(capsys):
    from autograder.checks.exercises.padding import IM2COL_COLUMN_MAJOR

    def student(x, kh, kw, stride=1, padding=0):
        cols = im2col(x, kh, kw, stride, padding)
        N, CKK, L = cols.shape
        return cols.reshape(N, -1, kh, kw, L).transpose(0, 1, 3, 2, 4).reshape(N, CKK, L)

    assert grade("im2col", student, points=3) < 3
    assert IM2COL_COLUMN_MAJOR in capsys.readouterr().out


def test_notebook_02_references_get_full_marks():
    for name, fn, points in (("conv_output_size", conv_output_size, 2), ("pad2d", pad2d, 2),
                             ("conv2d", ref_conv2d, 4), ("receptive_field", receptive_field, 1),
                             ("im2col", im2col, 3), ("conv2d_fast", conv2d_fast, 3)):
        assert grade(name, fn, points=points) == points, name


# ----------------------------------------------------------------------------- notebook 03

from solutions import avg_pool2d, global_avg_pool2d, max_pool2d  # noqa: E402


def _student_pool(x, kernel_size, stride=None, padding=0, *, reduce="max", mistake=None):
    """Pooling with loops, written the way students write it, with one planted mistake.
    float32 stays float32, anything else becomes float64 (the dtype rule)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    kh, kw = _pp(kernel_size)
    sh, sw = _pp(kernel_size if stride is None else stride)
    ph, pw = _pp(padding)
    if mistake == "pool_wh":
        kh, kw, sh, sw, ph, pw = kw, kh, sw, sh, pw, ph
    if mistake == "stride_ignored":
        sh = sw = 1
    fill = -np.inf if reduce == "max" and mistake != "max_pad_zero" else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    Ho, Wo = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    N, C = x.shape[:2]
    out = np.zeros((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            win = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            if mistake == "pool_across_channels":
                value = win.max(axis=(1, 2, 3)) if reduce == "max" else win.mean(axis=(1, 2, 3))
                out[:, :, i, j] = value[:, None]
            elif reduce == "max":
                out[:, :, i, j] = win.max(axis=(2, 3))
            elif mistake == "avg_wrong_count":
                out[:, :, i, j] = win.sum(axis=(2, 3)) / (kh + kw)
            else:
                out[:, :, i, j] = win.mean(axis=(2, 3))
    return out


@pytest.mark.parametrize("reduce", ["max", "avg"])
@pytest.mark.parametrize("mistake", ["pool_across_channels", "stride_ignored", "pool_wh"])
def test_planted_pooling_mistakes_are_diagnosed(reduce, mistake, capsys):
    def student(x, kernel_size, stride=None, padding=0):
        return _student_pool(x, kernel_size, stride, padding, reduce=reduce, mistake=mistake)

    name = f"{reduce}_pool2d"
    assert grade(name, student, points=4) < 4
    assert MISTAKES[mistake] in capsys.readouterr().out


def test_planted_average_with_wrong_count_is_diagnosed(capsys):
    def student(x, kernel_size, stride=None, padding=0):
        return _student_pool(x, kernel_size, stride, padding, reduce="avg", mistake="avg_wrong_count")

    assert grade("avg_pool2d", student, points=3) < 3
    assert MISTAKES["avg_wrong_count"] in capsys.readouterr().out


def test_planted_max_pool_padding_with_zeros_is_diagnosed(capsys):
    def student(x, kernel_size, stride=None, padding=0):
        return _student_pool(x, kernel_size, stride, padding, mistake="max_pad_zero")

    assert grade("max_pool2d", student, points=4) < 4
    assert MISTAKES["max_pad_zero"] in capsys.readouterr().out


def test_planted_student_pooling_without_mistakes_loses_only_validation():
    assert grade("max_pool2d", _student_pool, points=4) >= 3.5


@pytest.mark.parametrize("student, mistake", [
    (lambda x: np.asarray(x).mean(axis=(2, 3), keepdims=True), "gap_keepdims"),
    (lambda x: np.asarray(x).mean(axis=(1, 2, 3)), "gap_all_axes"),
])
def test_planted_global_pool_mistakes_are_diagnosed(student, mistake, capsys):
    assert grade("global_avg_pool2d", student, points=1) < 1
    assert MISTAKES[mistake] in capsys.readouterr().out


def test_average_pooling_divided_by_kh_squared_is_named(capsys):
    def student(x, kernel_size, stride=None, padding=0):
        kh, kw = _pp(kernel_size)
        return avg_pool2d(x, kernel_size, stride, padding) * kw / kh  # sum / (kh * kh)

    assert grade("avg_pool2d", student, points=3) < 3
    assert MISTAKES["avg_wrong_count"] in capsys.readouterr().out


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
def test_pooling_stride_on_rows_only_is_named(name, capsys):
    from autograder.checks.exercises.common import STRIDE_ONE_AXIS

    def student(x, kernel_size, stride=None, padding=0):
        sh = _pp(kernel_size if stride is None else stride)[0]
        return _student_pool(x, kernel_size, (sh, 1), padding, reduce=name[:3])

    assert grade(name, student, points=4) < 4
    assert STRIDE_ONE_AXIS in capsys.readouterr().out


def test_pooling_in_float64_only_breaks_the_keeps_float32_rule(capsys):
    def student(x, kernel_size, stride=None, padding=0):
        return max_pool2d(np.asarray(x, dtype=np.float64), kernel_size, stride, padding)

    assert grade("max_pool2d", student, points=4) < 4
    report = capsys.readouterr().out
    assert "inputs as float32" in report and "float32 input must stay float32" in report


def test_global_pooling_must_reject_five_axes(capsys):
    def student(x):
        x = np.asarray(x, dtype=float)
        if x.ndim < 4:
            raise ValueError(f"x must be (N, C, H, W), got {x.shape}")
        return x.mean(axis=(2, 3))

    assert grade("global_avg_pool2d", student, points=1) < 1
    assert 'case "x is 5-D' in capsys.readouterr().out


def test_notebook_03_references_get_full_marks():
    assert grade("max_pool2d", max_pool2d, points=4) == 4
    assert grade("avg_pool2d", avg_pool2d, points=3) == 3
    assert grade("global_avg_pool2d", global_avg_pool2d, points=1) == 1


# ----------------------------------------------------------------------------- notebook 04
# Student-style implementations with one planted mistake each, written independently of the
# catalogue's variants.

from solutions import (  # noqa: E402
    avg_pool2d_backward,
    conv2d_backward,
    cross_entropy,
    linear_backward,
    max_pool2d_backward,
    softmax,
)

NB04 = ["relu", "flatten", "linear", "softmax", "cross_entropy", "topk_error",
        "numerical_gradient", "relu_backward", "linear_backward",
        "softmax_cross_entropy_backward", "max_pool2d_backward", "avg_pool2d_backward",
        "conv2d_backward"]


def test_notebook_04_references_get_full_marks():
    import solutions

    for name in NB04:
        assert grade(name, getattr(solutions, name), points=2) == 2, name


# every registered exercise: one added in a later notebook is checked here without a list to edit
ALL_EXERCISES = sorted(REGISTRY)


@pytest.mark.parametrize("name", ALL_EXERCISES)
def test_every_catalogue_mistake_loses_points_and_is_named(name):
    ex = get_exercise(name)
    for mistake in ex.mistakes:
        with np.errstate(all="ignore"):
            report = run(ex, mistake.variant, 1.0)
        assert report.points < 1, f"{name}: {mistake.key} got full marks"
        if mistake.partial:  # raises on some cases, as a student's code would: a crash there
            continue
        # a key of MISTAKES, or a plain-words description used as it is
        assert MISTAKES.get(mistake.key, mistake.key) in report.text(), report.text()


KEEPS_FLOAT = "keeps float32 and float64, and returns float64 for integer input"
# results that are not float arrays: the docstring names their type instead
RETURN_TYPES = {"conv_params": "int", "fc_params": "int", "locally_connected_params": "int",
                "conv_output_size": "int", "receptive_field": "int",
                "cross_entropy": "a Python float", "topk_error": "a Python float",
                "layer_output_shape": "a tuple of ints", "layer_table": "a list of one tuple",
                "alexnet": "an nn.Module"}
RETURN_TYPES |= {"stack_vs_single": "a tuple of three ints", "make_features": "an nn.Sequential",
                 "vgg": "an nn.Module", "activation_memory": "an int64 np.ndarray"}  # notebook 06
RETURN_TYPES |= {"inception_cost": "a tuple of three ints", "Inception": "an nn.Module",
                 "GoogLeNet": "an nn.Module"}   # notebook 07
RETURN_TYPES |= {"BasicBlock": "an nn.Module", "Bottleneck": "an nn.Module",
                 "resnet": "an nn.Module"}   # notebook 08
RETURN_TYPES |= {"densenet_channels": "a tuple of ints", "DenseLayer": "an nn.Module",
                 "DenseBlock": "an nn.Module", "Transition": "an nn.Module",
                 "densenet": "an nn.Module", "concat_memory": "int"}   # notebook 09
RETURN_TYPES |= {"count_macs": "int"}   # notebook 10


@pytest.mark.parametrize("name", ALL_EXERCISES)
def test_the_docstring_states_the_dtype_rule_that_is_checked(name):
    import solutions

    ex = get_exercise(name)
    # the graded function's own docstring (layer_table is graded through layer_table_numbers)
    doc = " ".join(getattr(solutions, name, ex.reference_fn()).__doc__.split())
    keeps = KEEPS_FLOAT in doc
    plain = "returns float64" in doc.replace(KEEPS_FLOAT, "")
    if name in RETURN_TYPES:
        assert ex.dtype_rule is None and not keeps and not plain
        assert re.search(r"Returns \w+: " + RETURN_TYPES[name], doc), doc
        return
    rule = ex.dtype_rule or ("float64" if name == "edge_kernel" else None)  # its own check
    assert rule in ("float64", "keeps_float"), f"{name} returns a float array but has no rule"
    assert (keeps, plain) == ((True, False) if rule == "keeps_float" else (False, True)), doc
    assert "np.ndarray" in doc, f"{name}: the docstring must say it returns a numpy array"


def _softmax_overflowing(scores, axis=-1):
    e = np.exp(np.asarray(scores, dtype=float))
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_rows_always(scores, axis=-1):
    s = np.asarray(scores, dtype=float)
    e = np.exp(s - s.max(axis=0, keepdims=True))  # the max and sum over axis 0, whatever `axis`
    return e / e.sum(axis=0, keepdims=True)


def _ce_summed(scores, y):
    s = np.asarray(scores, dtype=float)
    if np.any(np.asarray(y) >= s.shape[1]) or np.any(np.asarray(y) < 0) or len(y) != len(s):
        raise ValueError("bad labels")
    total = 0.0
    for n in range(len(y)):
        row = s[n] - s[n].max()
        total -= row[y[n]] - np.log(np.sum(np.exp(row)))
    return total


@pytest.mark.parametrize("name, student, mistake", [
    ("softmax", _softmax_overflowing, "softmax_overflow"),
    ("softmax", _softmax_rows_always, "softmax_wrong_axis"),
    ("cross_entropy", _ce_summed, "ce_sum"),
])
def test_planted_head_mistakes_are_diagnosed(name, student, mistake, capsys):
    with np.errstate(all="ignore"):
        assert grade(name, student, points=2) < 2
    assert MISTAKES[mistake] in capsys.readouterr().out


def _student_max_pool_backward(dout, x, kernel_size, stride=None, padding=0, *, overwrite=False,
                               check_nc=True):
    """Loops, argmax per window; ``overwrite`` writes with = instead of +=; ``check_nc=False``
    checks only dout's spatial size, not its batch and channel axes."""
    kh, kw = _pp(kernel_size)
    sh, sw = _pp(kernel_size if stride is None else stride)
    ph, pw = _pp(padding)
    x, dout = np.asarray(x, dtype=float), np.asarray(dout, dtype=float)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    dxp = np.zeros_like(xp)
    N, C, Ho, Wo = dout.shape
    if (Ho, Wo) != ((xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1) or (
            check_nc and (N, C) != x.shape[:2]) or ph > kh // 2 or pw > kw // 2:
        raise ValueError("dout shape")
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    win = xp[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    a, b = divmod(int(np.argmax(win)), kw)
                    if overwrite:
                        dxp[n, c, i * sh + a, j * sw + b] = dout[n, c, i, j]
                    else:
                        dxp[n, c, i * sh + a, j * sw + b] += dout[n, c, i, j]
    return dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]


def test_planted_pool_backward_that_overwrites_is_diagnosed(capsys):
    def student(dout, x, kernel_size, stride=None, padding=0):
        return _student_max_pool_backward(dout, x, kernel_size, stride, padding, overwrite=True)

    assert grade("max_pool2d_backward", student, points=3) < 3
    out = capsys.readouterr().out
    assert MISTAKES["pool_grad_overwrite"] in out
    assert "[pass] random non-overlapping windows" in out, "without overlap, = and += agree"


def test_planted_student_pool_backward_without_mistakes_gets_full_marks():
    assert grade("max_pool2d_backward", _student_max_pool_backward, points=3) == 3


def test_pool_backward_must_check_dout_where_it_would_broadcast(capsys):
    def student(dout, x, kernel_size, stride=None, padding=0):
        return _student_max_pool_backward(dout, x, kernel_size, stride, padding, check_nc=False)

    assert grade("max_pool2d_backward", student, points=3) == pytest.approx(
        3 - _share("max_pool2d_backward", "bad input", 3), abs=1e-6)
    assert 'case "dout 1x1x2x2 for x with 2 channels' in capsys.readouterr().out


def _student_conv_backward(dout, x, w, stride=1, padding=0, *, mistake=None):
    """Loops over output positions, written the way students write it."""
    sh, sw = _pp(stride)
    ph, pw = _pp(padding)
    x, w, dout = (np.asarray(a, dtype=float) for a in (x, w, dout))
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    Ho, Wo = (H + 2 * ph - KH) // sh + 1, (W + 2 * pw - KW) // sw + 1
    if dout.shape != (N, F, Ho, Wo) or w.shape[1] != C:
        raise ValueError("shapes")
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    rows, cols = slice(i * sh, i * sh + KH), slice(j * sw, j * sw + KW)
                    dw[f] += dout[n, f, i, j] * xp[n, :, rows, cols]
                    kernel = w[f][:, ::-1, ::-1] if mistake == "dx_flipped" else w[f]
                    dxp[n, :, rows, cols] += dout[n, f, i, j] * kernel
    db = dout.sum(axis=(0, 2, 3))
    if mistake == "db_not_summed":
        db = dout.sum(axis=0)  # summed over the batch only: (F, H', W')
    dx = dxp[:, :, ph:ph + H, pw:pw + W]
    if mistake == "conv_dx_pad_crop":
        dx = dxp[:, :, :H, :W]
    return dx, dw, db


@pytest.mark.parametrize("mistake, key", [("db_not_summed", "db_batch_only"),
                                          ("conv_dx_pad_crop", "conv_dx_pad_crop"),
                                          ("dx_flipped", "CONV_DX_UNFLIPPED")])
def test_planted_conv_backward_mistakes_are_diagnosed(mistake, key, capsys):
    from autograder.checks.exercises import classification_head

    def student(dout, x, w, stride=1, padding=0):
        return _student_conv_backward(dout, x, w, stride, padding, mistake=mistake)

    assert grade("conv2d_backward", student, points=4) < 4
    out = capsys.readouterr().out
    assert MISTAKES.get(key, getattr(classification_head, key, key)) in out
    assert (", db:" in out) == (mistake == "db_not_summed"), "the report names the failing part"


def test_planted_student_conv_backward_without_mistakes_gets_full_marks():
    assert grade("conv2d_backward", _student_conv_backward, points=4) == 4


def test_topk_error_by_argsort_loses_the_ties_group_and_is_named(capsys):
    from autograder.checks.exercises.classification_head import TOPK_TIES_BY_ORDER

    def student(scores, y, k=5):
        scores, y = np.asarray(scores, dtype=float), np.asarray(y)
        if scores.ndim != 2 or y.shape != (len(scores),) or y.dtype.kind not in "iu" or (
                y.size and (y.min() < 0 or y.max() >= scores.shape[1])) or not (
                1 <= k <= scores.shape[1]):
            raise ValueError("bad input")
        best = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return float(1 - (best == y[:, None]).any(axis=1).mean())

    assert grade("topk_error", student, points=2) < 2
    out = capsys.readouterr().out
    assert "[pass] random scores and k" in out and "[FAIL] ties" in out
    assert TOPK_TIES_BY_ORDER in out


def _linear_without_bias_check(x, w, b):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    if x.ndim != 2 or w.ndim != 2 or x.shape[1] != w.shape[0]:
        raise ValueError(f"x {x.shape} does not fit w {w.shape}")
    return x @ w + b


def _relu_backward_without_check(dout, x):
    return np.asarray(dout, dtype=float) * (np.asarray(x) > 0)


@pytest.mark.parametrize("name, student, case", [
    ("linear", _linear_without_bias_check, "b (1,) for w 3x5"),
    ("relu_backward", _relu_backward_without_check, "dout (1, 4) and x (3, 4)"),
])
def test_missing_shape_checks_are_caught_where_numpy_broadcasts(name, student, case, capsys):
    assert grade(name, student, points=2) == pytest.approx(
        2 - _share(name, "bad input", 2), abs=1e-6)
    assert f'case "{case}' in capsys.readouterr().out


def test_softmax_ce_backward_must_reject_one_label_for_a_batch(capsys):
    def student(scores, y):
        s, y = np.asarray(scores, dtype=float), np.asarray(y)
        if s.ndim != 2 or y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= s.shape[1] or (
                len(y) > len(s)):
            raise ValueError("bad labels")
        p = softmax(s, axis=1)
        p[np.arange(len(s)), y] -= 1.0
        return p / len(s)

    assert grade("softmax_cross_entropy_backward", student, points=2) < 2
    assert 'case "1 label for 2 rows' in capsys.readouterr().out


def test_average_pool_backward_divided_by_kh_squared_is_named(capsys):
    def student(dout, x, kernel_size, stride=None, padding=0):
        kh, kw = _pp(kernel_size)
        return avg_pool2d_backward(dout, x, kernel_size, stride, padding) * kw / kh

    assert grade("avg_pool2d_backward", student, points=2) < 2
    assert MISTAKES["avg_wrong_count"] in capsys.readouterr().out


def test_a_layer_that_keeps_float32_breaks_the_float64_rule(capsys):
    assert grade("relu", lambda x: np.maximum(x, 0.0), points=1) < 1
    out = capsys.readouterr().out
    assert "[FAIL] dtype rule: returns float64" in out and "float32" in out


def test_linear_backward_db_not_summed_is_diagnosed(capsys):
    def student(dout, x, w):
        dx, dw, _ = linear_backward(dout, x, w)
        return dx, dw, np.asarray(dout, dtype=float)

    assert grade("linear_backward", student, points=2) < 2
    assert MISTAKES["db_not_summed"] in capsys.readouterr().out


def test_a_backward_pass_returning_the_wrong_kind_of_result_is_named(capsys):
    # the bad-input group is not paid either: its points need correct values
    assert grade("conv2d_backward", lambda dout, x, w, stride=1, padding=0:
                 conv2d_backward(dout, x, w, stride, padding)[:2], points=4) == 0
    assert "expected a tuple (dx, dw, db), got tuple of length 2" in capsys.readouterr().out


def test_notebook_04_helpers_used_in_tests_are_the_references():
    # keeps the imports above honest: they are the functions graded as full marks
    assert grade("softmax", softmax, points=1) == 1
    assert grade("cross_entropy", cross_entropy, points=1) == 1
    assert grade("avg_pool2d_backward", avg_pool2d_backward, points=1) == 1
    assert grade("max_pool2d_backward", max_pool2d_backward, points=1) == 1


@pytest.mark.parametrize("name", ["conv_params", "fc_params", "locally_connected_params"])
def test_counts_accept_numpy_integers_and_name_a_float(name):
    reference = get_exercise(name).reference_fn()

    def numpy_int(*args, **kwargs):  # np.prod's result: accepted, as the docstring says
        return np.int64(reference(*args, **kwargs))

    def zero_d(*args, **kwargs):  # how an int comes back from the sandbox
        return np.asarray(reference(*args, **kwargs))

    def as_float(*args, **kwargs):
        return float(reference(*args, **kwargs))

    for ok in (numpy_int, zero_d):
        report = run(get_exercise(name), ok, 1.0)
        assert report.points == pytest.approx(1.0), report.text()
    report = run(get_exercise(name), as_float, 1.0)
    assert report.points <= 0.2, report.text()  # only bad input can still pass
    assert MISTAKES["count_not_int"] in report.text()
