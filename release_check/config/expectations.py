"""What a passing response looks like: a status set, and at most one body matcher."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from release_check.config.regexes import TIMED_OUT, search, timed_out_note
from release_check.text import printable, quoted

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
    def parse(cls, raw: str) -> StatusMatch:
        """From the text of a variable or flag: ``200``, ``200,204``, ``2xx``, ``200,3xx``."""
        return cls._of([item.strip() for item in raw.split(",")], _text_item)

    @classmethod
    def from_toml(cls, value: object) -> StatusMatch:
        """From a TOML value: an integer, a class string such as ``"2xx"``, or an array of them."""
        return cls._of(value if isinstance(value, list) else [value], _toml_item)

    @classmethod
    def _of(cls, items: list[Any], read: Callable[[Any], tuple[frozenset[int], str]]
            ) -> StatusMatch:
        if not items:
            raise ValueError("no status given")
        parts = [read(item) for item in items]
        return cls(frozenset().union(*(codes for codes, _ in parts)),
                   " or ".join(text for _, text in parts))


def _class(text: str) -> tuple[frozenset[int], str] | None:
    klass = _CLASS.match(text)
    if klass is None:
        return None
    first = int(klass.group(1)) * 100
    return frozenset(range(first, first + 100)), text.lower()


def _code(text: str) -> tuple[frozenset[int], str] | None:
    if not _STATUS.match(text) or not 100 <= int(text) <= 599:
        return None
    return frozenset({int(text)}), text


def _text_item(item: str) -> tuple[frozenset[int], str]:
    found = _code(item) or _class(item)
    if found is None:
        raise ValueError(
            f"{quoted(item, 40)} is not an HTTP status (100..599), a list, or a class such as 2xx"
        )
    return found


def _toml_item(item: object) -> tuple[frozenset[int], str]:
    found = None
    if isinstance(item, int) and not isinstance(item, bool):
        found = _code(str(item))
    elif isinstance(item, str):
        found = _class(item.strip())
    if found is None:
        raise ValueError(
            "expected an HTTP status (100..599) such as 200, a class such as \"2xx\", or an"
            f" array of them, got {toml_shown(item)}"
        )
    return found


def toml_shown(value: object) -> str:
    """A TOML value as a user wrote it, capped: ``true``, ``30``, ``"30"``, ``an array``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return printable(repr(value), 40)
    if isinstance(value, str):
        return quoted(value, 40)
    return "an array" if isinstance(value, list) else "a table"


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
    if value is _MISSING:
        return "missing"
    try:
        return quoted(json.dumps(value), 80)[1:-1]
    except RecursionError:
        return "a value nested too deeply to show"


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
    def contains(cls, text: str) -> BodyMatch:
        """A substring matcher; the empty text is refused, since every body contains it."""
        if not text:
            raise ValueError("the text is empty, and every body contains it")
        return cls("contains", text)

    @classmethod
    def regex(cls, pattern: str) -> BodyMatch:
        """A regex matcher, compiled now so that a bad or degenerate pattern is a config error.

        A pattern that can match an empty string (``""``, ``|``, ``.*?``, ``$``) is refused: it
        would pass a body that lacks what the pattern looks for.
        """
        if search(pattern, "") is True:
            raise ValueError(
                f"{quoted(pattern, 40)} can match an empty string, so it would pass a body"
                " that lacks what it looks for: a regex must need at least one character (to"
                " expect an empty body, set the expected body to an empty text instead)"
            )
        return cls("regex", pattern)

    def mismatch(self, body: str) -> str | None:
        """Why ``body`` does not match, or None when it does."""
        stripped = body.strip()
        if self.kind == "exact" and stripped != self.text.strip():
            return "body differs"
        if self.kind == "contains" and self.text not in body:
            return "body does not contain it"
        if self.kind == "regex":
            return self._regex_mismatch(stripped)
        if self.kind == "json":
            return self._json_mismatch(body)
        return None

    def _regex_mismatch(self, stripped: str) -> str | None:
        found = search(self.text, stripped)
        if found == TIMED_OUT:
            return f"body does not match: {timed_out_note(len(stripped))}"
        return None if found else "body does not match"

    def _json_mismatch(self, body: str) -> str | None:
        try:
            document = json.loads(body)
        except ValueError:
            return "body is not JSON"
        except RecursionError:  # a hostile body: 64 KiB of [[[[ exhausts the parser's stack
            return "body is JSON nested too deeply to read"
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


HeaderKind = Literal["present", "equals", "regex"]


@dataclass(frozen=True)
class HeaderExpectation:
    """One response header: present, equal to a value, or matching a regex."""

    name: str
    kind: HeaderKind
    value: str = ""

    def mismatch(self, headers: Sequence[tuple[str, str]]) -> str | None:
        """Why the response's headers fail it, or None when they pass."""
        values = [v for k, v in headers if k.lower() == self.name.lower()]
        if not values:
            return f"no {self.name} header"
        if self.kind == "equals" and self.value not in values:
            return f"{self.name} is {quoted(values[0], 80)}"
        if self.kind == "regex":
            return self._regex_mismatch(values)
        return None

    def _regex_mismatch(self, values: Sequence[str]) -> str | None:
        found = [search(self.value, value) for value in values]
        if True in found:
            return None
        if TIMED_OUT in found:
            timed_out = values[found.index(TIMED_OUT)]
            return f"{self.name} is {quoted(timed_out, 80)}: {timed_out_note(len(timed_out))}"
        return f"{self.name} is {quoted(values[0], 80)}"

    def describe(self) -> str:
        """``a Set-Cookie header``, ``Content-Type "text/html"``, ``Cache-Control matching /x/``."""
        if self.kind == "present":
            return f"a {self.name} header"
        if self.kind == "equals":
            return f"{self.name} {quoted(self.value, 80)}"
        return f"{self.name} matching /{quoted(self.value, 80)[1:-1]}/"


@dataclass(frozen=True)
class Expectation:
    """One check: the request to make and what a passing response looks like."""

    path: str
    status: StatusMatch
    body: BodyMatch
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    request_body: str | None = None
    response_headers: tuple[HeaderExpectation, ...] = ()
    redirect: str | None = None  # the Location a 3xx must point to

    @property
    def request(self) -> str:
        """``GET /health_check``."""
        return f"{self.method} {self.path}"

    def describe(self) -> str:
        """``200 "OKAY"``, ``2xx``, ``200 with JSON with /status = "ok"``."""
        shown = self.status.text if self.body.kind == "any" else (
            f"{self.status.text} {self.body.describe()}")
        more = [h.describe() for h in self.response_headers]
        more += [f"redirecting to {quoted(self.redirect, 200)}"] if self.redirect else []
        return f"{shown} with {' and '.join(more)}" if more else shown
