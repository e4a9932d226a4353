"""Answers that will not change fail after the settle time; "not ready yet" ones are waited for."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from tests.conftest import APPS, RunCheck, fixture_env

# A settle time of 0.5 s as the verdict shows it: reached at the first attempt past it.
HALF_A_SECOND = r"unchanged for (0\.[5-9]|1\.[0-4])s"


def _checked_for(verdict: str) -> float:
    """The seconds from spawn the verdict says the last attempt came at."""
    found = re.search(r"attempts over (\d+\.\d)s", verdict)
    assert found, verdict
    return float(found.group(1))


def test_a_constant_400_fails_after_the_default_settle_time(release_check: RunCheck) -> None:
    """A 400 to every attempt fails about 5 s in (the default), not at the 60 s timeout."""
    result = release_check(env=fixture_env("--status", "400", "--body", "Bad Request (400)",
                                           timeout="60"))
    assert result.code == 1
    assert 'GET /health_check -> 400 "Bad Request (400)", expected 200 "OKAY"' in result.verdict
    assert re.search(r"unchanged for 5\.\ds\); hint: a Host allow-list", result.verdict)
    assert 5.0 <= _checked_for(result.verdict) < 15.0
    assert result.seconds < 30.0


def test_a_constant_500_fails_after_the_settle_time_given(release_check: RunCheck) -> None:
    """RELEASE_CHECK_SETTLE=0.5: a health view that raises fails about 0.5 s after it answers."""
    result = release_check(env=fixture_env("--status", "500", "--body", "Server Error (500)",
                                           timeout="60", settle="0.5"))
    assert result.code == 1
    assert '-> 500 "Server Error (500)", expected 200 "OKAY"' in result.verdict
    assert re.search(HALF_A_SECOND, result.verdict), result.verdict
    assert _checked_for(result.verdict) < 10.0


def test_a_right_status_with_the_wrong_body_settles(release_check: RunCheck) -> None:
    """A 200 with the home page instead of OKAY, unchanged, fails after the settle time too."""
    result = release_check("--settle", "0.5", env=fixture_env("--body", "<html>home</html>",
                                                              timeout="60"))
    assert result.code == 1
    assert re.search(HALF_A_SECOND, result.verdict), result.verdict
    assert _checked_for(result.verdict) < 10.0


def test_a_constant_503_is_retried_past_the_settle_time(release_check: RunCheck) -> None:
    """A 503 means warming up: retried past the settle time, here until a shorter timeout."""
    # The timeout ends the run before a 503 settles (four settle times, 2.4 s).
    result = release_check(env=fixture_env("--status", "503", "--body", "warming up",
                                           timeout="2", settle="0.6"))
    assert result.code == 1
    assert '-> 503 "warming up"' in result.verdict
    assert "unchanged" not in result.verdict
    assert _checked_for(result.verdict) >= 1.9


def test_a_500_that_turns_into_200_before_the_settle_time_passes(release_check: RunCheck) -> None:
    """An app that answers 500 for 0.5 s after binding, then OKAY, passes with a 1.5 s settle."""
    result = release_check(env=fixture_env("--status", "500", "--healthy-after", "0.5",
                                           timeout="30", settle="1.5"))
    assert result.code == 0, result.out
    assert 'PASSED GET /health_check -> 200 "OKAY"' in result.verdict


def request_id_app(status: int, ids: Path, **settings: str) -> dict[str, str]:
    """Settings that boot tests/apps/request_id_app.py answering ``status``, logging ids to ids."""
    command = shlex.join([sys.executable, str(APPS / "request_id_app.py"), str(status), str(ids)])
    return {"RELEASE_CHECK_WEB_COMMAND": command,
            **{f"RELEASE_CHECK_{k.upper()}": v for k, v in settings.items()}}


def test_a_500_echoing_ids_and_times_settles_with_one_request_id(release_check: RunCheck,
                                                                 tmp_path: Path) -> None:
    """A 500 whose body echoes X-Request-Id, the time and a counter settles; one id per run."""
    ids = tmp_path / "ids"
    result = release_check(env=request_id_app(500, ids, timeout="30", settle="0.5"))
    assert result.code == 1
    assert re.search(HALF_A_SECOND, result.verdict), result.verdict
    assert _checked_for(result.verdict) < 10.0
    seen = ids.read_text().split()
    assert len(seen) > 1
    assert len(set(seen)) == 1


def test_a_503_unchanged_for_four_settle_times_settles_naming_why(release_check: RunCheck,
                                                                  tmp_path: Path) -> None:
    """A 503 that stays the same (a health view whose database is down) settles, with a hint."""
    result = release_check(env=request_id_app(503, tmp_path / "ids", timeout="30", settle="0.5"))
    assert result.code == 1
    assert "unchanged for 2." in result.verdict
    assert "answers 503 for as long as a service it checks is down" in result.verdict
    assert _checked_for(result.verdict) < 12.0


def test_a_redirect_adding_a_slash_suggests_the_slashed_path(release_check: RunCheck) -> None:
    """A 301 to /health_check/ (Django's APPEND_SLASH) names RELEASE_CHECK_PATH=/health_check/."""
    result = release_check(env=fixture_env("--status", "301", "--body", "",
                                           "--location", "/health_check/", timeout="30",
                                           settle="0.5"))
    assert result.code == 1
    assert "hint: the app adds a slash to the path (Django's APPEND_SLASH): set" \
           " RELEASE_CHECK_PATH=/health_check/" in result.verdict
    assert "HTTPS" not in result.verdict


def test_a_404_on_the_default_path_names_the_route_or_the_setting(
        release_check: RunCheck) -> None:
    """An app without /health_check answers 404: the verdict names the route and the setting."""
    result = release_check(env=fixture_env("--health-path", "/healthz", timeout="30",
                                           settle="0.5"))
    assert result.code == 1
    assert '-> 404 "not found"' in result.verdict
    assert "hint: the app has no /health_check route: add one that answers 200 OKAY, or set" \
           " RELEASE_CHECK_PATH to a route it has" in result.verdict
