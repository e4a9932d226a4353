"""Drain the app's output continuously, relay it labelled, keep a bounded tail."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import IO

from release_check.console import Console
from release_check.reports import Recent, Repeats, Tail
from release_check.supervise.guarded import Guarded

MAX_LINE_BYTES = 8192


# How long the teardown waits for a stopped process's last lines: a pipe held open by a
# detached descendant must not hold the run.
PUMP_DRAIN = 1.0

class OutputPump:
    """A daemon thread that reads the app's merged stdout/stderr until EOF.

    Reading never stops while the app runs, so a chatty app never blocks on a full pipe;
    a line longer than MAX_LINE_BYTES is relayed in pieces, so memory stays bounded.
    Repeated lines are relayed as one count line (reports/repeats.py); the tail keeps them all.
    """

    def __init__(
        self, stream: IO[bytes], label: str, console: Console, on_line: Callable[[], None],
        on_text: Callable[[str], None] | None = None,
    ) -> None:
        self._stream = stream
        self._on_line = on_line
        self._on_text = on_text  # sees each line first: a ready regex (release/health.py)
        self._recent = Recent()
        self._relay = Repeats(functools.partial(console.app_line, label),
                              functools.partial(console.app_repeats, label))
        self.guard = Guarded(f"pump-{label}", f"output pump of {label} (its output relay)",
                             self._run)

    def start(self) -> None:
        """Begin draining."""
        self.guard.start()

    def _run(self) -> None:
        try:
            for chunk in self._chunks():
                text = chunk.decode("utf-8", errors="replace").rstrip("\r\n")
                if self._on_text is not None:
                    self._on_text(text)
                self._recent.add(text)
                self._relay.feed(text)
                self._on_line()
        finally:
            self._relay.flush()

    def _chunks(self) -> Iterator[bytes]:
        """The output's lines until end of file; any other error is the pump's own (guarded)."""
        while True:
            try:
                chunk = self._stream.readline(MAX_LINE_BYTES)
            except (OSError, ValueError):
                return  # the pipe was closed under us at teardown: nothing left to drain
            if not chunk:
                return
            yield chunk

    def tail(self) -> Tail:
        """The app's last lines, and the last error line older than them (reports/tail.py)."""
        return self._recent.tail()

    def drained(self, timeout: float) -> bool:
        """Wait up to ``timeout`` for EOF; whether every line has been read."""
        self.guard.join(timeout)
        return not self.guard.is_alive()

    def finish(self, timeout: float) -> None:
        """Wait for EOF, then close the pipe; a detached holder of the pipe cannot hang us.

        A count of repeats still open is shown either way, before the verdict.
        """
        self.guard.join(timeout)
        self._relay.flush()
        if not self.guard.is_alive():
            self._stream.close()
