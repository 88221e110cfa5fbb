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
    from sklearn.datasets import load_sample_image

    rgb = load_sample_image(name)[::step, ::step].astype(np.float64) / 255.0  # (H, W, 3)
    if gray:
        return rgb @ np.array([0.299, 0.587, 0.114])  # ITU-R 601 luma
    return rgb.transpose(2, 0, 1).copy()
