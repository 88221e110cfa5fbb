"""Intake against hostile submissions: every attack is planted as a student would plant it.

Each test puts one bad input beside a good submission (alice) in the same batch, and checks that
the bad input gets its own "not graded" row naming it while alice is still found, ready to grade.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import stat
import struct
import threading
import zipfile
from pathlib import Path

import pytest

from autograder.batch import intake
from autograder.batch.intake import (
    MAX_NOTEBOOK_BYTES,
    BatchResult,
    GradingError,
    Problem,
    Submission,
    check_notebook_file,
    copy_into_course,
    discover,
    unpack,
    valid_id,
)

ROOT = Path(__file__).resolve().parent.parent
A = "01_convolution"
NB = f"{A}.ipynb"
GOOD = (ROOT / "notebooks" / A / NB).read_bytes()
SOURCE_NB = ROOT / "source" / A / NB


# ----------------------------------------------------------------------------- helpers


def plant(folder: Path, student: str, data: bytes = GOOD, assignment: str = A,
          name: str = NB) -> Path:
    """``folder/<student>/<assignment>/<name>`` holding ``data``; returns the notebook path."""
    path = folder / student / assignment / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    """A submissions folder holding one good submission, alice's."""
    folder = tmp_path / "batch"
    plant(folder, "alice")
    return folder


def graded(result: BatchResult) -> list[tuple[str, str]]:
    return [(s.student, s.assignment) for s in result.graded]


def only_problem(problems: list[Problem], path: str | Path) -> Problem:
    """The single problem whose path is ``path``; fails if there is none or more than one."""
    found = [p for p in problems if p.path == str(path)]
    assert len(found) == 1, f"no single problem for {path!r} in {problems}"
    return found[0]


def assert_alice_ready(result: BatchResult) -> None:
    assert graded(result) == [("alice", A)], result
    assert all(p.student != "alice" for p in result.problems), result.problems


@pytest.fixture
def small_course(tmp_path: Path) -> Path:
    """A course folder with the sources and the nbgrader config (what intake needs)."""
    course = tmp_path / "course"
    shutil.copytree(ROOT / "source", course / "source")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    return course


# ----------------------------------------------------------------------------- student ids


def test_valid_id_accepts_honest_ids_and_nothing_glob_like():
    for name in ("alice", "Bob42", "a.b-c_d", "0x", "j" * 64):
        assert valid_id(name), name
    for name in ("mallory ", " mallory", "*", "a?b", "[x]", "=1+1", "-rf", "a..b", "j" * 65,
                 "", "_x", ".x", "eve\n", "jos\u00e9", "a b"):
        assert not valid_id(name), name


@pytest.mark.parametrize("name, reason", [
    ("mallory ", "whitespace"),  # nbgrader strips it: would overwrite mallory's scores
    ("*", "glob"),
    ("a?b", "glob"),
    ("[x]", "glob"),
    ('=HYPERLINK("x";"y")', "start with a letter"),  # CSV injection
    ("eve\nNOT GRADED fake: row", "only contain"),
])
def test_invalid_student_id_is_refused_and_never_read(batch, monkeypatch, name, reason):
    plant(batch, "mallory")  # the student a glob or a stripped name would reach
    bad = plant(batch, name).parent.parent
    touched: list[str] = []
    for fn in ("scandir", "open", "lstat", "stat"):
        real = getattr(os, fn)

        def spy(path, *args, _real=real, **kwargs):
            touched.append(os.fsdecode(path) if isinstance(path, (str, bytes, Path)) else "")
            return _real(path, *args, **kwargs)

        monkeypatch.setattr(os, fn, spy)
    result = discover(batch, ROOT)
    monkeypatch.undo()
    problem = only_problem(result.problems, intake._show(str(bad)))
    assert problem.student is None and problem.assignment is None
    assert "not a valid student id" in problem.message and reason in problem.message
    assert "not graded" in problem.message
    assert "\n" not in str(problem)
    assert graded(result) == [("alice", A), ("mallory", A)]
    assert not [t for t in touched if t.startswith(str(bad))], "a rejected folder was read"


# ----------------------------------------------------------------------------- links


def test_symlinked_notebook_to_a_real_notebook_is_refused(batch):
    link = batch / "mallory" / A / NB
    link.parent.mkdir(parents=True)
    link.symlink_to(SOURCE_NB)  # the instructor's solution: full marks if followed
    result = discover(batch, ROOT)
    problem = only_problem(result.problems, link)
    assert problem.message == "is a symbolic link; not graded"
    assert problem.student == "mallory"
    assert_alice_ready(result)


def test_symlinked_student_folder_is_refused(batch, tmp_path):
    outside = tmp_path / "outside"
    plant(outside, "x")
    (batch / "mallory").symlink_to(outside / "x")
    result = discover(batch, ROOT)
    assert only_problem(result.problems, batch / "mallory").message == \
        "is a symbolic link; not graded"
    assert_alice_ready(result)


def test_symlinked_assignment_folder_is_refused(batch, tmp_path):
    outside = plant(tmp_path / "outside", "x").parent
    (batch / "mallory").mkdir()
    (batch / "mallory" / A).symlink_to(outside)
    result = discover(batch, ROOT)
    assert only_problem(result.problems, batch / "mallory" / A).message == \
        "is a symbolic link; not graded"
    assert_alice_ready(result)


def test_link_to_a_device_beside_the_notebook_stops_the_submission(batch):
    # a hash of every *.ipynb of the folder would read /dev/zero forever
    plant(batch, "mallory")
    (batch / "mallory" / A / "extra.ipynb").symlink_to("/dev/zero")
    result = discover(batch, ROOT)
    problem = only_problem(result.problems, batch / "mallory" / A / "extra.ipynb")
    assert problem.message == "is a symbolic link; not graded"
    assert_alice_ready(result)


# ----------------------------------------------------------------------------- special files


def test_fifo_named_like_the_notebook_does_not_hang(batch):
    fifo = batch / "mallory" / A / NB
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    out: dict[str, BatchResult] = {}
    worker = threading.Thread(target=lambda: out.setdefault("r", discover(batch, ROOT)),
                              daemon=True)
    worker.start()
    worker.join(timeout=5)
    if worker.is_alive():  # unblock the reader, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("discover hangs on a FIFO named like the notebook")
    result = out["r"]
    problem = only_problem(result.problems, fifo)
    assert "named pipe" in problem.message and "not graded" in problem.message
    assert_alice_ready(result)


def test_socket_named_like_the_notebook_is_refused(batch, monkeypatch):
    adir = batch / "mallory" / A
    adir.mkdir(parents=True)
    monkeypatch.chdir(adir)  # a relative name keeps within the 108 bytes of a socket path
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(NB)
        result = discover(batch, ROOT)
    problem = only_problem(result.problems, adir / NB)
    assert "is a socket" in problem.message
    assert_alice_ready(result)


def test_folder_named_like_the_notebook_is_refused(batch):
    (batch / "mallory" / A / NB).mkdir(parents=True)
    result = discover(batch, ROOT)
    problem = only_problem(result.problems, batch / "mallory" / A / NB)
    assert problem.message == "is a folder, not a notebook file; not graded"
    assert_alice_ready(result)


# ----------------------------------------------------------------------------- contents


def test_deeply_nested_json_is_refused(batch):
    bad = plant(batch, "mallory", b"[" * 100_000)
    result = discover(batch, ROOT)
    problem = only_problem(result.problems, bad)
    assert "nested more than 64 levels" in problem.message
    assert_alice_ready(result)


def test_recursion_error_of_the_parser_is_a_problem_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.setattr(intake, "MAX_JSON_DEPTH", 10**9)  # let the depth scan pass it
    bad = tmp_path / NB
    bad.write_bytes(b"[" * 100_000)
    assert check_notebook_file(bad) == "not a notebook (JSON nested too deeply)"


def test_honest_nesting_is_accepted():
    deep_but_fine = '{"cells": [], "nbformat": 4, "x": ' + "[" * 60 + "]" * 60 + ', "s": "' \
        + "[" * 500 + '"}'
    assert not intake.json_nesting_exceeds(deep_but_fine, 64)
    assert intake.json_nesting_exceeds("[" * 65 + "]" * 65, 64)


def test_non_utf8_notebook_is_refused(batch):
    bad = plant(batch, "mallory", b'{"cells": [], "x": "\xff\xfe"}')
    result = discover(batch, ROOT)
    assert only_problem(result.problems, bad).message == "not a notebook (not UTF-8 text)"
    assert_alice_ready(result)


def test_oversized_notebook_is_refused_without_reading_it(batch, monkeypatch):
    bad = plant(batch, "mallory", b"")
    with bad.open("r+b") as fh:
        fh.truncate(30 * 2**20)  # sparse: nothing is written
    read: list[int] = []
    real_read = os.read

    def counting_read(fd: int, n: int) -> bytes:
        data = real_read(fd, n)
        read.append(len(data))
        return data

    monkeypatch.setattr(os, "read", counting_read)
    result = discover(batch, ROOT)
    problem = only_problem(result.problems, bad)
    assert "30.0 MB, over the 25.0 MB limit" in problem.message
    assert sum(read) <= len(GOOD) + 2**20, "the oversized file was read"
    assert_alice_ready(result)


# ----------------------------------------------------------------------------- copy_into_course


def test_copy_into_course_writes_new_regular_files(batch, small_course):
    (batch / "alice" / A / "notes.ipynb").write_bytes(GOOD)  # not a known name: not copied
    (batch / "alice" / A / "data.txt").write_text("x")
    stale = small_course / "submitted" / "alice" / A / "old.ipynb"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    plant(batch, "bob")  # no submitted/bob yet: created
    subs = discover(batch, small_course).graded
    assert [s.student for s in subs] == ["alice", "bob"]
    for sub in subs:
        copy_into_course(sub, small_course)
    for student in ("alice", "bob"):
        dest = small_course / "submitted" / student / A
        assert sorted(p.name for p in dest.iterdir()) == [NB]
        assert (dest / NB).read_bytes() == GOOD
        assert stat.S_ISREG(os.lstat(dest / NB).st_mode)
        assert stat.S_IMODE(os.lstat(dest / NB).st_mode) == 0o644


@pytest.mark.parametrize("planted", ["submitted", "submitted/alice", f"submitted/alice/{A}"])
def test_copy_into_course_refuses_a_planted_symlink(batch, small_course, tmp_path, planted):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    link = small_course / planted
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside)
    sub = Submission("alice", A, batch / "alice" / A)
    with pytest.raises(GradingError) as err:
        copy_into_course(sub, small_course)
    assert str(link) in str(err.value) and "symbolic link" in str(err.value)
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"], "written through a link"


def test_copy_into_course_refuses_a_symlinked_notebook(batch, small_course):
    link = batch / "mallory" / A / NB
    link.parent.mkdir(parents=True)
    link.symlink_to(SOURCE_NB)
    previous = plant(small_course / "submitted", "mallory", b"{}")
    with pytest.raises(GradingError, match="symbolic link"):
        copy_into_course(Submission("mallory", A, link.parent), small_course)
    assert previous.read_bytes() == b"{}", "the previous submission was removed or overwritten"


# ----------------------------------------------------------------------------- zips


def zip_with_alice(path: Path, prefix: str = "") -> zipfile.ZipFile:
    """A zip open for writing that already holds alice's good submission."""
    zf = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
    zf.writestr(f"{prefix}alice/{A}/{NB}", GOOD)
    return zf


def unpack_and_discover(archive: Path, work: Path) -> tuple[list[Problem], BatchResult]:
    work.mkdir(exist_ok=True)
    folder, problems = unpack(archive, work, ROOT)
    return problems, discover(folder, ROOT)


def patch_sizes(data: bytes, name: str, file_size: int, local: bool = True) -> bytes:
    """The zip ``data`` with the uncompressed size of member ``name`` rewritten in its headers."""
    buf, raw, pos = bytearray(data), name.encode(), 0
    while (pos := buf.find(b"PK\x01\x02", pos)) != -1:
        name_len, = struct.unpack_from("<H", buf, pos + 28)
        if buf[pos + 46:pos + 46 + name_len] == raw:
            struct.pack_into("<I", buf, pos + 24, file_size)
            if local:
                header, = struct.unpack_from("<I", buf, pos + 42)
                struct.pack_into("<I", buf, header + 22, file_size)
        pos += 4
    return bytes(buf)


@pytest.mark.parametrize("prefix", ["", "submissions/"])
def test_honest_zip_is_unpacked(tmp_path, prefix):
    archive = tmp_path / "subs.zip"
    with zip_with_alice(archive, prefix) as zf:
        zf.writestr(f"{prefix}bob/", b"")
        zf.writestr(f"{prefix}bob/{A}/{NB}", GOOD)
        zf.writestr(f"{prefix}bob/{A}/data.csv", b"1,2\n")
        zf.writestr(f"__MACOSX/{prefix}bob/{A}/._{NB}", b"\x00\x05\x16\x07")
        zf.writestr(f"{prefix}bob/.DS_Store", b"\x00")
        zf.writestr("README.txt", b"hello")
    problems, result = unpack_and_discover(archive, tmp_path / "work")
    assert problems == [] and result.problems == []
    assert graded(result) == [("alice", A), ("bob", A)]
    assert (result.graded[1].folder / NB).read_bytes() == GOOD


def _symlink_member(zf: zipfile.ZipFile, name: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    zf.writestr(info, f"../../../../{SOURCE_NB.relative_to(ROOT)}")


def _fifo_member(zf: zipfile.ZipFile, name: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFIFO | 0o644) << 16
    zf.writestr(info, b"")


@pytest.mark.parametrize("member, write, message", [
    ("../evil.ipynb", None, "escapes the folder with '..'"),
    (f"alice/../../evil2/{NB}", None, "escapes the folder with '..'"),
    ("/abs.ipynb", None, "absolute path"),
    (f"mallory/{A}/{NB}", _symlink_member, "member is a symbolic link"),
    (f"mallory/{A}/{NB}", _fifo_member, "member is a named pipe"),
    (f"mallory/{A}/{NB}", "bzip2", "compression method 12"),
])
def test_hostile_zip_member_is_skipped_and_reported(tmp_path, member, write, message):
    archive = tmp_path / "subs.zip"
    with zip_with_alice(archive) as zf:
        if write == "bzip2":  # zipfile inflates bzip2 without bounding the output
            zf.writestr(member, GOOD, compress_type=zipfile.ZIP_BZIP2)
        elif write:
            write(zf, member)
        else:
            zf.writestr(member, GOOD)
    problems, result = unpack_and_discover(archive, tmp_path / "work")
    problem = only_problem(problems, f"{archive}:{member}")
    assert message in problem.message and "not extracted" in problem.message
    assert not list(tmp_path.rglob("*evil*")), "a member was written outside the folder"
    assert not any(p.is_symlink() for p in (tmp_path / "work").rglob("*"))
    assert not list((tmp_path / "work").glob(f"*/mallory/{A}/{NB}"))
    assert_alice_ready(result)


def test_zip_member_name_not_utf8_is_reported(tmp_path):
    archive = tmp_path / "subs.zip"
    with zip_with_alice(archive) as zf:
        zf.writestr(f"mallory/{A}/QQ.ipynb", GOOD)
    data = archive.read_bytes()
    assert data.count(b"QQ.ipynb") == 2  # local and central headers, no UTF-8 flag (ASCII)
    archive.write_bytes(data.replace(b"QQ.ipynb", b"\xff\xfe.ipynb"))
    problems, result = unpack_and_discover(archive, tmp_path / "work")
    problem = only_problem(problems, f"{archive}:mallory/{A}/\\xff\\xfe.ipynb")
    assert problem.message == "member name is not valid UTF-8; not extracted"
    assert_alice_ready(result)


def test_zip_bomb_member_is_skipped_before_it_is_inflated(tmp_path):
    archive = tmp_path / "bomb.zip"
    member = f"mallory/{A}/{NB}"
    with zip_with_alice(archive) as zf:
        info = zipfile.ZipInfo(member)
        info.compress_type = zipfile.ZIP_DEFLATED
        zeros = bytes(2**20)
        with zf.open(info, "w") as fh:
            for _ in range(200):  # 200 MB of zeros: about 200 kB compressed
                fh.write(zeros)
    assert archive.stat().st_size < 2**20
    problems, result = unpack_and_discover(archive, tmp_path / "work")
    problem = only_problem(problems, f"{archive}:{member}")
    assert "200.0 MB, over the 25.0 MB limit" in problem.message
    assert not list((tmp_path / "work").glob(f"*/mallory/{A}/{NB}"))
    assert_alice_ready(result)


def test_zip_header_that_under_declares_the_size_is_reported(tmp_path):
    archive = tmp_path / "subs.zip"
    member = f"mallory/{A}/{NB}"
    with zip_with_alice(archive) as zf:
        zf.writestr(member, GOOD + b" " * 2**20, compress_type=zipfile.ZIP_STORED)
    archive.write_bytes(patch_sizes(archive.read_bytes(), member, 100))
    problems, result = unpack_and_discover(archive, tmp_path / "work")
    problem = only_problem(problems, f"{archive}:{member}")
    assert "member is corrupt" in problem.message
    assert not list((tmp_path / "work").glob(f"*/mallory/{A}/{NB}"))
    assert_alice_ready(result)


def test_zip_member_with_more_data_than_declared_is_cut_and_reported(tmp_path, monkeypatch):
    # zipfile itself stops at the declared size; the byte count must not rely on it
    archive = tmp_path / "subs.zip"
    member = f"mallory/{A}/{NB}"
    with zip_with_alice(archive) as zf:
        zf.writestr(member, GOOD)
    real_open = intake._open_member

    def lying_open(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
        if info.filename == member:
            return io.BytesIO(b" " * (5 * 2**20))
        return real_open(zf, info)

    monkeypatch.setattr(intake, "_open_member", lying_open)
    problems, result = unpack_and_discover(archive, tmp_path / "work")
    problem = only_problem(problems, f"{archive}:{member}")
    assert "more data than its header declares" in problem.message
    assert not list((tmp_path / "work").glob(f"*/mallory/{A}/{NB}"))
    assert_alice_ready(result)


def test_zip_declaring_more_than_the_budget_is_refused_before_extraction(tmp_path):
    archive = tmp_path / "subs.zip"
    member = f"mallory/{A}/{NB}"
    with zip_with_alice(archive) as zf:
        zf.writestr(member, GOOD)
    archive.write_bytes(patch_sizes(archive.read_bytes(), member, 0x7FFF_FFFF, local=False))
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(GradingError, match="over the 1024.0 MB limit for a zip"):
        unpack(archive, work, ROOT)
    assert not [p for p in work.rglob("*") if p.is_file()], "extracted before the budget check"


def test_zip_with_too_many_members_is_refused(tmp_path):
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(intake.MAX_ZIP_MEMBERS + 1):
            zf.writestr(f"alice/{i}", b"")
    with pytest.raises(GradingError, match="20000 members"):
        unpack(archive, tmp_path, ROOT)


def test_unpack_refuses_what_is_neither_folder_nor_zip(tmp_path):
    with pytest.raises(GradingError, match="no such file or folder"):
        unpack(tmp_path / "missing", tmp_path, ROOT)
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(GradingError, match="not a folder or a zip file"):
        unpack(tmp_path / "x.txt", tmp_path, ROOT)
    os.mkfifo(tmp_path / "pipe")  # must not be opened (it would block)
    with pytest.raises(GradingError, match="not a folder or a zip file"):
        unpack(tmp_path / "pipe", tmp_path, ROOT)
    assert unpack(tmp_path, tmp_path, ROOT) == (tmp_path, [])


def test_a_notebook_at_the_size_limit_is_still_read(tmp_path):
    path = tmp_path / NB
    path.write_bytes(GOOD + b" " * (MAX_NOTEBOOK_BYTES - len(GOOD)))
    assert check_notebook_file(path) is None


def test_deep_folders_in_a_zip_are_never_created(tmp_path):
    # a small zip of deep folder entries would otherwise create tens of thousands of folders
    from autograder.batch.intake import MAX_ZIP_DEPTH, unpack

    archive = tmp_path / "deep.zip"
    nb = (ROOT / "notebooks" / "01_convolution" / "01_convolution.ipynb").read_bytes()
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(50):
            zf.writestr(f"d{i:05d}/" + "a/" * 200, b"")
        zf.writestr("deep/" + "b/" * 10 + "x.ipynb", nb)
        zf.writestr("alice/01_convolution/01_convolution.ipynb", nb)
    (tmp_path / "work").mkdir()
    folder, problems = unpack(archive, tmp_path / "work", ROOT)
    made = [p for p in (tmp_path / "work").rglob("*") if p.is_dir()]
    assert len(made) <= 10, len(made)
    assert (folder / "alice" / "01_convolution" / "01_convolution.ipynb").is_file()
    assert any("folders deep" in p.message for p in problems) and MAX_ZIP_DEPTH == 4


# nbgrader's autograde when a cell times out: its log as nbgrader's capture_log returns it (a
# traceback's lines indented), then its error (the traceback of its own NbGraderException, whose
# message only points back at the log)
TIMEOUT_LOG = """[INFO] Autograding /c/autograded/s/01_convolution/01_convolution.ipynb
[ERROR] Kernel died while waiting for execute reply.
[ERROR] There was an error processing assignment: /c/submitted/s/01_convolution
[ERROR] Traceback (most recent call last):
      File "/v/nbgrader/converters/base.py", line 390, in convert_notebooks
        self.convert_single_notebook(notebook_filename)
      File "/v/nbclient/client.py", line 801, in _async_poll_for_reply
        raise CellTimeoutError.error_from_timeout_and_cell(
    nbclient.exceptions.CellTimeoutError: A cell timed out while it was being executed, after 40 seconds.
    The message was: Cell execution timed out.
    Here is a preview of the cell contents:
    -------------------
    ValueError: written by the student to be taken for the reason
    -------------------
            x = 1
    Forged: a line after a deeper one, and after a fake end of the preview
    -------------------
[WARNING] Removing failed assignment: /c/autograded/s/01_convolution
[ERROR] There was an error processing assignment '01_convolution' for student 's'
[ERROR] Please see the the above traceback for details on the specific errors on the above failures.
"""
# a submission that renamed its test cells: a chain of exceptions, the last one is the cause
CHAINED_LOG = """[WARNING] Cell with id 'corr2d' exists multiple times!
[ERROR] There was an error processing assignment: /c/submitted/s/01_convolution
[ERROR] Traceback (most recent call last):
      File "/v/sqlalchemy/orm/query.py", line 2870, in one
        return self._iter().one()
               ^^^^^^^^^^^^^^^^^^
    sqlalchemy.exc.NoResultFound: No row was found when one was required
    During handling of the above exception, another exception occurred:
    Traceback (most recent call last):
      File "/v/nbgrader/api.py", line 2011, in find_grade_cell
        raise MissingEntry("No such grade cell: %s/%s/%s" % (assignment, notebook, name))
    nbgrader.api.MissingEntry: No such grade cell: 01_convolution/01_convolution/corr2d
[ERROR] There was an error processing assignment '01_convolution' for student 's'
[ERROR] Please see the the above traceback for details on the specific errors on the above failures.
"""
NBGRADER_ERROR = """Traceback (most recent call last):
  File "/v/nbgrader/apps/api.py", line 1042, in autograde
    app.start()
nbgrader.converters.base.NbGraderException: Please see the the above traceback for details on the specific errors on the above failures.
"""


@pytest.mark.parametrize("log, error, reason", [
    (TIMEOUT_LOG, NBGRADER_ERROR,
     "CellTimeoutError: A cell timed out while it was being executed, after 40 seconds."),
    (CHAINED_LOG, NBGRADER_ERROR,
     "MissingEntry: No such grade cell: 01_convolution/01_convolution/corr2d"),
    ("[AutogradeApp | ERROR] While processing assignment a, the kernel became unresponsive and "
     "we could not interrupt it.", NBGRADER_ERROR, "the kernel became unresponsive"),
    (None, "the grading worker died (killed by signal 9); grade it again",
     "the grading worker died (killed by signal 9); grade it again"),
    (None, "ValueError: first line\nsecond line", "ValueError: first line"),
    (None, NBGRADER_ERROR, "app.start()"),
    (None, None, "?"),
])
def test_a_failure_is_named_by_its_cause_not_by_nbgraders_pointer(log, error, reason):
    from autograder.batch.run import _reason

    got = _reason(log, error)
    assert got.startswith(reason) and len(got) <= 200, got
    assert "Please see" not in got
