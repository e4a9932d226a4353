"""The app's process tree: watch it while it runs, stop all of it at the end.

The watcher walks the tree from a thread, every WALK_INTERVAL, for peak memory and the sockets
it listens on: the wait loop probes a socket every 20 ms at most, and a walk costs far more.
Between walks it takes cheap snapshots of the tree's pids, to count workers that exit
(respawn.py).

The teardown gives each process exactly one SIGTERM, as Heroku's dyno manager does (a second
one hangs some servers), looking again and again until nothing is left, so that children forked
during the grace, and descendants that keep forking away, are stopped too; then SIGKILL, just
as repeatedly, for what outlives the grace. What is "the tree" is a Scope: the runner's own
descendants (release/lifetime.py), or the processes carrying the run's marker (the watchdog).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import psutil

from release_check.reports import Memory, Shutdown
from release_check.sockets import Listener, Target, listeners_of, serving
from release_check.supervise.app import App, kill_group
from release_check.supervise.guarded import Guarded
from release_check.supervise.reaper import reap_exited
from release_check.supervise.respawn import (
    SNAPSHOT_INTERVAL,
    CrashLoop,
    Death,
    ExitCounter,
    process_command,
    process_name,
)
from release_check.system import SYSTEM

KILL_WAIT = 5.0
_UNSEEN = "a process it could not name (it kept forking while looked at)"
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
    except psutil.Error:
        # Gone already, or unreadable: without a subreaper the teardown still signals each
        # root's process group (Descendants.broadcast).
        return []


class Scope(Protocol):
    """The processes one teardown must stop."""

    def processes(self) -> list[psutil.Process]:
        """Those still running now (zombies are done)."""

    def gone(self) -> bool:
        """Whether none is left, as far as this scope can verify."""

    def broadcast(self, signum: int) -> list[psutil.Process]:
        """Signal a whole group at once, if the scope has one; return the processes reached."""


def running(procs: list[psutil.Process]) -> list[psutil.Process]:
    """``procs`` without the exited and the zombies."""
    alive = []
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            if proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
    return alive


class Descendants:
    """The runner's view of the roots it spawned (none if the spawn was interrupted).

    As a subreaper the runner adopts every orphan, so its descendants are the app's whole tree
    (every process type's, when several run) and the tree is gone once the runner has no child
    left. Without one (macOS), what can be seen is each root's tree, and each root's process
    group is signalled for the daemons that left it.
    """

    def __init__(self, roots: Sequence[subprocess.Popen[bytes]], adopted: bool) -> None:
        self._roots = list(roots)
        self._adopted = adopted

    def processes(self) -> list[psutil.Process]:
        """Every running descendant (with a subreaper), else each root and its descendants."""
        with contextlib.suppress(psutil.Error):
            if self._adopted:
                return running(psutil.Process().children(recursive=True))
        found: list[psutil.Process] = []
        for root in self._roots:
            with contextlib.suppress(psutil.Error):
                top = psutil.Process(root.pid)
                found += [top, *top.children(recursive=True)]
        return running(found)

    def gone(self) -> bool:
        """Reap what exited; with a subreaper, gone means no child is left at all."""
        if self._adopted:
            return not reap_exited(self._roots)
        exited = all(root.poll() is not None for root in self._roots)
        return exited and not self.processes()

    def broadcast(self, signum: int) -> list[psutil.Process]:
        """Without a subreaper, signal each root's process group, which may hold unseen daemons.

        What runs outside those groups (a child that called setsid) is signalled first, while
        it is still seen below its parent: once the group's signal ends the parent, it is gone
        to init, out of sight. Each process gets the signal once; all of them are returned.
        """
        if self._adopted:
            return []
        groups = {root.pid for root in self._roots}
        seen = self.processes()
        for proc in seen:
            if _group_of(proc) not in groups:
                with contextlib.suppress(psutil.Error):
                    proc.send_signal(signum)
        for group in groups:
            kill_group(group, signum)
        return seen


def _group_of(proc: psutil.Process) -> int | None:
    try:
        return os.getpgid(proc.pid)
    except OSError:
        return None


Send = Callable[[psutil.Process], bool]


def _sender(signum: int, sent: set[psutil.Process], *, again: bool) -> Send:
    """Signal a process (once ever, unless ``again``), remembering it in ``sent``.

    Returns whether the process is a new one: the tree is still forking.
    """

    def send(proc: psutil.Process) -> bool:
        new = proc not in sent
        if again or new:
            sent.add(proc)
            with contextlib.suppress(psutil.Error):  # gone, or became another user's (setuid)
                proc.send_signal(signum)
        return new

    return send


def _until_gone(scope: Scope, deadline: float, send: Send | None) -> bool:
    """Signal what runs, look again, until nothing is left (True) or the deadline (False).

    Only ``gone`` decides: a look at /proc can come up empty while a process is between two
    forks, and the tree is not gone then.
    """
    pause = _FIRST_POLL
    while True:
        fresh = [send(proc) for proc in scope.processes()] if send is not None else []
        if any(fresh):
            pause = _FIRST_POLL  # something new: look again soon, before it forks away
        if scope.gone():
            return True
        now = time.monotonic()
        if now >= deadline:
            return False
        time.sleep(min(pause, deadline - now))
        pause = min(pause * 2, _MAX_POLL)
        if scope.gone():  # the cheap question first: most trees are down before a second look
            return True


def stop_tree(
    scope: Scope, grace: float, *, terminated: bool = False, kill_wait: float = KILL_WAIT,
    outlived: Callable[[list[psutil.Process]], None] | None = None,
) -> Shutdown:
    """One SIGTERM to each process, SIGKILL for what outlives ``grace``; report how it went.

    ``terminated`` means someone else already sent the SIGTERMs (the watchdog finishing a
    teardown the runner began): only the wait and the SIGKILLs are left to do. ``outlived``
    is shown what still runs when the grace is over, before the SIGKILLs.
    """
    started = time.monotonic()
    termed = set() if terminated else set(scope.broadcast(signal.SIGTERM))
    term = None if terminated else _sender(signal.SIGTERM, termed, again=False)
    killed: set[psutil.Process] = set()
    gone = _until_gone(scope, started + grace, term)
    if not gone:
        if outlived is not None:
            outlived(scope.processes())
        killed.update(scope.broadcast(signal.SIGKILL))
        kill = _sender(signal.SIGKILL, killed, again=True)
        gone = _until_gone(scope, time.monotonic() + kill_wait, kill)
    survivors = () if gone else tuple(_describe(p) for p in scope.processes()) or (_UNSEEN,)
    return Shutdown(time.monotonic() - started, len(killed), survivors)


def _describe(proc: psutil.Process) -> str:
    try:
        return f"pid {proc.pid} ({proc.name()})"
    except psutil.Error:
        return f"pid {proc.pid}"


WALK_INTERVAL = 1.0


def _pss(procs: list[psutil.Process]) -> tuple[int, int]:
    """The PSS of each process still there, and how many; a process gone mid-sample is skipped.

    Any other error (PSS unreadable: macOS, another user's process) is the caller's.
    """
    total = counted = 0
    for proc in procs:
        try:
            total += int(getattr(proc.memory_full_info(), "pss"))  # noqa: B009
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue  # a worker that exited while the tree was sampled: it uses nothing now
        counted += 1
    return total, counted


def _rss(procs: list[psutil.Process]) -> tuple[int, int]:
    total = counted = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += int(proc.memory_info().rss)
            counted += 1
    return total, counted


def uss_estimate(procs: list[psutil.Process]) -> tuple[int, int]:
    """Each process's own pages (USS), and the largest one's shared pages counted once.

    Where there is no PSS (macOS), this is its nearest: forked workers share their master's
    pages, which RSS would count once per worker.
    """
    infos = []
    for proc in procs:
        try:
            infos.append(proc.memory_full_info())
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue  # gone mid-sample, as in _pss
    shared = max((int(info.rss) - int(info.uss) for info in infos), default=0)
    return sum(int(info.uss) for info in infos) + max(shared, 0), len(infos)


def measure(procs: list[psutil.Process]) -> Memory:
    """Sum the tree's PSS; else USS with shared pages once (macOS); else RSS (other users).

    A process that exits during the sample is left out of it, not a reason to switch kinds:
    one sample is all of one kind.
    """
    try:
        total, counted = _pss(procs)
    except (psutil.Error, AttributeError):
        pass
    else:
        return Memory(total, "pss", counted)
    try:
        total, counted = uss_estimate(procs)
        return Memory(total, "uss", counted)
    except (psutil.Error, AttributeError):
        total, counted = _rss(procs)
        return Memory(total, "rss", counted)


_PREFERRED = {"pss": 2, "uss": 1, "rss": 0}  # nearest to what the dyno is charged first


def replaces(peak: Memory | None, sample: Memory) -> bool:
    """Whether ``sample`` is the new peak: like compared with like, PSS preferred, RSS last.

    RSS counts forked workers' shared pages once per worker, so an RSS sample is always the
    larger: it never replaces a PSS or USS peak, and a better kind replaces a worse one.
    """
    if peak is None:
        return True
    if peak.kind != sample.kind:
        return _PREFERRED[sample.kind] > _PREFERRED[peak.kind]
    return sample.bytes > peak.bytes


def tree_of(app: App) -> list[psutil.Process]:
    """The root and every descendant of the app."""
    procs = app_tree(app)
    with contextlib.suppress(psutil.Error):
        procs.insert(0, psutil.Process(app.pid))
    return procs


class TreeWatcher:
    """Samples the tree until stopped; readers get the latest facts without walking it."""

    def __init__(self, app: App, target: Target,
                 on_seen: Callable[[list[psutil.Process]], None] | None = None) -> None:
        self._app = app
        self._target = target
        self._on_seen = on_seen  # told the processes of each walk (the watchdog)
        self._stop = threading.Event()
        self._wake = threading.Event()  # set by stop() and by look_now()
        self.guard = Guarded("tree-watcher", f"tree watcher of {app.label} (crash loops,"
                             " memory, the wrong port)", self._run)
        self.peak: Memory | None = None
        self.listeners: list[Listener] = []
        self._elsewhere_since: float | None = None
        self._exits = ExitCounter(app.pid, process_name, process_command)
        self._snapshot, self._tick = SYSTEM.descendants, SNAPSHOT_INTERVAL

    def start(self) -> None:
        """Begin sampling."""
        self.guard.start()

    def _run(self) -> None:
        walk_at = time.monotonic() + WALK_INTERVAL
        while not self._stop.is_set():
            self._wake.wait(self._tick)
            self._wake.clear()
            if self._stop.is_set():
                return
            self._exits.observe(self._snapshot(self._app.pid))
            if time.monotonic() >= walk_at:
                walk_at = time.monotonic() + WALK_INTERVAL
                self.sample()

    @property
    def crash_loop(self) -> CrashLoop | None:
        """The crash loop of the app's workers, once seen (respawn.py)."""
        return self._exits.loop

    @property
    def last_death(self) -> Death | None:
        """The last of the tree's children seen to die (non-zero code or a signal), if any."""
        return self._exits.last_death

    def sample(self) -> None:
        """Walk the tree once now: its memory, and the sockets it listens on."""
        procs = self._sample_memory()
        if not procs:
            return
        if self._on_seen is not None:
            self._on_seen(procs)
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
            if replaces(self.peak, memory):
                self.peak = memory
        return procs

    def elsewhere_for(self) -> float:
        """Seconds the app has listened on other ports but not the target (0 if it has not)."""
        since = self._elsewhere_since
        return 0.0 if since is None else time.monotonic() - since

    def look_now(self) -> None:
        """Take the next snapshot at once: the children alive at a ready line are watched."""
        self._wake.set()

    def stop(self) -> None:
        """Stop sampling, after one last memory sample so a late peak is not missed."""
        self._stop.set()
        self._wake.set()
        self.guard.join()
        self._exits.close()
        if self._app.exit_code() is None and self.guard.error is None:
            self.guard.call(self._sample_memory)
