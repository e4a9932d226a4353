"""The proxy variables probe and watch honour, checked before the client reads them.

httpx reads ``HTTP_PROXY``, ``HTTPS_PROXY`` and ``ALL_PROXY`` (any case) when it builds its
client, and a value it cannot use ends in a traceback quoting it: a password holding ``/`` cut
the URL into a host and a "port" made of the password's start, and a ``socks5://`` or
``ftp://`` proxy failed inside httpx. Each is a usage error here, naming the variable, never its
value (a proxy URL often holds credentials).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from release_check.errors import UsageError

_NAMES = ("http_proxy", "https_proxy", "all_proxy")
_SCHEMES = ("http", "https")


def check_proxies(environ: Mapping[str, str]) -> None:
    """Raise UsageError for the first proxy variable httpx would read and could not use."""
    if "*" in _no_proxy(environ):
        return  # httpx then ignores every proxy variable
    for name, value in sorted(environ.items()):
        if value and name.lower() in _NAMES:
            problem = _problem(value)
            if problem:
                raise UsageError(f"{name}: {problem}; its value is not shown, it may hold a"
                                 " password")


def _no_proxy(environ: Mapping[str, str]) -> list[str]:
    raw = ",".join(v for k, v in environ.items() if k.lower() == "no_proxy")
    return [host.strip() for host in raw.split(",")]


def _problem(value: str) -> str | None:
    """Why ``value`` is no proxy httpx can use, or None; a bare host means http://, as there."""
    raw = value if "://" in value else f"http://{value}"
    try:
        url = httpx.URL(raw)
    except httpx.InvalidURL:
        return ("not a valid proxy URL (a password holding / ? # or @ must be percent-encoded:"
                " %2F %3F %23 %40)")
    if url.scheme not in _SCHEMES:
        return f"{url.scheme}:// proxies are not supported; use an http:// or https:// proxy"
    if not url.host or "@" in url.path or url.query or url.fragment:
        return ("not a valid proxy URL (a password holding / ? # or @ must be percent-encoded:"
                " %2F %3F %23 %40)")
    return None
