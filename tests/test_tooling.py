"""Lint, and the setup contract: the second `make` run installs nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest


def test_ruff_passes(root):
    ruff = shutil.which("ruff") or str(root / ".venv/bin/ruff")
    proc = subprocess.run([ruff, "check", "."], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_install_stamp_is_up_to_date_and_follows_requirements(root):
    if sys.prefix != str(root / ".venv"):
        pytest.skip("not running inside the course's .venv")
    # -q: exit 0 when the target is up to date, i.e. `make test` would not reinstall
    fresh = subprocess.run(["make", "-q", ".venv/.installed"], cwd=root)
    assert fresh.returncode == 0, "`make` would reinstall although nothing changed"
    # -W: pretend requirements.txt was just edited; now make must want to reinstall
    edited = subprocess.run(["make", "-q", "-W", "requirements.txt", ".venv/.installed"], cwd=root)
    assert edited.returncode == 1, "editing requirements.txt does not trigger a reinstall"
