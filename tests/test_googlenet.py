"""Notebook 07, GoogLeNet (Inception): the reference solutions against hand-computed values,
PyTorch and COURSE.md's parameter counts; the checks of its four exercises (full marks for the
references and for correct answers in other styles, planted mistakes lose points and are named);
the facts its prose must state. Every catalogue mistake is run by test_checks.py."""

from __future__ import annotations

import importlib
import json
import re
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder.checks.core import get_exercise, run
from coursekit.summary import summary

# solutions.googlenet is a module and a function: the module is read here from sys.modules
# (the package's attribute googlenet may be either, depending on what was imported first)
reference = importlib.import_module("solutions.googlenet")

GOOGLENET_VARIANTS, INCEPTION = reference.GOOGLENET_VARIANTS, reference.INCEPTION
SMALL_INCEPTION, Inception = reference.SMALL_INCEPTION, reference.Inception
InceptionAux, TrainingRun = reference.InceptionAux, reference.TrainingRun
conv1x1_as_matmul, digits_inception = reference.conv1x1_as_matmul, reference.digits_inception
googlenet, googlenet_checked = reference.googlenet, reference.googlenet_checked
inception_cost = reference.inception_cost

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source/07_googlenet/07_googlenet.ipynb"
STUDENT = ROOT / "notebooks/07_googlenet/07_googlenet.ipynb"
TORCHVISION, TORCHVISION_AUX = 6_624_904, 13_004_888   # COURSE.md
PAPER, PAPER_AUX = 6_998_552, 13_378_280                # computed (see the decomposition below)
LECTURE = (256, 128, 64, 192, 64, 96, 64)


def count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def on_meta(*args, **kwargs) -> nn.Module:
    with torch.device("meta"):
        return googlenet(*args, **kwargs)


# ----------------------------------------------------------------------------- the references


def test_the_builder_has_course_md_s_counts_on_the_meta_device():
    plain, aux = on_meta(), on_meta(aux_logits=True)
    assert count(plain) == TORCHVISION and count(aux) == TORCHVISION_AUX
    assert all(p.is_meta for p in aux.parameters())
    assert plain(torch.zeros(2, 3, 224, 224, device="meta")).shape == (2, 1000)
    assert count(on_meta(num_classes=10)) == TORCHVISION - 990 * 1024 - 990
    assert count(on_meta(variant="paper")) == PAPER and count(on_meta(True, "paper")) == PAPER_AUX
    # the aux heads: 1x1 conv to 128 (+ batch norm), fc1 2048 -> 1024, fc2 1024 -> 1000
    assert count(InceptionAux(512, 1000)) == 512 * 128 + 256 + 2048 * 1024 + 1024 + 1025 * 1000
    assert TORCHVISION_AUX - TORCHVISION == count(InceptionAux(512, 1000)) + count(
        InceptionAux(528, 1000))


def test_the_paper_s_count_is_torchvision_s_plus_the_5x5_weights_minus_a_parameter_per_filter():
    five = sum(spec[5] * spec[4] * (25 - 9) for spec in INCEPTION.values())
    filters = 64 + 64 + 192 + sum(sum(spec[1:]) for spec in INCEPTION.values())
    assert (five, filters) == (380_928, 7_280)
    assert PAPER == TORCHVISION + five - filters
    assert PAPER_AUX == TORCHVISION_AUX + five - filters - 2 * 128   # the aux heads' 1x1 convs
    paper = on_meta(variant="paper")
    assert not any(isinstance(m, nn.BatchNorm2d) for m in paper.modules())
    assert {m.kernel_size for m in paper.inception4e.modules() if isinstance(m, nn.Conv2d)} == {
        (1, 1), (3, 3), (5, 5)}
    assert [m.p for m in paper.modules() if isinstance(m, nn.Dropout)] == [0.4]
    assert GOOGLENET_VARIANTS["torchvision"] == {"batch_norm": True, "kernel_5x5": 3, "dropout": 0.2}


def test_the_maps_round_up_as_in_the_paper_s_table():
    model, sizes = on_meta(), {}
    hooks = [getattr(model, name).register_forward_hook(
        lambda m, i, o, name=name: sizes.update({name: tuple(o.shape[1:])}))
        for name in ("conv1", "maxpool1", "conv3", "maxpool2", "inception3b", "maxpool3",
                     "inception4d", "inception4e", "maxpool4", "inception5b")]
    model(torch.zeros(1, 3, 224, 224, device="meta"))
    for h in hooks:
        h.remove()
    assert sizes == {"conv1": (64, 112, 112), "maxpool1": (64, 56, 56), "conv3": (192, 56, 56),
                     "maxpool2": (192, 28, 28), "inception3b": (480, 28, 28),
                     "maxpool3": (480, 14, 14), "inception4d": (528, 14, 14),
                     "inception4e": (832, 14, 14), "maxpool4": (832, 7, 7),
                     "inception5b": (1024, 7, 7)}


def test_training_mode_returns_scores_aux1_aux2_and_evaluation_mode_the_scores():
    torch.manual_seed(0)
    model = googlenet(aux_logits=True, num_classes=7, width=1 / 8)
    x = torch.randn(2, 3, 64, 64)
    scores, aux1, aux2 = model.train()(x)
    assert scores.shape == aux1.shape == aux2.shape == (2, 7)
    calls = []
    hook = model.aux1.register_forward_hook(lambda *_: calls.append("aux1"))
    assert model.eval()(x).shape == (2, 7) and calls == []   # removed at test time
    hook.remove()
    assert not isinstance(googlenet(num_classes=7, width=1 / 8).train()(x), tuple)
    # TrainingRun (the checks' view): the three outputs side by side, the model's mode kept
    wrapped = TrainingRun(model).eval()
    with torch.no_grad():
        out = wrapped(x)
    assert out.shape == (2, 21) and not model.training
    assert isinstance(googlenet_checked(num_classes=7, width=1 / 8, training_run=True), TrainingRun)


def test_reduced_widths_round_and_run():
    model = googlenet(num_classes=10, width=1 / 16)
    assert model.conv1.conv.out_channels == 4 and model.inception4b.branch3[0].conv.out_channels == 2
    assert model.fc.in_features == 64 and model(torch.zeros(2, 3, 64, 64)).shape == (2, 10)
    for args in (("torchvision", 0), ("vgg",), ("paper", 10, 0.0)):
        with pytest.raises(ValueError):
            googlenet(False, *args)
    with pytest.raises(ValueError, match="variant"):
        Inception(*INCEPTION["3a"], variant="vgg")


def test_torchvision_s_googlenet_has_the_same_counts_and_layers_where_it_imports():
    torchvision = pytest.importorskip("torchvision", reason="torchvision's PyPI wheel does not "
                                      "import beside the CPU torch here (COURSE.md)")
    with torch.device("meta"):
        reference = torchvision.models.googlenet(weights=None, aux_logits=True, init_weights=False)
    assert count(reference) == TORCHVISION_AUX

    def leaves(m):
        return [(type(x).__name__, sum(p.numel() for p in x.parameters(recurse=False)))
                for x in m.modules() if not list(x.children())]

    assert sorted(leaves(on_meta(aux_logits=True))) == sorted(leaves(reference))


def test_conv1x1_as_matmul_agrees_with_pytorch_keeps_the_dtype_and_the_inputs():
    rng = np.random.default_rng(0)
    for _ in range(20):
        n, c_in, c_out, h, w = (int(v) for v in rng.integers(1, 7, size=5))
        x, wt, b = rng.standard_normal((n, c_in, h, w)), rng.standard_normal((c_out, c_in)), \
            rng.standard_normal(c_out)
        copies = x.copy(), wt.copy(), b.copy()
        want = F.conv2d(torch.from_numpy(x), torch.from_numpy(wt[:, :, None, None]),
                        torch.from_numpy(b)).numpy()
        np.testing.assert_allclose(conv1x1_as_matmul(x, wt, b), want, atol=1e-12)
        np.testing.assert_allclose(conv1x1_as_matmul(x, wt), want - b[:, None, None], atol=1e-12)
        assert all(np.array_equal(a, c) for a, c in zip((x, wt, b), copies, strict=True))
    assert conv1x1_as_matmul(x.astype(np.float32), wt.astype(np.float32)).dtype == np.float32
    assert conv1x1_as_matmul(np.ones((1, 2, 2, 2), dtype=int), np.ones((1, 2), dtype=int)).dtype \
        == np.float64
    with pytest.raises(ValueError, match=r"\(5, 2\).*C_in = 2.*\(1, 3, 4, 4\)"):
        conv1x1_as_matmul(np.ones((1, 3, 4, 4)), np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"\(3, 4, 4\)"):
        conv1x1_as_matmul(np.ones((3, 4, 4)), np.ones((5, 3)))
    with pytest.raises(ValueError, match=r"\(4,\)"):
        conv1x1_as_matmul(np.ones((1, 3, 4, 4)), np.ones((5, 3)), np.ones(4))


def test_the_lecture_s_module_costs_and_the_slide_s_358_m():
    naive, reduced = inception_cost((256, 28, 28), LECTURE, reduce=False), inception_cost(
        (256, 28, 28), LECTURE)
    assert naive == (672, 1_089_952, 854_196_224)
    assert reduced == (480, 346_720, 271_351_808)
    assert all(type(v) is int for v in (*naive, *reduced))
    three_by_three = 28 * 28 * 192 * 3 * 3 * 64
    assert round((reduced[2] + three_by_three) / 1e6) == 358      # the slide counts it twice
    assert inception_cost((192, 28, 28), INCEPTION["3a"])[0] == 256


@pytest.mark.parametrize("name", list(INCEPTION))
def test_inception_cost_agrees_with_a_trace_of_the_paper_s_module(name):
    spec = INCEPTION[name]
    side = {"3": 28, "4": 14, "5": 7}[name[0]]
    with torch.device("meta"):
        block = Inception(*spec, variant="paper")
        out = block(torch.zeros(1, spec[0], side, side))
    rows = summary(block, (spec[0], side, side), show=False)
    assert inception_cost((spec[0], side, side), spec) == (
        out.shape[1], sum(r.params for r in rows), sum(r.macs for r in rows))


def test_inception_cost_rejects_bad_input_naming_the_shapes():
    with pytest.raises(ValueError, match=r"in_channels = 192.*\(256, 28, 28\).*C_in = 256"):
        inception_cost((256, 28, 28), INCEPTION["3a"])
    with pytest.raises(ValueError, match=r"\(256, 28\)"):
        inception_cost((256, 28), LECTURE)
    with pytest.raises(ValueError, match="seven positive ints"):
        inception_cost((256, 28, 28), LECTURE[1:])


def test_the_reduced_inception_network_follows_its_table():
    model = digits_inception()
    assert model(torch.zeros(2, 1, 32, 32)).shape == (2, 10)
    for (name, spec), following in zip(SMALL_INCEPTION.items(), list(SMALL_INCEPTION.values())[1:],
                                       strict=False):
        assert spec[1] + spec[3] + spec[5] + spec[6] == following[0], name
    assert count(model) == 64_726
    first = [p.detach().clone() for p in digits_inception(seed=0).parameters()]
    assert all(torch.equal(a, b) for a, b in zip(first, digits_inception(0).parameters(), strict=True))


# ----------------------------------------------------------------------------- the checks


NAMES = ["conv1x1_as_matmul", "inception_cost", "Inception", "GoogLeNet"]


@pytest.mark.parametrize("name", NAMES)
def test_the_references_get_full_marks(name):
    report = run(get_exercise(name), get_exercise(name).reference_fn(), 1.0)
    assert report.points == pytest.approx(1.0), report.text()


@pytest.mark.parametrize("name, returns", [
    ("conv1x1_as_matmul", r"Returns out: np.ndarray of shape \(N, C_out, H, W\)"),
    ("inception_cost", r"Returns cost: a tuple of three ints \(out_channels, params, macs\)"),
    ("Inception", r"Returns block: an nn.Module"),
    ("GoogLeNet", r"Returns model: an nn.Module"),
    ("googlenet", r"Returns model: an nn.Module"),
])
def test_the_docstring_states_what_is_returned(name, returns):
    # the exercise GoogLeNet is graded through googlenet_checked: the learner reads the
    # docstrings of the class and of its builder
    doc = " ".join(getattr(reference, name).__doc__.split())
    assert re.search(returns, doc), doc
    assert "Raises ValueError" in doc


class StudentInception(nn.Module):
    """A correct answer in another style: plain convolutions and batch norms, functional ReLU
    and pooling, with `reverse` the branches computed last to first (concatenated in the right
    order); `plant` switches on one mistake."""

    def __init__(self, c_in, c1, c3r, c3, c5r, c5, pool, variant="torchvision", plant="",
                 reverse=False):
        super().__init__()
        self.reverse = reverse
        if variant not in ("torchvision", "paper"):
            raise ValueError(f"unknown variant {variant}")
        bn = variant == "torchvision"
        k = 3 if bn else 5

        def unit(a, b, size, pad):
            layers = [nn.Conv2d(a, b, size, padding=pad, bias=not bn)]
            return nn.Sequential(*layers, *([nn.BatchNorm2d(b, eps=1e-3)] if bn else []))

        self.plant = plant
        self.one = unit(c_in, c1, 1, 0)
        if plant == "reduce_after":   # the 3x3 on all input channels, then the 1x1
            self.reduce3, self.three = unit(c_in, c3r, 3, 1), unit(c3r, c3, 1, 0)
        else:
            self.reduce3 = unit(c_in, c3r, 1, 0)
            self.three = unit(c3r, c3, 3, 0 if plant == "padding" else 1)
        self.reduce5, self.five = unit(c_in, c5r, 1, 0), unit(c5r, c5, k, k // 2)
        self.proj = None if plant == "no_projection" else unit(c_in, pool, 1, 0)

    def forward(self, x):
        def pool(x):
            p = F.max_pool2d(x, 3, 1, padding=1)
            return p if self.proj is None else F.relu(self.proj(p))

        branches = [lambda x: F.relu(self.one(x)),
                    lambda x: F.relu(self.three(F.relu(self.reduce3(x)))),
                    lambda x: F.relu(self.five(F.relu(self.reduce5(x)))), pool]
        if self.reverse:
            b1, b3, b5, p = reversed([branch(x) for branch in reversed(branches)])
        else:
            b1, b3, b5, p = (branch(x) for branch in branches)
        return torch.cat([b3, b1, b5, p] if self.plant == "order" else [b1, b3, b5, p], 1)


class StudentGoogLeNet(nn.Module):
    """A correct answer in another style: stages as containers, functional pooling, dropout and
    global average pooling, StudentInception modules, the auxiliary classifiers defined last;
    `plant="aux1_after_4b"` attaches aux1 to the wrong module."""

    def __init__(self, aux_logits=False, variant="torchvision", num_classes=1000, width=1.0,
                 plant=""):
        super().__init__()
        if variant not in ("torchvision", "paper") or num_classes < 1 or not width > 0:
            raise ValueError("bad arguments")
        bn = variant == "torchvision"

        def s(c):
            return max(1, round(c * width))

        def unit(a, b, size, stride=1, pad=0):
            layers = [nn.Conv2d(a, b, size, stride, pad, bias=not bn)]
            return nn.Sequential(*layers, *([nn.BatchNorm2d(b, eps=1e-3)] if bn else []),
                                 nn.ReLU())

        self.stem = nn.Sequential(unit(3, s(64), 7, 2, 3), nn.MaxPool2d(3, 2, ceil_mode=True),
                                  unit(s(64), s(64), 1), unit(s(64), s(192), 3, 1, 1),
                                  nn.MaxPool2d(3, 2, ceil_mode=True))
        blocks, c, outs = [], s(192), []
        for spec in INCEPTION.values():
            ch = [s(v) for v in spec[1:]]
            blocks.append(StudentInception(c, *ch, variant=variant))
            c = ch[0] + ch[2] + ch[4] + ch[5]
            outs.append(c)
        self.stage3, self.stage4 = nn.Sequential(*blocks[:2]), nn.ModuleList(blocks[2:7])
        self.stage5 = nn.Sequential(*blocks[7:])
        self.head = nn.Linear(c, num_classes)
        self.p = 0.2 if bn else 0.4
        self.at = (1 if plant == "aux1_after_4b" else 0, 3)
        self.side = nn.ModuleList([InceptionAux(outs[2 + k], num_classes, variant, width)
                                   for k in self.at]) if aux_logits else None

    def forward(self, x):
        x = F.max_pool2d(self.stage3(self.stem(x)), 3, 2, ceil_mode=True)
        aux = []
        for k, block in enumerate(self.stage4):
            x = block(x)
            if self.training and self.side is not None and k in self.at:
                aux.append(self.side[len(aux)](x))
        x = self.stage5(F.max_pool2d(x, 2, 2, ceil_mode=True))
        scores = self.head(F.dropout(x.mean(dim=(2, 3)), self.p, self.training))
        return (scores, *aux) if aux else scores


def checked(builder):
    """How the notebook grades a googlenet: through googlenet_checked (TrainingRun)."""
    def graded(*args, training_run=False, **kwargs):
        model = builder(*args, **kwargs)
        return TrainingRun(model) if training_run else model
    return graded


@pytest.mark.parametrize("reverse", [False, True], ids=["branches in order", "branches last to first"])
def test_a_correct_inception_in_another_style_keeps_full_marks(reverse):
    report = run(get_exercise("Inception"), partial(StudentInception, reverse=reverse), 1.0)
    assert report.points == pytest.approx(1.0), report.text()


def test_a_correct_googlenet_in_another_style_keeps_full_marks():
    report = run(get_exercise("GoogLeNet"), checked(StudentGoogLeNet), 1.0)
    assert report.points == pytest.approx(1.0), report.text()


@pytest.mark.parametrize("plant, words", [
    ("no_projection", ["missing leaf module", "output (2, 21, 9, 9)",
                       "the pool branch has no 1x1 projection"]),
    ("reduce_after", ["a 3x3 kernel where the reference has 1x1",
                      "the reduction comes after the 3x3"]),
    ("order", ["the output is the expected one with its channels in another order",
               "your channels 0-5 hold the expected 4-9",
               "the branches are concatenated in another order"]),
    ("padding", ["Sizes of tensors must match", "the output size is off by a few pixels",
                 "the 3x3 convolution of the second branch has no padding (padding=1)"]),
], ids=["pool branch without projection", "reduction after the 3x3", "branch order",
        "missing padding"])
def test_planted_inception_mistakes_lose_points_and_are_named(plant, words):
    report = run(get_exercise("Inception"), partial(StudentInception, plant=plant), 5.0)
    text = report.text()
    assert report.points <= 1.5, text
    for word in words:
        assert word in text, f"{word!r} not in:\n{text}"


def test_an_auxiliary_classifier_on_the_wrong_module_is_named():
    report = run(get_exercise("GoogLeNet"), checked(partial(StudentGoogLeNet, plant="aux1_after_4b")),
                 7.0)
    text = report.text()
    failed = [g.name for g in report.groups if g.failure and "bad input" not in g.name]
    # aux1 after 4b has the same parameters (4a and 4b both output 512 channels): only the
    # training-mode cases, which run the auxiliary classifiers, can see it
    assert failed == ["training mode: the auxiliary classifiers, dropout and batch norm"], text
    assert "the same leaf modules run in another order" in text and "net.aux1" in text, text
    assert "aux1 is attached after 4b; it reads the output of 4a" in text, text


@pytest.mark.slow
def test_an_auxiliary_classifier_on_the_wrong_module_is_named_through_the_sandboxed_verdict(tmp_path):
    """GoogLeNet crosses the sandbox only as data: its fingerprint, in training mode through
    TrainingRun. (A branch order planted in Inception would change GoogLeNet too; the sandboxed
    Inception is tested in test_models_grading.)"""
    from autograder import selfcheck

    nb = json.loads(SOURCE.read_text())
    old = ("aux1 = self.aux1(x) if aux else None\n        x = self.inception4d("
           "self.inception4c(self.inception4b(x)))")
    new = ("x = self.inception4b(x)\n        aux1 = self.aux1(x) if aux else None\n"
           "        x = self.inception4d(self.inception4c(x))")
    [cell] = [c for c in nb["cells"]
              if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "googlenet"]
    src = "".join(cell["source"])
    assert old in src
    cell["source"] = src.replace(old, new)
    folder = tmp_path / "07_googlenet"
    folder.mkdir()
    path = folder / SOURCE.name
    path.write_text(json.dumps(nb))
    report = selfcheck.check_notebook(path, ROOT, only={"Inception", "GoogLeNet"})
    found = {ex["name"]: ex for ex in report["exercises"]}
    assert found["Inception"]["passed"], found["Inception"]["feedback"]
    network = found["GoogLeNet"]
    assert network["score"] == pytest.approx(5.0), network["feedback"]   # training mode only
    assert "the same leaf modules run in another order" in network["feedback"]
    assert "aux1 is attached after 4b" in network["feedback"], network["feedback"]


# ----------------------------------------------------------------------------- the notebook


def _markdown() -> str:
    cells = json.loads(SOURCE.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_the_lecture_s_facts_are_stated_with_their_sources():
    text = _markdown()
    for fact in ("6.7%", "7.3%", "22 layers", "27 counting the pooling layers", "12×",
                 "1.5 billion multiply-adds", "854,196,224", "271,351,808", "358 M",
                 "6,624,904", "13,004,888", "6,998,552", "13,378,280", "8.7",
                 "pytorch/vision#906", "weight of 0.3", "removed at test time",
                 "act mostly as regularizers", "about 0.6%"):
        assert fact in text, fact
    for source in ("Szegedy et al. 2015", "Going deeper with convolutions", "CVPR 2015",
                   "Network in Network", "Rethinking the Inception architecture"):
        assert source in text, source
    assert "counted twice" in text and "trained weights cannot be downloaded here" in text


def test_notation_box_budget_and_header_points():
    nb = json.loads(SOURCE.read_text())
    box = "".join(nb["cells"][1]["source"])
    assert box.startswith("**Notation.**") and "C_out" in box and "`F` in code" in box
    assert nb["metadata"]["cnn_course"]["runtime_budget_seconds"] == 180
    header = "".join(nb["cells"][0]["source"])
    points = {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"]["points"]
              for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")}
    assert f"**Points:** {sum(points.values())}," in header
    assert points == {"test-conv1x1_as_matmul-hidden": 3, "test-inception_cost-hidden": 5,
                      "test-Inception-hidden": 5, "test-GoogLeNet-hidden": 7}


def test_the_student_notebook_has_stubs_for_the_four_exercises():
    cells = json.loads(STUDENT.read_text())["cells"]
    stubs = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in cells
             if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    assert set(stubs) == {"conv1x1_as_matmul", "inception_cost", "Inception", "googlenet"}
    for name, src in stubs.items():
        assert "raise NotImplementedError" in src and "TODO:" in src and "EXAMPLE:" in src, name
    assert stubs["googlenet"].count("raise NotImplementedError") == 2    # __init__ and forward
