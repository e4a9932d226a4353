"""The threads started for one run's checks, kept so the run can wait for all of them.

An attempt's request thread may be abandoned at its deadline, and a check thread may still be
in its last attempt when another check ends the run: the run must outlast them before it closes
the HTTP client and the wake-ups they use.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Workers:
    """Every thread started (or adopted) for a run's checks, until it ends."""

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def _keep(self, thread: threading.Thread) -> None:
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def start(self, target: Callable[[], None], name: str) -> threading.Thread:
        """Start a daemon thread that is waited for at the end of the run."""
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._keep(thread)
        thread.start()
        return thread

    def adopt(self) -> None:
        """Keep the calling thread (a pool's initializer: it runs before any of its work)."""
        self._keep(threading.current_thread())

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds in all; True if every thread has ended."""
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in threads)
