"""Read one entry of a Procfile, with Heroku's grammar (``name: command``).

Like honcho and foreman, lines that are blank, comments, or not of the form ``name: command``
are passed over; a name given twice is an error rather than a silent choice between two commands.
"""

from __future__ import annotations

import re
from pathlib import Path

from release_check.errors import ProcfileError

_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")


def parse(text: str, source: str = "Procfile") -> dict[str, str]:
    """Map each process type to its command; raise ProcfileError on a repeated name."""
    entries: dict[str, str] = {}
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        match = _LINE.match(line.strip())
        if match is None or line.lstrip().startswith("#"):
            continue
        name, command = match.group(1), match.group(2).strip()
        if name in entries:
            raise ProcfileError(f"{source}:{number}: process type '{name}' is declared twice")
        entries[name] = command
    return entries


def command_for(path: Path, process_type: str) -> str:
    """The command of ``process_type`` in the Procfile at ``path``."""
    entries = read_entries(path)
    if process_type not in entries:
        found = ", ".join(sorted(entries)) or "none"
        raise ProcfileError(
            f"{path} has no '{process_type}' entry (entries found: {found});"
            " set RELEASE_CHECK_PROCESS_TYPE or RELEASE_CHECK_WEB_COMMAND"
        )
    return entries[process_type]


def read_entries(path: Path) -> dict[str, str]:
    """Every entry of the Procfile at ``path``: process type -> command."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProcfileError(
            f"no Procfile at {path}: set RELEASE_CHECK_PROCFILE to its path,"
            " or RELEASE_CHECK_WEB_COMMAND to the command that boots the app"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ProcfileError(f"cannot read {path}: {error}") from None
    return parse(text, str(path))
