"""Text for people: untrusted values made safe to print, counts and exit statuses said plainly."""

from __future__ import annotations

import contextlib
import re
import signal

_ELLIPSIS = "…"
# Select Graphic Rendition (colours, bold, conceal...): dropped from the app's lines, since it
# only styles text and a style such as conceal (8) or black on black can hide it.
_SGR = re.compile(r"\x1b\[[0-9;:]*m")
_TAB_STOP = 4


def _escape(char: str) -> str:
    if char.isprintable() or char == " ":
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def escaped(text: str) -> str:
    """Every control or format character as a visible escape: it reaches no terminal raw.

    Printable text (backslashes included) is left as it is, so escaping twice changes nothing.
    """
    if text.isprintable():
        return text
    return "".join(_escape(char) for char in text)


def printable(text: str, limit: int) -> str:
    """Escape control characters (no terminal escapes, no fake log lines) and cap the length."""
    clipped = escaped(text[:limit])
    return clipped + _ELLIPSIS if len(text) > limit else clipped


def uncoloured(text: str) -> str:
    """``text`` without its colour and style sequences."""
    return _SGR.sub("", text) if "\x1b" in text else text


def app_text(text: str, limit: int | None = None) -> str:
    """A line of the app's output as shown: colours dropped, tabs as spaces, the rest escaped."""
    plain = uncoloured(text).expandtabs(_TAB_STOP)
    return escaped(plain) if limit is None else printable(plain, limit)


def quoted(text: str, limit: int = 200) -> str:
    """A body or similar value, double-quoted, escaped and capped for a verdict line."""
    return f'"{printable(text, limit)}"'


def counted(count: int, noun: str) -> str:
    """``1 attempt``, ``3 attempts``."""
    return f"{count} {noun}{'s' * (count != 1)}"


def describe_exit(code: int) -> str:
    """Name an exit status the way a user reads it: a code, or the signal that ended it."""
    if code < 0:
        return f"was killed by {signal_name(-code)}"
    signame = signal_name(code - 128)
    if code > 128 and signame.startswith("SIG"):
        return f"exited with code {code} (128+{code - 128}: the shell saw {signame})"
    return f"exited with code {code}"


def signal_name(signum: int) -> str:
    """``SIGTERM``; ``SIGRTMIN+3`` for a real-time signal, which has no name of its own."""
    with contextlib.suppress(ValueError):
        return signal.Signals(signum).name
    low = getattr(signal, "SIGRTMIN", None)
    high = getattr(signal, "SIGRTMAX", None)
    if low is not None and high is not None and low < signum <= high:
        return f"SIGRTMIN+{signum - low}"
    return f"signal {signum}"
