"""Wait for the app's socket while watching that the app is still alive."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from release_check.errors import AppExited, CrashLooping, ForeignListener, NotHealthy, WrongPort
from release_check.release import diagnose
from release_check.release.app import App, describe_exit
from release_check.release.ports import Listener, Target, accepts, held_by, listeners_of, serving
from release_check.release.tree import TreeWatcher, tree_of

POLL_INTERVAL = 0.02  # the socket is probed at least this often; exits and output wake sooner
_CONNECT_TIMEOUT = 1.0


def ensure_alive(app: App, phase: str, watcher: TreeWatcher | None = None) -> None:
    """Raise AppExited if the app's root process has exited.

    With ``watcher``, raise CrashLooping too once its workers are seen dying and respawned.
    """
    code = app.exit_code()
    if code is not None:
        raise AppExited(f"{app.label} {describe_exit(code)} {phase} (after {app.elapsed():.2f}s)")
    loop = watcher.crash_loop if watcher is not None else None
    if loop is not None:
        raise CrashLooping(loop.describe(app.label, app.elapsed(), phase), app.pump.tail())


def watchful_sleep(app: App, stop: threading.Event | None = None) -> Callable[[float], None]:
    """A sleep that ends as soon as the app exits (or ``stop`` is set): no crash slept through."""

    def sleep(seconds: float) -> None:
        wake = time.monotonic() + seconds
        while app.exit_code() is None and (left := wake - time.monotonic()) > 0:
            if stop is not None and stop.is_set():
                return
            app.wakeup.wait(min(left, POLL_INTERVAL), output=False)

    return sleep


def _never_listened(app: App, target: Target, watcher: TreeWatcher) -> NotHealthy:
    if watcher.listeners:
        return NotHealthy(
            f"{diagnose.wrong_port(app.label, target.port, watcher.listeners)}"
            f" (gave up after {app.elapsed():.1f}s)"
        )
    return NotHealthy(
        f"{app.label} did not listen on port {target.port} within {app.elapsed():.1f}s:"
        " the app must bind $PORT (on Heroku, R10 kills a web dyno that has not bound"
        " $PORT within 60 s)"
    )


def wait_listening(
    app: App, target: Target, deadline: float, watcher: TreeWatcher, wrong_port_grace: float
) -> None:
    """Return once the target accepts connections; fail at once if the app exits first.

    Fail as soon as its workers are seen crash-looping, too. Fail early too once the app has
    listened elsewhere, but not on the target, for ``wrong_port_grace`` seconds: it will not
    move to $PORT by itself.
    """
    phase = f"before listening on port {target.port}"
    while True:
        ensure_alive(app, phase, watcher)
        if accepts(target, _CONNECT_TIMEOUT):
            return
        if watcher.elsewhere_for() >= wrong_port_grace:
            raise WrongPort(diagnose.wrong_port(app.label, target.port, watcher.listeners))
        if time.monotonic() >= deadline:
            raise _never_listened(app, target, watcher)
        app.wakeup.wait(POLL_INTERVAL, output=True)


def confirm_owner(app: App, target: Target) -> list[Listener]:
    """The app's listeners serving the target; fail if the socket that answered is not its own.

    An empty list means the listener vanished before it could be examined (the app bound,
    then closed the port): the caller goes back to waiting.
    """
    mine = serving(listeners_of(tree_of(app)), target)
    if mine:
        return mine
    ensure_alive(app, f"before listening on port {target.port}")
    if not accepts(target, _CONNECT_TIMEOUT):
        return []
    raise ForeignListener(
        f"port {target.port} answers, but no process of {app.label} listens on it"
        f" (it is held by {held_by(target)}); a foreign server is never a pass"
    )


def stay_up(app: App, uptime: float) -> None:
    """Fail if the app exits within ``uptime`` seconds of passing."""
    watchful_sleep(app)(uptime)
    ensure_alive(app, f"within the {uptime:g}s uptime window after passing the check")
