"""The optional config file: ``release-check.toml``, or ``[tool.release-check]`` in pyproject.toml.

Looked for beside the Procfile; ``release-check.toml`` wins when both exist, and
``RELEASE_CHECK_CONFIG`` / ``--config`` names another file instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from release_check.errors import UsageError

STANDALONE = "release-check.toml"
PYPROJECT = "pyproject.toml"
CONFIG_VARIABLE = "RELEASE_CHECK_CONFIG"


@dataclass(frozen=True)
class FileSettings:
    """The file's settings table (keys as written), checks and process tables, and its name."""

    source: str
    values: Mapping[str, Any] = field(default_factory=dict)
    checks: tuple[Mapping[str, Any], ...] = ()
    process: Mapping[str, Any] = field(default_factory=dict)


def _table(path: Path) -> Mapping[str, Any]:
    import tomllib  # noqa: PLC0415  (8 ms that runs without a config file should not pay)

    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path} is not valid TOML: {error}") from None
    if path.name != PYPROJECT:
        return document
    table = document.get("tool", {}).get("release-check", {})
    return table if isinstance(table, dict) else {}


def _settings(path: Path) -> FileSettings | None:
    table = dict(_table(path))
    if not table:
        return None
    where = f"{path} [tool.release-check]" if path.name == PYPROJECT else str(path)
    checks = table.pop("checks", [])
    if not isinstance(checks, list) or not all(isinstance(c, dict) for c in checks):
        raise UsageError(f"{where}: checks must be an array of tables ([[checks]])")
    process = table.pop("process", {})
    if not isinstance(process, dict):
        raise UsageError(f"{where}: process must be a table of tables ([process.worker])")
    return FileSettings(where, table, tuple(checks), process)


def locate(explicit: str | None, procfile: str) -> FileSettings | None:
    """The settings of the file that applies, or None when there is none."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise UsageError(f"{CONFIG_VARIABLE}: no such file: {path}")
        return _settings(path) or FileSettings(str(path))
    folder = Path(procfile).parent
    for candidate in (folder / STANDALONE, folder / PYPROJECT):
        if candidate.is_file():
            found = _settings(candidate)
            if found is not None or candidate.name == STANDALONE:
                return found
    return None
