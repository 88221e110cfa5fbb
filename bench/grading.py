"""Benchmark the grader against its baselines, in one run on this machine.

    python bench/grading.py [--n 20]

Prints three ratios (lower is better):
  1. grading one submission with `python -m autograder grade --no-sandbox` (plain nbgrader in a
     kernel), divided by running the same notebook alone with nbclient (each a fresh process, as
     an instructor would run them);
  2. grading N submissions with --jobs 2, divided by grading the same N with --jobs 1;
  3. what the sandbox costs: grading one submission with the sandbox (the default: nbgrader's
     kernel in bwrap, then every exercise in a fresh sandbox), divided by --no-sandbox.
Targets on a 2-core machine: ratio 1 <= 1.5, ratio 2 <= 0.65, ratio 3 <= 1.5.
Each grading run uses a fresh temporary course folder and gradebook.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "01_convolution"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"


def fresh_course(tmp: Path) -> Path:
    course = tmp / "course"
    shutil.copytree(ROOT / "source", course / "source")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    return course


def make_submissions(tmp: Path, n: int) -> Path:
    """n students: alternately the solved source notebook and the blank student notebook."""
    subs = tmp / "subs"
    for i in range(n):
        src = ROOT / ("source" if i % 2 == 0 else "notebooks") / ASSIGNMENT / NOTEBOOK
        dest = subs / f"student{i:02d}" / ASSIGNMENT
        dest.mkdir(parents=True)
        shutil.copy(src, dest / NOTEBOOK)
    return subs


def timed(cmd: list[str], cwd: Path) -> float:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def grade_time(subs: Path, jobs: int, *extra: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        course = fresh_course(Path(tmp))
        return timed([sys.executable, "-m", "autograder", "--root", str(course), "grade",
                      str(subs), "--jobs", str(jobs), "-q", "--csv", str(Path(tmp) / "g.csv"),
                      *extra], cwd=Path(tmp))


def nbclient_time(notebook: Path) -> float:
    code = ("import sys, nbformat, nbclient; nb = nbformat.read(sys.argv[1], as_version=4); "
            "nbclient.NotebookClient(nb, allow_errors=True, timeout=600).execute()")
    return timed([sys.executable, "-c", code, str(notebook)], cwd=notebook.parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="submissions for ratio 2 (default 20)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        one = make_submissions(tmp / "one", 1)
        many = make_submissions(tmp / "many", args.n)
        nbclient_time(one / "student00" / ASSIGNMENT / NOTEBOOK)  # warm the OS caches
        base = nbclient_time(one / "student00" / ASSIGNMENT / NOTEBOOK)
        single = grade_time(one, 1, "--no-sandbox")
        boxed = grade_time(one, 1)
        print(f"nbclient alone, 1 notebook:          {base:7.2f} s")
        print(f"autograder grade --no-sandbox, 1 submission: {single:7.2f} s")
        print(f"ratio 1 (grade / nbclient):          {single / base:7.2f}   target <= 1.5")
        print(f"autograder grade (sandbox), 1 submission:    {boxed:7.2f} s")
        print(f"ratio 3 (sandbox / no sandbox):      {boxed / single:7.2f}   target <= 1.5")
        serial = grade_time(many, jobs=1)
        parallel = grade_time(many, jobs=2)
        print(f"autograder grade, {args.n} submissions, --jobs 1: {serial:7.2f} s")
        print(f"autograder grade, {args.n} submissions, --jobs 2: {parallel:7.2f} s")
        print(f"ratio 2 (jobs 2 / jobs 1):           {parallel / serial:7.2f}   target <= 0.65")


if __name__ == "__main__":
    main()
