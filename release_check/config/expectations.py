"""What a passing response looks like: a status set, and at most one body matcher."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from release_check.text import quoted

BodyKind = Literal["any", "exact", "contains", "regex", "json"]
_CLASS = re.compile(r"^([1-5])xx$", re.IGNORECASE)
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_STATUS = re.compile(r"^[0-9]{3}$")
_MISSING = object()


@dataclass(frozen=True)
class StatusMatch:
    """The statuses that pass: one code, a list of codes, or a class such as ``2xx``."""

    codes: frozenset[int]
    text: str

    def __contains__(self, status: object) -> bool:
        return status in self.codes

    @classmethod
    def parse(cls, raw: object) -> StatusMatch:
        """From an int, a list of ints, ``"2xx"``, or a string ``"200"`` / ``"200,204"``."""
        if isinstance(raw, str) and (klass := _CLASS.match(raw.strip())):
            first = int(klass.group(1)) * 100
            return cls(frozenset(range(first, first + 100)), raw.strip().lower())
        items = raw.split(",") if isinstance(raw, str) else raw
        codes = [_code(item) for item in (items if isinstance(items, list) else [items])]
        if not codes:
            raise ValueError("no status given")
        return cls(frozenset(codes), " or ".join(str(code) for code in codes))


def _code(item: object) -> int:
    text = str(item).strip()
    if isinstance(item, bool) or not _STATUS.match(text) or not 100 <= int(text) <= 599:
        raise ValueError(
            f"{quoted(str(item), 40)} is not an HTTP status (100..599), a list, or a class"
            " such as 2xx"
        )
    return int(text)


def header_problem(name: str, value: str) -> str | None:
    """What makes a header unsendable, without echoing it (headers often carry tokens)."""
    if not _TOKEN.match(name):
        return "a header name must be a token of ASCII letters, digits and -"
    if not (value.isascii() and value.isprintable()):
        return "a header value must be printable ASCII"
    return None


def path_problem(path: object) -> str | None:
    """What makes ``path`` unusable as a request path (httpx refuses spaces and controls)."""
    if not isinstance(path, str) or not path.startswith("/"):
        return "must start with /"
    if any(char.isspace() or not char.isprintable() for char in path):
        return "must contain no spaces or control characters"
    return None


def _pointer(document: Any, pointer: str) -> Any:
    """RFC 6901 JSON Pointer lookup; _MISSING where the document has no such member."""
    if pointer == "":
        return document
    for token in pointer[1:].split("/"):
        key = token.replace("~1", "/").replace("~0", "~")
        if isinstance(document, dict) and key in document:
            document = document[key]
        elif isinstance(document, list) and key.isdigit() and int(key) < len(document):
            document = document[int(key)]
        else:
            return _MISSING
    return document


def _same(actual: Any, expected: Any) -> bool:
    """JSON equality where true is not 1 and 1 is 1.0."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual is expected
    return bool(actual == expected)


def _shown_json(value: Any) -> str:
    return "missing" if value is _MISSING else quoted(json.dumps(value), 80)[1:-1]


@dataclass(frozen=True)
class BodyMatch:
    """One body matcher; ``any`` accepts every body."""

    kind: BodyKind = "any"
    text: str = ""
    members: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def json_members(cls, members: dict[str, Any]) -> BodyMatch:
        """A JSON matcher from a table of JSON Pointer -> expected value."""
        for pointer in members:
            if pointer and not pointer.startswith("/"):
                raise ValueError(f"JSON Pointer {quoted(pointer, 40)} must start with /")
        return cls("json", members=tuple(members.items()))

    @classmethod
    def regex(cls, pattern: str) -> BodyMatch:
        """A regex matcher, compiled now so a bad pattern is a configuration error."""
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"{quoted(pattern, 40)} is not a valid regex: {error}") from None
        return cls("regex", pattern)

    def mismatch(self, body: str) -> str | None:
        """Why ``body`` does not match, or None when it does."""
        stripped = body.strip()
        if self.kind == "exact" and stripped != self.text.strip():
            return "body differs"
        if self.kind == "contains" and self.text not in body:
            return "body does not contain it"
        if self.kind == "regex" and re.search(self.text, body) is None:
            return "body does not match"
        if self.kind == "json":
            return self._json_mismatch(body)
        return None

    def _json_mismatch(self, body: str) -> str | None:
        try:
            document = json.loads(body)
        except ValueError:
            return "body is not JSON"
        for pointer, expected in self.members:
            actual = _pointer(document, pointer)
            if actual is _MISSING or not _same(actual, expected):
                return f"{pointer or '(root)'} is {_shown_json(actual)}"
        return None

    def describe(self) -> str:
        """The matcher as a user wrote it: ``"OKAY"``, ``containing "ok"``, ``JSON /a = 1``."""
        if self.kind == "exact":
            return quoted(self.text.strip())
        if self.kind == "contains":
            return f"containing {quoted(self.text)}"
        if self.kind == "regex":
            return f"matching /{quoted(self.text)[1:-1]}/"
        if self.kind == "json":
            pairs = ", ".join(f"{p or '(root)'} = {_shown_json(v)}" for p, v in self.members)
            return f"JSON with {pairs}"
        return "any body"


@dataclass(frozen=True)
class Expectation:
    """One check: the request to make and what a passing response looks like."""

    path: str
    status: StatusMatch
    body: BodyMatch
    method: Literal["GET", "HEAD"] = "GET"
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def request(self) -> str:
        """``GET /health_check``."""
        return f"{self.method} {self.path}"

    def describe(self) -> str:
        """``200 "OKAY"``, ``2xx``, ``200 with JSON with /status = "ok"``."""
        if self.body.kind == "any":
            return self.status.text
        return f"{self.status.text} {self.body.describe()}"
