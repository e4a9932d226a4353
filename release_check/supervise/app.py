"""The app under test: its shell command, its process, its output, how it ended."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, cast

from release_check.console import Console
from release_check.supervise.pump import OutputPump
from release_check.supervise.wakeup import Wakeup

if TYPE_CHECKING:
    from release_check.supervise.family import Family


def _shell() -> str:
    """Heroku runs Procfile commands with bash; fall back to POSIX sh where bash is absent."""
    return shutil.which("bash") or "/bin/sh"


RUN_ID_VARIABLE = "RELEASE_CHECK_RUN_ID"


def spawn(command: str, environ: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """Start ``command`` under a shell, in its own session, its output merged into one pipe."""
    return subprocess.Popen(
        [_shell(), "-c", command],
        env=dict(environ),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@dataclass(frozen=True)
class Hooks:
    """What an App's owner gives it when it is made.

    ``on_text`` sees each line of its output (a ready regex); ``check_beside`` raises once a
    process beside it (or a helper thread of the run) has failed.
    """

    on_text: Callable[[str], None] | None = None
    check_beside: Callable[[], None] = lambda: None


@dataclass
class App:
    """A running app: its root process (in its own session) and its output pump.

    ``adopted`` tells whether the runner is a subreaper, so that the app's orphans become
    the runner's children instead of init's. With other process types beside it, ``family``
    tells which of the runner's descendants are its own, and ``check_beside`` raises once one
    of the others has failed: every wait on the app calls it, so their crashes end it too.
    """

    label: str
    process: subprocess.Popen[bytes]
    pump: OutputPump
    wakeup: Wakeup
    started: float
    adopted: bool
    family: Family | None = None
    check_beside: Callable[[], None] = lambda: None

    @classmethod
    def attach(
        cls, label: str, process: subprocess.Popen[bytes], started: float, adopted: bool,
        console: Console, *, family: Family | None = None, hooks: Hooks | None = None,
    ) -> App:
        """Watch a spawned root: a wake-up on its exit, and a pump relaying its output.

        ``family`` gets its root; ``hooks`` are what its owner hears and checks (Hooks).
        """
        hooks = hooks or Hooks()
        if family is not None:
            family.add(process.pid, label)
        wakeup = Wakeup(process.pid)
        pump = OutputPump(cast(IO[bytes], process.stdout), label, console, wakeup.nudge,
                          hooks.on_text)
        pump.start()
        return cls(label, process, pump, wakeup, started, adopted, family, hooks.check_beside)

    def finish(self, drain: float) -> None:
        """Read the stopped process's last lines; nothing waits on its wake-up any more."""
        self.pump.finish(drain)
        self.wakeup.close()

    @property
    def pid(self) -> int:
        """The root process id, also the id of the app's process group and session."""
        return self.process.pid

    def exit_code(self) -> int | None:
        """The root process's exit status, or None while it runs."""
        return self.process.poll()

    def elapsed(self) -> float:
        """Seconds since spawn."""
        return time.monotonic() - self.started


def kill_group(pgid: int, signum: int) -> None:
    """Signal the app's whole process group, which may outlive its root."""
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        return
