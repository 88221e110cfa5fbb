"""Runs inside the grading sandbox: define the submission's answers, call one of them on every
case, write the results as files (student-safe: no reference, no hidden tests, no grading).

    python -m autograder.verdict.runner JOB_FOLDER OUT_FOLDER

``JOB_FOLDER/job.json`` (read-only here) holds the code cells to run and the calls, whose array
arguments are ``.npy`` files beside it. Each cell is run as plain Python (IPython magics and
shell lines dropped, see :func:`coursekit.previous.plain_python`); a cell marked
``definitions_only`` keeps only its imports, functions, classes and constants. For call ``i``
the runner writes ``OUT_FOLDER/i.json`` (and ``i.npy`` or ``i_<k>.npy`` for the arrays of the
result) before starting call ``i + 1``, so a crash or a hang costs only the calls not yet
written. Nothing here decides a grade: the grader, outside the sandbox, reads these files with
:mod:`autograder.verdict.wire` and compares them with its own reference.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import numpy as np

from coursekit.previous import definitions, plain_python

KINDS = ("ValueError", "TypeError", "NotImplementedError", "IndexError", "KeyError",
         "ZeroDivisionError", "AssertionError", "ArithmeticError", "RuntimeError")


def decode(spec: Any, folder: Path) -> Any:
    """Turn a JSON argument spec back into Python values (arrays from .npy, no pickle)."""
    if not isinstance(spec, dict) or len(spec) != 1:
        raise ValueError(f"bad argument spec {spec!r}")
    (kind, value), = spec.items()
    if kind == "none":
        return None
    if kind in ("bool", "int", "str"):
        return value
    if kind == "float":
        return float(value)
    if kind == "npy":
        return np.load(folder / value, allow_pickle=False)
    if kind == "scalar":
        return np.load(folder / value, allow_pickle=False)[()]
    if kind in ("tuple", "list"):
        items = [decode(v, folder) for v in value]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {k: decode(v, folder) for k, v in value.items()}
    if kind == "probe":
        from autograder.checks.probes import probe

        return probe(value)
    raise ValueError(f"unknown argument kind {kind!r}")


def encode_result(value: Any, folder: Path, stem: str) -> dict:
    """A result as data: None, an array (.npy), a tuple of parts, or the name of its type."""
    if value is None:
        return {"none": True}
    if isinstance(value, tuple | list) and not _is_numeric_sequence(value):
        return {"tuple": [_encode_part(v, folder, f"{stem}_{k}") for k, v in enumerate(value)]}
    return _encode_part(value, folder, stem)


def _is_numeric_sequence(value: Any) -> bool:
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except Exception:
        return False


def _encode_part(value: Any, folder: Path, stem: str) -> dict:
    if value is None:
        return {"none": True}
    try:
        arr = np.array(value, copy=True)
    except Exception:
        return {"opaque": type(value).__name__}
    if arr.dtype.kind not in "biuf":
        return {"opaque": type(value).__name__}
    name = f"{stem}.npy"
    np.save(folder / name, np.array(arr, order="C"), allow_pickle=False)
    return {"npy": name}


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


class _CaseTimeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _CaseTimeout()


class _NoIPython:
    """``get_ipython()`` outside IPython: any magic left in a function body does nothing."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except BaseException:
        return f"<{type(exc).__name__} whose message cannot be printed>"


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        hint = " (an IPython magic or shell line inside a function?)" if (
            exc.text or "").lstrip().startswith(("%", "!")) else ""
        return f"SyntaxError at line {exc.lineno}: {exc.msg}{hint}"
    tb = exc.__traceback__
    line = None
    while tb is not None:  # the deepest frame that belongs to the cell
        if tb.tb_frame.f_code.co_filename.startswith(("answer cell", "added cell", "setup cell")):
            line = tb.tb_lineno
        tb = tb.tb_next
    where = f" at line {line}" if line else ""
    return f"{type(exc).__name__}{where}: {_safe_str(exc)[:300]}"


def run_cells(cells: list[dict], namespace: dict[str, Any]) -> list[dict]:
    """Run the cells in order; return the errors, one per cell that failed."""
    errors = []
    sink = io.StringIO()
    for cell in cells:
        try:
            src = cell["source"]
            tree = definitions(src) if cell.get("definitions_only") else plain_python(src)
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                exec(compile(tree, cell["where"], "exec"), namespace)  # noqa: S102
        except BaseException as exc:  # a broken cell costs what depends on it, nothing more
            errors.append({"where": cell["where"], "error": _error_text(exc)})
        sink.seek(0)
        sink.truncate()
    return errors


def main(job_folder: str, out_folder: str) -> int:
    folder, out = Path(job_folder), Path(out_folder)
    job = json.loads((folder / "job.json").read_text())
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins,
                                 "get_ipython": _NoIPython}
    errors = run_cells(job["cells"], namespace)
    _write_json(out / "setup.json", {"errors": errors})
    fn = namespace.get(job["function"])
    signal.signal(signal.SIGALRM, _alarm)
    sink = io.StringIO()
    for index, call in enumerate(job["calls"]):
        record: dict[str, Any]
        try:
            args = decode(call["args"], folder)
            kwargs = decode(call["kwargs"], folder)
            if fn is None:
                raise NameError(f"name {job['function']!r} is not defined")
            signal.alarm(int(job.get("case_seconds", 10)))
            try:
                with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                    value = fn(*args, **kwargs)
            finally:
                signal.alarm(0)
            record = {"status": "returned", "value": encode_result(value, out, str(index))}
        except _CaseTimeout:
            record = {"status": "timeout", "message": f"the call took more than "
                      f"{job.get('case_seconds', 10)} s"}
        except BaseException as exc:  # SystemExit and KeyboardInterrupt too: one call's end
            record = {"status": "raised", "type": type(exc).__name__,
                      "kinds": [k for k in KINDS if isinstance(exc, getattr(builtins, k))],
                      "message": _safe_str(exc)[:500]}
        sink.seek(0)
        sink.truncate()
        _write_json(out / f"{index}.json", record)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
