"""Batch workers: one process per submission, so a worker's death costs only its submission."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from autograder.batch import run
from autograder.batch.intake import Submission


def _fake_grade_one(course, db_url, assignment, student, *rest):
    if student == "oom":  # what the kernel's OOM killer does to a worker
        os.kill(os.getpid(), signal.SIGKILL)
    if student == "raises":
        raise MemoryError("the worker ran out of memory")
    return {"success": True, "error": "", "flags": [], "student": student}


def test_a_worker_killed_mid_grading_costs_only_its_submission(monkeypatch, tmp_path):
    monkeypatch.setattr(run, "grade_one", _fake_grade_one)
    students = ["a", "oom", "b", "raises", "c", "d"]
    subs = [Submission(s, "01_convolution", tmp_path) for s in students]
    outcomes = run._run_all(Path(tmp_path), None, subs, jobs=2, progress=False)
    assert set(outcomes) == {(s, "01_convolution") for s in students}
    for s in ("a", "b", "c", "d"):
        assert outcomes[(s, "01_convolution")]["success"], s
    dead = outcomes[("oom", "01_convolution")]
    assert not dead["success"] and "killed by signal 9" in dead["error"]
    raised = outcomes[("raises", "01_convolution")]
    assert not raised["success"] and "MemoryError" in raised["error"]


def test_serial_grading_also_isolates_each_submission(monkeypatch, tmp_path):
    monkeypatch.setattr(run, "grade_one", _fake_grade_one)
    subs = [Submission(s, "01_convolution", tmp_path) for s in ("oom", "a")]
    outcomes = run._run_all(Path(tmp_path), None, subs, jobs=1, progress=False)
    assert not outcomes[("oom", "01_convolution")]["success"]
    assert outcomes[("a", "01_convolution")]["success"]
