"""Several checks, every matcher, and router-faithful requests, against real servers."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from release_check.text import quoted
from tests.conftest import APPS, RunCheck

ROUTES_APP = APPS / "routes_app.py"
STATUS_JSON = '{"status": "ok", "db": {"connected": true}}'


def routes(*flags: str) -> str:
    """The web command for the routes app."""
    return shlex.join([sys.executable, str(ROUTES_APP), *flags])


def write_pyproject(folder: Path, web: str, table: str) -> None:
    """A Procfile and a pyproject.toml with [tool.release-check] in ``folder``."""
    (folder / "Procfile").write_text(f"web: {web}\n")
    (folder / "pyproject.toml").write_text(f'[project]\nname = "app"\n\n{table}\n')


THREE_CHECKS = """
[tool.release-check]
timeout = 10

[[tool.release-check.checks]]
path = "/health_check"
body = "OKAY"

[[tool.release-check.checks]]
path = "/status"
json = { "/status" = "ok", "/db/connected" = true }

[[tool.release-check.checks]]
path = "/"
method = "HEAD"
status = "2xx"
"""


@pytest.mark.standalone
def test_three_checks_in_pyproject_pass_each_on_its_line(release_check: RunCheck,
                                                         tmp_path: Path) -> None:
    """GET OKAY, a JSON status and HEAD 2xx from pyproject.toml all pass, each shown."""
    web = routes("--route", "/health_check=200:OKAY", "--route", f"/status=200:{STATUS_JSON}",
                 "--route", "/=204:")
    write_pyproject(tmp_path, web, THREE_CHECKS)
    result = release_check("--report", "report.json")
    assert result.code == 0, result.out
    assert 'ok GET /health_check -> 200 "OKAY"' in result.out
    assert "ok GET /status -> 200" in result.out
    assert 'ok HEAD / -> 204 ""' in result.out
    assert "PASSED 3 checks in" in result.verdict
    report = json.loads((tmp_path / "report.json").read_text())
    assert [c["request"] for c in report["checks"]] == ["GET /health_check", "GET /status",
                                                        "HEAD /"]
    assert all(c["passed"] for c in report["checks"])


def test_one_failing_check_fails_the_run(release_check: RunCheck, tmp_path: Path) -> None:
    """If the JSON status says degraded, the run fails naming that check and member."""
    degraded = '/status=200:{"status": "degraded", "db": {"connected": true}}'
    web = routes("--route", "/health_check=200:OKAY", "--route", degraded, "--route", "/=200:")
    table = THREE_CHECKS.replace("timeout = 10", "timeout = 1.5\nsettle = 0.5")
    write_pyproject(tmp_path, web, table)
    result = release_check()
    assert result.code == 1
    assert 'FAILED GET /status -> 200' in result.out
    assert '(/status is "degraded")' in result.verdict
    assert "ok GET /health_check" in result.out


@pytest.mark.parametrize(("matcher", "passing", "failing", "expected"), [
    ('body = "OKAY"', "OKAY", "NOPE", '200 "OKAY"'),
    ('contains = "alive"', "all alive here", "all dead here", '200 containing "alive"'),
    ('regex = "^v[0-9]+ up$"', "v12 up", "v12 down", "200 matching /^v[0-9]+ up$/"),
    ('json = { "/ok" = true }', '{"ok": true}', '{"ok": false}', "200 JSON with /ok = true"),
])
def test_each_matcher_passes_and_fails(release_check: RunCheck, tmp_path: Path, matcher: str,
                                       passing: str, *, failing: str, expected: str) -> None:
    """Every body matcher passes its body and fails another for that reason, on a real server."""
    table = f'timeout = 1.5\nsettle = 0.5\n[[checks]]\npath = "/h"\n{matcher}\n'
    (tmp_path / "release-check.toml").write_text(table)
    (tmp_path / "Procfile").write_text(f"web: {routes('--route', f'/h=200:{passing}')}\n")
    passed = release_check()
    assert passed.code == 0, passed.out
    (tmp_path / "Procfile").write_text(f"web: {routes('--route', f'/h=200:{failing}')}\n")
    failed = release_check()
    assert failed.code == 1
    assert f"FAILED: GET /h -> 200 {quoted(failing)}" in failed.verdict
    assert f", expected {expected}" in failed.verdict


def test_checks_run_concurrently(release_check: RunCheck, tmp_path: Path) -> None:
    """Three checks on an app that takes 2 s per answer pass in about 2 s, not 6."""
    table = "".join(f'[[checks]]\npath = "/{n}"\nstatus = 200\n' for n in "abc")
    (tmp_path / "release-check.toml").write_text(f"timeout = 30\n{table}")
    web = routes("--delay", "2", "--route", "/a=200:", "--route", "/b=200:", "--route", "/c=200:")
    (tmp_path / "Procfile").write_text(f"web: {web}\n")
    result = release_check("--report", "report.json")
    assert result.code == 0, result.out
    report = json.loads((tmp_path / "report.json").read_text())
    checking = report["timings"]["healthy_s"] - report["timings"]["listening_s"]
    assert 1.9 < checking < 5.0


def test_host_allow_list_needs_the_host_header(release_check: RunCheck) -> None:
    """A Django-style ALLOWED_HOSTS app answers 400 (with a hint) until the Host header is set."""
    env = {"RELEASE_CHECK_WEB_COMMAND": routes("--allowed-host", "myapp.example", "--route",
                                               "/health_check=200:OKAY"),
           "RELEASE_CHECK_TIMEOUT": "1.5", "RELEASE_CHECK_SETTLE": "0.5"}
    refused = release_check(env=env)
    assert refused.code == 1
    assert "-> 400" in refused.verdict
    assert "hint: a Host allow-list" in refused.verdict
    assert release_check(env={**env, "RELEASE_CHECK_HOST_HEADER": "myapp.example"}).code == 0


def test_force_ssl_app_passes_only_with_router_headers(release_check: RunCheck) -> None:
    """A force-SSL app passes thanks to X-Forwarded-Proto, and redirects without it."""
    env = {"RELEASE_CHECK_WEB_COMMAND": routes("--force-ssl", "--route", "/health_check=200:OKAY"),
           "RELEASE_CHECK_TIMEOUT": "1.5", "RELEASE_CHECK_SETTLE": "0.5"}
    assert release_check(env=env).code == 0
    bare = release_check(env={**env, "RELEASE_CHECK_ROUTER_HEADERS": "0"})
    assert bare.code == 1
    assert "-> 301" in bare.verdict
    assert "hint: an app that forces HTTPS" in bare.verdict


def test_extra_headers_are_sent(release_check: RunCheck) -> None:
    """RELEASE_CHECK_HEADERS adds headers to every request."""
    env = {"RELEASE_CHECK_WEB_COMMAND": routes("--require-header", "X-Token:abc", "--route",
                                               "/health_check=200:OKAY"),
           "RELEASE_CHECK_TIMEOUT": "1.5", "RELEASE_CHECK_SETTLE": "0.5"}
    refused = release_check(env=env)
    assert refused.code == 1
    assert 'FAILED: GET /health_check -> 403 "forbidden"' in refused.verdict
    assert release_check(env={**env, "RELEASE_CHECK_HEADERS": "X-Token: abc"}).code == 0


@pytest.mark.parametrize(("variable", "value", "body", "failure"), [
    ("RELEASE_CHECK_BODY_CONTAINS", "alive", "we are alive", None),
    ("RELEASE_CHECK_BODY_CONTAINS", "alive", "we are dead", 'expected 200 containing "alive"'),
    ("RELEASE_CHECK_BODY_REGEX", "^build [0-9a-f]{7}$", "build 1a2b3c4", None),
    ("RELEASE_CHECK_BODY_REGEX", "^build [0-9a-f]{7}$", "build ???",
     "expected 200 matching /^build [0-9a-f]{7}$/"),
])
def test_body_shortcut_variables(release_check: RunCheck, variable: str, value: str, body: str,
                                 failure: str | None) -> None:
    """BODY_CONTAINS and BODY_REGEX match the single check's body against a real server."""
    env = {"RELEASE_CHECK_WEB_COMMAND": routes("--route", f"/health_check=200:{body}"),
           "RELEASE_CHECK_TIMEOUT": "1.5", "RELEASE_CHECK_SETTLE": "0.5", variable: value}
    result = release_check(env=env)
    assert result.code == (0 if failure is None else 1), result.out
    if failure is not None:
        assert f'FAILED: GET /health_check -> 200 "{body}", {failure}' in result.verdict


def test_hostile_regex_cannot_hold_the_release(release_check: RunCheck) -> None:
    """^(a+)+$ against forty a's and a ! fails by the 1.5 s deadline, not after minutes."""
    env = {"RELEASE_CHECK_WEB_COMMAND": routes("--route", "/health_check=200:" + "a" * 40 + "!"),
           "RELEASE_CHECK_TIMEOUT": "1.5", "RELEASE_CHECK_BODY_REGEX": "^(a+)+$"}
    result = release_check(env=env, timeout=30)
    assert result.code == 1
    assert "expected 200 matching /^(a+)+$/" in result.verdict
    assert result.seconds < 20


def test_status_class_variable(release_check: RunCheck) -> None:
    """RELEASE_CHECK_EXPECTED_STATUS=2xx accepts a 201, and a list refuses it."""
    env = {"RELEASE_CHECK_WEB_COMMAND": routes("--route", "/health_check=201:OKAY"),
           "RELEASE_CHECK_EXPECTED_STATUS": "2xx", "RELEASE_CHECK_TIMEOUT": "1.5",
           "RELEASE_CHECK_SETTLE": "0.5"}
    result = release_check(env=env)
    assert result.code == 0, result.out
    refused = release_check(env={**env, "RELEASE_CHECK_EXPECTED_STATUS": "200,204"})
    assert refused.code == 1
    assert 'expected 200 or 204 "OKAY"' in refused.verdict


@pytest.mark.parametrize(("args", "env", "named"), [
    ([], {"RELEASE_CHECK_BODY_CONTAINS": "a", "RELEASE_CHECK_BODY_REGEX": "b"},
     "RELEASE_CHECK_BODY_CONTAINS and RELEASE_CHECK_BODY_REGEX"),
    (["--expected-body", "NOPE", "--body-regex", ""], {}, "--expected-body and --body-regex"),
])
def test_conflicting_shortcuts_exit_2(in_process: RunCheck, args: list[str],
                                      env: dict[str, str], named: str) -> None:
    """Two body matchers for the single check is a configuration error naming both."""
    result = in_process(*args, env={**env, "RELEASE_CHECK_WEB_COMMAND": "true"})
    assert result.code == 2
    assert f"release-check: error: {named}: give only one body matcher" in result.err


def test_unknown_key_in_pyproject_exits_2(in_process: RunCheck, tmp_path: Path) -> None:
    """An unknown key in [tool.release-check] is exit 2 naming the key and the file."""
    write_pyproject(tmp_path, "true", "[tool.release-check]\ntimout = 5\n")
    result = in_process()
    assert result.code == 2
    assert "pyproject.toml: [tool.release-check] timout: unknown setting" in result.err
