"""Which process type each of the runner's descendants belongs to, when several types run.

As a subreaper the runner adopts every orphan, so all the types' processes end up below it.
A process belongs to the type whose root is among its ancestors; an orphan, re-parented to
the runner, to the type whose session it is in (each root leads its own session); one that
left its session too (setsid, then a double fork) to web, as when web ran alone.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping

import psutil


def owners(
    parents: Mapping[int, int], sessions: Mapping[int, int | None], roots: Mapping[int, str],
    default: str,
) -> dict[int, str]:
    """The type of every pid of ``parents`` (pid -> parent pid), roots included."""
    found: dict[int, str] = {}
    for pid in parents:
        seen: list[int] = []
        current: int | None = pid
        while current is not None and current not in roots and current not in found:
            seen.append(current)
            current = parents.get(current)
        if current is not None:
            owner = roots.get(current) or found[current]
        else:
            owner = roots.get(sessions.get(pid) or -1, default)
        found.update(dict.fromkeys([*seen, pid], owner))
    return found


def _session(proc: psutil.Process) -> int | None:
    try:
        return os.getsid(proc.pid)
    except OSError:
        return None


class Family:
    """The roots of every process type of a run, and the runner's view of their trees."""

    def __init__(self, default: str) -> None:
        self.default = default
        self.roots: dict[int, str] = {}

    def add(self, pid: int, label: str) -> None:
        """A root just spawned for ``label``."""
        self.roots[pid] = label

    def members(self, label: str) -> list[psutil.Process]:
        """The running descendants of the runner that belong to ``label``, its root included."""
        procs, owner = self._owners()
        return [proc for proc in procs if owner.get(proc.pid) == label]

    def types_of(self, pids: Iterable[int]) -> set[str]:
        """The process types of ``pids``, among the runner's descendants."""
        _, owner = self._owners()
        return {owner[pid] for pid in pids if pid in owner}

    def _owners(self) -> tuple[list[psutil.Process], dict[int, str]]:
        """The runner's descendants, and the type of each."""
        try:
            procs = psutil.Process().children(recursive=True)
        except psutil.Error:
            return [], {}
        parents: dict[int, int] = {}
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                parents[proc.pid] = proc.ppid()
        sessions = {proc.pid: _session(proc) for proc in procs}
        return procs, owners(parents, sessions, self.roots, self.default)
