"""Helpers for the real-browser test (tests/test_browser.py): Debian's chromium driven by
Playwright, a JupyterLab server on a free port, and the few UI steps a learner takes.

Playwright never downloads a browser here: ``launch_chromium`` passes the system chromium as
``executable_path``. Everything is importable without Playwright; ``missing()`` says what is
absent so that the test can skip with a clear reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "build" / "screenshots"

# The student's corr2d, correct and with the kernel flipped (true convolution), written with
# the two loops the notebook's hints suggest.
CORR2D_BODY = '''\
    X = np.asarray(X, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64){flip}
    if X.ndim != 2 or K.ndim != 2 or K.shape[0] > X.shape[0] or K.shape[1] > X.shape[1]:
        raise ValueError(f"bad shapes: X {{X.shape}}, K {{K.shape}}")
    KH, KW = K.shape
    out = np.zeros((X.shape[0] - KH + 1, X.shape[1] - KW + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return out
'''
ANSWER_MARK = "    # YOUR CODE HERE\n    raise NotImplementedError()"


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements.txt)"
    if chromium_path() is None:
        return "no chromium on PATH (Debian: apt-get install chromium; .ci/run installs it)"
    return None


def launch_chromium(playwright):
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True,
        args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------------------- notebooks
def cell_of(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def student_notebook(path: Path, flipped: bool, solved_from: Path | None = None) -> None:
    """Write the student notebook at ``path`` with corr2d filled in (flipped or not). With
    ``solved_from`` (the source notebook), every other answer cell takes its solution too, so
    that the whole notebook runs as a finished learner's would."""
    nb = nbformat.read(path, as_version=4)
    if solved_from is not None:
        src = nbformat.read(solved_from, as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
                cell.source = cell_of(src, cell.metadata["nbgrader"]["grade_id"]).source
    cell = cell_of(nb, "corr2d")
    head = cell.source.split("    ### BEGIN SOLUTION")[0].split(ANSWER_MARK)[0]
    assert '"""' in head, "corr2d's answer cell changed shape"
    cell.source = head + CORR2D_BODY.format(flip="[::-1, ::-1]" if flipped else "")
    nbformat.write(nb, path)


# ----------------------------------------------------------------------------- JupyterLab
class Lab:
    """A JupyterLab server started by ``cmd`` (a list), reachable at ``url``."""

    def __init__(self, cmd: Sequence[str], port: int, token: str, cwd: Path, log: Path,
                 env: dict | None = None):
        self.port, self.token, self.log = port, token, log
        self.url = f"http://127.0.0.1:{port}"
        self._log = log.open("w")
        # a session of its own: make and the jupyter it starts stop together
        self.proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def wait(self, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited ({self.proc.returncode}):\n"
                                   + self.log.read_text()[-3000:])
            try:
                req = urllib.request.Request(f"{self.url}/api/status",
                                             headers={"Authorization": f"token {self.token}"})
                with urllib.request.urlopen(req, timeout=2) as resp:
                    json.load(resp)
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("JupyterLab did not answer in time:\n" + self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(5)
        self._log.close()

    def root_dir(self) -> Path:
        """The folder the server serves, as its log says."""
        found = re.search(r"Serving notebooks from local directory: (.+)", self.log.read_text())
        assert found, "JupyterLab's log does not name its root folder"
        return Path(found.group(1).strip())

    def tree_url(self, relpath: str) -> str:
        # reset: open this document alone, not the tabs of an earlier visit
        return f"{self.url}/lab/tree/{relpath}?reset&token={self.token}"


def open_notebook(page, lab: Lab, relpath: str, timeout: float = 60_000) -> None:
    """Open a notebook in JupyterLab and wait until its kernel is idle."""
    page.goto(lab.tree_url(relpath))
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=timeout)
    wait_kernel_idle(page, timeout)
    dismiss_notifications(page)


def dismiss_notifications(page) -> None:
    """Hide JupyterLab's toasts (the news question) so that they cover nothing in screenshots.
    Answering them would write to the user's settings; hiding them changes nothing."""
    page.add_style_tag(content=".jp-toastContainer { display: none !important; }")


def wait_kernel_idle(page, timeout: float = 60_000) -> None:
    page.wait_for_function(
        """() => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const s = panel && panel.querySelector('.jp-Notebook-ExecutionIndicator');
            return s && s.getAttribute('data-status') === 'idle';
        }""", timeout=timeout)


def cell(page, index: int):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-viewport > .jp-Cell"
                        ).nth(index)


def cell_index(nb_path: Path, name: str) -> int:
    """Index of the cell whose nbgrader grade_id, or else whose cell id, is ``name``."""
    nb = nbformat.read(nb_path, as_version=4)
    for i, c in enumerate(nb.cells):
        if c.metadata.get("nbgrader", {}).get("grade_id") == name:
            return i
    return next(i for i, c in enumerate(nb.cells) if c.get("id") == name)


def run_menu(page, item: str) -> None:
    """Click ``Run > item`` in JupyterLab's menu bar (it acts on the notebook with focus)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def select_cell(page, index: int) -> None:
    """Select a cell in command mode, as a click on its prompt area does."""
    target = cell(page, index)
    target.scroll_into_view_if_needed()
    target.locator(".jp-InputPrompt").click()


def wait_executed(page, index: int, timeout: float = 180_000) -> None:
    """Wait until cell ``index`` shows an execution count ([n]) and the kernel is idle."""
    prompt = cell(page, index).locator(".jp-InputArea-prompt")
    page.wait_for_function(
        "el => /\\[\\d+\\]/.test(el.textContent)", arg=prompt.element_handle(), timeout=timeout)
    wait_kernel_idle(page, timeout)


def run_up_to(page, index: int, timeout: float = 180_000) -> None:
    """Run every cell above ``index`` (Run > Run All Above Selected Cell), then cell ``index``
    itself with Shift+Enter, as a learner would."""
    select_cell(page, index)
    run_menu(page, "Run All Above Selected Cell")
    above = next(i for i in range(index - 1, -1, -1)
                 if "jp-CodeCell" in (cell(page, i).get_attribute("class") or ""))
    wait_executed(page, above, timeout)
    select_cell(page, index)
    page.keyboard.press("Shift+Enter")
    wait_executed(page, index, timeout)


def output_text(page, index: int) -> str:
    """The text of a cell's output area as shown (the cell scrolled into view first: off-screen
    cells are not rendered in JupyterLab's content-visibility mode, and have no innerText)."""
    target = cell(page, index)
    target.scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    return target.locator(".jp-Cell-outputArea").inner_text()


def screenshot(locator, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(path))
    return path


def page_screenshot(page, name: str) -> Path:
    """The visible part of the page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path))
    return path
