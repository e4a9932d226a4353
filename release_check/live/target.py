"""What probe and watch share: the deployed app's URL, what passes, and a client for the internet.

Unlike the release check, which talks to a process it started on 127.0.0.1, these talk to a
live app through whatever network the deploy script runs in: the client honours the usual
proxy variables (``HTTPS_PROXY``, ``NO_PROXY``...) and, when asked, follows redirects.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from release_check.checking import client
from release_check.config import BY_KEY, Expectation, load
from release_check.errors import Interrupted, UsageError
from release_check.live.proxies import check_proxies
from release_check.text import printable, signal_name

_MATCHING = ("expected_status", "expected_body", "body_contains", "body_regex")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]{0,20}://")
_QUOTED = re.compile(r"[:'\"]")  # where httpx's reasons start quoting the URL's text


@dataclass(frozen=True)
class LiveTarget:
    """A deployed app's URL and what a passing answer from it looks like."""

    url: str
    expected: Expectation
    request_timeout: float
    follow_redirects: bool

    def client(self) -> httpx.Client:
        """A client that honours proxy variables and follows redirects only when asked."""
        return client(internet=True, follow_redirects=self.follow_redirects)


def _setting_parser(field: str) -> Callable[[str], Any]:
    """The validating parser the release check uses for ``field``, as an argparse type."""
    parse = BY_KEY[field].parse

    def argument_type(raw: str) -> Any:
        try:
            return parse(raw)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return argument_type


seconds = _setting_parser("timeout")


def add_live_arguments(parser: argparse.ArgumentParser) -> None:
    """The URL, the matching flags and the per-request options, shared by probe and watch."""
    parser.add_argument("url", metavar="URL", help="full http(s) URL of the health path")
    for setting in (BY_KEY[field] for field in _MATCHING):
        parser.add_argument(setting.flag, dest=setting.field, metavar=setting.metavar,
                            help=f"{setting.help} [{setting.env}]")
    parser.add_argument("--request-timeout", metavar="SECONDS", type=seconds, default=5.0,
                        help="seconds each request may take (default: 5)")
    parser.add_argument("--follow-redirects", action="store_true",
                        help="follow redirects (default: a redirect is an answer, and fails)")


def live_target(args: argparse.Namespace, environ: Mapping[str, str]) -> LiveTarget:
    """Validate the URL and what passes, as the release check does (flag > variable > default).

    Only the matching settings are read from the environment: the release check's others
    (its timeout, its path) describe the release phase, not this request.
    """
    flags = {field: getattr(args, field) for field in _MATCHING}
    names = [BY_KEY[field].env for field in _MATCHING]
    config = load(flags, {name: environ[name] for name in names if name in environ})
    url = _checked_url(args.url)
    check_proxies(environ)
    expected = config.expectation(shown_url(url))
    return LiveTarget(url, expected, args.request_timeout, args.follow_redirects)


def _checked_url(raw: str) -> str:
    try:
        url = httpx.URL(raw)
    except httpx.InvalidURL as error:
        raise UsageError(
            f"URL: {shown_url(raw)} is not a valid URL ({_parser_reason(error)}; the rest is not"
            " shown: it may hold a password)"
        ) from None
    if url.scheme not in ("http", "https") or not url.host:
        raise UsageError(f"URL: {shown_url(raw)} must be an http:// or https:// URL with a host")
    return raw


def _parser_reason(error: httpx.InvalidURL) -> str:
    """The parser's reason, without the part of the URL it quotes (``Invalid port: 's3c'``)."""
    return _QUOTED.split(str(error), maxsplit=1)[0].strip(" ,.:") or "rejected by httpx"


def shown_url(raw: str) -> str:
    """The URL as it may appear in a log: no user, password or query (tokens live there).

    A password holding ``/``, ``?`` or ``#`` ends the host early (``alice:s3c/retPW@host`` reads
    as host ``alice``, port ``s3c``), so a URL that does not parse, or that still holds an ``@``
    once its user and password are gone, is shown as its scheme alone: its parts cannot be told
    apart safely.
    """
    try:
        url = httpx.URL(raw)
    except httpx.InvalidURL:
        return _scheme_only(raw)
    if b"@" in url.raw_path or "@" in url.fragment:
        return _scheme_only(raw)
    cleaned = str(url.copy_with(userinfo=b"", query=None, fragment=None))
    return printable(cleaned + ("?…" if url.query else ""), 200)


def _scheme_only(raw: str) -> str:
    known = _SCHEME.match(raw)
    return f"{printable(known.group(0), 30)}…" if known else "…"


def stopped_by(error: Interrupted) -> str:
    """``SIGINT``: the name of the signal that interrupted a run."""
    return signal_name(error.signum)
