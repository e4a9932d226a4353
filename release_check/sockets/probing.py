"""The wait's socket poll: one connect per candidate address every tick, kept cheap.

The wait probes every 20 ms for as long as the app boots, so what one probe costs is paid
fifty times a second, with the caches cold after each sleep. On Linux a probe is one system
call: each address keeps a blocking socket, bounded by SO_SNDTIMEO, and connects it again
after a refusal (Linux allows that). Python's own timeout would add a poll() and a
getsockopt() to every connect, and a fresh socket a socket() and a close(); a kept socket in
Python's timeout mode does not work either, as its next connect fails with ECONNABORTED.
Measured in a loop of 20 ms sleeps probing 127.0.0.1 and ::1: about 115 µs a tick instead of
145. Elsewhere, where a refused socket may be unusable, every probe gets a fresh socket.
"""

from __future__ import annotations

import errno
import socket
import struct
from collections.abc import Sequence

from release_check.sockets.ports import Listener, Target, probes
from release_check.system import SYSTEM

_REUSABLE = SYSTEM.name == "linux"


class Poller:
    """Probes where the app may listen, through sockets kept between attempts.

    The candidates (``ports.probes``) are worked out again only when the tree watcher
    publishes a new listener list, which it replaces rather than changes.
    """

    def __init__(self, target: Target, timeout: float) -> None:
        self._target = target
        self._timeout = timeout
        self._kept: dict[tuple[socket.AddressFamily, str, int], socket.socket] = {}
        self._listeners: Sequence[Listener] | None = None
        self._candidates: list[Target] = []

    def answer(self, listeners: Sequence[Listener]) -> Target | None:
        """The first candidate that accepts a connection now, given the listeners seen so far."""
        if listeners is not self._listeners:
            self._listeners = listeners
            self._candidates = probes(self._target, listeners)
        return next((probe for probe in self._candidates if self._accepts(probe)), None)

    def _accepts(self, target: Target) -> bool:
        key = (target.family, target.address, target.port)
        sock = self._kept.pop(key, None) or self._socket(target.family)
        try:
            code = sock.connect_ex(target.sockaddr)
        except OSError:
            code = -1
        if code == errno.ECONNREFUSED and _REUSABLE:
            self._kept[key] = sock
        else:
            sock.close()
        return code == 0

    def _socket(self, family: socket.AddressFamily) -> socket.socket:
        sock = socket.socket(family, socket.SOCK_STREAM)
        if _REUSABLE:
            whole = int(self._timeout)
            timeval = struct.pack("ll", whole, int((self._timeout - whole) * 1_000_000))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
        else:
            sock.settimeout(self._timeout)
        return sock

    def close(self) -> None:
        """Close every kept socket."""
        for sock in self._kept.values():
            sock.close()
        self._kept.clear()

    def __enter__(self) -> Poller:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
