"""Files written for machines (the JSON report, the watch summary): checked first, written whole.

A file that turns out unwritable only once the run is over would hide its verdict behind a usage
error; checking before the run starts, and renaming a finished temporary file into place, means
a reader sees either the old file or the whole new one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def unwritable(path: Path) -> str | None:
    """Why ``path`` cannot be written (``it is a directory``...), or None when it can."""
    if path.is_dir():
        return "it is a directory"
    folder = path.parent
    if not folder.is_dir():
        return f"no such directory: {folder}"
    try:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")
    except OSError as error:
        return error.strerror or type(error).__name__
    os.close(fd)
    Path(temporary).unlink()
    return None


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over; OSError if not."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        Path(temporary).replace(path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise
