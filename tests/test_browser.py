"""What a learner sees, in a real browser: Debian's chromium driven by Playwright.

JupyterLab is started by `make lab` (the learner's command) on a temporary copy of notebook 01.
The test runs the notebook through the UI with a correct `corr2d` and with a flipped one and
reads the text on the page, clicks nbgrader's Validate button on the flipped one, and opens the
feedback HTML that `python -m autograder grade` and `feedback` write for one submission.
Screenshots go to build/screenshots/after-*.png on every run.

Skips, saying why, where Playwright or chromium is missing (.ci/run installs chromium).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import browser_util as bu
import pytest

pytestmark = pytest.mark.slow

if (_why := bu.missing()) is not None:
    pytest.skip(f"browser test skipped: {_why}", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

ROOT = bu.ROOT
A = "01_convolution"
NB = f"{A}.ipynb"
SOURCE_NB = ROOT / "source" / A / NB
STUDENT_NB = ROOT / "notebooks" / A / NB
FLIPPED = f"notebooks/{A}/{NB}"          # a learner at exercise 1, with the kernel flipped
FINISHED = f"notebooks/{A}/finished.ipynb"  # every answer right
INTERNALS = "autograder/checks/feedback.py"


def _env() -> dict:
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    """Grade ONE submission (notebook 01 finished, corr2d flipped) in a temporary course, in the
    background while the browser works; yields a function that waits for the feedback HTML."""
    tmp = tmp_path_factory.mktemp("browser-grade")
    course = tmp / "course"
    shutil.copytree(ROOT / "source", course / "source")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    sub = tmp / "submissions" / "learner" / A / NB
    sub.parent.mkdir(parents=True)
    shutil.copy(STUDENT_NB, sub)
    bu.student_notebook(sub, flipped=True, solved_from=SOURCE_NB)
    script = (f"{sys.executable} -m autograder --root {course} grade {tmp / 'submissions'} -q "
              f"&& {sys.executable} -m autograder --root {course} feedback")
    log = (tmp / "grade.log").open("w")
    proc = subprocess.Popen(["sh", "-c", script], cwd=course, env=_env(), stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)

    def wait() -> Path:
        rc = proc.wait(timeout=240)
        log.flush()
        assert rc == 0, (tmp / "grade.log").read_text()
        return course / "feedback" / "learner" / A / f"{A}.html"

    yield wait
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        proc.wait(10)
    log.close()


def course_view(home: Path) -> Path:
    """A course folder for `make lab`: its own copy of notebook 01 and links to everything else
    at the top of the repository (Makefile, .venv, configuration), so that the Makefile's
    relative paths work and nothing is written into the repository."""
    home.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in {"notebooks", ".git", "build", "feedback", "autograded", "submitted"}:
            (home / entry.name).symlink_to(entry)
    shutil.copytree(ROOT / "notebooks" / A, home / "notebooks" / A)
    return home


@pytest.fixture(scope="module")
def lab(tmp_path_factory, feedback):
    """JupyterLab from `make lab` in a temporary course folder holding notebook 01 twice.
    (Grading for the feedback test starts first: it is the longest step.)"""
    tmp = tmp_path_factory.mktemp("browser-lab")
    home = course_view(tmp / "course")
    bu.student_notebook(home / FLIPPED, flipped=True)
    shutil.copy(STUDENT_NB, home / FINISHED)
    bu.student_notebook(home / FINISHED, flipped=False, solved_from=SOURCE_NB)
    port, token = bu.free_port(), secrets.token_hex(16)
    args = (f"--no-browser --port={port} --ServerApp.token={token} "
            f"--LabApp.workspaces_dir={tmp / 'workspaces'}")
    # `-o .venv/.installed`: never reinstall from inside a test (make test has installed already)
    server = bu.Lab(["make", "-s", "-o", ".venv/.installed", "lab", f"ARGS={args}"],
                    port, token, cwd=home, log=tmp / "lab.log", env=_env())
    try:
        server.wait()
        server.home = home
        # URL paths of the two notebooks, relative to the folder `make lab` serves
        server.flipped, server.finished = (
            (home / p).resolve().relative_to(server.root_dir().resolve()).as_posix()
            for p in (FLIPPED, FINISHED))
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = bu.launch_chromium(p)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def test_lab_is_the_make_lab_server_on_the_course_copy(lab):
    assert lab.root_dir().resolve().is_relative_to(lab.home.resolve()), lab.root_dir()


def test_a_correct_corr2d_passes_and_the_feature_maps_show(lab, page):
    bu.open_notebook(page, lab, lab.finished)
    maps = bu.cell_index(lab.home / FINISHED, "photo-maps")
    bu.run_up_to(page, maps)
    output = bu.cell(page, maps).locator(".jp-Cell-outputArea")
    bu.screenshot(output, "after-feature-maps.png")
    figure = output.locator("img")
    assert figure.count() == 1, "no feature-map figure"
    assert figure.evaluate("img => img.naturalWidth") > 0

    test = bu.cell_index(lab.home / FINISHED, "test-corr2d-visible")
    text = bu.output_text(page, test)
    assert "corr2d: visible tests passed" in text, text
    assert bu.cell(page, test).locator("[data-mime-type*='error']").count() == 0, text
    assert "Error" not in text and "Traceback" not in text, text


def test_a_flipped_kernel_fails_with_a_compact_report_naming_the_case(lab, page):
    bu.open_notebook(page, lab, lab.flipped)
    test = bu.cell_index(lab.home / FLIPPED, "test-corr2d-visible")
    bu.run_up_to(page, test)
    text = bu.output_text(page, test)
    bu.screenshot(bu.cell(page, test), "after-failing-test.png")
    assert 'case "X = arange(9).reshape(3, 3), K = [[1, 2], [3, 4]]"' in text, text
    assert "flipped" in text, text
    assert "visible tests passed" not in text, text
    # The compact form (issue 14): the cell fails without a traceback into the course's internals.
    assert INTERNALS not in text, f"traceback into {INTERNALS} shown to the learner:\n{text}"


def test_validate_fails_on_a_flipped_kernel(lab, page):
    bu.open_notebook(page, lab, lab.flipped)
    menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    assert "Nbgrader" not in menus, f"a learner sees the instructor-only Nbgrader menu: {menus}"
    # nbgrader's validate_assignment labextension: a toolbar button labelled "Validate"
    button = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-item",
                          has_text=re.compile(r"^\s*Validate\s*$"))
    assert button.count() == 1, "nbgrader's Validate button is not in the notebook toolbar"
    button.click()
    # the button reads "Saving...", then "Validating..." while nbgrader runs the whole notebook
    # in a kernel of its own; the result comes in a dialog
    dialog = page.locator(".jp-Dialog-content")
    dialog.wait_for(timeout=240_000)
    text = dialog.inner_text()
    bu.screenshot(dialog, "after-validate.png")
    assert "Success" not in text, f"Validate passed a flipped kernel:\n{text}"
    assert "corr2d" in text, f"Validate does not name the exercise:\n{text}"


# Every <img> whose source (as the browser parsed it) is an inline PNG: loaded, and whether it
# is in the cell that draws the feature maps.
FIGURES_JS = """imgs => imgs.filter(i => i.src.startsWith('data:image/png')).map(i => ({
    index: imgs.indexOf(i),
    loaded: i.complete && i.naturalWidth > 0,
    maps: (i.closest('.cell, .jp-Cell, [class*="cell"]') || document.body)
          .textContent.includes('show_feature_maps(')}))"""


def test_feedback_html_shows_the_figures(feedback, page):
    html = feedback()
    assert html.is_file(), html
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    images = page.locator("img")
    found = images.evaluate_all(FIGURES_JS)
    maps = [f["index"] for f in found if f["maps"]]
    # the feature-map figure, or else the cell that should show it (whatever it shows instead)
    maps_cell = page.locator("div.cell, div.jp-Cell").filter(has_text="show_feature_maps(")
    if maps:
        bu.screenshot(images.nth(maps[0]), "after-feedback.png")
    elif maps_cell.count():
        bu.screenshot(maps_cell.last, "after-feedback.png")
    else:
        bu.page_screenshot(page, "after-feedback.png")
    escaped = page.locator("pre", has_text="<img src=\"data:image/png").count()
    assert len(found) >= 4, (f"{len(found)} PNG figures in the feedback HTML (want the learner's "
                             f"figures); {escaped} shown as escaped <img> text instead")
    assert all(f["loaded"] for f in found), found
    assert maps, "the feature-map figure is missing from the feedback"
