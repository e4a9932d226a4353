"""Linux's kernel interfaces: a subreaper, pidfds, sock_diag, /proc; each far cheaper than psutil.

Where one is missing (an old kernel, a sandbox that refuses netlink, a process gone), ``Linux``
falls back to what ``Portable`` does for that one call.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import psutil

from release_check.system.interface import Socket
from release_check.system.portable import Portable

_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_NAME = 15


def become_subreaper() -> bool:
    """Adopt orphaned descendants (setsid, double fork) so teardown can still find them.

    Returns False where prctl is unavailable (macOS, old kernels); teardown then relies on the
    process group and the tree it could see, which misses only fully detached daemons.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # noqa: PLC0415  (Linux only, and only when a run starts)

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def name_process(name: bytes) -> None:
    """Give this process a name of its own in ps and /proc (Linux; nothing elsewhere).

    The watchdog is a fork of the runner: named, it can be told from the app in a process
    list, and from the runner's own children by a supervisor that finds it exited.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # noqa: PLC0415  (Linux only)

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_NAME, ctypes.c_char_p(name[:15]), 0, 0, 0)


_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLM_F_REQUEST, _NLM_F_DUMP = 0x1, 0x300
_NLMSG_ERROR, _NLMSG_DONE = 2, 3
_TCP_LISTEN = 10
_HEADER = struct.Struct("=LHHLL")  # struct nlmsghdr
_REQUEST = struct.Struct("=BBBBL48x")  # struct inet_diag_req_v2, socket id left zero
_MESSAGE = struct.Struct("=BBBB2s2s16s16s12xLLLLL")  # struct inet_diag_msg
_ATTRIBUTE = struct.Struct("=HH")  # struct rtattr, after the message
_INET_DIAG_SKV6ONLY = 11

# address, port, and whether an IPv6 socket is IPv6-only (None where the kernel did not say)
ListeningSocket = tuple[str, int, bool | None]


def listening_sockets() -> dict[int, ListeningSocket] | None:
    """Socket inode -> (address, port, v6only) of every TCP socket in LISTEN, or None.

    One netlink sock_diag query (what ``ss -lt`` does) costs far less than psutil reading
    /proc/net/tcp and tcp6 once per process; None sends callers to the portable psutil way.
    The kernel reports IPV6_V6ONLY of a listening IPv6 socket (INET_DIAG_SKV6ONLY): asyncio
    servers set it on ``::``, which then refuses IPv4.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_SOCK_DIAG) as sock:
            found: dict[int, ListeningSocket] = {}
            for family in (socket.AF_INET, socket.AF_INET6):
                found.update(_dump_listeners(sock, family))
            return found
    except (OSError, struct.error, ValueError):
        return None


def _dump_listeners(sock: socket.socket, family: int) -> dict[int, ListeningSocket]:
    body = _REQUEST.pack(family, socket.IPPROTO_TCP, 0, 0, 1 << _TCP_LISTEN)
    header = _HEADER.pack(_HEADER.size + len(body), _SOCK_DIAG_BY_FAMILY,
                          _NLM_F_REQUEST | _NLM_F_DUMP, 1, 0)
    sock.sendall(header + body)
    found: dict[int, ListeningSocket] = {}
    while True:
        data = sock.recv(65536)
        offset = 0
        while offset + _HEADER.size <= len(data):
            length, kind, _, _, _ = _HEADER.unpack_from(data, offset)
            if kind == _NLMSG_DONE:
                return found
            if kind == _NLMSG_ERROR or length < _HEADER.size:
                raise ValueError("sock_diag refused the query")
            found.update([_listener(data[offset + _HEADER.size:offset + length])])
            offset += (length + 3) & ~3
        if not data:
            return found


def _listener(message: bytes) -> tuple[int, ListeningSocket]:
    family, _, _, _, sport, _, src, _, _, _, _, _, inode = _MESSAGE.unpack_from(message)
    size = 4 if family == socket.AF_INET else 16
    address = socket.inet_ntop(family, src[:size])
    v6only = _v6only(message) if family == socket.AF_INET6 else False
    return inode, (address, int.from_bytes(sport, "big"), v6only)


def _v6only(message: bytes) -> bool | None:
    """The INET_DIAG_SKV6ONLY attribute among those after the message, if the kernel sent it."""
    offset = _MESSAGE.size
    while offset + _ATTRIBUTE.size <= len(message):
        length, kind = _ATTRIBUTE.unpack_from(message, offset)
        if length < _ATTRIBUTE.size:
            return None
        if kind == _INET_DIAG_SKV6ONLY and length > _ATTRIBUTE.size:
            return bool(message[offset + _ATTRIBUTE.size])
        offset += (length + 3) & ~3
    return None


def socket_inodes(pid: int) -> set[int] | None:
    """Inodes of the sockets process ``pid`` holds open, or None where /proc cannot tell."""
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return None
    inodes = set()
    for fd in fds:
        with contextlib.suppress(OSError):  # closed since the listing
            link = str(fd.readlink())
            if link.startswith("socket:["):
                inodes.add(int(link[8:-1]))
    return inodes


def pidfd(pid: int) -> int | None:
    """A descriptor that becomes readable when ``pid`` exits (Linux 5.3+), or None."""
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        return int(opener(pid))
    except OSError:
        return None


def main_thread_children(pid: int) -> list[int] | None:
    """The processes ``pid``'s main thread forked, or None where /proc cannot tell.

    One small read of /proc/PID/task/PID/children (os.read: half the cost of pathlib), where
    psutil would scan every process on the machine. None when the file is missing (not Linux,
    a kernel without CONFIG_PROC_CHILDREN) or the process is gone.
    """
    try:
        fd = os.open(f"/proc/{pid}/task/{pid}/children", os.O_RDONLY)
    except OSError:
        return None
    try:
        listed = b"".join(iter(lambda: os.read(fd, 4096), b""))
    except OSError:
        return None
    finally:
        os.close(fd)
    return [int(field) for field in listed.split()]


_PIDFD_INFO = struct.Struct("=QQ11Li8x")  # struct pidfd_info up to exit_code, and what follows
_PIDFD_INFO_EXIT = 1 << 3
_PIDFD_GET_INFO = (3 << 30) | (_PIDFD_INFO.size << 16) | (0xFF << 8) | 11  # _IOWR(0xFF, 11, ...)
_EXIT_CODE_AT = 60


def exit_status(fd: int) -> int | None:
    """The wait status of the process behind pidfd ``fd`` once it has exited, else None.

    A process's status goes to its parent alone; Linux 6.15+ also keeps it for whoever holds a
    pidfd of it (PIDFD_GET_INFO with PIDFD_INFO_EXIT). None on older kernels, and while it runs.
    """
    import fcntl  # noqa: PLC0415  (only the Linux layer asks)

    info = bytearray(_PIDFD_INFO.size)
    struct.pack_into("=Q", info, 0, _PIDFD_INFO_EXIT)
    try:
        fcntl.ioctl(fd, _PIDFD_GET_INFO, info)
    except OSError:
        return None
    if not struct.unpack_from("=Q", info, 0)[0] & _PIDFD_INFO_EXIT:
        return None
    return int(struct.unpack_from("=i", info, _EXIT_CODE_AT)[0])


class Linux(Portable):
    """The kernel's own answers, and psutil's only for a call the kernel refused."""

    name = "linux"

    def become_subreaper(self) -> bool:
        """prctl(PR_SET_CHILD_SUBREAPER)."""
        return become_subreaper()

    def name_process(self, name: bytes) -> None:
        """prctl(PR_SET_NAME)."""
        name_process(name)

    def pidfd(self, pid: int) -> int | None:
        """pidfd_open, None if the process is already gone or the kernel predates it."""
        return pidfd(pid)

    def exit_status(self, fd: int) -> int | None:
        """PIDFD_GET_INFO's exit status (Linux 6.15+)."""
        return exit_status(fd)

    def wait_exit(self, pid: int, timeout: float) -> bool:
        """select() on a pidfd; polled where none can be opened."""
        fd = pidfd(pid)
        if fd is None:
            return super().wait_exit(pid, timeout)
        try:
            ready, _, _ = select.select([fd], [], [], timeout)
            return bool(ready)
        finally:
            os.close(fd)

    def descendants(self, root: int) -> dict[int, int]:
        """The main threads' children lists, one small /proc read per process."""
        if main_thread_children(root) is None:
            return super().descendants(root)
        tree: dict[int, int] = {}
        todo = [root]
        while todo:
            parent = todo.pop()
            for child in main_thread_children(parent) or ():
                if child not in tree and child != root:  # a reused pid cannot make a cycle
                    tree[child] = parent
                    todo.append(child)
        return tree

    def listeners(self, pids: Iterable[int]) -> list[Socket]:
        """One sock_diag query, then each process's socket inodes from /proc."""
        table = listening_sockets()
        if table is None:
            return super().listeners(pids)
        found: list[Socket] = []
        for pid in pids:
            inodes = socket_inodes(pid)
            if inodes is None:
                found += super().listeners([pid])
                continue
            found += [_socket(table[inode], pid) for inode in inodes if inode in table]
        return found

    def foreign(
        self, port: int, wanted: Callable[[Socket], bool], app: Callable[[], Iterable[int]],
        known: Iterable[int],
    ) -> list[Socket]:
        """The kernel's table, the app's sockets set aside; the rest named by who holds them.

        The sockets of ``known`` are set aside first, and the app's processes listed (a walk of
        every process on the machine) only if other sockets are left. Sockets of other users'
        processes are listed with pid None (only root may see whose they are).
        """
        table = listening_sockets()
        if table is None:
            return super().foreign(port, wanted, app, known)
        covering = {inode: entry for inode, entry in table.items()
                    if entry[1] == port and wanted(_socket(entry, None))}
        pids = set(known)
        _set_aside(covering, pids)
        if covering:
            listed = set(app()) - pids
            _set_aside(covering, listed)
            pids |= listed
        return _foreign(covering, app, pids) if covering else []

    def unreadable(self) -> int:
        """None: the kernel's table lists every socket, a hidden holder's as held by no one."""
        return 0


def _socket(entry: ListeningSocket, pid: int | None) -> Socket:
    address, port, v6only = entry
    return Socket(address, port, v6only, pid)


def _set_aside(covering: dict[int, ListeningSocket], pids: Iterable[int]) -> None:
    """Drop the sockets the given processes hold."""
    for pid in pids:
        for inode in socket_inodes(pid) or ():
            covering.pop(inode, None)


def _foreign(
    covering: dict[int, ListeningSocket], app: Callable[[], Iterable[int]], pids: set[int],
) -> list[Socket]:
    """The sockets no process of the app holds, each named by the processes that do."""
    owners = _owners(set(covering))
    pids |= set(app())  # a worker forked during the scan is the app's
    found: list[Socket] = []
    for inode, entry in covering.items():
        held = owners.get(inode, [])
        if not pids.intersection(held):
            found += [_socket(entry, pid) for pid in held] or [_socket(entry, None)]
    return found


def _owners(inodes: set[int]) -> dict[int, list[int]]:
    """Which processes hold each of the socket inodes (those this user may look into)."""
    found: dict[int, list[int]] = {}
    for pid in psutil.pids():
        for inode in (socket_inodes(pid) or set()) & inodes:
            found.setdefault(inode, []).append(pid)
    return found
