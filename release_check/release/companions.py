"""The processes a run boots beside web: watched together, judged together, stopped together.

Each is an App (own session, output relayed with its label, a wake-up on its exit) whose lines
also feed its Health. The runner asks ``check`` wherever it checks that web is alive, so a
crash of any of them ends the run within one poll interval, whatever web is doing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from release_check.config import ProcessSpec
from release_check.errors import ProcessFailed
from release_check.release.app import App
from release_check.release.health import Health
from release_check.release.record import Memory, ProcessRecord, Shutdown

POLL_INTERVAL = 0.02
_LAST_LINES = 0.05  # after an exit, how long the pump may take to deliver the last lines


class Companion:
    """One process beside web: its app, its health, and what its teardown showed."""

    def __init__(self, spec: ProcessSpec, app: App) -> None:
        self.spec = spec
        self.app = app
        self.health = Health(spec, app.started)
        self.peak: Memory | None = None
        self.shutdown: Shutdown | None = None
        self.tail: list[str] = []

    @property
    def name(self) -> str:
        """Its process type."""
        return self.spec.name

    def on_line(self, text: str) -> None:
        """A line of its output, from its pump's thread."""
        self.health.on_line(text, time.monotonic())

    def failure(self) -> str | None:
        """Its failure, judged now; a line printed just before an exit is read first."""
        code = self.app.exit_code()
        if code is not None and self.health.exited_at is None:
            self.app.pump.finish(_LAST_LINES)
        return self.health.observe(code, time.monotonic())

    def record(self) -> ProcessRecord:
        """What the run observed of it."""
        health = self.health
        ready_s = None if health.ready_at is None else health.ready_at - health.started
        return ProcessRecord(self.name, ready_s, health.ready_by, health.ready_line,
                             health.exit_code, self.peak, self.spec.max_memory_mb,
                             self.shutdown, health.summary())


class Companions:
    """Every process beside web, in the order named."""

    def __init__(self) -> None:
        self.members: list[Companion] = []

    def add(self, companion: Companion) -> None:
        """One more, just spawned."""
        self.members.append(companion)

    def check(self) -> None:
        """Raise ProcessFailed for the first process that has failed, if any."""
        for companion in self.members:
            failure = companion.failure()
            if failure is not None:
                raise ProcessFailed(companion.name, failure)

    def pending(self) -> list[str]:
        """The processes not healthy yet."""
        return [c.name for c in self.members if not c.health.ready]

    def wait_ready(self, also: Callable[[str], None],
                   sleep: Callable[[float], None] = time.sleep) -> None:
        """Return once every process is healthy; ``also(phase)`` checks web meanwhile."""
        while True:
            self.check()
            waiting = self.pending()
            if not waiting:
                return
            also(f"while waiting for {', '.join(waiting)} to get ready")
            sleep(POLL_INTERVAL)

    def records(self) -> Sequence[ProcessRecord]:
        """What the run observed of each."""
        return [companion.record() for companion in self.members]
