"""Hostile submissions against the reports: formulas in ``grades.csv``, script in the feedback
HTML, and links planted in the autograded folder to copy the gradebook or the reference.

One real submission is autograded once for the module (nbgrader runs the student notebook, with
planted cells, in a local kernel); every test works on a copy of that course.
"""

from __future__ import annotations

import base64
import csv
import os
import re
import shutil
import stat
import struct
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from autograder.batch import reports
from autograder.batch.gradebook import _prepare_nbgrader, api_for, course_config
from autograder.batch.intake import GradingError, Problem

ROOT = Path(__file__).resolve().parent.parent
A = "01_convolution"
NB = f"{A}.ipynb"
STUDENT = "mallory"
MATHJAX = reports.MATHJAX_SRC
FIGURE_PX = (123, 77)  # the planted matplotlib figure, in pixels: recognisable in the HTML

HOSTILE_MARKDOWN = (
    "Hostile markdown cell\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
    '<a href="javascript:alert(8)">x</a> and [a markdown link](javascript:alert(9))\n')
HOSTILE_OUTPUTS = """\
from IPython.display import HTML, Javascript, Markdown, SVG, display
display(HTML('<script>alert(3)</script><b onmouseover=alert(4)>x</b>'))
display(Javascript('alert(5)'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(6)"><script>alert(7)</script>'
            '<rect width="5" height="5"/></svg>'))
display(Markdown('<img src=x onerror=alert(10)> [m](javascript:alert(11))'))
display(HTML('<i>isolated</i><img src=x onerror=alert(12)>'),
        metadata={'text/html': {'isolated': True}})
display(HTML('<table><thead><tr><th>kept header</th></tr></thead>'
             '<tbody><tr><td>kept cell</td></tr></tbody></table>'))
"""
FIGURE = f"""\
import io
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from IPython.display import Image, display
fig, ax = plt.subplots(figsize=({FIGURE_PX[0] / 100}, {FIGURE_PX[1] / 100}), dpi=100)
ax.plot([0, 1], [1, 0])
buf = io.BytesIO()
fig.savefig(buf, format='png', dpi=100)
display(Image(buf.getvalue()))
"""


# ----------------------------------------------------------------------------- helpers


class Page(HTMLParser):
    """What a browser could run in a page: scripts, event handlers, javascript: URLs, frames."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.in_body = False
        self.scripts: list[tuple[dict, str, bool]] = []  # (attributes, text, in <head>)
        self.handlers: list[str] = []
        self.js_urls: list[str] = []
        self.frames: list[str] = []
        self.images: list[str] = []
        self._script: list | None = None
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.in_body = self.in_body or tag == "body"
        if tag == "script":
            self._script = [dict(attrs), "", not self.in_body]
        if tag in ("iframe", "frame", "object", "embed", "applet"):
            self.frames.append(tag)
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value}>")
            if re.sub(r"[\x00-\x20]+", "", value or "").lower().startswith("javascript:"):
                self.js_urls.append(f"<{tag} {name}={value}>")

    def handle_data(self, data):
        if self._script is not None:
            self._script[1] += data

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append(tuple(self._script))
            self._script = None

    def alerts(self) -> set[int]:
        """The planted alert(n) that would run: in a script, a handler or a javascript: URL."""
        runnable = [text for _, text, _ in self.scripts] + self.handlers + self.js_urls
        return {int(n) for n in re.findall(r"alert\((\d+)\)", " ".join(runnable))}


def assert_safe(page: str) -> Page:
    """No script but the template's MathJax in <head>; no handlers, javascript: URLs, frames."""
    p = Page(page)
    for attrs, text, in_head in p.scripts:
        template = in_head and ((attrs.get("src") or "").startswith(MATHJAX) and not text.strip()
                                or attrs.get("type") == "text/x-mathjax-config")
        assert template, f"script not from the template: {attrs} {text[:80]!r}"
        assert "alert" not in text
    assert p.alerts() == set()
    assert not p.handlers, p.handlers
    assert not p.js_urls, p.js_urls
    assert not p.frames, p.frames
    return p


def png_size(src: str) -> tuple[int, int] | None:
    if not src.startswith("data:image/png;base64,"):
        return None
    data = base64.b64decode(src.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def svg_images(p: Page) -> list[str]:
    return [base64.b64decode(src.split(",", 1)[1]).decode()
            for src in p.images if src.startswith("data:image/svg+xml;base64,")]


def nbgrader_feedback(course: Path, preprocessors: list[str], **exporter) -> str:
    """nbgrader's generate_feedback alone (no final pass), with these preprocessors."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = course_config(course)
    config.GenerateFeedback.preprocessors = preprocessors
    for key, value in exporter.items():
        setattr(config.HTMLExporter, key, value)
    result = NbGraderAPI(CourseDirectory(config=config), config=config).generate_feedback(
        A, STUDENT, force=True)
    assert result["success"], result.get("log")
    return (course / "feedback" / STUDENT / A / f"{A}.html").read_text()


NBGRADER_FEEDBACK = ["autograder.batch.plugins.HideHiddenTests",
                     "nbgrader.preprocessors.GetGrades",
                     "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory) -> Path:
    """A course with the hostile submission of ``mallory`` autograded by nbgrader."""
    course = tmp_path_factory.mktemp("reports") / "course"
    course.mkdir()
    shutil.copytree(ROOT / "source", course / "source")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    _prepare_nbgrader()
    api = api_for(course)
    result = api.generate_assignment(A, force=True, create=True)
    assert result["success"], result.get("log")

    nb = nbformat.read(course / "notebooks" / A / NB, as_version=4)  # the student version
    nb.cells += [nbformat.v4.new_markdown_cell(HOSTILE_MARKDOWN),
                 nbformat.v4.new_code_cell(HOSTILE_OUTPUTS),
                 nbformat.v4.new_code_cell(FIGURE)]
    submitted = course / "submitted" / STUDENT / A
    submitted.mkdir(parents=True)
    nbformat.write(nb, submitted / NB)
    result = api.autograde(A, STUDENT, force=True, create=True)
    assert result["success"], result.get("log")
    return course


@pytest.fixture
def course(graded_course: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "course"
    shutil.copytree(graded_course, copy, symlinks=True)
    return copy


# ----------------------------------------------------------------------------- CSV


def test_csv_escapes_formula_cells(tmp_path):
    hostile = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]
    rows = [reports.AssignmentScore(name, A, 7.5, 10.0, []) for name in hostile]
    rows.append(reports.AssignmentScore("alice", A, 7.5, 10.0, [], flag="=cmd|' /C calc'!A0"))
    problems = [Problem("=evil.zip", "=1+1", student="=evil", assignment="+a"),
                Problem("bob/x.ipynb", "broken", student="-bob", assignment="@a")]
    path = tmp_path / "grades.csv"
    reports.write_csv(path, rows, problems)

    with path.open(newline="") as fh:
        got = list(csv.DictReader(fh))
    for row, name in zip(got, hostile, strict=False):
        assert row["student"] == "'" + name
        assert (row["score"], row["max_score"], row["percent"]) == ("7.5", "10", "75.0")
    alice = got[len(hostile)]
    assert alice["student"] == "alice" and alice["assignment"] == A and alice["status"] == "graded"
    assert alice["flag"] == "'=cmd|' /C calc'!A0"
    assert (got[-2]["student"], got[-2]["assignment"]) == ("'=evil", "'+a")
    assert got[-2]["status"] == "not graded: =evil.zip: =1+1"  # starts as text: kept
    assert (got[-1]["student"], got[-1]["assignment"]) == ("'-bob", "'@a")
    for row in got:  # no text cell a spreadsheet would read as a formula
        for key in ("student", "assignment", "status", "flag"):
            assert not row[key].startswith(reports.FORMULA_START), row


# ----------------------------------------------------------------------------- feedback HTML


@pytest.mark.slow
def test_without_the_sanitiser_the_planted_script_runs(course):
    """The attack works: a plain HTMLExporter runs it all; nbgrader's feedback template with
    ``sanitize_html`` still runs the markdown cell's script, handler and javascript: links."""
    from nbconvert import HTMLExporter

    autograded = nbformat.read(course / "autograded" / STUDENT / A / NB, as_version=4)
    plain, _ = HTMLExporter().from_notebook_node(autograded)
    assert {1, 2, 3, 4, 5, 8, 9}.issubset(Page(plain).alerts())

    page = nbgrader_feedback(course, NBGRADER_FEEDBACK, sanitize_html=True)
    assert {1, 2, 8}.issubset(Page(page).alerts())


@pytest.mark.slow
def test_sanitiser_alone_makes_feedback_safe_and_keeps_figures(course):
    page = nbgrader_feedback(course, NBGRADER_FEEDBACK + [reports.SANITIZER])
    p = assert_safe(page)
    assert "Hostile markdown cell" in page and "&lt;script&gt;alert(1)" in page  # shown as text
    assert FIGURE_PX in [png_size(src) for src in p.images]
    assert "<th>kept header</th>" in page and "<td>kept cell</td>" in page
    (svg,) = svg_images(p)
    assert "rect" in svg and not re.search(r"script|onload|alert", svg, re.I)


def test_final_pass_removes_what_could_run():
    png = "data:image/png;base64,iVBORw0KGgo="
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>t</title>"
        f'<script src="{MATHJAX}2.7.7/latest.js?config=TeX-AMS_CHTML-full,Safe"> </script>'
        '<script type="text/x-mathjax-config">MathJax.Hub.Config({});</script>'
        "<script>alert(20)</script><style>p {color: red}</style></head>"
        "<body><h1 id=x>Title &amp; text</h1><p>a &lt; b</p>"
        "<script>alert(21)</script><script/>alert(22)</script>"
        '<script type="text/x-mathjax-config">alert(23)</script>'
        "<img src=x onerror=alert(24)><b onmouseover='alert(25)'>bold</b>"
        '<a href=" jav&#x09;ascript:alert(26)">a</a><a href="https://example.com">ok</a>'
        "<iframe srcdoc='<script>alert(27)</script>'></iframe><object data=x></object>"
        '<embed src="javascript:alert(28)"><form action="javascript:alert(29)"><button>b</button>'
        '</form><svg><animate attributeName=href to="javascript:alert(30)"/></svg>'
        "<!-- --!><script>alert(31)</script> -->"
        '<a href="data:text/html,<script>alert(32)</script>">d</a>'
        '<meta http-equiv="refresh" content="0;url=javascript:alert(33)">'
        f'<img src="{png}" alt="fig"><pre>keep\n  spacing</pre></body></html>')
    clean, removed = reports.scrub_feedback_html(page)
    p = assert_safe(clean)
    assert not re.search(r"alert\((2\d|3\d)\)</script", clean)
    assert len(removed) >= 14
    assert [a.get("type") or a.get("src")[:len(MATHJAX)] for a, _, _ in p.scripts] == [
        MATHJAX, "text/x-mathjax-config"]  # the template's, in <head>: kept
    for kept in ("<style>p {color: red}</style>", "Title &amp; text", "a &lt; b", "bold",
                 '<a href="https://example.com">ok</a>', f'<img src="{png}" alt="fig">',
                 "<pre>keep\n  spacing</pre>"):
        assert kept in clean
    assert reports.scrub_feedback_html(clean) == (clean, [])  # nothing left to remove


def test_feedback_refuses_linked_course_folders(tmp_path):
    course = tmp_path / "course"
    (course / "elsewhere").mkdir(parents=True)
    for root in ("autograded", "feedback"):
        os.symlink(course / "elsewhere", course / root)
        with pytest.raises(GradingError, match="is a link"):
            reports.generate_feedback(course)
        os.unlink(course / root)
        (course / root).mkdir()


def _plant_links(course: Path) -> dict[str, Path]:
    """Links a hostile submission could leave in its autograded folder, and a stale one."""
    adir = course / "autograded" / STUDENT / A
    os.chmod(adir, 0o755)
    targets = {"gb.db": course / "gradebook.db",
               "reference.txt": course / "source" / A / NB,
               "x.ipynb": course / "source" / A / NB}
    for name, target in targets.items():
        os.symlink(target, adir / name)
    (adir / "sub").mkdir()
    os.symlink(course / "gradebook.db", adir / "sub" / "gradebook.db")
    os.symlink(course / "source", adir / "src")
    stale = course / "feedback" / STUDENT / A
    stale.mkdir(parents=True)
    os.symlink(course / "gradebook.db", stale / "old.db")
    return targets


@pytest.mark.slow
def test_feedback_is_safe_and_copies_no_links(course, capsys):
    targets = _plant_links(course)
    gradebook = (course / "gradebook.db").read_bytes()

    written = reports.generate_feedback(course)

    html_file = course / "feedback" / STUDENT / A / f"{A}.html"
    assert written == [html_file]
    for folder, dirs, files in os.walk(course / "feedback"):
        for name in dirs + files:
            mode = os.lstat(Path(folder) / name).st_mode
            assert stat.S_ISDIR(mode) or stat.S_ISREG(mode) and name.endswith(".html"), name
    assert b"BEGIN SOLUTION" in (course / "source" / A / NB).read_bytes()
    for page in (course / "feedback").rglob("*"):
        if page.is_file():  # nothing of the gradebook or of the reference solution
            data = page.read_bytes()
            assert b"SQLite format 3" not in data and b"BEGIN SOLUTION" not in data
    # the links were removed, never followed: their targets are intact
    assert sorted(os.listdir(course / "autograded" / STUDENT / A)) == [NB]
    assert (course / "gradebook.db").read_bytes() == gradebook
    assert all(t.is_file() for t in targets.values())

    page = html_file.read_text()
    p = assert_safe(page)
    assert "sanitized-markdown" in page and "&lt;script&gt;alert(1)" in page
    assert FIGURE_PX in [png_size(src) for src in p.images]
    assert not re.search(r"script|onload|alert", "".join(svg_images(p)), re.I)
    assert "sanitiser let through" not in capsys.readouterr().err  # the preprocessor sufficed


@pytest.mark.slow
def test_feedback_skips_linked_and_badly_named_folders(course, capsys):
    autograded = course / "autograded"
    real = autograded / STUDENT / A
    os.symlink(autograded / STUDENT, autograded / "eve")  # a linked student folder
    (autograded / "trudy").mkdir()
    os.symlink(real, autograded / "trudy" / A)  # a linked assignment folder
    for bad in ("-rf", ".hidden", "a b", "x\x1b[2J"):  # names that are no student's
        shutil.copytree(real, autograded / bad / A)
    shutil.copytree(real, autograded / STUDENT / "99_unknown")  # not an assignment of the course
    shutil.copytree(real, autograded / STUDENT / "..x")
    (autograded / "notes.txt").write_text("not a folder")

    written = reports.generate_feedback(course)

    assert written == [course / "feedback" / STUDENT / A / f"{A}.html"]
    assert sorted(os.listdir(course / "feedback")) == [STUDENT]
    assert sorted(os.listdir(course / "feedback" / STUDENT)) == [A]
    err = capsys.readouterr().err
    for skipped in ("autograded/eve", "autograded/trudy/01_convolution", "autograded/-rf",
                    "autograded/.hidden", "autograded/a b", "autograded/mallory/99_unknown",
                    "autograded/mallory/..x", "autograded/notes.txt",
                    "autograded/x\\x1b[2J"):
        assert f"warning: skipped {skipped}:" in err, skipped
    assert "\x1b" not in err  # a name cannot send terminal escapes
    assert os.path.islink(autograded / "eve") and os.path.islink(autograded / "trudy" / A)


@pytest.mark.slow
def test_sanitiser_is_added_when_the_config_lacks_it(course, capsys):
    config = course / "nbgrader_config.py"
    text = config.read_text()
    assert reports.SANITIZER in text
    config.write_text(text.replace(f'"{reports.SANITIZER}",', ""))

    (page,) = reports.generate_feedback(course)

    assert "sanitized-markdown" in page.read_text()
    assert "sanitiser let through" not in capsys.readouterr().err
    assert_safe(page.read_text())


def test_a_huge_fragment_is_escaped_not_cleaned_tag_by_tag():
    from autograder.batch import feedback_html

    out = feedback_html.clean_html("<b>" * 100_000 + "<script>alert(1)</script>")
    assert out.startswith("<pre>&lt;b&gt;") and "<script>" not in out
    assert "more characters not shown" in out
