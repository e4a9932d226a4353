"""argparse that raises UsageError instead of printing usage and exiting."""

from __future__ import annotations

import argparse
from typing import NoReturn

from release_check.errors import UsageError


class Parser(argparse.ArgumentParser):
    """Errors become one ``release-check: error: ...`` line and exit 2, printed by the CLI."""

    def error(self, message: str) -> NoReturn:
        """Raise the problem as a UsageError pointing at --help."""
        raise UsageError(f"{message} (see {self.prog} --help)")
