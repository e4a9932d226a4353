"""The processes a run boots beside web, and how each shows that it is healthy.

``processes = ["web", "worker"]`` (or ``RELEASE_CHECK_PROCESSES=web,worker``) picks them; each
non-web one may have a ``[process.NAME]`` table (``ready``, ``uptime``, ``timeout``,
``max_memory_mb``, ``oneshot``), and ``RELEASE_CHECK_READY_<NAME>`` sets its ready regex.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from release_check.config.expectations import toml_shown
from release_check.config.limits import number_problem
from release_check.config.procfile import read, runnable
from release_check.config.regexes import MATCH_TIMEOUT, search
from release_check.errors import ProcfileError
from release_check.text import printable, quoted

DEFAULT_UPTIME = 5.0
# The search is bounded in time anyway (config/regexes.py); searching only this much of a line
# keeps a backtracking pattern's search short, so a timeout is rare (docs/processes.md).
READY_SEARCH_LIMIT = 1024
READY_PREFIX = "RELEASE_CHECK_READY_"
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_NUMBERS = ("uptime", "timeout", "max_memory_mb")
_KEYS = ("ready", *_NUMBERS, "oneshot")


@dataclass(frozen=True)
class ProcessSpec:
    """One non-web process type and what makes it healthy.

    Healthy once a line of its output matches ``ready``, or, without ``ready``, once it has
    been alive ``uptime`` seconds from its start; after that it must keep running until the
    run ends. With ``oneshot``, exiting with code 0 is healthy too.
    """

    name: str
    ready: str | None = None
    uptime: float = DEFAULT_UPTIME
    timeout: float | None = None  # seconds from its start to the ready line; None: the run's
    max_memory_mb: float | None = None
    oneshot: bool = False

    def matches(self, line: str) -> bool:
        """Whether ``line`` is the ready line; a search that runs out of time is not a match."""
        return self.search(line) is True

    def search(self, line: str) -> bool | str:
        """Whether ``line`` is the ready line (only its first READY_SEARCH_LIMIT characters).

        TIMED_OUT (config/regexes.py) when the search ran out of time: the line then does not
        count, and the verdict of a process without its ready line says so (timed_out_note).
        """
        return self.ready is not None and search(self.ready, line[:READY_SEARCH_LIMIT])

    @staticmethod
    def timed_out_note() -> str:
        """Added to "printed no ready line" when a search of some line ran out of time."""
        return (f"; the search of a line of its output timed out after {MATCH_TIMEOUT:g} s (the"
                " regex backtracks on it), so that line counted as no match")

    def describe_ready(self) -> str:
        """``line matching /celery@.+ ready/``, escaped and capped for a verdict line."""
        return f"line matching /{quoted(self.ready or '', 80)[1:-1]}/"


def ready_variable(name: str) -> str:
    """``RELEASE_CHECK_READY_WORKER`` for ``worker``; ``-`` becomes ``_``."""
    return READY_PREFIX + name.upper().replace("-", "_")


def parse_names(raw: str) -> tuple[str, ...]:
    """``web, worker,clock`` as a tuple of process types, in order, each once."""
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if not names:
        raise ValueError("name at least one process type, such as web")
    for name in names:
        if not _NAME.match(name):
            raise ValueError(f"{printable(repr(name), 40)} is not a Procfile process type")
        if name == "release":
            raise ValueError("'release' would run release-check inside itself")
    return tuple(dict.fromkeys(names))


def ready_pattern(raw: str) -> str:
    """A ready regex, refused if it is invalid or would match any line."""
    if search(raw, "") is True:
        raise ValueError(
            f"{quoted(raw, 40)} can match an empty string, so any line would count as ready"
        )
    return raw


def _seconds(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number, not {toml_shown(value)}")
    memory = key == "max_memory_mb"
    problem = number_problem(value, "megabytes" if memory else "seconds",
                             zero_ok=key == "uptime", capped=not memory)
    if problem:
        raise ValueError(f"{key} {printable(repr(value), 40)} {problem}")
    return float(value)


def parse_table(name: str, table: Mapping[str, Any]) -> ProcessSpec:
    """One ``[process.NAME]`` table; ValueError says what is wrong."""
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (known: {', '.join(_KEYS)})")
    ready = table.get("ready")
    if ready is not None and not isinstance(ready, str):
        raise ValueError("ready must be a string (a regex)")
    oneshot = table.get("oneshot", False)
    if not isinstance(oneshot, bool):
        raise ValueError("oneshot must be true or false")
    numbers = {key: _seconds(key, table[key]) for key in _NUMBERS if key in table}
    return ProcessSpec(name, None if ready is None else ready_pattern(ready), oneshot=oneshot,
                       **numbers)


def _tables(
    tables: Mapping[str, Any], source: str, web: str
) -> tuple[dict[str, ProcessSpec], list[str]]:
    specs: dict[str, ProcessSpec] = {}
    problems = []
    for name, table in tables.items():
        where = f"{source}: process.{name}"
        if not isinstance(table, dict):
            problems.append(f"{where}: expected a table ([process.{name}])")
        elif not _NAME.match(name) or name == "release":
            problems.append(f"{where}: not a process type that can be checked")
        elif name == web:
            problems.append(f"{where}: {web} is checked over HTTP; its settings (timeout,"
                            " uptime, max_memory_mb) are the top-level ones")
        else:
            try:
                specs[name] = parse_table(name, table)
            except ValueError as error:
                problems.append(f"{where}: {error}")
    return specs, problems


def _variables(
    specs: dict[str, ProcessSpec], names: tuple[str, ...], environ: Mapping[str, str]
) -> list[str]:
    """Apply ``RELEASE_CHECK_READY_<NAME>`` over the tables, for each process named."""
    problems = []
    for name in names:
        raw = environ.get(ready_variable(name), "")
        if not raw:
            continue
        try:
            specs[name] = replace(specs.get(name, ProcessSpec(name)), ready=ready_pattern(raw))
        except ValueError as error:
            problems.append(f"{ready_variable(name)}: {error}")
    return problems


def web_problem(names: tuple[str, ...], web: str, source: str) -> list[str]:
    """The chosen processes must include web: the health check is sent to it."""
    if not names or web in names:
        return []
    return [f"{source}: name {web} too ({', '.join((web, *names))}): the health check is sent"
            " to it; a run without the web process is not supported"]


def process_specs(
    tables: Mapping[str, Any], source: str, names: tuple[str, ...], web: str,
    environ: Mapping[str, str],
) -> tuple[tuple[ProcessSpec, ...], list[str]]:
    """The spec of every non-web process named or given a table, and every problem found.

    ``source`` is the config file as messages name it; ``names`` the chosen processes.
    """
    specs, problems = _tables(tables, source, web)
    problems += _variables(specs, tuple(n for n in names if n != web), environ)
    for name in names:
        if name != web:
            specs.setdefault(name, ProcessSpec(name))
    return tuple(specs.values()), problems


def process_commands(
    procfile: Path, specs: Sequence[ProcessSpec], chosen: Sequence[str]
) -> tuple[dict[str, str], list[str]]:
    """The Procfile command of each chosen process, and the Procfile's warnings.

    Every spec must name an entry too: a table for a process type the Procfile lacks is a
    typo, not a setting to ignore. ProcfileError names the file and the entries it has.
    """
    if not procfile.exists():  # one that is a FIFO or a device is refused by read()
        raise ProcfileError(
            f"no Procfile at {procfile}: {', '.join(chosen)} run from its entries; set"
            " RELEASE_CHECK_PROCFILE to its path"
        )
    entries = read(procfile)
    for name in [*chosen, *(spec.name for spec in specs)]:
        if name not in entries.entries:
            found = ", ".join(sorted(entries.entries)) or "none"
            raise ProcfileError(
                f"{procfile} has no '{name}' entry (entries found: {found}); name only"
                " Procfile entries in processes and [process.NAME] tables"
            )
    return {name: runnable(procfile, entries, name) for name in chosen}, entries.warnings
