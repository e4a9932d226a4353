"""The JSON report of a run, written whatever the outcome (schema: docs/report.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from release_check import __version__
from release_check.argparsing import Parser
from release_check.checking import CheckResult, Outcome
from release_check.config import BY_KEY
from release_check.errors import (
    CheckFailed,
    Interrupted,
    ProcessFailed,
    ReleaseCheckError,
    SettingError,
    UsageError,
)
from release_check.outfile import unwritable, why, write_atomically
from release_check.reports.record import ProcessRecord, Record, ThenRecord
from release_check.reports.tail import ErrorLine

BODY_PREFIX = 200


def report_path(argv: Sequence[str], environ: Mapping[str, str]) -> tuple[Path, str] | None:
    """The JSON report's path and source, from ``--report`` or the variable alone."""
    return early_path(argv, environ, "report")


def early_path(
    argv: Sequence[str], environ: Mapping[str, str], field: str
) -> tuple[Path, str] | None:
    """A report file's path and source, from its flag or its variable alone.

    For runs whose settings were never read (a usage or configuration error, a skipped run):
    a run whose settings were read takes the path from its Config, config file included.
    """
    setting = BY_KEY[field]
    parser = Parser(add_help=False)
    parser.add_argument(setting.flag, dest="path")
    try:
        known, _ = parser.parse_known_args(argv)
    except UsageError:
        return None  # the main parse has reported it; there is no path to write to
    given = ((known.path, setting.flag) if known.path is not None
             else (environ.get(setting.env, ""), setting.env))
    try:
        return (setting.parse(given[0]), given[1]) if given[0] else None
    except ValueError:
        return None  # a bad path: the main parse reports it, and it cannot be written to


def check_writable(path: Path | None, field: str = "report") -> None:
    """Fail before the run, not after it, when a report file could not be written."""
    problem = unwritable(path) if path is not None else None
    if problem:
        raise SettingError(field, f"cannot write {path}: {problem}")


def _response(last: Outcome | None) -> dict[str, Any] | None:
    if last is None:
        return None
    return {"outcome": last.kind, "status": last.status, "body_prefix": last.body[:BODY_PREFIX],
            "detail": last.detail}


def _check(result: CheckResult) -> dict[str, Any]:
    return {
        "request": result.expected.request,
        "expected": result.expected.describe(),
        "passed": result.passed,
        "attempts": result.polled.attempts,
        "last_response": _response(result.polled.last),
    }


def _error_line(error: ErrorLine | None) -> dict[str, Any] | None:
    return None if error is None else {"text": error.text, "lines_after": error.lines_after}


def _timings(record: Record) -> dict[str, float | None]:
    return {
        "listening_s": record.listening_s,
        "healthy_s": record.healthy_s,
        "uptime_s": record.uptime_s,
        "shutdown_s": record.shutdown.seconds if record.shutdown else None,
        "total_s": record.total_s,
    }


def _failed(process: ProcessRecord, web: bool, error: ReleaseCheckError | None) -> bool:
    """Whether ``error`` is this process's failure (web's: any check failure but the others)."""
    if isinstance(error, ProcessFailed):
        return error.process == process.name
    return web and isinstance(error, CheckFailed) and not isinstance(error, Interrupted)


def _process(process: ProcessRecord, record: Record, error: ReleaseCheckError | None
             ) -> dict[str, Any]:
    """One process's entry; web counts as healthy once it has also survived its uptime."""
    web = process is record.processes[0]
    failed = _failed(process, web, error)
    healthy = (record.uptime_s if web else process.ready_s) is not None
    return {
        "passed": False if failed else True if healthy else None,
        "failure": "; ".join(error.lines()) if failed and error else None,
        "ready_s": process.ready_s,
        "ready_by": process.ready_by,
        "ready_line": None if process.ready_line is None else process.ready_line[:BODY_PREFIX],
        "exit_code": process.exit_code,
        "peak_memory_bytes": process.peak.bytes if process.peak else None,
        "memory_kind": process.peak.kind if process.peak else None,
        "max_memory_mb": process.max_memory_mb,
        "shutdown_s": process.shutdown.seconds if process.shutdown else None,
        "killed_after_grace": process.shutdown.killed if process.shutdown else None,
        "tail": list(process.tail.lines),
    }


def _then(then: ThenRecord | None) -> dict[str, Any] | None:
    """The command run once the checks passed; None when there was none."""
    if then is None:
        return None
    return {
        "command": then.command,
        "started": then.started,
        "passed": then.passed if then.started else None,
        "exit_code": then.exit_code,
        "timed_out": then.timed_out,
        "seconds": then.seconds,
        "timeout_s": then.timeout,
        "junit": then.junit_path,
        "tail": list(then.tail.lines),
    }


def _processes(record: Record, error: ReleaseCheckError | None) -> dict[str, Any]:
    return {process.name: _process(process, record, error) for process in record.processes}


def document(record: Record, error: ReleaseCheckError | None) -> dict[str, Any]:
    """The report as a JSON-ready mapping; ``error`` is None on a pass."""
    return {
        "version": __version__,
        "passed": error is None,
        "exit_code": 0 if error is None else error.exit_code,
        "reason": None if error is None else "; ".join(error.lines()),
        "port": record.port,
        "timings": _timings(record),
        "attempts": record.attempts,
        "last_response": _response(record.last),
        "checks": [_check(result) for result in record.checks],
        "peak_memory_bytes": record.peak.bytes if record.peak else None,
        "memory_kind": record.peak.kind if record.peak else None,
        "listeners": [{"address": lst.address, "port": lst.port, "pid": lst.pid}
                      for lst in record.listeners],
        "killed_after_grace": record.shutdown.killed if record.shutdown else None,
        "warnings": list(record.warnings),
        "tail": list(record.tail.lines),
        "error_line": _error_line(record.tail.earlier_error),
        "processes": _processes(record, error),
        "then": _then(record.then),
    }


def write(path: Path, content: Mapping[str, Any]) -> None:
    """Write the JSON report."""
    write_text(path, json.dumps(content, indent=2) + "\n", "report")


def write_text(path: Path, text: str, field: str) -> None:
    """Write atomically, so a reader never sees half a report; ``field`` is its setting."""
    try:
        write_atomically(path, text)
    except OSError as error:
        raise SettingError(field, f"cannot write {path}: {why(error)}") from None
