"""Facts and notation in the source notebooks' prose, read from their JSON (nothing runs)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "source").glob("*/*.ipynb"))


def _cells(name: str) -> list[dict]:
    [path] = [p for p in SOURCES if p.parent.name.startswith(name)]
    return json.loads(path.read_text())["cells"]


def _markdown(name: str) -> str:
    return "\n".join("".join(c["source"]) for c in _cells(name) if c["cell_type"] == "markdown")


def _docstrings(name: str) -> str:
    """The docstrings of the answer cells: the part a learner reads before the solution."""
    texts = []
    for cell in _cells(name):
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            texts.append("".join(cell["source"]).split("### BEGIN SOLUTION")[0])
    return "\n".join(texts)


def test_digits_facts():
    text = _markdown("04")
    assert "written by 13 people" in text
    assert "32×32" in text and "4×4 block" in text
    assert not re.search(r"written by 43 people|scanned to 8×8", text)


def test_imagenet_dog_breeds():
    text = _markdown("04")
    assert "120 of them are breeds of dog" in text and "dozens of dog" not in text


def test_filters_are_described_as_the_figure_shows_them():
    text = _markdown("04")
    assert "many are small edge and stroke detectors" not in text
    assert "most look like noise" in text


def test_the_stride_that_does_not_fit_is_cs231n_s_example():
    text = _markdown("02")
    assert "The lecture calls that setting invalid" not in text
    assert re.search(r"CS231n.{0,200}7×7 input with a 3×3 filter at stride 3", text, re.S)


def test_the_200x200_comparison_cites_ranzato_and_explains_2b():
    text = _markdown("01")
    assert 'M. Ranzato\'s slides ("Deep learning for vision", tutorial at CVPR 2014)' in text
    assert '"~2B"' in text and "1,600,040,000" in text and "40,000 biases" in text


@pytest.mark.parametrize("name", ["01", "02", "03", "04"])
def test_no_unmeasured_run_time_claims(name):
    header = "".join(_cells(name)[0]["source"])
    assert not re.search(r"runs in about|in about a minute", header)


@pytest.mark.parametrize("name", ["01", "02", "03", "04"])
def test_a_notation_box_follows_the_header(name):
    box = "".join(_cells(name)[1]["source"])
    assert box.startswith("**Notation.**")
    assert "C_out" in box and "`F` in code" in box and "torch.nn.functional" in box


@pytest.mark.parametrize("name", ["01", "02", "04"])
def test_the_number_of_filters_is_c_out_in_prose_and_docstrings(name):
    for text in (_markdown(name), _docstrings(name)):
        assert not re.search(r"\(F, C, KH, KW\)|\(N, F, H|\bb: \(F,\)|`F` filters|reshape\(F, -1\)", text)


# ----------------------------------------------------------------------------- claims that run


def test_the_200x200_counts():
    from solutions import conv_params, fc_params, locally_connected_params

    assert fc_params(200 * 200, 200 * 200) == 1_600_040_000
    assert fc_params(200 * 200, 200 * 200, bias=False) == 1_600_000_000
    assert locally_connected_params(200, 200, 1, 1, 10, 10) == 4_040_000
    assert conv_params(1, 100, 10, 10) == 10_100


def test_window_mask_marks_the_first_maximum_of_each_window():
    import numpy as np

    from solutions import window_mask

    np.testing.assert_array_equal(window_mask(np.array([[4.0, 4.0], [0.0, 1.0]])),
                                  [[True, False], [False, False]])
    windows = np.array([[[[1.0, 3.0], [3.0, 2.0]], [[-np.inf, -1.0], [-2.0, -np.inf]]]])
    np.testing.assert_array_equal(window_mask(windows),
                                  [[[[False, True], [False, False]], [[False, True], [False, False]]]])


def test_the_loop_route_of_the_pooling_backward_passes_is_right():
    # the loops notebook 04 describes, against the reference solutions
    import numpy as np

    from solutions import avg_pool2d_backward, max_pool2d_backward, window_mask

    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, (2, 3, 7, 6)).astype(float)          # many ties
    kh, kw, sh, sw, ph, pw = 3, 2, 2, 1, 1, 1
    Ho, Wo = (7 + 2 * ph - kh) // sh + 1, (6 + 2 * pw - kw) // sw + 1
    dout = rng.standard_normal((2, 3, Ho, Wo))
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    dmax, davg = np.zeros_like(xpad), np.zeros_like(xpad)
    for i in range(Ho):
        for j in range(Wo):
            rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
            dmax[:, :, rows, cols] += window_mask(xpad[:, :, rows, cols]) * dout[:, :, i, j, None, None]
            davg[:, :, rows, cols] += dout[:, :, i, j, None, None] / (kh * kw)
    args = ((kh, kw), (sh, sw), (ph, pw))
    np.testing.assert_allclose(dmax[:, :, ph:-ph, pw:-pw], max_pool2d_backward(dout, x, *args), atol=1e-12)
    np.testing.assert_allclose(davg[:, :, ph:-ph, pw:-pw], avg_pool2d_backward(dout, x, *args), atol=1e-12)


def test_a_tiny_subset_is_overfitted():
    from coursekit.data import digits
    from solutions import NumpyCNN, conv2d_fast, max_pool2d, train_numpy

    x_train, y_train, _, _ = digits()
    x, y = x_train[:20], y_train[:20]
    history = train_numpy(NumpyCNN(conv2d_fast, max_pool2d, seed=0), x, y, x, y, epochs=30,
                          batch_size=5, lr=0.05, max_shift=0, seed=0, progress=False)
    assert history["train_acc"][-1] == 1.0


def test_the_pytorch_twin_repeats_the_numpy_run():
    import numpy as np
    import torch

    from coursekit.data import digits
    from solutions import (
        NumpyCNN,
        TorchCNN,
        conv2d_fast,
        load_numpy_params,
        max_pool2d,
        train_numpy,
        train_torch,
    )

    x_train, y_train, x_test, y_test = digits()
    data = x_train[:96], y_train[:96], x_test[:50], y_test[:50]
    model = NumpyCNN(conv2d_fast, max_pool2d, channels=(4, 6), seed=0)
    twin = load_numpy_params(TorchCNN(channels=(4, 6)).double(), model.params)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        ours = train_numpy(model, *data, epochs=3, batch_size=16, lr=0.05, seed=0, progress=False)
        theirs = train_torch(twin, *data, epochs=3, batch_size=16, lr=0.05, seed=0, progress=False,
                             optimizer="sgd")
    finally:
        torch.set_num_threads(threads)
    for key in ("loss", "train_acc", "test_acc"):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.params["w1"], twin.features[0].weight.detach().numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="optimizer must be"):
        train_torch(twin, *data, epochs=1, optimizer="rmsprop", progress=False)
