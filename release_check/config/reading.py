"""Read a small text file the user named, and only that: never a device, a FIFO or a huge file.

A Procfile that is ``/dev/zero`` would be read without end, a FIFO with no writer would block
the run before it starts, and a 250 MB file would be held whole in memory: each is refused
with a reason the caller words with the file's name.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from release_check.config.limits import MAX_FILE_BYTES

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


class NotAFile(OSError):
    """The path is not a regular file, or is too large to be one of the files read."""


def refusal(path: Path) -> str | None:
    """Why the thing at ``path`` would be refused, or None (a regular file, or nothing there)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    return None if stat.S_ISREG(mode) else _not_regular(mode)


def _not_regular(mode: int) -> str:
    kind = next((name for test, name in _KINDS if test(mode)), None)
    return f"it is {kind}, not a regular file" if kind else "it is not a regular file"


def read_text(path: Path) -> str:
    """The file's UTF-8 text with universal newlines, as ``Path.read_text`` gives it.

    Raises OSError (FileNotFoundError when absent, NotAFile when refused) or
    UnicodeDecodeError. Opened without blocking, so that a FIFO is seen, not waited on.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotAFile(_not_regular(mode))
        data = _read_at_most(fd, MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise NotAFile(f"it is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, far beyond"
                       " any such file")
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(fd, min(1 << 20, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
