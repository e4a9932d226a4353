"""A run as the stages a CI system shows: boot, each health check, uptime, memory, shutdown.

Derived from what the Record observed and how the run ended, so the JUnit file and the GitHub
summary say the same thing and the runner needs to know about neither. A stage the run never
reached is skipped; the stage that was running when a signal came is an error, not a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from release_check.checking import CheckResult, explain
from release_check.errors import (
    AppExited,
    CommandFailed,
    Interrupted,
    LoopbackOnly,
    OverMemory,
    ProcessFailed,
    ReleaseCheckError,
    UsageError,
)
from release_check.reports.record import ProcessRecord, Record, ThenRecord
from release_check.text import counted

StageStatus = Literal["passed", "failed", "error", "skipped"]
_NOT_REACHED = "not reached"
THEN_STAGE = "then"
THEN_PROCESS = "then"  # whose last lines a failed stage shows (Record.tail_of)


@dataclass(frozen=True)
class Stage:
    """One stage of the run and how it ended."""

    name: str
    status: StageStatus
    seconds: float | None = None
    message: str = ""
    output: str = ""
    process: str | None = None  # a process beside web the stage is about


def stages(record: Record, error: ReleaseCheckError | None) -> list[Stage]:
    """Every stage of the run, in order; a usage error is one ``configuration`` stage."""
    if isinstance(error, UsageError):
        return [Stage("configuration", "error", 0.0, "; ".join(error.lines()))]
    failing = _failing_stage(record, error)
    reason = "" if error is None else "; ".join(error.lines())
    status: StageStatus = "error" if isinstance(error, Interrupted) else "failed"
    found = [_boot(record), *_checks(record), _uptime(record), _memory(record), _shutdown(record)]
    settled = [_settle(stage, failing, status, reason) for stage in found]
    then = [] if record.then is None else [
        _whose(_settle(then_stage(record.then), failing, status, reason), error)]
    return settled[:-2] + _processes(record, error, status, reason) + then + settled[-2:]


def _failing_stage(record: Record, error: ReleaseCheckError | None) -> str | None:
    """The name of the stage the error belongs to, None on a pass."""
    if error is None or isinstance(error, ProcessFailed):
        return None
    if isinstance(error, OverMemory):
        return "memory"
    if record.then is not None and record.then.started:
        return THEN_STAGE
    if record.healthy_s is not None:
        return "uptime" if isinstance(error, AppExited | Interrupted) else "shutdown"
    if record.listeners and not isinstance(error, LoopbackOnly):
        return "health check"
    return "boot"


def _settle(stage: Stage, failing: str | None, status: StageStatus, reason: str) -> Stage:
    """Mark the failing stage (or, for the checks, every check not marked yet)."""
    if failing is None or not stage.name.startswith(failing) or stage.status == "failed":
        return stage
    if failing == "health check" and stage.status == "passed":
        return stage
    return replace(stage, status=status, message=reason)


def _boot(record: Record) -> Stage:
    listening = record.listening_s
    if listening is None or not record.listeners:
        return Stage("boot: the app listens on $PORT", "skipped", listening, _NOT_REACHED)
    return Stage("boot: the app listens on $PORT", "passed", listening)


def _checks(record: Record) -> list[Stage]:
    """One stage per check; a single placeholder while no check has a result yet."""
    seconds = _between(record.listening_s, record.healthy_s)
    web = record.processes[0] if record.processes else None
    if not record.checks and web is not None and web.ready_by == "line":
        return [Stage("health check: none; web's ready line stands in", "passed", seconds,
                      output=web.ready_line or "")]
    if not record.checks:
        return [Stage("health check", "skipped", None, _NOT_REACHED)]
    return [_check(result, seconds) for result in record.checks]


def _check(result: CheckResult, seconds: float | None) -> Stage:
    name = f"health check: {result.expected.request} -> {result.expected.describe()}"
    message = explain(result.polled.last, result.expected)
    attempts = f"{message} ({counted(result.polled.attempts, 'attempt')})"
    if result.passed:
        return Stage(name, "passed", seconds, output=attempts)
    return Stage(name, "failed", seconds, attempts)


def _uptime(record: Record) -> Stage:
    if record.uptime_s is None:
        return Stage("uptime", "skipped", None, _NOT_REACHED)
    return Stage("uptime", "passed", record.uptime_s)


def _memory(record: Record) -> Stage:
    if record.peak is None:
        return Stage("memory", "skipped", None, "not measured")
    peak = f"peak {record.peak.megabytes:.1f} MB {record.peak.kind.upper()}"
    reached = record.uptime_s is not None
    return Stage("memory", "passed" if reached else "skipped", None,
                 "" if reached else _NOT_REACHED, peak)


def _shutdown(record: Record) -> Stage:
    """Passes once the tree is down; what the teardown had to SIGKILL is said, not failed."""
    if record.shutdown is None:
        return Stage("shutdown", "skipped", None, _NOT_REACHED)
    warnings = [w for w in record.warnings if "SIGTERM" in w]
    killed = f"{record.shutdown.killed} processes SIGKILLed after the grace"
    lines = ([killed] if record.shutdown.killed else []) + warnings
    return Stage("shutdown", "passed", record.shutdown.seconds, output="\n".join(lines))


def _processes(record: Record, error: ReleaseCheckError | None, status: StageStatus,
               reason: str) -> list[Stage]:
    """One stage per process beside web: failed if it failed the run, else as far as it got."""
    return [_process(process, error, status, reason) for process in record.processes[1:]]


def _process(process: ProcessRecord, error: ReleaseCheckError | None, status: StageStatus,
             reason: str) -> Stage:
    name = f"process: {process.name}"
    peak = f"peak {process.peak.megabytes:.1f} MB {process.peak.kind.upper()}" if (
        process.peak) else ""
    if isinstance(error, ProcessFailed) and error.process == process.name:
        return Stage(name, "failed", process.ready_s, reason, process=process.name)
    if process.ready_s is not None:
        lines = [process.summary, process.ready_line or "", peak]
        return Stage(name, "passed", process.ready_s, output="\n".join(ln for ln in lines if ln),
                     process=process.name)
    if isinstance(error, Interrupted):
        return Stage(name, status, None, reason, process=process.name)
    return Stage(name, "skipped", None, _NOT_REACHED, process=process.name)


def _whose(stage: Stage, error: ReleaseCheckError | None) -> Stage:
    """The command's stage shows its lines, or the app's when the app failed meanwhile."""
    if stage.status != "passed" and not isinstance(error, CommandFailed):
        return replace(stage, process=None)
    return stage


def then_stage(then: ThenRecord) -> Stage:
    """The command run once the checks passed: passed when it exited 0, else as the run ended."""
    name = f"{THEN_STAGE}: {then.command}"
    if not then.started:
        return Stage(name, "skipped", None, _NOT_REACHED, process=THEN_PROCESS)
    # A command that did not pass is what the run failed on: _settle marks it with the reason.
    status: StageStatus = "passed" if then.passed else "skipped"
    return Stage(name, status, then.seconds, output="\n".join(then.tail.lines),
                 process=THEN_PROCESS)


def _between(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else max(end - start, 0.0)
