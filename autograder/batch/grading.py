"""Batch grading on nbgrader: discover submissions, autograde in parallel, report, export.

Every score is recorded by nbgrader's own ``autograde`` in the course's gradebook, so formgrader,
``nbgrader generate_feedback`` and ``nbgrader export`` keep working. What this module adds:

* submissions from a folder ``<student>/<assignment>/<notebook>.ipynb`` or a zip of one;
* one clear line per bad input (missing notebook, broken JSON, unknown assignment, ...), while the
  rest of the batch is graded;
* ``jobs`` parallel workers. nbgrader cannot share its gradebook between processes
  (jupyter/nbgrader#174); here every worker holds an exclusive file lock on the course while it
  talks to the gradebook, and releases it only while its kernel executes the notebook. The
  database work is therefore serial and the expensive part runs in parallel;
* a per-student table and a CSV of the grades.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import nbformat

from autograder.course.build import ROOT, find_sources

CSV_FIELDS = ["student", "assignment", "score", "max_score", "percent", "status", "flag"]
VERDICTS_DIR = "verdicts"  # <course>/verdicts/<student>/<assignment>.json: the sandbox's reports


class GradingError(Exception):
    """The batch cannot be graded at all (for example, the path does not exist)."""


@dataclass
class Submission:
    student: str
    assignment: str
    folder: Path  # holds the student's notebooks for this assignment


@dataclass
class Problem:
    path: str
    message: str
    student: str | None = None
    assignment: str | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class BatchResult:
    graded: list[Submission] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Submission] = field(default_factory=list)  # graded before, unchanged since


# ----------------------------------------------------------------------------- configuration


def course_config(course: Path, db_url: str | None = None):
    """The course's nbgrader configuration, rooted at ``course``."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    cfg_file = course / "nbgrader_config.py"
    if not cfg_file.exists():
        cfg_file = ROOT / "nbgrader_config.py"
    config.merge(PyFileConfigLoader(cfg_file.name, str(cfg_file.parent)).load_config())
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = db_url or f"sqlite:///{course / 'gradebook.db'}"
    return config


def api_for(course: Path, db_url: str | None = None, sandboxed: bool = False,
            cell_timeout: float | None = None):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = course_config(course, db_url)
    if sandboxed:  # nbgrader's own kernel runs in bwrap too: it must not harm the batch
        config.Execute.kernel_manager_class = "autograder.verdict.sandbox.SandboxedKernelManager"
    if cell_timeout:
        config.Execute.timeout = int(cell_timeout)
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def _prepare_nbgrader() -> None:
    """Make nbgrader fast and runnable from any shell.

    * nbgrader runs ``alembic`` for its database; put the interpreter's bin folder on PATH.
    * A new gradebook asks ``alembic heads`` in a subprocess that re-imports nbgrader (seconds
      per gradebook). The same answer, the head revision of nbgrader's own migration scripts, is
      read here in-process.
    """
    import sys

    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    import nbgrader
    import nbgrader.api

    if getattr(nbgrader.api.get_alembic_version, "_in_process", False):
        return

    def get_alembic_version() -> str:
        from alembic.script import ScriptDirectory

        scripts = Path(nbgrader.__file__).parent / "alembic"
        return ScriptDirectory(str(scripts)).get_current_head()

    get_alembic_version._in_process = True
    nbgrader.api.get_alembic_version = get_alembic_version


# ----------------------------------------------------------------------------- discovery


def known_notebooks(course: Path) -> dict[str, set[str]]:
    """assignment -> names of its notebooks, from ``source/``."""
    known: dict[str, set[str]] = {}
    for src in find_sources(course):
        known.setdefault(src.assignment, set()).add(src.path.name)
    return known


def check_notebook_file(path: Path) -> str | None:
    """None if ``path`` is a readable notebook, else what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return "not a notebook (not UTF-8 text)"
    except json.JSONDecodeError as exc:
        return f"broken JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    if not isinstance(data, dict) or "cells" not in data or "nbformat" not in data:
        return "not a notebook (JSON without 'cells' and 'nbformat')"
    try:
        nbformat.validate(nbformat.reads(json.dumps(data), as_version=4))
    except Exception as exc:
        return f"not a valid notebook: {str(exc).splitlines()[0]}"
    return None


def unpack(submissions: Path, workdir: Path, course: Path = ROOT) -> Path:
    """A folder of submissions: ``submissions`` itself, or a zip unpacked safely into workdir.

    A zip may hold the student folders at its top, or inside one top-level folder.
    """
    if not submissions.exists():
        raise GradingError(f"{submissions}: no such file or folder")
    if submissions.is_dir():
        return submissions
    if not zipfile.is_zipfile(submissions):
        raise GradingError(f"{submissions}: not a folder or a zip file")
    dest = workdir / "unzipped"
    with zipfile.ZipFile(submissions) as archive:
        for member in archive.infolist():
            if not (dest / member.filename).resolve().is_relative_to(dest.resolve()):
                raise GradingError(f"{submissions}: member {member.filename!r} escapes the folder")
        archive.extractall(dest)
    known = known_notebooks(course)
    entries = [p for p in dest.iterdir() if p.is_dir() and not p.name.startswith(("__MACOSX", "."))]
    has_students = any((e / a).is_dir() for e in entries for a in known)
    if not has_students and len(entries) == 1:
        return entries[0]
    return dest


def discover(folder: Path, course: Path) -> BatchResult:
    """Find ``<student>/<assignment>/<notebook>.ipynb``; every anomaly becomes a Problem."""
    known = known_notebooks(course)
    result = BatchResult()
    students = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not students:
        result.problems.append(Problem(str(folder), "no student folders found "
                                       "(expected <student>/<assignment>/<notebook>.ipynb)"))
    for student_dir in students:
        student = student_dir.name
        assignments = sorted(p for p in student_dir.iterdir() if p.is_dir()
                             and not p.name.startswith("."))
        if not assignments:
            result.problems.append(Problem(str(student_dir), "no assignment folder with a notebook",
                                           student=student))
        for adir in assignments:
            if adir.name not in known:
                result.problems.append(Problem(
                    str(adir), f"unknown assignment '{adir.name}' (known: {', '.join(sorted(known))})",
                    student=student, assignment=adir.name))
                continue
            notebooks = sorted(adir.glob("*.ipynb"))
            if not notebooks:
                result.problems.append(Problem(str(adir), "no notebook (.ipynb) in this folder",
                                               student=student, assignment=adir.name))
                continue
            usable = True
            for nb in notebooks:
                if nb.name not in known[adir.name]:
                    result.problems.append(Problem(
                        str(nb), f"unexpected notebook name; {adir.name} expects "
                        f"{', '.join(sorted(known[adir.name]))}", student, adir.name))
                    continue
                issue = check_notebook_file(nb)
                if issue:
                    result.problems.append(Problem(str(nb), issue, student, adir.name))
                    usable = False
            if usable and any(nb.name in known[adir.name] for nb in notebooks):
                result.graded.append(Submission(student, adir.name, adir))
    return result


# ----------------------------------------------------------------------------- locking


class CourseLock:
    """An exclusive lock across processes (flock on ``<course>/.gradebook.lock``)."""

    def __init__(self, course: Path):
        self.path = course / ".gradebook.lock"
        self.fd: int | None = None

    def acquire(self) -> None:
        self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    @contextmanager
    def held(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()

    @contextmanager
    def released(self) -> Iterator[None]:
        self.release()
        try:
            yield
        finally:
            self.acquire()


_LOCK: CourseLock | None = None


def _install_execute_unlock() -> None:
    """Make nbgrader's Execute step release the course lock while the kernel runs."""
    from nbgrader.preprocessors import Execute

    if getattr(Execute, "_course_unlock", False):
        return
    original = Execute.preprocess

    def preprocess(self, nb, resources, *args, **kwargs):
        if _LOCK is None or _LOCK.fd is None:
            return original(self, nb, resources, *args, **kwargs)
        with _LOCK.released():
            return original(self, nb, resources, *args, **kwargs)

    Execute.preprocess = preprocess
    Execute._course_unlock = True


def autograde_one(course: str, db_url: str | None, assignment: str, student: str,
                  sandboxed: bool = True, limits=None, digest: str = "") -> dict:
    """Grade one submission: nbgrader's autograde (the in-kernel verdict), then, if
    ``sandboxed``, the trusted verdict of autograder.verdict.trusted, which replaces the in-kernel scores
    in the gradebook. Database work happens under the course lock."""
    global _LOCK
    _prepare_nbgrader()
    _install_execute_unlock()
    course_path = Path(course)
    _LOCK = CourseLock(course_path)
    try:
        with _LOCK.held():
            api = api_for(course_path, db_url, sandboxed=sandboxed,
                          cell_timeout=limits.wall_seconds if limits else None)
            result = api.autograde(assignment, student, force=True, create=True)
        outcome = {"student": student, "assignment": assignment,
                   "success": bool(result["success"]), "error": result.get("error") or "",
                   "log": result.get("log") or "", "flags": []}
    except Exception as exc:  # the in-kernel run failed; the sandbox may still grade it
        outcome = {"student": student, "assignment": assignment, "success": False,
                   "error": f"{type(exc).__name__}: {exc}", "log": "", "flags": []}
    finally:
        _LOCK = None
    if sandboxed:
        outcome["flags"] = record_trusted(course_path, db_url, assignment, student, limits,
                                          in_kernel_ok=outcome["success"],
                                          in_kernel_error=outcome["error"] or outcome["log"],
                                          digest=digest)
        outcome["success"] = True
    else:
        write_verdict(course_path, student, assignment, {
            "sandbox": False, "digest": digest, "flags": [], "complete": outcome["success"]})
    return outcome


def _fmt_points(x: float | None) -> str:
    return "none" if x is None else f"{x:.4g}"


def record_trusted(course: Path, db_url: str | None, assignment: str, student: str, limits,
                   in_kernel_ok: bool, in_kernel_error: str, digest: str) -> list[str]:
    """Grade every exercise in the sandbox, write those scores into the gradebook (replacing
    the in-kernel ones) and return the flags: where the in-kernel verdict disagrees."""
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.verdict import sandbox, trusted

    limits = limits or sandbox.Limits()
    sub_dir = course / "submitted" / student / assignment
    verdicts = [trusted.grade_notebook(sub_dir / src.name, src, limits)
                for src in sorted((course / "source" / assignment).glob("*.ipynb"))]
    flags = []
    if not in_kernel_ok:
        first = (in_kernel_error or "").strip().splitlines()
        flags.append("the in-kernel run failed" + (f" ({first[-1][:200]})" if first else "")
                     + "; every exercise was graded in the sandbox")
    url = db_url or f"sqlite:///{course / 'gradebook.db'}"
    with CourseLock(course).held(), Gradebook(url) as gb:
        try:
            gb.find_submission(assignment, student)
        except MissingEntry:
            gb.update_or_create_submission(assignment, student)
        for nbv in verdicts:
            for v in nbv.exercises:
                try:
                    grade = gb.find_grade(v.grade_id, nbv.notebook, assignment, student)
                except MissingEntry:
                    flags.append(f"{v.exercise}: no gradebook cell {v.grade_id}")
                    continue
                before = grade.auto_score if in_kernel_ok else None
                points = min(v.max_points, math.floor(v.points * 1e6 + 0.5) / 1e6)
                if in_kernel_ok and (before is None or abs(before - points) > 1e-6):
                    flags.append(f"{v.exercise}: in-kernel {_fmt_points(before)}, "
                                 f"sandbox {_fmt_points(points)}")
                grade.auto_score = points
        gb.db.commit()
    write_verdict(course, student, assignment, {
        "sandbox": True, "digest": digest, "flags": flags, "complete": True,
        "notebooks": [{"notebook": nbv.notebook, "problem": nbv.problem,
                       "exercises": [{"grade_id": v.grade_id, "exercise": v.exercise,
                                      "points": v.points, "max_points": v.max_points,
                                      "problem": v.problem, "report": v.report}
                                     for v in nbv.exercises]} for nbv in verdicts]})
    return flags


def verdict_path(course: Path, student: str, assignment: str) -> Path:
    return course / VERDICTS_DIR / student / f"{assignment}.json"


def write_verdict(course: Path, student: str, assignment: str, data: dict) -> None:
    """Written last, after the gradebook commit: its presence means the grading completed."""
    path = verdict_path(course, student, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(path)


def read_verdict(course: Path, student: str, assignment: str) -> dict | None:
    try:
        return json.loads(verdict_path(course, student, assignment).read_text())
    except (OSError, ValueError):
        return None


def submission_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for nb in sorted(folder.glob("*.ipynb")):
        h.update(nb.name.encode() + b"\0" + nb.read_bytes() + b"\0")
    return h.hexdigest()


# ----------------------------------------------------------------------------- grading


def prepare_assignments(course: Path, db_url: str | None, assignments: set[str]) -> None:
    """Record each assignment's cells in the gradebook (nbgrader generate_assignment).

    The student notebooks go to a temporary folder, so ``notebooks/`` is never touched.
    """
    _prepare_nbgrader()
    with tempfile.TemporaryDirectory() as tmp, CourseLock(course).held():
        config = course_config(course, db_url)
        config.CourseDirectory.release_directory = tmp
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        api = NbGraderAPI(CourseDirectory(config=config), config=config)
        for assignment in sorted(assignments):
            result = api.generate_assignment(assignment, force=True, create=True)
            if not result["success"]:
                raise GradingError(f"cannot record assignment {assignment} in the gradebook:\n"
                                   f"{result.get('error') or result.get('log')}")


def copy_into_course(sub: Submission, course: Path) -> None:
    dest = course / "submitted" / sub.student / sub.assignment
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for nb in sub.folder.glob("*.ipynb"):
        shutil.copy2(nb, dest / nb.name)


def grade_batch(submissions: Path, course: Path = ROOT, jobs: int = 1, db_url: str | None = None,
                progress: bool = True, sandboxed: bool = True, limits=None,
                regrade: bool = False) -> BatchResult:
    """Grade every submission found under ``submissions`` into the course's gradebook.

    A submission whose notebooks are unchanged since it was last graded completely (same
    digest, same mode) is skipped unless ``regrade``: rerunning an interrupted batch grades only
    what was not finished.
    """
    course = course.resolve()
    if sandboxed:
        from autograder.verdict import sandbox

        try:
            sandbox.require_bwrap()
        except sandbox.SandboxUnavailable as exc:
            raise GradingError(str(exc)) from None
    with tempfile.TemporaryDirectory() as tmp:
        batch = discover(unpack(submissions.resolve(), Path(tmp), course), course)
        digests = {(s.student, s.assignment): submission_digest(s.folder) for s in batch.graded}
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
            for sub in todo:
                verdict_path(course, sub.student, sub.assignment).unlink(missing_ok=True)
                copy_into_course(sub, course)
    if jobs > 1:
        # one core per kernel: parallel kernels must not fight over BLAS threads
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
    outcomes = _run_all(course, db_url, todo, jobs, progress, sandboxed, limits, digests)
    ok = list(batch.skipped)
    for sub in todo:
        outcome = outcomes[(sub.student, sub.assignment)]
        if outcome["success"]:
            ok.append(sub)
        else:
            first = (outcome["error"] or outcome["log"]).strip().splitlines()
            batch.problems.append(Problem(f"{sub.student}/{sub.assignment}",
                                          "autograde failed: " + (first[-1] if first else "?"),
                                          sub.student, sub.assignment))
    batch.graded = ok
    return batch


def _run_all(course: Path, db_url: str | None, subs: list[Submission], jobs: int,
             progress: bool, sandboxed: bool = True, limits=None,
             digests: dict | None = None) -> dict[tuple[str, str], dict]:
    from tqdm import tqdm

    digests = digests or {}
    bar = tqdm(total=len(subs), desc="grading", unit="submission", disable=not progress or not subs)
    outcomes = {}

    def args(s: Submission) -> tuple:
        return (str(course), db_url, s.assignment, s.student, sandboxed, limits,
                digests.get((s.student, s.assignment), ""))

    if jobs <= 1:
        for sub in subs:
            try:
                outcomes[(sub.student, sub.assignment)] = autograde_one(*args(sub))
            except Exception as exc:  # one submission's failure is not the batch's
                outcomes[(sub.student, sub.assignment)] = {
                    "success": False, "error": f"{type(exc).__name__}: {exc}", "log": ""}
            bar.update()
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("fork")) as pool:
            futures = {pool.submit(autograde_one, *args(s)): s for s in subs}
            for future in as_completed(futures):
                sub = futures[future]
                try:
                    outcomes[(sub.student, sub.assignment)] = future.result()
                except Exception as exc:  # a crashed worker costs one submission, not the batch
                    outcomes[(sub.student, sub.assignment)] = {
                        "success": False, "error": f"{type(exc).__name__}: {exc}", "log": ""}
                bar.update()
    bar.close()
    return outcomes


# ----------------------------------------------------------------------------- reporting


def exercise_name(grade_id: str) -> str:
    """``test-corr2d-hidden`` -> ``corr2d``."""
    return re.sub(r"^test-|-hidden$", "", grade_id)


@dataclass
class ExerciseScore:
    name: str
    score: float
    max_score: float


@dataclass
class AssignmentScore:
    student: str
    assignment: str
    score: float
    max_score: float
    exercises: list[ExerciseScore]
    status: str = "graded"
    flag: str = ""  # where the in-kernel verdict and the sandbox disagree; "" if they agree


def gradebook_scores(course: Path = ROOT, db_url: str | None = None) -> list[AssignmentScore]:
    """Every student x assignment in the gradebook; a missing submission scores 0, 'missing'."""
    from nbgrader.api import Gradebook, MissingEntry

    url = db_url or f"sqlite:///{course / 'gradebook.db'}"
    rows = []
    with Gradebook(url) as gb:
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            for student in sorted(gb.students, key=lambda s: s.id):
                try:
                    sub = gb.find_submission(assignment.name, student.id)
                except MissingEntry:
                    rows.append(AssignmentScore(student.id, assignment.name, 0.0,
                                                assignment.max_score, [], "missing"))
                    continue
                exercises = [
                    ExerciseScore(exercise_name(g.name), g.score, g.max_score)
                    for nb in sub.notebooks for g in nb.grades if g.max_score > 0
                ]
                verdict = read_verdict(course, student.id, assignment.name) or {}
                status = "graded" if verdict.get("sandbox", True) else "graded (no sandbox)"
                rows.append(AssignmentScore(student.id, assignment.name, sub.score,
                                            sub.max_score, exercises, status,
                                            "; ".join(verdict.get("flags", []))))
    return rows


def format_table(rows: list[AssignmentScore], problems: list[Problem] = ()) -> str:
    lines = []
    for student in sorted({r.student for r in rows} | {p.student for p in problems if p.student}):
        lines.append(student)
        for r in (r for r in rows if r.student == student):
            pct = 100 * r.score / r.max_score if r.max_score else 0.0
            lines.append(f"  {r.assignment:<24} {r.score:6.2f} / {r.max_score:<6.2f} {pct:5.1f}%"
                         + ("" if r.status == "graded" else f"  ({r.status})"))
            if r.flag:
                lines.append(f"    FLAGGED for review: {r.flag}")
            for e in r.exercises:
                lines.append(f"    {e.name:<22} {e.score:6.2f} / {e.max_score:.2f}")
        for p in problems:
            if p.student == student:
                lines.append(f"  NOT GRADED {p}")
    orphans = [p for p in problems if not p.student]
    lines += [f"NOT GRADED {p}" for p in orphans]
    return "\n".join(lines)


def write_csv(path: Path, rows: list[AssignmentScore], problems: list[Problem] = ()) -> None:
    """One row per student x assignment; inputs that could not be graded get their own rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for r in rows:
            pct = 100 * r.score / r.max_score if r.max_score else 0.0
            writer.writerow({"student": r.student, "assignment": r.assignment,
                             "score": f"{r.score:.4g}", "max_score": f"{r.max_score:.4g}",
                             "percent": f"{pct:.1f}", "status": r.status, "flag": r.flag})
        for p in problems:
            writer.writerow({"student": p.student or "", "assignment": p.assignment or "",
                             "score": "", "max_score": "", "percent": "",
                             "status": f"not graded: {p}", "flag": ""})
    tmp.replace(path)  # never leave a half-written grade file


def generate_feedback(course: Path = ROOT, db_url: str | None = None) -> list[Path]:
    """HTML feedback for every autograded submission, hidden tests stripped."""
    _prepare_nbgrader()
    api = api_for(course, db_url)
    written = []
    autograded = course / "autograded"
    for student_dir in sorted(p for p in autograded.glob("*") if p.is_dir()):
        for adir in sorted(p for p in student_dir.glob("*") if p.is_dir()):
            result = api.generate_feedback(adir.name, student_dir.name, force=True)
            if not result["success"]:
                raise GradingError(f"feedback for {student_dir.name}/{adir.name} failed: "
                                   f"{result.get('error') or result.get('log')}")
            written += sorted((course / "feedback" / student_dir.name / adir.name).glob("*.html"))
    return written
