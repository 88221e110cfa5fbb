"""Notebook 10, the winners side by side: count_macs against torchvision's published numbers,
coursekit.summary and notebook 05's layer table; its checks (full marks for the reference and for
a correct counter in another style, planted misconceptions lose points with a named diagnosis);
earlier()'s model probes; the equal-budget designs; the notebook's facts and structure."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import types
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from autograder.checks.core import get_exercise, run
from autograder.checks.exercises.comparison import ALEXNET_ROWS, INPUT, _random_stack, _wrong_macs
from coursekit.previous import MODEL_PROBES, earlier, torch_layer_table
from coursekit.summary import summary
from solutions import (
    ALEXNET,
    BUDGET,
    BasicBlock,
    Inception,
    alexnet,
    alexnet_design,
    count_macs,
    count_macs_of,
    googlenet,
    inception_design,
    layer_table,
    make_features,
    resnet_by_name,
    resnet_design,
    scale_to_budget,
    vgg_design,
)

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source/10_comparison/10_comparison.ipynb"
STUDENT = ROOT / "notebooks/10_comparison/10_comparison.ipynb"
# torchvision's Weights.meta["_ops"] ("GFLOPS" in its docs) of the IMAGENET1K_V1 weights
TORCHVISION_OPS = {"AlexNet": 0.714, "VGG-16": 15.47, "GoogLeNet": 1.498, "ResNet-18": 1.814,
                   "ResNet-50": 4.089, "ResNet-152": 11.514}


def vgg16():
    from solutions.vgg import vgg  # the function (solutions.vgg may be bound to the module)

    return vgg("D")


BUILDERS = {"AlexNet": lambda: alexnet("one_gpu"), "VGG-16": vgg16, "GoogLeNet": googlenet,
            "ResNet-18": lambda: resnet_by_name("BasicBlock", [2, 2, 2, 2]),
            "ResNet-50": lambda: resnet_by_name("Bottleneck", [3, 4, 6, 3]),
            "ResNet-152": lambda: resnet_by_name("Bottleneck", [3, 8, 36, 3])}


def on_meta(build):
    with torch.device("meta"):
        return build()


# ----------------------------------------------------------------------------- the reference


@pytest.mark.parametrize("name", list(TORCHVISION_OPS))
def test_count_macs_gives_torchvision_s_published_gflops_which_are_macs(name):
    model = on_meta(BUILDERS[name])
    macs = count_macs(model, (3, 224, 224))
    assert round(macs / 1e9, 3) == pytest.approx(TORCHVISION_OPS[name], abs=1e-9)
    assert macs == sum(row.macs for row in summary(model, (3, 224, 224), show=False))


def test_torchvision_s_models_give_its_published_ops_where_it_imports():
    torchvision = pytest.importorskip("torchvision", reason="torchvision's PyPI wheel does not "
                                      "import beside the CPU torch here (COURSE.md)")
    for name, build in (("AlexNet", "alexnet"), ("VGG-16", "vgg16"), ("GoogLeNet", "googlenet"),
                        ("ResNet-18", "resnet18"), ("ResNet-50", "resnet50"),
                        ("ResNet-152", "resnet152")):
        kwargs = {"aux_logits": False, "init_weights": False} if build == "googlenet" else {}
        with torch.device("meta"):
            theirs = getattr(torchvision.models, build)(weights=None, **kwargs)
        assert round(count_macs(theirs, (3, 224, 224)) / 1e9, 3) == pytest.approx(
            TORCHVISION_OPS[name], abs=1e-9), name


def test_count_macs_agrees_with_the_layer_table_on_both_alexnets():
    for variant in ("paper", "one_gpu"):
        want = sum(row[3] for row in layer_table(ALEXNET[variant], INPUT[variant]))
        assert count_macs_of(ALEXNET_ROWS[variant], INPUT[variant]) == want


def test_count_macs_counts_calls_positions_and_leaves_the_model_as_it_was():
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.ReLU(), shared).train()   # one module called twice
    assert count_macs(model, (4,)) == 32
    assert model.training and not any(m._forward_hooks for m in model.modules())
    assert count_macs(nn.Linear(4, 3), (2, 5, 4)) == 2 * 5 * 12
    with pytest.raises(ValueError, match="forward pass"):
        count_macs(nn.Linear(4, 3), (5,))
    assert not nn.Linear(4, 3)._forward_hooks


def test_the_catalogue_formulas_without_a_mistake_equal_the_reference():
    rng = np.random.default_rng(0)
    for trial in range(30):
        rows, shape = _random_stack(rng, trial)
        assert _wrong_macs(rows, shape) == count_macs_of(rows, shape), (rows, shape)


# ----------------------------------------------------------------------------- the checks


def graded(counter):
    """count_macs_of reading `counter` as count_macs, as the notebook's cell does."""
    f = count_macs_of
    return types.FunctionType(f.__code__, {**f.__globals__, "count_macs": counter}, f.__name__,
                              f.__defaults__)


def hook_counter(*, flops=False, bias=False, groups=True, pooling=False, fc_positions=False,
                 fc_once=False, validate=True, keep_hooks=False, leave_eval=False):
    """A hook-based count_macs written independently of the reference, with one misconception
    switched on (none: a correct counter in another style)."""
    def counter(model, input_shape):
        if validate and (not isinstance(model, nn.Module) or not isinstance(input_shape, tuple | list)
                         or not input_shape or not all(isinstance(v, int) and v > 0 for v in input_shape)):
            raise ValueError("bad input")
        totals, spatial = [0], [1]

        def hook(module, inputs, output):
            out = tuple(output.shape)
            if isinstance(module, nn.Conv2d):
                c_in = module.in_channels // (module.groups if groups else 1)
                totals[0] += math.prod(out[1:]) * c_in * module.kernel_size[0] * module.kernel_size[1]
                totals[0] += math.prod(out[1:]) if bias and module.bias is not None else 0
                spatial[0] = out[2] * out[3]
            elif isinstance(module, nn.Linear):
                positions = 1 if fc_once else math.prod(out[1:-1])
                if fc_positions and len(out) == 2:
                    positions *= spatial[0]
                totals[0] += module.in_features * module.out_features * positions
                totals[0] += module.out_features * positions if bias else 0
            elif pooling and isinstance(module, nn.MaxPool2d | nn.AvgPool2d):
                totals[0] += math.prod(out[1:]) * module.kernel_size ** 2
            elif pooling and isinstance(module, nn.AdaptiveAvgPool2d):
                totals[0] += math.prod(inputs[0].shape[1:])
            if len(out) == 4:
                spatial[0] = out[2] * out[3]

        handles = [m.register_forward_hook(hook) for m in model.modules()]
        if leave_eval:
            model.eval()
        try:
            device = next(model.parameters()).device if any(True for _ in model.parameters()) else "cpu"
            with torch.no_grad():
                model(torch.zeros((1, *input_shape), device=device))
        except Exception as exc:
            raise ValueError(str(exc)) from None
        finally:
            for h in handles if not keep_hooks else ():
                h.remove()
        return totals[0] * (2 if flops else 1)
    return counter


def test_the_reference_gets_full_marks():
    ex = get_exercise("count_macs")
    report = run(ex, ex.reference_fn(), 6.0)
    assert report.points == pytest.approx(6.0), report.text()


def test_a_correct_counter_in_another_style_keeps_full_marks():
    report = run(get_exercise("count_macs"), graded(hook_counter()), 6.0)
    assert report.points == pytest.approx(6.0), report.text()


@pytest.mark.parametrize("options, words", [
    ({"flops": True}, "FLOPs counted instead of MACs"),
    ({"bias": True}, "the bias additions are counted"),
    ({"groups": False}, "groups ignored"),
    ({"pooling": True}, "pooling counted as MACs"),
    ({"fc_positions": True}, "a Linear after a flatten counted at every position"),
    ({"fc_once": True}, "a Linear on maps counted once"),
], ids=["FLOPs", "biases", "groups", "pooling", "fc after flatten", "fc on maps"])
def test_planted_misconceptions_lose_points_with_a_named_diagnosis(options, words):
    report = run(get_exercise("count_macs"), graded(hook_counter(**options)), 6.0)
    text = report.text()
    assert report.points < 6, text
    assert words in text, f"{words!r} not in:\n{text}"


@pytest.mark.parametrize("options, words", [
    ({"keep_hooks": True}, "forward hook(s) are left on the model"),
    ({"leave_eval": True}, "left it in eval mode"),
], ids=["hooks kept", "eval mode left"])
def test_a_counter_must_leave_the_model_as_it_found_it(options, words):
    report = run(get_exercise("count_macs"), graded(hook_counter(**options)), 6.0)
    failed = [g.name for g in report.groups if g.failure]
    # the bad-input points go with any failing group, as for every exercise (core.run)
    assert failed == ["the model is left as it was found", "bad input raises ValueError"], \
        report.text()
    assert report.points == pytest.approx(5.0), report.text()
    assert "likely mistake: " in report.text() and words in report.text(), report.text()


def test_a_counter_that_touches_nothing_earns_nothing_for_leaving_the_model_alone():
    report = run(get_exercise("count_macs"), graded(lambda model, input_shape: 0), 6.0)
    state = next(g for g in report.groups if g.name == "the model is left as it was found")
    assert state.failure and "the first count is 0, expected 4,928" in report.text(), report.text()


def test_a_counter_without_checks_loses_only_the_bad_input_points():
    report = run(get_exercise("count_macs"), graded(hook_counter(validate=False)), 6.0)
    failed = [g.name for g in report.groups if g.failure]
    assert failed == ["bad input raises ValueError"], report.text()


def test_the_docstring_states_what_is_returned():
    doc = " ".join(count_macs.__doc__.split())
    assert "Returns macs: int" in doc and "Raises ValueError" in doc


# ----------------------------------------------------------------------------- earlier()


def test_earlier_loads_the_models_of_the_solved_notebooks(capsys):
    wanted = {"05_imagenet_alexnet": ["layer_table", "alexnet"], "06_vgg": ["make_features"],
              "07_googlenet": ["Inception"], "08_resnet": ["BasicBlock", "resnet_by_name"]}
    got = earlier(wanted, folder=ROOT / "source")
    out = capsys.readouterr().out
    assert out.count(": yours") == 6, out
    assert "08_resnet.ipynb cell" in got.BasicBlock.__init__.__code__.co_filename
    with torch.device("meta"):
        assert sum(p.numel() for p in got.resnet_by_name("BasicBlock", [2, 2, 2, 2]).parameters()) \
            == 11_689_512


def test_earlier_leaves_unfinished_models_out_and_says_why(tmp_path, capsys):
    got = earlier({"06_vgg": ["make_features", "vgg"], "09_missing": ["densenet"]},
                  folder=ROOT / "notebooks")
    out = capsys.readouterr().out
    assert got.make_features is None and got.vgg is None and got.densenet is None
    assert "make_features: left out, because it is not implemented yet" in out
    assert "densenet: left out, because" in out and "does not exist" in out


def test_the_model_probes_accept_the_references_and_name_a_wrong_count():
    for name, build in (("alexnet", alexnet), ("make_features", make_features),
                        ("Inception", Inception), ("BasicBlock", BasicBlock),
                        ("resnet_by_name", resnet_by_name), ("googlenet", googlenet)):
        assert MODEL_PROBES[name](build) is None, name

    class Biased(BasicBlock):   # a bias in every convolution: a count that differs
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.conv1.bias = nn.Parameter(torch.zeros(self.conv1.out_channels))

    assert "parameters where it should have 230,144" in MODEL_PROBES["BasicBlock"](Biased)


def test_the_layer_table_fallback_is_pytorch_s_and_agrees_with_the_reference():
    for variant in ("paper", "one_gpu"):
        assert torch_layer_table(ALEXNET[variant], INPUT[variant]) == \
            layer_table(ALEXNET[variant], INPUT[variant])


# ----------------------------------------------------------------------------- the designs


@pytest.mark.parametrize("design", ["AlexNet", "VGG", "GoogLeNet", "ResNet"])
def test_every_design_is_scaled_to_the_budget_and_classifies_digits(design):
    build = {"AlexNet": alexnet_design, "VGG": lambda w: vgg_design(w, make_features),
             "GoogLeNet": lambda w: inception_design(w, Inception),
             "ResNet": lambda w: resnet_design(w, BasicBlock)}[design]
    width = scale_to_budget(build, BUDGET)
    torch.manual_seed(0)
    model = build(width)
    assert abs(sum(p.numel() for p in model.parameters()) - BUDGET) <= 0.1 * BUDGET
    assert model(torch.zeros(2, 3, 8, 8)).shape == (2, 10)


def test_the_densenet_design_meets_the_budget_with_notebook_09_s_layer():
    try:
        from solutions import DenseLayer, densenet_design
    except (ImportError, AttributeError):
        pytest.skip("notebook 09's reference (solutions.DenseLayer) does not exist yet")
    build = partial(densenet_design, DenseLayer=DenseLayer)
    width = scale_to_budget(build, BUDGET)
    model = build(width)
    assert abs(sum(p.numel() for p in model.parameters()) - BUDGET) <= 0.1 * BUDGET
    assert model(torch.zeros(2, 3, 8, 8)).shape == (2, 10)


def test_scale_to_budget_refuses_a_budget_it_cannot_meet():
    with pytest.raises(ValueError, match="within 10%"):
        scale_to_budget(lambda w: nn.Linear(10, 10), 5_000)


def test_bench_compare_prints_the_table():
    proc = subprocess.run([sys.executable, "bench/compare.py", "--designs", "AlexNet", "--epochs", "1",
                           "--seeds", "0"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "AlexNet" in proc.stdout and "mean ± half range" in proc.stdout


# ----------------------------------------------------------------------------- the notebook


def _markdown() -> str:
    cells = json.loads(SOURCE.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_the_facts_and_their_sources_are_stated():
    text = _markdown()
    for fact in ("Canziani", "torchvision", "GFLOPS", "MACs", "Weights.meta", "IMAGENET1K_V1",
                 "1 MAC = 2 FLOPs", "20,000 parameters", "±10%", "8 epochs", "seeds 0 and 1",
                 "DenseNet never entered ILSVRC", "CVPR 2017 best paper", "SENet", "EfficientNet",
                 "Vision transformers", "UvA", "0.28%"):
        assert fact.lower() in text.lower(), fact
    source = SOURCE.read_text()
    for number in ("56.522", "71.592", "69.778", "69.758", "76.130", "78.312", "74.434",
                   "0.714", "15.47", "1.498", "1.814", "4.089", "11.514", "2.834"):
        assert number in source, number


def test_notation_box_budget_and_student_stub():
    nb = json.loads(SOURCE.read_text())
    box = "".join(nb["cells"][1]["source"])
    assert box.startswith("**Notation.**") and "C_out" in box and "`F` in code" in box
    assert nb["metadata"]["cnn_course"]["runtime_budget_seconds"] == 180
    cells = json.loads(STUDENT.read_text())["cells"]
    stubs = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in cells
             if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    assert set(stubs) == {"count_macs", "free-response"}
    # the free-response answer is graded by hand: the student sees only the template, never
    # the model answer or the mark scheme that the source's solution region holds
    assert stubs["free-response"] == "YOUR ANSWER HERE"
    answer = next(c for c in nb["cells"]
                  if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "free-response")
    assert answer["cell_type"] == "markdown" and answer["metadata"]["nbgrader"]["points"] == 4
    assert "Mark scheme" in "".join(answer["source"])
    assert "Mark scheme" not in STUDENT.read_text() and "Model answer" not in STUDENT.read_text()
    src = stubs["count_macs"]
    assert "raise NotImplementedError" in src and "TODO:" in src and "EXAMPLE:" in src
    assert "register_forward_hook(hook)" not in src


def test_the_cell_that_loads_earlier_models_does_not_run_in_grading():
    cells = json.loads(SOURCE.read_text())["cells"]
    loading = [c for c in cells if "earlier(" in "".join(c["source"])]
    assert len(loading) == 1
    assert not {"grading", "export"} & set(loading[0]["metadata"].get("tags", []))
    assert '"09_densenet": ["DenseLayer", "densenet"]' in "".join(loading[0]["source"])
