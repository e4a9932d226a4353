"""Checks declared in the config file (``[[checks]]``), or the single one the settings describe."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from release_check.config.expectations import (
    BodyMatch,
    Expectation,
    StatusMatch,
    header_problem,
    path_problem,
)
from release_check.config.responses import METHODS, parse_headers, request_body

_MATCHERS = ("body", "contains", "regex", "json")
_KEYS = frozenset({"path", "method", "headers", "status", *_MATCHERS, "request_body",
                   "response_headers", "redirect"})


def _body(table: Mapping[str, Any]) -> BodyMatch:
    given = [key for key in _MATCHERS if key in table]
    if len(given) > 1:
        raise ValueError(f"give at most one body matcher, not {' and '.join(given)}")
    if not given:
        return BodyMatch()
    key, value = given[0], table[given[0]]
    if key == "json":
        if not isinstance(value, dict):
            raise ValueError("json must be a table of JSON Pointer = expected value")
        return BodyMatch.json_members(value)
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    if key == "regex":
        return BodyMatch.regex(value)
    return BodyMatch.contains(value) if key == "contains" else BodyMatch("exact", value)


def _headers(table: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    headers = table.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ValueError("headers must be a table of strings")
    for name, value in headers.items():
        problem = header_problem(name, value)
        if problem:
            raise ValueError(f"headers: {problem}")
    return tuple(headers.items())


def _path(table: Mapping[str, Any]) -> str:
    path = table.get("path")
    problem = "is required" if path is None else path_problem(path)
    if problem or not isinstance(path, str):
        raise ValueError(f"path {problem}")
    return path


def parse_check(table: Mapping[str, Any]) -> Expectation:
    """One ``[[checks]]`` table as an Expectation; ValueError says what is wrong."""
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})")
    method = str(table.get("method", "GET")).upper()
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not"
                         f" {table.get('method')!r}")
    body = _body(table)
    if method == "HEAD" and body.kind != "any":
        raise ValueError("a HEAD response has no body to match")
    redirect = _redirect(table)
    status = StatusMatch.from_toml(table.get("status", "3xx" if redirect else 200))
    return Expectation(_path(table), status, body, method, _headers(table),
                       request_body(table, method),
                       parse_headers(table.get("response_headers", {})), redirect)


def _redirect(table: Mapping[str, Any]) -> str | None:
    redirect = table.get("redirect")
    if redirect is not None and (not isinstance(redirect, str) or not redirect.strip()):
        raise ValueError("redirect must be the expected Location, a non-empty string")
    return redirect
