"""Web's ready line (``RELEASE_CHECK_READY``): a line its output must show besides the checks.

Companions have had ready lines all along (release/health.py); for web the line is one more
condition, like the socket and the health checks: the output pump reports each line, and the
runner waits, watching the app, until the line has been seen.
"""

from __future__ import annotations

import threading
import time

from release_check.config import Config, ProcessSpec
from release_check.errors import NotHealthy
from release_check.release.boot import POLL_INTERVAL, ensure_alive
from release_check.supervise import App, TreeWatcher


class ReadyLine:
    """The first line of web's output matching its ready regex, once seen."""

    def __init__(self, spec: ProcessSpec) -> None:
        self.spec = spec
        self.line: str | None = None
        self.seen_at: float | None = None
        self.timed_out = False  # a search of some line ran out of time (counted as no match)
        self._lock = threading.Lock()

    def on_line(self, text: str) -> None:
        """A line of web's output, from its pump's thread."""
        with self._lock:
            found = self.spec.search(text) if self.seen_at is None else False
            if found is True:
                self.line, self.seen_at = text, time.monotonic()
            elif found:
                self.timed_out = True

    def wait(self, app: App, config: Config, watcher: TreeWatcher) -> float:
        """Seconds from spawn to the line, once seen; fail if the app exits or times out."""
        deadline = app.started + config.timeout
        phase = f"before printing a {self.spec.describe_ready()}"
        while self.seen_at is None:
            ensure_alive(app, phase, watcher)
            if time.monotonic() >= deadline:
                passed = "passed its checks but " if config.expectations() else ""
                raise NotHealthy(
                    f"{app.label} {passed}printed no {self.spec.describe_ready()}"
                    f" within {app.elapsed():.1f}s ({config.source('ready')})"
                    f"{self.spec.timed_out_note() if self.timed_out else ''}"
                )
            app.wakeup.wait(POLL_INTERVAL, output=True)
        return self.seen_at - app.started
