"""A startup hook that makes psutil refuse sockets as macOS does to a user who is not root.

The machine-wide socket table is refused outright, and so are the sockets of every process
that does not carry the test's tag (as other users' processes are refused on a Mac). Loaded
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


def _only_tagged(self: psutil.Process, kind: str = "inet") -> Any:
    try:
        mine = self.environ().get("RC_FIXTURE_TAG") == _TAG
    except psutil.Error:
        mine = False
    if not mine:
        raise psutil.AccessDenied(self.pid)
    return _own_connections(self, kind)


psutil.net_connections = _refused
psutil.Process.net_connections = _only_tagged  # type: ignore[method-assign]
