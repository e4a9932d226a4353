"""The retry loop, with an injected clock and sleep (pure logic)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import pytest

from release_check.checking import Workers
from release_check.checking.attempt import Outcome, OutcomeKind
from release_check.checking.parallel import check_all
from release_check.checking.retry import Pacing, poll_until_passing
from release_check.config.expectations import BodyMatch, Expectation, StatusMatch
from tests.fakes import FakeClock

EXPECTED = Expectation("/health_check", StatusMatch.parse("200"), BodyMatch("exact", "OKAY"))
GOOD = Outcome("response", 0.01, status=200, body="OKAY")
WARMING = Outcome("response", 0.01, status=503, body="starting")
BROKEN = Outcome("response", 0.01, status=500, body="Server Error (500)")
SETTLE = Pacing(settle=3.0)


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


def _poll(answers: list[Outcome], fake: FakeClock, deadline: float = 60.0,
          pacing: Pacing = SETTLE) -> tuple[int, float | None, Outcome]:
    """Poll ``answers`` in a cycle; return the attempt count, settled_s and last outcome."""
    count = iter(range(10**6))

    def attempt(_timeout: float) -> Outcome:
        return answers[next(count) % len(answers)]

    polled = poll_until_passing(attempt, EXPECTED, deadline, 5.0, sleep=fake.sleep,
                                clock=fake.clock, pacing=pacing)
    return polled.attempts, polled.settled_s, polled.last


def test_the_same_failing_answer_ends_the_polling_after_the_settle_time() -> None:
    """A 500 unchanged for the settle time ends the polling then, not at the deadline."""
    fake = FakeClock()
    _, settled, last = _poll([BROKEN], fake)
    assert last == BROKEN
    assert settled is not None
    assert 3.0 <= settled < 3.6
    assert 3.0 <= fake.now < 3.6


@pytest.mark.parametrize("status", [425, 429, 502, 504])
def test_not_ready_statuses_are_retried_until_the_deadline(status: int) -> None:
    """An unchanging 502, 504, 429 or 425 means "not ready yet": polled to the deadline."""
    fake = FakeClock()
    _, settled, _ = _poll([Outcome("response", 0.0, status=status, body="wait")], fake, 20.0)
    assert settled is None
    assert fake.now == pytest.approx(20.0)


@pytest.mark.parametrize("kind", ["refused", "timeout", "connect-error", "error"])
def test_no_answer_is_retried_until_the_deadline(kind: OutcomeKind) -> None:
    """Refused, timed out, reset or garbled: no answer yet is never a settled failure."""
    fake = FakeClock()
    _, settled, _ = _poll([Outcome(kind, 0.0, detail="Connection reset by peer")], fake, 20.0)
    assert settled is None
    assert fake.now == pytest.approx(20.0)


def test_a_right_status_with_the_wrong_body_settles() -> None:
    """200 with the wrong body, unchanged, is a settled failure too."""
    fake = FakeClock()
    _, settled, _ = _poll([Outcome("response", 0.0, status=200, body="<html>home</html>")], fake)
    assert settled is not None
    assert fake.now < 3.6


def test_a_changing_failure_does_not_settle() -> None:
    """"The same" is status and body: a 500 whose body changes every time waits for the deadline."""
    fake = FakeClock()
    other = Outcome("response", 0.0, status=500, body="Server Error (500) at 12:00:01")
    _, settled, _ = _poll([BROKEN, other], fake, 20.0)
    assert settled is None
    assert fake.now == pytest.approx(20.0)


def test_an_unchanging_503_settles_after_four_settle_times() -> None:
    """A 503 is waited for longer than a 500 (four settle times), not until the deadline."""
    fake = FakeClock()
    _, settled, _ = _poll([WARMING], fake, 60.0)
    assert settled is not None
    assert 12.0 <= fake.now < 12.6


def test_a_failure_differing_only_in_ids_times_and_digits_settles() -> None:
    """A 500 echoing a new request id, time and address each time counts as the same answer."""
    fake = FakeClock()
    count = iter(range(10**6))

    def attempt(_timeout: float) -> Outcome:
        n = next(count)
        body = (f"Server Error (500): request {uuid.uuid4()} at 12:00:{n:02d},"
                f" object at {hex(0x7F3A2B000000 + n * 4099)}, digest {uuid.uuid4().hex}")
        return Outcome("response", 0.0, status=500, body=body)

    polled = poll_until_passing(attempt, EXPECTED, 60.0, 5.0, sleep=fake.sleep,
                                clock=fake.clock, pacing=SETTLE)
    assert polled.settled_s is not None
    assert fake.now < 3.6


def test_a_not_ready_answer_between_failures_starts_the_count_again() -> None:
    """500, then 502, then 500 again: the settle time counts from the last change."""
    fake = FakeClock()
    answers = iter([BROKEN] * 5 + [Outcome("response", 0.01, status=502, body="")] * 40)

    def attempt(_timeout: float) -> Outcome:
        return next(answers, BROKEN)

    polled = poll_until_passing(attempt, EXPECTED, 60.0, 5.0, sleep=fake.sleep, clock=fake.clock,
                                pacing=SETTLE)
    assert polled.settled_s is not None
    assert polled.attempts > 45
    assert fake.now > 10.0


def test_a_500_that_turns_into_200_before_the_settle_time_passes() -> None:
    """An app that answers 500 for a moment and then OKAY passes."""
    fake = FakeClock()
    answers = iter([BROKEN] * 6)

    def attempt(_timeout: float) -> Outcome:
        return next(answers, GOOD)

    polled = poll_until_passing(attempt, EXPECTED, 60.0, 5.0, sleep=fake.sleep, clock=fake.clock,
                                pacing=SETTLE)
    assert polled.last == GOOD
    assert polled.settled_s is None


def test_without_a_settle_time_a_failure_is_polled_until_the_deadline() -> None:
    """No settle time (probe, watch): the same 500 is retried until the deadline."""
    fake = FakeClock()
    _, settled, _ = _poll([BROKEN], fake, 20.0, Pacing())
    assert settled is None
    assert fake.now == pytest.approx(20.0)


def test_a_settled_check_stops_the_others() -> None:
    """Once one check has settled on a failure the verdict is known: a warming-up one stops too."""
    health = Expectation("/health_check", StatusMatch.parse("200"), BodyMatch("exact", "OKAY"))
    version = Expectation("/version", StatusMatch.parse("200"), BodyMatch("exact", "OKAY"))
    answers = {health: BROKEN, version: WARMING}

    def attempt_for(expected: Expectation, _stop: threading.Event) -> Callable[[float], Outcome]:
        return lambda _timeout: answers[expected]

    started = time.monotonic()
    results = check_all([health, version], attempt_for, started + 30.0, 5.0,
                        lambda _stop: time.sleep, workers=Workers(), settle=0.3)
    assert time.monotonic() - started < 10.0
    assert [r.polled.settled_s is not None for r in results] == [True, False]
    assert [r.polled.last for r in results] == [BROKEN, WARMING]


def test_a_try_cut_short_by_the_deadline_does_not_hide_the_last_answer() -> None:
    """A last try timed out for want of time reports the app's last response, not the timeout."""
    fake = FakeClock()

    def attempt(timeout: float) -> Outcome:
        if timeout < 1.0:  # what is left of the deadline: too little for this app to answer
            fake.now += timeout
            return Outcome("timeout", timeout, detail=f"no response within {timeout:.2f}s")
        fake.now += 0.3
        return WARMING

    polled = poll_until_passing(attempt, EXPECTED, 3.0, 1.0, sleep=fake.sleep, clock=fake.clock)
    assert polled.last == WARMING


def test_a_full_length_timeout_is_still_the_verdict() -> None:
    """A try that had the whole request timeout and got nothing is reported as a timeout."""
    fake = FakeClock()
    hung = Outcome("timeout", 1.0, detail="no response within 1.00s")
    answers = iter([WARMING, hung])

    def attempt(timeout: float) -> Outcome:
        fake.now += 0.01
        return next(answers, hung)

    polled = poll_until_passing(attempt, EXPECTED, 3.0, 1.0, sleep=fake.sleep, clock=fake.clock)
    assert polled.last == hung
