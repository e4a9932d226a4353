"""Which platform file applies: the one RELEASE_CHECK_PLATFORM names, or the first found.

A reader (and the parsers it needs) is imported only once one of its files is there: most
projects have none, and every release would pay for all of them at start.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from release_check.config.platforms.declared import Declared
from release_check.config.platforms.document import BadFile
from release_check.config.reading import refusal
from release_check.errors import ConfigError, UsageError
from release_check.text import printable

VARIABLE = "RELEASE_CHECK_PLATFORM"
# Each reader's files, as its present() looks for them. Files named for one platform come
# before app.json, which Heroku projects have too.
HINTS = {"fly": ("fly.toml",), "render": ("render.yaml",),
         "railway": ("railway.json", "railway.toml"), "kamal": ("config/deploy.yml",),
         "dokku": ("CHECKS", "app.json")}
ORDER = tuple(HINTS)
_ALL = tuple(file for files in HINTS.values() for file in files)
NONE = ("heroku", "none")  # heroku: the Procfile and release-check's own settings only
CHOICES = (*ORDER, *NONE)
_FILES = {"fly": "fly.toml", "render": "render.yaml", "railway": "railway.json or railway.toml",
          "dokku": "app.json or CHECKS", "kamal": "config/deploy.yml"}


def choice(raw: str) -> str:
    """The platform a RELEASE_CHECK_PLATFORM value names."""
    word = raw.strip().lower()
    if word not in CHOICES:
        shown = printable(repr(raw), 40)
        raise ValueError(f"{shown} is not one of {', '.join(CHOICES)}")
    return word


def find(raw: str | None, procfile: str | Path, source: str = VARIABLE) -> Declared | None:
    """The declaration of the platform file beside the Procfile that applies, if any.

    ``source`` is where ``raw`` came from (the flag or the variable), for the messages.
    """
    folder = Path(procfile).parent
    try:
        forced = choice(raw) if raw else None
    except ValueError as error:
        raise UsageError(f"{source}: {error}") from None
    try:
        if forced not in NONE:
            _regular_files(folder, HINTS[forced] if forced else _ALL)
        return _forced(forced, folder, source) if forced else _first(folder)
    except BadFile as error:
        raise ConfigError([str(error)]) from None


def _regular_files(folder: Path, names: tuple[str, ...]) -> None:
    """A platform file that is a FIFO or a device is refused, never passed over or waited on."""
    for name in names:
        problem = refusal(folder / name)
        if problem and not (folder / name).is_dir():
            raise BadFile(f"cannot read {name}: {problem}")


def _forced(name: str, folder: Path, source: str) -> Declared | None:
    if name in NONE:
        return None
    if not _hinted(name, folder):
        raise UsageError(f"{source} is {name}, but there is no {_FILES[name]} in"
                         f" {folder.resolve()}")
    found: Declared = _reader(name).read(folder)
    return found


def _hinted(name: str, folder: Path) -> bool:
    """Whether one of its files is there: all a forced platform needs.

    Dokku's app.json need not have healthchecks then.
    """
    return any((folder / file).is_file() for file in HINTS[name])


def _reader(name: str) -> ModuleType:
    return importlib.import_module(f"release_check.config.platforms.{name}")


def _present(name: str, folder: Path) -> bool:
    return _hinted(name, folder) and bool(_reader(name).present(folder))


def _first(folder: Path) -> Declared | None:
    present = [name for name in ORDER if _present(name, folder)]
    if not present:
        return None
    found: Declared = _reader(present[0]).read(folder)
    if len(present) == 1:
        return found
    others = ", ".join(_FILES[name] for name in present[1:])
    note = (f"{found.file} read; {others} also found and not read"
            f" ({VARIABLE} chooses: {', '.join(CHOICES)})")
    return replace(found, warnings=(*found.warnings, note))
