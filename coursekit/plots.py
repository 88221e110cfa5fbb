"""Figures used by the notebooks. They draw; they never compute an exercise's answer."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle


def _grid(ax, A: np.ndarray, title: str, cmap: str = "Blues", fmt: str = "{:g}") -> None:
    """Draw a 2-D array as a grid of cells with its values written in."""
    ax.imshow(A, cmap=cmap, vmin=min(0, A.min()), vmax=max(1, A.max()) * 1.6)
    for (i, j), v in np.ndenumerate(A):
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=12)
    ax.set_xticks(range(A.shape[1]))
    ax.set_yticks(range(A.shape[0]))
    ax.set_xlabel("column j")
    ax.set_ylabel("row i")
    ax.set_title(title)


def show_correlation_window(X: np.ndarray, K: np.ndarray, i: int = 0, j: int = 0,
                            out: np.ndarray | None = None):
    """Show one step of a cross-correlation: the window of ``X`` under ``K`` at output (i, j).

    X: (H, W) image, K: (KH, KW) kernel. The window X[i:i+KH, j:j+KW] is outlined in red, the
    element-wise products are shown, and their sum is the output value at (i, j). If ``out``
    (H-KH+1, W-KW+1) is given, the whole output is drawn with (i, j) outlined.
    """
    X, K = np.asarray(X), np.asarray(K)
    KH, KW = K.shape
    window = X[i:i + KH, j:j + KW]
    prod = window * K
    panels = 4 if out is not None else 3
    fig, axes = plt.subplots(1, panels, figsize=(3.6 * panels, 3.6))
    _grid(axes[0], X, f"image X {X.shape}, window at ({i}, {j})")
    axes[0].add_patch(Rectangle((j - 0.5, i - 0.5), KW, KH, fill=False, ec="red", lw=3))
    _grid(axes[1], K, f"kernel K {K.shape}", cmap="Oranges")
    _grid(axes[2], prod, f"window * K, sum = {prod.sum():g}", cmap="Greens")
    if out is not None:
        out = np.asarray(out)
        _grid(axes[3], out, f"feature map {out.shape}", cmap="Purples")
        axes[3].add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="red", lw=3))
    fig.suptitle(f"out[{i}, {j}] = sum(X[{i}:{i + KH}, {j}:{j + KW}] * K) = {prod.sum():g}")
    fig.tight_layout()
    return fig
