"""Build every held-in correct style and grade it with ``python -m autograder check --json``.

Usage (from the repository root)::

    .venv/bin/python -m tests.heldin.run_correct                 # every style
    .venv/bin/python -m tests.heldin.run_correct 03_pooling      # one assignment
    .venv/bin/python -m tests.heldin.run_correct 01_convolution/scratch -v   # also print notes

Prints one line per style, ``assignment style score/max``, the feedback of every exercise that
lost points (with -v also the notes of full-score exercises), and exits 1 if any style lost
points.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from tests.heldin.correct import ROOT, STYLES, Style, build, student_notebook


def check_style(style: Style, workdir: Path) -> dict:
    """Build ``style`` into ``workdir/<assignment>.ipynb`` and return the check's JSON report."""
    folder = workdir / f"{style.assignment}-{style.name}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{style.assignment}.ipynb"
    nbformat.write(build(style, student_notebook(style.assignment)), str(path))
    proc = subprocess.run([sys.executable, "-m", "autograder", "check", str(path), "--json"],
                          capture_output=True, text=True, cwd=ROOT)
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"score": 0.0, "max_score": float("nan"), "exercises": [],
                "error": f"exit {proc.returncode}: {proc.stdout[-2000:]}{proc.stderr[-2000:]}"}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    verbose = "-v" in args
    wanted = [a for a in args if a != "-v"]
    styles = [s for s in STYLES
              if not wanted or any(w in (s.assignment, f"{s.assignment}/{s.name}") for w in wanted)]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="heldin-") as tmp:
        for style in styles:
            report = check_style(style, Path(tmp))
            score, max_score = report["score"], report["max_score"]
            ok = score == max_score
            failed += not ok
            print(f"{style.assignment} {style.name} {score:g}/{max_score:g}", flush=True)
            if "error" in report:
                print("    " + report["error"].replace("\n", "\n    "), flush=True)
            for ex in report.get("exercises", []):
                if not ex["passed"]:
                    print("    " + ex["feedback"].replace("\n", "\n    "), flush=True)
                elif verbose:  # a full score can still carry notes (a cell that did not run)
                    for line in ex["feedback"].splitlines():
                        if line.strip().startswith("note:"):
                            print(f"    {ex['name']}: {line.strip()}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
