"""Notebook 06, VGG: the reference solutions against hand-computed values, PyTorch and COURSE.md's
parameter counts; the checks of its four exercises (full marks for the reference and for correct
answers in other styles, planted mistakes lose points and are named, a classifier without dropout
included); the accounting and the facts its prose must state; the student notebook gets 0 and
the source full marks."""

from __future__ import annotations

import importlib
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
from autograder.checks.models import ModelProbe
from coursekit.summary import summary
from tests.model_util import count, on_meta

# solutions.vgg is a module and a function. `import solutions.vgg as reference` reads the
# package's attribute `vgg`, which is the function once any test has imported solutions (it
# binds a module's names after importing it), so the module is taken from sys.modules instead.
reference = importlib.import_module("solutions.vgg")
CFGS, SMALL_CFG = reference.CFGS, reference.SMALL_CFG
activation_memory, check_cfg = reference.activation_memory, reference.check_cfg
digits_vgg, make_features = reference.digits_vgg, reference.make_features
stack_vs_single, vgg = reference.stack_vs_single, reference.vgg

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source/06_vgg/06_vgg.ipynb"
STUDENT = ROOT / "notebooks/06_vgg/06_vgg.ipynb"
COUNTS = {"A": 132_863_336, "B": 133_047_848, "D": 138_357_544, "E": 143_667_240}  # COURSE.md
VGG16_BN = 138_365_992
EXERCISES = ("stack_vs_single", "make_features", "vgg", "activation_memory")


# ----------------------------------------------------------------------------- the references


def test_the_reference_is_the_function_vgg_through_the_checks():
    import solutions

    fn = get_exercise("vgg").reference_fn()
    assert callable(fn) and fn is vgg and solutions.vgg is vgg


@pytest.mark.parametrize("key", sorted(COUNTS))
def test_the_builders_have_course_md_s_parameter_counts_counted_on_meta(key):
    model = on_meta(vgg, key)
    assert count(model) == COUNTS[key] and all(p.is_meta for p in model.parameters())
    assert model(torch.zeros(2, 3, 224, 224, device="meta")).shape == (2, 1000)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [v for v in CFGS[key] if v != "M"]
    assert all(c.kernel_size == (3, 3) and c.padding == (1, 1) and c.stride == (1, 1)
               for c in convs)
    pools = [m for m in model.modules() if isinstance(m, nn.MaxPool2d)]
    assert len(pools) == 5 and all(p.kernel_size == 2 and p.stride == 2 for p in pools)
    assert len(convs) + 3 == {"A": 11, "B": 13, "D": 16, "E": 19}[key]


def test_batch_norm_and_other_classes():
    bn = on_meta(vgg, "D", batch_norm=True)
    assert count(bn) == VGG16_BN == COUNTS["D"] + 2 * sum(v for v in CFGS["D"] if v != "M")
    kinds = [type(m).__name__ for m in bn.features][:4]
    assert kinds == ["Conv2d", "BatchNorm2d", "ReLU", "Conv2d"]
    assert all(m.bias is not None for m in bn.modules() if isinstance(m, nn.Conv2d))
    assert count(on_meta(vgg, "E", 10)) == COUNTS["E"] - 990 * 4097
    # the adaptive pooling: any input of at least 32x32
    assert on_meta(vgg, "A", 7)(torch.zeros(1, 3, 32, 48, device="meta")).shape == (1, 7)


def test_fc6_holds_most_of_the_parameters_and_the_features_the_rest():
    rows = summary(on_meta(vgg, "D"), (3, 224, 224), show=False)
    linear = [r for r in rows if r.kind == "Linear"]
    assert linear[0].params == 102_764_544 == 7 * 7 * 512 * 4096 + 4096
    assert sum(r.params for r in rows) == COUNTS["D"]
    assert count(on_meta(make_features, CFGS["D"])) == 14_714_688
    assert sum(r.macs for r in rows) == 15_470_264_320


def test_make_features_matches_torch_modules_written_out():
    cfg = [4, "M", 6, 6, "M", 8]
    model = make_features(cfg, batch_norm=True)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Conv2d", "BatchNorm2d", "ReLU",
                     "Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Conv2d", "BatchNorm2d", "ReLU"]
    assert all(m.inplace for m in model if isinstance(m, nn.ReLU))
    assert model(torch.zeros(2, 3, 17, 9)).shape == (2, 8, 4, 2)  # 17 -> 8 -> 4, 9 -> 4 -> 2
    plain = make_features(cfg)
    assert [type(m).__name__ for m in plain].count("BatchNorm2d") == 0
    assert count(plain) == (3 * 9 + 1) * 4 + (4 * 9 + 1) * 6 + (6 * 9 + 1) * 6 + (6 * 9 + 1) * 8


def test_reduced_widths():
    model = vgg("A", 10, width=1 / 16)
    assert [m.out_channels for m in model.modules() if isinstance(m, nn.Conv2d)] == [
        4, 8, 16, 16, 32, 32, 32, 32]
    assert [m.out_features for m in model.modules() if isinstance(m, nn.Linear)] == [256, 256, 10]
    assert count(model) == 506_306
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_stack_vs_single_against_torch_and_the_receptive_field_of_notebook_02():
    from solutions import receptive_field

    for c, n in ((64, 3), (5, 1), (3, 4), (256, 2)):
        field, stack, single = stack_vs_single(c, n)
        assert field == receptive_field([(3, 1)] * n)
        assert stack == count(nn.Sequential(*[nn.Conv2d(c, c, 3, padding=1) for _ in range(n)]))
        assert single == count(nn.Conv2d(c, c, field))
        assert all(type(v) is int for v in (field, stack, single))
    field, stack, single = stack_vs_single(64, 3)   # the paper's 27 C^2 against 49 C^2
    assert (stack - 3 * 64, single - 64) == (27 * 64**2, 49 * 64**2)
    assert stack_vs_single(np.int64(8), np.int32(2)) == (5, 1_168, 1_608)


def test_activation_memory_against_pytorch_s_output_shapes():
    rng = np.random.default_rng(6)
    for _ in range(20):
        h, w = (int(v) for v in rng.integers(2, 40, size=2))
        cfg: list = []
        side = min(h, w)
        for _ in range(int(rng.integers(1, 4))):
            cfg += [int(rng.integers(1, 9))] * int(rng.integers(1, 3))
            if side >= 2:
                cfg.append("M")
                side //= 2
        memory = activation_memory(cfg, (3, h, w), 2)
        traced = [r for r in summary(make_features(cfg), (3, h, w), show=False)
                  if r.kind in ("Conv2d", "MaxPool2d")]
        assert memory.dtype == np.int64 and memory.shape == (len(cfg), 2)
        assert [math.prod(r.out_shape[1:]) for r in traced] == memory[:, 0].tolist(), cfg
        assert np.array_equal(memory[:, 1], 2 * memory[:, 0])


def test_the_vgg16_accounting_of_the_notebook():
    memory = activation_memory(CFGS["D"], (3, 224, 224))
    assert memory[:3, 0].tolist() == [3_211_264, 3_211_264, 802_816]
    total = 3 * 224 * 224 + int(memory[:, 0].sum()) + 4096 + 4096 + 1000
    assert total == 15_237_608 and 4 * total == 60_950_432
    assert round(4 * total / 2**20, 1) == 58.1 and total < 24e6
    assert memory[:2, 0].sum() / total == pytest.approx(0.4215, abs=1e-4)   # "42%"


def test_bad_input_raises_value_error_naming_the_problem():
    with pytest.raises(ValueError, match=r"cfg\[1\] = 'm'"):
        make_features([64, "m"])
    with pytest.raises(ValueError, match="non-empty list"):
        check_cfg([])
    for args in (("C",), ("D", 0), ("D", 10, False, 0.0), ("D", 2.5)):
        with pytest.raises(ValueError):
            vgg(*args)
    for args in ((0, 2), (64, 0), (64.0, 2), (True, 2), ("64", 2)):
        with pytest.raises(ValueError, match="must be an int >= 1"):
            stack_vs_single(*args)
    with pytest.raises(ValueError, match=r"cfg\[2\] = 'M' pools a 1x1 map"):
        activation_memory([8, "M", "M"], (3, 2, 2))
    with pytest.raises(ValueError, match="input_shape"):
        activation_memory(CFGS["D"], (224, 224))
    with pytest.raises(ValueError, match="bytes_per_value"):
        activation_memory(CFGS["D"], (3, 224, 224), 2.5)


def test_the_reduced_vgg_starts_from_the_same_weights_with_and_without_batch_norm():
    with_bn, plain = digits_vgg(batch_norm=True), digits_vgg(batch_norm=False)
    assert SMALL_CFG == [8, "M", 16, "M", 32, 32, "M", 64, 64, "M", 64, 64, "M"]
    weights = [[m.weight for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
               for net in (with_bn, plain)]
    assert all(torch.equal(a, b) for a, b in zip(*weights, strict=True))
    assert with_bn(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert count(plain) == count(with_bn) - 2 * sum(v for v in SMALL_CFG if v != "M")


def test_the_reduced_vgg_learns_with_batch_norm_and_not_without_on_a_small_budget():
    from coursekit.datasets import digits
    from coursekit.train import fit

    x_train, y_train, x_test, y_test = digits(size=32)
    mean, std = x_train.mean(), x_train.std()
    data = (np.repeat((x_train[:320] - mean) / std, 3, axis=1), y_train[:320],
            np.repeat((x_test[:100] - mean) / std, 3, axis=1), y_test[:100])
    runs = {bn: fit(digits_vgg(batch_norm=bn), data, epochs=3, lr=3e-3, batch_size=32,
                    optimizer=reference.adam_cosine(30), progress=False, verbose=False)
            for bn in (True, False)}
    first, last = (np.mean(runs[True].step_loss[:5]), np.mean(runs[True].step_loss[-5:]))
    assert last < first - 0.5 and runs[True].train_acc[-1] > 0.25
    assert min(runs[False].step_loss[-5:]) > 2.2 and runs[False].train_acc[-1] < 0.2


def test_torchvision_s_vgg_has_the_same_counts_where_it_imports():
    torchvision = pytest.importorskip("torchvision", reason="torchvision's PyPI wheel does not "
                                      "import beside the CPU torch here (COURSE.md)")
    for key, name in (("A", "vgg11"), ("B", "vgg13"), ("D", "vgg16"), ("E", "vgg19")):
        with torch.device("meta"):
            theirs = getattr(torchvision.models, name)(weights=None)
        assert count(theirs) == COUNTS[key]
    with torch.device("meta"):
        assert count(torchvision.models.vgg16_bn(weights=None)) == VGG16_BN


# ----------------------------------------------------------------------------- the checks


@pytest.mark.parametrize("name", EXERCISES)
def test_the_references_get_full_marks(name):
    report = run(get_exercise(name), get_exercise(name).reference_fn(), 1.0)
    assert report.points == pytest.approx(1.0), report.text()


# every catalogue mistake loses points and is named: tests/test_checks.py, for every exercise


@pytest.mark.parametrize("name, returns", [
    ("stack_vs_single", r"Returns counts: a tuple of three ints"),
    ("make_features", r"Returns features: an nn.Sequential"),
    ("vgg", r"Returns model: an nn.Module"),
    ("activation_memory", r"Returns memory: an int64 np.ndarray of shape \(L, 2\)"),
])
def test_the_docstring_states_what_is_returned_and_what_raises(name, returns):
    doc = " ".join(get_exercise(name).reference_fn().__doc__.split())
    assert re.search(returns, doc), doc
    assert "Raises ValueError" in doc and "returns float64" not in doc


def test_every_model_case_is_fast():
    """Under a second per case, once torch has loaded its meta kernels (the first convolution
    and the first batch norm on the meta device take a second or two, once per process)."""
    import time

    for name in ("make_features", "vgg"):
        ex = get_exercise(name)
        for index, group in enumerate(ex.groups):
            for case in group.cases(np.random.default_rng([ex.seed, index])):
                if case.probe is None or case.raises is not None:
                    continue
                case.probe.call(ex.reference_fn(), case.args, case.kwargs)  # warm
                start = time.perf_counter()
                case.probe.call(ex.reference_fn(), case.args, case.kwargs)
                assert time.perf_counter() - start < 1.0, case.label


# student-style answers, written independently of the catalogue


class StudentVGG(nn.Module):
    """A correct answer in another style: its own forward with functional ReLU, pooling,
    adaptive pooling and dropout, plain lists of layers, the classifier defined before the
    features; `plant` switches on one mistake."""

    def __init__(self, cfg_name="D", num_classes=1000, batch_norm=False, width=1.0, plant=""):
        super().__init__()
        if cfg_name not in ("A", "B", "D", "E") or not isinstance(num_classes, int) \
                or isinstance(num_classes, bool) or num_classes < 1 or not width > 0:
            raise ValueError("bad arguments")
        cfg = list(CFGS[cfg_name])
        if plant == "missing M":          # the fourth pooling forgotten
            del cfg[[i for i, v in enumerate(cfg) if v == "M"][3]]
        self.plant, self.cfg = plant, [v if v == "M" else max(1, round(v * width)) for v in cfg]
        hidden = max(1, round(4096 * width))
        last = [v for v in self.cfg if v != "M"][-1]
        side = 14 if plant == "fc for 14x14" else 7
        self.fc = nn.ModuleList([nn.Linear(last * side * side, hidden), nn.Linear(hidden, hidden),
                                 nn.Linear(hidden, num_classes)])
        self.convs, self.norms = nn.ModuleList(), nn.ModuleList()
        c = 3
        for v in self.cfg:
            if v != "M":
                self.convs.append(nn.Conv2d(c, v, 3, padding=0 if plant == "padding 0" else 1))
                if batch_norm:
                    self.norms.append(nn.BatchNorm2d(v))
                c = v
        self.batch_norm = batch_norm

    def forward(self, x):
        k = 0
        for v in self.cfg:
            if v == "M":
                x = F.max_pool2d(x, 2)
                continue
            x = self.convs[k](x)
            if self.batch_norm and self.plant == "bn after relu":
                x = self.norms[k](F.relu(x))
            else:
                x = F.relu(self.norms[k](x) if self.batch_norm else x)
            k += 1
        x = torch.flatten(F.adaptive_avg_pool2d(x, 7), 1)
        for fc in self.fc[:2]:
            x = F.relu(fc(x))
            if self.plant != "no dropout":
                x = F.dropout(x, 0.5, self.training)
        return self.fc[2](x)


def flat_vgg(cfg_name="D", num_classes=1000, batch_norm=False, width=1.0):
    """A correct answer as one flat nn.Sequential: padding="same", non-inplace ReLU,
    nn.MaxPool2d(2) (its stride is its size), and the dropout before each ReLU (the same
    function: a dropped unit is 0 either way)."""
    if cfg_name not in CFGS or not isinstance(num_classes, int) or num_classes < 1 \
            or not width > 0:
        raise ValueError(f"bad arguments {cfg_name!r}, {num_classes!r}, {width!r}")
    layers: list[nn.Module] = []
    c = 3
    for v in CFGS[cfg_name]:
        if v == "M":
            layers.append(nn.MaxPool2d(2))
            continue
        out = max(1, round(v * width))
        layers += [nn.Conv2d(c, out, kernel_size=3, padding="same"),
                   *([nn.BatchNorm2d(out)] if batch_norm else []), nn.ReLU()]
        c = out
    hidden = max(1, round(4096 * width))
    layers += [nn.AdaptiveAvgPool2d(7), nn.Flatten(), nn.Linear(c * 49, hidden), nn.Dropout(),
               nn.ReLU(), nn.Linear(hidden, hidden), nn.Dropout(), nn.ReLU(),
               nn.Linear(hidden, num_classes)]
    return nn.Sequential(*layers)


def student_features(cfg, batch_norm=False, plant=""):
    """make_features in a student's style: an explicit loop, padding="same", nn.MaxPool2d(2)."""
    if not isinstance(cfg, list) or not cfg:
        raise ValueError("cfg must be a non-empty list")
    layers, c = [], 3
    for v in cfg:
        if v == "M":
            if plant != "skip M":
                layers.append(nn.MaxPool2d(kernel_size=2))
        elif isinstance(v, int) and not isinstance(v, bool) and v > 0:
            layers.append(nn.Conv2d(c, v, 3, padding=0 if plant == "padding 0" else "same"))
            relu, norm = nn.ReLU(), [nn.BatchNorm2d(v)] if batch_norm else []
            layers += [relu, *norm] if plant == "bn after relu" else [*norm, relu]
            c = v
        else:
            raise ValueError(f"bad entry {v!r}")
    return nn.Sequential(*layers)


@pytest.mark.parametrize("student", [StudentVGG, flat_vgg], ids=["custom forward", "flat Sequential"])
def test_correct_vggs_in_other_styles_keep_full_marks(student):
    report = run(get_exercise("vgg"), student, 1.0)
    assert report.points == pytest.approx(1.0), report.text()


def test_a_correct_make_features_in_another_style_keeps_full_marks():
    report = run(get_exercise("make_features"), student_features, 1.0)
    assert report.points == pytest.approx(1.0), report.text()


@pytest.mark.parametrize("plant, words", [
    ("missing M", ["output (1, 512, 28, 28)", "the output is twice as large as expected",
                   "an 'M' of the cfg is missing"]),
    ("padding 0", ["output (1, 64, 222, 222)", "check the padding",
                   "the convolutions have padding 0"]),
    ("bn after relu", ["the first leaf module whose output differs is features", "BatchNorm2d",
                       "the batch normalization comes after the ReLU"]),
    ("fc for 14x14", ["the forward pass on an input of shape", "failed",
                      "your forward pass stopped before", "FC6's input size is computed for 14x14"]),
    ("no dropout", ["differs in: output values in training mode", "in eval mode the outputs agree",
                    "the classifier has no dropout"]),
], ids=["missing M", "padding 0", "BN after ReLU", "classifier for the wrong size", "no dropout"])
def test_planted_vgg_mistakes_lose_points_and_are_named(plant, words):
    report = run(get_exercise("vgg"), partial(StudentVGG, plant=plant), 1.0)
    text = report.text()
    assert report.points < 0.7, text
    for word in words:
        assert word in text, f"{word!r} not in:\n{text}"


def test_a_classifier_without_dropout_is_caught_only_in_training_mode():
    args, kwargs = ("A", 10), {"width": 1 / 16}
    eval_only, both = ModelProbe((2, 3, 32, 32), stages=False), ModelProbe(
        (2, 3, 32, 32), stages=False, training=True)
    for probe, caught in ((eval_only, False), (both, True)):
        want = probe.call(vgg, args, kwargs)
        got = probe.call(partial(StudentVGG, plant="no dropout"), args, kwargs)
        assert (probe.compare(got, want) is not None) == caught
        assert probe.compare(probe.call(StudentVGG, args, kwargs), want) is None


@pytest.mark.parametrize("plant, words", [
    ("skip M", ["the 'M' entries are skipped"]),
    ("padding 0", ["check the padding", "the convolutions have padding 0"]),
    ("bn after relu", ["BatchNorm2d", "the batch normalization comes after the ReLU"]),
])
def test_planted_make_features_mistakes_lose_points_and_are_named(plant, words):
    report = run(get_exercise("make_features"), partial(student_features, plant=plant), 1.0)
    assert report.points < 0.7, report.text()
    for word in words:
        assert word in report.text(), report.text()


def student_stack(c, n_layers, *, bias=True, per_position=False, input_layer=False):
    """stack_vs_single written out by a student, with one misconception switched on."""
    for v in (c, n_layers):
        if not isinstance(v, int | np.integer) or isinstance(v, bool) or v < 1:
            raise ValueError("c and n_layers must be positive ints")
    layers = n_layers + 1 if input_layer else n_layers
    field = 1 + 2 * layers
    b = c if bias else 0
    stack = layers * (9 * c * c + b)
    single = field**2 * c * c + b
    if per_position:  # the weights of one filter per output position: C, not C * C
        stack, single = layers * (9 * c + b), field**2 * c + b
    return np.int64(field), np.int64(stack), np.int64(single)   # numpy ints are ints too


def student_memory(cfg, input_shape, bytes_per_value=4, *, with_input=False,
                   per_position=False, times_bytes=True):
    """activation_memory written out by a student, with one misconception switched on."""
    if not cfg or len(input_shape) != 3 or min(input_shape) < 1 or bytes_per_value < 1 \
            or not isinstance(bytes_per_value, int):
        raise ValueError("bad input")
    c, h, w = input_shape
    rows = [[c * h * w]] if with_input else []
    for v in cfg:
        if v == "M":
            if h < 2 or w < 2:
                raise ValueError("pooling a map smaller than 2x2")
            h, w = h // 2, w // 2
        elif isinstance(v, int) and v > 0 and not isinstance(v, bool):
            c = v
        else:
            raise ValueError(f"bad entry {v!r}")
        rows.append([c if per_position else c * h * w])
    acts = np.array(rows)
    return np.concatenate([acts, acts * (bytes_per_value if times_bytes else 1)], axis=1)


def test_student_style_counters_keep_full_marks():
    assert run(get_exercise("stack_vs_single"), student_stack, 1.0).points == pytest.approx(1.0)
    report = run(get_exercise("activation_memory"), student_memory, 1.0)
    assert report.points == pytest.approx(1.0), report.text()


@pytest.mark.parametrize("name, student, words", [
    ("stack_vs_single", partial(student_stack, bias=False), ["the biases are not counted"]),
    ("stack_vs_single", partial(student_stack, per_position=True), ["C is not squared"]),
    ("stack_vs_single", partial(student_stack, input_layer=True),
     ["the input is counted as a layer"]),
    ("activation_memory", partial(student_memory, with_input=True),
     ["expected: 18 rows, one per cfg entry", "the input is counted as a layer"]),
    ("activation_memory", partial(student_memory, per_position=True),
     ["the first row that differs is row 0", "the activations are counted per position"]),
    ("activation_memory", partial(student_memory, times_bytes=False),
     ["the bytes are not multiplied by bytes_per_value"]),
], ids=["no bias", "per position", "input as a layer", "input as a row", "per position",
        "bytes forgotten"])
def test_planted_counting_mistakes_lose_points_and_are_named(name, student, words):
    report = run(get_exercise(name), student, 1.0)
    assert report.points < 0.5, report.text()
    for word in words:
        assert word in report.text(), report.text()


# ----------------------------------------------------------------------------- the notebook


def _cells(path: Path = SOURCE) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _markdown() -> str:
    return "\n".join("".join(c["source"]) for c in _cells() if c["cell_type"] == "markdown")


def test_the_facts_and_their_sources_are_stated():
    text = _markdown()
    for fact in ("Simonyan & Zisserman", "ICLR 2015", "7.3% top-5 error", "7.32%", "6.7%",
                 "**second in classification", "**first in localization**", "25.3%",
                 "ILSVRC 2014 results page", "Russakovsky et al., IJCV 2015",
                 "3 × 3 convolutions with stride 1 and padding 1",
                 "2 × 2 max pooling with stride 2", "27C²", "49C²", "132,863,336",
                 "133,047,848", "138,357,544", "143,667,240", "138,365,992", "15,237,608",
                 "102,764,544", "58 MiB", "24M * 4 bytes ~= 93MB", "CS231n",
                 "trained weights cannot be downloaded here", "Ioffe & Szegedy"):
        assert fact in text, fact
    assert "Which figure holds." in text and "not the sum of the rows" in text
    assert not re.search(r"VGG (won|was first in) (the )?(ILSVRC 2014 )?classification", text)


def test_header_points_equal_the_hidden_tests():
    cells = _cells()
    header = "".join(cells[0]["source"])
    points = {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"]["points"]
              for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")}
    assert sum(points.values()) == 17 and "**Points:** 17" in header
    for name in EXERCISES:
        assert f"`{name}` {points[f'test-{name}-hidden']:g}" in header


def test_notation_box_and_budget():
    nb = json.loads(SOURCE.read_text())
    box = "".join(nb["cells"][1]["source"])
    assert box.startswith("**Notation.**") and "C_out" in box and "`F` in code" in box
    assert nb["metadata"]["cnn_course"]["runtime_budget_seconds"] == 180


def test_no_number_of_the_accounting_is_typed_into_the_code():
    code = "\n".join("".join(c["source"]) for c in _cells() if c["cell_type"] == "code"
                     and not c.get("metadata", {}).get("nbgrader", {}).get("locked"))
    for number in ("15237608", "15_237_608", "60950432", "102764544", "102_764_544"):
        assert number not in code


def test_the_student_notebook_has_stubs_for_the_four_exercises():
    cells = _cells(STUDENT)
    stubs = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in cells
             if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    assert set(stubs) == set(EXERCISES)
    for name, src in stubs.items():
        assert "raise NotImplementedError" in src and "TODO:" in src and "EXAMPLE:" in src, name
        assert "### BEGIN SOLUTION" not in src


@pytest.mark.slow
@pytest.mark.parametrize("path, expected", [(SOURCE, 17), (STUDENT, 0)], ids=["source", "student"])
def test_check_gives_the_source_full_marks_and_the_student_notebook_0(tmp_path, path, expected):
    from autograder import selfcheck

    folder = tmp_path / "06_vgg"
    folder.mkdir()
    copy = folder / path.name
    copy.write_text(path.read_text())
    report = selfcheck.check_notebook(copy, ROOT)
    assert report["score"] == expected and report["max_score"] == 17, report
