"""The release-phase check: boot the app, wait for its socket, run the checks, tear it down.

``run`` does the work; ``Record`` is what it observed, and ``report`` turns that into the JSON
report. The process layer (psutil) loads only when a run starts, so ``--help`` never pays for
it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from release_check.release.github import in_actions, step_summary, stop_token, workflow_commands
from release_check.release.record import (
    MEGABYTE,
    Memory,
    ProcessRecord,
    Record,
    Shutdown,
    ThenRecord,
    then_passed,
)
from release_check.release.report import check_writable, document, early_path, report_path, write
from release_check.release.tail import Tail, tail_report

if TYPE_CHECKING:
    from release_check.config import Config
    from release_check.console import Console
    from release_check.errors import ReleaseCheckError
    from release_check.signals import SignalGuard

__all__ = [
    "MEGABYTE",
    "Memory",
    "ProcessRecord",
    "Record",
    "Shutdown",
    "Tail",
    "ThenRecord",
    "check_writable",
    "document",
    "early_path",
    "in_actions",
    "report_path",
    "run",
    "step_summary",
    "stop_token",
    "tail_report",
    "then_passed",
    "workflow_commands",
    "write",
    "write_junit",
]


def run(
    config: Config, console: Console, guard: SignalGuard, record: Record,
    environ: Mapping[str, str],
) -> None:
    """Run the check; return on a pass, raise a CheckFailed (or UsageError) otherwise."""
    from release_check.release.runner import run as run_check  # noqa: PLC0415  (psutil)

    run_check(config, console, guard, record, environ)


def write_junit(path: Path, record: Record, error: ReleaseCheckError | None) -> None:
    """Write the JUnit file (junit.py); ElementTree loads only when one is asked for."""
    from release_check.release.junit import write_junit as write_file  # noqa: PLC0415

    write_file(path, record, error)
