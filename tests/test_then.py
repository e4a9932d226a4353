"""A command run against the booted app once the checks pass: real app, real command."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema
from junitparser import JUnitXml

from tests.conftest import REPO, RunCheck, alive, app_command, fixture_env, pids_in
from tests.gitrepo import make_repo

pytestmark = pytest.mark.slow


def _sh(script: str, *args: str) -> list[str]:
    """``-- sh -c SCRIPT ARGS``: a command line after ``--`` as a user types it."""
    return ["--", "sh", "-c", script, "sh", *args]


JUNIT_SCHEMA = xmlschema.XMLSchema(REPO / "tests" / "data" / "junit-10.xsd")
SCHEMA = json.loads((REPO / "docs" / "report.schema.json").read_text())


def _report(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text())
    jsonschema.validate(report, SCHEMA)
    return report


def test_the_command_gets_the_apps_url_and_its_exit_zero_passes(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """After the checks pass, the command reaches the app through RELEASE_CHECK_URL and passes."""
    script = ('echo "port=$PORT base=$BASE_URL";'
              ' python3 -c "import os, urllib.request as u;'
              ' print(u.urlopen(os.environ[\'RELEASE_CHECK_URL\'] + \'/health_check\').read())"')
    result = release_check("--report", "r.json", *_sh(script), env=fixture_env())
    assert result.code == 0, result.out + result.err
    report = _report(tmp_path / "r.json")
    port = report["port"]
    assert f"then | port={port} base=http://" in result.out
    assert f":{port}\n" in result.out
    assert "then | b'OKAY'" in result.out
    assert "then `sh -c" in result.verdict and "exited 0" in result.verdict
    assert report["then"]["passed"] is True and report["then"]["exit_code"] == 0


def test_a_failing_command_fails_the_run_naming_it_its_code_and_last_lines(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """A non-zero exit fails the run: the verdict names the command, its code, its last line."""
    result = release_check("--quiet", "--report", "r.json", "--junit", "j.xml",
                           *_sh("echo first; echo 'assert 500 == 200'; exit 3"), env=fixture_env())
    assert result.code == 1
    assert result.verdict.startswith("release-check: FAILED: `sh -c")
    assert "exited with code 3" in result.verdict
    assert "its last line: assert 500 == 200" in result.verdict
    assert "last lines of then's output:" in result.out
    assert "  | first" in result.out
    then = _report(tmp_path / "r.json")["then"]
    assert then["passed"] is False and then["exit_code"] == 3
    assert then["tail"] == ["first", "assert 500 == 200"]
    case = next(c for c in next(iter(JUnitXml.fromfile(str(tmp_path / "j.xml"))))
                if c.name.startswith("then: "))
    assert "exited with code 3" in case.result[0].message
    assert case.system_out is not None and "assert 500 == 200" in case.system_out


def test_a_command_that_exits_at_once_keeps_its_own_exit_code(release_check: RunCheck) -> None:
    """A command exiting within microseconds of its spawn still fails with its own code."""
    # The runner's reaper must not collect it as an orphan first (its Popen would then read
    # 0); that race was lost about one run in five, so several runs are made, four at a time:
    # each is a runner of its own, so running them side by side hides no lost race.
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: release_check("--quiet", "--", "false",
                                                        env=fixture_env()), range(8)))
    for result in results:
        assert result.code == 1, result.out
        assert "`false` exited with code 1" in result.verdict


def test_an_app_crash_while_the_command_runs_fails_at_once_and_leaves_nothing(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """The app dying mid-command fails the run at once; the command's whole tree is stopped."""
    pids, mine = tmp_path / "pids", tmp_path / "command"
    mine.mkdir()
    script = ('sleep 300 & echo $! > "$2/background"; echo $$ > "$2/shell";'
              ' kill -KILL "$(cat "$1"/app-*)"; sleep 300')
    result = release_check("--report", "r.json", "--junit", "j.xml",
                           *_sh(script, str(pids), str(mine)),
                           env=fixture_env("--pid-dir", str(pids)), timeout=120)
    assert result.code == 1, result.out
    assert "web was killed by SIGKILL while `sh -c" in result.verdict
    assert result.seconds < 60
    started = [int(p.read_text()) for p in mine.iterdir()]
    assert len(started) == 2
    assert not alive(started + pids_in(pids))
    then = _report(tmp_path / "r.json")["then"]
    assert then["started"] is True and then["passed"] is False and then["exit_code"] is None
    case = next(c for c in next(iter(JUnitXml.fromfile(str(tmp_path / "j.xml"))))
                if c.name.startswith("then: "))
    assert case.result[0].message.startswith("web was killed by SIGKILL while")


def test_a_command_over_its_timeout_fails_naming_the_setting(release_check: RunCheck,
                                                             tmp_path: Path) -> None:
    """A command still running at RELEASE_CHECK_THEN_TIMEOUT fails the run and is stopped."""
    mine = tmp_path / "command"
    mine.mkdir()
    result = release_check(*_sh('echo $$ > "$1/shell"; sleep 300', str(mine)),
                           env=fixture_env(then_timeout="0.5"))
    assert result.code == 1, result.out
    assert "was still running after 0.5s (RELEASE_CHECK_THEN_TIMEOUT)" in result.verdict
    assert not alive([int(p.read_text()) for p in mine.iterdir()])


def test_the_setting_runs_the_command_as_a_shell_line(release_check: RunCheck) -> None:
    """RELEASE_CHECK_THEN holds a shell line, as a release-check.toml's ``then`` key does."""
    result = release_check(env=fixture_env(then='test -n "$RELEASE_CHECK_URL" && exit 5'))
    assert result.code == 1
    assert "exited with code 5" in result.verdict


def test_the_commands_junit_file_is_merged_into_the_runs(release_check: RunCheck,
                                                         tmp_path: Path) -> None:
    """A JUnit file the command writes at RELEASE_CHECK_THEN_JUNIT joins the run's JUnit file."""
    suite = ('<testsuites><testsuite name="smoke" tests="1" failures="0" errors="0">'
             '<testcase classname="smoke" name="forms post"/></testsuite></testsuites>')
    result = release_check("--junit", "out.xml", "--then-junit", "smoke.xml",
                           *_sh(f'printf %s {shlex.quote(suite)} > "$RELEASE_CHECK_THEN_JUNIT"'),
                           env=fixture_env())
    assert result.code == 0, result.out
    JUNIT_SCHEMA.validate(str(tmp_path / "out.xml"))
    suites = list(JUnitXml.fromfile(str(tmp_path / "out.xml")))
    assert [suite.name for suite in suites] == ["release-check", "smoke"]
    assert any(case.name.startswith("then: sh -c") for case in suites[0])
    assert [case.name for case in suites[1]] == ["forms post"]


def test_a_junit_file_older_than_the_run_is_not_merged(release_check: RunCheck,
                                                       tmp_path: Path) -> None:
    """A stale JUnit file the command did not write this run stays out of the run's."""
    stale = tmp_path / "smoke.xml"
    stale.write_text('<testsuite name="stale" tests="0"/>')
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    result = release_check("--junit", "out.xml", "--then-junit", "smoke.xml", "--", "true",
                           env=fixture_env())
    assert result.code == 0, result.out
    suites = list(JUnitXml.fromfile(str(tmp_path / "out.xml")))
    assert [suite.name for suite in suites] == ["release-check"]


def test_nothing_after_the_separator_is_a_usage_error(release_check: RunCheck) -> None:
    """``release-check --`` with no command is exit 2 before anything boots."""
    result = release_check("--", env=fixture_env())
    assert result.code == 2
    assert "nothing follows --" in result.err


def test_then_flag_and_separator_together_are_refused(release_check: RunCheck) -> None:
    """``--then`` and a command after ``--`` both name the command: exit 2."""
    result = release_check("--then", "true", "--", "true", env=fixture_env())
    assert result.code == 2
    assert "--then and a command after -- both" in result.err


def test_github_gets_the_commands_row_and_its_failure_as_an_annotation(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """Under Actions, the job summary has the command's stage and the failure is an ::error."""
    summary = tmp_path / "summary.md"
    result = release_check("--", "sh", "-c", "exit 9",
                           env={**fixture_env(), "GITHUB_ACTIONS": "true",
                                "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.code == 1
    assert "::error title=release-check::`sh -c 'exit 9'` exited with code 9" in result.out
    rows = [line for line in summary.read_text().splitlines() if line.startswith("| then")]
    assert len(rows) == 1 and "❌ failed" in rows[0]



def test_the_commands_memory_is_not_counted_as_the_apps(release_check: RunCheck,
                                                        tmp_path: Path) -> None:
    """A command holding more memory than the app's budget leaves the app's peak its own."""
    hog = ("import time\n"
           "block = bytearray(200 * 1024 * 1024)\n"
           "block[::4096] = b'x' * len(block[::4096])\n"
           "time.sleep(2)")
    result = release_check("--max-memory-mb", "100", "--report", "r.json",
                           "--", sys.executable, "-c", hog, env=fixture_env(), timeout=120)
    assert result.code == 0, result.out
    web = _report(tmp_path / "r.json")["processes"]["web"]
    assert web["peak_memory_bytes"] < 100 * 1024 * 1024


def test_the_pre_push_hook_runs_the_committed_command(tag: str, tmp_path: Path,
                                                      release_check: RunCheck) -> None:
    """A ``then`` in the pushed commit's release-check.toml decides the push, like the check."""
    repo = make_repo(tmp_path, tag, app_command(), {})
    installed = release_check("install-hook", env=repo.env, cwd=repo.path)
    assert installed.code == 0, installed.out + installed.err
    (repo.path / "release-check.toml").write_text('then = "echo smoke saw $BASE_URL; exit 4"\n')
    repo.commit("a smoke command that fails")
    refused = repo.push()
    assert refused.returncode != 0
    assert "then | smoke saw http://" in refused.stdout + refused.stderr
    assert "exited with code 4" in refused.stdout + refused.stderr
    assert repo.remote_head() == ""
    (repo.path / "release-check.toml").write_text('then = "test -n \\"$RELEASE_CHECK_URL\\""\n')
    repo.commit("a smoke command that passes")
    accepted = repo.push()
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert repo.remote_head() == repo.head()
