"""What crosses the sandbox boundary, and the one decoder of what comes back out.

Into the sandbox (written by the grader, trusted): ``job.json`` with the cells to run and, per
case, its arguments as a JSON spec whose arrays are ``.npy`` files beside it.

Out of the sandbox (written by student code, hostile): for case ``i``, ``out/i.json`` and the
arrays ``out/i.npy`` or ``out/i_<k>.npy``; and ``out/setup.json``, the errors of the cells run
before the calls. Everything read from ``out/`` goes through :func:`read_case` and
:func:`read_setup`, which

* open each file relative to a directory descriptor taken before the sandbox ran, with
  ``O_NOFOLLOW`` (no symlinks), and only regular files;
* read at most a fixed number of bytes per file and per exercise (:class:`Budget`);
* validate the exact schema and every type: a record of any other shape, nesting, size or type
  is the student's failure for that case (it reads as :class:`Unreadable`), never an exception
  in the grader;
* read arrays with ``allow_pickle=False``, of numeric dtypes only (and text arrays inside a
  probe's data record, such as a model's layer names), and only the files named after the case
  itself, so a record cannot point at other cases' arrays.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MAX_RECORD = 64 * 1024  # bytes of one case's JSON record
MAX_ARRAY = 16 * 1024 * 1024  # bytes of one result array
MAX_EXERCISE = 64 * 1024 * 1024  # bytes read for one exercise, all cases together
MAX_PARTS = 8  # parts of a tuple result
MAX_TEXT = 500  # characters kept of an exception message
MAX_SETUP_ERRORS = 50
MAX_DATA_KEYS = 32  # entries of a probe's data record (a model's fingerprint)

KINDS = ("ValueError", "TypeError", "NotImplementedError", "IndexError", "KeyError",
         "ZeroDivisionError", "AssertionError", "ArithmeticError", "RuntimeError")


# ----------------------------------------------------------------------------- into the sandbox


def encode_arg(value: Any, folder: Path, stem: str) -> dict:
    """A case argument as a JSON spec; arrays are saved as ``<stem>.npy`` in ``folder``."""
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
        return {kind: [encode_arg(v, folder, f"{stem}_{k}") for k, v in enumerate(value)]}
    if isinstance(value, dict):
        return {"dict": {k: encode_arg(v, folder, f"{stem}_{k}") for k, v in value.items()}}
    if callable(value) and hasattr(value, "probe_name"):
        return {"probe": value.probe_name}
    raise TypeError(f"a case argument of type {type(value).__name__} cannot enter the sandbox")


def encode_probe(probe: Any, folder: Path, stem: str) -> dict:
    """A case's probe (autograder.checks.models.ModelProbe) as ``{"probe": {"name", "settings"}}``
    for its call in job.json ({} without one): the sandbox applies the probe of that name to
    the returned object and writes data, never the object."""
    if probe is None:
        return {}
    return {"probe": {"name": probe.name, "settings": encode_arg(probe.settings, folder, stem)}}


# ----------------------------------------------------------------------------- out of the sandbox


class Unreadable:
    """A result the sandbox wrote in a form the grader does not accept (the student's failure).

    Subclasses carry the reason in their name, so feedback can say "got Unreadable_..."."""

    reason = "unreadable"


def unreadable(reason: str) -> Unreadable:
    safe = re.sub(r"\W", "_", str(reason))[:60] or "result"
    return type(safe, (Unreadable,), {"reason": reason})()


class Opaque:
    """A result that was not a numeric array (its type's name is kept for the feedback)."""


def opaque(type_name: str) -> Opaque:
    safe = re.sub(r"\W", "_", str(type_name))[:60] or "object"
    return type(safe, (Opaque,), {})()


class StudentError(Exception):
    """An exception raised by the submission, rebuilt from its name and message."""


def rebuild_exception(type_name: str, kinds: list[str], message: str) -> BaseException:
    import builtins

    for kind in KINDS:
        if kind in kinds:
            cls = getattr(builtins, kind)
            return cls(message) if type_name == kind else type(type_name, (cls,), {})(message)
    return type(type_name, (StudentError,), {})(message)


@dataclass
class Budget:
    """Bytes the grader may still read for one exercise."""

    left: int = MAX_EXERCISE

    def take(self, n: int) -> bool:
        if n > self.left:
            self.left = 0
            return False
        self.left -= n
        return True


def open_dir(path: Path) -> int | None:
    """A descriptor of the directory ``path`` itself (no symlink), or None."""
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None


def read_bytes(folder_fd: int, name: str, limit: int) -> bytes | None:
    """A regular file's bytes, read without following symlinks; None if absent, not a regular
    file, or larger than ``limit``."""
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
    except OSError:
        return None
    finally:
        os.close(fd)


def _json(raw: bytes) -> Any:
    """Parsed JSON, or None for anything that is not small, valid, shallow JSON."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError, UnicodeDecodeError):
        return None


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _read_array(folder_fd: int, name: str, budget: Budget, text: bool = False) -> Any:
    data = read_bytes(folder_fd, name, MAX_ARRAY)
    if data is None:
        return unreadable("missing or oversized array")
    if not budget.take(len(data)):
        return unreadable("results over the size budget")
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception:
        return unreadable("broken array file")
    if text and isinstance(arr, np.ndarray) and arr.dtype.kind == "U":
        return arr if arr.dtype.itemsize <= 4 * MAX_TEXT else unreadable("text array too wide")
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf" or arr.dtype.itemsize > 16:
        return unreadable("non-numeric array")
    return arr


def _data(spec: dict, folder_fd: int, index: int, budget: Budget) -> Any:
    """A probe's data record: at most MAX_DATA_KEYS entries, each an int, a float, a string of
    at most MAX_TEXT characters, or an array (numeric or text) in the file named after this
    case and the entry (``<index>_<key>.npy``); anything else is unreadable."""
    out: dict[str, Any] = {}
    for key, item in spec.items():
        if not (isinstance(key, str) and key.isidentifier() and len(key) <= 40
                and isinstance(item, dict) and len(item) == 1):
            return unreadable("malformed data")
        (kind, value), = item.items()
        if kind == "int" and type(value) is int:
            out[key] = value
        elif kind == "float" and type(value) in (int, float):
            out[key] = float(value)
        elif kind == "str" and isinstance(value, str) and len(value) <= MAX_TEXT:
            out[key] = value
        elif kind == "npy" and value == f"{index}_{key}.npy":
            arr = _read_array(folder_fd, value, budget, text=True)
            if isinstance(arr, Unreadable):
                return arr
            out[key] = arr
        else:
            return unreadable("malformed data")
    return out


def _value(spec: Any, folder_fd: int, index: int, budget: Budget, part: int | None) -> Any:
    """One result value: None, an array named after this case, an opaque type, or (at the top
    level only) a tuple of at most MAX_PARTS such values or a probe's data record (a dict)."""
    if isinstance(spec, dict) and set(spec) == {"npy", "from"} and spec["from"] == "list":
        arr = _value({"npy": spec["npy"]}, folder_fd, index, budget, part)
        return arr.tolist() if isinstance(arr, np.ndarray) else arr
    if not isinstance(spec, dict) or len(spec) != 1:
        return unreadable("malformed result")
    (kind, value), = spec.items()
    if kind == "none" and value is True:
        return None
    if kind == "opaque":
        name = _text(value, 60)
        return opaque(name) if name is not None else unreadable("malformed result")
    if kind == "npy":
        expected = f"{index}.npy" if part is None else f"{index}_{part}.npy"
        if value != expected:
            return unreadable("array of another case")
        return _read_array(folder_fd, expected, budget)
    if kind == "data" and part is None and isinstance(value, dict) and len(value) <= MAX_DATA_KEYS:
        return _data(value, folder_fd, index, budget)
    if kind == "tuple" and part is None and isinstance(value, list) and len(value) <= MAX_PARTS:
        return tuple(_value(v, folder_fd, index, budget, k) for k, v in enumerate(value))
    return unreadable("malformed result")


def _mutated(record: dict) -> tuple[str, ...] | None:
    names = record.get("mutated", [])
    if (isinstance(names, list) and len(names) <= 16
            and all(isinstance(n, str) and len(n) <= 40 and n.isidentifier() or
                    isinstance(n, str) and n.isdigit() and len(n) <= 3 for n in names)):
        return tuple(names)
    return None


def read_case(folder_fd: int, index: int, budget: Budget
              ) -> tuple[bool, Any, BaseException | None, tuple[str, ...]]:
    """Case ``index``'s outcome: (present, value, exception, arguments changed in place).

    ``present`` is False when the sandbox wrote nothing for this case (it crashed or ran out of
    time before). A record in any shape but the three below reads as a returned
    :class:`Unreadable` value, which fails the case.

        {"status": "returned", "value": V, "mutated": [str, ...]}   ("mutated" optional)
        {"status": "raised", "type": str, "kinds": [str, ...], "message": str}
        {"status": "timeout", "message": str}
    """
    raw = read_bytes(folder_fd, f"{index}.json", MAX_RECORD)
    if raw is None:
        return False, None, None, ()
    if not budget.take(len(raw)):
        return True, unreadable("results over the size budget"), None, ()
    record = _json(raw)
    if not isinstance(record, dict):
        return True, unreadable("malformed record"), None, ()
    status = record.get("status")
    if status == "returned" and set(record) in ({"status", "value"},
                                                {"status", "value", "mutated"}):
        changed = _mutated(record)
        if changed is not None:
            return True, _value(record["value"], folder_fd, index, budget, None), None, changed
    if status == "raised" and set(record) == {"status", "type", "kinds", "message"}:
        name, message, kinds = _text(record["type"], 60), _text(record["message"]), record["kinds"]
        if (name is not None and name.isidentifier() and message is not None
                and isinstance(kinds, list) and len(kinds) <= len(KINDS)
                and all(isinstance(k, str) for k in kinds)):
            return True, None, rebuild_exception(name, kinds, message), ()
    if status == "timeout" and set(record) == {"status", "message"}:
        message = _text(record["message"], 200)
        if message is not None:
            return True, None, TimeoutError(message), ()
    return True, unreadable("malformed record"), None, ()


def read_setup(folder_fd: int) -> list[dict]:
    """The errors of the cells run before the calls: [{"where": str, "error": str}], at most
    MAX_SETUP_ERRORS; anything malformed is dropped (it only ever adds words to feedback)."""
    raw = read_bytes(folder_fd, "setup.json", MAX_RECORD)
    if raw is None:
        return []
    try:
        record = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError, UnicodeDecodeError):
        return []
    errors = record.get("errors") if isinstance(record, dict) else None
    if not isinstance(errors, list):
        return []
    out = []
    for item in errors[:MAX_SETUP_ERRORS]:
        if isinstance(item, dict):
            where, error = _text(item.get("where"), 120), _text(item.get("error"))
            if where is not None and error is not None:
                out.append({"where": where, "error": error})
    return out
