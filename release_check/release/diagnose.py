"""Diagnoses that turn observations into warnings or failures, each naming a cause and fix."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from release_check.checking import Outcome
from release_check.reports import MEGABYTE, Memory, Shutdown
from release_check.sockets import (
    ANY_V6,
    Listener,
    Target,
    describe,
    endpoint,
    endpoints,
    ip_of,
)

R10_BOOT_LIMIT = 60.0
SLOW_BOOT_SHARE = 0.75
R12_EXIT_LIMIT = 30.0


def _loopback(address: str) -> bool:
    ip = ip_of(address)
    return ip is not None and ip.is_loopback


def _takes_ipv4(listener: Listener) -> bool:
    """Whether a router connecting over IPv4 to the dyno's own address reaches the socket."""
    if listener.address == ANY_V6:
        return listener.v6only is not True  # unknown counts as dual-stack: no warning on a guess
    ip = ip_of(listener.address)
    return ip is not None and ip.version == 4 and not ip.is_loopback


def wrong_port(label: str, port: int, listeners: Sequence[Listener]) -> str:
    """The app listens, but elsewhere than $PORT (only the other ports are named)."""
    elsewhere = [lst for lst in listeners if lst.port != port]
    return (
        f"{label} listens on {describe(elsewhere)} but not on $PORT ({port}):"
        " the app must bind the port given in $PORT, not a fixed one"
    )


def wrong_address(label: str, target: Target, on_port: Sequence[Listener]) -> str:
    """The app listens on $PORT, but not at the address the check was told to connect to."""
    shown = endpoint(target.address, target.port)
    host = target.host if target.host == target.address else f"{target.host} ({target.address})"
    if not target.explicit:
        return f"{label} listens on $PORT at {endpoints(on_port)}, but refused a connection there"
    return (
        f"RELEASE_CHECK_HOST is {host}, but {label} listens on $PORT only at"
        f" {endpoints(on_port)}, which does not take connections to {shown}: unset"
        " RELEASE_CHECK_HOST to connect where the app listens, or bind the app to that address"
    )


def loopback_only(label: str, serving: Sequence[Listener]) -> str | None:
    """The app answers, but only on loopback, where Heroku's router cannot reach it."""
    if not serving or not all(_loopback(lst.address) for lst in serving):
        return None
    return (
        f"{label} listens only on {endpoints(serving)}:"
        " Heroku's router cannot reach a loopback address; bind 0.0.0.0 (or :: on"
        " Fir-generation apps), as in flask run --host 0.0.0.0, uvicorn --host 0.0.0.0,"
        " Node's listen(port) with no host"
    )


def allow_loopback(failure: str) -> str:
    """The loopback failure, with the setting that lets a run pass it anyway."""
    return (f"{failure} (RELEASE_CHECK_ALLOW_LOOPBACK=1 passes it with a warning, for a process"
            " no router reaches)")


def ipv6_only(label: str, serving: Sequence[Listener]) -> str | None:
    """Only IPv6 reaches the app from outside: Fir's router can, Cedar's (over IPv4) cannot."""
    if all(_loopback(lst.address) for lst in serving) or any(map(_takes_ipv4, serving)):
        return None
    v6only = " (IPv6-only: IPV6_V6ONLY is set, as asyncio servers do)" if any(
        lst.address == ANY_V6 for lst in serving) else ""
    return (
        f"{label} listens on $PORT at {endpoints(serving)}{v6only}, which only IPv6 reaches:"
        " Heroku's Cedar-generation router connects to dynos over IPv4 and would get no answer,"
        " while Fir-generation dynos must bind [::]:$PORT (IPv6). To serve both, listen on a"
        " dual-stack :: socket (gunicorn or hypercorn --bind [::]:$PORT; uvicorn as a"
        " gunicorn worker)"
    )


def slow_boot(label: str, listening_s: float) -> str | None:
    """Booting took most of Heroku's R10 limit: a slightly slower dyno will be killed."""
    if listening_s <= SLOW_BOOT_SHARE * R10_BOOT_LIMIT:
        return None
    return (
        f"{label} took {listening_s:.1f}s to listen: Heroku's R10 kills a web dyno that has not"
        f" bound $PORT within {R10_BOOT_LIMIT:.0f} s"
    )


def hidden_sockets(port: int, hidden: int) -> str | None:
    """Processes of other users hid their sockets: a server sharing the port could go unseen."""
    if not hidden:
        return None
    return (
        f"could not check whether another server shares port {port}: {hidden:,} process(es) of"
        " other users hide their sockets from this user (this OS lists them to root only), so"
        " one sharing the port through SO_REUSEPORT would go unnoticed; run as root to check"
        " them all"
    )


def ignored_sigterm(label: str, shutdown: Shutdown, grace: float) -> str | None:
    """Something outlived SIGTERM and was killed: restarts will cut requests."""
    if not shutdown.killed:
        return None
    return (
        f"{label} ignored SIGTERM: {shutdown.killed} process(es) still ran after the {grace:g}s"
        f" grace and were killed; Heroku sends SIGKILL {R12_EXIT_LIMIT:.0f} s after SIGTERM (R12)"
        " at every restart and deploy, cutting in-flight requests"
    )


def over_memory(
    label: str, peak: Memory | None, limit_mb: float | None, source: str
) -> str | None:
    """The tree's peak memory exceeded the limit set by ``source`` (a flag, variable or key)."""
    if peak is None or limit_mb is None or peak.bytes <= limit_mb * MEGABYTE:
        return None
    return (
        f"{label} peaked at {peak.bytes / MEGABYTE:.1f} MB ({peak.kind.upper()}) over the"
        f" {limit_mb:g} MB limit ({source}): on Heroku a Standard-1X dyno has 512 MB"
        " (R14 over quota, R15 killed at 1 GB)"
    )


DEFAULT_PATH = "/health_check"


def _slashed(outcome: Outcome, path: str) -> str | None:
    """The path with a slash added, if the app redirects there (Django's APPEND_SLASH)."""
    if outcome.location is None:
        return None
    target, slashed = urlsplit(outcome.location), urlsplit(path).path + "/"
    return slashed if target.scheme in {"", "http"} and target.path == slashed else None


def _not_found(path: str) -> str:
    if path == DEFAULT_PATH:
        return (f"the app has no {DEFAULT_PATH} route: add one that answers 200 OKAY, or set"
                " RELEASE_CHECK_PATH to a route it has (and RELEASE_CHECK_EXPECTED_BODY to what"
                " that answers)")
    return f"the app has no route at {path}: check RELEASE_CHECK_PATH"


def hint(outcome: Outcome, path: str) -> str | None:
    """What to try when the app redirects (3xx), rejects the request (400, 404) or is down (503).

    ``path`` is the path requested.
    """
    redirect = outcome.status is not None and 300 <= outcome.status < 400
    if redirect and (slashed := _slashed(outcome, path)):
        return (f"the app adds a slash to the path (Django's APPEND_SLASH): set"
                f" RELEASE_CHECK_PATH={slashed}")
    if redirect:
        return (
            "an app that forces HTTPS redirects plain requests: release-check sends"
            " X-Forwarded-Proto: https unless RELEASE_CHECK_ROUTER_HEADERS=0, so make the app"
            " trust it (Django SECURE_PROXY_SSL_HEADER, Rails assume_ssl) or exempt the path"
        )
    if outcome.status == 404:
        return _not_found(path)
    if outcome.status == 503:
        return (
            "a health view answers 503 for as long as a service it checks is down (health"
            " libraries do when the database or cache is unreachable): the body may name it;"
            " check the config vars that point at it"
        )
    if outcome.status == 400:
        return (
            "a Host allow-list (Django ALLOWED_HOSTS) answers 400 to an unknown host: set"
            " RELEASE_CHECK_HOST_HEADER to an allowed host, or RELEASE_CHECK_HEADERS for others"
        )
    return None


_SHOWN_SURVIVORS = 5


def unstoppable(label: str, shutdown: Shutdown) -> str | None:
    """Processes outlived even SIGKILL (or kept forking away from it): they may hold the port."""
    survivors = shutdown.survivors
    if not survivors:
        return None
    shown = ", ".join(survivors[:_SHOWN_SURVIVORS]) + (
        ", ..." if len(survivors) > _SHOWN_SURVIVORS else "")
    return (
        f"could not stop {len(survivors)} process(es) of {label}, even with SIGKILL: {shown};"
        " they may still hold the port and memory"
    )


def hidden_ready_line(pattern: str) -> str:
    """Why a running process may never print its ready line: a log level that hides it."""
    if "celery" in pattern.lower():
        return ("; Celery prints its ready line at INFO, which its default log level (WARNING)"
                " hides: run the worker with --loglevel=info")
    return "; if it logs that line at a level its command hides, raise its log level"
