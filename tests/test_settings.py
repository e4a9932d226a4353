"""Settings: declared once, parsed with flag > variable > default, all problems at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_check.config import MAX_SECONDS, SETTINGS, Config, load, skip_config
from release_check.errors import ConfigError

DURATIONS = [s.env for s in SETTINGS if s.metavar == "SECONDS"]


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
    skipped = skip_config({"RELEASE_CHECK_SKIP": raw})
    assert (skipped is not None and skipped.skip) is expected


def test_skip_rejects_unknown_boolean() -> None:
    """An unknown boolean word is a configuration error naming RELEASE_CHECK_SKIP."""
    with pytest.raises(ConfigError, match="RELEASE_CHECK_SKIP"):
        skip_config({"RELEASE_CHECK_SKIP": "maybe"})


@pytest.mark.parametrize("variable", DURATIONS)
def test_every_duration_is_capped(variable: str) -> None:
    """A duration above the documented cap (1 hour) is one error, not an overflow later."""
    assert load({}, {variable: str(MAX_SECONDS)})
    with pytest.raises(ConfigError) as caught:
        load({}, {variable: "1e10"})
    assert caught.value.problems == [
        f"{variable}: '1e10' is more than 3600 seconds, the longest wait allowed"
        " (Heroku ends a release phase after 1 hour)"]


def test_only_the_uptime_window_takes_zero() -> None:
    """Zero turns the uptime window off; every other duration refuses it."""
    assert load({}, {"RELEASE_CHECK_UPTIME": "0"}).uptime == 0.0
    for variable in set(DURATIONS) - {"RELEASE_CHECK_UPTIME"}:
        with pytest.raises(ConfigError, match="must be a positive number"):
            load({}, {variable: "0"})


@pytest.mark.parametrize("pattern", ["", "|", ".*?", "a*", "(OKAY)?", "$", "^$", "(?i)x|"])
def test_regex_that_can_match_nothing_is_refused(pattern: str) -> None:
    """A regex that can match an empty string would pass any body: a config error."""
    with pytest.raises(ConfigError) as caught:
        load({"body_regex": pattern}, {})
    assert caught.value.problems[0].startswith("--body-regex: ")
    assert "can match an empty string" in caught.value.problems[0]


def test_empty_body_contains_is_refused() -> None:
    """Every body contains the empty text, so --body-contains '' is a config error."""
    with pytest.raises(ConfigError, match=r"^--body-contains: the text is empty"):
        load({"body_contains": ""}, {})


def test_pattern_needing_a_character_is_kept() -> None:
    """A regex that needs at least one character, like ``.``, is a valid matcher."""
    assert load({}, {"RELEASE_CHECK_BODY_REGEX": "."}).body_match().kind == "regex"


def test_invalid_regex_is_refused_at_load() -> None:
    """An invalid regex is a config error naming its variable, not a crash later."""
    for pattern in ("(unclosed", "a{2,1}", "[z-a]"):
        with pytest.raises(ConfigError, match=r"^RELEASE_CHECK_BODY_REGEX: .* not a valid regex"):
            load({}, {"RELEASE_CHECK_BODY_REGEX": pattern})


def test_python_regex_syntax_is_accepted() -> None:
    r"""Lookarounds, backreferences and RE2's ``\z`` are all valid body regexes."""
    for pattern in ("OK(?!AY)", r"(a)\1", r"OKAY\z", r"\p{L}+"):
        assert load({}, {"RELEASE_CHECK_BODY_REGEX": pattern}).body_match().kind == "regex"


@pytest.mark.parametrize(("flags", "environ", "named"), [
    ({"expected_body": "NOPE", "body_regex": ""}, {}, "--expected-body and --body-regex"),
    ({"expected_body": "OKAY"}, {"RELEASE_CHECK_BODY_CONTAINS": "OK"},
     "--expected-body and RELEASE_CHECK_BODY_CONTAINS"),
    ({}, {"RELEASE_CHECK_BODY_CONTAINS": "a", "RELEASE_CHECK_BODY_REGEX": "b"},
     "RELEASE_CHECK_BODY_CONTAINS and RELEASE_CHECK_BODY_REGEX"),
])
def test_two_given_matchers_conflict_whatever_their_values(
    flags: dict[str, str], environ: dict[str, str], named: str
) -> None:
    """Two body matchers given by the user are an error naming both, even OKAY, even invalid."""
    with pytest.raises(ConfigError) as caught:
        load(flags, environ)
    assert f"{named}: give only one body matcher" in caught.value.problems


def test_a_default_is_never_in_conflict() -> None:
    """The default expected body gives way to a given matcher."""
    config = load({}, {"RELEASE_CHECK_BODY_CONTAINS": "OK"})
    assert config.body_match().kind == "contains"


def test_config_keeps_where_each_value_came_from() -> None:
    """The flag, the variable, or (for a value not given) its variable, by field."""
    config = load({"port": "5000"}, {"RELEASE_CHECK_HOST": "::1"})
    assert (config.source("port"), config.source("host")) == ("--port", "RELEASE_CHECK_HOST")
    assert config.source("env_file") == "RELEASE_CHECK_ENV_FILE"


def test_every_setting_has_a_config_field() -> None:
    """The settings table and the Config dataclass name the same fields."""
    assert {s.field for s in SETTINGS} <= set(Config.__dataclass_fields__)


def test_secret_looking_command_is_never_echoed() -> None:
    """A bad web command is reported without its value."""
    with pytest.raises(ConfigError) as caught:
        load({}, {"RELEASE_CHECK_WEB_COMMAND": " \t"})
    assert "\t" not in caught.value.problems[0]
