"""Hidden checks for notebook 01, convolution."""

from __future__ import annotations

import numpy as np

from autograder.checks import Case, Exercise, Group, Mistake, register


def _ref(name: str):
    import solutions

    return getattr(solutions, name)


def _shape(a) -> str:
    return "x".join(map(str, np.shape(a)))


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
        yield Case(f"random {trial}: X {_shape(X)}, K {_shape(K)}", (X, K))


def _corr2d_bad(rng):
    yield Case("kernel larger than the image: X 3x3, K 4x2", (np.zeros((3, 3)), np.zeros((4, 2))),
               raises=ValueError)
    yield Case("3-D image: X 2x3x3, K 2x2", (np.zeros((2, 3, 3)), np.zeros((2, 2))),
               raises=ValueError)


def _flipped(X, K):
    return _ref("corr2d")(X, np.asarray(K)[::-1, ::-1])


def _transposed(X, K):
    return _ref("corr2d")(X, np.asarray(K).T)


def _short(X, K):
    return _ref("corr2d")(X, K)[:-1, :-1]


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
    ],
))
