"""Feedback that names the mistake. Student-safe: this module never imports ``solutions``.

Visible tests in the student notebooks call :func:`expect` with small fixed cases whose expected
values are written out in the notebook. Hidden checks (:mod:`autograder.checks`) use
:func:`diagnose` with expected values computed by the reference package. Both produce the same
kind of message::

    corr2d, case "X = arange(9).reshape(3, 3), K = [[1, 2], [3, 4]]":
      expected: float64 array of shape (2, 2)
      got:      float64 array of shape (2, 2)
      max abs error: 14
      likely mistake: the kernel is flipped (true convolution). Deep-learning layers use K as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

# The catalogue of plain-words explanations; hidden checks and visible tests share these.
MISTAKES: dict[str, str] = {
    "input_modified": "an input array was changed in place. `dx = dout` makes dx the same "
    "array as dout (so `dx[...] = 0` writes into dout), and `x -= m`, `x[x < 0] = 0` or "
    "np.add.at(x, ...) write into x; copy first (dout.copy()) or build a new array "
    "(np.where, np.maximum, x - m).",
    "count_not_int": "a count is a whole number: return an int (a Python int or a numpy "
    "integer), not a float. Use // instead of /, or int(...) around a product of ints.",
    "list_returned": "return a numpy array (np.array(...)), not a Python list or tuple: the "
    "docstring specifies an array.",
    "flipped_kernel": "the kernel is flipped (that is true convolution). Deep-learning "
    "'convolution' is cross-correlation: use K[a, b] as it is, not K[KH-1-a, KW-1-b].",
    "transposed_kernel": "the kernel's rows and columns are swapped: K[a, b] multiplies "
    "X[i + a, j + b], with a running down the rows.",
    "short_output": "the output is one row and one column short: there are H - KH + 1 valid "
    "positions, so the loops must run over range(H - KH + 1).",
    "missing_bias": "the bias is missing: add b[f] to every value of feature map f.",
    "bias_wrong_axis": "the bias is added along the wrong axis: it belongs to the filter axis, "
    "out + b[None, :, None, None] for out of shape (N, C_out, H', W').",
    "channels_not_summed": "the input channels are not summed: out[n, f] adds up "
    "corr2d(x[n, c], w[f, c]) over every channel c (a plain sum, not a mean or one channel).",
    "weights_cf": "the weights are read as (C_in, C_out, KH, KW); their layout is (C_out, C_in, KH, KW): "
    "w[f, c] is filter f's kernel for input channel c.",
    "params_no_bias": "the biases are not counted: with bias=True every filter (output unit) "
    "has one bias.",
    "params_one_bias": "only one bias is counted for the whole layer: there is one per filter "
    "(output unit).",
    "params_no_c_in": "the input channels are missing: a filter spans all c_in input channels, "
    "so it has c_in * kh * kw weights.",
    "params_bias_per_input": "a bias is counted per input; there is one per output unit.",
    "params_shared": "this counts a convolution: a locally connected layer shares no weights, "
    "so every one of the h_out * w_out positions has its own filters.",
    "params_bias_per_filter": "the biases are shared across positions; in a locally connected "
    "layer every position of every output map has its own bias.",
    "horizontal_edges": "this kernel detects horizontal edges (intensity changing from top to "
    "bottom); a vertical-edge detector changes from left to right: transpose it.",
    "not_zero_sum": "the entries do not sum to 0, so a flat region gives a non-zero response "
    "(a blur or an identity kernel does this).",
    "size_no_padding": "the padding is left out of the output size: it is "
    "(n - f + 2P) // S + 1, with P zeros on each side.",
    "size_padding_once": "the padding is counted once; there are P zeros on each side, so 2P.",
    "size_off_by_one": "the output size is off by one: (n - f + 2P) // S counts the steps "
    "between windows; the number of windows is one more.",
    "stride_ignored": "the stride is ignored: the window moves S pixels at a time, so "
    "out[i, j] starts at row i * S and column j * S.",
    "pad_all_axes": "the padding is applied to the N and C axes as well; pad only H and W: "
    "np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))).",
    "pad_one_side": "the padding is on one side only; P zeros go on both sides (top and bottom, "
    "left and right).",
    "pad_swapped": "the (ph, pw) tuple is read as (pw, ph): ph pads the rows (H), pw the columns "
    "(W).",
    "rf_strides_ignored": "the strides are ignored: after a stride-s layer, each step of the next "
    "layer's kernel covers s input pixels, so layer l adds (k_l - 1) times the product of the "
    "strides below it.",
    "rf_own_stride": "each layer's own stride is applied to its kernel; only the strides of the "
    "layers below it count.",
    "rf_sum_kernels": "the kernel sizes are added; each layer adds k - 1, not k (one layer of "
    "size k sees k pixels: 1 + (k - 1)).",
    "im2col_order": "the rows of the columns matrix are ordered (kh, kw, C); they must follow the "
    "weight layout (C, kh, kw), so that w.reshape(C_out, -1) @ cols is the convolution.",
    "conv_fast_weight_order": "the flattened weights and the columns' rows are in different "
    "orders: im2col's rows run (C, kh, kw), the order of w.reshape(C_out, -1); one of the two "
    "(the weights, or your columns) is in (kh, kw, C) order.",
    "im2col_transposed": "the columns matrix is transposed: it is (N, C*kh*kw, H'*W'), one column "
    "per output position.",
    "pool_across_channels": "the pooling mixes channels; each channel is pooled on its own, "
    "so the output keeps all C channels (D2 = D1).",
    "pool_wh": "kernel_size (or stride, padding) is read as (width, height); a pair is "
    "(rows, columns) = (kh, kw), as in PyTorch.",
    "max_pad_zero": "max pooling pads with zeros; it must pad with -inf, so that a padded cell is "
    "never the maximum (np.pad(..., constant_values=-np.inf)).",
    "avg_exclude_pad": "the padded zeros are left out of the count; like PyTorch's default "
    "(count_include_pad=True), divide every window by kh * kw.",
    "avg_wrong_count": "the mean divides by the wrong count: a kh x kw window holds kh * kw values.",
    "gap_keepdims": "the output keeps the spatial axes, (N, C, 1, 1); global average pooling "
    "returns (N, C).",
    "gap_all_axes": "the channels are averaged too; average over H and W only, one number per "
    "channel.",
    "gap_wrong_axes": "the mean is over the wrong axes; in NCHW the spatial axes are 2 and 3.",
    "relu_abs": "this is |x|; relu keeps positive values and replaces negative ones by 0: "
    "np.maximum(x, 0).",
    "relu_min": "this keeps the negative values; relu keeps the positive ones: np.maximum(x, 0), "
    "not np.minimum.",
    "relu_leaky": "negative values are scaled, not zeroed (a leaky ReLU); relu(x) = max(x, 0) "
    "is exactly 0 for x < 0.",
    "flatten_batch": "the batch axis is flattened too; keep it: x.reshape(N, -1) gives (N, D).",
    "flatten_nhwc": "the values are in channels-last order; flatten each (C, H, W) example as it "
    "is (C order, channel by channel): x.reshape(N, -1), without moving axes.",
    "flatten_transposed": "the result is (D, N); one row per example is (N, D): x.reshape(N, -1).",
    "linear_no_bias": "the bias is missing: scores = x @ w + b.",
    "linear_transposed": "the result is transposed: (N, D) @ (D, M) gives (N, M), one row per "
    "example.",
    "linear_w_transposed": "w is used transposed; its layout is (D, M), so scores = x @ w + b.",
    "softmax_overflow": "the softmax overflows: exp of a large logit is inf, and inf / inf is nan. "
    "Subtract the maximum along the axis first: exp(s - s.max(axis, keepdims=True)).",
    "softmax_wrong_axis": "the softmax is taken over the wrong axis; normalise along `axis` (for "
    "scores (N, K) and axis=-1, every row sums to 1).",
    "softmax_axis_ignored": "the `axis` argument is ignored; use it in both the max and the sum "
    "(keepdims=True).",
    "softmax_global": "the whole array is normalised at once; each slice along `axis` must sum "
    "to 1: sum with axis=axis, keepdims=True.",
    "ce_sum": "the loss is summed over the batch; cross-entropy is the mean over the N examples, "
    "so divide by N.",
    "ce_underflow": "the loss is np.log(softmax(...)): a tiny probability underflows to 0 and "
    "its log is -inf. Compute log-softmax directly: (s - max) - log(sum(exp(s - max))).",
    "ce_no_log_softmax": "the loss uses the raw scores of the true classes; it needs their "
    "log-probabilities: log-softmax of each row, then pick the true class.",
    "ce_sign": "the sign is wrong: the loss is the NEGATIVE mean log-likelihood, so it is >= 0.",
    "topk_accuracy": "this is the top-k accuracy; the error is 1 - accuracy.",
    "topk_lowest": "the k lowest scores are taken; the top k are the highest: "
    "np.argsort(-scores, axis=1)[:, :k].",
    "topk_top1": "k is ignored (this is the top-1 error): the true class may be anywhere among "
    "the k best.",
    "topk_off_by_one": "one class too few is kept: [:, :k] keeps exactly k classes.",
    "numgrad_forward": "this is a one-sided difference (f(x + h) - f(x)) / h, with error O(h); "
    "the centered difference (f(x + h) - f(x - h)) / (2h) is accurate to O(h^2).",
    "numgrad_no_half": "the centered difference is divided by h; the two points are 2h apart, so "
    "divide by 2h.",
    "numgrad_not_restored": "the perturbed entry is not put back after its two evaluations, so "
    "every later entry is evaluated at a shifted x: restore x[i] = old.",
    "relu_grad_at_zero": "the gradient passes where x == 0; relu's gradient at 0 is taken as 0 "
    "(as in PyTorch): use x > 0, not x >= 0.",
    "relu_grad_mask_only": "the mask (x > 0) is returned without dout; the chain rule multiplies "
    "it with the upstream gradient: dout * (x > 0).",
    "relu_grad_from_dout": "the mask is taken from dout; it comes from the forward input: "
    "dout * (x > 0).",
    "relu_grad_x": "dout is multiplied by relu(x); the local gradient is 1 where x > 0 and 0 "
    "elsewhere: dout * (x > 0).",
    "db_not_summed": "db is not summed: the bias is added to every example (and, in a "
    "convolution, at every position), so its gradient sums dout over all of them; db has the "
    "shape of b.",
    "db_batch_only": "db is summed over the batch only; a convolution adds its bias at every "
    "position too: db = dout.sum(axis=(0, 2, 3)).",
    "db_mean": "db averages dout; the bias's gradient is the sum over everything it was added to "
    "(the 1/N of a mean loss is already in dout).",
    "dw_transposed": "dw is transposed; it has w's shape (D, M): dw = x.T @ dout.",
    "linear_dx_wrong": "dx is not dout @ w.T; match the shapes: (N, M) @ (M, D) gives (N, D).",
    "sce_grad_not_mean": "the gradient is not divided by N; the loss is a mean over the batch: "
    "(softmax(scores) - onehot(y)) / N.",
    "sce_grad_sign": "the sign is flipped: the gradient is softmax - onehot (the true class's "
    "entry is negative), not onehot - softmax.",
    "sce_grad_no_onehot": "1 is not subtracted at the true class: the gradient is "
    "(softmax(scores) - onehot(y)) / N.",
    "pool_grad_overwrite": "the gradients of overlapping windows are overwritten instead of "
    "accumulated: where an input belongs to several windows, add their gradients (+= or "
    "np.add.at, not = or fancy-index assignment).",
    "pool_grad_all_ties": "every tied maximum gets the gradient; like PyTorch, give it to the "
    "first maximum of the window only (argmax), so the gradient is not duplicated.",
    "pool_grad_spread": "dout goes to every input of the window; max pooling sends it only to "
    "the window's maximum.",
    "avg_grad_no_divide": "dout is not divided by the window size: each of the kh * kw inputs "
    "gets dout / (kh * kw).",
    "conv_dx_pad_crop": "dx is cut from the top-left corner of the padded gradient; the padding "
    "is on both sides, so x sits in the middle: dxpad[:, :, ph:ph + H, pw:pw + W].",
    "conv_dx_pad_kept": "dx still has the padding; drop it: dxpad[:, :, ph:ph + H, pw:pw + W] "
    "has x's shape.",
    "conv_dw_flipped": "dw is flipped; the forward pass is cross-correlation, so dw[f, c, a, b] "
    "pairs dout with xpad at offset (a, b), unflipped.",
    "flatten_fortran": "the values are taken in Fortran (column-major) order (order='F'), which mixes "
    "the values of different examples into one row; reshape in C order, the default: "
    "x.reshape(N, -1).",
    "linear_bias_column": "the bias is added as a column (b[:, None]), so it broadcasts over the batch "
    "axis; b has one entry per output unit and is added to every row: x @ w + b.",
    "softmax_global_max": "the maximum subtracted is the global one (s.max()), not each slice's along "
    "`axis`: a row far below the global maximum underflows to 0 / 0 = nan. Subtract "
    "s.max(axis=axis, keepdims=True).",
    "ce_no_max_shift": "log-sum-exp is computed without subtracting the row maximum first: exp of a "
    "large logit overflows to inf. Subtract each row's max before np.exp: log-softmax"
    " = (s - m) - log(sum(exp(s - m))).",
    "topk_count": "the result is the number of wrong examples, not their fraction: divide the count"
    " by N (or take np.mean of the wrong/right flags).",
    "topk_k_plus_one": "one class too many is kept (k + 1): an example is right when fewer than k scores"
    " are strictly larger than its true class's score (larger < k, not larger <= k).",
    "sce_grad_by_classes": "the gradient is divided by the number of classes K; the loss is a mean over the "
    "N examples, so divide by N = len(y).",
    "sce_onehot_columns": "1 is subtracted in the columns y of every row (p[:, y] -= 1); subtract it once "
    "per row, at that row's true class: p[np.arange(N), y] -= 1.",
    "pool_grad_last_tie": "among tied maxima the gradient goes to the last one; the course, like PyTorch, "
    "sends it to the first maximum in row-major order (np.argmax returns the first).",
    "conv_dw_one_image": "dw holds only one image's contribution (dw[...] = inside the loop over the "
    "batch, instead of +=): dw sums the gradient over every image of the batch.",
    "nan": "the result contains nan or inf where the expected result is finite.",
    "no_return": "the function returned None: did you forget the `return` statement?",
}


class CheckFailure(AssertionError):
    """A check failed; the message names the case, what was expected, and the likely mistake.

    In IPython it renders as that message under one line naming the exercise, with no
    traceback through the course's modules (IPython's ``_render_traceback_`` hook); it is still
    an error, so Run All stops at the cell and nbgrader counts the cell as failed.
    """

    exercise = ""  # set when the failure is about a named exercise (see require_implemented)

    def _render_traceback_(self) -> list[str]:
        from autograder.checks import notebook

        return notebook.render_failure(self)


def describe(value: Any) -> str:
    """``float64 array of shape (3, 3)``, or the type for things that are not arrays."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return f"{value.dtype} scalar {value.item()!r}"
        return f"{value.dtype} array of shape {value.shape}"
    if isinstance(value, np.generic):
        return f"numpy {value.dtype} scalar"
    return type(value).__name__


def as_plain_array(value: Any) -> np.ndarray | None:
    """The value as a plain numeric ndarray, or None if it is not one."""
    if value is None:
        return None
    if type(value) is np.ndarray:
        arr = value
    elif isinstance(value, list | tuple | int | float | np.generic):
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError):
            return None
    else:
        # Objects that merely look like arrays (subclasses, tensors, proxies) are converted
        # through a copy of their data, so their own __eq__ or shape never decides a verdict.
        try:
            arr = np.array(value, copy=True)
        except Exception:
            return None
        if arr.dtype == object:
            return None
    if arr.dtype.kind not in "biuf":
        return None
    return arr


def diagnose(
    got: Any,
    want: np.ndarray,
    *,
    atol: float = 1e-8,
    mistakes: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
) -> str | None:
    """Return None if ``got`` matches ``want``; otherwise a message saying what differs and why.

    ``mistakes`` maps a description (or a key of :data:`MISTAKES`) to the output a known wrong
    variant produces on the same case (a mapping, or (key, output) pairs when several variants
    share a key). If ``got`` matches one, the message names that mistake.
    Checks run in order: returned something, is a numeric array, shape, dtype, values.
    """
    want = np.asarray(want)
    if got is None:
        return _msg(want, None, "", MISTAKES["no_return"])
    arr = as_plain_array(got)
    if arr is None:
        return _msg(want, got, "", f"expected a numeric numpy array, got {describe(got)}.")
    likely = _match_mistake(arr, mistakes or {}, atol)
    if arr.shape != want.shape:
        return _msg(want, arr, "", likely or shape_relation(arr.shape, want.shape))
    if want.dtype.kind == "f" and arr.dtype != want.dtype:
        hint = (
            f"return {want.dtype}: build the output with np.zeros(shape) or convert with "
            f".astype(np.{want.dtype}); an output made from an integer input keeps integer "
            "values, and float32 loses precision."
        )
        return _msg(want, arr, "", hint)
    with np.errstate(invalid="ignore", over="ignore"):
        finite_want = np.isfinite(want)
        if not np.array_equal(np.isfinite(arr), finite_want):
            return _msg(want, arr, "", likely or MISTAKES["nan"])
        err = float(np.max(np.abs(arr[finite_want] - want[finite_want]), initial=0.0))
    if err <= atol:
        return None
    return _msg(want, arr, f"  max abs error: {err:.3g} (tolerance {atol:g})\n",
                likely or value_relation(arr, want, atol))


AXIS_NAMES = {4: ("batch axis N", "channel axis", "rows (H')", "columns (W')"),
              3: ("first axis", "rows", "columns"), 2: ("rows", "columns"), 1: ("axis",)}


def _axis(ndim: int, k: int) -> str:
    names = AXIS_NAMES.get(ndim)
    return names[k] if names and k < len(names) else f"axis {k}"


def value_relation(got: np.ndarray, want: np.ndarray, atol: float) -> str | None:
    """A simple relation between wrong values and the right ones: a constant factor, a sign,
    a transpose, an integer rounding, or wrong only along the border."""
    with np.errstate(all="ignore"):
        g, w = got.astype(np.float64), want.astype(np.float64)
        tol = max(atol, 1e-9 * max(1.0, float(np.max(np.abs(w), initial=0.0))))
        if w.ndim == 2 and w.shape[0] == w.shape[1] and w.shape[0] > 1 and np.allclose(
                g, w.T, atol=tol, rtol=0):
            return "the output is transposed: rows and columns are swapped."
        if want.dtype.kind in "iu" and np.any(g != np.round(g)):
            return ("the result is not a whole number: sizes and counts use floor division (//)"
                    ", not /.")
        nz = np.abs(w) > tol
        if np.count_nonzero(nz) >= 4:
            ratio = float(np.median(g[nz] / w[nz]))
            if abs(ratio - 1) > 1e-6 and np.allclose(g, ratio * w, atol=tol * 10, rtol=1e-7):
                if abs(ratio + 1) < 1e-6:
                    return "every value has the wrong sign."
                if abs(ratio) < 1e-12:
                    return "the output is all zeros: nothing was accumulated into it."
                return (f"every value is {ratio:.4g} times the expected one: a sum where a mean "
                        f"is needed (or the reverse), or a missing or extra division (1/ratio = "
                        f"{1 / ratio:.4g}).")
        if got.ndim == 4 and got.shape[-1] * got.shape[-2] > 1:
            d = g - w
            if np.allclose(d, d[..., :1, :1], atol=tol * 10, rtol=0):
                return ("every feature map is off by a constant: check the bias (b[f] added once "
                        "to map f, after the sum over the input channels, and only if b is not "
                        "None).")
        if got.ndim >= 2 and got.shape[-1] > 4 and got.shape[-2] > 4:
            inner = (..., slice(1, -1), slice(1, -1))
            if np.allclose(g[inner], w[inner], atol=tol, rtol=0):
                return ("the values are right inside and wrong only along the border: check the "
                        "padding and the first and last windows.")
    return None


def shape_relation(got: tuple[int, ...], want: tuple[int, ...]) -> str:
    """What a wrong output shape says about the mistake: which axis, and how it differs."""
    if len(got) == len(want):
        if len(got) >= 2 and got[:-2] == want[:-2] and got[-2:] == want[-2:][::-1]:
            return ("the last two axes are swapped: the output has as many rows as it should "
                    "have columns (rows use H and KH, columns W and KW).")
        diffs = [k for k in range(len(got)) if got[k] != want[k]]
        parts = []
        for k in diffs:
            delta = got[k] - want[k]
            how = {1: "one too many", -1: "one short", 2: "two too many", -2: "two short"}.get(
                delta, f"{got[k]} instead of {want[k]}")
            parts.append(f"{_axis(len(want), k)}: {how}")
        hint = ""
        if all(abs(got[k] - want[k]) in (1, 2) for k in diffs):
            hint = (" An off-by-one in the output size: there are (N - F + 2P) // S + 1 "
                    "positions along each axis, so the loops run over range(H') with H' from "
                    "that formula.")
        return "the output shape is wrong (" + "; ".join(parts) + ")." + hint
    if len(got) == len(want) - 1:
        for k in range(len(want)):
            if tuple(want[:k] + want[k + 1:]) == tuple(got):
                return (f"the {_axis(len(want), k)} is missing from the output (shape {want} "
                        f"expected): keep that axis (index it with a slice, or keepdims=True).")
    if len(got) == len(want) + 1:
        for k in range(len(got)):
            if tuple(got[:k] + got[k + 1:]) == tuple(want) and got[k] == 1:
                return (f"the output has an extra axis of size 1 at position {k}: remove it "
                        "(squeeze, or index with an integer instead of a slice).")
    if int(np.prod(got)) == int(np.prod(want)):
        return (f"the output holds the right number of values ({int(np.prod(want))}) in the "
                f"wrong shape: reshape to {want}, in that axis order.")
    return f"the output shape is wrong: {got} instead of {want}."


def _match_mistake(arr: np.ndarray, mistakes: Mapping[str, Any] | Iterable[tuple[str, Any]],
                   atol: float) -> str | None:
    """The explanation of every known mistake whose output equals ``arr`` (None if none does)."""
    pairs = mistakes.items() if isinstance(mistakes, Mapping) else mistakes
    found: list[str] = []
    for description, variant in pairs:
        variant = np.asarray(variant)
        if variant.shape == arr.shape and np.allclose(arr, variant, rtol=0, atol=atol,
                                                      equal_nan=True):
            text = MISTAKES.get(description, description)
            if text not in found:
                found.append(text)
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    return "one of these (this case cannot tell them apart): " + " OR ".join(found)


def _msg(want: np.ndarray, got: Any, detail: str, likely: str | None) -> str:
    text = f"  expected: {describe(want)}\n  got:      {describe(got)}\n{detail}"
    if likely:
        text += f"  likely mistake: {likely}\n"
    return text


def expect(
    got: Any,
    want: Any,
    *,
    case: str,
    atol: float = 1e-10,
    mistakes: Mapping[str, Any] | None = None,
) -> None:
    """Visible-test assertion: raise :class:`CheckFailure` naming ``case`` if ``got != want``.

    A float ``want`` also requires a float64 result; integer literals only compare values (an
    array of them is described with the float dtype of a float result, since the exercises'
    docstrings give the dtype: "expected: float64 array", never "int64"). The tolerance is
    the hidden checks' (1e-10, as the README says) unless ``atol`` is given.

    EXAMPLE:
        >>> expect(corr2d(X, K), [[27, 37], [57, 67]], case="X = arange(9).reshape(3, 3)",
        ...        mistakes={"flipped_kernel": [[13, 23], [43, 53]]})
    """
    __tracebackhide__ = True  # IPython and pytest hide this frame: the message is the point
    want = np.asarray(want)
    if want.dtype.kind not in "iuf":
        raise TypeError(f"expect: the expected value must be numeric, got {describe(want)}")
    if (want.dtype.kind in "iu" and want.ndim >= 1 and type(got) is np.ndarray
            and got.dtype.kind == "f"):
        want = want.astype(got.dtype)
    problem = diagnose(got, want, atol=atol, mistakes=mistakes)
    if problem is not None:
        raise CheckFailure(f'case "{case}":\n{problem}')


def expect_raises(fn, *args, exception: type[BaseException] = ValueError, case: str,
                  **kwargs) -> None:
    """Visible-test assertion: ``fn(*args, **kwargs)`` must raise ``exception``."""
    __tracebackhide__ = True
    try:
        fn(*args, **kwargs)
    except exception:
        return
    except NotImplementedError:
        raise
    except Exception as exc:
        raise CheckFailure(
            f'case "{case}": expected {exception.__name__}, got {type(exc).__name__}: {exc}'
        ) from None
    raise CheckFailure(f'case "{case}": expected {exception.__name__}, but nothing was raised')


def require_implemented(fn, *args, **kwargs) -> None:
    """The first line of every hidden-test cell: is this exercise ready to be graded?

    * ``fn`` is still a stub (it raises NotImplementedError): under nbgrader (``validate``,
      ``autograde``) and outside IPython this raises NotImplementedError("<name> is not
      implemented yet"), so the graded cell fails and nbgrader gives it 0; in a learner's
      Jupyter session it prints that one line and returns, so Run All goes on.
    * a visible test of ``fn`` failed in this session (recorded by
      :mod:`autograder.checks.notebook`): raises :class:`CheckFailure` naming the exercise and
      the case, so nbgrader's Validate, which looks only at graded cells, fails here.
    * anything else (including other errors of ``fn``): returns, and the hidden checks decide,
      so a partly working function still earns partial credit.
    """
    __tracebackhide__ = True
    from autograder.checks import notebook

    name = getattr(fn, "__name__", repr(fn))
    try:
        fn(*args, **kwargs)
    except NotImplementedError as exc:
        stub = notebook.stub_name(exc)
        message = notebook.stub_message(stub, name) if stub else f"{name} is not implemented yet"
        if notebook.learner_session():
            print(message)
            return
        error = NotImplementedError(message)
        error.stub_message = message  # shown as this one line in IPython (see notebook.py)
        raise error from None
    except Exception:
        pass
    failures = notebook.visible_failures(name)
    if failures:
        count = "a visible test" if len(failures) == 1 else f"{len(failures)} visible tests"
        error = CheckFailure(f"{name} failed {count} above (fix it, run the test again):\n"
                             + "\n".join(failures))
        error.exercise = name
        raise error


def _install_in_ipython() -> None:
    """Inside IPython (JupyterLab, nbclient, nbgrader's kernels), install how failures and stubs
    show and the record Validate reads (:mod:`autograder.checks.notebook`)."""
    import sys

    if "IPython" in sys.modules:
        from autograder.checks import notebook

        notebook.install()


_install_in_ipython()
