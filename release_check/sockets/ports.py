"""Sockets: choose a port, probe it cheaply, and find out which process listens on it."""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import psutil

from release_check.errors import SettingError
from release_check.system import SYSTEM, Socket
from release_check.text import printable

ANY_V4, ANY_V6 = "0.0.0.0", "::"  # noqa: S104  (addresses compared, never bound)
LOOPBACK_V4, LOOPBACK_V6 = "127.0.0.1", "::1"
SHOWN = 3  # listeners a message names; the rest are counted, so a verdict stays one short line


def bracketed(address: str) -> str:
    """``[::1]`` for an IPv6 literal, any other address as it is."""
    return f"[{address}]" if ":" in address else address


def endpoint(address: str, port: int) -> str:
    """``127.0.0.1:5000``, or ``[::1]:5000``: an IPv6 literal is always bracketed."""
    return f"{bracketed(address)}:{port}"


def _family(address: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def ip_of(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address, an IPv4-mapped IPv6 one as its IPv4 address; None if it is not an IP."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


@dataclass(frozen=True)
class Target:
    """Where the check connects, resolved once.

    ``explicit`` is True when RELEASE_CHECK_HOST named the address; otherwise the check
    follows the app and connects wherever its own listener on $PORT is (see ``aim``).
    """

    host: str
    port: int
    family: socket.AddressFamily
    address: str
    explicit: bool = True

    @property
    def sockaddr(self) -> tuple[str, int]:
        """Address tuple for connect()."""
        return (self.address, self.port)

    @property
    def base_url(self) -> str:
        """``http://host:port`` with IPv6 literals bracketed."""
        return f"http://{endpoint(self.host, self.port)}"

    def at(self, address: str) -> Target:
        """The same port at another address the check chose by itself."""
        return Target(address, self.port, _family(address), address, explicit=False)


@dataclass(frozen=True)
class Listener:
    """A listening socket and the process holding it (pid None where the OS will not tell).

    ``v6only`` is IPV6_V6ONLY of an IPv6 socket (False for IPv4, None where unknown).
    """

    address: str
    port: int
    pid: int | None
    v6only: bool | None = None

    @property
    def endpoint(self) -> str:
        """``0.0.0.0:8000`` or ``[::]:8000``."""
        return endpoint(self.address, self.port)

    def describe(self) -> str:
        """``pid 123 (gunicorn) on 0.0.0.0:8000``, as far as it is known."""
        who = f"pid {self.pid} ({_name(self.pid)})" if self.pid else "a process it cannot name"
        return f"{who} on {self.endpoint}"

    def covers(self, address: str) -> bool:
        """Whether this socket accepts connections made to ``address`` (an IP of this host)."""
        if self.address == address:
            return True
        wanted, mine = ip_of(address), ip_of(self.address)
        if wanted is None or mine is None:
            return False
        if self.address == ANY_V4:
            return wanted.version == 4
        if self.address == ANY_V6:
            return wanted.version == 6 or not self.v6only
        return wanted == mine

    def connect_address(self) -> str:
        """Where a client on this host reaches the socket: loopback for a wildcard.

        A ``::`` socket whose IPV6_V6ONLY is unknown is reached on ``::1``, which works
        either way; a dual-stack one on 127.0.0.1, as a router over IPv4 would.
        """
        if self.address == ANY_V4:
            return LOOPBACK_V4
        if self.address == ANY_V6:
            return LOOPBACK_V4 if self.v6only is False else LOOPBACK_V6
        ip = ip_of(self.address)
        return str(ip) if ip is not None else self.address


def capped(items: Sequence[str]) -> str:
    """The first few items joined, and how many more there are."""
    rest = len(items) - SHOWN
    named = ", ".join(items[:SHOWN])
    return f"{named} and {rest:,} more" if rest > 0 else named


def describe(listeners: Sequence[Listener]) -> str:
    """``pid 12 (gunicorn) on 0.0.0.0:8000, ...``: the first few, and how many more."""
    return capped([lst.describe() for lst in listeners])


def endpoints(listeners: Sequence[Listener]) -> str:
    """``0.0.0.0:5000, [::1]:5000, ...``: the first few, and how many more."""
    return capped([lst.endpoint for lst in listeners])


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


def local_target(host: str | None, port: int | None) -> Target:
    """Resolve ``host``, which must be an address of this machine, and pick a port if none.

    Binding port 0 proves the address is local (the app runs here, so the check connects
    here) and, when no port is given, lets the kernel choose one nothing listens on. With no
    host, the check follows the app (``aim``): the port is then chosen free on IPv4 and IPv6.
    """
    if host is None:
        return Target(LOOPBACK_V4, port or _free_port(), socket.AF_INET, LOOPBACK_V4, False)
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


def _free_port() -> int:
    """A port free on every address: a dual-stack ``::`` bind conflicts with IPv4 ones too."""
    dual = socket.has_dualstack_ipv6()
    with socket.socket(socket.AF_INET6 if dual else socket.AF_INET, socket.SOCK_STREAM) as sock:
        if dual:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind((ANY_V6 if dual else LOOPBACK_V4, 0))
        return int(sock.getsockname()[1])


@functools.cache
def has_ipv6_loopback() -> bool:
    """Whether ``::1`` exists here (containers often run without it)."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind((LOOPBACK_V6, 0))
    except OSError:
        return False
    return True


def accepts(target: Target, timeout: float) -> bool:
    """Whether a TCP connection to the target is accepted right now."""
    with socket.socket(target.family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            return sock.connect_ex(target.sockaddr) == 0
        except OSError:
            return False


def probes(target: Target, listeners: Iterable[Listener] = ()) -> list[Target]:
    """Where to poll for the app: the target, or, when following the app, loopback.

    That is 127.0.0.1 and ::1, and wherever its listeners on $PORT seen so far are reached.
    """
    if target.explicit:
        return [target]
    found = [target] + ([target.at(LOOPBACK_V6)] if has_ipv6_loopback() else [])
    for lst in serving(listeners, target):
        address = lst.connect_address()
        if all(probe.address != address for probe in found):
            found.append(target.at(address))
    return found


def answering(candidates: Iterable[Target], timeout: float) -> Target | None:
    """The first of the candidates that accepts a connection now."""
    return next((probe for probe in candidates if accepts(probe, timeout)), None)


def aim(target: Target, mine: Sequence[Listener]) -> Target:
    """Where to connect, given the app's own listeners on $PORT.

    An explicit host stays; otherwise the check connects where the app listens, over IPv4
    when a listener takes it (as Heroku's Cedar router reaches dynos), else over IPv6.
    """
    if target.explicit or not mine:
        return target
    addresses = [lst.connect_address() for lst in mine]
    chosen = next((a for a in addresses if ":" not in a), addresses[0])
    return target.at(chosen)


def listeners_of(procs: Iterable[psutil.Process]) -> list[Listener]:
    """The listening TCP sockets of the given processes (one netlink query on Linux)."""
    return [_listener(sock) for sock in SYSTEM.listeners([proc.pid for proc in procs])]


def _listener(sock: Socket) -> Listener:
    return Listener(sock.address, sock.port, sock.pid, sock.v6only)


def serving(listeners: Iterable[Listener], target: Target) -> list[Listener]:
    """The listeners the check counts as the app's: on $PORT (and covering an explicit host)."""
    return [lst for lst in listeners if lst.port == target.port
            and (not target.explicit or lst.covers(target.address))]


def held_by(target: Target) -> str:
    """Who else listens where the target points, for a failure message."""
    return describe(holders(target)) or "a process it cannot name"


def holders(
    target: Target, app: Callable[[], Iterable[psutil.Process]] = tuple,
    known: Iterable[int] = (),
) -> list[Listener]:
    """Every socket on the machine accepting connections to the target, but the app's own.

    ``app`` lists the app's processes; it is called after the socket table is read, so a
    worker forked meanwhile still counts as the app's. ``known`` are pids of the app's that
    were just seen listening: their sockets are set aside first, and the app's processes are
    listed (a walk of every process on the machine) only if other sockets are left.
    """
    dialled = _dialled(target.address)
    found = SYSTEM.foreign(target.port, lambda sock: _listener(sock).covers(dialled),
                           lambda: [proc.pid for proc in app()], known)
    return [_listener(sock) for sock in found]


def _dialled(address: str) -> str:
    """Where a connection to ``address`` lands: Linux takes a wildcard for loopback."""
    return {ANY_V4: LOOPBACK_V4, ANY_V6: LOOPBACK_V6}.get(address, address)
