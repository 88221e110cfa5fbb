"""Notebook 05, ImageNet and AlexNet: the reference solutions against hand-computed values, PyTorch
and COURSE.md's parameter counts; the checks of its three exercises (full marks for the reference
and for correct answers in other styles, planted mistakes lose points and are named); the facts
its prose must state."""

from __future__ import annotations

import json
import math
import re
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder.checks.core import get_exercise, run
from autograder.checks.exercises.alexnet import _wrong_alexnet
from coursekit.summary import summary
from solutions import (
    ALEXNET,
    INPUT_SHAPE,
    LRN_ARGS,
    SMALL_ALEXNET,
    alexnet,
    layer_output_shape,
    layer_table,
    layer_table_numbers,
    small_alexnet,
)

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source/05_imagenet_alexnet/05_imagenet_alexnet.ipynb"
STUDENT = ROOT / "notebooks/05_imagenet_alexnet/05_imagenet_alexnet.ipynb"
PAPER_PARAMS, ONE_GPU_PARAMS = 60_965_224, 61_100_840   # COURSE.md


def count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def on_meta(*args, **kwargs) -> nn.Module:
    with torch.device("meta"):
        return alexnet(*args, **kwargs)


# ----------------------------------------------------------------------------- the references


def test_the_builders_have_course_md_s_parameter_counts_counted_on_meta():
    paper, one_gpu = on_meta("paper"), on_meta("one_gpu")
    assert count(paper) == PAPER_PARAMS and count(one_gpu) == ONE_GPU_PARAMS
    assert all(p.is_meta for p in paper.parameters())
    assert paper(torch.zeros(1, 3, 227, 227, device="meta")).shape == (1, 1000)
    assert one_gpu(torch.zeros(2, 3, 224, 224, device="meta")).shape == (2, 1000)
    assert count(on_meta("paper", 10)) == PAPER_PARAMS - 4096 * 990 - 990
    # the grouped layers: without groups the paper's network would have 1,413,120 more weights
    convs = [m for m in paper.modules() if isinstance(m, nn.Conv2d)]
    assert [c.groups for c in convs] == [1, 2, 1, 2, 2]
    assert [c.out_channels for c in convs] == [96, 256, 384, 384, 256]
    assert not any(isinstance(m, nn.LocalResponseNorm) for m in one_gpu.modules())
    assert any(isinstance(m, nn.AdaptiveAvgPool2d) for m in one_gpu.modules())


def test_the_layer_table_matches_the_hand_values_and_the_punchline():
    rows = layer_table(ALEXNET["paper"], (3, 227, 227))
    assert rows[0] == ("CONV1", (96, 55, 55), 34_944, 105_415_200)
    assert rows[0][2] == 96 * 3 * 11 * 11 + 96 and rows[0][3] == 96 * 55 * 55 * 3 * 11 * 11
    assert rows[3] == ("CONV2", (256, 27, 27), 307_456, 223_948_800)
    assert rows[9][1] == (256, 6, 6) and rows[10] == ("FC6", (4096,), 37_752_832, 37_748_736)
    assert all(isinstance(v, int) for row in rows for v in (row[2], row[3], *row[1]))
    conv = [row for row in rows if row[0].startswith("CONV")]
    assert sum(r[2] for r in conv) == 2_334_080 and sum(r[2] for r in rows) == PAPER_PARAMS
    assert 0.03 < 2_334_080 / PAPER_PARAMS < 0.04                      # about 4% of the parameters
    assert sum(r[3] for r in conv) / sum(r[3] for r in rows) > 0.9      # most of the MACs
    one_gpu = layer_table(ALEXNET["one_gpu"], (3, 224, 224))
    assert sum(r[2] for r in one_gpu) == ONE_GPU_PARAMS and one_gpu[0][1] == (64, 55, 55)


def test_the_224_puzzle():
    conv1 = ALEXNET["paper"][0]
    assert layer_output_shape(conv1, (3, 227, 227)) == (96, 55, 55)
    assert layer_output_shape(conv1, (3, 224, 224)) == (96, 54, 54)        # floored
    assert layer_output_shape(ALEXNET["one_gpu"][0], (3, 224, 224)) == (64, 55, 55)   # padding 2


def _torch_layer(layer, c_in: int) -> nn.Module:
    name, kind, *hp = layer
    if kind == "conv":
        return nn.Conv2d(c_in, hp[0], hp[1], stride=hp[2], padding=hp[3], groups=hp[4])
    if kind == "pool":
        return nn.MaxPool2d(hp[0], hp[1])
    if kind == "lrn":
        return nn.LocalResponseNorm(hp[0], **LRN_ARGS)
    return nn.Sequential(nn.Flatten(), nn.LazyLinear(hp[0]))


def test_layer_output_shape_agrees_with_torch_modules_on_random_layers():
    rng = np.random.default_rng(0)
    for _ in range(60):
        g = int(rng.choice([1, 2, 3]))
        c_in, h, w = g * int(rng.integers(1, 4)), int(rng.integers(5, 30)), int(rng.integers(5, 30))
        kind = str(rng.choice(["conv", "pool", "lrn", "fc"]))
        f = int(rng.integers(1, min(h, w) + 1))
        layer = {"conv": ("C", "conv", g * int(rng.integers(1, 4)), f, int(rng.integers(1, 4)),
                          int(rng.integers(0, 3)), g),
                 "pool": ("P", "pool", min(f, 4), int(rng.integers(1, 4))),
                 "lrn": ("N", "lrn", int(rng.choice([3, 5]))),
                 "fc": ("F", "fc", int(rng.integers(1, 50)))}[kind]
        module = _torch_layer(layer, c_in)
        with torch.no_grad():
            out = module(torch.zeros(1, c_in, h, w))
        assert layer_output_shape(layer, (c_in, h, w)) == tuple(out.shape[1:]), layer


@pytest.mark.parametrize("variant", ["paper", "one_gpu"])
def test_layer_table_agrees_with_coursekit_summary_of_the_built_model(variant):
    traced = [r for r in summary(on_meta(variant), INPUT_SHAPE[variant], show=False) if r.params]
    ours = [r for r in layer_table(ALEXNET[variant], INPUT_SHAPE[variant]) if r[2]]
    assert [(t.params, t.macs, t.out_shape[1:]) for t in traced] == [
        (params, macs, shape) for _, shape, params, macs in ours]


def test_bad_input_raises_value_error_naming_the_layer_and_the_shapes():
    paper = ALEXNET["paper"]
    with pytest.raises(ValueError, match=r"CONV2.*groups=2.*C_in=3.*\(3, 27, 27\)"):
        layer_output_shape(paper[3], (3, 27, 27))
    with pytest.raises(ValueError, match=r"CONV1.*\(3, 227\)"):
        layer_output_shape(paper[0], (3, 227))
    with pytest.raises(ValueError, match=r"CONV1.*11x11.*\(3, 5, 5\)"):
        layer_output_shape(paper[0], (3, 5, 5))
    with pytest.raises(ValueError, match=r"ACT.*unknown kind 'relu'"):
        layer_table((paper[0], ("ACT", "relu")), (3, 227, 227))
    with pytest.raises(ValueError, match=r"CONV1.*\(10,\)"):
        layer_table((("FC", "fc", 10), ("CONV1", "conv", 4, 1, 1, 0, 1)), (3, 8, 8))
    for args in (("vgg",), ("paper", 0), ("one_gpu", 10, 0.0)):
        with pytest.raises(ValueError):
            alexnet(*args)


def test_layer_table_numbers_names_a_malformed_row():
    import solutions.imagenet_alexnet as module

    original = module.layer_table
    try:
        module.layer_table = lambda layers, in_shape: [(n, s, float(p), m) for n, s, p, m in
                                                       original(layers, in_shape)]
        with pytest.raises(TypeError, match=r"row 0 \(CONV1\): params must be an int, got float"):
            module.layer_table_numbers(ALEXNET["paper"][:2], (3, 227, 227))
        module.layer_table = lambda layers, in_shape: original(layers, in_shape)[::-1]
        with pytest.raises(TypeError, match="row 0 is named 'POOL1', but layer 0 is 'CONV1'"):
            module.layer_table_numbers(ALEXNET["paper"][:2], (3, 227, 227))
    finally:
        module.layer_table = original
    numbers = layer_table_numbers(ALEXNET["paper"][-3:], (256, 6, 6))
    assert numbers.dtype == np.int64 and numbers[0].tolist() == [4096, 0, 0, 37_752_832, 37_748_736]


def test_reduced_widths_keep_grouping_possible_and_run():
    model = alexnet("paper", 10, width=1 / 16)
    assert [m.out_channels for m in model.modules() if isinstance(m, nn.Conv2d)] == [6, 16, 24, 24, 16]
    assert model(torch.zeros(2, 3, 227, 227)).shape == (2, 10)
    assert alexnet("one_gpu", 7, width=1 / 8)(torch.zeros(1, 3, 128, 128)).shape == (1, 7)


def test_the_small_alexnet_follows_its_table():
    model = small_alexnet()
    assert count(model) == sum(r[2] for r in layer_table(SMALL_ALEXNET, (1, 32, 32))) == 182_410
    assert model(torch.zeros(2, 1, 32, 32)).shape == (2, 10)
    relu, tanh = small_alexnet("relu"), small_alexnet("tanh")     # the same initial weights
    assert all(torch.equal(a, b) for a, b in zip(relu.parameters(), tanh.parameters(), strict=True))


def test_torchvision_s_alexnet_has_the_one_gpu_count_where_it_imports():
    torchvision = pytest.importorskip("torchvision", reason="torchvision's PyPI wheel does not "
                                      "import beside the CPU torch here (COURSE.md)")
    with torch.device("meta"):
        reference = torchvision.models.alexnet(weights=None)
    assert count(reference) == ONE_GPU_PARAMS
    ours = [(type(m).__name__, sum(p.numel() for p in m.parameters(recurse=False)))
            for m in on_meta("one_gpu").modules() if not list(m.children())]
    theirs = [(type(m).__name__, sum(p.numel() for p in m.parameters(recurse=False)))
              for m in reference.modules() if not list(m.children())]
    assert [x for x in ours if x[0] != "Flatten"] == theirs


# ----------------------------------------------------------------------------- the checks


@pytest.mark.parametrize("name, fn", [("layer_output_shape", layer_output_shape),
                                      ("layer_table", layer_table_numbers),
                                      ("alexnet", alexnet)])
def test_the_references_get_full_marks(name, fn):
    report = run(get_exercise(name), fn, 1.0)
    assert report.points == pytest.approx(1.0), report.text()


# every catalogue mistake loses points and is named: tests/test_checks.py, for every exercise


@pytest.mark.parametrize("name", ["layer_output_shape", "layer_table", "alexnet"])
def test_the_docstring_states_what_is_returned(name):
    doc = " ".join(get_exercise(name).reference_fn().__doc__.split())
    if name == "layer_table":  # graded through layer_table_numbers: the learner's docstring counts
        doc = " ".join(layer_table.__doc__.split())
    expected = {"layer_output_shape": r"Returns out_shape: a tuple of ints",
                "layer_table": r"Returns rows: a list of one tuple \(name, out_shape, params, macs\)",
                "alexnet": r"Returns model: an nn.Module"}[name]
    assert re.search(expected, doc), doc
    assert "Raises ValueError" in doc


# student-style answers, written independently of the catalogue


def student_table(layers, in_shape, *, flops=False, bias=True, groups=True):
    rows, (c, h, w) = [], in_shape
    shape = (c, h, w)
    for layer in layers:
        name, kind = layer[0], layer[1]
        if kind in ("conv", "pool"):
            if kind == "conv":
                c_out, f, s, p, g = layer[2:]
            else:
                (f, s), c_out, p, g = layer[2:], shape[0], 0, 1
            if len(shape) != 3 or shape[0] % g or f > shape[1] + 2 * p:
                raise ValueError(f"{name} does not fit {shape}")
            out = (c_out, (shape[1] + 2 * p - f) // s + 1, (shape[2] + 2 * p - f) // s + 1)
            k = c_out * (shape[0] // (g if groups else 1)) * f * f if kind == "conv" else 0
            params = k + (c_out if bias and kind == "conv" else 0)
            macs = k * out[1] * out[2] * (2 if flops else 1)
        elif kind == "lrn":
            if len(shape) != 3:
                raise ValueError(f"{name} needs (C, H, W), got {shape}")
            out, params, macs = shape, 0, 0
        elif kind == "fc":
            d = math.prod(shape)
            out, params, macs = (layer[2],), d * layer[2] + (layer[2] if bias else 0), d * layer[2] * (2 if flops else 1)
        else:
            raise ValueError(f"{name}: unknown kind {kind}")
        rows.append((name, out, np.int64(params), np.int64(macs)))   # numpy ints are ints too
        shape = out
    return rows


def graded_table(table):
    """How the notebook grades a learner's layer_table: through layer_table_numbers."""
    import solutions.imagenet_alexnet as module

    def graded(layers, in_shape):
        original = module.layer_table
        module.layer_table = table
        try:
            return module.layer_table_numbers(layers, in_shape)
        finally:
            module.layer_table = original
    return graded


def test_a_student_style_layer_table_keeps_full_marks():
    report = run(get_exercise("layer_table"), graded_table(student_table), 1.0)
    assert report.points == pytest.approx(1.0), report.text()


@pytest.mark.parametrize("options, words", [
    ({"flops": True}, ["MACs differ", "MACs counted as FLOPs"]),
    ({"bias": False}, ["parameters differ", "the biases are not counted"]),
    ({"groups": False}, ["CONV2 (parameters and MACs differ)", "groups ignored in the parameter count"]),
], ids=["FLOPs instead of MACs", "bias forgotten", "groups ignored"])
def test_planted_layer_table_mistakes_lose_points_and_are_named(options, words):
    report = run(get_exercise("layer_table"), graded_table(partial(student_table, **options)), 1.0)
    assert report.points < 0.2, report.text()
    for word in words:
        assert word in report.text(), report.text()


class StudentAlexNet(nn.Module):
    """A correct answer in another style: its own forward, functional ReLU, pooling and LRN,
    the classifier defined before the features; `plant` switches on one mistake."""

    def __init__(self, variant="paper", num_classes=1000, width=1.0, plant=""):
        super().__init__()
        if variant not in ("paper", "one_gpu") or num_classes < 1 or width <= 0:
            raise ValueError("bad arguments")
        self.variant, self.plant = variant, plant
        ch = [max(2, 2 * round(c * width / 2)) for c in
              ((96, 256, 384, 384, 256) if variant == "paper" else (64, 192, 384, 256, 256))]
        hidden = max(2, 2 * round(4096 * width / 2))
        self.fc = nn.ModuleList([nn.Linear(ch[4] * 36, hidden), nn.Linear(hidden, hidden),
                                 nn.Linear(hidden, num_classes)])
        g = 2 if variant == "paper" and plant != "groups" else 1
        specs = [(3, ch[0], 11, 2 if plant == "stride" else 4, 0 if variant == "paper" else 2, 1),
                 (ch[0], ch[1], 5, 1, 2, g), (ch[1], ch[2], 3, 1, 1, 1), (ch[2], ch[3], 3, 1, 1, g),
                 (ch[3], ch[4], 3, 1, 1, g)]
        if plant == "missing":  # CONV4 forgotten: CONV5 takes CONV3's channels
            specs = specs[:3] + [(ch[2], ch[4], 3, 1, 1, g)]
        self.convs = nn.ModuleList([nn.Conv2d(a, b, k, s, p, groups=gg, bias=plant != "bias")
                                    for a, b, k, s, p, gg in specs])

    def forward(self, x):
        norm = self.variant == "paper"
        last = len(self.convs) - 1
        for i, conv in enumerate(self.convs):
            x = F.relu(conv(x))
            if i in (0, 1, last):
                x = F.max_pool2d(x, 3, 2)
                if norm and i < 2:
                    x = F.local_response_norm(x, 5, **LRN_ARGS)
        if self.variant == "one_gpu":
            x = F.adaptive_avg_pool2d(x, (6, 6))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc[0](F.dropout(x, 0.5, self.training)))
        x = F.relu(self.fc[1](F.dropout(x, 0.5, self.training)))
        return self.fc[2](x)


def flat_alexnet(variant="paper", num_classes=1000, width=1.0, caffe_dropout=False):
    """A correct answer as one flat nn.Sequential, no named stages."""
    if variant not in ALEXNET or num_classes < 1 or not width > 0:
        raise ValueError(f"bad arguments {variant!r}, {num_classes!r}, {width!r}")
    layers: list[nn.Module] = []
    c = 3
    for _, kind, *hp in ALEXNET[variant]:
        if kind == "conv":
            out = max(2, 2 * round(hp[0] * width / 2))
            layers += [nn.Conv2d(c, out, hp[1], hp[2], hp[3], groups=hp[4]), nn.ReLU()]
            c = out
        elif kind == "pool":
            layers.append(nn.MaxPool2d(hp[0], hp[1]))
        elif kind == "lrn":
            layers.append(nn.LocalResponseNorm(hp[0], **LRN_ARGS))
    if variant == "one_gpu":
        layers.append(nn.AdaptiveAvgPool2d(6))
    hidden = max(2, 2 * round(4096 * width / 2))
    if caffe_dropout:  # Caffe's placement: fc6, relu6, drop6, fc7, relu7, drop7, fc8
        layers += [nn.Flatten(), nn.Linear(c * 36, hidden), nn.ReLU(), nn.Dropout(),
                   nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(), nn.Linear(hidden, num_classes)]
    else:  # the docstring's (torchvision's): dropout before FC6 and before FC7
        layers += [nn.Flatten(), nn.Dropout(), nn.Linear(c * 36, hidden), nn.ReLU(), nn.Dropout(),
                   nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, num_classes)]
    return nn.Sequential(*layers)


@pytest.mark.parametrize("student", [StudentAlexNet, flat_alexnet], ids=["custom forward", "flat Sequential"])
def test_correct_alexnets_in_other_styles_keep_full_marks(student):
    report = run(get_exercise("alexnet"), student, 1.0)
    assert report.points == pytest.approx(1.0), report.text()


@pytest.mark.parametrize("plant, words", [
    ("missing", ["missing leaf module", "CONV4 is missing"]),
    ("groups", ["groups ignored", "CONV2, CONV4 and CONV5 of the paper's network are grouped"]),
    ("stride", ["stride=(2, 2)", "twice as large"]),
    ("bias", ["the bias is missing (96 biases)", "remove bias=False"]),
], ids=["a missing layer", "groups ignored", "wrong stride", "bias forgotten"])
def test_planted_alexnet_mistakes_lose_points_and_are_named(plant, words):
    report = run(get_exercise("alexnet"), partial(StudentAlexNet, plant=plant), 1.0)
    assert report.points < 0.6, report.text()
    for word in words:
        assert word in report.text(), report.text()


@pytest.mark.parametrize("student, lost", [
    (partial(flat_alexnet, caffe_dropout=True), "dropout: the same function in training mode"),
    (partial(_wrong_alexnet, dropout=False), "the dropout layers are missing"),
], ids=["Caffe's dropout placement", "no dropout"])
def test_dropout_is_checked_in_training_mode_only(student, lost):
    # dropout has no parameters and is the identity in eval mode: only training mode shows it,
    # and only the training-mode group loses its points
    report = run(get_exercise("alexnet"), student, 7.0)
    text = report.text()
    failed = [g.name for g in report.groups if g.failure and "bad input" not in g.name]
    assert failed == ["dropout: the same function in training mode"], text
    assert "in eval mode the outputs agree; in training mode" in text and lost in text, text


@pytest.mark.slow
def test_a_planted_table_mistake_is_named_through_the_sandboxed_verdict(tmp_path):
    """The layer_table answer crosses the sandbox as numbers (layer_table_numbers)."""
    from autograder import selfcheck

    nb = json.loads(SOURCE.read_text())
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "layer_table":
            src = "".join(cell["source"])
            cell["source"] = src.replace("params, macs = weights + c_out, weights * out[1] * out[2]",
                                         "params, macs = weights + c_out, 2 * weights * out[1] * out[2]")
            assert cell["source"] != src
    folder = tmp_path / "05_imagenet_alexnet"
    folder.mkdir()
    path = folder / SOURCE.name
    path.write_text(json.dumps(nb))
    report = selfcheck.check_notebook(path, ROOT, only={"layer_table"})
    [ex] = report["exercises"]
    assert ex["score"] == 0, ex["feedback"]        # every group has a convolution
    assert "row 0, CONV1 (MACs differ)" in ex["feedback"], ex["feedback"]
    assert "MACs counted as FLOPs" in ex["feedback"], ex["feedback"]


# ----------------------------------------------------------------------------- the notebook


def _markdown() -> str:
    cells = json.loads(SOURCE.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_the_lecture_s_facts_and_the_record_s_corrections_are_stated():
    text = _markdown()
    for fact in ("1000 classes, 1.2 M training images and 100k test images", "84.7%", "73.8%",
                 "6.7%", "7.3%", "22 layers", "3.57%", "152 layers", "60,965,224", "61,100,840",
                 "2,334,080", "about 5.1%", "4.94%", "2.251%", "15.3%", "11.7%"):
        assert fact in text, fact
    assert "**VGG was 2nd** in classification" in text and "localization" in text
    assert "**DenseNet never entered ILSVRC.**" in text and "best paper" in text
    assert "**ResNet's 3.57% is an error**" in text
    assert "PReLU-nets reported 4.94% in February 2015" in text
    for source in ("Russakovsky et al.", "IJCV 2015", "results page", "Krizhevsky et al., NeurIPS 2012",
                   "Szegedy et al.", "He et al.", "Hu et al."):
        assert source in text, source
    assert "trained weights cannot be downloaded here" in text
    assert "a mirrored 2, 3, 4, 7 or 9 is not a digit" in text


def test_notation_box_and_budget():
    nb = json.loads(SOURCE.read_text())
    box = "".join(nb["cells"][1]["source"])
    assert box.startswith("**Notation.**") and "C_out" in box and "`F` in code" in box
    assert nb["metadata"]["cnn_course"]["runtime_budget_seconds"] == 180


def test_the_student_notebook_has_stubs_for_the_three_exercises():
    cells = json.loads(STUDENT.read_text())["cells"]
    stubs = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in cells
             if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    assert set(stubs) == {"layer_output_shape", "layer_table", "alexnet"}
    for name, src in stubs.items():
        assert "raise NotImplementedError" in src and "TODO:" in src and "EXAMPLE:" in src, name
