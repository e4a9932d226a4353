"""The fault suite: hostile servers, misbehaving apps, signals at every phase, EPIPE, output safety.

Every scenario id here is a row of docs/reliability.md (test_reliability_doc keeps them in step).
"""

from __future__ import annotations

import errno
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from tests.conftest import (
    APPS,
    REPO,
    Result,
    RunCheck,
    app_command,
    clean_env,
    fixture_env,
    pids_in,
)

pytestmark = pytest.mark.slow

HOSTILE = APPS / "hostile_app.py"
DEADLINE, REQUEST_TIMEOUT = 2.0, 1.0
MEMORY_BOUND = 64 * 1024 * 1024


@dataclass(frozen=True)
class Measured:
    """A finished runner and the peak RSS it reached."""

    result: Result
    peak_rss: int


def measured_run(tag: str, cwd: Path, env: Mapping[str, str], *args: str) -> Measured:
    """Run release-check, sampling its own RSS every 20 ms until it exits."""
    started = time.monotonic()
    runner = subprocess.Popen([sys.executable, "-m", "release_check", *args], cwd=cwd,
                              env=clean_env(tag, env), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    peak = 0

    def sample() -> None:
        nonlocal peak
        with_proc = psutil.Process(runner.pid)
        while runner.poll() is None:
            try:
                peak = max(peak, with_proc.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, err = runner.communicate(timeout=60)
    sampler.join()
    return Measured(Result(runner.returncode, out, err, time.monotonic() - started), peak)


def hostile(mode: str) -> dict[str, str]:
    """Settings that boot the hostile server in ``mode`` with short deadlines."""
    return {"RELEASE_CHECK_WEB_COMMAND": shlex.join([sys.executable, str(HOSTILE), mode]),
            "RELEASE_CHECK_TIMEOUT": str(DEADLINE),
            "RELEASE_CHECK_REQUEST_TIMEOUT": str(REQUEST_TIMEOUT)}


HOSTILE_SCENARIOS = {
    "never-answer": (1, r"no (complete )?response within"),
    "drip": (1, r"no (complete )?response within"),
    "huge-body": (1, r'-> 200 "x{200}…" \(the body goes on past 64 KiB.*\), expected 200 "OKAY"'),
    "endless-chunked": (1, r'-> 200 "y{200}…" \(the body goes on past 64 KiB.*\), expected'),
    "garbage": (1, r"GET /health_check: \w+Error"),
    "reset": (1, r"GET /health_check: \w+Error"),
    "http10": (0, r'PASSED GET /health_check -> 200 "OKAY"'),
    "invalid-utf8": (1, r'-> 200 "\ufffd+\(OKAY", expected 200 "OKAY"'),
    "huge-header": (1, r"GET /health_check: \w+Error"),
    "redirect-loop": (1, r'-> 302 "", a redirect to "/health_check" \(redirects are not followed'),
    "redirect-other-host": (1, r'a redirect to "http://elsewhere.example/health_check"'),
    "tls": (1, r"GET /health_check: \w+Error"),
}


@pytest.mark.parametrize("mode", HOSTILE_SCENARIOS)
def test_hostile_server(mode: str, tag: str, tmp_path: Path) -> None:
    """The run ends by deadline + one request timeout, in bounded memory, naming what happened."""
    code, verdict = HOSTILE_SCENARIOS[mode]
    run = measured_run(tag, tmp_path, hostile(mode), "-q")
    assert run.result.code == code, run.result.out + run.result.err
    assert re.search(verdict, run.result.verdict), run.result.verdict
    assert "Traceback" not in run.result.out + run.result.err
    assert run.result.seconds < DEADLINE + REQUEST_TIMEOUT + 5
    assert run.peak_rss < MEMORY_BOUND


def fixture(*flags: str, **settings: str) -> dict[str, str]:
    """Settings that boot the fixture app with ``flags``, with a 10 s deadline unless given."""
    return fixture_env(*flags, **{"TIMEOUT": "10", **settings})


def test_exits_0_at_once(tag: str, tmp_path: Path) -> None:
    """An app that exits 0 before listening is a failure, named as such."""
    run = measured_run(tag, tmp_path, {"RELEASE_CHECK_WEB_COMMAND": "exit 0"})
    assert run.result.code == 1
    assert "web exited with code 0 before listening" in run.result.verdict


def test_killed_by_a_signal(tag: str, tmp_path: Path) -> None:
    """An app killed by a signal is reported with the signal's name."""
    run = measured_run(tag, tmp_path, {"RELEASE_CHECK_WEB_COMMAND": "kill -SEGV $$"})
    assert run.result.code == 1
    assert "web was killed by SIGSEGV" in run.result.verdict


def test_forks_50_children(tag: str, tmp_path: Path) -> None:
    """An app with 50 children passes, and all 51 processes are gone afterwards."""
    pid_dir = tmp_path / "pids"
    run = measured_run(tag, tmp_path, fixture("--children", "50", "--pid-dir", str(pid_dir)))
    assert run.result.code == 0, run.result.out[-2000:]
    pids = pids_in(pid_dir)
    assert len(pids) == 51
    assert not [pid for pid in pids if psutil.pid_exists(pid)
                and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]


def test_floods_100_mb_of_logs(tag: str, tmp_path: Path) -> None:
    """100 MB of output is drained in bounded memory; the failure shows only a bounded tail."""
    flags = ("--spew", str(100 * 1024 * 1024), "--status", "503", "--exit-after", "0.5")
    run = measured_run(tag, tmp_path, fixture(*flags, TIMEOUT="45"), "-q")
    assert run.result.code == 1
    # The app exits 0.5 s after binding, which it does only once its 100 MB are written: this
    # failure, and no other, says the runner drained all of it.
    assert re.fullmatch(r"release-check: FAILED: web exited with code 7 before passing the"
                        r" check \(after \d+\.\d\ds\)", run.result.verdict), run.result.verdict
    assert run.peak_rss < MEMORY_BOUND
    assert len(run.result.out) < 10_000
    assert len(run.result.out.splitlines()) <= 12


def test_closes_its_stdout(tag: str, tmp_path: Path) -> None:
    """An app that closes stdout and stderr still passes."""
    run = measured_run(tag, tmp_path, fixture("--close-stdout"))
    assert run.result.code == 0, run.result.out


def test_leaves_zombies(tag: str, tmp_path: Path) -> None:
    """Unreaped children do not make teardown wait out the grace."""
    run = measured_run(tag, tmp_path, fixture("--zombies", "5", SHUTDOWN_GRACE="30"))
    assert run.result.code == 0, run.result.out
    assert run.result.seconds < 20


def test_binds_then_unbinds(tag: str, tmp_path: Path) -> None:
    """An app that closes its port after binding fails as refused, not as a foreign listener."""
    run = measured_run(tag, tmp_path, fixture("--unbind-after", "1", TIMEOUT="3"))
    assert run.result.code == 1
    assert "connection refused" in run.result.verdict
    assert "foreign" not in run.result.verdict


MISBEHAVING = ["exits-0", "killed-by-signal", "forks-50", "floods-logs", "closes-stdout",
               "leaves-zombies", "binds-then-unbinds"]


# --- signals to the runner at every phase -------------------------------------------------


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Poll ``condition`` until true or fail the test."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.02)


def fifo_writer(fifo: Path, held: list[int]) -> bool:
    """True once a reader has the FIFO open (the runner is blocked reading its Procfile).

    The write end is kept open in ``held``: closed at once, it would hand the reader an end of
    file, and the runner would go on with an empty Procfile before the signal came.
    """
    try:
        held.append(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError as error:
        if error.errno == errno.ENXIO:
            return False
        raise
    return True


def start_in_phase(
    phase: str, tag: str, tmp_path: Path, held: list[int] | None = None
) -> subprocess.Popen[str]:
    """Start a runner and return once it is in ``phase`` (seen, never guessed from a pause).

    Before the spawn, the Procfile is a FIFO the runner blocks on; its write end goes to ``held``.
    """
    marker, pid_dir = tmp_path / "marker", tmp_path / "pids"
    flags = {"waiting": ["--never-bind"], "request": ["--hang", "--request-marker", str(marker)],
             "teardown": ["--sigterm-marker", str(marker)]}.get(phase, [])
    env = {"RELEASE_CHECK_WEB_COMMAND": app_command(*flags, "--pid-dir", str(pid_dir)),
           "RELEASE_CHECK_UPTIME": "30" if phase == "uptime" else "0",
           "RELEASE_CHECK_SHUTDOWN_GRACE": "3", "RELEASE_CHECK_TIMEOUT": "30",
           "RELEASE_CHECK_REQUEST_TIMEOUT": "20"}
    if phase == "before-spawn":
        os.mkfifo(tmp_path / "Procfile")
        del env["RELEASE_CHECK_WEB_COMMAND"]
    runner = subprocess.Popen([sys.executable, "-m", "release_check", "-v"], cwd=tmp_path,
                              env=clean_env(tag, env), stdout=subprocess.PIPE, text=True)
    if phase == "before-spawn":
        wait_for(lambda: fifo_writer(tmp_path / "Procfile", [] if held is None else held))
    elif phase == "waiting":
        wait_for(lambda: bool(pids_in(pid_dir)))
    elif phase == "uptime":
        read_until(runner, "release-check: passed; the app must now stay up 30s")
    else:
        wait_for(marker.exists)
    if phase == "teardown":
        runner.send_signal(signal.SIGTERM)  # the first signal starts the teardown
        wait_for(marker.exists)
    return runner


def read_until(runner: subprocess.Popen[str], wanted: str) -> None:
    """Read the runner's output until the line ``wanted`` (which it prints as a phase starts)."""
    assert runner.stdout is not None
    for line in runner.stdout:
        if line.rstrip("\n") == wanted:
            return
    raise AssertionError(f"the runner ended without printing {wanted!r}")


PHASES = ["before-spawn", "waiting", "request", "uptime", "teardown"]
SIGNALS = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP]


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
@pytest.mark.parametrize("phase", PHASES)
def test_signal_at_every_phase(phase: str, signum: signal.Signals, tag: str,
                               tmp_path: Path) -> None:
    """At every phase, each signal ends the run non-zero within the grace, leaving nothing."""
    if phase == "teardown":
        (tmp_path / "marker").unlink(missing_ok=True)
    held: list[int] = []
    runner = start_in_phase(phase, tag, tmp_path, held)
    try:
        sent = time.monotonic()
        runner.send_signal(signum)
        out, _ = runner.communicate(timeout=20)
    finally:
        for fd in held:
            os.close(fd)
    assert runner.returncode == 1, out
    assert time.monotonic() - sent < 3 + 5
    assert "FAILED: interrupted by SIG" in out
    assert "Traceback" not in out


def test_signal_twice_in_a_row(tag: str, tmp_path: Path) -> None:
    """Two signals in quick succession still tear everything down and exit 1."""
    runner = start_in_phase("waiting", tag, tmp_path)
    runner.send_signal(signal.SIGINT)
    runner.send_signal(signal.SIGTERM)
    out, _ = runner.communicate(timeout=20)
    assert runner.returncode == 1
    assert "interrupted by SIGINT" in out


def test_closed_stdout_still_tears_down(tag: str, tmp_path: Path) -> None:
    """With its stdout closed (EPIPE) the runner still stops the app and exits non-zero."""
    pid_dir = tmp_path / "pids"
    env = fixture("--grandchild", "--pid-dir", str(pid_dir))
    read_end, write_end = os.pipe()
    os.close(read_end)
    runner = subprocess.Popen([sys.executable, "-m", "release_check"], cwd=tmp_path,
                              env=clean_env(tag, env), stdout=write_end, stderr=subprocess.PIPE,
                              text=True)
    os.close(write_end)
    _, err = runner.communicate(timeout=30)
    assert runner.returncode != 0
    assert "standard output was closed" in err
    assert "Traceback" not in err
    assert len(pids_in(pid_dir)) == 2


SIGNAL_SCENARIOS = [f"signal-{phase}" for phase in PHASES] + ["signal-twice", "stdout-closed"]


# --- output safety ------------------------------------------------------------------------


def test_hostile_body_cannot_inject_escapes(tag: str, tmp_path: Path) -> None:
    """A body with terminal escapes and a fake verdict line is shown escaped on one line."""
    body = "\x1b[2J\x1b[1;1H\nrelease-check: PASSED everything"
    run = measured_run(tag, tmp_path, fixture("--body", body, TIMEOUT="1"))
    assert run.result.code == 1
    assert "\x1b" not in run.result.out.split("web |")[-1].split("\n", 1)[-1]
    assert "\\x1b[2J" in run.result.verdict
    assert not re.search(r"^release-check: PASSED", run.result.out, re.M)


def test_hostile_app_output_is_escaped_in_the_tail(tag: str, tmp_path: Path) -> None:
    """Under -q the app's last lines are printed with control characters escaped."""
    env = {"RELEASE_CHECK_WEB_COMMAND": "printf 'boom \\033]0;pwned\\007\\n'; exit 3"}
    run = measured_run(tag, tmp_path, env, "-q")
    assert run.result.code == 1
    assert "\x1b" not in run.result.out
    assert "\x07" not in run.result.out
    assert "\\x1b]0;pwned\\x07" in run.result.out


def test_secrets_never_reach_output_or_report(tag: str, tmp_path: Path) -> None:
    """Secret-looking config vars appear neither in output nor in the report, pass or fail."""
    secrets = {"DATABASE_URL": "postgres://u:pw-9f8e7d@db/x", "SECRET_KEY": "sk_live_5e3cr3t",
               "RELEASE_CHECK_HEADERS": "Authorization: Bearer tok-abc123xyz"}
    for extra in ({}, {"RELEASE_CHECK_EXPECTED_BODY": "NOPE", "RELEASE_CHECK_TIMEOUT": "1"}):
        report = tmp_path / "report.json"
        env = {**fixture(), **secrets, **extra}
        run = measured_run(tag, tmp_path, env, "-v", "--report", str(report))
        seen = run.result.out + run.result.err + report.read_text()
        for value in ("pw-9f8e7d", "sk_live_5e3cr3t", "tok-abc123xyz"):
            assert value not in seen


@pytest.mark.parametrize(("env", "file"), [
    ({"RELEASE_CHECK_HEADERS": "Authorization Bearer tok-abc123xyz"}, ""),
    ({}, 'headers = "Authorization: Bearer tok-abc123xyz"'),
    ({}, 'headers = ["Authorization Bearer tok-abc123xyz"]'),
])
def test_bad_header_setting_does_not_echo_its_value(in_process: RunCheck, tmp_path: Path,
                                                    env: dict[str, str], file: str) -> None:
    """A malformed header setting, variable or file, is reported without its (secret) value."""
    (tmp_path / "release-check.toml").write_text(file)
    result = in_process(env=env)
    assert result.code == 2
    assert re.match(r"release-check: error: (RELEASE_CHECK_HEADERS|release-check.toml: headers): ",
                    result.err)
    assert "tok-abc123xyz" not in result.err + result.out


OUTPUT_SCENARIOS = ["escaped-body", "escaped-tail", "no-secrets", "no-secret-in-errors"]


def test_reliability_doc_lists_every_scenario() -> None:
    """docs/reliability.md has one row per scenario of this suite, and no others."""
    doc = (REPO / "docs" / "reliability.md").read_text()
    listed = re.findall(r"^\| `([a-z0-9-]+)` \|", doc, re.M)
    scenarios = ([f"hostile-{m}" for m in HOSTILE_SCENARIOS] + MISBEHAVING + SIGNAL_SCENARIOS
                 + OUTPUT_SCENARIOS
                 + ["fuzzed-settings", "fuzzed-config-file", "fuzzed-cli", "fuzzed-argv"])
    assert sorted(listed) == sorted(scenarios)
