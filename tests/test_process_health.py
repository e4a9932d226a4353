"""When a non-web process counts as healthy, and how its failures read (pure logic, no process)."""

from __future__ import annotations

from release_check.config import ProcessSpec
from release_check.release.health import Health
from release_check.supervise.respawn import CrashLoop, Death

CELERY = ProcessSpec("worker", ready=r"celery@\S+ ready", timeout=20.0)


def test_uptime_process_is_ready_once_up_for_its_window() -> None:
    """Without a ready regex, staying up `uptime` seconds from its start is healthy."""
    health = Health(ProcessSpec("clock", uptime=5.0), started=100.0)
    assert health.observe(None, 104.9) is None
    assert not health.ready
    assert health.observe(None, 105.3) is None
    assert (health.ready, health.ready_by, health.ready_at) == (True, "uptime", 105.0)
    assert health.summary() == "clock up 5s"


def test_crash_before_the_window_ends_names_the_process_and_the_time() -> None:
    """An exit before it was ready is a failure with its code and when it happened."""
    health = Health(ProcessSpec("worker"), started=10.0)
    assert health.observe(1, 10.84) == "worker exited with code 1 before it was ready (after 0.84s)"
    assert health.exit_code == 1


def test_ready_line_makes_it_healthy_at_once() -> None:
    """A line matching the ready regex is healthy at that moment, whatever the uptime."""
    health = Health(CELERY, started=0.0)
    health.on_line("[tasks] . app.add", 0.5)
    assert not health.ready
    health.on_line("celery@host-1 ready.", 1.2)
    assert health.observe(None, 1.21) is None
    assert (health.ready_by, health.ready_line) == ("line", "celery@host-1 ready.")
    assert health.summary() == "worker ready in 1.20s"


def test_missing_ready_line_fails_at_the_timeout_not_before() -> None:
    """No ready line by the process's timeout fails, saying what was awaited and which level."""
    health = Health(CELERY, started=0.0)
    assert health.observe(None, 19.9) is None
    assert health.observe(None, 20.0) == (
        r"worker printed no line matching /celery@\S+ ready/ within 20s (it is still running);"
        " Celery prints its ready line at INFO, which its default log level (WARNING) hides:"
        " run the worker with --loglevel=info"
    )


def test_exit_zero_after_the_ready_line_fails_unless_oneshot() -> None:
    """Printing the ready line and exiting 0 is a failure for a worker, a pass for a oneshot."""
    worker = Health(CELERY, started=0.0)
    worker.on_line("celery@h ready.", 1.0)
    message = worker.observe(0, 1.1)
    assert message is not None
    assert message.startswith("worker exited with code 0 after it was ready, before the check"
                              " ended (after 1.10s); a process that is meant to finish needs"
                              " oneshot = true in [process.worker]")
    oneshot = Health(ProcessSpec("worker", ready="done", oneshot=True), started=0.0)
    oneshot.on_line("done", 1.0)
    assert oneshot.observe(0, 1.1) is None
    assert oneshot.summary() == "worker finished with code 0 in 1.10s"


def test_oneshot_without_ready_regex_is_healthy_when_it_exits_zero() -> None:
    """A oneshot without a ready regex passes by exiting 0, but fails by exiting non-zero."""
    done = Health(ProcessSpec("migrate", oneshot=True), started=0.0)
    assert done.observe(0, 0.5) is None
    assert (done.ready_by, done.ready_at) == ("exit", 0.5)
    failed = Health(ProcessSpec("migrate", oneshot=True), started=0.0)
    assert failed.observe(2, 0.5) == "migrate exited with code 2 before it was ready (after 0.50s)"


def test_oneshot_with_ready_regex_must_print_it_before_exiting() -> None:
    """A oneshot exiting 0 without its ready line never showed it was healthy."""
    health = Health(ProcessSpec("job", ready="done", oneshot=True), started=0.0)
    assert health.observe(0, 0.3) == "job exited with code 0 before it was ready (after 0.30s)"


def test_crash_after_ready_is_still_a_failure_and_the_first_verdict_sticks() -> None:
    """An exit after the ready line fails; later observations keep the first failure."""
    health = Health(ProcessSpec("worker", uptime=1.0), started=0.0)
    health.observe(None, 1.5)
    first = health.observe(-9, 2.0)
    assert first == ("worker was killed by SIGKILL after it was ready, before the check ended"
                     " (after 2.00s)")
    assert health.observe(None, 3.0) == first


def test_lines_after_the_exit_do_not_make_it_ready() -> None:
    """Output drained after the exit was judged cannot turn a crash into readiness."""
    health = Health(CELERY, started=0.0)
    health.observe(1, 0.2)
    health.on_line("celery@h ready.", 0.3)
    assert not health.ready


def test_a_ready_line_is_followed_by_the_window_before_it_is_steady() -> None:
    """After its ready line a process must stay up the run's window before the run may end."""
    health = Health(CELERY, started=0.0, window=1.0)
    health.on_line("celery@host ready.", 2.0)
    assert health.ready and not health.steady(2.9)
    assert health.steady(3.0)


def test_a_child_dying_within_the_window_after_the_ready_line_fails_it() -> None:
    """A pool process killed by a signal just after `ready.` is a failure naming it."""
    health = Health(CELERY, started=0.0, window=1.0)
    health.on_line("celery@host ready.", 2.0)
    assert health.observe(None, 2.3, death=Death(77, -6, 2.2)) == (
        "worker's process pid 77 was killed by SIGABRT within 0.2s of worker's ready line:"
        " a ready line counts only if every process of the type stays up after it")


def test_a_child_dying_before_the_ready_line_or_after_the_window_is_no_failure() -> None:
    """Deaths outside the window after the ready line are left to the crash-loop rule."""
    health = Health(CELERY, started=0.0, window=1.0)
    health.on_line("celery@host ready.", 2.0)
    assert health.observe(None, 2.5, death=Death(77, 1, 1.5)) is None
    assert health.observe(None, 3.5, death=Death(78, 1, 3.2)) is None


def test_a_crash_loop_fails_it_before_or_after_it_is_ready() -> None:
    """Its tree crash-looping is a failure naming the type, even while it is not ready yet."""
    health = Health(CELERY, started=0.0)
    failure = health.observe(None, 2.5, loop=CrashLoop(5, 40, "node"))
    assert failure == ("worker's worker processes are crash-looping: 5 exited in 2.5s before it"
                       " was ready (node, pid 40, respawns them); their last lines are above")


def test_error_lines_are_counted_and_explained_without_a_ready_regex() -> None:
    """A process that passes with error lines says how many, the last, and how to fail on them."""
    health = Health(ProcessSpec("worker", uptime=1.0), started=0.0)
    health.on_line("[2026-01-05 10:00:01,000: ERROR/MainProcess] Cannot connect", 0.1)
    health.on_line("ValueError: bad", 0.2)
    health.on_line("all good", 0.3)
    assert health.observe(None, 1.5) is None
    assert health.summary() == "worker up 1s with 2 error lines"
    warning = health.error_warning() or ""
    assert warning.startswith("worker printed 2 error lines (the last: ValueError: bad)")
    assert "RELEASE_CHECK_READY_WORKER" in warning
