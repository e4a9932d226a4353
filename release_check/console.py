"""The runner's output: its own lines prefixed ``release-check:``, the app's lines labelled.

Nothing reaches the terminal raw: every line is escaped (text.py), written so that any
character survives an output encoding that lacks it, and on a terminal cut into rows that fit
it, the later rows indented. So column 0 only ever shows the start of one of our lines, and the
app cannot forge the verdict: not with escape sequences, nor with a line long enough to wrap.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TextIO

from release_check.text import app_text, escaped

PREFIX = "release-check:"
QUIET, NORMAL, VERBOSE = -1, 0, 1
_ROOMY = 20  # below this many columns after the indent, continuation rows indent by 2 only


class Console:
    """Serialises runner and app lines so they never interleave mid-line.

    Writes that fail (a closed pipe, EPIPE) are dropped: the run, and its teardown, go on.
    """

    def __init__(self, stream: TextIO | None = None, verbosity: int = NORMAL) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self.verbosity = verbosity
        self._lock = threading.Lock()
        self._broken = self._stream is None  # started with no stdout at all
        self._tty = not self._broken and _isatty(self._stream)

    @property
    def broken(self) -> bool:
        """Whether a write failed: someone may have missed the verdict."""
        return self._broken

    def _write(self, line: str, indent: int = len(PREFIX) + 1) -> None:
        """Write one line; on a terminal, rows after the first are indented by ``indent``."""
        text = escaped(line)
        with self._lock:
            if self._broken:
                return
            try:
                width = _columns(self._stream) if self._tty else None
                if width is not None:
                    text = "\n".join(rows(text, width, indent))
                self._stream.write(_encodable(text + "\n", self._stream))
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
            self._write(f"{label} | {app_text(text)}", len(label) + 3)

    def app_repeats(self, label: str, lines: int, times: int) -> None:
        """The app's last ``lines`` relayed lines were written ``times`` more times."""
        if self.verbosity > QUIET:
            above = "the line above" if lines == 1 else f"the {lines} lines above"
            self._write(f"{label} | ... ({above} {times} more time{'s' * (times != 1)})",
                        len(label) + 3)

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


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError):
        return False


def _columns(stream: TextIO) -> int | None:
    """The terminal's width now (it may be resized during the run)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError):
        return None


def _encodable(text: str, stream: TextIO) -> str:
    """``text`` with what the stream's encoding lacks as backslash escapes (an emoji in ascii)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        return text


def rows(line: str, width: int, indent: int) -> list[str]:
    """Cut ``line`` into rows of at most ``width`` cells; the later rows start with spaces.

    A character outside ASCII is counted two cells wide, the most a terminal gives it, so a
    row never wraps on its own; control characters are already escaped. A row ends after a
    space where one falls in its second half, so words stay whole.
    """
    if len(line) * (1 if line.isascii() else 2) <= width:
        return [line]
    lead = " " * (indent if width - indent >= _ROOMY else 2)
    if width <= len(lead) + 1:
        return [line]
    done: list[str] = []
    rest, room, start = line, width, ""
    while True:
        take = max(1, _fitting(rest, room))
        if take >= len(rest):
            return [*done, start + rest]
        space = rest.rfind(" ", take // 2, take)
        take = space + 1 if space > 0 else take
        done.append(start + rest[:take])
        rest, room, start = rest[take:], width - len(lead), lead


def _fitting(text: str, room: int) -> int:
    """How many leading characters of ``text`` fit in ``room`` cells."""
    used = 0
    for at, char in enumerate(text):
        used += 1 if char.isascii() else 2
        if used > room:
            return at
    return len(text)
