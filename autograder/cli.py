"""Command line: ``python -m autograder COMMAND``.

    release     rebuild notebooks/ (student notebooks) and solutions/ (reference) from source/
    stale       list generated files that no longer match their source; exit 1 if any
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import build


def _cmd_release(args: argparse.Namespace) -> int:
    try:
        written = build.release(Path(args.root).resolve())
    except build.BuildError as exc:
        print(f"release failed: {exc}", file=sys.stderr)
        return 1
    for rel in written:
        print(f"wrote {rel}")
    return 0


def _cmd_stale(args: argparse.Namespace) -> int:
    problems = build.stale_files(Path(args.root).resolve())
    for line in problems:
        print(line)
    if not problems:
        print("notebooks/ and solutions/ are up to date with source/")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=str(build.ROOT), help="course folder (default: this repository)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("release", help="rebuild notebooks/ and solutions/ from source/").set_defaults(
        func=_cmd_release)
    sub.add_parser("stale", help="list generated files that are out of date").set_defaults(
        func=_cmd_stale)
    args = parser.parse_args(argv)
    return args.func(args)
