"""Every process type judged like web: crash loops, deaths after the ready line, error lines."""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import APPS, FIXTURE_APP, RunCheck
from tests.test_crash_loop import NODE_CLUSTER, needs_statuses

pytestmark = pytest.mark.slow

RESPAWNER = APPS / "respawner_app.py"
CELERY_READY = r"celery@\S+ ready"


def _procfile(folder: Path, **others: str) -> None:
    """A Procfile booting the fixture web app and the given commands beside it."""
    lines = [f"web: {shlex.join([sys.executable, str(FIXTURE_APP)])}"]
    lines += [f"{name}: {command}" for name, command in others.items()]
    (folder / "Procfile").write_text("\n".join(lines) + "\n")


def _patient(folder: Path, name: str) -> None:
    """Give ``name`` a 15 s uptime: room for five respawns on a loaded machine."""
    (folder / "release-check.toml").write_text(f"[process.{name}]\nuptime = 15\n")


def _respawner(*flags: str) -> str:
    return shlex.join([sys.executable, str(RESPAWNER), *flags])


def _env(**extra: str) -> dict[str, str]:
    return {"RELEASE_CHECK_TIMEOUT": "20", **{f"RELEASE_CHECK_{k.upper()}": v
                                              for k, v in extra.items()}}


def test_a_worker_master_respawning_failing_children_is_a_crash_loop(release_check: RunCheck,
                                                                     tmp_path: Path) -> None:
    """A worker whose master keeps respawning children that exit 1 fails, naming the worker."""
    _procfile(tmp_path, worker=_respawner("--fail-after", "0.3"))
    _patient(tmp_path, "worker")
    result = release_check(env=_env(processes="web,worker"))
    assert result.code == 1, result.out
    assert re.search(r"FAILED: worker's worker processes are crash-looping: \d+ exited in"
                     r" [\d.]+s before it was ready \(python\S*, pid \d+, respawns them\)",
                     result.verdict), result.verdict
    tail = result.out.split("last lines of worker's output:")[1]
    assert "Cannot connect to redis://" in tail


def test_a_node_cluster_worker_respawning_failed_workers_is_a_crash_loop(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """A throng-like Node cluster as the worker type, re-forking workers that throw: FAILED."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    (tmp_path / "worker.js").write_text(NODE_CLUSTER)
    _procfile(tmp_path, worker="node worker.js")
    _patient(tmp_path, "worker")
    result = release_check(env=_env(processes="web,worker"))
    assert result.code == 1, result.out
    assert re.search(r"FAILED: worker's worker processes are crash-looping: .* \(node, pid \d+,"
                     r" respawns them\)", result.verdict), result.verdict


@needs_statuses
def test_a_shell_loop_clock_restarting_a_crash_is_a_crash_loop(release_check: RunCheck,
                                                               tmp_path: Path) -> None:
    """A clock run by a shell `while true` that reruns a command exiting 1: FAILED."""
    failing = "import sys, time; time.sleep(0.3); sys.exit('Error: no schedule')"
    loop = f"while true; do {shlex.join([sys.executable, '-c', failing])}; done"
    _procfile(tmp_path, clock=shlex.join(["bash", "-c", loop]))
    _patient(tmp_path, "clock")
    result = release_check(env=_env(processes="web,clock"))
    assert result.code == 1, result.out
    assert "FAILED: clock's worker processes are crash-looping" in result.verdict
    assert "(bash, pid" in result.verdict


@needs_statuses
def test_a_worker_whose_pool_aborts_right_after_its_ready_line_fails(release_check: RunCheck,
                                                                     tmp_path: Path) -> None:
    """Pool children that abort as `ready.` is printed: FAILED in the window after it."""
    _procfile(tmp_path, worker=_respawner("--ready", "--abort-after", "0", "--no-respawn"))
    result = release_check(env=_env(processes="web,worker", ready_worker=CELERY_READY,
                                    uptime="1"))
    assert result.code == 1, result.out
    assert re.search(r"FAILED: worker's process pid \d+ was killed by SIGABRT within [\d.]+s"
                     r" of worker's ready line", result.verdict), result.verdict


def test_a_worker_with_healthy_children_passes_its_window(release_check: RunCheck,
                                                          tmp_path: Path) -> None:
    """A worker whose pool stays up through the window after its ready line passes."""
    _procfile(tmp_path, worker=_respawner("--ready"))
    result = release_check(env=_env(processes="web,worker", ready_worker=CELERY_READY,
                                    uptime="0.5"))
    assert result.code == 0, result.out
    assert "; worker ready in " in result.verdict


def test_the_sigterm_warning_names_only_the_type_that_outlived_the_grace(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """Web stops at SIGTERM, the worker ignores it: the warning names the worker alone."""
    worker = shlex.join([sys.executable, str(APPS / "worker_app.py"), "--ignore-sigterm"])
    _procfile(tmp_path, worker=worker)
    result = release_check(env=_env(processes="web,worker", ready_worker=CELERY_READY,
                                    shutdown_grace="0.5"))
    assert result.code == 0, result.out
    assert "warning: worker ignored SIGTERM: 1 process(es) still ran" in result.out, result.out
    assert "web and worker ignored" not in result.out


BROKER_DOWN = """
import time
for attempt in (1, 2, 3):
    print("[2026-01-05 10:00:0%d,000: ERROR/MainProcess] consumer: Cannot connect to"
          " redis://localhost:6379//: Error 111 connecting to localhost:6379." % attempt,
          flush=True)
while True:
    time.sleep(1)
"""


def test_error_lines_of_a_worker_that_passes_are_a_warning_naming_it(release_check: RunCheck,
                                                                     tmp_path: Path) -> None:
    """A worker logging ERROR lines but running on: a warning naming it, and how to fail them."""
    (tmp_path / "worker.py").write_text(BROKER_DOWN)
    _procfile(tmp_path, worker=shlex.join([sys.executable, "worker.py"]))
    settings = '[process.worker]\nuptime = 0.5\n'
    (tmp_path / "release-check.toml").write_text(f'processes = ["web", "worker"]\n{settings}')
    result = release_check(env=_env())
    assert result.code == 0, result.out
    assert ("release-check: warning: worker printed 3 error lines (the last: [2026-01-05"
            " 10:00:03,000: ERROR/MainProcess] consumer: Cannot connect to redis://") in result.out
    assert (r"give worker a ready regex that only a working worker prints"
            r" (RELEASE_CHECK_READY_WORKER, or ready in [process.worker]), such as Celery's"
            r" 'celery@\S+ ready'") in result.out
    assert "; worker up 0.5s with 3 error lines" in result.verdict


def test_web_crash_looping_in_its_uptime_window_fails(release_check: RunCheck) -> None:
    """Web passes its check, then its workers start dying and respawning: FAILED in the window."""
    pool = _respawner("--pool-after", "0.5", "--fail-after", "0.1")
    web = f"{pool} & exec {shlex.join([sys.executable, str(FIXTURE_APP)])}"
    result = release_check(env=_env(web_command=web, uptime="10"))
    assert result.code == 1, result.out
    assert re.search(r"FAILED: web's worker processes are crash-looping: \d+ exited in [\d.]+s"
                     r" within the 10s uptime window after passing the check", result.verdict), (
        result.verdict)
    assert result.seconds < 10
