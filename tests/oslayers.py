"""The OS layers this machine can run, to test each directly whatever RC_PORTABLE chose."""

from __future__ import annotations

import sys

from release_check.system import System
from release_check.system.portable import Portable

LAYERS: list[System] = [Portable()]
if sys.platform.startswith("linux"):
    from release_check.system.linux import Linux

    LAYERS.insert(0, Linux())
