"""Crash-looping workers: a server that keeps respawning children that die before it serves.

The tree watcher takes a snapshot of the tree's pids every few tenths of a second (one small
/proc read per process, far cheaper than the memory walk) and counts, per parent, the children
that vanished while their parent lived on. CRASH_LOOP_EXITS of them is a crash loop: the server
will go on respawning workers until the deadline, so waiting longer only repeats the traceback.
Children of a shell are not counted: a boot script runs its helper commands one after another.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import psutil

CRASH_LOOP_EXITS = 5
SNAPSHOT_INTERVAL = 0.2  # a worker that fails at import lives 0.05-0.4 s
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox", "fish"})


@dataclass(frozen=True)
class CrashLoop:
    """Seen: ``exits`` children of process ``server`` (named ``name``) died while it lived on."""

    exits: int
    server: int
    name: str

    def describe(self, label: str, seconds: float, phase: str) -> str:
        """The verdict: what died, how fast, before what, and who respawns them."""
        return (
            f"{label}'s worker processes are crash-looping: {self.exits} exited in {seconds:.1f}s"
            f" {phase} ({self.name}, pid {self.server}, respawns them); their last lines are"
            " above"
        )


class ExitCounter:
    """Counts, from successive snapshots (pid -> parent pid), each parent's children that exit."""

    def __init__(self, root: int, name_of: Callable[[int], str],
                 threshold: int = CRASH_LOOP_EXITS) -> None:
        self._root = root
        self._name_of = name_of
        self._threshold = threshold
        self._last: dict[int, int] = {}
        self._exits: Counter[int] = Counter()
        self.loop: CrashLoop | None = None

    def observe(self, tree: Mapping[int, int]) -> None:
        """Compare with the last snapshot: a child gone while its parent is still there exited."""
        for pid, parent in self._last.items():
            if pid not in tree and (parent == self._root or parent in tree):
                self._count(parent)
        self._last = dict(tree)

    def _count(self, parent: int) -> None:
        name = self._name_of(parent)
        if name in SHELLS:
            return
        self._exits[parent] += 1
        if self.loop is None and self._exits[parent] >= self._threshold:
            self.loop = CrashLoop(self._exits[parent], parent, name)


def process_name(pid: int) -> str:
    """The process's name, or "" once it is gone or unreadable."""
    try:
        return psutil.Process(pid).name()
    except psutil.Error:
        return ""
