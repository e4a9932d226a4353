"""Retry the health request with tenacity until it passes, the deadline passes, or the app dies."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from release_check.checking.attempt import Expectation, Outcome, passes
from release_check.checking.settle import Settling

if TYPE_CHECKING:
    from tenacity import RetryCallState

_MIN_ATTEMPT = 0.05  # the last attempt before the deadline still gets a moment to answer


@dataclass(frozen=True)
class Polled:
    """The last outcome, how many attempts it took, and whether it ended settled.

    ``settled_s`` is how long the same failing answer had come back when polling stopped
    for that reason before the deadline; None otherwise.
    """

    last: Outcome
    attempts: int
    settled_s: float | None = None


def _never() -> bool:
    return False


@dataclass(frozen=True)
class Pacing:
    """How often a check is retried, and what ends it before the deadline.

    ``interval``: wait this long between attempts instead of backing off from 20 ms to 0.5 s.
    ``settle``: stop once the same failing answer (not a "not ready yet" one, see
    settle.not_ready) has come back for this many seconds. ``abandon``: stop once it returns
    True (another check has already decided the verdict).
    """

    interval: float | None = None
    settle: float | None = None
    abandon: Callable[[], bool] = _never


def poll_until_passing(
    attempt: Callable[[float], Outcome],
    expected: Expectation,
    deadline: float,
    request_timeout: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    pacing: Pacing = Pacing(),
) -> Polled:
    """Call ``attempt(timeout)`` until an outcome passes or ``clock()`` reaches ``deadline``.

    ``attempt`` may raise (the app exited): that ends the polling at once, unretried.
    ``pacing`` may end it earlier. Waits never overshoot the deadline.
    """
    # Imported here: the runner loads tenacity in the background while the app boots.
    from tenacity import Retrying, retry_if_result, wait_exponential, wait_fixed  # noqa: PLC0415

    backoff = (wait_exponential(multiplier=0.02, min=0.02, max=0.5) if pacing.interval is None
               else wait_fixed(pacing.interval))

    def wait(state: RetryCallState) -> float:
        return max(0.0, min(backoff(state), deadline - clock()))

    settling = Settling(pacing.settle, clock)
    seen = _Seen()

    def timed_attempt() -> Outcome:
        budget = min(request_timeout, max(deadline - clock(), _MIN_ATTEMPT))
        outcome = attempt(budget)
        settling.observe(outcome, failing=not passes(outcome, expected))
        seen.note(outcome, cut=budget < request_timeout)
        return outcome

    retrying = Retrying(
        retry=retry_if_result(lambda outcome: not passes(outcome, expected)),
        stop=lambda _state: (clock() >= deadline or settling.unchanged_for() is not None
                             or pacing.abandon()),
        wait=wait,
        sleep=sleep,
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )
    last = seen.telling(retrying(timed_attempt))
    return Polled(last, int(retrying.statistics["attempt_number"]), settling.unchanged_for())


@dataclass
class _Seen:
    """The latest outcome of a full try, and whether the deadline cut the latest try short."""

    full: Outcome | None = None
    cut: bool = False

    def note(self, outcome: Outcome, *, cut: bool) -> None:
        self.cut = cut and outcome.kind == "timeout"
        if not self.cut:
            self.full = outcome

    def telling(self, last: Outcome) -> Outcome:
        """The last outcome; the one before when the deadline cut the last try short.

        A try given only what was left of the deadline (50 ms, say) times out for want of
        time, not because the app hangs: the app's answer to the try before says why the check
        failed (its 503), unless that try timed out too.
        """
        full = self.full
        return full if self.cut and full is not None and full.kind == "response" else last
