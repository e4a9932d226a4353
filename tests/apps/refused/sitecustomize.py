"""A startup hook that makes psutil refuse sockets as macOS does to a user who is not root.

The machine-wide socket table is refused outright, and so are the sockets of every process
that neither carries the test's tag nor descends from one that does (as other users' processes
are refused on a Mac). Loaded
through PYTHONPATH by tests/test_portable.py; the processes and servers stay real.
"""

from __future__ import annotations

import os
from typing import Any

import psutil

_TAG = os.environ.get("RC_FIXTURE_TAG", "")
_own_connections = psutil.Process.net_connections


def _refused(kind: str = "inet") -> Any:
    raise psutil.AccessDenied()


def _tagged(proc: psutil.Process) -> bool:
    try:
        return proc.environ().get("RC_FIXTURE_TAG") == _TAG
    except psutil.Error:
        return False


def _only_tagged(self: psutil.Process, kind: str = "inet") -> Any:
    # A process started below a tagged one is "this user's": its own environment may be gone
    # (gunicorn with setproctitle writes its title over it), its ancestry is not.
    try:
        lineage = [self, *self.parents()]
    except psutil.Error:
        lineage = [self]
    if not any(_tagged(proc) for proc in lineage):
        raise psutil.AccessDenied(self.pid)
    return _own_connections(self, kind)


psutil.net_connections = _refused
psutil.Process.net_connections = _only_tagged  # type: ignore[method-assign]
