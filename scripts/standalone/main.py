"""The program inside dist/release-check: release-check, run with the caller's environment.

PyInstaller's bootloader points ``LD_LIBRARY_PATH`` at the libraries it unpacked (libssl,
libcrypto, libz, ...) and adds ``_PYI_*`` variables for its own use. release-check passes its
environment to the app it boots, so a Node or Ruby server would load the bundle's OpenSSL
instead of its own, and another PyInstaller program would take our variables for its own.
This process no longer needs them once it runs (the dynamic loader read them at start), so
the environment is put back as the caller gave it before release-check starts.

The one-file build runs this process as the child of a bootloader, which unpacks the bundle
into $TMPDIR/_MEI... and removes it once this process ends. A SIGKILL of the bootloader (the
pid its caller sees) would leave this process checking unseen and the folder behind, so this
process asks to be sent SIGTERM when its parent dies (Linux's PR_SET_PDEATHSIG), tears down as
for any SIGTERM, and then removes the folder itself. Each run records who owns its folder, and
removes the folders of earlier runs whose owners are provably gone.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
from collections.abc import MutableMapping
from pathlib import Path

SEARCH_PATH = "LD_LIBRARY_PATH"
OWNER = ".release-check-owner"  # in the unpacked folder: "pid start pid start"
PR_SET_PDEATHSIG = 1


def restore(environ: MutableMapping[str, str]) -> None:
    """Undo what the bootloader added: its search path and its private variables."""
    original = environ.pop(f"{SEARCH_PATH}_ORIG", None)
    if original is None:
        environ.pop(SEARCH_PATH, None)
    else:
        environ[SEARCH_PATH] = original
    for name in [name for name in environ if name.startswith("_PYI_") or name == "_MEIPASS2"]:
        del environ[name]


def unpacked() -> Path | None:
    """The folder the one-file bootloader unpacked this run into; None for the folder build."""
    home = Path(getattr(sys, "_MEIPASS", ""))
    return home if home.name.startswith("_MEI") else None


def started(pid: int) -> str:
    """When ``pid`` started, in clock ticks since boot: with the pid, one process ever."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rpartition(")")[2].split()[19]


def claim(folder: Path, parent: int) -> None:
    """Record the bootloader and this process as the folder's owners."""
    me = os.getpid()
    (folder / OWNER).write_text(f"{parent} {started(parent)} {me} {started(me)}\n")


def dead(owners: list[str]) -> bool:
    """Whether every ``pid start`` pair is gone; False when the record cannot be read."""
    if len(owners) != 4 or not all(field.isdigit() for field in owners):
        return False
    for pid, start in zip(owners[::2], owners[1::2], strict=True):
        try:
            if started(int(pid)) == start:
                return False
        except OSError:
            continue
    return True


def sweep(folder: Path) -> None:
    """Remove the unpacked folders of earlier runs of ours whose owners are all gone."""
    for other in folder.parent.glob("_MEI*"):
        try:
            owners = (other / OWNER).read_text().split()
            mine = other.stat().st_uid == os.getuid()
        except OSError:
            continue  # not ours (another program's, or from before owners were recorded)
        if other != folder and mine and dead(owners):
            shutil.rmtree(other, ignore_errors=True)


def follow(parent: int) -> None:
    """Be sent SIGTERM when the bootloader dies (if it died already, now)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # it died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


if getattr(sys, "frozen", False):
    restore(os.environ)

from release_check.cli import exit_now, main  # noqa: E402  (after the environment is restored)

folder = unpacked() if getattr(sys, "frozen", False) else None
parent = os.getppid()
if folder is not None:
    claim(folder, parent)
    sweep(folder)
    follow(parent)
code = main()
if folder is not None and os.getppid() != parent:  # the bootloader was killed: clean up for it
    shutil.rmtree(folder, ignore_errors=True)
exit_now(code)
