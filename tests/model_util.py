"""Helpers of the model notebooks' tests (06 VGG, 08 ResNet, 09 DenseNet)."""

from __future__ import annotations

import torch
from torch import nn


def count(model: nn.Module) -> int:
    """The model's parameter count."""
    return sum(p.numel() for p in model.parameters())


def on_meta(build, *args, **kwargs) -> nn.Module:
    """build(*args, **kwargs) on the meta device: counted without allocating its weights."""
    with torch.device("meta"):
        return build(*args, **kwargs)
