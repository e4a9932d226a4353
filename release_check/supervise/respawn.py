"""Crash-looping workers: a parent that keeps starting again the command that just died.

The tree watcher takes a snapshot of the tree's pids every few tenths of a second (one small
/proc read per process, far cheaper than the memory walk) and follows, per parent, the children
that vanished while their parent lived on. A respawn is the parent starting again the command
of a child that died (non-zero exit or a signal) before it started any other command; all that
happened between two snapshots counts once (a pool that ends its workers together is one
event). CRASH_LOOP_EXITS respawns is a crash loop: the parent will go on respawning until the
deadline, so waiting longer only repeats the traceback. Boot steps are not respawns: make's
recipe lines, a start script's management commands, even the same command run twice, each
finish with 0.

How a child ended is read from a pidfd taken when it is first seen (Linux 6.15+ keeps the
status for it). Where the status cannot be read, an ended child counts as dead unless its
parent is a shell, whose children are the steps of a boot script more often than workers.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import psutil

from release_check.system import SYSTEM

CRASH_LOOP_EXITS = 5
SNAPSHOT_INTERVAL = 0.2  # a worker that fails at import lives 0.05-0.4 s
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox", "fish"})
_NUMBERS = re.compile(r"\d+")
_WATCHED_LIMIT = 256  # pidfds held at once: a fork bomb must not use up the runner's descriptors


@dataclass(frozen=True)
class CrashLoop:
    """Seen: ``exits`` respawns of dying children by process ``server`` (named ``name``)."""

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


class Endings:
    """How each watched child ended: a pidfd per child, read once it has vanished."""

    def __init__(self) -> None:
        self._fds: dict[int, int] = {}

    def watch(self, pid: int) -> None:
        """Keep a pidfd of ``pid`` (a child just seen), while there is room."""
        if len(self._fds) < _WATCHED_LIMIT and (fd := SYSTEM.pidfd(pid)) is not None:
            self._fds[pid] = fd

    def status(self, pid: int) -> int | None:
        """The wait status of ``pid``, which has vanished; None where it cannot be read."""
        fd = self._fds.pop(pid, None)
        if fd is None:
            return None
        try:
            return SYSTEM.exit_status(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        """Let go of every pidfd."""
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()


@dataclass(frozen=True)
class Death:
    """A child of the tree that ended with a non-zero code or a signal, at a monotonic time."""

    pid: int
    code: int  # as Popen.returncode: negative for a signal
    at: float


@dataclass
class _Parent:
    """What one parent did: the commands that died since it last started another, respawns."""

    dead: set[str] = field(default_factory=set)
    respawns: int = 0


class ExitCounter:
    """Counts, from successive snapshots (pid -> parent pid), each parent's respawns."""

    def __init__(self, root: int, name_of: Callable[[int], str],
                 command_of: Callable[[int], str], endings: Endings | None = None,
                 threshold: int = CRASH_LOOP_EXITS) -> None:
        self._root = root
        self._name_of = name_of
        self._command_of = command_of
        self._endings = endings or Endings()
        self._threshold = threshold
        self._last: dict[int, int] = {}
        self._commands: dict[int, str] = {}
        self._parents: dict[int, _Parent] = {}
        self.loop: CrashLoop | None = None
        self.last_death: Death | None = None

    def observe(self, tree: Mapping[int, int]) -> None:
        """Compare with the last snapshot: who ended, who started, under which parent."""
        died: dict[int, set[str]] = {}
        for pid, parent in self._last.items():
            if pid not in tree:
                command, status = self._commands.pop(pid, ""), self._endings.status(pid)
                self._ended(pid, status)
                alive = parent == self._root or parent in tree
                if alive and self._died(parent, status):
                    died.setdefault(parent, set()).add(command)
        started: dict[int, set[str]] = {}
        for pid, parent in tree.items():
            if pid not in self._last:
                self._endings.watch(pid)
                self._commands[pid] = self._command_of(pid)
                started.setdefault(parent, set()).add(self._commands[pid])
        for parent in died.keys() | started.keys():
            self._judge(parent, died.get(parent, set()), started.get(parent, set()))
        self._last = dict(tree)

    def _died(self, parent: int, status: int | None) -> bool:
        if status is None:
            return self._name_of(parent) not in SHELLS
        return status != 0

    def _ended(self, pid: int, status: int | None) -> None:
        """Remember the last child known to have died, for the window after a ready line."""
        if status:
            self.last_death = Death(pid, os.waitstatus_to_exitcode(status), time.monotonic())

    def _judge(self, parent: int, died: set[str], started: set[str]) -> None:
        """One snapshot's doings of ``parent``: a respawn at most, however many children."""
        seen = self._parents.setdefault(parent, _Parent())
        dead = seen.dead | died
        again = started & dead - {""}
        seen.dead = set() if started - dead else dead  # another command: a step, not a respawn
        if not again:
            return
        seen.respawns += 1
        if self.loop is None and seen.respawns >= self._threshold:
            self.loop = CrashLoop(seen.respawns, parent, self._name_of(parent))

    def close(self) -> None:
        """Let go of what was held to learn how children ended."""
        self._endings.close()


def process_name(pid: int) -> str:
    """The process's name, or "" once it is gone or unreadable."""
    try:
        return psutil.Process(pid).name()
    except psutil.Error:
        return ""


def process_command(pid: int) -> str:
    """The process's command line, or "" once it is gone or unreadable.

    Numbers are left out: a respawned worker's command may differ from the last one's only by
    the descriptors or ids passed to it (multiprocessing's ``pipe_handle=7``).
    """
    with contextlib.suppress(psutil.Error):
        return _NUMBERS.sub("#", shlex.join(psutil.Process(pid).cmdline()))
    return ""

