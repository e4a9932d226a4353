"""Retry the health request with tenacity until it passes, the deadline passes, or the app dies."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from release_check.checking.attempt import Expectation, Outcome, passes

if TYPE_CHECKING:
    from tenacity import RetryCallState

_MIN_ATTEMPT = 0.05  # the last attempt before the deadline still gets a moment to answer


@dataclass(frozen=True)
class Polled:
    """The last outcome and how many attempts it took."""

    last: Outcome
    attempts: int


def poll_until_passing(
    attempt: Callable[[float], Outcome],
    expected: Expectation,
    deadline: float,
    request_timeout: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    interval: float | None = None,
) -> Polled:
    """Call ``attempt(timeout)`` until an outcome passes or ``clock()`` reaches ``deadline``.

    ``attempt`` may raise (the app exited): that ends the polling at once, unretried.
    Waits grow from 20 ms to 0.5 s (or are ``interval`` seconds each, when given) and never
    overshoot the deadline.
    """
    # Imported here: the runner loads tenacity in the background while the app boots.
    from tenacity import Retrying, retry_if_result, wait_exponential, wait_fixed  # noqa: PLC0415

    backoff = (wait_exponential(multiplier=0.02, min=0.02, max=0.5) if interval is None
               else wait_fixed(interval))

    def wait(state: RetryCallState) -> float:
        return max(0.0, min(backoff(state), deadline - clock()))

    def timed_attempt() -> Outcome:
        return attempt(min(request_timeout, max(deadline - clock(), _MIN_ATTEMPT)))

    retrying = Retrying(
        retry=retry_if_result(lambda outcome: not passes(outcome, expected)),
        stop=lambda _state: clock() >= deadline,
        wait=wait,
        sleep=sleep,
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )
    last: Outcome = retrying(timed_attempt)
    return Polled(last, int(retrying.statistics["attempt_number"]))
