"""The teardown loop and the run's thread ownership, as pure logic (no app process)."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import cast

import httpx
import psutil
import pytest

from release_check.checking import Attempt, Outcome, Workers, check_all, fetch
from release_check.config.expectations import BodyMatch, Expectation, StatusMatch
from release_check.errors import Interrupted
from release_check.release.diagnose import unstoppable
from release_check.signals import SignalGuard, uninterruptible
from release_check.supervise.tree import Scope, stop_tree

GOOD = Outcome("response", 0.01, status=200, body="OKAY")


class Stubborn:
    """A process that never exits, whatever it is sent."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.signals: list[int] = []

    def send_signal(self, signum: int) -> None:
        """Record the signal, and ignore it."""
        self.signals.append(signum)

    def name(self) -> str:
        """What the report calls it."""
        return "stubborn"


class StubbornScope:
    """A tree of stubborn processes that is never gone."""

    def __init__(self, procs: list[Stubborn]) -> None:
        self.procs = procs

    def processes(self) -> list[psutil.Process]:
        """All of them, always."""
        return cast(list[psutil.Process], list(self.procs))

    def gone(self) -> bool:
        """Never."""
        return False

    def broadcast(self, _signum: int) -> list[psutil.Process]:
        """No group to signal."""
        return []


def test_what_outlives_sigkill_is_reported_after_one_sigterm_each() -> None:
    """Processes that never go get one SIGTERM, repeated SIGKILLs, and are named as survivors."""
    procs = [Stubborn(101), Stubborn(102)]
    shutdown = stop_tree(cast(Scope, StubbornScope(procs)), 0.05, kill_wait=0.1)
    assert shutdown.survivors == ("pid 101 (stubborn)", "pid 102 (stubborn)")
    assert shutdown.killed == 2
    for proc in procs:
        assert proc.signals.count(signal.SIGTERM) == 1
        assert proc.signals.count(signal.SIGKILL) >= 2
    assert unstoppable("web", shutdown) == (
        "could not stop 2 process(es) of web, even with SIGKILL: pid 101 (stubborn),"
        " pid 102 (stubborn); they may still hold the port and memory")


def test_a_finished_teardown_sends_no_sigterm_when_told_it_was_sent() -> None:
    """The watchdog finishing a teardown the runner began sends SIGKILL only, never SIGTERM."""
    procs = [Stubborn(103)]
    stop_tree(cast(Scope, StubbornScope(procs)), 0.05, terminated=True, kill_wait=0.05)
    assert signal.SIGTERM not in procs[0].signals
    assert signal.SIGKILL in procs[0].signals


def test_check_threads_still_running_are_the_runs_to_wait_for() -> None:
    """When one check ends the run, another's thread is still in its attempt and joined later."""
    workers = Workers()
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def attempt_for(expected: Expectation, _stop: threading.Event) -> Attempt:
        def attempt(_timeout: float) -> Outcome:
            if expected.path == "/fails":
                started.wait(5)
                raise RuntimeError("the app exited")
            started.set()
            release.wait(5)
            time.sleep(0.2)
            finished.set()
            return GOOD

        return attempt

    checks = [Expectation(path, StatusMatch.parse("200"), BodyMatch("exact", "OKAY"))
              for path in ("/fails", "/slow")]
    with pytest.raises(RuntimeError):
        check_all(checks, attempt_for, time.monotonic() + 10, 5.0, lambda _stop: time.sleep,
                  workers=workers)
    assert not finished.is_set()
    release.set()
    assert workers.join(5)
    assert finished.is_set()


def test_an_abandoned_request_thread_is_waited_for() -> None:
    """A request abandoned at its deadline still belongs to the run, which waits for it."""
    answered = threading.Event()

    def slow(_request: httpx.Request) -> httpx.Response:
        time.sleep(0.6)
        answered.set()
        return httpx.Response(200, stream=httpx.ByteStream(b"OKAY"))

    workers = Workers()
    with httpx.Client(transport=httpx.MockTransport(slow)) as http:
        outcome = fetch(http, "http://127.0.0.1:1/health_check", 0.1, workers=workers)
        assert outcome.kind == "timeout"
        assert not answered.is_set()
        assert workers.join(5)
    assert answered.is_set()


@uninterruptible
def _teardown_hit_by(signum: int) -> str:
    os.kill(os.getpid(), signum)
    time.sleep(0.05)  # the handler runs here, at some depth below the marked function
    return "finished"


def _unmarked_hit_by(signum: int) -> str:
    os.kill(os.getpid(), signum)
    time.sleep(0.05)
    return "finished"


def test_a_signal_inside_uninterruptible_code_is_recorded_not_raised() -> None:
    """A signal landing in code marked uninterruptible lets it finish; the guard records it."""
    with SignalGuard() as guard:
        assert _teardown_hit_by(signal.SIGUSR1) == "finished"
    assert guard.received == signal.SIGUSR1


def test_a_deferred_signal_is_raised_once_afterwards() -> None:
    """The first signal, recorded inside uninterruptible code, is raised once when asked."""
    with SignalGuard() as guard:
        _teardown_hit_by(signal.SIGUSR1)
        with pytest.raises(Interrupted, match=r"^interrupted by SIGUSR1$"):
            guard.raise_deferred()
        guard.raise_deferred()


def test_a_signal_elsewhere_raises_interrupted_once() -> None:
    """Outside uninterruptible code the first signal raises Interrupted, naming the signal."""
    with SignalGuard() as guard, pytest.raises(Interrupted, match=r"^interrupted by SIGUSR2$"):
        _unmarked_hit_by(signal.SIGUSR2)
    assert guard.received == signal.SIGUSR2
