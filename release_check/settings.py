"""Every setting, declared once with its variable, flag, default, parser and help.

``load`` builds the frozen :class:`Config` at the edge (flag > environment > default) and
reports every bad setting at once as a :class:`~release_check.errors.ConfigError`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from release_check.errors import ConfigError
from release_check.text import printable

ENV_PREFIX = "RELEASE_CHECK_"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_PROCESS_TYPE = re.compile(r"^[A-Za-z0-9_-]+$")
_HOST = re.compile(r"^[A-Za-z0-9._:%-]+$")


@dataclass(frozen=True)
class Config:
    """The whole run's configuration, built once and passed down."""

    web_command: str | None = None
    procfile: Path = Path("Procfile")
    process_type: str = "web"
    host: str = "127.0.0.1"
    port: int | None = None
    path: str = "/health_check"
    expected_status: int = 200
    expected_body: str = "OKAY"
    timeout: float = 60.0
    request_timeout: float = 5.0
    shutdown_grace: float = 10.0
    env_file: Path | None = None
    uptime: float = 1.0
    wrong_port_grace: float = 5.0
    strict_bind: bool = False
    max_memory_mb: float | None = None
    report: Path | None = None
    skip: bool = False
    verbosity: int = 0


def _number(raw: str, unit: str, *, zero_ok: bool = False) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{_shown(raw)} is not a number of {unit}") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        sign = "non-negative" if zero_ok else "positive"
        raise ValueError(f"{_shown(raw)} must be a {sign} number of {unit}")
    return value


def _seconds(raw: str) -> float:
    return _number(raw, "seconds")


def _window(raw: str) -> float:
    return _number(raw, "seconds", zero_ok=True)


def _megabytes(raw: str) -> float:
    return _number(raw, "megabytes")


def _port(raw: str) -> int:
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 65535:
        raise ValueError(f"{_shown(raw)} is not a port number (1..65535)")
    return int(raw)


def _status(raw: str) -> int:
    if not raw.strip().isdigit() or not 100 <= int(raw) <= 599:
        raise ValueError(f"{_shown(raw)} is not an HTTP status code (100..599)")
    return int(raw)


def _path(raw: str) -> str:
    if not raw.startswith("/") or any(c.isspace() or not c.isprintable() for c in raw):
        raise ValueError(f"{_shown(raw)} must start with / and contain no spaces")
    return raw


def _boolean(raw: str) -> bool:
    word = raw.strip().lower()
    if word in _TRUE | _FALSE:
        return word in _TRUE
    raise ValueError(f"{_shown(raw)} is not a boolean (use 1/true/yes/on or 0/false/no/off)")


def _host(raw: str) -> str:
    host = raw.strip().removeprefix("[").removesuffix("]")
    if not _HOST.match(host):
        raise ValueError(f"{_shown(raw)} is not a host name or IP address")
    return host


def _process_type(raw: str) -> str:
    if not _PROCESS_TYPE.match(raw):
        raise ValueError(f"{_shown(raw)} is not a Procfile process type")
    if raw == "release":
        raise ValueError("'release' would run release-check inside itself; name the web process")
    return raw


def _command(raw: str) -> str:
    if not raw.strip():
        raise ValueError("the command is empty")
    return raw


def _file(raw: str) -> Path:
    if not raw.strip():
        raise ValueError("the path is empty")
    return Path(raw)


def _text(raw: str) -> str:
    return raw


def _shown(raw: str) -> str:
    return printable(repr(raw), 40)


@dataclass(frozen=True)
class Setting:
    """One setting: its field on Config, its parser, its help, whether it has a flag."""

    field: str
    parse: Callable[[str], Any]
    help: str
    metavar: str = "VALUE"
    has_flag: bool = True
    switch: bool = False  # a flag without a value, meaning "1"

    @property
    def env(self) -> str:
        """The environment variable that sets it."""
        return ENV_PREFIX + self.field.upper()

    @property
    def flag(self) -> str:
        """The CLI flag that overrides the variable."""
        return "--" + self.field.replace("_", "-")


SETTINGS: tuple[Setting, ...] = (
    Setting("web_command", _command, "shell command that boots the app; overrides the Procfile",
            "COMMAND"),
    Setting("procfile", _file, "Procfile to read (default: Procfile)", "PATH"),
    Setting("process_type", _process_type, "Procfile entry to boot (default: web)", "NAME"),
    Setting("host", _host, "address to connect to (default: 127.0.0.1)", "HOST"),
    Setting("port", _port, "port passed to the app as PORT (default: a free port)", "PORT"),
    Setting("path", _path, "path to GET (default: /health_check)", "PATH"),
    Setting("expected_status", _status, "status that passes (default: 200)", "CODE"),
    Setting("expected_body", _text,
            "body that passes, after stripping surrounding whitespace (default: OKAY)", "TEXT"),
    Setting("timeout", _seconds, "seconds from spawn until a passing response (default: 60)",
            "SECONDS"),
    Setting("request_timeout", _seconds, "seconds per HTTP attempt (default: 5)", "SECONDS"),
    Setting("shutdown_grace", _seconds,
            "seconds between SIGTERM and SIGKILL at teardown (default: 10)", "SECONDS"),
    Setting("env_file", _file,
            "dotenv file whose variables are added to the app's environment (never implicit)",
            "PATH"),
    Setting("uptime", _window,
            "seconds the app must stay up after passing; 0 turns the window off (default: 1)",
            "SECONDS"),
    Setting("wrong_port_grace", _seconds,
            "fail once the app has listened on other ports, not $PORT, this long (default: 5)",
            "SECONDS"),
    Setting("strict_bind", _boolean,
            "fail, rather than warn, when the app listens only on a loopback address",
            switch=True),
    Setting("max_memory_mb", _megabytes,
            "fail when the app tree's peak memory exceeds this many MB (default: no limit)", "MB"),
    Setting("report", _file, "write a JSON report of the run to this file, whatever the outcome",
            "PATH"),
    Setting("skip", _boolean, "1/true: warn and exit 0 without booting anything",
            has_flag=False),
)


def _raw_values(
    flags: Mapping[str, str | None], environ: Mapping[str, str]
) -> dict[Setting, tuple[str, str]]:
    """Pick each setting's raw value and where it came from: flag, then non-empty variable."""
    chosen: dict[Setting, tuple[str, str]] = {}
    for setting in SETTINGS:
        flag_value = flags.get(setting.field)
        if flag_value is not None:
            chosen[setting] = (flag_value, setting.flag)
        elif environ.get(setting.env, ""):
            chosen[setting] = (environ[setting.env], setting.env)
    return chosen


def skip_requested(environ: Mapping[str, str]) -> bool:
    """Whether the escape hatch is on; read before anything else so it always works."""
    raw = environ.get(f"{ENV_PREFIX}SKIP", "")
    try:
        return bool(raw) and _boolean(raw)
    except ValueError as error:
        raise ConfigError([f"{ENV_PREFIX}SKIP: {error}"]) from None


def load(
    flags: Mapping[str, str | None], environ: Mapping[str, str], verbosity: int = 0
) -> Config:
    """Build the Config from flags and environment, or raise ConfigError listing every problem."""
    values: dict[str, Any] = {"verbosity": verbosity}
    problems: list[str] = []
    for setting, (raw, source) in _raw_values(flags, environ).items():
        try:
            values[setting.field] = setting.parse(raw)
        except ValueError as error:
            problems.append(f"{source}: {error}")
    if problems:
        raise ConfigError(problems)
    return Config(**values)
