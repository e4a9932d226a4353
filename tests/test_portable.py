"""The portable OS layer (what macOS runs), forced on Linux: teardown and ownership verdicts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil

from release_check.supervise.tree import uss_estimate
from release_check.system import PORTABLE_VARIABLE
from tests.conftest import APPS, RunCheck, alive, app_command, pids_in
from tests.test_listeners import UVICORN, needs_ipv6, shared_port_run

PORTABLE = {PORTABLE_VARIABLE: "1"}
REFUSED = APPS / "refused"  # sitecustomize: psutil refuses sockets as macOS does


def test_setsid_child_is_signalled_before_its_group_leaves_it_orphaned(
        release_check: RunCheck, tmp_path: Path) -> None:
    """Without a subreaper, a child in a session of its own is stopped with the app."""
    pid_dir = tmp_path / "pids"
    env = {"RELEASE_CHECK_WEB_COMMAND": app_command("--setsid-child", "--pid-dir", str(pid_dir)),
           **PORTABLE}
    result = release_check(env=env)
    assert result.code == 0, result.out
    pids = pids_in(pid_dir)
    assert len(pids) == 2
    assert alive(pids) == []


def test_sigkill_broadcast_is_counted_and_reported(
        release_check: RunCheck, tmp_path: Path) -> None:
    """Without a subreaper, processes the group SIGKILL reached count as killed and warned of."""
    flags = ("--ignore-sigterm", "--grandchild", "--pid-dir", str(tmp_path / "pids"))
    report = tmp_path / "report.json"
    env = {"RELEASE_CHECK_WEB_COMMAND": app_command(*flags), "RELEASE_CHECK_SHUTDOWN_GRACE": "0.5",
           **PORTABLE}
    result = release_check("--report", str(report), env=env)
    assert result.code == 0, result.out
    assert "web ignored SIGTERM: 2 process(es) still ran after the 0.5s grace" in result.out
    assert json.loads(report.read_text())["killed_after_grace"] == 2


def test_refused_socket_table_still_finds_a_foreign_server_of_the_same_user(
        tag: str, release_check: RunCheck, tmp_path: Path) -> None:
    """Where the machine-wide table is refused (macOS), each process is asked: no false pass."""
    env = {"PYTHONPATH": str(REFUSED), **PORTABLE}
    pid, _, result = shared_port_run(tag, release_check, tmp_path, env)
    assert result.code == 1, result.out
    assert f"FAILED: pid {pid} (python" in result.verdict
    assert "outside web's process tree" in result.verdict


def test_sockets_hidden_by_other_users_are_named_as_unchecked(
        tag: str, release_check: RunCheck, tmp_path: Path) -> None:
    """A healthy app's pass says how many processes hid their sockets: unknown is not safe."""
    report = tmp_path / "report.json"
    env = {"RELEASE_CHECK_WEB_COMMAND": app_command(), "PYTHONPATH": str(REFUSED), **PORTABLE}
    result = release_check("--report", str(report), env=env)
    assert result.code == 0, result.out
    warnings = json.loads(report.read_text())["warnings"]
    hidden = [w for w in warnings if "could not check whether another server" in w]
    assert len(hidden) == 1, warnings
    assert "process(es) of other users hide their sockets" in hidden[0]


@needs_ipv6
def test_ipv6_only_wildcard_is_told_apart_without_sock_diag(release_check: RunCheck) -> None:
    """Portable: a real uvicorn on an IPv6-only :: still gets the IPv4 router warning."""
    env = {"RELEASE_CHECK_WEB_COMMAND": f"{UVICORN} --host ::", "RELEASE_CHECK_TIMEOUT": "30",
           **PORTABLE}
    result = release_check("-q", env=env)
    assert result.code == 0, result.out
    assert "(IPv6-only: IPV6_V6ONLY is set" in result.out


FORKED_WORKERS = """
import os, time
ballast = bytearray(64 << 20)
ballast[::4096] = b"x" * (len(ballast) // 4096)
for _ in range(3):
    if os.fork() == 0:
        print(1, flush=True)
        time.sleep(60)
        os._exit(0)
time.sleep(60)
"""


def test_uss_estimate_counts_forked_workers_shared_pages_once() -> None:
    """Three forks sharing a touched 64 MB buffer: the USS estimate is near PSS, far below RSS."""
    master = subprocess.Popen([sys.executable, "-c", FORKED_WORKERS], stdout=subprocess.PIPE,
                              start_new_session=True)
    try:
        assert master.stdout is not None
        for _ in range(3):
            master.stdout.readline()
        top = psutil.Process(master.pid)
        tree = [top, *top.children()]
        assert len(tree) == 4
        estimate, counted = uss_estimate(tree)
        assert counted == 4
        rss = sum(proc.memory_info().rss for proc in tree)
        pss = sum(proc.memory_full_info().pss for proc in tree)
        assert estimate < rss / 2
        assert abs(estimate - pss) < 16 << 20, (estimate, pss)
    finally:
        os.killpg(master.pid, signal.SIGKILL)
        master.wait()
