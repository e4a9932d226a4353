"""What any platform psutil supports can tell: macOS, the BSDs, and Linux without its fast paths.

Each answer is psutil's, found by polling and scanning: slower than Linux's kernel interfaces,
and blinder where the OS hides other users' processes (macOS lists their sockets to root only).
"""

from __future__ import annotations

import contextlib
import errno
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

import psutil

from release_check.system.interface import Socket

_EXIT_POLL = 0.001
_CONNECT_TIMEOUT = 1.0


class Portable:
    """psutil, polling: no subreaper, no exit descriptor, sockets read process by process."""

    name = "portable"

    def become_subreaper(self) -> bool:
        """No subreaper here: teardown signals each root's tree and its process group."""
        return False

    def name_process(self, name: bytes) -> None:
        """Processes keep the name they were started with."""

    def pidfd(self, pid: int) -> int | None:  # noqa: ARG002  (the interface's signature)
        """No exit descriptor: a waiter sleeps its whole interval, and the wait loop polls."""
        return None

    def exit_status(self, fd: int) -> int | None:  # noqa: ARG002  (the interface's signature)
        """No pidfd, so no status: a vanished child's end is unknown (respawn.py)."""
        return None

    def wait_exit(self, pid: int, timeout: float) -> bool:
        """Poll the process's status until it is gone or a zombie."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                    return True
            except psutil.Error:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(_EXIT_POLL)

    def descendants(self, root: int) -> dict[int, int]:
        """One scan of the process table (psutil's parent map), then each descendant's parent."""
        tree: dict[int, int] = {}
        with contextlib.suppress(psutil.Error):
            for proc in psutil.Process(root).children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    tree[proc.pid] = proc.ppid()
        return tree

    def listeners(self, pids: Iterable[int]) -> list[Socket]:
        """Each process's own sockets: psutil reads the whole socket table for each one."""
        found: list[Socket] = []
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                found += _listening(psutil.Process(pid).net_connections(kind="inet"), pid)
        return _with_v6only(found)

    def foreign(
        self, port: int, wanted: Callable[[Socket], bool], app: Callable[[], Iterable[int]],
        known: Iterable[int],
    ) -> list[Socket]:
        """The machine-wide table, or, where the OS refuses it, every process this user may read.

        A socket whose holder the OS does not name (pid None) counts as foreign.
        """
        found = [s for s in _machine_listeners()[0] if s.port == port and wanted(s)]
        if not found:
            return []
        pids = set(known) | set(app())
        return [s for s in found if s.pid is None or s.pid not in pids]

    def unreadable(self) -> int:
        """The processes whose sockets the OS would not show (0 where the whole table is open)."""
        return _machine_listeners()[1]


def _with_v6only(found: list[Socket]) -> list[Socket]:
    """Whether each ``::`` socket takes IPv4, which psutil does not say: 127.0.0.1 tells.

    Asked only of a ``::`` socket with no IPv4 socket of the same processes on its port; a
    refusal means IPv6-only (IPV6_V6ONLY, as asyncio servers set), an answer dual-stack.
    """
    ipv4 = {sock.port for sock in found if ":" not in sock.address}
    return [sock._replace(v6only=_refuses_ipv4(sock.port))
            if sock.address == "::" and sock.v6only is None and sock.port not in ipv4 else sock
            for sock in found]


def _refuses_ipv4(port: int) -> bool | None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(_CONNECT_TIMEOUT)
        try:
            code = probe.connect_ex(("127.0.0.1", port))
        except OSError:
            return None
    return {0: False, errno.ECONNREFUSED: True}.get(code)


def _machine_listeners() -> tuple[list[Socket], int]:
    """Every listening socket that can be seen, and how many processes hid theirs.

    macOS refuses the machine-wide table (AccessDenied) to all but root: then each process is
    asked in turn, and those of other users refuse too. They are counted, never taken as empty.
    """
    try:
        conns = psutil.net_connections(kind="inet")
    except psutil.AccessDenied:
        return _each_process()
    return [_socket(c, c.pid) for c in conns if _is_listening(c)], 0


def _each_process() -> tuple[list[Socket], int]:
    found: list[Socket] = []
    hidden = 0
    for proc in psutil.process_iter():
        try:
            found += _listening(proc.net_connections(kind="inet"), proc.pid)
        except psutil.AccessDenied:
            hidden += 1
        except psutil.Error:
            continue  # exited meanwhile
    return found, hidden


def _listening(conns: Iterable[Any], pid: int) -> list[Socket]:
    return [_socket(c, pid) for c in conns if _is_listening(c)]


def _is_listening(conn: Any) -> bool:
    return bool(conn.status == psutil.CONN_LISTEN and conn.laddr)


def _socket(conn: Any, pid: int | None) -> Socket:
    """A Socket from psutil, which does not say whether an IPv6 socket is IPv6-only."""
    v6only = None if conn.family == socket.AF_INET6 else False
    return Socket(conn.laddr.ip, conn.laddr.port, v6only, pid)
