"""Shared fixtures: the course root and a temporary nbgrader course built from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def nbgrader(course: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run the real nbgrader command line on a course folder."""
    cmd = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"]
    # nbgrader runs `alembic` for its database: the venv's bin folder must be on PATH
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=course, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """A copy of the course's sources and generated files in a temporary folder."""
    course = tmp_path / "course"
    course.mkdir()
    for name in ("source", "notebooks", "solutions"):
        shutil.copytree(ROOT / name, course / name)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    return course


# Scheduling over the two xdist workers (`make test`: -n 2). A file's tests go to one worker,
# together, as `--dist loadfile` would send them, so that its module-scoped fixtures (a graded
# batch, a running JupyterLab) are built once. The tests of the SPREAD files go one by one to
# whichever worker is free: they have no module-scoped fixtures and each is slow on its own (a
# notebook graded or executed). xdist's own `--dist loadgroup` cannot express this under
# pytest 9 (its group suffix on `item._nodeid` no longer reaches `nodeid`), so the scheduler is
# LoadScopeScheduling with our scope. Heavy files come first, so that the last unit to start is
# a short one (longest first).
SPREAD = {"test_nbgrader_cycle.py", "test_build.py", "test_heldin.py", "test_checks.py"}
HEAVY_FIRST = ["test_sandbox_batch.py", "test_nbgrader_cycle.py", "test_distributed.py",
               "test_hub.py", "test_reports.py",
               "test_grading.py", "test_build.py", "test_heldin.py", "test_checks.py",
               "test_feedback_page.py", "test_browser.py", "test_bundle.py"]


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    from xdist.scheduler import LoadScopeScheduling

    class FileOrTest(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return nodeid if path.rsplit("/", 1)[-1] in SPREAD else path

    return FileOrTest(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(HEAVY_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: file order kept
