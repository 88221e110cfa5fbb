"""Benchmark training notebook 04's CNN on the digits, in numpy and in PyTorch, in one run.

    python bench/training.py [--quick]

Trains NumpyCNN(conv2d_fast, max_pool2d, seed=0) with train_numpy's defaults (20 epochs) and
TorchCNN with train_torch's defaults (40 epochs), both on coursekit.data.digits() (1,437
training and 360 test images, 8x8), PyTorch on 1 thread, as in the notebook (batches of 32
8x8 images gain little from a second thread, and with another process on the second core two
threads ran 20x slower: 137 s instead of 7 s). For each model it prints the
final test accuracy and the wall time of the whole train_* call (per-epoch evaluation included),
each against its target as a ratio: accuracy / target (>= 1 meets it) and time / budget
(<= 1 meets it). Targets: numpy >= 95% test accuracy within 90 s; PyTorch >= 98% within 60 s.
Exits with status 1 if any target is missed.

--quick trains 1 epoch each, a smoke test that the script runs: the figures are printed, but the
targets are not enforced (one epoch is not expected to reach them).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch

from coursekit.data import digits
from solutions import NumpyCNN, TorchCNN, conv2d_fast, max_pool2d, train_numpy, train_torch

TORCH_THREADS = 1  # the notebook's setting
TARGETS = {  # model: (minimum test accuracy, time budget in seconds)
    "numpy": (0.95, 90.0),
    "PyTorch": (0.98, 60.0),
}


def run_numpy(data, epochs: int | None) -> tuple[float, float, int]:
    """(final test accuracy, wall seconds, epochs) for the numpy CNN."""
    model = NumpyCNN(conv2d_fast, max_pool2d, seed=0)
    kwargs = {"progress": False} if epochs is None else {"progress": False, "epochs": epochs}
    start = time.perf_counter()
    history = train_numpy(model, *data, **kwargs)
    return history["test_acc"][-1], time.perf_counter() - start, len(history["test_acc"])


def run_torch(data, epochs: int | None) -> tuple[float, float, int]:
    """(final test accuracy, wall seconds, epochs) for the PyTorch CNN."""
    torch.manual_seed(0)  # the initial weights; train_torch seeds the rest
    model = TorchCNN()
    kwargs = {"progress": False} if epochs is None else {"progress": False, "epochs": epochs}
    start = time.perf_counter()
    history = train_torch(model, *data, **kwargs)
    return history["test_acc"][-1], time.perf_counter() - start, len(history["test_acc"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="1 epoch per model, targets not enforced (a smoke test)")
    args = parser.parse_args()
    torch.set_num_threads(TORCH_THREADS)
    data = digits()
    epochs = 1 if args.quick else None
    print(f"torch {torch.__version__}, numpy {np.__version__}, {os.cpu_count()} cores, "
          f"torch threads {torch.get_num_threads()}, digits: {len(data[0])} train / "
          f"{len(data[2])} test" + (", --quick: 1 epoch each" if args.quick else ""))
    print(f"{'model':8s} {'epochs':>6s} {'test acc':>9s} {'target':>7s} {'acc/target':>11s} "
          f"{'time':>8s} {'budget':>7s} {'time/budget':>12s}  verdict")
    missed = []
    for name, run in (("numpy", run_numpy), ("PyTorch", run_torch)):
        acc, seconds, n_epochs = run(data, epochs)
        target, budget = TARGETS[name]
        ok = acc >= target and seconds <= budget
        if not ok:
            missed.append(name)
        print(f"{name:8s} {n_epochs:6d} {100 * acc:8.2f}% {100 * target:6.0f}% "
              f"{acc / target:11.3f} {seconds:7.1f}s {budget:6.0f}s {seconds / budget:12.3f}  "
              f"{'meets' if ok else 'misses'}")
    if args.quick:
        print("--quick: targets not enforced")
    elif missed:
        print(f"target missed: {', '.join(missed)}")
        sys.exit(1)
    else:
        print("all targets met")


if __name__ == "__main__":
    main()
