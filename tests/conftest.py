"""Shared helpers: run release-check as a real process, and prove no process outlives a test."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from hypothesis import settings

from release_check.system import SYSTEM

# CI replays the same examples every run, so a red build always means a reproducible bug;
# local runs keep exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

APPS = Path(__file__).parent / "apps"
FIXTURE_APP = APPS / "fixture_app.py"
REPO = Path(__file__).parent.parent
TAG_VAR = "RC_FIXTURE_TAG"
COMMAND_VAR = "RC_TEST_COMMAND"  # not RELEASE_CHECK_*: clean_env strips those


def command_under_test(value: str | None) -> list[str]:
    """How tests start release-check: ``value`` shell-split, else ``python -m release_check``.

    A relative path is taken from where pytest was started, since each test runs release-check
    in a folder of its own.
    """
    words = shlex.split(value or "")
    if not words:
        return [sys.executable, "-m", "release_check"]
    if "/" in words[0]:
        words[0] = str(Path(words[0]).absolute())
    return words


RC_COMMAND = command_under_test(os.environ.get(COMMAND_VAR))


LINUX_ONLY = "Linux-only"
# What only the Linux OS layer can do (a subreaper adopting double-forked daemons, a socket
# kept across refused connects): skipped, and counted, when RC_PORTABLE=1 or off Linux.
linux_layer = pytest.mark.skipif(
    SYSTEM.name != "linux", reason=f"{LINUX_ONLY}: needs the Linux OS layer, not {SYSTEM.name}"
)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which OS layer ran, and how many tests it skipped as Linux-only."""
    skipped = terminalreporter.stats.get("skipped", [])
    linux = [report for report in skipped if LINUX_ONLY in str(report.longrepr)]
    terminalreporter.write_line(
        f"OS layer: {SYSTEM.name}; {len(linux)} test(s) skipped as {LINUX_ONLY}"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first, so that short ones fill in around them on every worker.

    The suite ends with its last worker: a long test begun last costs its whole length.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


BYTECODE_CACHE = REPO / ".pytest_cache" / "bytecode"


def share_bytecode(environ: MutableMapping[str, str]) -> None:
    """Let the processes the suite starts share one bytecode cache, outside the source tree.

    An editable install has no compiled modules, and with PYTHONDONTWRITEBYTECODE set (as on
    many CI machines) every one of the suite's ~1,000 runs compiled release-check anew: a third
    of each run's CPU time. The prefix keeps the cache out of the user's source tree.
    """
    environ.pop("PYTHONDONTWRITEBYTECODE", None)
    environ["PYTHONPYCACHEPREFIX"] = str(BYTECODE_CACHE)


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to start when RC_TEST_COMMAND names a program that is not there."""
    if shutil.which(RC_COMMAND[0]) is None:
        raise pytest.UsageError(f"{COMMAND_VAR}: {RC_COMMAND[0]} not found or not executable"
                                " (scripts/build-standalone builds dist/release-check)")
    share_bytecode(os.environ)


def app_command(*flags: str) -> str:
    """The shell command that boots the fixture app with the given behaviour flags."""
    return shlex.join([sys.executable, str(FIXTURE_APP), *flags])


def fixture_env(*flags: str, **settings: str) -> dict[str, str]:
    """RELEASE_CHECK_* variables booting the fixture app with ``flags``; TIMEOUT=20 unless given."""
    env = {"RELEASE_CHECK_WEB_COMMAND": app_command(*flags), "RELEASE_CHECK_TIMEOUT": "20"}
    env.update({f"RELEASE_CHECK_{k.upper()}": v for k, v in settings.items()})
    return env


@dataclass(frozen=True)
class Result:
    """A finished release-check process."""

    code: int
    out: str
    err: str
    seconds: float

    @property
    def verdict(self) -> str:
        """The last line of standard output."""
        lines = self.out.strip().splitlines()
        return lines[-1] if lines else ""


def clean_env(tag: str, extra: Mapping[str, str]) -> dict[str, str]:
    """The test's environment without any RELEASE_CHECK_* leaking in, tagged with ``tag``.

    The uptime window is off unless a test sets it: it is a deliberate wait, tested on its own.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELEASE_CHECK_")}
    return {**env, TAG_VAR: tag, "RELEASE_CHECK_UPTIME": "0", **extra}


RunCheck = Callable[..., Result]


@pytest.fixture
def in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str]) -> RunCheck:
    """Call ``cli.main(argv, environ)`` here, in ``tmp_path``: for runs that start no process.

    The environment is only what the test gives, so nothing from the test's own leaks in.
    """
    from release_check.cli import main  # noqa: PLC0415

    monkeypatch.chdir(tmp_path)

    def run(*args: str, env: Mapping[str, str] | None = None) -> Result:
        started = time.monotonic()
        code = main(list(args), dict(env or {}))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err, time.monotonic() - started)

    return run


@pytest.fixture
def tag() -> str:
    """A tag inherited by every process a test starts, to find leftovers."""
    return uuid.uuid4().hex


@pytest.fixture
def release_check(tag: str, tmp_path: Path) -> RunCheck:
    """Run release-check (RC_COMMAND) with flags and variables; return its Result."""

    def run(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 60) -> Result:
        started = time.monotonic()
        done = subprocess.run(
            [*RC_COMMAND, *args],
            env=clean_env(tag, env or {}),
            cwd=cwd or tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr, time.monotonic() - started)

    return run


def tagged_processes(tag: str) -> list[psutil.Process]:
    """Live (non-zombie) processes that inherited the test's tag."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(TAG_VAR) == tag and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except psutil.Error:
            continue
    return found


def wait_until_gone(tag: str, timeout: float = 5.0) -> list[psutil.Process]:
    """Processes still carrying ``tag`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while (left := tagged_processes(tag)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.fixture(autouse=True)
def no_leftover_processes(tag: str) -> Iterator[None]:
    """Fail any test that leaves a process it started running, and kill the leftovers."""
    yield
    left = wait_until_gone(tag, timeout=3.0)
    for proc in left:
        proc.kill()
    assert not left, f"processes outlived the test: {[p.pid for p in left]}"


UPTIME_BEGUN = "passed; the app must now stay up"


def crash_in_uptime_window(tag: str, cwd: Path, *args: str, **settings: str) -> Result:
    """Run release-check -v on the fixture app; the moment the uptime window begins, it exits 7.

    The cue is the runner's own line, not a delay after binding: under load the check may take
    longer than any delay, and the app would die before passing instead.
    """
    pid_dir = cwd / "pids"
    env = clean_env(tag, fixture_env("--exit-on-usr1", "--pid-dir", str(pid_dir), **settings))
    started = time.monotonic()
    runner = subprocess.Popen([*RC_COMMAND, "-v", *args], env=env, cwd=cwd, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        seen = _read_until(runner, UPTIME_BEGUN)
        for pid in pids_in(pid_dir) if UPTIME_BEGUN in seen else []:
            os.kill(pid, signal.SIGUSR1)
        out, err = runner.communicate(timeout=60)
    finally:
        runner.kill()
        runner.wait()
    return Result(runner.returncode, seen + out, err, time.monotonic() - started)


def _read_until(process: subprocess.Popen[str], text: str) -> str:
    """``process``'s standard output up to the first line holding ``text`` (or to its end)."""
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if text in line:
            break
    return "".join(seen)


def interrupt_when(process: subprocess.Popen[str], ready: Callable[[], None]) -> tuple[str, str]:
    """Once ``ready()`` returns, SIGINT ``process`` and collect its output; never leak it."""
    try:
        ready()
        process.send_signal(signal.SIGINT)
        return process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()


def alive(pids: list[int]) -> list[int]:
    """The pids that still run (zombies count as gone)."""
    running = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                running.append(pid)
        except psutil.NoSuchProcess:
            continue
    return running


def pids_in(pid_dir: Path) -> list[int]:
    """Every pid the fixture app recorded, read from the file names (ROLE-PID).

    A file's name exists whole from its creation, while its text may not be written yet (or
    ever, if the teardown kills the process in between).
    """
    return [int(p.name.rsplit("-", 1)[1]) for p in pid_dir.iterdir()] if pid_dir.exists() else []
