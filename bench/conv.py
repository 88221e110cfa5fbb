"""Benchmark the course's im2col convolution against PyTorch on the CPU, in one run.

    python bench/conv.py [--reps 5]

For each layer and dtype it prints the best-of-reps forward time of solutions.conv2d_fast and of
torch.nn.functional.conv2d, and their ratio (ours / torch; lower is better). Target: within 3x
of PyTorch in float32 on every layer. Both use this machine's cores (numpy through its BLAS,
PyTorch through its own thread pool, set to the same number of threads).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from solutions import conv2d_fast

LAYERS = [
    # (name, x shape, w shape, stride, padding)
    ("3x3, 64->64 on 32x32, pad 1", (32, 64, 32, 32), (64, 64, 3, 3), 1, 1),
    ("7x7 stride 2 stem on 224x224, pad 3", (8, 3, 224, 224), (64, 3, 7, 7), 2, 3),
    ("3x3, 256->256 on 14x14, pad 1", (16, 256, 14, 14), (256, 256, 3, 3), 1, 1),
]


def best_time(fn, reps: int) -> float:
    fn()  # warm up
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure(xs, ws, stride, padding, dtype, reps: int) -> tuple[float, float, float]:
    """(ours seconds, torch seconds, max abs difference) for one layer."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    ours = best_time(lambda: conv2d_fast(x, w, stride=stride, padding=padding), reps)
    theirs = best_time(lambda: F.conv2d(tx, tw, stride=stride, padding=padding), reps)
    diff = np.abs(conv2d_fast(x, w, stride=stride, padding=padding)
                  - F.conv2d(tx, tw, stride=stride, padding=padding).numpy()).max()
    return ours, theirs, float(diff)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    print(f"torch {torch.__version__}, numpy {np.__version__}, {os.cpu_count()} cores, "
          f"best of {args.reps}")
    print(f"{'layer':38s} {'dtype':8s} {'conv2d_fast':>12s} {'torch':>10s} {'ratio':>7s}  max|diff|")
    worst32 = 0.0
    for dtype in (np.float32, np.float64):
        for name, xs, ws, stride, padding in LAYERS:
            ours, theirs, diff = measure(xs, ws, stride, padding, dtype, args.reps)
            ratio = ours / theirs
            if dtype == np.float32:
                worst32 = max(worst32, ratio)
            print(f"{name:38s} {np.dtype(dtype).name:8s} {1e3 * ours:9.1f} ms {1e3 * theirs:7.1f} ms "
                  f"{ratio:6.2f}x  {diff:.1e}")
    verdict = "meets" if worst32 <= 3 else "misses"
    print(f"worst float32 ratio: {worst32:.2f}x ({verdict} the 3x target)")


if __name__ == "__main__":
    main()
