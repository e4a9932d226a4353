"""Collect the runner's exited children as they exit, so no zombie piles up while a run goes on.

With a subreaper, every orphan of the app becomes the runner's child, and its exit status waits
to be collected: an app that forks short-lived helpers would otherwise leave thousands of
zombies until teardown. A root's status belongs to its ``Popen`` (the verdict names its exit
code), so exits are peeked at with WNOWAIT and each root is reaped through ``Popen.poll``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from collections.abc import Callable, Sequence

_BUSY = 0.001  # another thread is inside Popen.poll for the root: it is about to reap it
_HAS_WAITID = hasattr(os, "waitid")


def _next_exit(*, block: bool) -> int | None:
    """The pid of a child that has exited (still unreaped), None if none has; ECHILD if no child."""
    if not _HAS_WAITID:
        raise ChildProcessError
    flags = os.WEXITED | os.WNOWAIT | (0 if block else os.WNOHANG)
    exited = os.waitid(os.P_ALL, 0, flags)
    return None if exited is None else exited.si_pid


def _collect(pid: int, roots: Sequence[subprocess.Popen[bytes]]) -> None:
    root = next((root for root in roots if root.pid == pid), None)
    if root is not None:
        if root.poll() is None:
            time.sleep(_BUSY)
        return
    with contextlib.suppress(ChildProcessError):  # another thread collected it first
        os.waitpid(pid, os.WNOHANG)


def reap_exited(roots: Sequence[subprocess.Popen[bytes]]) -> bool:
    """Reap every child that has exited; False once the runner has no child left at all.

    For a subreaper, no child left means no descendant left: the whole tree is gone, as the
    kernel, not a snapshot of /proc, tells.
    """
    while True:
        try:
            pid = _next_exit(block=False)
        except ChildProcessError:
            return False
        if pid is None:
            return True
        _collect(pid, roots)


class Reaper:
    """A thread that sleeps in waitid until a child exits, reaps it, and ends with the last one."""

    def __init__(self, roots: Sequence[subprocess.Popen[bytes]]) -> None:
        self._roots = list(roots)
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="reaper", daemon=True)

    def spawn(self, start: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        """Start one more root while the reaper runs; its exit status stays its Popen's.

        The reaper holds off meanwhile: a root that exits before it is known would otherwise
        be reaped as an orphan, and its Popen would read exit status 0 whatever it was.
        """
        with self._lock:
            root = start()
            self._roots.append(root)
            return root

    def start(self) -> None:
        """Begin reaping."""
        self._thread.start()

    def _run(self) -> None:
        with contextlib.suppress(ChildProcessError):
            while True:
                pid = _next_exit(block=True)
                if pid is not None:
                    with self._lock:
                        _collect(pid, self._roots)

    def join(self, timeout: float) -> bool:
        """Wait for the thread, which ends once no child is left; False if it is still waiting."""
        self._thread.join(timeout)
        return not self._thread.is_alive()
