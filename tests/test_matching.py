"""Status sets and body matchers (pure logic)."""

from __future__ import annotations

import pytest

from release_check.config.expectations import BodyMatch, StatusMatch


@pytest.mark.parametrize(("raw", "inside", "outside"), [
    (200, [200], [201]),
    ("204", [204], [200]),
    ([200, 204], [200, 204], [201]),
    ("200,204", [200, 204], [202]),
    ("2xx", [200, 204, 299], [199, 300]),
    ("3XX", [301], [200]),
])
def test_status_forms(raw: object, inside: list[int], outside: list[int]) -> None:
    """An int, a list, a comma list or a class such as 2xx each give the right set."""
    match = StatusMatch.parse(raw)
    assert all(code in match for code in inside)
    assert not any(code in match for code in outside)


@pytest.mark.parametrize("raw", ["6xx", "abc", "99", [200, "x"], True, [], ""])
def test_bad_status_is_refused(raw: object) -> None:
    """Anything but a status, a list of them or a class is a ValueError."""
    with pytest.raises(ValueError, match="status"):
        StatusMatch.parse(raw)


def test_exact_body_ignores_surrounding_whitespace() -> None:
    """The exact matcher strips both sides."""
    assert BodyMatch("exact", "OKAY").mismatch("\n OKAY \n") is None
    assert BodyMatch("exact", "OKAY").mismatch("OKAY!") is not None


def test_contains_and_regex() -> None:
    """Contains is a substring test; regex is re.search."""
    assert BodyMatch("contains", "ok").mismatch('{"status": "ok"}') is None
    assert BodyMatch("contains", "ok").mismatch("fine") is not None
    assert BodyMatch.regex(r"^v\d+\.\d+").mismatch("v1.22 up") is None
    assert BodyMatch.regex(r"^v\d+").mismatch("up v1") is not None


def test_bad_regex_is_a_value_error() -> None:
    """An invalid pattern is refused when the config is read."""
    with pytest.raises(ValueError, match="not a valid regex"):
        BodyMatch.regex("(unclosed")


def test_json_pointers_match_nested_members() -> None:
    """JSON Pointers reach nested objects, arrays and escaped keys."""
    body = '{"status": "ok", "db": {"connected": true}, "a/b": [1, {"x~y": 2}]}'
    match = BodyMatch.json_members({"/status": "ok", "/db/connected": True, "/a~1b/1/x~0y": 2})
    assert match.mismatch(body) is None


def test_json_mismatch_names_the_member() -> None:
    """A wrong or missing member is named with what was found."""
    match = BodyMatch.json_members({"/status": "ok"})
    assert match.mismatch('{"status": "degraded"}') == '/status is "degraded"'
    assert match.mismatch('{"other": 1}') == "/status is missing"
    assert match.mismatch("<html>") == "body is not JSON"


def test_json_true_is_not_one() -> None:
    """JSON true does not match an expected 1, and 1 matches 1.0."""
    assert BodyMatch.json_members({"/n": 1}).mismatch('{"n": true}') is not None
    assert BodyMatch.json_members({"/n": 1}).mismatch('{"n": 1.0}') is None


def test_json_pointer_must_start_with_a_slash() -> None:
    """A pointer without its leading slash is refused."""
    with pytest.raises(ValueError, match="must start with /"):
        BodyMatch.json_members({"status": "ok"})
