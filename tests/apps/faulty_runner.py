"""release-check with one function replaced by one that raises: a fault injected from outside.

Usage: ``faulty_runner.py MODULE:ATTRIBUTE [release-check arguments]``; ATTRIBUTE may be dotted
(a class's method). The replacement raises ``OSError(EIO, "injected fault")`` when called, in
whichever thread calls it, so the release-check code itself carries no test hook.
"""

from __future__ import annotations

import errno
import importlib
import sys
from typing import NoReturn

from release_check.cli import entry


def _fault(*_args: object, **_kwargs: object) -> NoReturn:
    raise OSError(errno.EIO, "injected fault")


def main() -> None:
    """Replace the named attribute, then run release-check with the remaining arguments."""
    target, args = sys.argv[1], sys.argv[2:]
    module_name, _, dotted = target.partition(":")
    owner: object = importlib.import_module(module_name)
    *path, name = dotted.split(".")
    for part in path:
        owner = getattr(owner, part)
    setattr(owner, name, _fault)
    sys.argv = [sys.argv[0], *args]
    entry()


if __name__ == "__main__":
    main()
