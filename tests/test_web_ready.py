"""Web's ready line (RELEASE_CHECK_READY): a line its output must show besides the checks."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest
from junitparser import JUnitXml

from tests.conftest import RunCheck, app_command, fixture_env

pytestmark = pytest.mark.slow


def test_the_check_waits_for_a_ready_line_printed_after_the_health_check_passed(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """A ready line printed well after the health check passes is waited for, then passes."""
    env = fixture_env(ready="cache warm(ed)?$")
    env["RELEASE_CHECK_WEB_COMMAND"] = f"(sleep 1; echo cache warmed) & exec {app_command()}"
    result = release_check("--report", "r.json", env=env)
    assert result.code == 0, result.out
    web = json.loads((tmp_path / "r.json").read_text())["processes"]["web"]
    assert web["ready_line"] == "cache warmed"
    assert web["ready_s"] >= 1


def test_a_ready_line_never_printed_fails_at_the_timeout_naming_the_regex(
    release_check: RunCheck,
) -> None:
    """Healthy over HTTP but without its ready line, web fails once the run's timeout is over."""
    result = release_check(env=fixture_env(ready="migrations done", timeout="1"))
    assert result.code == 1, result.out
    assert ("web passed its checks but printed no line matching /migrations done/ within"
            in result.verdict)
    assert "(RELEASE_CHECK_READY)" in result.verdict


def test_a_ready_regex_that_backtracks_on_a_line_fails_saying_the_search_timed_out(
    release_check: RunCheck,
) -> None:
    """A line the ready regex backtracks on is no match; the verdict says the search timed out."""
    env = fixture_env(ready="^(a|a)+$", timeout="1.5")  # 2**1000 ways to fail on the line below
    env["RELEASE_CHECK_WEB_COMMAND"] = f"echo {'a' * 1000}! && exec {app_command()}"
    result = release_check(env=env)
    assert result.code == 1, result.out
    assert result.verdict.endswith(
        "(RELEASE_CHECK_READY); the search of a line of its output timed out after 0.25 s (the"
        " regex backtracks on it), so that line counted as no match")


def test_a_ready_line_already_printed_passes_at_once(release_check: RunCheck) -> None:
    """A ready line printed before the checks passed costs no wait."""
    result = release_check(env=fixture_env(ready="^listening on "))
    assert result.code == 0, result.out


def test_a_ready_regex_matching_any_line_is_a_configuration_error(
    release_check: RunCheck,
) -> None:
    """A regex that matches the empty string is refused (exit 2), as companions' are."""
    result = release_check(env=fixture_env(ready=".*"))
    assert result.code == 2
    assert "RELEASE_CHECK_READY: '.*' can match an empty string" in result.err.replace('"', "'")


# A server with no HTTP route at all: it accepts on $PORT, then says it is ready.
_NO_ROUTE = ("import os, socket, time;"
             " s = socket.create_server(('0.0.0.0', int(os.environ['PORT'])));"
             " time.sleep(0.5); print('ws server ready', flush=True); time.sleep(60)")


def _no_route_app() -> dict[str, str]:
    """A web command whose server has no health route, only its ready line."""
    return {"RELEASE_CHECK_WEB_COMMAND": shlex.join([sys.executable, "-c", _NO_ROUTE]),
            "RELEASE_CHECK_PATH": "none"}


def test_with_no_health_path_the_ready_line_stands_in_for_the_check(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """PATH=none: no request is sent; the socket and web's ready line pass the run."""
    env = {**_no_route_app(), "RELEASE_CHECK_READY": "server ready$"}
    result = release_check("--report", "r.json", "--junit", "j.xml", env=env)
    assert result.code == 0, result.out
    assert 'PASSED ready line "ws server ready" (no health path) in ' in result.verdict
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["processes"]["web"]["ready_by"] == "line"
    assert report["attempts"] == 0
    names = [case.name for suite in JUnitXml.fromfile(str(tmp_path / "j.xml")) for case in suite]
    assert "health check: none; web's ready line stands in" in names


def test_with_no_health_path_a_missing_ready_line_fails_at_the_timeout(
    release_check: RunCheck,
) -> None:
    """PATH=none and a ready line never printed: FAILED naming the regex, not a check."""
    env = {**_no_route_app(), "RELEASE_CHECK_READY": "never printed", "RELEASE_CHECK_TIMEOUT": "1"}
    result = release_check(env=env)
    assert result.code == 1, result.out
    assert "FAILED: web printed no line matching /never printed/ within" in result.verdict


def test_no_health_path_without_a_ready_line_is_a_configuration_error(
    release_check: RunCheck,
) -> None:
    """PATH=none with nothing to stand in for the check is exit 2 naming the variable."""
    result = release_check(env=_no_route_app())
    assert result.code == 2
    assert "RELEASE_CHECK_PATH: none (no health path) needs a ready line" in result.err
