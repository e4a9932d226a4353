"""Every way a run can end other than a pass, and the exit code each maps to.

The hierarchy, in the manner of httpx's documented exception tree::

    ReleaseCheckError            base; carries ``exit_code``
    ├── UsageError               exit 2: the check could not be set up as asked
    │   ├── ConfigError          one or more bad settings, one line each
    │   ├── SettingError         a value that parsed but failed a later check (a missing
    │   │                        env file, a host that is not local, an unwritable report)
    │   └── ProcfileError        missing Procfile or process type
    ├── Unexpected               exit 1: an error the runner has no message for (a bug, or
    │                            the machine refusing a fork); reported like the others
    └── CheckFailed              exit 1: the release must not ship
        ├── PortInUse            something already listens on the port before spawn
        ├── ForeignListener      the port answers, but not from the app's process tree
        ├── WrongPort            the app listens, but on other ports than $PORT
        ├── WrongAddress         the app listens on $PORT, but not at RELEASE_CHECK_HOST
        ├── LoopbackOnly         the app listens only on loopback (unless allowed)
        ├── AppExited            the app exited before it passed, or in the uptime window
        ├── CrashLooping         the app's workers keep dying and being respawned
        ├── NotHealthy           the deadline passed; carries the last outcome
        ├── OverMemory           the app tree's peak memory exceeded the limit
        ├── ProcessFailed        a process beside web crashed, never got ready, or overran
        ├── CommandFailed        the command run after the checks (--then, --) failed
        ├── HelperDied           a thread of the runner's (output pump, tree watcher) died
        └── Interrupted          the runner got a signal that would end it (SIGTERM, SIGINT, ...)

``release_check.cli.main`` is the only place these become messages and exit codes.
"""

from __future__ import annotations

from collections.abc import Sequence

from release_check.text import printable, signal_name

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


class SettingError(UsageError):
    """A setting's value failed a check made after parsing.

    The code that checks knows which setting it checks, not where the value came from; the CLI
    does (the Config keeps each value's source) and names it: the flag, the variable, or the
    file and key.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


class ProcfileError(UsageError):
    """The Procfile is missing or lacks the requested process type."""


class Unexpected(ReleaseCheckError):
    """An exception no other part handled: the run still ends in a verdict, never a traceback.

    Only its type is shown (an OSError's reason too), not its text, which may quote a secret,
    nor the frames that led to it.
    """

    def __init__(self, cause: Exception) -> None:
        super().__init__(f"release-check stopped on an error it did not expect"
                         f" ({described(cause)}); nothing was judged")


class CheckFailed(ReleaseCheckError):
    """The release must not ship: exit 1."""

    exit_code = EXIT_FAILED


class PortInUse(CheckFailed):
    """Something already listens on the port before the app is started."""


class ForeignListener(CheckFailed):
    """The port answers, but no process of the app's tree listens on it."""


class WrongPort(CheckFailed):
    """The app listens on other ports than $PORT."""


class WrongAddress(CheckFailed):
    """The app listens on $PORT, but not at the address RELEASE_CHECK_HOST names."""


class LoopbackOnly(CheckFailed):
    """The app listens only on a loopback address, and strict bind is on."""


class OverMemory(CheckFailed):
    """The app tree's peak memory exceeded RELEASE_CHECK_MAX_MEMORY_MB."""


class ProcessFailed(CheckFailed):
    """A process beside web failed: crashed, never got ready, or went over its memory budget."""

    def __init__(self, process: str, message: str) -> None:
        super().__init__(message)
        self.process = process


class CommandFailed(CheckFailed):
    """The command run once the checks passed exited non-zero or overran its timeout.

    ``tail`` holds its last lines (escaped, ready to print).
    """

    def __init__(self, message: str, tail: Sequence[str]) -> None:
        super().__init__(message)
        self.tail = list(tail)


class AppExited(CheckFailed):
    """The app exited before a passing response (or during the check)."""


class CrashLooping(CheckFailed):
    """The app's worker processes keep exiting before it passed; its server respawns them.

    ``tail`` holds the lines that show the app's output when the loop was seen (escaped, ready
    to print), before the teardown's own.
    """

    def __init__(self, message: str, tail: Sequence[str]) -> None:
        super().__init__(message)
        self.tail = list(tail)


class NotHealthy(CheckFailed):
    """The deadline passed without a passing response."""


class HelperDied(CheckFailed):
    """A helper thread of the runner stopped on an error: what it watched went unwatched."""

    def __init__(self, duty: str, cause: Exception) -> None:
        super().__init__(f"release-check's {duty} stopped on an error"
                         f" ({described(cause)}); the run cannot be judged without it")


class Interrupted(CheckFailed):
    """The runner itself was told to stop; ``aftermath`` says what its teardown verified."""

    def __init__(self, signum: int, aftermath: str | None = None) -> None:
        told = f"; {aftermath}" if aftermath else ""
        super().__init__(f"interrupted by {signal_name(signum)}{told}")
        self.signum = signum


def described(cause: Exception) -> str:
    """``OSError: [Errno 5] Input/output error``: an exception's type, and an OSError's reason."""
    name = type(cause).__name__
    if isinstance(cause, OSError) and cause.strerror:
        return printable(f"{name}: [Errno {cause.errno}] {cause.strerror}", 200)
    return name
