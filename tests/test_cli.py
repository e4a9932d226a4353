"""Usage and configuration errors: exit 2, one line per problem, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCheck

BAD_SETTINGS = [
    ("RELEASE_CHECK_TIMEOUT", "soon"),
    ("RELEASE_CHECK_REQUEST_TIMEOUT", "0"),
    ("RELEASE_CHECK_SHUTDOWN_GRACE", "-5"),
    ("RELEASE_CHECK_PORT", "70000"),
    ("RELEASE_CHECK_PATH", "health_check"),
    ("RELEASE_CHECK_EXPECTED_STATUS", "OK"),
    ("RELEASE_CHECK_PROCESS_TYPE", "release"),
    ("RELEASE_CHECK_HOST", "not a host"),
    ("RELEASE_CHECK_HOST", "1"),
    ("RELEASE_CHECK_HOST", "192.0.2.1"),
    ("RELEASE_CHECK_SKIP", "perhaps"),
]


@pytest.mark.parametrize(("variable", "value"), BAD_SETTINGS)
def test_bad_setting_exits_2_naming_it(release_check: RunCheck, variable: str, value: str) -> None:
    """Each bad variable gives exit 2 and one stderr line naming it, and no traceback."""
    result = release_check(env={variable: value, "RELEASE_CHECK_WEB_COMMAND": "true"})
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"release-check: error: {variable}: ")
    assert "Traceback" not in result.err + result.out


def test_all_bad_settings_are_listed_together(release_check: RunCheck) -> None:
    """Several bad settings, variables and flags alike, are reported in one run."""
    env = {"RELEASE_CHECK_TIMEOUT": "x", "RELEASE_CHECK_PORT": "0"}
    result = release_check("--path", "nope", env=env)
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 3
    assert "--path:" in result.err


def test_unknown_flag_is_one_line(release_check: RunCheck) -> None:
    """An unknown flag is exit 2 with one line pointing at --help."""
    result = release_check("--timout", "5")
    assert result.code == 2
    assert result.err.strip() == (
        "release-check: error: unrecognized arguments: --timout 5 (see release-check --help)")


@pytest.mark.standalone
def test_missing_procfile_exits_2(release_check: RunCheck, tmp_path: Path) -> None:
    """No Procfile (and no web command) is exit 2 naming the file."""
    result = release_check(cwd=tmp_path)
    assert result.code == 2
    assert "no Procfile at Procfile" in result.err


def test_procfile_without_web_lists_entries(release_check: RunCheck, tmp_path: Path) -> None:
    """A Procfile without the web entry is exit 2 listing the entries it has."""
    (tmp_path / "Procfile").write_text("worker: python worker.py\nrelease: release-check\n")
    result = release_check(cwd=tmp_path)
    assert result.code == 2
    assert "Procfile has no 'web' entry (entries found: release, worker)" in result.err


def test_custom_procfile_path(release_check: RunCheck, tmp_path: Path) -> None:
    """--procfile reads another file, and its errors name that file."""
    result = release_check("--procfile", "deploy/Procfile.staging", cwd=tmp_path)
    assert result.code == 2
    assert "deploy/Procfile.staging" in result.err


def test_missing_env_file_exits_2(release_check: RunCheck) -> None:
    """A named dotenv file that does not exist is exit 2 naming the setting."""
    result = release_check("--env-file", "nope.env", env={"RELEASE_CHECK_WEB_COMMAND": "true"})
    assert result.code == 2
    assert "RELEASE_CHECK_ENV_FILE: no such file: nope.env" in result.err


@pytest.mark.standalone
def test_help_lists_every_flag_with_its_variable(release_check: RunCheck) -> None:
    """--help shows each flag beside the variable it overrides."""
    result = release_check("--help")
    assert result.code == 0
    for flag, variable in [("--web-command", "RELEASE_CHECK_WEB_COMMAND"),
                           ("--shutdown-grace", "RELEASE_CHECK_SHUTDOWN_GRACE"),
                           ("--expected-body", "RELEASE_CHECK_EXPECTED_BODY")]:
        assert flag in result.out
        assert variable in result.out


def test_report_flag_without_a_value_is_one_line(release_check: RunCheck) -> None:
    """--report with no path is a usage error, not a traceback."""
    result = release_check("--report")
    assert result.code == 2
    assert result.err.strip() == (
        "release-check: error: argument --report: expected one argument"
        " (see release-check --help)")
