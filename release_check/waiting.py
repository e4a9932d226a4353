"""Wait for the app's socket while watching that the app is still alive."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import psutil

from release_check.app import App, describe_exit
from release_check.errors import AppExited, ForeignListener, NotHealthy
from release_check.ports import Target, accepts, holders, listeners_of, serving
from release_check.teardown import app_tree

POLL_INTERVAL = 0.01  # crash and readiness are both noticed within about 10 ms
_CONNECT_TIMEOUT = 1.0


def ensure_alive(app: App, phase: str) -> None:
    """Raise AppExited if the app's root process has exited."""
    code = app.exit_code()
    if code is not None:
        raise AppExited(f"{app.label} {describe_exit(code)} {phase} (after {app.elapsed():.2f}s)")


def watchful_sleep(app: App) -> Callable[[float], None]:
    """A sleep that returns as soon as the app exits, so a crash is never slept through."""

    def sleep(seconds: float) -> None:
        wake = time.monotonic() + seconds
        while app.exit_code() is None and (left := wake - time.monotonic()) > 0:
            time.sleep(min(left, POLL_INTERVAL))

    return sleep


def wait_listening(app: App, target: Target, deadline: float) -> None:
    """Return once the target accepts connections; fail at once if the app exits first."""
    phase = f"before listening on port {target.port}"
    while True:
        ensure_alive(app, phase)
        if accepts(target, _CONNECT_TIMEOUT):
            return
        if time.monotonic() >= deadline:
            raise NotHealthy(
                f"{app.label} did not listen on port {target.port} within {app.elapsed():.1f}s:"
                " the app must bind $PORT (on Heroku, R10 kills a web dyno that has not bound"
                " $PORT within 60 s)"
            )
        time.sleep(POLL_INTERVAL)


def confirm_owner(app: App, target: Target) -> None:
    """Fail unless a process of the app's tree holds the listening socket that answered."""
    procs = app_tree(app)
    with contextlib.suppress(psutil.NoSuchProcess):
        procs.append(psutil.Process(app.pid))
    if serving(listeners_of(procs), target):
        return
    ensure_alive(app, f"before listening on port {target.port}")
    foreign = ", ".join(h.describe() for h in holders(target)) or "a process it cannot name"
    raise ForeignListener(
        f"port {target.port} answers, but no process of {app.label} listens on it"
        f" (it is held by {foreign}); a foreign server is never a pass"
    )
