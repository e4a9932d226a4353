"""Files written for machines (the JSON report, the watch summary): checked first, written whole.

A file that turns out unwritable only once the run is over would hide its verdict behind a usage
error; checking before the run starts, and renaming a finished temporary file into place, means
a reader sees either the old file or the whole new one.

Only a regular file is ever replaced. A symlink is followed to what it names; a device or a
FIFO is written in place, opened without blocking so that a FIFO nobody reads is refused at
once instead of hanging the run, and kept open from the check to the write, so that its reader
does not see the end of the data before the report. A new file gets the mode the umask allows,
as any tool's output does; a file replaced keeps its mode.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
from pathlib import Path

_NO_READER = "it is a FIFO that no process reads"
# Special files opened by the check, kept open until written: a FIFO's reader that saw the
# check's descriptor close would take it for the end of the data and stop reading.
_held: dict[Path, int] = {}


def unwritable(path: Path) -> str | None:
    """Why ``path`` cannot be written (``it is a directory``...), or None when it can."""
    if path.is_dir():
        return "it is a directory"
    try:
        if _special(path):
            _hold(path, _open_in_place(path))
            return None
        target = path.resolve()
        folder = target.parent
        if not folder.is_dir():
            return f"no such directory: {_as_given(path, folder)}"
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.")
    except OSError as error:
        return why(error)
    os.close(fd)
    Path(temporary).unlink()
    return None


def _hold(path: Path, fd: int) -> None:
    earlier = _held.pop(path, None)
    if earlier is not None:
        os.close(earlier)
    _held[path] = fd


def _as_given(path: Path, folder: Path) -> Path:
    """The folder as the user wrote it, unless a symlink led elsewhere."""
    return path.parent if path.parent.resolve() == folder else folder


def why(error: OSError) -> str:
    """An OSError from this module in words: a FIFO without a reader named as such."""
    if error.errno == errno.ENXIO:
        return _NO_READER
    return error.strerror or type(error).__name__


def write_atomically(path: Path, text: str) -> None:
    """Replace a regular file whole (a temporary file renamed over); write others in place."""
    if _special(path):
        _write_in_place(path, text)
        return
    target = path.resolve()
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        os.fchmod(fd, _mode_for(target))
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        Path(temporary).replace(target)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise


def append(path: Path, text: str) -> None:
    """Append ``text`` (a regular file is created if missing); never block on a FIFO."""
    if _special(path):
        _write_in_place(path, text)
        return
    with path.open("a", encoding="utf-8") as stream:
        stream.write(text)


def _special(path: Path) -> bool:
    """Whether ``path`` leads to something that is not a regular file (a device, a FIFO).

    Symlinks are followed, ``/dev/fd/N`` included, whose target is no path to resolve.
    """
    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        return False


def _open_in_place(target: Path) -> int:
    """Open for writing without blocking: a FIFO without a reader fails with ENXIO."""
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | os.O_NOCTTY)
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)  # a reader exists: wait on it
    return fd


def _write_in_place(path: Path, text: str) -> None:
    fd = _held.pop(path, None)
    if fd is None:
        fd = _open_in_place(path)
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        stream.write(text)


def _mode_for(target: Path) -> int:
    """The mode of the file replaced, else what the umask lets a new file have."""
    with contextlib.suppress(FileNotFoundError):
        return stat.S_IMODE(target.stat().st_mode)
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask
