"""What a run observed, filled in as it goes, so that any outcome can be reported.

Data only: the process layer fills it in, the verdict and the reports read it, and importing it
costs nothing (no psutil, no httpx), so the command line can hold one from the start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from release_check.reports.tail import Tail
from release_check.text import printable

if TYPE_CHECKING:
    from release_check.checking import CheckResult, Outcome
    from release_check.sockets import Listener

MEGABYTE = 1024 * 1024
MemoryKind = Literal["pss", "uss", "rss"]


@dataclass(frozen=True)
class Memory:
    """The tree's memory at one moment: PSS where readable (forked workers not counted twice)."""

    bytes: int
    kind: MemoryKind
    processes: int

    @property
    def megabytes(self) -> float:
        """The size in MB (MiB, as Heroku's memory quotas count)."""
        return self.bytes / MEGABYTE


@dataclass(frozen=True)
class Shutdown:
    """How the tree went down: seconds from SIGTERM to the last exit, processes SIGKILLed.

    ``survivors`` describes each process still running when the teardown gave up.
    """

    seconds: float
    killed: int
    survivors: tuple[str, ...] = ()


@dataclass
class ProcessRecord:
    """One process type of the run, web included: how it got healthy, its memory, its end.

    ``ready_by`` is ``check`` (web: the health checks passed), ``line`` (its output matched
    the ready regex), ``uptime`` (it stayed up its window) or ``exit`` (a oneshot exited 0).
    """

    name: str
    ready_s: float | None = None
    ready_by: str | None = None
    ready_line: str | None = None
    exit_code: int | None = None
    peak: Memory | None = None
    max_memory_mb: float | None = None
    shutdown: Shutdown | None = None
    summary: str = ""
    tail: Tail = field(default_factory=Tail)


@dataclass
class ThenRecord:
    """The command run once the checks passed (``--then`` / ``--``), as far as it got.

    ``junit`` is the text of the JUnit file it wrote during the run, if any, to merge.
    """

    command: str
    timeout: float
    started: bool = False
    seconds: float | None = None
    exit_code: int | None = None
    timed_out: bool = False
    tail: Tail = field(default_factory=Tail)
    junit_path: str | None = None
    junit: str | None = None

    @property
    def passed(self) -> bool:
        """Whether it ran to the end and exited 0."""
        return self.exit_code == 0 and not self.timed_out


def then_passed(then: ThenRecord) -> str:
    """How the command run after the checks passed, for the verdict line."""
    return f"`{printable(then.command, 120)}` exited 0 in {then.seconds or 0:.2f}s"


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
    tail: Tail = field(default_factory=Tail)
    processes: list[ProcessRecord] = field(default_factory=list)  # web first; empty: none booted
    then: ThenRecord | None = None  # None: no command to run after the checks

    @property
    def attempts(self) -> int:
        """HTTP attempts over all checks."""
        return sum(result.polled.attempts for result in self.checks)

    def tail_of(self, process: str | None) -> Tail:
        """The last lines of ``process``; web's (``tail``) for None; ``then``: the command's."""
        if process == "then" and self.then is not None:
            return self.then.tail
        found = [p.tail for p in self.processes[1:] if p.name == process]
        return found[0] if found else self.tail

    @property
    def last(self) -> Outcome | None:
        """The last outcome of the first failing check, else of the first check."""
        failing = [result for result in self.checks if not result.passed]
        chosen = failing or self.checks
        return chosen[0].polled.last if chosen else None
