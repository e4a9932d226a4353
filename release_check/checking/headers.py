"""The headers of a check's request: what the router adds, then the user's own."""

from __future__ import annotations

from collections.abc import Iterable

from release_check.config import Expectation


def router_headers() -> dict[str, str]:
    """What Heroku's router adds in front of a dyno, so force-SSL apps answer, not redirect."""
    import uuid  # noqa: PLC0415  (only runs with router headers pay for it)

    return {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Port": "443",
        "X-Forwarded-For": "127.0.0.1",
        "X-Request-Id": str(uuid.uuid4()),
    }


def request_headers(
    expected: Expectation, *, router: bool, host: str | None, common: Iterable[tuple[str, str]]
) -> dict[str, str]:
    """Router headers (unless off), then the Host header, the common ones, the check's own."""
    headers = router_headers() if router else {}
    if host:
        headers["Host"] = host
    headers.update(common)
    headers.update(expected.headers)
    return headers
