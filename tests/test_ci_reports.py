"""CI reports: a JUnit XML file valid against Jenkins' schema, GitHub annotations and summary."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import junitparser
import pytest
import xmlschema

from release_check.cli import main
from release_check.errors import NotHealthy
from release_check.reports import Record, github
from tests.conftest import (
    RunCheck,
    app_command,
    clean_env,
    crash_in_uptime_window,
    fixture_env,
    pids_in,
)

SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "data" / "junit-10.xsd")


def _cases(path: Path) -> dict[str, junitparser.TestCase]:
    """The file's test cases by name, after validating it against the schema."""
    SCHEMA.validate(str(path))
    suites = list(junitparser.JUnitXml.fromfile(str(path)))
    assert len(suites) == 1
    return {case.name: case for case in suites[0]}


def _status(case: junitparser.TestCase) -> str:
    """passed, failure, error or skipped, as a CI system reads it."""
    kinds = {type(result).__name__.lower() for result in case.result}
    return next(iter(kinds)) if kinds else "passed"


def _by_prefix(cases: dict[str, junitparser.TestCase], prefix: str) -> junitparser.TestCase:
    return next(case for name, case in cases.items() if name.startswith(prefix))


def test_a_pass_is_five_passing_cases(release_check: RunCheck, tmp_path: Path) -> None:
    """A passing run writes one suite: boot, the check, uptime, memory, shutdown, all passed."""
    junit = tmp_path / "junit.xml"
    result = release_check("--junit", str(junit), env=fixture_env())
    assert result.code == 0, result.out
    cases = _cases(junit)
    assert [name.split(":")[0] for name in cases] == [
        "boot", "health check", "uptime", "memory", "shutdown"]
    assert {_status(case) for case in cases.values()} == {"passed"}
    assert float(_by_prefix(cases, "boot").time) > 0


_FAILURES = {
    "boot": (("--exit", "3"), {}, "exited with code 3"),
    "health check": (("--status", "500"), {"TIMEOUT": "1"}, "500"),
    "memory": (("--memory-mb", "80"), {"UPTIME": "0.6", "MAX_MEMORY_MB": "40"}, "peaked at"),
}


@pytest.mark.parametrize("stage", list(_FAILURES))
def test_each_kind_of_failure_fails_its_own_case(
    release_check: RunCheck, tmp_path: Path, stage: str
) -> None:
    """The stage that failed carries a failure with the reason; no other stage failed."""
    flags, settings, reason = _FAILURES[stage]
    junit = tmp_path / "junit.xml"
    result = release_check("--junit", str(junit), env=fixture_env(*flags, **settings))
    assert result.code == 1
    cases = _cases(junit)
    failed = _by_prefix(cases, stage)
    assert _status(failed) == "failure"
    assert reason in failed.result[0].message
    assert [name for name, case in cases.items() if _status(case) == "failure"] == [failed.name]


def test_a_crash_in_the_uptime_window_fails_the_uptime_case(tag: str, tmp_path: Path) -> None:
    """An app dying after it passed fails the uptime case, with the reason; nothing else failed."""
    junit = tmp_path / "junit.xml"
    result = crash_in_uptime_window(tag, tmp_path, "--junit", str(junit), UPTIME="30")
    assert result.code == 1, result.out
    cases = _cases(junit)
    assert _status(cases["uptime"]) == "failure"
    assert "uptime window" in cases["uptime"].result[0].message
    assert [name for name, case in cases.items() if _status(case) == "failure"] == ["uptime"]


def test_the_failing_case_carries_the_apps_last_lines(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """A failure's system-out holds the app's last output lines."""
    junit = tmp_path / "junit.xml"
    command = f"echo 'boot failed: no DATABASE_URL'; {app_command('--exit', '3')}"
    release_check("--junit", str(junit), env={"RELEASE_CHECK_WEB_COMMAND": command})
    boot = _by_prefix(_cases(junit), "boot")
    assert "boot failed: no DATABASE_URL" in (boot.system_out or "")


def test_a_usage_error_is_a_configuration_error_case(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """A bad setting (exit 2) is written as one configuration case with an error naming it."""
    junit = tmp_path / "junit.xml"
    result = release_check("--junit", str(junit), env={"RELEASE_CHECK_TIMEOUT": "soon"})
    assert result.code == 2
    cases = _cases(junit)
    assert list(cases) == ["configuration"]
    assert _status(cases["configuration"]) == "error"
    assert "RELEASE_CHECK_TIMEOUT" in cases["configuration"].result[0].message


def test_an_interrupted_run_is_an_error_in_the_stage_it_reached(tag: str, tmp_path: Path) -> None:
    """SIGTERM to the runner while the app boots: boot is an error (not a failure), rest skipped."""
    junit, pid_dir = tmp_path / "junit.xml", tmp_path / "pids"
    flags = ("--never-bind", "--pid-dir", str(pid_dir))
    env = clean_env(tag, {**fixture_env(*flags), "RELEASE_CHECK_JUNIT": str(junit)})
    runner = subprocess.Popen([sys.executable, "-m", "release_check"], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        while not pids_in(pid_dir) and time.monotonic() < deadline:
            time.sleep(0.05)
        runner.send_signal(signal.SIGTERM)
        runner.communicate(timeout=30)
    finally:
        runner.kill()
        runner.wait()
    cases = _cases(junit)
    assert _status(_by_prefix(cases, "boot")) == "error"
    assert "interrupted by SIGTERM" in _by_prefix(cases, "boot").result[0].message
    assert {_status(cases[name]) for name in ("uptime", "health check")} == {"skipped"}


def test_an_ignored_sigterm_passes_shutdown_with_a_warning(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """An app that ignores SIGTERM still passes shutdown, its system-out naming the SIGKILL."""
    junit = tmp_path / "junit.xml"
    env = fixture_env("--ignore-sigterm", SHUTDOWN_GRACE="0.5")
    release_check("--junit", str(junit), env=env)
    shutdown = _cases(junit)["shutdown"]
    assert _status(shutdown) == "passed"
    assert "SIGKILL" in (shutdown.system_out or "")


def test_output_the_xml_cannot_carry_is_replaced(release_check: RunCheck, tmp_path: Path) -> None:
    """Control characters in the app's output do not make the file invalid."""
    junit = tmp_path / "junit.xml"
    command = f"printf 'bell\\a esc\\033[8m nul-free\\n'; {app_command('--exit', '3')}"
    release_check("--junit", str(junit), env={"RELEASE_CHECK_WEB_COMMAND": command})
    assert "bell" in (_by_prefix(_cases(junit), "boot").system_out or "")


def _actions_env(summary: Path, **extra: str) -> dict[str, str]:
    return {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), **extra}


def test_app_output_is_fenced_off_from_workflow_commands(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """The app's ``::`` lines sit between stop-commands and its token; ours come after."""
    summary = tmp_path / "summary.md"
    forged = "echo '::add-mask::hunter2'; echo '::set-output name=ok::yes'; echo '::error::fake'"
    command = f"{forged}; {app_command('--exit', '3')}"
    env = {**_actions_env(summary), "RELEASE_CHECK_WEB_COMMAND": command}
    lines = release_check(env=env).out.splitlines()
    stop = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    token = lines[stop].removeprefix("::stop-commands::")
    resume = lines.index(f"::{token}::")
    app = [i for i, line in enumerate(lines) if "::add-mask::" in line or "::set-output" in line]
    assert app and all(stop < i < resume for i in app)
    ours = [line for line in lines[resume + 1:] if line.startswith("::")]
    assert ours == [f"::error title=release-check::{lines[resume - 1].split('FAILED: ')[1]}"]
    assert len(token) >= 32


def test_the_step_summary_is_appended(release_check: RunCheck, tmp_path: Path) -> None:
    """The job summary gains the verdict and a table of the stages, after what was there."""
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    release_check(env={**fixture_env(), **_actions_env(summary)})
    text = summary.read_text()
    assert text.startswith("earlier step\n")
    assert "release-check: ✅ **PASSED**" in text
    assert "| uptime | ✅ passed |" in text


def test_no_workflow_commands_outside_actions(release_check: RunCheck, tmp_path: Path) -> None:
    """Without GITHUB_ACTIONS=true nothing is printed for a workflow runner."""
    out = release_check(env=fixture_env("--exit", "3")).out
    assert not [line for line in out.splitlines() if line.startswith("::")]


def test_messages_are_escaped_as_github_documents() -> None:
    """``%``, CR and LF in data; also ``:`` and ``,`` in properties."""
    assert github.escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert github.escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    record = Record(warnings=["slow\nboot"])
    commands = github.workflow_commands(record, NotHealthy("500 at 100%"))
    assert commands == ["::warning title=release-check::slow%0Aboot",
                        "::error title=release-check::500 at 100%25"]


def test_summary_cells_cannot_inject_markup() -> None:
    """A body or warning with table pipes, HTML or links stays inert text in the summary."""
    text = github.step_summary(Record(warnings=["<img src=x> | [x](http://evil)"]), None)
    warning = text.split("**Warnings**")[1]
    assert "<img" not in warning and "\\|" in warning and "\\[x\\]" in warning


def test_an_unwritable_junit_path_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A JUnit path in a missing folder is exit 2 naming the flag, before anything boots."""
    marker = tmp_path / "booted"
    code = main(["--junit", str(tmp_path / "missing" / "junit.xml")],
                {"RELEASE_CHECK_WEB_COMMAND": f"touch {marker}"})
    assert code == 2
    assert "release-check: error: --junit: cannot write" in capsys.readouterr().err
    assert not marker.exists()


def test_a_crash_annotation_and_summary_carry_the_error_line(release_check: RunCheck,
                                                             tmp_path: Path) -> None:
    """A gunicorn that exits 3 on a missing module: ::error and the summary name the cause."""
    summary = tmp_path / "summary.md"
    command = f"{sys.executable} -m gunicorn --workers 1 no_such_module_xyz:app"
    result = release_check(env={**_actions_env(summary), "RELEASE_CHECK_WEB_COMMAND": command,
                                "RELEASE_CHECK_TIMEOUT": "30"})
    assert result.code == 1, result.out
    errors = [line for line in result.out.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1
    assert "exited with code 3" in errors[0]
    assert ("%0Aerror line of the app's output: ModuleNotFoundError: No module named"
            " 'no_such_module_xyz'") in errors[0]
    assert "error line of the app's output: ModuleNotFoundError: No module named" in (
        summary.read_text())
