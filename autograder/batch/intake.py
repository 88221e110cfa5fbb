"""Intake: find the submissions of a batch, and refuse bad input one row at a time.

Submissions come as a folder ``<student>/<assignment>/<notebook>.ipynb`` or a zip of one (the
student folders at the top of the zip, or inside one top-level folder). Every anomaly (an unknown
assignment, a notebook that is not a notebook, ...) becomes a :class:`Problem`, which the reports
show as a "not graded" row; the rest of the batch is graded.

The grader runs with the instructor's rights, so the submission folder or zip is hostile input:

* student ids are nbgrader globs that nbgrader also strips of whitespace, so only ids matching
  :data:`ID_PATTERN` (and without ``..``) are graded; anything else is reported and never read;
* nothing follows a link a submission could create: a student folder, assignment folder or
  notebook that is a symbolic link is reported; files are opened with ``O_NOFOLLOW`` and checked
  to be regular files on the opened descriptor, and a non-regular file is never opened;
* every notebook is read within :data:`MAX_NOTEBOOK_BYTES`, and its JSON nesting is checked
  (without recursion) against :data:`MAX_JSON_DEPTH` before anything recursive parses it;
* a zip is extracted member by member within :data:`MAX_ZIP_BYTES` and :data:`MAX_ZIP_MEMBERS`;
  a member that is absolute, escapes with ``..``, is a link or a device, has a name that is not
  UTF-8, is too large or holds more than its header declares is reported and skipped;
* :func:`copy_into_course` writes new regular files only, into real (not linked) folders.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import nbformat

from autograder.course.build import ROOT, find_sources

__all__ = [
    "ID_PATTERN",
    "MAX_JSON_DEPTH",
    "MAX_NOTEBOOK_BYTES",
    "MAX_ZIP_BYTES",
    "MAX_ZIP_MEMBERS",
    "BadInput",
    "BatchResult",
    "GradingError",
    "Problem",
    "Submission",
    "check_notebook_bytes",
    "check_notebook_file",
    "json_nesting_exceeds",
    "copy_into_course",
    "discover",
    "known_notebooks",
    "read_notebook_bytes",
    "unpack",
    "valid_id",
]

#: A gradable student id: no glob characters, no whitespace, no leading ``=``/``-``/``.``.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: Largest notebook read (and largest zip member extracted), in bytes.
MAX_NOTEBOOK_BYTES = 25 * 2**20
#: Largest total uncompressed size a zip may declare, in bytes.
MAX_ZIP_BYTES = 2**30
#: Most members a zip may hold.
MAX_ZIP_MEMBERS = 20_000
#: Deepest path of a zip member that is extracted: [top/]student/assignment/notebook.ipynb.
MAX_ZIP_DEPTH = 4
#: Deepest JSON nesting of a notebook (real notebooks stay below 20).
MAX_JSON_DEPTH = 64

_CHUNK = 2**20
_MAX_CENTRAL_DIR_BYTES_PER_MEMBER = 1024  # bounds the zip index read before it is counted
_SKIPPED_TOP = "__MACOSX"
_READ_FLAGS = (os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY
               | getattr(os, "O_CLOEXEC", 0))
_CREATE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_NOCTTY
                 | getattr(os, "O_CLOEXEC", 0))
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_UNPACKED_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_ZIP_UTF8_FLAG = 0x800
_ZIP_ENCRYPTED_FLAG = 0x1


class GradingError(Exception):
    """The batch cannot be graded at all (for example, the path does not exist)."""


class BadInput(Exception):
    """One submitted file cannot be graded; the message says why (without the path)."""


@dataclass
class Submission:
    """One student's folder for one assignment, found fit to grade by :func:`discover`."""

    student: str  # matches ID_PATTERN
    assignment: str  # a known assignment
    folder: Path  # holds the student's notebooks for this assignment
    #: names of the notebooks in ``folder`` that were checked (known names, regular files)
    notebooks: tuple[str, ...] = ()


@dataclass
class Problem:
    """A "not graded" row: ``path`` names the file (escaped if its name is odd), ``message`` why."""

    path: str
    message: str
    student: str | None = None  # only ever a valid id
    assignment: str | None = None  # only ever a known assignment

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class BatchResult:
    """What :func:`discover` found: submissions to grade and rows not graded."""

    graded: list[Submission] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Submission] = field(default_factory=list)  # graded before, unchanged since


# ----------------------------------------------------------------------------- names


def known_notebooks(course: Path) -> dict[str, set[str]]:
    """assignment -> names of its notebooks, from ``source/``."""
    known: dict[str, set[str]] = {}
    for src in find_sources(course):
        known.setdefault(src.assignment, set()).add(src.path.name)
    return known


def _id_problem(name: str) -> str | None:
    """None if ``name`` is a valid student id, else what is wrong with it."""
    if not name:
        return "it is empty"
    if name != name.strip():
        return "it starts or ends with whitespace"
    if any(c in name for c in "*?[]"):
        return "it contains a glob character (*, ?, [ or ])"
    if ".." in name:
        return "it contains '..'"
    if len(name) > 64:
        return "it is longer than 64 characters"
    if not ("a" <= name[0].lower() <= "z" or "0" <= name[0] <= "9"):
        return "it must start with a letter or a digit"
    if not ID_PATTERN.fullmatch(name):
        return "it may only contain letters, digits, '_', '.' and '-'"
    return None


def valid_id(name: str) -> bool:
    """True if ``name`` may be used as a student id (matches :data:`ID_PATTERN`, no ``..``)."""
    return bool(ID_PATTERN.fullmatch(name)) and ".." not in name


def _show(text: str) -> str:
    """``text`` as is if it is plain, else escaped and quoted so it cannot fake lines or blanks."""
    if text.isprintable() and all(part == part.strip() for part in text.split("/")):
        return text
    return ascii(text)


def _clean(text: str, limit: int = 300) -> str:
    """An untrusted message made printable on one line, cut to ``limit`` characters."""
    shown = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text[:limit])
    return shown if len(shown) <= limit and len(text) <= limit else shown[:limit] + "..."


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def _kind(mode: int) -> str:
    """What a non-regular file is, for a message."""
    for test, what in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return what
    return "not a regular file"


def _not_regular(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "is a symbolic link; not graded"
    return f"is {_kind(mode)}, not a notebook file; not graded"


# ----------------------------------------------------------------------------- notebooks


def read_notebook_bytes(path: Path) -> bytes:
    """The content of the regular file ``path``, at most :data:`MAX_NOTEBOOK_BYTES` long.

    A symbolic link is not followed and a non-regular file (folder, FIFO, socket, device) is never
    opened; the type and size are checked again on the opened descriptor. Raises
    :class:`BadInput` with a message that says what is wrong.
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise BadInput("no such file; not graded") from None
    except OSError as exc:
        raise BadInput(f"cannot be examined ({exc.strerror}); not graded") from None
    if not stat.S_ISREG(mode):
        raise BadInput(_not_regular(mode))
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise BadInput("is a symbolic link; not graded") from None
        raise BadInput(f"cannot be opened ({exc.strerror}); not graded") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise BadInput(_not_regular(st.st_mode))
        if st.st_size > MAX_NOTEBOOK_BYTES:
            raise BadInput(f"is {_mb(st.st_size)}, over the {_mb(MAX_NOTEBOOK_BYTES)} limit "
                           "for a notebook; not graded")
        chunks, left = [], MAX_NOTEBOOK_BYTES + 1
        while left > 0:
            chunk = os.read(fd, min(_CHUNK, left))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise BadInput(f"grew over the {_mb(MAX_NOTEBOOK_BYTES)} limit for a notebook "
                           "while being read; not graded")
        return b"".join(chunks)
    except OSError as exc:
        raise BadInput(f"cannot be read ({exc.strerror}); not graded") from None
    finally:
        os.close(fd)


# JSON strings (possessive: linear), or an unterminated string and everything after it
_JSON_STRINGS = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"|"(?s:.*)')
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


def json_nesting_exceeds(text: str, limit: int) -> bool:
    """True if the JSON ``text`` nests arrays/objects more than ``limit`` deep (no recursion).

    Strings are removed first (an unterminated one cuts the text: JSON parsing stops there), then
    the running depth of the remaining brackets is computed in linear time.
    """
    import numpy as np

    brackets = (_JSON_STRINGS.sub("", text).encode("utf-8", "surrogatepass")
                .translate(_BRACKETS, _NOT_BRACKETS))
    if brackets.count(b"[") <= limit:
        return False
    steps = np.frombuffer(brackets, dtype=np.uint8)
    depth = 0
    for start in range(0, len(steps), 4 * _CHUNK):
        chunk = np.where(steps[start:start + 4 * _CHUNK] == ord("["), 1, -1).astype(np.int32)
        running = np.cumsum(chunk, dtype=np.int64) + depth
        if running.max() > limit:
            return True
        depth = int(running[-1])
    return False


def check_notebook_bytes(raw: bytes) -> str | None:
    """None if ``raw`` is a valid notebook, else what is wrong with it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "not a notebook (not UTF-8 text)"
    if json_nesting_exceeds(text, MAX_JSON_DEPTH):
        return f"not a notebook (JSON nested more than {MAX_JSON_DEPTH} levels deep)"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"broken JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    except RecursionError:
        return "not a notebook (JSON nested too deeply)"
    if not isinstance(data, dict) or "cells" not in data or "nbformat" not in data:
        return "not a notebook (JSON without 'cells' and 'nbformat')"
    try:
        nbformat.validate(nbformat.reads(text, as_version=4))
    except RecursionError:
        return "not a notebook (JSON nested too deeply)"
    except Exception as exc:  # nbformat raises many kinds; any of them means "not valid"
        first = str(exc).splitlines()
        return f"not a valid notebook: {_clean(first[0] if first else type(exc).__name__)}"
    return None


def check_notebook_file(path: Path) -> str | None:
    """None if ``path`` is a readable notebook, else what is wrong with it.

    Built on :func:`read_notebook_bytes`: a symbolic link, a non-regular or oversized file is
    reported, never followed, opened or read whole.
    """
    try:
        raw = read_notebook_bytes(path)
    except BadInput as exc:
        return str(exc)
    return check_notebook_bytes(raw)


# ----------------------------------------------------------------------------- zips


def unpack(submissions: Path, workdir: Path, course: Path = ROOT) -> tuple[Path, list[Problem]]:
    """The folder of student folders, and the problems found while unpacking.

    A folder is returned as is, with no problems. A zip is extracted member by member into a new
    folder of ``workdir`` (see :func:`_extract_zip`); it may hold the student folders at its top
    or inside one top-level folder. Raises :class:`GradingError` only if ``submissions`` does not
    exist, is neither a folder nor a readable zip, or the zip is over :data:`MAX_ZIP_BYTES` or
    :data:`MAX_ZIP_MEMBERS`.
    """
    try:
        mode = os.stat(submissions).st_mode
    except FileNotFoundError:
        raise GradingError(f"{submissions}: no such file or folder") from None
    except OSError as exc:
        raise GradingError(f"{submissions}: cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        return submissions, []
    if not stat.S_ISREG(mode) or not zipfile.is_zipfile(submissions):
        raise GradingError(f"{submissions}: not a folder or a zip file")
    dest = Path(tempfile.mkdtemp(prefix="unzipped-", dir=workdir))
    problems = _extract_zip(submissions, dest)
    return _submissions_root(dest, known_notebooks(course)), problems


def _submissions_root(dest: Path, known: dict[str, set[str]]) -> Path:
    """``dest``, or its single top-level folder if the student folders are inside that one."""
    entries = [e for e in _list_dir(dest)
               if e.is_dir(follow_symlinks=False) and not e.name.startswith((_SKIPPED_TOP, "."))]
    has_students = any(_is_real_dir(Path(e.path) / a) for e in entries for a in known)
    if not has_students and len(entries) == 1:
        return Path(entries[0].path)
    return dest


def _check_zip_index(zip_path: Path) -> None:
    """Refuse a zip whose index announces too many members, before the index is read."""
    end_record = getattr(zipfile, "_EndRecData", None)  # private, but stable since Python 2
    if end_record is None:
        return
    try:
        with open(zip_path, "rb") as fp:
            endrec = end_record(fp)
    except OSError as exc:
        raise GradingError(f"{zip_path}: cannot be read ({exc.strerror})") from None
    if not endrec:
        raise GradingError(f"{zip_path}: not a readable zip file")
    entries, size = endrec[zipfile._ECD_ENTRIES_TOTAL], endrec[zipfile._ECD_SIZE]
    if (entries > MAX_ZIP_MEMBERS
            or size > MAX_ZIP_MEMBERS * _MAX_CENTRAL_DIR_BYTES_PER_MEMBER):
        raise GradingError(f"{zip_path}: the zip announces {entries} members in a "
                           f"{_mb(size)} index, over the limit of {MAX_ZIP_MEMBERS} members; "
                           "nothing extracted")


def _extract_zip(zip_path: Path, dest: Path) -> list[Problem]:
    """Extract ``zip_path`` into the empty folder ``dest``; the members skipped, as problems.

    Budgets are checked before anything is written (member count, total declared size) and while
    writing (each member's real size against its declared size and :data:`MAX_NOTEBOOK_BYTES`).
    Only folders and ``*.ipynb`` files are written (nothing else is ever graded); ``__MACOSX/``
    and dot-files are skipped silently.
    """
    _check_zip_index(zip_path)
    try:
        archive = zipfile.ZipFile(zip_path)
    except Exception as exc:  # BadZipFile, a name flagged UTF-8 that is not, an odd version...
        raise GradingError(f"{zip_path}: not a readable zip file "
                           f"({type(exc).__name__}: {_clean(str(exc))})") from None
    problems: list[Problem] = []
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise GradingError(f"{zip_path}: {len(infos)} members, over the limit of "
                               f"{MAX_ZIP_MEMBERS}; nothing extracted")
        declared = sum(info.file_size for info in infos)
        if declared > MAX_ZIP_BYTES:
            raise GradingError(f"{zip_path}: unpacks to {_mb(declared)}, over the "
                               f"{_mb(MAX_ZIP_BYTES)} limit for a zip; nothing extracted")
        for info in infos:
            label, reason = _extract_member(archive, info, dest)
            if reason:
                problems.append(Problem(_show(f"{zip_path}:{label}"), reason))
    return problems


def _member_parts(info: zipfile.ZipInfo) -> tuple[str, list[str] | None, str | None, bool]:
    """(label, path parts, reason, is a folder) of one member.

    ``parts`` is None when the member is not extracted: with a reason to report it, or without
    one to skip it silently (``__MACOSX/``, dot-files).
    """
    if info.flag_bits & _ZIP_UTF8_FLAG:
        raw = info.orig_filename.encode("utf-8", "surrogatepass")
    else:  # zipfile decoded the bytes as cp437, which maps every byte: recover them
        raw = info.orig_filename.encode("cp437")
    label = raw.decode("utf-8", "backslashreplace")
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        return label, None, "member name is not valid UTF-8; not extracted", False
    if "\x00" in name:
        return label, None, "member name contains a NUL byte; not extracted", False
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"[A-Za-z]:/", name):
        return label, None, "member has an absolute path; not extracted", False
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        return label, None, "member path escapes the folder with '..'; not extracted", False
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return label, None, "member is a symbolic link; not extracted", False
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        return label, None, f"member is {_kind(mode)}; not extracted", False
    if not parts or parts[0] == _SKIPPED_TOP or any(p.startswith(".") for p in parts):
        return label, None, None, False
    return label, parts, None, name.endswith("/") or stat.S_ISDIR(mode)


def _extract_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo,
                    dest: Path) -> tuple[str, str | None]:
    """Extract one member into ``dest``: (label, None) if done or skipped silently, else the
    reason it was not extracted. Errors of the disk (not of the zip) raise GradingError."""
    label, parts, reason, is_dir = _member_parts(info)
    if parts is None:
        return label, reason
    if is_dir or not parts[-1].endswith(".ipynb"):
        return label, None  # only notebooks are ever graded: nothing else is written
    if len(parts) > MAX_ZIP_DEPTH:
        # [top/]student/assignment/notebook.ipynb: deeper members are never graded, and their
        # folders alone could fill the disk with inodes
        return label, (f"member is {len(parts)} folders deep; a submission is at most "
                       f"{MAX_ZIP_DEPTH} (top/student/assignment/notebook.ipynb); not extracted")
    folder = dest.joinpath(*parts[:-1])
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return label, f"member cannot be extracted ({exc.strerror}); not extracted"
    if info.file_size > MAX_NOTEBOOK_BYTES:
        return label, (f"member unpacks to {_mb(info.file_size)}, over the "
                       f"{_mb(MAX_NOTEBOOK_BYTES)} limit for a notebook; not extracted")
    if info.flag_bits & _ZIP_ENCRYPTED_FLAG:
        return label, "member is encrypted; not extracted"
    if info.compress_type not in _UNPACKED_METHODS:
        # zipfile inflates bzip2/LZMA data without an output bound: a few kB can fill memory
        return label, (f"member uses compression method {info.compress_type}; only "
                       f"{' and '.join(_UNPACKED_METHODS.values())} members are unpacked; "
                       "not extracted")
    target = folder / parts[-1]
    try:
        fd = os.open(target, _CREATE_FLAGS, 0o644)
    except FileExistsError:
        return label, "member appears twice in the zip; not extracted"
    except OSError as exc:
        return label, f"member cannot be extracted ({exc.strerror}); not extracted"
    reason = None
    try:
        with os.fdopen(fd, "wb") as out:
            reason = _copy_member(archive, info, out)
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise GradingError(f"cannot write {target}: {exc.strerror}") from None
    if reason:
        target.unlink(missing_ok=True)
    return label, reason


def _open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    """The decompressed data of one member (a seam for tests of lying headers)."""
    return archive.open(info)


def _copy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, out: IO[bytes]) -> str | None:
    """Copy one member's data to ``out``, counting the real bytes; None or why it failed.

    Errors reading the zip are this member's (a reason is returned); errors writing ``out``
    propagate (OSError).
    """
    limit = min(info.file_size, MAX_NOTEBOOK_BYTES)
    try:
        src = _open_member(archive, info)
    except Exception as exc:  # zip data is hostile: any decoder error is this member's only
        return f"member is corrupt ({type(exc).__name__}: {_clean(str(exc))}); not extracted"
    written = 0
    with src:
        while True:
            try:
                chunk = src.read(_CHUNK)
            except Exception as exc:  # bad CRC, bad deflate stream, truncated zip...
                return (f"member is corrupt ({type(exc).__name__}: {_clean(str(exc))}); "
                        "not extracted")
            if not chunk:
                return None
            written += len(chunk)
            if written > limit:
                return (f"member holds more data than its header declares "
                        f"({info.file_size} bytes); not extracted")
            out.write(chunk)


# ----------------------------------------------------------------------------- discovery


def _list_dir(path: Path | str) -> list[os.DirEntry[str]]:
    """The entries of ``path`` sorted by name (their types come from lstat: links not followed)."""
    with os.scandir(path) as it:
        return sorted(it, key=lambda e: e.name)


def _is_real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def discover(folder: Path, course: Path) -> BatchResult:
    """Find ``<student>/<assignment>/<notebook>.ipynb``; every anomaly becomes a Problem.

    A student folder must be a real folder whose name passes :func:`valid_id`; an assignment
    folder must be a real folder named after a known assignment; a notebook must be a regular
    file with a known name that passes :func:`check_notebook_file`. A symbolic link anywhere, or
    a ``*.ipynb`` that is not a regular file, stops that submission with a Problem row. Nothing
    under a rejected name is read. One student's bad input never stops the others.
    """
    known = known_notebooks(course)
    result = BatchResult()
    try:
        entries = _list_dir(folder)
    except OSError as exc:
        result.problems.append(Problem(_show(str(folder)),
                                       f"cannot be listed ({exc.strerror}); nothing graded"))
        return result
    found = False
    for entry in entries:
        name, path = entry.name, folder / entry.name
        if name.startswith(".") or name == _SKIPPED_TOP:
            continue
        if entry.is_symlink():
            found = True
            result.problems.append(Problem(_show(str(path)), "is a symbolic link; not graded",
                                           student=name if valid_id(name) else None))
            continue
        if not entry.is_dir(follow_symlinks=False):
            continue  # loose files beside the student folders are ignored
        found = True
        reason = _id_problem(name)
        if reason or not valid_id(name):
            result.problems.append(Problem(
                _show(str(path)), f"folder name {name!r} is not a valid student id "
                f"({reason or 'it does not match ID_PATTERN'}); not graded"))
            continue
        try:
            graded, problems = _discover_student(path, name, known)
        except Exception as exc:  # one student's folder must never stop the batch
            graded, problems = [], [Problem(
                _show(str(path)), f"cannot be examined ({type(exc).__name__}: "
                f"{_clean(str(exc))}); not graded", student=name)]
        result.graded.extend(graded)
        result.problems.extend(problems)
    if not found:
        result.problems.append(Problem(_show(str(folder)), "no student folders found "
                                       "(expected <student>/<assignment>/<notebook>.ipynb)"))
    return result


def _discover_student(student_dir: Path, student: str,
                      known: dict[str, set[str]]) -> tuple[list[Submission], list[Problem]]:
    """The submissions and problems of one (valid, real) student folder."""
    graded: list[Submission] = []
    problems: list[Problem] = []
    assignments = []
    for entry in _list_dir(student_dir):
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            problems.append(Problem(_show(entry.path), "is a symbolic link; not graded", student,
                                    entry.name if entry.name in known else None))
        elif entry.is_dir(follow_symlinks=False):
            assignments.append(entry)
    if not assignments and not problems:
        problems.append(Problem(_show(str(student_dir)), "no assignment folder with a notebook",
                                student=student))
    for adir in assignments:
        assignment = adir.name
        if assignment not in known:
            problems.append(Problem(
                _show(adir.path), f"unknown assignment {assignment!r} "
                f"(known: {', '.join(sorted(known))})", student=student,
                assignment=assignment if valid_id(assignment) else None))
            continue
        sub, found = _discover_assignment(Path(adir.path), student, assignment, known[assignment])
        problems.extend(found)
        if sub:
            graded.append(sub)
    return graded, problems


def _discover_assignment(adir: Path, student: str, assignment: str,
                         names: set[str]) -> tuple[Submission | None, list[Problem]]:
    """The submission in one (real, known) assignment folder, if fit to grade, and its problems.

    Every ``*.ipynb`` entry is looked at (as the glob did before, dot-files included): one that
    is a link or not a regular file stops the submission, one with an unexpected name is only
    reported, one with a known name must be a valid notebook.
    """
    problems: list[Problem] = []
    notebooks = [e for e in _list_dir(adir) if e.name.endswith(".ipynb")]
    if not notebooks:
        return None, [Problem(_show(str(adir)), "no notebook (.ipynb) in this folder",
                              student, assignment)]
    usable, good = True, []
    for entry in notebooks:
        path = _show(entry.path)
        if entry.name not in names:
            if entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                usable = False
                problems.append(Problem(path, _not_regular(entry.stat(follow_symlinks=False)
                                                           .st_mode), student, assignment))
            else:
                problems.append(Problem(path, f"unexpected notebook name; {assignment} expects "
                                        f"{', '.join(sorted(names))}", student, assignment))
            continue
        issue = check_notebook_file(Path(entry.path))
        if issue:
            usable = False
            problems.append(Problem(path, issue, student, assignment))
        else:
            good.append(entry.name)
    if usable and good:
        return Submission(student, assignment, adir, tuple(good)), problems
    return None, problems


# ----------------------------------------------------------------------------- copying


@contextmanager
def _real_dir(name: str, parent_fd: int, shown: Path, create: bool) -> Iterator[int]:
    """An fd of the folder ``name`` in ``parent_fd``, which must be a real folder (not a link).

    Created (mode 0o755) if missing and ``create``; else GradingError naming ``shown``.
    """
    try:
        st = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
    except FileNotFoundError:
        if not create:
            raise GradingError(f"{shown}: no such folder") from None
        try:
            os.mkdir(name, 0o755, dir_fd=parent_fd)
        except FileExistsError:
            pass
        st = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
    if not stat.S_ISDIR(st.st_mode):
        raise GradingError(f"{shown}: is {_kind(st.st_mode)}, not a real folder; "
                           "refusing to write submissions through it")
    try:
        fd = os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
    except OSError as exc:
        raise GradingError(f"{shown}: cannot be opened as a real folder ({exc.strerror}); "
                           "refusing to write submissions through it") from None
    try:
        yield fd
    finally:
        os.close(fd)


def copy_into_course(sub: Submission, course: Path) -> None:
    """Copy the notebooks of ``sub`` into ``course/submitted/<student>/<assignment>/``.

    Only regular files with the assignment's known notebook names are copied, read with
    :func:`read_notebook_bytes` (no link followed) before anything is removed. The destination
    folder is removed (``shutil.rmtree``, which does not follow links) and written anew with new
    files (``O_CREAT|O_EXCL|O_NOFOLLOW``, mode 0o644). ``submitted``, the student folder and the
    assignment folder must be real folders, not links (they are created if missing); anything
    else raises GradingError naming the path, and nothing is written.
    """
    known = known_notebooks(course)
    if sub.assignment not in known:
        raise GradingError(f"{sub.assignment!r}: not an assignment of {course}")
    if not valid_id(sub.student):
        raise GradingError(f"{sub.student!r}: not a valid student id")
    if not _is_real_dir(sub.folder):
        raise GradingError(f"{_show(str(sub.folder))}: not a real folder (or a symbolic link)")
    names = set(sub.notebooks) & known[sub.assignment] if sub.notebooks else known[sub.assignment]
    contents: dict[str, tuple[bytes, os.stat_result]] = {}
    for name in sorted(names):
        path = sub.folder / name
        try:
            os.lstat(path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise GradingError(f"{_show(str(path))}: cannot be examined ({exc.strerror})") from None
        try:
            contents[name] = (read_notebook_bytes(path), os.lstat(path))
        except BadInput as exc:
            raise GradingError(f"{_show(str(path))}: {exc}") from None
    if not contents:
        raise GradingError(f"{_show(str(sub.folder))}: no notebook to copy")
    submitted = course / "submitted"
    course_fd = os.open(course, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        with (_real_dir("submitted", course_fd, submitted, create=True) as sub_fd,
              _real_dir(sub.student, sub_fd, submitted / sub.student, create=True) as student_fd):
            dest = submitted / sub.student / sub.assignment
            try:
                st = os.stat(sub.assignment, dir_fd=student_fd, follow_symlinks=False)
            except FileNotFoundError:
                pass
            else:
                if not stat.S_ISDIR(st.st_mode):
                    raise GradingError(f"{dest}: is {_kind(st.st_mode)}, not a real folder; "
                                       "refusing to write submissions through it")
                shutil.rmtree(sub.assignment, dir_fd=student_fd)
            with _real_dir(sub.assignment, student_fd, dest, create=True) as dest_fd:
                for name, (data, src_st) in contents.items():
                    _write_new(name, dest_fd, data, src_st)
    finally:
        os.close(course_fd)


def _write_new(name: str, dir_fd: int, data: bytes, src_st: os.stat_result) -> None:
    """Write ``data`` to a new file ``name`` of ``dir_fd`` (mode 0o644, the source's times)."""
    fd = os.open(name, _CREATE_FLAGS, 0o644, dir_fd=dir_fd)
    try:
        os.fchmod(fd, 0o644)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.utime(fd, ns=(src_st.st_atime_ns, src_st.st_mtime_ns))
    finally:
        os.close(fd)
