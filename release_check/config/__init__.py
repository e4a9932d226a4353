"""Settings, and the files a run reads (Procfile, env file).

The table of every setting, and the frozen Config built from flags, variables and the config
file.

A leaf: it imports nothing from the other subpackages, so any of them may depend on it.
"""

from release_check.config.envfile import app_environment
from release_check.config.expectations import BodyMatch, Expectation, StatusMatch
from release_check.config.file import CONFIG_VARIABLE, PYPROJECT, STANDALONE, FileSettings, locate
from release_check.config.platforms import find as find_platform
from release_check.config.processes import ProcessSpec, process_commands, ready_variable
from release_check.config.procfile import command_for
from release_check.config.settings import BY_KEY, SETTINGS, Config, Setting, load, skip_requested

__all__ = [
    "BY_KEY",
    "CONFIG_VARIABLE",
    "PYPROJECT",
    "SETTINGS",
    "STANDALONE",
    "BodyMatch",
    "Config",
    "Expectation",
    "FileSettings",
    "ProcessSpec",
    "Setting",
    "StatusMatch",
    "app_environment",
    "command_for",
    "find_platform",
    "load",
    "locate",
    "process_commands",
    "ready_variable",
    "skip_requested",
]
