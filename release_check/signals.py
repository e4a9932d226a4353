"""Turn SIGTERM, SIGINT and SIGHUP into an exception, once, so ``finally`` tears down."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any

from release_check.errors import Interrupted

HANDLED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class SignalGuard:
    """Raise Interrupted for the first signal; afterwards, and while shielded, only record.

    Raising only once means a second Ctrl-C cannot abort the teardown that the first started.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self._shielded = False
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        first = self.received is None
        if first:
            self.received = signum
        if first and not self._shielded:
            raise Interrupted(signum)

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

    @contextmanager
    def shield(self) -> Iterator[None]:
        """Within this block signals are recorded, never raised."""
        self._shielded = True
        try:
            yield
        finally:
            self._shielded = False
