"""Settings: declared once, parsed with flag > variable > default, all problems at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_check.config.settings import SETTINGS, Config, load, skip_requested
from release_check.errors import ConfigError


def test_defaults_match_the_documented_interface() -> None:
    """With nothing set, the config holds the defaults the issue fixes."""
    config = load({}, {})
    assert config == Config()
    assert (config.path, config.expected_status.codes, config.expected_body) == (
        "/health_check", frozenset({200}), "OKAY")
    assert (config.timeout, config.request_timeout, config.shutdown_grace) == (60.0, 5.0, 10.0)
    assert (config.host, config.port, config.procfile) == (None, None, Path("Procfile"))


def test_flag_overrides_variable() -> None:
    """A flag wins over its RELEASE_CHECK_* variable."""
    config = load({"timeout": "5"}, {"RELEASE_CHECK_TIMEOUT": "9"})
    assert config.timeout == 5.0


def test_variable_overrides_default() -> None:
    """A variable wins over the default."""
    assert load({}, {"RELEASE_CHECK_PATH": "/up"}).path == "/up"


def test_empty_variable_counts_as_unset() -> None:
    """An empty variable leaves the default in place."""
    assert load({}, {"RELEASE_CHECK_PORT": ""}).port is None


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("RELEASE_CHECK_TIMEOUT", "abc", "not a number"),
        ("RELEASE_CHECK_TIMEOUT", "0", "positive"),
        ("RELEASE_CHECK_REQUEST_TIMEOUT", "-1", "positive"),
        ("RELEASE_CHECK_SHUTDOWN_GRACE", "nan", "positive"),
        ("RELEASE_CHECK_TIMEOUT", "inf", "positive"),
        ("RELEASE_CHECK_PORT", "0", "1..65535"),
        ("RELEASE_CHECK_PORT", "65536", "1..65535"),
        ("RELEASE_CHECK_PORT", "http", "1..65535"),
        ("RELEASE_CHECK_PATH", "health", "start with /"),
        ("RELEASE_CHECK_PATH", "/a b", "no spaces"),
        ("RELEASE_CHECK_EXPECTED_STATUS", "2000", "HTTP status"),
        ("RELEASE_CHECK_PROCESS_TYPE", "release", "inside itself"),
        ("RELEASE_CHECK_PROCESS_TYPE", "we b", "process type"),
        ("RELEASE_CHECK_HOST", "a host", "host name"),
        ("RELEASE_CHECK_WEB_COMMAND", "   ", "empty"),
    ],
)
def test_bad_value_names_the_variable(variable: str, value: str, says: str) -> None:
    """Each invalid value is one problem line naming the variable and what is wrong."""
    with pytest.raises(ConfigError) as caught:
        load({}, {variable: value})
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"{variable}: ")
    assert says in caught.value.problems[0]


def test_every_bad_setting_is_reported_at_once() -> None:
    """Three bad settings give three problem lines, flags named by their flag."""
    with pytest.raises(ConfigError) as caught:
        load({"port": "99999"}, {"RELEASE_CHECK_TIMEOUT": "x", "RELEASE_CHECK_PATH": "nope"})
    sources = sorted(line.split(":")[0] for line in caught.value.problems)
    assert sources == ["--port", "RELEASE_CHECK_PATH", "RELEASE_CHECK_TIMEOUT"]


def test_ipv6_literal_host_accepts_brackets() -> None:
    """``[::1]`` and ``::1`` both mean the IPv6 loopback."""
    assert load({}, {"RELEASE_CHECK_HOST": "[::1]"}).host == "::1"
    assert load({"host": "::1"}, {}).host == "::1"


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("TRUE", True), ("no", False),
                                               ("", False)])
def test_skip_accepts_booleans(raw: str, expected: bool) -> None:
    """RELEASE_CHECK_SKIP reads the usual boolean words; unset or empty is off."""
    assert skip_requested({"RELEASE_CHECK_SKIP": raw}) is expected


def test_skip_rejects_unknown_boolean() -> None:
    """An unknown boolean word is a configuration error naming RELEASE_CHECK_SKIP."""
    with pytest.raises(ConfigError, match="RELEASE_CHECK_SKIP"):
        skip_requested({"RELEASE_CHECK_SKIP": "maybe"})


def test_every_setting_has_a_config_field() -> None:
    """The settings table and the Config dataclass name the same fields."""
    assert {s.field for s in SETTINGS} <= set(Config.__dataclass_fields__)


def test_secret_looking_command_is_never_echoed() -> None:
    """A bad web command is reported without its value."""
    with pytest.raises(ConfigError) as caught:
        load({}, {"RELEASE_CHECK_WEB_COMMAND": " \t"})
    assert "\t" not in caught.value.problems[0]
