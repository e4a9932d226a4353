"""Watch the app's process tree from a thread: peak memory and the sockets it listens on.

The wait loop probes a socket every 20 ms at most; walking the tree costs far more, so it
happens here, every WALK_INTERVAL, off the loop's path.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from typing import Literal

import psutil

from release_check.app import App
from release_check.ports import Listener, Target, listeners_of, serving
from release_check.teardown import app_tree

WALK_INTERVAL = 1.0
MemoryKind = Literal["pss", "rss"]


@dataclass(frozen=True)
class Memory:
    """The tree's memory at one moment: PSS where readable (forked workers not counted twice)."""

    bytes: int
    kind: MemoryKind
    processes: int


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

    def start(self) -> None:
        """Begin sampling."""
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(WALK_INTERVAL):
            self.sample()

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
