"""Whether a folder has anything for release-check to boot: what the pre-push hook asks first.

A hook in a folder of hooks shared by every repository reaches projects that release-check
was never set up for; those pass unchecked. Everything else is checked, and the check itself
says what is wrong with a broken file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from release_check.config.file import PYPROJECT, STANDALONE, locate
from release_check.config.platforms.choose import HINTS, find
from release_check.config.settings import BY_KEY
from release_check.errors import ConfigError, SettingError, UsageError

PROCFILE = "Procfile"
# Every file whose presence may give a run something to boot, from the project's root.
BOOT_FILES = (PROCFILE, STANDALONE, PYPROJECT,
              *dict.fromkeys(name for names in HINTS.values() for name in names))
_GIVEN = tuple(BY_KEY[key].env for key in ("config", "platform", "web_command", "procfile"))


def boots_anything(folder: Path | None, environ: Mapping[str, str]) -> bool:
    """Whether a release check run in ``folder`` would boot something, or report why not.

    A web command, Procfile, config file or platform given by a variable; a Procfile; a config
    file with release-check settings; a platform file. ``folder`` None: the variables alone.
    """
    if any(environ.get(variable) for variable in _GIVEN):
        return True
    if folder is None or (folder / PROCFILE).is_file():
        return folder is not None
    try:
        return (locate(None, folder / PROCFILE) is not None
                or find(None, folder / PROCFILE) is not None)
    except (ConfigError, SettingError, UsageError):
        return True  # a broken file is the check's to report
