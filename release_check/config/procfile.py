r"""Read one entry of a Procfile as Heroku reads it (``name: command``).

Heroku's grammar, as its Procfile buildpack ported it from the reference parser: lines end at
``\n``, ``\r\n`` or ``\r`` only, whitespace is space and tab, lines that are not
``name: command`` are passed over, and the last entry of a name wins. Where Heroku's two
stacks disagree (``web:run``) the entry is read and a warning says so; where Heroku would not
run the app at all (a byte-order mark, a no-break space after the colon) it is an error.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from release_check.config.limits import arg_problem
from release_check.config.reading import read_text
from release_check.errors import ProcfileError
from release_check.text import printable

_LINE_END = re.compile(r"\r\n|\r|\n")
_ENTRY = re.compile(r"[ \t]*([A-Za-z0-9_-]+):([ \t]*)(.*?)[ \t]*")
_BOM = "\ufeff"


@dataclass
class Procfile:
    """Each process type's command, the line it was last declared on, and what to warn."""

    entries: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def parse(text: str, source: str = "Procfile") -> Procfile:
    """Read every entry; raise ProcfileError where Heroku would not read the file as written."""
    procfile = Procfile()
    for number, line in enumerate(_LINE_END.split(text), start=1):
        where = f"{source}:{number}"
        if line.lstrip(" \t").startswith(_BOM):
            raise ProcfileError(
                f"{where}: the line starts with a UTF-8 byte-order mark (BOM): Heroku does not"
                " read an entry after it (the classic stack starts no such process, the newer"
                " one fails the build); save the Procfile as UTF-8 without a BOM"
            )
        match = _ENTRY.fullmatch(line)
        if match is not None and match.group(3):
            _add(procfile, where, number, match)
    return procfile


def _add(procfile: Procfile, where: str, number: int, match: re.Match[str]) -> None:
    name, gap, command = match.groups()
    first = command[0]
    if first.isspace() and not first.isascii():
        raise ProcfileError(
            f"{where}: the '{name}' command starts with {unicodedata.name(first, 'a space')}"
            f" (U+{ord(first):04X}), which Heroku does not take for a space, so the process"
            " would not start; use a plain space"
        )
    if not gap:
        procfile.warnings.append(
            f"{where}: no space after '{name}:': Heroku's classic stack ignores this line (no"
            f" '{name}' process there), the newer stack reads it; write"
            f" '{name}: {printable(command, 40)}'"
        )
    if name in procfile.entries:
        procfile.warnings.append(
            f"{where}: process type '{name}' is declared again (before on line"
            f" {procfile.lines[name]}); Heroku uses the last one, and so does release-check"
        )
    procfile.entries[name] = command
    procfile.lines[name] = number


def command_for(path: Path, process_type: str) -> tuple[str, list[str]]:
    """The command of ``process_type`` in the Procfile at ``path``, and the parse's warnings."""
    procfile = read(path)
    if process_type not in procfile.entries:
        found = ", ".join(sorted(procfile.entries)) or "none"
        raise ProcfileError(
            f"{path} has no '{process_type}' entry (entries found: {found});"
            " set RELEASE_CHECK_PROCESS_TYPE or RELEASE_CHECK_WEB_COMMAND"
        )
    return runnable(path, procfile, process_type), procfile.warnings


def read(path: Path) -> Procfile:
    """Every entry of the Procfile at ``path``."""
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise ProcfileError(
            f"no Procfile at {path}: set RELEASE_CHECK_PROCFILE to its path,"
            " or RELEASE_CHECK_WEB_COMMAND to the command that boots the app"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ProcfileError(f"cannot read {path}: {error}") from None
    return parse(text, str(path))


def runnable(path: Path, procfile: Procfile, process_type: str) -> str:
    """The entry's command, refused if no command line can hold it."""
    command = procfile.entries[process_type]
    problem = arg_problem(command)
    if problem:
        raise ProcfileError(
            f"{path}:{procfile.lines[process_type]}: the '{process_type}' command {problem}"
        )
    return command
