"""The class report (`python -m autograder report`, autograder/batch/classreport.py).

A synthetic class of notebook 01 with known mistakes. Its verdict reports are real: every planted
answer is graded by the course's own checks in this process (``bench/diagnosis.py``'s
``grade_in_process``: the trusted verdict's cell rules, then ``autograder.checks.core.run``), and
the flagged verdicts come from the trusted verdict's own ``_zero``. The points go into nbgrader's
gradebook through its API and the verdict files are written by ``gradebook.write_verdict`` in the
shape ``run.grade_one`` gives them. Each planted notebook is graded once and its verdict reused
for the students who share it (the checks are seeded: the reports would be the same).

    20 students:  9 correct           (the held-in "loops" answers)
                  6 flipped kernel    (tests/planted.py FLIPPED_CORR2D)
                  3 output one short  (SHORT_CORR2D below)
                  2 flagged           (the time budget ran out before edge_kernel; the grader
                                       failed on the whole submission)
    1 student in the gradebook without a submission; a manually graded markdown cell (2 points),
    graded by hand for 5 of the 20.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import html
import io
import json
import re
import shutil
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import cli  # noqa: E402
from autograder.batch import classreport  # noqa: E402
from autograder.batch.gradebook import _prepare_nbgrader, write_verdict  # noqa: E402
from autograder.batch.reports import scrub_feedback_html  # noqa: E402
from autograder.verdict import trusted  # noqa: E402
from bench import diagnosis  # noqa: E402
from tests import planted  # noqa: E402
from tests.heldin import correct  # noqa: E402

A = "01_convolution"
MANUAL = "going_further"  # a markdown answer cell graded by hand

# corr2d with an output one row and one column short (loops to H - KH instead of H - KH + 1)
SHORT_CORR2D = '''
import numpy as np

def corr2d(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    if X.ndim != 2 or K.ndim != 2 or K.shape[0] > X.shape[0] or K.shape[1] > X.shape[1]:
        raise ValueError("bad shapes")
    H, W = X.shape[0] - K.shape[0], X.shape[1] - K.shape[1]
    return np.array([[np.sum(X[i:i + K.shape[0], j:j + K.shape[1]] * K) for j in range(W)]
                     for i in range(H)]).reshape(H, W)
'''

# A hostile answer: its exception message forges report lines with markup in them.
HOSTILE_CORR2D = '''
def corr2d(X, K):
    raise ValueError('no\\n        likely mistake: <script>alert("x")</script> & <b>bold</b>')
'''
HOSTILE_ID = '=HYPERLINK("x")<img src=x onerror=alert(1)>&"\''

FLIPPED = "the kernel is flipped (that is true convolution)"
SHORT = "the output is one row and one column short"
SHORT_SHAPE = "the output shape is wrong (rows: one short; columns: one short)"
BUDGET = "the submission's time budget ran out before this exercise was graded"
CRASH = "could not be graded (RuntimeError: the sandbox could not start)"


def _planted(code: str | None) -> list[dict]:
    """Notebook 01 answered in the held-in "loops" style, with corr2d's answer cell replaced by
    ``code``, graded in process: the verdict's exercises as grade_one records them."""
    nb = correct.build(diagnosis.base_style(A), diagnosis.student_nb(A))
    if code is not None:
        cell = next(c for c in nb.cells
                    if c.metadata.get("nbgrader", {}).get("grade_id") == "corr2d")
        cell.source = code
    graded = diagnosis.grade_in_process(nbformat.from_dict(nb), A, None)
    return [{"grade_id": a.grade_id, "exercise": a.exercise, "points": graded[a.exercise][0],
             "max_points": a.points, "problem": "", "flag": "", "report": graded[a.exercise][2]}
            for a in _answers()]


def _answers() -> list[trusted.Answer]:
    return list(trusted.course_plan(diagnosis.source_nb(A)).answers)


def _zeroed(exercises: list[dict], reason: str, only: set[str] | None = None) -> list[dict]:
    """The trusted verdict's record of exercises it could not decide (trusted._zero)."""
    out = []
    for answer, ex in zip(_answers(), exercises, strict=True):
        if only is None or answer.exercise in only:
            v = trusted._zero(answer, reason, flag=True)
            ex = {"grade_id": v.grade_id, "exercise": v.exercise, "points": v.points,
                  "max_points": v.max_points, "problem": v.problem, "flag": v.flag,
                  "report": v.report}
        out.append(ex)
    return out


def _verdict(exercises: list[dict], seconds: float | None) -> dict:
    data = {"sandbox": True, "digest": "0" * 64,
            "flags": [e["flag"] for e in exercises if e["flag"]], "complete": True,
            "grader_peak_mb": 200.0,
            "notebooks": [{"notebook": A, "problem": "", "exercises": exercises}]}
    if seconds is not None:
        data["seconds"] = seconds
    return data


def make_course(course: Path, students: list[tuple[str, list[dict], float | None]],
                absent: tuple[str, ...] = (), manual: dict[str, float] | None = None) -> None:
    """A course folder with a gradebook (nbgrader's API) and a verdict file per submission.
    ``manual`` maps students to the score an instructor gave the markdown cell by hand."""
    from nbgrader.api import Gradebook

    _prepare_nbgrader()
    manual = manual or {}
    course.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(), Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        # nbgrader's own add_submission warns about session state it handles itself
        warnings.filterwarnings("ignore", message=".*not in session.*")
        gb.add_assignment(A)
        gb.add_notebook(A, A)
        for answer in _answers():
            gb.add_grade_cell(answer.grade_id, A, A, max_score=answer.points, cell_type="code")
        gb.add_grade_cell(MANUAL, A, A, max_score=2, cell_type="markdown")
        for student, exercises, _ in students:
            gb.add_student(student)
            gb.add_submission(A, student)
            for ex in exercises:
                grade = gb.find_grade(ex["grade_id"], A, A, student)
                grade.auto_score = ex["points"]
                grade.needs_manual_grade = bool(ex["flag"])
            if student in manual:
                grade = gb.find_grade(MANUAL, A, A, student)
                grade.manual_score = manual[student]
                grade.needs_manual_grade = False
        for student in absent:
            gb.add_student(student)
        gb.db.commit()
    for student, exercises, seconds in students:
        write_verdict(course, student, A, _verdict(exercises, seconds))


@pytest.fixture(scope="module")
def variants() -> dict[str, list[dict]]:
    return {"correct": _planted(None), "flipped": _planted(planted.FLIPPED_CORR2D),
            "short": _planted(SHORT_CORR2D), "hostile": _planted(HOSTILE_CORR2D)}


def class_list(variants) -> list[tuple[str, list[dict], float | None]]:
    kinds = ["correct"] * 9 + ["flipped"] * 6 + ["short"] * 3
    # grading times: 12.0 to 25.6 s, and one slow submission (s04, 58.5 s)
    seconds = [58.5 if i == 3 else 12.0 + (i * 7) % 18 * 0.8 for i in range(len(kinds))]
    students = [(f"s{i + 1:02d}", variants[kind], seconds[i]) for i, kind in enumerate(kinds)]
    students.append(("s19", _zeroed(variants["correct"], BUDGET, {"edge_kernel"}), None))
    students.append(("s20", _zeroed(variants["correct"], CRASH), None))
    return students


@pytest.fixture(scope="module")
def course(tmp_path_factory, variants) -> Path:
    course = tmp_path_factory.mktemp("class-report") / "course"
    make_course(course, class_list(variants), absent=("s21",),
                manual={f"s0{i}": 1.5 for i in range(1, 6)})
    return course


def report_cli(course: Path, *args: str) -> int:
    return cli.main(["--root", str(course), "report", *args])


@pytest.fixture(scope="module")
def written(course, tmp_path_factory):
    out = tmp_path_factory.mktemp("class-report-out")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = report_cli(course, "--html", str(out / "report.html"), "--csv", str(out / "r.csv"))
    assert code == 0
    return out / "report.html", out / "r.csv", printed.getvalue()


# ----------------------------------------------------------------------------- the figures


def test_the_planted_answers_get_the_diagnoses_the_class_is_built_on(variants):
    corr2d = {kind: variants[kind][0]["report"] for kind in ("correct", "flipped", "short")}
    assert variants["correct"][0]["points"] == pytest.approx(3) and "[FAIL]" not in corr2d["correct"]
    assert f"likely mistake: {FLIPPED}." in corr2d["flipped"]
    assert f"likely mistake: {SHORT}:" in corr2d["short"]


def test_counts_and_shares_of_the_planted_mistakes(course):
    [rep] = classreport.load_class(course)
    assert (rep.assignment, rep.n, rep.students, rep.missing, rep.max_score) == (
        A, 20, 21, ["s21"], 14)
    ex = {e.name: e for e in rep.exercises}
    assert list(ex) == ["corr2d", "conv2d_multi", "conv_params", "fc_params",
                        "locally_connected_params", "edge_kernel"]
    corr2d = ex["corr2d"]
    # 9 correct + s19 (only edge_kernel lost) have full marks; everyone else 0
    assert corr2d.mean == pytest.approx(1.5)
    assert (corr2d.full, corr2d.n, corr2d.failed, corr2d.diagnosed) == (10, 20, 10, 9)
    assert [(c.label, c.count) for c in corr2d.mistakes] == [
        (FLIPPED, 6), (SHORT, 3), (SHORT_SHAPE, 3)]
    assert [classreport.share(c.count, rep.n) for c in corr2d.mistakes] == ["30%", "15%", "15%"]
    # conv2d_multi calls the student's corr2d: the flipped kernel shows there too, the short
    # output as broadcast errors (no likely mistake)
    assert [(c.label, c.count) for c in ex["conv2d_multi"].mistakes] == [(FLIPPED, 6)]
    assert ex["conv2d_multi"].diagnosed == 6 and ex["conv2d_multi"].failed == 10
    for name in ("conv_params", "fc_params", "locally_connected_params", "edge_kernel"):
        assert ex[name].mistakes == [] and ex[name].cases == []
    assert (ex["edge_kernel"].mean, ex["edge_kernel"].full) == (pytest.approx(1.8), 18)
    assert ex["conv_params"].full == 19  # s20's grader failure zeroes every exercise

    cases = {(c.detail, c.label): c.count for c in corr2d.cases}
    assert cases[("random images, square kernels", "random 0: X 4x5, K 3x3")] == 9
    assert cases[("fixed examples from the notebook",
                  "X = arange(9).reshape(3, 3), K = [[1, 2], [3, 4]]")] == 6
    assert cases[("fixed examples from the notebook", "lecture example: 5x5 image, 3x3 kernel")] == 3
    assert corr2d.cases[0].count == 9 and all(c.count <= 9 for c in corr2d.cases)

    [manual] = rep.manual
    assert (manual.name, manual.awaiting, manual.n, manual.graded_mean) == (MANUAL, 15, 20, 1.5)
    assert [(s.student, s.flags) for s in rep.flagged] == [
        ("s19", [f"edge_kernel: {BUDGET}"]),
        ("s20", [f"{a.exercise}: {CRASH}" for a in _answers()])]
    scores = {s.student: s.score for s in rep.submissions}
    assert (scores["s01"], scores["s02"], scores["s09"], scores["s10"], scores["s19"],
            scores["s20"]) == pytest.approx((13.5, 13.5, 12, 5, 10, 0))
    assert [s.seconds for s in rep.submissions][:5] == pytest.approx([12.0, 17.6, 23.2, 58.5, 20.0])
    assert [s.seconds for s in rep.submissions][-2:] == [None, None]


def test_the_cli_writes_the_page_and_the_csv(written):
    page_path, csv_path, out = written
    page = page_path.read_text()
    assert "<script" not in page.lower() and scrub_feedback_html(page)[1] == []
    pngs = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(pngs) == 3  # scores, exercises, grading time
    assert all(base64.b64decode(p).startswith(b"\x89PNG\r\n\x1a\n") for p in pngs)
    assert "http://" not in page and "https://" not in page
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert f"corr2d: {FLIPPED}: 30% of the class" in text
    assert "20 submissions; 1 of the 21 students in the gradebook has no submission" in text
    top = re.search(r"Most common diagnosed mistakes:</p><ul>(.*?)</ul>", page)
    assert top and [html.unescape(re.sub(r"<[^>]+>", "", li))
                    for li in re.findall(r"<li>(.*?)</li>", top[1])] == [
        f"corr2d: {FLIPPED}: 30% of the class", f"conv2d_multi: {FLIPPED}: 30% of the class",
        f"corr2d: {SHORT}: 15% of the class"], top
    assert "awaiting manual grading: 15 of 20" in text
    assert "Flagged for review: 2." in text and "Flagged submissions (2)" in text
    assert "Grading time not recorded: s19, s20." in text
    assert "18 submissions timed: median 19.6 s, mean 21.2 s, slowest 58.5 s" in text
    assert "not recorded for 2" in text
    assert ("corr2d, conv2d_multi, conv_params, fc_params, locally_connected_params, "
            f"edge_kernel: {CRASH}") in text

    with csv_path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == classreport.CSV_FIELDS
    by = {(r["section"], r["exercise"], r["item"]): r for r in rows}
    assert by[("class", "", "submissions")] == {
        "assignment": A, "section": "class", "exercise": "", "item": "submissions",
        "count": "20", "of": "21", "percent": "95.2", "value": "", "max": "", "detail": ""}
    flip = by[("mistake", "corr2d", FLIPPED)]
    assert (flip["count"], flip["of"], flip["percent"]) == ("6", "20", "30.0")
    assert flip["detail"].startswith(FLIPPED + ". Deep-learning")
    assert [(r["exercise"], r["item"], r["count"]) for r in rows if r["section"] == "mistake"] == [
        ("corr2d", FLIPPED, "6"), ("corr2d", SHORT, "3"), ("corr2d", SHORT_SHAPE, "3"),
        ("conv2d_multi", FLIPPED, "6")]
    full = by[("exercise", "corr2d", "full marks")]
    assert (full["count"], full["of"], full["percent"], full["value"], full["max"]) == (
        "10", "20", "50.0", "1.5", "3")
    manual = by[("manual", MANUAL, "awaiting manual grading")]
    assert (manual["count"], manual["of"], manual["value"]) == ("15", "20", "1.5")
    assert [r["item"] for r in rows if r["section"] == "flagged"] == ["s19", "s20"]
    assert by[("flagged", "", "s19")]["detail"] == f"edge_kernel: {BUDGET}"
    times = [(r["item"], r["value"]) for r in rows if r["section"] == "time"]
    assert times[0] == ("s04", "58.5") and times[-2:] == [("s19", "not recorded"),
                                                           ("s20", "not recorded")]
    assert f"  corr2d: {FLIPPED}: 30% of the class" in out
    assert f"  {MANUAL}: awaiting manual grading: 15 of 20" in out


def test_a_hostile_student_id_and_report_are_shown_as_text(variants, tmp_path):
    course = tmp_path / "course"
    make_course(course, [("s01", variants["correct"], 5.0),
                         (HOSTILE_ID, variants["hostile"], 6.0)])
    # the forged line is in the real report, continued behind "| " as a line of the answer's
    # own message (checks.core._describe_exception), so it is never read as a likely mistake
    report = variants["hostile"][0]["report"]
    assert "|         likely mistake: <script>" in report
    assert not [line for line in report.splitlines() if classreport.MISTAKE_LINE.match(line)]
    code = report_cli(course, "--html", str(tmp_path / "r.html"), "--csv", str(tmp_path / "r.csv"))
    assert code == 0
    page = (tmp_path / "r.html").read_text()
    assert "<script" not in page and "<img src=x" not in page and "<b>bold" not in page
    assert scrub_feedback_html(page)[1] == []
    assert html.escape(HOSTILE_ID) in page  # the slowest-submissions table names the student
    assert "alert(&quot;x" not in page   # not counted as a mistake, so not on the page at all
    with (tmp_path / "r.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert ("time", "'" + HOSTILE_ID) in [(r["section"], r["item"]) for r in rows]


# ----------------------------------------------------------------------------- bad input


def _break_missing(course: Path) -> str:
    (course / "verdicts" / "s07" / f"{A}.json").unlink()
    return f"verdicts/s07/{A}.json: no verdict file"


def _break_json(course: Path) -> str:
    (course / "verdicts" / "s07" / f"{A}.json").write_text('{"complete": true, "notebooks": [')
    return f"verdicts/s07/{A}.json: corrupt verdict file (not JSON"


def _break_shape(course: Path) -> str:
    path = course / "verdicts" / "s12" / f"{A}.json"
    data = json.loads(path.read_text())
    data["notebooks"][0]["exercises"][1]["report"] = None
    path.write_text(json.dumps(data))
    return f"verdicts/s12/{A}.json: corrupt verdict file (notebooks[0].exercises[1].report"


def _break_seconds(course: Path) -> str:
    path = course / "verdicts" / "s03" / f"{A}.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | {"seconds": "slow"}))
    return f"verdicts/s03/{A}.json: corrupt verdict file ('seconds' is 'slow'"


def _break_link(course: Path) -> str:
    path = course / "verdicts" / "s05" / f"{A}.json"
    target = course / "elsewhere.json"
    path.replace(target)
    path.symlink_to(target)
    return f"verdicts/s05/{A}.json: cannot be read"


def _no_gradebook(course: Path) -> str:
    (course / "gradebook.db").unlink()
    return f"no gradebook at {course / 'gradebook.db'}"


def _empty_gradebook(course: Path) -> str:
    from nbgrader.api import Gradebook

    (course / "gradebook.db").unlink()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.add_assignment(A)
        gb.add_student("s01")
    return "the gradebook gradebook.db holds no submissions"


BREAKS = {"missing verdict": _break_missing, "corrupt JSON": _break_json,
          "wrong shape": _break_shape, "bad seconds": _break_seconds, "linked verdict": _break_link,
          "no gradebook": _no_gradebook, "empty gradebook": _empty_gradebook}


@pytest.mark.parametrize("name", list(BREAKS))
def test_bad_input_is_one_line_exit_2_and_nothing_written(name, course, tmp_path, capsys):
    broken = tmp_path / "course"
    shutil.copytree(course, broken)
    expected = BREAKS[name](broken)
    page, table = tmp_path / "out" / "r.html", tmp_path / "out" / "r.csv"
    page.parent.mkdir()
    page.write_text("the previous report")
    assert report_cli(broken, "--html", str(page), "--csv", str(table)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and expected in err, err
    assert page.read_text() == "the previous report" and not table.exists()
    assert sorted(p.name for p in page.parent.iterdir()) == ["r.html"]  # no temporary left


def test_the_same_file_for_both_outputs_is_refused(course, tmp_path, capsys):
    same = str(tmp_path / "r.out")
    assert report_cli(course, "--html", same, "--csv", same) == 2
    assert capsys.readouterr().err == f"error: --html and --csv name the same file {same}\n"
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_assignment_is_named(course, tmp_path, capsys):
    assert report_cli(course, "--assignment", "02_padding_stride", "--html",
                      str(tmp_path / "r.html"), "--csv", str(tmp_path / "r.csv")) == 2
    err = capsys.readouterr().err
    assert err == ("error: unknown assignment '02_padding_stride': the gradebook gradebook.db "
                   f"holds {A}\n")
    assert list(tmp_path.iterdir()) == []


def test_one_assignment_by_name_and_a_database_url(course, tmp_path, capsys):
    url = f"sqlite:///{course / 'gradebook.db'}"
    code = cli.main(["--root", str(course), "--db", url, "report", "--assignment", A,
                     "--html", str(tmp_path / "r.html"), "--csv", str(tmp_path / "r.csv")])
    assert code == 0
    assert f"Gradebook {url};" in (tmp_path / "r.html").read_text()
    # a password in a database URL is never shown
    assert cli.main(["--root", str(course), "--db", "postgresql://ta:s3cret@localhost:1/gb",
                     "report", "--html", str(tmp_path / "p.html")]) == 2
    err = capsys.readouterr().err
    assert "s3cret" not in err and "postgresql://ta:***@localhost:1/gb" in err, err


# ----------------------------------------------------------------------------- in a browser


@pytest.mark.slow
def test_the_page_in_chromium(written):
    import browser_util as bu

    why = bu.missing()
    if why is not None:
        pytest.skip(f"browser check skipped: {why}")
    from playwright.sync_api import sync_playwright

    page_path, _, _ = written
    with sync_playwright() as p:
        browser = bu.launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(page_path.as_uri())
            page.wait_for_load_state("load")
            images = page.locator("img").evaluate_all(
                "imgs => imgs.map(i => [i.complete && i.naturalWidth > 0, i.naturalWidth, "
                "i.getBoundingClientRect().width])")
            fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            scripts = page.evaluate("document.scripts.length")
            row = page.locator("tr", has_text=FLIPPED).first.inner_text()
            manual = page.locator("p.manual").inner_text()
            bu.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(bu.SCREENSHOTS / "class_report.png"), full_page=True)
        finally:
            browser.close()
    assert len(images) == 3 and all(ok and 0 < shown <= 1100 for ok, _, shown in images), images
    assert fits, "the page is wider than the window"
    assert scripts == 0
    assert re.search(r"\b6\s+30%", row), row
    assert "awaiting manual grading: 15 of 20" in manual
