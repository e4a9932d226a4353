"""What a run observed, and every form it is reported in: the verdict's tail, JSON, JUnit, GitHub.

The record (record.py) is filled in by the process layer and read by the command line; the app's
last lines and error line (tail.py, repeats.py); the JSON report (report.py); the stages a CI
system shows (stages.py), written as JUnit XML (junit.py) or as GitHub Actions annotations and a
job summary (github.py). Importing this loads neither psutil nor httpx, so the command line and
the hook reach the reports without the process layer; ElementTree loads only when a JUnit file
is written or read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from release_check.reports.github import in_actions, step_summary, stop_token, workflow_commands
from release_check.reports.record import (
    MEGABYTE,
    Memory,
    ProcessRecord,
    Record,
    Shutdown,
    ThenRecord,
    then_passed,
)
from release_check.reports.repeats import Repeats
from release_check.reports.report import (
    check_writable,
    document,
    early_path,
    report_path,
    write,
)
from release_check.reports.tail import Recent, Tail, looks_like_error, tail_report

if TYPE_CHECKING:
    from release_check.errors import ReleaseCheckError

__all__ = [
    "MEGABYTE",
    "Memory",
    "ProcessRecord",
    "Recent",
    "Record",
    "Repeats",
    "Shutdown",
    "Tail",
    "ThenRecord",
    "check_junit",
    "check_writable",
    "document",
    "early_path",
    "in_actions",
    "looks_like_error",
    "report_path",
    "step_summary",
    "stop_token",
    "tail_report",
    "then_passed",
    "workflow_commands",
    "write",
    "write_junit",
]


def write_junit(path: Path, record: Record, error: ReleaseCheckError | None) -> None:
    """Write the JUnit file (junit.py); ElementTree loads only when one is asked for."""
    from release_check.reports.junit import write_junit as write_file  # noqa: PLC0415

    write_file(path, record, error)


def check_junit(text: str) -> None:
    """Raise ValueError unless ``text`` is a JUnit document whose suites can be merged."""
    from release_check.reports.junit import suites_of  # noqa: PLC0415  (ElementTree: rarely)

    suites_of(text)
