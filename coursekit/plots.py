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


def show_feature_maps(image: np.ndarray, maps: dict[str, np.ndarray],
                      kernels: dict[str, np.ndarray] | None = None, cols: int = 3):
    """Grid of an image and its feature maps, one per named filter.

    image: (H, W); maps: name -> (H', W') feature map; kernels: name -> (KH, KW), shown in the
    panel's title. Each map uses a diverging colour scale centred on 0 (positive red, negative
    blue), so the sign of a response is visible.
    """
    panels = 1 + len(maps)
    rows = -(-panels // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
    axes = axes.ravel()
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title(f"input {image.shape[0]}x{image.shape[1]}")
    for ax, (name, fmap) in zip(axes[1:], maps.items(), strict=False):
        lim = float(np.abs(fmap).max()) or 1.0
        im = ax.imshow(fmap, cmap="RdBu_r", vmin=-lim, vmax=lim)
        title = name
        if kernels and name in kernels:
            title += "\n" + np.array2string(np.asarray(kernels[name]), precision=2,
                                            suppress_small=True).replace("\n", "")
        ax.set_title(title, fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.035)
    for ax in axes:
        ax.set_xlabel("column")
        ax.set_ylabel("row")
    for ax in axes[panels:]:
        ax.axis("off")
    fig.suptitle("feature maps: each filter responds to a different local pattern")
    fig.tight_layout()
    return fig


def bar_log(values: dict[str, float], title: str, ylabel: str = "parameters (log scale)"):
    """Bar chart on a log scale with each bar's value written on it."""
    fig, ax = plt.subplots(figsize=(7, 4))
    names, heights = list(values), [float(v) for v in values.values()]
    bars = ax.bar(names, heights, color=["#c44e52", "#dd8452", "#4c72b0", "#55a868"][:len(names)])
    ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    ax.set_xlabel("layer type")
    ax.set_title(title)
    for bar, h in zip(bars, heights, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, h * 1.15, f"{h:,.0f}", ha="center", fontsize=9)
    ax.set_ylim(top=max(heights) * 20)
    fig.tight_layout()
    return fig
