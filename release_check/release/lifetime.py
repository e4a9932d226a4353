"""One release check's resources, owned in one place and released in one order.

A Run holds the app, the target, the watchdog, the record, and every thread started for the
run: the HTTP warm-up, the output pump, the tree watcher, the reaper, the check pool and the
request threads. ``start`` spawns the app and ``close`` undoes all of it; the caller calls
``start`` inside the ``try`` whose ``finally`` calls ``close``, so a signal that lands during
or just after the spawn still stops the app. Both are uninterruptible.

Each resource joins one stack as it is made, and ``close`` unwinds it, last in first out:

    watchdog        told "done" last
    warm-up         the HTTP client, closed once the threads that use it ended
    processes       a slot: web's, each companion's and the then-command's pump and wake-up,
                    and the reaper, released once every process is stopped
    teardown        stops every process tree at once, then waits for the threads (a request
                    blocked on the app ends when the app does); joins before the first spawn
    watchers        stopped first: each would race with the teardown
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Mapping
from contextlib import ExitStack
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
    PUMP_DRAIN,
    RUN_ID_VARIABLE,
    App,
    Descendants,
    Family,
    Hooks,
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

_THREAD_WAIT = 2.0  # threads end within milliseconds once the app is down; this is a backstop


def overdue_after(config: Config) -> float:
    """Seconds after which a runner not yet done is overdue: every wait of the run.

    The boot and checks, the uptime window, the slowest process beside web, the teardown; the
    watchdog gives a runner still running then a margin more (supervise/watchdog.py).
    """
    beside = max((spec.timeout or config.timeout) + spec.uptime
                 for spec in config.companions()) if config.companions() else 0.0
    return config.timeout + config.uptime + beside + config.shutdown_grace + KILL_WAIT


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
        self._stack = ExitStack()
        self._released = ExitStack()  # the processes' slot in the stack
        self._quiet = True  # whether every thread ended, so that what they use can be closed

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
        self._stack.callback(self._watchdog_done, watchdog)
        self._adopted = SYSTEM.become_subreaper()
        warmup = self._warmup = HttpWarmup()
        self._stack.callback(lambda: warmup.close(in_use=not self._quiet))
        self._stack.enter_context(self._released)
        self._env = {**environ, "PORT": str(self.target.port), RUN_ID_VARIABLE: self._marker}
        self._spawning = True
        self._stack.callback(self._teardown)
        self._spawn(command, others or {})
        for root in self._roots():
            watchdog.session(root.pid)
        reaper = self._reaper = Reaper(self._roots())
        reaper.start()
        self._released.callback(reaper.join, _THREAD_WAIT)
        self.companions.watch(self.target, self._stack)
        watcher = self._watcher = TreeWatcher(self.app, self.target, on_seen=watchdog.saw)
        watcher.start()
        self._stack.callback(self._stop_watching, watcher)

    def _spawn(self, command: str, others: Mapping[str, str]) -> None:
        """Web, then each process beside it; each joins the processes' slot once spawned."""
        started = time.monotonic()
        self._process = spawn(command, self._env)
        self._app = App.attach(self.config.process_type, self._process, started, self._adopted,
                               self.console, family=self._family,
                               hooks=Hooks(self.ready_line.on_line if self.ready_line else None,
                                           self._check_beside))
        self._released.callback(self._finish_web, self._app)
        self.companions.start(others, self._env, self.console, self._released,
                              adopted=self._adopted)

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
        self._released.callback(self._then.finish, PUMP_DRAIN)
        if self._watchdog is not None:
            self._watchdog.session(process.pid)
        return self._then

    @property
    def then(self) -> App | None:
        """The command run after the checks, once started."""
        return self._then

    def _check_beside(self) -> None:
        """Web's waits check the helper threads and the processes beside it."""
        self.check_helpers()
        self.companions.check()

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
        """Unwind the stack of resources; signals meanwhile are recorded."""
        self._stack.close()

    def _stop_watching(self, watcher: TreeWatcher) -> None:
        watcher.stop()
        self.record.peak = watcher.peak
        self.record.listeners = self.record.listeners or watcher.listeners

    def _teardown(self) -> None:
        """Stop every process tree, then wait for the threads: their requests end with it."""
        self._stop_app()
        self._quiet = self.workers.join(_THREAD_WAIT)

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

    def _finish_web(self, app: App) -> None:
        """Read web's last lines; close its wake-up unless a thread may still wait on it."""
        app.pump.finish(PUMP_DRAIN)
        self.record.tail = app.pump.tail()
        if self._quiet:
            app.wakeup.close()

    def _watchdog_done(self, watchdog: Watchdog) -> None:
        if not watchdog.close():
            self._lingering = watchdog.pid

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

