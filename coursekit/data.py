"""Data that ships inside installed packages: nothing is downloaded."""

from __future__ import annotations

import numpy as np

SAMPLE_IMAGES = ("china.jpg", "flower.jpg")


def sample_image(name: str = "china.jpg", gray: bool = True, step: int = 1) -> np.ndarray:
    """A real photo shipped with scikit-learn, as float64 in [0, 1].

    name: "china.jpg" (a temple) or "flower.jpg"; both are 427x640 RGB.
    Returns X: (H, W) if gray, else x: (3, H, W) (channels first), with H = ceil(427 / step),
    W = ceil(640 / step); ``step`` keeps every step-th pixel to make the image smaller.
    """
    if name not in SAMPLE_IMAGES:
        raise ValueError(f"unknown sample image {name!r}; choose one of {SAMPLE_IMAGES}")
    if step < 1:
        raise ValueError(f"step must be a positive integer, got {step}")
    rgb = _sample_jpeg(name)[::step, ::step].astype(np.float64) / 255.0  # (H, W, 3)
    if gray:
        return rgb @ np.array([0.299, 0.587, 0.114])  # ITU-R 601 luma
    return rgb.transpose(2, 0, 1).copy()


def _sample_jpeg(name: str) -> np.ndarray:
    """scikit-learn's ``load_sample_image(name)``: the same file, decoded the same way (PIL),
    without importing scikit-learn (1-2 s, paid by every run of notebook 01 and every grading
    of it). Returns (427, 640, 3) uint8."""
    import importlib.util
    from pathlib import Path

    from PIL import Image

    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("scikit-learn is not installed: its sample images are the course's "
                          "photos (pip install scikit-learn)")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "images" / name
    with path.open("rb") as fh:
        return np.asarray(Image.open(fh))


def digits(test_fraction: float = 0.2, seed: int = 0
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 handwritten digits (8x8, 10 classes), split once with a fixed seed.

    They are the test part of the UCI "Optical Recognition of Handwritten Digits" set, written by
    13 people (43 wrote the whole UCI set). Each digit was a 32x32 black-and-white bitmap,
    reduced to 8x8 by counting the black pixels in each 4x4 block: integers from 0 to 16.

    Returns x_train: (N_train, 1, 8, 8), y_train: (N_train,), x_test: (N_test, 1, 8, 8),
    y_test: (N_test,). Pixels are float64 in [0, 1] (the raw 0..16 divided by 16), labels int64.
    The split is stratified: every class has the same share in both parts. With the defaults,
    N_train = 1437 and N_test = 360.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x = (data.images / 16.0).astype(np.float64)[:, None]  # (1797, 1, 8, 8)
    y = data.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y)
    return x_train, y_train, x_test, y_test
