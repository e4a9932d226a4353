"""Untrusted text is escaped and capped before it is printed."""

from __future__ import annotations

from release_check.text import describe_exit, printable, quoted


def test_control_characters_are_escaped() -> None:
    """Escape sequences, newlines and carriage returns are shown, not obeyed."""
    assert printable("a\x1b[31mb\r\nc", 100) == "a\\x1b[31mb\\x0d\\x0ac"


def test_long_text_is_capped_with_an_ellipsis() -> None:
    """Text over the limit is cut and marked."""
    assert quoted("x" * 300, 200) == '"' + "x" * 200 + '…"'


def test_exit_status_names_codes_and_signals() -> None:
    """Codes, signals and a shell's 128+N are each described the way a user reads them."""
    assert describe_exit(3) == "exited with code 3"
    assert describe_exit(-9) == "was killed by SIGKILL"
    assert describe_exit(137) == "exited with code 137 (128+9: the shell saw SIGKILL)"
    assert describe_exit(0) == "exited with code 0"
