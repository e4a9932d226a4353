"""Settings, and the files a run reads (Procfile, env file, config file).

The table of every setting, and the frozen Config built from flags, variables and the config
file, each value with its source.

A leaf: it imports nothing from the other subpackages, so any of them may depend on it.
"""

from release_check.config.boots import BOOT_FILES, boots_anything
from release_check.config.envfile import app_environment
from release_check.config.expectations import BodyMatch, Expectation, StatusMatch
from release_check.config.file import PYPROJECT, STANDALONE, FileSettings
from release_check.config.limits import MAX_SECONDS
from release_check.config.loading import discover, discover_platform, load, skip_config
from release_check.config.platforms import find as find_platform
from release_check.config.processes import ProcessSpec, process_commands, ready_variable
from release_check.config.procfile import command_for
from release_check.config.responses import response_mismatch
from release_check.config.settings import BY_KEY, SETTINGS, Config, Setting

__all__ = [
    "BOOT_FILES",
    "BY_KEY",
    "MAX_SECONDS",
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
    "boots_anything",
    "command_for",
    "discover",
    "discover_platform",
    "find_platform",
    "load",
    "process_commands",
    "ready_variable",
    "response_mismatch",
    "skip_config",
]
