"""Grading that a submission cannot fool or crash: the sandbox and the trusted verdict.

Each attack is an answer cell a hostile student could hand in. The trusted verdict must give it
exactly what its honest computation earns, and one crash must cost only its own exercise. Where
it makes the point, the same attack is also run the old way (the check in the attacker's own
process) to show that it WOULD succeed there: the test fails if the defence is removed.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from planted import FLIPPED_CORR2D, STUB_CORR2D, UNCHECKED_CORR2D

from autograder.checks import grade
from autograder.verdict import sandbox, trusted, wire

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source/01_convolution/01_convolution.ipynb"
STUDENT = ROOT / "notebooks/01_convolution/01_convolution.ipynb"
FULL = {"corr2d": 3.0, "conv2d_multi": 4.0, "conv_params": 1.0, "fc_params": 1.0,
        "locally_connected_params": 1.0, "edge_kernel": 2.0}
FAST = sandbox.Limits(wall_seconds=12, case_seconds=3, memory_mb=3072, processes=64)

pytestmark = pytest.mark.skipif(sandbox.bwrap_path() is None, reason="bwrap is not installed")


def _answer(nb, grade_id: str) -> dict:
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(grade_id)


def submission(tmp_path: Path, replace: dict[str, str] | None = None, base: Path = SOURCE,
               edit=None) -> Path:
    """A copy of notebook 01 (solved by default) with some answer cells replaced."""
    nb = nbformat.read(base, as_version=4)
    for grade_id, code in (replace or {}).items():
        _answer(nb, grade_id).source = code
    if edit:
        edit(nb)
    folder = tmp_path / "alice" / "01_convolution"
    folder.mkdir(parents=True)
    path = folder / "01_convolution.ipynb"
    path.write_text(json.dumps(nb))  # as handed in: no validation that would repair the ids
    return path


def scores(path: Path, limits: sandbox.Limits = FAST, only: set[str] | None = None
           ) -> dict[str, float]:
    verdict = trusted.grade_notebook(path, SOURCE, limits, only=only)
    return {v.exercise: round(v.points, 6) for v in verdict.exercises}


STUB = STUB_CORR2D


# ----------------------------------------------------------------------------- the sandbox itself


def test_sandbox_has_no_network_no_course_and_no_root():
    seen = sandbox.selftest()
    assert seen == {"uid": seen["uid"], "net": False, "course": False} and seen["uid"] >= 200_000


def test_sandbox_writes_only_its_own_folder(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    target = tmp_path / "outside.txt"
    code = (f"open('inside.txt', 'w').write('ok')\n"
            f"for path in [{str(target)!r}, {str(ROOT / 'gradebook.db')!r}, '/usr/x', '/tmp/../etc/x']:\n"
            "    try:\n        open(path, 'w').write('pwned'); print('WROTE', path)\n"
            "    except OSError:\n        pass\n")
    outcome = sandbox.run([sys.executable, "-c", code], work, limits=FAST)
    assert outcome.returncode == 0, outcome.stderr
    assert "WROTE" not in outcome.stdout
    assert (work / "inside.txt").read_text() == "ok" and not target.exists()


def test_a_hang_is_killed_at_the_wall_clock(tmp_path):
    work = tmp_path / "w"
    work.mkdir()
    outcome = sandbox.run([sys.executable, "-c", "while True: pass"], work,
                          limits=sandbox.Limits(wall_seconds=3))
    assert outcome.timed_out


def test_a_fork_bomb_is_bounded(tmp_path):
    work = tmp_path / "w"
    work.mkdir()
    code = ("import os, time\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
            "            time.sleep(30); os._exit(0)\n        n += 1\n"
            "except OSError:\n    print('stopped at', n)\n")
    outcome = sandbox.run([sys.executable, "-c", code], work,
                          limits=sandbox.Limits(wall_seconds=20, processes=50))
    assert "stopped at" in outcome.stdout, outcome.stderr
    assert int(outcome.stdout.split()[-1]) < 50


def test_a_memory_bomb_is_bounded(tmp_path):
    work = tmp_path / "w"
    work.mkdir()
    code = "import numpy as np\ntry:\n    x = np.ones(2_000_000_000)\nexcept MemoryError:\n    print('refused')\n"
    outcome = sandbox.run([sys.executable, "-c", code], work,
                          limits=sandbox.Limits(wall_seconds=30, memory_mb=2048))
    assert "refused" in outcome.stdout, outcome.stderr


def test_the_limits_hold_inside_and_no_python_runs_between_fork_and_exec(tmp_path, monkeypatch):
    """Every limit reaches the sandboxed process, set by ``prlimit`` before bwrap: a Dask worker
    grades from a thread, and a ``preexec_fn`` there can deadlock the forked child before exec
    (the parent's Popen then waits forever)."""
    import subprocess
    import threading

    seen: list[dict] = []
    real = subprocess.Popen

    def spy(*args, **kwargs):
        seen.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(sandbox.subprocess, "Popen", spy)
    work = tmp_path / "w"
    work.mkdir()
    code = ("import resource as r\nprint(*[r.getrlimit(getattr(r, 'RLIMIT_' + n)) for n in "
            "('AS', 'CPU', 'NPROC', 'FSIZE', 'CORE')], sep=';')\n")
    limits = sandbox.Limits(wall_seconds=30, memory_mb=3000, cpu_seconds=17, processes=77,
                            file_mb=5)
    result: list = []
    thread = threading.Thread(target=lambda: result.append(
        sandbox.run([sys.executable, "-c", code], work, limits=limits)))
    thread.start()
    thread.join(60)
    assert result and result[0].returncode == 0, result and result[0].stderr
    mb = 2**20
    assert result[0].stdout.strip().split(";") == [
        str((3000 * mb, 3000 * mb)), "(17, 22)", "(77, 77)", str((5 * mb, 5 * mb)), "(0, 0)"]
    assert seen and all(kw.get("preexec_fn") is None for kw in seen), seen


def test_grading_refuses_without_bwrap_and_says_how_to_install(tmp_path, monkeypatch):
    from autograder.batch import run as grading

    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(grading.GradingError, match="apt-get install bubblewrap"):
        grading.grade_batch(tmp_path, tmp_path, sandboxed=True)


# ----------------------------------------------------------------------------- honest answers


def test_solved_notebook_gets_full_marks_and_stubs_get_zero(tmp_path):
    assert scores(submission(tmp_path)) == FULL
    assert set(scores(STUDENT).values()) == {0.0}


@pytest.mark.parametrize("code, partial", [(FLIPPED_CORR2D, False), (UNCHECKED_CORR2D, True)])
def test_a_wrong_answer_gets_the_same_points_as_in_a_kernel(tmp_path, code, partial):
    namespace: dict = {}
    exec(code, namespace)
    in_kernel = grade("corr2d", namespace["corr2d"], points=3)
    verdict = trusted.grade_notebook(submission(tmp_path, {"corr2d": code}), SOURCE, FAST,
                                     only={"corr2d"})
    corr = verdict.exercises[0]
    assert corr.exercise == "corr2d" and corr.points == pytest.approx(in_kernel)
    if partial:  # right values, no ValueError: only the bad-input share is lost
        assert 0 < in_kernel < 3 and "expected ValueError" in corr.report
    else:  # wrong values: the bad-input share is not paid either (a function that only raises)
        assert in_kernel == 0 and "the kernel is flipped" in corr.report


# ----------------------------------------------------------------------------- 1: patching


PATCHES = {
    "numpy": "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
             "np.testing.assert_allclose = lambda *a, **k: None\n",
    "builtins": "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.abs = lambda x: 0\n"
                "builtins.max = lambda *a, **k: 0\n",
    "sys.modules": "import sys, types\nfake = types.ModuleType('autograder.checks')\n"
                   "fake.grade = lambda name, fn, points: points\n"
                   "sys.modules['autograder.checks'] = fake\nsys.modules['autograder.checks.feedback'] = fake\n",
    "ipython hooks": "import sys\nsys.excepthook = lambda *a: None\ntry:\n"
                     "    get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n"
                     "except NameError:\n    pass\n",
}

LIAR = '''
import numpy as np

class Liar(np.ndarray):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __array__(self, *a, **k): return np.zeros((2, 2))
    shape = property(lambda self: (3, 3))
    dtype = property(lambda self: np.dtype("float64"))

class Anything:
    shape, dtype, ndim = (3, 3), np.dtype("float64"), 2
    def __eq__(self, other): return True
    def __array__(self, *a, **k): raise TypeError("no")

def corr2d(X, K):
    return Anything() if np.asarray(X).sum() > 100 else np.zeros((1, 1)).view(Liar)
'''


@pytest.mark.parametrize("kind", sorted(PATCHES))
def test_patching_the_graders_world_gains_nothing(tmp_path, kind):
    # the patch sits at the top of the corr2d cell and corr2d is a stub: the patch can only
    # change the submission's own answers (breaking Python's builtins breaks its own code)
    got = scores(submission(tmp_path, {"corr2d": PATCHES[kind] + STUB}))
    assert got["corr2d"] == 0.0
    assert all(got[k] <= FULL[k] for k in FULL)
    if kind != "builtins":
        assert got == dict(FULL, corr2d=0.0), "the patch changed other exercises' verdicts"


def test_the_sys_modules_patch_would_fool_an_in_kernel_check():
    # the attack is real: in the attacker's own process the poisoned module decides the grade
    namespace: dict = {}
    saved = {k: sys.modules[k] for k in ("autograder.checks", "autograder.checks.feedback")}
    try:
        exec(PATCHES["sys.modules"], namespace)
        from autograder.checks import grade as poisoned

        assert poisoned("corr2d", None, points=3) == 3
    finally:
        sys.modules.update(saved)


def test_objects_that_lie_about_equality_shape_or_dtype_get_nothing(tmp_path):
    assert scores(submission(tmp_path, {"corr2d": LIAR}), only={"corr2d"}) == {"corr2d": 0.0}


# ----------------------------------------------------------------------------- 2: reaching answers


READERS = {
    "import solutions": "from solutions import corr2d\n",
    "read the reference file": f"exec(open({str(ROOT / 'solutions/convolution.py')!r}).read())\n",
    "read the source notebook": (
        "import json\n"
        f"nb = json.load(open({str(SOURCE)!r}))\n"
        "exec('\\n'.join(''.join(c['source']) for c in nb['cells'] if 'export' in\n"
        "     c['metadata'].get('tags', []) or c['metadata'].get('nbgrader', {}).get('grade_id') == 'corr2d'))\n"),
    "read the gradebook and other submissions": (
        "import glob, sqlite3\n"
        f"db = sqlite3.connect({str(ROOT / 'gradebook.db')!r})\n"
        "others = glob.glob('/work/**/submitted/*/*/*.ipynb', recursive=True)\n"
        "raise SystemExit(f'{others}')\n"),
}


@pytest.mark.parametrize("how", sorted(READERS))
def test_the_reference_hidden_tests_and_other_submissions_are_out_of_reach(tmp_path, how):
    attack = f"try:\n    exec({READERS[how]!r})\nexcept BaseException:\n    pass\n"
    # outside the sandbox this attack finds the reference (the defence is what stops it)
    if how != "read the gradebook and other submissions":
        namespace: dict = {}
        exec(attack, namespace)
        assert grade("corr2d", namespace["corr2d"], points=3) == 3
    stubbed = attack + "\nif 'corr2d' not in globals():\n" + "\n".join(
        "    " + line for line in STUB.strip().splitlines()) + "\n"
    assert scores(submission(tmp_path, {"corr2d": stubbed}), only={"corr2d"}) == {"corr2d": 0.0}


def test_detecting_the_grading_run_through_the_environment_gains_nothing(tmp_path):
    attack = '''
import os
GRADING_HINTS = ("NBGRADER", "GRADE", "AUTOGRADE", "CI", "JPY", "JUPYTER", "SANDBOX")
if any(h in key.upper() for key in os.environ for h in GRADING_HINTS):
    from solutions import corr2d          # cheat only when graded
else:
    def corr2d(X, K):
        raise NotImplementedError
'''
    assert scores(submission(tmp_path, {"corr2d": attack}), only={"corr2d"}) == {"corr2d": 0.0}


# ----------------------------------------------------------------------------- 3: editing the notebook


def _edit_tests(nb):
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            meta["points"] = 100                          # more points
            cell.source = "grade = lambda *a, **k: 100\n100"  # a test that always passes
    cells = nb.cells
    cells.insert(3, nbformat.from_dict(json.loads(json.dumps(cells[-1]))))  # a duplicated cell
    cells.reverse()                                          # every cell reordered


def _edit_ids(nb):
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            meta["grade_id"] = "corr2d"                       # every test cell claims one id
            cell["id"] = "corr2d"


@pytest.mark.parametrize("edit", [_edit_tests, _edit_ids])
def test_editing_tests_points_metadata_or_ids_changes_nothing(tmp_path, edit):
    # a blank notebook with tampered tests still scores 0, and points come from the source
    blank = scores(submission(tmp_path / "blank", base=STUDENT, edit=edit))
    assert set(blank.values()) == {0.0} and set(blank) == set(FULL)
    solved = scores(submission(tmp_path / "solved", edit=edit))
    assert solved == FULL


def test_a_duplicated_answer_cell_behaves_as_in_the_notebook_the_last_definition_wins(tmp_path):
    def duplicate(nb):
        cell = _answer(nb, "corr2d")
        copy = nbformat.from_dict(json.loads(json.dumps(cell)))
        copy["id"] = "corr2d-again"
        copy.source = STUB
        nb.cells.insert(nb.cells.index(cell) + 1, copy)

    assert scores(submission(tmp_path, edit=duplicate), only={"corr2d"}) == {"corr2d": 0.0}


def test_an_unreadable_submission_scores_zero_with_a_reason(tmp_path):
    bad = tmp_path / "x" / "01_convolution.ipynb"
    bad.parent.mkdir()
    bad.write_text("{not json")
    verdict = trusted.grade_notebook(bad, SOURCE, FAST)
    assert verdict.score == 0 and "not a readable notebook" in verdict.problem


# ----------------------------------------------------------------------------- 4: harming the run


HARM = {
    "infinite loop": "while True:\n    pass\n",
    "memory bomb": "import numpy as np\nblocks = []\nwhile True:\n    blocks.append(np.ones(10**8))\n",
    "os._exit": "import os\nos._exit(3)\n",
    "sys.exit": "import sys\nsys.exit(0)\n",
    "segfault": "import ctypes\nctypes.string_at(0)\n",
    "kill the process": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
    "fork bomb": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
    "write outside": (f"for p in [{str(ROOT / 'gradebook.db')!r}, {str(SOURCE)!r}, '/work/x']:\n"
                      "    try:\n        open(p, 'w').write('x')\n    except OSError:\n        pass\n"),
    "network": "import socket\nsocket.create_connection(('pypi.org', 443), timeout=3)\n",
}


@pytest.mark.parametrize("kind", sorted(HARM))
def test_harm_in_one_answer_costs_only_that_exercise(tmp_path, kind):
    # the harmful code runs inside corr2d, after a correct answer to it was computed
    attack = ("import numpy as np\n\ndef corr2d(X, K):\n" + "\n".join(
        "    " + line for line in HARM[kind].splitlines()) + "\n    return None\n")
    limits = sandbox.Limits(wall_seconds=15, memory_mb=3072, processes=64)
    got = scores(submission(tmp_path, {"corr2d": attack}), limits)
    assert got["corr2d"] == 0.0 or kind in ("write outside", "network")
    assert {k: v for k, v in got.items() if k != "corr2d"} == {
        k: v for k, v in FULL.items() if k != "corr2d"}
    assert np.load  # the grader itself is unharmed
    assert SOURCE.exists() and "pwned" not in SOURCE.read_text()[:100]


def test_harm_at_the_top_of_an_answer_cell_costs_only_what_needs_it(tmp_path):
    # os._exit while the cell is being defined: corr2d is never defined, the rest is intact
    solved = nbformat.read(SOURCE, as_version=4)
    code = "import os\nos._exit(1)\n" + _answer(solved, "corr2d").source
    got = scores(submission(tmp_path, {"corr2d": code}))
    assert got == dict(FULL, corr2d=0.0)


def test_results_are_read_as_plain_arrays_never_through_symlinks(tmp_path):
    secret = tmp_path / "secret.npy"
    np.save(secret, np.array([[4.0]]))
    out = tmp_path / "out"
    out.mkdir()
    (out / "0_0.npy").symlink_to(secret)
    (out / "0.json").write_text(json.dumps({"status": "returned",
                                            "value": {"tuple": [{"npy": "0_0.npy"}]}}))
    (out / "1.json").write_text(json.dumps({"status": "returned",
                                            "value": {"npy": "../secret.npy"}}))
    fd = wire.open_dir(out)
    try:
        assert wire.read_bytes(fd, "0_0.npy", 1000) is None
        present, value, exc, _ = wire.read_case(fd, 0, wire.Budget())
        assert present and exc is None and isinstance(value[0], wire.Unreadable)
        present, value, exc, _ = wire.read_case(fd, 1, wire.Budget())
        assert isinstance(value, wire.Unreadable) and "another case" in value.reason
    finally:
        import os

        os.close(fd)
    shutil.rmtree(out)


# ----------------------------------------------------------------------------- the zygote's children

SIBLING_ATTACK = '''
import ctypes, glob, os, signal, time
libc = ctypes.CDLL(None)
try:
    os.kill(os.getppid(), signal.SIGKILL)      # the zygote
except OSError:
    pass
for name in os.listdir("/proc"):
    if name.isdigit() and int(name) != os.getpid():
        libc.ptrace(16, int(name), 0, 0)       # PTRACE_ATTACH
        try:
            os.kill(int(name), signal.SIGSTOP)
        except OSError:
            pass
time.sleep(4)                                  # let the siblings finish, then forge their results
for folder in glob.glob("/work/out/*/"):
    for i in range(60):
        try:
            with open(folder + f"{i}.json", "w") as fh:
                fh.write('{"status": "returned", "value": {"none": true}}')
        except OSError:
            pass
try:
    with open("/work/out/status.json", "w") as fh:
        fh.write("{}")
except OSError:
    pass
'''


def test_an_exercise_cannot_kill_trace_or_forge_its_siblings(tmp_path):
    got = scores(submission(tmp_path, {"corr2d": SIBLING_ATTACK + STUB}))
    assert got == dict(FULL, corr2d=0.0)


def test_the_sandbox_tmp_is_bounded_in_memory(tmp_path):
    # /tmp is a tmpfs: unbounded, a submission could fill the grader's RAM through it
    code = ("import os\nwritten = 0\ntry:\n"
            "    with open('/tmp/fill', 'wb') as fh:\n"
            "        for _ in range(1024):\n"
            "            fh.write(b'x' * 2**20)\n"
            "            written += 1\n"
            "except OSError as exc:\n    print('stopped', written, exc.errno)\n")
    work = tmp_path / "w"
    work.mkdir()
    outcome = sandbox.run([sys.executable, "-c", code], work, limits=FAST)
    assert "stopped" in outcome.stdout, outcome.stdout + outcome.stderr
    assert int(outcome.stdout.split()[1]) <= 512


def test_widget_messages_are_not_kept_by_the_grader():
    from autograder.batch.plugins import BoundedExecute

    client = BoundedExecute()
    msg = {"content": {"comm_id": "x", "data": {"state": {"v": "x" * 10_000_000}}},
           "header": {"msg_type": "comm_open"}, "parent_header": {}, "msg_type": "comm_open"}
    client.handle_comm_msg([], msg, 0)
    assert not client.widget_state


def test_a_name_assigned_by_a_skipped_statement_is_explained_in_the_feedback():
    # an added cell computes a constant with the learner's own function: grading skips that
    # statement, and the case that misses the name says where and why
    import builtins

    from autograder.checks.core import get_exercise, run
    from autograder.verdict import runner, trusted

    cells = [{"source": "def make_scale():\n    return 1.0\n\nSCALE = make_scale()\n",
              "where": "added cell 4", "definitions_only": True},
             {"source": "import numpy as np\n\ndef conv_output_size(n, f, stride=1, padding=0,"
                        " strict=False):\n    return int(SCALE * ((n - f + 2 * padding) // stride"
                        " + 1))\n", "where": "answer cell conv_output_size"}]
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    errors = runner.run_cells(cells, namespace)
    assert errors == [{"where": "added cell 4", "error": "Skipped assignment: SCALE at line 4"}]
    text = run(get_exercise("conv_output_size"), namespace["conv_output_size"], 1.0).text()
    assert "name 'SCALE' is not defined" in text
    notes = trusted._skipped_notes(errors, text)
    assert len(notes) == 1 and notes[0].startswith(
        "SCALE is assigned in added cell 4, line 4, by a statement that grading skips")
    assert trusted._skipped_notes(errors, "all cases pass") == []
