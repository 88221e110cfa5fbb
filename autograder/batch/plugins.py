"""nbgrader plug-ins used by the course's configuration (``nbgrader_config.py``)."""

from __future__ import annotations

import json
import re

import nbformat
from nbgrader.preprocessors import Execute, NbGraderPreprocessor, SaveAutoGrades
from nbgrader.utils import is_grade
from traitlets import Integer, Unicode

HIDDEN = re.compile(r"[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.S)
HIDDEN_PLACEHOLDER = "# (hidden tests: see the report printed below)\n"


def strip_hidden(source: str) -> str:
    """Replace every ``### BEGIN HIDDEN TESTS ... ### END HIDDEN TESTS`` region."""
    return HIDDEN.sub(HIDDEN_PLACEHOLDER, source)


class HideHiddenTests(NbGraderPreprocessor):
    """Feedback for students: no hidden-test source, and no tracebacks that could quote it.

    Runs first in ``GenerateFeedback``. Grade cells lose their hidden regions; every error
    output keeps only its ``ename: evalue`` line (tracebacks show the source around the failing
    line, which may be hidden-test code). The printed check reports, which name the failing
    case and the likely mistake, stay.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            if is_grade(cell):
                cell.source = strip_hidden(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename')}: {output.get('evalue')}"]
        return cell, resources


class StripHiddenTests(NbGraderPreprocessor):
    """Before the submission executes (for its outputs and figures): the hidden regions of the
    test cells are removed, so the kernel never imports the checks or the reference. Points come
    from the trusted verdict alone (:class:`TrustedGrades`)."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_grade(cell):
            cell.source = strip_hidden(cell.source)
        return cell, resources


class BoundedExecute(Execute):
    """nbgrader's Execute with a byte budget on everything the kernel sends back.

    Outputs beyond ``max_output_bytes`` for the whole notebook are dropped (one line says so),
    so a submission that prints hundreds of megabytes costs the grader nothing more."""

    max_output_bytes = Integer(8 * 1024 * 1024).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._output_bytes = 0
        self._truncated = False
        return super().preprocess(nb, resources, km)

    def handle_comm_msg(self, outs, msg, cell_index):
        """Widget messages are not kept: feedback shows no widgets, and their state would be
        held in the grader's memory without a bound."""
        return None

    def output(self, outs, msg, display_id, cell_index):
        size = _message_bytes(msg.get("content", {}))
        self._output_bytes = getattr(self, "_output_bytes", 0) + size
        if self._output_bytes > self.max_output_bytes:
            if not getattr(self, "_truncated", False):
                self._truncated = True
                outs.append(nbformat.v4.new_output(
                    "stream", name="stdout",
                    text=f"[the grader dropped the rest of the output: more than "
                         f"{self.max_output_bytes // 2**20} MB]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)


def _message_bytes(content) -> int:
    if isinstance(content, str):
        return len(content)
    if isinstance(content, dict):
        return sum(_message_bytes(v) for v in content.values())
    if isinstance(content, list):
        return sum(_message_bytes(v) for v in content)
    return 8


class TrustedGrades(SaveAutoGrades):
    """nbgrader's SaveAutoGrades, with the points of the trusted verdict instead of the in-kernel
    outputs. Each grade cell's output becomes the trusted report, so formgrader and the feedback
    show exactly what decided the points. A code grade cell the verdict does not cover gets 0 and
    is marked for manual grading; a markdown answer cell (graded by hand) is left to nbgrader."""

    verdict_file = Unicode("", help="JSON written by the grader: "
                           "{notebook: {grade_id: {points, report, flag}}}"
                           ).tag(config=True)

    def preprocess(self, nb, resources):
        try:
            with open(self.verdict_file, encoding="utf-8") as fh:
                self._verdicts = json.load(fh)
        except (OSError, ValueError):
            self._verdicts = {}
        return super().preprocess(nb, resources)

    def _add_score(self, cell, resources) -> None:
        if cell.cell_type == "markdown":
            # A manually graded answer (a free-response question): no check can score it, so
            # nbgrader's own rule applies. An unchanged answer scores 0; any other waits for a
            # grader (auto_score None, needs_manual_grade). OverwriteCells has already restored
            # the cell's type and checksum from the source, so a submission cannot fake either.
            super()._add_score(cell, resources)
            return
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        grade = self.gradebook.find_grade(grade_id, self.notebook_id, self.assignment_id,
                                          self.student_id)
        verdict = self._verdicts.get(self.notebook_id, {}).get(grade_id)
        max_points = float(cell.metadata["nbgrader"].get("points", 0))
        if verdict is None:
            grade.auto_score = 0.0
            grade.needs_manual_grade = True
            report = "not graded by the sandbox: review this cell by hand"
        else:
            grade.auto_score = min(max_points, float(verdict["points"]))
            grade.needs_manual_grade = bool(verdict.get("flag")) or grade.manual_score is not None
            report = verdict["report"]
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=report + "\n")]
        self.gradebook.db.commit()


class TrustedReport(NbGraderPreprocessor):
    """Feedback: each graded cell shows the trusted verdict's report and is named by its exercise.

    The report is read from the verdict file ``grade`` wrote for the submission
    (``verdicts/<student>/<assignment>.json``), never taken from the executed notebook: what
    the kernel printed is the submission's own output, which could imitate a report. The cell's
    output becomes exactly that report (no prompt value, no in-kernel text), so the page's
    score (the gradebook's, recorded from the same verdict) and the report agree; if the
    gradebook's score was changed by hand, the report says so. The exercise name goes to
    ``cell.metadata.autograder.exercise`` for the page's index and headings. Runs after
    nbgrader's ``GetGrades`` in ``GenerateFeedback`` (``python -m autograder feedback`` puts it
    there).
    """

    course = Unicode("", help="the course folder (its verdicts/ folder)").tag(config=True)

    def preprocess(self, nb, resources):
        from pathlib import Path

        from autograder.batch.gradebook import read_verdict

        info = resources.get("nbgrader", {})
        verdict = {}
        if self.course and info.get("student") and info.get("assignment"):
            verdict = read_verdict(Path(self.course), info["student"], info["assignment"]) or {}
        self._exercises = {
            e.get("grade_id"): e for n in verdict.get("notebooks", []) if isinstance(n, dict)
            and n.get("notebook") == info.get("notebook") for e in n.get("exercises", [])
            if isinstance(e, dict)}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not is_grade(cell) or cell.metadata["nbgrader"].get(
                "solution"):
            cell.metadata.pop("autograder", None)  # only this preprocessor names exercises
            return cell, resources
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        verdict = self._exercises.get(grade_id)
        name = str(verdict.get("exercise") or "") if verdict else ""
        name = name or re.sub(r"^test-|-hidden$", "", grade_id)
        cell.metadata["autograder"] = {"exercise": name}
        if verdict is None:
            report = (f"{name}: no report from the course's grader for this exercise (grade the "
                      "submission with `python -m autograder grade`)")
        else:
            report = str(verdict.get("report", "")).rstrip()
            score = cell.metadata["nbgrader"].get("score")
            points = float(verdict.get("points", 0.0))
            if score is not None and abs(float(score) - points) > 1e-6:
                report += (f"\n  note: the recorded score of {name} was changed by hand to "
                           f"{float(score):g} / {float(verdict.get('max_points', 0)):g}")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=report + "\n")]
        return cell, resources
