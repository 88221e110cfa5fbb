"""Grading a model (autograder.checks.models): exercises whose answer returns a torch.nn.Module.

Two test-local references stand in for the architecture notebooks: a tiny AlexNet-like network
built from a layer table (grouped convolutions, LRN, a classifier), and an Inception-like block
whose four branches are concatenated. Planted wrong models lose points and get the right
diagnosis; correct models in another style (a custom forward with functional ReLU, pooling and
LRN, layers defined in another order, branches run in another order) keep full marks. One
exercise also goes through the sandboxed runner, where only data comes back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder.checks.core import REGISTRY, Exercise, Group, Mistake, register, run
from autograder.checks.models import ModelProbe, compare_models, model_case
from autograder.verdict import sandbox, trusted, wire
from coursekit.summary import fingerprint, model_probe

# ----------------------------------------------------------------------------- the references


def tiny_alexnet(variant: str = "paper", num_classes: int = 10, width: int = 4, *,
                 stride: int = 2, bias: bool = True, groups: int | None = None,
                 skip_conv3: bool = False, lrn: bool = True) -> nn.Module:
    """An AlexNet-like table model for (N, 3, 32, 32) input; the keyword-only arguments plant
    mistakes. "paper": grouped CONV2-CONV4 (groups=2) and LRN after each pooling."""
    g = (2 if variant == "paper" else 1) if groups is None else groups
    w = width
    table = [("conv", 3, 2 * w, 5, stride, 2, 1), ("pool",), ("conv", 2 * w, 4 * w, 3, 1, 1, g),
             ("pool",), ("conv", 4 * w, 4 * w, 3, 1, 1, g), ("conv", 4 * w, 4 * w, 3, 1, 1, g)]
    if skip_conv3:
        del table[4]
    layers: list[nn.Module] = []
    for row in table:
        if row[0] == "pool":
            layers.append(nn.MaxPool2d(3, 2))
            if lrn and variant == "paper":
                layers.append(nn.LocalResponseNorm(3))
        else:
            _, c_in, c_out, k, s, p, groups_ = row
            layers += [nn.Conv2d(c_in, c_out, k, stride=s, padding=p, groups=groups_, bias=bias),
                       nn.ReLU(inplace=True)]
    return nn.Sequential(nn.Sequential(*layers), nn.Flatten(),
                         nn.Sequential(nn.Dropout(), nn.Linear(4 * w * 9, 8 * w), nn.ReLU(),
                                       nn.Linear(8 * w, num_classes)))


class TinyAlexNet(nn.Module):
    """The same network in another style: a custom forward with functional ReLU, pooling, LRN,
    flatten and dropout, the classifier defined before the features."""

    def __init__(self, variant: str = "paper", num_classes: int = 10, width: int = 4):
        super().__init__()
        g, w = (2 if variant == "paper" else 1), width
        self.variant = variant
        self.classifier = nn.ModuleList([nn.Linear(4 * w * 9, 8 * w), nn.Linear(8 * w, num_classes)])
        self.features = nn.ModuleList([
            nn.Conv2d(3, 2 * w, 5, stride=2, padding=2),
            nn.Conv2d(2 * w, 4 * w, 3, padding=1, groups=g),
            nn.Conv2d(4 * w, 4 * w, 3, padding=1, groups=g),
            nn.Conv2d(4 * w, 4 * w, 3, padding=1, groups=g)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c1, c2, c3, c4 = self.features
        for conv in (c1, c2):
            x = F.max_pool2d(F.relu(conv(x)), 3, 2)
            if self.variant == "paper":
                x = F.local_response_norm(x, 3)
        x = F.relu(c4(F.relu(c3(x))))
        x = F.dropout(torch.flatten(x, 1), 0.5, self.training)
        return self.classifier[1](F.relu(self.classifier[0](x)))


class Inception(nn.Module):
    """An Inception-like block: four branches (1x1; 1x1 then 3x3; 1x1 then 5x5; 3x3 max pool
    then 1x1) concatenated along the channels in that order. ``order`` plants a mistake."""

    def __init__(self, c_in: int, c1: int, c3r: int, c3: int, c5r: int, c5: int, pool: int,
                 order: tuple[int, ...] = (0, 1, 2, 3)):
        super().__init__()
        self.order = order
        self.b1 = nn.Sequential(nn.Conv2d(c_in, c1, 1), nn.ReLU())
        self.b2 = nn.Sequential(nn.Conv2d(c_in, c3r, 1), nn.ReLU(),
                                nn.Conv2d(c3r, c3, 3, padding=1), nn.ReLU())
        self.b3 = nn.Sequential(nn.Conv2d(c_in, c5r, 1), nn.ReLU(),
                                nn.Conv2d(c5r, c5, 5, padding=2), nn.ReLU())
        self.b4 = nn.Sequential(nn.MaxPool2d(3, 1, padding=1), nn.Conv2d(c_in, pool, 1), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [self.b1(x), self.b2(x), self.b3(x), self.b4(x)]
        return torch.cat([outs[k] for k in self.order], dim=1)


class InceptionFunctional(nn.Module):
    """A correct block in another style: plain convolutions, functional ReLU and pooling, and
    the branches computed last to first (concatenated in the right order)."""

    def __init__(self, c_in: int, c1: int, c3r: int, c3: int, c5r: int, c5: int, pool: int):
        super().__init__()
        self.one = nn.Conv2d(c_in, c1, 1)
        self.reduce3, self.three = nn.Conv2d(c_in, c3r, 1), nn.Conv2d(c3r, c3, 3, padding=1)
        self.reduce5, self.five = nn.Conv2d(c_in, c5r, 1), nn.Conv2d(c5r, c5, 5, padding=2)
        self.proj = nn.Conv2d(c_in, pool, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = F.relu(self.proj(F.max_pool2d(x, 3, 1, padding=1)))
        b5 = F.relu(self.five(F.relu(self.reduce5(x))))
        b3 = F.relu(self.three(F.relu(self.reduce3(x))))
        return torch.cat([F.relu(self.one(x)), b3, b5, p], 1)


class InceptionNoPool(Inception):
    """Wrong: the pool branch forgets its max pooling (same leaves with parameters)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.b4[0] = nn.Identity()


# ----------------------------------------------------------------------------- test exercises


@dataclass
class LocalExercise(Exercise):
    """An exercise whose reference is a test-local callable instead of a name in solutions."""

    local: object = None

    def reference_fn(self):
        return self.local


def _alexnet_cases(rng):
    for variant in ("paper", "one_gpu"):  # full width, counted on the meta device
        yield model_case(f"tiny_alexnet({variant!r}, width=64), counted", (variant,),
                         {"num_classes": 1000, "width": 64}, input_shape=(1, 3, 32, 32),
                         function=False)


def _alexnet_function(rng):
    for variant, classes in (("paper", 10), ("one_gpu", 10), ("paper", 7)):
        yield model_case(f"tiny_alexnet({variant!r}, num_classes={classes}, width=4)",
                         (variant, classes), {"width": 4}, input_shape=(2, 3, 32, 32))


def _inception_cases(rng):
    yield model_case("Inception(8, 4, 3, 6, 2, 3, 2) on (2, 8, 9, 9)", (8, 4, 3, 6, 2, 3, 2),
                     input_shape=(2, 8, 9, 9), stages=False)
    yield model_case("Inception(5, 2, 4, 5, 2, 4, 3) on (1, 5, 7, 6)", (5, 2, 4, 5, 2, 4, 3),
                     input_shape=(1, 5, 7, 6), stages=False, seed=3)


ALEXNET = LocalExercise(
    "test_models_alexnet", "tiny_alexnet",
    [Group("parameters and shapes at full width (meta device)", 1, _alexnet_cases),
     Group("the function at reduced width (seeded weights)", 2, _alexnet_function)],
    mistakes=[Mistake("groups ignored in CONV2-CONV4: they are grouped (groups=2)",
                      partial(tiny_alexnet, groups=1)),
              Mistake("the convolutions have no bias", partial(tiny_alexnet, bias=False)),
              Mistake("CONV3 is missing", partial(tiny_alexnet, skip_conv3=True))],
    local=tiny_alexnet)

INCEPTION = LocalExercise(
    "test_models_inception", "Inception",
    [Group("the block with seeded weights", 1, _inception_cases)],
    mistakes=[Mistake("branches concatenated as (3x3, 1x1, 5x5, pool)",
                      partial(Inception, order=(1, 0, 2, 3))),
              Mistake("branches concatenated in reverse", partial(Inception, order=(3, 2, 1, 0))),
              Mistake("the pool branch has no max pooling", InceptionNoPool)],
    local=Inception)


@pytest.fixture(scope="module", autouse=True)
def registered():
    """The test exercises are in the registry only while this module's tests run."""
    for ex in (ALEXNET, INCEPTION):
        register(ex)
    yield
    for ex in (ALEXNET, INCEPTION):
        REGISTRY.pop(ex.name, None)


def _grade(ex: Exercise, student, points: float = 3.0):
    report = run(ex, student, points)
    return report.points, report.text()


# ----------------------------------------------------------------------------- the data


def test_fingerprint_is_plain_data_and_counts_on_the_meta_device():
    with torch.device("meta"):
        model = tiny_alexnet("paper", 1000, width=64)
    data = fingerprint(model, (1, 3, 32, 32), function=False)
    assert data["total"] == sum(p.numel() for p in tiny_alexnet("paper", 1000, 64).parameters())
    assert all(isinstance(v, int | str | np.ndarray) for v in data.values())
    assert list(data["stage_names"]) == ["0", "1", "2"]
    assert data["stage_params"].sum() == data["total"] and data["stage_params"][1] == 0
    assert tuple(data["out_shape"]) == (1, 1000) and "output" not in data
    convs = [k for k, t in enumerate(data["leaf_types"]) if t == "Conv2d"]
    assert [tuple(data["leaf_shapes"][k][:4]) for k in convs] == [
        (1, 128, 16, 16), (1, 256, 7, 7), (1, 256, 3, 3), (1, 256, 3, 3)]
    assert data["leaf_params"][convs[1]] == 256 * 64 * 9 + 256  # groups=2 halves C_in
    assert all(p.is_meta for p in model.parameters())  # nothing was allocated

    class MakesTensors(nn.Module):  # a forward pass that creates tensors runs on meta too
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            return self.fc(x.flatten(1) * torch.ones(4)) + torch.arange(3)

    data = model_probe(MakesTensors, (), {}, input_shape=(2, 4), function=False)
    assert data["error"] == "" and tuple(data["out_shape"]) == (2, 3) and data["total"] == 15


def test_same_function_and_order_get_identical_weights_in_any_style():
    a = model_probe(tiny_alexnet, ("paper",), {}, input_shape=(2, 3, 32, 32))
    b = model_probe(TinyAlexNet, ("paper",), {}, input_shape=(2, 3, 32, 32))
    assert a["output"].shape == (2, 10) and a["output"].dtype == np.float64
    np.testing.assert_allclose(b["output"], a["output"], rtol=0, atol=1e-12)
    assert np.std(a["output"]) > 0.1  # activations of order one: a difference shows
    c = model_probe(tiny_alexnet, ("paper",), {}, input_shape=(2, 3, 32, 32), seed=1)
    assert not np.allclose(c["output"], a["output"])


def test_a_broken_forward_pass_is_data_not_an_exception():
    data = model_probe(partial(tiny_alexnet, stride=1), ("paper",), {}, input_shape=(2, 3, 32, 32))
    assert "mat1 and mat2" in data["error"] and len(data["out_shape"]) == 0
    assert list(data["leaf_types"][:3]) == ["Conv2d", "ReLU", "MaxPool2d"]  # up to the failure
    assert fingerprint("not a model", (1, 3, 8, 8)) == {"returned": "str"}


# ----------------------------------------------------------------------------- grading


def test_the_reference_and_another_style_keep_full_marks():
    assert _grade(ALEXNET, tiny_alexnet)[0] == 3
    points, text = _grade(ALEXNET, TinyAlexNet)
    assert points == 3, text
    assert _grade(INCEPTION, Inception)[0] == 3
    points, text = _grade(INCEPTION, InceptionFunctional)
    assert points == 3, text


@pytest.mark.parametrize("student, words", [
    (partial(tiny_alexnet, skip_conv3=True),
     ["missing leaf module", "expected 4 leaf modules with parameters, found 3", "CONV3 is missing"]),
    (partial(tiny_alexnet, stride=1),
     ["0.0: expected Conv2d", "twice as large", "stride of 1 where the reference has 2",
      "mat1 and mat2"]),
    (partial(tiny_alexnet, bias=False),
     ["the bias is missing (8 biases)", "the convolutions have no bias"]),
    (partial(tiny_alexnet, groups=1),
     ["0.4: expected Conv2d(8, 16", "groups ignored: 2 times the expected weights",
      "they are grouped (groups=2)"]),
    (partial(tiny_alexnet, lrn=False),
     ["the first leaf module whose output differs is 0.4", "LocalResponseNorm(3"]),
], ids=["missing layer", "wrong stride", "no bias", "groups ignored", "no LRN"])
def test_planted_wrong_alexnets_lose_points_with_the_right_diagnosis(student, words):
    points, text = _grade(ALEXNET, student)
    assert points < 3
    for word in words:
        assert word in text, f"{word!r} not in:\n{text}"


def test_branches_concatenated_in_another_order_are_named():
    points, text = _grade(INCEPTION, partial(Inception, order=(1, 0, 2, 3)))
    assert points == 0
    assert "channels in another order" in text and "your channels 0-5 hold the expected 4-9" in text
    assert "concatenated in another order" in text
    assert "branches concatenated as (3x3, 1x1, 5x5, pool)" in text  # the catalogue's mistake


def test_a_missing_pooling_is_named_between_the_layers_that_agree():
    points, text = _grade(INCEPTION, InceptionNoPool)
    assert points == 0
    assert "the first leaf module whose output differs is b4.1" in text
    assert "MaxPool2d(kernel_size=3, stride=1, padding=1" in text and "Identity()" in text


def test_a_missing_projection_is_named_by_its_block():
    class Block(nn.Module):
        def __init__(self, c_in: int, c_out: int, stride: int = 1, projection: bool = True):
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(c_out)
            self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(c_out)
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False),
                                            nn.BatchNorm2d(c_out)) if projection else None

        def forward(self, x):
            out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
            return F.relu(out + (x if self.downsample is None else self.downsample(x)))

    def stage(c_in: int, c_out: int, projection: bool = True) -> nn.Module:
        return nn.Sequential(Block(c_in, c_out, 2, projection), Block(c_out, c_out))

    probe = ModelProbe((1, 4, 8, 8))
    want = probe.call(stage, (4, 8), {})
    got = probe.call(partial(stage, projection=False), (4, 8), {})
    text = probe.compare(got, want)
    assert "0.downsample: missing 2 leaf modules (the shortcut's 1x1 projection)" in text, text
    assert "expected 2 leaf modules with parameters, found 0" in text
    assert "The size of tensor a (4) must match the size of tensor b (8)" in text


def test_a_non_module_and_malformed_data_fail_without_raising():
    want = model_probe(tiny_alexnet, ("paper",), {}, input_shape=(2, 3, 32, 32))
    assert "got:      list" in compare_models([1, 2], want)
    assert "got:      dict" in compare_models(fingerprint({"total": 1}, (1, 3, 8, 8)), want)
    forged = dict(want, leaf_params=np.array(["x"]))
    assert "malformed model data (leaf_params)" in compare_models(forged, want)
    assert "NotImplementedError" in _grade(ALEXNET, _stub)[1]


def _stub(variant, num_classes=1000, width=4):
    raise NotImplementedError


# ----------------------------------------------------------------------------- the sandbox


STUDENT_OK = '''
class Inception(nn.Module):
    def __init__(self, c_in, c1, c3r, c3, c5r, c5, pool):
        super().__init__()
        self.one = nn.Conv2d(c_in, c1, 1)
        self.reduce3, self.three = nn.Conv2d(c_in, c3r, 1), nn.Conv2d(c3r, c3, 3, padding=1)
        self.reduce5, self.five = nn.Conv2d(c_in, c5r, 1), nn.Conv2d(c5r, c5, 5, padding=2)
        self.proj = nn.Conv2d(c_in, pool, 1)

    def forward(self, x):
        b3 = F.relu(self.three(F.relu(self.reduce3(x))))
        b5 = F.relu(self.five(F.relu(self.reduce5(x))))
        p = F.relu(self.proj(F.max_pool2d(x, 3, 1, padding=1)))
        return torch.cat([F.relu(self.one(x)), b3, b5, p], 1)
'''

STUDENT_SWAPPED = STUDENT_OK.replace("class Inception(", "class Swapped(").replace(
    "[F.relu(self.one(x)), b3, b5, p]", "[b3, F.relu(self.one(x)), b5, p]")

# a forged answer: returns the data a probe would make instead of a model
STUDENT_FORGED = '''
def Forged(*args, **kwargs):
    return {"returned": "Inception", "total": 123}
'''


@pytest.mark.skipif(sandbox.bwrap_path() is None, reason="bwrap is not installed")
def test_a_model_crosses_the_sandbox_only_as_data(tmp_path, monkeypatch):
    seen = []
    read_case = wire.read_case

    def spy(fd, index, budget):
        result = read_case(fd, index, budget)
        seen.append(result[1])
        return result

    monkeypatch.setattr(wire, "read_case", spy)
    setup = [{"source": "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F",
              "where": "setup cell 0"}]
    answers, cells = [], []
    for name, code in (("Inception", STUDENT_OK), ("Swapped", STUDENT_SWAPPED),
                       ("Forged", STUDENT_FORGED)):
        answers.append(trusted.Answer(f"test-{name}", INCEPTION.name, name, 3.0))
        cells.append({"source": code, "where": f"answer cell {name}", "grade_id": name})
    staged = sandbox.stage_student_modules(tmp_path / "staged")
    ok, swapped, forged = trusted.grade_answers(
        answers, setup, cells, staged, sandbox.Limits(wall_seconds=40), 90.0, parallel=2)

    assert ok.points == 3 and not ok.problem, ok.report
    assert len(seen) == 6 and all(isinstance(v, dict) for v in seen)
    for value in seen:  # ints, floats, strings and plain numeric or text arrays only
        for item in value.values():
            assert type(item) in (int, float, str, np.ndarray), type(item)
            assert not isinstance(item, np.ndarray) or item.dtype.kind in "biufU"
    assert swapped.points == 0 and "channels in another order" in swapped.report, swapped.report
    assert forged.points == 0 and "expected: a torch.nn.Module" in forged.report
    assert "got:      dict" in forged.report


def test_the_job_carries_the_probe_as_data(tmp_path):
    case = next(iter(_inception_cases(None)))
    spec = wire.encode_probe(case.probe, tmp_path, "p")
    assert json.loads(json.dumps(spec)) == {"probe": {"name": "model", "settings": {"dict": {
        "input_shape": {"tuple": [{"int": 2}, {"int": 8}, {"int": 9}, {"int": 9}]},
        "seed": {"int": 0}, "function": {"bool": True}, "training": {"bool": False}}}}}
    assert wire.encode_probe(None, tmp_path, "p") == {}


def test_the_wire_reads_data_records_and_refuses_forgeries(tmp_path):
    from autograder.verdict.runner import encode_data

    out = tmp_path / "out"
    out.mkdir()
    data = model_probe(Inception, (8, 4, 3, 6, 2, 3, 2), {}, input_shape=(2, 8, 9, 9))
    (out / "0.json").write_text(json.dumps({"status": "returned",
                                            "value": encode_data(data, out, "0")}))
    forged = {"data": {"total": {"int": 1}, "leaf_paths": {"npy": "0_leaf_paths.npy"}}}
    (out / "1.json").write_text(json.dumps({"status": "returned", "value": forged}))
    np.save(out / "2_wide.npy", np.array(["x" * 600]))
    (out / "2.json").write_text(json.dumps({"status": "returned",
                                            "value": {"data": {"wide": {"npy": "2_wide.npy"}}}}))
    (out / "3.json").write_text(json.dumps({"status": "returned",
                                            "value": {"data": {"a b": {"int": 1}}}}))
    fd = wire.open_dir(out)
    try:
        budget = wire.Budget()
        present, value, exc, _ = wire.read_case(fd, 0, budget)
        assert present and exc is None and set(value) == set(data)
        assert compare_models(value, data) is None
        for index in (1, 2, 3):  # another case's file, a text too wide, a bad key
            _, value, _, _ = wire.read_case(fd, index, budget)
            assert isinstance(value, wire.Unreadable), index
            assert "expected: a torch.nn.Module" in compare_models(value, data)
    finally:
        import os

        os.close(fd)
