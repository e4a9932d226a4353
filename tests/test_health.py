"""The retry loop, with an injected clock and sleep (pure logic)."""

from __future__ import annotations

import pytest

from release_check.checking.attempt import Outcome
from release_check.checking.retry import poll_until_passing
from release_check.config.expectations import BodyMatch, Expectation, StatusMatch
from tests.fakes import FakeClock

EXPECTED = Expectation("/health_check", StatusMatch.parse("200"), BodyMatch("exact", "OKAY"))
GOOD = Outcome("response", 0.01, status=200, body="OKAY")
WARMING = Outcome("response", 0.01, status=503, body="starting")


def test_retries_until_a_response_passes() -> None:
    """Warming-up answers are retried; the first passing one ends the loop."""
    answers = iter([WARMING, WARMING, GOOD])
    fake = FakeClock()
    polled = poll_until_passing(lambda _t: next(answers), EXPECTED, 10.0, 5.0,
                                sleep=fake.sleep, clock=fake.clock)
    assert polled.last == GOOD
    assert polled.attempts == 3


def test_gives_up_at_the_deadline_with_the_last_outcome() -> None:
    """At the deadline the last failing outcome is returned, never slept past."""
    fake = FakeClock()
    polled = poll_until_passing(lambda _t: WARMING, EXPECTED, 3.0, 5.0,
                                sleep=fake.sleep, clock=fake.clock)
    assert polled.last == WARMING
    assert fake.now == pytest.approx(3.0)
    assert max(fake.sleeps) <= 0.5


def test_attempt_timeout_never_outlives_the_deadline() -> None:
    """Each attempt gets the request timeout, clipped to what is left of the deadline."""
    fake = FakeClock()
    timeouts: list[float] = []

    def attempt(timeout: float) -> Outcome:
        timeouts.append(timeout)
        fake.now += timeout
        return WARMING

    poll_until_passing(attempt, EXPECTED, 7.0, 5.0, sleep=fake.sleep, clock=fake.clock)
    assert timeouts[0] == 5.0
    assert timeouts[1] < 2.0


def test_an_exception_from_the_attempt_stops_at_once() -> None:
    """When the app has exited the attempt raises, and nothing is retried."""
    calls = []

    def attempt(_timeout: float) -> Outcome:
        calls.append(1)
        raise RuntimeError("app exited")

    fake = FakeClock()
    with pytest.raises(RuntimeError, match="app exited"):
        poll_until_passing(attempt, EXPECTED, 10.0, 5.0, sleep=fake.sleep, clock=fake.clock)
    assert len(calls) == 1
