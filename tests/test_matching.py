"""Status sets and body matchers (pure logic)."""

from __future__ import annotations

import re
import time

import pytest

from release_check.config.expectations import BodyMatch, HeaderExpectation, StatusMatch
from release_check.config.processes import ProcessSpec


@pytest.mark.parametrize(("raw", "inside", "outside"), [
    ("204", [204], [200]),
    ("200,204", [200, 204], [202]),
    ("2xx", [200, 204, 299], [199, 300]),
    ("3XX", [301], [200]),
    ("200, 3xx", [200, 301], [201]),
])
def test_status_text_forms(raw: str, inside: list[int], outside: list[int]) -> None:
    """A variable's text: a code, a comma list, a class such as 2xx, or codes and classes."""
    match = StatusMatch.parse(raw)
    assert all(code in match for code in inside)
    assert not any(code in match for code in outside)


@pytest.mark.parametrize(("value", "inside", "outside"), [
    (200, [200], [201]),
    ([200, 204], [200, 204], [201]),
    ("2xx", [200, 299], [300]),
    ([204, "3xx"], [204, 302], [200]),
])
def test_status_toml_forms(value: object, inside: list[int], outside: list[int]) -> None:
    """A TOML value: an integer, a class string, or an array of them."""
    match = StatusMatch.from_toml(value)
    assert all(code in match for code in inside)
    assert not any(code in match for code in outside)


@pytest.mark.parametrize("raw", ["6xx", "abc", "99", "200,x", ""])
def test_bad_status_text_is_refused(raw: str) -> None:
    """Anything but a status, a list of them or a class is a ValueError."""
    with pytest.raises(ValueError, match="status"):
        StatusMatch.parse(raw)


@pytest.mark.parametrize("value", ["200", [200, "x"], True, [], 99, 2.0, {"a": 1}])
def test_bad_status_toml_is_refused(value: object) -> None:
    """A string code, a boolean, an empty array or a float is refused: TOML values are typed."""
    with pytest.raises(ValueError, match="status"):
        StatusMatch.from_toml(value)


def test_exact_body_ignores_surrounding_whitespace() -> None:
    """The exact matcher strips both sides."""
    assert BodyMatch("exact", "OKAY").mismatch("\n OKAY \n") is None
    assert BodyMatch("exact", "OKAY").mismatch("OKAY!") is not None


def test_contains_and_regex() -> None:
    """Contains is a substring test; regex searches the body stripped of surrounding space."""
    assert BodyMatch.contains("ok").mismatch('{"status": "ok"}') is None
    assert BodyMatch.contains("ok").mismatch("fine") is not None
    assert BodyMatch.regex(r"^v\d+\.\d+").mismatch("v1.22 up") is None
    assert BodyMatch.regex(r"^v\d+").mismatch("up v1") is not None
    assert BodyMatch.regex(r"^v\d+ up$").mismatch("\n v12 up\n") is None


def test_hostile_pattern_and_body_fail_in_bounded_time_with_a_reason() -> None:
    """(a+)+$ against 64 KiB of a's and a b (years of backtracking) fails in bounded time."""
    started = time.monotonic()
    reason = BodyMatch.regex("(a+)+$").mismatch("a" * 65_536 + "b")
    assert time.monotonic() - started < 5
    assert reason == ("body does not match: the regex search of 65,537 characters timed out"
                      " after 0.25 s (the pattern backtracks on this text), so it counts as"
                      " no match")


def test_hostile_header_value_fails_in_bounded_time_with_a_reason() -> None:
    """A header regex that backtracks on the response's value fails quickly, saying so."""
    expectation = HeaderExpectation("X-Id", "regex", "(a+)+$")
    started = time.monotonic()
    reason = expectation.mismatch([("x-id", "a" * 4096 + "b")])
    assert time.monotonic() - started < 5
    assert reason is not None
    assert reason.startswith('X-Id is "aaaa') and reason.endswith(
        "timed out after 0.25 s (the pattern backtracks on this text), so it counts as no match")


def test_hostile_output_line_is_not_a_ready_line() -> None:
    """A ready regex that backtracks on a line of output counts it as not ready, quickly."""
    spec = ProcessSpec("worker", ready="^(a|a)+$")  # 2**1000 ways to fail on 1000 a's and a b
    started = time.monotonic()
    assert not spec.matches("a" * 1000 + "b")
    assert time.monotonic() - started < 5
    assert spec.matches("a" * 1000)


@pytest.mark.parametrize(("pattern", "refused"), [
    ("((a{1000}){1000}){1000}", "expands its counted repetitions to about 1,001,001,000"),
    (r"(\d{100}){1001}", "has a repetition count of 1001 (at most 1000)"),
])
def test_regex_too_big_to_compile_is_refused(pattern: str, refused: str) -> None:
    """A pattern whose counts expand past what compiles in a moment is a config error, at once."""
    started = time.monotonic()
    with pytest.raises(ValueError, match=re.escape(refused)):
        BodyMatch.regex(pattern)
    assert time.monotonic() - started < 5


def test_counted_repetitions_within_the_bounds_compile() -> None:
    """Counts up to 1000, and nested counts up to 100,000 steps, are valid regexes."""
    assert BodyMatch.regex(r"^\p{L}{1000}$").mismatch("é" * 1000) is None
    assert BodyMatch.regex(r"(ab{10}){100}").mismatch(("a" + "b" * 10) * 100) is None


def test_deeply_nested_json_body_is_a_mismatch() -> None:
    """A body of 64 KiB of [ fails as a mismatch; the JSON parser's RecursionError never escapes."""
    match = BodyMatch.json_members({"/a": 1})
    assert match.mismatch("[" * 65_536) == "body is JSON nested too deeply to read"


def test_json_nested_just_deep_enough_to_read_is_never_a_crash() -> None:
    """At every depth around the parser's limit, the root's mismatch is shown or summarised."""
    root = BodyMatch.json_members({"": 1})
    for depth in range(900, 1100):
        assert root.mismatch("[" * depth + "]" * depth) is not None


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


@pytest.mark.parametrize("pattern", ["(" * 5000 + "a" + ")" * 5000,
                                     "(?:" * 5000 + "a" + ")" * 5000])
def test_regex_nested_too_deeply_is_refused_not_a_crash(pattern: str) -> None:
    """Groups nested thousands deep are a config error, not the compiler's RecursionError."""
    with pytest.raises(ValueError, match="nests its groups too deeply to compile"):
        BodyMatch.regex(pattern)
