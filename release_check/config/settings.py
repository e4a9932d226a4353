"""Every setting, declared once with its variable, flag, default, parser and help.

The frozen :class:`Config` they fill, and how each value is written: as text in a variable or
a flag, as a typed value in the config file. ``loading`` builds the Config from them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from release_check.config.expectations import (
    BodyMatch,
    Expectation,
    StatusMatch,
    header_problem,
    path_problem,
    toml_shown,
)
from release_check.config.limits import arg_problem, number_problem
from release_check.config.platforms import choice
from release_check.config.processes import ProcessSpec, parse_names, ready_pattern
from release_check.text import printable

ENV_PREFIX = "RELEASE_CHECK_"
NO_PATH = "none"  # no health path: web's ready line stands in for the check
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_PROCESS_TYPE = re.compile(r"^[A-Za-z0-9_-]+$")
_HOST = re.compile(r"^[A-Za-z0-9._:%-]+$")
DEFAULT_STATUS = StatusMatch(frozenset({200}), "200")
_DIGITS = re.compile(r"^\s*[0-9]{1,5}\s*$")


@dataclass(frozen=True)
class Origin:
    """Where the check came from; ``platform_file`` is set when a platform file was read."""

    line: str
    platform_file: str | None = None
    warnings: tuple[str, ...] = ()
    port_source: str | None = None  # the platform file's key, when the port came from it


@dataclass(frozen=True)
class Config:
    """The whole run's configuration, built once and passed down."""

    web_command: str | None = None
    procfile: Path = Path("Procfile")
    process_type: str = "web"
    processes: tuple[str, ...] = ()  # empty: the web process alone
    process_specs: tuple[ProcessSpec, ...] = ()
    host: str | None = None  # None: connect where the app listens
    port: int | None = None
    path: str = "/health_check"
    expected_status: StatusMatch = DEFAULT_STATUS
    expected_body: str = "OKAY"
    body_contains: str | None = None
    body_regex: str | None = None
    host_header: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    router_headers: bool = True
    config_file: Path | None = None
    checks: tuple[Expectation, ...] = ()
    timeout: float = 60.0
    request_timeout: float = 5.0
    settle: float = 5.0
    shutdown_grace: float = 10.0
    env_file: Path | None = None
    uptime: float = 1.0
    wrong_port_grace: float = 5.0
    strict_bind: bool = False
    allow_loopback: bool = False
    max_memory_mb: float | None = None
    report: Path | None = None
    junit: Path | None = None
    ready: str | None = None  # a line web must print, besides passing its checks
    then: str | None = None  # the command run against the booted app once it passed
    then_timeout: float = 600.0
    then_junit: Path | None = None
    skip: bool = False
    verbosity: int = 0
    platform: str | None = None
    web_command_source: str = "RELEASE_CHECK_WEB_COMMAND"
    # a platform file's plain variables, given to the app below its own environment
    platform_environment: tuple[tuple[str, str], ...] = ()
    # where the check came from, for the line each run prints: a description, not a setting
    origin: Origin | None = field(default=None, compare=False)
    # field -> where its value came from: "--port", "RELEASE_CHECK_PORT", "release-check.toml:
    # port"; a field left at its default is absent.
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def source(self, name: str) -> str:
        """Where the value of field ``name`` came from; its variable when it was not given."""
        return self.sources.get(name) or BY_FIELD[name].env

    def port_chosen(self) -> str:
        """Who fixed the port, and how to check on another: for a port already in use."""
        source = self.source("port")
        if self.origin is not None and self.origin.port_source == source:
            return (f"{source} fixed the port; to check on another, set {BY_FIELD['port'].env}"
                    " to a free one (the app must then bind $PORT)")
        return f"{source} chose the port; without it a free one is picked"

    def body_match(self) -> BodyMatch:
        """The single check's body matcher: contains, regex, or the expected body."""
        if self.body_contains is not None:
            return BodyMatch.contains(self.body_contains)
        if self.body_regex is not None:
            return BodyMatch.regex(self.body_regex)
        return BodyMatch("exact", self.expected_body)

    def expectation(self, path: str) -> Expectation:
        """The check the settings describe, at ``path``."""
        return Expectation(path, self.expected_status, self.body_match())

    def expectations(self) -> tuple[Expectation, ...]:
        """The config file's checks, or else the single check of the settings (none for none)."""
        if self.checks or self.path == NO_PATH:
            return self.checks
        return (self.expectation(self.path),)

    def web_ready(self) -> ProcessSpec | None:
        """Web's ready line, as a process spec's, when ``ready`` is set."""
        return None if self.ready is None else ProcessSpec(self.process_type, self.ready)

    def companions(self) -> tuple[ProcessSpec, ...]:
        """The processes to boot beside web, in the order named, each with its timeout."""
        specs = {spec.name: spec for spec in self.process_specs}
        return tuple(replace(specs[name], timeout=specs[name].timeout or self.timeout)
                     for name in self.processes if name != self.process_type)


def _number(raw: str, unit: str, *, zero_ok: bool = False) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{_shown(raw)} is not a number of {unit}") from None
    problem = number_problem(value, unit, zero_ok=zero_ok, capped=unit == "seconds")
    if problem:
        raise ValueError(f"{_shown(raw)} {problem}")
    return value


def _seconds(raw: str) -> float:
    return _number(raw, "seconds")


def _window(raw: str) -> float:
    return _number(raw, "seconds", zero_ok=True)


def _megabytes(raw: str) -> float:
    return _number(raw, "megabytes")


def _port(raw: str) -> int:
    if not _DIGITS.match(raw) or not 1 <= int(raw) <= 65535:
        raise ValueError(f"{_shown(raw)} is not a port number (1..65535)")
    return int(raw)


def _status(raw: str) -> StatusMatch:
    return StatusMatch.parse(raw)


def _regex(raw: str) -> str:
    return BodyMatch.regex(raw).text


def _contains(raw: str) -> str:
    return BodyMatch.contains(raw).text


def _headers(raw: str) -> tuple[tuple[str, str], ...]:
    return _header_pairs([item for item in re.split(r"[;\n]", raw) if item.strip()])


def _header_pairs(items: list[str]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for number, item in enumerate(items, start=1):
        name, colon, value = (part.strip() for part in item.partition(":"))
        problem = "it is not 'Name: value'" if not colon else header_problem(name, value)
        if problem:
            raise ValueError(f"header {number}: {problem}")
        pairs.append((name, value))
    return tuple(pairs)


def _header_value(raw: str) -> str:
    problem = header_problem("Host", raw.strip()) if raw.strip() else "it is empty"
    if problem:
        raise ValueError(f"not a header value: {problem}")
    return raw.strip()


def _path(raw: str) -> str:
    if raw == NO_PATH:
        return raw
    problem = path_problem(raw)
    if problem:
        raise ValueError(f"{_shown(raw)} {problem}")
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
    problem = arg_problem(raw)
    if problem:
        raise ValueError(f"the command {problem}")
    return raw


def _file(raw: str) -> Path:
    if not raw.strip() or "\0" in raw:
        raise ValueError("not a usable path")
    return Path(raw)


def _text(raw: str) -> str:
    return raw


def _shown(raw: str) -> str:
    return printable(repr(raw), 40)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_boolean(value: object) -> bool:
    return isinstance(value, bool)


def _is_string(value: object) -> bool:
    return isinstance(value, str)


# The metavar names a value's type, in --help and in the config file: each maps to the TOML
# type the file must use and how to say so. Any other metavar is a TOML string.
_TOML_TYPES: dict[str, tuple[Callable[[object], bool], str]] = {
    "SECONDS": (_is_number, "a number of seconds"),
    "MB": (_is_number, "a number of megabytes"),
    "PORT": (_is_integer, "an integer port number"),
    "BOOL": (_is_boolean, "true or false"),
}
_TOML_STRING = (_is_string, "a string")


def _toml_headers(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        # The value is never echoed: headers carry tokens.
        raise ValueError('expected an array of "Name: value" strings')
    return _header_pairs(value)


def _toml_scalar(setting: Setting, value: object) -> Any:
    accepts, expected = _TOML_TYPES.get(setting.metavar, _TOML_STRING)
    if not accepts(value):
        raise ValueError(f"expected {expected}, got {toml_shown(value)}")
    if isinstance(value, bool):
        return setting.parse("1" if value else "0")
    return setting.parse(str(value))


def _toml_names(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and "," not in v for v in value):
        raise ValueError(f"expected an array of process types, got {toml_shown(value)}")
    return parse_names(",".join(value))


@dataclass(frozen=True)
class Setting:
    """One setting: its field on Config, its parser, its help, where it may be given.

    ``parse`` reads the text of a variable or flag; ``from_toml`` reads a config file's value,
    which must have the TOML type the metavar names (SECONDS: a number, BOOL: a boolean...).
    """

    field: str
    parse: Callable[[str], Any]
    help: str
    metavar: str = "VALUE"
    has_flag: bool = True
    switch: bool = False  # a flag without a value, meaning "1"
    in_file: bool = True  # may appear in the config file
    name: str = ""  # the public name, when it differs from the field

    @property
    def key(self) -> str:
        """The name in the config file: the variable's, lower case, without the prefix."""
        return self.name or self.field

    @property
    def env(self) -> str:
        """The environment variable that sets it."""
        return ENV_PREFIX + self.key.upper()

    @property
    def flag(self) -> str:
        """The CLI flag that overrides the variable."""
        return "--" + self.key.replace("_", "-")

    def from_toml(self, value: object) -> Any:
        """The value as the config file gives it, typed: ValueError names the expected type."""
        if self.metavar == "HEADERS":
            return _toml_headers(value)
        if self.metavar == "STATUS":
            return StatusMatch.from_toml(value)
        if self.metavar == "NAMES":
            return _toml_names(value)
        return _toml_scalar(self, value)


SETTINGS: tuple[Setting, ...] = (
    Setting("config_file", _file, "config file to read instead of release-check.toml or"
            " pyproject.toml beside the Procfile", "PATH", in_file=False, name="config"),
    Setting("platform", choice, "platform file to take the check from: fly, render, railway,"
            " dokku, kamal, heroku or none (default: the first found)", "NAME", in_file=False),
    Setting("web_command", _command, "shell command that boots the app; overrides the Procfile",
            "COMMAND"),
    Setting("procfile", _file, "Procfile to read (default: Procfile)", "PATH"),
    Setting("process_type", _process_type, "Procfile entry to boot (default: web)", "NAME"),
    Setting("processes", parse_names,
            "process types to boot and check together, comma-separated; web gets the HTTP"
            " check (default: web)", "NAMES"),
    Setting("host", _host, "address to connect to (default: where the app listens on $PORT)",
            "HOST"),
    Setting("port", _port, "port passed to the app as PORT (default: a free port)", "PORT"),
    Setting("path", _path, "path to GET (default: /health_check); none: no HTTP check, web's"
            " ready line (RELEASE_CHECK_READY) stands in for it", "PATH"),
    Setting("expected_status", _status,
            "status that passes: 200, a list 200,204, or a class 2xx (default: 200)", "STATUS"),
    Setting("expected_body", _text,
            "body that passes, after stripping surrounding whitespace (default: OKAY)", "TEXT"),
    Setting("body_contains", _contains, "pass when the body contains this text instead",
            "TEXT"),
    Setting("body_regex", _regex,
            "pass when this regex (searched in the stripped body) matches instead",
            "REGEX"),
    Setting("host_header", _header_value, "Host header to send, for host allow-lists", "HOST"),
    Setting("headers", _headers, "more headers: 'Name: value' pairs separated by ; or newlines",
            "HEADERS"),
    Setting("router_headers", _boolean,
            "send the headers Heroku's router adds, X-Forwarded-Proto: https and the like"
            " (default: 1)", "BOOL"),
    Setting("timeout", _seconds, "seconds from spawn until a passing response (default: 60)",
            "SECONDS"),
    Setting("request_timeout", _seconds, "seconds per HTTP attempt (default: 5)", "SECONDS"),
    Setting("settle", _seconds, "fail once a failing answer other than 502, 503, 504, 429 or 425"
            " has come back unchanged this long, not at the timeout (default: 5); a 503 after"
            " four times this", "SECONDS"),
    Setting("shutdown_grace", _seconds,
            "seconds between SIGTERM and SIGKILL at teardown (default: 10)", "SECONDS"),
    Setting("env_file", _file,
            "dotenv file whose variables are added to the app's environment (never implicit)",
            "PATH"),
    Setting("uptime", _window,
            "seconds the app must stay up after passing; 0 turns the window off (default: 1)",
            "SECONDS"),
    Setting("wrong_port_grace", _seconds,
            "fail once the app has listened on other ports, not $PORT, this long, if one is"
            " evidently the app: it passes the check or is 3000/5000/8000/8080 (default: 5)",
            "SECONDS"),
    Setting("strict_bind", _boolean,
            "fail, rather than warn, when the app listens only on a loopback address", "BOOL",
            switch=True),
    Setting("allow_loopback", _boolean,
            "pass, with a warning, an app that listens only on a loopback address (no router"
            " reaches it; it fails by default)", "BOOL", switch=True),
    Setting("max_memory_mb", _megabytes,
            "fail when the app tree's peak memory exceeds this many MB (default: no limit)", "MB"),
    Setting("report", _file, "write a JSON report of the run to this file, whatever the outcome",
            "PATH"),
    Setting("junit", _file,
            "write a JUnit XML file of the run to this path, whatever the outcome", "PATH"),
    Setting("ready", ready_pattern,
            "regex a line of web's output must match, besides the health checks, before"
            " the check passes", "REGEX"),
    Setting("then", _command,
            "shell command to run once the checks pass, with the app still up and its URL in"
            " RELEASE_CHECK_URL; its exit status decides (also: release-check -- COMMAND ARGS)",
            "COMMAND"),
    Setting("then_timeout", _seconds,
            "seconds the --then command may run before it fails the check (default: 600)",
            "SECONDS"),
    Setting("then_junit", _file,
            "JUnit XML file the --then command writes, merged into --junit's (also given to"
            " the command as RELEASE_CHECK_THEN_JUNIT)", "PATH"),
    Setting("skip", _boolean, "1/true: warn and exit 0 without booting anything", "BOOL",
            has_flag=False, in_file=False),
)
BY_KEY = {setting.key: setting for setting in SETTINGS}
BY_FIELD = {setting.field: setting for setting in SETTINGS}
