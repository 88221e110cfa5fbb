"""nbgrader plug-ins used by the course's configuration (``nbgrader_config.py``)."""

from __future__ import annotations

import re

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade

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
