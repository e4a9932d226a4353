"""The headers of a check's request: what the router adds, then the user's own."""

from __future__ import annotations

from collections.abc import Iterable

from release_check.config import Expectation


def request_id() -> str:
    """The run's X-Request-Id: one for every attempt, so an error page echoing it can settle."""
    import uuid  # noqa: PLC0415  (only runs with router headers pay for it)

    return str(uuid.uuid4())


def router_headers(run_id: str) -> dict[str, str]:
    """What Heroku's router adds in front of a dyno, so force-SSL apps answer, not redirect."""
    return {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Port": "443",
        "X-Forwarded-For": "127.0.0.1",
        "X-Request-Id": run_id,
    }


def request_headers(
    expected: Expectation, *, router: str | None, host: str | None,
    common: Iterable[tuple[str, str]],
) -> dict[str, str]:
    """Router headers, then the Host header, the common ones, the check's own.

    ``router`` is the run's request id, or None to send no router headers.
    """
    headers = router_headers(router) if router else {}
    if host:
        headers["Host"] = host
    headers.update(common)
    headers.update(expected.headers)
    return headers
