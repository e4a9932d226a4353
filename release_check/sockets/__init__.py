"""Sockets: the port to check, the cheap poll of it while the app boots, and who listens where.

ports.py chooses the port and the addresses to aim at, and tells the app's listeners from a
foreign server's (through the OS layer, release_check.system); probing.py is the wait's socket
poll, one connect per candidate address every tick.
"""

from release_check.sockets.ports import (
    ANY_V6,
    Listener,
    Target,
    aim,
    answering,
    bracketed,
    describe,
    endpoint,
    endpoints,
    held_by,
    holders,
    ip_of,
    listeners_of,
    local_target,
    probes,
    serving,
)
from release_check.sockets.probing import Poller

__all__ = [
    "ANY_V6",
    "Listener",
    "Poller",
    "Target",
    "aim",
    "answering",
    "bracketed",
    "describe",
    "endpoint",
    "endpoints",
    "held_by",
    "holders",
    "ip_of",
    "listeners_of",
    "local_target",
    "probes",
    "serving",
]
