"""The app under test: its shell command, its process, its output, how it ended."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, cast

from release_check.console import Console
from release_check.release.linux import become_subreaper
from release_check.release.pump import OutputPump
from release_check.release.wakeup import Wakeup


def _shell() -> str:
    """Heroku runs Procfile commands with bash; fall back to POSIX sh where bash is absent."""
    return shutil.which("bash") or "/bin/sh"


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
    def start(
        cls, label: str, command: str, port: int, environ: Mapping[str, str], console: Console
    ) -> App:
        """Spawn ``command`` under a shell with the runner's environment plus PORT."""
        env = {**environ, "PORT": str(port)}
        adopted = become_subreaper()
        started = time.monotonic()
        process = subprocess.Popen(
            [_shell(), "-c", command],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
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
