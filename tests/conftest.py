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


# Tests spread over both xdist workers one at a time (`--dist loadgroup`): their files have no
# module-scoped fixtures, and each test is slow on its own (a notebook graded or executed).
# Every other file stays on one worker, as `--dist loadfile` would keep it, so that its
# module-scoped fixtures (a graded batch, a running JupyterLab) are built once.
SPREAD = {"test_nbgrader_cycle.py", "test_build.py", "test_heldin.py", "test_checks.py"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name not in SPREAD:
            item.add_marker(pytest.mark.xdist_group(item.path.name))
