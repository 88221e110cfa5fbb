"""Run untrusted code in a bubblewrap (``bwrap``) sandbox.

What the sandbox sees and may do:

- a read-only system (``/usr``, the Python installation and the virtual environment), a private
  ``/tmp`` and ``/dev``, and one writable folder (the submission's working copy);
- nothing of the course: not ``solutions/``, ``source/``, the hidden tests, ``gradebook.db`` or
  other students' submissions; only the student-side packages (``coursekit``,
  ``autograder.checks.feedback``, the sandbox runner) staged read-only in ``/opt/course``;
- no network (own network namespace), its own process tree (PID namespace), an empty
  environment (``--clearenv``), a user id of its own that is not root;
- limits: address space, CPU seconds, number of processes (per user id, so a fork bomb is
  bounded and cannot starve another sandbox), file size, and a wall-clock timeout after which
  the whole process tree is killed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

INSTALL_HINT = (
    "bubblewrap (bwrap) is not installed, so submissions cannot be graded in a sandbox. "
    "Install it with `sudo apt-get install bubblewrap` (Debian, Ubuntu) or "
    "`sudo dnf install bubblewrap` (Fedora), or pass --no-sandbox to grade without it "
    "(then code in a submission can read the reference, change its results and harm the batch).")

NO_SANDBOX_WARNING = (
    "WARNING: graded with --no-sandbox: the verdict ran without bubblewrap, so code in a "
    "submission could read the reference, change its own results and harm this machine.")

# The student-side modules the sandbox may import (no reference, no hidden tests).
STAGED = ("coursekit", "autograder/__init__.py", "autograder/checks/__init__.py",
          "autograder/checks/feedback.py", "autograder/checks/notebook.py",
          "autograder/checks/probes.py",
          "autograder/verdict/__init__.py", "autograder/verdict/runner.py")


class SandboxUnavailable(RuntimeError):
    """bwrap is missing or does not work here."""


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 6144  # address space per process (PyTorch reserves a lot of it)
    cpu_seconds: int = 600  # CPU time per process
    processes: int = 128  # processes and threads of the sandbox's user id
    file_mb: int = 256  # largest file it may write
    wall_seconds: float = 60.0  # one exercise's sandbox, then everything is killed
    case_seconds: float = 10.0  # one call of the answer (honest calls take milliseconds)
    # a submission's trusted verdict in total: base + per_exercise x its number of exercises
    # (honest submissions take 1-4 s per exercise); when it runs out, the exercises not yet
    # graded get 0 and the submission is flagged
    submission_base: float = 60.0
    submission_per_exercise: float = 10.0
    # executing a notebook for its outputs and figures (feedback only, no points); 0: twice
    # the runtime budget its source declares (60 s, or 180 s for a training notebook)
    execute_seconds: float = 0.0

    def submission_seconds(self, n_exercises: int) -> float:
        return self.submission_base + self.submission_per_exercise * n_exercises


@dataclass
class Outcome:
    returncode: int | None
    timed_out: bool
    stdout: str
    stderr: str


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def require_bwrap() -> str:
    path = bwrap_path()
    if path is None:
        raise SandboxUnavailable(INSTALL_HINT)
    return path


def _python_paths() -> tuple[Path, Path]:
    """(the base Python installation, the virtual environment)."""
    return Path(sys.base_prefix).resolve(), Path(sys.prefix)


def _dirs_with_parents(paths: list[Path]) -> list[str]:
    """bwrap arguments creating every ancestor of ``paths`` world-readable (0755): bwrap would
    create them 0700, which a non-root user id cannot traverse."""
    made: set[Path] = set()
    args: list[str] = []
    for path in paths:
        for parent in reversed(path.parents):
            if parent == Path("/") or parent in made:
                continue
            made.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def stage_student_modules(dest: Path, items: tuple[str, ...] = STAGED) -> Path:
    """Copy the student-side modules into ``dest/course`` (bound read-only as /opt/course)."""
    course = dest / "course"
    for item in items:
        src = ROOT / item
        target = course / item
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, target)
    for path in [course, *course.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return course


def new_uid() -> int:
    """A user id of its own for each sandbox (no account needed): its process limit is its own."""
    return 200_000 + secrets.randbelow(800_000)


def chown_tree(path: Path, uid: int) -> None:
    for p in [path, *path.rglob("*")]:
        os.lchown(p, uid, uid)


def command(argv: list[str], workdir: Path, uid: int, *, staged: Path | None = None,
            extra_ro: tuple[Path, ...] = (), extra_rw: tuple[Path, ...] = (),
            binds: tuple[tuple[str, Path, str], ...] = (),
            env: dict[str, str] | None = None, cwd: str = "/work/submission",
            new_session: bool = True, zygote: bool = False, tmp_mb: int = 512,
            scratch_mb: int = 0) -> list[str]:
    """The bwrap command line running ``argv`` as ``uid`` with ``workdir`` at /work/submission.

    ``binds``: more folders, each ``("ro" or "rw", host path, path inside)``.
    ``tmp_mb``: size of the in-memory /tmp. ``scratch_mb``: if set, /work/submission is an
    in-memory folder of that size instead of ``workdir`` (nothing written there comes back).
    ``zygote``: run ``argv`` as root inside the sandbox with only the capabilities to give each
    child a user id of its own (CAP_SETUID, CAP_SETGID) and to stop it (CAP_KILL); the runner
    drops them in every child before any student code runs (see autograder.verdict.runner)."""
    base, venv = _python_paths()
    ro = [base, venv, *extra_ro]
    args = [require_bwrap(), "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--ro-bind", "/usr", "/usr"]
    if new_session:
        args.insert(1, "--new-session")
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        target = Path("/") / name
        if target.is_symlink():
            args += ["--symlink", os.readlink(target), str(target)]
        elif target.is_dir():
            args += ["--ro-bind", str(target), str(target)]
    # /etc itself world-traversable (bwrap would create it 0700, closed to the sandbox's user
    # id): fontconfig must reach /etc/fonts, or matplotlib's font scan prints "Fontconfig error"
    args += ["--perms", "0755", "--dir", "/etc"]
    for etc in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "fonts",
                "localtime", "nsswitch.conf"):
        if (Path("/etc") / etc).exists():
            args += ["--ro-bind", f"/etc/{etc}", f"/etc/{etc}"]
    # /tmp lives in memory: bounded, so it cannot fill the grader's RAM
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777",
             "--size", str(tmp_mb * 1024 * 1024), "--tmpfs", "/tmp"]
    args += _dirs_with_parents([*ro, *extra_rw, Path("/work/submission"), Path("/opt/course"),
                                *(Path(inside) for _, _, inside in binds)])
    for path in ro:
        args += ["--ro-bind", str(path), str(path)]
    for path in extra_rw:
        args += ["--bind", str(path), str(path)]
    if staged is not None:
        args += ["--ro-bind", str(staged), "/opt/course"]
    for mode, host, inside in binds:
        args += ["--ro-bind" if mode == "ro" else "--bind", str(host), inside]
    if scratch_mb:
        args += ["--perms", "1777", "--size", str(scratch_mb * 1024 * 1024), "--tmpfs",
                 "/work/submission", "--chdir", cwd, "--clearenv"]
    else:
        args += ["--bind", str(workdir), "/work/submission", "--chdir", cwd, "--clearenv"]
    environment = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
        "PYTHONPATH": "/opt/course", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1", "XDG_CACHE_HOME": "/tmp/.cache", **(env or {})}
    for key, value in environment.items():
        args += ["--setenv", key, value]
    if zygote:
        return args + ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                       "--cap-add", "CAP_KILL", "--", *argv]
    setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
    return args + ["--", setpriv, "--reuid", str(uid), "--regid", str(uid), "--clear-groups",
                   "--inh-caps=-all", "--no-new-privs", *argv]


def limiter(limits: Limits) -> list[str]:
    """The command prefix that sets the resource limits (inherited by bwrap and everything
    inside): util-linux's ``prlimit``, which sets them on itself and then execs the rest.

    Not a ``preexec_fn``: Python code between fork and exec can deadlock the child when the
    grader has threads (a Dask worker does), and the parent's Popen then waits forever."""
    mem = limits.memory_mb * 1024 * 1024
    size = limits.file_mb * 1024 * 1024
    prlimit = shutil.which("prlimit") or "/usr/bin/prlimit"
    return [prlimit, f"--as={mem}:{mem}", f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 5}",
            f"--nproc={limits.processes}:{limits.processes}", f"--fsize={size}:{size}",
            "--core=0:0", "--"]


def run(argv: list[str], workdir: Path, *, limits: Limits | None = None, uid: int | None = None,
        staged: Path | None = None, env: dict[str, str] | None = None,
        binds: tuple[tuple[str, Path, str], ...] = (), max_output: int = 200_000,
        zygote: bool = False) -> Outcome:
    """Run ``argv`` in a fresh sandbox; ``workdir`` (chowned to the sandbox's user) is writable.

    Never raises for anything the code inside does: a crash is a return code, a hang is
    ``timed_out``. Output is read from files outside the sandbox, at most ``max_output`` bytes.
    """
    limits = limits or Limits()
    uid = new_uid() if uid is None else uid
    if not zygote:  # a zygote's folders are prepared by the caller, one user id per child
        chown_tree(workdir, uid)
        for mode, host, _ in binds:
            if mode == "rw":
                chown_tree(host, uid)
    cmd = command(argv, workdir, uid, staged=staged, env=env, binds=binds, zygote=zygote)
    with tempfile.TemporaryDirectory(prefix="sandbox-log-") as logs:
        out_path, err_path = Path(logs) / "stdout", Path(logs) / "stderr"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(limiter(limits) + cmd, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=err, start_new_session=True)
            timed_out = False
            try:
                proc.wait(timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                kill_group(proc)
        return Outcome(None if timed_out else proc.returncode, timed_out,
                       _head(out_path, max_output), _head(err_path, max_output))


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _head(path: Path, limit: int) -> str:
    with open(path, "rb") as fh:
        return fh.read(limit).decode("utf-8", "replace")


def selftest() -> dict:
    """Check that bwrap works here: runs Python inside and reports what it can see."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        code = ("import json, os, socket\n"
                "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2); net = True\n"
                "except OSError:\n    net = False\n"
                "print(json.dumps({'uid': os.getuid(), 'net': net, 'course': "
                f"os.path.exists({str(ROOT / 'solutions')!r})}}))")
        outcome = run([sys.executable, "-c", code], work, limits=Limits(wall_seconds=60))
        if outcome.returncode != 0:
            raise SandboxUnavailable(f"bwrap does not work here: {outcome.stderr.strip()[-500:]}")
        return json.loads(outcome.stdout.strip().splitlines()[-1])
