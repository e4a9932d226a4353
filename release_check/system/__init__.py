"""The operating system, asked through one implementation chosen once, when this is imported.

On Linux the kernel's own interfaces (a subreaper, pidfds, sock_diag, /proc); elsewhere, or with
``RC_PORTABLE=1`` in the environment, the portable one (psutil, polling), which is what macOS
runs: the variable lets Linux run the code a Mac runs (CI's second suite).
"""

from __future__ import annotations

import os
import sys

from release_check.system.interface import Socket, System
from release_check.system.portable import Portable

PORTABLE_VARIABLE = "RC_PORTABLE"


def _choose() -> System:
    if sys.platform.startswith("linux") and os.environ.get(PORTABLE_VARIABLE) != "1":
        from release_check.system.linux import Linux  # noqa: PLC0415  (imports ctypes, select)

        return Linux()
    return Portable()


SYSTEM = _choose()

__all__ = ["PORTABLE_VARIABLE", "SYSTEM", "Socket", "System"]
