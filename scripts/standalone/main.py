"""The program inside dist/release-check: release-check, run with the caller's environment.

PyInstaller's bootloader points ``LD_LIBRARY_PATH`` at the libraries it unpacked (libssl,
libcrypto, libz, ...) and adds ``_PYI_*`` variables for its own use. release-check passes its
environment to the app it boots, so a Node or Ruby server would load the bundle's OpenSSL
instead of its own, and another PyInstaller program would take our variables for its own.
This process no longer needs them once it runs (the dynamic loader read them at start), so
the environment is put back as the caller gave it before release-check starts.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

SEARCH_PATH = "LD_LIBRARY_PATH"


def restore(environ: MutableMapping[str, str]) -> None:
    """Undo what the bootloader added: its search path and its private variables."""
    original = environ.pop(f"{SEARCH_PATH}_ORIG", None)
    if original is None:
        environ.pop(SEARCH_PATH, None)
    else:
        environ[SEARCH_PATH] = original
    for name in [name for name in environ if name.startswith("_PYI_") or name == "_MEIPASS2"]:
        del environ[name]


if getattr(sys, "frozen", False):
    restore(os.environ)

from release_check.cli import entry  # noqa: E402  (after the environment is restored)

entry()
