"""The reference solutions of notebook 04 against PyTorch: layers, their backward passes, the CNN."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coursekit.data import digits
from solutions import (
    NumpyCNN,
    TorchCNN,
    avg_pool2d_backward,
    conv2d_backward,
    conv2d_fast,
    cross_entropy,
    flatten,
    linear,
    linear_backward,
    max_pool2d,
    max_pool2d_backward,
    numerical_gradient,
    relu,
    relu_backward,
    softmax,
    softmax_cross_entropy_backward,
    topk_error,
    train_numpy,
    train_torch,
)

ATOL = 1e-8
seeds = st.integers(0, 2**32 - 1)
shapes = st.lists(st.integers(1, 5), min_size=1, max_size=4).map(tuple)
windows = st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4)))
strides = st.one_of(st.none(), st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
pair = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
pads = st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)))


def _pp(v):
    return (v, v) if isinstance(v, int) else v


def _close(got, want):
    np.testing.assert_allclose(got, want, rtol=0, atol=ATOL)


def _leaf(a):
    """A float64 torch leaf that records its gradient."""
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def _rel_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


# ---------------------------------------------------------------- forward passes


@settings(max_examples=40, deadline=None)
@given(shape=shapes, seed=seeds)
def test_relu_matches_torch(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    x.flat[::3] = 0.0
    _close(relu(x), torch.relu(torch.from_numpy(x)).numpy())


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=2, max_size=5).map(tuple), seed=seeds)
def test_flatten_matches_torch(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    got = flatten(x)
    assert got.shape == (shape[0], math.prod(shape[1:]))
    np.testing.assert_array_equal(got, torch.flatten(torch.from_numpy(x), 1).numpy())


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 8), m=st.integers(1, 8), seed=seeds)
def test_linear_matches_torch(n, d, m, seed):
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal((n, d)), rng.standard_normal((d, m)), rng.standard_normal(m)
    tx, tw, tb = (torch.from_numpy(a) for a in (x, w, b))
    got = linear(x, w, b)
    assert got.shape == (n, m)
    _close(got, (tx @ tw + tb).numpy())


@settings(max_examples=80, deadline=None)
@given(shape=shapes, scale=st.sampled_from([1.0, 30.0, 1000.0, 5000.0]),
       offset=st.sampled_from([0.0, 1000.0, -1000.0]), seed=seeds, data=st.data())
def test_softmax_matches_torch(shape, scale, offset, seed, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    x = np.random.default_rng(seed).standard_normal(shape) * scale + offset
    got = softmax(x, axis=axis)
    assert np.isfinite(got).all()
    _close(got, torch.softmax(torch.from_numpy(x), dim=axis).numpy())
    _close(got.sum(axis=axis), np.ones(np.delete(shape, axis % len(shape))))


def test_softmax_of_huge_logits():
    _close(softmax(np.array([[1000.0, 1000.0]])), [[0.5, 0.5]])
    _close(softmax(np.array([[-1000.0, -1000.0, -1000.0]])), np.full((1, 3), 1 / 3))
    _close(softmax(np.array([1000.0, 0.0, -1000.0])), [1.0, 0.0, 0.0])


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 6), k=st.integers(1, 8), scale=st.sampled_from([1.0, 30.0, 1000.0]),
       offset=st.sampled_from([0.0, 1000.0, -1000.0]), seed=seeds)
def test_cross_entropy_matches_torch(n, k, scale, offset, seed):
    rng = np.random.default_rng(seed)
    scores, y = rng.standard_normal((n, k)) * scale + offset, rng.integers(0, k, n)
    got = cross_entropy(scores, y)
    assert isinstance(got, float) and math.isfinite(got)
    want = F.cross_entropy(torch.from_numpy(scores), torch.from_numpy(y)).item()
    _close(got, want)


def test_cross_entropy_of_uniform_scores_is_log_k():
    _close(cross_entropy(np.zeros((2, 4)), np.array([0, 3])), math.log(4))


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 8), num_classes=st.integers(1, 12), seed=seeds, data=st.data())
def test_topk_error_matches_torch_topk(n, num_classes, seed, data):
    k = data.draw(st.integers(1, num_classes), label="k")
    rng = np.random.default_rng(seed)
    scores, y = rng.standard_normal((n, num_classes)), rng.integers(0, num_classes, n)
    top = torch.topk(torch.from_numpy(scores), k, dim=1).indices  # continuous scores: no ties
    want = 1.0 - (top == torch.from_numpy(y)[:, None]).any(dim=1).double().mean().item()
    _close(topk_error(scores, y, k=k), want)


def test_topk_error_examples():
    scores, y = np.array([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1]]), np.array([2, 0])
    assert topk_error(scores, y, k=1) == 0.5
    assert topk_error(scores, y, k=2) == 0.0
    ranked = np.tile(np.arange(6.0), (6, 1))  # class 0 always scores lowest: only it is missed
    assert topk_error(ranked, np.arange(6)) == pytest.approx(1 / 6, abs=1e-15)  # default k=5


# ---------------------------------------------------------------- backward passes (autograd)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, seed=seeds)
def test_relu_backward_matches_autograd(shape, seed):
    rng = np.random.default_rng(seed)
    x, dout = rng.standard_normal(shape), rng.standard_normal(shape)
    x.flat[::3] = 0.0  # the kink: PyTorch's gradient there is 0
    tx = _leaf(x)
    (torch.relu(tx) * torch.from_numpy(dout)).sum().backward()
    _close(relu_backward(dout, x), tx.grad.numpy())


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 8), m=st.integers(1, 8), seed=seeds)
def test_linear_backward_matches_autograd(n, d, m, seed):
    rng = np.random.default_rng(seed)
    x, w, b, dout = (rng.standard_normal(s) for s in ((n, d), (d, m), (m,), (n, m)))
    tx, tw, tb = _leaf(x), _leaf(w), _leaf(b)
    ((tx @ tw + tb) * torch.from_numpy(dout)).sum().backward()
    dx, dw, db = linear_backward(dout, x, w)
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, b.shape)
    _close(dx, tx.grad.numpy())
    _close(dw, tw.grad.numpy())
    _close(db, tb.grad.numpy())


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 6), k=st.integers(1, 8), scale=st.sampled_from([1.0, 30.0, 1000.0]),
       seed=seeds)
def test_softmax_cross_entropy_backward_matches_autograd(n, k, scale, seed):
    rng = np.random.default_rng(seed)
    scores, y = rng.standard_normal((n, k)) * scale, rng.integers(0, k, n)
    ts = _leaf(scores)
    F.cross_entropy(ts, torch.from_numpy(y)).backward()
    _close(softmax_cross_entropy_backward(scores, y), ts.grad.numpy())


def _pool_case(n, c, h, w, kernel, pad):
    """Padding clipped to half the window (PyTorch's rule); None if the window does not fit."""
    kh, kw = _pp(kernel)
    ph, pw = min(pad[0], kh // 2), min(pad[1], kw // 2)
    if kh > h + 2 * ph or kw > w + 2 * pw:
        return None
    return (ph, pw)


pool_args = dict(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(1, 9),
                 w=st.integers(1, 9), kernel=windows, stride=strides,
                 pad=st.tuples(st.integers(0, 2), st.integers(0, 2)), seed=seeds)


@pytest.mark.parametrize("torch_pool, ours", [(F.max_pool2d, max_pool2d_backward),
                                              (F.avg_pool2d, avg_pool2d_backward)],
                         ids=["max", "avg"])
@settings(max_examples=100, deadline=None)
@given(**pool_args)
def test_pool_backward_matches_autograd(torch_pool, ours, n, c, h, w, kernel, stride, pad, seed):
    padding = _pool_case(n, c, h, w, kernel, pad)
    assume(padding is not None)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w))  # continuous: no ties in a max-pool window
    tx = _leaf(x)
    out = torch_pool(tx, kernel, stride, padding)  # avg: count_include_pad=True, the default
    dout = rng.standard_normal(tuple(out.shape))
    (out * torch.from_numpy(dout)).sum().backward()
    got = ours(dout, x, kernel, stride=stride, padding=padding)
    assert got.shape == x.shape
    _close(got, tx.grad.numpy())


@pytest.mark.parametrize("kernel, stride, padding", [(3, 1, 1), (3, 2, 0), (3, 2, 1), ((2, 3), 1, 0),
                                                     (4, 2, 2)])
@pytest.mark.parametrize("fn, torch_pool", [(max_pool2d_backward, F.max_pool2d),
                                            (avg_pool2d_backward, F.avg_pool2d)], ids=["max", "avg"])
def test_overlapping_windows_add_up(fn, torch_pool, kernel, stride, padding):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 7, 8))
    tx = _leaf(x)
    out = torch_pool(tx, kernel, stride, padding)
    dout = rng.standard_normal(tuple(out.shape))
    (out * torch.from_numpy(dout)).sum().backward()
    _close(fn(dout, x, kernel, stride=stride, padding=padding), tx.grad.numpy())


def _torch_max_pool_grad(x, dout, kernel, stride, padding):
    tx = _leaf(x)
    (F.max_pool2d(tx, kernel, stride, padding) * torch.from_numpy(dout)).sum().backward()
    return tx.grad.numpy()


def test_max_pool_backward_ties_go_to_the_first_maximum():
    # the docstring's example: 3 at (0, 1) and (1, 0); row-major order picks (0, 1)
    x, dout = np.array([[[[1.0, 3.0], [3.0, 2.0]]]]), np.ones((1, 1, 1, 1))
    want = np.array([[[[0.0, 1.0], [0.0, 0.0]]]])
    np.testing.assert_array_equal(max_pool2d_backward(dout, x, 2), want)
    np.testing.assert_array_equal(_torch_max_pool_grad(x, dout, 2, None, 0), want)

    # a constant image, 3x3 windows, stride 1, padding 1: every window is one big tie and sends
    # its gradient to its first real (unpadded) pixel, (max(i - 1, 0), max(j - 1, 0))
    x, dout = np.full((1, 1, 5, 5), 7.0), np.ones((1, 1, 5, 5))
    per_row = np.array([2.0, 1.0, 1.0, 1.0, 0.0])
    want = np.outer(per_row, per_row)[None, None]
    np.testing.assert_array_equal(max_pool2d_backward(dout, x, 3, stride=1, padding=1), want)
    np.testing.assert_array_equal(_torch_max_pool_grad(x, dout, 3, 1, 1), want)


@pytest.mark.parametrize("kernel, stride, padding", [(2, None, 0), (2, 1, 0), (3, 1, 1), (3, 2, 1),
                                                     ((3, 2), (1, 2), (1, 0)), (4, 3, 2)])
def test_max_pool_backward_ties_like_torch(kernel, stride, padding):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, (2, 3, 7, 7)).astype(np.float64)  # ties in almost every window
    out_shape = max_pool2d(x, kernel, stride=stride, padding=padding).shape
    dout = rng.standard_normal(out_shape)  # distinct per window: which pixel wins matters
    np.testing.assert_array_equal(
        max_pool2d_backward(dout, x, kernel, stride=stride, padding=padding),
        _torch_max_pool_grad(x, dout, kernel, stride, padding))


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 3), f=st.integers(1, 3), h=st.integers(1, 9),
       w=st.integers(1, 9), kh=st.integers(1, 4), kw=st.integers(1, 4), stride=pair, padding=pads,
       seed=seeds)
def test_conv2d_backward_matches_autograd(n, c, f, h, w, kh, kw, stride, padding, seed):
    ph, pw = _pp(padding)
    assume(kh <= h + 2 * ph and kw <= w + 2 * pw)
    rng = np.random.default_rng(seed)
    x, wt, b = rng.standard_normal((n, c, h, w)), rng.standard_normal((f, c, kh, kw)), rng.standard_normal(f)
    tx, tw, tb = _leaf(x), _leaf(wt), _leaf(b)
    out = F.conv2d(tx, tw, tb, stride=stride, padding=padding)
    dout = rng.standard_normal(tuple(out.shape))
    (out * torch.from_numpy(dout)).sum().backward()
    dx, dw, db = conv2d_backward(dout, x, wt, stride=stride, padding=padding)
    assert (dx.shape, dw.shape, db.shape) == (x.shape, wt.shape, b.shape)
    _close(dx, tx.grad.numpy())
    _close(dw, tw.grad.numpy())
    _close(db, tb.grad.numpy())


# ---------------------------------------------------------------- numerical_gradient


def _logsumexp(v):
    return np.log(np.exp(v - v.max()).sum()) + v.max()


_A = np.random.default_rng(5).standard_normal((4, 4))
_Y = np.array([2, 0, 1])
FUNCTIONS = {  # name: (f, analytic gradient, shape of x)
    "sum of squares": (lambda v: np.sum(v ** 2), lambda v: 2 * v, (5,)),
    "sin": (lambda v: np.sin(v).sum(), np.cos, (2, 3)),
    "quadratic form": (lambda v: v @ _A @ v, lambda v: (_A + _A.T) @ v, (4,)),
    "log-sum-exp": (_logsumexp, lambda v: softmax(v), (6,)),
    "cross-entropy": (lambda s: cross_entropy(s, _Y), lambda s: softmax_cross_entropy_backward(s, _Y),
                      (3, 4)),
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_numerical_gradient_matches_analytic(name):
    f, grad, shape = FUNCTIONS[name]
    x = np.random.default_rng(0).standard_normal(shape)
    got = numerical_gradient(f, x)
    assert got.shape == x.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, grad(x), rtol=0, atol=1e-7)


def test_numerical_gradient_is_a_centered_difference():
    # f = sum(v^3): f' = 3v^2. A forward difference is off by about 3 v h; a centered one by h^2.
    x, h = np.array([1.0, 1.5, 2.0]), 1e-6
    f = lambda v: np.sum(v ** 3)  # noqa: E731
    exact = 3 * x ** 2
    forward = np.array([(f(x + h * e) - f(x)) / h for e in np.eye(len(x))])
    assert np.abs(forward - exact).min() > 1e-7
    assert np.abs(numerical_gradient(f, x, h=h) - exact).max() < 1e-8
    # the same with exp, whose every derivative is exp
    forward = np.array([(np.exp(x + h * e).sum() - np.exp(x).sum()) / h for e in np.eye(len(x))])
    assert np.abs(forward - np.exp(x)).min() > 1e-7
    assert np.abs(numerical_gradient(lambda v: np.exp(v).sum(), x, h=h) - np.exp(x)).max() < 1e-8


def test_numerical_gradient_leaves_x_alone():
    x = np.random.default_rng(0).standard_normal((3, 2))
    before = x.copy()
    numerical_gradient(lambda v: np.sum(v ** 2), x)
    np.testing.assert_array_equal(x, before)
    ints = np.array([1, 2, 3])
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v ** 2), ints), [2, 4, 6],
                               rtol=0, atol=1e-7)
    np.testing.assert_array_equal(ints, [1, 2, 3])


@pytest.mark.parametrize("h", [0.0, -1e-6, float("nan")])
def test_numerical_gradient_rejects_bad_h(h):
    with pytest.raises(ValueError, match="h must be positive"):
        numerical_gradient(lambda v: v.sum(), np.ones(3), h=h)


def test_numerical_gradient_rejects_non_scalar_f():
    with pytest.raises(ValueError, match=r"one number, got an array of shape \(3,\)"):
        numerical_gradient(lambda v: v * 2, np.ones(3))


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("fn", [cross_entropy, topk_error, softmax_cross_entropy_backward])
@pytest.mark.parametrize("y, message", [
    (np.array([0, 3]), r"labels must be integers in \[0, 3\) for scores \(2, 3\)"),
    (np.array([-1, 0]), r"labels must be integers in \[0, 3\) for scores \(2, 3\)"),
    (np.array([0.0, 1.0]), r"labels must be integers in \[0, 3\) for scores \(2, 3\), got float64"),
    (np.array([0, 1, 2]), r"y must have shape \(N,\) = \(2,\) for scores \(2, 3\), got \(3,\)"),
    (np.array([[0], [1]]), r"y must have shape \(N,\) = \(2,\) for scores \(2, 3\), got \(2, 1\)"),
])
def test_labels_are_checked(fn, y, message):
    with pytest.raises(ValueError, match=message):
        fn(np.zeros((2, 3)), y)


@pytest.mark.parametrize("fn", [cross_entropy, topk_error, softmax_cross_entropy_backward])
def test_scores_must_be_a_matrix(fn):
    with pytest.raises(ValueError, match=r"scores of shape \(N, K\), got \(2, 3, 4\)"):
        fn(np.zeros((2, 3, 4)), np.array([0, 1]))


@pytest.mark.parametrize("x, w, b, message", [
    ((2, 3), (4, 5), (5,), r"got x \(2, 3\), w \(4, 5\), b \(5,\)"),
    ((2, 3), (3, 5), (4,), r"got x \(2, 3\), w \(3, 5\), b \(4,\)"),
    ((3,), (3, 5), (5,), r"got x \(3,\), w \(3, 5\), b \(5,\)"),
])
def test_linear_rejects_mismatched_shapes(x, w, b, message):
    with pytest.raises(ValueError, match=message):
        linear(np.zeros(x), np.zeros(w), np.zeros(b))


def test_backward_passes_reject_mismatched_shapes():
    with pytest.raises(ValueError, match=r"got dout \(2, 4\), x \(2, 3\), w \(3, 5\)"):
        linear_backward(np.zeros((2, 4)), np.zeros((2, 3)), np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"dout \(2, 3\) and x \(3, 2\)"):
        relu_backward(np.zeros((2, 3)), np.zeros((3, 2)))


@pytest.mark.parametrize("fn", [max_pool2d_backward, avg_pool2d_backward])
def test_pool_backward_rejects_wrong_dout(fn):
    with pytest.raises(ValueError, match=r"pooled shape \(1, 2, 2, 2\) of x \(1, 2, 4, 4\), "
                                         r"got \(1, 2, 3, 3\)"):
        fn(np.zeros((1, 2, 3, 3)), np.zeros((1, 2, 4, 4)), 2)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\), got \(2, 4, 4\)"):
        fn(np.zeros((2, 2, 2)), np.zeros((2, 4, 4)), 2)


def test_conv2d_backward_rejects_wrong_shapes():
    with pytest.raises(ValueError, match=r"output shape \(1, 2, 2, 2\) of x \(1, 1, 4, 4\), "
                                         r"w \(2, 1, 3, 3\).*got \(1, 2, 4, 4\)"):
        conv2d_backward(np.zeros((1, 2, 4, 4)), np.zeros((1, 1, 4, 4)), np.zeros((2, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"same C, got x \(1, 3, 4, 4\) and w \(2, 1, 3, 3\)"):
        conv2d_backward(np.zeros((1, 2, 2, 2)), np.zeros((1, 3, 4, 4)), np.zeros((2, 1, 3, 3)))


def test_flatten_rejects_a_single_vector():
    with pytest.raises(ValueError, match=r"\(N, \.\.\.\), got \(3,\)"):
        flatten(np.zeros(3))


@pytest.mark.parametrize("k", [0, 4, -1, 1.5, True])
def test_topk_error_rejects_bad_k(k):
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 3\] for scores \(2, 3\)"):
        topk_error(np.zeros((2, 3)), np.array([0, 1]), k=k)


# ---------------------------------------------------------------- the CNN


def _tiny_model(seed=0):
    """channels (2, 3); every parameter random and nonzero, so no ReLU sits exactly on its kink."""
    model = NumpyCNN(conv2d_fast, max_pool2d, channels=(2, 3), seed=seed)
    rng = np.random.default_rng(seed + 1)
    for name, p in model.params.items():
        model.params[name] = rng.standard_normal(p.shape) * (0.5 if name.startswith("w") else 0.1)
    return model


def test_numpy_cnn_gradients_match_numerical_gradient():
    model = _tiny_model()
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((3, 1, 8, 8)), np.array([3, 7, 0])
    loss, grads = model.loss(x, y)
    assert loss == pytest.approx(cross_entropy(model.scores(x), y), abs=1e-12)
    assert grads.keys() == model.params.keys()
    for name, p in model.params.items():
        def f(v, name=name):
            saved = model.params[name]
            model.params[name] = v
            try:
                return model.loss(x, y)[0]
            finally:
                model.params[name] = saved

        num = numerical_gradient(f, p)
        assert grads[name].shape == p.shape
        assert _rel_error(grads[name], num) < 1e-6, name


def _torch_loss(params, x, y):
    """The network re-built from torch.nn.functional layers."""
    t = {k: _leaf(v) for k, v in params.items()}
    h = F.max_pool2d(F.relu(F.conv2d(torch.from_numpy(x), t["w1"], t["b1"], padding=1)), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, t["w2"], t["b2"], padding=1)), 2)
    scores = torch.flatten(h, 1) @ t["w3"] + t["b3"]
    loss = F.cross_entropy(scores, torch.from_numpy(y))
    loss.backward()
    return loss.item(), scores.detach().numpy(), {k: v.grad.numpy() for k, v in t.items()}


@pytest.mark.parametrize("images", ["gaussian", "digits"])
def test_numpy_cnn_matches_a_torch_reimplementation(images):
    model = _tiny_model(seed=3)
    if images == "digits":  # real images: large zero backgrounds, so ties in the max pools
        x_train, y_train, _, _ = digits()
        x, y = x_train[:3], y_train[:3]
    else:
        rng = np.random.default_rng(4)
        x, y = rng.standard_normal((3, 1, 8, 8)), np.array([1, 9, 4])
    loss, grads = model.loss(x, y)
    want_loss, want_scores, want_grads = _torch_loss(model.params, x, y)
    _close(model.scores(x), want_scores)
    _close(loss, want_loss)
    for name in model.params:
        _close(grads[name], want_grads[name])


def test_torch_cnn_is_the_same_network():
    model = _tiny_model(seed=5)
    net = TorchCNN(channels=(2, 3)).double()
    p = model.params
    with torch.no_grad():
        conv1, conv2, fc = net.features[0], net.features[3], net.head[1]
        for layer, w, b in ((conv1, p["w1"], p["b1"]), (conv2, p["w2"], p["b2"]),
                            (fc, p["w3"].T, p["b3"])):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
    x = np.random.default_rng(6).standard_normal((4, 1, 8, 8))
    _close(net(torch.from_numpy(x)).detach().numpy(), model.scores(x))
    np.testing.assert_array_equal(model.predict(x), model.scores(x).argmax(axis=1))


def test_parameter_counts():
    by_hand = (16 * 1 * 9 + 16) + (32 * 16 * 9 + 32) + (128 * 10 + 10)
    assert by_hand == 6090
    assert NumpyCNN(conv2d_fast, max_pool2d).num_params() == by_hand
    assert sum(p.numel() for p in TorchCNN().parameters()) == by_hand


# ---------------------------------------------------------------- training on a small budget
# 400 images and 2-3 epochs. Small batches and no random shifts (the defaults are batch_size=32
# and max_shift=1, tuned for the full 20/40-epoch runs of bench/training.py) give enough steps
# for the loss to fall far in that budget.


@pytest.fixture(scope="module")
def small_digits():
    x_train, y_train, x_test, y_test = digits()
    return x_train[:400], y_train[:400], x_test, y_test


def _check_history(history, epochs):
    assert set(history) == {"loss", "train_acc", "test_acc", "seconds"}
    assert all(len(v) == epochs for v in history.values())
    assert history["loss"][-1] < history["loss"][0]
    assert history["loss"][-1] < 0.5 * math.log(10)  # log(10): guessing uniformly
    assert history["test_acc"][-1] > 0.5  # chance: 0.1


def test_train_numpy_learns(small_digits):
    model = NumpyCNN(conv2d_fast, max_pool2d, seed=0)
    history = train_numpy(model, *small_digits, epochs=2, batch_size=8, max_shift=0,
                          progress=False)
    _check_history(history, 2)
    x_test, y_test = small_digits[2:]
    assert np.mean(model.predict(x_test) == y_test) == history["test_acc"][-1]


@pytest.fixture
def one_torch_thread():
    """One thread: this tiny model gains nothing from more, and extra threads fighting other
    processes for the cores can slow it many times over."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_train_torch_learns(small_digits, one_torch_thread):
    torch.manual_seed(0)
    model = TorchCNN()
    history = train_torch(model, *small_digits, epochs=3, batch_size=16, lr=1e-2, max_shift=0,
                          progress=False)
    _check_history(history, 3)
