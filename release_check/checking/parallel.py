"""Run every check against the app: concurrently once the port is up, each until the deadline."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from release_check.checking.attempt import Outcome, passes
from release_check.checking.retry import Pacing, Polled, poll_until_passing
from release_check.checking.workers import Workers
from release_check.config import Expectation

Attempt = Callable[[float], Outcome]


class Stopped(Exception):
    """Another check ended the run; this one stops retrying."""


@dataclass(frozen=True)
class CheckResult:
    """One check's last outcome and attempt count."""

    expected: Expectation
    polled: Polled

    @property
    def passed(self) -> bool:
        """Whether its last outcome passed."""
        return passes(self.polled.last, self.expected)


def check_all(
    expectations: Sequence[Expectation],
    attempt_for: Callable[[Expectation, threading.Event], Attempt],
    deadline: float,
    request_timeout: float,
    sleep_for: Callable[[threading.Event], Callable[[float], None]],
    *,
    workers: Workers,
    settle: float | None = None,
) -> list[CheckResult]:
    """Poll every check until it passes, settles on a failure, or the deadline.

    Each check settles on its own; once one has settled on a failure the verdict is known,
    so the others stop retrying too. An exception from one ends them all. The pool's threads
    are ``workers``': the run waits for them after stopping the app.
    """
    stop = threading.Event()
    decided = threading.Event()

    def one(expected: Expectation) -> CheckResult:
        polled = poll_until_passing(attempt_for(expected, stop), expected, deadline,
                                    request_timeout, sleep=sleep_for(stop),
                                    pacing=Pacing(settle=settle, abandon=decided.is_set))
        if polled.settled_s is not None:
            decided.set()
        return CheckResult(expected, polled)

    if len(expectations) == 1:
        return [one(expectations[0])]
    from concurrent.futures import (  # noqa: PLC0415  (only several checks need a pool)
        FIRST_EXCEPTION,
        ThreadPoolExecutor,
        wait,
    )

    pool = ThreadPoolExecutor(max_workers=len(expectations), thread_name_prefix="check",
                              initializer=workers.adopt)
    try:
        futures = [pool.submit(one, expected) for expected in expectations]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in done:
            error = future.exception()
            if error is not None:
                raise error
        return [future.result() for future in futures]
    finally:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
