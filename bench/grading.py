"""Benchmark the grader against its baselines, in one run on this machine.

    python bench/grading.py [--n 20] [--assignments 01_convolution 04_classification_head]

Prints three ratios (lower is better):
  1. grading one submission with `python -m autograder grade --no-sandbox` (plain nbgrader in a
     kernel), divided by running the same notebook alone with nbclient (each a fresh process, as
     an instructor would run them);
  2. grading N submissions with --jobs 2, divided by grading the same N with --jobs 1;
  3. what the sandbox costs: grading one submission with the sandbox (the default: nbgrader's
     kernel in bwrap, then every exercise in a fresh sandbox), divided by --no-sandbox.
Ratios 1 and 3 are measured on every notebook (--assignments), ratio 2 on the first one.
Targets on a 2-core machine: ratio 1 <= 1.5, ratio 2 <= 0.65, ratio 3 <= 1.3.
Each grading run uses a fresh temporary course folder and gradebook. The machine's load
average is printed at the start and the end: other work on the cores only adds time.
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


def fresh_course(tmp: Path) -> Path:
    course = tmp / "course"
    shutil.copytree(ROOT / "source", course / "source")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    return course


def make_submissions(tmp: Path, n: int, assignment: str) -> Path:
    """n students: alternately the solved source notebook and the blank student notebook."""
    subs = tmp / "subs"
    for i in range(n):
        src = ROOT / ("source" if i % 2 == 0 else "notebooks") / assignment / f"{assignment}.ipynb"
        dest = subs / f"student{i:02d}" / assignment
        dest.mkdir(parents=True)
        shutil.copy(src, dest / f"{assignment}.ipynb")
    return subs


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


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
    parser.add_argument("--assignments", nargs="*", default=sorted(
        p.name for p in (ROOT / "source").iterdir() if p.is_dir()))
    args = parser.parse_args()
    print(f"bench/grading.py: {load()}")
    worst3 = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for assignment in args.assignments:
            one = make_submissions(tmp / assignment / "one", 1, assignment)
            notebook = one / "student00" / assignment / f"{assignment}.ipynb"
            nbclient_time(notebook)  # warm the OS caches
            base = nbclient_time(notebook)
            single = grade_time(one, 1, "--no-sandbox")
            boxed = grade_time(one, 1)
            worst3 = max(worst3, boxed / single)
            print(f"{assignment}: nbclient {base:6.1f} s, grade --no-sandbox {single:6.1f} s, "
                  f"grade (sandbox) {boxed:6.1f} s; ratio 1 {single / base:5.2f} (<= 1.5), "
                  f"ratio 3 {boxed / single:5.2f} (<= 1.3)", flush=True)
        first = args.assignments[0]
        many = make_submissions(tmp / "many", args.n, first)
        serial = grade_time(many, jobs=1)
        parallel = grade_time(many, jobs=2)
        print(f"{first}, {args.n} submissions: --jobs 1 {serial:6.1f} s, --jobs 2 "
              f"{parallel:6.1f} s; ratio 2 {parallel / serial:5.2f} (<= 0.65)")
        print(f"worst ratio 3: {worst3:.2f} ({'meets' if worst3 <= 1.3 else 'misses'} 1.3); "
              f"ratio 2: {parallel / serial:.2f} "
              f"({'meets' if parallel / serial <= 0.65 else 'misses'} 0.65)")
    print(f"bench/grading.py: {load()}")


if __name__ == "__main__":
    main()
