"""One HTTP attempt and its judgement, on httpx.MockTransport; a refused connection is real."""

from __future__ import annotations

import socket
from collections.abc import Callable

import httpx

from release_check.checking.attempt import BODY_LIMIT, Outcome, client, explain, fetch, passes
from release_check.config.expectations import BodyMatch, Expectation, StatusMatch

EXPECTED = Expectation("/health_check", StatusMatch.parse("200"), BodyMatch("exact", "OKAY"))
URL = "http://127.0.0.1:5000/health_check"


def client_for(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    """A client whose transport answers with ``handler``."""
    return httpx.Client(transport=httpx.MockTransport(handler))


def answer(status: int, body: bytes = b"", **headers: str) -> httpx.Client:
    """A client that always gets the same response, streamed as from a socket."""
    return client_for(
        lambda _request: httpx.Response(status, headers=headers, stream=httpx.ByteStream(body)))


def test_status_and_body_pass_after_stripping_whitespace() -> None:
    """A 200 with a newline after OKAY passes: surrounding whitespace is not significant."""
    outcome = fetch(answer(200, b"  OKAY\n"), URL, 5)
    assert passes(outcome, EXPECTED)


def test_error_page_with_status_200_fails() -> None:
    """A 200 whose body is not the expected one is a failure, with both bodies shown."""
    outcome = fetch(answer(200, b"<h1>Application error</h1>"), URL, 5)
    assert not passes(outcome, EXPECTED)
    assert explain(outcome, EXPECTED) == (
        'GET /health_check -> 200 "<h1>Application error</h1>", expected 200 "OKAY"')


def test_matching_body_with_wrong_status_fails() -> None:
    """A 503 that says OKAY is not a pass."""
    outcome = fetch(answer(503, b"OKAY"), URL, 5)
    assert not passes(outcome, EXPECTED)
    assert "-> 503" in explain(outcome, EXPECTED)


def test_redirect_is_reported_with_its_location() -> None:
    """A 3xx is not followed; the verdict names where it pointed."""
    outcome = fetch(answer(301, b"", location="https://example.com/health_check"), URL, 5)
    assert outcome.status == 301
    assert 'redirect to "https://example.com/health_check"' in explain(outcome, EXPECTED)
    assert "not followed" in explain(outcome, EXPECTED)


def test_body_is_capped_at_64_kib() -> None:
    """Only the first 64 KiB of a large body is read."""
    outcome = fetch(answer(200, b"x" * (BODY_LIMIT * 4)), URL, 5)
    assert len(outcome.body) == BODY_LIMIT


def test_unknown_charset_falls_back_to_utf8() -> None:
    """A bogus charset in Content-Type does not crash the decode."""
    outcome = fetch(answer(200, b"OKAY", **{"content-type": "text/plain; charset=nope"}), URL, 5)
    assert passes(outcome, EXPECTED)


def closed_port() -> int:
    """A 127.0.0.1 port that nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_is_classified() -> None:
    """A real refused connection (ConnectionRefusedError in the cause) is ``refused``."""
    url = f"http://127.0.0.1:{closed_port()}/health_check"
    with client() as http:
        outcome = fetch(http, url, 5)
    assert outcome.kind == "refused"
    assert explain(outcome, EXPECTED) == (
        'GET /health_check: connection refused (expected 200 "OKAY")')


def test_refused_is_told_by_type_not_by_wording() -> None:
    """A ConnectError that only says "refused" is a connect-error; its cause decides."""

    def wording_only(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    def refused_cause(request: httpx.Request) -> httpx.Response:
        error = httpx.ConnectError("[Errno 111] Verbindungsaufbau abgelehnt", request=request)
        error.__cause__ = ConnectionRefusedError(111, "Verbindungsaufbau abgelehnt")
        raise error

    assert fetch(client_for(wording_only), URL, 5).kind == "connect-error"
    assert fetch(client_for(refused_cause), URL, 5).kind == "refused"


def test_timeout_is_classified_with_the_limit() -> None:
    """A timed-out attempt names the per-request limit."""

    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    outcome = fetch(client_for(stall), URL, 2.5)
    assert outcome.kind == "timeout"
    assert "no response within 2.50s" in explain(outcome, EXPECTED)


def test_protocol_error_is_reported_by_type() -> None:
    """Any other transport error is an ``error`` outcome naming the exception."""

    def garble(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("illegal header", request=request)

    outcome = fetch(client_for(garble), URL, 5)
    assert outcome.kind == "error"
    assert "RemoteProtocolError: illegal header" in explain(outcome, EXPECTED)


def test_hostile_body_is_escaped_in_the_explanation() -> None:
    """Control characters in a body cannot reach the terminal or forge a log line."""
    outcome = Outcome("response", 0.0, status=200, body="\x1b[2J\nrelease-check: PASSED")
    text = explain(outcome, EXPECTED)
    assert "\x1b" not in text
    assert "\n" not in text
    assert "\\x1b[2J\\x0arelease-check: PASSED" in text


def test_unsendable_request_is_an_error_outcome() -> None:
    """A request httpx refuses to build (a non-ASCII header) is reported, not raised."""
    outcome = fetch(answer(200, b"OKAY"), URL, 5, headers={"X-Name": "caf\u00e9"})
    assert outcome.kind == "error"
    assert "UnicodeEncodeError" in outcome.detail


def test_redirect_without_location_says_so() -> None:
    """A 3xx with no Location is named as such, not as a redirect that was not followed."""
    outcome = fetch(answer(302, b""), URL, 5)
    assert explain(outcome, EXPECTED) == (
        'GET /health_check -> 302 "", a redirect with no Location header, expected 200 "OKAY"')


def test_body_regex_that_times_out_says_so_in_the_verdict() -> None:
    """A body regex search that runs out of time fails, and the verdict line says why."""
    expected = Expectation("/health_check", StatusMatch.parse("200"), BodyMatch.regex("(a+)+$"))
    outcome = fetch(answer(200, b"a" * 60_000 + b"b"), URL, 5)
    assert not passes(outcome, expected)
    assert explain(outcome, expected).endswith(
        "\u2026\" (body does not match: the regex search of 60,001 characters timed out after"
        " 0.25 s (the pattern backtracks on this text), so it counts as no match), expected 200"
        " matching /(a+)+$/")
