"""Every way a run can end other than a pass, and the exit code each maps to.

The hierarchy, in the manner of httpx's documented exception tree::

    ReleaseCheckError            base; carries ``exit_code``
    ├── UsageError               exit 2: the check could not be set up as asked
    │   ├── ConfigError          one or more bad settings, one line each
    │   └── ProcfileError        missing Procfile or process type
    └── CheckFailed              exit 1: the release must not ship
        ├── PortInUse            something already listens on the port before spawn
        ├── ForeignListener      the port answers, but not from the app's process tree
        ├── WrongPort            the app listens, but on other ports than $PORT
        ├── LoopbackOnly         the app listens only on loopback (with strict bind)
        ├── AppExited            the app exited before it passed, or in the uptime window
        ├── NotHealthy           the deadline passed; carries the last outcome
        ├── OverMemory           the app tree's peak memory exceeded the limit
        └── Interrupted          the runner got a signal that would end it (SIGTERM, SIGINT, ...)

``release_check.cli.main`` is the only place these become messages and exit codes.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Sequence

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class ReleaseCheckError(Exception):
    """Base of every error the runner reports to the user."""

    exit_code = EXIT_FAILED

    def lines(self) -> list[str]:
        """The message, one entry per output line."""
        return [str(self)]


class UsageError(ReleaseCheckError):
    """The check could not be set up as asked: exit 2."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """One or more settings are invalid; all of them are reported at once."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)

    def lines(self) -> list[str]:
        """One line per bad setting."""
        return self.problems


class ProcfileError(UsageError):
    """The Procfile is missing or lacks the requested process type."""


class CheckFailed(ReleaseCheckError):
    """The release must not ship: exit 1."""

    exit_code = EXIT_FAILED


class PortInUse(CheckFailed):
    """Something already listens on the port before the app is started."""


class ForeignListener(CheckFailed):
    """The port answers, but no process of the app's tree listens on it."""


class WrongPort(CheckFailed):
    """The app listens on other ports than $PORT."""


class LoopbackOnly(CheckFailed):
    """The app listens only on a loopback address, and strict bind is on."""


class OverMemory(CheckFailed):
    """The app tree's peak memory exceeded RELEASE_CHECK_MAX_MEMORY_MB."""


class AppExited(CheckFailed):
    """The app exited before a passing response (or during the check)."""


class NotHealthy(CheckFailed):
    """The deadline passed without a passing response."""


class Interrupted(CheckFailed):
    """The runner itself was told to stop; ``aftermath`` says what its teardown verified."""

    def __init__(self, signum: int, aftermath: str | None = None) -> None:
        said = f"interrupted by {signal_name(signum)}"
        super().__init__(f"{said}; {aftermath}" if aftermath else said)
        self.signum = signum


def signal_name(signum: int) -> str:
    """``SIGTERM``; ``SIGRTMIN+3`` for a real-time signal, which has no name of its own."""
    with contextlib.suppress(ValueError):
        return signal.Signals(signum).name
    low = getattr(signal, "SIGRTMIN", None)
    if low is not None and signum > low:
        return f"SIGRTMIN+{signum - low}"
    return f"signal {signum}"
