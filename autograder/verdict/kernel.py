"""The kernel that executes a submission for its outputs and figures (feedback only, no points).

nbgrader executes each submitted notebook so that formgrader and the feedback show the student's
outputs and figures. That kernel runs student code, so it runs in the same bubblewrap sandbox
as the trusted verdict (:mod:`autograder.verdict.sandbox`), with:

* only the student-side modules staged: no ``solutions/``, no checks, no hidden tests (the
  hidden regions of the test cells are removed before execution, see
  :class:`autograder.batch.plugins.StripHiddenTests`); its outputs never decide a point;
* a private, empty working folder: nothing it writes comes back to the grader's folders, so it
  cannot plant links that nbgrader or the feedback would follow;
* a wall-clock budget for the whole notebook (``execute_seconds``), after which the kernel's
  whole process tree is killed;
* Unix sockets (IPC transport) in a folder shared with the sandbox, since the sandbox has no
  network, loopback included; inbound messages larger than ``max_message_bytes`` are refused;
* matplotlib's inline backend, so figures come back as PNG outputs that the feedback shows.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import Float, Integer, Unicode

from autograder.verdict.sandbox import Limits, chown_tree, command, limiter, new_uid
from autograder.verdict.sandbox import stage_student_modules as stage


class BoundedKernelClient(AsyncKernelClient):
    """A kernel client that refuses any single message over ``max_message_bytes`` and queues at
    most ``queued_messages`` unread ones (a kernel that floods its output loses the excess
    instead of filling the grader's memory)."""

    max_message_bytes = Integer(8 * 1024 * 1024).tag(config=True)
    queued_messages = Integer(64).tag(config=True)

    def _create_connected_socket(self, channel, identity=None):
        original = self.context.socket

        def bounded_socket(socket_type, *args, **kwargs):
            sock = original(socket_type, *args, **kwargs)
            sock.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)
            sock.setsockopt(zmq.RCVHWM, self.queued_messages)
            return sock

        self.context.socket = bounded_socket  # options set before the socket connects
        try:
            return super()._create_connected_socket(channel, identity)
        finally:
            del self.context.socket


class SandboxedKernelManager(AsyncKernelManager):
    """A Jupyter kernel started inside bwrap (nbgrader uses it when ``Execute.kernel_manager_class``
    names it; ``grade`` sets this)."""

    execute_seconds = Float(300.0, help="wall-clock budget of the whole notebook").tag(config=True)
    box_parent = Unicode("", help="folder for the kernel's box (removed by the grader after the "
                         "submission, whatever happens to the kernel)").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.client_class = "autograder.verdict.kernel.BoundedKernelClient"
        self._box = Path(tempfile.mkdtemp(prefix="kernel-box-", dir=self.box_parent or None))
        self._uid = new_uid()
        self._timer: threading.Timer | None = None
        self.transport = "ipc"
        self.ip = str(self._box / "ipc")
        self.connection_file = str(self._box / "kernel.json")

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw):
        kw.pop("cwd", None)  # nbgrader's autograded folder: never given to student code
        work = self._box / "work"  # the host side stays empty: the kernel's folder is in memory
        work.mkdir(exist_ok=True)
        staged = stage(self._box / "staged")
        chown_tree(self._box, self._uid)
        limits = Limits(wall_seconds=self.execute_seconds)
        cmd = limiter(limits) + command(kernel_cmd, work, self._uid, staged=staged,
                                        extra_rw=(self._box,), new_session=False,
                                        scratch_mb=256, env=kernel_env())
        kw["env"] = None
        kw["stdout"] = subprocess.DEVNULL  # ipykernel's banner; outputs travel over the sockets
        kw["stderr"] = subprocess.DEVNULL  # its warnings are not the grader's
        kw["start_new_session"] = True  # a process group of its own, killed as one
        provisioner = await super()._async_launch_kernel(cmd, cwd=str(work), **kw)
        pid = getattr(getattr(self.provisioner, "process", None), "pid", None)
        if pid:
            self._timer = threading.Timer(self.execute_seconds, _kill_group, (pid,))
            self._timer.daemon = True
            self._timer.start()
        return provisioner

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            if self._timer is not None:
                self._timer.cancel()
            shutil.rmtree(self._box, ignore_errors=True)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        # the kernel runs the venv's Python whatever the kernelspec says
        if cmd and Path(cmd[0]).name.startswith("python"):
            cmd[0] = sys.executable
        return cmd


def kernel_env() -> dict[str, str]:
    """What the kernel's environment adds to the sandbox's: figures as inline PNG outputs (the
    feedback shows them; the sandbox's default backend, Agg, would keep them), and nbgrader's
    ``NBGRADER_EXECUTION`` when nbgrader is executing (the test cells then fail on stubs as
    under nbgrader's own kernels, see autograder.checks.notebook)."""
    env = {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    if os.environ.get("NBGRADER_EXECUTION"):
        env["NBGRADER_EXECUTION"] = os.environ["NBGRADER_EXECUTION"]
    return env


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
