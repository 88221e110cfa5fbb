"""The instructor's traps, each closed: the learner lab without nbgrader's instructor tools (and
the instructor lab with them), a course-local exchange, formgrader's Generate running the course
build, `nbgrader export` writing the course's CSV, nbgrader commands that work without .venv/bin
on PATH, and nbgrader's kernels without ipykernel's "TCP without encryption" warning."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
NBGRADER = str(VENV_BIN / "nbgrader")
# a shell's PATH without the course's .venv/bin (where nbgrader looks for `alembic`)
BARE_PATH = os.pathsep.join(p for p in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
                            if Path(p).resolve() != VENV_BIN.resolve() and p) or "/usr/bin:/bin"
LEARNER_OFF = {"@jupyter/nbgrader:menu", "@jupyter/nbgrader:formgrader",
               "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list",
               "@jupyter/nbgrader:assignment-list"}
pytestmark = pytest.mark.filterwarnings("ignore:.*not in session")
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def bare_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "NBGRADER"))}
    return dict(env, PATH=BARE_PATH, **extra)


# ----------------------------------------------------------------------------- the two labs


def lab_config_dir(target: str) -> Path:
    """The Jupyter config folder the Makefile's target passes in JUPYTER_CONFIG_PATH."""
    proc = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, JUPYTER_CONFIG_PATH=""))
    match = re.search(r'JUPYTER_CONFIG_PATH="([^":]+)[":]', proc.stdout)
    assert match, proc.stdout + proc.stderr
    assert "jupyter lab" in proc.stdout and "$(ARGS)" not in proc.stdout
    return Path(match.group(1))


def installed_nbgrader_plugins() -> set[str]:
    ext = Path(sys.prefix) / "share/jupyter/labextensions/@jupyter/nbgrader/static"
    return {m for js in ext.glob("*.js")
            for m in re.findall(r'"(@jupyter/nbgrader:[a-z-]+)"', js.read_text(errors="replace"))}


def installed_nbgrader_server_extensions() -> set[str]:
    conf = Path(sys.prefix) / "etc/jupyter/jupyter_server_config.d/nbgrader.json"
    return set(json.loads(conf.read_text())["ServerApp"]["jpserver_extensions"])


@needs_make
def test_learner_lab_config_disables_every_instructor_extension_but_validate():
    learner = lab_config_dir("lab")
    assert learner == ROOT / "jupyter/learner"
    page = json.loads((learner / "labconfig/page_config.json").read_text())
    off = {name for name, disabled in page["disabledExtensions"].items() if disabled}
    assert off == LEARNER_OFF
    # every nbgrader plugin this JupyterLab has, except Validate, is off (a new one would show)
    plugins = installed_nbgrader_plugins()
    if plugins:
        assert plugins - off == {"@jupyter/nbgrader:validate-assignment"}, plugins
    server = json.loads((learner / "jupyter_server_config.json").read_text())
    enabled = server["ServerApp"]["jpserver_extensions"]
    assert enabled["nbgrader.server_extensions.validate_assignment"] is True
    assert {k for k, v in enabled.items() if v is False} == (
        installed_nbgrader_server_extensions() - {"nbgrader.server_extensions.validate_assignment"})
    instructor = lab_config_dir("lab-instructor")
    server = json.loads((instructor / "jupyter_server_config.json").read_text())
    assert all(server["ServerApp"]["jpserver_extensions"].values())
    assert not (instructor / "labconfig").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


class Lab:
    """`make TARGET` serving JupyterLab headless on a free port; its output in self.log()."""

    def __init__(self, target: str, tmp: Path):
        self.port = _free_port()
        self.logfile = tmp / f"{target}.log"
        self.runtime = tmp / "runtime"  # the kernels' connection files
        args = (f"ARGS=--no-browser --port={self.port} --ServerApp.token=t "
                "--ServerApp.ip=127.0.0.1 --ServerApp.port_retries=0")
        with self.logfile.open("wb") as log:
            self.proc = subprocess.Popen(["make", target, args], cwd=ROOT, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         env=bare_env(JUPYTER_RUNTIME_DIR=str(self.runtime)))
        for _ in range(240):
            try:
                if _get(self.url("/api/status"))[0] == 200:
                    return
            except OSError:
                pass
            assert self.proc.poll() is None, self.log()
            time.sleep(0.5)
        self.stop()
        raise AssertionError(f"make {target} did not serve within 120 s:\n{self.log()}")

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}{path}{sep}token=t"

    def log(self) -> str:
        return self.logfile.read_text(errors="replace")

    def page_config(self) -> dict:
        status, page = _get(self.url("/lab/tree/notebooks"))
        assert status == 200
        match = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)'
                          r"</script>", page, re.S)
        assert match, page[:2000]
        return json.loads(match.group(1))

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


@pytest.mark.slow
@needs_make
def test_make_lab_serves_learners_without_instructor_tools_and_kernels_without_warning(tmp_path):
    lab = Lab("lab", tmp_path)
    try:
        config = lab.page_config()
        assert LEARNER_OFF <= set(config["disabledExtensions"]), config["disabledExtensions"]
        assert config.get("defaultUrl", "/lab/tree/notebooks").endswith("/lab/tree/notebooks")
        assert _get(lab.url("/formgrader"))[0] == 404          # formgrader's server side is off
        status, _ = _get(lab.url("/nbgrader_version?version=x"))
        assert status == 200                                   # Validate's server side is on
        # a kernel, as a notebook starts it: no "TCP without encryption" in the server's output
        request = urllib.request.Request(lab.url("/api/kernels"), data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            kernel = json.load(response)
        # ready: it answers kernel_info, so ipykernel has initialised (where it would warn);
        # the REST API's execution_state stays "starting" until a client sends a request
        from jupyter_client import BlockingKernelClient

        client = BlockingKernelClient(connection_file=str(lab.runtime /
                                                          f"kernel-{kernel['id']}.json"))
        client.load_connection_file()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
        finally:
            client.stop_channels()
        time.sleep(1)
        assert "without encryption" not in lab.log(), lab.log()[-3000:]
    finally:
        lab.stop()
    assert "/lab/tree/notebooks?token=" in lab.log()               # it printed the URL to open


@pytest.mark.slow
@needs_make
def test_make_lab_instructor_serves_formgrader_without_exchange_warning(tmp_path):
    lab = Lab("lab-instructor", tmp_path)
    try:
        assert not LEARNER_OFF & set(lab.page_config()["disabledExtensions"])
        status, page = _get(lab.url("/formgrader/manage_assignments"))
        assert status == 200, page[:1000]
        assert "Manage Assignments" in page
        assert "warning-exchange" not in page and "does not exist" not in page
    finally:
        lab.stop()
    assert "?token=" in lab.log()


# ----------------------------------------------------------------------------- nbgrader commands


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course of one assignment (01_convolution: one nbgrader run per build), copied with its
    generated files and the course's nbgrader configuration."""
    course = tmp_path / "course"
    for name in ("source", "notebooks"):
        shutil.copytree(ROOT / name / "01_convolution", course / name / "01_convolution")
    (course / "solutions").mkdir()
    for name in ("__init__.py", "convolution.py"):
        shutil.copy(ROOT / "solutions" / name, course / "solutions")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    return course


def notebook_files(course: Path) -> list[str]:
    return sorted(p.relative_to(course).as_posix() for p in (course / "notebooks").rglob("*.ipynb"))


def plant_in_solution(course: Path, assignment: str, grade_id: str, line: str) -> None:
    path = course / "source" / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell.source = cell.source.replace("### BEGIN SOLUTION\n", f"### BEGIN SOLUTION\n{line}\n", 1)
    assert line in cell.source
    nbformat.write(nb, path)


@pytest.mark.slow
def test_generate_assignment_runs_the_course_build_without_venv_on_path(course):
    """`nbgrader generate_assignment` (what formgrader's Generate runs) from a shell without
    .venv/bin on PATH and without a gradebook: it creates the gradebook, deletes nothing, and
    leaves notebooks/ and solutions/ as the course build makes them from the edited source."""
    before = notebook_files(course)
    plant_in_solution(course, "01_convolution", "corr2d", "    _planted = 'edited-by-the-instructor'")
    proc = subprocess.run([NBGRADER, "generate_assignment", "01_convolution", "--force"], cwd=course,
                          capture_output=True, text=True, env=bare_env(), timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert notebook_files(course) == before
    student = nbformat.read(course / "notebooks/01_convolution/01_convolution.ipynb", 4)
    assert student.metadata["cnn_course"]["generated_from"].startswith("source/01_convolution")
    text = json.dumps(student)
    assert "edited-by-the-instructor" not in text and "BEGIN SOLUTION" not in text
    assert "edited-by-the-instructor" in (course / "solutions/convolution.py").read_text()
    assert "convolution" in (course / "solutions/__init__.py").read_text()
    assert (course / "gradebook.db").is_file()
    assert "Course build: wrote" in proc.stdout + proc.stderr


API_SCRIPT = """\
import json, sys
from traitlets.config.loader import PyFileConfigLoader
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
config = PyFileConfigLoader("nbgrader_config.py", sys.argv[1]).load_config()
api = NbGraderAPI(CourseDirectory(config=config), config=config)   # as formgrader makes it
result = api.generate_assignment(sys.argv[2]) if len(sys.argv) > 2 else {}
print(json.dumps({"exchange_missing": api.exchange_missing, "exchange": api.exchange_root,
                  "result": result}))
"""


def run_api(course: Path, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", API_SCRIPT, str(course), *args], cwd=course,
                          capture_output=True, text=True, env=bare_env(), timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_formgrader_finds_the_course_exchange(course):
    state = run_api(course)
    assert state["exchange"] == str(course / "exchange")
    assert state["exchange_missing"] is False
    assert (course / "exchange").is_dir()


@pytest.mark.slow
def test_generate_button_fails_visibly_when_the_course_build_fails(course):
    """formgrader's Generate (NbGraderAPI.generate_assignment): a source that the course build
    refuses makes the button fail with the build's message, and no student notebook is lost."""
    path = course / "source/01_convolution/01_convolution.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell("print('not a definition')",
                                                 metadata={"tags": ["export"]}))
    nbformat.write(nb, path)
    before = notebook_files(course)
    result = run_api(course, "01_convolution")["result"]
    assert result["success"] is False
    assert "course build" in result["error"] and "make release" in result["error"]
    assert "01_convolution.ipynb" in result["error"] and "cell 1" in result["error"]
    assert notebook_files(course) == before


def test_nbgrader_validate_kernel_has_no_tcp_warning(course):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, course / "tiny.ipynb")
    proc = subprocess.run([NBGRADER, "validate", "tiny.ipynb"], cwd=course, capture_output=True,
                          text=True, env=bare_env(), timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "without encryption" not in proc.stdout + proc.stderr, proc.stderr
    assert "Success" in proc.stdout, proc.stdout


# ----------------------------------------------------------------------------- nbgrader export


@pytest.fixture
def graded(tmp_path: Path) -> Path:
    """A course whose gradebook has alice (graded, flagged) and bob (no submission)."""
    from nbgrader.api import Gradebook

    from autograder.batch.gradebook import _prepare_nbgrader, write_verdict

    course = tmp_path / "graded"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    _prepare_nbgrader()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "cnn-course") as gb:
        gb.add_assignment("01_convolution")
        gb.add_student("alice")
        gb.add_student("bob")
        gb.add_submission("01_convolution", "alice")
    write_verdict(course, "alice", "01_convolution",
                  {"flags": ["corr2d: the grader could not decide"], "sandbox": True})
    return course


def test_nbgrader_export_writes_the_course_csv_with_its_flag_column(graded):
    from autograder.batch.reports import CSV_FIELDS

    proc = subprocess.run([NBGRADER, "export"], cwd=graded, capture_output=True, text=True,
                          env=bare_env(), timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with (graded / "grades.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
        fh.seek(0)
        assert next(csv.reader(fh)) == CSV_FIELDS
    by_student = {r["student"]: r for r in rows}
    assert by_student["alice"]["flag"] == "corr2d: the grader could not decide"
    assert by_student["bob"]["status"] == "missing"


def test_nbgrader_export_refuses_to_overwrite_another_layout(graded):
    theirs = "assignment,duedate,timestamp,student_id,last_name,first_name,email,raw_score\n"
    (graded / "grades.csv").write_text(theirs)
    proc = subprocess.run([NBGRADER, "export"], cwd=graded, capture_output=True, text=True,
                          env=bare_env(), timeout=300)
    assert proc.returncode != 0
    assert "Nothing was written" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert (graded / "grades.csv").read_text() == theirs
    # the same exporter, told where to write instead
    from autograder.batch.export import CourseCsvExport
    from autograder.batch.reports import CSV_FIELDS

    exporter = CourseCsvExport(to=str(graded / "other.csv"), student=["alice"])
    exporter.course = lambda: (graded, f"sqlite:///{graded / 'gradebook.db'}")
    rows = exporter.write(graded / "other.csv")
    assert [r.student for r in rows] == ["alice"]
    assert (graded / "other.csv").read_text().splitlines()[0] == ",".join(CSV_FIELDS)
