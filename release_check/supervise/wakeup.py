"""What the runner sleeps on: the app's exit (a pidfd on Linux) and each line of its output.

Waking on events instead of a short clock catches a crash the moment it happens, and lets the
socket be probed again as soon as the app logs (most servers log as they bind), while the
fallback interval stays long enough not to steal a core from the app it is booting.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time

from release_check.system import SYSTEM


class Wakeup:
    """A pidfd for the app's exit and a pipe its output pump nudges once per line.

    A nudge not yet taken by the waiter is not written again: an app logging a million lines
    while it boots would otherwise cost a million writes and as many wake-ups of the runner.
    """

    def __init__(self, pid: int) -> None:
        self._exit_fd = SYSTEM.pidfd(pid)
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self._lock = threading.Lock()
        self._closed = False
        self._pending = False

    def nudge(self) -> None:
        """Wake a waiter; never blocks (a full pipe already holds a wake-up)."""
        if self._pending:
            return
        with self._lock:
            if not self._closed:
                self._pending = True
                with contextlib.suppress(OSError):
                    os.write(self._write, b"\0")

    def wait(self, seconds: float, *, output: bool) -> None:
        """Sleep up to ``seconds``; wake when the app exits (and on output, if asked)."""
        fds = [fd for fd in (self._exit_fd, self._read if output else None) if fd is not None]
        if not fds or self._closed:
            time.sleep(seconds)
            return
        try:
            ready, _, _ = select.select(fds, [], [], seconds)
        except (OSError, ValueError):  # closed by the teardown while a check thread waited
            return
        if self._read in ready:
            # Cleared before the read: a line logged meanwhile writes again, or is taken now.
            self._pending = False
            with contextlib.suppress(OSError):
                os.read(self._read, 65536)

    def close(self) -> None:
        """Release the descriptors; later nudges are dropped."""
        with self._lock:
            self._closed = True
            for fd in (self._exit_fd, self._read, self._write):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
