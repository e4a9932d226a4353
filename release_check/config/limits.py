"""The bounds every source of settings shares: a wait's length, a file's size, an argument's.

One place, so that a value read from a platform file or a ``[process.*]`` table meets the same
bound as the same value given as a variable.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable

# Heroku ends a release phase after an hour, so no wait of release-check is meaningful beyond
# it; the cap also keeps every duration within what threading's timeouts accept.
MAX_SECONDS = 3600.0
# A Procfile, env file, config or platform file is a few kB; this is far beyond any real one,
# and keeps a mistaken path (a log, a disk image) from filling the runner's memory.
MAX_FILE_BYTES = 4 * 1024 * 1024
# Linux refuses any one argument or environment string (NAME=value) this long or longer
# (MAX_ARG_STRLEN, 32 pages): exec fails with "Argument list too long".
MAX_ARG_BYTES = 128 * 1024
# What the runner adds to the app's environment (PORT, the run id) and the shell's own argv.
_EXEC_SLACK = 4096


def over_cap(seconds: float) -> str | None:
    """Why ``seconds`` is too long a wait, or None."""
    if math.isfinite(seconds) and seconds <= MAX_SECONDS:
        return None
    return (f"is more than {MAX_SECONDS:g} seconds, the longest wait allowed"
            " (Heroku ends a release phase after 1 hour)")


def number_problem(value: float, unit: str, *, zero_ok: bool = False,
                   capped: bool = True) -> str | None:
    """Why ``value`` is no valid number of ``unit`` (negative, zero, not finite, too long)."""
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        sign = "non-negative" if zero_ok else "positive"
        return f"must be a {sign} number of {unit}"
    return over_cap(value) if capped else None


def arg_problem(text: str) -> str | None:
    """Why ``text`` cannot be one string of a command line or environment, or None."""
    if "\0" in text:
        return "contains a NUL byte, which no command line or environment can hold"
    size = len(text.encode("utf-8", "surrogateescape"))
    if size >= MAX_ARG_BYTES:
        return (f"is {size // 1024} KiB; the system refuses a command or variable of"
                f" {MAX_ARG_BYTES // 1024} KiB or more (Argument list too long)")
    return None


def exec_bytes(strings: Iterable[str]) -> int:
    """What exec counts for these strings: each one's bytes, its NUL and its pointer."""
    return sum(len(text.encode("utf-8", "surrogateescape")) + 1 + 8 for text in strings)


def exec_room() -> int:
    """The bytes the system allows one exec for its arguments and environment together."""
    try:
        limit = os.sysconf("SC_ARG_MAX")
    except (ValueError, OSError):
        limit = -1
    return (limit if limit > 0 else 2 * 1024 * 1024) - _EXEC_SLACK
