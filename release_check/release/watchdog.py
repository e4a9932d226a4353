"""A watchdog that stops the app when the runner dies without tearing it down (SIGKILL, OOM).

The runner forks it before the app, and before any thread exists, so it costs two forks (a few
milliseconds), not an interpreter start. It holds the read end of a pipe whose only writer is the
runner: end of file without a "done" first means the runner is gone. By then the app's
processes have been re-parented away from the runner (to init, or an outer subreaper), so the
watchdog finds them by the marker every one of them inherits in its environment,
RELEASE_CHECK_RUN_ID, a value unique to the run (docs/decisions.md says why this way).

It is forked twice and leaves the runner's session: it is then not the runner's child (the
runner, as a subreaper, knows its tree is gone when it has no child left), and neither a
Ctrl-C nor a signal to the runner's process group reaches it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import time

import psutil

from release_check.release.app import RUN_ID_VARIABLE
from release_check.release.tree import running, stop_tree
from release_check.signals import HANDLED
from release_check.system import SYSTEM

_TEARDOWN, _DONE = b"T", b"D"
WATCHDOG_NAME = b"rc-watchdog"  # as ps shows it
_EXIT_WAIT = 1.0  # it exits within a millisecond of "done"; this bounds a wedged one


def run_id() -> str:
    """A marker no other run shares: the runner's pid and random bits."""
    return f"{os.getpid()}-{os.urandom(6).hex()}"


class Marked:
    """Every running process whose environment carries this run's marker."""

    def __init__(self, marker: str) -> None:
        self._marker = marker

    def processes(self) -> list[psutil.Process]:
        """A scan of every process this user may read."""
        found = []
        for proc in psutil.process_iter():
            with contextlib.suppress(psutil.Error):  # gone, or another user's
                if proc.environ().get(RUN_ID_VARIABLE) == self._marker:
                    found.append(proc)
        return running(found)

    def gone(self) -> bool:
        """No marked process runs any more."""
        return not self.processes()

    def broadcast(self, _signum: int) -> list[psutil.Process]:
        """Marked processes share no group: each is signalled on its own."""
        return []


class Watchdog:
    """The runner's end of the pipe to the watchdog process, and that process's pid."""

    def __init__(self, pipe: int, pid: int) -> None:
        self._pipe: int | None = pipe
        self.pid = pid

    @classmethod
    def start(cls, marker: str, grace: float) -> Watchdog:
        """Fork the watchdog; signals wait until the fork is done, so none lands in a child."""
        read_end, write_end = os.pipe()
        told, tell = os.pipe()  # the middle child reports the watchdog's pid on it
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
        try:
            middle = os.fork()
            if middle == 0:
                os.close(told)
                _detach(read_end, write_end, tell, marker, grace)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        for fd in (read_end, tell):
            os.close(fd)
        pid = int(os.read(told, 32) or b"0")
        os.close(told)
        os.waitpid(middle, 0)
        return cls(write_end, pid)

    def teardown_started(self) -> None:
        """Tell it the SIGTERMs are going out: if the runner dies now, it must not send more."""
        self._send(_TEARDOWN)

    def close(self) -> bool:
        """Tell it the tree is down, and wait for it to exit; False if it has not yet."""
        self._send(_DONE)
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        return _exited(self.pid, _EXIT_WAIT)

    def _send(self, message: bytes) -> None:
        if self._pipe is not None:
            with contextlib.suppress(OSError):  # it was killed: the runner carries on without
                os.write(self._pipe, message)


def _exited(pid: int, timeout: float) -> bool:
    """Wait up to ``timeout`` for ``pid`` (not the runner's child) to exit; 0 was never forked."""
    if pid <= 0:
        return True
    return SYSTEM.wait_exit(pid, timeout)


def _detach(read_end: int, write_end: int, tell: int, marker: str, grace: float) -> None:
    """In the first child: a session of its own, the watchdog forked from it, and exit."""
    try:
        os.close(write_end)
        os.setsid()
        pid = os.fork()
        if pid == 0:
            os.close(tell)
            SYSTEM.name_process(WATCHDOG_NAME)
            _watch(read_end, marker, grace)
        else:
            os.write(tell, str(pid).encode())
    finally:
        os._exit(0)


def _watch(pipe: int, marker: str, grace: float) -> None:
    """In the watchdog: wait for the runner's end; if it did not finish its teardown, finish it."""
    pipe = _settle(pipe)
    done, terminated_at = _wait_for_runner(pipe)
    if done:
        return
    if terminated_at is None:
        stop_tree(Marked(marker), grace)
    else:
        left = grace - (time.monotonic() - terminated_at)
        stop_tree(Marked(marker), max(0.0, left), terminated=True)


def _settle(pipe: int) -> int:
    """Default signal handling, no terminal, nothing inherited held open, no directory pinned.

    Returns the pipe's descriptor, moved above 2 if the runner started with stdio closed.
    """
    for signum in HANDLED:
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, HANDLED)
    if pipe <= 2:
        pipe = fcntl.fcntl(pipe, fcntl.F_DUPFD, 3)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, pipe)
    os.closerange(pipe + 1, os.sysconf("SC_OPEN_MAX"))
    os.chdir("/")
    return pipe


def _wait_for_runner(pipe: int) -> tuple[bool, float | None]:
    """Read until the runner says done (True) or its end closes; when it began its teardown."""
    terminated_at = None
    while True:
        try:
            message = os.read(pipe, 64)
        except OSError:
            message = b""
        if _DONE in message:
            return True, terminated_at
        if _TEARDOWN in message and terminated_at is None:
            terminated_at = time.monotonic()
        if not message:
            return False, terminated_at
