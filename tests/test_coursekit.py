"""The student-side helpers: earlier notebooks' functions, the digits split, argument checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from coursekit.arrays import pool_geometry
from coursekit.data import digits, sample_image
from coursekit.previous import (
    PreviousWorkError,
    earlier,
    load_definitions,
    torch_conv2d,
    torch_max_pool2d,
)

ROOT = Path(__file__).resolve().parent.parent
WANTED = {"02_padding_stride": ["conv2d_fast"], "03_pooling": ["max_pool2d"]}


def test_earlier_loads_the_learners_own_functions_from_solved_notebooks(capsys):
    ops = earlier(WANTED, folder=ROOT / "source")
    out = capsys.readouterr().out
    assert "conv2d_fast: yours" in out and "max_pool2d: yours" in out
    # they are the notebooks' own functions, not PyTorch's
    assert ops.conv2d_fast is not torch_conv2d and ops.max_pool2d is not torch_max_pool2d
    assert "02_padding_stride.ipynb cell" in ops.conv2d_fast.__code__.co_filename
    x, w = np.random.default_rng(0).standard_normal((2, 3, 6, 6)), np.ones((4, 3, 3, 3))
    np.testing.assert_allclose(ops.conv2d_fast(x, w, padding=1), torch_conv2d(x, w, padding=1),
                               atol=1e-12)


def test_earlier_falls_back_to_pytorch_for_stubs_and_says_why(capsys):
    ops = earlier(WANTED, folder=ROOT / "notebooks")  # the unsolved student notebooks
    out = capsys.readouterr().out
    assert ops.conv2d_fast is torch_conv2d and ops.max_pool2d is torch_max_pool2d
    assert "conv2d_fast: PyTorch's, because it is not implemented yet" in out


def test_earlier_falls_back_when_the_notebook_is_missing(tmp_path, capsys):
    ops = earlier(WANTED, folder=tmp_path)
    out = capsys.readouterr().out
    assert ops.max_pool2d is torch_max_pool2d
    assert f"{tmp_path / '03_pooling' / '03_pooling.ipynb'} does not exist" in out


def test_earlier_rejects_a_wrong_implementation(tmp_path, capsys):
    # a solved notebook 03 whose max_pool2d takes the mean: it must not be trusted
    folder = tmp_path / "03_pooling"
    folder.mkdir()
    nb = json.loads((ROOT / "source/03_pooling/03_pooling.ipynb").read_text())
    wrong = ("def max_pool2d(x, kernel_size, stride=None, padding=0):\n"
             "    k = kernel_size\n"
             "    s = stride or k\n"
             "    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))\n"
             "    windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))\n"
             "    return windows[:, :, ::s, ::s].mean(axis=(4, 5))\n")
    cells = [cell for cell in nb["cells"]
             if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "max_pool2d"]
    assert len(cells) == 1, "notebook 03 has no max_pool2d answer cell to replace"
    cells[0]["source"] = wrong
    (folder / "03_pooling.ipynb").write_text(json.dumps(nb))
    ops = earlier({"03_pooling": ["max_pool2d"]}, folder=tmp_path)
    assert ops.max_pool2d is torch_max_pool2d
    assert "max_pool2d: PyTorch's, because it differs from PyTorch by up to" in capsys.readouterr().out


def test_loading_runs_definitions_only(tmp_path):
    # the notebook's plots, prints and tests are skipped; a broken cell is named
    shutil.copytree(ROOT / "source/02_padding_stride", tmp_path / "02_padding_stride")
    namespace = load_definitions(tmp_path / "02_padding_stride/02_padding_stride.ipynb")
    assert callable(namespace["conv2d_fast"]) and "plt" not in namespace
    broken = tmp_path / "broken.ipynb"
    broken.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "def f(:\n",
                                             "metadata": {"tags": ["export"]}}]}))
    with pytest.raises(PreviousWorkError, match=r"broken.ipynb, cell 0: SyntaxError"):
        load_definitions(broken)
    (tmp_path / "junk.ipynb").write_text("not json")
    with pytest.raises(PreviousWorkError, match="junk.ipynb is not a readable notebook"):
        load_definitions(tmp_path / "junk.ipynb")


def test_torch_fallbacks_match_pytorch():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    want = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), 2, 1).numpy()
    np.testing.assert_array_equal(torch_conv2d(x, w, b, stride=2, padding=1), want)
    np.testing.assert_array_equal(torch_max_pool2d(x, 3, 2, 1),
                                  F.max_pool2d(torch.from_numpy(x), 3, 2, 1).numpy())


def test_digits_split_is_fixed_stratified_and_scaled():
    x_train, y_train, x_test, y_test = digits()
    assert x_train.shape == (1437, 1, 8, 8) and x_test.shape == (360, 1, 8, 8)
    assert x_train.dtype == np.float64 and y_train.dtype == np.int64
    assert 0 <= x_train.min() and x_train.max() == 1.0
    # stratified: each class's share of the test set is its share of all digits, to one image
    overall = np.bincount(np.concatenate([y_train, y_test])) * len(y_test) / 1797
    assert np.all(np.abs(np.bincount(y_test) - overall) <= 1)
    again = digits()
    assert np.array_equal(again[0], x_train) and np.array_equal(again[3], y_test)
    assert not np.array_equal(digits(seed=1)[3], y_test)
    with pytest.raises(ValueError, match="test_fraction"):
        digits(test_fraction=1.5)


def test_sample_image_is_scikit_learns_photo_read_without_importing_scikit_learn():
    import subprocess
    import sys

    from sklearn.datasets import load_sample_image

    for name in ("china.jpg", "flower.jpg"):
        rgb = load_sample_image(name).astype(np.float64) / 255.0
        np.testing.assert_array_equal(sample_image(name, gray=False),
                                      rgb.transpose(2, 0, 1))
        np.testing.assert_array_equal(sample_image(name, step=3),
                                      rgb[::3, ::3] @ np.array([0.299, 0.587, 0.114]))
    assert sample_image(step=3).shape == (143, 214)
    code = ("import sys\nfrom coursekit.data import sample_image\nsample_image()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    with pytest.raises(ValueError, match="unknown sample image 'cat.jpg'"):
        sample_image("cat.jpg")


def test_pool_geometry_names_the_layer_and_the_shapes():
    assert pool_geometry(np.zeros((1, 1, 7, 6)), 3, 2, 1, "p")[3:] == (4, 3)
    with pytest.raises(ValueError, match=r"maxp expects x of shape \(N, C, H, W\), got \(4, 4\)"):
        pool_geometry(np.zeros((4, 4)), 2, None, 0, "maxp")
    with pytest.raises(ValueError, match="more than half the window"):
        pool_geometry(np.zeros((1, 1, 4, 4)), 2, None, 2, "maxp")


def test_pytorch_fallbacks_agree_with_the_reference():
    # the fallbacks earlier() hands out give no answer away, yet must compute the same thing
    import itertools

    import solutions
    from coursekit.previous import torch_conv_output_size, torch_receptive_field, torch_topk_error

    for n, f, s, p, strict in itertools.product(range(1, 16), range(1, 7), range(1, 4), range(3),
                                                (False, True)):
        outcomes = []
        for fn in (solutions.conv_output_size, torch_conv_output_size):
            try:
                outcomes.append(fn(n, f, stride=s, padding=p, strict=strict))
            except ValueError:
                outcomes.append("ValueError")
        assert outcomes[0] == outcomes[1], (n, f, s, p, strict, outcomes)
    rng = np.random.default_rng(3)
    for _ in range(100):
        layers = [(int(rng.integers(1, 8)), int(rng.integers(1, 4))) for _ in range(rng.integers(1, 6))]
        assert torch_receptive_field(layers) == solutions.receptive_field(layers), layers
        scores, y, k = rng.standard_normal((30, 10)), rng.integers(0, 10, 30), int(rng.integers(1, 11))
        assert torch_topk_error(scores, y, k) == pytest.approx(solutions.topk_error(scores, y, k), abs=1e-12)
    with pytest.raises(ValueError, match="layer 1: kernel 0"):
        torch_receptive_field([(3, 1), (0, 1)])


def test_earlier_names_the_probe_a_wrong_size_rule_fails(tmp_path, capsys):
    # (n - f) // s + 1 without the padding: the first padded probe exposes it
    folder = tmp_path / "02_padding_stride"
    folder.mkdir()
    nb = {"cells": [{"cell_type": "code", "metadata": {"nbgrader": {"solution": True}},
                     "source": "def conv_output_size(n, f, stride=1, padding=0, strict=False):\n"
                               "    return (n - f) // stride + 1\n"}]}
    (folder / "02_padding_stride.ipynb").write_text(json.dumps(nb))
    ops = earlier({"02_padding_stride": ["conv_output_size"]}, folder=tmp_path)
    assert ops.conv_output_size(224, 11, stride=4, padding=2) == 55
    assert ("conv_output_size: PyTorch's, because conv_output_size(224, 11, stride=4, padding=2) "
            "gave 54 where PyTorch gives 55") in capsys.readouterr().out


def test_definitions_keep_standard_library_and_torch_constants_and_drop_the_rest():
    # what an added cell may define for grading: a constant computed with the standard library,
    # numpy or torch (through names bound in this cell or earlier ones) and lambdas; not plots,
    # and not the learner's own functions, which may train for minutes
    import ast

    from coursekit.previous import definitions

    namespace = {"__name__": "__main__"}
    exec("from collections import OrderedDict\nimport matplotlib.pyplot as plt\n"  # noqa: S102
         "from torch import nn\ndef train():\n    return 1\n", namespace)
    source = ("from collections import namedtuple\n"
              "Window = namedtuple('Window', 'f s')\n"
              "ORDER = OrderedDict(a=1)\n"
              "act = nn.ReLU()\n"
              "relu = lambda x: np.maximum(x, 0)\n"
              "fig = plt.figure()\n"
              "history = train()\n")
    skipped: list = []
    kept = [ast.unparse(node) for node in definitions(source, namespace, skipped).body]
    assert [line.split(" =")[0] for line in kept[1:]] == ["Window", "ORDER", "act", "relu"]
    assert skipped == [("fig", 6), ("history", 7)]
    # without a namespace, only this cell's imports and the plain builtins count
    assert len(definitions(source).body) == 3   # the import, Window, relu


def test_earlier_loads_global_average_pooling_for_notebook_07(capsys):
    from coursekit.previous import torch_global_avg_pool2d
    from solutions import global_avg_pool2d

    ops = earlier({"03_pooling": ["global_avg_pool2d"]}, folder=ROOT / "source")
    assert ops.global_avg_pool2d is not torch_global_avg_pool2d
    stub = earlier({"03_pooling": ["global_avg_pool2d"]}, folder=ROOT / "notebooks")
    assert stub.global_avg_pool2d is torch_global_avg_pool2d
    out = capsys.readouterr().out
    assert "global_avg_pool2d: yours" in out and "global_avg_pool2d: PyTorch's, because" in out
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 4))
    np.testing.assert_allclose(torch_global_avg_pool2d(x), global_avg_pool2d(x), atol=1e-12)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\), got \(3, 5, 4\)"):
        torch_global_avg_pool2d(x[0])


def test_earlier_loads_relu_for_notebook_08(capsys):
    from coursekit.previous import torch_relu
    from solutions import relu

    ops = earlier({"04_classification_head": ["relu"]}, folder=ROOT / "source")
    assert ops.relu is not torch_relu
    stub = earlier({"04_classification_head": ["relu"]}, folder=ROOT / "notebooks")
    assert stub.relu is torch_relu
    out = capsys.readouterr().out
    assert "relu: yours" in out and "relu: PyTorch's, because it is not implemented yet" in out
    x = np.random.default_rng(4).standard_normal((2, 3, 4, 4))
    x[0, 0, 0, 0] = 0.0
    for value in (x, x.astype(np.float32), np.array([-3, 0, 4])):
        got = torch_relu(value)
        assert got.dtype == np.float64   # notebook 04's rule: float64 for any input
        np.testing.assert_array_equal(got, relu(value))
