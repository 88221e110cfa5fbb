"""The trusted verdict: every point a submission earns, decided without running its code here.

For each exercise of a notebook, a fresh sandbox (:mod:`autograder.verdict.sandbox`) runs the
course's setup cells and the submission's code, then calls the answer on every case of the
exercise's hidden checks. The cases go in as ``.npy`` files; the results come back as files,
read by :mod:`autograder.verdict.wire` as plain, validated data. The grader compares them with
its own reference through :func:`autograder.checks.core.run`, so the points and the feedback
are those of the checks, and nothing the submission does can change them: it never shares a
process with the checks, and it cannot see the reference or the hidden tests.

Which code counts. The source notebook decides the setup: its code cells before the first
answer (definitions only) and the cells tagged ``export`` or ``grading`` (run whole: ``grading``
marks a setup cell whose results the answers may use, such as notebook 05's ``earlier()`` call)
come from ``source/``, never from the submission. From the submission, in its own order, come the answer cells (found by their
nbgrader ``grade_id``) and the code cells the student added (cells whose id the source does not
know). The exercise's own answer cell runs whole; every other cell runs definitions only
(imports, functions, classes, and constants computed with numpy, torch, math or the standard
library), so a crash or a long computation in one cell costs only the exercise it belongs to;
a case that misses a name that such a skipped statement assigns says so in its feedback. IPython magics and shell lines are dropped. Test cells, points
and metadata in the submission are ignored.

Failure is the student's: a crash, a hang, a limit, an unreadable result or an exhausted time
budget costs the cases it touches, and the grader never raises for anything the sandbox wrote.
An exercise that could not be graded at all gets 0 and a ``problem``, which flags the submission.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.checks.core import Case, Exercise, get_exercise, run
from autograder.verdict import sandbox, wire

GRADE_CALL = re.compile(r'grade\("(\w+)", (\w+), points=([\d.]+)\)')
MAX_NOTEBOOK = 25 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    grade_id: str  # the hidden test cell
    exercise: str  # the registered check
    function: str  # the answer's name in the notebook
    points: float


@dataclass
class Verdict:
    grade_id: str
    exercise: str
    points: float
    max_points: float
    report: str
    problem: str = ""  # why the sandbox could not finish (crash, timeout, budget), if it could not
    flag: str = ""  # why the grader could not decide: review by hand (the points are 0)


@dataclass
class NotebookVerdict:
    notebook: str
    exercises: list[Verdict] = field(default_factory=list)
    problem: str = ""  # the submission could not be read at all

    @property
    def score(self) -> float:
        return sum(v.points for v in self.exercises)


@dataclass(frozen=True)
class Plan:
    """What the source notebook says: its graded answers, setup cells, answer ids, and every
    nbgrader id it has (cells with other ids, or none, were added by the student)."""

    answers: tuple[Answer, ...]
    setup: tuple[dict, ...]
    solution_ids: tuple[str, ...]
    known_ids: frozenset[str]
    course_code: frozenset[str] = frozenset()  # sources of its code cells (unchanged = not added)


def _nb_meta(cell: Any) -> dict:
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    nbg = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return nbg if isinstance(nbg, dict) else {}


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    if isinstance(src, list) and all(isinstance(s, str) for s in src):
        return "".join(src)
    if isinstance(src, str):
        return src
    raise TypeError("a cell's source is neither text nor a list of lines")


def runtime_budget(source_nb: Path) -> float:
    """Seconds the solved notebook may take on a 2-core CPU: 60, or what its metadata declares
    (``cnn_course.runtime_budget_seconds``; a training notebook declares 180)."""
    meta = json.loads(Path(source_nb).read_text(encoding="utf-8")).get("metadata", {})
    return float(meta.get("cnn_course", {}).get("runtime_budget_seconds", 60))


def course_plan(source_nb: Path) -> Plan:
    """Read the (trusted) source notebook."""
    cells = json.loads(Path(source_nb).read_text(encoding="utf-8"))["cells"]
    answers, setup, solution_ids, known, code = [], [], [], set(), set()
    seen_solution = False
    for index, cell in enumerate(cells):
        meta = _nb_meta(cell)
        if meta.get("grade_id"):
            known.add(meta["grade_id"])
        if cell.get("cell_type") != "code":
            continue
        src = _source(cell)
        code.add(src.strip())
        if meta.get("solution"):
            seen_solution = True
            solution_ids.append(meta["grade_id"])
        elif meta.get("grade"):
            for name, fn, points in GRADE_CALL.findall(src):
                answers.append(Answer(meta["grade_id"], name, fn, float(points)))
        elif {"export", "grading"} & set(cell.get("metadata", {}).get("tags", [])):
            # run whole: exported definitions, or a setup cell whose names the answers may use
            # and that grading must compute (tag "grading": notebook 05's earlier() call)
            setup.append({"source": src, "where": f"setup cell {index}"})
        elif not seen_solution:
            # only the definitions of an early cell: its plots and computations are not needed
            setup.append({"source": src, "where": f"setup cell {index}", "definitions_only": True})
    return Plan(tuple(answers), tuple(setup), tuple(solution_ids), frozenset(known),
                frozenset(code))


def submission_cells(submission_nb: Path, plan: Plan) -> tuple[list[dict], str]:
    """The submission's answer cells and added cells, in its order, and a problem description
    if the file cannot be used. Nothing here trusts the file: any shape is handled."""
    try:
        fd = wire.open_dir(Path(submission_nb).parent)
        raw = wire.read_bytes(fd, Path(submission_nb).name, MAX_NOTEBOOK) if fd is not None else None
        if fd is not None:
            os.close(fd)
        if raw is None:
            raise ValueError("missing, not a regular file, or over 25 MB")
        cells = json.loads(raw.decode("utf-8"))["cells"]
        if not isinstance(cells, list):
            raise TypeError("cells is not a list")
        wanted = set(plan.solution_ids)
        found = []
        for index, cell in enumerate(cells):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            grade_id = _nb_meta(cell).get("grade_id")
            if isinstance(grade_id, str) and grade_id in wanted:
                found.append({"source": _source(cell), "where": f"answer cell {grade_id}",
                              "grade_id": grade_id})
            elif not (isinstance(grade_id, str) and grade_id in plan.known_ids):
                src = _source(cell)
                if src.strip() in plan.course_code:
                    continue  # the course's own cell (a figure, training), unchanged
                found.append({"source": src, "where": f"added cell {index}",
                              "definitions_only": True})
    except (Exception, RecursionError) as exc:
        return [], (f"{Path(submission_nb).name} is not a readable notebook: "
                    f"{type(exc).__name__}: {str(exc)[:200]}")
    return found, ""


# ----------------------------------------------------------------------------- one exercise


class Recorded:
    """Stands in for the student's function: returns what the sandbox recorded for each case."""

    def __init__(self, name: str,
                 results: dict[tuple, tuple[Any, BaseException | None, tuple[str, ...]]]):
        self.__name__ = name
        self.results = results

    def recorded_call(self, case: Case
                      ) -> tuple[Any, BaseException | None, str, tuple[str, ...]]:
        value, exc, changed = self.results.get(case.key, (None, RuntimeError(
            "the sandbox ended before this case (the answer crashed the process, exhausted a "
            "limit or ran out of time)"), ()))
        return value, exc, "", changed

    def __call__(self, *args, **kwargs):  # never called: checks use recorded_call
        raise RuntimeError("a recorded answer cannot be called")


def _all_cases(ex: Exercise) -> list[Case]:
    cases = []
    for index, group in enumerate(ex.groups):
        rng = np.random.default_rng([ex.seed, index])
        for position, case in enumerate(group.cases(rng)):
            case.key = (index, position)
            cases.append(case)
    return cases


def _run_plain(argv: list[str], work: Path, limits: sandbox.Limits, staged: Path,
               job: Path, out: Path) -> sandbox.Outcome:
    """The learner's own machine without bubblewrap: the same runner, as a plain process."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(work), "PYTHONPATH": str(staged),
           "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"}
    argv = [a.replace("/work/job", str(job)).replace("/work/out", str(out)) for a in argv]
    proc = subprocess.Popen(argv, cwd=work, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        proc.wait(timeout=limits.wall_seconds)
        return sandbox.Outcome(proc.returncode, False, "", "")
    except subprocess.TimeoutExpired:
        return sandbox.Outcome(None, True, "", "")
    finally:
        sandbox.kill_group(proc)


SKIPPED = "Skipped assignment:"  # written by autograder.verdict.runner for a dropped statement
_UNDEFINED = re.compile(r"name '(\w+)' is not defined")


def _skipped_notes(errors: list[dict], text: str) -> list[str]:
    """For each name that a case found undefined and an added cell assigns in a statement that
    grading skipped (not a definition): where, and why."""
    missing = set(_UNDEFINED.findall(text))
    notes = []
    for err in errors:
        if not err["error"].startswith(SKIPPED):
            continue
        name, _, line = err["error"][len(SKIPPED):].strip().partition(" at line ")
        if name in missing:
            missing.discard(name)
            notes.append(f"{name} is assigned in {err['where']}, line {line}, by a statement that "
                         "grading skips: cells other than the exercise's answer run only their "
                         "imports, functions, classes and constants (values computed with numpy, torch, math or the standard "
                         "library). Define it in your answer cell, or compute it with those.")
    return notes


def _own_errors(errors: list[dict], answer: Answer) -> list[str]:
    """The cell errors that concern this exercise: its own answer cell and the added cells."""
    out = []
    for err in errors:
        where = err["where"]
        if err["error"].startswith(SKIPPED):
            continue  # named by _skipped_notes, where a case missed the name
        if where == f"answer cell {answer.function}":
            out.append(f"answer cell `{answer.function}` could not run: {err['error']}")
        elif where.startswith("added cell") and err["error"].startswith(
                ("SyntaxError", "ImportError", "ModuleNotFoundError")):
            # what breaks its definitions; a constant that needs a skipped statement is not
            out.append(f"{where} (a cell you added; only its definitions run): {err['error']}")
    return out


def _zero(answer: Answer, reason: str, flag: bool) -> Verdict:
    return Verdict(answer.grade_id, answer.exercise, 0.0, answer.points,
                   f"{answer.exercise}: 0 / {answer.points:g} points\n  note: {reason}", reason,
                   flag=f"{answer.exercise}: {reason}" if flag else "")


def _read_status(out_fd: int) -> dict[str, dict]:
    """The zygote's record of how each child ended (root-owned: children cannot write it)."""
    raw = wire.read_bytes(out_fd, "status.json", wire.MAX_RECORD)
    try:
        data = json.loads(raw.decode("utf-8")) if raw is not None else {}
    except (ValueError, RecursionError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def grade_answers(answers: list[Answer], setup: list[dict], cells: list[dict], staged: Path,
                  limits: sandbox.Limits, seconds: float, sandboxed: bool = True,
                  parallel: int = 2) -> list[Verdict]:
    """Grade several exercises of one notebook in one sandbox: a zygote that pays the setup's
    imports once and forks a child per exercise, each with a user id of its own (see
    autograder.verdict.runner). ``seconds`` is the wall time left for all of them."""
    exercises = [get_exercise(a.exercise) for a in answers]
    all_cases = [_all_cases(ex) for ex in exercises]
    rounds = -(-len(answers) // max(1, parallel))
    wall = max(1.0, min(seconds, rounds * limits.wall_seconds + 30))
    verdicts: list[Verdict] = []
    with tempfile.TemporaryDirectory(prefix="trusted-") as tmp:
        work, job, out = Path(tmp) / "work", Path(tmp) / "job", Path(tmp) / "out"
        for folder in (work, job, out):
            folder.mkdir()
        jobs, uids = [], []
        for k, (answer, cases) in enumerate(zip(answers, all_cases, strict=True)):
            uid = sandbox.new_uid() if sandboxed else None
            uids.append(uid)
            for folder in (out / str(k), work / str(k)):
                folder.mkdir(mode=0o700)
                if uid is not None:
                    os.chown(folder, uid, uid)
            own = [dict(c, definitions_only=c.get("definitions_only", False) or (
                "grade_id" in c and c["grade_id"] != answer.function)) for c in cells]
            jobs.append({
                "key": str(k), "uid": uid, "home": f"/work/submission/{k}",
                "function": answer.function, "cells": own,
                "calls": [{"args": wire.encode_arg(tuple(case.args), job, f"in{k}_{i}_a"),
                           "kwargs": wire.encode_arg(dict(case.kwargs), job, f"in{k}_{i}_k"),
                           **wire.encode_probe(case.probe, job, f"in{k}_{i}_p")}
                          for i, case in enumerate(cases)]})
        if not sandboxed:
            for j in jobs:
                j["home"] = str(work / j["key"])
        (job / "job.json").write_text(json.dumps({
            "setup": setup, "exercises": jobs, "parallel": parallel,
            "exercise_seconds": limits.wall_seconds,
            "case_seconds": max(1, int(limits.case_seconds))}))
        for path in (job, *job.iterdir()):
            path.chmod(0o755 if path.is_dir() else 0o644)
        out.chmod(0o755)
        # descriptors taken before student code runs: the folders cannot be swapped
        out_fd = wire.open_dir(out)
        fds = [wire.open_dir(out / str(k)) for k in range(len(answers))]
        # import the reference modules (torch for the later notebooks) while the sandbox runs:
        # the two overlap on two cores; a reference that fails to import fails later, in run()
        prefetch = threading.Thread(target=_import_references, args=(exercises,), daemon=True)
        prefetch.start()
        try:
            run_limits = sandbox.Limits(**{**limits.__dict__, "wall_seconds": wall})
            argv = [sys.executable, "-m", "autograder.verdict.runner", "/work/job", "/work/out"]
            if sandboxed:
                outcome = sandbox.run(argv, work, limits=run_limits, staged=staged, zygote=True,
                                      binds=(("ro", job, "/work/job"), ("rw", out, "/work/out")))
            else:
                outcome = _run_plain(argv, work, run_limits, staged, job, out)
            status = _read_status(out_fd)
            prefetch.join()
            for k, (answer, ex, cases) in enumerate(zip(answers, exercises, all_cases,
                                                         strict=True)):
                verdicts.append(_verdict(answer, ex, cases, fds[k], status.get(str(k)),
                                         outcome, wall, limits))
        finally:
            for fd in (out_fd, *fds):
                if fd is not None:
                    os.close(fd)
    return verdicts


def _import_references(exercises: list[Exercise]) -> None:
    for ex in exercises:
        try:
            ex.reference_fn()
        except Exception:  # noqa: BLE001 - run() imports it again and reports the error
            return


def _verdict(answer: Answer, ex: Exercise, cases: list[Case], fd: int | None, status: Any,
             outcome: sandbox.Outcome, wall: float, limits: sandbox.Limits) -> Verdict:
    """Read one exercise's results and grade them against the reference."""
    results: dict[tuple, tuple[Any, BaseException | None, tuple[str, ...]]] = {}
    errors: list[dict] = []
    if fd is not None:
        budget = wire.Budget()
        for i, case in enumerate(cases):
            present, value, exc, changed = wire.read_case(fd, i, budget)
            if present:
                results[case.key] = (value, exc, changed)
        errors = wire.read_setup(fd)
    problem = ""
    if isinstance(status, dict) and status.get("timed_out") is True:
        problem = f"the answer ran out of time ({limits.wall_seconds:g} s for the exercise)"
    elif isinstance(status, dict) and isinstance(status.get("exit"), int) and status["exit"] != 0:
        code = status["exit"]
        problem = (f"the process ended with signal {-code}" if code < 0
                   else f"the process ended with code {code}")
    elif status is None and outcome.timed_out:
        problem = f"the submission's sandbox ran out of time ({wall:g} s)"
    elif status is None:
        problem = "the sandbox ended before this exercise finished"
    if len(results) < len(cases) and not problem:
        problem = "the process ended early (os._exit, a crash or a limit)"
    report = run(ex, Recorded(answer.function, results), answer.points)
    text = report.text()
    for line in _own_errors(errors, answer) + _skipped_notes(errors, text):
        text += f"\n  note: {line}"
    if problem:
        text += f"\n  note: {problem}; the cases it did not finish count as failed."
    return Verdict(answer.grade_id, answer.exercise, report.points, answer.points, text, problem)


def grade_notebook(submission_nb: Path, source_nb: Path, limits: sandbox.Limits | None = None,
                   only: set[str] | None = None, workers: int = 2, sandboxed: bool = True,
                   deadline: float | None = None) -> NotebookVerdict:
    """Every exercise of one notebook (or those named in ``only``), ``workers`` at a time, in
    one zygote sandbox (see :func:`grade_answers`). ``deadline`` (time.monotonic) ends the
    submission's time budget; by default it is ``limits.submission_seconds(n_exercises)``.
    Never raises: an exercise the grader cannot decide scores 0 with a flag."""
    limits = limits or sandbox.Limits()
    plan = course_plan(source_nb)
    answers = [a for a in plan.answers if only is None or a.exercise in only]
    if deadline is None:
        deadline = time.monotonic() + limits.submission_seconds(len(answers))
    verdict = NotebookVerdict(Path(source_nb).stem)
    cells, problem = submission_cells(submission_nb, plan)
    verdict.problem = problem
    if problem:
        verdict.exercises = [_zero(a, problem, flag=False) for a in answers]
        return verdict
    left = deadline - time.monotonic()
    if left < 1:
        verdict.exercises = [_zero(a, "the submission's time budget ran out before this "
                                   "exercise was graded", flag=True) for a in answers]
        return verdict
    try:
        with tempfile.TemporaryDirectory(prefix="staged-") as tmp:
            staged = sandbox.stage_student_modules(Path(tmp))
            verdict.exercises = grade_answers(answers, list(plan.setup), cells, staged, limits,
                                              left, sandboxed, parallel=workers)
    except Exception as exc:  # the grader's own failure: 0, flagged for review
        reason = f"could not be graded ({type(exc).__name__}: {str(exc)[:200]})"
        verdict.exercises = [_zero(a, reason, flag=True) for a in answers]
        return verdict
    budget_spent = time.monotonic() >= deadline - 0.5
    for v in verdict.exercises:
        if budget_spent and v.problem and "ran out of time" in v.problem:
            v.flag = f"{v.exercise}: the submission's time budget ran out ({v.problem})"
    return verdict


def grade_submission(folder: Path, source_dir: Path, limits: sandbox.Limits | None = None,
                     sandboxed: bool = True) -> list[NotebookVerdict]:
    """Every notebook of one submission (``folder`` holds the student's notebooks, named as in
    ``source_dir``), under one time budget for the whole submission."""
    limits = limits or sandbox.Limits()
    sources = sorted(Path(source_dir).glob("*.ipynb"))
    n = sum(len(course_plan(src).answers) for src in sources)
    deadline = time.monotonic() + limits.submission_seconds(n)
    return [grade_notebook(Path(folder) / src.name, src, limits, sandboxed=sandboxed,
                           deadline=deadline) for src in sources]
