"""Command line: ``python -m autograder COMMAND``.

Instructors:
    release                 rebuild notebooks/ and solutions/ from source/ (same as make release)
    stale                   list generated files that no longer match source/; exit 1 if any
    grade SUBMISSIONS       autograde <student>/<assignment>/<notebook>.ipynb (a folder or a zip)
                            into the gradebook; print a table per student; write grades.csv.
                            Every point comes from the trusted verdict in a bubblewrap sandbox
                            (autograder/verdict/trusted.py); what it could not decide scores 0
                            and is FLAGGED. --no-sandbox: the same verdict without bubblewrap
                            (warned on every report);
                            --regrade: grade again what was already graded and is unchanged;
                            --scheduler tcp://HOST:8786: grade on Dask workers, record here
    feedback                write HTML feedback for every graded submission (hidden tests removed)
    export                  write the grades CSV again from the gradebook
    report [--assignment A] [--html PATH] [--csv PATH]
                            the class report: score distribution, mean per exercise, the most
                            common likely mistakes and failing cases, flagged submissions and
                            grading times (class_report.html and class_report.csv)
    bundle [--out DIR]      build the student copy a graded class hands out (make student):
                            notebooks/, the helpers they import, its own README, Makefile and
                            requirements; no reference, no hidden checks, no source/
Learners:
    check NOTEBOOK [--json] [--exercise NAME]
                            grade one notebook locally, with the same verdict as `grade`;
                            points and feedback per exercise, in seconds
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from autograder.course import build


def _err(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _cmd_release(args: argparse.Namespace) -> int:
    try:
        written = build.release(args.root)
    except build.BuildError as exc:
        return _err(f"release failed: {exc}")
    for rel in written:
        print(f"wrote {rel}")
    return 0


def _cmd_stale(args: argparse.Namespace) -> int:
    problems = build.stale_files(args.root)
    for line in problems:
        print(line)
    if not problems:
        print("notebooks/ and solutions/ are up to date with source/")
    return 1 if problems else 0


def _cmd_grade(args: argparse.Namespace) -> int:
    from autograder.batch import reports, run
    from autograder.batch.intake import GradingError
    from autograder.verdict import sandbox

    settings: dict = {}
    if args.timeout:
        settings["wall_seconds"] = args.timeout
    if args.budget:
        settings.update(submission_base=args.budget, submission_per_exercise=0.0)
    if args.execute_timeout:
        settings["execute_seconds"] = args.execute_timeout
    limits = sandbox.Limits(**settings)
    if args.no_sandbox:
        print(sandbox.NO_SANDBOX_WARNING, file=sys.stderr)
    try:
        batch = run.grade_batch(Path(args.submissions), args.root, jobs=args.jobs,
                                    db_url=args.db, progress=not args.quiet,
                                    sandboxed=not args.no_sandbox, limits=limits,
                                    regrade=args.regrade, scheduler=args.scheduler)
    except GradingError as exc:
        return _err(str(exc))
    for problem in batch.problems:
        print(f"not graded: {problem}", file=sys.stderr)
    for sub in batch.skipped:
        print(f"skipped {sub.student}/{sub.assignment}: graded before and unchanged "
              "(--regrade grades it again)", file=sys.stderr)
    try:
        rows = reports.gradebook_scores(args.root, args.db)
    except GradingError as exc:
        return _err(str(exc))
    graded = {(s.student, s.assignment) for s in batch.graded}
    batch_rows = [r for r in rows if (r.student, r.assignment) in graded]
    if args.no_sandbox:
        print(sandbox.NO_SANDBOX_WARNING)
    print(reports.format_table(batch_rows, batch.problems))
    if args.no_sandbox:
        print(sandbox.NO_SANDBOX_WARNING)
    reports.write_csv(Path(args.csv), rows, batch.problems)
    print(f"\ngrades of {len(graded)} submission(s) recorded in the gradebook; "
          f"CSV of the whole gradebook written to {args.csv}")
    return 0


def _cmd_feedback(args: argparse.Namespace) -> int:
    from autograder.batch import reports
    from autograder.batch.intake import GradingError

    try:
        written = reports.generate_feedback(args.root, args.db)
    except GradingError as exc:
        return _err(str(exc))
    for path in written:
        print(f"wrote {path.relative_to(args.root) if path.is_relative_to(args.root) else path}")
    if not written:
        print("nothing to do: no autograded submissions (run `grade` first)")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from autograder.batch import reports
    from autograder.batch.intake import GradingError

    try:
        rows = reports.gradebook_scores(args.root, args.db)
    except GradingError as exc:
        return _err(str(exc))
    reports.write_csv(Path(args.csv), rows)
    print(f"wrote {args.csv}: {len(rows)} row(s)")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from autograder.batch import classreport

    try:
        made = classreport.write_class_report(args.root, args.db, args.assignment,
                                              Path(args.html), Path(args.csv))
    except classreport.ClassReportError as exc:
        return _err(str(exc))
    for line in classreport.summary_lines(made.reports):
        print(line)
    print(f"wrote {made.html} and {made.csv}")
    return 0


def _cmd_bundle(args: argparse.Namespace) -> int:
    from autograder.course import bundle

    try:
        made = bundle.build_bundle(args.root, args.out)
    except bundle.BundleError as exc:
        return _err(f"bundle failed: {exc}")
    notebooks = [f for f in made.files if f.endswith(".ipynb")]
    print(f"wrote the student copy {made.out}: {len(made.files)} files, "
          f"{made.size / 1e6:.2f} MB, {len(notebooks)} notebooks")
    print(f"course modules: {', '.join(made.modules)}")
    print("hand out that folder (zip it); learners run `make lab` and `make test` in it")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from autograder import selfcheck
    from autograder.batch.intake import GradingError

    try:
        report = selfcheck.check_notebook(Path(args.notebook), args.root,
                                          only=set(args.exercise) if args.exercise else None)
    except GradingError as exc:
        return _err(str(exc))
    print(json.dumps(report, indent=2) if args.json else selfcheck.format_report(report))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=build.ROOT,
                        help="course folder (default: this repository)")
    parser.add_argument("--db", default=None,
                        help="gradebook database URL (default: sqlite:///<root>/gradebook.db)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("release", help="rebuild notebooks/ and solutions/ from source/").set_defaults(
        func=_cmd_release)
    sub.add_parser("stale", help="list generated files that are out of date").set_defaults(
        func=_cmd_stale)

    grade = sub.add_parser("grade", help="autograde a folder or zip of submissions")
    grade.add_argument("submissions", help="folder or zip of <student>/<assignment>/<nb>.ipynb")
    grade.add_argument("--jobs", "-j", type=int, default=1, help="parallel workers (default 1)")
    grade.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786",
                       help="grade on the workers of this Dask scheduler (each needs bubblewrap "
                            "and the same course version); only this process writes the "
                            "gradebook. --jobs is ignored")
    grade.add_argument("--csv", default="grades.csv", help="CSV to write (default grades.csv)")
    grade.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="grade without bubblewrap: plain nbgrader, not safe against hostile "
                            "submissions (a warning is printed on every report)")
    grade.add_argument("--regrade", action="store_true",
                       help="grade again submissions already graded and unchanged")
    grade.add_argument("--timeout", type=float, default=0,
                       help="seconds allowed per exercise in the sandbox (default 60); a "
                            "submission's total is --budget")
    grade.add_argument("--budget", type=float, default=0,
                       help="seconds allowed for one submission's verdict in total (default "
                            "60 + 10 per exercise); when it runs out, the exercises left score "
                            "0 and the submission is flagged")
    grade.add_argument("--execute-timeout", type=float, default=0,
                       help="seconds allowed for executing a notebook for its outputs and "
                            "figures (default: twice its runtime budget, 120 s or 360 s)")
    grade.set_defaults(func=_cmd_grade)

    sub.add_parser("feedback", help="HTML feedback per student, in feedback/").set_defaults(
        func=_cmd_feedback)

    export = sub.add_parser("export", help="write the grades CSV from the gradebook")
    export.add_argument("--csv", default="grades.csv", help="CSV to write (default grades.csv)")
    export.set_defaults(func=_cmd_export)

    report = sub.add_parser("report", help="the class report: scores, means per exercise, the "
                            "most common mistakes and failing cases, flagged submissions and "
                            "grading times (one HTML page and a CSV)")
    report.add_argument("--assignment", "-a", default=None,
                        help="only this assignment (default: every assignment with submissions)")
    report.add_argument("--html", default="class_report.html",
                        help="HTML page to write (default class_report.html)")
    report.add_argument("--csv", default="class_report.csv",
                        help="CSV to write (default class_report.csv)")
    report.set_defaults(func=_cmd_report)

    student = sub.add_parser("bundle", help="build the student copy (no answers, no hidden "
                             "checks) that a graded class hands out")
    student.add_argument("--out", type=Path, default=None,
                         help="folder to write (default dist/cnn-course-student in the course)")
    student.set_defaults(func=_cmd_bundle)

    check = sub.add_parser("check", help="grade one notebook locally (learners)")
    check.add_argument("notebook", help="path to your notebook")
    check.add_argument("--json", action="store_true", help="print a machine-readable report")
    check.add_argument("--exercise", "-e", action="append", metavar="NAME",
                       help="grade only this exercise (repeat for more)")
    check.set_defaults(func=_cmd_check)

    args = parser.parse_args(argv)
    # nbgrader's own SQLAlchemy use warns about session state it handles itself
    warnings.filterwarnings("ignore", message=".*not in session.*")
    args.root = args.root.resolve()
    if args.command == "grade" and args.jobs < 1:
        return _err("--jobs must be at least 1")
    return args.func(args)
