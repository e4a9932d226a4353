"""Crash-looping workers fail early, with their last lines, instead of at the deadline."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from release_check.release.respawn import CrashLoop, ExitCounter
from release_check.system import System
from tests.conftest import RunCheck, app_command, clean_env
from tests.oslayers import LAYERS

ROOT = 100
SHELL = 101


def _name(pid: int) -> str:
    """The process names of the fake trees: pid 101 is a shell, the others a server."""
    return "bash" if pid == SHELL else "uvicorn"


def _respawning(counter: ExitCounter, parent: int, workers: int, rounds: int) -> None:
    """Snapshots of ``parent``'s ``workers``, each round all replaced by new pids."""
    for round_ in range(rounds):
        first = parent * 1000 + round_ * workers
        counter.observe({SHELL: ROOT, **{pid: parent for pid in range(first, first + workers)}})


def test_workers_that_keep_exiting_under_a_living_parent_are_a_crash_loop() -> None:
    """Five children of the root gone while the root lives on: a crash loop naming the server."""
    counter = ExitCounter(ROOT, _name)
    _respawning(counter, ROOT, workers=2, rounds=3)
    assert counter.loop is None  # 4 exits so far
    counter.observe({SHELL: ROOT, 9: ROOT})
    assert counter.loop == CrashLoop(5, ROOT, "uvicorn")


def test_long_lived_workers_are_not_counted() -> None:
    """Workers that stay up, snapshot after snapshot, never make a crash loop."""
    counter = ExitCounter(ROOT, _name)
    for _ in range(50):
        counter.observe({ROOT + 5: ROOT, ROOT + 6: ROOT})
    assert counter.loop is None


def test_the_commands_of_a_shell_are_not_counted() -> None:
    """A boot script's commands, run one after another by bash, are not respawned workers."""
    counter = ExitCounter(ROOT, _name)
    _respawning(counter, SHELL, workers=1, rounds=20)
    assert counter.loop is None


def test_children_gone_with_their_parent_are_not_counted() -> None:
    """A subtree that vanished with its parent (exited, or re-parented) counts no exits."""
    counter = ExitCounter(ROOT, _name)
    counter.observe({SHELL: ROOT, 200: SHELL, **{pid: 200 for pid in range(2000, 2010)}})
    counter.observe({SHELL: ROOT})
    assert counter.loop is None


def test_exits_are_counted_per_parent() -> None:
    """Four exits under each of two servers are not five under one."""
    counter = ExitCounter(ROOT, _name)
    first, second = 300, 301
    for round_ in range(5):
        counter.observe({first: ROOT, second: ROOT,
                         first * 10 + round_: first, second * 10 + round_: second})
    assert counter.loop is None


@pytest.mark.parametrize("system", LAYERS, ids=lambda layer: layer.name)
def test_the_snapshot_finds_every_descendant_and_its_parent(tag: str, system: System) -> None:
    """Each OS layer's snapshot gives the app's children and grandchildren, with their parents."""
    command = app_command("--children", "2", "--never-bind") + "; true"  # bash stays the root
    root = subprocess.Popen(["bash", "-c", command], env=clean_env(tag, {}),
                            stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while len(tree := system.descendants(root.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        app = next(pid for pid, parent in tree.items() if parent == root.pid)
        assert sorted(tree.values()) == [root.pid, app, app], tree
    finally:
        os.killpg(root.pid, signal.SIGKILL)
        root.wait()


def _lines_before_verdict(out: str, count: int) -> str:
    """The last ``count`` lines of the output before the verdict."""
    return "\n".join(out.strip().splitlines()[-count - 1:-1])


@pytest.mark.slow
def test_uvicorn_workers_with_a_syntax_error_fail_early(release_check: RunCheck,
                                                        tmp_path: Path) -> None:
    """A uvicorn --workers 2 on a module with a SyntaxError: a crash loop well before 60 s."""
    (tmp_path / "broken.py").write_text("def app(:\n    pass\n")
    web = f"{shlex.quote(sys.executable)} -m uvicorn broken:app --workers 2 --port $PORT"
    (tmp_path / "Procfile").write_text(f"web: {web}\n")
    result = release_check(env={"RELEASE_CHECK_TIMEOUT": "60"})
    assert result.code == 1
    assert re.search(r"FAILED: web's worker processes are crash-looping: \d+ exited in"
                     r" [\d.]+s before listening on port \d+ \(\S+, pid \d+, respawns them\)",
                     result.verdict), result.verdict
    assert "SyntaxError: invalid syntax" in _lines_before_verdict(result.out, 10)
    assert result.seconds < 30


@pytest.mark.slow
def test_gunicorn_workers_that_exit_at_import_fail_early(release_check: RunCheck,
                                                         tmp_path: Path) -> None:
    """A gunicorn respawning workers that sys.exit() at import: a crash loop, not a 60 s wait."""
    (tmp_path / "app.py").write_text(
        'import sys\nsys.exit("DATABASE_URL is not set")\n'
    )
    web = (f"{shlex.quote(sys.executable)} -m gunicorn app:application --workers 2"
           " --bind 0.0.0.0:$PORT")
    (tmp_path / "Procfile").write_text(f"web: {web}\n")
    result = release_check("-q", env={"RELEASE_CHECK_TIMEOUT": "60"})
    assert result.code == 1
    assert "worker processes are crash-looping" in result.verdict
    assert "before passing the check" in result.verdict  # gunicorn's master listens at once
    assert "release-check:   | DATABASE_URL is not set" in _lines_before_verdict(result.out, 10)
    assert result.seconds < 30


def test_a_boot_script_running_commands_is_not_a_crash_loop(release_check: RunCheck) -> None:
    """A shell that runs short commands one after another, then the app, passes."""
    helpers = "; ".join(["sleep 0.3"] * 8)
    result = release_check(env={"RELEASE_CHECK_WEB_COMMAND": f"{helpers}; {app_command()}"})
    assert result.code == 0, result.out


NODE_CLUSTER = """
const cluster = require("cluster");
if (cluster.isPrimary) {
  for (let i = 0; i < 2; i++) cluster.fork();
  cluster.on("exit", (worker) => {
    console.log(`worker ${worker.process.pid} died`);
    cluster.fork();
  });
} else {
  JSON.parse(process.env.APP_CONFIG || "");
}
"""


@pytest.mark.slow
def test_a_node_cluster_respawning_failed_workers_fails_early(release_check: RunCheck,
                                                              tmp_path: Path) -> None:
    """A Node cluster primary that re-forks workers dying at start is a crash loop too."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    (tmp_path / "server.js").write_text(NODE_CLUSTER)
    result = release_check(env={"RELEASE_CHECK_WEB_COMMAND": "node server.js",
                                "RELEASE_CHECK_TIMEOUT": "60"})
    assert result.code == 1
    assert re.search(r"crash-looping: \d+ exited in [\d.]+s before listening on port \d+"
                     r" \(node, pid \d+", result.verdict), result.verdict
    assert "died" in _lines_before_verdict(result.out, 10)
    assert result.seconds < 30
