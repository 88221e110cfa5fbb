"""The reference solutions of notebook 01 against the lecture's numbers and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions import corr2d

LECTURE_X = np.array([[1, 1, 1, 0, 0],
                      [0, 1, 1, 1, 0],
                      [0, 0, 1, 1, 1],
                      [0, 0, 1, 1, 0],
                      [0, 1, 1, 0, 0]])
LECTURE_K = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])


def test_corr2d_lecture_example():
    out = corr2d(LECTURE_X, LECTURE_K)
    assert out[0, 0] == 4
    np.testing.assert_array_equal(out, [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def test_corr2d_does_not_flip_the_kernel():
    out = corr2d(np.arange(9).reshape(3, 3), np.array([[1, 2], [3, 4]]))
    np.testing.assert_array_equal(out, [[27, 37], [57, 67]])


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 12), w=st.integers(1, 12), kh=st.integers(1, 12), kw=st.integers(1, 12),
       seed=st.integers(0, 2**32 - 1))
def test_corr2d_matches_torch(h, w, kh, kw, seed):
    kh, kw = min(kh, h), min(kw, w)
    rng = np.random.default_rng(seed)
    X, K = rng.standard_normal((h, w)), rng.standard_normal((kh, kw))
    want = F.conv2d(torch.from_numpy(X)[None, None], torch.from_numpy(K)[None, None])[0, 0]
    got = corr2d(X, K)
    assert got.dtype == np.float64 and got.shape == (h - kh + 1, w - kw + 1)
    np.testing.assert_allclose(got, want.numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    "X, K, message",
    [
        (np.zeros((3, 3)), np.zeros((4, 2)), r"\(4, 2\).*larger.*\(3, 3\)"),
        (np.zeros((2, 3, 3)), np.zeros((2, 2)), r"\(2, 3, 3\)"),
        (np.zeros((3, 3)), np.zeros(2), r"\(2,\)"),
    ],
)
def test_corr2d_bad_input_names_the_shapes(X, K, message):
    with pytest.raises(ValueError, match=message):
        corr2d(X, K)


# ----------------------------------------------------------------------------- conv2d_multi

from solutions import conv2d_multi, conv_params, edge_kernel, fc_params, locally_connected_params  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 4), f=st.integers(1, 4), h=st.integers(1, 9),
       w=st.integers(1, 9), kh=st.integers(1, 9), kw=st.integers(1, 9), bias=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_conv2d_multi_matches_torch(n, c, f, h, w, kh, kw, bias, seed):
    kh, kw = min(kh, h), min(kw, w)
    rng = np.random.default_rng(seed)
    x, wt = rng.standard_normal((n, c, h, w)), rng.standard_normal((f, c, kh, kw))
    b = rng.standard_normal(f) if bias else None
    want = F.conv2d(torch.from_numpy(x), torch.from_numpy(wt),
                    None if b is None else torch.from_numpy(b)).numpy()
    got = conv2d_multi(x, wt, b)
    assert got.dtype == np.float64 and got.shape == (n, f, h - kh + 1, w - kw + 1)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)


def test_conv2d_multi_is_a_sum_of_corr2d_over_channels():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 2, 3)), rng.standard_normal(4)
    out = conv2d_multi(x, w, b)
    for n in range(2):
        for f in range(4):
            want = sum(corr2d(x[n, c], w[f, c]) for c in range(3)) + b[f]
            np.testing.assert_allclose(out[n, f], want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("x_shape, w_shape, b_shape, message", [
    ((1, 3, 5, 5), (2, 2, 3, 3), None, r"channel counts differ: x \(1, 3, 5, 5\).*w \(2, 2, 3, 3\)"),
    ((3, 5, 5), (2, 3, 3, 3), None, r"x \(3, 5, 5\)"),
    ((1, 3, 5, 5), (3, 3, 3), None, r"w \(3, 3, 3\)"),
    ((1, 1, 2, 2), (1, 1, 3, 3), None, r"larger than the images of x \(1, 1, 2, 2\)"),
    ((1, 1, 4, 4), (2, 1, 3, 3), (3,), r"b must have shape \(C_out,\) = \(2,\).*got \(3,\)"),
])
def test_conv2d_multi_bad_input_names_the_shapes(x_shape, w_shape, b_shape, message):
    b = None if b_shape is None else np.zeros(b_shape)
    with pytest.raises(ValueError, match=message):
        conv2d_multi(np.zeros(x_shape), np.zeros(w_shape), b)


# ----------------------------------------------------------------------------- parameter counts


def test_lecture_parameter_counts():
    assert conv_params(1, 1, 2, 2, bias=False) == 4
    assert conv_params(1, 100, 2, 2, bias=False) == 400
    assert conv_params(1, 100, 10, 10) == 10_100
    assert fc_params(200 * 200, 200 * 200) == 1_600_040_000
    assert locally_connected_params(200, 200, 1, 1, 10, 10) == 4_040_000


@settings(max_examples=40, deadline=None)
@given(c_in=st.integers(1, 16), c_out=st.integers(1, 16), kh=st.integers(1, 5),
       kw=st.integers(1, 5), bias=st.booleans())
def test_conv_params_match_torch(c_in, c_out, kh, kw, bias):
    layer = torch.nn.Conv2d(c_in, c_out, (kh, kw), bias=bias)
    assert conv_params(c_in, c_out, kh, kw, bias=bias) == sum(p.numel() for p in layer.parameters())


@settings(max_examples=40, deadline=None)
@given(n_in=st.integers(1, 300), n_out=st.integers(1, 300), bias=st.booleans())
def test_fc_params_match_torch(n_in, n_out, bias):
    layer = torch.nn.Linear(n_in, n_out, bias=bias)
    assert fc_params(n_in, n_out, bias=bias) == sum(p.numel() for p in layer.parameters())


@settings(max_examples=40, deadline=None)
@given(h=st.integers(1, 6), w=st.integers(1, 6), c_in=st.integers(1, 4), c_out=st.integers(1, 4),
       kh=st.integers(1, 3), kw=st.integers(1, 3), bias=st.booleans())
def test_locally_connected_params_match_an_unshared_layer(h, w, c_in, c_out, kh, kw, bias):
    # an unshared layer as PyTorch would hold it: one (c_out, c_in*kh*kw) matrix per position,
    # applied to nn.Unfold's columns, plus a (c_out, h, w) bias
    weight = torch.nn.Parameter(torch.zeros(h * w, c_out, c_in * kh * kw))
    params = [weight] + ([torch.nn.Parameter(torch.zeros(c_out, h, w))] if bias else [])
    assert locally_connected_params(h, w, c_in, c_out, kh, kw, bias=bias) == sum(
        p.numel() for p in params)


@pytest.mark.parametrize("fn, args", [
    (conv_params, (0, 1, 2, 2)), (conv_params, (1, 1, -2, 2)), (fc_params, (10, 0)),
    (locally_connected_params, (3, 3, 1, 1, 2, 0)), (conv_params, (1.5, 1, 2, 2)),
])
def test_parameter_counters_reject_non_positive_sizes(fn, args):
    with pytest.raises(ValueError, match="positive integers"):
        fn(*args)


def test_edge_kernel_finds_vertical_edges_only():
    K = edge_kernel()
    step = np.zeros((6, 6))
    step[:, 3:] = 1
    assert K.shape == (3, 3) and abs(K.sum()) < 1e-12
    assert np.abs(corr2d(step, K)).max() > 1
    assert np.abs(corr2d(step.T, K)).max() < 1e-12
