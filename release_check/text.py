"""Make untrusted text (response bodies, app output, setting values) safe to print."""

from __future__ import annotations

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
