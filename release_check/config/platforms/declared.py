"""What one platform file declares about the check, the port and the start command."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from release_check.config.expectations import BodyMatch, Expectation, StatusMatch

TWO_XX = StatusMatch(frozenset(range(200, 300)), "2xx")
TWO_OR_THREE_XX = StatusMatch(frozenset(range(200, 400)), "2xx or 3xx")
OK_ONLY = StatusMatch(frozenset({200}), "200")


def http_check(
    path: str, status: StatusMatch, contains: str | None = None,
    headers: tuple[tuple[str, str], ...] = (), method: str = "GET",
) -> Expectation:
    """A platform's HTTP check: a path, the statuses it accepts, perhaps a body substring."""
    body = BodyMatch("contains", contains) if contains else BodyMatch()
    return Expectation(path, status, body, "HEAD" if method == "HEAD" else "GET", headers)


@dataclass(frozen=True)
class Declared:
    """A platform file's values for release-check's settings; None where the file is silent.

    ``sources`` names the key each value came from (``fly.toml http_service.internal_port``),
    by Config field; ``where`` names where the checks are. ``environment`` holds the plain
    variables the platform gives the app (never secrets, which the file does not hold).
    ``no_command`` is the message for a project that has neither a Procfile nor a start
    command in this file.
    """

    platform: str
    file: str
    where: str = ""
    checks: tuple[Expectation, ...] = ()
    request_timeout: float | None = None
    timeout: float | None = None
    min_timeout: float | None = None
    uptime: float | None = None
    host_header: str | None = None
    port: int | None = None
    web_command: str | None = None
    environment: tuple[tuple[str, str], ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)
    no_command: str = ""
    warnings: tuple[str, ...] = ()
