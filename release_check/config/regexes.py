"""User regexes (body, response header, ready line), run by the ``regex`` package in bounded time.

``regex`` backtracks, as Python's ``re`` does, but every search takes a timeout, so a hostile
body or line cannot hold the release: a search that runs out of time counts as no match, and
the verdict says why (docs/decisions.md). Compiling is bounded by refusing patterns that would
expand to a huge program (``((a{1000}){1000}){1000}`` exhausts memory otherwise).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from release_check.text import printable, quoted

if TYPE_CHECKING:
    import regex

__all__ = ["MATCH_TIMEOUT", "TIMED_OUT", "compiled_regex", "search", "timed_out_note"]

# A legal search of 64 KiB takes well under a millisecond; a quarter second is hundreds of times
# that on a loaded machine, and short enough that a backtracking pattern costs little.
MATCH_TIMEOUT = 0.25
MAX_REPEAT = 1000  # as RE2 allowed: existing patterns keep working
MAX_EXPANDED = 100_000  # atoms after expanding counted repetitions: compiles in about 0.1 s
TIMED_OUT = "timed out"


@lru_cache(maxsize=64)
def compiled_regex(pattern: str) -> regex.Pattern[str]:
    """``pattern`` compiled, or ValueError naming why it is refused."""
    import regex  # noqa: PLC0415  (only a run with a regex pays for loading it)

    size = _expanded_size(pattern)
    if size > MAX_EXPANDED:
        raise ValueError(
            f"{quoted(pattern, 40)} expands its counted repetitions to about {size:,} steps"
            f" (at most {MAX_EXPANDED:,}): nest fewer {{n}} counts or make them smaller"
        )
    try:
        return regex.compile(pattern)
    except regex.error as error:
        raise ValueError(
            f"{quoted(pattern, 40)} is not a valid regex: {printable(str(error), 80)}"
        ) from None
    except RecursionError:  # the compiler recurses once per nested group
        raise ValueError(f"{quoted(pattern, 40)} nests its groups too deeply to compile") from None


def search(pattern: str, text: str) -> bool | str:
    """Whether ``pattern`` is found in ``text``; TIMED_OUT when the search ran out of time."""
    try:
        return compiled_regex(pattern).search(text, timeout=MATCH_TIMEOUT) is not None
    except TimeoutError:
        return TIMED_OUT


def timed_out_note(length: int) -> str:
    """The reason shown when a search of ``length`` characters ran out of time."""
    return (f"the regex search of {length:,} characters timed out after {MATCH_TIMEOUT:g} s"
            " (the pattern backtracks on this text), so it counts as no match")


def _expanded_size(pattern: str) -> int:
    """Roughly how many atoms ``pattern`` is once its ``{m,n}`` counts are expanded."""
    frames: list[list[int]] = [[]]  # the atom sizes of each open group
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "(":
            frames.append([])
        elif char == ")" and len(frames) > 1:
            frames[-2].append(sum(frames.pop()) + 1)
        elif char == "{" and frames[-1] and (count := _count(pattern, index)) is not None:
            frames[-1][-1] *= max(count, 1)
            index = pattern.index("}", index)
        else:
            frames[-1].append(1)
            index = _atom_end(pattern, index) - 1
        index += 1
    return sum(sum(frame) for frame in frames)


def _count(pattern: str, start: int) -> int | None:
    """The upper count of the ``{m,n}`` at ``start`` (``m`` when open), or None if not one."""
    end = pattern.find("}", start)
    bounds = pattern[start + 1:end].split(",") if end > 0 else []
    if not 1 <= len(bounds) <= 2 or not any(bounds) or not all(b.isdigit() for b in bounds if b):
        return None
    counts = [int(b) for b in bounds if b]
    if max(counts) > MAX_REPEAT:
        raise ValueError(f"{quoted(pattern, 40)} has a repetition count of {max(counts)}"
                         f" (at most {MAX_REPEAT})")
    return max(counts)


def _atom_end(pattern: str, start: int) -> int:
    """Where the escape or character class at ``start`` ends (``start + 1`` for a plain one)."""
    if pattern[start] == "\\":
        braced = pattern[start + 1:start + 3] in ("p{", "P{", "N{", "x{")  # \p{L}: one atom
        closing = pattern.find("}", start) if braced else -1
        return closing + 1 if closing > 0 else start + 2
    if pattern[start] == "[":
        index = start + (2 if pattern[start + 1:start + 2] in ("]", "^") else 1)
        while index < len(pattern) and pattern[index] != "]":
            index += 2 if pattern[index] == "\\" else 1
        return index + 1
    return start + 1
