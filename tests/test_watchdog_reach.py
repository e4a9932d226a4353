"""The watchdog stops what the runner saw, even processes that lost the run's marker.

An app that overwrites its environment (gunicorn with setproctitle, ``exec env -i``) no longer
carries RELEASE_CHECK_RUN_ID; a runner frozen by SIGSTOP never reaches its own teardown.
"""

from __future__ import annotations

import contextlib
import importlib.util
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from tests.conftest import APPS, FIXTURE_APP, alive, clean_env, linux_layer, pids_in

pytestmark = pytest.mark.slow

GONE_WITHIN = 20.0  # seconds after kill -9: a grace of 1 s, the SIGKILLs, a loaded machine


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll ``condition`` until true, or fail the test."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.05)


def gone_within(pids: list[int], timeout: float) -> list[int]:
    """The pids still running after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive(pids)


@contextlib.contextmanager
def runner(tag: str, cwd: Path, env: dict[str, str],
           pid_dir: Path) -> Iterator[subprocess.Popen[str]]:
    """release-check -v as a real process; afterwards it and every recorded pid are killed.

    The app's processes may carry no test tag (their environment was wiped), so they are
    found by the pids they recorded.
    """
    process = subprocess.Popen([sys.executable, "-m", "release_check", "-v"], cwd=cwd,
                               env=clean_env(tag, env), stdout=subprocess.PIPE, text=True)
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGCONT)
        process.kill()
        process.communicate()
        for pid in alive(pids_in(pid_dir)):
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()


def _passed(process: subprocess.Popen[str]) -> None:
    """Read the runner's output until it says the check passed."""
    assert process.stdout is not None
    for line in process.stdout:
        if "passed; the app must now stay up" in line:
            return
    pytest.fail("the runner ended before passing")


WIPED = ("exec env -i PORT=\"$PORT\" " + shlex.join([
    sys.executable, str(FIXTURE_APP), "--grandchild", "--setsid-grandchild", "--boot-delay",
    "2.5"]) + ' --pid-dir "$PID_DIR"')
GUNICORN = (f"{shlex.quote(sys.executable)} -m gunicorn -c gunicorn_conf.py"
            " wsgi_app:application")
needs_setproctitle = pytest.mark.skipif(importlib.util.find_spec("setproctitle") is None,
                                        reason="needs setproctitle")


@pytest.mark.parametrize(("command", "count"), [
    # the app, a grandchild, a daemon in its own session (found through the subreaper)
    pytest.param(WIPED, 3, id="env-i", marks=linux_layer),
    pytest.param(GUNICORN, 4, id="gunicorn-setproctitle", marks=needs_setproctitle),
])
def test_processes_without_the_marker_are_stopped_after_kill_9(tag: str, tmp_path: Path,
                                                               command: str, count: int) -> None:
    """Kill -9 of the runner: an app that wiped its environment is still stopped, all of it."""
    pid_dir = tmp_path / "pids"
    env = {"RELEASE_CHECK_WEB_COMMAND": command, "RELEASE_CHECK_UPTIME": "120",
           "RELEASE_CHECK_SHUTDOWN_GRACE": "1", "PID_DIR": str(pid_dir)}
    with runner(tag, APPS, env, pid_dir) as process:
        _passed(process)
        wait_for(lambda: len(pids_in(pid_dir)) == count)
        pids = pids_in(pid_dir)
        assert not [p for p in pids if "RC_FIXTURE_TAG" in psutil.Process(p).environ()]
        process.kill()
        process.wait()
        assert gone_within(pids, GONE_WITHIN) == []


def test_a_runner_frozen_by_its_app_is_unfrozen_with_the_app_stopped(tag: str,
                                                                     tmp_path: Path) -> None:
    """An app that SIGSTOPs the runner is stopped at the run's deadline, no margin later."""
    pid_dir = tmp_path / "pids"
    app = shlex.join([sys.executable, str(FIXTURE_APP), "--never-bind", "--pid-dir",
                      str(pid_dir)])
    env = {"RELEASE_CHECK_WEB_COMMAND": f"kill -STOP $PPID; exec {app}",
           "RELEASE_CHECK_TIMEOUT": "1", "RELEASE_CHECK_SHUTDOWN_GRACE": "1"}
    started = time.monotonic()
    with runner(tag, tmp_path, env, pid_dir) as process:
        wait_for(lambda: psutil.Process(process.pid).status() == psutil.STATUS_STOPPED)
        out, _ = process.communicate(timeout=90)
        # The deadline is 1 + 1 + 5 (the SIGKILL wait); a running runner gets 10 s more.
        assert time.monotonic() - started < 7 + 10 - 2
        assert process.returncode == 1, out
        assert "FAILED: web" in out
        assert alive(pids_in(pid_dir)) == []
