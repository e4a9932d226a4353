"""argparse that raises UsageError instead of printing usage and exiting."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Sequence
from typing import NoReturn

from release_check.errors import UsageError


class Parser(argparse.ArgumentParser):
    """Errors become one ``release-check: error: ...`` line and exit 2, printed by the CLI."""

    def error(self, message: str) -> NoReturn:
        """Raise the problem as a UsageError pointing at --help."""
        raise UsageError(f"{message} (see {self.prog} --help)")


def split_then(argv: Sequence[str]) -> tuple[list[str], str | None]:
    """The options before ``--``, and the command after it as one shell line (None: no ``--``).

    ``release-check -- pytest -q smoke`` is ``--then 'pytest -q smoke'``: each word quoted, so
    the shell that runs it sees the words as given. Giving both is ambiguous, and refused.
    """
    if "--" not in argv:
        return list(argv), None
    at = list(argv).index("--")
    options, words = list(argv[:at]), list(argv[at + 1:])
    if not words:
        raise UsageError("nothing follows --: name the command to run once the checks pass")
    if any(option == "--then" or option.startswith("--then=") for option in options):
        raise UsageError("--then and a command after -- both name the command to run; give one")
    return options, shlex.join(words)
