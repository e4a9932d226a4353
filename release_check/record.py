"""What a run observed, filled in as it goes, so that any outcome can be reported."""

from __future__ import annotations

from dataclasses import dataclass, field

from release_check.http_check import Outcome
from release_check.ports import Listener
from release_check.probing import CheckResult
from release_check.teardown import Shutdown
from release_check.watcher import Memory


@dataclass
class Record:
    """Observations of one run; fields stay None for phases the run never reached."""

    port: int | None = None
    listening_s: float | None = None
    healthy_s: float | None = None
    uptime_s: float | None = None
    total_s: float | None = None
    checks: list[CheckResult] = field(default_factory=list)
    shutdown: Shutdown | None = None
    peak: Memory | None = None
    listeners: list[Listener] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        """HTTP attempts over all checks."""
        return sum(result.polled.attempts for result in self.checks)

    @property
    def last(self) -> Outcome | None:
        """The last outcome of the first failing check, else of the first check."""
        failing = [result for result in self.checks if not result.passed]
        chosen = failing or self.checks
        return chosen[0].polled.last if chosen else None
