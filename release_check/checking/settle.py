"""When a failing answer has settled: the same answer again and again, not a warming-up one.

An app that answers 503 while it warms up is worth waiting for; one that answers the same 400
or 500 every time is not going to change, so its check ends after the settle time instead of
at the deadline. "The same" looks past what changes in every error page without changing what
it says: request ids, times, addresses, counters. A 503 is given longer (DOWN_FACTOR times the
settle time): an app warming up answers it for a while, but a health view whose database is
down answers it for ever.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from release_check.checking.attempt import Outcome

# Answers that mean "not ready yet": a proxy or server still waiting for its upstream (502, 504),
# warming up (503), throttling (429) or refusing early data (425).
NOT_READY_STATUSES = frozenset({425, 429, 502, 503, 504})
DOWN_STATUS = 503
DOWN_FACTOR = 4.0  # a 503 settles after 20 s at the default settle time of 5 s
# Ids (UUIDs, hex digests, 0x addresses) and numbers: a run of hex with a digit in it, or digits.
_VARYING = re.compile(r"\b0x[0-9a-f]+|\b(?=[0-9a-f-]*[0-9])[0-9a-f][0-9a-f-]{5,}\b|[0-9]+",
                      re.IGNORECASE)


def not_ready(outcome: Outcome) -> bool:
    """No answer at all (refused, reset, timed out, garbled) or a not-ready-yet status."""
    return outcome.kind != "response" or outcome.status in NOT_READY_STATUSES


def _gist(outcome: Outcome) -> str:
    """The body with what differs in every answer (ids, times, digits) blanked on an error."""
    if outcome.status is None or outcome.status < 400:
        return outcome.body
    return _VARYING.sub("#", outcome.body)


def _settles(outcome: Outcome) -> bool:
    return not not_ready(outcome) or (outcome.kind == "response"
                                      and outcome.status == DOWN_STATUS)


class Settling:
    """Tracks since when the same failing answer (status and body's gist) has come back."""

    def __init__(self, settle: float | None, clock: Callable[[], float]) -> None:
        self._settle = settle
        self._clock = clock
        self._answer: tuple[int | None, str] | None = None
        self._since = 0.0

    def observe(self, outcome: Outcome, *, failing: bool) -> None:
        """Note one attempt's outcome; a passing or not-ready one starts the count again."""
        settles = failing and _settles(outcome)
        answer = (outcome.status, _gist(outcome)) if settles else None
        if answer != self._answer:
            self._answer, self._since = answer, self._clock()

    def unchanged_for(self) -> float | None:
        """Seconds the same failing answer has come back, once that reaches its settle time."""
        if self._settle is None or self._answer is None:
            return None
        needed = self._settle * (DOWN_FACTOR if self._answer[0] == DOWN_STATUS else 1.0)
        unchanged = self._clock() - self._since
        return unchanged if unchanged >= needed else None
