"""Checks declared in the config file (``[[checks]]``), or the single one the settings describe."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from release_check.config.expectations import (
    BodyMatch,
    Expectation,
    StatusMatch,
    header_problem,
    path_problem,
)

_MATCHERS = ("body", "contains", "regex", "json")
_KEYS = frozenset({"path", "method", "headers", "status", *_MATCHERS})
_METHODS: dict[str, Literal["GET", "HEAD"]] = {"GET": "GET", "HEAD": "HEAD"}


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
    method = _METHODS.get(str(table.get("method", "GET")).upper())
    if method is None:
        raise ValueError(f"method must be GET or HEAD, not {table.get('method')!r}")
    body = _body(table)
    if method == "HEAD" and body.kind != "any":
        raise ValueError("a HEAD response has no body to match")
    status = StatusMatch.from_toml(table.get("status", 200))
    return Expectation(_path(table), status, body, method, _headers(table))
