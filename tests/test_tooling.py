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


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_serves_the_course_headless(root):
    import json
    import os
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = f"ARGS=--no-browser --port={port} --ServerApp.token=test --ServerApp.ip=127.0.0.1"
    proc = subprocess.Popen(["make", "lab", args], cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api/contents/notebooks?token=test"
    try:
        listing = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    listing = json.load(response)
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                time.sleep(0.5)
        assert listing is not None, "JupyterLab did not answer within 60 s"
        folders = {item["name"] for item in listing["content"]}
        assert "01_convolution" in folders, folders
        lab = f"http://127.0.0.1:{port}/lab/tree/notebooks?token=test"
        with urllib.request.urlopen(lab, timeout=5) as response:
            assert response.status == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_conv_benchmark_runs_and_reports_every_layer(root):
    # the forward convolution only (the whole benchmark takes minutes); it runs through the
    # bench/conv.py alias of bench/kernels.py
    proc = subprocess.run([sys.executable, "bench/conv.py", "--reps", "1", "--only", "conv_fwd"],
                          cwd=root, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("conv_fwd ")
            and " ms " in line]
    assert len(rows) == 8, proc.stdout  # 4 layers x 2 dtypes
    assert all(float(r.split()[-1]) < 1e-3 for r in rows), proc.stdout  # max|diff| to torch
    assert "worst float32 ratio against torch" in proc.stdout
