"""nbgrader's side: the course configuration, the gradebook, its lock, and the verdict files.

nbgrader cannot share its gradebook between processes (jupyter/nbgrader#174): every worker holds
an exclusive file lock on the course while it talks to the gradebook, and releases it only while
a kernel executes a notebook.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from autograder.batch.intake import GradingError
from autograder.course.build import ROOT

VERDICTS_DIR = "verdicts"  # <course>/verdicts/<student>/<assignment>.json: the sandbox's reports


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


def api_for(course: Path, db_url: str | None = None, *, trusted: bool = False,
            sandboxed: bool = True, limits=None, verdict_file: str = "", box_parent: str = ""):
    """nbgrader's API on the course.

    With ``trusted``, autograde executes the submission only for its outputs and figures, with
    the hidden tests removed, in a sandboxed kernel (unless ``sandboxed`` is False), and records
    the points of the trusted verdict in ``verdict_file`` (see autograder.batch.plugins)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = course_config(course, db_url)
    if trusted:
        config.Autograde.autograde_preprocessors = [
            "autograder.batch.plugins.StripHiddenTests",
            "autograder.batch.plugins.BoundedExecute",
            "nbgrader.preprocessors.IgnorePattern",
            "nbconvert.preprocessors.ClearMetadataPreprocessor",
            "nbgrader.preprocessors.LimitOutput",
            "autograder.batch.plugins.TrustedGrades",
            "nbgrader.preprocessors.AssignLatePenalties",
            "nbgrader.preprocessors.CheckCellMetadata",
        ]
        config.TrustedGrades.verdict_file = verdict_file
        if sandboxed:
            config.Execute.kernel_manager_class = "autograder.verdict.kernel.SandboxedKernelManager"
            config.SandboxedKernelManager.box_parent = box_parent
        if limits is not None and limits.execute_seconds:
            # the whole notebook's budget, and at most half of it for one cell
            config.SandboxedKernelManager.execute_seconds = float(limits.execute_seconds)
            config.Execute.timeout = max(30, int(limits.execute_seconds // 2))
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


def record_verdict(course: Path, db_url: str | None, assignment: str, student: str,
                   verdicts: dict[tuple[str, str], dict]) -> list[str]:
    """Write the trusted points straight into the gradebook (when nbgrader's autograde could not
    run the notebook): ``verdicts`` maps (notebook, grade_id) to {"points", "flag"}. Every code
    grade cell without a verdict gets 0 and needs manual grading; a markdown answer cell (graded
    by hand, never by the sandbox) is left for a grader. Returns what could not be written."""
    from nbgrader.api import Gradebook, MissingEntry

    url = db_url or f"sqlite:///{course / 'gradebook.db'}"
    missing = []
    with CourseLock(course).held(), Gradebook(url) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            sub = gb.update_or_create_submission(assignment, student)
        for nb in sub.notebooks:
            for grade in nb.grades:
                v = verdicts.get((nb.name, grade.name))
                if v is None and grade.cell.cell_type == "markdown":
                    # an answer graded by hand (free response): a grader scores it in formgrader
                    grade.auto_score = None
                    grade.needs_manual_grade = True
                    continue
                if v is None:
                    grade.auto_score = 0.0 if grade.max_score else grade.auto_score
                    grade.needs_manual_grade = bool(grade.max_score)
                    if grade.max_score:
                        missing.append(f"{nb.name}/{grade.name}")
                    continue
                grade.auto_score = min(grade.max_score, math.floor(v["points"] * 1e6 + 0.5) / 1e6)
                grade.needs_manual_grade = bool(v.get("flag"))
        gb.db.commit()
    return missing


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


def submission_digest(folder: Path, notebooks: tuple[str, ...] = ()) -> str:
    """A digest of the submission's notebooks (the checked names, read without following links
    and within the intake's size budget)."""
    from autograder.batch.intake import BadInput, read_notebook_bytes

    h = hashlib.sha256()
    for name in sorted(notebooks):
        try:
            data = read_notebook_bytes(folder / name)
        except BadInput:
            data = b""
        h.update(name.encode() + b"\0" + data + b"\0")
    return h.hexdigest()


def prepare_assignments(course: Path, db_url: str | None, assignments: set[str]) -> None:
    """Record each assignment's cells in the gradebook (nbgrader generate_assignment).

    The student notebooks go to a temporary folder, so ``notebooks/`` is never touched. A
    gradebook URL that cannot be used raises GradingError (one line, password masked) before
    anything is written.
    """
    from autograder.batch.reports import check_gradebook

    check_gradebook(course, db_url)
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
