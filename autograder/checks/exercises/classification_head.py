"""Hidden checks for notebook 04, the classification head and backpropagation."""

from __future__ import annotations

import numpy as np

from autograder.checks.core import Case, Exercise, Group, Mistake, register
from autograder.checks.exercises.common import STRIDE_ONE_AXIS, as_pair, ref, shape_str
from autograder.checks.probes import probe


def _fixed(*cases: Case):
    return lambda rng: iter(cases)


def _f(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


# ----------------------------------------------------------------------------- relu


def _with_zeros(rng, shape) -> np.ndarray:
    x = rng.standard_normal(shape)
    x[rng.random(shape) < 0.2] = 0.0  # exact zeros: relu(0) = 0 and relu'(0) = 0
    return x


def _relu_random(rng):
    for trial, shape in enumerate([(7,), (3, 4), (2, 3, 5), (2, 3, 4, 4), (1, 2, 3, 2, 2)]):
        x = _with_zeros(rng, shape)
        yield Case(f"random {trial}: x {shape_str(x)} with some exact zeros", (x,))
    yield Case("an empty x of shape (0, 3): an empty result", (np.zeros((0, 3)),))


register(Exercise(
    name="relu", reference="relu", seed=4010,
    groups=[
        Group("fixed example from the notebook", 1, _fixed(
            Case("x = [[-2, 0, 3], [1.5, -0.5, 0]]", (np.array([[-2.0, 0.0, 3.0], [1.5, -0.5, 0.0]]),)),
            Case("integer x = [-3, 4]: the result is float", (np.array([-3, 4]),)))),
        Group("random arrays of 1 to 5 axes", 2, _relu_random),
    ],
    mistakes=[
        Mistake("relu_abs", lambda x: np.abs(_f(x))),
        Mistake("relu_min", lambda x: np.minimum(_f(x), 0)),
        Mistake("relu_leaky", lambda x: np.where(_f(x) > 0, _f(x), 0.01 * _f(x))),
    ],
    dtype_rule="float64",
))


# ----------------------------------------------------------------------------- flatten


def _flatten_random(rng):
    for trial, shape in enumerate([(2, 3), (3, 2, 4), (2, 3, 4, 4), (1, 5, 2, 3), (4, 2, 2, 2, 2)]):
        x = rng.standard_normal(shape)
        yield Case(f"random {trial}: x {shape_str(x)}", (x,))


def _flatten_bad(rng):
    yield Case("x has no batch axis: shape (4,)", (np.ones(4),), raises=ValueError)
    yield Case("x is a number", (np.float64(3.0),), raises=ValueError)


register(Exercise(
    name="flatten", reference="flatten", seed=4011,
    groups=[
        Group("fixed example from the notebook", 1, _fixed(
            Case("x = arange(16).reshape(2, 2, 2, 2)", (np.arange(16.0).reshape(2, 2, 2, 2),)))),
        Group("random batches of 2 to 5 axes", 2, _flatten_random),
        Group("bad input raises ValueError", 0.5, _flatten_bad),
    ],
    mistakes=[
        Mistake("flatten_batch", lambda x: _f(x).ravel()),
        Mistake("flatten_nhwc", lambda x: np.moveaxis(_f(x), 1, -1).reshape(len(x), -1)),
        Mistake("flatten_fortran", lambda x: _f(x).reshape(len(x), -1, order="F")),
        Mistake("flatten_transposed", lambda x: _f(x).reshape(len(x), -1).T),
        Mistake("flatten_transposed", lambda x: _f(x).reshape(-1, len(x))),
    ],
    dtype_rule="float64",
))


# ----------------------------------------------------------------------------- linear


def _linear_random(rng, square: bool):
    for trial in range(6):
        N, D = int(rng.integers(1, 6)), int(rng.integers(1, 7))
        M = D if square else int(rng.integers(1, 7))
        x, w, b = rng.standard_normal((N, D)), rng.standard_normal((D, M)), rng.standard_normal(M)
        yield Case(f"random {trial}: x {shape_str(x)}, w {shape_str(w)}, b ({M},)", (x, w, b))


def _linear_bad(rng):
    x = np.ones((2, 3))
    yield Case("w 4x5 does not fit x 2x3", (x, np.ones((4, 5)), np.ones(5)), raises=ValueError)
    yield Case("b (2,) does not fit w 3x5", (x, np.ones((3, 5)), np.ones(2)), raises=ValueError)
    # x @ w + b would accept these silently (a 1-D x, broadcasting biases, a batch of batches)
    yield Case("x is 1-D: x (3,)", (np.ones(3), np.ones((3, 5)), np.ones(5)), raises=ValueError)
    yield Case("b (1,) for w 3x5 (it would broadcast)", (x, np.ones((3, 5)), np.ones(1)),
               raises=ValueError)
    yield Case("b (1, 5) for w 3x5 (it would broadcast)", (x, np.ones((3, 5)), np.ones((1, 5))),
               raises=ValueError)
    yield Case("x is 3-D: x 2x2x3, w 3x5", (np.ones((2, 2, 3)), np.ones((3, 5)), np.ones(5)),
               raises=ValueError)
    yield Case("w is 1-D: x 2x3, w (3,), b (1,)", (x, np.ones(3), np.ones(1)), raises=ValueError)


register(Exercise(
    name="linear", reference="linear", seed=4012,
    groups=[
        Group("fixed example from the notebook", 1, _fixed(Case(
            "x [[1, 2], [3, 4]], w [[1, 0, -1], [0, 1, 2]], b [10, 20, 30]",
            (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 2.0]]),
             np.array([10.0, 20.0, 30.0]))))),
        Group("random sizes", 2, lambda rng: _linear_random(rng, square=False)),
        Group("random square weights (D = M)", 1, lambda rng: _linear_random(rng, square=True)),
        Group("bad input raises ValueError", 0.5, _linear_bad),
    ],
    mistakes=[
        Mistake("linear_no_bias", lambda x, w, b: _f(x) @ _f(w)),
        Mistake("linear_bias_column", lambda x, w, b: _f(x) @ _f(w) + _f(b)[:, None]),
        Mistake("linear_transposed", lambda x, w, b: (_f(x) @ _f(w) + _f(b)).T),
        Mistake("linear_w_transposed", lambda x, w, b: _f(x) @ _f(w).T + _f(b)),
    ],
    dtype_rule="float64",
))


# ----------------------------------------------------------------------------- softmax


def _softmax_random(rng, huge: bool):
    for trial in range(6):
        N, K = int(rng.integers(1, 6)), int(rng.integers(2, 8))
        s = rng.standard_normal((N, K)) * (3.0 if not huge else 1.0)
        if huge:
            s = s + rng.choice([-1.0, 1.0], size=(N, 1)) * rng.uniform(800, 2000, size=(N, 1))
        yield Case(f"random {trial}: scores {shape_str(s)}" + (
            " with logits of about +-1000" if huge else ""), (s,))


def _softmax_axes(rng):
    for trial, (shape, axis) in enumerate([((4, 3), 0), ((2, 3, 4), 1), ((2, 3, 4), -1),
                                           ((3, 5), 1), ((5,), 0), ((3, 1), -1), ((1, 4), 0)]):
        s = rng.standard_normal(shape) * 3
        yield Case(f"axes {trial}: scores {shape_str(s)}, axis={axis}", (s,), {"axis": axis})


def _softmax_naive(scores, axis=-1):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(_f(scores))
        return e / e.sum(axis=axis, keepdims=True)


def _softmax_other_axis(scores, axis=-1):
    s = _f(scores)
    if s.ndim < 2:
        return None
    other = 0 if axis % s.ndim != 0 else 1
    return ref("softmax")(s, axis=other)


def _softmax_last_axis(scores, axis=-1):
    return ref("softmax")(scores, axis=-1)


def _softmax_global_max(scores, axis=-1):
    with np.errstate(all="ignore"):
        e = np.exp(_f(scores) - _f(scores).max())
        return e / e.sum(axis=axis, keepdims=True)


def _softmax_global(scores, axis=-1):
    s = _f(scores)
    e = np.exp(s - s.max())
    return e / e.sum()


register(Exercise(
    name="softmax", reference="softmax", seed=4013,
    groups=[
        Group("fixed examples from the notebook", 1, _fixed(
            Case("scores [[1, 2, 3], [1, 1, 1]]", (np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]),)),
            Case("scores [[1000, 1001, 1002], [-1000, -1000, -1000]]",
                 (np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -1000.0]]),)))),
        Group("random logits", 1, lambda rng: _softmax_random(rng, huge=False)),
        Group("random huge logits (no overflow)", 1, lambda rng: _softmax_random(rng, huge=True)),
        Group("other axes and shapes", 1, _softmax_axes),
    ],
    mistakes=[
        Mistake("softmax_overflow", _softmax_naive),
        Mistake("softmax_wrong_axis", _softmax_other_axis),
        Mistake("softmax_axis_ignored", _softmax_last_axis),
        Mistake("softmax_global", _softmax_global),
        Mistake("softmax_global_max", _softmax_global_max),
    ],
    dtype_rule="float64",
))


# ----------------------------------------------------------------------------- cross-entropy


def _labels_random(rng, huge: bool = False):
    for trial in range(6):
        N, K = int(rng.integers(1, 7)), int(rng.integers(2, 8))
        s = rng.standard_normal((N, K)) * 2
        if huge:
            s[:, 0] += 1000.0  # class 0 dominates: a wrong label's probability underflows to 0
        y = rng.integers(0, K, size=N)
        yield Case(f"random {trial}: scores {shape_str(s)}, y {y.tolist()}" + (
            ", class 0's logit +1000" if huge else ""), (s, y))


def _labels_bad(rng):
    s = np.zeros((2, 3))
    yield Case("label 3 with 3 classes", (s, np.array([0, 3])), raises=ValueError)
    yield Case("label -1", (s, np.array([-1, 0])), raises=ValueError)
    yield Case("3 labels for 2 rows", (s, np.array([0, 1, 2])), raises=ValueError)
    yield Case("float labels [0.5, 1.0]", (s, np.array([0.5, 1.0])), raises=ValueError)
    yield Case("scores are 1-D", (np.zeros(3), np.array([0])), raises=ValueError)
    # fancy indexing would broadcast these silently
    yield Case("1 label for 2 rows: y [1] (it would broadcast)", (s, np.array([1])),
               raises=ValueError)
    yield Case("y of shape (2, 1) for 2 rows (it would broadcast)", (s, np.array([[0], [1]])),
               raises=ValueError)


def _log_softmax(s):
    s = _f(s)
    shifted = s - s.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _ce_sum(scores, y):
    return ref("cross_entropy")(scores, y) * len(y)


def _ce_no_max_shift(scores, y):
    s = _f(scores)
    with np.errstate(all="ignore"):
        logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), np.asarray(y)].mean())


def _ce_underflow(scores, y):
    with np.errstate(divide="ignore"):
        p = ref("softmax")(_f(scores), axis=1)
        return float(-np.log(p[np.arange(len(y)), y]).mean())


def _ce_no_log_softmax(scores, y):
    return float(-_f(scores)[np.arange(len(y)), y].mean())


def _ce_positive(scores, y):
    return -ref("cross_entropy")(scores, y)


register(Exercise(
    name="cross_entropy", reference="cross_entropy", seed=4014,
    groups=[
        Group("fixed examples from the notebook", 1, _fixed(
            Case("scores [[2, 1, 0], [0, 0, 0]], y [0, 2]",
                 (np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0]]), np.array([0, 2]))),
            Case("uniform scores 4x10: log 10", (np.zeros((4, 10)), np.array([0, 3, 5, 9]))),
            Case("one class: scores 3x1, y [0, 0, 0], the loss is 0",
                 (np.array([[2.0], [-1.0], [0.5]]), np.zeros(3, dtype=int))))),
        Group("random batches", 2, _labels_random),
        Group("huge logits (log-softmax, no underflow)", 1, lambda rng: _labels_random(rng, True)),
        Group("bad labels and shapes raise ValueError", 0.5, _labels_bad),
    ],
    mistakes=[
        Mistake("ce_sum", _ce_sum),
        Mistake("ce_underflow", _ce_underflow),
        Mistake("ce_no_max_shift", _ce_no_max_shift),
        Mistake("ce_no_log_softmax", _ce_no_log_softmax),
        Mistake("ce_sign", _ce_positive),
    ],
))


# ----------------------------------------------------------------------------- top-k error


def _topk_random(rng):
    for trial in range(8):
        N, K = int(rng.integers(3, 12)), int(rng.integers(2, 12))
        s = rng.standard_normal((N, K))
        y = rng.integers(0, K, size=N)
        k = int(rng.integers(1, K + 1))
        yield Case(f"random {trial}: scores {shape_str(s)}, k={k}", (s, y), {"k": k})


def _topk_ties(rng):
    """Scores with few distinct values, so the true class often ties at the k-th place."""
    s = np.array([[1.0, 2.0, 2.0, 0.0], [3.0, 3.0, 3.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
    for k in (1, 2):
        yield Case(f"ties: scores {s.tolist()}, y [2, 1, 3], k={k}", (s, np.array([2, 1, 3])),
                   {"k": k})
    for trial in range(6):
        N, K = int(rng.integers(4, 10)), int(rng.integers(3, 8))
        s = rng.integers(0, 3, size=(N, K)).astype(float)
        y = rng.integers(0, K, size=N)
        k = int(rng.integers(1, K))
        yield Case(f"ties {trial}: scores {shape_str(s)} with values in {{0, 1, 2}}, k={k}", (s, y),
                   {"k": k})


def _topk_bad(rng):
    s, y = np.zeros((2, 4)), np.array([0, 1])
    yield Case("k=5 with 4 classes", (s, y), {"k": 5}, raises=ValueError)
    yield Case("k=0", (s, y), {"k": 0}, raises=ValueError)
    yield Case("label 4 with 4 classes", (s, np.array([0, 4])), {"k": 1}, raises=ValueError)
    # these would count silently: a negative index wraps around, one label broadcasts
    yield Case("label -1", (s, np.array([-1, 0])), {"k": 1}, raises=ValueError)
    yield Case("1 label for 2 rows: y [1] (it would broadcast)", (s, np.array([1])), {"k": 1},
               raises=ValueError)


def _topk_best(scores, k):
    return np.argsort(-_f(scores), axis=1, kind="stable")[:, :k]


def _true_scores(s, y):
    s = _f(s)
    return s, s[np.arange(len(s)), np.asarray(y)][:, None]


TOPK_TIES_AGAINST = ("a score tied with the true class's pushes it out of the top k; the policy "
                     "is that only strictly larger scores do: the true class is in the top k when "
                     "fewer than k scores are strictly larger than its own.")
TOPK_TIES_BY_ORDER = ("ties are broken by the order of the classes (as np.argsort does); the "
                      "policy ignores the order: the true class is in the top k when fewer than "
                      "k scores are strictly larger than its own.")


def _topk_ties_against(s, y, k=5):
    s, true = _true_scores(s, y)
    return float(((s >= true).sum(axis=1) - 1 >= k).mean())


def _topk_argsort(s, y, k=5, reverse=False):
    """Top-k by sorting: ties go to the lower class index (or, reversed, to the higher one)."""
    best = np.argsort(_f(s), axis=1, kind="stable")[:, ::-1][:, :k] if reverse else _topk_best(s, k)
    return float(1 - (best == np.asarray(y)[:, None]).any(axis=1).mean())


register(Exercise(
    name="topk_error", reference="topk_error", seed=4015,
    groups=[
        Group("fixed examples from the notebook", 1, _fixed(*[
            Case(f"the notebook's 3x4 scores, k={k}",
                 (np.array([[0.1, 0.5, 0.4, 0.0], [0.7, 0.2, 0.1, 0.0], [0.3, 0.1, 0.2, 0.4]]),
                  np.array([2, 0, 1])), {"k": k}) for k in (1, 2, 4)])),
        Group("random scores and k", 2, _topk_random),
        Group("ties: only strictly larger scores push the true class out", 1, _topk_ties),
        Group("k defaults to 5; one class", 0.5, lambda rng: iter([
            Case("scores 6x8 without k", (rng.standard_normal((6, 8)), rng.integers(0, 8, size=6))),
            Case("one class: scores 3x1, k=1, always right",
                 (np.array([[0.5], [-2.0], [1.0]]), np.zeros(3, dtype=int)), {"k": 1})])),
        Group("bad k and labels raise ValueError", 0.5, _topk_bad),
    ],
    mistakes=[
        Mistake("topk_accuracy", lambda s, y, k=5: 1.0 - ref("topk_error")(s, y, k)),
        Mistake("topk_lowest", lambda s, y, k=5: float(
            1 - (np.argsort(_f(s), axis=1)[:, :k] == np.asarray(y)[:, None]).any(axis=1).mean())),
        Mistake("topk_top1", lambda s, y, k=5: ref("topk_error")(s, y, 1)),
        Mistake("topk_count", lambda s, y, k=5: ref("topk_error")(s, y, k) * len(y)),
        Mistake("topk_k_plus_one", lambda s, y, k=5: float(
            1 - (_topk_best(s, min(k + 1, np.shape(s)[1])) == np.asarray(y)[:, None]).any(
                axis=1).mean())),
        Mistake("topk_off_by_one", lambda s, y, k=5: float(
            1 - (_topk_best(s, max(k - 1, 1)) == np.asarray(y)[:, None]).any(axis=1).mean())),
        Mistake(TOPK_TIES_AGAINST, _topk_ties_against),
        Mistake(TOPK_TIES_BY_ORDER, _topk_argsort),
        Mistake(TOPK_TIES_BY_ORDER, lambda s, y, k=5: _topk_argsort(s, y, k, reverse=True)),
    ],
))


# ----------------------------------------------------------------------------- numerical gradient

FUNCTIONS = [
    ("f(v) = sum(v ** 3)", probe("sum_cube")),
    ("f(v) = sum(sin(v) * v)", probe("sum_sin_times_v")),
    ("f(v) = log(sum(exp(v)))", probe("log_sum_exp")),
    ("f(v) = v[0] * v[-1] * sum(v ** 2)", probe("first_last_norm")),
]


def _numgrad_random(rng):
    for trial in range(6):
        label, f = FUNCTIONS[trial % len(FUNCTIONS)]
        shape = [(4,), (2, 3), (3, 2, 2), (5,), (2, 2), (1, 3, 2)][trial]
        x = rng.uniform(-2, 2, size=shape)
        yield Case(f"random {trial}: {label}, x {shape_str(x)}", (f, x))


def _numgrad_matrix(rng):
    x = rng.standard_normal(3)
    yield Case("f(v) = sum((A @ v) ** 2), A 2x3, v (3,)", (probe("norm_of_A_v"), x))
    x2 = rng.standard_normal((2, 3))
    yield Case("f(v) = v[0, 0] * v[1, 2] at a 2x3 v", (probe("corner_product"), x2))


def _numgrad_bad(rng):
    yield Case("h = 0", (probe("sum"), np.ones(2)), {"h": 0.0}, raises=ValueError)
    yield Case("h = -1e-6", (probe("sum"), np.ones(2)), {"h": -1e-6}, raises=ValueError)
    yield Case("f returns an array", (probe("double"), np.ones(3)), raises=ValueError)


def _numgrad_forward(f, x, h=1e-6):
    xc = np.array(x, dtype=np.float64)
    grad = np.zeros_like(xc)
    base = float(f(xc))
    for i in np.ndindex(xc.shape):
        old = xc[i]
        xc[i] = old + h
        grad[i] = (float(f(xc)) - base) / h
        xc[i] = old
    return grad


def _numgrad_no_half(f, x, h=1e-6):
    return ref("numerical_gradient")(f, x, h) * 2


def _numgrad_not_restored(f, x, h=1e-6):
    xc = np.array(x, dtype=np.float64)
    grad = np.zeros_like(xc)
    for i in np.ndindex(xc.shape):
        old = xc[i]
        xc[i] = old + h
        up = float(f(xc))
        xc[i] = old - h
        down = float(f(xc))
        grad[i] = (up - down) / (2 * h)  # xc[i] stays at old - h
    return grad


register(Exercise(
    name="numerical_gradient", reference="numerical_gradient", seed=4016, atol=1e-7,
    groups=[
        Group("fixed examples from the notebook", 1, _fixed(
            Case("f(v) = sum(v ** 3) at [[1, -2], [0.5, 3]]",
                 (FUNCTIONS[0][1], np.array([[1.0, -2.0], [0.5, 3.0]]))),
            Case("f(v) = v[0] * v[1] at [2, 5]", (probe("product_01"), np.array([2.0, 5.0]))))),
        Group("random points, several functions (compared at 1e-7)", 2, _numgrad_random),
        Group("functions of several entries (each entry restored)", 1, _numgrad_matrix),
        Group("bad input raises ValueError", 0.5, _numgrad_bad),
    ],
    mistakes=[
        Mistake("numgrad_forward", _numgrad_forward),
        Mistake("numgrad_no_half", _numgrad_no_half),
        Mistake("numgrad_not_restored", _numgrad_not_restored),
    ],
    dtype_rule="float64",
))


# ----------------------------------------------------------------------------- relu backward


def _relu_backward_random(rng):
    for trial, shape in enumerate([(6,), (3, 4), (2, 3, 4, 4), (2, 2, 3)]):
        x = _with_zeros(rng, shape)
        dout = rng.standard_normal(shape)
        yield Case(f"random {trial}: dout and x {shape_str(x)}, x with exact zeros", (dout, x))


register(Exercise(
    name="relu_backward", reference="relu_backward", seed=4017,
    groups=[
        Group("fixed example from the notebook", 1, _fixed(Case(
            "dout [[5, 5, 5], [-1, 2, 3]], x [[-1, 0, 2], [4, -4, 1]]",
            (np.array([[5.0, 5.0, 5.0], [-1.0, 2.0, 3.0]]), np.array([[-1.0, 0.0, 2.0], [4.0, -4.0, 1.0]]))))),
        Group("random arrays with exact zeros", 2, _relu_backward_random),
        Group("bad input raises ValueError", 0.5, _fixed(
            Case("dout (2, 3) and x (3, 2)", (np.ones((2, 3)), np.ones((3, 2))), raises=ValueError),
            # dout * (x > 0) would broadcast these silently
            Case("dout (1, 4) and x (3, 4)", (np.ones((1, 4)), np.ones((3, 4))), raises=ValueError),
            Case("dout (3, 4) and x (1, 4)", (np.ones((3, 4)), np.ones((1, 4))), raises=ValueError),
            Case("dout (4,) and x (3, 4)", (np.ones(4), np.ones((3, 4))), raises=ValueError))),
    ],
    mistakes=[
        Mistake("relu_grad_at_zero", lambda dout, x: _f(dout) * (_f(x) >= 0)),
        Mistake("relu_grad_mask_only", lambda dout, x: (_f(x) > 0).astype(float)),
        Mistake("relu_grad_from_dout", lambda dout, x: ref("relu")(dout)),
        Mistake("relu_grad_x", lambda dout, x: _f(dout) * ref("relu")(x)),
    ],
    dtype_rule="float64",
))


# ----------------------------------------------------------------------------- linear backward


def _linear_backward_random(rng, square: bool):
    for trial in range(6):
        N, D = int(rng.integers(1, 6)), int(rng.integers(1, 7))
        M = D if square else int(rng.integers(1, 7))
        if square:
            N = D
        dout, x, w = rng.standard_normal((N, M)), rng.standard_normal((N, D)), rng.standard_normal((D, M))
        yield Case(f"random {trial}: dout {shape_str(dout)}, x {shape_str(x)}, w {shape_str(w)}",
                   (dout, x, w))


def _lb_db_not_summed(dout, x, w):
    dx, dw, _ = ref("linear_backward")(dout, x, w)
    return dx, dw, _f(dout)


def _lb_db_mean(dout, x, w):
    dx, dw, _ = ref("linear_backward")(dout, x, w)
    return dx, dw, _f(dout).mean(axis=0)


def _lb_dw_transposed(dout, x, w):
    dx, dw, db = ref("linear_backward")(dout, x, w)
    return dx, dw.T, db


def _lb_dx_wrong(dout, x, w):
    dx, dw, db = ref("linear_backward")(dout, x, w)
    return _f(dout) @ _f(w) if _f(w).shape[0] == _f(w).shape[1] else dx.T, dw, db


register(Exercise(
    name="linear_backward", reference="linear_backward", seed=4018, outputs=("dx", "dw", "db"),
    groups=[
        Group("fixed example from the notebook", 1, _fixed(Case(
            "dout [[1, 0, 2], [0, 1, -1]], x [[1, 2], [3, 4]], w [[1, 0, -1], [0, 1, 2]]",
            (np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]]), np.array([[1.0, 2.0], [3.0, 4.0]]),
             np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 2.0]]))))),
        Group("random sizes", 2, lambda rng: _linear_backward_random(rng, square=False)),
        Group("random square sizes (N = D = M)", 1, lambda rng: _linear_backward_random(rng, True)),
        Group("bad input raises ValueError", 0.5, _fixed(
            Case("dout 2x4 for x 2x3 and w 3x5", (np.ones((2, 4)), np.ones((2, 3)), np.ones((3, 5))),
                 raises=ValueError),
            # dout @ w.T, x.T @ dout and dout.sum(0) would all compute silently
            Case("x 2x4 does not fit w 3x5 (dout 2x5)",
                 (np.ones((2, 5)), np.ones((2, 4)), np.ones((3, 5))), raises=ValueError))),
    ],
    mistakes=[
        Mistake("db_not_summed", _lb_db_not_summed),
        Mistake("db_mean", _lb_db_mean),
        Mistake("dw_transposed", _lb_dw_transposed),
        Mistake("linear_dx_wrong", _lb_dx_wrong),
    ],
    dtype_rule="float64",
))


# ----------------------------------------------------------------------------- softmax + CE backward


def _sce_not_mean(scores, y):
    return ref("softmax_cross_entropy_backward")(scores, y) * len(y)


def _sce_sign(scores, y):
    return -ref("softmax_cross_entropy_backward")(scores, y)


def _sce_onehot_columns(scores, y):
    p = ref("softmax")(scores, axis=1).copy()
    p[:, np.asarray(y)] -= 1
    return p / len(y)


def _sce_no_onehot(scores, y):
    return ref("softmax")(scores, axis=1) / len(y)


register(Exercise(
    name="softmax_cross_entropy_backward", reference="softmax_cross_entropy_backward", seed=4019,
    groups=[
        Group("fixed example from the notebook", 1, _fixed(
            Case("scores [[2, 1, 0], [0, 0, 0]], y [0, 2]",
                 (np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0]]), np.array([0, 2]))),
            Case("one class: scores 3x1, y [0, 0, 0], the gradient is 0",
                 (np.array([[2.0], [-1.0], [0.5]]), np.zeros(3, dtype=int))))),
        Group("random batches", 2, _labels_random),
        Group("huge logits", 1, lambda rng: _labels_random(rng, True)),
        Group("bad labels and shapes raise ValueError", 0.5, _labels_bad),
    ],
    mistakes=[
        Mistake("sce_grad_not_mean", _sce_not_mean),
        Mistake("sce_grad_sign", _sce_sign),
        Mistake("sce_grad_no_onehot", _sce_no_onehot),
        Mistake("sce_grad_by_classes", lambda scores, y: ref("softmax_cross_entropy_backward")(
            scores, y) * len(y) / np.shape(scores)[1]),
        Mistake("sce_onehot_columns", _sce_onehot_columns),
    ],
    dtype_rule="float64",
))


# ----------------------------------------------------------------------------- pooling backward


def _pool_out(x, kernel_size, stride, padding):
    (kh, kw), (ph, pw) = as_pair(kernel_size), as_pair(padding)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    H, W = np.shape(x)[2:]
    return (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1


def _pool_backward_random(rng, kind: str):
    for trial in range(8):
        N, C = int(rng.integers(1, 3)), int(rng.integers(1, 4))
        kh, kw = int(rng.integers(2, 4)), int(rng.integers(1, 4))
        kwargs: dict = {}
        if kind in ("overlap", "ties"):
            kwargs["stride"] = (int(rng.integers(1, kh)), int(rng.integers(1, max(kw, 2))))
        if kind == "padding":
            kwargs["padding"] = (int(rng.integers(0, kh // 2 + 1)), int(rng.integers(0, kw // 2 + 1)))
            kwargs["stride"] = int(rng.integers(1, 3))
        H, W = kh + int(rng.integers(0, 6)), kw + int(rng.integers(0, 6))
        if kind == "ties":  # few distinct values: many windows tie for their maximum
            x = rng.integers(0, 3, size=(N, C, H, W)).astype(float)
        else:
            x = rng.standard_normal((N, C, H, W))
        Ho, Wo = _pool_out(x, (kh, kw), kwargs.get("stride"), kwargs.get("padding", 0))
        dout = rng.standard_normal((N, C, Ho, Wo))
        label = f"random {trial}: x {shape_str(x)}" + (" with values in {0, 1, 2}" if kind == "ties" else "") + \
            f", kernel_size={(kh, kw)}" + "".join(f", {k}={v}" for k, v in kwargs.items())
        yield Case(label, (dout, x, (kh, kw)), kwargs)


def _pool_backward_bad(rng):
    x = np.zeros((1, 1, 4, 4))
    yield Case("dout 1x1x3x3 for a pooled shape of 1x1x2x2", (np.zeros((1, 1, 3, 3)), x, 2),
               raises=ValueError)
    yield Case("x is 3-D: x 1x4x4", (np.zeros((1, 2, 2)), np.zeros((1, 4, 4)), 2), raises=ValueError)
    # these broadcast silently into the windows (+= or np.add.at)
    yield Case("dout 1x1x1x1 for a pooled shape of 1x1x2x2", (np.ones((1, 1, 1, 1)), x + 1.0, 2),
               raises=ValueError)
    yield Case("dout 1x1x2x2 for x with 2 channels, pooled 1x2x2x2",
               (np.ones((1, 1, 2, 2)), np.arange(32.0).reshape(1, 2, 4, 4), 2), raises=ValueError)
    yield Case("padding more than half the window: kernel_size=2, padding=2",
               (np.ones((1, 1, 4, 4)), x, 2), {"padding": 2}, raises=ValueError)


def _pool_groups(name: str, x_grid: np.ndarray):
    return [
        Group("fixed examples from the notebook", 1, _fixed(
            Case("grid 3x3, 2x2 windows, stride 1, dout ones", (np.ones((1, 1, 2, 2)), x_grid, 2),
                 {"stride": 1}),
            Case("4x4 grid arange(16), 2x2 windows, dout [[1, 2], [3, 4]]",
                 (np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), np.arange(16.0).reshape(1, 1, 4, 4), 2)))),
        Group("random non-overlapping windows", 1, lambda rng: _pool_backward_random(rng, "plain")),
        Group("random overlapping windows (gradients accumulate)", 1.5,
              lambda rng: _pool_backward_random(rng, "overlap")),
        Group("random padded windows", 1, lambda rng: _pool_backward_random(rng, "padding")),
    ] + ([Group("overlapping windows with ties (first maximum, as in PyTorch)", 1,
                lambda rng: _pool_backward_random(rng, "ties"))] if name == "max" else []) + [
        Group("bad input raises ValueError", 0.5, _pool_backward_bad),
    ]


def _pool_backward_loops(dout, x, kernel_size, stride=None, padding=0, *, kind: str,
                         mode: str = "add", steps: str = "both", sides: str = "both",
                         crop: str = "middle", count=None, fill=None, swap: bool = False):
    """Max or average pooling's backward pass, written with loops; the keywords plant one
    mistake each (their defaults give the correct pass).

    mode: "add" (correct), "overwrite" (= instead of +=), "all_ties" and "spread" (max),
    "no_divide" (average); steps: "rows" or "cols" uses the stride on that axis only (the other
    steps by 1); sides: "after" pads the bottom and the right only; crop: "corner" cuts dx from
    the top-left of the padded gradient; count(kh, kw): the average's divisor; fill: the max's
    padding value; swap: kernel_size, stride and padding read as (w, h).
    """
    (kh, kw), (ph, pw) = as_pair(kernel_size), as_pair(padding)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    if swap:
        kh, kw, sh, sw, ph, pw = kw, kh, sw, sh, pw, ph
    if steps == "rows":
        sw = 1
    elif steps == "cols":
        sh = 1
    elif steps == "rows_for_cols":
        sw = sh
    elif steps == "cols_for_rows":
        sh = sw
    x, dout = _f(x), _f(dout)
    H, W = x.shape[2:]
    if fill is None:
        fill = -np.inf if kind == "max" else 0.0
    pad_rows, pad_cols = ((ph, ph), (pw, pw)) if sides == "both" else ((0, ph), (0, pw))
    xpad = np.pad(x, ((0, 0), (0, 0), pad_rows, pad_cols), constant_values=fill)
    dx = np.zeros_like(xpad)
    divisor = kh * kw if count is None else count(kh, kw)
    for n, c, i, j in np.ndindex(dout.shape):
        window = (n, c, slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw))
        win, target, g = xpad[window], dx[window], dout[n, c, i, j]
        if win.size == 0:
            continue
        if kind == "avg":
            share = g if mode == "no_divide" else g / divisor
            if mode == "overwrite":
                target[...] = share
            else:
                target += share
        elif mode == "all_ties":
            target[win == win.max()] += g
        elif mode == "spread":
            target += g
        elif mode == "last_max":
            flat = win.size - 1 - int(np.argmax(win.ravel()[::-1]))
            a, b = np.unravel_index(flat, win.shape)
            target[a, b] += g
        else:
            a, b = np.unravel_index(np.argmax(win), win.shape)
            target[a, b] = g if mode == "overwrite" else target[a, b] + g
    r0, c0 = (pad_rows[0], pad_cols[0]) if crop == "middle" else (0, 0)
    return dx[:, :, r0:r0 + H, c0:c0 + W]


def _pool_backward_mistake(kind: str, **planted):
    def variant(dout, x, kernel_size, stride=None, padding=0):
        return _pool_backward_loops(dout, x, kernel_size, stride, padding, kind=kind, **planted)
    return variant


def _avg_backward_exclude_pad(dout, x, kernel_size, stride=None, padding=0):
    kh, kw = as_pair(kernel_size)
    ones = np.ones_like(_f(x))
    counts = ref("avg_pool2d")(ones, kernel_size, stride, padding) * kh * kw  # real pixels per window
    return ref("avg_pool2d_backward")(_f(dout) * kh * kw / counts, x, kernel_size, stride, padding)


def _pool_backward_family(kind: str) -> list[Mistake]:
    """The forward pass's geometry mistakes, made in the backward pass."""
    return [
        Mistake(STRIDE_ONE_AXIS, _pool_backward_mistake(kind, steps="rows")),
        Mistake(STRIDE_ONE_AXIS, _pool_backward_mistake(kind, steps="cols")),
        Mistake(STRIDE_ONE_AXIS, _pool_backward_mistake(kind, steps="rows_for_cols")),
        Mistake(STRIDE_ONE_AXIS, _pool_backward_mistake(kind, steps="cols_for_rows")),
        Mistake("pool_wh", _pool_backward_mistake(kind, swap=True)),
        Mistake("pad_one_side", _pool_backward_mistake(kind, sides="after", crop="corner")),
        Mistake("conv_dx_pad_crop", _pool_backward_mistake(kind, crop="corner")),
    ]


GRID = np.array([[[[1.0, 2.0, 0.0], [4.0, 4.0, 3.0], [0.0, 1.0, 2.0]]]])

register(Exercise(
    name="max_pool2d_backward", reference="max_pool2d_backward", seed=4020,
    groups=_pool_groups("max", GRID),
    mistakes=[
        Mistake("pool_grad_overwrite", _pool_backward_mistake("max", mode="overwrite")),
        Mistake("pool_grad_all_ties", _pool_backward_mistake("max", mode="all_ties")),
        Mistake("pool_grad_spread", _pool_backward_mistake("max", mode="spread")),
        Mistake("pool_grad_last_tie", _pool_backward_mistake("max", mode="last_max")),
        Mistake("max_pad_zero", _pool_backward_mistake("max", fill=0.0)),
        *_pool_backward_family("max"),
    ],
    dtype_rule="float64",
))

register(Exercise(
    name="avg_pool2d_backward", reference="avg_pool2d_backward", seed=4021,
    groups=_pool_groups("avg", GRID),
    mistakes=[
        Mistake("pool_grad_overwrite", _pool_backward_mistake("avg", mode="overwrite")),
        Mistake("avg_grad_no_divide", _pool_backward_mistake("avg", mode="no_divide")),
        Mistake("avg_exclude_pad", _avg_backward_exclude_pad),
        Mistake("avg_wrong_count", _pool_backward_mistake("avg", count=lambda kh, kw: kh * kh)),
        Mistake("avg_wrong_count", _pool_backward_mistake("avg", count=lambda kh, kw: kw * kw)),
        *_pool_backward_family("avg"),
    ],
    dtype_rule="float64",
))


# ----------------------------------------------------------------------------- conv backward


def _conv_backward_random(rng, kind: str):
    for trial in range(6):
        N, C, F = int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
        KH, KW = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        stride = (1, 1) if kind != "stride" else (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        padding = (0, 0) if kind != "padding" else (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        H, W = KH + int(rng.integers(0, 6)), KW + int(rng.integers(0, 6))
        x, w = rng.standard_normal((N, C, H, W)), rng.standard_normal((F, C, KH, KW))
        Ho = (H + 2 * padding[0] - KH) // stride[0] + 1
        Wo = (W + 2 * padding[1] - KW) // stride[1] + 1
        dout = rng.standard_normal((N, F, Ho, Wo))
        yield Case(f"random {trial}: x {shape_str(x)}, w {shape_str(w)}, stride={stride}, "
                   f"padding={padding}", (dout, x, w), {"stride": stride, "padding": padding})


def _conv_backward_bad(rng):
    yield Case("dout 3x3 where x 3x3 and w 2x2 give 2x2",
               (np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))), raises=ValueError)
    yield Case("channels differ: x 1x2x4x4, w 1x3x2x2",
               (np.ones((1, 1, 3, 3)), np.ones((1, 2, 4, 4)), np.ones((1, 3, 2, 2))), raises=ValueError)
    # einsum and += broadcast these silently
    yield Case("dout 1x1x1x1 where x 3x3 and w 2x2 give 1x1x2x2",
               (np.ones((1, 1, 1, 1)), np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))), raises=ValueError)
    yield Case("dout for a batch of 1 where x is a batch of 2: dout 1x1x2x2, x 2x1x3x3",
               (np.ones((1, 1, 2, 2)), np.ones((2, 1, 3, 3)), np.ones((1, 1, 2, 2))), raises=ValueError)
    yield Case("dout for 1 filter where w has 2: dout 1x1x2x2, w 2x1x2x2",
               (np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), np.ones((2, 1, 2, 2))), raises=ValueError)


def _conv_backward_loops(dout, x, w, stride=1, padding=0, *, steps: str = "both",
                         sides: str = "both", crop: str = "middle"):
    """conv2d_backward with loops over the output positions; the keywords plant one mistake:
    steps "rows" or "cols" uses the stride on that axis only; sides "after" pads the bottom and
    the right only; crop "corner" cuts dx from the top-left of the padded gradient."""
    (sh, sw), (ph, pw) = as_pair(stride), as_pair(padding)
    if steps == "rows":
        sw = 1
    elif steps == "cols":
        sh = 1
    elif steps == "rows_for_cols":
        sw = sh
    elif steps == "cols_for_rows":
        sh = sw
    x, w, dout = _f(x), _f(w), _f(dout)
    H, W = x.shape[2:]
    KH, KW = w.shape[2:]
    pad_rows, pad_cols = ((ph, ph), (pw, pw)) if sides == "both" else ((0, ph), (0, pw))
    xpad = np.pad(x, ((0, 0), (0, 0), pad_rows, pad_cols))
    dxpad, dw = np.zeros_like(xpad), np.zeros_like(w)
    for i, j in np.ndindex(dout.shape[2:]):
        rows, cols = slice(i * sh, i * sh + KH), slice(j * sw, j * sw + KW)
        patch = xpad[:, :, rows, cols]
        a, b = patch.shape[2:]  # a window running off the edge is cut short
        d = dout[:, :, i, j]
        dw[:, :, :a, :b] += np.einsum("nf,ncab->fcab", d, patch)
        dxpad[:, :, rows, cols] += np.einsum("nf,fcab->ncab", d, w[:, :, :a, :b])
    r0, c0 = (pad_rows[0], pad_cols[0]) if crop == "middle" else (0, 0)
    return dxpad[:, :, r0:r0 + H, c0:c0 + W], dw, dout.sum(axis=(0, 2, 3))


def _conv_backward_mistake(**planted):
    def variant(dout, x, w, stride=1, padding=0):
        return _conv_backward_loops(dout, x, w, stride, padding, **planted)
    return variant


CONV_DX_UNFLIPPED = ("dx pairs dout with the kernel in the wrong direction (as if flipped): the "
                     "gradient of out[n, f, i, j] goes back to the pixel that w[f, c, a, b] "
                     "multiplied, dxpad[n, c, i*sh + a, j*sw + b] += dout[n, f, i, j] * "
                     "w[f, c, a, b]; written as a full correlation of the zero-padded dout, "
                     "that uses the kernel rotated by 180 degrees, w[:, :, ::-1, ::-1].")


def _conv_dx_unflipped(dout, x, w, stride=1, padding=0):
    dx = ref("conv2d_backward")(dout, x, np.asarray(w)[:, :, ::-1, ::-1], stride=stride,
                                padding=padding)[0]
    return (dx, *ref("conv2d_backward")(dout, x, w, stride=stride, padding=padding)[1:])


def _conv_dw_one_image(n: int):
    """dw from image n only (dw[...] = inside the loop over the batch)."""
    def variant(dout, x, w, stride=1, padding=0):
        dx, dw, db = ref("conv2d_backward")(dout, x, w, stride=stride, padding=padding)
        one = ref("conv2d_backward")(_f(dout)[n:n + 1 or None], _f(x)[n:n + 1 or None], w,
                                     stride=stride, padding=padding)[1]
        return dx, one, db
    return variant


def _conv_dx_offsets_overwrite(dout, x, w, stride=1, padding=0):
    """dx assigned (=) per kernel offset instead of accumulated: the last offset wins."""
    dx, dw, db = ref("conv2d_backward")(dout, x, w, stride=stride, padding=padding)
    (sh, sw), (ph, pw) = as_pair(stride), as_pair(padding)
    x, w, d = _f(x), _f(w), _f(dout)
    H, W = x.shape[2:]
    KH, KW = w.shape[2:]
    Ho, Wo = d.shape[2:]
    dxpad = np.zeros((x.shape[0], x.shape[1], H + 2 * ph, W + 2 * pw))
    for a in range(KH):
        for b in range(KW):
            rows, cols = slice(a, a + sh * Ho, sh), slice(b, b + sw * Wo, sw)
            dxpad[:, :, rows, cols] = np.einsum("nfij,fc->ncij", d, w[:, :, a, b])
    return dxpad[:, :, ph:ph + H, pw:pw + W], dw, db


def _cb(name: str):
    def variant(dout, x, w, stride=1, padding=0):
        dx, dw, db = ref("conv2d_backward")(dout, x, w, stride=stride, padding=padding)
        d = _f(dout)
        H, W = np.shape(x)[2:]
        ph, pw = as_pair(padding)
        if name == "db_not_summed":
            return dx, dw, d.sum(axis=(2, 3))
        if name == "db_batch_only":
            return dx, dw, d.sum(axis=0)
        if name == "db_mean":
            return dx, dw, d.mean(axis=(0, 2, 3))
        if name in ("conv_dx_pad_crop", "conv_dx_pad_kept"):
            # the gradient of the padded input, padding region included
            xpad = np.pad(_f(x), ((0, 0), (0, 0), (ph, ph), (pw, pw)))
            full = ref("conv2d_backward")(dout, xpad, w, stride=stride, padding=0)[0]
            return (full[:, :, :H, :W] if name == "conv_dx_pad_crop" else full), dw, db
        if name == "conv_dw_flipped":
            return dx, dw[:, :, ::-1, ::-1], db
        raise AssertionError(name)

    return variant


register(Exercise(
    name="conv2d_backward", reference="conv2d_backward", seed=4022, atol=1e-9,
    outputs=("dx", "dw", "db"),
    groups=[
        Group("fixed examples from the notebook", 1, _fixed(
            Case("x arange(9) 1x1x3x3, w ones 1x1x2x2, dout ones",
                 (np.ones((1, 1, 2, 2)), np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2)))),
            Case("x ones 2x1x3x3, w ones 1x1x3x3, padding 1, dout ones",
                 (np.ones((2, 1, 3, 3)), np.ones((2, 1, 3, 3)), np.ones((1, 1, 3, 3))), {"padding": 1}),
            Case("x arange(12) 1x1x3x4, w [[1, 2], [3, 4]], dout arange(6) 1x1x2x3",
                 (np.arange(6.0).reshape(1, 1, 2, 3), np.arange(12.0).reshape(1, 1, 3, 4),
                  np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))))),
        Group("random shapes, stride 1, no padding", 1, lambda rng: _conv_backward_random(rng, "plain")),
        Group("random strides", 1, lambda rng: _conv_backward_random(rng, "stride")),
        Group("random paddings", 1.5, lambda rng: _conv_backward_random(rng, "padding")),
        Group("bad input raises ValueError", 0.5, _conv_backward_bad),
    ],
    mistakes=[Mistake(key, _cb(key)) for key in (
        "db_not_summed", "db_batch_only", "db_mean", "conv_dx_pad_crop", "conv_dx_pad_kept",
        "conv_dw_flipped")] + [
        Mistake(CONV_DX_UNFLIPPED, _conv_dx_unflipped),
        Mistake(STRIDE_ONE_AXIS, _conv_backward_mistake(steps="rows")),
        Mistake(STRIDE_ONE_AXIS, _conv_backward_mistake(steps="cols")),
        Mistake(STRIDE_ONE_AXIS, _conv_backward_mistake(steps="rows_for_cols")),
        Mistake(STRIDE_ONE_AXIS, _conv_backward_mistake(steps="cols_for_rows")),
        Mistake("conv_dw_one_image", _conv_dw_one_image(-1)),
        Mistake("conv_dw_one_image", _conv_dw_one_image(0)),
        Mistake("pool_grad_overwrite", _conv_dx_offsets_overwrite),
        Mistake("pad_one_side", _conv_backward_mistake(sides="after", crop="corner")),
    ],
    dtype_rule="float64",
))
