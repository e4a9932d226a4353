"""The runner's output: its own lines prefixed ``release-check:``, the app's lines labelled."""

from __future__ import annotations

import os
import sys
import threading
from typing import TextIO

PREFIX = "release-check:"
QUIET, NORMAL, VERBOSE = -1, 0, 1


class Console:
    """Serialises runner and app lines so they never interleave mid-line.

    Writes that fail (a closed pipe, EPIPE) are dropped: the run, and its teardown, go on.
    """

    def __init__(self, stream: TextIO | None = None, verbosity: int = NORMAL) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self.verbosity = verbosity
        self._lock = threading.Lock()
        self._broken = self._stream is None  # started with no stdout at all

    @property
    def broken(self) -> bool:
        """Whether a write failed: someone may have missed the verdict."""
        return self._broken

    def _write(self, line: str) -> None:
        with self._lock:
            if self._broken:
                return
            try:
                self._stream.write(line + "\n")
                self._stream.flush()
            except (OSError, ValueError):
                self._broken = True
                _silence(self._stream)

    def info(self, message: str) -> None:
        """A progress line, hidden by --quiet."""
        if self.verbosity > QUIET:
            self._write(f"{PREFIX} {message}")

    def detail(self, message: str) -> None:
        """A line shown only with --verbose."""
        if self.verbosity >= VERBOSE:
            self._write(f"{PREFIX} {message}")

    def warn(self, message: str) -> None:
        """A warning, shown even with --quiet."""
        self._write(f"{PREFIX} warning: {message}")

    def app_line(self, label: str, text: str) -> None:
        """One line of the app's own output, relayed as it arrives."""
        if self.verbosity > QUIET:
            self._write(f"{label} | {text}")

    def command(self, line: str) -> None:
        """A line for the CI runner to interpret (a workflow command), written as it is."""
        self._write(line)

    def always(self, message: str) -> None:
        """The verdict and failure details, shown whatever the verbosity."""
        self._write(f"{PREFIX} {message}")


def _silence(stream: TextIO) -> None:
    """Point a broken stream at /dev/null, so the interpreter's final flush cannot fail too."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        return
