"""The processes a run boots beside web: watched together, judged together, stopped together.

Each is an App (own session, no PORT, output relayed with its label, a wake-up on its exit)
whose lines also feed its Health. Web's waits call ``check`` (web's App is made with it as
``check_beside``), so a crash of any of them ends the run within one poll interval, whatever
web is doing. Each joins the run's stack of resources as it is made (release/lifetime.py).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack

from release_check.config import ProcessSpec
from release_check.console import Console
from release_check.errors import ProcessFailed
from release_check.release.boot import POLL_INTERVAL
from release_check.release.health import Health
from release_check.reports import ProcessRecord, Shutdown, Tail
from release_check.sockets import Target
from release_check.supervise import PUMP_DRAIN, App, Family, Hooks, TreeWatcher, spawn

_LAST_LINES = 0.05  # after an exit, how long the pump may take to deliver the last lines


class Companion:
    """One process beside web: its app, its health, its tree's watcher."""

    def __init__(self, spec: ProcessSpec, window: float) -> None:
        self.spec = spec
        self.health = Health(spec, time.monotonic(), window)  # lines may come before start
        self.app: App | None = None
        self.watcher: TreeWatcher | None = None
        self.shutdown: Shutdown | None = None

    @property
    def name(self) -> str:
        """Its process type."""
        return self.spec.name

    def start(self, command: str, environ: Mapping[str, str], console: Console,
              family: Family, *, adopted: bool) -> App:
        """Spawn it without PORT."""
        started = time.monotonic()
        process = spawn(command, {k: v for k, v in environ.items() if k != "PORT"})
        self.app = App.attach(self.name, process, started, adopted, console, family=family,
                              hooks=Hooks(on_text=self.on_line))
        self.health.started = started
        return self.app

    def watch(self, target: Target) -> TreeWatcher | None:
        """Watch its tree, once it was spawned."""
        if self.app is None:
            return None
        self.watcher = TreeWatcher(self.app, target)
        self.watcher.start()
        return self.watcher

    def on_line(self, text: str) -> None:
        """A line of its output, from its pump's thread.

        At its ready line the watcher looks at once: a pool child that dies a few milliseconds
        later may otherwise live and die between two snapshots, unseen (and its death with it).
        """
        was_ready = self.health.ready
        self.health.on_line(text, time.monotonic())
        if self.health.ready and not was_ready and self.watcher is not None:
            self.watcher.look_now()

    def failure(self) -> str | None:
        """Its failure, judged now; a line printed just before an exit is read first."""
        if self.app is None:
            return None
        code, watcher = self.app.exit_code(), self.watcher
        if code is not None and self.health.exited_at is None:
            self.app.pump.drained(_LAST_LINES)
        if watcher is None:
            return self.health.observe(code, time.monotonic())
        return self.health.observe(code, time.monotonic(), watcher.crash_loop, watcher.last_death)

    def record(self) -> ProcessRecord:
        """What the run observed of it."""
        health, app = self.health, self.app
        ready_s = None if health.ready_at is None else health.ready_at - health.started
        return ProcessRecord(
            self.name, ready_s, health.ready_by, health.ready_line, health.exit_code,
            self.watcher.peak if self.watcher else None, self.spec.max_memory_mb,
            self.shutdown, health.summary(), app.pump.tail() if app else Tail(),
        )


class Companions:
    """Every process beside web, in the order named; empty when web runs alone."""

    def __init__(self, specs: Sequence[ProcessSpec], web: str, window: float = 0.0) -> None:
        """``window``: how long each must stay up after its ready line (the run's uptime)."""
        self.members = [Companion(spec, window) for spec in specs]
        self.family = Family(web) if self.members else None

    def start(self, commands: Mapping[str, str], environ: Mapping[str, str], console: Console,
              stack: ExitStack, *, adopted: bool) -> None:
        """Spawn each beside web (with web's ``environ``, less PORT).

        Each joins ``stack`` once spawned: its last lines are read once the stack unwinds.
        """
        if self.family is None:
            return
        for companion in self.members:
            app = companion.start(commands[companion.name], environ, console, self.family,
                                  adopted=adopted)
            stack.callback(app.finish, PUMP_DRAIN)

    def watch(self, target: Target, stack: ExitStack) -> None:
        """Watch each tree; each watcher joins ``stack``, to be stopped as it unwinds."""
        for companion in self.members:
            watcher = companion.watch(target)
            if watcher is not None:
                stack.callback(watcher.stop)

    def names(self) -> list[str]:
        """The process types beside web, in the order named."""
        return [companion.name for companion in self.members]

    def roots(self) -> list[subprocess.Popen[bytes]]:
        """The root process of each one started."""
        return [c.app.process for c in self.members if c.app is not None]

    def check(self) -> None:
        """Raise ProcessFailed for the first process that has failed, if any."""
        for companion in self.members:
            failure = companion.failure()
            if failure is not None:
                raise ProcessFailed(companion.name, failure)

    def wait_ready(self, also: Callable[[str], None]) -> None:
        """Return once every process is healthy, and past the window after its ready line.

        ``also(phase)`` checks web meanwhile. The wait sleeps on the first waited-for process's
        wake-up, so its ready line or its exit ends the sleep at once.
        """
        while True:
            self.check()
            now = time.monotonic()
            waiting = [c for c in self.members if not c.health.steady(now)]
            if not waiting:
                return
            also(f"while waiting for {', '.join(c.name for c in waiting)} to get ready")
            first = waiting[0].app
            if first is None:
                time.sleep(POLL_INTERVAL)
            else:
                first.wakeup.wait(POLL_INTERVAL, output=True)

    def stopped(self, shutdown: Shutdown) -> None:
        """Once the one teardown of every tree is over, record it of each.

        Web and the companions are stopped together (release/lifetime.py), so they share one
        Shutdown, and an ignored SIGTERM is said once, of the run's processes as a whole.
        """
        for companion in self.members:
            companion.shutdown = shutdown

    def warnings(self) -> list[str]:
        """The error lines of each process that did not fail the run."""
        found = [c.health.error_warning() for c in self.members if c.health.failure is None]
        return [warning for warning in found if warning]

    def records(self) -> list[ProcessRecord]:
        """What the run observed of each."""
        return [companion.record() for companion in self.members]

