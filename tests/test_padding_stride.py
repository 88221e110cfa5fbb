"""The reference solutions of notebook 02 against the lecture's numbers and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from solutions import conv2d, conv2d_fast, conv_output_size, im2col, pad2d, receptive_field

pair = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
pads = st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)))


def _pair(v):
    return (v, v) if isinstance(v, int) else v


def test_lecture_output_sizes():
    assert conv_output_size(7, 3, stride=1, padding=1) == 7
    assert conv_output_size(224, 7, stride=2, padding=3) == 112
    assert conv_output_size(7, 3, stride=3) == 2  # floors, as PyTorch does
    assert conv_output_size(7, 3, stride=2) == 3
    with pytest.raises(ValueError, match=r"\(7 - 3 \+ 2\*0\) / 3 = 1.33333 is not an integer"):
        conv_output_size(7, 3, stride=3, strict=True)


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 30), f=st.integers(1, 9), s=st.integers(1, 4), p=st.integers(0, 4))
def test_conv_output_size_matches_torch(n, f, s, p):
    assume(f <= n + 2 * p)
    out = F.conv1d(torch.zeros(1, 1, n), torch.zeros(1, 1, f), stride=s, padding=p)
    assert conv_output_size(n, f, stride=s, padding=p) == out.shape[-1]


@pytest.mark.parametrize("args, kwargs", [
    ((4, 7), {"padding": 1}), ((7, 3), {"stride": 0}), ((0, 1), {}), ((7, 3), {"padding": -1}),
    ((7, 2.5), {}),
])
def test_conv_output_size_rejects_bad_input(args, kwargs):
    with pytest.raises(ValueError):
        conv_output_size(*args, **kwargs)


@settings(max_examples=50, deadline=None)
@given(shape=st.tuples(*[st.integers(1, 4)] * 4), padding=pads, seed=st.integers(0, 2**32 - 1))
def test_pad2d_matches_torch(shape, padding, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    ph, pw = _pair(padding)
    want = F.pad(torch.from_numpy(x), (pw, pw, ph, ph)).numpy()
    np.testing.assert_array_equal(pad2d(x, padding), want)


@pytest.mark.parametrize("x, padding, message", [
    (np.zeros((3, 4, 4)), 1, r"\(N, C, H, W\), got \(3, 4, 4\)"),
    (np.zeros((1, 1, 3, 3)), -1, r"padding must be >= 0"),
    (np.zeros((1, 1, 3, 3)), (1, 2, 3), r"an int or an \(h, w\) pair"),
])
def test_pad2d_bad_input(x, padding, message):
    with pytest.raises(ValueError, match=message):
        pad2d(x, padding)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 3), f=st.integers(1, 3), h=st.integers(1, 9),
       w=st.integers(1, 9), kh=st.integers(1, 4), kw=st.integers(1, 4), stride=pair, padding=pads,
       bias=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_conv2d_and_conv2d_fast_match_torch(n, c, f, h, w, kh, kw, stride, padding, bias, seed):
    ph, pw = _pair(padding)
    assume(kh <= h + 2 * ph and kw <= w + 2 * pw)
    rng = np.random.default_rng(seed)
    x, wt = rng.standard_normal((n, c, h, w)), rng.standard_normal((f, c, kh, kw))
    b = rng.standard_normal(f) if bias else None
    want = F.conv2d(torch.from_numpy(x), torch.from_numpy(wt),
                    None if b is None else torch.from_numpy(b), stride=stride, padding=padding).numpy()
    slow, fast = conv2d(x, wt, b, stride, padding), conv2d_fast(x, wt, b, stride, padding)
    assert slow.shape == fast.shape == want.shape and slow.dtype == fast.dtype == np.float64
    np.testing.assert_allclose(slow, want, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 3), h=st.integers(1, 9), w=st.integers(1, 9),
       kh=st.integers(1, 4), kw=st.integers(1, 4), stride=pair, padding=pads,
       seed=st.integers(0, 2**32 - 1))
def test_im2col_matches_torch_unfold(n, c, h, w, kh, kw, stride, padding, seed):
    ph, pw = _pair(padding)
    assume(kh <= h + 2 * ph and kw <= w + 2 * pw)
    x = np.random.default_rng(seed).standard_normal((n, c, h, w))
    want = F.unfold(torch.from_numpy(x), (kh, kw), stride=stride, padding=padding).numpy()
    np.testing.assert_allclose(im2col(x, kh, kw, stride, padding), want, rtol=0, atol=1e-12)


def test_conv2d_fast_keeps_float32():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 8, 8)).astype(np.float32), rng.standard_normal(
        (4, 3, 3, 3)).astype(np.float32)
    out = conv2d_fast(x, w, np.zeros(4, np.float32), padding=1)
    assert out.dtype == np.float32
    want = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("fn", [conv2d, conv2d_fast])
@pytest.mark.parametrize("x_shape, w_shape, kwargs, message", [
    ((1, 3, 5, 5), (2, 2, 3, 3), {}, r"channel counts differ: x \(1, 3, 5, 5\)"),
    ((1, 1, 2, 2), (1, 1, 5, 5), {"padding": 1}, r"larger than the images of x \(1, 1, 2, 2\)"),
    ((1, 1, 4, 4), (1, 1, 2, 2), {"stride": 0}, r"stride must be an integer >= 1"),
    ((3, 4, 4), (1, 3, 2, 2), {}, r"x \(3, 4, 4\)"),
])
def test_convolutions_reject_bad_input(fn, x_shape, w_shape, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fn(np.zeros(x_shape), np.zeros(w_shape), **kwargs)


def test_receptive_field():
    assert receptive_field([]) == 1
    assert receptive_field([(3, 1), (3, 1)]) == 5
    assert receptive_field([(3, 1)] * 3) == 7
    assert receptive_field([(7, 2), (3, 2)]) == 11
    with pytest.raises(ValueError, match="layer 1"):
        receptive_field([(3, 1), (3, 0)])


@settings(max_examples=30, deadline=None)
@given(layers=st.lists(st.tuples(st.integers(1, 5), st.integers(1, 3)), min_size=1, max_size=5))
def test_receptive_field_matches_a_probe_through_torch(layers):
    # the receptive field is the width of the input region whose gradient reaches one output unit
    r = receptive_field(layers)
    n = r + 40
    x = torch.zeros(1, 1, n, dtype=torch.float64, requires_grad=True)
    y = x
    for k, s in layers:
        y = F.conv1d(y, torch.ones(1, 1, k, dtype=torch.float64), stride=s)
    y[0, 0, y.shape[-1] // 2].backward()
    touched = torch.nonzero(x.grad[0, 0]).flatten()
    assert int(touched.max() - touched.min() + 1) == r
