"""Diagnoses that turn observations into warnings or failures, each naming a cause and fix."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from release_check.checking import Outcome
from release_check.release.ports import Listener
from release_check.release.record import MEGABYTE, Memory, Shutdown

R10_BOOT_LIMIT = 60.0
SLOW_BOOT_SHARE = 0.75
R12_EXIT_LIMIT = 30.0


def _loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def describe(listeners: Sequence[Listener]) -> str:
    """``0.0.0.0:8000 (pid 12, gunicorn)`` for each listener, joined."""
    return ", ".join(lst.describe() for lst in listeners)


def wrong_port(label: str, port: int, listeners: Sequence[Listener]) -> str:
    """The app listens, but elsewhere than $PORT."""
    return (
        f"{label} listens on {describe(listeners)} but not on $PORT ({port}):"
        " the app must bind the port given in $PORT, not a fixed one"
    )


def loopback_only(label: str, serving: Sequence[Listener]) -> str | None:
    """The app answers, but only on loopback, where Heroku's router cannot reach it."""
    if not serving or not all(_loopback(lst.address) for lst in serving):
        return None
    return (
        f"{label} listens only on {', '.join(f'{s.address}:{s.port}' for s in serving)}:"
        " Heroku's router cannot reach a loopback address; bind 0.0.0.0 (or :: on"
        " Fir-generation apps)"
    )


def slow_boot(label: str, listening_s: float) -> str | None:
    """Booting took most of Heroku's R10 limit: a slightly slower dyno will be killed."""
    if listening_s <= SLOW_BOOT_SHARE * R10_BOOT_LIMIT:
        return None
    return (
        f"{label} took {listening_s:.1f}s to listen: Heroku's R10 kills a web dyno that has not"
        f" bound $PORT within {R10_BOOT_LIMIT:.0f} s"
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


def over_memory(label: str, peak: Memory | None, limit_mb: float | None) -> str | None:
    """The tree's peak memory exceeded the configured limit."""
    if peak is None or limit_mb is None or peak.bytes <= limit_mb * MEGABYTE:
        return None
    return (
        f"{label} peaked at {peak.bytes / MEGABYTE:.1f} MB ({peak.kind.upper()}) over"
        f" RELEASE_CHECK_MAX_MEMORY_MB={limit_mb:g}: on Heroku a Standard-1X dyno has 512 MB"
        " (R14 over quota, R15 killed at 1 GB)"
    )


def hint(outcome: Outcome) -> str | None:
    """What to try when the app redirects (3xx) or rejects the request (400)."""
    if outcome.status is not None and 300 <= outcome.status < 400:
        return (
            "an app that forces HTTPS redirects plain requests: release-check sends"
            " X-Forwarded-Proto: https unless RELEASE_CHECK_ROUTER_HEADERS=0, so make the app"
            " trust it (Django SECURE_PROXY_SSL_HEADER, Rails assume_ssl) or exempt the path"
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
