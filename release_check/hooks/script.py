"""The text of the pre-push hook that ``install-hook`` writes."""

from __future__ import annotations

import shlex
import sys

MARKER = "# release-check: pre-push hook written by `release-check install-hook`"
HOOK_NAME = "pre-push"

# git gives the hook the remote's name and URL as arguments and the refs on standard input;
# `release-check pre-push` takes both as they are, so the script only finds release-check.
# -P: the repository's own modules must not shadow release-check's.
_SCRIPT = """#!/bin/sh
{marker}
# Runs the release check on each commit being pushed, and refuses the push when one fails.
# Skip it once with `git push --no-verify`; remove it with `release-check uninstall-hook`.
python={python}
if [ -x "$python" ] && "$python" -P -c 'import release_check' 2>/dev/null; then
    exec "$python" -P -m release_check pre-push "$@"
elif command -v release-check >/dev/null 2>&1; then
    exec release-check pre-push "$@"
fi
echo "release-check: not found ($python, nor release-check on PATH);" \\
    "install it, or push with --no-verify" >&2
exit 1
"""

# The standalone executable is its own interpreter: it takes release-check's arguments itself.
_FROZEN_SCRIPT = """#!/bin/sh
{marker}
# Runs the release check on each commit being pushed, and refuses the push when one fails.
# Skip it once with `git push --no-verify`; remove it with `release-check uninstall-hook`.
program={python}
if [ -x "$program" ]; then
    exec "$program" pre-push "$@"
elif command -v release-check >/dev/null 2>&1; then
    exec release-check pre-push "$@"
fi
echo "release-check: not found ($program, nor release-check on PATH);" \\
    "install it, or push with --no-verify" >&2
exit 1
"""


def frozen() -> bool:
    """Whether this is the standalone executable (PyInstaller sets sys.frozen)."""
    return bool(getattr(sys, "frozen", False))


def release_check_command(python: str) -> list[str]:
    """How to start release-check again: ``python -P -m release_check``, or the executable.

    -P: the repository's own modules must not shadow release-check's.
    """
    return [python] if frozen() else [python, "-P", "-m", "release_check"]


def hook_script(python: str, standalone: bool = False) -> str:
    """The hook's text, running ``python -m release_check pre-push`` (or release-check on PATH).

    ``standalone``: ``python`` is the standalone executable, which runs ``pre-push`` itself.
    """
    script = _FROZEN_SCRIPT if standalone else _SCRIPT
    return script.format(marker=MARKER, python=shlex.quote(python))
