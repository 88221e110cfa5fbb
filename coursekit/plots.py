"""Figures used by the notebooks. They draw; they never compute an exercise's answer.

Every figure of the course is displayed with :func:`show`, which gives it alt text. JupyterLab
shows a plain ``image/png`` output as an ``<img>`` without any ``alt`` (its image renderer reads
only ``width``, ``height``, ``unconfined`` and ``needs_background`` from the output's metadata),
so :func:`show` displays one bundle with three representations of the same PNG:

* ``text/html``: ``<img src="data:image/png;base64,..." alt="...">``, which JupyterLab, VS Code
  and nbconvert prefer, so a screen reader reads the alt text;
* ``image/png`` with ``{"alt": ...}`` in its output metadata, for tools that show only images;
* ``text/plain``: ``[figure: <alt text>]``, for a terminal.

The figures are sized for a notebook column: at most ``MAX_WIDTH_IN`` inches wide at
``DPI`` dots per inch (1,000 pixels), with no text smaller than ``MIN_FONT_PT`` points.
Colour scales follow one rule: gray for images, a sequential scale for sizes and magnitudes,
and a diverging red-blue scale (white at 0) only for signed responses. Text on a coloured cell
is black or white, whichever contrasts more with the cell (:func:`contrast_color`).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

MIN_FONT_PT = 9.0
MAX_WIDTH_IN = 10.0
DPI = 100
ALT_ATTRIBUTE = "_cnn_course_alt"
SIGNED_CMAP = "RdBu_r"  # red positive, white 0, blue negative
IMAGE_CMAP = "gray"


# ----------------------------------------------------------------------------- alt text, display


def set_alt(fig, alt: str):
    """Attach alt text to ``fig`` (used by :func:`show` when it is given none); return ``fig``."""
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt text must be a non-empty string that says what the figure shows")
    setattr(fig, ALT_ATTRIBUTE, " ".join(alt.split()))
    return fig


def alt_text(fig) -> str:
    """The alt text attached to ``fig`` by :func:`set_alt`, or ``""``."""
    return getattr(fig, ALT_ATTRIBUTE, "")


def figure_png(fig, dpi: int = DPI) -> bytes:
    """``fig`` rendered as PNG bytes, cropped to its content, on a white background."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def figure_bundle(png: bytes, alt: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The display bundle and output metadata :func:`show` emits for one PNG and its alt text."""
    data = base64.b64encode(png).decode("ascii")
    alt = " ".join(alt.split())
    bundle = {
        "text/html": f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}">',
        "image/png": data,
        "text/plain": f"[figure: {alt}]",
    }
    return bundle, {"image/png": {"alt": alt}}


def show(fig, alt: str | None = None, dpi: int = DPI) -> None:
    """Display ``fig`` with alt text, then close it (so it is not displayed a second time).

    alt: one or two sentences saying what the figure shows; defaults to the text attached with
    :func:`set_alt` (every helper of this module attaches one). Raises ValueError without any.
    Outside IPython (a script, a test) it prints only ``[figure: <alt>]``.
    """
    alt = alt if alt is not None else alt_text(fig)
    set_alt(fig, alt)  # validates
    alt = alt_text(fig)
    png = figure_png(fig, dpi)
    plt.close(fig)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the course's environment
        get_ipython = None
    if get_ipython is None or get_ipython() is None:
        print(f"[figure: {alt}]")
        return
    from IPython.display import display

    bundle, metadata = figure_bundle(png, alt)
    display(bundle, raw=True, metadata=metadata)


# ----------------------------------------------------------------------------- small pieces


def contrast_color(color) -> str:
    """``"black"`` or ``"white"``: the text colour with the higher WCAG contrast on ``color``."""
    r, g, b, _ = to_rgba(color)
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    on_black = (luminance + 0.05) / 0.05
    on_white = 1.05 / (luminance + 0.05)
    return "black" if on_black >= on_white else "white"


def annotate_cells(ax, A: np.ndarray, image, fmt: str = "{:g}", fontsize: float = 11,
                   skip_zero: bool = False) -> None:
    """Write every value of the 2-D array ``A`` on its cell of ``image`` (an ``imshow`` result),
    in black or white, whichever contrasts more with the cell's colour."""
    A = np.asarray(A)
    for (i, j), v in np.ndenumerate(A):
        if skip_zero and v == 0:
            continue
        background = image.cmap(image.norm(v))
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=fontsize,
                color=contrast_color(background))


def integer_ticks(ax, which: str = "x") -> None:
    """Ticks only at integers on the ``"x"``, ``"y"`` or ``"both"`` axes (for counts: layers,
    epochs, pixels)."""
    if which in ("x", "both"):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if which in ("y", "both"):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def label_bars(ax, bars, fmt: str = "{:,.0f}", log: bool = False) -> None:
    """Write each bar's value just above it."""
    for bar in bars:
        h = bar.get_height()
        y = h * 1.12 if log else h
        ax.annotate(fmt.format(h), (bar.get_x() + bar.get_width() / 2, y), ha="center",
                    va="bottom", fontsize=10, xytext=(0, 2), textcoords="offset points")


def _kernel_label(K: np.ndarray) -> str:
    """A kernel as one short line: its rows for up to 3x3, else its size (and its value)."""
    K = np.asarray(K, dtype=float)
    if np.all(K == K.flat[0]):
        value = K.flat[0]
        frac = f"1/{round(1 / value)}" if value and abs(1 / value - round(1 / value)) < 1e-9 else f"{value:g}"
        return f"{K.shape[0]}x{K.shape[1]}, every weight {frac}"
    if K.size <= 9:
        return "[" + "; ".join(" ".join(f"{v:g}" for v in row) for row in K) + "]"
    return f"{K.shape[0]}x{K.shape[1]} kernel"


# ----------------------------------------------------------------------------- notebook 01


def _grid(ax, A: np.ndarray, title: str, cmap: str = "Blues", fmt: str = "{:g}") -> None:
    """Draw a 2-D array as a grid of cells with its values written in (light colours)."""
    A = np.asarray(A)
    image = ax.imshow(A, cmap=cmap, vmin=min(0, A.min()), vmax=max(1, A.max()) * 1.6)
    annotate_cells(ax, A, image, fmt=fmt, fontsize=12)
    ax.set_xticks(range(A.shape[1]))
    ax.set_yticks(range(A.shape[0]))
    ax.set_xlabel("column j")
    ax.set_ylabel("row i")
    ax.set_title(title, fontsize=11)


def show_correlation_window(X: np.ndarray, K: np.ndarray, i: int = 0, j: int = 0,
                            out: np.ndarray | None = None):
    """One step of a cross-correlation: the window of ``X`` under ``K`` at output (i, j).

    X: (H, W) image, K: (KH, KW) kernel. The window X[i:i+KH, j:j+KW] is outlined in red, the
    element-wise products are shown, and their sum is the output value at (i, j). If ``out``
    (H-KH+1, W-KW+1) is given, the whole output is drawn with (i, j) outlined.
    Returns the figure, with alt text attached (display it with :func:`show`).
    """
    X, K = np.asarray(X), np.asarray(K)
    KH, KW = K.shape
    window = X[i:i + KH, j:j + KW]
    prod = window * K
    panels = 4 if out is not None else 3
    fig, axes = plt.subplots(1, panels, figsize=(2.5 * panels, 3.2), layout="constrained")
    _grid(axes[0], X, f"image X {X.shape[0]}x{X.shape[1]}\nwindow at ({i}, {j})")
    axes[0].add_patch(Rectangle((j - 0.5, i - 0.5), KW, KH, fill=False, ec="red", lw=3))
    _grid(axes[1], K, f"kernel K {KH}x{KW}", cmap="Oranges")
    _grid(axes[2], prod, f"window * K\nsum = {prod.sum():g}", cmap="Greens")
    if out is not None:
        out = np.asarray(out)
        _grid(axes[3], out, f"feature map {out.shape[0]}x{out.shape[1]}", cmap="Purples")
        axes[3].add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="red", lw=3))
    fig.suptitle(f"out[{i}, {j}] = sum(X[{i}:{i + KH}, {j}:{j + KW}] * K) = {prod.sum():g}")
    alt = (f"Cross-correlation step: a {X.shape[0]} by {X.shape[1]} image with the {KH} by {KW} "
           f"window at row {i}, column {j} outlined in red, the kernel, and their element-wise "
           f"products, which sum to {prod.sum():g}.")
    if out is not None:
        alt += (f" A fourth panel shows the whole {out.shape[0]} by {out.shape[1]} feature map "
                f"with entry ({i}, {j}) outlined.")
    return set_alt(fig, alt)


def show_feature_maps(image: np.ndarray, maps: Mapping[str, np.ndarray],
                      kernels: Mapping[str, np.ndarray] | None = None, cols: int = 3):
    """Grid of an image and its feature maps, one per named filter.

    image: (H, W); maps: name -> (H', W') feature map; kernels: name -> (KH, KW), written under
    the panel's title. The image is gray. A map whose kernel sums to 0 (an edge or spot
    detector) is a signed response, 0 on flat regions: it is drawn on a diverging scale, white
    at 0, red positive, blue negative. Any other map (a blur, a sharpen: kernels that sum to 1)
    is an image again and is drawn in gray, on the input's brightness range (values beyond it
    saturate, and the colour bar's pointed ends say so). Without its kernel, a map with negative values is
    taken as signed. Returns the figure, with alt text attached.
    """
    kernels = kernels or {}
    panels = 1 + len(maps)
    rows = -(-panels // cols)
    width = min(MAX_WIDTH_IN, 3.3 * cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width, 2.9 * rows), squeeze=False,
                             layout="constrained")
    axes = axes.ravel()
    axes[0].imshow(image, cmap=IMAGE_CMAP)
    axes[0].set_title(f"input, {image.shape[0]}x{image.shape[1]}\n(gray: the photo)", fontsize=10)
    signed_names, gray_names = [], []
    for ax, (name, fmap) in zip(axes[1:], maps.items(), strict=False):
        fmap = np.asarray(fmap)
        kernel = kernels.get(name)
        signed = (abs(float(np.sum(kernel))) < 1e-9) if kernel is not None else bool(fmap.min() < 0)
        if signed:
            lim = float(np.abs(fmap).max()) or 1.0
            im = ax.imshow(fmap, cmap=SIGNED_CMAP, vmin=-lim, vmax=lim)
            bar = fig.colorbar(im, ax=ax, shrink=0.8)
            bar.set_label("response (white = 0)", fontsize=9)
            signed_names.append(name)
        else:
            lo, hi = float(np.min(image)), float(np.max(image))
            extend = {(False, False): "neither", (True, False): "min", (False, True): "max",
                      (True, True): "both"}[(bool(fmap.min() < lo), bool(fmap.max() > hi))]
            im = ax.imshow(fmap, cmap=IMAGE_CMAP, vmin=lo, vmax=hi)
            bar = fig.colorbar(im, ax=ax, shrink=0.8, extend=extend)
            bar.set_label("brightness", fontsize=9)
            gray_names.append(name)
        bar.ax.tick_params(labelsize=9)
        title = name if kernel is None else f"{name}\n{_kernel_label(kernel)}"
        ax.set_title(title, fontsize=10)
    for ax in axes[:panels]:
        ax.set_xlabel("column")
        ax.set_ylabel("row")
    for ax in axes[panels:]:
        ax.axis("off")
    fig.suptitle("feature maps: each filter responds to a different local pattern")
    alt = (f"A {image.shape[0]} by {image.shape[1]} grayscale photo and its feature maps. "
           + (f"Signed responses, red positive, blue negative, white zero: {', '.join(signed_names)}. "
              if signed_names else "")
           + (f"Shown in gray, as images: {', '.join(gray_names)}." if gray_names else ""))
    return set_alt(fig, alt)


def bar_log(values: Mapping[str, float], title: str, ylabel: str = "parameters (log scale)",
            xlabel: str = "layer type"):
    """Bar chart on a log scale with each bar's value written above it.

    values: name -> value (positive). Returns the figure, with alt text attached.
    """
    names, heights = list(values), [float(v) for v in values.values()]
    fig, ax = plt.subplots(figsize=(min(MAX_WIDTH_IN, 2.4 * len(names) + 1.5), 4),
                           layout="constrained")
    colors = ["#c44e52", "#dd8452", "#4c72b0", "#55a868", "#8172b3", "#937860"]
    bars = ax.bar(names, heights, color=[colors[k % len(colors)] for k in range(len(names))])
    ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    label_bars(ax, bars, log=True)
    ax.set_ylim(top=max(heights) * 20)
    listed = "; ".join(f"{name.replace(chr(10), ' ')}: {h:,.0f}" for name, h in zip(names, heights, strict=True))
    return set_alt(fig, f"Bar chart on a log scale, {title}. {listed}.")


# ----------------------------------------------------------------------------- notebook 04


def training_curves(histories: Mapping[str, Mapping[str, Sequence[float]]], title: str,
                    target: float | None = 0.95, colors: Mapping[str, str] | None = None):
    """Loss and accuracy per epoch of one or more training runs, one colour per run.

    histories: name -> history with the lists "loss", "train_acc" and "test_acc" (one entry per
    epoch). The loss is on a log scale; training accuracy is dashed and test accuracy solid, in
    the run's colour, each run thinner than the one before and drawn on top of it (so two runs
    that coincide show as a thin line inside a thick one); ``target`` draws a labelled horizontal line. Epochs get integer ticks.
    Returns the figure, with alt text attached.
    """
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    colors = dict(colors or {})
    fig, axes = plt.subplots(1, 2, figsize=(MAX_WIDTH_IN, 3.8), layout="constrained")
    lowest = 1.0
    summary = []
    for k, (label, h) in enumerate(histories.items()):
        color = colors.get(label, palette[k % len(palette)])
        # later runs thinner, drawn on top: runs that coincide stay visible, one inside the other
        lw, ms = (max(1.2, 4.0 - 1.8 * k), max(3.0, 7.0 - 3.0 * k)) if len(histories) > 1 else (1.8, 4.0)
        epochs = np.arange(1, len(h["loss"]) + 1)
        axes[0].plot(epochs, h["loss"], "o-", lw=lw, ms=ms, color=color, label=label)
        axes[1].plot(epochs, h["train_acc"], "--", lw=lw, color=color, label=f"{label}, training")
        axes[1].plot(epochs, h["test_acc"], "o-", lw=lw, ms=ms, color=color, label=f"{label}, test")
        lowest = min(lowest, *h["train_acc"], *h["test_acc"])
        summary.append(f"{label}: final test accuracy {h['test_acc'][-1]:.1%} after "
                       f"{len(epochs)} epochs")
    bottom = max(0.5, min(0.8, np.floor(lowest * 20) / 20))
    axes[0].set_yscale("log")
    axes[0].set_ylabel("mean training loss (log scale)")
    axes[0].set_title("training loss")
    axes[1].set_ylabel(f"accuracy (axis from {bottom:.0%})")
    axes[1].set_ylim(bottom, 1.0)
    axes[1].set_title("accuracy: training dashed, test solid")
    if target is not None:
        axes[1].axhline(target, color="0.35", lw=1, ls=":", label=f"target: {target:.0%} test accuracy")
    for ax in axes:
        ax.set_xlabel("epoch")
        integer_ticks(ax, "x")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9)
    fig.suptitle(title)
    return set_alt(fig, f"Training curves, {title}. Left: training loss per epoch on a log "
                        f"scale; right: training and test accuracy per epoch. "
                        + "; ".join(summary) + ".")
