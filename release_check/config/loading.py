"""Build the one Config at the edge: flag > variable > config file > default.

Each value keeps where it came from (``--port``, ``RELEASE_CHECK_PORT``, ``release-check.toml:
port``), so that a check made later can name it; every bad setting is reported at once as a
:class:`~release_check.errors.ConfigError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from release_check.config.checks import parse_check
from release_check.config.expectations import Expectation
from release_check.config.file import FileSettings, locate
from release_check.config.layer import layer
from release_check.config.platforms import Declared, find
from release_check.config.processes import process_specs, web_problem
from release_check.config.settings import BY_FIELD, BY_KEY, NO_PATH, SETTINGS, Config, Setting
from release_check.errors import ConfigError, SettingError

Chosen = dict[Setting, tuple[Any, str]]  # each given setting's parsed value and its source


def _file_values(file: FileSettings) -> tuple[Chosen, list[str]]:
    chosen: Chosen = {}
    problems: list[str] = []
    for key, value in file.values.items():
        setting = BY_KEY.get(key)
        where = file.where(key)
        if setting is None or not setting.in_file:
            problems.append(f"{where}: unknown setting (see docs/configuration.md)"
                            if setting is None else f"{where}: not allowed in a config file")
            continue
        try:
            chosen[setting] = (setting.from_toml(value), where)
        except ValueError as error:
            problems.append(f"{where}: {error}")
    return chosen, problems


def _given(setting: Setting, flags: Mapping[str, str | None], environ: Mapping[str, str]
           ) -> tuple[str, str] | None:
    """The setting's text and its source, flag before variable; None when neither is given."""
    flag = flags.get(setting.field)
    if flag is not None:
        return str(flag), setting.flag
    if environ.get(setting.env, ""):
        return environ[setting.env], setting.env
    return None


def _text_values(flags: Mapping[str, str | None], environ: Mapping[str, str],
                 settings: tuple[Setting, ...] = SETTINGS) -> tuple[Chosen, list[str]]:
    chosen: Chosen = {}
    problems: list[str] = []
    for setting in settings:
        given = _given(setting, flags, environ)
        if given is None:
            continue
        raw, source = given
        try:
            chosen[setting] = (setting.parse(raw), source)
        except ValueError as error:
            problems.append(f"{source}: {error}")
    return chosen, problems


def skip_config(environ: Mapping[str, str]) -> Config | None:
    """The Config of a skipped run when RELEASE_CHECK_SKIP is on, else None.

    Read before anything else, and alone, so that the escape hatch works whatever else is
    broken; a skipped run reads no other setting.
    """
    setting = BY_FIELD["skip"]
    given = _given(setting, {}, environ)
    if given is None:
        return None
    try:
        on = setting.parse(given[0])
    except ValueError as error:
        raise ConfigError([f"{setting.env}: {error}"]) from None
    return Config(skip=True, sources={"skip": setting.env}) if on else None


def discover(flags: Mapping[str, str | None], environ: Mapping[str, str]) -> FileSettings | None:
    """The config file that applies: the one ``config`` names, else one beside the Procfile.

    Read before the other settings, since the file is one of their sources; the Procfile's
    folder for the search comes from its flag or variable, never from the file itself.
    """
    config, procfile = BY_FIELD["config_file"], BY_FIELD["procfile"]
    chosen, problems = _text_values(flags, environ, (config, procfile))
    if problems:
        raise ConfigError(problems)
    folder = chosen[procfile][0] if procfile in chosen else Path("Procfile")
    if config not in chosen:
        return locate(None, folder)
    named, source = chosen[config]
    try:
        return locate(named, folder)
    except SettingError as error:
        raise ConfigError([f"{source}: {error.problem}"]) from None


def discover_platform(
    flags: Mapping[str, str | None], environ: Mapping[str, str]
) -> Declared | None:
    """The platform file that applies: the one ``platform`` forces, else the first found.

    Looked for beside the Procfile, as the config file is; errors name the flag or variable
    that forced the platform.
    """
    platform, procfile = BY_FIELD["platform"], BY_FIELD["procfile"]
    forced = _given(platform, flags, environ)
    named, source = forced if forced else (None, platform.env)
    beside = _given(procfile, flags, environ)
    return find(named, beside[0] if beside else "Procfile", source)


_MATCHERS = ("expected_body", "body_contains", "body_regex")


def _conflicts(sources: Mapping[str, str]) -> list[str]:
    """The single check's given body matchers exclude each other, whatever their values."""
    given = [sources[name] for name in _MATCHERS if name in sources]
    if len(given) < 2:
        return []
    return [f"{' and '.join(given)}: give only one body matcher"]


def _checks(file: FileSettings | None) -> tuple[tuple[Expectation, ...], list[str]]:
    if file is None:
        return (), []
    parsed, problems = [], []
    for number, table in enumerate(file.checks, start=1):
        try:
            parsed.append(parse_check(table))
        except ValueError as error:
            problems.append(f"{file.where(f'checks[{number}]')}: {error}")
    return tuple(parsed), problems


def load(
    flags: Mapping[str, str | None], environ: Mapping[str, str], verbosity: int = 0,
    file: FileSettings | None = None, platform: Declared | None = None,
) -> Config:
    """Build the Config from flags, environment and file, or raise ConfigError listing all.

    Flags and variables are text; the file's values are TOML, read as their type. A platform
    file's declaration fills what they all leave unset (config/layer.py).
    """
    chosen, problems = _file_values(file) if file else ({}, [])
    text, text_problems = _text_values(flags, environ)
    chosen.update(text)
    checks, check_problems = _checks(file)
    problems += text_problems + check_problems + _conflicts(_sources(flags, environ, file))
    values = {setting.field: value for setting, (value, _) in chosen.items()}
    sources = {setting.field: source for setting, (_, source) in chosen.items()}
    problems += _processes(values, sources, environ, file)
    problems += _ready_only(values, sources, checks)
    if problems:
        raise ConfigError(problems)
    if file is not None and "config_file" not in values:
        values["config_file"] = file.path
    config = Config(**values, checks=checks, verbosity=verbosity, sources=sources)
    return layer(config, sources, platform, file.source if file else None)


def _ready_only(values: Mapping[str, Any], sources: Mapping[str, str],
                checks: tuple[Expectation, ...]) -> list[str]:
    """No health path needs web's ready line, which then stands in for the check."""
    if values.get("path") != NO_PATH or checks or values.get("ready") is not None:
        return []
    return [f"{sources.get('path', 'path')}: none (no health path) needs a ready line for web"
            " to stand in for the check: set RELEASE_CHECK_READY (or --ready, or ready in the"
            " config file)"]


def _processes(
    values: dict[str, Any], sources: Mapping[str, str], environ: Mapping[str, str],
    file: FileSettings | None,
) -> list[str]:
    """Resolve each non-web process's settings into ``values``; return the problems found."""
    names, web = values.get("processes", ()), values.get("process_type", "web")
    tables, source = (file.process, file.source) if file else ({}, "")
    values["process_specs"], problems = process_specs(tables, source, names, web, environ)
    return web_problem(names, web, sources.get("processes", "")) + problems


def _sources(flags: Mapping[str, str | None], environ: Mapping[str, str],
             file: FileSettings | None) -> dict[str, str]:
    """Where each setting given was given (flag > variable > file), its value valid or not."""
    sources = {BY_KEY[key].field: file.where(key) for key in file.values if key in BY_KEY
               } if file else {}
    for setting in SETTINGS:
        given = _given(setting, flags, environ)
        if given is not None:
            sources[setting.field] = given[1]
    return sources
