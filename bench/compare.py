"""Reproduce notebook 10's equal-budget table: the five designs of the course at the same
parameter budget on the digits, trained with the same harness, schedule and seeds.

    python bench/compare.py [--budget 20000] [--epochs 8] [--seeds 0 1] [--designs AlexNet VGG ...]

Each design is the notebook's (solutions.alexnet_design, vgg_design, inception_design,
resnet_design, densenet_design), built from the reference blocks of notebooks 06 to 09
(make_features, Inception, BasicBlock, DenseLayer), scaled with solutions.scale_to_budget to the
budget (within 10%), and trained with solutions.train_design (coursekit.train.fit on one thread,
Adam at 3e-3 with cosine decay, batches of 64, random shifts of up to 1 pixel) on the
standardized 8x8 digits, once per seed. It prints one row per design: parameters, MACs per image
(solutions.count_macs), the mean wall time of one run, and the test accuracy of each seed with
their mean and half their range. DenseNet is left out, with a message, while notebook 09's
reference (solutions.DenseLayer) does not exist. Nothing is cached: every run trains.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import solutions  # noqa: E402

DESIGNS = {   # name -> (builder, the reference block it takes, or None)
    "AlexNet": ("alexnet_design", None),
    "VGG": ("vgg_design", "make_features"),
    "GoogLeNet": ("inception_design", "Inception"),
    "ResNet": ("resnet_design", "BasicBlock"),
    "DenseNet": ("densenet_design", "DenseLayer"),
}


def builder(name: str):
    """A function of the width alone, or None (with the reason) if its block is missing."""
    design, block = DESIGNS[name]
    build = getattr(solutions, design)
    if block is None:
        return build, ""
    try:
        part = getattr(solutions, block)
    except (AttributeError, ImportError) as exc:
        return None, f"solutions.{block} is not available ({type(exc).__name__}: {exc})"
    if isinstance(part, type(importlib)):   # a module of the same name: take its attribute
        part = getattr(part, block)
    return (lambda w: build(w, part)), ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=int, default=solutions.BUDGET)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(solutions.SEEDS))
    parser.add_argument("--designs", nargs="+", default=list(DESIGNS), choices=list(DESIGNS))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    data = solutions.comparison_digits()
    print(f"budget {args.budget:,} parameters (within 10%), {args.epochs} epochs, seeds "
          f"{args.seeds}, one thread\n")
    print(f"{'design':9s} {'parameters':>10s} {'MACs/image':>11s} {'s/run':>6s}  "
          f"{'test accuracy per seed':>24s}  {'mean ± half range':>17s}")
    for name in args.designs:
        build, why = builder(name)
        if build is None:
            print(f"{name:9s} left out: {why}")
            continue
        width = solutions.scale_to_budget(build, args.budget)
        accs, seconds = [], []
        for seed in args.seeds:
            torch.manual_seed(seed)
            model = build(width)
            start = time.perf_counter()
            history = solutions.train_design(model, data, seed=seed, epochs=args.epochs)
            seconds.append(time.perf_counter() - start)
            accs.append(100 * history.test_acc[-1])
        params = sum(p.numel() for p in model.parameters())
        macs = solutions.count_macs(model, (3, 8, 8))
        acc = np.array(accs)
        print(f"{name:9s} {params:10,} {macs:11,} {np.mean(seconds):6.1f}  "
              f"{', '.join(f'{a:.2f}%' for a in acc):>24s}  "
              f"{acc.mean():8.2f}% ± {(acc.max() - acc.min()) / 2:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
