"""The fault suite: hostile servers, misbehaving apps, signals at every phase, EPIPE, output safety.

Every scenario id here is a row of docs/reliability.md (test_reliability_doc keeps them in step).
"""

from __future__ import annotations

import importlib
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
DEADLINE, REQUEST_TIMEOUT = 1.0, 0.5
TLS_DEADLINE = 2.0  # the TLS server makes a 2048-bit RSA key before it listens
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


def deadline_for(mode: str) -> float:
    """The run's deadline for the hostile server in ``mode``: the shortest it boots within."""
    return TLS_DEADLINE if mode == "tls" else DEADLINE


def hostile(mode: str) -> dict[str, str]:
    """Settings that boot the hostile server in ``mode`` with short deadlines."""
    return {"RELEASE_CHECK_WEB_COMMAND": shlex.join([sys.executable, str(HOSTILE), mode]),
            "RELEASE_CHECK_TIMEOUT": str(deadline_for(mode)),
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
    assert run.result.seconds < deadline_for(mode) + REQUEST_TIMEOUT + 5
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
    run = measured_run(tag, tmp_path, fixture("--unbind-after", "0.5", TIMEOUT="1.5"))
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


# Long enough for the test's signals to land inside the teardown the runner began on its own
# (the app ignores SIGTERM there), and what the teardown phase waits out.
PHASE_GRACE = 1.5


def start_in_phase(phase: str, tag: str, tmp_path: Path) -> subprocess.Popen[str]:
    """Start a runner and return once it is in ``phase`` (seen, never guessed from a pause)."""
    marker, pid_dir = tmp_path / "marker", tmp_path / "pids"
    flags = {"waiting": ["--never-bind"], "request": ["--hang", "--request-marker", str(marker)],
             "teardown": ["--sigterm-marker", str(marker)]}.get(phase, [])
    env = {"RELEASE_CHECK_WEB_COMMAND": app_command(*flags, "--pid-dir", str(pid_dir)),
           "RELEASE_CHECK_UPTIME": "30" if phase == "uptime" else "0",
           "RELEASE_CHECK_SHUTDOWN_GRACE": str(PHASE_GRACE), "RELEASE_CHECK_TIMEOUT": "30",
           "RELEASE_CHECK_REQUEST_TIMEOUT": "20"}
    runner = subprocess.Popen([sys.executable, "-m", "release_check", "-v"], cwd=tmp_path,
                              env=clean_env(tag, env), stdout=subprocess.PIPE, text=True)
    if phase == "waiting":
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


# Nothing before the spawn waits (every file is read bounded, a FIFO refused at once: see the
# hostile files below), so there is no phase there to send a signal into.
PHASES = ["waiting", "request", "uptime", "teardown"]
SIGNALS = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP]


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
@pytest.mark.parametrize("phase", PHASES)
def test_signal_at_every_phase(phase: str, signum: signal.Signals, tag: str,
                               tmp_path: Path) -> None:
    """At every phase, each signal ends the run non-zero within the grace, leaving nothing."""
    if phase == "teardown":
        (tmp_path / "marker").unlink(missing_ok=True)
    runner = start_in_phase(phase, tag, tmp_path)
    sent = time.monotonic()
    runner.send_signal(signum)
    out, _ = runner.communicate(timeout=20)
    assert runner.returncode == 1, out
    assert time.monotonic() - sent < PHASE_GRACE + 5
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

# Issue 21's runtime cases, each a test in another module: id -> (module, test function).
RUNTIME_CASES = {
    "report-through-symlink": ("test_outfiles",
                               "test_report_through_a_symlink_writes_the_file_it_names"),
    "report-to-device": ("test_outfiles", "test_report_to_dev_null_leaves_the_device"),
    "report-fifo-unread": ("test_outfiles",
                           "test_a_fifo_nobody_reads_is_refused_without_hanging"),
    "report-mode": ("test_outfiles", "test_a_new_report_has_the_mode_the_umask_allows"),
    "spawn-error": ("test_runtime_faults",
                    "test_a_spawn_error_still_writes_the_reports_and_closes_the_fence"),
    "helper-thread-dies": ("test_runtime_faults",
                           "test_a_helper_thread_that_dies_fails_the_run_at_once"),
    "env-wiped-kill-9": ("test_watchdog_reach",
                         "test_processes_without_the_marker_are_stopped_after_kill_9"),
    "runner-sigstopped": ("test_watchdog_reach",
                          "test_a_runner_frozen_by_its_app_is_unfrozen_with_the_app_stopped"),
    "bootloader-kill-9": ("test_standalone",
                          "test_sigkill_of_the_bootloader_stops_the_run_and_its_unpacked_files"),
    "proxy-credentials": ("test_live_proxies",
                          "test_an_unusable_proxy_is_a_usage_error_without_its_value"),
    "memory-worker-exits": ("test_memory_samples", "test_a_process_gone_mid_sample_is_skipped"),
}


def test_every_runtime_case_has_its_test() -> None:
    """Each issue-21 row of docs/reliability.md names a test that exists."""
    for module, name in RUNTIME_CASES.values():
        assert callable(getattr(importlib.import_module(f"tests.{module}"), name, None)), name


# --- hostile files ------------------------------------------------------------------------
# Each is refused with exit 2 naming the file, at once and in bounded memory. The runner gets a
# 1 GiB address-space limit and a 30 s timeout, so that the code before these bounds (which read
# /dev/zero without end, and expanded an alias bomb to 2.4 GB) fails the test, not the machine.

FILE_BOUND = 30.0
LIMITED = ("import resource, runpy; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30));"
           " runpy.run_module('release_check', run_name='__main__', alter_sys=True)")


def bounded_run(tag: str, cwd: Path, env: Mapping[str, str]) -> Result:
    """Run release-check under the address-space limit; killed if still there at the bound."""
    started = time.monotonic()
    runner = subprocess.Popen([sys.executable, "-c", LIMITED], cwd=cwd, env=clean_env(tag, env),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = runner.communicate(timeout=FILE_BOUND)
    except subprocess.TimeoutExpired:
        runner.kill()
        out, err = runner.communicate()
    return Result(runner.returncode, out, err, time.monotonic() - started)


def refused(result: Result, says: str) -> None:
    """Exit 2 quickly, one error line saying ``says``, no traceback."""
    assert result.code == 2, result.out + result.err
    assert result.seconds < 10, result.seconds
    assert says in result.err, result.err
    assert "Traceback" not in result.out + result.err
    assert result.err.count("\n") == 1, result.err


WEB = {"RELEASE_CHECK_WEB_COMMAND": app_command()}
FILE_SCENARIOS = ["file-procfile-fifo", "file-procfile-dev-zero", "file-env-250mb",
                  "file-platform-fifo", "file-nested-1000", "file-alias-bomb",
                  "file-command-128k", "file-env-value", "file-env-total"]


def test_fifo_procfile_is_refused_without_waiting(tag: str, tmp_path: Path) -> None:
    """A Procfile that is a FIFO with no writer is exit 2 at once, never a hang."""
    os.mkfifo(tmp_path / "Procfile")
    refused(bounded_run(tag, tmp_path, {}), "Procfile: it is a FIFO, not a regular file")


def test_dev_zero_procfile_is_refused(tag: str, tmp_path: Path) -> None:
    """RELEASE_CHECK_PROCFILE=/dev/zero is exit 2, not an endless read."""
    result = bounded_run(tag, tmp_path, {"RELEASE_CHECK_PROCFILE": "/dev/zero"})
    refused(result, "cannot read /dev/zero: it is a character device, not a regular file")


def test_huge_env_file_is_refused_unread(tag: str, tmp_path: Path) -> None:
    """A 250 MB env file is exit 2 naming it, after reading no more than the cap."""
    with (tmp_path / "big.env").open("wb") as file:
        file.truncate(250 * 1024 * 1024)  # sparse: no disk space used
    result = bounded_run(tag, tmp_path, {**WEB, "RELEASE_CHECK_ENV_FILE": "big.env"})
    refused(result, "RELEASE_CHECK_ENV_FILE: cannot read big.env: it is larger than 4 MiB")


def test_fifo_platform_file_is_refused(tag: str, tmp_path: Path) -> None:
    """A fly.toml that is a FIFO is exit 2 naming it: never waited on, never passed over."""
    os.mkfifo(tmp_path / "fly.toml")
    refused(bounded_run(tag, tmp_path, WEB), "cannot read fly.toml: it is a FIFO")


NESTED = {
    "fly.toml": "a = " + "[" * 1000 + "]" * 1000 + "\n",
    "railway.toml": "deploy = " + "[" * 1000 + "]" * 1000 + "\n",
    "railway.json": '{"deploy": ' + "[" * 1000 + "]" * 1000 + "}",
    "app.json": '{"healthchecks": ' + "[" * 1000 + "]" * 1000 + "}",
    "render.yaml": "services: " + "[" * 1000 + "]" * 1000 + "\n",
    "config/deploy.yml": "proxy: " + "[" * 1000 + "]" * 1000 + "\n",
}


@pytest.mark.parametrize("name", NESTED)
def test_platform_file_nested_1000_deep_is_refused(name: str, tag: str, tmp_path: Path) -> None:
    """Every platform reader refuses a document nested 1000 deep: exit 2, no RecursionError."""
    (tmp_path / name).parent.mkdir(exist_ok=True)
    (tmp_path / name).write_text(NESTED[name])
    refused(bounded_run(tag, tmp_path, WEB), f"{name} is nested more than 64 levels deep")


ALIAS_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
proxy:
  app_port: [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_yaml_alias_bomb_is_refused(tag: str, tmp_path: Path) -> None:
    """A 10-line "billion laughs" in proxy.app_port is exit 2 within seconds, in bounded memory."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "deploy.yml").write_text(ALIAS_BOMB)
    refused(bounded_run(tag, tmp_path, WEB), "config/deploy.yml holds more than 100000 values")


def test_web_command_over_128_kib_is_refused(tag: str, tmp_path: Path) -> None:
    """A Procfile web command the system could not exec (128 KiB) is exit 2 naming the line."""
    (tmp_path / "Procfile").write_text(f"web: {app_command()} {'x' * 200 * 1024}\n")
    refused(bounded_run(tag, tmp_path, {}), "Procfile:1: the 'web' command is 200 KiB; the system"
            " refuses a command or variable of 128 KiB or more (Argument list too long)")


@pytest.mark.parametrize(("value", "says"), [
    ("x" * 200 * 1024, "the value of BIG is 200 KiB; the system refuses"),
    ("a\0b", "the value of BIG contains a NUL byte"),
])
def test_env_file_value_no_process_can_hold_is_refused(value: str, says: str, tag: str,
                                                       tmp_path: Path) -> None:
    """A .env value over 128 KiB or with a NUL byte is exit 2 naming the file and variable."""
    (tmp_path / ".env").write_text(f"BIG={value}\n")
    result = bounded_run(tag, tmp_path, {**WEB, "RELEASE_CHECK_ENV_FILE": ".env"})
    refused(result, f"RELEASE_CHECK_ENV_FILE: .env: {says}")


def test_env_file_too_large_for_exec_together_is_refused(tag: str, tmp_path: Path) -> None:
    """35 values of 100 KB, each allowed alone, are over the system's total: exit 2, no spawn."""
    lines = [f"V{number}={'x' * 100_000}" for number in range(35)]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")
    result = bounded_run(tag, tmp_path, {**WEB, "RELEASE_CHECK_ENV_FILE": ".env"})
    refused(result, "KiB of it from .env: the system allows")
    assert "(Argument list too long)" in result.err


def test_reliability_doc_lists_every_scenario() -> None:
    """docs/reliability.md has one row per scenario of this suite, and no others."""
    doc = (REPO / "docs" / "reliability.md").read_text()
    listed = re.findall(r"^\| `([a-z0-9-]+)` \|", doc, re.M)
    scenarios = ([f"hostile-{m}" for m in HOSTILE_SCENARIOS] + MISBEHAVING + SIGNAL_SCENARIOS
                 + OUTPUT_SCENARIOS + FILE_SCENARIOS + list(RUNTIME_CASES)
                 + ["fuzzed-settings", "fuzzed-config-file", "fuzzed-cli", "fuzzed-argv"])
    assert sorted(listed) == sorted(scenarios)
