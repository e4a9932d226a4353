"""Drain the app's output continuously, relay it labelled, keep a bounded tail."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import IO

from release_check.console import Console

MAX_LINE_BYTES = 8192
TAIL_LINES = 20


class OutputPump:
    """A daemon thread that reads the app's merged stdout/stderr until EOF.

    Reading never stops while the app runs, so a chatty app never blocks on a full pipe;
    a line longer than MAX_LINE_BYTES is relayed in pieces, so memory stays bounded.
    """

    def __init__(
        self, stream: IO[bytes], label: str, console: Console, on_line: Callable[[], None]
    ) -> None:
        self._stream = stream
        self._label = label
        self._console = console
        self._on_line = on_line
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"pump-{label}", daemon=True)

    def start(self) -> None:
        """Begin draining."""
        self._thread.start()

    def _run(self) -> None:
        try:
            for chunk in iter(lambda: self._stream.readline(MAX_LINE_BYTES), b""):
                text = chunk.decode("utf-8", errors="replace").rstrip("\r\n")
                with self._lock:
                    self._tail.append(text)
                self._console.app_line(self._label, text)
                self._on_line()
        except (OSError, ValueError):
            return  # the pipe was closed under us at teardown: nothing left to drain

    def tail(self, count: int = 10) -> list[str]:
        """The last ``count`` lines the app wrote."""
        with self._lock:
            return list(self._tail)[-count:]

    def finish(self, timeout: float) -> None:
        """Wait for EOF, then close the pipe; a detached holder of the pipe cannot hang us."""
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self._stream.close()
