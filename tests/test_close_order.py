"""A run's close unwinds its resources in the order lifetime.py promises, on a real app."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import clean_env, fixture_env
from tests.test_processes_run import procfile, settings

# Runs release-check in a child whose teardown steps say, in order, when each is reached.
_SPIED = textwrap.dedent("""
    import sys
    from release_check.checking import warmup, workers
    from release_check.release import lifetime
    from release_check.supervise import pump, tree, wakeup, watchdog

    def spy(owner, name, said):
        real = getattr(owner, name)
        def step(*args, **kwargs):
            print("step:", said, file=sys.stderr, flush=True)
            return real(*args, **kwargs)
        setattr(owner, name, step)

    spy(tree.TreeWatcher, "stop", "watcher")
    spy(lifetime, "stop_tree", "teardown")
    spy(workers.Workers, "join", "threads")
    spy(pump.OutputPump, "finish", "output")
    spy(wakeup.Wakeup, "close", "wake-up")
    spy(warmup.HttpWarmup, "close", "client")
    spy(watchdog.Watchdog, "close", "watchdog")
    from release_check.cli import main
    sys.exit(main(sys.argv[1:]))
""")
_PROMISED = ["watcher", "teardown", "threads", "output", "wake-up", "client", "watchdog"]


def _steps(tag: str, folder: Path, env: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _SPIED], env=clean_env(tag, env), cwd=folder,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return [line.split(": ", 1)[1] for line in done.stderr.splitlines()
            if line.startswith("step: ")]


def test_close_stops_the_app_before_threads_and_the_watchdog_last(
    tag: str, tmp_path: Path
) -> None:
    """Watcher, teardown, threads, then what threads use; the watchdog is told done last."""
    assert _steps(tag, tmp_path, fixture_env()) == _PROMISED


def test_close_stops_every_watcher_before_the_one_teardown(tag: str, tmp_path: Path) -> None:
    """With a worker beside web: both watchers, one teardown, then each process's last lines."""
    procfile(tmp_path, worker=())
    settings(tmp_path, "[process.worker]\nuptime = 0.5\n")  # healthy sooner than the default 5 s
    env = {"RELEASE_CHECK_TIMEOUT": "20", "RELEASE_CHECK_PROCESSES": "web,worker"}
    assert _steps(tag, tmp_path, env) == [
        "watcher", "watcher", "teardown", "threads",
        "output", "wake-up", "output", "wake-up", "client", "watchdog",
    ]
