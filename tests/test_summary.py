"""coursekit.summary: the layer table (output shapes, parameters, MACs) against hand counts and
the reference parameter counts of COURSE.md, on the meta device for full-size networks."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from coursekit.summary import Row, layer_macs, summary


def alexnet(variant: str = "paper", num_classes: int = 1000) -> nn.Sequential:
    """The paper's two-GPU AlexNet (grouped CONV2, CONV4, CONV5, LRN) or torchvision's
    one-GPU variant (64-192-384-256-256, no LRN), for 227x227 (paper) or 224x224 input."""
    paper = variant == "paper"
    c = (96, 256, 384, 384, 256) if paper else (64, 192, 384, 256, 256)
    g = 2 if paper else 1
    norm = [nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)] if paper else []
    features = nn.Sequential(
        nn.Conv2d(3, c[0], 11, stride=4, padding=0 if paper else 2), nn.ReLU(),
        nn.MaxPool2d(3, 2), *norm,
        nn.Conv2d(c[0], c[1], 5, padding=2, groups=g), nn.ReLU(), nn.MaxPool2d(3, 2), *norm,
        nn.Conv2d(c[1], c[2], 3, padding=1), nn.ReLU(),
        nn.Conv2d(c[2], c[3], 3, padding=1, groups=g), nn.ReLU(),
        nn.Conv2d(c[3], c[4], 3, padding=1, groups=g), nn.ReLU(), nn.MaxPool2d(3, 2))
    classifier = nn.Sequential(nn.Dropout(), nn.Linear(c[4] * 36, 4096), nn.ReLU(),
                               nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(),
                               nn.Linear(4096, num_classes))
    return nn.Sequential(features, nn.Flatten(), classifier)


VGG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def vgg16() -> nn.Sequential:
    layers, c_in = [], 3
    for v in VGG16:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c_in, v, 3, padding=1), nn.ReLU()]
            c_in = v
    return nn.Sequential(nn.Sequential(*layers), nn.AdaptiveAvgPool2d(7), nn.Flatten(),
                         nn.Linear(512 * 49, 4096), nn.ReLU(), nn.Dropout(),
                         nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, 1000))


def test_alexnet_conv1_by_hand():
    rows = summary(nn.Conv2d(3, 96, 11, stride=4), (3, 227, 227), show=False)
    assert rows == [Row("(model)", "Conv2d", (1, 96, 55, 55), 96 * (11 * 11 * 3 + 1),
                        96 * 55 * 55 * 3 * 11 * 11)]
    assert rows[0].params == 34_944 and rows[0].macs == 105_415_200


def test_paper_alexnet_on_the_meta_device(capsys):
    with torch.device("meta"):
        model = alexnet("paper")
    rows = summary(model, (1, 3, 227, 227))
    assert sum(r.params for r in rows) == 60_965_224
    convs = [r for r in rows if r.kind == "Conv2d"]
    assert [r.out_shape for r in convs] == [(1, 96, 55, 55), (1, 256, 27, 27), (1, 384, 13, 13),
                                            (1, 384, 13, 13), (1, 256, 13, 13)]
    # grouped CONV2: 256 filters of 5x5x48 (groups=2 halves C_in) at 27x27
    assert convs[1].params == 256 * (5 * 5 * 48 + 1) and convs[1].macs == 256 * 27 * 27 * 48 * 25
    conv_params = sum(r.params for r in convs)
    assert conv_params == 2_334_080  # about 4% of the parameters ...
    conv_macs = sum(r.macs for r in convs)
    assert conv_macs > 0.9 * sum(r.macs for r in rows)  # ... but most of the computation
    fcs = [r for r in rows if r.kind == "Linear"]
    assert [r.macs for r in fcs] == [9216 * 4096, 4096 * 4096, 4096 * 1000]
    assert all(r.macs == 0 for r in rows if r.kind in ("ReLU", "MaxPool2d", "LocalResponseNorm",
                                                         "Dropout", "Flatten"))
    assert all(p.is_meta for p in model.parameters())  # counted, never allocated
    printed = capsys.readouterr().out
    assert "105,415,200" in printed and "60,965,224" in printed
    assert printed.splitlines()[0].split() == ["layer", "type", "output", "shape", "params", "MACs"]


@pytest.mark.parametrize("build, shape, total", [
    (lambda: alexnet("one_gpu"), (3, 224, 224), 61_100_840),
    (vgg16, (3, 224, 224), 138_357_544),
], ids=["alexnet one GPU", "vgg16"])
def test_full_size_counts_match_the_reference_table(build, shape, total):
    with torch.device("meta"):
        model = build()
    rows = summary(model, shape, show=False)
    assert sum(r.params for r in rows) == total
    assert rows[-1].out_shape == (1, 1000)


def test_a_module_called_twice_has_two_rows_and_counts_once():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 4, 3, padding=1, bias=False)
            self.scale = nn.Parameter(torch.ones(1))  # owned by a non-leaf module

        def forward(self, x):
            return self.conv(self.conv(x)) * self.scale

    rows = summary(Twice(), (2, 4, 6, 5), show=False)
    assert [r.name for r in rows] == ["conv", "conv"]
    assert [r.params for r in rows] == [144, 0]
    assert [r.macs for r in rows] == [4 * 6 * 5 * 4 * 9] * 2  # per image: the batch of 2 aside
    assert layer_macs(nn.Linear(5, 3), (2, 7, 3)) == 5 * 3 * 7  # per position of extra axes


def test_bad_input_is_a_value_error_naming_the_shape_and_the_layer():
    with pytest.raises(ValueError, match="positive sizes"):
        summary(nn.Conv2d(3, 8, 3), (3, 0, 8), show=False)
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.Linear(10, 2))
    with pytest.raises(ValueError, match=r"\(1, 3, 8, 8\) failed after layer 1"):
        summary(model, (3, 8, 8), show=False)
    with pytest.raises(ValueError, match="torch.nn.Module"):
        summary(lambda x: x, (3, 8, 8))


def test_summary_leaves_the_model_as_it_was():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Dropout())
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    summary(model, (1, 5, 5), show=False)
    assert model.training and all(m.training for m in model.modules())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_the_training_mode_probe_leaves_batch_norm_statistics_alone():
    # the training-mode pass must not move the running statistics that the definition-order
    # pass (and any later eval-mode pass) computes with
    from coursekit.summary import model_probe

    def build() -> nn.Sequential:
        return nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(),
                             nn.Flatten(), nn.Linear(3 * 16, 4))

    plain = model_probe(build, (), {}, (2, 2, 4, 4), seed=5, training=False)
    trained = model_probe(build, (), {}, (2, 2, 4, 4), seed=5, training=True)
    assert "output_train" in trained and not torch.allclose(
        torch.from_numpy(trained["output_train"]), torch.from_numpy(trained["output"]))
    for key in ("output", "output_by_definition"):
        assert torch.equal(torch.from_numpy(plain[key]), torch.from_numpy(trained[key])), key
