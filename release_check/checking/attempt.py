"""One HTTP attempt against the app, and the judgement of its outcome.

httpx exceptions map to outcome kinds as follows::

    httpx.ConnectError caused by ConnectionRefusedError -> "refused"
    httpx.ConnectError (anything else)        -> "connect-error"
    httpx.TimeoutException and subclasses     -> "timeout"
    any other httpx.HTTPError (protocol, read) -> "error"
    httpx.InvalidURL, UnicodeError (a request that cannot be sent) -> "error"
    a response (any status)                   -> "response"
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from release_check import __version__
from release_check.checking.workers import Workers
from release_check.config import Expectation, response_mismatch
from release_check.text import quoted

if TYPE_CHECKING:
    import httpx

__all__ = ["BODY_LIMIT", "Expectation", "Outcome", "client", "explain", "fetch", "passes"]

BODY_LIMIT = 64 * 1024
_HEADER_LIMIT = 200  # response headers kept for header expectations
_JOIN_SLACK = 0.25  # lets httpx's own timeout report first when it fires
OutcomeKind = Literal["response", "refused", "connect-error", "timeout", "error"]


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: a response, or why there was none."""

    kind: OutcomeKind
    seconds: float
    status: int | None = None
    body: str = ""
    location: str | None = None
    detail: str = ""
    headers: tuple[tuple[str, str], ...] = ()  # the response's, for header expectations
    cut: bool = False  # the body went on past BODY_LIMIT: only its start was read


def client(*, internet: bool = False, follow_redirects: bool = False) -> httpx.Client:
    """By default a client that goes straight to the local app: no proxies, no redirects.

    With ``internet`` (probe, watch) it honours proxy variables and verifies TLS; the release
    check only ever speaks plain HTTP to 127.0.0.1, so it skips loading the CA bundle (35-60 ms).
    ``identity`` encoding keeps the 64 KiB cap honest: a compressed body could expand without
    bound when decoded. httpx is imported here, not at module load, so that the runner can
    import it in the background while the app boots.
    """
    import httpx  # noqa: PLC0415

    headers = {"Accept-Encoding": "identity", "User-Agent": f"release-check/{__version__}"}
    return httpx.Client(trust_env=internet, verify=internet, follow_redirects=follow_redirects,
                        headers=headers)


def _decode(raw: bytes, charset: str | None) -> str:
    try:
        return raw.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


def _read_capped(response: httpx.Response, limit: int, deadline: float) -> bytearray | None:
    """The body, of which more than ``limit`` bytes means cut; None if time ran out first.

    A body still arriving at the deadline (a byte every half second, endless whitespace
    chunks) is no answer at all: its first bytes may read OKAY while the rest never comes.
    """
    body = bytearray()
    for chunk in response.iter_raw():
        body += chunk
        if len(body) > limit:
            return body
        if time.monotonic() >= deadline:
            return None
    return body


def fetch(
    http: httpx.Client, url: str, timeout: float, method: str = "GET",
    headers: Mapping[str, str] | None = None, *, workers: Workers | None = None,
    content: str | None = None,
) -> Outcome:
    """Request ``url`` once, reading at most BODY_LIMIT bytes, within ``timeout`` seconds.

    httpx's timeouts bound each read, not the whole exchange, so a server that drips its
    headers a byte a second would hold an attempt forever: the request runs in a daemon thread
    that is abandoned at the deadline (it ends when the server closes, or with the runner).
    Given ``workers``, the thread is theirs, so the run can wait for it before closing ``http``.
    """
    box: list[Outcome] = []

    def exchange() -> None:
        box.append(_exchange(http, url, timeout, method, headers, content=content))

    if workers is None:
        worker = threading.Thread(target=exchange, name="request", daemon=True)
        worker.start()
    else:
        worker = workers.start(exchange, "request")
    worker.join(timeout + _JOIN_SLACK)
    if box:
        return box[0]
    return Outcome("timeout", timeout, detail=f"no complete response within {timeout:.2f}s")


def _exchange(
    http: httpx.Client, url: str, timeout: float, method: str,
    headers: Mapping[str, str] | None, *, content: str | None = None,
) -> Outcome:
    import httpx  # noqa: PLC0415  (already loaded by client(); see its docstring)

    started = time.monotonic()

    def took() -> float:
        return time.monotonic() - started

    try:
        with http.stream(method, url, timeout=timeout, headers=headers,
                         content=content) as response:
            raw = _read_capped(response, BODY_LIMIT, started + timeout)
            if raw is None:
                return Outcome("timeout", took(),
                               detail=f"the body was not complete within {timeout:.2f}s")
    except httpx.ConnectError as error:
        kind: OutcomeKind = "refused" if _refused(error) else "connect-error"
        return Outcome(kind, took(), detail=str(error))
    except httpx.TimeoutException:
        return Outcome("timeout", took(), detail=f"no response within {timeout:.2f}s")
    except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as error:
        # InvalidURL and UnicodeError (a header that is not ASCII) are not HTTPErrors, but in
        # this thread anything unreported would read as a timeout.
        return Outcome("error", took(), detail=f"{type(error).__name__}: {error}")
    return Outcome(
        "response",
        took(),
        status=response.status_code,
        body=_decode(bytes(raw[:BODY_LIMIT]), response.charset_encoding),
        location=response.headers.get("location"),
        headers=tuple(response.headers.multi_items()[:_HEADER_LIMIT]),
        cut=len(raw) > BODY_LIMIT,
    )


def _refused(error: BaseException) -> bool:
    """Whether a ConnectionRefusedError is in the chain: the type, not the message's wording."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, ConnectionRefusedError):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _whole_needed(outcome: Outcome, expected: Expectation) -> bool:
    """An exact or JSON match judges the whole body, which a cut one is not."""
    return outcome.cut and expected.body.kind in ("exact", "json")


def passes(outcome: Outcome, expected: Expectation) -> bool:
    """A response whose status is expected and whose body matches (whole, where it must)."""
    return (
        outcome.kind == "response"
        and outcome.status in expected.status
        and not _whole_needed(outcome, expected)
        and expected.body.mismatch(outcome.body) is None
        and response_mismatch(expected, outcome.status, outcome.location, outcome.headers) is None
    )


def explain(outcome: Outcome, expected: Expectation) -> str:
    """What the attempt got, beside what was expected, in one line."""
    if outcome.kind != "response":
        return f"{expected.request}: {_no_response(outcome)} (expected {expected.describe()})"
    got = f"{expected.request} -> {outcome.status} {quoted(outcome.body.strip())}"
    if outcome.status is not None and 300 <= outcome.status < 400:
        got += (f", a redirect to {quoted(outcome.location, 200)} (redirects are not followed)"
                if outcome.location else ", a redirect with no Location header")
    if outcome.status in expected.status and _whole_needed(outcome, expected):
        got += (f" (the body goes on past {BODY_LIMIT // 1024} KiB, where reading stops, so"
                f" it cannot be matched whole)")
    why = expected.body.mismatch(outcome.body) if outcome.status in expected.status else None
    if why and (expected.body.kind == "json" or "timed out" in why):  # else the bodies show why
        got += f" ({why})"
    elif why is None and outcome.status in expected.status:
        unmet = response_mismatch(expected, outcome.status, outcome.location, outcome.headers)
        got += f" ({unmet})" if unmet else ""
    return f"{got}, expected {expected.describe()}"


def _no_response(outcome: Outcome) -> str:
    if outcome.kind == "refused":
        return "connection refused"
    if outcome.kind == "timeout":
        return outcome.detail
    return quoted(outcome.detail, 200).strip('"')
