"""The sandbox's reliability figures, end to end through `python -m autograder grade`:

- a batch of 26 submissions (correct, wrong, and one or more from every attack class) graded
  with --jobs 2: no correct submission loses a point, no attack gains one, every submission gets
  a row, and the attacks that fool the in-kernel verdict are flagged;
- the grader killed in the middle of that batch, then rerun: the gradebook is intact, nothing
  is graded twice, the rerun completes, and `export` writes the rerun's CSV again.

The batch is the kill-and-rerun test as well (one batch, not two). It runs twice: with the default SQLite gradebook and with a PostgreSQL gradebook on a real
server started for the tests (tests/pgserver.py; skipped where PostgreSQL is not installed).
A --db URL that cannot be used (no server, wrong password, no such database, unknown scheme,
missing driver) stops grade, feedback and export with one line and exit code 2.
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
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from pgserver import PASSWORD, pg_server  # noqa: F401 (a fixture)
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


def _db_args(db: str | None) -> list[str]:
    return ["--db", db] if db else []


def _grade(course: Path, subs: Path, *extra: str, db: str | None = None,
           **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run([sys.executable, "-m", "autograder", "--root", str(course),
                           *_db_args(db), "grade", str(subs), "-q", "--timeout", "15",
                           "--execute-timeout", "40", *extra], capture_output=True,
                          text=True, env=env, **kw)


BACKENDS = ["sqlite", "postgresql"]


def _kill_midway(course: Path, subs: Path, db: str | None, done: int, *extra: str) -> set[str]:
    """Start grading ``subs``, SIGKILL the grader's whole process group once ``done``
    submissions have their verdict file, and return the students whose verdict was written."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    first = subprocess.Popen([sys.executable, "-m", "autograder", "--root", str(course),
                              *_db_args(db), "grade", str(subs), "-q", *extra,
                              "--csv", str(course.parent / "killed.csv")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                             start_new_session=True)
    verdicts = course / "verdicts"
    deadline = time.time() + 900
    while time.time() < deadline and len(list(verdicts.glob(f"*/{A}.json"))) < done:
        time.sleep(0.5)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    return {p.parent.name for p in verdicts.glob(f"*/{A}.json")}


def _gradebook_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    """None (the course's SQLite gradebook) or a new database on the test PostgreSQL server."""
    if backend == "sqlite":
        return None
    server = request.getfixturevalue("pg_server")
    return server.url(server.create_database())


def _gradebook_totals(course: Path, db: str | None) -> dict[tuple[str, str], tuple[float, float]]:
    """Check the gradebook's rows with SQL, on SQLite or PostgreSQL alike, and return
    {(student, assignment): (score, max_score)} summed from its grade rows.

    Checked: SQLite's own integrity_check; every submission, submitted notebook and grade once
    (no duplicates); no orphan rows (each grade, comment, submitted notebook and submission
    points at rows that exist); every submitted notebook has exactly one grade per grade cell of
    its notebook, and no grade of another notebook's cell."""
    from sqlalchemy import create_engine, text

    url = db or f"sqlite:///{course / 'gradebook.db'}"
    if db is None:
        con = sqlite3.connect(course / "gradebook.db")
        try:
            assert con.execute("pragma integrity_check").fetchone() == ("ok",)
        finally:
            con.close()
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            def rows(sql: str) -> list[tuple]:
                return [tuple(r) for r in con.execute(text(sql))]

            for table, key in (("submitted_assignment", "assignment_id, student_id"),
                               ("submitted_notebook", "notebook_id, assignment_id"),
                               ("grade", "cell_id, notebook_id"),
                               ("comment", "cell_id, notebook_id")):
                dup = rows(f"SELECT {key}, COUNT(*) FROM {table} GROUP BY {key} "
                           "HAVING COUNT(*) > 1")
                assert not dup, f"{table}: rows more than once: {dup}"
            for child, column, parent in (
                    ("grade", "notebook_id", "submitted_notebook"),
                    ("grade", "cell_id", "base_cell"),
                    ("comment", "notebook_id", "submitted_notebook"),
                    ("submitted_notebook", "assignment_id", "submitted_assignment"),
                    ("submitted_notebook", "notebook_id", "notebook"),
                    ("submitted_assignment", "student_id", "student"),
                    ("submitted_assignment", "assignment_id", "assignment")):
                orphans = rows(f"SELECT c.id FROM {child} c LEFT JOIN {parent} p "
                               f"ON c.{column} = p.id WHERE p.id IS NULL")
                assert not orphans, f"{child}.{column}: orphan rows {orphans[:5]}"
            counts = rows("""
                SELECT sn.id,
                       (SELECT COUNT(*) FROM grade g JOIN grade_cells gc ON gc.id = g.cell_id
                        WHERE g.notebook_id = sn.id),
                       (SELECT COUNT(*) FROM grade_cells gc JOIN base_cell bc ON bc.id = gc.id
                        WHERE bc.notebook_id = sn.notebook_id)
                FROM submitted_notebook sn""")
            assert counts, "no submitted notebooks in the gradebook"
            assert all(n == want > 0 for _, n, want in counts), f"grades per notebook: {counts}"
            strays = rows("""
                SELECT g.id FROM grade g JOIN submitted_notebook sn ON sn.id = g.notebook_id
                JOIN base_cell bc ON bc.id = g.cell_id WHERE bc.notebook_id <> sn.notebook_id""")
            assert not strays, f"grades of another notebook's cells: {strays[:5]}"
            totals = rows("""
                SELECT sa.student_id, a.name,
                       SUM(CASE WHEN g.manual_score IS NOT NULL
                                THEN g.manual_score + COALESCE(g.extra_credit, 0)
                                WHEN g.auto_score IS NOT NULL
                                THEN g.auto_score + COALESCE(g.extra_credit, 0) ELSE 0 END),
                       SUM(gc.max_score)
                FROM grade g JOIN grade_cells gc ON gc.id = g.cell_id
                JOIN submitted_notebook sn ON sn.id = g.notebook_id
                JOIN submitted_assignment sa ON sa.id = sn.assignment_id
                JOIN assignment a ON a.id = sa.assignment_id
                GROUP BY sa.student_id, a.name""")
    finally:
        engine.dispose()
    return {(student, assignment): (float(score), float(top))
            for student, assignment, score, top in totals}


def _rows(course: Path, csv_path: Path) -> dict[str, dict]:
    with csv_path.open() as fh:
        return {r["student"]: r for r in csv.DictReader(fh)}


# ----------------------------------------------------------------------------- round two
# Attacks on the plumbing around the sandbox, written after reading the grader's code.

# 1. forge the runner's result files (the out folder is sys.argv[2]) with what the grader's
#    decoder does not expect, then end the process before the runner overwrites them
FORGE = ("import glob, json, os\n"
         "bad = [{'status': 'returned', 'value': {'npy': 5}},\n"
         "       {'status': 'returned', 'value': {'tuple': [{'npy': '0_0.npy'}] * 100000}},\n"
         "       {'status': 'raised', 'type': ['x'], 'kinds': 'ValueError', 'message': 1},\n"
         "       {'status': 'returned', 'value': {'npy': '1.npy'}, 'extra': 1}]\n"
         "for folder in ['/work/out'] + glob.glob('/work/out/*'):\n"
         "    for i in range(40):\n"
         "        try:\n"
         "            with open(os.path.join(folder, f'{i}.json'), 'w') as fh:\n"
         "                fh.write('[' * 60000 if i % 5 == 4 else json.dumps(bad[i % 4]))\n"
         "        except OSError:\n"
         "            pass\n"
         "os._exit(0)\n" + STUB)
# 2. read the reference and the hidden checks, in the answer (trusted sandbox) and in a cell of
#    its own (the kernel that executes the notebook for feedback)
READ_REF = ("import os, sys\nseen = 0\n"
            "for top in [p for p in sys.path if p] + ['/work', '/opt', '/tmp', '/']:\n"
            "    for folder, dirs, files in os.walk(top):\n"
            "        dirs[:] = [d for d in dirs if d not in ('proc', 'sys', 'dev', 'usr')]\n"
            "        if folder.count('/') > 8:\n            dirs[:] = []\n"
            "        for name in files:\n"
            "            path = os.path.join(folder, name)\n"
            "            if ('solutions' in path or 'exercises' in path or 'source' in path) \\\n"
            "                    and name.endswith(('.py', '.ipynb')) and seen < 50:\n"
            "                seen += 1\n"
            "                try:\n                    print(repr(open(path).read()))\n"
            "                except OSError:\n                    pass\n"
            "try:\n    import solutions, inspect\n    print(inspect.getsource(solutions))\n"
            "except Exception as exc:\n    print('no reference:', type(exc).__name__)\n")
# 4. plant links where the grader works (the kernel's folder), to be followed by root later
LINKS = ("import os\nfor target, name in (('/etc/shadow', 'shadow'), ('../../../gradebook.db', 'gb'),"
         " ('/etc/passwd', 'passwd.ipynb')):\n"
         "    try:\n        os.symlink(target, name)\n    except OSError:\n        pass\n")
# 5. script in the feedback, and a fake report claiming full marks
SCRIPT_MD = "<script>alert('xss1')</script><img src=x onerror=\"alert('xss2')\">"
FAKE_REPORT = "print('corr2d: 3 / 3 points\\n  [pass] fixed examples from the notebook')\n"
# 7. flood the output
FLOOD = "import sys\nfor _ in range(300):\n    sys.stdout.write('x' * 2**20)\n"
# 10. a function that always raises ValueError, for every exercise
ALWAYS_RAISE = "def {name}(*args, **kwargs):\n    raise ValueError('bad input')\n"


def _added(nb, code: str, kind: str = "code") -> None:
    cell = nbformat.v4.new_code_cell(code) if kind == "code" else nbformat.v4.new_markdown_cell(code)
    nb.cells.insert(3, cell)


def _always_raise(nb) -> None:
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = ALWAYS_RAISE.format(name=meta["grade_id"])


def _lines_only_in(secret: Path, public: Path) -> list[str]:
    """Lines of ``secret`` longer than 40 characters that no cell of the notebook ``public``
    holds (compared with the cells' text, not the escaped JSON)."""
    seen = "\n".join(cell.source for cell in nbformat.read(public, as_version=4).cells)
    return [line.strip() for line in secret.read_text().splitlines()
            if len(line.strip()) > 40 and line.strip() not in seen]


# attacks that only spend the sandbox's limits (a time, memory or process limit, then the
# kernel's execution budget): about a minute of grading each, and nothing a gradebook sees
# differently from the os_exit attack. The PostgreSQL batch leaves them out.
LIMIT_BURNERS = ("infinite_loop", "memory_bomb", "fork_bomb")


@pytest.fixture(scope="module")
def batch_inputs(tmp_path_factory) -> dict:
    """26 submissions with one or more attacks of every class, and 8 inputs to refuse, graded by
    the SQLite batch; the same without LIMIT_BURNERS for the PostgreSQL batch."""
    return {"sqlite": _make_inputs(tmp_path_factory.mktemp("batch-inputs") / "subs"),
            "postgresql": _make_inputs(tmp_path_factory.mktemp("batch-inputs-pg") / "subs",
                                       skip=LIMIT_BURNERS)}


def _make_inputs(subs: Path, skip: tuple[str, ...] = ()) -> dict:
    expected: dict[str, float] = {}
    for i in range(4):
        _write(subs, f"correct{i}", _nb(SOURCE))
        expected[f"correct{i}"] = FULL
    for i in range(2):
        _write(subs, f"blank{i}", _nb(STUDENT))
        expected[f"blank{i}"] = 0.0
    namespace: dict = {}
    exec(FLIPPED, namespace)
    flipped = grade("corr2d", namespace["corr2d"], points=3)
    for i in range(1):
        _write(subs, f"flipped{i}", _nb(SOURCE, FLIPPED))
        expected[f"flipped{i}"] = WITHOUT_CORR2D + flipped
    for name, code in ATTACKS.items():
        if name in skip:
            continue
        _write(subs, f"attack_{name}", _nb(SOURCE, code))
        expected[f"attack_{name}"] = WITHOUT_CORR2D
    _write(subs, "attack_tamper_tests", _nb(STUDENT, edit=_tamper_tests))
    _write(subs, "attack_rename_ids", _nb(STUDENT, edit=_rename_ids))
    expected["attack_tamper_tests"] = expected["attack_rename_ids"] = 0.0
    # round two
    _write(subs, "r2_forge", _nb(SOURCE, FORGE))
    expected["r2_forge"] = WITHOUT_CORR2D
    _write(subs, "r2_read_ref", _nb(SOURCE, READ_REF + STUB, edit=lambda nb: _added(nb, READ_REF)))
    expected["r2_read_ref"] = WITHOUT_CORR2D
    _write(subs, "r2_links", _nb(SOURCE, edit=lambda nb: _added(nb, LINKS)))
    expected["r2_links"] = FULL
    _write(subs, "r2_feedback", _nb(SOURCE, FLIPPED, edit=lambda nb: (
        _added(nb, SCRIPT_MD, "markdown"), _added(nb, FAKE_REPORT))))
    expected["r2_feedback"] = WITHOUT_CORR2D + flipped
    _write(subs, "r2_flood", _nb(SOURCE, edit=lambda nb: _added(nb, FLOOD)))
    expected["r2_flood"] = FULL
    _write(subs, "r2_always_raise", _nb(SOURCE, edit=_always_raise))
    expected["r2_always_raise"] = 0.0
    # 3. ids: a trailing space and glob characters would reach "mallory" and others in nbgrader
    _write(subs, "mallory", _nb(SOURCE))
    expected["mallory"] = FULL
    bad_ids = ["mallory ", "*", "c[o]rrect0", "=cmd"]
    for name in bad_ids:
        _write(subs, name, _nb(STUDENT))
    # 4. a notebook that is a link to the source (full marks if followed)
    (subs / "r2_symlink" / A).mkdir(parents=True)
    (subs / "r2_symlink" / A / f"{A}.ipynb").symlink_to(SOURCE)
    # 6. inputs that killed or hung the batch
    (subs / "r2_dir" / A / f"{A}.ipynb").mkdir(parents=True)
    (subs / "r2_fifo" / A).mkdir(parents=True)
    os.mkfifo(subs / "r2_fifo" / A / f"{A}.ipynb")
    (subs / "r2_deep" / A).mkdir(parents=True)
    (subs / "r2_deep" / A / f"{A}.ipynb").write_text("[" * 100_000)
    assert len(expected) == 26 - len(skip)  # graded; 8 more inputs are refused
    return dict(subs=subs, expected=expected, bad_ids=bad_ids)


@pytest.fixture(scope="module", params=BACKENDS)
def batch(request, batch_inputs, tmp_path_factory):
    """The submissions of :func:`batch_inputs` graded with --jobs 2 into a SQLite or a
    PostgreSQL gradebook, then feedback written: the figures of the batch, shared by the tests
    below."""
    backend = request.param
    db = _gradebook_url(backend, request)
    tmp_path = tmp_path_factory.mktemp(f"batch-{backend}")
    course = _course(tmp_path)
    subs, expected, bad_ids = (batch_inputs[backend][k] for k in ("subs", "expected", "bad_ids"))
    shadow_mode = os.stat("/etc/shadow").st_mode if os.path.exists("/etc/shadow") else None
    boxes_before = set(Path(tempfile.gettempdir()).glob("kernel-box-*"))
    start = time.monotonic()
    # The batch is also the kill-and-rerun test: the grader is killed once a few submissions
    # are done, and the rerun must skip exactly those and grade the rest.
    killed = _kill_midway(course, subs, db, 3, "--jobs", "2", "--timeout", "15",
                          "--execute-timeout", "40")
    # a SIGKILLed grader cannot remove its kernels' folders: only the rerun's are counted
    boxes_before = set(Path(tempfile.gettempdir()).glob("kernel-box-*"))
    proc = _grade(course, subs, "--jobs", "2", "--csv", str(tmp_path / "grades.csv"),
                  db=db, timeout=1800)
    seconds = time.monotonic() - start
    feedback = subprocess.run([sys.executable, "-m", "autograder", "--root", str(course),
                               *_db_args(db), "feedback"], capture_output=True, text=True,
                              timeout=900)
    rows = _rows(course, tmp_path / "grades.csv")
    with (tmp_path / "grades.csv").open() as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    verdicts = {p.parent.name: json.loads(p.read_text())
                for p in (course / "verdicts").glob(f"*/{A}.json")}
    print(f"\n{backend}: batch of {len(expected) + 8} inputs graded in {seconds:.0f} s; "
          f"grader peak {max(v.get('grader_peak_mb', 0) for v in verdicts.values()):.0f} MB")
    leaked = set(Path(tempfile.gettempdir()).glob("kernel-box-*")) - boxes_before
    return dict(course=course, proc=proc, rows=rows, cells=cells, expected=expected, leaked=leaked,
                feedback=feedback, bad_ids=bad_ids, shadow_mode=shadow_mode, verdicts=verdicts,
                seconds=seconds, backend=backend, db=db, killed=killed)


def test_a_batch_killed_midway_resumes_without_grading_twice(batch):
    """The batch was killed after a few submissions (the fixture above); the rerun skipped
    exactly those, and the other tests of this file check the rerun's result."""
    killed, proc = batch["killed"], batch["proc"]
    assert 3 <= len(killed) < len(batch["expected"]), f"the kill did not land mid-batch: {killed}"
    skipped = {line.split()[1].split("/")[0] for line in proc.stderr.splitlines()
               if line.startswith("skipped ")}
    assert skipped == killed, "finished submissions are not graded twice"
    assert set(batch["rows"]) >= set(batch["expected"]), "every submission has its row"


def test_every_honest_submission_keeps_its_points_and_no_attack_gains_one(batch):
    proc, rows, expected = batch["proc"], batch["rows"], batch["expected"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    graded = {s: r for s, r in rows.items() if r["status"] == "graded"}
    assert set(graded) == set(expected), "every submission gets a row"
    wrong = {s: (rows[s]["score"], want) for s, want in expected.items()
             if abs(float(rows[s]["score"]) - want) > 1e-6}
    assert not wrong, f"score, expected: {wrong}\n{proc.stdout[-4000:]}"
    honest = [s for s in expected if s.startswith(("correct", "blank", "flipped", "mallory"))]
    assert not any(rows[s]["flag"] for s in honest), {s: rows[s]["flag"] for s in honest}


def test_forged_result_files_score_zero_and_never_stop_the_grader(batch):
    verdict = batch["verdicts"]["r2_forge"]
    corr = next(e for nb in verdict["notebooks"] for e in nb["exercises"]
                if e["exercise"] == "corr2d")
    assert corr["points"] == 0
    assert "malformed" in corr["report"] or "unreadable" in corr["report"].lower(), corr["report"]


def test_student_code_never_sees_the_reference_or_the_hidden_checks(batch):
    course = batch["course"]
    graded = (course / "autograded" / "r2_read_ref" / A / f"{A}.ipynb").read_text()
    assert "no reference: ModuleNotFoundError" in graded, "the kernel could import solutions"
    # the submission itself holds the solved answers; what must not leak is what is not in it
    secrets = (_lines_only_in(ROOT / "solutions" / "convolution.py", SOURCE)
               + _lines_only_in(ROOT / "autograder/checks/exercises/convolution.py", SOURCE))
    assert len(secrets) > 10
    html = "".join(p.read_text() for p in (course / "feedback").rglob("*.html"))
    for line in secrets:
        assert line not in graded and line not in html, line


def test_bad_ids_are_refused_and_never_touch_another_student(batch):
    rows, proc = batch["rows"], batch["proc"]
    assert float(rows["mallory"]["score"]) == FULL, "'mallory ' regraded mallory"
    refused = [line for line in proc.stderr.splitlines() if line.startswith("not graded")]
    for name in batch["bad_ids"]:
        assert any(repr(name)[1:-1] in line or name in line for line in refused), name
    students = {r["student"] for r in rows.values()}
    assert not any(s.strip() != s or any(c in s for c in "*?[]=") for s in students)


def test_links_are_never_followed_by_the_grader(batch):
    course = batch["course"]
    assert "r2_symlink" not in {s for s, r in batch["rows"].items() if r["status"] == "graded"}
    for folder in ((course / "autograded").iterdir(), (course / "feedback").rglob("*")):
        for path in folder:
            assert not path.is_symlink(), path
    autograded = course / "autograded" / "r2_links" / A
    assert sorted(p.name for p in autograded.iterdir()) == [f"{A}.ipynb"]
    assert not batch["leaked"], "kernel folders left behind on the grader's disk"
    if batch["shadow_mode"] is not None:
        assert os.stat("/etc/shadow").st_mode == batch["shadow_mode"]
    _gradebook_totals(course, batch["db"])  # SQLite's integrity_check; rows once, no orphans


def test_the_gradebook_holds_every_grade_once_and_its_sums_are_the_csvs(batch):
    totals = _gradebook_totals(batch["course"], batch["db"])
    expected, rows = batch["expected"], batch["rows"]
    assert set(totals) == {(s, A) for s in expected}, "one submission per student, no other"
    wrong = {s: totals[(s, A)] for s, want in expected.items()
             if abs(totals[(s, A)][0] - want) > 1e-6 or totals[(s, A)][1] != FULL}
    assert not wrong, f"(score, max) summed from the gradebook's grade rows: {wrong}"
    for s in expected:
        assert float(rows[s]["score"]) == pytest.approx(totals[(s, A)][0], abs=5e-3), s
        assert float(rows[s]["max_score"]) == totals[(s, A)][1], s


def test_feedback_is_sanitised_and_shows_the_trusted_report(batch):
    feedback = batch["feedback"]
    assert feedback.returncode == 0, feedback.stderr[-2000:]
    html = (batch["course"] / "feedback" / "r2_feedback" / A / f"{A}.html").read_text()
    assert "<script>alert('xss1')" not in html and "onerror" not in html
    assert "the kernel is flipped" in html  # the trusted report, not the printed fake
    assert "Score: 9.0 / 12.0" in html or "9.0 / 12.0" in html


def test_bad_inputs_get_their_own_row_and_the_rest_is_graded(batch):
    stderr = batch["proc"].stderr
    for student in ("r2_dir", "r2_fifo", "r2_deep", "r2_symlink"):
        assert any(student in line for line in stderr.splitlines()
                   if line.startswith("not graded")), student


def test_a_notebook_that_cannot_run_is_flagged_with_its_cause(batch):
    rows = batch["rows"]
    flag = rows["attack_os_exit"]["flag"]  # the kernel exits in the answer cell
    assert "could not be executed for its outputs (DeadKernelError: Kernel died)" in flag, flag
    assert not any("Please see the" in r["flag"] for r in rows.values()), {
        s: r["flag"] for s, r in rows.items() if "Please see the" in r["flag"]}


def test_the_grader_stays_small_and_the_csv_cannot_carry_formulas(batch):
    peaks = {s: v.get("grader_peak_mb", 0) for s, v in batch["verdicts"].items()}
    assert 0 < peaks["r2_flood"] < 1500, peaks
    graded = (batch["course"] / "autograded" / "r2_flood" / A / f"{A}.ipynb")
    # executed within its budget: its outputs are cut at 8 MB; out of budget: no outputs, flagged
    assert (graded.exists() and graded.stat().st_size < 20 * 2**20) or "executed" in (
        batch["rows"]["r2_flood"]["flag"])
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in batch["cells"])


def test_a_function_that_always_raises_earns_no_bad_input_points(batch):
    assert float(batch["rows"]["r2_always_raise"]["score"]) == 0.0


def test_a_slow_submission_is_stopped_by_its_budget_and_flagged(tmp_path):
    course, subs = _course(tmp_path), tmp_path / "subs"
    # slow where the points are decided (the trusted verdict, whose budget is tested here); not
    # in the kernel that runs the notebook for its outputs, whose own budget costs 40 s more
    slow = ("import os, time\n\ndef {name}(*args, **kwargs):\n"
            "    if not os.environ.get('NBGRADER_EXECUTION'):\n        time.sleep(9)\n")

    def sleepy(nb):
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution"):
                cell.source = slow.format(name=meta["grade_id"])

    _write(subs, "honest", _nb(SOURCE))
    _write(subs, "sleeper", _nb(SOURCE, edit=sleepy))
    proc = _grade(course, subs, "--timeout", "20", "--budget", "45", "--jobs", "2",
                  "--csv", str(tmp_path / "g.csv"), timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = _rows(course, tmp_path / "g.csv")
    assert float(rows["honest"]["score"]) == FULL and not rows["honest"]["flag"]
    assert float(rows["sleeper"]["score"]) == 0.0
    assert "time budget" in rows["sleeper"]["flag"]


def test_export_writes_the_reruns_csv_again_from_the_gradebook(batch, tmp_path):
    from autograder import cli

    out = tmp_path / "exported.csv"
    assert cli.main(["--root", str(batch["course"]), *_db_args(batch["db"]), "export",
                     "--csv", str(out)]) == 0
    exported = _rows(batch["course"], out)
    assert set(exported) == set(batch["expected"]), "one row per graded submission"
    assert exported == {s: r for s, r in batch["rows"].items() if s in exported}


# ----------------------------------------------------------------------------- bad --db URLs


def _missing_driver() -> str:
    """A PostgreSQL driver SQLAlchemy knows that is not installed here."""
    import importlib.util

    for driver in ("pg8000", "psycopg2"):
        if importlib.util.find_spec(driver) is None:
            return driver
    pytest.skip("pg8000 and psycopg2 are both installed: no missing driver to name")


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed when the block ends: nothing listens there


BAD_DB = {  # what is wrong -> (URL maker, what the message says)
    "no server": (lambda pg: f"postgresql://grader:{PASSWORD}@127.0.0.1:{_closed_port()}/gb",
                  "Connection refused"),
    "wrong password": (lambda pg: pg.url(pg.create_database(), password="not-the-pass-1"),
                       'password authentication failed for user "grader"'),
    "no such database": (lambda pg: pg.url("no_such_gradebook"),
                         'database "no_such_gradebook" does not exist'),
    "unknown scheme": (lambda pg: f"nosuchdb://grader:{PASSWORD}@127.0.0.1:{pg.port}/gb",
                       "unknown database scheme 'nosuchdb'"),
    "missing driver": (lambda pg: f"postgresql+{_missing_driver()}://grader:{PASSWORD}"
                                  f"@127.0.0.1:{pg.port}/gb", "is not installed"),
}
@pytest.mark.parametrize("command", ["grade", "feedback", "export"])
@pytest.mark.parametrize("problem", list(BAD_DB))
def test_a_db_url_that_cannot_be_used_stops_with_one_line_and_writes_nothing(
        tmp_path, capsys, pg_server, problem, command):  # noqa: F811 (the fixture)
    from sqlalchemy.engine import make_url

    from autograder import cli

    make, says = BAD_DB[problem]
    url = make(pg_server)
    course, subs, out = _course(tmp_path), tmp_path / "subs", tmp_path / "grades.csv"
    _write(subs, "alice", _nb(STUDENT))
    (course / "autograded" / "alice" / A).mkdir(parents=True)  # feedback reaches the gradebook
    shutil.copy(STUDENT, course / "autograded" / "alice" / A)
    args = {"grade": ["grade", str(subs), "-q", "--csv", str(out)], "feedback": ["feedback"],
            "export": ["export", "--csv", str(out)]}[command]
    databases_before = _databases(pg_server)
    code = cli.main(["--root", str(course), "--db", url, *args])
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert code == 2, captured.err
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:
        shown = url
    assert shown in lines[0] and says in lines[0], lines[0]
    for secret in (PASSWORD, "not-the-pass-1"):
        assert secret not in captured.err + captured.out
    # nothing written: no CSV, no SQLite gradebook instead, no database, no table in one
    assert not out.exists() and not (course / "gradebook.db").exists()
    assert not (course / "feedback").exists() and not (course / "submitted").exists()
    assert _databases(pg_server) == databases_before
    for name in databases_before - {"postgres", "template0", "template1"}:
        if name in url:
            assert _tables(pg_server, name) == [], name


def _databases(pg) -> set[str]:
    with pg.connect() as con:
        return {r[0] for r in con.execute("SELECT datname FROM pg_database")}


def _tables(pg, database: str) -> list[str]:
    with pg.connect(database) as con:
        return [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")]


def test_grade_with_every_submission_done_before_and_a_bad_db_stops_with_one_line(
        tmp_path, capsys, pg_server):  # noqa: F811 (the fixture)
    """Every submission skipped: the gradebook is first opened for the table, after the batch."""
    from autograder import cli
    from autograder.batch.gradebook import submission_digest

    course, subs = _course(tmp_path), tmp_path / "subs"
    _write(subs, "alice", _nb(STUDENT))
    verdict = course / "verdicts" / "alice" / f"{A}.json"
    verdict.parent.mkdir(parents=True)
    digest = submission_digest(subs / "alice" / A, (f"{A}.ipynb",))
    verdict.write_text(json.dumps({"complete": True, "sandbox": True, "digest": digest}))
    code = cli.main(["--root", str(course), "--db", pg_server.url("no_such_gradebook"),
                     "grade", str(subs), "-q", "--csv", str(tmp_path / "g.csv")])
    captured = capsys.readouterr()
    assert "skipped alice/" in captured.err, "the submission was not skipped"
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert code == 2 and 'database "no_such_gradebook" does not exist' in lines[-1], captured.err
    assert PASSWORD not in captured.err and not (tmp_path / "g.csv").exists()
