"""An instructor-led lab on JupyterHub, end to end, in a real browser (Debian's chromium driven
by Playwright).

A real hub (deploy/jupyterhub/jupyterhub_config.py, as `make hub` starts it) runs on a free
loopback port with everything it writes in a temporary folder: the hub's state, the exchange and
the homes of three throwaway unix users (one instructor, two learners; the hub creates them and
the test deletes them). Then:

1. the instructor releases 01_convolution through nbgrader's exchange (`nbgrader
   release_assignment`, run as the instructor's unix user);
2. two learners log in through the browser, fetch the assignment in nbgrader's Assignments
   panel, write `corr2d` in JupyterLab's editor (one right, one with the kernel flipped), save,
   and submit in the panel; a learner's server has no formgrader, the instructor's has;
3. the instructor collects (`nbgrader collect`), the course grades (`python -m autograder grade`
   and `feedback`, as root: the grading sandbox gives each submission a user id of its own) and
   the instructor returns the feedback (`nbgrader release_feedback`);
4. each learner fetches the feedback in the panel and opens it: the score, and for the flipped
   kernel the diagnosis.

Skips, saying why, without root (it creates unix users), chromium, Playwright, node, the hub's
packages (`make test` installs them from deploy/jupyterhub/) or bubblewrap (the grader's
sandbox). Screenshots: build/screenshots/hub-*.png and docs/screenshots/hub_feedback.png.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import browser_util as bu
import nbformat
import pytest

pytestmark = pytest.mark.slow

ROOT = bu.ROOT
HUB_DIR = ROOT / "deploy" / "jupyterhub"
CONFIG = HUB_DIR / "jupyterhub_config.py"
PROXY = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
VENV_BIN = Path(sys.executable).parent
A = "01_convolution"
NB = f"{A}.ipynb"
COURSE = "cnn-course"
POINTS = 12.0   # notebook 01's total
CORR2D = 3.0    # corr2d's points


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root: the hub runs each user's server as a unix user it creates (useradd)"
    if shutil.which("useradd") is None or shutil.which("runuser") is None:
        return "useradd or runuser is missing (Debian: passwd, util-linux)"
    if (why := bu.missing()) is not None:
        return why
    if shutil.which("node") is None:
        return "no node on PATH (Debian: apt-get install nodejs npm; .ci/run installs them)"
    if not PROXY.exists():
        return (f"configurable-http-proxy is not installed in {HUB_DIR.relative_to(ROOT)} "
                "(make test installs it with npm)")
    if importlib.util.find_spec("jupyterhub") is None:
        return "jupyterhub is not installed (make test installs deploy/jupyterhub/requirements.txt)"
    if shutil.which("bwrap") is None:
        return "bubblewrap (the grading sandbox) is not installed"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if not _reachable(VENV_BIN / "python") and not any(
            _reachable(Path(d) / version) for d in ("/usr/bin", "/usr/local/bin")):
        return (f"other users cannot run {os.path.realpath(VENV_BIN / 'python')} and there is no "
                f"system {version} for the hub's bridge venv (deploy/jupyterhub/jupyterhub_config.py)")
    return None


def _reachable(path: Path) -> bool:
    """Whether any user can run ``path`` (as jupyterhub_config.py's reachable_by_all)."""
    if not path.exists():
        return False
    real = Path(os.path.realpath(path))
    return all(os.stat(p).st_mode & 0o001 for p in [real, *real.parents])


if (_why := _why_not()) is not None:
    pytest.skip(f"hub test skipped: {_why}", allow_module_level=True)

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


# ----------------------------------------------------------------------------- the hub
class Hub:
    """A JupyterHub started from deploy/jupyterhub/jupyterhub_config.py in ``tmp``."""

    def __init__(self, tmp: Path):
        tag = secrets.token_hex(3)
        self.tmp = tmp
        self.instructor = f"cnnt{tag}i"
        self.learners = [f"cnnt{tag}a", f"cnnt{tag}b"]
        self.password = secrets.token_urlsafe(12)
        self.port = bu.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state = tmp / "state"
        self.exchange = self.state / "exchange"
        self.env = dict(
            os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
            CNN_HUB_STATE=str(self.state), CNN_HUB_PORT=str(self.port),
            CNN_HUB_API_PORT=str(bu.free_port()), CNN_HUB_PROXY_API_PORT=str(bu.free_port()),
            CNN_HUB_PASSWORD=self.password, CNN_HUB_INSTRUCTOR=self.instructor,
            CNN_HUB_LEARNERS=",".join(self.learners), CNN_HUB_CREATE_USERS="1")
        self.log_path = tmp / "hub.log"
        self._log = self.log_path.open("w")
        # `make hub` runs exactly this command (CNN_HUB_CREATE_USERS=1 included)
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "jupyterhub"), "-f", str(CONFIG)], cwd=tmp, env=self.env,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-6000:]

    def wait(self, timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited ({self.proc.returncode}):\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"the hub did not answer in {timeout} s:\n{self.log()}")

    def home(self, user: str) -> Path:
        return Path(pwd.getpwnam(user).pw_dir)

    @property
    def course(self) -> Path:
        return self.home(self.instructor) / COURSE

    def users(self) -> list[str]:
        return [self.instructor, *self.learners]

    def user_bin(self) -> Path:
        """Where the single-user servers' Python and nbgrader are (the config's USER_BIN)."""
        bridge = self.state / "python" / "bin"
        return bridge if (bridge / "python").exists() else VENV_BIN

    def as_instructor(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run nbgrader ``args`` as the instructor in the course folder, with the environment
        of the instructor's server (JupyterHub's pre_spawn_hook sets the same)."""
        env = {"PATH": f"{self.user_bin()}:/usr/bin:/bin", "LANG": "C.UTF-8",
               "JUPYTER_CONFIG_PATH": str(HUB_DIR / "config" / "common"),
               "CNN_HUB_EXCHANGE": str(self.exchange), "CNN_HUB_COURSE": COURSE,
               "CNN_HUB_COURSE_ROOT": str(self.course)}
        proc = subprocess.run(
            ["runuser", "-u", self.instructor, "--", "env", *(f"{k}={v}" for k, v in env.items()),
             str(self.user_bin() / "nbgrader"), *args],
            cwd=self.course, capture_output=True, text=True, timeout=timeout)
        assert proc.returncode == 0, f"nbgrader {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
        return proc

    def stop(self) -> None:
        """Stop the hub (it stops the proxy and every single-user server), then anything left:
        the proxy by its pid file, the test users' processes by pid."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        pid_file = self.state / "hub" / "jupyterhub-proxy.pid"
        if pid_file.exists():
            _kill(int(pid_file.read_text().strip() or 0))
        uids = set()
        for user in self.users():
            try:
                uids.add(pwd.getpwnam(user).pw_uid)
            except KeyError:
                pass
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if entry.stat().st_uid in uids:
                        _kill(int(entry.name))
                except OSError:
                    pass
        self._log.close()

    def delete_users(self) -> None:
        for user in self.users():
            try:
                pwd.getpwnam(user)
            except KeyError:
                continue
            subprocess.run(["userdel", user], capture_output=True)
            subprocess.run(["groupdel", user], capture_output=True)


def _kill(pid: int) -> None:
    if pid <= 1:
        return
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture(scope="module")
def hub():
    # not pytest's tmp_path: /tmp/pytest-of-root is 0700, closed to the learners' servers
    tmp = Path(tempfile.mkdtemp(prefix="cnn-hub-"))
    os.chmod(tmp, 0o755)
    server = Hub(tmp)
    try:
        server.wait()
        yield server
    finally:
        server.stop()
        server.delete_users()
        shutil.rmtree(tmp, ignore_errors=True)


# ----------------------------------------------------------------------------- the browser
def login(page, hub: Hub, user: str) -> None:
    """Log in on the hub's page; the hub starts the user's server."""
    page.goto(f"{hub.url}/hub/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", hub.password)
    page.click("input[type=submit], button[type=submit]")


def wait_lab(page, user: str) -> None:
    """Wait until JupyterLab, started by the hub for ``user``, shows its Nbgrader menu."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$")).wait_for(
        timeout=240_000)
    assert f"/user/{user}/" in page.evaluate("location.href"), page.evaluate("location.href")
    bu.dismiss_notifications(page)


def nbgrader_menu(page) -> list[str]:
    """Open JupyterLab's Nbgrader menu and return the labels of its visible items."""
    menu = page.locator(".lm-MenuBar-menu")
    for attempt in range(3):  # a click while JupyterLab is still busy may not open it
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$")).click()
        try:
            menu.wait_for(timeout=15_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    items = menu.locator(".lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel")
    return [t.strip() for t in items.all_inner_texts() if t.strip()]


def open_assignments(page) -> list[str]:
    """Open nbgrader's Assignments panel from the Nbgrader menu; returns the menu's labels."""
    labels = nbgrader_menu(page)
    assert "Assignment List" in labels, labels
    page.locator(".lm-MenuBar-menu .lm-Menu-itemLabel",
                 has_text=re.compile(r"^Assignment List$")).click()
    page.locator("#released_assignments_list").wait_for()
    return labels


def assignment_button(page, listing: str, label: str):
    """The button ``label`` of 01_convolution in one of the panel's lists."""
    row = page.locator(f"#{listing} .list_item", has_text=A)
    return row.locator("button", has_text=re.compile(rf"^{label}$"))


def write_corr2d(page, hub: Hub, user: str, flipped: bool) -> Path:
    """Open the fetched notebook in JupyterLab, replace corr2d's answer cell in the editor, save
    with Ctrl+S; returns the notebook's path on disk once the saved file holds the answer."""
    rel = f"{COURSE}/{A}/{NB}"
    path = hub.home(user) / rel
    assert path.exists(), f"{user}: the fetched notebook is not at ~/{rel}"
    nb = nbformat.read(path, as_version=4)
    index = bu.cell_index(path, "corr2d")
    head = nb.cells[index].source.split(bu.ANSWER_MARK)[0]
    source = head + bu.CORR2D_BODY.format(flip="[::-1, ::-1]" if flipped else "")
    page.goto(f"{hub.url}/user/{user}/lab/tree/{rel}?reset")
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=120_000)
    bu.wait_kernel_idle(page, 120_000)
    bu.dismiss_notifications(page)
    target = bu.cell(page, index)
    target.scroll_into_view_if_needed()
    target.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source.rstrip("\n"))
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    end, saved = time.monotonic() + 60, ""
    while time.monotonic() < end:
        try:
            saved = nbformat.read(path, as_version=4).cells[index].source
        except (ValueError, OSError):  # read while the server writes it (NotJSONError, empty)
            saved = ""
        if saved.strip() == source.strip():
            return path
        time.sleep(0.5)
    raise AssertionError(f"{user}: the saved corr2d cell is not what was typed:\n{saved}")


def wait_text(locator, pattern: str, timeout: float = 120_000) -> None:
    locator.page.wait_for_function(
        "([el, p]) => new RegExp(p).test(el.innerText)",
        arg=[locator.element_handle(), pattern], timeout=timeout)


# ----------------------------------------------------------------------------- the test
def test_a_lab_on_the_hub_from_release_to_feedback(hub):
    learner_ok, learner_flipped = hub.learners
    flipped = {learner_ok: False, learner_flipped: True}

    # 1. the instructor releases the assignment through the exchange
    hub.as_instructor("release_assignment", A)
    outbound = hub.exchange / COURSE / "outbound" / A / NB
    assert outbound.exists(), f"release_assignment wrote nothing at {outbound}"
    released = nbformat.read(outbound, as_version=4)
    assert "### BEGIN SOLUTION" not in str(released), "the released notebook holds solutions"

    with sync_playwright() as p:
        browser = bu.launch_chromium(p)
        try:
            pages = {}
            for user in [*hub.learners, hub.instructor]:
                ctx = browser.new_context(viewport={"width": 1280, "height": 800})
                pages[user] = ctx.new_page()
                login(pages[user], hub, user)  # the hub starts the servers side by side

            # 2. learners: no formgrader, fetch, write corr2d, save, submit
            for user in hub.learners:
                page = pages[user]
                wait_lab(page, user)
                resp = page.request.get(f"{hub.url}/user/{user}/formgrader")
                assert resp.status == 404, f"a learner's server serves formgrader ({resp.status})"
                labels = open_assignments(page)
                assert labels == ["Assignment List"], (
                    f"a learner's Nbgrader menu shows {labels}: instructor tools are not off")
                fetch = assignment_button(page, "released_assignments_list", "Fetch")
                fetch.wait_for(timeout=60_000)
                if user == learner_ok:
                    bu.page_screenshot(page, "hub-assignments-released.png")
                fetch.click()
                assignment_button(page, "fetched_assignments_list", "Submit").wait_for(
                    timeout=60_000)
                write_corr2d(page, hub, user, flipped[user])
                open_assignments(page)
                assignment_button(page, "fetched_assignments_list", "Submit").click()
                assignment_button(page, "submitted_assignments_list", "Fetch Feedback").wait_for(
                    timeout=60_000)
                if user == learner_flipped:
                    bu.page_screenshot(page, "hub-assignments-submitted.png")
            inbound = sorted(p.name.split("+")[0]
                             for p in (hub.exchange / COURSE / "inbound").iterdir())
            assert inbound == sorted(hub.learners), inbound
            for sub in (hub.exchange / COURSE / "inbound").iterdir():
                owner = pwd.getpwuid(sub.stat().st_uid).pw_name
                assert owner == sub.name.split("+")[0], f"{sub.name} is owned by {owner}"

            # the instructor's server: formgrader (in a tab of its own) lists the assignment
            page = pages[hub.instructor]
            wait_lab(page, hub.instructor)
            page.goto(f"{hub.url}/user/{hub.instructor}/formgrader")
            wait_text(page.locator("body"), A)
            row = page.locator("tr", has_text=A)
            assert "released" in row.inner_text(), row.inner_text()
            bu.page_screenshot(page, "hub-formgrader.png")

            # 3. collect, grade, return the feedback
            collected = hub.course / "collected"
            hub.as_instructor("collect", A, "--CourseDirectory.submitted_directory=collected")
            assert sorted(p.name for p in collected.iterdir()) == sorted(hub.learners)
            env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")
            for step in (["grade", str(collected), "-q"], ["feedback"]):
                proc = subprocess.run(
                    [sys.executable, "-m", "autograder", "--root", str(hub.course), *step],
                    cwd=hub.course, env=env, capture_output=True, text=True, timeout=600)
                assert proc.returncode == 0, f"autograder {step[0]}:\n{proc.stdout}\n{proc.stderr}"
            from nbgrader.api import Gradebook

            with Gradebook(f"sqlite:///{hub.course / 'gradebook.db'}", COURSE) as gb:
                scores = {u: gb.find_submission(A, u).score for u in hub.learners}
                corr2d = {u: gb.find_grade("test-corr2d-hidden", NB[:-6], A, u).score for u in hub.learners}
            # corr2d is the only exercise either learner wrote
            assert scores[learner_ok] == pytest.approx(CORR2D), scores
            assert corr2d[learner_ok] == pytest.approx(CORR2D), corr2d
            assert corr2d[learner_flipped] < CORR2D - 0.5, corr2d
            assert scores[learner_flipped] == pytest.approx(corr2d[learner_flipped]), scores
            # nbgrader's release_feedback finds a submission by its timestamp and secret,
            # which `autograder feedback` does not copy: take them from the collected copy
            for user in hub.learners:
                for name in ("timestamp.txt", "submission_secret.txt"):
                    shutil.copy(collected / user / A / name,
                                hub.course / "feedback" / user / A / name)
            inst = pwd.getpwnam(hub.instructor)
            subprocess.run(["chown", "-R", "--no-dereference", f"{inst.pw_uid}:{inst.pw_gid}",
                            str(hub.course)], check=True)
            hub.as_instructor("release_feedback", A)

            # 4. learners fetch the feedback and read it
            for user in hub.learners:
                page = pages[user]
                open_assignments(page)
                page.locator("#refresh_assignments_list").click()
                assignment_button(page, "submitted_assignments_list", "Fetch Feedback").click()
                wait_text(page.locator("#submitted_assignments_list"), "view feedback")
                found = sorted((hub.home(user) / COURSE / A / "feedback").glob(f"*/{A}.html"))
                assert found, f"{user}: no feedback fetched into ~/{COURSE}/{A}/feedback/"
                rel = found[-1].relative_to(hub.home(user))
                page.goto(f"{hub.url}/user/{user}/files/{rel}")
                text = page.locator("body").inner_text()
                score = round(scores[user], 2)
                assert re.search(rf"\b{score:g}(\.0+)?\s*/\s*{POINTS:g}\b", text), (
                    f"{user}: the feedback page does not show {score:g} / {POINTS:g}:\n"
                    + text[:1500])
                hidden = "Hidden tests of corr2d"
                assert hidden in text, text[:3000]
                report = text[text.index(hidden):]  # the grader's report, not the kernel's output
                if flipped[user]:
                    assert "the kernel is flipped" in report, report[:3000]
                    header = page.get_by_text(re.compile(r"^Hidden tests of")).first
                    header.evaluate("el => el.scrollIntoView({block: 'start'})")
                    page.mouse.wheel(0, -60)
                    page.wait_for_timeout(300)
                    shot = bu.page_screenshot(page, "hub-feedback-flipped.png")
                    docs = ROOT / "docs" / "screenshots"
                    docs.mkdir(parents=True, exist_ok=True)
                    shutil.copy(shot, docs / "hub_feedback.png")
                else:
                    assert "the kernel is flipped" not in report, report[:3000]
                    bu.page_screenshot(page, "hub-feedback-correct.png")
        finally:
            browser.close()
