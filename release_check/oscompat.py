"""The one home of Linux-only calls, each with a fallback that never crashes elsewhere."""

from __future__ import annotations

import os
import sys

_PR_SET_CHILD_SUBREAPER = 36


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


def reap_adopted_children() -> None:
    """Collect the exit status of adopted orphans so none is left as a zombie."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
