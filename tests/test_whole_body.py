"""A body is judged whole: one still arriving at the deadline, or cut at the cap, is no pass."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest

from tests.conftest import APPS, RunCheck

TRICKLE = APPS / "trickle_app.py"


def trickle(mode: str, **settings: str) -> dict[str, str]:
    """Settings that boot the trickle server in ``mode``, with a short deadline and settle time.

    The request timeout stays above the trickle's half-second pace, so only a limit on the whole
    body, not one on each read, ends an attempt.
    """
    env = {"RELEASE_CHECK_WEB_COMMAND": shlex.join([sys.executable, str(TRICKLE), mode]),
           "RELEASE_CHECK_TIMEOUT": "2", "RELEASE_CHECK_REQUEST_TIMEOUT": "1",
           "RELEASE_CHECK_SETTLE": "0.5"}
    return env | {f"RELEASE_CHECK_{k.upper()}": v for k, v in settings.items()}


@pytest.mark.parametrize("mode", ["length", "chunked"])
def test_a_body_still_arriving_at_the_deadline_is_a_timeout(release_check: RunCheck,
                                                             mode: str) -> None:
    """OKAY then a byte every 0.5 s (Content-Length or chunked) fails as an incomplete body."""
    result = release_check(env=trickle(mode))
    assert result.code == 1, result.out + result.err
    # The last attempt may get only the moment left before the deadline: its own timeout.
    timed_out = r"(the body was not complete|no (complete )?response) within [0-9.]+s \(expected"
    assert re.search(timed_out, result.verdict), result.out


def test_an_exact_match_fails_a_body_cut_at_the_cap(release_check: RunCheck) -> None:
    """OKAY followed by 70 KiB of spaces is cut at 64 KiB, so it is no exact match."""
    result = release_check(env=trickle("padded"))
    assert result.code == 1, result.out + result.err
    assert "the body goes on past 64 KiB" in result.out


def test_a_json_match_fails_a_body_cut_at_the_cap(release_check: RunCheck,
                                                  tmp_path: Path) -> None:
    """A JSON document followed by 70 KiB of spaces is cut at 64 KiB, so it is no JSON match."""
    (tmp_path / "release-check.toml").write_text(
        '[[checks]]\npath = "/health_check"\njson = { "/status" = "ok" }\n')
    result = release_check(env=trickle("padded-json"))
    assert result.code == 1, result.out + result.err
    assert "the body goes on past 64 KiB" in result.out


def test_a_contains_match_may_pass_on_the_start_of_a_cut_body(release_check: RunCheck) -> None:
    """A contains matcher judges what was read: OKAY at the start of a long body passes."""
    result = release_check(env=trickle("padded", body_contains="OKAY"))
    assert result.code == 0, result.out + result.err
