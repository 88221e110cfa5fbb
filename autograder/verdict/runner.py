"""Runs inside the grading sandbox: define the submission's answers, call each on every case of
its exercise, write the results as files (student-safe: no reference, no hidden tests, no grading).

    python -m autograder.verdict.runner JOB_FOLDER OUT_FOLDER

The runner is a zygote: it runs the course's setup cells once (the heavy imports: numpy, torch,
matplotlib), then forks one child per exercise, at most ``parallel`` at a time. Before any
student code runs, each child takes a user id of its own (given by the grader, which also owns
the child's output folder ``OUT_FOLDER/<key>`` to that id), loses its capabilities and sets
no_new_privs: it cannot signal or trace the zygote or its siblings, nor write into their
folders. A child that overruns ``exercise_seconds`` is killed with every process of its user id.
Outside bubblewrap (a learner's ``check`` on macOS) the job has no user ids, and the children
only get a process group of their own.

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
import ctypes
import io
import json
import os
import signal
import sys
import time
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


def encode_data(value: Any, folder: Path, stem: str) -> dict:
    """A probe's result (see :func:`probed`) as data: a dict of ints, floats, strings and
    arrays (``<stem>_<key>.npy``, numeric or text); anything else as :func:`encode_result`."""
    if not isinstance(value, dict):
        return encode_result(value, folder, stem)
    spec: dict[str, dict] = {}
    for key, item in value.items():
        if isinstance(item, bool | int | np.integer):
            spec[key] = {"int": int(item)}
        elif isinstance(item, float | np.floating):
            spec[key] = {"float": float(item)}
        elif isinstance(item, str):
            spec[key] = {"str": item[:500]}
        else:
            np.save(folder / f"{stem}_{key}.npy", np.asarray(item), allow_pickle=False)
            spec[key] = {"npy": f"{stem}_{key}.npy"}
    return {"data": spec}


def probed(spec: dict, folder: Path, fn: Any, args: tuple, kwargs: dict) -> Any:
    """Call ``fn`` through the probe a case names: it returns data made here, in the sandbox
    (a model is turned into its fingerprint; the object itself never leaves)."""
    if spec.get("name") != "model":
        raise ValueError(f"unknown probe {spec.get('name')!r}")
    from coursekit.summary import model_probe

    return model_probe(fn, args, kwargs, **decode(spec["settings"], folder))


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
    if type(value) in (list, tuple):  # the grader tells a list from an array
        return {"npy": name, "from": "list"}
    return {"npy": name}


def _same(a: Any, b: Any) -> bool:
    """True if an argument is unchanged by a call."""
    if isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(b, list | tuple):
        return (isinstance(a, list | tuple) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b, strict=True)))
    return True


def mutated(call: dict, folder: Path, args: tuple, kwargs: dict) -> list[str]:
    """The arguments a call changed in place: positions as "0", "1", ... and keywords."""
    fresh_args, fresh_kwargs = decode(call["args"], folder), decode(call["kwargs"], folder)
    changed = [str(i) for i, (a, b) in enumerate(zip(args, fresh_args, strict=True))
               if not _same(a, b)]
    return changed + [k for k in fresh_kwargs if not _same(kwargs.get(k), fresh_kwargs[k])]


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


SKIPPED = "Skipped assignment:"  # the same as autograder.verdict.trusted.SKIPPED


def run_cells(cells: list[dict], namespace: dict[str, Any]) -> list[dict]:
    """Run the cells in order; return the errors, one per cell that failed."""
    errors = []
    sink = io.StringIO()
    for cell in cells:
        skipped: list[tuple[str, int]] = []
        try:
            src = cell["source"]
            tree = (definitions(src, namespace, skipped) if cell.get("definitions_only")
                    else plain_python(src))
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                exec(compile(tree, cell["where"], "exec"), namespace)  # noqa: S102
        except BaseException as exc:  # a broken cell costs what depends on it, nothing more
            errors.append({"where": cell["where"], "error": _error_text(exc)})
        # what grading did not run: named in the feedback if a case then misses that name
        errors += [{"where": cell["where"], "error": f"{SKIPPED} {name} at line {line}"}
                   for name, line in skipped[:10] if not cell["where"].startswith("setup")]
        sink.seek(0)
        sink.truncate()
    return errors


def exercise(job: dict, ex: dict, namespace: dict[str, Any], folder: Path, out: Path,
             setup_errors: list[dict]) -> None:
    """One exercise, in its own process: the submission's cells, then every call."""
    errors = setup_errors + run_cells(ex["cells"], namespace)
    _write_json(out / "setup.json", {"errors": errors})
    fn = namespace.get(ex["function"])
    seconds = int(job.get("case_seconds", 10))
    if any("probe" in call for call in ex["calls"]):  # before the timed calls, not in them
        from coursekit.summary import warm_up

        warm_up()
    signal.signal(signal.SIGALRM, _alarm)
    sink = io.StringIO()
    for index, call in enumerate(ex["calls"]):
        record: dict[str, Any]
        try:
            args = decode(call["args"], folder)
            kwargs = decode(call["kwargs"], folder)
            probe = call.get("probe")
            if fn is None:
                raise NameError(f"name {ex['function']!r} is not defined")
            signal.alarm(seconds)
            try:
                with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                    value = (fn(*args, **kwargs) if probe is None
                             else probed(probe, folder, fn, args, kwargs))
            finally:
                signal.alarm(0)
            encode = encode_result if probe is None else encode_data
            record = {"status": "returned", "value": encode(value, out, str(index)),
                      "mutated": mutated(call, folder, args, kwargs)}
        except _CaseTimeout:
            record = {"status": "timeout", "message": f"the call took more than {seconds} s"}
        except BaseException as exc:  # SystemExit and KeyboardInterrupt too: one call's end
            record = {"status": "raised", "type": type(exc).__name__,
                      "kinds": [k for k in KINDS if isinstance(exc, getattr(builtins, k))],
                      "message": _safe_str(exc)[:500]}
        sink.seek(0)
        sink.truncate()
        _write_json(out / f"{index}.json", record)


PR_SET_NO_NEW_PRIVS = 38


def _become(uid: int | None, home: Path) -> None:
    """In a child, before student code: a process group, a user id and no privileges of its own."""
    os.setsid()
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)  # from root to another id: every capability is dropped
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    os.chdir(home)


def _kill_uid(uid: int | None, pid: int) -> None:
    """Kill a finished or overrunning child and everything it started."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if uid is None:
        return
    killer = os.fork()
    if killer == 0:  # kill(-1) as that user id: every process it owns, and nothing else
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(killer, 0)


def main(job_folder: str, out_folder: str) -> int:
    folder, out = Path(job_folder), Path(out_folder)
    job = json.loads((folder / "job.json").read_text())
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins,
                                 "get_ipython": _NoIPython}
    setup_errors = run_cells(job.get("setup", []), namespace)
    queue = list(job["exercises"])
    parallel = max(1, int(job.get("parallel", 2)))
    seconds = float(job.get("exercise_seconds", 60))
    running: dict[int, tuple[dict, float]] = {}
    status: dict[str, dict] = {}
    sys.stdout.flush()
    while queue or running:
        while queue and len(running) < parallel:
            ex = queue.pop(0)
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    _become(ex.get("uid"), Path(ex["home"]))
                    exercise(job, ex, namespace, folder, out / ex["key"], setup_errors)
                except BaseException:
                    code = 3
                finally:
                    os._exit(code)
            running[pid] = (ex, time.monotonic() + seconds)
        pid, wait_status = os.waitpid(-1, os.WNOHANG)
        if pid in running:
            ex, _ = running.pop(pid)
            status[ex["key"]] = {"exit": os.waitstatus_to_exitcode(wait_status),
                                 "timed_out": False}
            _kill_uid(ex.get("uid"), pid)
            continue
        now = time.monotonic()
        for pid, (ex, deadline) in list(running.items()):
            if now > deadline:
                _kill_uid(ex.get("uid"), pid)
                os.waitpid(pid, 0)
                running.pop(pid)
                status[ex["key"]] = {"exit": None, "timed_out": True}
        time.sleep(0.01)
    _write_json(out / "status.json", status)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
