"""The optional config file: ``release-check.toml``, or ``[tool.release-check]`` in pyproject.toml.

Looked for beside the Procfile; ``release-check.toml`` wins when both exist, and
``RELEASE_CHECK_CONFIG`` / ``--config`` names another file instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from release_check.config.expectations import toml_shown
from release_check.config.reading import read_text
from release_check.errors import SettingError, UsageError

STANDALONE = "release-check.toml"
PYPROJECT = "pyproject.toml"
TABLE = "[tool.release-check]"


@dataclass(frozen=True)
class FileSettings:
    """The file's settings table (keys as written), checks and process tables, and its name.

    ``source`` is the file as shown in messages; ``table`` is the table the settings sit in
    when it is not the whole file (``[tool.release-check]`` in pyproject.toml).
    """

    source: str
    values: Mapping[str, Any] = field(default_factory=dict)
    checks: tuple[Mapping[str, Any], ...] = ()
    table: str = ""
    process: Mapping[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        """The file that was read."""
        return Path(self.source)

    def where(self, key: str) -> str:
        """``pyproject.toml: [tool.release-check] timeout``: a key, as errors name it."""
        return f"{self.source}: {self.table} {key}" if self.table else f"{self.source}: {key}"


def _document(path: Path) -> dict[str, Any]:
    import tomllib  # noqa: PLC0415  (8 ms that runs without a config file should not pay)

    try:
        return tomllib.loads(read_text(path))
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {path}: {error}") from None
    except ValueError as error:  # TOMLDecodeError, or an integer of over 4300 digits
        raise UsageError(f"{path} is not valid TOML: {error}") from None
    except RecursionError:  # tomllib recurses once per nested array or table
        raise UsageError(f"{path} is nested too deeply to read") from None


def _tool_table(path: Path, document: Mapping[str, Any]) -> Mapping[str, Any]:
    """pyproject.toml's ``[tool.release-check]``; a ``tool`` or table of another type is refused."""
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise UsageError(f"{path}: tool must be a table ([tool]), got {toml_shown(tool)}")
    table = tool.get("release-check", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: {TABLE} must be a table, got {toml_shown(table)}")
    return table


def _settings(path: Path) -> FileSettings | None:
    document = _document(path)
    table = dict(_tool_table(path, document) if path.name == PYPROJECT else document)
    if not table:
        return None
    prefix = TABLE if path.name == PYPROJECT else ""
    checks = table.pop("checks", [])
    if not isinstance(checks, list) or not all(isinstance(c, dict) for c in checks):
        where = f"{path}: {prefix} checks" if prefix else f"{path}: checks"
        raise UsageError(f"{where}: must be an array of tables ([[checks]])")
    process = table.pop("process", {})
    if not isinstance(process, dict) or not all(isinstance(p, dict) for p in process.values()):
        where = f"{path}: {prefix} process" if prefix else f"{path}: process"
        raise UsageError(f"{where}: must be a table of tables ([process.worker])")
    return FileSettings(str(path), table, tuple(checks), prefix, process)


def locate(explicit: Path | None, procfile: Path) -> FileSettings | None:
    """The settings of the file that applies, or None when there is none.

    ``explicit`` is the file the ``config`` setting names; a missing one is a SettingError, which
    the CLI words with where the name came from.
    """
    if explicit is not None:
        if not explicit.exists():
            raise SettingError("config_file", f"no such file: {explicit}")
        return _settings(explicit) or FileSettings(str(explicit))
    for candidate in (procfile.parent / STANDALONE, procfile.parent / PYPROJECT):
        if candidate.exists():  # a FIFO or device there is refused, not passed over
            found = _settings(candidate)
            if found is not None or candidate.name == STANDALONE:
                return found
    return None
