"""Stop the app's whole process tree: SIGTERM, wait up to the grace, SIGKILL the rest, reap.

As in pytest-xprocess, the tree is snapshotted before anything is signalled, and again before
SIGKILL, so children forked during the grace are not missed. As gunicorn's arbiter and Heroku's
dyno manager do, every process gets SIGTERM at once, then SIGKILL after the grace.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass

import psutil

from release_check.app import App, kill_group
from release_check.oscompat import reap_adopted_children

_KILL_WAIT = 5.0
_FIRST_POLL, _MAX_POLL = 0.001, 0.02  # most trees exit within milliseconds of SIGTERM


@dataclass(frozen=True)
class Shutdown:
    """How the tree went down: seconds from SIGTERM to the last exit, processes SIGKILLed."""

    seconds: float
    killed: int


def app_tree(app: App) -> list[psutil.Process]:
    """Every process of the app but its root (which is waited through Popen).

    With a subreaper, orphans are re-parented to the runner, so the runner's descendants are
    exactly the app's tree; otherwise the root's descendants are the best that can be seen.
    """
    try:
        anchor = psutil.Process(os.getpid() if app.adopted else app.pid)
        return [p for p in anchor.children(recursive=True) if p.pid != app.pid]
    except psutil.Error:  # gone already, or unreadable: the process group is still signalled
        return []


def _signal_all(procs: list[psutil.Process], app: App, signum: int) -> None:
    kill_group(app.pid, signum)
    for proc in procs:
        with contextlib.suppress(psutil.Error):  # gone, or became another user's (setuid)
            proc.send_signal(signum)
    if app.exit_code() is None:
        app.process.send_signal(signum)


def _finished(proc: psutil.Process) -> bool:
    """Exited, or a zombie: nothing more will run in it."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(proc.pid, os.WNOHANG)  # reaps it if it is (or was adopted as) our child
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait(procs: list[psutil.Process], app: App, timeout: float) -> list[psutil.Process]:
    """Wait until the root and ``procs`` finished or ``timeout`` passed; return the rest."""
    deadline = time.monotonic() + timeout
    pause = _FIRST_POLL
    while True:
        alive = [p for p in procs if not _finished(p)]
        if (not alive and app.exit_code() is not None) or time.monotonic() >= deadline:
            return alive
        time.sleep(pause)
        pause = min(pause * 2, _MAX_POLL)


def stop_tree(app: App, grace: float) -> Shutdown:
    """SIGTERM the tree, SIGKILL what outlives ``grace``, reap; report how long it took."""
    started = time.monotonic()
    procs = app_tree(app)
    _signal_all(procs, app, signal.SIGTERM)
    alive = _wait(procs, app, grace)
    survivors = {p.pid: p for p in [*alive, *app_tree(app)] if not _finished(p)}
    killed = len(survivors) + int(app.exit_code() is None)
    if killed:
        _signal_all(list(survivors.values()), app, signal.SIGKILL)
        _wait(list(survivors.values()), app, _KILL_WAIT)
    if app.adopted:
        reap_adopted_children()
    return Shutdown(time.monotonic() - started, killed)
