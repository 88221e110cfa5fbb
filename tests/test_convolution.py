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
