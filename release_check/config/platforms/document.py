"""A platform's file, parsed by its format's own library, and its values checked one by one.

The file was written for another tool, and YAML and JSON give values of any type, so nothing
reaches a Config unchecked: every accessor names the file and the key when a value is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from release_check.config.expectations import header_problem, path_problem
from release_check.config.limits import arg_problem, number_problem
from release_check.config.reading import read_text
from release_check.text import printable

# Go's time.ParseDuration, which flyctl uses: "5s", "500ms", "1m30s".
_DURATION_PART = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0,
                 "m": 60.0, "h": 3600.0}
# Real platform files nest a handful of levels and hold a few hundred values; these bounds keep
# a hostile one (a YAML alias bomb, a document nested a thousand deep) from costing more.
MAX_DEPTH = 64
MAX_VALUES = 100_000
MAX_COUNT = 10_000


class BadFile(ValueError):
    """A platform file release-check cannot use; the message names the file and the key."""


@dataclass(frozen=True)
class Node:
    """One value of a platform file and where it sits: ``fly.toml: http_service.checks[1]``."""

    value: Any
    file: str
    key: str = ""

    @property
    def where(self) -> str:
        """The file and the key, as error messages name them."""
        return f"{self.file}: {self.key}" if self.key else self.file

    @property
    def present(self) -> bool:
        """Whether the file sets this key at all."""
        return self.value is not None

    def bad(self, problem: str) -> BadFile:
        """The error for this value."""
        return BadFile(f"{self.where}: {problem}")

    def __getitem__(self, name: str) -> Node:
        """The member ``name`` of this table; absent (None) when the table has none."""
        value = self.value.get(name) if isinstance(self.value, dict) else None
        return Node(value, self.file, f"{self.key}.{name}" if self.key else name)

    def names(self) -> list[str]:
        """The keys of this table, as written."""
        return [str(key) for key in self.table()]

    def table(self) -> dict[Any, Any]:
        """The value as a table (a missing one is empty)."""
        if self.value is None:
            return {}
        if not isinstance(self.value, dict):
            raise self.bad(f"must be a table, not {_kind(self.value)}")
        return self.value

    def items(self) -> list[Node]:
        """The value as a list, each item a Node numbered from 1 (a missing one is empty)."""
        if self.value is None:
            return []
        if not isinstance(self.value, list):
            raise self.bad(f"must be a list, not {_kind(self.value)}")
        return [Node(item, self.file, f"{self.key}[{number}]")
                for number, item in enumerate(self.value, start=1)]

    def tables(self) -> list[Node]:
        """The value as a list of tables."""
        found = self.items()
        for item in found:
            item.table()
        return found

    def text(self) -> str | None:
        """A string, or None when absent."""
        if self.value is None:
            return None
        if not isinstance(self.value, str):
            raise self.bad(f"must be a string, not {_kind(self.value)}")
        return self.value

    def command(self) -> str | None:
        """A shell command: a non-empty string."""
        command = self.text()
        if command is not None and not command.strip():
            raise self.bad("the command is empty")
        problem = arg_problem(command) if command is not None else None
        if problem:
            raise self.bad(f"the command {problem}")
        return command

    def seconds(self, *, zero_ok: bool = False) -> float | None:
        """A number of seconds (an int or a float, not a string), or None when absent."""
        if self.value is None:
            return None
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise self.bad(f"must be a number of seconds, not {_kind(self.value)}")
        return self._checked(float(self.value), zero_ok=zero_ok)

    def count(self) -> int | None:
        """A positive whole number, or None when absent."""
        if self.value is None:
            return None
        if isinstance(self.value, bool) or not isinstance(self.value, int) or self.value < 1:
            raise self.bad(f"must be a positive whole number, not {_shown(self.value)}")
        if self.value > MAX_COUNT:  # a count multiplies a wait: keep the product a float
            raise self.bad(f"{_shown(self.value)} is more than {MAX_COUNT}")
        return self.value

    def duration(self) -> float | None:
        """A Go duration string such as ``"5s"`` or ``"500ms"``, in seconds."""
        if self.value is None:
            return None
        if not isinstance(self.value, str):
            raise self.bad(
                f"must be a duration string such as \"5s\", not {_kind(self.value)}"
                " (flyctl reads a bare number as nanoseconds)"
            )
        text = self.value.strip()
        parts = _DURATION_PART.findall(text)
        if text == "0":
            return 0.0
        if not parts or "".join(number + unit for number, unit in parts) != text:
            raise self.bad(f"{_shown(self.value)} is not a duration such as \"5s\" or \"500ms\"")
        return self._checked(sum(float(n) * _UNIT_SECONDS[u] for n, u in parts), zero_ok=True)

    def port(self) -> int | None:
        """A TCP port, 1..65535."""
        if self.value is None:
            return None
        if isinstance(self.value, bool) or not isinstance(self.value, int) or not (
            1 <= self.value <= 65535
        ):
            raise self.bad(f"{_shown(self.value)} is not a port number (1..65535)")
        return self.value

    def path(self) -> str | None:
        """A request path starting with /."""
        path = self.text()
        problem = path_problem(path) if path is not None else None
        if problem:
            raise self.bad(f"{_shown(path)} {problem}")
        return path

    def variable(self, name: object) -> tuple[str, str]:
        """The value as environment variable ``name``'s: a string, number or boolean as written.

        Never echoed: an environment value may be a token.
        """
        if not isinstance(name, str) or not name or "=" in name or "\0" in name:
            raise self.bad(f"its variable name, {_shown(name)}, is not a non-empty string"
                           " without '='")
        if not isinstance(self.value, str | int | float):  # bool is an int
            raise self.bad(f"must be a string, not {_kind(self.value)}")
        value = (str(self.value).lower() if isinstance(self.value, bool)
                 else str(self.value))
        problem = arg_problem(f"{name}={value}")
        if problem:
            raise self.bad(f"the value {problem}")
        return name, value

    def header(self, name: object) -> tuple[str, str]:
        """The value as the value of header ``name``; never echoed (headers carry tokens)."""
        if not isinstance(name, str) or not isinstance(self.value, str):
            raise self.bad("a header's name and value must be strings")
        problem = header_problem(name, self.value)
        if problem:
            raise self.bad(problem)
        return name, self.value

    def _checked(self, seconds: float, *, zero_ok: bool) -> float:
        problem = number_problem(seconds, "seconds", zero_ok=zero_ok)
        if problem:
            raise self.bad(f"{_shown(self.value)} {problem}")
        return seconds


def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _shown(value: object) -> str:
    """A scalar as written, capped; a list or table by its kind alone (its repr may be huge)."""
    if isinstance(value, str | int | float | bool) or value is None:
        return printable(repr(value)[:80], 40)
    return _kind(value)


def _read(path: Path, name: str) -> str:
    try:
        return read_text(path)
    except (OSError, UnicodeDecodeError) as error:
        raise BadFile(f"cannot read {name}: {error}") from None


def _bounded(document: Any, name: str) -> Node:
    """The document, refused if nested too deep or too large once its aliases are expanded.

    Walked without recursion, and stopped at the bound: a YAML alias bomb is a small graph
    whose expansion would never end.
    """
    stack: list[tuple[Any, int]] = [(document, 1)]
    seen = 0
    while stack:
        value, depth = stack.pop()
        seen += 1
        if depth > MAX_DEPTH:
            raise _too_deep(name)
        if seen > MAX_VALUES:
            raise BadFile(f"{name} holds more than {MAX_VALUES} values (YAML aliases count each"
                          " time they are used): far beyond any real platform file")
        members = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict | list):
            stack.extend((member, depth + 1) for member in members)
    return Node(document, name)


def _too_deep(name: str) -> BadFile:
    """Refused before the parsers' own recursion gives out, or when it does."""
    return BadFile(f"{name} is nested more than {MAX_DEPTH} levels deep: far beyond any real"
                   " platform file")


def toml_file(path: Path, name: str) -> Node:
    """A TOML file's document (tomllib)."""
    import tomllib  # noqa: PLC0415  (only a run that has the file pays for the import)

    # ValueError: TOMLDecodeError, or an integer of over 4300 digits
    return _parsed(path, name, tomllib.loads, "TOML")


def json_file(path: Path, name: str) -> Node:
    """A JSON file's document (the standard json module)."""
    return _parsed(path, name, json.loads, "JSON")


def _parsed(path: Path, name: str, parse: Callable[[str], Any], kind: str) -> Node:
    """The file parsed and bounded; a parser's ValueError or recursion is a BadFile."""
    text = _read(path, name)
    try:
        document = parse(text)
    except ValueError as error:
        raise BadFile(f"{name} is not valid {kind}: {error}") from None
    except RecursionError:
        raise _too_deep(name) from None
    return _bounded(document, name)


def yaml_file(path: Path, name: str) -> Node:
    """A YAML file's document (PyYAML's safe loader: plain data, never Python objects)."""
    import yaml  # noqa: PLC0415  (only a run that has the file pays for the import)

    text = _read(path, name)
    try:
        document = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as error:  # ValueError: an integer of 4300+ digits
        detail = " ".join(str(error).split())
        raise BadFile(f"{name} is not valid YAML: {detail}") from None
    except RecursionError:
        raise _too_deep(name) from None
    return _bounded(document, name)
