"""Notebook 09, DenseNet: the references against COURSE.md's parameter counts, torchvision's
layout and each other; the memory measurement (the naive curve grows faster than linearly, the
checkpointed one does not) and the formula it checks; the checks of its six exercises (full
marks for the references and for correct answers in other styles, planted mistakes lose points
with a named diagnosis); the facts its prose must state."""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder.checks.core import get_exercise, run
from autograder.checks.exercises.common import ref
from autograder.checks.exercises.densenet import _wrong_layer
from coursekit.summary import summary
from solutions import (
    CheckpointedDenseBlock,
    DenseBlock,
    DenseLayer,
    Transition,
    concat_memory,
    densenet_channels,
    digits_densenet,
    saved_activations,
)
from tests.model_util import count, on_meta

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source/09_densenet/09_densenet.ipynb"
STUDENT = ROOT / "notebooks/09_densenet/09_densenet.ipynb"
COUNTS = {"DenseNet-121": 7_978_856, "DenseNet-169": 14_149_480, "DenseNet-201": 20_013_928,
          "DenseNet-161": 28_681_000}   # COURSE.md
DENSENETS = {"DenseNet-121": (32, (6, 12, 24, 16), 64), "DenseNet-169": (32, (6, 12, 32, 32), 64),
             "DenseNet-201": (32, (6, 12, 48, 32), 64), "DenseNet-161": (48, (6, 12, 36, 24), 96)}
EXERCISES = ["densenet_channels", "DenseLayer", "DenseBlock", "Transition", "densenet",
             "concat_memory"]
densenet = ref("densenet")   # the function (solutions.densenet is also the module's name)


# ----------------------------------------------------------------------------- the references


@pytest.mark.parametrize("name", list(COUNTS))
def test_the_configurations_give_course_md_s_counts_and_the_names_depth(name):
    k, blocks, init = DENSENETS[name]
    model = on_meta(densenet, k, blocks, init)
    assert count(model) == COUNTS[name] and all(p.is_meta for p in model.parameters())
    assert model(torch.zeros(1, 3, 224, 224, device="meta")).shape == (1, 1000)
    layers = [m for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    assert f"DenseNet-{len(layers)}" == name
    assert init == 2 * k and not any(m.bias is not None for m in layers if isinstance(m, nn.Conv2d))


def test_densenet_121_goes_64_256_128_512_256_1024_512_1024():
    assert densenet_channels(64, 32, (6, 12, 24, 16)) == (256, 128, 512, 256, 1024, 512, 1024)
    assert all(type(c) is int for c in densenet_channels(16, 5, [3, 3], compression=0.75))
    assert densenet_channels(16, 5, (3, 3), compression=0.75) == (31, 23, 38)
    for name, (k, blocks, init) in DENSENETS.items():   # the channels the built network has
        model = densenet(k, blocks, init)
        widths = [m.num_features for n, m in model.named_modules()
                  if isinstance(m, nn.BatchNorm2d) and re.search(r"transition\d+\.|norm5", n)]
        outs = [m.out_channels for n, m in model.named_modules()
                if isinstance(m, nn.Conv2d) and "transition" in n]
        channels = densenet_channels(init, k, blocks)
        assert widths == list(channels[0::2]) and outs == list(channels[1::2]), name


def test_the_macs_are_torchvision_s_published_ops():
    macs = {name: sum(r.macs for r in summary(on_meta(densenet, *config), (3, 224, 224),
                                              show=False))
            for name, config in DENSENETS.items()}
    # torchvision's "_ops" (its GFLOPS column): 2.834, 3.36, 4.291 and 7.728 billion
    assert macs == {"DenseNet-121": 2_834_161_664, "DenseNet-169": 3_359_843_328,
                    "DenseNet-201": 4_291_365_888, "DenseNet-161": 7_727_907_072}


def test_the_layer_concatenates_its_input_first_and_the_block_chains_layers():
    torch.manual_seed(0)
    layer = DenseLayer(5, 3, bn_size=2).double().eval()
    x = torch.randn(2, 5, 6, 7, dtype=torch.float64)
    with torch.no_grad():
        y = layer(x)
        new = layer.conv2(F.relu(layer.norm2(layer.conv1(F.relu(layer.norm1(x))))))
    assert y.shape == (2, 8, 6, 7) and torch.equal(y[:, :5], x) and torch.equal(y[:, 5:], new)
    assert layer.conv1.out_channels == 6 and layer.conv2.kernel_size == (3, 3)
    block = DenseBlock(3, 4, 2)
    assert [m.norm1.num_features for m in block.children()] == [4, 6, 8]
    assert count(on_meta(DenseBlock, 6, 64, 32)) == 335_040
    assert count(on_meta(Transition, 256, 128)) == 33_280
    assert Transition(4, 2)(torch.zeros(1, 4, 7, 5)).shape == (1, 2, 3, 2)


def test_the_state_dict_names_are_torchvision_s():
    names = set(densenet(32, (6, 12, 24, 16), 64).state_dict())
    for key in ("features.conv0.weight", "features.norm0.running_mean",
                "features.denseblock1.denselayer1.norm1.weight",
                "features.denseblock3.denselayer24.conv2.weight",
                "features.transition3.conv.weight", "features.norm5.bias",
                "classifier.weight", "classifier.bias"):
        assert key in names, key


def test_torchvision_s_densenets_have_the_same_parameters_where_it_imports():
    torchvision = pytest.importorskip("torchvision", reason="torchvision's PyPI wheel does not "
                                      "import beside the CPU torch here (COURSE.md)")
    for name, build in (("DenseNet-121", "densenet121"), ("DenseNet-161", "densenet161")):
        with torch.device("meta"):
            theirs = getattr(torchvision.models, build)(weights=None)
        ours = on_meta(densenet, *DENSENETS[name])
        assert count(theirs) == COUNTS[name]
        assert {n: tuple(p.shape) for n, p in ours.state_dict().items()} == {
            n: tuple(p.shape) for n, p in theirs.state_dict().items()}


def test_bad_arguments_raise_value_error():
    for build, args, kwargs in ((densenet_channels, (64, 32, ()), {}),
                                (densenet_channels, (64, 32, (6,)), {"compression": 0}),
                                (DenseLayer, (4, 0), {}), (DenseBlock, (0, 4, 2), {}),
                                (Transition, (4, 2.0), {}), (densenet, (32, (6, 0), 64), {}),
                                (concat_memory, (6, 64, 32, 14, 14.0), {})):
        with pytest.raises(ValueError):
            build(*args, **kwargs)


# ----------------------------------------------------------------------------- the memory


def test_saved_activations_counts_what_autograd_keeps_once_without_parameters():
    conv = nn.Conv2d(3, 4, 3, padding=1)
    x = torch.randn(2, 3, 5, 5, requires_grad=True)
    assert saved_activations(conv, x) == 2 * 3 * 5 * 5   # its input; its weight is left out
    # BN keeps its input, the ReLU its output, the convolution the same output: counted once
    net = nn.Sequential(nn.BatchNorm2d(3), nn.ReLU(), nn.Conv2d(3, 4, 1))
    assert saved_activations(net, x) == 2 * (2 * 3 * 5 * 5)


C0, K, SIDE = 64, 16, 8   # smaller than the notebook's block (256, 32, 14x14): the same laws
DEPTHS = [1, 2, 3, 5, 8, 12]


@pytest.fixture(scope="module")
def measured():
    torch.manual_seed(0)
    x = torch.randn(2, C0, SIDE, SIDE, requires_grad=True)
    return {"naive": np.array([saved_activations(DenseBlock(L, C0, K), x) // 2 for L in DEPTHS]),
            "checkpointed": np.array([saved_activations(CheckpointedDenseBlock(L, C0, K), x) // 2
                                      for L in DEPTHS])}


def test_the_naive_curve_grows_faster_than_linearly_and_the_checkpointed_one_does_not(measured):
    depths = np.array(DEPTHS)
    for name, values in measured.items():
        per_layer = np.diff(values) / np.diff(depths)   # the cost of one more layer
        if name == "naive":
            assert np.all(np.diff(per_layer) > 0), per_layer    # grows with the depth
        else:
            assert np.all(per_layer == per_layer[0]), per_layer  # the same for every layer
    assert measured["naive"][-1] > 2.5 * measured["checkpointed"][-1]


def test_the_measurement_is_twice_the_concatenations_plus_the_bottlenecks(measured):
    hw = SIDE * SIDE
    for L, naive, kept in zip(DEPTHS, measured["naive"], measured["checkpointed"], strict=True):
        assert naive == 2 * concat_memory(L, C0, K, SIDE, SIDE) + 2 * 4 * K * L * hw
        assert kept == (C0 + (L - 1) * K + 2 * 4 * K * L) * hw
    assert concat_memory(24, 256, 32, 14, 14) == 2_935_296
    assert concat_memory(24, 256, 32, 14, 14) == sum((256 + 32 * i) * 196 for i in range(24))


def test_checkpointing_gives_the_same_function_and_gradients():
    torch.manual_seed(1)
    plain = CheckpointedDenseBlock(3, 5, 4, bn_size=2, memory_efficient=False).double()
    efficient = CheckpointedDenseBlock(3, 5, 4, bn_size=2).double()
    efficient.load_state_dict(plain.state_dict())
    x = torch.randn(2, 5, 4, 4, dtype=torch.float64)
    grads = []
    for block in (plain, efficient):
        xi = x.clone().requires_grad_(True)
        block(xi).square().sum().backward()
        grads.append([xi.grad, *(p.grad for p in block.parameters())])
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
    # and the naive block is the notebook's DenseBlock with the same weights
    block = DenseBlock(3, 5, 4, bn_size=2).double().eval()
    for mine, theirs in zip(block.children(), plain.layers, strict=True):
        for part in ("norm1", "conv1", "norm2", "conv2"):
            getattr(mine, part).load_state_dict(theirs[part].state_dict())
    plain.eval()
    with torch.no_grad():
        torch.testing.assert_close(block(x), plain(x), rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------- training


def test_the_reduced_densenet_is_densenet_21_with_a_fifth_of_resnet_10_s_parameters():
    model = digits_densenet()
    assert count(model) == 62_146 and model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert len([m for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)]) == 21
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), digits_densenet().parameters(),
                                                 strict=True))
    assert 310_746 / count(model) == pytest.approx(5.0, abs=0.05)   # notebook 08's ResNet-10


def test_the_bench_holds_the_reduced_densenet_to_98_5_percent_in_120_s():
    import sys

    sys.path.insert(0, str(ROOT))
    from bench.training import TARGETS

    assert TARGETS["DenseNet"] == (0.985, 120.0)


# ----------------------------------------------------------------------------- the checks


def reduced(name: str):
    """Exercise ``name`` without its groups counted on the meta device (large networks, seconds
    per case and per catalogue mistake): where a test is about a diagnosis or a style, the
    reduced cases with seeded weights show it too."""
    import dataclasses

    ex = get_exercise(name)
    return dataclasses.replace(ex, groups=[g for g in ex.groups
                                           if "counted on the meta device" not in g.name])


@pytest.mark.parametrize("name", EXERCISES)
def test_the_references_get_full_marks(name):
    ex = get_exercise(name)
    report = run(ex, ex.reference_fn(), 1.0)
    assert report.points == pytest.approx(1.0), report.text()


# correct answers in other styles, written independently of the references


class SequentialLayer(nn.Module):
    """The bottleneck as one nn.Sequential with nn.ReLU modules, other attribute names."""

    def __init__(self, c_in, k, bn_size=4):
        super().__init__()
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0
                   for v in (c_in, k, bn_size)):
            raise ValueError("sizes must be positive ints")
        self.new = nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(inplace=True),
                                 nn.Conv2d(c_in, bn_size * k, 1, bias=False),
                                 nn.BatchNorm2d(bn_size * k), nn.ReLU(inplace=True),
                                 nn.Conv2d(bn_size * k, k, 3, 1, 1, bias=False))

    def forward(self, x):
        return torch.cat((x, self.new(x)), 1)


class TorchvisionBlock(nn.Module):
    """torchvision's block, shortened: its layers return only their new maps and the block
    keeps a list of features, concatenated before every layer and at the end (nn.ModuleDict)."""

    def __init__(self, num_layers, in_ch, growth_rate, bn_size=4):
        super().__init__()
        if min(num_layers, in_ch, growth_rate, bn_size) < 1 or not all(
                isinstance(v, int) for v in (num_layers, in_ch, growth_rate, bn_size)):
            raise ValueError("bad sizes")
        self.layers = nn.ModuleDict()
        for i in range(num_layers):
            c, w = in_ch + i * growth_rate, bn_size * growth_rate
            self.layers[f"denselayer{i + 1}"] = nn.ModuleDict(OrderedDict(
                norm1=nn.BatchNorm2d(c), relu1=nn.ReLU(inplace=True),
                conv1=nn.Conv2d(c, w, 1, bias=False), norm2=nn.BatchNorm2d(w),
                relu2=nn.ReLU(inplace=True), conv2=nn.Conv2d(w, growth_rate, 3, padding=1,
                                                             bias=False)))

    def forward(self, x):
        features = [x]
        for layer in self.layers.values():
            out = torch.cat(features, 1)
            for part in layer.values():
                out = part(out)
            features.append(out)
        return torch.cat(features, 1)


class SequentialTransition(nn.Sequential):
    """torchvision's _Transition: an nn.Sequential subclass without a forward of its own."""

    def __init__(self, in_ch, out_ch):
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0
                   for v in (in_ch, out_ch)):
            raise ValueError("sizes must be positive ints")
        super().__init__(OrderedDict(norm=nn.BatchNorm2d(in_ch), relu=nn.ReLU(inplace=True),
                                     conv=nn.Conv2d(in_ch, out_ch, 1, bias=False),
                                     pool=nn.AvgPool2d(2, 2)))


class StudentDenseNet(nn.Module):
    """A DenseNet with its own forward (F.relu, F.adaptive_avg_pool2d, torch.flatten) and the
    blocks given to it, as a learner's densenet uses their classes; `plant` switches on one
    mistake."""

    def __init__(self, growth_rate, block_config, num_init_features, num_classes=1000,
                 block=TorchvisionBlock, transition=SequentialTransition, plant=""):
        super().__init__()
        if (growth_rate < 1 or num_init_features < 1 or num_classes < 1 or not block_config
                or min(block_config) < 1):
            raise ValueError("bad arguments")
        self.stem = nn.Sequential(nn.Conv2d(3, num_init_features, 7, 2, 3, bias=False),
                                  nn.BatchNorm2d(num_init_features), nn.ReLU(inplace=True),
                                  nn.MaxPool2d(3, 2, 1))
        stages, c = [], num_init_features
        for i, n in enumerate(block_config):
            stages.append(block(n, c, growth_rate))
            c += n * growth_rate
            if i < len(block_config) - 1 or plant == "transition after the last block":
                out = c if plant == "no compression" else c // 2
                stages.append(transition(c, out))
                c = out
        self.stages = nn.Sequential(*stages)
        self.norm = nn.BatchNorm2d(c)
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x):
        out = F.relu(self.norm(self.stages(self.stem(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(out, 1), 1))


@pytest.mark.parametrize("name, student, full", [
    ("DenseLayer", SequentialLayer, True), ("DenseBlock", TorchvisionBlock, True),
    ("Transition", SequentialTransition, True), ("densenet", StudentDenseNet, True),
    ("densenet", partial(StudentDenseNet, block=lambda n, c, k: nn.Sequential(
        *(SequentialLayer(c + i * k, k) for i in range(n)))), False),
], ids=["layer as one Sequential", "torchvision's block", "torchvision's transition",
        "own forward", "Sequential blocks"])
def test_correct_answers_in_other_styles_keep_full_marks(name, student, full):
    report = run(get_exercise(name) if full else reduced(name), student, 1.0)
    assert report.points == pytest.approx(1.0), report.text()


class PostActivationLayer(SequentialLayer):
    """ResNet's order in a dense layer: conv, BN, ReLU (a learner's planted mistake)."""

    def __init__(self, c_in, k, bn_size=4):
        super().__init__(c_in, k, bn_size)
        self.new = nn.Sequential(nn.Conv2d(c_in, bn_size * k, 1, bias=False),
                                 nn.BatchNorm2d(bn_size * k), nn.ReLU(),
                                 nn.Conv2d(bn_size * k, k, 3, 1, 1, bias=False),
                                 nn.BatchNorm2d(k), nn.ReLU())


class ReversedLayer(SequentialLayer):
    def forward(self, x):
        return torch.cat((self.new(x), x), 1)


class OverwrittenInputLayer(SequentialLayer):
    """x = relu(norm(x)) overwrites the input before the concatenation."""

    def forward(self, x):
        x = self.new[1](self.new[0](x))
        return torch.cat((x, self.new[2:](x)), 1)


class NarrowLayer(SequentialLayer):
    """The bottleneck has k channels, not bn_size * k."""

    def __init__(self, c_in, k, bn_size=4):
        super().__init__(c_in, k, 1)


@pytest.mark.parametrize("student, words", [
    (PostActivationLayer, ["first difference:",
                           "the convolutions come before their batch norms (post-activation"]),
    (ReversedLayer, ["the output is the expected one with its channels in another order",
                     "the concatenation order is reversed"]),
    (NarrowLayer, ["the bottleneck width is k"]),
    (OverwrittenInputLayer, ["the layer concatenates relu(norm1(x)), not its input"]),
], ids=["post-activation", "concatenation reversed", "bottleneck width k", "input overwritten"])
def test_planted_layers_lose_points_with_a_named_diagnosis(student, words):
    report = run(get_exercise("DenseLayer"), student, 5.0)
    text = report.text()
    assert report.points < 2, text
    for word in words:
        assert word in text, f"{word!r} not in:\n{text}"


def test_a_planted_block_that_does_not_grow_is_named():
    class FlatBlock(nn.Sequential):
        def __init__(self, num_layers, in_ch, growth_rate, bn_size=4):
            super().__init__(*(SequentialLayer(in_ch, growth_rate, bn_size)
                               for _ in range(num_layers)))

    report = run(get_exercise("DenseBlock"), FlatBlock, 3.0)
    text = report.text()
    assert report.points == 0, text
    assert "every layer is built for the block's input channels" in text, text


def test_a_planted_transition_with_max_pooling_is_named():
    class MaxTransition(SequentialTransition):
        def __init__(self, in_ch, out_ch):
            super().__init__(in_ch, out_ch)
            self.pool = nn.MaxPool2d(2, 2)

    report = run(get_exercise("Transition"), MaxTransition, 3.0)
    text = report.text()
    assert report.points < 1.5, text
    assert "the pooling is max pooling" in text, text


@pytest.mark.parametrize("plant, words", [
    ("no compression", ["parameter count", "the transitions do not compress"]),
    ("transition after the last block", ["a transition follows the last block too"]),
], ids=["no compression", "transition after the last block"])
def test_planted_networks_lose_points_with_a_named_diagnosis(plant, words):
    report = run(reduced("densenet"), partial(StudentDenseNet, plant=plant), 5.0)
    text = report.text()
    assert report.points < 1, text
    for word in words:
        assert word in text, f"{word!r} not in:\n{text}"


def test_a_wrong_layer_costs_points_in_the_block_too():
    # DenseBlock is graded with the learner's DenseLayer: a reversed concatenation shows there
    class ReversedBlock(nn.Sequential):
        def __init__(self, num_layers, in_ch, growth_rate, bn_size=4):
            super().__init__(*(ReversedLayer(in_ch + i * growth_rate, growth_rate, bn_size)
                               for i in range(num_layers)))

    report = run(get_exercise("DenseBlock"), ReversedBlock, 3.0)
    failed = [g.name for g in report.groups if g.failure and "bad input" not in g.name]
    assert failed == ["reduced blocks with seeded weights", "batch norm in training mode"], (
        report.text())


def test_float_counts_lose_points_as_counts():
    def floats(num_init_features, growth_rate, block_config, compression=0.5):
        return tuple(float(c) for c in densenet_channels(num_init_features, growth_rate,
                                                         block_config, compression))

    report = run(get_exercise("densenet_channels"), floats, 3.0)
    assert report.points == 0 and "a tuple of 7 ints" in report.text(), report.text()
    report = run(get_exercise("concat_memory"),
                 lambda *args: float(concat_memory(*args)), 3.0)
    assert report.points == 0 and "a count is a whole number" in report.text(), report.text()


def test_a_catalogue_layer_variant_builds_the_named_mistake():
    model = _wrong_layer(4, 2, post_activation=True)
    assert model.norm1.num_features == 8 and model(torch.zeros(1, 4, 3, 3)).shape == (1, 6, 3, 3)


@pytest.mark.slow
def test_a_planted_layer_is_named_through_the_sandboxed_verdict(tmp_path):
    """DenseLayer, DenseBlock and densenet cross the sandbox as data; the block and the network
    are graded with the planted layer."""
    from autograder import selfcheck

    nb = json.loads(SOURCE.read_text())
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "DenseLayer":
            src = "".join(cell["source"])
            cell["source"] = src.replace("torch.cat([x, new], dim=1)", "torch.cat([new, x], dim=1)")
            assert cell["source"] != src
    folder = tmp_path / "09_densenet"
    folder.mkdir()
    path = folder / SOURCE.name
    path.write_text(json.dumps(nb))
    report = selfcheck.check_notebook(path, ROOT, only={"DenseLayer", "DenseBlock", "densenet"})
    scores = {ex["name"]: ex for ex in report["exercises"]}
    assert scores["DenseLayer"]["score"] < 5, scores["DenseLayer"]["feedback"]
    assert "the concatenation order is reversed" in scores["DenseLayer"]["feedback"]
    assert 0 < scores["DenseBlock"]["score"] < 3, scores["DenseBlock"]["feedback"]
    assert 0 < scores["densenet"]["score"] < 5, scores["densenet"]["feedback"]


# ----------------------------------------------------------------------------- the notebook


def _markdown() -> str:
    cells = json.loads(SOURCE.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_the_lecture_s_idea_and_the_record_s_corrections_are_stated():
    text = _markdown()
    for fact in ("CVPR 2017", "best paper", "Huang", "L(L+1)/2", "x_ℓ = H_ℓ([x_0, x_1, ..., x_{ℓ−1}])",
                 "Trimps-Soushen", "SENet", "2.251%", "Hu et al.", "Pleiss et al.",
                 "7,978,856", "14,149,480", "20,013,928", "28,681,000",
                 "64 → 256 → 128 → 512 → 256 → 1024 → 512 → 1024", "torchvision's published",
                 "IMAGENET1K_V1", "tracemalloc", "saved-tensor hooks", "torch.utils.checkpoint",
                 "memory_efficient=True", "trained weights cannot be downloaded here"):
        assert fact in text, fact
    assert "**DenseNet was not an ILSVRC entry:**" in text
    assert "concatenation" in text.lower() and "addition" in text.lower()
    for name, depth in (("DenseNet-121", 121), ("DenseNet-169", 169), ("DenseNet-201", 201),
                        ("DenseNet-161", 161)):
        assert re.search(rf"{name} \|.*= {depth} \|", text), name


def test_notation_box_and_budget():
    nb = json.loads(SOURCE.read_text())
    box = "".join(nb["cells"][1]["source"])
    assert box.startswith("**Notation.**") and "C_out" in box and "`F` in code" in box
    assert "torch.nn.functional" in box and "growth rate" in box
    assert nb["metadata"]["cnn_course"]["runtime_budget_seconds"] == 180


def test_the_student_notebook_has_stubs_for_the_six_exercises():
    cells = json.loads(STUDENT.read_text())["cells"]
    stubs = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in cells
             if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    assert set(stubs) == set(EXERCISES)
    for name, src in stubs.items():
        assert "raise NotImplementedError" in src and "TODO:" in src and "EXAMPLE:" in src, name
    for name in ("DenseLayer", "DenseBlock", "Transition"):
        assert stubs[name].count("raise NotImplementedError") == 2   # __init__ and forward
        assert "nn.Conv2d(" not in stubs[name].split('"""')[-1]     # no answer after the docstring
