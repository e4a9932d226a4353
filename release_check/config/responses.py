"""A ``[[checks]]`` entry's request body, response header expectations and redirect expectation.

Header names compare case-insensitively, as HTTP says; a regex search is bounded in time, as a
body regex's is. A redirect expectation is met by a 3xx whose ``Location`` is the expected one,
or an absolute URL whose path (and query) is it: an app behind a router builds absolute URLs
from the Host.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from release_check.config.expectations import HeaderExpectation, header_problem
from release_check.config.regexes import compiled_regex
from release_check.text import quoted

if TYPE_CHECKING:
    from release_check.config.expectations import Expectation

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
WITHOUT_BODY = ("GET", "HEAD", "DELETE", "OPTIONS")  # a request body is refused for these


def parse_headers(table: object) -> tuple[HeaderExpectation, ...]:
    """``response_headers``: name = true (present), "value" (equal), or { regex = "..." }."""
    if not isinstance(table, dict):
        raise ValueError("response_headers must be a table of header name = expectation")
    return tuple(_header(name, value) for name, value in table.items())


def _header(name: str, value: object) -> HeaderExpectation:
    problem = header_problem(name, "")
    if problem:
        raise ValueError(f"response_headers: {problem}")
    if value is True:
        return HeaderExpectation(name, "present")
    if isinstance(value, str):
        return HeaderExpectation(name, "equals", value)
    if isinstance(value, dict) and set(value) == {"regex"} and isinstance(value["regex"], str):
        compiled_regex(value["regex"])  # a bad pattern is a configuration error, found now
        return HeaderExpectation(name, "regex", value["regex"])
    raise ValueError(f"response_headers.{name}: expected true, a string, or"
                     ' { regex = "..." }')


def redirect_mismatch(expected: str, status: int | None, location: str | None) -> str | None:
    """Why the response is not the expected redirect, or None when it is."""
    if status is None or not 300 <= status < 400:
        return f"not a redirect (expected one to {quoted(expected, 200)})"
    if location is None:
        return "a redirect with no Location header"
    if location == expected:
        return None
    parts = urlsplit(location)
    relative = parts.path + (f"?{parts.query}" if parts.query else "")
    if parts.scheme in ("http", "https") and relative == expected:
        return None
    return f"a redirect to {quoted(location, 200)}, expected one to {quoted(expected, 200)}"


def request_body(table: Mapping[str, Any], method: str) -> str | None:
    """``request_body``: the text sent with POST, PUT or PATCH."""
    body = table.get("request_body")
    if body is None:
        return None
    if not isinstance(body, str):
        raise ValueError("request_body must be a string (set its Content-Type in headers)")
    if method in WITHOUT_BODY:
        raise ValueError(f"a {method} request has no request_body; use POST, PUT or PATCH")
    return body


def response_mismatch(expected: Expectation, status: int | None, location: str | None,
                      headers: Sequence[tuple[str, str]]) -> str | None:
    """Why a response fails the check's redirect or header expectations; None if it meets them."""
    if expected.redirect is not None:
        why = redirect_mismatch(expected.redirect, status, location)
        if why:
            return why
    return next((why for header in expected.response_headers
                 if (why := header.mismatch(headers)) is not None), None)
