"""Sockets: choose a port, probe it cheaply, and find out which process listens on it."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

import psutil

from release_check.errors import SettingError
from release_check.release import linux as oscompat
from release_check.text import printable

_WILDCARDS = frozenset({"0.0.0.0", "::"})  # noqa: S104  (addresses compared, never bound)


@dataclass(frozen=True)
class Target:
    """Where the app is expected to listen, resolved once."""

    host: str
    port: int
    family: socket.AddressFamily
    address: str

    @property
    def sockaddr(self) -> tuple[str, int]:
        """Address tuple for connect()."""
        return (self.address, self.port)

    @property
    def base_url(self) -> str:
        """``http://host:port`` with IPv6 literals bracketed."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


@dataclass(frozen=True)
class Listener:
    """A listening socket and the process holding it (pid None where the OS will not tell)."""

    address: str
    port: int
    pid: int | None

    def describe(self) -> str:
        """``pid 123 (gunicorn) on 0.0.0.0:8000``, as far as it is known."""
        who = f"pid {self.pid} ({_name(self.pid)})" if self.pid else "a process it cannot name"
        return f"{who} on {self.address}:{self.port}"


def _name(pid: int) -> str:
    """The process's name, escaped: any process can rename itself to a terminal escape."""
    try:
        return printable(psutil.Process(pid).name(), 40)
    except psutil.Error:
        return "unknown"


def resolve(host: str, port: int) -> Target:
    """Resolve ``host`` once, so every probe and the URL use the same address."""
    try:
        family, _, _, _, sockaddr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as error:
        raise SettingError("host", f"cannot resolve {host!r}: {error}") from None
    return Target(host, port, family, str(sockaddr[0]))


def local_target(host: str, port: int | None) -> Target:
    """Resolve ``host``, which must be an address of this machine, and pick a port if none.

    Binding port 0 proves the address is local (the app runs here, so the check connects
    here) and, when no port is given, lets the kernel choose one nothing listens on.
    """
    probe = resolve(host, 0)
    with socket.socket(probe.family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((probe.address, 0))
        except OSError as error:
            raise SettingError(
                "host", f"{printable(host, 60)} is not an address of this machine"
                f" ({error.strerror}): the app runs here, so the check connects here"
            ) from None
        chosen = int(sock.getsockname()[1])
    return Target(host, port or chosen, probe.family, probe.address)


def accepts(target: Target, timeout: float) -> bool:
    """Whether a TCP connection to the target is accepted right now."""
    with socket.socket(target.family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            return sock.connect_ex(target.sockaddr) == 0
        except OSError:
            return False


def _covers(listener_ip: str, address: str) -> bool:
    if listener_ip in _WILDCARDS or listener_ip == address:
        return True
    with contextlib.suppress(ValueError):
        mapped = ipaddress.ip_address(listener_ip)
        if isinstance(mapped, ipaddress.IPv6Address) and mapped.ipv4_mapped is not None:
            return str(mapped.ipv4_mapped) == address
    return False


def listeners_of(procs: Iterable[psutil.Process]) -> list[Listener]:
    """The listening TCP sockets of the given processes (one netlink query on Linux)."""
    table = oscompat.listening_sockets()
    found: list[Listener] = []
    for proc in procs:
        inodes = oscompat.socket_inodes(proc.pid) if table is not None else None
        if table is None or inodes is None:
            found += _psutil_listeners(proc)
            continue
        found += [Listener(*table[inode], proc.pid) for inode in inodes if inode in table]
    return found


def _psutil_listeners(proc: psutil.Process) -> list[Listener]:
    """The portable way: psutil reads the whole socket table for each process."""
    try:
        conns = proc.net_connections(kind="inet")
    except psutil.Error:
        return []
    return [Listener(c.laddr.ip, c.laddr.port, proc.pid)
            for c in conns if c.status == psutil.CONN_LISTEN and c.laddr]


def serving(listeners: Iterable[Listener], target: Target) -> list[Listener]:
    """The listeners that would accept a connection to the target."""
    return [
        lst for lst in listeners if lst.port == target.port and _covers(lst.address, target.address)
    ]


def held_by(target: Target) -> str:
    """Who else listens where the target points, for a failure message."""
    return ", ".join(h.describe() for h in holders(target)) or "a process it cannot name"


def holders(target: Target) -> list[Listener]:
    """Every process on the machine listening where the target points, as far as visible."""
    try:
        conns = psutil.net_connections(kind="inet")
    except psutil.Error:
        return []
    found = [Listener(c.laddr.ip, c.laddr.port, c.pid)
             for c in conns if c.status == psutil.CONN_LISTEN and c.laddr]
    return serving(found, target)
