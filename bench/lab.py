"""How many learners one machine serves: K kernels, side by side, each running notebook 04's
training cell (the numpy CNN trained on the digits), as K learners of a lab would.

For every K (default 1, 2, 4) it starts K ipykernel kernels from the course's .venv (the
kernels of the JupyterHub's single-user servers), runs in each the code cells of
source/04_classification_head before the training cell (imports, the learner's functions,
data), then the training cell in all K at once, and prints per learner the training cell's wall
time and the kernel's memory (peak and final RSS from /proc), with the wall time against K = 1.

    .venv/bin/python bench/lab.py              # K = 1, 2, 4
    .venv/bin/python bench/lab.py --k 1 2 4 8

The machine's load average is printed at the start and the end: other work on the machine
slows every K alike and makes the ratios pessimistic.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "source" / "04_classification_head" / "04_classification_head.ipynb"
MARK = "history = train_numpy(model"   # the training cell: the numpy CNN on the digits


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def cells() -> tuple[list[str], str]:
    """The code cells before the training cell, and the training cell."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    index = next((i for i, src in enumerate(code) if MARK in src), None)
    if index is None:
        sys.exit(f"bench/lab.py: no cell of {NOTEBOOK.relative_to(ROOT)} contains {MARK!r}")
    return code[:index], code[index]


def rss_mb(pid: int) -> tuple[float, float]:
    """(peak, current) resident memory of process ``pid`` in MB, from /proc/<pid>/status."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmHWM"], fields["VmRSS"]


class Learner:
    """One kernel with the notebook's cells before the training cell run."""

    def __init__(self, setup: list[str]):
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONWARNINGS="ignore")
        self.km = KernelManager(kernel_name="python3")
        # stderr: ipykernel's warnings (TCP without encryption) would interleave with the table
        self.km.start_kernel(cwd=str(NOTEBOOK.parent), env=env, stderr=subprocess.DEVNULL)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)
        for src in setup:
            self.run(src)
        self.seconds = 0.0

    def run(self, src: str) -> None:
        reply = self.kc.execute_interactive(src, timeout=900, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            content = reply["content"]
            raise RuntimeError(f"a cell failed: {content.get('ename')}: {content.get('evalue')}\n"
                               f"{src[:300]}")

    def train(self, src: str) -> None:
        start = time.perf_counter()
        self.run(src)
        self.seconds = time.perf_counter() - start

    def memory(self) -> tuple[float, float]:
        return rss_mb(self.km.provisioner.process.pid)

    def stop(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def round_of(k: int, setup: list[str], training: str) -> tuple[list[float], list[tuple]]:
    """K learners train at once; returns their training times and memory (peak, final MB)."""
    learners: list[Learner] = []
    starters = [threading.Thread(target=lambda: learners.append(Learner(setup)))
                for _ in range(k)]
    try:
        for t in starters:
            t.start()
        for t in starters:
            t.join()
        if len(learners) != k:
            sys.exit("bench/lab.py: a kernel failed to start or to run the notebook's cells")
        runs = [threading.Thread(target=learner.train, args=(training,)) for learner in learners]
        for t in runs:
            t.start()
        for t in runs:
            t.join()
        return [x.seconds for x in learners], [x.memory() for x in learners]
    finally:
        for learner in learners:
            learner.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--k", type=int, nargs="+", default=[1, 2, 4],
                        help="numbers of learners side by side (default: 1 2 4)")
    args = parser.parse_args()
    if 1 not in args.k:
        args.k = [1, *args.k]
    setup, training = cells()
    print(f"notebook 04's training cell ({MARK}...), K kernels side by side")
    print(f"start: {load()}")
    base = None
    print(f"{'K':>3} {'training s (mean, max)':>24} {'vs K=1':>8} {'peak RSS MB/learner':>20} "
          f"{'final RSS MB/learner':>21}")
    for k in sorted(set(args.k)):
        seconds, memory = round_of(k, setup, training)
        mean = statistics.mean(seconds)
        base = base or mean
        peak = statistics.mean(m[0] for m in memory)
        final = statistics.mean(m[1] for m in memory)
        print(f"{k:>3} {mean:>15.1f}, {max(seconds):>6.1f} {mean / base:>7.2f}x "
              f"{peak:>20.0f} {final:>21.0f}", flush=True)
    print(f"end:   {load()}")


if __name__ == "__main__":
    main()
