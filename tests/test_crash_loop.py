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

from release_check.supervise.respawn import CrashLoop, Endings, ExitCounter
from release_check.system import SYSTEM, System
from tests.conftest import FIXTURE_APP, RunCheck, app_command, clean_env
from tests.oslayers import LAYERS

ROOT = 100
SHELL = 101


def _name(pid: int) -> str:
    """The process names of the fake trees: pid 101 is a shell, the others a server."""
    return "bash" if pid == SHELL else "uvicorn"


class _Statuses(Endings):
    """Exit statuses given by the test: pid -> wait status; unknown (None) for the others."""

    def __init__(self, statuses: dict[int, int] | None = None) -> None:
        super().__init__()
        self.statuses = statuses or {}

    def watch(self, pid: int) -> None:
        """Nothing to hold: the statuses are given."""

    def status(self, pid: int) -> int | None:
        """The given status."""
        return self.statuses.get(pid)


def _counter(commands: dict[int, str] | None = None,
             statuses: dict[int, int] | None = None) -> ExitCounter:
    """A counter over fake trees, every child running ``worker`` unless ``commands`` says."""
    given = commands or {}
    return ExitCounter(ROOT, _name, lambda pid: given.get(pid, "worker"), _Statuses(statuses))


def _respawning(counter: ExitCounter, parent: int, workers: int, rounds: int) -> None:
    """Snapshots of ``parent``'s ``workers``, each round all replaced by new pids."""
    for round_ in range(rounds):
        first = parent * 1000 + round_ * workers
        counter.observe({SHELL: ROOT, **{pid: parent for pid in range(first, first + workers)}})


def test_workers_that_keep_exiting_under_a_living_parent_are_a_crash_loop() -> None:
    """Five respawns of a dying command under a living root: a crash loop naming the server."""
    counter = _counter()
    _respawning(counter, ROOT, workers=2, rounds=5)
    assert counter.loop is None  # 4 respawns so far
    counter.observe({SHELL: ROOT, 9: ROOT})
    assert counter.loop == CrashLoop(5, ROOT, "uvicorn")


def test_a_batch_of_children_ending_between_two_looks_is_one_respawn() -> None:
    """Eight workers replaced at once, four times, are four respawns, not 32 exits."""
    counter = _counter()
    _respawning(counter, ROOT, workers=8, rounds=5)
    assert counter.loop is None


def test_long_lived_workers_are_not_counted() -> None:
    """Workers that stay up, snapshot after snapshot, never make a crash loop."""
    counter = _counter()
    for _ in range(50):
        counter.observe({ROOT + 5: ROOT, ROOT + 6: ROOT})
    assert counter.loop is None


def test_the_commands_of_a_shell_are_not_counted_when_their_status_is_unknown() -> None:
    """Without a readable exit status, a shell's commands count as a boot script's steps."""
    counter = _counter()
    _respawning(counter, SHELL, workers=1, rounds=20)
    assert counter.loop is None


def test_a_shell_restarting_a_command_that_fails_is_a_crash_loop() -> None:
    """A `while true` loop rerunning a command that exits 1 is counted, shell or not."""
    counter = _counter(statuses={SHELL * 1000 + n: 1 << 8 for n in range(20)})
    _respawning(counter, SHELL, workers=1, rounds=6)
    assert counter.loop == CrashLoop(5, SHELL, "bash")


def test_commands_that_finish_with_0_are_not_counted() -> None:
    """The same command rerun after it exited 0 (make's steps, a loop of sleeps) is no crash."""
    counter = _counter(statuses={ROOT * 1000 + n: 0 for n in range(20)})
    _respawning(counter, ROOT, workers=1, rounds=20)
    assert counter.loop is None


def test_different_commands_that_die_are_not_respawns() -> None:
    """Each child dying with another command than the last is not a parent respawning it."""
    counter = _counter({ROOT * 1000 + n: f"step {n}" for n in range(20)})
    _respawning(counter, ROOT, workers=1, rounds=20)
    assert counter.loop is None


def test_another_command_between_two_runs_of_a_dying_one_is_no_respawn() -> None:
    """`until pg_isready; do sleep 1; done` waits: the sleep between makes it no respawn."""
    commands = {ROOT * 1000 + n: "sleep 1" if n % 2 else "pg_isready" for n in range(40)}
    counter = _counter(commands)
    _respawning(counter, ROOT, workers=1, rounds=40)
    assert counter.loop is None


def test_children_gone_with_their_parent_are_not_counted() -> None:
    """A subtree that vanished with its parent (exited, or re-parented) counts no exits."""
    counter = _counter()
    for _ in range(6):
        counter.observe({SHELL: ROOT, 200: SHELL, **{pid: 200 for pid in range(2000, 2010)}})
        counter.observe({SHELL: ROOT})
    assert counter.loop is None


def test_exits_are_counted_per_parent() -> None:
    """Four respawns under each of two servers are not five under one."""
    counter = _counter()
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
    # The cause, not the primary's "died" line, which a 12-line stack trace can push out.
    assert "! SyntaxError: Unexpected end of JSON input" in _lines_before_verdict(result.out, 12)
    assert result.seconds < 30


STEP = "import sys, time\ntime.sleep(0.4)\nprint('step', sys.argv[1], 'done')\n"
BOOT_STEPS = ("migrate", "collectstatic", "compilemessages", "check", "createcachetable")


@pytest.mark.slow
def test_make_serve_with_five_recipe_lines_is_not_a_crash_loop(release_check: RunCheck,
                                                                tmp_path: Path) -> None:
    """`web: make serve` running five boot steps, each exiting 0, then the server, passes."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    (tmp_path / "step.py").write_text(STEP)
    steps = "".join(f"\t{shlex.quote(sys.executable)} step.py {step}\n" for step in BOOT_STEPS)
    (tmp_path / "Makefile").write_text(f"serve:\n{steps}\t{app_command()}\n")
    result = release_check(env={"RELEASE_CHECK_WEB_COMMAND": "make serve"})
    assert result.code == 0, result.out
    assert "step createcachetable done" in result.out


START_SCRIPT = """
import os, subprocess, sys
for step in {steps!r}:
    subprocess.run([sys.executable, "step.py", step], check=True)
os.execvp(sys.executable, [sys.executable, {app!r}])
"""


@pytest.mark.slow
def test_a_start_script_running_management_commands_then_exec_is_not_a_crash_loop(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """A Python entrypoint running five subprocess.run steps, then execvp-ing the server, passes."""
    (tmp_path / "step.py").write_text(STEP)
    (tmp_path / "start.py").write_text(START_SCRIPT.format(steps=BOOT_STEPS, app=str(FIXTURE_APP)))
    web = f"{shlex.quote(sys.executable)} start.py"
    result = release_check(env={"RELEASE_CHECK_WEB_COMMAND": web})
    assert result.code == 0, result.out


POOL_WARMUP = """
import multiprocessing, runpy, sys, time
if __name__ == "__main__":
    with multiprocessing.get_context("fork").Pool(8) as pool:
        pool.map(time.sleep, [0.4] * 8)
    print("warmed up", flush=True)
    time.sleep(0.6)  # the rest of the app's import
    sys.argv = [{app!r}]
    runpy.run_path({app!r}, run_name="__main__")
"""


@pytest.mark.slow
def test_a_process_pool_warm_up_is_not_a_crash_loop(release_check: RunCheck,
                                                     tmp_path: Path) -> None:
    """Eight pool workers ended together after a warm-up, never started again, are no loop."""
    (tmp_path / "warm.py").write_text(POOL_WARMUP.format(app=str(FIXTURE_APP)))
    result = release_check(env={"RELEASE_CHECK_WEB_COMMAND":
                                f"{shlex.quote(sys.executable)} warm.py"})
    assert result.code == 0, result.out
    assert "warmed up" in result.out


def _statuses_readable() -> bool:
    """Whether this kernel keeps a process's exit status for a pidfd (Linux 6.15+)."""
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])
    fd = os.pidfd_open(child.pid) if hasattr(os, "pidfd_open") else None
    child.wait()
    if fd is None:
        return False
    try:
        return SYSTEM.exit_status(fd) == 3 << 8
    finally:
        os.close(fd)


needs_statuses = pytest.mark.skipif(not _statuses_readable(),
                                    reason="exit statuses of other processes are unreadable")
FAILING = ("import sys, time; time.sleep(0.3);"
           " sys.exit('Error: Cannot connect to redis://localhost:6379')")


@pytest.mark.slow
@needs_statuses
def test_a_shell_while_true_loop_restarting_a_crash_fails_early(release_check: RunCheck) -> None:
    """A shell `while true` rerunning a command that exits 1 is a crash loop, not a 20 s wait."""
    loop = f"while true; do {shlex.quote(sys.executable)} -c {shlex.quote(FAILING)}; done"
    result = release_check(env={"RELEASE_CHECK_WEB_COMMAND": loop,
                                "RELEASE_CHECK_TIMEOUT": "20"})
    assert result.code == 1
    assert re.search(r"crash-looping: \d+ exited in [\d.]+s before listening on port \d+"
                     r" \(bash, pid \d+, respawns them\)", result.verdict), result.verdict
    assert "Cannot connect to redis" in _lines_before_verdict(result.out, 10)
    assert result.seconds < 15
