"""Run every check against the app: concurrently once the port is up, each until the deadline."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from release_check.health import Polled, poll_until_passing
from release_check.http_check import Outcome, passes
from release_check.matching import Expectation
from release_check.settings import Config

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


def router_headers() -> dict[str, str]:
    """What Heroku's router adds in front of a dyno, so force-SSL apps answer, not redirect."""
    import uuid  # noqa: PLC0415  (only runs with router headers pay for it)

    return {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Port": "443",
        "X-Forwarded-For": "127.0.0.1",
        "X-Request-Id": str(uuid.uuid4()),
    }


def request_headers(config: Config, expected: Expectation) -> dict[str, str]:
    """Router headers (unless off), then the Host header, the configured ones, the check's own."""
    headers = router_headers() if config.router_headers else {}
    if config.host_header:
        headers["Host"] = config.host_header
    headers.update(config.headers)
    headers.update(expected.headers)
    return headers


def check_all(
    expectations: Sequence[Expectation],
    attempt_for: Callable[[Expectation, threading.Event], Attempt],
    deadline: float,
    request_timeout: float,
    sleep_for: Callable[[threading.Event], Callable[[float], None]],
) -> list[CheckResult]:
    """Poll every check until it passes or the deadline; an exception from one ends them all."""
    stop = threading.Event()

    def one(expected: Expectation) -> CheckResult:
        polled = poll_until_passing(attempt_for(expected, stop), expected, deadline,
                                    request_timeout, sleep=sleep_for(stop))
        return CheckResult(expected, polled)

    if len(expectations) == 1:
        return [one(expectations[0])]
    from concurrent.futures import (  # noqa: PLC0415  (only several checks need a pool)
        FIRST_EXCEPTION,
        ThreadPoolExecutor,
        wait,
    )

    pool = ThreadPoolExecutor(max_workers=len(expectations), thread_name_prefix="check")
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
