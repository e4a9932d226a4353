"""The release-phase check: boot the app, wait for its socket, run the checks, tear it down.

``run`` does the work, on a Record (release_check.reports) that the command line reports
whatever the outcome. The process layer (psutil) loads only when a run starts, so ``--help``
never pays for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from release_check.config import Config
    from release_check.console import Console
    from release_check.reports import Record
    from release_check.signals import SignalGuard

__all__ = ["run"]


def run(
    config: Config, console: Console, guard: SignalGuard, record: Record,
    environ: Mapping[str, str],
) -> None:
    """Run the check; return on a pass, raise a CheckFailed (or UsageError) otherwise."""
    from release_check.release.runner import run as run_check  # noqa: PLC0415  (psutil)

    run_check(config, console, guard, record, environ)
