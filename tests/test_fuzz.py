"""Property tests: any value of any setting gives a valid config or one line per bad setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from release_check.config import BY_KEY, SETTINGS, Config, load
from release_check.config.file import FileSettings
from release_check.errors import ConfigError
from tests.conftest import clean_env

VARIABLES = [s.env for s in SETTINGS if s.key not in {"skip"}]
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
RAW = st.one_of(TEXT, st.from_regex(r"-?[0-9]{0,6}(\.[0-9]{0,3})?", fullmatch=True),
                st.sampled_from(["0", "-1", "nan", "inf", "1e999", "2xx", "200,204", "true",
                                 "/x", "::1", "[::1]", "X-A: b; C: d", "\x00", " "]))
TOML = st.recursive(
    st.one_of(st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=6,
)


def outcome(build: Any) -> Config | ConfigError:
    """The Config, or the ConfigError: any other exception fails the property."""
    try:
        return build()  # type: ignore[no-any-return]
    except ConfigError as error:
        return error


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(VARIABLES), RAW, max_size=4))
def test_fuzzed_settings(environ: dict[str, str]) -> None:
    """Variables give a Config or ConfigError whose every line names a given variable."""
    result = outcome(lambda: load({}, environ))
    if isinstance(result, ConfigError):
        assert result.problems
        for line in result.problems:
            assert any(line.startswith(var) for var in environ), line
            assert "\n" not in line


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*BY_KEY, "checks", "nonsense"]), TOML, max_size=4),
       st.lists(st.dictionaries(st.sampled_from(["path", "method", "status", "body", "contains",
                                                 "regex", "json", "headers", "other"]),
                                TOML, max_size=4), max_size=3))
def test_fuzzed_config_file(values: dict[str, Any], checks: list[dict[str, Any]]) -> None:
    """Any TOML values and checks give a Config or ConfigError naming the file."""
    values.pop("checks", None)
    file = FileSettings("release-check.toml", values, tuple(checks))
    result = outcome(lambda: load({}, {}, file=file))
    if isinstance(result, ConfigError):
        assert all(line.startswith("release-check.toml") for line in result.problems)


CLI_VARIABLES = ["RELEASE_CHECK_TIMEOUT", "RELEASE_CHECK_PORT", "RELEASE_CHECK_PATH",
                 "RELEASE_CHECK_EXPECTED_STATUS", "RELEASE_CHECK_HOST", "RELEASE_CHECK_HEADERS",
                 "RELEASE_CHECK_BODY_REGEX", "RELEASE_CHECK_SHUTDOWN_GRACE",
                 "RELEASE_CHECK_STRICT_BIND", "RELEASE_CHECK_MAX_MEMORY_MB"]


@pytest.mark.slow
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(environ=st.dictionaries(st.sampled_from(CLI_VARIABLES),
                               RAW.filter(lambda v: "\x00" not in v), min_size=1, max_size=3))
def test_fuzzed_cli(environ: dict[str, str], tag: str, tmp_path: Path) -> None:
    """The real CLI exits 1 or 2 on fuzzed settings, errors one line each, never a traceback."""
    env = clean_env(tag, {**environ, "RELEASE_CHECK_WEB_COMMAND": "exit 0",
                          "RELEASE_CHECK_TIMEOUT": environ.get("RELEASE_CHECK_TIMEOUT", "5")})
    done = subprocess.run([sys.executable, "-m", "release_check", "-q"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode in {1, 2}, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    for line in done.stderr.splitlines():
        assert line.startswith("release-check: error: "), line


FLAGS = [s.flag for s in SETTINGS if s.has_flag] + ["-q", "-v", "--version", "--bogus", "probe",
                                                    "watch", "--report=", "--config"]


@pytest.mark.slow
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=st.lists(st.one_of(st.sampled_from(FLAGS), RAW.filter(lambda v: "\x00" not in v)),
                     max_size=5))
def test_fuzzed_argv(argv: list[str], tag: str, tmp_path: Path) -> None:
    """Any command line exits 0, 1 or 2 with no traceback, whatever its flags and values."""
    env = clean_env(tag, {"RELEASE_CHECK_WEB_COMMAND": "exit 0", "RELEASE_CHECK_TIMEOUT": "5"})
    done = subprocess.run([sys.executable, "-m", "release_check", *argv], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode in {0, 1, 2}, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
