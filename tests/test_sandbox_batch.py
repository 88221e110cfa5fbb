"""The sandbox's reliability figures, end to end through `python -m autograder grade`:

- a batch of 30 submissions (correct, wrong, and one or more from every attack class) graded
  with --jobs 2: no correct submission loses a point, no attack gains one, every submission gets
  a row, and the attacks that fool the in-kernel verdict are flagged;
- the grader killed in the middle of a batch, then rerun: the gradebook is intact, nothing is
  graded twice, and the rerun completes.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from planted import FLIPPED_CORR2D, STUB_CORR2D

from autograder.checks import grade
from autograder.verdict import sandbox

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sandbox.bwrap_path() is None, reason="bwrap is not installed")]

ROOT = Path(__file__).resolve().parent.parent
A = "01_convolution"
SOURCE = ROOT / "source" / A / f"{A}.ipynb"
STUDENT = ROOT / "notebooks" / A / f"{A}.ipynb"
FULL = 12.0
WITHOUT_CORR2D = FULL - 3.0

STUB = STUB_CORR2D
FLIPPED = FLIPPED_CORR2D


def _harm(body: str) -> str:
    return "import numpy as np\n\ndef corr2d(X, K):\n" + "\n".join(
        "    " + line for line in body.strip().splitlines()) + "\n    return None\n"


# answer-cell code replacing corr2d in a solved notebook: an honest grade is 12 - 3 = 9
ATTACKS = {
    "poison_checks": ("import sys, types\nimport numpy as np\nfake = types.ModuleType('autograder.checks')\n"
                      "fake.grade = lambda name, fn, points: points\n"
                      "sys.modules['autograder.checks'] = fake\n"
                      "def corr2d(X, K):\n    return np.zeros((1, 1))\n"),
    "patch_numpy": ("import numpy as np, builtins\nnp.allclose = lambda *a, **k: True\n"
                    "np.max = lambda *a, **k: 0.0\n" + STUB),
    "import_solutions": "try:\n    from solutions import corr2d\nexcept ImportError:\n    pass\n"
                        "if 'corr2d' not in globals():\n    def corr2d(X, K):\n"
                        "        raise NotImplementedError\n",
    "env_detect": ("import os\nif any('NBGRADER' in k for k in os.environ):\n"
                   "    from solutions import corr2d\nelse:\n    def corr2d(X, K):\n"
                   "        raise NotImplementedError\n"),
    "infinite_loop": _harm("while True:\n    pass"),
    "memory_bomb": _harm("blocks = []\nwhile True:\n    blocks.append(np.ones(10**8))"),
    "os_exit": "import os\nos._exit(1)\n" + STUB,
    "fork_bomb": _harm("import os\nwhile True:\n    try:\n        os.fork()\n"
                       "    except OSError:\n        pass"),
    "write_outside": _harm("import glob, os\nfor p in glob.glob('/**/gradebook.db', recursive=True) "
                           "+ glob.glob('/**/submitted/*/*/*.ipynb', recursive=True):\n"
                           "    try:\n        os.remove(p)\n    except OSError:\n        pass"),
    "network": _harm("import socket\nsocket.create_connection(('pypi.org', 443), timeout=3)"),
}


def _nb(base: Path, corr2d: str | None = None, edit=None) -> dict:
    nb = nbformat.read(base, as_version=4)
    for cell in nb.cells:
        if corr2d is not None and cell.metadata.get("nbgrader", {}).get("grade_id") == "corr2d":
            cell.source = corr2d
    if edit:
        edit(nb)
    return nb


def _tamper_tests(nb):
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            meta["points"] = 100
            cell.source = "100"


def _rename_ids(nb):
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            meta["grade_id"] = "corr2d"
            cell["id"] = "corr2d"


def _write(folder: Path, student: str, nb) -> None:
    target = folder / student / A
    target.mkdir(parents=True)
    (target / f"{A}.ipynb").write_text(json.dumps(nb))


def _course(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    shutil.copytree(ROOT / "source", course / "source")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    return course


def _grade(course: Path, subs: Path, *extra: str, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run([sys.executable, "-m", "autograder", "--root", str(course), "grade",
                           str(subs), "-q", "--timeout", "15", *extra], capture_output=True,
                          text=True, env=env, **kw)


def _rows(course: Path, csv_path: Path) -> dict[str, dict]:
    with csv_path.open() as fh:
        return {r["student"]: r for r in csv.DictReader(fh)}


def test_a_mixed_batch_of_30_with_every_attack_class(tmp_path):
    course, subs = _course(tmp_path), tmp_path / "subs"
    expected: dict[str, float] = {}
    for i in range(10):
        _write(subs, f"correct{i}", _nb(SOURCE))
        expected[f"correct{i}"] = FULL
    for i in range(5):
        _write(subs, f"blank{i}", _nb(STUDENT))
        expected[f"blank{i}"] = 0.0
    namespace: dict = {}
    exec(FLIPPED, namespace)
    flipped = grade("corr2d", namespace["corr2d"], points=3)
    for i in range(3):
        _write(subs, f"flipped{i}", _nb(SOURCE, FLIPPED))
        expected[f"flipped{i}"] = WITHOUT_CORR2D + flipped
    for name, code in ATTACKS.items():
        _write(subs, f"attack_{name}", _nb(SOURCE, code))
        expected[f"attack_{name}"] = WITHOUT_CORR2D
    _write(subs, "attack_tamper_tests", _nb(STUDENT, edit=_tamper_tests))
    _write(subs, "attack_rename_ids", _nb(STUDENT, edit=_rename_ids))
    expected["attack_tamper_tests"] = expected["attack_rename_ids"] = 0.0
    assert len(expected) == 30

    proc = _grade(course, subs, "--jobs", "2", "--csv", str(tmp_path / "grades.csv"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = _rows(course, tmp_path / "grades.csv")
    assert set(rows) == set(expected), "every submission gets a row"
    wrong = {s: (rows[s]["score"], want) for s, want in expected.items()
             if abs(float(rows[s]["score"]) - want) > 1e-6}
    assert not wrong, f"score, expected: {wrong}\n{proc.stdout[-4000:]}"
    assert all(rows[s]["status"] == "graded" for s in expected)
    # the attacks that fool the in-kernel verdict are flagged for the instructor
    for student in ("attack_poison_checks", "attack_import_solutions"):
        assert "in-kernel" in rows[student]["flag"], (student, rows[student])
    assert not any(rows[f"correct{i}"]["flag"] for i in range(10))
    # nothing outside the submissions was harmed
    assert (course / "gradebook.db").exists()
    assert len(list((course / "submitted").glob(f"*/{A}/{A}.ipynb"))) == 30
    con = sqlite3.connect(course / "gradebook.db")
    assert con.execute("pragma integrity_check").fetchone() == ("ok",)


def test_killing_the_grader_midway_then_rerunning_loses_nothing(tmp_path):
    course, subs = _course(tmp_path), tmp_path / "subs"
    students = [f"s{i}" for i in range(5)]
    for i, student in enumerate(students):
        _write(subs, student, _nb(SOURCE) if i % 2 == 0 else _nb(SOURCE, FLIPPED))
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    first = subprocess.Popen([sys.executable, "-m", "autograder", "--root", str(course), "grade",
                              str(subs), "-q", "--csv", str(tmp_path / "g1.csv")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                             start_new_session=True)
    verdicts = course / "verdicts"
    deadline = time.time() + 600
    while time.time() < deadline and len(list(verdicts.glob(f"*/{A}.json"))) < 2:
        time.sleep(0.5)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    done_before = {p.parent.name for p in verdicts.glob(f"*/{A}.json")}
    assert 2 <= len(done_before) < len(students), "the kill did not land mid-batch"

    proc = _grade(course, subs, "--csv", str(tmp_path / "g2.csv"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    skipped = {line.split()[1].split("/")[0] for line in proc.stderr.splitlines()
               if line.startswith("skipped ")}
    assert skipped == done_before, "finished submissions are not graded twice"
    rows = _rows(course, tmp_path / "g2.csv")
    assert set(rows) == set(students)
    assert all(float(rows[s]["score"]) == FULL for s in students[::2])
    assert all(0 < float(rows[s]["score"]) < FULL for s in students[1::2])
    con = sqlite3.connect(course / "gradebook.db")
    assert con.execute("pragma integrity_check").fetchone() == ("ok",)
