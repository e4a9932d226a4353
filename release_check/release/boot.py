"""Wait for the app's socket while watching that the app is still alive."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from release_check.errors import (
    AppExited,
    CheckFailed,
    CrashLooping,
    ForeignListener,
    NotHealthy,
    WrongAddress,
    WrongPort,
)
from release_check.release import diagnose
from release_check.release.elsewhere import OtherPorts
from release_check.reports import tail_report
from release_check.sockets import (
    Listener,
    Poller,
    Target,
    aim,
    answering,
    describe,
    endpoint,
    held_by,
    holders,
    listeners_of,
    probes,
    serving,
)
from release_check.supervise import SNAPSHOT_INTERVAL, App, TreeWatcher, tree_of
from release_check.text import describe_exit

POLL_INTERVAL = 0.02  # the socket is probed at least this often; exits and output wake sooner
_CONNECT_TIMEOUT = 1.0
_UNNAMED_WAIT = 1.0


def ensure_alive(app: App, phase: str, watcher: TreeWatcher | None = None) -> None:
    """Raise AppExited if the app's root process has exited (ProcessFailed for one beside it).

    With ``watcher``, raise CrashLooping too once its workers are seen dying and respawned.
    """
    code = app.exit_code()
    if code is not None:
        raise AppExited(f"{app.label} {describe_exit(code)} {phase} (after {app.elapsed():.2f}s)")
    loop = watcher.crash_loop if watcher is not None else None
    if loop is not None:
        raise CrashLooping(loop.describe(app.label, app.elapsed(), phase),
                           tail_report(app.pump.tail(), relayed=False))
    app.check_beside()


def watchful_sleep(app: App, stop: threading.Event | None = None) -> Callable[[float], None]:
    """A sleep that ends as soon as the app exits (or ``stop`` is set): no crash slept through.

    A failure of a process beside the app is raised from it (``App.check_beside``).
    """

    def sleep(seconds: float) -> None:
        wake = time.monotonic() + seconds
        while app.exit_code() is None and (left := wake - time.monotonic()) > 0:
            if stop is not None and stop.is_set():
                return
            app.check_beside()
            app.wakeup.wait(min(left, POLL_INTERVAL), output=False)

    return sleep


@dataclass(frozen=True)
class Listening:
    """The app's own sockets on $PORT, and where the check connects to them."""

    target: Target
    listeners: list[Listener]


def _misbound(label: str, target: Target, listeners: Sequence[Listener]) -> CheckFailed:
    """The app listens, but not where the check connects: at another address, or port."""
    on_port = [lst for lst in listeners if lst.port == target.port]
    if on_port:
        return WrongAddress(diagnose.wrong_address(label, target, on_port))
    return WrongPort(diagnose.wrong_port(label, target.port, listeners))


def _never_listened(app: App, target: Target, watcher: TreeWatcher) -> CheckFailed:
    if watcher.listeners:
        error = _misbound(app.label, target, watcher.listeners)
        return type(error)(f"{error} (gave up after {app.elapsed():.1f}s)")
    return NotHealthy(
        f"{app.label} did not listen on port {target.port} within {app.elapsed():.1f}s:"
        " the app must bind $PORT (on Heroku, R10 kills a web dyno that has not bound"
        " $PORT within 60 s)"
    )


def wait_listening(
    app: App, target: Target, deadline: float, watcher: TreeWatcher, wrong_port_grace: float,
    *, other_ports: OtherPorts,
) -> None:
    """Return once the target accepts connections; fail at once if the app exits first.

    Fail as soon as its workers are seen crash-looping, too. Fail early too once the app has
    listened elsewhere, but not on the target, for ``wrong_port_grace`` seconds, if the other
    port is evidently the app (``other_ports``): it will not move to $PORT by itself. Without
    an explicit host, any address the app may listen at on $PORT is polled (see ``probes``).
    """
    phase = f"before listening on port {target.port}"
    with Poller(target, _CONNECT_TIMEOUT) as poller:
        while True:
            ensure_alive(app, phase, watcher)
            if poller.answer(watcher.listeners):
                return
            if (watcher.elsewhere_for() >= wrong_port_grace
                    and other_ports.evident(watcher.listeners, target.port)):
                raise _misbound(app.label, target, watcher.listeners)
            if time.monotonic() >= deadline:
                raise _never_listened(app, target, watcher)
            app.wakeup.wait(POLL_INTERVAL, output=True)


def confirm_owner(app: App, target: Target) -> Listening | None:
    """The app's listeners serving the target; fail if the socket that answered is not its own.

    None means the listener vanished before it could be examined (the app bound, then
    closed the port): the caller goes back to waiting. Otherwise the check connects where
    the app listens (``aim``), and nothing outside the app may listen there too.
    """
    procs = tree_of(app)
    listeners = listeners_of(procs)
    mine = serving(listeners, target)
    if mine:
        aimed = aim(target, mine)
        ensure_alone(app, aimed, f"before listening on port {target.port}", mine)
        return Listening(aimed, mine)
    ensure_alive(app, f"before listening on port {target.port}")
    answered = answering(probes(target), _CONNECT_TIMEOUT)
    if answered is None:
        return None
    if any(lst.port == target.port for lst in listeners):
        raise _misbound(app.label, target, listeners)
    raise ForeignListener(
        f"port {target.port} answers, but no process of {app.label} listens on it"
        f" (it is held by {held_by(answered)}); a foreign server is never a pass"
    )


def ensure_alone(
    app: App, target: Target, phase: str, listeners: Sequence[Listener] = ()
) -> None:
    """Fail if a process outside the app's tree also listens where the check connects.

    SO_REUSEPORT lets another server (a stale one, a concurrent CI job) share the port, and
    the kernel then spreads connections between the two: any answer may have been its.
    ``listeners`` are the app's, just found: their processes' sockets need no walk of the tree.
    """
    known = [listener.pid for listener in listeners if listener.pid is not None]
    foreign = _settled_holders(app, target, phase, known)
    if foreign:
        raise ForeignListener(
            f"{describe(foreign)} also listens on {endpoint(target.address, target.port)},"
            f" outside {app.label}'s process tree (SO_REUSEPORT shares a port): its answers"
            " cannot be told from the app's, and a foreign server is never a pass"
        )


def _settled_holders(
    app: App, target: Target, phase: str, known: Sequence[int]
) -> list[Listener]:
    """The foreign sockets on the target, once none of them may be the app's own, exiting.

    A process that is exiting stops showing its files in /proc before its sockets close, so
    its socket reads as held by no one. Such sockets are looked at again until they are gone,
    the app has exited (which is then the verdict), or the wait is over; a socket another
    user holds also reads as held by no one (only root may see whose), and stays.
    """
    deadline = time.monotonic() + _UNNAMED_WAIT
    while True:
        foreign = holders(target, lambda: tree_of(app), known)
        unnamed = foreign and all(listener.pid is None for listener in foreign)
        if not unnamed or time.monotonic() >= deadline:
            return foreign
        app.wakeup.wait(POLL_INTERVAL, output=False)
        ensure_alive(app, phase)


def stay_up(app: App, uptime: float, watcher: TreeWatcher | None = None) -> None:
    """Fail if the app exits (or, with ``watcher``, crash-loops) within ``uptime`` of passing.

    An exit wakes the sleep at once; a crash loop is looked for as often as it can be seen.
    """
    phase = f"within the {uptime:g}s uptime window after passing the check"
    end, sleep = time.monotonic() + uptime, watchful_sleep(app)
    while (left := end - time.monotonic()) > 0:
        ensure_alive(app, phase, watcher)
        sleep(min(left, SNAPSHOT_INTERVAL))
    ensure_alive(app, phase, watcher)
