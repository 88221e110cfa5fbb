"""Grade a batch: intake, then each submission in a worker process of its own (or on Dask
workers: :mod:`autograder.batch.distributed`).

One submission is graded by :func:`grade_one`:

1. **The trusted verdict** (:mod:`autograder.verdict.trusted`) decides every point, in
   sandboxes that cannot see the reference or the hidden tests, under one time budget for the
   whole submission. An exercise it cannot decide scores 0 and flags the submission.
2. **nbgrader's autograde** executes the notebook for its outputs and figures only, in a
   sandboxed kernel with the hidden tests removed, and records the trusted points in the
   gradebook (:class:`autograder.batch.plugins.TrustedGrades`). If it cannot run the notebook,
   the trusted points are written straight into the gradebook and the submission is flagged.
3. The autograded folder is scrubbed to regular notebook files, and a verdict file records that
   the submission was graded completely (a rerun skips it while its notebooks are unchanged).

There is no in-kernel score: a submission gets the trusted score, or 0 with a flag.

Each submission runs in a forked process of its own, ``jobs`` at a time: a worker that dies
(killed for memory, a crash) costs that one submission a "not graded" row, never the batch.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.connection
import os
import re
import shutil
import stat
import tempfile
import time
from pathlib import Path

from autograder.batch import gradebook
from autograder.batch.gradebook import (
    CourseLock,
    _install_execute_unlock,
    _prepare_nbgrader,
    api_for,
    prepare_assignments,
    read_verdict,
    record_verdict,
    submission_digest,
    verdict_path,
    write_verdict,
)
from autograder.batch.intake import (
    BatchResult,
    GradingError,
    Problem,
    Submission,
    copy_into_course,
    discover,
    unpack,
)
from autograder.course.build import ROOT

# the line that ends a traceback: "nbclient.exceptions.CellTimeoutError: A cell timed out ..."
_EXCEPTION_LINE = re.compile(r"^\s*(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*): (\S.*)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _reason(*texts: str | None) -> str:
    """The line of a failure's traceback or log that says what went wrong, at most 200 characters.

    An exception line is one that ends a traceback (it follows the more deeply indented frame
    lines; nbgrader's captured log indents a whole traceback) or that starts a text. The last
    one is the cause (the final exception of a chain); nbgrader's own "NbGraderException:
    Please see the above traceback ..." is skipped, and so is a timed-out cell's preview of
    student code (up to the next log record, which starts at the margin: the log indents every
    line of a message after its first, so no line of the preview can).
    Without one: the last line that is not such a pointer.
    """
    lines = [line for text in texts for line in (text or "").strip().splitlines()]
    if any("kernel became unresponsive" in line for line in lines):
        return ("the kernel became unresponsive and could not be interrupted (an infinite loop "
                "that holds on to memory, or similar)")
    cause, previous, preview = None, None, False
    for line in lines:
        if not line.strip():
            continue
        # a timed-out cell's preview of student code: skipped up to the next log record
        if line.strip() == "Here is a preview of the cell contents:":
            preview = True
        elif preview and line.startswith("["):
            preview = False
        if preview:
            continue
        match = _EXCEPTION_LINE.match(line)
        if (match and "Please see the" not in line
                and (previous is None or _indent(previous) > _indent(line))):
            cause = f"{match.group(1)}: {match.group(2).strip()}"
        previous = line
    if cause:
        return cause[:200]
    useful = [line.strip() for line in lines if line.strip() and "Please see the" not in line]
    return useful[-1][:200] if useful else "?"


def scrub(folder: Path) -> None:
    """Keep only regular ``.ipynb`` files in a grader-owned output folder (no links followed)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        info = entry.stat(follow_symlinks=False)
        if stat.S_ISREG(info.st_mode) and entry.name.endswith(".ipynb"):
            continue
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            os.unlink(entry.path)


def grade_one(course: str, db_url: str | None, assignment: str, student: str,
              sandboxed: bool = True, limits=None, digest: str = "") -> dict:
    """Grade one submission (see the module docstring). Returns {"success", "error", "flags"}."""
    from autograder.verdict import trusted
    from autograder.verdict.sandbox import Limits

    started = time.monotonic()
    limits = limits or Limits()
    course_path = Path(course)
    if not limits.execute_seconds:  # twice the honest runtime budget of the notebooks
        budget = sum(trusted.runtime_budget(nb)
                     for nb in (course_path / "source" / assignment).glob("*.ipynb"))
        limits = Limits(**{**limits.__dict__, "execute_seconds": 2 * budget})
    sub_dir = course_path / "submitted" / student / assignment
    flags: list[str] = []
    verdicts: dict[tuple[str, str], dict] = {}
    notebooks = []
    try:
        for nbv in trusted.grade_submission(sub_dir, course_path / "source" / assignment, limits,
                                            sandboxed=sandboxed):
            notebooks.append(nbv)
            for v in nbv.exercises:
                verdicts[(nbv.notebook, v.grade_id)] = {"points": v.points, "report": v.report,
                                                        "flag": v.flag}
                if v.flag:
                    flags.append(v.flag)
    except Exception as exc:  # the grader's own failure: every exercise 0, flagged
        flags.append(f"the sandbox could not grade this submission ({type(exc).__name__}: "
                     f"{str(exc)[:200]}); every exercise scores 0")

    _prepare_nbgrader()
    _install_execute_unlock()
    with tempfile.TemporaryDirectory(prefix="verdict-") as tmp:
        verdict_file = Path(tmp) / "verdict.json"
        by_notebook: dict[str, dict] = {}
        for (nb, grade_id), v in verdicts.items():
            by_notebook.setdefault(nb, {})[grade_id] = v
        verdict_file.write_text(json.dumps(by_notebook))
        gradebook._LOCK = CourseLock(course_path)
        try:
            with gradebook._LOCK.held():
                api = api_for(course_path, db_url, trusted=True, sandboxed=sandboxed,
                              limits=limits, verdict_file=str(verdict_file), box_parent=tmp)
                result = api.autograde(assignment, student, force=True, create=True)
            executed, error = bool(result["success"]), _reason(result.get("log"),
                                                               result.get("error"))
        except Exception as exc:
            executed, error = False, _reason(f"{type(exc).__name__}: {exc}")
        finally:
            gradebook._LOCK = None
    if not executed:
        flags.append(f"the notebook could not be executed for its outputs ({error});"
                     " the points are the sandbox's, the feedback has no outputs")
        missing = record_verdict(course_path, db_url, assignment, student, verdicts)
        flags += [f"{m}: no verdict, scored 0" for m in missing if not any(
            m.endswith("/" + gid) for (_, gid) in verdicts)]
    scrub(course_path / "autograded" / student / assignment)
    import resource

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    write_verdict(course_path, student, assignment, {
        "sandbox": sandboxed, "digest": digest, "flags": flags, "complete": True,
        "grader_peak_mb": round(peak_mb, 1),
        "seconds": round(time.monotonic() - started, 3),
        "notebooks": [{"notebook": nbv.notebook, "problem": nbv.problem,
                       "exercises": [{"grade_id": v.grade_id, "exercise": v.exercise,
                                      "points": v.points, "max_points": v.max_points,
                                      "problem": v.problem, "flag": v.flag, "report": v.report}
                                     for v in nbv.exercises]} for nbv in notebooks]})
    return {"success": True, "error": "", "flags": flags}


# ----------------------------------------------------------------------------- the batch


def grade_batch(submissions: Path, course: Path = ROOT, jobs: int = 1, db_url: str | None = None,
                progress: bool = True, sandboxed: bool = True, limits=None,
                regrade: bool = False, scheduler: str | None = None) -> BatchResult:
    """Grade every submission found under ``submissions`` into the course's gradebook.

    A submission whose notebooks are unchanged since it was last graded completely (same
    digest, same mode) is skipped unless ``regrade``: rerunning an interrupted batch grades only
    what was not finished. With ``scheduler`` (a Dask scheduler's address), the submissions are
    graded on its workers and recorded here (:mod:`autograder.batch.distributed`); else each in
    a forked process of this machine, ``jobs`` at a time.
    """
    course = course.resolve()
    if sandboxed:
        from autograder.verdict import sandbox

        try:
            sandbox.require_bwrap()
        except sandbox.SandboxUnavailable as exc:
            raise GradingError(str(exc)) from None
    with tempfile.TemporaryDirectory() as tmp:
        folder, problems = unpack(submissions.resolve(), Path(tmp), course)
        batch = discover(folder, course)
        batch.problems[:0] = problems
        digests = {(s.student, s.assignment): submission_digest(s.folder, s.notebooks)
                   for s in batch.graded}
        todo = []
        for sub in batch.graded:
            done = read_verdict(course, sub.student, sub.assignment)
            if (not regrade and done and done.get("complete") and done.get("sandbox") == sandboxed
                    and done.get("digest") == digests[(sub.student, sub.assignment)]):
                batch.skipped.append(sub)
            else:
                todo.append(sub)
        if todo:
            prepare_assignments(course, db_url, {s.assignment for s in todo})
            ready = []
            for sub in todo:
                verdict_path(course, sub.student, sub.assignment).unlink(missing_ok=True)
                try:
                    copy_into_course(sub, course)
                    ready.append(sub)
                except (GradingError, OSError) as exc:
                    batch.problems.append(Problem(f"{sub.student}/{sub.assignment}", str(exc),
                                                  sub.student, sub.assignment))
            todo = ready
    # one core per kernel: parallel kernels must not fight over BLAS threads
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    if scheduler:
        from autograder.batch import distributed

        outcomes = distributed.run_all(course, db_url, todo, scheduler, progress, sandboxed,
                                       limits, digests)
    else:
        outcomes = _run_all(course, db_url, todo, jobs, progress, sandboxed, limits, digests)
    ok = list(batch.skipped)
    for sub in todo:
        outcome = outcomes[(sub.student, sub.assignment)]
        if outcome["success"]:
            ok.append(sub)
        else:
            batch.problems.append(Problem(f"{sub.student}/{sub.assignment}",
                                          "grading failed: " + _reason(outcome["error"]),
                                          sub.student, sub.assignment))
    batch.graded = ok
    return batch


def _child(conn, args: tuple) -> None:
    try:
        outcome = grade_one(*args)
    except BaseException as exc:  # reported, never raised into the batch
        outcome = {"success": False, "error": f"{type(exc).__name__}: {exc}", "flags": []}
    try:
        conn.send(outcome)
    finally:
        conn.close()


def _run_all(course: Path, db_url: str | None, subs: list[Submission], jobs: int,
             progress: bool, sandboxed: bool = True, limits=None,
             digests: dict | None = None) -> dict[tuple[str, str], dict]:
    """Grade each submission in a forked process of its own, ``jobs`` at a time."""
    from tqdm import tqdm

    digests = digests or {}
    ctx = multiprocessing.get_context("fork")
    bar = tqdm(total=len(subs), desc="grading", unit="submission", disable=not progress or not subs)
    outcomes: dict[tuple[str, str], dict] = {}
    pending = list(subs)
    running: dict = {}  # process -> (submission, receiving end)
    while pending or running:
        while pending and len(running) < max(1, jobs):
            sub = pending.pop(0)
            recv, send = ctx.Pipe(duplex=False)
            args = (str(course), db_url, sub.assignment, sub.student, sandboxed, limits,
                    digests.get((sub.student, sub.assignment), ""))
            proc = ctx.Process(target=_child, args=(send, args), daemon=False)
            proc.start()
            send.close()
            running[proc] = (sub, recv)
        finished = multiprocessing.connection.wait(
            [p.sentinel for p in running] + [r for _, r in running.values()], timeout=1.0)
        for proc in list(running):
            sub, recv = running[proc]
            outcome = None
            if recv in finished or proc.sentinel in finished:
                try:
                    if recv.poll():
                        outcome = recv.recv()
                except (EOFError, OSError):
                    outcome = None
                if outcome is None and proc.is_alive():
                    continue  # the pipe closed before the process ended: wait for its exit
                proc.join(timeout=30)
                if outcome is None:
                    code = proc.exitcode
                    how = f"killed by signal {-code}" if code and code < 0 else f"exit code {code}"
                    outcome = {"success": False, "flags": [],
                               "error": f"the grading worker died ({how}); grade it again"}
                outcomes[(sub.student, sub.assignment)] = outcome
                recv.close()
                del running[proc]
                bar.update()
        time.sleep(0)
    bar.close()
    return outcomes
