"""Which platform file applies: the one RELEASE_CHECK_PLATFORM names, or the first found."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import ModuleType

from release_check.config.platforms import dokku, fly, kamal, railway, render
from release_check.config.platforms.declared import Declared
from release_check.config.platforms.document import BadFile
from release_check.errors import ConfigError, UsageError
from release_check.text import printable

VARIABLE = "RELEASE_CHECK_PLATFORM"
# Files named for one platform come before app.json, which Heroku projects have too.
ORDER: tuple[ModuleType, ...] = (fly, render, railway, kamal, dokku)
BY_NAME = {module.NAME: module for module in ORDER}
NONE = ("heroku", "none")  # heroku: the Procfile and release-check's own settings only
CHOICES = (*BY_NAME, *NONE)
_FILES = {"fly": "fly.toml", "render": "render.yaml", "railway": "railway.json or railway.toml",
          "dokku": "app.json or CHECKS", "kamal": "config/deploy.yml"}


def choice(raw: str) -> str:
    """The platform a RELEASE_CHECK_PLATFORM value names."""
    word = raw.strip().lower()
    if word not in CHOICES:
        shown = printable(repr(raw), 40)
        raise ValueError(f"{shown} is not one of {', '.join(CHOICES)}")
    return word


def find(raw: str | None, procfile: str) -> Declared | None:
    """The declaration of the platform file beside the Procfile that applies, if any."""
    folder = Path(procfile).parent
    try:
        forced = choice(raw) if raw else None
    except ValueError as error:
        raise UsageError(f"{VARIABLE}: {error}") from None
    try:
        return _forced(forced, folder) if forced else _first(folder)
    except BadFile as error:
        raise ConfigError([str(error)]) from None


def _forced(name: str, folder: Path) -> Declared | None:
    if name in NONE:
        return None
    module = BY_NAME[name]
    if not _exists(module, folder):
        raise UsageError(f"{VARIABLE} is {name}, but there is no {_FILES[name]} in"
                         f" {folder.resolve()}")
    found: Declared = module.read(folder)
    return found


def _exists(module: ModuleType, folder: Path) -> bool:
    """A forced platform needs only its file; Dokku's app.json need not have healthchecks."""
    return bool(module.present(folder)) or (
        module is dokku and (folder / dokku.APP_JSON).is_file()
    )


def _first(folder: Path) -> Declared | None:
    present = [module for module in ORDER if module.present(folder)]
    if not present:
        return None
    found: Declared = present[0].read(folder)
    if len(present) == 1:
        return found
    others = ", ".join(_FILES[module.NAME] for module in present[1:])
    note = (f"{found.file} read; {others} also found and not read"
            f" ({VARIABLE} chooses: {', '.join(CHOICES)})")
    return replace(found, warnings=(*found.warnings, note))
