"""The release-phase check: boot the app, wait for its socket, run the checks, tear it down.

``run`` does the work; ``Record`` is what it observed, and ``report`` turns that into the JSON
report. The process layer (psutil) loads only when a run starts, so ``--help`` never pays for
it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from release_check.release.record import MEGABYTE, Memory, Record, Shutdown
from release_check.release.report import check_writable, document, report_path, write

if TYPE_CHECKING:
    from release_check.config import Config
    from release_check.console import Console
    from release_check.signals import SignalGuard

__all__ = [
    "MEGABYTE",
    "Memory",
    "Record",
    "Shutdown",
    "check_writable",
    "document",
    "report_path",
    "run",
    "write",
]


def run(
    config: Config, console: Console, guard: SignalGuard, record: Record,
    environ: Mapping[str, str],
) -> None:
    """Run the check; return on a pass, raise a CheckFailed (or UsageError) otherwise."""
    from release_check.release.runner import run as run_check  # noqa: PLC0415  (psutil)

    run_check(config, console, guard, record, environ)
