"""Text for people: untrusted values made safe to print, counts and exit statuses said plainly."""

from __future__ import annotations

import signal

_ELLIPSIS = "…"


def _escape(char: str) -> str:
    if char.isprintable() or char == " ":
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, limit: int) -> str:
    """Escape control characters (no terminal escapes, no fake log lines) and cap the length."""
    clipped = text[:limit]
    escaped = "".join(_escape(char) for char in clipped)
    return escaped + _ELLIPSIS if len(text) > limit else escaped


def quoted(text: str, limit: int = 200) -> str:
    """A body or similar value, double-quoted, escaped and capped for a verdict line."""
    return f'"{printable(text, limit)}"'


def counted(count: int, noun: str) -> str:
    """``1 attempt``, ``3 attempts``."""
    return f"{count} {noun}{'s' * (count != 1)}"


def describe_exit(code: int) -> str:
    """Name an exit status the way a user reads it: a code, or the signal that ended it."""
    if code < 0:
        return f"was killed by {_signal_name(-code)}"
    signame = _signal_name(code - 128)
    if code > 128 and signame != str(code - 128):
        return f"exited with code {code} (128+{code - 128}: the shell saw {signame})"
    return f"exited with code {code}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)
