"""When a failing answer has settled: the same answer again and again, not a warming-up one.

An app that answers 503 while it warms up is worth waiting for; one that answers the same 400
or 500 every time is not going to change, so its check ends after the settle time instead of
at the deadline.
"""

from __future__ import annotations

from collections.abc import Callable

from release_check.checking.attempt import Outcome

# Answers that mean "not ready yet": a proxy or server still waiting for its upstream (502, 504),
# warming up (503), throttling (429) or refusing early data (425).
NOT_READY_STATUSES = frozenset({425, 429, 502, 503, 504})


def not_ready(outcome: Outcome) -> bool:
    """No answer at all (refused, reset, timed out, garbled) or a not-ready-yet status."""
    return outcome.kind != "response" or outcome.status in NOT_READY_STATUSES


class Settling:
    """Tracks since when the same failing answer (status and body) has come back."""

    def __init__(self, settle: float | None, clock: Callable[[], float]) -> None:
        self._settle = settle
        self._clock = clock
        self._answer: tuple[int | None, str] | None = None
        self._since = 0.0

    def observe(self, outcome: Outcome, *, failing: bool) -> None:
        """Note one attempt's outcome; a passing or not-ready one starts the count again."""
        answer = None if not failing or not_ready(outcome) else (outcome.status, outcome.body)
        if answer != self._answer:
            self._answer, self._since = answer, self._clock()

    def unchanged_for(self) -> float | None:
        """Seconds the same failing answer has come back, once that reaches the settle time."""
        if self._settle is None or self._answer is None:
            return None
        unchanged = self._clock() - self._since
        return unchanged if unchanged >= self._settle else None
