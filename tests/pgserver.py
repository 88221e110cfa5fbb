"""A throwaway PostgreSQL server for the tests: a real cluster, never a mock.

:func:`pg_server` (session scope: one server per pytest process, so each pytest-xdist worker
starts its own) runs ``initdb`` and ``pg_ctl`` in a private temporary folder, listens on a free
loopback port with its socket in that folder, and is stopped and removed afterwards, whether
the tests passed or not. :func:`pg_url` gives each test a fresh database on it.

initdb refuses to run as root, so as root the server runs as Debian's ``postgres`` user (or
``nobody``), through ``setpriv`` (or ``runuser``); as anyone else it runs as that user.
Where PostgreSQL is not installed the tests that use it skip, saying how to install it.

Import the fixtures into a test module: ``from pgserver import pg_server, pg_url``.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

SKIP_REASON = "PostgreSQL's initdb/pg_ctl not found: apt-get install postgresql"
USER = "grader"  # the cluster's superuser, who logs in with PASSWORD over TCP
PASSWORD = "s3cret-for-tests"


def pg_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: ``$PG_BINDIR``, then Debian's
    ``/usr/lib/postgresql/<version>/bin`` (newest version first), then PATH; None if absent."""
    candidates = [os.environ.get("PG_BINDIR", "")]

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.split("/")[-2]))

    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for folder in candidates:
        if folder and all(os.access(Path(folder) / tool, os.X_OK) for tool in ("initdb", "pg_ctl")):
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One running cluster: its binaries, folder, port, and the user the server runs as."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    self.as_user = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
            if self.as_user is None:
                raise RuntimeError("running as root, and there is no 'postgres' or 'nobody' user "
                                   "to run PostgreSQL as (initdb refuses root)")
        # /tmp itself, not pytest's 0700 folder: the server's user must reach its own folder
        self.folder = Path(tempfile.mkdtemp(prefix="pgtest-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = 0
        if self.as_user is not None:
            os.chown(self.folder, self.as_user.pw_uid, self.as_user.pw_gid)
        os.chmod(self.folder, 0o700)

    # -- running the tools as the server's user
    def _cmd(self, tool: str, *args: str) -> list[str]:
        cmd = [str(self.bindir / tool), *args]
        if self.as_user is None:
            return cmd
        setpriv = shutil.which("setpriv")
        if setpriv:
            return [setpriv, f"--reuid={self.as_user.pw_uid}", f"--regid={self.as_user.pw_gid}",
                    "--clear-groups", "--", *cmd]
        return ["runuser", "-u", self.as_user.pw_name, "--", *cmd]

    def _run(self, tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        env = dict(os.environ, LC_ALL="C", LANG="C", PGTZ="UTC")
        if self.as_user is not None:
            env["HOME"] = str(self.folder)
        return subprocess.run(self._cmd(tool, *args), capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=self.folder, stdin=subprocess.DEVNULL)

    def start(self) -> None:
        """initdb, then start the server on a free loopback port (three tries: another process
        may take the port between choosing and binding it)."""
        pwfile = self.folder / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.as_user is not None:
            os.chown(pwfile, self.as_user.pw_uid, self.as_user.pw_gid)
        init = self._run("initdb", "-D", str(self.data), "-U", USER, f"--pwfile={pwfile}",
                         "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                         "--locale=C", "--no-sync")
        pwfile.unlink()
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
        for _ in range(3):
            self.port = _free_port()
            options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                       f"-c unix_socket_directories={self.folder} -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
            started = self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data),
                                "-l", str(self.log), "-o", options)
            if started.returncode == 0:
                return
        log = self.log.read_text(errors="replace")[-800:] if self.log.exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()}\n{log}")

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        """A SQLAlchemy URL of ``database`` on this server, over TCP with a password."""
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):
        """A psycopg connection (autocommit) to ``database``."""
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=USER, password=PASSWORD,
                               dbname=database, connect_timeout=10, autocommit=True)

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database (a fresh name unless given); returns its name."""
        name = name or f"gb_{uuid.uuid4().hex[:12]}"
        con = self.connect()
        try:
            with con.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            con.close()
        return name

    def stop(self) -> None:
        """Stop the server (immediately: it holds nothing worth keeping) and remove its folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                stopped = self._run("pg_ctl", "stop", "-m", "immediate", "-w", "-t", "30",
                                    "-D", str(self.data), timeout=60)
                if stopped.returncode != 0:
                    self._kill()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _kill(self) -> None:
        """The postmaster's process group, by the pid this cluster wrote (pg_ctl failed)."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGQUIT)
            for _ in range(50):
                os.kill(pid, 0)
                time.sleep(0.1)
        except (OSError, ValueError, IndexError):
            pass


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A running PostgreSQL server for this pytest process; skips if PostgreSQL is absent."""
    bindir = pg_bindir()
    if bindir is None:
        pytest.skip(SKIP_REASON)
    server = PgServer(bindir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """The URL of a new, empty database on :func:`pg_server`, for one test."""
    return pg_server.url(pg_server.create_database())
