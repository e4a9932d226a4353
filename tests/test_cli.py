"""Usage and configuration errors: exit 2, one line per problem, naming the source, no traceback.

These paths start no process, so they call ``cli.main`` in this process (fast); the help text,
printed by argparse before it exits, is read from a real process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import RunCheck

BAD_SETTINGS = [
    ("RELEASE_CHECK_TIMEOUT", "soon"),
    ("RELEASE_CHECK_TIMEOUT", "1e10"),
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
    ("RELEASE_CHECK_BODY_REGEX", "^(a|)"),
    ("RELEASE_CHECK_ENV_FILE", "nope.env"),
    ("RELEASE_CHECK_CONFIG", "nope.toml"),
    ("RELEASE_CHECK_REPORT", "no/such/dir/report.json"),
]


@pytest.mark.parametrize(("variable", "value"), BAD_SETTINGS)
def test_bad_setting_exits_2_naming_it(in_process: RunCheck, variable: str, value: str) -> None:
    """Each bad variable gives exit 2 and one stderr line naming it, and no traceback."""
    result = in_process(env={variable: value, "RELEASE_CHECK_WEB_COMMAND": "true"})
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"release-check: error: {variable}: ")
    assert result.out == ""


@pytest.mark.parametrize(("args", "says"), [
    (["--env-file", "nope.env"], "--env-file: no such file: nope.env"),
    (["--config", "nope.toml"], "--config: no such file: nope.toml"),
    (["--host", "192.0.2.1"], "--host: 192.0.2.1 is not an address of this machine"),
    (["--report", "no/such/dir/r.json"],
     "--report: cannot write no/such/dir/r.json: no such directory: no/such/dir"),
    (["--report", "."], "--report: cannot write .: it is a directory"),
    (["--request-timeout", "1e10"], "--request-timeout: '1e10' is more than 3600 seconds"),
])
def test_checks_after_parsing_name_the_flag(in_process: RunCheck, args: list[str],
                                            says: str) -> None:
    """A value checked once parsed (file, host, report path) is named by the flag that set it."""
    result = in_process(*args, env={"RELEASE_CHECK_WEB_COMMAND": "true"})
    assert result.code == 2
    assert result.err.startswith(f"release-check: error: {says}")
    assert len(result.err.splitlines()) == 1


@pytest.mark.parametrize(("key", "value", "says"), [
    ("env_file", '"nope.env"', "no such file: nope.env"),
    ("host", '"192.0.2.1"', "192.0.2.1 is not an address of this machine"),
    ("report", '"no/dir/r.json"', "cannot write no/dir/r.json: no such directory: no/dir"),
])
def test_checks_after_parsing_name_the_file_and_key(in_process: RunCheck, tmp_path: Path,
                                                    key: str, value: str, says: str) -> None:
    """A value from the config file is named by the file and its key, in its table."""
    (tmp_path / "pyproject.toml").write_text(f"[tool.release-check]\n{key} = {value}\n")
    result = in_process(env={"RELEASE_CHECK_WEB_COMMAND": "true"})
    assert result.code == 2
    assert result.err.startswith(
        f"release-check: error: pyproject.toml: [tool.release-check] {key}: {says}")


def test_unwritable_report_fails_before_booting(in_process: RunCheck, tmp_path: Path) -> None:
    """A report path that cannot be written ends the run before the app is started."""
    marker = tmp_path / "booted"
    result = in_process("--report", str(tmp_path),
                        env={"RELEASE_CHECK_WEB_COMMAND": f"touch {marker}"})
    assert result.code == 2
    assert "it is a directory" in result.err
    assert not marker.exists()


def test_all_bad_settings_are_listed_together(in_process: RunCheck) -> None:
    """Several bad settings, variables and flags alike, are reported in one run."""
    env = {"RELEASE_CHECK_TIMEOUT": "x", "RELEASE_CHECK_PORT": "0"}
    result = in_process("--path", "nope", env=env)
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 3
    assert "--path:" in result.err


def test_unknown_flag_is_one_line(in_process: RunCheck) -> None:
    """An unknown flag is exit 2 with one line pointing at --help."""
    result = in_process("--timout", "5")
    assert result.code == 2
    assert result.err.strip() == (
        "release-check: error: unrecognized arguments: --timout 5 (see release-check --help)")


def test_missing_procfile_exits_2(in_process: RunCheck) -> None:
    """No Procfile (and no web command) is exit 2 naming the file."""
    result = in_process()
    assert result.code == 2
    assert "no Procfile at Procfile" in result.err


def test_procfile_without_web_lists_entries(in_process: RunCheck, tmp_path: Path) -> None:
    """A Procfile without the web entry is exit 2 listing the entries it has."""
    (tmp_path / "Procfile").write_text("worker: python worker.py\nrelease: release-check\n")
    result = in_process()
    assert result.code == 2
    assert "Procfile has no 'web' entry (entries found: release, worker)" in result.err


def test_custom_procfile_path(in_process: RunCheck) -> None:
    """--procfile reads another file, and its errors name that file."""
    result = in_process("--procfile", "deploy/Procfile.staging")
    assert result.code == 2
    assert "deploy/Procfile.staging" in result.err


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


def test_report_flag_without_a_value_is_one_line(in_process: RunCheck) -> None:
    """--report with no path is a usage error, not a traceback."""
    result = in_process("--report")
    assert result.code == 2
    assert result.err.strip() == (
        "release-check: error: argument --report: expected one argument"
        " (see release-check --help)")


@pytest.mark.parametrize("args", [["--bogus"], ["--timeout", "soon"]])
def test_usage_error_still_writes_the_report(in_process: RunCheck, tmp_path: Path,
                                             args: list[str]) -> None:
    """A bad flag or value still gets a report when --report names the path."""
    result = in_process(*args, "--report", "r.json")
    assert result.code == 2
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["passed"], report["exit_code"]) == (False, 2)
    assert report["reason"] == result.err.strip().removeprefix("release-check: error: ")


def test_skipped_run_writes_the_report_of_the_variable(in_process: RunCheck,
                                                       tmp_path: Path) -> None:
    """RELEASE_CHECK_SKIP passes without reading other settings; its report is still written."""
    (tmp_path / "release-check.toml").write_text("timeout = true\n")
    env = {"RELEASE_CHECK_SKIP": "1", "RELEASE_CHECK_REPORT": "r.json",
           "RELEASE_CHECK_TIMEOUT": "soon"}
    result = in_process("--bogus", env=env)
    assert result.code == 0
    assert "RELEASE_CHECK_SKIP is set: the release was NOT checked" in result.out
    assert json.loads((tmp_path / "r.json").read_text())["passed"] is True


def test_report_in_the_config_file_is_written(release_check: RunCheck, tmp_path: Path) -> None:
    """``report`` in release-check.toml writes the report, like the flag and the variable."""
    (tmp_path / "release-check.toml").write_text('report = "out/r.json"\ntimeout = 10\n')
    (tmp_path / "out").mkdir()
    (tmp_path / "Procfile").write_text("web: exit 3\n")
    result = release_check()
    assert result.code == 1
    report = json.loads((tmp_path / "out" / "r.json").read_text())
    assert report["reason"].startswith("web exited with code 3 before listening")
