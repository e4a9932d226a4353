"""The app's last lines, and the error line they may hide, for the failure report.

The cause of a crash is often not among the last lines: Node prints stack frames and its
version after ``Error: Cannot find module``, gunicorn prints its own ``HaltServer`` traceback
after each worker's ``ModuleNotFoundError``. So besides the last lines, the tail keeps the last
line that looks like an error and differs from every error line among them.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass

from release_check.text import app_text, uncoloured

TAIL_LINES = 10
_SHOWN_LIMIT = 300
_LOOKED_AT = 300  # an error line says what it is in its first (or, for Ruby, last) characters

# A line that starts like an error: Python, Node and Java exception lines (ModuleNotFoundError:,
# TypeError [ERR_X]:, java.lang.IllegalStateException:, and dotted names under errors or
# exceptions: django.core.exceptions.ImproperlyConfigured:), Java's "Caused by:", a line
# starting with Error, ERROR, Exception (Java's "Exception in thread"), FATAL, "Fatal error:" or
# "panic:" (Go), and Rust's "thread 'main' panicked at".
_STARTS_LIKE_ERROR = re.compile(
    r"""(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt)(?::|\ \[|$)
      | (?:[A-Za-z_]\w*\.)+(?:errors|exceptions|exc)\.[A-Z]\w*:
      | (?:Error|ERROR|Exception|FATAL)\b
      | Caused\ by:
      | (?:PHP\ )?Fatal\ error: | fatal\ error: | panic:
      | thread\ '[^']*'\ panicked\ at
    """,
    re.VERBOSE,
)
# Ruby ends the line with the exception's class: "... (NameError)", "(Bundler::GemNotFound)".
_ENDS_LIKE_ERROR = re.compile(
    r"\((?:[A-Z]\w*::)*[A-Z]\w*(?:Error|Exception)\)$|\([A-Z]\w*(?:::[A-Z]\w*)+\)$"
)


def looks_like_error(line: str) -> bool:
    """Whether ``line`` reads like an error or exception line (the patterns above)."""
    text = uncoloured(line).strip()
    return bool(_STARTS_LIKE_ERROR.match(text[:_LOOKED_AT])
                or _ENDS_LIKE_ERROR.search(text[-_LOOKED_AT:]))


@dataclass(frozen=True)
class ErrorLine:
    """An error line written before the last lines: its text, and how many lines came after."""

    text: str
    lines_after: int


@dataclass(frozen=True)
class Tail:
    """The app's last lines as written, and the last different error line before them."""

    lines: tuple[str, ...] = ()
    earlier_error: ErrorLine | None = None


class Recent:
    """What the output pump keeps of the app's output: bounded, whatever the app writes."""

    def __init__(self) -> None:
        self._lines: deque[str] = deque(maxlen=TAIL_LINES)
        # error text -> index of its last occurrence, oldest first; an error repeated in the
        # tail is not worth showing twice, so only distinct texts count. The tail holds at
        # most TAIL_LINES of them, so one more is enough to find one older than the tail.
        self._errors: OrderedDict[str, int] = OrderedDict()
        self._count = 0
        self._lock = threading.Lock()

    def add(self, line: str) -> None:
        """Keep one more line."""
        error = looks_like_error(line)
        with self._lock:
            self._lines.append(line)
            if error:
                self._errors[line] = self._count
                self._errors.move_to_end(line)
                if len(self._errors) > TAIL_LINES + 1:
                    self._errors.popitem(last=False)
            self._count += 1

    def tail(self) -> Tail:
        """The last lines, and the last error line older than them, if any."""
        with self._lock:
            first_in_tail = self._count - len(self._lines)
            earlier = next(((text, at) for text, at in reversed(self._errors.items())
                            if at < first_in_tail), None)
            error = ErrorLine(earlier[0], self._count - 1 - earlier[1]) if earlier else None
            return Tail(tuple(self._lines), error)


def tail_report(tail: Tail, *, relayed: bool, whose: str = "the app") -> list[str]:
    """The lines that show a failed app's tail above the verdict, escaped.

    ``relayed``: the app's output was shown as it came, so its last lines are already just
    above; only an error line older than them is repeated, since it may have scrolled away.
    ``whose``: the process type when it is not web (``worker``), named in the headers.
    """
    shown: list[str] = []
    if tail.earlier_error:
        lines_after = tail.earlier_error.lines_after
        shown += [f"earlier error line of {whose}'s output ({lines_after} lines before its end):",
                  f"  ! {app_text(tail.earlier_error.text, _SHOWN_LIMIT)}"]
    if not relayed and tail.lines:
        shown.append(f"last lines of {whose}'s output:")
        shown += [f"  {'!' if looks_like_error(line) else '|'} {app_text(line, _SHOWN_LIMIT)}"
                  for line in tail.lines]
    return shown


def error_line(tail: Tail) -> str | None:
    """The line most likely to say why the app failed, escaped: the hidden one, else the last.

    An earlier error line is kept only when later noise (a server's own traceback) followed it,
    so it is the cause; otherwise the tail's last error line is.
    """
    if tail.earlier_error:
        return app_text(tail.earlier_error.text, _SHOWN_LIMIT)
    found = [line for line in tail.lines if looks_like_error(line)]
    return app_text(found[-1].strip(), _SHOWN_LIMIT) if found else None
