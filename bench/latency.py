"""How long a learner waits for `check`, against running the same notebook, in one run.

    .venv/bin/python bench/latency.py [--repeat 3] [--notebooks 01_convolution 04_classification_head]

For each solved source notebook, measured in fresh processes, as a learner runs them:
  execute   running the notebook top to bottom with nbclient (`jupyter nbconvert --execute`)
  check     `python -m autograder check NOTEBOOK` (every exercise)
  one       `python -m autograder check NOTEBOOK --exercise <its first exercise>`
Each is the best of --repeat runs (the machine's other load only ever adds time). Printed
ratios, lower is better, with the targets of issue 15:
  check / execute   <= 0.30
  one / execute     <= 0.15
The baseline, executing the notebook, is what a learner pays without `check`: the notebook's
own test cells run only with the whole notebook.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"check": 0.30, "one": 0.15}


def best_of(cmd: list[str], repeat: int) -> float:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return min(times)


def first_exercise(notebook: Path) -> str:
    from autograder.verdict import trusted

    return trusted.course_plan(notebook).answers[0].exercise


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--notebooks", nargs="*",
                        default=sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir()))
    args = parser.parse_args(argv)
    py = sys.executable
    print(f"bench/latency.py: best of {args.repeat}; {load()}")
    print(f"{'notebook':26s} {'execute':>8s} {'check':>8s} {'one':>8s} "
          f"{'check/execute':>14s} {'one/execute':>12s}  first exercise")
    worst = {"check": 0.0, "one": 0.0}
    for name in args.notebooks:
        nb = ROOT / "source" / name / f"{name}.ipynb"
        with tempfile.TemporaryDirectory() as tmp:
            execute = best_of([py, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                               "--output-dir", tmp, "--output", "executed", str(nb)], args.repeat)
        check = best_of([py, "-m", "autograder", "check", str(nb), "--json"], args.repeat)
        exercise = first_exercise(nb)
        one = best_of([py, "-m", "autograder", "check", str(nb), "--json", "--exercise",
                       exercise], args.repeat)
        ratios = {"check": check / execute, "one": one / execute}
        for key in worst:
            worst[key] = max(worst[key], ratios[key])
        print(f"{name:26s} {execute:7.1f}s {check:7.1f}s {one:7.1f}s "
              f"{ratios['check']:14.2f} {ratios['one']:12.2f}  {exercise}")
    print(json.dumps({"worst_ratio": {k: round(v, 3) for k, v in worst.items()},
                      "target": TARGETS,
                      "met": {k: worst[k] <= TARGETS[k] for k in TARGETS}}))
    print(load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
