"""The seam between release-check's own settings and a platform file's: a layer between them.

Field by field, a value from a flag, a variable or the config file wins; the platform file's
fills what they leave unset; the defaults fill the rest. The result also says, in one line,
where the run's check, port and command came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from release_check.config.expectations import Expectation
from release_check.config.limits import MAX_SECONDS
from release_check.config.platforms import Declared
from release_check.config.settings import Config, Origin
from release_check.errors import ConfigError
from release_check.text import printable

_SCALARS = ("request_timeout", "timeout", "uptime", "host_header", "port")
_SHOWN_NAMES = 4
_BODY = ("expected_body", "body_contains", "body_regex")
_SINGLE = ("path", "expected_status", *_BODY)


def layer(
    config: Config, sources: Mapping[str, str], declared: Declared | None,
    checks_file: str | None = None,
) -> Config:
    """``config`` with the platform's values wherever ``sources`` (the fields set) has none.

    ``checks_file`` names the config file, for the line when its ``[[checks]]`` are used.
    """
    if declared is None:
        return replace(config, origin=Origin(_line(config, _own(config, sources, checks_file))))
    changes: dict[str, Any] = {
        name: getattr(declared, name) for name in _SCALARS
        if name not in sources and getattr(declared, name) is not None
    }
    floor = declared.min_timeout
    if "timeout" not in sources and "timeout" not in changes and (floor or 0) > config.timeout:
        changes["timeout"] = floor  # a grace period longer than the deadline
    if "timeout" in changes:  # a sum of the file's waits; the release phase ends at the hour
        changes["timeout"] = min(changes["timeout"], MAX_SECONDS)
    changes["checks"], where = _checks(config, sources, declared, checks_file)
    changes.update(_command(config, sources, declared))
    if declared.environment:
        changes["platform_environment"] = declared.environment
    port_source = declared.sources.get("port") if "port" in changes else None
    if port_source:
        changes["sources"] = {**config.sources, "port": port_source}
    layered: Config = replace(config, **changes)
    extras = [_extra(name, layered, declared) for name in ("port", "web_command", "timeout",
                                                           "uptime", "host_header")
              if name in changes]
    line = _line(layered, where, [*extras, *_environment(declared)])
    origin = Origin(line, declared.file, declared.warnings, port_source)
    return replace(layered, origin=origin)


def _environment(declared: Declared) -> list[str]:
    """The variables the file gives the app, by name (their values may be tokens)."""
    names = [name for name, _ in declared.environment]
    if not names:
        return []
    shown = ", ".join(printable(name, 40) for name in names[:_SHOWN_NAMES])
    more = f" and {len(names) - _SHOWN_NAMES} more" if len(names) > _SHOWN_NAMES else ""
    source = declared.sources.get("environment", declared.file)
    return [f"{shown}{more} from {source}, below the environment's own"]


def _checks(
    config: Config, sources: Mapping[str, str], declared: Declared, checks_file: str | None
) -> tuple[tuple[Expectation, ...], str]:
    """The platform's checks, each field overridden by the single-check settings given."""
    where = _own(config, sources, checks_file)
    if config.checks:
        return config.checks, where
    if not declared.checks:
        return (), f"{where} ({declared.file} declares no health check)"
    if "path" in sources and len(declared.checks) > 1:
        return (), f"{where} ({declared.where} not used: {sources['path']} names one check)"
    given = [sources[name] for name in _SINGLE if name in sources]
    merged = tuple(_override(check, config, sources, declared) for check in declared.checks)
    return merged, declared.where + (f", with {', '.join(given)}" if given else "")


def _override(
    check: Expectation, config: Config, sources: Mapping[str, str], declared: Declared
) -> Expectation:
    body_source = next((sources[name] for name in _BODY if name in sources), None)
    if body_source and check.method == "HEAD":
        raise ConfigError([f"{body_source}: {declared.where} sends HEAD, and a HEAD response"
                           " has no body to match"])
    return replace(
        check,
        path=config.path if "path" in sources else check.path,
        status=config.expected_status if "expected_status" in sources else check.status,
        body=config.body_match() if body_source else check.body,
    )


def _command(config: Config, sources: Mapping[str, str], declared: Declared) -> dict[str, str]:
    """The platform's start command, only where neither a setting nor a Procfile gives one."""
    if "web_command" in sources or config.procfile.is_file():
        return {}
    if declared.web_command is not None:
        source = f"{declared.sources['web_command']} ({declared.web_command})"
        return {"web_command": declared.web_command, "web_command_source": source}
    if declared.no_command:
        raise ConfigError([declared.no_command])
    return {}


def _own(config: Config, sources: Mapping[str, str], checks_file: str | None) -> str:
    """Where release-check's own check came from: its settings, the defaults, or both."""
    if config.checks:
        return f"{checks_file or 'the config file'} checks"
    given = [sources[name] for name in _SINGLE if name in sources]
    facets = {"path", "expected_status", "body"} - {
        "body" if name in _BODY else name for name in _SINGLE if name in sources
    }
    if not given:
        return "defaults"
    return ", ".join(given) + (" and defaults" if facets else "")


def _extra(name: str, config: Config, declared: Declared) -> str:
    """What the platform file set besides the check, and from which key."""
    source = declared.sources.get(name, declared.file)
    shown = {
        "port": f"PORT={config.port}",
        "web_command": "command",
        "timeout": f"deadline {config.timeout:g}s",
        "uptime": f"uptime {config.uptime:g}s",
        "host_header": f"Host: {config.host_header}",
    }
    return f"{shown[name]} from {source}"


def _line(config: Config, where: str, extras: list[str] | None = None) -> str:
    checks = "; ".join(f"{check.request}, {check.describe()}" for check in config.expectations())
    tail = "".join(f"; {extra}" for extra in extras or [])
    return f"check from {where}: {checks}, timeout {config.request_timeout:g}s{tail}"
