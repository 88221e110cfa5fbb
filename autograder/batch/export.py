"""``nbgrader export`` for this course: the same ``grades.csv`` as ``python -m autograder grade``.

nbgrader's own CSV exporter writes another layout (``assignment,duedate,timestamp,student_id,
...``) over ``grades.csv`` without a word and has no ``flag`` column, so a flagged submission
would look like an ordinary 0. ``nbgrader_config.py`` selects :class:`CourseCsvExport` instead:

* it writes the course's layout, :data:`autograder.batch.reports.CSV_FIELDS`
  (``student,assignment,score,max_score,percent,status,flag``), from the gradebook and the
  verdict files, with the same escaping, through :func:`autograder.batch.reports.write_csv`;
* ``--student`` and ``--assignment`` select rows as with nbgrader's exporter;
* it refuses, and changes nothing, when the file it would replace has another header (nbgrader's
  layout, a spreadsheet of your own): export to another file with ``--to``, or remove it. With
  ``--CourseCsvExport.force=True`` it replaces it anyway.

nbgrader's layout is still there: ``nbgrader export --exporter=nbgrader.plugins.CsvExportPlugin
--to nbgrader-grades.csv``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from nbgrader.plugins.export import ExportPlugin
from traitlets import Bool


class ExportRefused(Exception):
    """The export would replace a file in another layout; the message says what to do."""


def existing_header(path: Path) -> list[str] | None:
    """The first row of the CSV at ``path``; None if there is no file or it is empty."""
    try:
        with path.open(newline="", encoding="utf-8", errors="replace") as fh:
            return next(csv.reader(fh), None)
    except FileNotFoundError:
        return None


class CourseCsvExport(ExportPlugin):
    """Write the course's grades CSV (flag column included) from nbgrader's gradebook."""

    force = Bool(False, help="Replace the destination even if it is a CSV in another layout."
                 ).tag(config=True)

    def course(self) -> tuple[Path, str | None]:
        coursedir = getattr(self.parent, "coursedir", None)
        if coursedir is None:
            from autograder.course.build import ROOT

            return ROOT, None
        return Path(coursedir.root), coursedir.db_url

    def export(self, gradebook) -> None:
        try:
            self.write(Path(self.to or "grades.csv"))
        except ExportRefused as exc:
            self.log.error("%s", exc)
            sys.exit(1)

    def write(self, dest: Path) -> list:
        """Write ``dest``; return the rows written. Raises ExportRefused (nothing written)."""
        from autograder.batch import reports

        header = existing_header(dest)
        if header is not None and header != reports.CSV_FIELDS and not self.force:
            raise ExportRefused(
                f"{dest} exists with the columns {','.join(header)}; this course's export writes "
                f"{','.join(reports.CSV_FIELDS)} and would drop the columns it does not have. "
                f"Nothing was written. Export with --to OTHER.csv, remove {dest}, or pass "
                "--CourseCsvExport.force=True to replace it.")
        course, db_url = self.course()
        rows = reports.gradebook_scores(course, db_url)
        students = {str(s) for s in self.student}
        assignments = {str(a) for a in self.assignment}
        rows = [r for r in rows if (not students or r.student in students)
                and (not assignments or r.assignment in assignments)]
        if header == reports.CSV_FIELDS:
            dropped = _not_graded_rows(dest)
            if dropped:
                self.log.warning(
                    "%s had %d 'not graded' row(s) from `grade` (inputs that never reached the "
                    "gradebook); the export, written from the gradebook, does not have them",
                    dest, dropped)
        reports.write_csv(dest, rows)
        self.log.info("Exported %d row(s) to %s (columns %s)", len(rows), dest,
                      ",".join(reports.CSV_FIELDS))
        return rows


def _not_graded_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        return sum(1 for row in csv.DictReader(fh)
                   if (row.get("status") or "").startswith("not graded"))
