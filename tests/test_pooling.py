"""The reference solutions of notebook 03 against PyTorch's pooling."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from solutions import avg_pool2d, global_avg_pool2d, max_pool2d


def _pp(v):
    return (v, v) if isinstance(v, int) else v


windows = st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4)))
strides = st.one_of(st.none(), st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(1, 10), w=st.integers(1, 10),
       kernel=windows, stride=strides, pad=st.tuples(st.integers(0, 2), st.integers(0, 2)),
       seed=st.integers(0, 2**32 - 1))
def test_pooling_matches_torch(n, c, h, w, kernel, stride, pad, seed):
    kh, kw = _pp(kernel)
    ph, pw = min(pad[0], kh // 2), min(pad[1], kw // 2)
    assume(kh <= h + 2 * ph and kw <= w + 2 * pw)
    x = np.random.default_rng(seed).standard_normal((n, c, h, w))
    tx = torch.from_numpy(x)
    kwargs = {"kernel_size": kernel, "stride": stride, "padding": (ph, pw)}
    want_max = F.max_pool2d(tx, **kwargs).numpy()
    want_avg = F.avg_pool2d(tx, **kwargs).numpy()  # count_include_pad=True by default
    np.testing.assert_allclose(max_pool2d(x, **kwargs), want_max, rtol=0, atol=1e-12)
    np.testing.assert_allclose(avg_pool2d(x, **kwargs), want_avg, rtol=0, atol=1e-12)


def test_lecture_output_size_and_depth():
    x = np.zeros((1, 5, 224, 224))
    for fn in (max_pool2d, avg_pool2d):
        assert fn(x, 2, 2).shape == (1, 5, 112, 112)  # W2 = (224 - 2)/2 + 1, D2 = D1
        assert fn(x, 3, 2).shape == (1, 5, 111, 111)  # AlexNet-style overlapping windows


def test_stride_defaults_to_the_window():
    x = np.random.default_rng(0).standard_normal((1, 2, 9, 9))
    np.testing.assert_array_equal(max_pool2d(x, 3), max_pool2d(x, 3, stride=3))


@settings(max_examples=30, deadline=None)
@given(shape=st.tuples(*[st.integers(1, 6)] * 4), seed=st.integers(0, 2**32 - 1))
def test_global_avg_pool_matches_torch(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    want = F.adaptive_avg_pool2d(torch.from_numpy(x), 1).numpy()[:, :, 0, 0]
    got = global_avg_pool2d(x)
    assert got.shape == shape[:2]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("fn", [max_pool2d, avg_pool2d])
@pytest.mark.parametrize("shape, args, message", [
    ((1, 1, 3, 3), {"kernel_size": 4}, r"window \(4, 4\) is larger than the input \(1, 1, 3, 3\)"),
    ((1, 1, 6, 6), {"kernel_size": 2, "padding": 2}, r"more than half the window"),
    ((1, 4, 4), {"kernel_size": 2}, r"\(N, C, H, W\), got \(1, 4, 4\)"),
    ((1, 1, 4, 4), {"kernel_size": 2, "stride": 0}, r"stride must be >= 1"),
])
def test_pooling_rejects_bad_input(fn, shape, args, message):
    with pytest.raises(ValueError, match=message):
        fn(np.zeros(shape), **args)


def test_global_avg_pool_rejects_bad_input():
    with pytest.raises(ValueError, match=r"got \(2, 3, 3\)"):
        global_avg_pool2d(np.zeros((2, 3, 3)))
