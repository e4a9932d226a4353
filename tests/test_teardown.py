"""Teardown and the run's ownership: one SIGTERM each, nothing left however the runner ends."""

from __future__ import annotations

import contextlib
import importlib.util
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from release_check.cli import main
from release_check.supervise.tree import Descendants, stop_tree
from release_check.system import SYSTEM
from release_check.text import signal_name
from tests.conftest import (
    APPS,
    RunCheck,
    clean_env,
    linux_layer,
    tagged_processes,
    wait_until_gone,
)

pytestmark = pytest.mark.slow

TREE_APP = APPS / "tree_app.py"
GRACE = 3.0
# Waited out in full where the tree outlives its SIGTERM: long enough for a test's kill -9 to
# land inside it.
KILLED_GRACE = 1.5
# Without a subreaper the runner cannot vouch for what forked away, and says so.
ALL_STOPPED = ("nothing it started is left running" if SYSTEM.name == "linux"
               else "every process of the app it could see has stopped")
# The tree app's setsid daemon, and the fork hopper, are found only through the subreaper.
TREE_ROLES = ["app", "child", "daemon", "grandchild"]


def tree_command(log: Path, *flags: str) -> str:
    """The shell command booting tests/apps/tree_app.py, logging to ``log``."""
    return shlex.join([sys.executable, str(TREE_APP), "--log", str(log), *flags])


def recorded(log: Path) -> dict[int, str]:
    """The role of every process the tree app created, by pid."""
    found = {}
    for path in log.iterdir() if log.exists() else []:
        role, _, pid = path.name.rpartition("-")
        if role != "term":
            found[int(pid)] = role
    return found


def sigterms(log: Path, pid: int) -> int:
    """How many SIGTERMs process ``pid`` logged."""
    path = log / f"term-{pid}"
    return len(path.read_text().splitlines()) if path.exists() else 0


def running(pids: list[int]) -> list[int]:
    """The pids still running (zombies count as gone)."""
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            continue
    return alive


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Poll ``condition`` until true, or fail the test."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.02)


def start_runner(tag: str, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """release-check as a real process, with ``env`` over a clean, tagged environment."""
    return subprocess.Popen([sys.executable, "-m", "release_check"], cwd=cwd,
                            env=clean_env(tag, env), stdout=subprocess.PIPE, text=True)


def tree_env(log: Path, *flags: str) -> dict[str, str]:
    """Settings booting the tree app (never passing unless the flags let it) with a 3 s grace."""
    return {"RELEASE_CHECK_WEB_COMMAND": tree_command(log, "--tree", *flags),
            "RELEASE_CHECK_SHUTDOWN_GRACE": str(GRACE), "RELEASE_CHECK_TIMEOUT": "30",
            "RELEASE_CHECK_REQUEST_TIMEOUT": "20"}


@linux_layer
def test_each_process_gets_exactly_one_sigterm(release_check: RunCheck, tmp_path: Path) -> None:
    """The root, a child, a grandchild and a setsid daemon each log one SIGTERM, never two."""
    log = tmp_path / "log"
    result = release_check(env={"RELEASE_CHECK_WEB_COMMAND": tree_command(log, "--tree")})
    assert result.code == 0, result.out
    pids = recorded(log)
    assert sorted(pids.values()) == TREE_ROLES
    assert {pids[pid]: sigterms(log, pid) for pid in pids} == dict.fromkeys(TREE_ROLES, 1)
    assert running(list(pids)) == []


# Twenty runs as twenty cases, so that parallel workers share them: one after the other they
# were the suite's longest test.
@pytest.mark.skipif(importlib.util.find_spec("hypercorn") is None, reason="needs hypercorn")
@pytest.mark.parametrize("run", range(20))
def test_hypercorn_goes_down_on_one_sigterm_twenty_times(release_check: RunCheck, run: int) -> None:
    """Real hypercorn with two workers stops within the grace in 20 runs: no false warning."""
    command = f"{sys.executable} -m hypercorn -w 2 -b 0.0.0.0:$PORT asgi_app:app"
    env = {"RELEASE_CHECK_WEB_COMMAND": command, "RELEASE_CHECK_SHUTDOWN_GRACE": "5",
           "RELEASE_CHECK_TIMEOUT": "30"}
    result = release_check("-q", env=env, cwd=APPS)
    assert result.code == 0, result.out
    assert "ignored SIGTERM" not in result.out


@pytest.mark.parametrize("phase", ["boot", "check", pytest.param("grace", marks=linux_layer)])
def test_runner_killed_outright_leaves_nothing(phase: str, tag: str, tmp_path: Path) -> None:
    """After kill -9 of the runner mid-boot, mid-check or in the grace, the watchdog stops all."""
    log, marker = tmp_path / "log", tmp_path / "marker"
    flags = {"boot": ["--never-bind"], "check": ["--hang", "--request-marker", str(marker)],
             "grace": ["--request-marker", str(marker), "--linger", "60"]}[phase]
    env = {**tree_env(log, *flags), "RELEASE_CHECK_UPTIME": "30",
           "RELEASE_CHECK_SHUTDOWN_GRACE": str(KILLED_GRACE)}
    runner = start_runner(tag, tmp_path, env)
    try:
        wait_for(lambda: len(recorded(log)) == 4 and (phase == "boot" or marker.exists()))
        if phase == "grace":
            runner.send_signal(signal.SIGTERM)
            wait_for(lambda: all(sigterms(log, pid) for pid in recorded(log)))
        runner.kill()
        runner.communicate(timeout=10)
        killed = time.monotonic()
        assert wait_until_gone(tag, timeout=KILLED_GRACE + 10) == []
        assert time.monotonic() - killed < KILLED_GRACE + 5
    finally:
        runner.kill()
        runner.wait()
    assert [sigterms(log, pid) for pid in recorded(log)] == [1, 1, 1, 1]


FATAL = [signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM, signal.SIGVTALRM,
         signal.SIGXCPU, signal.SIGPWR, signal.SIGRTMIN + 2]


@linux_layer
@pytest.mark.parametrize("signum", FATAL, ids=signal_name)
def test_every_fatal_signal_to_the_runner_tears_down(signum: int, tag: str,
                                                     tmp_path: Path) -> None:
    """A signal whose default would kill the runner stops the whole tree, exits 1, says so."""
    log = tmp_path / "log"
    runner = start_runner(tag, tmp_path, tree_env(log, "--never-bind"))
    try:
        wait_for(lambda: len(recorded(log)) == 4)
        runner.send_signal(signum)
        out, _ = runner.communicate(timeout=20)
    finally:
        runner.kill()
        runner.wait()
    assert runner.returncode == 1, out
    expected = f"FAILED: interrupted by {signal_name(signum)}; nothing it started is left running"
    assert expected in out
    assert running(list(recorded(log))) == []
    assert tagged_processes(tag) == []


def test_signal_during_the_spawn_still_stops_the_app(release_check: RunCheck, tag: str) -> None:
    """A web command that SIGTERMs the runner as it starts is stopped, and the verdict is true."""
    env = {"RELEASE_CHECK_WEB_COMMAND": "kill -TERM $PPID; exec sleep 30"}
    for _ in range(5):
        result = release_check(env=env)
        assert result.code == 1, result.out
        assert result.verdict == (
            f"release-check: FAILED: interrupted by SIGTERM; {ALL_STOPPED}")
        assert tagged_processes(tag) == []


def stop_hoppers(log: Path) -> None:
    """Kill each new hop as it records itself, until none has for half a second.

    A hopper that escaped a failing run would outrun conftest's one look for leftovers. Half a
    second is 25 of its slowest hops.
    """
    seen: set[int] = set()
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < 0.5:
        fresh = set(recorded(log)) - seen
        for pid in running(sorted(fresh)):
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()
        seen |= fresh
        quiet_since = time.monotonic() if fresh else quiet_since
        time.sleep(0.001)


@linux_layer
@pytest.mark.parametrize("flags", [["--hop", "0.02"], ["--hop", "0.005", "--hop-on-sigterm"]],
                         ids=["hopping", "hops-on-sigterm"])
def test_fork_hopper_is_stopped(flags: list[str], release_check: RunCheck,
                                tmp_path: Path) -> None:
    """A descendant that keeps forking away (fork, parent exits, setsid) is stopped too."""
    log = tmp_path / "log"
    env = {"RELEASE_CHECK_WEB_COMMAND": tree_command(log, *flags),
           "RELEASE_CHECK_SHUTDOWN_GRACE": "1"}
    try:
        result = release_check(env=env)
        hops = len(recorded(log))
        time.sleep(0.2)
        assert len(recorded(log)) == hops, "the hopper still hops after the run"
    finally:
        stop_hoppers(log)
    assert result.code == 0, result.out
    assert "could not stop" not in result.out


def zombies_of(pid: int) -> int:
    """How many children of ``pid`` are zombies now (one reaped meanwhile is not)."""
    count = 0
    for child in psutil.Process(pid).children():
        with contextlib.suppress(psutil.NoSuchProcess):
            count += child.status() == psutil.STATUS_ZOMBIE
    return count


@linux_layer  # orphans are the runner's to reap only as a subreaper; elsewhere init reaps them
def test_orphans_are_reaped_while_the_run_goes_on(tag: str, tmp_path: Path) -> None:
    """Orphans exiting 50 times a second are reaped at once, not piled up until teardown."""
    log = tmp_path / "log"
    env = {"RELEASE_CHECK_WEB_COMMAND": tree_command(log, "--orphans", "50"),
           "RELEASE_CHECK_UPTIME": "2.5"}
    runner = start_runner(tag, tmp_path, env)
    most = 0
    try:
        wait_for(lambda: bool(recorded(log)))
        until = time.monotonic() + 1.5
        while time.monotonic() < until:
            most = max(most, zombies_of(runner.pid))
            time.sleep(0.05)
        out, _ = runner.communicate(timeout=30)
    finally:
        runner.kill()
        runner.wait()
    assert runner.returncode == 0, out
    assert most < 10


def test_nested_run_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """release-check started inside the app it checks (its marker set) refuses with exit 2."""
    env = {"RELEASE_CHECK_RUN_ID": "123-abc", "RELEASE_CHECK_WEB_COMMAND": "true"}
    assert main([], env) == 2
    assert capsys.readouterr().err == (
        "release-check: error: release-check is running inside the app it checks"
        " (RELEASE_CHECK_RUN_ID is set): the web command must start the app, not release-check\n")


def test_web_command_running_release_check_does_not_recurse(release_check: RunCheck) -> None:
    """A web command that is release-check itself fails at once, one level deep."""
    env = {"RELEASE_CHECK_WEB_COMMAND": f"{sys.executable} -m release_check"}
    result = release_check(env=env, timeout=30)
    assert result.code == 1
    assert "web | release-check: error: release-check is running inside the app" in result.out
    assert "web exited with code 2 before listening" in result.verdict
    assert result.out.count("release-check is running inside") == 1


def test_without_a_subreaper_the_group_gets_one_sigterm(tag: str, tmp_path: Path) -> None:
    """Without a subreaper (macOS) the group gets one SIGTERM each; a detached daemon is missed."""
    log = tmp_path / "log"
    root = subprocess.Popen(shlex.split(tree_command(log, "--tree", "--never-bind")),
                            env=clean_env(tag, {}), start_new_session=True)
    try:
        wait_for(lambda: len(recorded(log)) == 4)
        shutdown = stop_tree(Descendants([root], adopted=False), GRACE)
        roles = {role: pid for pid, role in recorded(log).items()}
        assert shutdown.killed == 0
        assert {role: sigterms(log, pid) for role, pid in roles.items()} == {
            "app": 1, "child": 1, "grandchild": 1, "daemon": 0}
        wait_for(lambda: running(list(roles.values())) == [roles["daemon"]], timeout=5)
    finally:
        for pid in running(list(recorded(log))):
            psutil.Process(pid).kill()
        root.kill()
        root.wait()
