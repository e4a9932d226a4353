"""Turn every signal that would end the runner into one exception, once, so ``finally`` tears down.

HANDLED is every asynchronous signal whose default action ends the process (docs/decisions.md):
the runner must never die of one with the app still running. Left alone: SIGKILL and SIGSTOP
(they cannot be caught), SIGPIPE (Python ignores it, so a closed stdout is an EPIPE the console
reports), and the faults the runner would raise itself (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGSYS,
SIGTRAP), which a Python handler cannot survive; the watchdog stops the app if one of those, or
SIGKILL, ends the runner.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import CodeType, FrameType, FunctionType, TracebackType
from typing import Any, TypeVar, cast

from release_check.errors import Interrupted

_FATAL_NAMES = (
    "SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGABRT", "SIGUSR1", "SIGUSR2", "SIGALRM",
    "SIGVTALRM", "SIGPROF", "SIGXCPU", "SIGXFSZ", "SIGIO", "SIGPWR", "SIGSTKFLT", "SIGEMT",
    "SIGLOST",
)


def _fatal_signals() -> tuple[int, ...]:
    """The named fatal signals this platform has, then the real-time ones (fatal by default)."""
    named = [int(getattr(signal, name)) for name in _FATAL_NAMES if hasattr(signal, name)]
    low, high = getattr(signal, "SIGRTMIN", 0), getattr(signal, "SIGRTMAX", -1)
    valid = {int(signum) for signum in signal.valid_signals()}
    return tuple(dict.fromkeys(s for s in [*named, *range(low, high + 1)] if s in valid))


HANDLED = _fatal_signals()

F = TypeVar("F", bound=Callable[..., Any])
_UNINTERRUPTIBLE: set[CodeType] = set()


def uninterruptible(function: F) -> F:
    """Mark ``function``: a signal that arrives while it runs, at any depth, is only recorded.

    The mark is on the code, not a flag the function sets, so there is no first line on which a
    signal could still land: a teardown called from ``finally`` always runs to its end.
    """
    _UNINTERRUPTIBLE.add(cast(FunctionType, function).__code__)
    return function


def _in_uninterruptible(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code in _UNINTERRUPTIBLE:
            return True
        frame = frame.f_back
    return False


class SignalGuard:
    """Raise Interrupted for the first signal; afterwards, and inside uninterruptible code, record.

    Raising only once means a second Ctrl-C cannot abort the teardown that the first started.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self._raised = False
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        first = self.received is None
        if first:
            self.received = signum
        if first and not _in_uninterruptible(frame):
            self._raised = True
            raise Interrupted(signum)

    def raise_deferred(self) -> None:
        """Raise Interrupted now for a first signal that arrived inside uninterruptible code."""
        if self.received is not None and not self._raised:
            self._raised = True
            raise Interrupted(self.received)

    def __enter__(self) -> SignalGuard:
        if threading.current_thread() is threading.main_thread():
            for signum in HANDLED:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
