"""A watchdog that stops the app when the runner dies without tearing it down (SIGKILL, OOM).

The runner forks it before the app, and before any thread exists, so it costs two forks (a few
milliseconds), not an interpreter start. It holds the read end of a pipe whose only writer is the
runner: end of file without a "done" first means the runner is gone. By then the app's
processes have been re-parented away from the runner (to init, or an outer subreaper), so the
watchdog finds them by the marker every one of them inherits in its environment,
RELEASE_CHECK_RUN_ID, a value unique to the run (docs/decisions.md says why this way). A process
that overwrote its environment (setproctitle, ``exec env -i``) has lost the marker, so the
runner also tells the watchdog what it sees as it sees it: each root's session, and the pids of
the tree with their start times (a pid reused since is not taken for the app's).

The watchdog also keeps the run's deadline: a runner that is still not done by then (frozen by
a SIGSTOP from the app) has its app stopped for it, and is sent SIGCONT to report the failure.
A runner found stopped at the deadline is acted for at once; one still running may only be slow
on a loaded machine, and is given a margin first.

It is forked twice and leaves the runner's session: it is then not the runner's child (the
runner, as a subreaper, knows its tree is gone when it has no child left), and neither a
Ctrl-C nor a signal to the runner's process group reaches it.
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import os
import select
import signal
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import psutil

from release_check.signals import HANDLED
from release_check.supervise.app import RUN_ID_VARIABLE
from release_check.supervise.tree import running, stop_tree
from release_check.system import SYSTEM

_TEARDOWN, _DONE, _PID, _SESSION = b"T", b"D", b"P", b"S"
_SAME_START = 0.05  # seconds: psutil's start times of one process agree far closer than this
WATCHDOG_NAME = b"rc-watchdog"  # as ps shows it
_EXIT_WAIT = 1.0  # it exits within a millisecond of "done"; this bounds a wedged one
_RUNNING_MARGIN = 10.0  # past the deadline, for a runner that is running, not stopped


def run_id() -> str:
    """A marker no other run shares: the runner's pid and random bits."""
    return f"{os.getpid()}-{os.urandom(6).hex()}"


class Handed:
    """What the runner told the watchdog: pids and sessions, each with the time it started."""

    def __init__(self) -> None:
        self.pids: dict[int, float] = {}
        self.sessions: dict[int, float] = {}

    def take(self, line: bytes) -> None:
        """Note one ``P pid start`` or ``S sid start`` line; anything else is not for it."""
        kind, _, rest = line.partition(b" ")
        number, _, start = rest.partition(b" ")
        with contextlib.suppress(ValueError):
            into = {_PID: self.pids, _SESSION: self.sessions}.get(kind)
            if into is not None:
                into[int(number)] = float(start)

    def holds(self, proc: psutil.Process) -> bool:
        """Whether ``proc`` is one the runner saw, or was started in one of its sessions since."""
        started = proc.create_time()
        seen = self.pids.get(proc.pid)
        if seen is not None and abs(seen - started) < _SAME_START:
            return True
        try:
            since = self.sessions.get(os.getsid(proc.pid))
        except OSError:
            return False
        return since is not None and started >= since - _SAME_START


class Marked:
    """Every running process carrying this run's marker, or handed over by the runner."""

    def __init__(self, marker: str, handed: Handed | None = None) -> None:
        self._marker = marker
        self._handed = handed or Handed()

    def processes(self) -> list[psutil.Process]:
        """A scan of every process this user may read."""
        found = []
        for proc in psutil.process_iter():
            with contextlib.suppress(psutil.Error):  # gone, or another user's
                if self._handed.holds(proc) or self._marked(proc):
                    found.append(proc)
        return running(found)

    def _marked(self, proc: psutil.Process) -> bool:
        return proc.environ().get(RUN_ID_VARIABLE) == self._marker

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
        self._told: set[tuple[int, float]] = set()
        self._lock = threading.Lock()  # the tree watcher tells pids while the runner tells more

    @classmethod
    def start(cls, marker: str, grace: float, limit: float = math.inf) -> Watchdog:
        """Fork the watchdog; signals wait until the fork is done, so none lands in a child.

        ``limit`` is how long the runner may take, teardown included: past it, the watchdog
        stops the app itself.
        """
        read_end, write_end = os.pipe()
        told, tell = os.pipe()  # the middle child reports the watchdog's pid on it
        runner = os.getpid()
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
        try:
            middle = os.fork()
            if middle == 0:
                os.close(told)
                _detach(read_end, write_end, tell, _Duty(marker, grace, runner, limit))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        for fd in (read_end, tell):
            os.close(fd)
        os.set_blocking(write_end, False)  # a watchdog that stopped reading never blocks us
        pid = int(os.read(told, 32) or b"0")
        os.close(told)
        os.waitpid(middle, 0)
        return cls(write_end, pid)

    def session(self, pid: int) -> None:
        """Tell it a root spawned in a session of its own: whatever starts in it is the app's."""
        started = _start_time(pid)
        if started is not None:
            self._send(b"%s %d %r\n" % (_SESSION, pid, started))

    def saw(self, procs: Iterable[psutil.Process]) -> None:
        """Tell it the app's processes the runner sees, those not told before."""
        lines = []
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                known = (proc.pid, proc.create_time())
                if known not in self._told:
                    self._told.add(known)
                    lines.append(b"%s %d %r\n" % (_PID, *known))
        if lines:
            self._send(b"".join(lines))

    def teardown_started(self) -> None:
        """Tell it the SIGTERMs are going out: if the runner dies now, it must not send more."""
        self._send(_TEARDOWN + b"\n")

    def close(self) -> bool:
        """Tell it the tree is down, and wait for it to exit; False if it has not yet."""
        self._send(_DONE + b"\n")
        with self._lock:
            if self._pipe is not None:
                os.close(self._pipe)
                self._pipe = None
        return _exited(self.pid, _EXIT_WAIT)

    def _send(self, message: bytes) -> None:
        with self._lock:
            if self._pipe is not None:
                with contextlib.suppress(OSError):  # it was killed: the runner carries on without
                    os.write(self._pipe, message)


def _start_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


@dataclass(frozen=True)
class _Duty:
    """What the watchdog is forked to do: whose processes, what grace, whose deadline."""

    marker: str
    grace: float
    runner: int
    limit: float


def _exited(pid: int, timeout: float) -> bool:
    """Wait up to ``timeout`` for ``pid`` (not the runner's child) to exit; 0 was never forked."""
    if pid <= 0:
        return True
    return SYSTEM.wait_exit(pid, timeout)


def _detach(read_end: int, write_end: int, tell: int, duty: _Duty) -> None:
    """In the first child: a session of its own, the watchdog forked from it, and exit."""
    try:
        os.close(write_end)
        os.setsid()
        pid = os.fork()
        if pid == 0:
            os.close(tell)
            SYSTEM.name_process(WATCHDOG_NAME)
            _watch(read_end, duty)
        else:
            os.write(tell, str(pid).encode())
    finally:
        os._exit(0)


def _watch(pipe: int, duty: _Duty) -> None:
    """In the watchdog: wait for the runner's end; if it did not finish its teardown, finish it.

    A runner past its deadline is alive but stuck (stopped by a signal): the app is stopped
    for it, and a SIGCONT lets it report the failure.
    """
    deadline = _Deadline(duty.runner, duty.limit)
    pipe = _settle(pipe)
    handed = Handed()
    ending = _wait_for_runner(pipe, handed, deadline)
    if ending.done:
        return
    scope = Marked(duty.marker, handed)
    if ending.terminated_at is None:
        stop_tree(scope, duty.grace)
    else:
        left = duty.grace - (time.monotonic() - ending.terminated_at)
        stop_tree(scope, max(0.0, left), terminated=True)
    if ending.overdue:
        with contextlib.suppress(OSError):
            os.kill(duty.runner, signal.SIGCONT)


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


@dataclass
class _Ending:
    """How the wait for the runner ended, and when it began its teardown, if it did."""

    done: bool = False
    overdue: bool = False
    terminated_at: float | None = None


class _Deadline:
    """The run's deadline: kept as it is for a stopped runner, a margin later for a running one."""

    def __init__(self, runner: int, limit: float) -> None:
        self._runner = runner
        self._at = time.monotonic() + limit
        self._margin_given = False

    def left(self) -> float:
        """Seconds left; the margin is added once, if the runner is running at the deadline."""
        left = self._at - time.monotonic()
        if left <= 0 and not self._margin_given and not _stopped(self._runner):
            self._margin_given = True
            self._at += _RUNNING_MARGIN
            left += _RUNNING_MARGIN
        return left


def _stopped(pid: int) -> bool:
    """Whether ``pid`` is stopped by a signal (a gone runner is told by its pipe instead)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_STOPPED
    except psutil.Error:
        return False


def _wait_for_runner(pipe: int, handed: Handed, deadline: _Deadline) -> _Ending:
    """Read until the runner says done, its end closes, or its deadline passes."""
    ending, pending = _Ending(), b""
    while True:
        left = deadline.left()
        if left <= 0:
            ending.overdue = True
            return ending
        ready, _, _ = select.select([pipe], [], [], None if math.isinf(left) else left)
        if not ready:
            continue
        chunk = _read(pipe)
        if not chunk:
            return ending
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            _take(line, ending, handed)
        if ending.done:
            return ending


def _read(pipe: int) -> bytes:
    try:
        return os.read(pipe, 65536)
    except OSError:
        return b""


def _take(line: bytes, ending: _Ending, handed: Handed) -> None:
    if line == _DONE:
        ending.done = True
    elif line == _TEARDOWN and ending.terminated_at is None:
        ending.terminated_at = time.monotonic()
    else:
        handed.take(line)
