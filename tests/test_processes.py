"""Process management: teardown of whole trees, signals to the runner, foreign listeners."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import (
    APPS,
    RC_COMMAND,
    RunCheck,
    alive,
    app_command,
    clean_env,
    linux_layer,
    pids_in,
)

pytestmark = pytest.mark.slow


def wait_for_files(directory: Path, count: int, timeout: float = 15.0) -> None:
    """Block until ``directory`` holds ``count`` files (the app recorded its processes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if directory.exists() and len(list(directory.iterdir())) >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"{directory} never got {count} files")


@pytest.fixture
def foreign_server(tag: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A fixture app started outside release-check, answering OKAY on a free port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, str(APPS / "fixture_app.py"), "--port", str(port)]
    server = subprocess.Popen(command, env=clean_env(tag, {}), stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        assert time.monotonic() < deadline, "foreign server never listened"
        time.sleep(0.02)
    yield server, port
    server.kill()
    server.wait()


@linux_layer  # the setsid daemon is found through the subreaper
@pytest.mark.standalone
def test_sigterm_ignoring_tree_is_killed_after_the_grace(release_check: RunCheck,
                                                         tmp_path: Path) -> None:
    """An app ignoring SIGTERM, with a grandchild and a setsid daemon, is fully killed."""
    pid_dir = tmp_path / "pids"
    flags = ("--ignore-sigterm", "--grandchild", "--setsid-grandchild", "--pid-dir", str(pid_dir))
    env = {"RELEASE_CHECK_WEB_COMMAND": app_command(*flags), "RELEASE_CHECK_SHUTDOWN_GRACE": "0.5"}
    result = release_check(env=env)
    assert result.code == 0, result.out
    pids = pids_in(pid_dir)
    assert len(pids) == 3
    assert alive(pids) == []
    assert result.seconds >= 0.5


@linux_layer  # the setsid daemon is found through the subreaper
def test_cooperative_tree_stops_without_waiting_out_the_grace(release_check: RunCheck,
                                                              tmp_path: Path) -> None:
    """Children that exit on SIGTERM are stopped well before a long grace runs out."""
    pid_dir = tmp_path / "pids"
    flags = ("--grandchild", "--setsid-grandchild", "--pid-dir", str(pid_dir))
    env = {"RELEASE_CHECK_WEB_COMMAND": app_command(*flags), "RELEASE_CHECK_SHUTDOWN_GRACE": "30"}
    result = release_check(env=env)
    assert result.code == 0, result.out
    assert alive(pids_in(pid_dir)) == []
    assert result.seconds < 20


@linux_layer  # the setsid daemon is found through the subreaper
@pytest.mark.standalone
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signal_to_the_runner_mid_boot_tears_down(tag: str, tmp_path: Path,
                                                  signum: signal.Signals) -> None:
    """A signal to the runner while it waits stops the whole tree and exits 1 within the grace."""
    pid_dir = tmp_path / "pids"
    flags = ("--never-bind", "--ignore-sigterm", "--grandchild", "--setsid-grandchild",
             "--pid-dir", str(pid_dir))
    env = clean_env(tag, {"RELEASE_CHECK_WEB_COMMAND": app_command(*flags),
                          "RELEASE_CHECK_SHUTDOWN_GRACE": "0.5"})
    runner = subprocess.Popen(RC_COMMAND, env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, text=True)
    wait_for_files(pid_dir, 3)
    runner.send_signal(signum)
    out, _ = runner.communicate(timeout=15)
    assert runner.returncode == 1
    assert f"FAILED: interrupted by {signum.name}; nothing it started is left running" in out
    assert alive(pids_in(pid_dir)) == []


def test_second_signal_does_not_abort_teardown(tag: str, tmp_path: Path) -> None:
    """SIGTERM twice in a row still ends with the whole tree gone and exit 1."""
    pid_dir = tmp_path / "pids"
    flags = ("--never-bind", "--ignore-sigterm", "--grandchild", "--pid-dir", str(pid_dir))
    env = clean_env(tag, {"RELEASE_CHECK_WEB_COMMAND": app_command(*flags),
                          "RELEASE_CHECK_SHUTDOWN_GRACE": "1"})
    runner = subprocess.Popen([sys.executable, "-m", "release_check"], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, text=True)
    wait_for_files(pid_dir, 2)
    runner.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    runner.send_signal(signal.SIGTERM)
    runner.communicate(timeout=15)
    assert runner.returncode == 1
    assert alive(pids_in(pid_dir)) == []


def test_port_held_by_a_foreign_server_fails(
    release_check: RunCheck, foreign_server: tuple[subprocess.Popen[bytes], int]
) -> None:
    """A foreign server answering OKAY on the port is a failure naming the port and its pid."""
    server, port = foreign_server
    env = {"RELEASE_CHECK_WEB_COMMAND": app_command(), "RELEASE_CHECK_PORT": str(port)}
    result = release_check(env=env)
    assert result.code == 1
    assert f"FAILED: port {port} on 127.0.0.1 is already in use by pid {server.pid}" in (
        result.verdict)
    assert result.verdict.endswith("(RELEASE_CHECK_PORT chose the port; without it a free one"
                                   " is picked)")
    assert "web | booting" not in result.out


def test_listener_outside_the_app_tree_is_never_a_pass(tag: str, tmp_path: Path) -> None:
    """If a foreign server takes the port after spawn, the answer is refused as not the app's."""
    pid_dir = tmp_path / "pids"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = clean_env(tag, {
        "RELEASE_CHECK_WEB_COMMAND": app_command("--never-bind", "--pid-dir", str(pid_dir)),
        "RELEASE_CHECK_PORT": str(port), "RELEASE_CHECK_TIMEOUT": "20"})
    runner = subprocess.Popen([sys.executable, "-m", "release_check"], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, text=True)
    wait_for_files(pid_dir, 1)
    server = subprocess.Popen([sys.executable, str(APPS / "fixture_app.py"), "--port", str(port)],
                              env=clean_env(tag, {}), stdout=subprocess.DEVNULL)
    try:
        out, _ = runner.communicate(timeout=30)
    finally:
        server.kill()
        server.wait()
    assert runner.returncode == 1
    assert f"port {port} answers, but no process of web listens on it" in out
    assert f"pid {server.pid}" in out


def test_gunicorn_with_three_workers_passes_and_is_stopped(release_check: RunCheck,
                                                           tmp_path: Path) -> None:
    """A real gunicorn (master + 3 workers) passes, and all 4 processes are gone afterwards."""
    pid_dir = tmp_path / "pids"
    command = (f"{sys.executable} -m gunicorn --config {APPS / 'gunicorn_conf.py'}"
               f" --chdir {APPS} wsgi_app:application")
    env = {"RELEASE_CHECK_WEB_COMMAND": command, "PID_DIR": str(pid_dir),
           "RELEASE_CHECK_TIMEOUT": "30"}
    result = release_check(env=env)
    assert result.code == 0, result.out
    pids = pids_in(pid_dir)
    assert len(pids) == 4, pids
    assert alive(pids) == []


@linux_layer
@pytest.mark.parametrize("outcome", ["passes", "fails"])
def test_runner_exits_with_its_whole_tree_reaped(tag: str, tmp_path: Path, outcome: str) -> None:
    """What the runner's tree holds as it exits (zombie or alive) is nothing, pass or fail."""
    # The runner runs under a subreaper, so any descendant it had not reaped by its exit is
    # re-parented there and seen, even one of the app's unreaped children.
    flags = ["--grandchild", "--setsid-grandchild", "--zombies", "3"]
    flags += ["--body", "NOPE"] if outcome == "fails" else []
    # The same wrong body again and again ends the failing run once settled, not at a deadline.
    env = clean_env(tag, {"RELEASE_CHECK_WEB_COMMAND": app_command(*flags),
                          "RELEASE_CHECK_TIMEOUT": "20", "RELEASE_CHECK_SETTLE": "0.5"})
    done = subprocess.run([sys.executable, str(APPS / "subreaper.py"), sys.executable, "-m",
                           "release_check"], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=True)
    seen = json.loads(done.stdout)
    assert seen["code"] == (0 if outcome == "passes" else 1), done.stderr
    # The watchdog is forked away from the runner's tree on purpose (supervise/watchdog.py): it
    # lands here too, exited once the run is over; it is no descendant the runner left behind.
    left = [child for child in seen["left"] if child["name"] != "rc-watchdog"]
    watchdogs = [child for child in seen["left"] if child["name"] == "rc-watchdog"]
    assert left == []
    assert all(child["state"] == "Z" for child in watchdogs)
