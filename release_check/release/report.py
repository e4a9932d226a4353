"""The JSON report of a run, written whatever the outcome (schema: docs/report.md)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from release_check import __version__
from release_check.argparsing import Parser
from release_check.checking import CheckResult, Outcome
from release_check.errors import ReleaseCheckError, UsageError
from release_check.release.record import Record
from release_check.release.tail import ErrorLine

BODY_PREFIX = 200
REPORT_VARIABLE = "RELEASE_CHECK_REPORT"


def report_path(argv: Sequence[str], environ: Mapping[str, str]) -> Path | None:
    """Where to write the report, read before anything else so even usage errors are reported."""
    return early_path(argv, environ, "--report", REPORT_VARIABLE)


def early_path(
    argv: Sequence[str], environ: Mapping[str, str], flag: str, variable: str
) -> Path | None:
    """A report file's path from its flag or variable, without the main parse."""
    parser = Parser(add_help=False)
    parser.add_argument(flag, dest="path")
    try:
        known, _ = parser.parse_known_args(argv)
    except UsageError:
        return None  # the main parse has reported it; there is no path to write to
    raw = known.path if known.path is not None else environ.get(variable, "")
    return Path(raw) if raw else None


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
    }


def write(path: Path, content: Mapping[str, Any]) -> None:
    """Write the JSON report."""
    write_file(path, (json.dumps(content, indent=2) + "\n").encode(), REPORT_VARIABLE)


def write_file(path: Path, data: bytes, variable: str) -> None:
    """Write atomically, so a reader never sees half a report."""
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent or Path(), prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        Path(temporary).replace(path)
    except OSError as error:
        raise UsageError(f"{variable}: cannot write {path}: {error.strerror}") from None
