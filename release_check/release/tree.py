"""The app's process tree: watch it while it runs, stop all of it at the end.

The watcher walks the tree from a thread, every WALK_INTERVAL, for peak memory and the sockets
it listens on: the wait loop probes a socket every 20 ms at most, and a walk costs far more.
Between walks it takes cheap snapshots of the tree's pids, to count workers that exit
(respawn.py).

The teardown follows pytest-xprocess: the tree is snapshotted before anything is signalled, and
again before SIGKILL, so children forked during the grace are not missed. As gunicorn's arbiter
and Heroku's dyno manager do, every process gets SIGTERM at once, then SIGKILL after the grace.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import psutil

from release_check.release.app import App, kill_group
from release_check.release.linux import reap_adopted_children
from release_check.release.ports import Listener, Target, listeners_of, serving
from release_check.release.record import Memory, Shutdown
from release_check.release.respawn import CrashLoop, ExitCounter, process_name, snapshots

_KILL_WAIT = 5.0
_FIRST_POLL, _MAX_POLL = 0.001, 0.02  # most trees exit within milliseconds of SIGTERM


def app_tree(app: App) -> list[psutil.Process]:
    """Every process of the app but its root (which is waited through Popen).

    With a subreaper, orphans are re-parented to the runner, so the runner's descendants are
    exactly the app's tree (its share of them when several process types run: its family);
    otherwise the root's descendants are the best that can be seen.
    """
    if app.adopted and app.family is not None:
        return [p for p in app.family.members(app.label) if p.pid != app.pid]
    try:
        anchor = psutil.Process(os.getpid() if app.adopted else app.pid)
        return [p for p in anchor.children(recursive=True) if p.pid != app.pid]
    except psutil.Error:  # gone already, or unreadable: the process group is still signalled
        return []


def _signal_all(procs: list[psutil.Process], app: App, signum: int) -> None:
    kill_group(app.pid, signum)
    for proc in procs:
        with contextlib.suppress(psutil.Error):  # gone, or became another user's (setuid)
            proc.send_signal(signum)
    if app.exit_code() is None:
        app.process.send_signal(signum)


def _finished(proc: psutil.Process) -> bool:
    """Exited, or a zombie: nothing more will run in it."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(proc.pid, os.WNOHANG)  # reaps it if it is (or was adopted as) our child
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait(procs: list[psutil.Process], app: App, timeout: float) -> list[psutil.Process]:
    """Wait until the root and ``procs`` finished or ``timeout`` passed; return the rest."""
    deadline = time.monotonic() + timeout
    pause = _FIRST_POLL
    while True:
        alive = [p for p in procs if not _finished(p)]
        if (not alive and app.exit_code() is not None) or time.monotonic() >= deadline:
            return alive
        time.sleep(pause)
        pause = min(pause * 2, _MAX_POLL)


def stop_tree(app: App, grace: float, *, reap: bool = True) -> Shutdown:
    """SIGTERM the tree, SIGKILL what outlives ``grace``, reap; report how long it took.

    ``reap=False`` leaves adopted orphans to the caller: with other types stopping at the same
    time, a wait for any child could collect another root's exit status before its Popen does.
    """
    started = time.monotonic()
    procs = app_tree(app)
    _signal_all(procs, app, signal.SIGTERM)
    alive = _wait(procs, app, grace)
    survivors = {p.pid: p for p in [*alive, *app_tree(app)] if not _finished(p)}
    killed = len(survivors) + int(app.exit_code() is None)
    if killed:
        _signal_all(list(survivors.values()), app, signal.SIGKILL)
        _wait(list(survivors.values()), app, _KILL_WAIT)
    if app.adopted and reap:
        reap_adopted_children()
    return Shutdown(time.monotonic() - started, killed)


WALK_INTERVAL = 1.0


def _pss(procs: list[psutil.Process]) -> int:
    return sum(int(getattr(p.memory_full_info(), "pss")) for p in procs)  # noqa: B009


def _rss(procs: list[psutil.Process]) -> int:
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += int(proc.memory_info().rss)
    return total


def measure(procs: list[psutil.Process]) -> Memory:
    """Sum the tree's PSS; fall back to RSS where PSS is unreadable (macOS, other users)."""
    try:
        return Memory(_pss(procs), "pss", len(procs))
    except (psutil.Error, AttributeError):
        return Memory(_rss(procs), "rss", len(procs))


def tree_of(app: App) -> list[psutil.Process]:
    """The root and every descendant of the app."""
    procs = app_tree(app)
    with contextlib.suppress(psutil.Error):
        procs.insert(0, psutil.Process(app.pid))
    return procs


class TreeWatcher:
    """Samples the tree until stopped; readers get the latest facts without walking it."""

    def __init__(self, app: App, target: Target) -> None:
        self._app = app
        self._target = target
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-watcher", daemon=True)
        self.peak: Memory | None = None
        self.listeners: list[Listener] = []
        self._elsewhere_since: float | None = None
        self._exits = ExitCounter(app.pid, process_name)
        self._snapshot, self._tick = snapshots(WALK_INTERVAL)

    def start(self) -> None:
        """Begin sampling."""
        self._thread.start()

    def _run(self) -> None:
        walk_at = time.monotonic() + WALK_INTERVAL
        while not self._stop.wait(self._tick):
            self._exits.observe(self._snapshot(self._app.pid))
            if time.monotonic() >= walk_at:
                walk_at = time.monotonic() + WALK_INTERVAL
                self.sample()

    @property
    def crash_loop(self) -> CrashLoop | None:
        """The crash loop of the app's workers, once seen (respawn.py)."""
        return self._exits.loop

    def sample(self) -> None:
        """Walk the tree once now: its memory, and the sockets it listens on."""
        procs = self._sample_memory()
        if not procs:
            return
        listeners = listeners_of(procs)
        elsewhere = bool(listeners) and not serving(listeners, self._target)
        if elsewhere and self._elsewhere_since is None:
            self._elsewhere_since = time.monotonic()
        elif not elsewhere:
            self._elsewhere_since = None
        self.listeners = listeners

    def _sample_memory(self) -> list[psutil.Process]:
        procs = tree_of(self._app)
        if procs:
            memory = measure(procs)
            if self.peak is None or memory.bytes > self.peak.bytes:
                self.peak = memory
        return procs

    def elsewhere_for(self) -> float:
        """Seconds the app has listened on other ports but not the target (0 if it has not)."""
        since = self._elsewhere_since
        return 0.0 if since is None else time.monotonic() - since

    def stop(self) -> None:
        """Stop sampling, after one last memory sample so a late peak is not missed."""
        self._stop.set()
        self._thread.join()
        if self._app.exit_code() is None:
            self._sample_memory()
