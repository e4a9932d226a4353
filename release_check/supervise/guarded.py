"""The runner's helper threads (output pumps, tree watchers), each with a guard on its life.

A helper that raised used to die alone: Python printed its traceback and the run went on without
it, blind to crash loops, memory and the wrong port, until its deadline. A Guarded thread keeps
the error instead, and every wait of the runner asks (``check``), so the run fails at once and
names the helper that died.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from release_check.errors import HelperDied


class Guarded:
    """A daemon thread running ``body``; its error, if it raised one, is kept for ``check``."""

    def __init__(self, name: str, duty: str, body: Callable[[], None]) -> None:
        self.duty = duty  # what stops with it, for the message
        self.error: Exception | None = None
        self._body = body
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        self.call(self._body)

    def call(self, body: Callable[[], object]) -> None:
        """Run ``body`` in this helper's name (its thread, or its last step at teardown)."""
        try:
            body()
        except Exception as error:  # kept for the runner to raise: it fails the run
            self.error = self.error or error

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait up to ``timeout`` for the thread to end."""
        self._thread.join(timeout)

    def is_alive(self) -> bool:
        """Whether the thread still runs."""
        return self._thread.is_alive()

    def check(self) -> None:
        """Raise HelperDied if the helper stopped on an error."""
        if self.error is not None:
            raise HelperDied(self.duty, self.error)
