"""The class report: what a class got wrong, read from the gradebook and the verdict files.

    python -m autograder report [--assignment A] [--html PATH] [--csv PATH]

For every assignment with submissions (or the one named), one self-contained HTML page (figures
as embedded PNGs drawn with matplotlib's Agg canvas; no script, no network) and one CSV show:

* the distribution of the total scores, out of the assignment's points;
* the mean of every exercise and the share of the class with full marks on it;
* the most common diagnosed mistakes of every exercise, as a share of the class, read from the
  ``likely mistake:`` lines of the trusted verdict's reports (autograder/checks/core.py);
* the cases that fail most often (the first failing case of each group, as the reports name it);
* manually graded cells, as "awaiting manual grading: K of N" (never as a mistake);
* the flagged submissions, with the reasons;
* the grading time of each submission (the verdict's ``seconds``; "not recorded" without it).

Sources: the points are the gradebook's (nbgrader's ``Gradebook``; a score changed by hand in
formgrader counts as changed), the reports, flags and times are the verdict files that ``grade``
writes (``verdicts/<student>/<assignment>.json``, :func:`autograder.batch.gradebook.write_verdict`).

Bad input stops the report with :class:`ClassReportError`, one line naming the file or the
assignment, before anything is written: no gradebook, a gradebook without submissions, an
unknown assignment, a missing or corrupt verdict file. Both outputs are written to temporary
files first and then moved into place, so a report is never half-written.

Reports hold text a student chose (exception messages, student ids): every text reaches the
page through :func:`html.escape`, never as markup, and figures hold only numbers and exercise
names (drawn with mathtext off). The lines of an exception message that an answer raised are
continued behind "| " in the report (:func:`autograder.checks.core._describe_exception`), so a
submission cannot forge a ``likely mistake:`` or ``case`` line that this report would count.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import math
import os
import re
import stat
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from autograder.batch.gradebook import _prepare_nbgrader, verdict_path
from autograder.batch.reports import csv_text, exercise_name, masked_url

#: Mistakes and failing cases shown per exercise on the page (the CSV holds all of them).
TOP = 5
#: Slowest submissions listed on the page.
SLOWEST = 10
#: A verdict file larger than this is not read (``grade`` writes a few hundred kB at most).
MAX_VERDICT_BYTES = 64 * 1024 * 1024

CSV_FIELDS = ["assignment", "section", "exercise", "item", "count", "of", "percent", "value",
              "max", "detail"]

GROUP_LINE = re.compile(r"^  \[(?P<mark>pass|FAIL)\] (?P<name>.*) \(\d+ cases?\): ")
CASE_LINE = re.compile(r'^\s+case "(?P<label>.*?)"(?:, (?P<part>[^":]+))?:(?:\s|$)')
MISTAKE_LINE = re.compile(r"^\s+likely mistake: (?P<text>.+?)\s*$")


class ClassReportError(Exception):
    """The report cannot be made: the message is one line naming the file or assignment."""


# ----------------------------------------------------------------------------- data


@dataclass
class Cell:
    """One grade cell of one submission, as the gradebook has it."""

    notebook: str
    grade_id: str
    score: float
    max_score: float
    cell_type: str
    needs_manual_grade: bool
    manual_score: float | None


@dataclass
class Submission:
    """One student's submission of the assignment: the gradebook's points and the verdict."""

    student: str
    score: float
    max_score: float
    cells: list[Cell]
    flags: list[str]
    seconds: float | None
    reports: dict[tuple[str, str], tuple[str, str]]  # (notebook, grade_id) -> (exercise, report)


@dataclass
class Count:
    """How many submissions show ``label`` (a mistake or a failing case)."""

    label: str
    count: int
    detail: str = ""  # a mistake's full text; a case's group


@dataclass
class ExerciseSummary:
    key: tuple[str, str]  # (notebook, grade_id)
    name: str
    max_points: float
    mean: float
    full: int  # submissions with full marks
    n: int
    mistakes: list[Count] = field(default_factory=list)
    cases: list[Count] = field(default_factory=list)
    diagnosed: int = 0  # submissions whose report names at least one likely mistake
    failed: int = 0  # submissions below full marks


@dataclass
class ManualCell:
    """A cell graded by hand (a markdown answer, or a cell no verdict covers)."""

    key: tuple[str, str]
    name: str
    max_points: float
    awaiting: int
    n: int
    graded_mean: float | None  # mean of the cells graded so far


@dataclass
class AssignmentReport:
    assignment: str
    max_score: float
    students: int  # students in the gradebook
    submissions: list[Submission]
    missing: list[str]  # students without a submission
    exercises: list[ExerciseSummary]
    manual: list[ManualCell]

    @property
    def n(self) -> int:
        return len(self.submissions)

    @property
    def flagged(self) -> list[Submission]:
        return [s for s in self.submissions if s.flags]

    @property
    def timed(self) -> list[Submission]:
        return [s for s in self.submissions if s.seconds is not None]


# ----------------------------------------------------------------------------- reading


def _url(course: Path, db_url: str | None) -> str:
    return db_url or f"sqlite:///{course / 'gradebook.db'}"


def _sqlite_file(url: str) -> Path | None:
    """The database file of a ``sqlite://`` URL (None for other databases and in-memory ones)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy's ArgumentError and friends
        raise ClassReportError(f"--db {url!r} is not a database URL "
                               f"({type(exc).__name__})") from None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _shown(path: Path, course: Path) -> str:
    return str(path.relative_to(course)) if path.is_relative_to(course) else str(path)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def read_verdict_file(course: Path, student: str, assignment: str) -> dict:
    """The verdict file of one submission, checked for the keys the report reads.

    Raises :class:`ClassReportError` naming the file if it is missing, a link, too large, not
    JSON, or not shaped as :func:`autograder.batch.run.grade_one` writes it."""
    if student in ("", ".", "..") or "/" in student or "\0" in student:
        raise ClassReportError(f"student id {student!r} in the gradebook cannot name a verdict "
                               "file (grade only writes ids without '/')")
    path = verdict_path(course, student, assignment)
    where = _shown(path, course)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise ClassReportError(f"{where}: no verdict file for {student}/{assignment}, which the "
                               "gradebook lists as submitted (grade it again with `grade "
                               "--regrade`)") from None
    except OSError as exc:
        raise ClassReportError(f"{where}: cannot be read ({exc.strerror or exc}; links are "
                               "not followed)") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ClassReportError(f"{where}: not a regular file")
        if info.st_size > MAX_VERDICT_BYTES:
            raise ClassReportError(f"{where}: {info.st_size} bytes, more than a verdict file "
                                   f"holds ({MAX_VERDICT_BYTES} at most)")
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            raw = fh.read(MAX_VERDICT_BYTES + 1)
    finally:
        if fd >= 0:
            os.close(fd)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ClassReportError(f"{where}: corrupt verdict file (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise ClassReportError(f"{where}: corrupt verdict file (not JSON: {exc.msg} at line "
                               f"{exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise ClassReportError(f"{where}: corrupt verdict file (JSON nested too deeply)") from None
    problem = _verdict_problem(data)
    if problem:
        raise ClassReportError(f"{where}: corrupt verdict file ({problem})")
    return data


def _verdict_problem(data: object) -> str:
    """What is wrong with a verdict file's content, or ""."""
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    if data.get("complete") is not True:
        return "'complete' is not true: its grading did not finish"
    flags = data.get("flags", [])
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        return "'flags' is not a list of strings"
    if "seconds" in data and not (_number(data["seconds"]) and data["seconds"] >= 0):
        return f"'seconds' is {data['seconds']!r}, not a number of seconds"
    notebooks = data.get("notebooks")
    if not isinstance(notebooks, list):
        return "'notebooks' is not a list"
    for i, nb in enumerate(notebooks):
        if not isinstance(nb, dict) or not isinstance(nb.get("notebook"), str) or not isinstance(
                nb.get("exercises"), list):
            return f"notebooks[{i}] is not a notebook with a name and a list of exercises"
        for j, ex in enumerate(nb["exercises"]):
            where = f"notebooks[{i}].exercises[{j}]"
            if not isinstance(ex, dict):
                return f"{where} is not an object"
            for key in ("grade_id", "report"):
                if not isinstance(ex.get(key), str):
                    return f"{where}.{key} is not a string"
            if not isinstance(ex.get("exercise", ""), str) or not isinstance(ex.get("flag", ""),
                                                                              str):
                return f"{where}: 'exercise' or 'flag' is not a string"
    return ""


def _submission(course: Path, assignment: str, sub) -> Submission:
    """One gradebook submission and its verdict file."""
    student = sub.student.id
    verdict = read_verdict_file(course, student, assignment)
    cells = [Cell(nb.name, g.name, float(g.score or 0.0), float(g.max_score or 0.0),
                  g.cell_type or "code", bool(g.needs_manual_grade), g.manual_score)
             for nb in sub.notebooks for g in nb.grades if (g.max_score or 0) > 0]
    reports = {}
    for nb in verdict["notebooks"]:
        for ex in nb["exercises"]:
            reports[(nb["notebook"], ex["grade_id"])] = (
                ex.get("exercise") or exercise_name(ex["grade_id"]), ex["report"])
    seconds = verdict.get("seconds")
    return Submission(student, float(sub.score or 0.0), float(sub.max_score or 0.0), cells,
                      list(verdict.get("flags", [])),
                      float(seconds) if seconds is not None else None, reports)


def load_class(course: Path, db_url: str | None = None,
               assignment: str | None = None) -> list[AssignmentReport]:
    """Every assignment with submissions (or only ``assignment``), summarised.

    Raises :class:`ClassReportError` (one line naming the file or assignment) for a missing
    gradebook, a gradebook without submissions, an unknown assignment, an assignment without
    submissions, or a missing or corrupt verdict file."""
    from nbgrader.api import Gradebook

    course = Path(course)
    url = _url(course, db_url)
    shown_url = masked_url(url) if db_url else _shown(course / "gradebook.db", course)
    db_file = _sqlite_file(url)
    if db_file is not None and not db_file.is_file():
        raise ClassReportError(f"no gradebook at {db_file} (run `python -m autograder grade "
                               "SUBMISSIONS` first, or name one with --db URL)")
    _prepare_nbgrader()
    out = []
    try:
        with Gradebook(url) as gb:
            assignments = {a.name: a for a in gb.assignments}
            students = sorted(s.id for s in gb.students)
            with_subs = [name for name in sorted(assignments) if assignments[name].submissions]
            if assignment is not None and assignment not in assignments:
                known = ", ".join(sorted(assignments)) or "none"
                raise ClassReportError(f"unknown assignment {assignment!r}: the gradebook "
                                       f"{shown_url} holds {known}")
            if assignment is not None and assignment not in with_subs:
                raise ClassReportError(f"assignment {assignment!r} has no submissions in the "
                                       f"gradebook {shown_url} (grade them first)")
            if not with_subs:
                raise ClassReportError(f"the gradebook {shown_url} holds no submissions (run "
                                       "`python -m autograder grade SUBMISSIONS` first)")
            for name in [assignment] if assignment else with_subs:
                a = assignments[name]
                subs = [_submission(course, name, s)
                        for s in sorted(a.submissions, key=lambda s: s.student.id)]
                have = {s.student for s in subs}
                out.append(summarise(name, float(a.max_score or 0.0), len(students), subs,
                                     [s for s in students if s not in have]))
    except ClassReportError:
        raise
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy's errors: a database that is not one
        raise ClassReportError(f"cannot read the gradebook {shown_url}: {type(exc).__name__}: "
                               f"{str(exc).splitlines()[0][:200] if str(exc) else ''}") from None
    return out


# ----------------------------------------------------------------------------- summarising


def headline(text: str) -> str:
    """A likely mistake's headline: its first sentence up to its first colon, both outside
    parentheses ("the kernel is flipped (that is true convolution). Deep-learning ..." ->
    "the kernel is flipped (that is true convolution)")."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in ".:" and (i + 1 == len(text) or text[i + 1] == " "):
            return text[:i].strip()
    return text.strip()


def parse_report(report: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The likely mistakes ({headline: full text}) and the failing cases ({(group, case)}) of
    one exercise's report: per failing group, its first case and its first likely mistake."""
    mistakes: dict[str, str] = {}
    cases: dict[tuple[str, str], None] = {}  # ordered as in the report
    group, seen_case, seen_mistake = None, False, False
    for line in report.splitlines():
        found = GROUP_LINE.match(line)
        if found:
            group = found["name"] if found["mark"] == "FAIL" else None
            seen_case = seen_mistake = False
            continue
        if not line.startswith("    "):  # "  pattern:", "  note:", the header: no group
            group = None
            continue
        if group is None:
            continue
        found = CASE_LINE.match(line)
        if found and not seen_case:
            seen_case = True
            label = found["label"] + (f", {found['part']}" if found["part"] else "")
            cases[(group, label)] = None
            continue
        found = MISTAKE_LINE.match(line)
        if found and not seen_mistake:
            seen_mistake = True
            mistakes.setdefault(headline(found["text"]), found["text"])
    return mistakes, list(cases)


def _ranked(counter: Counter, details: dict) -> list[Count]:
    return [Count(label, k, details.get(label, "")) for label, k in
            sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))]


def summarise(assignment: str, max_score: float, students: int, subs: Sequence[Submission],
              missing: Sequence[str] = ()) -> AssignmentReport:
    """The figures of one assignment's report, from its submissions."""
    covered = {key for s in subs for key in s.reports}
    order: list[tuple[str, str]] = []
    for s in subs:  # the verdicts' order is the notebooks' order
        order += [k for k in s.reports if k not in order]
    names: dict[tuple[str, str], str] = {}
    for s in subs:
        for key, (name, _) in s.reports.items():
            names.setdefault(key, name)
    several = len({c.notebook for s in subs for c in s.cells}) > 1
    cells: dict[tuple[str, str], list[Cell]] = {}
    for s in subs:
        for c in s.cells:
            cells.setdefault((c.notebook, c.grade_id), []).append(c)
    order += [k for k in cells if k not in order]

    def title(key: tuple[str, str]) -> str:
        name = names.get(key) or exercise_name(key[1])
        return f"{key[0]}: {name}" if several else name

    exercises, manual = [], []
    n = len(subs)
    for key in order:
        if key not in cells:
            continue
        rows = cells[key]
        max_points = max(c.max_score for c in rows)
        if key not in covered or any(c.cell_type == "markdown" for c in rows):
            graded = [c.score for c in rows if not c.needs_manual_grade]
            manual.append(ManualCell(key, title(key), max_points,
                                     sum(c.needs_manual_grade for c in rows), len(rows),
                                     statistics.fmean(graded) if graded else None))
            continue
        mistakes: Counter = Counter()
        cases: Counter = Counter()
        texts: dict[str, str] = {}
        seen: dict[tuple[str, str], int] = {}  # a case's first appearance: the reports' order
        diagnosed = 0
        for s in subs:
            if key not in s.reports:
                continue
            found, failing = parse_report(s.reports[key][1])
            for case in failing:
                seen.setdefault(case, len(seen))
            diagnosed += bool(found)
            for label, text in found.items():
                mistakes[label] += 1
                texts.setdefault(label, text)
            for group, case in failing:
                cases[(group, case)] += 1
        by_case = [Count(case, k, group) for (group, case), k in
                   sorted(cases.items(), key=lambda item: (-item[1], seen[item[0]]))]
        exercises.append(ExerciseSummary(
            key, title(key), max_points, statistics.fmean(c.score for c in rows),
            sum(c.score >= c.max_score - 1e-9 for c in rows), n, _ranked(mistakes, texts),
            by_case, diagnosed, sum(c.score < c.max_score - 1e-9 for c in rows)))
    return AssignmentReport(assignment, max_score, students, list(subs), list(missing),
                            exercises, manual)


def grouped_flags(sub: Submission) -> list[str]:
    """A submission's flags, one line per reason: "corr2d, conv2d_multi: <reason>" for the
    exercises flagged for the same reason (a flag reads "<exercise>: <reason>")."""
    names = {name for name, _ in sub.reports.values()}
    by_reason: dict[str, list[str]] = {}
    for flag in sub.flags:
        name, sep, reason = flag.partition(": ")
        if sep and name in names:
            by_reason.setdefault(reason, []).append(name)
        else:
            by_reason.setdefault(flag, [])
    return [f"{', '.join(flagged)}: {reason}" if flagged else reason
            for reason, flagged in by_reason.items()]


def top_mistakes(rep: AssignmentReport, n: int = 3) -> list[tuple[int, str, str]]:
    """The ``n`` most common mistakes of the assignment: (count, exercise, mistake), ties in the
    notebook's order of exercises."""
    found = [(c.count, i, j, e.name, c.label) for i, e in enumerate(rep.exercises)
             for j, c in enumerate(e.mistakes)]
    ranked = sorted(found, key=lambda t: (-t[0], t[1], t[2]))[:n]
    return [(k, name, label) for k, _, _, name, label in ranked]


def share(count: float, total: float) -> str:
    """``count`` of ``total`` as a whole percentage ("30%")."""
    return f"{100 * count / total:.0f}%" if total else "0%"


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


# ----------------------------------------------------------------------------- figures


def _png(fig) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def _plain(texts: Iterable) -> None:
    """Text drawn as written: no mathtext for a ``$`` in a name."""
    for t in texts:
        t.set_parse_math(False)


def score_figure(rep: AssignmentReport) -> str:
    """Histogram of the total scores, from 0 to the assignment's points."""
    import numpy as np

    scores = [s.score for s in rep.submissions]
    top = max([rep.max_score, *scores, 1.0])
    bins = np.linspace(0, top, min(20, max(4, math.ceil(top))) + 1)
    fig, ax = _figure(7.0, 3.2)
    ax.hist(scores, bins=bins, color="#4c72b0", edgecolor="white")
    mean = statistics.fmean(scores)
    ax.axvline(mean, color="#c44e52", linestyle="--", label=f"mean {_num(mean)}")
    ax.axvline(rep.max_score, color="#333333", linestyle=":", label=f"max {_num(rep.max_score)}")
    ax.set_xlim(0, top * 1.02)
    ax.set_xlabel(f"total score (out of {_num(rep.max_score)} points)")
    ax.set_ylabel("submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"{rep.assignment}: scores of {rep.n} submissions")
    _plain([ax.title])
    ax.legend(loc="upper left", frameon=False)
    return _png(fig)


def exercise_figure(rep: AssignmentReport) -> str:
    """Per exercise: the mean as a share of its points, and the share with full marks."""
    import numpy as np

    ex = rep.exercises
    fig, ax = _figure(7.0, 0.45 * len(ex) + 1.6)
    y = np.arange(len(ex))
    ax.barh(y - 0.2, [100 * e.mean / e.max_points if e.max_points else 0 for e in ex], 0.4,
            color="#4c72b0", label="mean (% of the exercise's points)")
    ax.barh(y + 0.2, [100 * e.full / e.n if e.n else 0 for e in ex], 0.4, color="#55a868",
            label="full marks (% of the class)")
    ax.set_yticks(y, [e.name for e in ex])
    _plain(ax.get_yticklabels())
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("percent")
    ax.set_title(f"{rep.assignment}: exercises")
    _plain([ax.title])
    fig.legend(loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    return _png(fig)


def time_figure(rep: AssignmentReport) -> str:
    """Histogram of the grading time per submission."""
    seconds = [s.seconds for s in rep.timed]
    fig, ax = _figure(7.0, 3.0)
    ax.hist(seconds, bins=min(20, max(5, len(seconds) // 2)), color="#8172b2", edgecolor="white")
    ax.set_xlabel("grading time per submission (seconds, wall clock)")
    ax.set_ylabel("submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"{rep.assignment}: grading time of {len(seconds)} submissions")
    _plain([ax.title])
    return _png(fig)


# ----------------------------------------------------------------------------- HTML

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 1100px;
       padding: 0 1em; color: #222; line-height: 1.4; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #4c72b0; padding-bottom: 0.2em;
       margin-top: 2em; } h3 { margin-top: 1.5em; } h4 { margin: 1em 0 0.3em; }
.meta { color: #666; } .note { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.4em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.num { text-align: right; white-space: nowrap; }
td.text { max-width: 38em; overflow-wrap: anywhere; }
.bar { display: inline-block; height: 0.8em; background: #c44e52; vertical-align: middle; }
.barbox { display: inline-block; width: 8em; background: #eee; margin-right: 0.4em;
          text-align: left; }
.row { display: flex; flex-wrap: wrap; gap: 0 2em; align-items: flex-start; }
.flag { color: #a00; } .manual { color: #805b00; }
img { max-width: 100%; } ul.reasons { margin: 0; padding-left: 1.2em; }
nav a { margin-right: 1em; }
"""


def esc(value: object) -> str:
    """Text for the page: escaped, so that nothing in it is markup."""
    return html.escape("" if value is None else str(value), quote=True)


def _bar(count: int, total: int) -> str:
    width = 100 * count / total if total else 0
    return (f'<span class="barbox"><span class="bar" style="width: {width:.1f}%"></span></span>'
            f"{share(count, total)}")


def _img(data: str, alt: str) -> str:
    return f'<p><img src="data:image/png;base64,{data}" alt="{esc(alt)}"></p>'


def _slug(name: str) -> str:
    return "a-" + re.sub(r"[^A-Za-z0-9_-]", "_", name)


def assignment_html(rep: AssignmentReport) -> str:
    scores = [s.score for s in rep.submissions]
    mean = statistics.fmean(scores)
    parts = [f'<section id="{_slug(rep.assignment)}">', f"<h2>{esc(rep.assignment)}</h2>"]
    missing = (f"; {len(rep.missing)} of the {rep.students} students in the gradebook "
               f"{'has' if len(rep.missing) == 1 else 'have'} no submission"
               if rep.missing else "")
    parts.append(
        f"<p><b>{rep.n}</b> submissions{missing}. Mean <b>{_num(mean)}</b> / "
        f"{_num(rep.max_score)} points ({share(mean, rep.max_score)}"
        f"), median {_num(statistics.median(scores))}, lowest {_num(min(scores))}, highest "
        f"{_num(max(scores))}. Flagged for review: <b>{len(rep.flagged)}</b>.</p>")
    top = top_mistakes(rep)
    if top:
        parts.append("<p>Most common diagnosed mistakes:</p><ul>" + "".join(
            f"<li>{esc(name)}: {esc(label)}: <b>{share(k, rep.n)}</b> of the class</li>"
            for k, name, label in top) + "</ul>")

    parts += ["<h3>Score distribution</h3>",
              _img(score_figure(rep), f"histogram of the total scores of {rep.assignment}")]

    parts.append("<h3>Exercises</h3>")
    if rep.exercises:
        parts.append(_img(exercise_figure(rep), f"mean and full marks per exercise of "
                                                f"{rep.assignment}"))
        parts.append("<table><tr><th>exercise</th><th>points</th><th>mean</th><th>mean %</th>"
                     "<th>full marks</th><th>below full marks</th>"
                     "<th>of those, a likely mistake named</th></tr>")
        for e in rep.exercises:
            parts.append(
                f'<tr><td>{esc(e.name)}</td><td class="num">{_num(e.max_points)}</td>'
                f'<td class="num">{_num(e.mean)}</td><td class="num">'
                f"{share(e.mean, e.max_points)}</td>"
                f'<td class="num">{e.full} of {e.n} ({share(e.full, e.n)})</td>'
                f'<td class="num">{e.failed}</td><td class="num">{e.diagnosed}'
                + (f" ({share(e.diagnosed, e.failed)})" if e.failed else "") + "</td></tr>")
        parts.append("</table>")
    for m in rep.manual:
        graded = (f"; mean of the {m.n - m.awaiting} graded: {_num(m.graded_mean)} / "
                  f"{_num(m.max_points)}" if m.graded_mean is not None else "")
        parts.append(f'<p class="manual">{esc(m.name)} ({_num(m.max_points)} points, graded by '
                     f"hand): <b>awaiting manual grading: {m.awaiting} of {m.n}</b>{graded}</p>")

    parts.append("<h3>Most common mistakes</h3>")
    parts.append(f'<p class="note">From the reports\' <i>likely mistake</i> lines; a share of '
                 f"the {rep.n} submissions (a submission counts once per mistake and exercise). "
                 f"The {TOP} most common per exercise; the CSV has all.</p>")
    any_mistake = False
    for e in rep.exercises:
        if not e.mistakes:
            continue
        any_mistake = True
        parts.append(f"<h4>{esc(e.name)}</h4><table><tr><th>likely mistake</th>"
                     "<th>submissions</th><th>share of the class</th></tr>")
        for c in e.mistakes[:TOP]:
            parts.append(f'<tr><td class="text" title="{esc(c.detail)}">{esc(c.label)}</td>'
                         f'<td class="num">{c.count}</td><td class="num">'
                         f"{_bar(c.count, rep.n)}</td></tr>")
        parts.append("</table>")
    if not any_mistake:
        parts.append("<p>No report names a likely mistake.</p>")

    parts.append("<h3>Cases that fail most often</h3>")
    parts.append(f'<p class="note">The first failing case of each group of cases, as the report '
                 f"names it; the {TOP} most common per exercise.</p>")
    any_case = False
    for e in rep.exercises:
        if not e.cases:
            continue
        any_case = True
        parts.append(f"<h4>{esc(e.name)}</h4><table><tr><th>case</th><th>group</th>"
                     "<th>submissions</th><th>share of the class</th></tr>")
        for c in e.cases[:TOP]:
            parts.append(f'<tr><td class="text">{esc(c.label)}</td><td class="text">'
                         f'{esc(c.detail)}</td><td class="num">{c.count}</td>'
                         f'<td class="num">{_bar(c.count, rep.n)}</td></tr>')
        parts.append("</table>")
    if not any_case:
        parts.append("<p>No case fails.</p>")

    parts.append(f"<h3>Flagged submissions ({len(rep.flagged)})</h3>")
    if rep.flagged:
        parts.append('<table><tr><th>student</th><th>score</th><th>why</th></tr>')
        for s in rep.flagged:
            reasons = "".join(f"<li>{esc(f)}</li>" for f in grouped_flags(s))
            parts.append(f'<tr><td class="flag">{esc(s.student)}</td><td class="num">'
                         f"{_num(s.score)} / {_num(s.max_score)}</td>"
                         f'<td class="text"><ul class="reasons">{reasons}</ul></td></tr>')
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")

    parts.append("<h3>Grading time</h3>")
    timed = rep.timed
    unrecorded = rep.n - len(timed)
    if timed:
        seconds = [s.seconds for s in timed]
        parts.append(f"<p>{len(timed)} submissions timed: median {statistics.median(seconds):.1f}"
                     f" s, mean {statistics.fmean(seconds):.1f} s, slowest {max(seconds):.1f} s,"
                     f" total {sum(seconds) / 60:.1f} min"
                     + (f"; not recorded for {unrecorded}" if unrecorded else "") + ".</p>")
        slow = sorted(timed, key=lambda s: (-s.seconds, s.student))[:SLOWEST]
        parts.append('<div class="row">' + _img(time_figure(rep), f"histogram of the grading "
                                                                  f"times of {rep.assignment}")
                     + "<table><tr><th>slowest</th><th>seconds</th><th>score</th></tr>" + "".join(
            f'<tr><td>{esc(s.student)}</td><td class="num">{s.seconds:.1f}</td>'
            f'<td class="num">{_num(s.score)} / {_num(s.max_score)}</td></tr>' for s in slow)
            + "</table></div>")
    else:
        parts.append(f"<p>Grading time: not recorded (for all {rep.n} submissions).</p>")
    if timed and unrecorded:
        names = ", ".join(esc(s.student) for s in rep.submissions if s.seconds is None)
        parts.append(f'<p class="note">Grading time not recorded: {names}.</p>')
    parts.append("</section>")
    return "\n".join(parts)


def render_html(reports: Sequence[AssignmentReport], source: str) -> str:
    """The whole page: one section per assignment."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    nav = ("<nav>" + "".join(f'<a href="#{_slug(r.assignment)}">{esc(r.assignment)}</a>'
                             for r in reports) + "</nav>") if len(reports) > 1 else ""
    names = ", ".join(r.assignment for r in reports)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>Class report: {esc(names)}</title>", f"<style>{STYLE}</style>", "</head>",
        "<body>", "<h1>Class report</h1>",
        f'<p class="meta">Gradebook {esc(source)}; written {when}. '
        "Points from the gradebook; mistakes, failing cases, flags and times from the verdict "
        "files of <code>grade</code>.</p>", nav,
        *(assignment_html(r) for r in reports), "</body>", "</html>", ""])


# ----------------------------------------------------------------------------- CSV


def csv_rows(reports: Sequence[AssignmentReport]) -> list[dict[str, str]]:
    """The report as rows of :data:`CSV_FIELDS` (every text cell through :func:`csv_text`)."""
    rows: list[dict[str, str]] = []

    def row(rep: AssignmentReport, section: str, exercise: str = "", item: str = "",
            count: int | None = None, of: int | None = None, value: float | str | None = None,
            max_value: float | None = None, detail: str = "") -> None:
        rows.append({
            "assignment": csv_text(rep.assignment), "section": section,
            "exercise": csv_text(exercise), "item": csv_text(item),
            "count": "" if count is None else str(count), "of": "" if of is None else str(of),
            "percent": "" if count is None or not of else f"{100 * count / of:.1f}",
            "value": (value if isinstance(value, str) else "" if value is None
                      else f"{value:.4g}"),
            "max": "" if max_value is None else f"{max_value:.4g}", "detail": csv_text(detail)})

    for rep in reports:
        scores = [s.score for s in rep.submissions]
        row(rep, "class", item="submissions", count=rep.n, of=rep.students)
        row(rep, "class", item="mean score", value=statistics.fmean(scores),
            max_value=rep.max_score)
        row(rep, "class", item="median score", value=statistics.median(scores),
            max_value=rep.max_score)
        row(rep, "class", item="flagged", count=len(rep.flagged), of=rep.n)
        for e in rep.exercises:
            row(rep, "exercise", e.name, "full marks", e.full, e.n, e.mean, e.max_points)
        for m in rep.manual:
            row(rep, "manual", m.name, "awaiting manual grading", m.awaiting, m.n, m.graded_mean,
                m.max_points)
        for e in rep.exercises:
            for c in e.mistakes:
                row(rep, "mistake", e.name, c.label, c.count, rep.n, detail=c.detail)
        for e in rep.exercises:
            for c in e.cases:
                row(rep, "failing case", e.name, c.label, c.count, rep.n, detail=c.detail)
        for s in rep.flagged:
            row(rep, "flagged", item=s.student, value=s.score, max_value=s.max_score,
                detail="; ".join(s.flags))
        for s in sorted(rep.submissions, key=lambda s: (s.seconds is None, -(s.seconds or 0),
                                                        s.student)):
            row(rep, "time", item=s.student,
                value="not recorded" if s.seconds is None else f"{s.seconds:.1f}")
    return rows


def _csv_text(reports: Sequence[AssignmentReport]) -> str:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS)
    writer.writeheader()
    writer.writerows(csv_rows(reports))
    return buf.getvalue()


# ----------------------------------------------------------------------------- writing


@dataclass
class Written:
    html: Path
    csv: Path
    reports: list[AssignmentReport]


def _write_all(files: Sequence[tuple[Path, str]]) -> None:
    """Write every file to a temporary name next to it, then move them all into place."""
    temps = []
    try:
        for path, text in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            temps.append((tmp, path))
    except OSError as exc:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise ClassReportError(f"cannot write {exc.filename or path}: "
                               f"{exc.strerror or exc}") from None
    for tmp, path in temps:
        tmp.replace(path)


def write_class_report(course: Path, db_url: str | None = None, assignment: str | None = None,
                       html_path: Path = Path("class_report.html"),
                       csv_path: Path = Path("class_report.csv")) -> Written:
    """Read the gradebook and the verdict files, then write the HTML page and the CSV.

    Raises :class:`ClassReportError` before writing anything if the input is bad."""
    course = Path(course)
    if Path(html_path).resolve() == Path(csv_path).resolve():
        raise ClassReportError(f"--html and --csv name the same file {html_path}")
    reports = load_class(course, db_url, assignment)
    source = masked_url(db_url) if db_url else _shown(course / "gradebook.db", course)
    page = render_html(reports, source)
    _write_all([(Path(html_path), page), (Path(csv_path), _csv_text(reports))])
    return Written(Path(html_path), Path(csv_path), reports)


def _printable(text: str) -> str:
    """Text for a terminal: control characters (escape sequences) spelled out."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def summary_lines(reports: Sequence[AssignmentReport]) -> list[str]:
    """A few lines for the terminal: per assignment, the class and its top three mistakes."""
    lines = []
    for rep in reports:
        mean = statistics.fmean(s.score for s in rep.submissions)
        lines.append(f"{rep.assignment}: {rep.n} submissions, mean {_num(mean)} / "
                     f"{_num(rep.max_score)}, {len(rep.flagged)} flagged")
        top = top_mistakes(rep)
        lines += [f"  {name}: {_printable(label)}: {share(k, rep.n)} of the class"
                  for k, name, label in top]
        lines += [f"  {m.name}: awaiting manual grading: {m.awaiting} of {m.n}"
                  for m in rep.manual if m.awaiting]
    return lines
