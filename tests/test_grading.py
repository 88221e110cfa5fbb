"""The grading command line, end to end with real nbgrader in temporary course folders."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.checks.feedback import MISTAKES
from autograder.selfcheck import SCHEMA

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
A = "01_convolution"
NB = f"{A}.ipynb"
SOURCE_NB = ROOT / "source" / A / NB
STUDENT_NB = ROOT / "notebooks" / A / NB
ONE_LINER = 'return np.einsum("ijab,ab->ij", windows, K)'
FULL = 12  # points of notebook 01

VARIANTS = {
    "carol": ('return np.einsum("ijab,ab->ij", windows, K[::-1, ::-1])', "flipped_kernel"),
    "dan": ('return np.einsum("ijab,ab->ij", windows, K.T) if K.shape[0] == K.shape[1] '
            'else np.einsum("ijab,ab->ij", np.lib.stride_tricks.sliding_window_view(X, K.T.shape), K.T)',
            "transposed_kernel"),
    "eve": ('return np.einsum("ijab,ab->ij", windows, K)[:-1, :-1]', "short_output"),
    # correct, but writes a warning to stderr on every call, as PyTorch often does
    "frank": ('import sys; print("UserWarning: TracerWarning: harmless", file=sys.stderr); '
              + ONE_LINER, None),
}


def autograder(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run([sys.executable, "-m", "autograder", "--root", str(course), *args],
                          capture_output=True, text=True, cwd=course, env=env)


def variant(body: str) -> nbformat.NotebookNode:
    nb = nbformat.read(SOURCE_NB, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "corr2d")
    assert ONE_LINER in cell.source
    cell.source = cell.source.replace(ONE_LINER, body)
    return nb


def make_course(tmp: Path) -> Path:
    course = tmp / "course"
    shutil.copytree(ROOT / "source", course / "source")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    return course


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> Path:
    subs = tmp_path_factory.mktemp("subs") / "submissions"
    for student in ("alice", "bob", *VARIANTS, "gina", "hank", "ivan", "judy"):
        (subs / student / A).mkdir(parents=True)
    shutil.copy(SOURCE_NB, subs / "alice" / A / NB)
    shutil.copy(STUDENT_NB, subs / "bob" / A / NB)
    for student, (body, _) in VARIANTS.items():
        nbformat.write(variant(body), subs / student / A / NB)
    (subs / "gina" / A / NB).write_text('{"cells": [')  # broken JSON
    (subs / "hank" / A / NB).write_text('{"hello": 1}')  # JSON, not a notebook
    shutil.rmtree(subs / "ivan" / A)  # a student folder with no notebook
    (subs / "judy" / "99_unknown").mkdir()
    shutil.copy(SOURCE_NB, subs / "judy" / "99_unknown" / NB)
    shutil.rmtree(subs / "judy" / A)
    return subs


def scores(csv_path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    with csv_path.open() as fh:
        return {(r["student"], r["assignment"]): (r["score"], r["status"]) for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def parallel_run(tmp_path_factory, submissions):
    course = make_course(tmp_path_factory.mktemp("parallel"))
    proc = autograder(course, "grade", str(submissions), "--jobs", "2", "--csv", "grades.csv")
    assert proc.returncode == 0, proc.stderr
    return course, proc


def test_grade_scores_every_submission_and_names_bad_input(parallel_run):
    course, proc = parallel_run
    got = scores(course / "grades.csv")
    assert got[("alice", A)] == (str(FULL), "graded")
    assert got[("bob", A)] == ("0", "graded")
    assert got[("frank", A)] == (str(FULL), "graded"), "a warning on stderr cost points"
    for student in ("carol", "dan", "eve"):
        score = float(got[(student, A)][0])
        assert 0 < score < FULL, f"{student}: {score}"
    err = proc.stderr
    assert "gina/01_convolution/01_convolution.ipynb: broken JSON at line 1" in err
    assert "hank/01_convolution/01_convolution.ipynb: not a notebook" in err
    assert "ivan: no assignment folder with a notebook" in err
    assert "judy/99_unknown: unknown assignment '99_unknown'" in err
    for student in ("gina", "hank", "judy"):
        assert any(k[0] == student and s.startswith("not graded") for k, (_, s) in got.items())
    assert "alice\n  01_convolution" in proc.stdout and "corr2d" in proc.stdout


def test_planted_mistakes_are_diagnosed_in_the_graded_notebooks(parallel_run):
    course, _ = parallel_run
    for student, (_, mistake) in VARIANTS.items():
        if mistake is None:
            continue
        graded = (course / "autograded" / student / A / NB).read_text()
        assert MISTAKES[mistake].replace("'", "\\'")[:40] in graded or MISTAKES[mistake][:40] in graded, student


def test_parallel_matches_serial_and_regrading_is_idempotent(tmp_path, submissions, parallel_run):
    parallel_course, _ = parallel_run
    serial = make_course(tmp_path)
    # a full mark, a zero and a diagnosed mistake: the parallel batch's rows for them must be
    # what one worker grading them in turn records
    some = tmp_path / "some"
    for student in ("alice", "bob", "carol"):
        shutil.copytree(submissions / student, some / student)
    proc = autograder(serial, "grade", str(some), "--jobs", "1", "--csv", "grades.csv", "-q")
    assert proc.returncode == 0, proc.stderr
    parallel = scores(parallel_course / "grades.csv")
    assert scores(serial / "grades.csv") == {k: v for k, v in parallel.items()
                                             if k[0] in ("alice", "bob", "carol")}
    # the same submissions again, into the same gradebook
    again = autograder(serial, "grade", str(some), "--jobs", "2", "--csv", "again.csv", "-q")
    assert again.returncode == 0, again.stderr
    assert scores(serial / "again.csv") == scores(serial / "grades.csv")


def test_zip_of_the_folder_grades_the_same(tmp_path, submissions, parallel_run):
    archive = tmp_path / "subs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for student in ("alice", "carol"):
            for path in (submissions / student).rglob("*"):
                zf.write(path, Path("submissions") / path.relative_to(submissions))
    course = make_course(tmp_path)
    proc = autograder(course, "grade", str(archive), "-q")
    assert proc.returncode == 0, proc.stderr
    got = scores(course / "grades.csv")
    want = scores(parallel_run[0] / "grades.csv")
    assert got == {k: want[k] for k in [("alice", A), ("carol", A)]}


def test_feedback_has_no_hidden_test_source_and_export_matches(parallel_run):
    course, _ = parallel_run
    proc = autograder(course, "feedback")
    assert proc.returncode == 0, proc.stderr
    html = sorted((course / "feedback").rglob("*.html"))
    assert {p.parts[-3] for p in html} == {"alice", "bob", "carol", "dan", "eve", "frank"}
    hidden = [line.strip() for line in SOURCE_NB.read_text().split("BEGIN HIDDEN TESTS")[1]
              .split("END HIDDEN TESTS")[0].split("\\n") if len(line.strip()) > 8]
    assert hidden
    for page in html:
        text = page.read_text()
        for line in hidden:
            assert line not in text, f"{page} leaks hidden test source: {line}"
    carol = (course / "feedback" / "carol" / A / f"{A}.html").read_text()
    assert "flipped" in carol and "likely mistake" in carol

    proc = autograder(course, "export", "--csv", "exported.csv")
    assert proc.returncode == 0, proc.stderr
    exported = scores(course / "exported.csv")
    graded = {k: v for k, v in scores(course / "grades.csv").items() if v[1] == "graded"}
    assert exported == graded


def test_grade_rejects_a_missing_path_with_one_line(tmp_path):
    proc = autograder(make_course(tmp_path), "grade", str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"error: {tmp_path / 'nope'}: no such file or folder"]


# ----------------------------------------------------------------------------- check (learners)


def test_check_json_schema_is_pinned(tmp_path):
    nb_path = tmp_path / "mine.ipynb"  # a renamed copy: the stamp says which assignment it is
    nb = variant(VARIANTS["carol"][0])
    nb.metadata["cnn_course"] = {"generated_from": f"source/{A}/{NB}"}
    nbformat.write(nb, nb_path)
    proc = autograder(ROOT, "check", str(nb_path), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert set(report) == {"schema", "notebook", "assignment", "score", "max_score", "exercises",
                           "by_hand"}
    assert report["schema"] == SCHEMA == "cnn-course/check-report/1"
    assert report["by_hand"] == []   # notebook 01 has no answer graded by hand
    assert report["assignment"] == A and report["max_score"] == FULL
    assert 0 < report["score"] < FULL
    names = [e["name"] for e in report["exercises"]]
    assert names == ["corr2d", "conv2d_multi", "conv_params", "fc_params",
                     "locally_connected_params", "edge_kernel"]
    for e in report["exercises"]:
        assert set(e) == {"id", "name", "score", "max_score", "passed", "feedback"}
    ex = report["exercises"][0]
    assert ex["id"] == "test-corr2d-hidden" and ex["name"] == "corr2d" and ex["passed"] is False
    assert "likely mistake: " + MISTAKES["flipped_kernel"] in ex["feedback"]


def test_check_lists_the_free_response_answer_as_graded_by_hand():
    """Notebook 10's markdown answer cell: not in the score, answered or not, named (the JSON
    report on the solved notebook, the text report on the student notebook)."""
    a10 = "10_comparison"
    proc = autograder(ROOT, "check", str(ROOT / "source" / a10 / f"{a10}.ipynb"), "--json",
                      "--exercise", "count_macs")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["by_hand"] == [{"id": "free-response", "max_score": 4.0, "answered": True}]
    assert report["max_score"] == 6.0   # count_macs only: the hand-graded 4 are not in it
    proc = autograder(ROOT, "check", str(ROOT / "notebooks" / a10 / f"{a10}.ipynb"),
                      "--exercise", "count_macs")
    assert proc.returncode == 0, proc.stderr
    assert ("[hand] free-response: 4 points, graded by hand by your instructor, not counted "
            "above (not answered yet)") in proc.stdout


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    ("{broken", "broken JSON at line 1"),
    ('{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}',
     "cannot tell which assignment"),
])
def test_check_cannot_grade_gives_one_clear_line(tmp_path, content, message):
    path = tmp_path / "x.ipynb"
    if content is not None:
        path.write_text(content)
    proc = autograder(ROOT, "check", str(path))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and message in lines[0], proc.stderr


def test_in_process_alembic_head_matches_nbgrader_subprocess(monkeypatch):
    import nbgrader.api

    original = nbgrader.api.get_alembic_version
    if getattr(original, "_in_process", False):
        pytest.skip("already patched in this process")
    from autograder.batch.gradebook import _prepare_nbgrader

    # nbgrader runs `alembic heads` in a subprocess, found on PATH: the venv's bin folder
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    want = original()
    _prepare_nbgrader()
    try:
        assert nbgrader.api.get_alembic_version() == want
    finally:
        nbgrader.api.get_alembic_version = original


def test_no_sandbox_is_the_same_verdict_without_bubblewrap_and_says_so(tmp_path, submissions,
                                                                     parallel_run):
    # --no-sandbox runs the same trusted verdict as plain processes: the same points (stderr
    # never matters to it, with or without nbgrader's IgnorePattern), and a warning on the report
    course = make_course(tmp_path)
    with (course / "nbgrader_config.py").open("a") as fh:
        fh.write("\nc.IgnorePattern.enabled = False\n")
    some = tmp_path / "some"
    for student in ("frank", "carol"):
        shutil.copytree(submissions / student, some / student)
    proc = autograder(course, "grade", str(some), "-q", "--no-sandbox")
    assert proc.returncode == 0, proc.stderr
    assert "WARNING: graded with --no-sandbox" in proc.stdout
    got = scores(course / "grades.csv")
    want = scores(parallel_run[0] / "grades.csv")
    assert float(got[("frank", A)][0]) == FULL
    assert got[("carol", A)][0] == want[("carol", A)][0]
    assert got[("frank", A)][1] == "graded (no sandbox)"
