"""One release check's resources, owned in one place and released in one order.

A Run holds the app, the target, the watchdog, the record, and every thread started for the
run: the HTTP warm-up, the output pump, the tree watcher, the reaper, the check pool and the
request threads. ``start`` spawns the app and ``close`` undoes all of it; the caller calls
``start`` inside the ``try`` whose ``finally`` calls ``close``, so a signal that lands during
or just after the spawn still stops the app. Both are uninterruptible; ``close`` stops the app
before it waits for the threads (a request blocked on the app ends when the app does), and
waits for the threads before it closes the client and the wake-ups they use.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import psutil

from release_check.checking import HttpWarmup, Workers
from release_check.config import Config
from release_check.console import Console
from release_check.release import diagnose
from release_check.release.companions import Companions
from release_check.release.readyline import ReadyLine
from release_check.reports import Record
from release_check.signals import uninterruptible
from release_check.sockets import Target
from release_check.supervise import (
    KILL_WAIT,
    RUN_ID_VARIABLE,
    App,
    Descendants,
    Family,
    Reaper,
    TreeWatcher,
    Watchdog,
    run_id,
    spawn,
    stop_tree,
)
from release_check.system import SYSTEM

if TYPE_CHECKING:
    import httpx

_PUMP_DRAIN = 1.0
_MARGIN = 10.0
_THREAD_WAIT = 2.0  # threads end within milliseconds once the app is down; this is a backstop


def overdue_after(config: Config) -> float:
    """Seconds after which a runner not yet done is stuck: every wait of the run, and more.

    The boot and checks, the uptime window, the slowest process beside web, the teardown, and
    a margin for a loaded machine; a runner past it was stopped (SIGSTOP) by what it checks.
    """
    beside = max((spec.timeout or config.timeout) + spec.uptime
                 for spec in config.companions()) if config.companions() else 0.0
    return (config.timeout + config.uptime + beside + config.shutdown_grace + KILL_WAIT
            + _MARGIN)


class Run:
    """The app under check and everything started to check it."""

    def __init__(self, config: Config, console: Console, record: Record, target: Target) -> None:
        self.config = config
        self.console = console
        self.record = record
        self.target = target
        self.workers = Workers()
        self.companions = Companions(config.companions(), config.process_type, config.uptime)
        # With a command to run after the checks, web's tree is told from that command's.
        self._family = self.companions.family or (
            Family(config.process_type) if config.then else None)
        self._env: dict[str, str] = {}
        spec = config.web_ready()
        self.ready_line = ReadyLine(spec) if spec is not None else None
        self._then: App | None = None
        self._marker = run_id()
        self._watchdog: Watchdog | None = None
        self._warmup: HttpWarmup | None = None
        self._adopted = False
        self._spawning = False
        self._process: subprocess.Popen[bytes] | None = None
        self._app: App | None = None
        self._reaper: Reaper | None = None
        self._watcher: TreeWatcher | None = None
        self._lingering: int | None = None  # the watchdog's pid, if it had not exited

    @uninterruptible
    def start(self, command: str, environ: Mapping[str, str],
              others: Mapping[str, str] | None = None) -> None:
        """Watchdog first (forked while no thread runs), then the warm-up, the app, its watchers.

        ``others`` are the commands of the process types booted beside web (companions.py).

        Uninterruptible, so that ``close`` never finds half a thing (a Popen lost inside its
        constructor, a thread not yet started); the caller raises a signal that came meanwhile.
        """
        watchdog = self._watchdog = Watchdog.start(self._marker, self.config.shutdown_grace,
                                                   overdue_after(self.config))
        self._adopted = SYSTEM.become_subreaper()
        self._warmup = HttpWarmup()
        env = {**environ, "PORT": str(self.target.port), RUN_ID_VARIABLE: self._marker}
        self._env = env
        self._spawning = True
        started = time.monotonic()
        self._process = spawn(command, env)
        self._app = App.attach(self.config.process_type, self._process, started, self._adopted,
                               self.console, family=self._family,
                               on_text=self.ready_line.on_line if self.ready_line else None)
        self.companions.start(others or {}, env, self.console, self.target, self._app)
        self._app.check_beside = self._guarding(self._app.check_beside)
        for root in self._roots():
            watchdog.session(root.pid)
        reaper = Reaper(self._roots())
        reaper.start()
        self._reaper = reaper
        watcher = TreeWatcher(self._app, self.target, on_seen=watchdog.saw)
        watcher.start()
        self._watcher = watcher

    @uninterruptible
    def start_then(self, label: str, command: str, extra: Mapping[str, str]) -> App:
        """Spawn the command run once the checks passed: one more root of the one teardown.

        It gets the app's environment (PORT and the run's marker included, so the watchdog
        stops it too) plus ``extra``; its output is relayed under ``label``.
        """
        if self._reaper is None:
            raise RuntimeError("the run has not started its app")
        started = time.monotonic()
        process = self._reaper.spawn(lambda: spawn(command, {**self._env, **extra}))
        self._then = App.attach(label, process, started, self._adopted, self.console,
                                family=self._family)
        if self._watchdog is not None:
            self._watchdog.session(process.pid)
        return self._then

    @property
    def then(self) -> App | None:
        """The command run after the checks, once started."""
        return self._then

    def _guarding(self, beside: Callable[[], None]) -> Callable[[], None]:
        """Web's waits, which check the processes beside it, check the helper threads too."""

        def check() -> None:
            self.check_helpers()
            beside()

        return check

    def check_helpers(self) -> None:
        """Raise HelperDied if a pump or a tree watcher of the run stopped on an error."""
        members = self.companions.members
        apps = [self._app, self._then, *(c.app for c in members)]
        watchers = [self._watcher, *(c.watcher for c in members)]
        guards = ([a.pump.guard for a in apps if a is not None]
                  + [w.guard for w in watchers if w is not None])
        for guard in guards:
            guard.check()

    @property
    def spawned(self) -> bool:
        """Whether the app was started (and so has a record to give)."""
        return self._app is not None

    @property
    def app(self) -> App:
        """The app, once started."""
        if self._app is None:
            raise RuntimeError("the run has not started its app")
        return self._app

    @property
    def watcher(self) -> TreeWatcher:
        """The tree watcher, once started."""
        if self._watcher is None:
            raise RuntimeError("the run has not started its app")
        return self._watcher

    def http(self) -> httpx.Client:
        """The HTTP client, waiting for the warm-up to build it."""
        if self._warmup is None:
            raise RuntimeError("the run has not started")
        return self._warmup.client()

    @uninterruptible
    def close(self) -> None:
        """Stop the app, then the threads, then what they used; signals meanwhile are recorded."""
        if self._watcher is not None:
            self._watcher.stop()
            self.record.peak = self._watcher.peak
            self.record.listeners = self.record.listeners or self._watcher.listeners
        self.companions.stop_watching()
        if self._spawning:
            self._stop_app()
        quiet = self.workers.join(_THREAD_WAIT)
        self._release(quiet=quiet)
        if self._watchdog is not None and not self._watchdog.close():
            self._lingering = self._watchdog.pid

    def _stop_app(self) -> None:
        if self._watchdog is not None:
            self._watchdog.teardown_started()
        every = [self.config.process_type, *self.companions.names()]
        grace = self.config.shutdown_grace
        outlived: set[str] = set()
        shutdown = stop_tree(Descendants(self._roots(), self._adopted), grace,
                             outlived=lambda procs: outlived.update(self._types_of(procs)))
        self.record.shutdown = shutdown
        self.companions.stopped(shutdown)
        stubborn = [name for name in every if name in outlived] or every
        found = (diagnose.ignored_sigterm(" and ".join(stubborn), shutdown, grace),
                 diagnose.unstoppable(" and ".join(every), shutdown))
        self.record.warnings += [warning for warning in found if warning]

    def _types_of(self, procs: list[psutil.Process]) -> set[str]:
        """The process types ``procs`` belong to (web's alone, when web runs alone)."""
        family = self._family
        if family is None:
            return {self.config.process_type}
        return family.types_of(proc.pid for proc in procs)

    def _release(self, *, quiet: bool) -> None:
        """Drain the output and end the reaper; close what threads use only once all ended."""
        if self._then is not None:
            self._then.pump.finish(_PUMP_DRAIN)
            self._then.wakeup.close()
        if self._app is not None:
            self._app.pump.finish(_PUMP_DRAIN)
            self.record.tail = self._app.pump.tail()
            if quiet:
                self._app.wakeup.close()
        if self._reaper is not None:
            self._reaper.join(_THREAD_WAIT)
        if self._warmup is not None:
            self._warmup.close(in_use=not quiet)

    def _roots(self) -> list[subprocess.Popen[bytes]]:
        """Every root spawned: web's, then each companion's, then the command run after."""
        web = [self._process] if self._process is not None else []
        then = [self._then.process] if self._then is not None else []
        return web + self.companions.roots() + then

    def aftermath(self) -> str:
        """What the teardown verified, for the message of an interrupted run."""
        shutdown = self.record.shutdown
        if not self._spawning or shutdown is None:
            return "the app was not started"
        if shutdown.survivors:
            return f"{len(shutdown.survivors)} process(es) it started could not be stopped"
        if self._lingering is not None:
            return f"the app is stopped, but its watchdog (pid {self._lingering}) had not exited"
        if self._adopted:
            return "nothing it started is left running"
        return "every process of the app it could see has stopped"
