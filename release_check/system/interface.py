"""What the rest of release-check asks the operating system, answered by one implementation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple, Protocol


class Socket(NamedTuple):
    """A listening TCP socket and the process holding it (None where the OS will not tell).

    ``v6only`` is IPV6_V6ONLY of an IPv6 socket (False for IPv4, None where unknown).
    """

    address: str
    port: int
    v6only: bool | None
    pid: int | None


class System(Protocol):
    """The process and socket facts the run needs, each the best this platform gives."""

    name: str

    def become_subreaper(self) -> bool:
        """Adopt orphaned descendants; False where the platform cannot."""

    def name_process(self, name: bytes) -> None:
        """Give this process a name of its own in process lists, where the platform allows."""

    def pidfd(self, pid: int) -> int | None:
        """A descriptor readable once ``pid`` exits; None where there is none (sleep instead)."""

    def exit_status(self, fd: int) -> int | None:
        """The wait status of the exited process behind pidfd ``fd``; None where not told."""

    def wait_exit(self, pid: int, timeout: float) -> bool:
        """Wait up to ``timeout`` for ``pid`` (not necessarily a child) to exit."""

    def descendants(self, root: int) -> dict[int, int]:
        """Every descendant of ``root`` and its parent: cheap enough to take often."""

    def listeners(self, pids: Iterable[int]) -> list[Socket]:
        """The listening TCP sockets the given processes hold."""

    def foreign(
        self, port: int, wanted: Callable[[Socket], bool], app: Callable[[], Iterable[int]],
        known: Iterable[int],
    ) -> list[Socket]:
        """The ``wanted`` listening sockets on ``port`` that none of the app's processes hold.

        ``app`` lists the app's pids (a walk of every process: called only when needed, after
        the socket table is read); ``known`` are pids of the app's just seen listening.
        """

    def unreadable(self) -> int:
        """How many processes hide their sockets from this user (so ``foreign`` cannot see)."""
