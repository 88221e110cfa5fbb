"""Grading on Dask workers (`grade --scheduler`), fault by fault, with real worker processes:

- a worker killed in the middle of a batch loses nothing: Dask runs its submission again on
  another worker, every student gets one row, and the gradebook is consistent;
- a submission whose grading kills every worker that takes it costs only its own "not graded"
  row, never the batch;
- a scheduler that goes away ends the run with a one-line error and a non-zero exit, and a
  local rerun resumes from the verdict files without grading finished submissions again;
- a worker without bubblewrap, and a worker with another course version, refuse with a clear
  message, and nothing is written;
- workers write nothing to a course: the coordinator records everything, and `feedback` works
  on what it recorded.

The workers grade against a course folder of their own (``AUTOGRADER_COURSE``), a copy of the
coordinator's: nothing reaches them or comes back through a shared folder.
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
import threading
import time
from pathlib import Path

import pytest

from autograder.batch import distributed
from autograder.verdict import sandbox

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sandbox.bwrap_path() is None, reason="bwrap is not installed")]

ROOT = Path(__file__).resolve().parent.parent
A = "01_convolution"
SOURCE = ROOT / "source" / A / f"{A}.ipynb"
STUDENT = ROOT / "notebooks" / A / f"{A}.ipynb"
FULL = 12.0
BIN = Path(sys.executable).parent


def _course(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copytree(ROOT / "source", folder / "source",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    return folder


def _courses(tmp: Path) -> tuple[Path, Path]:
    """The coordinator's course and the workers' own copy of it (one snapshot of ``source/``,
    which may be edited while the tests run)."""
    course = _course(tmp / "course")
    worker = tmp / "worker"
    shutil.copytree(course, worker)
    return course, worker


def _write(subs: Path, student: str, notebook: Path) -> None:
    target = subs / student / A
    target.mkdir(parents=True)
    shutil.copy(notebook, target / f"{A}.ipynb")


def _env(**extra: str) -> dict[str, str]:
    return dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", **extra)


def _grade_cmd(course: Path, subs: Path, csv_path: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "autograder", "--root", str(course), "grade", str(subs), "-q",
            "--timeout", "15", "--execute-timeout", "60", "--csv", str(csv_path), *extra]


def _grade(course: Path, subs: Path, csv_path: Path, *extra: str,
           timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(_grade_cmd(course, subs, csv_path, *extra), capture_output=True,
                          text=True, env=_env(), timeout=timeout)


def _csv_rows(path: Path) -> list[dict]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def _gradebook_counts(course: Path) -> dict[str, int]:
    con = sqlite3.connect(course / "gradebook.db")
    try:
        assert con.execute("pragma integrity_check").fetchone() == ("ok",)
        return dict(con.execute("select student_id, count(*) from submitted_assignment "
                                "group by student_id").fetchall())
    finally:
        con.close()


def _local_cluster(n_workers: int, env: dict[str, str], **config):
    """A LocalCluster of worker processes (one thread each), with scheduler ``config``."""
    import dask
    from distributed import LocalCluster

    settings = {f"distributed.scheduler.{k.replace('_', '-')}": v for k, v in config.items()}
    with dask.config.set(settings):
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                            dashboard_address=None, env=env)


def _fault_plugin(marker: Path):
    """A worker plugin standing in for faults: the worker grading student ``avictim`` is killed
    (SIGKILL) 3 s into its task, once; a worker grading student ``zcrasher`` dies at once, every
    time, as if the submission crashed it."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class Faults(WorkerPlugin):
        name = "test-faults"

        def __init__(self, marker: str):
            self.marker = marker

        def transition(self, key, start, finish, **kwargs):
            key = str(key)
            if finish != "executing":
                return
            if "-zcrasher-" in key:
                os.kill(os.getpid(), signal.SIGKILL)
            if "-avictim-" in key:
                try:
                    os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                except FileExistsError:
                    return  # killed once already: this time it runs
                threading.Timer(3.0, os.kill, (os.getpid(), signal.SIGKILL)).start()

    return Faults(str(marker))


@pytest.fixture(scope="module")
def cluster_batch(tmp_path_factory):
    """Two batches graded on one LocalCluster of two worker processes, into one course.

    1. An honest solved notebook, a blank one, and one whose worker is killed mid-task.
    2. One that kills every worker that takes it, beside an honest one ("bystander").

    The faults are in batches of their own because Dask moves the task of a dead worker onto a
    busy worker, where it waits behind the running task. A death there is charged to it as
    well, so in one batch the victim could be charged with the crasher's kill."""
    import cloudpickle
    from distributed import Client

    tmp = tmp_path_factory.mktemp("cluster")
    (course, worker_course), subs, subs2 = _courses(tmp), tmp / "subs", tmp / "subs2"
    _write(subs, "correct", SOURCE)
    _write(subs, "blank", STUDENT)
    _write(subs, "avictim", SOURCE)
    _write(subs2, "zcrasher", STUDENT)
    _write(subs2, "bystander", SOURCE)
    marker = tmp / "victim-killed"
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    (tmp / "worker-tmp").mkdir()  # what killed workers leave behind stays in the test's folder
    # a task is declared lost on its second dead worker (Dask's default: the fourth); the victim
    # dies once and is graded on its second try
    cluster = _local_cluster(2, {distributed.COURSE_ENV: str(worker_course),
                                 "TMPDIR": str(tmp / "worker-tmp")}, allowed_failures=1)
    try:
        with Client(cluster) as client:
            client.register_plugin(_fault_plugin(marker))
            start = time.monotonic()
            first = _grade(course, subs, tmp / "grades1.csv", "--scheduler",
                           cluster.scheduler_address)
            seconds = time.monotonic() - start
            client.wait_for_workers(2, timeout=120)  # the victim's worker is back
            proc = _grade(course, subs2, tmp / "grades.csv", "--scheduler",
                          cluster.scheduler_address)
    finally:
        cluster.close()
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    feedback = subprocess.run([sys.executable, "-m", "autograder", "--root", str(course),
                               "feedback"], capture_output=True, text=True, env=_env(),
                              timeout=600)
    verdicts = {p.parent.name: json.loads(p.read_text())
                for p in (course / "verdicts").glob(f"*/{A}.json")}
    print(f"\n3 submissions graded on 2 Dask workers in {seconds:.0f} s, one worker killed")
    return dict(course=course, worker_course=worker_course, first=first, proc=proc,
                marker=marker, rows=_csv_rows(tmp / "grades.csv"), verdicts=verdicts,
                feedback=feedback)


def test_a_worker_killed_mid_batch_loses_nothing(cluster_batch):
    first, rows = cluster_batch["first"], cluster_batch["rows"]
    assert first.returncode == 0, first.stderr[-3000:]
    assert "not graded" not in first.stderr, first.stderr[-3000:]
    assert cluster_batch["marker"].exists(), "the victim's worker was never killed"
    students = [r["student"] for r in rows]
    assert sorted(students) == ["avictim", "blank", "bystander", "correct", "zcrasher"], (
        "one row per student")
    scores = {r["student"]: r["score"] for r in rows if r["status"] == "graded"}
    assert {s: float(v) for s, v in scores.items()} == {"correct": FULL, "avictim": FULL,
                                                        "blank": 0.0, "bystander": FULL}
    assert not any(r["flag"] for r in rows)
    assert _gradebook_counts(cluster_batch["course"]) == {"avictim": 1, "blank": 1, "correct": 1,
                                                          "bystander": 1}
    assert set(cluster_batch["verdicts"]) == {"avictim", "blank", "correct", "bystander"}


def test_a_submission_that_crashes_its_workers_costs_only_itself(cluster_batch):
    proc, rows = cluster_batch["proc"], cluster_batch["rows"]
    crasher = [r for r in rows if r["student"] == "zcrasher"]
    assert len(crasher) == 1 and crasher[0]["status"].startswith("not graded: zcrasher/"), crasher
    assert "killed every Dask worker" in crasher[0]["status"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("not graded")]
    assert len(lines) == 1 and "zcrasher/01_convolution" in lines[0], proc.stderr[-2000:]
    bystander = [r for r in rows if r["student"] == "bystander"]
    assert [(r["status"], float(r["score"])) for r in bystander] == [("graded", FULL)], bystander


def test_only_the_coordinator_writes_and_feedback_reads_what_it_wrote(cluster_batch):
    course, worker_course = cluster_batch["course"], cluster_batch["worker_course"]
    assert sorted(p.name for p in worker_course.iterdir()) == ["nbgrader_config.py", "source"]
    for student in ("correct", "blank", "avictim"):
        folder = course / "autograded" / student / A
        assert sorted(p.name for p in folder.iterdir()) == [f"{A}.ipynb"]
        verdict = cluster_batch["verdicts"][student]
        assert verdict["complete"] and verdict["sandbox"]
        assert verdict["seconds"] > 0 and verdict["worker"]
    feedback = cluster_batch["feedback"]
    assert feedback.returncode == 0, feedback.stderr[-2000:]
    html = (course / "feedback" / "correct" / A / f"{A}.html").read_text()
    assert "Score: 12.0 / 12.0" in html
    blank = (course / "feedback" / "blank" / A / f"{A}.html").read_text()
    assert "Score: 0.0 / 12.0" in blank and "not implemented" in blank


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _scheduler_address(path: Path, scheduler: subprocess.Popen, log: Path) -> str:
    """The address that a ``dask scheduler --port 0`` wrote to its scheduler file."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and scheduler.poll() is None:
        try:
            return json.loads(path.read_text())["address"]
        except (OSError, ValueError, KeyError):
            time.sleep(0.2)
    raise AssertionError(f"the dask scheduler did not start: {log.read_text()[-2000:]}")


def test_a_lost_scheduler_ends_the_run_and_the_rerun_resumes(tmp_path):
    (course, worker_course), subs = _courses(tmp_path), tmp_path / "subs"
    students = ["s0", "s1", "s2"]
    for student in students:
        _write(subs, student, STUDENT)
    # port 0 and a scheduler file: no other process can take the port between choice and bind
    info, logs = tmp_path / "scheduler.json", {n: tmp_path / f"{n}.log" for n in ("s", "w")}
    with logs["s"].open("w") as s_log, logs["w"].open("w") as w_log:
        scheduler = subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1",
                                      "--port", "0", "--no-dashboard", "--scheduler-file",
                                      str(info)], env=_env(), stdout=s_log, stderr=s_log,
                                     start_new_session=True)
        worker = None
        try:
            address = _scheduler_address(info, scheduler, logs["s"])
            worker = subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1",
                                       "--no-dashboard"],
                                      env=_env(**{distributed.COURSE_ENV: str(worker_course),
                                                  "TMPDIR": str(tmp_path)}),
                                      stdout=w_log, stderr=w_log, start_new_session=True)
            grade = subprocess.Popen(_grade_cmd(course, subs, tmp_path / "g1.csv",
                                                "--scheduler", address), env=_env(),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            verdicts = course / "verdicts"
            deadline = time.monotonic() + 300
            while (time.monotonic() < deadline and grade.poll() is None
                   and not list(verdicts.glob(f"*/{A}.json"))):
                time.sleep(0.5)
            _stop(scheduler)
            out, err = grade.communicate(timeout=300)
        finally:
            _stop(scheduler)
            if worker is not None:
                _stop(worker)
    why = (f"grade: {err[-1500:]}\nworker log: {logs['w'].read_text()[-3000:]}\n"
           f"scheduler log: {logs['s'].read_text()[-1500:]}")
    done_before = {p.parent.name for p in verdicts.glob(f"*/{A}.json")}
    assert 1 <= len(done_before) < len(students), (done_before, why)
    assert grade.returncode == 2, why
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: lost the Dask scheduler at "), err
    assert "Traceback" not in err

    proc = _grade(course, subs, tmp_path / "g2.csv", "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    skipped = {line.split()[1].split("/")[0] for line in proc.stderr.splitlines()
               if line.startswith("skipped ")}
    assert skipped == done_before, "finished submissions are not graded twice"
    rows = _csv_rows(tmp_path / "g2.csv")
    assert sorted(r["student"] for r in rows) == students
    assert all(r["status"] == "graded" and float(r["score"]) == 0.0 for r in rows)
    assert _gradebook_counts(course) == dict.fromkeys(students, 1)


@pytest.mark.parametrize("fault", ["no_bwrap", "other_course"])
def test_a_worker_that_cannot_grade_refuses_and_nothing_is_written(tmp_path, fault):
    (course, worker_course), subs = _courses(tmp_path), tmp_path / "subs"
    _write(subs, "s0", SOURCE)
    env = {distributed.COURSE_ENV: str(worker_course)}
    if fault == "no_bwrap":
        env["PATH"] = str(BIN)  # a worker where bubblewrap is not installed
    else:  # the worker's course has another version of the source notebook
        src = worker_course / "source" / A / f"{A}.ipynb"
        src.write_text(src.read_text().replace("corr2d", "corr2d ", 1))
    cluster = _local_cluster(1, env)
    try:
        proc = _grade(course, subs, tmp_path / "g.csv", "--scheduler", cluster.scheduler_address,
                      timeout=300)
    finally:
        cluster.close()
    assert proc.returncode == 2, proc.stderr[-2000:]
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("error: worker ") and "refuses to grade" in line, proc.stderr
    if fault == "no_bwrap":
        assert "bubblewrap (bwrap) is not installed" in line
    else:
        mine = distributed.course_digest(course)
        assert "another course version" in line and mine in line
        assert distributed.course_digest(worker_course) in line
    assert not (course / "verdicts").exists() and not (course / "autograded").exists()
    assert _gradebook_counts(course) == {}


def test_a_worker_refuses_a_task_of_another_course_version(tmp_path):
    """The check every task makes (a worker may join after the coordinator's first check)."""
    task = {"assignment": A, "student": "s0", "notebooks": {f"{A}.ipynb": SOURCE.read_bytes()},
            "sandboxed": True, "limits": None, "course_digest": "0" * 64,
            "submission_digest": ""}
    with pytest.raises(distributed.WorkerRefused, match="another course version") as err:
        distributed.grade_remote(task)
    assert "0" * 64 in str(err.value)


def test_the_course_digest_follows_the_bytes_and_ignores_pycache(tmp_path):
    course = _course(tmp_path / "course")
    code = tmp_path / "code"
    (code / "autograder" / "__pycache__").mkdir(parents=True)
    (code / "solutions").mkdir()
    (code / "autograder" / "a.py").write_text("x = 1\n")
    before = distributed.course_digest(course, code)
    (code / "autograder" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    assert distributed.course_digest(course, code) == before
    (code / "solutions" / "s.py").write_text("y = 2\n")
    after = distributed.course_digest(course, code)
    assert after != before
    (code / "solutions" / "s.py").rename(code / "solutions" / "t.py")
    assert distributed.course_digest(course, code) != after, "paths count, not only bytes"

