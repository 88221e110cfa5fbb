"""Figures that read at notebook width: fonts, colours, contrast, ticks, labels and alt text.

The helpers of coursekit.plots are drawn with small synthetic inputs on the Agg backend; the
figures drawn in the notebooks' own cells are checked statically (their source), so nothing
heavy runs here.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from coursekit import plots  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "source").glob("*/*.ipynb"))


def _history(epochs: int, shift: float = 0.0) -> dict[str, list[float]]:
    t = np.arange(1, epochs + 1)
    return {"loss": list(2.0 / t + shift), "train_acc": list(1 - 0.3 / t),
            "test_acc": list(1 - 0.35 / t), "seconds": list(0.5 * t)}


def _feature_maps():
    rng = np.random.default_rng(0)
    image = rng.random((12, 16))
    edge = np.array([[1.0, 0.0, -1.0]] * 3)
    blur = np.full((3, 3), 1 / 9)
    kernels = {"edge": edge, "blur": blur}
    maps = {"edge": rng.standard_normal((10, 14)), "blur": rng.random((10, 14))}
    return plots.show_feature_maps(image, maps, kernels=kernels, cols=3)


CASES = {
    "show_correlation_window": lambda: plots.show_correlation_window(
        np.arange(20).reshape(4, 5), np.array([[1, 0], [0, -1]]), 1, 2,
        out=np.zeros((3, 4))),
    "show_feature_maps": _feature_maps,
    "bar_log": lambda: plots.bar_log({"fully connected": 1.6e9, "local": 4e6, "conv": 1e4},
                                     "parameters of one layer"),
    "training_curves": lambda: plots.training_curves(
        {"numpy CNN": _history(12), "PyTorch CNN": _history(12, 0.01)}, "two runs"),
}


@pytest.fixture(params=sorted(CASES))
def figure(request):
    fig = CASES[request.param]()
    fig.canvas.draw()
    yield fig
    plt.close(fig)


def _texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def test_every_figure_helper_has_a_case():
    helpers = {name for name, fn in inspect.getmembers(plots, inspect.isfunction)
               if fn.__module__ == plots.__name__ and "Returns the figure" in (fn.__doc__ or "")}
    assert helpers == set(CASES)


def test_no_text_below_9_points(figure):
    small = [(t.get_text(), t.get_fontsize()) for t in _texts(figure)
             if t.get_fontsize() < plots.MIN_FONT_PT]
    assert not small, f"text below {plots.MIN_FONT_PT} pt: {small}"


def test_fits_a_notebook_column(figure):
    assert figure.get_size_inches()[0] <= plots.MAX_WIDTH_IN


def test_titles_and_axis_labels_do_not_overlap(figure):
    renderer = figure.canvas.get_renderer()
    labels = [figure._suptitle] if figure._suptitle else []
    for ax in figure.axes:
        labels += [ax.title, ax.xaxis.label, ax.yaxis.label]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels
             if t.get_visible() and t.get_text().strip()]
    for k, (text_a, a) in enumerate(boxes):
        for text_b, b in boxes[k + 1:]:
            assert not a.overlaps(b), f"{text_a!r} overlaps {text_b!r}"


def test_has_alt_text(figure):
    alt = plots.alt_text(figure)
    assert len(alt) > 40 and "\n" not in alt


def test_show_needs_alt_text_and_closes_the_figure(capsys):
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    with pytest.raises(ValueError, match="alt text"):
        plots.show(fig)
    plots.show(fig, alt="A straight line from 0 to 1.")
    assert "[figure: A straight line from 0 to 1.]" in capsys.readouterr().out
    assert not plt.fignum_exists(fig.number)


def test_the_display_bundle_carries_the_alt_text():
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1])
    png = plots.figure_png(fig)
    plt.close(fig)
    bundle, metadata = plots.figure_bundle(png, 'A "quoted" <line>\nfrom 0 to 1.')
    assert png.startswith(b"\x89PNG")
    assert bundle["text/html"].startswith('<img src="data:image/png;base64,' + bundle["image/png"])
    assert 'alt="A &quot;quoted&quot; &lt;line&gt; from 0 to 1."' in bundle["text/html"]
    assert metadata == {"image/png": {"alt": 'A "quoted" <line> from 0 to 1.'}}
    assert bundle["text/plain"] == '[figure: A "quoted" <line> from 0 to 1.]'


def test_show_displays_html_with_alt_in_ipython(monkeypatch):
    shown = []

    class Shell:  # stands in for a running IPython kernel
        pass

    import IPython
    import IPython.display

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    monkeypatch.setattr(IPython.display, "display",
                        lambda data, raw, metadata: shown.append((data, raw, metadata)))
    fig, ax = plt.subplots(figsize=(2, 1))
    plots.show(fig, alt="An empty plot.")
    [(data, raw, metadata)] = shown
    assert raw and set(data) == {"text/html", "image/png", "text/plain"}
    assert 'alt="An empty plot."' in data["text/html"] and metadata["image/png"]["alt"]


@pytest.mark.parametrize("background, text", [
    ("#08306b", "white"),   # navy, the darkest blue of "Blues"
    ("#7f2704", "white"),   # brown, the darkest of "Oranges"
    ("#fff5eb", "black"), ("white", "black"), ("black", "white"), ("#fdd0a2", "black"),
])
def test_text_colour_contrasts_with_its_cell(background, text):
    assert plots.contrast_color(background) == text


def test_annotated_cells_pick_their_text_colour_from_the_cell():
    fig, ax = plt.subplots()
    values = np.array([[0.0, 2.0], [0.5, 1.0]])
    image = ax.imshow(values, cmap="Oranges", vmin=0, vmax=2)
    plots.annotate_cells(ax, values, image)
    colours = {t.get_text(): t.get_color() for t in ax.texts}
    plt.close(fig)
    assert colours["2"] == "white" and colours["0"] == "black"


def test_feature_maps_are_gray_unless_signed():
    fig = _feature_maps()
    fig.canvas.draw()
    images = {ax.get_title().split("\n")[0]: ax.images[0] for ax in fig.axes if ax.images
              and ax.get_title()}
    assert images["edge"].get_cmap().name == plots.SIGNED_CMAP
    low, high = images["edge"].get_clim()
    assert low == -high                                     # white is exactly 0
    assert images["blur"].get_cmap().name == "gray"
    assert any(ax.images[0].get_cmap().name == "gray" for ax in fig.axes
               if ax.images and ax.get_title().startswith("input"))
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert "response (white = 0)" in labels                 # the zero is explained
    plt.close(fig)


def test_training_curves_count_epochs_in_integers_and_label_the_target():
    fig = CASES["training_curves"]()
    fig.canvas.draw()
    for ax in fig.axes:
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks)
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert "target: 95% test accuracy" in legend
    # one colour per run
    by_run: dict[str, set] = {}
    for line in fig.axes[1].get_lines():
        run = line.get_label().split(",")[0]
        if not run.startswith(("_", "target")):
            by_run.setdefault(run, set()).add(line.get_color())
    assert all(len(c) == 1 for c in by_run.values()) and len(set.union(*by_run.values())) == 2
    plt.close(fig)


def test_bar_charts_label_their_values():
    fig = CASES["bar_log"]()
    texts = {t.get_text() for t in fig.axes[0].texts}
    plt.close(fig)
    assert {"1,600,000,000", "4,000,000", "10,000"} <= texts


# ----------------------------------------------------------------------------- the notebooks


def _code_cells(path: Path) -> list[tuple[int, dict]]:
    cells = json.loads(path.read_text())["cells"]
    return [(i, c) for i, c in enumerate(cells) if c["cell_type"] == "code"]


def _src(cell) -> str:
    return "".join(cell["source"])


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_every_figure_is_shown_with_alt_text_and_a_caption(path):
    cells = json.loads(path.read_text())["cells"]
    figures = 0
    for i, cell in enumerate(cells):
        src = _src(cell)
        if cell["cell_type"] != "code" or not re.search(r"\bshow\(|plt\.subplots\(|plt\.figure\(", src):
            continue
        figures += 1
        made = len(re.findall(r"plt\.subplots\(|plt\.figure\(", src))
        shown = len(re.findall(r"\bshow\(", src))
        assert "plt.show(" not in src and made <= shown, (
            f"{path.name} cell {cell.get('id')}: every figure is displayed with show(fig, alt=...)")
        assert made <= 1, f"{path.name} cell {cell.get('id')}: one figure per cell, then its caption"
        following = cells[i + 1] if i + 1 < len(cells) else None
        assert following and following["cell_type"] == "markdown" and \
            _src(following).startswith("Figure: "), (
                f"{path.name} cell {cell.get('id')}: the next cell is a markdown caption "
                f"starting 'Figure: '")
    assert figures >= 2, f"{path.name}: at least two figures that teach"


@pytest.mark.parametrize("path", SOURCES + [ROOT / "coursekit" / "plots.py"],
                         ids=lambda p: p.parent.name if p.suffix == ".ipynb" else p.name)
def test_figure_code_uses_readable_sizes(path):
    text = path.read_text() if path.suffix == ".py" else "\n".join(_src(c) for _, c in _code_cells(path))
    sizes = [float(s) for s in re.findall(r"fontsize=(\d+(?:\.\d+)?)", text)]
    assert all(s >= plots.MIN_FONT_PT for s in sizes), f"{path.name}: font sizes {sizes}"
    widths = [float(w) for w in re.findall(r"figsize=\((\d+(?:\.\d+)?),", text)]
    assert all(w <= plots.MAX_WIDTH_IN for w in widths), f"{path.name}: figure widths {widths}"
    if path.suffix == ".ipynb":
        for call in re.findall(r"plt\.subplots\([^\n]*(?:\n[^\n]*){0,1}", text):
            assert 'layout="constrained"' in call, f"{path.name}: {call!r} without constrained layout"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_axes_that_count_have_integer_ticks(path):
    for _, cell in _code_cells(path):
        src = _src(cell)
        if re.search(r'set_xlabel\("(number of|epoch|shift of)', src):
            assert "integer_ticks(" in src, f"{path.name} cell {cell.get('id')}: integer ticks"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_notebook_metadata_is_what_jupyterlab_writes(path):
    meta = json.loads(path.read_text())["metadata"]
    assert meta["kernelspec"] == {"display_name": "Python 3 (ipykernel)", "language": "python",
                                  "name": "python3"}
    info = meta["language_info"]
    assert {"name", "version", "mimetype", "file_extension", "codemirror_mode",
            "nbconvert_exporter", "pygments_lexer"} <= set(info)
    assert info["codemirror_mode"] == {"name": "ipython", "version": 3}
    assert (info["name"], info["mimetype"], info["file_extension"]) == ("python", "text/x-python", ".py")
