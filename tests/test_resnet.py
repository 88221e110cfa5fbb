"""Notebook 08, ResNet: the references against COURSE.md's parameter counts, PyTorch and each
other; the checks of its five exercises (full marks for the references and for correct answers
in other styles, planted mistakes lose points with a named diagnosis); the degradation
experiment's setup; the facts its prose must state."""

from __future__ import annotations

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
from autograder.checks.exercises.resnet import _wrong_basic, _wrong_resnet, ref
from coursekit.summary import summary
from solutions import (
    BasicBlock,
    Bottleneck,
    ThinNet,
    basic_block_forward,
    residual_backward,
    resnet10,
    resnet_by_name,
    thin_net,
)
from tests.model_util import count, on_meta

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source/08_resnet/08_resnet.ipynb"
STUDENT = ROOT / "notebooks/08_resnet/08_resnet.ipynb"
COUNTS = {"ResNet-18": 11_689_512, "ResNet-34": 21_797_672, "ResNet-50": 25_557_032,   # COURSE.md
          "ResNet-101": 44_549_160, "ResNet-152": 60_192_808}
RESNETS = {"ResNet-18": ("BasicBlock", (2, 2, 2, 2)), "ResNet-34": ("BasicBlock", (3, 4, 6, 3)),
           "ResNet-50": ("Bottleneck", (3, 4, 6, 3)), "ResNet-101": ("Bottleneck", (3, 4, 23, 3)),
           "ResNet-152": ("Bottleneck", (3, 8, 36, 3))}   # He et al. 2016, Table 1
EXERCISES = ["residual_backward", "basic_block_forward", "BasicBlock", "Bottleneck", "resnet"]
resnet = ref("resnet")   # the function (solutions.resnet is also the module's name)


# ----------------------------------------------------------------------------- the references


@pytest.mark.parametrize("name", list(COUNTS))
def test_the_stage_tables_give_course_md_s_counts_and_the_names_depth(name):
    block_name, layers = RESNETS[name]
    model = on_meta(resnet_by_name, block_name, layers)
    assert count(model) == COUNTS[name] and all(p.is_meta for p in model.parameters())
    assert model(torch.zeros(1, 3, 224, 224, device="meta")).shape == (1, 1000)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    projections = [m for n, m in model.named_modules()
                   if isinstance(m, nn.Conv2d) and "downsample" in n]
    assert len(projections) == (4 if block_name == "Bottleneck" else 3)
    depth = len(convs) - len(projections) + 1   # + the fc layer
    assert f"ResNet-{depth}" == name
    assert not any(m.bias is not None for m in convs)


def test_the_blocks_counts_and_the_stride_of_resnet_v1_5():
    assert count(on_meta(BasicBlock, 64, 64)) == 73_984
    assert count(on_meta(BasicBlock, 64, 128, 2)) == 230_144
    assert count(on_meta(Bottleneck, 256, 64)) == 70_400
    assert count(on_meta(Bottleneck, 256, 128, 2)) == 379_392
    down = Bottleneck(256, 128, stride=2)
    assert down.conv1.stride == (1, 1) and down.conv2.stride == (2, 2)   # v1.5: on the 3x3
    assert down.downsample[0].stride == (2, 2)
    assert Bottleneck(256, 64).downsample is None and BasicBlock(64, 64).downsample is None
    assert Bottleneck(64, 64).downsample is not None                   # 64 -> 256 channels
    assert BasicBlock.expansion == 1 and Bottleneck.expansion == 4


def test_the_macs_are_torchvision_s_and_the_paper_s_v1_counts_are_lower():
    macs = {name: sum(r.macs for r in summary(on_meta(resnet_by_name, *RESNETS[name]),
                                              (3, 224, 224), show=False))
            for name in ("ResNet-18", "ResNet-50", "ResNet-152")}
    assert macs == {"ResNet-18": 1_814_073_344, "ResNet-50": 4_089_184_256,
                    "ResNet-152": 11_513_626_624}

    class V1(Bottleneck):   # the paper's bottleneck: the stride on the first 1x1
        def __init__(self, in_ch, width, stride=1):
            super().__init__(in_ch, width, stride)
            self.conv1.stride, self.conv2.stride = (stride, stride), (1, 1)

    v1 = on_meta(resnet, V1, [3, 4, 6, 3])
    assert round(sum(r.macs for r in summary(v1, (3, 224, 224), show=False)) / 1e9, 2) == 3.86


def test_the_numpy_block_agrees_with_torch_and_with_the_module_folded():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 6))
    w1, w2 = rng.standard_normal((5, 3, 3, 3)), rng.standard_normal((5, 5, 3, 3))
    wp, b1, b2, bp = rng.standard_normal((5, 3, 1, 1)), *rng.standard_normal((3, 5))
    t = torch.from_numpy
    want = F.relu(F.conv2d(F.relu(F.conv2d(t(x), t(w1), t(b1), 2, 1)), t(w2), t(b2), 1, 1)
                  + F.conv2d(t(x), t(wp), t(bp), 2))
    got = basic_block_forward(x, w1, b1, w2, b2, stride=2, w_proj=wp, b_proj=bp)
    assert got.dtype == np.float64 and got.shape == (2, 5, 4, 3)
    np.testing.assert_allclose(got, want.numpy(), atol=1e-12)
    # BasicBlock in eval mode is the numpy block with its batch norms folded
    torch.manual_seed(0)
    block = BasicBlock(3, 5, 2).double().eval()
    for bn in (block.bn1, block.bn2, block.downsample[1]):
        nn.init.uniform_(bn.weight, 0.5, 1.5)
        nn.init.normal_(bn.bias)
        bn.running_mean.normal_()
        bn.running_var.uniform_(0.5, 2)

    def fold(conv, bn):
        s = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        return ((conv.weight * s[:, None, None, None]).detach().numpy(),
                (bn.bias - bn.running_mean * s).detach().numpy())

    args = [*fold(block.conv1, block.bn1), *fold(block.conv2, block.bn2)]
    wp, bp = fold(*block.downsample)
    with torch.no_grad():
        np.testing.assert_allclose(basic_block_forward(x, *args, stride=2, w_proj=wp, b_proj=bp),
                                   block(t(x)).numpy(), atol=1e-12)


def test_residual_backward_is_autograd_s_gradient_of_x_plus_a_branch():
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal((2, 3, 5, 5)), requires_grad=True)
    w = torch.tensor(rng.standard_normal((3, 3, 3, 3)))
    dout = torch.tensor(rng.standard_normal((2, 3, 5, 5)))
    (dF,) = torch.autograd.grad(F.conv2d(x.tanh(), w, padding=1), x, dout)
    (dx,) = torch.autograd.grad(x + F.conv2d(x.tanh(), w, padding=1), x, dout)
    np.testing.assert_allclose(residual_backward(dout.numpy(), dF.numpy()), dx.numpy(), atol=1e-12)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(1, 3\)"):
        residual_backward(np.ones((2, 3)), np.ones((1, 3)))


def test_bad_arguments_raise_value_error():
    for build, args in ((BasicBlock, (0, 8)), (BasicBlock, (4, 8, 0)), (Bottleneck, (4.0, 2)),
                        (resnet_by_name, ("BasicBlock", [2, 2, 2])),
                        (resnet_by_name, ("Bottleneck", [1, 1, 1, 1], 0)),
                        (resnet_by_name, ("VGG", [1, 1, 1, 1]))):
        with pytest.raises(ValueError):
            build(*args)
    x = np.ones((1, 2, 5, 5))
    with pytest.raises(ValueError, match="identity shortcut"):
        basic_block_forward(x, np.ones((3, 2, 3, 3)), np.ones(3), np.ones((3, 3, 3, 3)), np.ones(3))


def test_torchvision_s_resnets_have_the_same_counts_where_it_imports():
    torchvision = pytest.importorskip("torchvision", reason="torchvision's PyPI wheel does not "
                                      "import beside the CPU torch here (COURSE.md)")
    for name, build in (("ResNet-18", "resnet18"), ("ResNet-50", "resnet50"),
                        ("ResNet-152", "resnet152")):
        with torch.device("meta"):
            theirs = getattr(torchvision.models, build)(weights=None)
        ours = on_meta(resnet_by_name, *RESNETS[name])
        assert count(theirs) == COUNTS[name]
        shapes = [tuple(p.shape) for p in ours.parameters()]
        assert sorted(shapes) == sorted(tuple(p.shape) for p in theirs.parameters())


# ----------------------------------------------------------------------------- the degradation setup


def test_thin_nets_count_layers_as_the_paper_and_start_alike():
    for depth in (8, 32):
        plain, residual = thin_net(depth, False, seed=3), thin_net(depth, True, seed=3)
        layers = [m for m in plain.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
        assert len(layers) == depth
        assert all(torch.equal(a, b) for a, b in zip(plain.parameters(), residual.parameters(),
                                                     strict=True))
        x = torch.randn(4, 1, 8, 8)
        assert plain(x).shape == residual(x).shape == (4, 10)
    assert not torch.equal(next(thin_net(8, False, seed=0).parameters()),
                           next(thin_net(8, False, seed=1).parameters()))
    with pytest.raises(ValueError):
        ThinNet(7, False)


def test_the_bench_verdict_reads_the_four_losses():
    import sys

    sys.path.insert(0, str(ROOT))
    from bench.degradation import verdict

    assert verdict({"plain-8": 0.7, "plain-32": 1.3, "residual-8": 0.2, "residual-32": 0.03}) == (
        True, True, True)
    assert verdict({"plain-8": 0.7, "plain-32": 1.3, "residual-8": 0.2, "residual-32": 0.4}) == (
        True, True, False)                           # the gap narrows without reversing
    assert verdict({"plain-8": 0.7, "plain-32": 0.6, "residual-8": 0.2, "residual-32": 0.1})[0] is False


def test_the_reduced_resnet_is_resnet_10():
    model = resnet10()
    assert count(model) == 310_746 and model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) - 3 + 1 == 10                  # three projections; the fc layer
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), resnet10().parameters(),
                                                 strict=True))


# ----------------------------------------------------------------------------- the checks


@pytest.mark.parametrize("name", EXERCISES)
def test_the_references_get_full_marks(name):
    ex = get_exercise(name)
    report = run(ex, ex.reference_fn(), 1.0)
    assert report.points == pytest.approx(1.0), report.text()


@pytest.mark.parametrize("name", EXERCISES)
def test_the_docstring_states_what_is_returned(name):
    import solutions

    ex = get_exercise(name)
    ex.reference_fn()
    doc = " ".join(getattr(solutions, name).__doc__.split())
    expected = {"residual_backward": r"Returns dx: np.ndarray of dout's shape; returns float64",
                "basic_block_forward": r"Returns out: np.ndarray of shape .*; returns float64",
                "BasicBlock": r"Returns block: an nn.Module", "Bottleneck": r"Returns block: an nn.Module",
                "resnet": r"Returns model: an nn.Module"}[name]
    assert re.search(expected, doc), doc
    assert "Raises ValueError" in doc


# correct answers in other styles, written independently of the references


class TorchvisionBlock(nn.Module):
    """torchvision's own code, shortened: one nn.ReLU module called twice, the shortcut computed
    after the branch, `downsample` passed in by the builder."""

    expansion = 1

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        if min(inplanes, planes, stride) < 1 or not all(
                isinstance(v, int) for v in (inplanes, planes, stride)):
            raise ValueError("bad sizes")
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                                            nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class D2LBlock(nn.Module):
    """Dive into Deep Learning's layout: the convolutions defined first, then the batch norms,
    functional ReLU; `shortcut` an empty nn.Sequential for the identity. `plant` switches on one
    mistake."""

    expansion = 1

    def __init__(self, c_in, c_out, stride=1, plant=""):
        super().__init__()
        if not all(isinstance(v, int) and v > 0 for v in (c_in, c_out, stride)):
            raise ValueError("sizes must be positive ints")
        self.plant = plant
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1, stride=stride, bias=False)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn1, self.bn2 = nn.BatchNorm2d(c_out), nn.BatchNorm2d(c_out)
        changes = stride != 1 or c_in != c_out
        if (changes and plant != "no projection") or plant == "always project":
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(c_out))
        else:
            self.shortcut = nn.Sequential()

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        if self.plant == "relu first":
            return F.relu(y) + self.shortcut(x)
        return F.relu(y + self.shortcut(x))


class ShortcutFirstBottleneck(nn.Module):
    """A bottleneck that defines and computes its shortcut first, with nn.Sequential branches;
    `v1` puts the stride on the first 1x1 convolution (the paper's ResNet v1)."""

    expansion = 4

    def __init__(self, in_ch, width, stride=1, v1=False):
        super().__init__()
        if not all(isinstance(v, int) and v > 0 for v in (in_ch, width, stride)):
            raise ValueError("sizes must be positive ints")
        out = 4 * width
        self.skip = (nn.Sequential(nn.Conv2d(in_ch, out, 1, stride=stride, bias=False),
                                   nn.BatchNorm2d(out))
                     if stride != 1 or in_ch != out else nn.Identity())
        s1, s2 = (stride, 1) if v1 else (1, stride)
        self.branch = nn.Sequential(
            nn.Conv2d(in_ch, width, 1, stride=s1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width, 3, stride=s2, padding=1, bias=False), nn.BatchNorm2d(width),
            nn.ReLU(), nn.Conv2d(width, out, 1, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        s = self.skip(x)
        return F.relu(self.branch(x) + s)


class TorchvisionBottleneck(nn.Module):
    """torchvision's bottleneck, shortened (the shortcut computed last); `v1` puts the stride on
    the first 1x1 convolution, as the paper's ResNet v1 does."""

    expansion = 4

    def __init__(self, inplanes, planes, stride=1, v1=False):
        super().__init__()
        if not all(isinstance(v, int) and v > 0 for v in (inplanes, planes, stride)):
            raise ValueError("sizes must be positive ints")
        s1, s2 = (stride, 1) if v1 else (1, stride)
        self.conv1 = nn.Conv2d(inplanes, planes, 1, stride=s1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=s2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or inplanes != planes * 4:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False),
                                            nn.BatchNorm2d(planes * 4))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class StudentResNet(nn.Module):
    """A ResNet with its own forward and torchvision's _make_layer; `plant` switches on one
    mistake."""

    def __init__(self, block, layers, num_classes=1000, width=64, plant=""):
        super().__init__()
        if len(layers) != 4 or min(layers) < 1 or num_classes < 1 or width < 1:
            raise ValueError("bad arguments")
        self.plant = plant
        self.fc_in = 8 * width * (1 if plant == "no expansion" else block.expansion)
        self.stem = nn.Sequential(nn.Conv2d(3, width, 7, 2, 3, bias=False), nn.BatchNorm2d(width),
                                  nn.ReLU(inplace=True))
        self.inplanes = width
        self.stages = nn.ModuleList(self._make_layer(block, width * 2 ** k, n, 1 if k == 0 else 2)
                                    for k, n in enumerate(layers))
        self.fc = nn.Linear(self.fc_in, num_classes)

    def _make_layer(self, block, planes, n, stride):
        blocks = [block(self.inplanes, planes, stride)]
        self.inplanes = planes * block.expansion
        blocks += [block(self.inplanes, planes) for _ in range(1, n)]
        return nn.Sequential(*blocks)

    def forward(self, x):
        x = self.stem(x)
        if self.plant != "no maxpool":
            x = F.max_pool2d(x, 3, 2, 1)
        for stage in self.stages:
            x = stage(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def by_name(builder, basic, bottleneck):
    """How the notebook grades a learner's resnet: through resnet_by_name, with their blocks."""
    def graded(block_name, layers, num_classes=1000, width=64):
        return builder({"BasicBlock": basic, "Bottleneck": bottleneck}[block_name], list(layers),
                       num_classes, width=width)
    return graded


@pytest.mark.parametrize("student", [TorchvisionBlock, D2LBlock], ids=["torchvision", "d2l"])
def test_correct_basic_blocks_in_other_styles_keep_full_marks(student):
    report = run(get_exercise("BasicBlock"), student, 1.0)
    assert report.points == pytest.approx(1.0), report.text()


@pytest.mark.parametrize("student", [TorchvisionBottleneck, ShortcutFirstBottleneck],
                         ids=["torchvision", "shortcut first"])
def test_correct_bottlenecks_in_other_styles_keep_full_marks(student):
    report = run(get_exercise("Bottleneck"), student, 1.0)
    assert report.points == pytest.approx(1.0), report.text()


@pytest.mark.parametrize("blocks", [(TorchvisionBlock, ShortcutFirstBottleneck),
                                    (D2LBlock, TorchvisionBottleneck)], ids=["A", "B"])
def test_a_resnet_with_its_own_forward_and_other_blocks_keeps_full_marks(blocks):
    report = run(get_exercise("resnet"), by_name(StudentResNet, *blocks), 1.0)
    assert report.points == pytest.approx(1.0), report.text()


@pytest.mark.parametrize("student, words", [
    (partial(D2LBlock, plant="relu first"),
     ["every leaf module's output agrees", "the ReLU is applied before the addition"]),
    (partial(D2LBlock, plant="no projection"),
     ["downsample: missing 2 leaf modules (the shortcut's 1x1 projection)",
      "The size of tensor a", "the projection is missing where the shape changes"]),
    (partial(D2LBlock, plant="always project"),
     ["leaf modules more than expected", "a projection where the shape does not change"]),
    (partial(_wrong_basic, bias=True),
     ["an extra bias (64 parameters)", "the convolutions have a bias"]),
], ids=["ReLU before the addition", "projection missing", "projection everywhere", "biases"])
def test_planted_basic_blocks_lose_points_with_a_named_diagnosis(student, words):
    report = run(get_exercise("BasicBlock"), student, 5.0)
    text = report.text()
    assert report.points < 4, text
    for word in words:
        assert word in text, f"{word!r} not in:\n{text}"


def test_a_planted_resnet_v1_bottleneck_is_named():
    report = run(get_exercise("Bottleneck"), partial(TorchvisionBottleneck, v1=True), 5.0)
    text = report.text()
    assert report.points < 1.6, text
    for word in ("half as large as expected", "a stride of 2 where the reference has 1",
                 "the stride is on the first 1x1 convolution, as in the paper (ResNet v1)"):
        assert word in text, f"{word!r} not in:\n{text}"


@pytest.mark.parametrize("plant, words", [
    ("no maxpool", ["the stem has no max pooling"]),
    ("no expansion", ["forward pass failed", "mat1 and mat2", "stopped before fc"]),
], ids=["no max pooling", "expansion ignored in the fc layer"])
def test_planted_resnets_lose_points_with_a_named_diagnosis(plant, words):
    graded = by_name(partial(StudentResNet, plant=plant), TorchvisionBlock, TorchvisionBottleneck)
    report = run(get_exercise("resnet"), graded, 6.0)
    text = report.text()
    assert report.points < 6, text
    for word in words:
        assert word in text, f"{word!r} not in:\n{text}"


def test_a_wrong_block_costs_points_in_resnet_too():
    # resnet is graded with the learner's blocks: a block without its final ReLU shows there
    class NoFinalReLU(TorchvisionBlock):
        def forward(self, x):
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return out + (x if self.downsample is None else self.downsample(x))

    graded = by_name(StudentResNet, NoFinalReLU, TorchvisionBottleneck)
    report = run(get_exercise("resnet"), graded, 6.0)
    failed = [g.name for g in report.groups if g.failure and "bad input" not in g.name]
    assert failed == ["reduced ResNets with seeded weights"], report.text()


def test_the_training_mode_group_checks_batch_norm_on_the_batch():
    # a block whose second batch norm never uses batch statistics (eval mode forced) agrees in
    # eval mode and differs in training mode only
    class Frozen(TorchvisionBlock):
        def __init__(self, inplanes, planes, stride=1):
            super().__init__(inplanes, planes, stride)
            bn = self.bn2   # still an nn.BatchNorm2d, always on its running averages
            bn.forward = lambda x: F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight,
                                                bn.bias, False, 0.0, bn.eps)

    report = run(get_exercise("BasicBlock"), Frozen, 5.0)
    failed = [g.name for g in report.groups if g.failure]
    # (the bad-input points need correct values everywhere)
    assert failed == ["batch norm in training mode",
                      "bad input raises ValueError"], report.text()
    assert "in eval mode the outputs agree; in training mode" in report.text()


def test_resnet_by_name_reads_the_notebook_s_classes():
    import importlib

    module = importlib.import_module("solutions.resnet")   # `import ... as` would give the function
    model = module.resnet_by_name("Bottleneck", (1, 1, 1, 1), 7, width=2).eval()
    assert isinstance(model[4][0], module.Bottleneck) and model(torch.zeros(1, 3, 32, 32)).shape == (1, 7)
    assert _wrong_resnet("BasicBlock", [1, 1, 1, 1], 10, width=4, maxpool=False)(
        torch.zeros(1, 3, 32, 32)).shape == (1, 10)


@pytest.mark.slow
def test_a_planted_block_is_named_through_the_sandboxed_verdict(tmp_path):
    """BasicBlock and resnet_by_name cross the sandbox as data (a class by its name)."""
    from autograder import selfcheck

    nb = json.loads(SOURCE.read_text())
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "BasicBlock":
            src = "".join(cell["source"])
            cell["source"] = src.replace("return F.relu(out + shortcut)",
                                         "return F.relu(out) + shortcut")
            assert cell["source"] != src
    folder = tmp_path / "08_resnet"
    folder.mkdir()
    path = folder / SOURCE.name
    path.write_text(json.dumps(nb))
    report = selfcheck.check_notebook(path, ROOT, only={"BasicBlock", "resnet"})
    scores = {ex["name"]: ex for ex in report["exercises"]}
    assert scores["BasicBlock"]["score"] < 5, scores["BasicBlock"]["feedback"]
    assert "the ReLU is applied before the addition" in scores["BasicBlock"]["feedback"]
    assert 0 < scores["resnet"]["score"] < 6, scores["resnet"]["feedback"]


# ----------------------------------------------------------------------------- the notebook


def _markdown() -> str:
    cells = json.loads(SOURCE.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_the_lecture_s_facts_and_the_record_s_corrections_are_stated():
    text = _markdown()
    for fact in ("3.57%", "top-5 error of 3.57%", "96.43%", "152 layers", "4.94%", "PReLU-nets",
                 "Delving deep into rectifiers", "about 5.1%", "4.49%", "ImageNet detection",
                 "ImageNet localization", "COCO detection", "COCO segmentation",
                 "11,689,512", "21,797,672", "25,557,032", "44,549,160", "60,192,808",
                 "ResNet v1.5", "degradation problem", "Russakovsky et al.", "He et al."):
        assert fact in text, fact
    assert "**3.57% is an error, not an accuracy.**" in text
    assert "**ResNet was not the first network to beat the human estimate.**" in text
    for name, depth in (("ResNet-18", 18), ("ResNet-34", 34), ("ResNet-50", 50),
                        ("ResNet-101", 101), ("ResNet-152", 152)):
        assert re.search(rf"{name} \|.*= {depth} \|", text), name
    assert "trained weights cannot be downloaded here" in text


def test_notation_box_and_budget():
    nb = json.loads(SOURCE.read_text())
    box = "".join(nb["cells"][1]["source"])
    assert box.startswith("**Notation.**") and "C_out" in box and "`F` in code" in box
    assert "torch.nn.functional" in box and "𝓕" in box
    assert nb["metadata"]["cnn_course"]["runtime_budget_seconds"] == 180


def test_the_student_notebook_has_stubs_for_the_five_exercises():
    cells = json.loads(STUDENT.read_text())["cells"]
    stubs = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in cells
             if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    assert set(stubs) == set(EXERCISES)
    for name, src in stubs.items():
        assert "raise NotImplementedError" in src and "TODO:" in src and "EXAMPLE:" in src, name
    assert "expansion = 1" in stubs["BasicBlock"] and "expansion = 4" in stubs["Bottleneck"]
    assert stubs["BasicBlock"].count("raise NotImplementedError") == 2   # __init__ and forward
    assert "nn.Conv2d(" not in stubs["BasicBlock"].split('"""')[-1]   # no answer after the docstring


def test_the_grading_cell_loads_conv2d_fast_and_relu_from_earlier_notebooks():
    cells = json.loads(SOURCE.read_text())["cells"]
    grading = ["".join(c["source"]) for c in cells if "grading" in c["metadata"].get("tags", [])]
    assert len(grading) == 1
    assert '"02_padding_stride": ["conv2d_fast"]' in grading[0]
    assert '"04_classification_head": ["relu"]' in grading[0]
