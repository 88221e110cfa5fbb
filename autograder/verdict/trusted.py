"""The trusted verdict: grade a submission's answers without running its code in the grader.

For each exercise of a notebook, a fresh sandbox (:mod:`autograder.verdict.sandbox`) runs the course's
setup cells and the submission's answer cells, then calls the answer on every case of the
exercise's hidden checks. The cases go in as ``.npy`` files; the results come back as ``.npy``
files, read here as plain arrays (no pickle, no symlinks, bounded sizes). The grader compares
them with its own reference, exactly as :func:`autograder.checks.run` does in a kernel, so the
points and the feedback are the same, but nothing the submission does can change them: it never
shares a process with the checks, and it cannot see the reference or the hidden tests.

Which code counts: the source notebook decides. Its setup cells (the code cells before the first
answer, and the cells tagged ``export``) come from the source, never from the submission; the
submission contributes only the code of its answer cells, found by their nbgrader ``grade_id``.
Test cells, points and metadata in the submission are ignored.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.checks.core import Case, Exercise, get_exercise, run
from autograder.verdict import sandbox

GRADE_CALL = re.compile(r'grade\("(\w+)", (\w+), points=([\d.]+)\)')
MAX_JSON = 1_000_000
MAX_NPY = 256 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    grade_id: str  # the hidden test cell
    exercise: str  # the registered check
    function: str  # the answer's name in the notebook
    points: float


@dataclass
class Verdict:
    grade_id: str
    exercise: str
    points: float
    max_points: float
    report: str
    problem: str = ""  # why the sandbox could not finish (crash, timeout), if it could not


@dataclass
class NotebookVerdict:
    notebook: str
    exercises: list[Verdict] = field(default_factory=list)
    problem: str = ""  # the submission could not be read at all

    @property
    def score(self) -> float:
        return sum(v.points for v in self.exercises)


def _nb_meta(cell: dict) -> dict:
    meta = cell.get("metadata", {})
    nbg = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return nbg if isinstance(nbg, dict) else {}


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def course_plan(source_nb: Path) -> tuple[list[Answer], list[dict], list[str]]:
    """From the (trusted) source notebook: its graded answers, its setup cells, and the grade
    ids of its answer cells in order."""
    cells = json.loads(Path(source_nb).read_text(encoding="utf-8"))["cells"]
    answers, setup, solution_ids = [], [], []
    seen_solution = False
    for index, cell in enumerate(cells):
        meta = _nb_meta(cell)
        if cell.get("cell_type") != "code":
            continue
        src = _source(cell)
        if meta.get("solution"):
            seen_solution = True
            solution_ids.append(meta["grade_id"])
        elif meta.get("grade"):
            for name, fn, points in GRADE_CALL.findall(src):
                answers.append(Answer(meta["grade_id"], name, fn, float(points)))
        elif "export" in cell.get("metadata", {}).get("tags", []):
            setup.append({"source": src, "where": f"setup cell {index}"})
        elif not seen_solution:
            # only the definitions of an early cell: its plots and computations are not needed
            setup.append({"source": _definitions(src), "where": f"setup cell {index}"})
    return answers, setup, solution_ids


def _definitions(src: str) -> str:
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return ""
    keep = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)
    return "\n\n".join(ast.get_source_segment(src, node) or "" for node in tree.body
                       if isinstance(node, keep))


def answer_cells(submission_nb: Path, solution_ids: list[str]) -> tuple[list[dict], str]:
    """The code of the submission's answer cells (by grade id, in the submission's order), and
    a problem description if the file cannot be used."""
    try:
        nb = json.loads(Path(submission_nb).read_text(encoding="utf-8"))
        cells = nb["cells"]
        if not isinstance(cells, list):
            raise TypeError("cells is not a list")
    except Exception as exc:
        return [], f"{submission_nb.name} is not a readable notebook: {type(exc).__name__}: {exc}"
    wanted = set(solution_ids)
    found = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        grade_id = _nb_meta(cell).get("grade_id")
        if grade_id in wanted:
            found.append({"source": _source(cell), "where": f"answer cell {grade_id}",
                          "grade_id": grade_id})
    return found, ""


# ----------------------------------------------------------------------------- data in and out


def _encode(value: Any, folder: Path, stem: str) -> dict:
    if value is None:
        return {"none": True}
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, int):
        return {"int": value}
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, np.ndarray):
        np.save(folder / f"{stem}.npy", value, allow_pickle=False)
        return {"npy": f"{stem}.npy"}
    if isinstance(value, np.generic):
        np.save(folder / f"{stem}.npy", np.asarray(value), allow_pickle=False)
        return {"scalar": f"{stem}.npy"}
    if isinstance(value, tuple | list):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {kind: [_encode(v, folder, f"{stem}_{k}") for k, v in enumerate(value)]}
    if isinstance(value, dict):
        return {"dict": {k: _encode(v, folder, f"{stem}_{k}") for k, v in value.items()}}
    if callable(value) and hasattr(value, "probe_name"):
        return {"probe": value.probe_name}
    raise TypeError(f"a case argument of type {type(value).__name__} cannot enter the sandbox")


def _read_bytes(folder_fd: int, name: str, limit: int) -> bytes | None:
    """A regular file's bytes, read without following symlinks; None if absent or too big."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder_fd)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        return data if len(data) <= limit else None
    finally:
        os.close(fd)


def _open_dir(path: Path) -> int | None:
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None


class Opaque:
    """A result that was not a numeric array (its type's name is kept for the feedback)."""


def _opaque(type_name: str) -> Opaque:
    safe = re.sub(r"\W", "_", str(type_name))[:60] or "object"
    return type(safe, (Opaque,), {})()


def _decode_result(spec: Any, out_fd: int) -> Any:
    if not isinstance(spec, dict) or len(spec) != 1:
        return _opaque("unreadable")
    (kind, value), = spec.items()
    if kind == "none":
        return None
    if kind == "opaque":
        return _opaque(value)
    if kind == "tuple" and isinstance(value, list):
        return tuple(_decode_result(v, out_fd) for v in value)
    if kind == "npy" and isinstance(value, str) and re.fullmatch(r"[\w.]+\.npy", value):
        data = _read_bytes(out_fd, value, MAX_NPY)
        if data is None:
            return _opaque("missing_array")
        try:
            import io

            arr = np.load(io.BytesIO(data), allow_pickle=False)
        except Exception:
            return _opaque("unreadable_array")
        return arr if isinstance(arr, np.ndarray) and arr.dtype.kind in "biuf" else _opaque("array")
    return _opaque("unreadable")


class StudentError(Exception):
    """An exception raised by the submission, rebuilt from its name and message."""


def _rebuild_exception(record: dict) -> BaseException:
    import builtins

    kinds = [k for k in record.get("kinds", []) if isinstance(k, str)]
    message = str(record.get("message", ""))[:500]
    name = str(record.get("type", "Exception"))[:60]
    for kind in ("NotImplementedError", "ValueError", "TypeError", "IndexError", "KeyError",
                 "ZeroDivisionError", "AssertionError", "RuntimeError", "ArithmeticError"):
        if kind in kinds:
            cls = getattr(builtins, kind)
            exc = cls(message) if name == kind else type(name, (cls,), {})(message)
            return exc
    return type(name if name.isidentifier() else "StudentError", (StudentError,), {})(message)


class Recorded:
    """Stands in for the student's function: returns what the sandbox recorded for each case."""

    def __init__(self, name: str, results: dict[tuple, tuple[Any, BaseException | None]]):
        self.__name__ = name
        self.results = results

    def recorded_call(self, case: Case) -> tuple[Any, BaseException | None, str]:
        value, exc = self.results.get(case.key, (None, RuntimeError(
            "the sandbox ended before this case (the answer crashed the process, exhausted a "
            "limit or ran out of time)")))
        return value, exc, ""

    def __call__(self, *args, **kwargs):  # never called: checks use recorded_call
        raise RuntimeError("a recorded answer cannot be called")


# ----------------------------------------------------------------------------- one exercise


def _all_cases(ex: Exercise) -> list[Case]:
    cases = []
    for index, group in enumerate(ex.groups):
        rng = np.random.default_rng([ex.seed, index])
        for position, case in enumerate(group.cases(rng)):
            case.key = (index, position)
            cases.append(case)
    return cases


def grade_answer(answer: Answer, cells: list[dict], submission_dir: Path, staged: Path,
                 limits: sandbox.Limits) -> Verdict:
    """Grade one exercise in a fresh sandbox."""
    ex = get_exercise(answer.exercise)
    cases = _all_cases(ex)
    own = [c for c in cells if c.get("grade_id") == answer.function]
    cells = [dict(c, definitions_only=bool(own) and "grade_id" in c and c not in own)
             for c in cells]
    with tempfile.TemporaryDirectory(prefix="trusted-") as tmp:
        work = Path(tmp) / "work"
        shutil.copytree(submission_dir, work, symlinks=True,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        job = work / ".grader-job"
        job.mkdir()
        calls = [{"args": _encode(tuple(case.args), job, f"in{i}_a"),
                  "kwargs": _encode(dict(case.kwargs), job, f"in{i}_k")}
                 for i, case in enumerate(cases)]
        (job / "job.json").write_text(json.dumps({
            "cells": cells, "function": answer.function, "calls": calls,
            "case_seconds": max(10, int(limits.wall_seconds // 3))}))
        outcome = sandbox.run([sys.executable, "-m", "autograder.verdict.runner",
                               "/work/submission/.grader-job"], work, limits=limits,
                              staged=staged)
        results: dict[tuple, tuple[Any, BaseException | None]] = {}
        out_fd = _open_dir(job / "out") if not (job / "out").is_symlink() else None
        problem = ""
        if outcome.timed_out:
            problem = f"the answer ran out of time ({limits.wall_seconds:g} s)"
        elif outcome.returncode != 0:
            problem = f"the sandbox process ended with code {outcome.returncode}"
        if out_fd is not None:
            try:
                for i, case in enumerate(cases):
                    raw = _read_bytes(out_fd, f"{i}.json", MAX_JSON)
                    if raw is None:
                        continue
                    try:
                        record = json.loads(raw)
                    except ValueError:
                        continue
                    if not isinstance(record, dict):
                        continue
                    if record.get("status") == "returned":
                        results[case.key] = (_decode_result(record.get("value"), out_fd), None)
                    elif record.get("status") == "timeout":
                        results[case.key] = (None, TimeoutError(str(record.get("message"))[:200]))
                    else:
                        results[case.key] = (None, _rebuild_exception(record))
            finally:
                os.close(out_fd)
        if len(results) < len(cases) and not problem:
            problem = "the sandbox process ended early (os._exit, a crash or a limit)"
    student = Recorded(answer.function, results)
    report = run(ex, student, answer.points)
    text = report.text()
    if problem:
        text += f"\n  note: {problem}; the cases it did not finish count as failed."
    return Verdict(answer.grade_id, answer.exercise, report.points, answer.points, text, problem)


def grade_notebook(submission_nb: Path, source_nb: Path, limits: sandbox.Limits | None = None,
                   only: set[str] | None = None, workers: int = 2) -> NotebookVerdict:
    """Every exercise of one notebook (or those named in ``only``), each in its own fresh
    sandbox; ``workers`` sandboxes run at a time."""
    from concurrent.futures import ThreadPoolExecutor

    limits = limits or sandbox.Limits()
    answers, setup, solution_ids = course_plan(source_nb)
    answers = [a for a in answers if only is None or a.exercise in only]
    verdict = NotebookVerdict(Path(source_nb).stem)
    cells, problem = answer_cells(submission_nb, solution_ids)
    verdict.problem = problem
    if problem:
        verdict.exercises = [Verdict(a.grade_id, a.exercise, 0.0, a.points, problem, problem)
                             for a in answers]
        return verdict
    with tempfile.TemporaryDirectory(prefix="staged-") as tmp:
        staged = sandbox.stage_student_modules(Path(tmp))
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            verdict.exercises = list(pool.map(
                lambda a: grade_answer(a, setup + cells, submission_nb.parent, staged, limits),
                answers))
    return verdict
