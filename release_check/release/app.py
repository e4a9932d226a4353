"""The app under test: its shell command, its process, its output, how it ended."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, cast

from release_check.console import Console
from release_check.release.pump import OutputPump
from release_check.release.wakeup import Wakeup


def _shell() -> str:
    """Heroku runs Procfile commands with bash; fall back to POSIX sh where bash is absent."""
    return shutil.which("bash") or "/bin/sh"


def describe_exit(code: int) -> str:
    """Name an exit status the way a user reads it: a code, or the signal that ended it."""
    if code < 0:
        return f"was killed by {_signal_name(-code)}"
    signame = _signal_name(code - 128)
    if code > 128 and signame != str(code - 128):
        return f"exited with code {code} (128+{code - 128}: the shell saw {signame})"
    return f"exited with code {code}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


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


@dataclass
class App:
    """A running app: its root process (in its own session) and its output pump.

    ``adopted`` tells whether the runner is a subreaper, so that the app's orphans become
    the runner's children instead of init's.
    """

    label: str
    process: subprocess.Popen[bytes]
    pump: OutputPump
    wakeup: Wakeup
    started: float
    adopted: bool

    @classmethod
    def attach(
        cls, label: str, process: subprocess.Popen[bytes], started: float, adopted: bool,
        console: Console,
    ) -> App:
        """Watch a spawned root: a wake-up on its exit, and a pump relaying its output."""
        wakeup = Wakeup(process.pid)
        pump = OutputPump(cast(IO[bytes], process.stdout), label, console, wakeup.nudge)
        pump.start()
        return cls(label, process, pump, wakeup, started, adopted)

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
