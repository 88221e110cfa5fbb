"""Benchmark grading on Dask workers against grading on this machine, on one batch.

    python bench/scale.py [--n 200] [--assignment 01_convolution]

Grades N synthetic submissions of one notebook (correct, wrong, blank and attacks, mixed in a
fixed order) twice, each in a fresh temporary course folder and gradebook:
  1. `grade --scheduler` on a LocalCluster of 2 worker processes (one thread each) started here;
  2. `grade --jobs 2` (a forked process per submission, the local path).
Prints the submissions graded per minute for each, and the ratio Dask / local (target >= 0.9:
the coordinator, which records every result, must cost nothing). The cluster's start-up is
timed apart; the first task of each worker builds its private course template, and is counted.
Both runs must give every student the same score and status; the bench fails otherwise. The
machine's load average is printed at the start and the end: other work on the cores only adds
time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STUB = "def corr2d(X, K):\n    raise NotImplementedError\n"
FLIPPED = ("import numpy as np\n\ndef corr2d(X, K):\n    K = np.asarray(K)[::-1, ::-1]\n"
           "    h, w = K.shape\n    X = np.asarray(X, dtype=float)\n"
           "    out = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))\n"
           "    for i in range(out.shape[0]):\n        for j in range(out.shape[1]):\n"
           "            out[i, j] = (X[i:i + h, j:j + w] * K).sum()\n    return out\n")
# answer-cell code replacing corr2d in a solved notebook: attacks that end quickly (the ones
# that spend the sandbox's time limits would measure the limits, not the grader)
ATTACKS = {
    "poison_checks": ("import sys, types\nimport numpy as np\n"
                      "fake = types.ModuleType('autograder.checks')\n"
                      "fake.grade = lambda name, fn, points: points\n"
                      "sys.modules['autograder.checks'] = fake\n"
                      "def corr2d(X, K):\n    return np.zeros((1, 1))\n"),
    "patch_numpy": "import numpy as np\nnp.allclose = lambda *a, **k: True\n" + STUB,
    "import_solutions": ("try:\n    from solutions import corr2d\nexcept ImportError:\n"
                         "    def corr2d(X, K):\n        raise NotImplementedError\n"),
    "os_exit": "import os\nos._exit(1)\n" + STUB,
}
KINDS = ["correct", "wrong", "blank", *ATTACKS]


def fresh_course(folder: Path, snapshot: Path) -> Path:
    """A course folder copied from ``snapshot`` (one copy of the repository's ``source/``, so
    that every run, and the workers, grade the same course version)."""
    shutil.copytree(snapshot, folder)
    return folder


def snapshot_course(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copytree(ROOT / "source", folder / "source",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    return folder


def notebook(assignment: str, kind: str) -> str:
    """The notebook of one kind: solved, blank, or solved with corr2d replaced."""
    folder = "notebooks" if kind == "blank" else "source"
    nb = json.loads((ROOT / folder / assignment / f"{assignment}.ipynb").read_text())
    code = FLIPPED if kind == "wrong" else ATTACKS.get(kind)
    if code is not None:
        for cell in nb["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "corr2d":
                cell["source"] = code
    return json.dumps(nb)


def make_submissions(folder: Path, n: int, assignment: str) -> Path:
    texts = {kind: notebook(assignment, kind) for kind in KINDS}
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        dest = folder / f"{kind}{i:03d}" / assignment
        dest.mkdir(parents=True)
        (dest / f"{assignment}.ipynb").write_text(texts[kind])
    return folder


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def grade(course: Path, subs: Path, *extra: str) -> tuple[float, dict[str, tuple[str, str]]]:
    """Seconds to grade ``subs`` into ``course``, and each student's (score, status)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    out = course / "grades.csv"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "autograder", "--root", str(course), "grade",
                           str(subs), "-q", "--csv", str(out), *extra], env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"grade {' '.join(extra)} failed:\n{proc.stderr[-2000:]}")
    with out.open() as fh:
        rows = {r["student"]: (r["score"], r["status"]) for r in csv.DictReader(fh)}
    return seconds, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="submissions (default 200)")
    parser.add_argument("--assignment", default="01_convolution")
    args = parser.parse_args()

    from distributed import LocalCluster

    from autograder.batch.distributed import COURSE_ENV

    print(f"start: {load()}")
    print(f"{args.n} submissions of {args.assignment}: "
          + ", ".join(f"{k} {len(range(i, args.n, len(KINDS)))}" for i, k in enumerate(KINDS)))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subs = make_submissions(tmp / "subs", args.n, args.assignment)
        snapshot = snapshot_course(tmp / "snapshot")
        worker_course = fresh_course(tmp / "worker", snapshot)
        start = time.perf_counter()
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None, env={COURSE_ENV: str(worker_course)})
        print(f"LocalCluster of 2 workers started in {time.perf_counter() - start:.1f} s")
        try:
            dask_s, dask_rows = grade(fresh_course(tmp / "dask", snapshot), subs, "--scheduler",
                                      cluster.scheduler_address)
        finally:
            cluster.close()
        local_s, local_rows = grade(fresh_course(tmp / "local", snapshot), subs, "--jobs", "2")
    if dask_rows != local_rows:
        diff = {s: (dask_rows.get(s), local_rows.get(s))
                for s in set(dask_rows) | set(local_rows) if dask_rows.get(s) != local_rows.get(s)}
        raise SystemExit(f"the two runs disagree (dask, local): {diff}")
    dask_rate, local_rate = 60 * args.n / dask_s, 60 * args.n / local_s
    print(f"Dask, 2 workers:  {dask_s:7.1f} s  {dask_rate:6.2f} submissions/min")
    print(f"local, --jobs 2:  {local_s:7.1f} s  {local_rate:6.2f} submissions/min")
    print(f"ratio Dask / local: {dask_rate / local_rate:.2f} (target >= 0.9); "
          f"both runs gave the same {len(dask_rows)} rows")
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
