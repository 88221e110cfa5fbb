"""Reports: the per-student table, the grades CSV and the HTML feedback, all from the gradebook.

Everything here may carry text a student chose (a folder name, a notebook's content), so:

* ``grades.csv``: a text cell that a spreadsheet would read as a formula is escaped
  (:func:`csv_text`);
* feedback: only grader-made folders with valid names are read, links are never followed or
  copied, the output folder holds only regular HTML files, and every page is cleaned twice:
  the notebook before rendering (:class:`autograder.batch.feedback_html.SanitizeFeedback`,
  always in the GenerateFeedback preprocessors), and the written HTML after
  (:func:`scrub_feedback_html`: no script but the template's MathJax in ``<head>``, no event
  handlers, no ``javascript:`` URLs, no frames or embedded objects).
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from autograder.batch.gradebook import _prepare_nbgrader, course_config, read_verdict
from autograder.batch.intake import GradingError, Problem, known_notebooks
from autograder.course.build import ROOT

CSV_FIELDS = ["student", "assignment", "score", "max_score", "percent", "status", "flag"]
# OWASP "CSV injection": a cell starting with one of these is a formula to a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A student or assignment folder name that feedback will use (no dot first: no "..", no ".x").
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
SANITIZER = "autograder.batch.feedback_html.SanitizeFeedback"
TRUSTED_REPORT = "autograder.batch.plugins.TrustedReport"


def exercise_name(grade_id: str) -> str:
    """``test-corr2d-hidden`` -> ``corr2d``."""
    return re.sub(r"^test-|-hidden$", "", grade_id)


@dataclass
class ExerciseScore:
    name: str
    score: float
    max_score: float


@dataclass
class AssignmentScore:
    student: str
    assignment: str
    score: float
    max_score: float
    exercises: list[ExerciseScore]
    status: str = "graded"
    flag: str = ""  # where the in-kernel verdict and the sandbox disagree; "" if they agree


class GradebookUnavailable(GradingError):
    """The gradebook's URL cannot be used; the one-line message names it (password masked)."""


# a password in a URL that SQLAlchemy cannot parse: ``scheme://user:PASSWORD@``
_URL_PASSWORD = re.compile(r"(://[^:/@]*:)[^@/]*@")
POSTGRES_DRIVERS = {"psycopg": "psycopg[binary]", "psycopg2": "psycopg2-binary"}
CONNECT_SECONDS = 10  # a host that never answers: give up after this long


def masked_url(db_url: str) -> str:
    """``db_url`` for a message: its password replaced by ``***``."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:  # unparsable: mask what looks like a password
        return _URL_PASSWORD.sub(r"\1***@", db_url)


def check_gradebook(course: Path = ROOT, db_url: str | None = None) -> str:
    """Connect once to the gradebook's database, before anything is written to it.

    Returns the URL (``db_url``, or the course's ``sqlite:///<course>/gradebook.db``). Raises
    :class:`GradebookUnavailable`, one line naming the URL with its password masked, when the
    URL cannot be parsed, names an unknown scheme or a driver that is not installed, or the
    server refuses or cannot be reached (wrong password, no such database, no server)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    url_text = db_url or f"sqlite:///{course / 'gradebook.db'}"
    shown = masked_url(url_text)
    try:
        url = make_url(url_text)
    except (ArgumentError, ValueError):
        raise GradebookUnavailable(
            f"--db {shown!r} is not a database URL (expected, for example, "
            "postgresql://user:password@host/database or sqlite:////path/gradebook.db)") from None
    try:
        connect_args = ({"connect_timeout": CONNECT_SECONDS}
                        if url.get_backend_name() == "postgresql"
                        and url.get_driver_name() in POSTGRES_DRIVERS else {})
        engine = create_engine(url, connect_args=connect_args)
    except NoSuchModuleError:
        raise GradebookUnavailable(
            f"--db {shown}: unknown database scheme {url.drivername!r} (use, for example, "
            "postgresql://user:password@host/database or sqlite:////path/gradebook.db)") from None
    except ImportError as exc:
        driver = exc.name or url.get_driver_name()
        hint = (f"pip install {POSTGRES_DRIVERS.get(driver, driver)}, or write postgresql://, "
                "whose driver psycopg requirements.txt installs"
                if url.get_backend_name() == "postgresql" else f"install {driver}")
        raise GradebookUnavailable(
            f"--db {shown}: its database driver {driver!r} is not installed ({hint})") from None
    try:
        with engine.connect() as con:
            con.execute(text("SELECT 1"))
    except DBAPIError as exc:
        lines = str(exc.orig or exc).strip().splitlines() or ["?"]
        why = re.sub(r"^connection failed: |FATAL: +", "", lines[0].strip())
        if url.password:
            why = why.replace(str(url.password), "***")
        raise GradebookUnavailable(f"cannot open the gradebook {shown}: {why}") from None
    finally:
        engine.dispose()
    return url_text


def gradebook_scores(course: Path = ROOT, db_url: str | None = None) -> list[AssignmentScore]:
    """Every student x assignment in the gradebook; a missing submission scores 0, 'missing'.

    Raises :class:`GradebookUnavailable` (see :func:`check_gradebook`) if it cannot be opened."""
    from nbgrader.api import Gradebook, MissingEntry

    url = check_gradebook(course, db_url)
    rows = []
    with Gradebook(url) as gb:
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            for student in sorted(gb.students, key=lambda s: s.id):
                try:
                    sub = gb.find_submission(assignment.name, student.id)
                except MissingEntry:
                    rows.append(AssignmentScore(student.id, assignment.name, 0.0,
                                                assignment.max_score, [], "missing"))
                    continue
                exercises = [
                    ExerciseScore(exercise_name(g.name), g.score, g.max_score)
                    for nb in sub.notebooks for g in nb.grades if g.max_score > 0
                ]
                verdict = read_verdict(course, student.id, assignment.name) or {}
                status = "graded" if verdict.get("sandbox", True) else "graded (no sandbox)"
                pending = [f"{exercise_name(g.name)} ({g.max_score:g} points)"
                           for nb in sub.notebooks for g in nb.grades
                           if g.cell.cell_type == "markdown" and g.manual_score is None
                           and g.needs_manual_grade]
                if pending:  # a free-response answer that no grader has scored yet
                    status += "; awaiting manual grading: " + ", ".join(pending)
                rows.append(AssignmentScore(student.id, assignment.name, sub.score,
                                            sub.max_score, exercises, status,
                                            "; ".join(verdict.get("flags", []))))
    return rows


def format_table(rows: list[AssignmentScore], problems: list[Problem] = ()) -> str:
    lines = []
    for student in sorted({r.student for r in rows} | {p.student for p in problems if p.student}):
        lines.append(student)
        for r in (r for r in rows if r.student == student):
            pct = 100 * r.score / r.max_score if r.max_score else 0.0
            lines.append(f"  {r.assignment:<24} {r.score:6.2f} / {r.max_score:<6.2f} {pct:5.1f}%"
                         + ("" if r.status == "graded" else f"  ({r.status})"))
            if r.flag:
                lines.append(f"    FLAGGED for review: {r.flag}")
            for e in r.exercises:
                lines.append(f"    {e.name:<22} {e.score:6.2f} / {e.max_score:.2f}")
        for p in problems:
            if p.student == student:
                lines.append(f"  NOT GRADED {p}")
    orphans = [p for p in problems if not p.student]
    lines += [f"NOT GRADED {p}" for p in orphans]
    return "\n".join(lines)


def csv_text(value: object) -> str:
    """A text cell for the CSV: prefixed with ``'`` if a spreadsheet would run it as a formula.

    The csv module quotes cells holding separators, quotes or line breaks.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(path: Path, rows: list[AssignmentScore], problems: list[Problem] = ()) -> None:
    """One row per student x assignment; inputs that could not be graded get their own rows.

    Every text cell goes through :func:`csv_text`; the numbers are formatted here and kept.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for r in rows:
            pct = 100 * r.score / r.max_score if r.max_score else 0.0
            writer.writerow({"student": csv_text(r.student),
                             "assignment": csv_text(r.assignment),
                             "score": f"{r.score:.4g}", "max_score": f"{r.max_score:.4g}",
                             "percent": f"{pct:.1f}", "status": csv_text(r.status),
                             "flag": csv_text(r.flag)})
        for p in problems:
            writer.writerow({"student": csv_text(p.student), "assignment": csv_text(p.assignment),
                             "score": "", "max_score": "", "percent": "",
                             "status": csv_text(f"not graded: {p}"), "flag": ""})
    tmp.replace(path)  # never leave a half-written grade file


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _shown(name: str) -> str:
    """A folder name for a message: control characters (terminal escapes) spelled out."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def _is_real_dir(path: Path) -> bool:
    """A directory that is not a link (``lstat``: the link itself is looked at, never followed)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _remove(path: str | Path) -> None:
    """Remove one folder entry without following it: links and files unlinked, folders deleted."""
    if stat.S_ISDIR(os.lstat(path).st_mode):
        shutil.rmtree(path)  # never follows the links inside
    else:
        os.unlink(path)


def _keep_only(folder: Path, keep: Callable[[str, int], bool]) -> list[Path]:
    """Delete every entry of ``folder`` for which ``keep(name, lstat_mode)`` is false.

    Returns the kept entries, sorted.
    """
    kept = []
    for entry in os.scandir(folder):
        if keep(entry.name, entry.stat(follow_symlinks=False).st_mode):
            kept.append(Path(entry.path))
        else:
            _remove(entry.path)
    return sorted(kept)


def _clear_non_dir(path: Path) -> None:
    """A grader-owned output folder: if something other than a real folder is there, remove it."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(mode):
        os.unlink(path)


def _feedback_api(course: Path, db_url: str | None):
    """nbgrader's API for feedback, whatever the configuration says: :data:`TRUSTED_REPORT`
    (each graded cell shows the trusted verdict's report) and :data:`SANITIZER` last, and the
    course's template (``autograder/batch/templates/feedback/course_feedback.html.j2``)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = course_config(course, db_url)
    if "preprocessors" in config.GenerateFeedback:
        configured = list(config.GenerateFeedback.preprocessors)
    else:  # nbgrader's default list
        configured = ["nbgrader.preprocessors.GetGrades",
                      "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]

    def name(p) -> str:
        return p if isinstance(p, str) else f"{p.__module__}.{p.__qualname__}"

    config.GenerateFeedback.preprocessors = [
        p for p in configured if name(p) not in (SANITIZER, TRUSTED_REPORT)
    ] + [TRUSTED_REPORT, SANITIZER]
    config.SanitizeFeedback.enabled = True
    config.TrustedReport.course = str(course)
    config.HTMLExporter.embed_images = False  # never read files named in a notebook's HTML
    config.HTMLExporter.skip_svg_encoding = False  # SVG only ever inside <img>
    # the course's page: nbgrader's feedback template, with exercise names in the index
    import nbgrader

    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.template_file = "course_feedback.html.j2"
    config.HTMLExporter.extra_template_basedirs = [
        str(Path(__file__).resolve().parent / "templates"),
        str(Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates")]
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def generate_feedback(course: Path = ROOT, db_url: str | None = None) -> list[Path]:
    """HTML feedback for every autograded submission, hidden tests stripped.

    Reads only ``autograded/<student>/<assignment>/`` folders that are real folders (not links)
    with valid names, of an assignment of the course. Before nbgrader runs, such a folder is
    reduced to the assignment's notebooks as regular files (nbgrader copies every other file
    into the feedback); afterwards, ``feedback/<student>/<assignment>/`` is reduced to regular
    ``.html`` files, and each is cleaned (:func:`scrub_feedback_html`). Anything skipped is
    reported on stderr. Raises :class:`GradebookUnavailable` if the gradebook cannot be opened.
    """
    _prepare_nbgrader()
    autograded, feedback = course / "autograded", course / "feedback"
    for root in (autograded, feedback):
        if os.path.islink(root):
            raise GradingError(f"{root} is a link: feedback never follows links")
    check_gradebook(course, db_url)
    if not _is_real_dir(autograded):
        return []
    api = _feedback_api(course, db_url)
    known = known_notebooks(course)
    written: list[Path] = []
    for student_dir in sorted(Path(e.path) for e in os.scandir(autograded)):
        student = student_dir.name
        if not _is_real_dir(student_dir) or not SAFE_NAME.fullmatch(student):
            _warn(f"skipped autograded/{_shown(student)}: "
                  "not a folder with a valid student name")
            continue
        for adir in sorted(Path(e.path) for e in os.scandir(student_dir)):
            assignment = adir.name
            where = f"autograded/{student}/{_shown(assignment)}"
            if not _is_real_dir(adir) or not SAFE_NAME.fullmatch(assignment):
                _warn(f"skipped {where}: not a folder with a valid assignment name")
                continue
            if assignment not in known:
                _warn(f"skipped {where}: no such assignment in source/")
                continue
            notebooks = known[assignment]
            kept = _keep_only(adir, lambda n, mode, nbs=notebooks: stat.S_ISREG(mode)
                              and n in nbs)
            if not kept:
                _warn(f"skipped {where}: none of the assignment's notebooks")
                continue
            out = feedback / student / assignment
            _clear_non_dir(feedback / student)
            _clear_non_dir(out)
            result = api.generate_feedback(assignment, student, force=True)
            if not result["success"]:  # one submission's failure is not the class's
                why = (result.get("error") or result.get("log") or "?").strip().splitlines()
                print(f"warning: feedback for {student}/{assignment} failed: "
                      f"{why[-1][:200] if why else '?'}", file=sys.stderr)
                continue
            if not _is_real_dir(out):
                continue
            pages = _keep_only(out, lambda n, mode: stat.S_ISREG(mode) and n.endswith(".html"))
            for page in pages:
                removed = scrub_feedback_file(page)
                if removed:
                    _warn(f"{page.relative_to(course)}: removed what the sanitiser let through: "
                          + "; ".join(removed[:5]))
            written += pages
    return written


# ----------------------------------------------------------------------------- final pass

# The only scripts a feedback page may hold: the template's MathJax loader and configuration,
# in <head>, which no notebook content reaches.
MATHJAX_SRC = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/"
TEMPLATE_SCRIPT_TYPES = frozenset({"text/x-mathjax-config"})
# Elements dropped with their content (their text is script or CSS) ...
RAW_TEXT_ELEMENTS = frozenset({"script", "style"})
# ... and elements whose tags are dropped (the content is kept, and scrubbed in its turn).
DROPPED_TAGS = frozenset({
    "iframe", "frame", "frameset", "object", "embed", "applet", "portal", "fencedframe", "base",
    "form", "plaintext", "xmp", "noembed", "noframes", "animate", "animatemotion",
    "animatetransform", "set", "handler", "listener", "foreignobject",
})
HEAD_ONLY_TAGS = frozenset({"meta", "link", "title"})
URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "background", "cite", "codebase", "data", "dynsrc",
    "lowsrc", "longdesc", "poster", "ping", "manifest", "icon", "usemap", "profile", "classid",
    "archive", "srcset", "xlink:href", "xml:base", "content",
})
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "livescript:", "mocha:")
IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml)[;,]")


class _Scrubber(HTMLParser):
    """Rebuilds an HTML page from its parsed tokens, leaving out anything that can run script.

    Tags are written from their parsed attributes, text is re-escaped, comments and processing
    instructions are dropped: what a browser reads is exactly what was checked here.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.removed: list[str] = []
        self.in_body = False
        self._raw: tuple[str, list[tuple[str, str | None]]] | None = None
        self._raw_text: list[str] = []

    # -- attributes
    def _attributes(self, tag: str, attrs: list[tuple[str, str | None]]):
        kept = []
        for name, value in attrs:
            norm = re.sub(r"[\x00-\x20\x7f-\xa0`]+", "", value or "").lower()
            if name.startswith("on") or name == "srcdoc":
                self.removed.append(f"<{tag} {name}>")
            elif (name in URL_ATTRIBUTES or name.endswith("href")) and (
                    norm.startswith(DANGEROUS_SCHEMES) or ";url=javascript:" in norm
                    or norm.startswith("data:")
                    and not (tag == "img" and name == "src" and IMAGE_DATA.match(norm))):
                self.removed.append(f"<{tag} {name}={norm[:30]}>")
            elif name == "style" and any(s in norm for s in ("javascript:", "expression(",
                                                             "behavior:", "-moz-binding")):
                self.removed.append(f"<{tag} style>")
            else:
                kept.append((name, value))
        return kept

    @staticmethod
    def _tag(tag: str, attrs, closed: bool = False) -> str:
        parts = [tag] + [name if value is None else f'{name}="{html.escape(value)}"'
                         for name, value in attrs]
        return "<" + " ".join(parts) + (" />" if closed else ">")

    # -- tokens
    def _start(self, tag: str, attrs, closed: bool) -> None:
        if tag == "body":
            self.in_body = True
        attrs = self._attributes(tag, attrs)
        if tag in RAW_TEXT_ELEMENTS:
            if closed:  # "<script/>" still opens a script in a browser: drop it
                self.removed.append(f"<{tag}/>")
            else:
                self._raw, self._raw_text = (tag, attrs), []
            return
        if tag in DROPPED_TAGS or (self.in_body and tag in HEAD_ONLY_TAGS):
            self.removed.append(f"<{tag}>")
            return
        self.out.append(self._tag(tag, attrs, closed))

    def handle_starttag(self, tag, attrs):
        if self._raw is None:
            self._start(tag, attrs, False)

    def handle_startendtag(self, tag, attrs):
        if self._raw is None:
            self._start(tag, attrs, True)

    def _template_raw(self, tag: str, attrs, text: str) -> bool:
        """A ``<style>`` or a MathJax ``<script>`` of the template's ``<head>``."""
        if self.in_body:
            return False
        if tag == "style":
            return True
        names = dict(attrs)
        if names.get("type") in TEMPLATE_SCRIPT_TYPES and "src" not in names:
            return True
        return (set(names) == {"src"} and (names["src"] or "").startswith(MATHJAX_SRC)
                and not text.strip())

    def handle_endtag(self, tag):
        if self._raw is not None:
            raw_tag, attrs = self._raw
            if tag != raw_tag:  # only the matching end tag ends script or style text
                return
            text = "".join(self._raw_text)
            self._raw = None
            if self._template_raw(raw_tag, attrs, text):
                self.out.append(self._tag(raw_tag, attrs) + text + f"</{raw_tag}>")
            else:
                self.removed.append(f"<{raw_tag}>{text.strip()[:40]}")
            return
        if tag in RAW_TEXT_ELEMENTS or tag in DROPPED_TAGS or (self.in_body
                                                               and tag in HEAD_ONLY_TAGS):
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if self._raw is not None:
            self._raw_text.append(data)
        else:
            self.out.append(html.escape(data, quote=False))

    def handle_decl(self, decl):
        if not self.in_body and decl.lower().startswith("doctype"):
            self.out.append(f"<!{decl}>")

    # comments, processing instructions and CDATA sections: dropped
    def handle_comment(self, data):
        pass

    def handle_pi(self, data):
        pass

    def unknown_decl(self, data):
        pass

    def close(self) -> None:
        super().close()
        if self._raw is not None:  # a script or style never closed
            self.removed.append(f"<{self._raw[0]}> (unclosed)")
            self._raw = None


def scrub_feedback_html(page: str) -> tuple[str, list[str]]:
    """The page without script, event handlers, ``javascript:`` URLs or frames; and what was
    removed (nothing, once :class:`~autograder.batch.feedback_html.SanitizeFeedback` has run).

    The template's MathJax scripts and styles in ``<head>`` are kept as they are.
    """
    scrubber = _Scrubber()
    scrubber.feed(page)
    scrubber.close()
    return "".join(scrubber.out), scrubber.removed


def scrub_feedback_file(path: Path) -> list[str]:
    """Rewrite one feedback page with :func:`scrub_feedback_html`; returns what was removed."""
    page, removed = scrub_feedback_html(path.read_text(encoding="utf-8"))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.chmod(tmp, stat.S_IMODE(os.lstat(path).st_mode))
    tmp.replace(path)
    return removed
