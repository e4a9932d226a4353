"""The release check end to end, against the real fixture app in real processes."""

from __future__ import annotations

import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCheck, app_command, clean_env, fixture_env


@pytest.mark.standalone
def test_healthy_app_passes_with_a_verdict_line(release_check: RunCheck) -> None:
    """A healthy app passes (exit 0) with the PASSED verdict line and its timings."""
    result = release_check(env=fixture_env())
    assert result.code == 0, result.out + result.err
    assert re.fullmatch(
        r'release-check: PASSED GET /health_check -> 200 "OKAY" in \d+\.\d\ds'
        r" \(listening after \d+\.\d\ds, peak \d+\.\d MB PSS, stopped in \d+\.\d\ds\)",
        result.verdict,
    )


@pytest.mark.standalone
def test_app_output_is_relayed_with_its_label(release_check: RunCheck) -> None:
    """The app's own lines appear in the log, labelled with the process type."""
    result = release_check(env=fixture_env())
    assert "web | booting" in result.out
    assert "web | request: " in result.out


def test_slow_boot_is_waited_for(release_check: RunCheck) -> None:
    """An app that binds after 1 s passes, and the verdict says when it listened."""
    result = release_check(env=fixture_env("--boot-delay", "1"))
    assert result.code == 0, result.out
    match = re.search(r"listening after (\d+\.\d+)s", result.verdict)
    assert match is not None, result.verdict
    assert float(match.group(1)) >= 0.9


@pytest.mark.standalone
def test_crash_before_binding_is_reported_at_once(release_check: RunCheck) -> None:
    """An app that exits before binding fails now, not at the deadline, with code and last words."""
    result = release_check(env=fixture_env("--exit", "3", RELEASE_CHECK_TIMEOUT="60"))
    assert result.code == 1
    assert "FAILED: web exited with code 3 before listening on port" in result.verdict
    assert "web | last words: giving up" in result.out
    assert result.seconds < 10


def test_quiet_crash_still_shows_the_last_lines(release_check: RunCheck) -> None:
    """Under --quiet the app's last lines are printed before the verdict."""
    result = release_check("-q", env=fixture_env("--exit", "4"))
    assert result.code == 1
    assert "web |" not in result.out
    assert "release-check:   | last words: giving up" in result.out


@pytest.mark.standalone
def test_app_killed_by_a_signal_names_the_signal(release_check: RunCheck) -> None:
    """An app killed by SIGKILL is reported by the signal's name."""
    result = release_check(env={"RELEASE_CHECK_WEB_COMMAND": "kill -KILL $$"})
    assert result.code == 1
    assert "web was killed by SIGKILL before listening" in result.verdict


def test_app_that_exits_0_before_listening_fails(release_check: RunCheck) -> None:
    """Exiting with code 0 before listening is a failure, not a pass."""
    result = release_check(env={"RELEASE_CHECK_WEB_COMMAND": "echo done"})
    assert result.code == 1
    assert "exited with code 0 before listening" in result.verdict


def test_crash_after_listening_is_reported(release_check: RunCheck) -> None:
    """An app that listens, never passes, then crashes is failed on its exit, not the deadline."""
    env = fixture_env("--status", "503", "--exit-after", "0.5", RELEASE_CHECK_TIMEOUT="60")
    result = release_check(env=env)
    assert result.code == 1
    assert "web exited with code 7 before passing the check" in result.verdict
    assert result.seconds < 10


@pytest.mark.standalone
def test_app_that_never_binds_fails_at_the_deadline(release_check: RunCheck) -> None:
    """An app that never listens fails at the timeout, naming the port and $PORT."""
    result = release_check("--timeout", "1", env=fixture_env("--never-bind"))
    assert result.code == 1
    assert re.search(r"FAILED: web did not listen on port \d+ within 1\.\ds: .*\$PORT",
                     result.verdict)


@pytest.mark.standalone
def test_wrong_body_fails_and_shows_both(release_check: RunCheck) -> None:
    """A 200 with the wrong body fails, showing what came and what was expected."""
    result = release_check("--settle", "0.5", env=fixture_env("--body", "Application error"))
    assert result.code == 1
    assert 'GET /health_check -> 200 "Application error", expected 200 "OKAY"' in result.verdict


def test_wrong_status_fails(release_check: RunCheck) -> None:
    """A 500 whose body matches is a failure."""
    result = release_check("--settle", "0.5", env=fixture_env("--status", "500"))
    assert result.code == 1
    assert 'GET /health_check -> 500 "OKAY", expected 200 "OKAY"' in result.verdict


def test_redirect_fails_naming_the_location(release_check: RunCheck) -> None:
    """A 302 is not followed; the verdict shows the Location."""
    flags = ("--status", "302", "--body", "", "--location", "https://app.example/health_check")
    result = release_check("--settle", "0.5", env=fixture_env(*flags))
    assert result.code == 1
    assert '-> 302 "", a redirect to "https://app.example/health_check"' in result.verdict


def test_hanging_endpoint_reports_the_request_timeout(release_check: RunCheck) -> None:
    """An app that accepts but never answers fails with 'no response within'."""
    result = release_check("--timeout", "1.2", "--request-timeout", "0.5",
                           env=fixture_env("--hang"))
    assert result.code == 1
    assert re.search(r"GET /health_check: no response within 0\.\d\ds .*last of \d+ attempts",
                     result.verdict)


def test_custom_path_status_and_body_pass(release_check: RunCheck) -> None:
    """Path, status and body can all be changed by flags."""
    env = fixture_env("--health-path", "/up", "--status", "204", "--body", "")
    result = release_check("--path", "/up", "--expected-status", "204", "--expected-body", "",
                           env=env)
    assert result.code == 0, result.out
    assert 'PASSED GET /up -> 204 ""' in result.verdict


def test_flag_overrides_the_variable(release_check: RunCheck) -> None:
    """--expected-body beats RELEASE_CHECK_EXPECTED_BODY."""
    env = fixture_env("--body", "YES", EXPECTED_BODY="NO")
    assert release_check("--expected-body", "YES", env=env).code == 0


def test_shell_features_and_environment_reach_the_app(release_check: RunCheck) -> None:
    """The command runs under a shell: $PORT, VAR=x cmd and && work; the runner's env is kept."""
    command = "true && GREETING=HELLO " + app_command("--port", "$PORT", "--body-env", "GREETING")
    command = command.replace("'$PORT'", "$PORT")
    result = release_check("--expected-body", "HELLO",
                           env={"RELEASE_CHECK_WEB_COMMAND": command})
    assert result.code == 0, result.out
    inherited = release_check("--expected-body", "from-runner",
                              env={**fixture_env("--body-env", "RUNNER_VAR"),
                                   "RUNNER_VAR": "from-runner"})
    assert inherited.code == 0, inherited.out


@pytest.mark.standalone
def test_env_file_adds_variables_without_overriding(release_check: RunCheck,
                                                    tmp_path: Path) -> None:
    """--env-file gives the app the file's variables; the runner's own environment wins."""
    (tmp_path / "app.env").write_text("GREETING=from-file\nOTHER=x\n")
    env = fixture_env("--body-env", "GREETING")
    assert release_check("--env-file", "app.env", "--expected-body", "from-file", env=env).code == 0
    env["GREETING"] = "from-runner"
    result = release_check("--env-file", "app.env", "--expected-body", "from-runner", env=env)
    assert result.code == 0, result.out


def test_dotenv_is_never_loaded_implicitly(release_check: RunCheck, tmp_path: Path) -> None:
    """A .env beside the Procfile is ignored unless named."""
    (tmp_path / ".env").write_text("GREETING=from-file\n")
    result = release_check("--settle", "0.5", "--expected-body", "from-file",
                           env={**fixture_env("--body-env", "GREETING"), "GREETING": "unset"})
    assert result.code == 1
    assert 'GET /health_check -> 200 "unset", expected 200 "from-file"' in result.verdict


def test_environment_values_are_never_printed(release_check: RunCheck) -> None:
    """Config vars hold secrets: neither a failing nor a passing run prints their values."""
    secret = "s3cr3t-postgres://user:hunter2@db"  # noqa: S105  (the point of the test)
    env = {**fixture_env("--body", "nope"), "DATABASE_URL": secret}
    for args in (("--settle", "0.5", "-v"), ("--expected-body", "nope", "-v")):
        result = release_check(*args, env=env)
        assert secret not in result.out + result.err
        assert "hunter2" not in result.out + result.err


def test_web_command_from_variable_is_not_echoed(release_check: RunCheck) -> None:
    """With --verbose, a command from RELEASE_CHECK_WEB_COMMAND is named, not printed."""
    result = release_check("-v", env=fixture_env("--body", "OKAY"))
    assert "booting RELEASE_CHECK_WEB_COMMAND" in result.out
    assert "fixture_app.py" not in result.out.split("web |")[0]


@pytest.mark.standalone
def test_chatty_app_never_blocks(release_check: RunCheck) -> None:
    """An app writing 3 MB before binding is drained and still passes."""
    result = release_check("-q", env=fixture_env("--spew", "3000000"))
    assert result.code == 0, result.out[-500:]


@pytest.mark.standalone
def test_ipv6_loopback_works(release_check: RunCheck) -> None:
    """--host ::1 checks an app bound to the IPv6 loopback (allowed: no router reaches it)."""
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        socket.create_server(("::1", 0), family=socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    result = release_check("--host", "::1", "--allow-loopback", env=fixture_env("--bind", "::1"))
    assert result.code == 0, result.out


def test_skip_exits_0_without_booting(release_check: RunCheck, tmp_path: Path) -> None:
    """RELEASE_CHECK_SKIP=1 warns and passes without running the app."""
    marker = tmp_path / "ran"
    env = {"RELEASE_CHECK_SKIP": "1", "RELEASE_CHECK_WEB_COMMAND": f"touch {marker}"}
    result = release_check(env=env)
    assert result.code == 0
    assert "warning: RELEASE_CHECK_SKIP is set: the release was NOT checked" in result.out
    assert not marker.exists()


def test_verbose_and_quiet(release_check: RunCheck) -> None:
    """-v adds the runner's steps; -q keeps only the verdict."""
    verbose = release_check("-v", env=fixture_env())
    assert "release-check: booting" in verbose.out
    quiet = release_check("-q", env=fixture_env())
    assert quiet.out.strip().splitlines() == [quiet.verdict]


@pytest.mark.standalone
def test_version_flag(release_check: RunCheck) -> None:
    """--version prints the package version."""
    from release_check import __version__  # noqa: PLC0415

    result = release_check("--version")
    assert result.code == 0
    assert result.out.strip() == f"release-check {__version__}"


def test_repo_procfile_passes_with_the_demo_app(release_check: RunCheck) -> None:
    """At the repository root, the Procfile's demo web process passes (the README's command)."""
    result = release_check(cwd=REPO)
    assert result.code == 0, result.out + result.err
    assert "PASSED GET /health_check -> 200" in result.verdict


@pytest.mark.standalone
def test_procfile_entry_and_process_type(release_check: RunCheck, tmp_path: Path) -> None:
    """The Procfile's entry is booted, and --process-type picks another entry."""
    (tmp_path / "Procfile").write_text(
        f"web: {app_command('--exit', '1')}\nrelease: release-check\n"
        f"api: {app_command('--body', 'OKAY')}\n"
    )
    web = release_check(cwd=tmp_path)
    assert web.code == 1
    assert "FAILED: web exited with code 1 before listening" in web.verdict
    api = release_check("--process-type", "api", cwd=tmp_path)
    assert api.code == 0, api.out
    assert "PASSED GET /health_check" in api.verdict


def test_console_script_is_installed(tag: str, tmp_path: Path) -> None:
    """The ``release-check`` console script runs the same check."""
    script = Path(sys.executable).parent / "release-check"
    if not script.exists():
        pytest.skip("package not installed as a console script in this environment")
    env = clean_env(tag, fixture_env())
    done = subprocess.run([str(script), "-q"], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout
    assert shlex.split(done.stdout)[1] == "PASSED"
