"""release-check watch URL: a real server stopped and restarted mid-watch, a real terminal."""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import pty
import re
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from release_check.checking.attempt import Expectation, Outcome
from release_check.config.expectations import BodyMatch, StatusMatch
from release_check.live.display import LiveStatus, status_text, summary_lines
from release_check.live.stats import (
    Kind,
    Outage,
    Sample,
    Tally,
    classify,
    outages,
    percentile,
    summarize,
)
from release_check.live.target import seconds
from release_check.live.watch import observe
from release_check.sockets.ports import local_target
from tests.conftest import RunCheck, clean_env, interrupt_when
from tests.fakes import FakeClock

LOCAL = {"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
KINDS = {"refused", "timeout", "status", "body", "error"}


class Restartable:
    """A stdlib server on a fixed 127.0.0.1 port that can be stopped and started again."""

    def __init__(self, delay: float = 0.0) -> None:
        self.port = local_target("127.0.0.1", None).port
        self.hits = 0
        self._delay = delay
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """The health URL."""
        return f"http://127.0.0.1:{self.port}/health_check"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.hits += 1
                time.sleep(owner._delay)
                self.send_response(200)
                self.send_header("Content-Length", "4")
                self.end_headers()
                self.wfile.write(b"OKAY")

            def log_message(self, format: str, *args: object) -> None:
                """Keep the test output quiet."""

        return Handler

    def start(self) -> None:
        """Listen again on the same port (HTTPServer sets SO_REUSEADDR)."""
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Close the listening socket: new connections are refused from now on."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def server() -> Iterator[Restartable]:
    """A running Restartable server, stopped after the test."""
    running = Restartable()
    running.start()
    yield running
    running.stop()


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Return once ``condition()`` holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.mark.slow
def test_outage_during_a_watch_is_counted_and_measured(
    release_check: RunCheck, server: Restartable, tmp_path: Path
) -> None:
    """A server down for half a second shows as refused requests and a matching outage window."""
    summary_file = tmp_path / "summary.json"
    args = ["watch", server.url, "--duration", "2.5", "--interval", "0.05",
            "--json", str(summary_file), "--min-availability", "100"]
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(release_check, *args, env=LOCAL)
        wait_for(lambda: server.hits >= 5)
        server.stop()
        stopped = time.monotonic()
        time.sleep(0.5)
        server.start()
        gap = time.monotonic() - stopped
        result = running.result(timeout=60)

    assert result.code == 1, result.out + result.err
    assert "FAILED: availability" in result.out
    assert "is below --min-availability 100%" in result.out
    summary = json.loads(summary_file.read_text())
    assert set(summary["failures"]) == KINDS
    assert summary["failures"]["refused"] >= 3
    assert summary["requests"] == summary["passed"] + sum(summary["failures"].values())
    assert 0 < summary["availability"] < 100
    assert 0.5 * gap <= summary["longest_outage_s"] <= 2 * gap + 0.5
    assert summary["p50_s"] <= summary["p95_s"] <= summary["p99_s"]
    assert summary["p99_s"] <= summary["longest_transaction_s"]
    assert "longest outage" in result.out
    assert "\r" not in result.out


@pytest.mark.standalone
def test_gates_that_are_met_pass(release_check: RunCheck, server: Restartable) -> None:
    """Against a healthy server both gates are met: exit 0 and a PASSED line naming them."""
    result = release_check("watch", server.url, "--duration", "1", "--interval", "0.05",
                           "--min-availability", "99.5", "--max-longest", "5", env=LOCAL)
    assert result.code == 0, result.out + result.err
    assert "PASSED availability 100.000% >= --min-availability 99.5%" in result.out
    assert "<= --max-longest 5s" in result.out
    assert re.search(r"requests +\d+ in \d+\.\ds \(\d+ passed\)", result.out)


def test_max_longest_fails_on_a_slow_answer(release_check: RunCheck) -> None:
    """A request slower than --max-longest fails the watch, naming the bound."""
    slow = Restartable(delay=0.3)
    slow.start()
    try:
        result = release_check("watch", slow.url, "--duration", "0.5", "--max-longest", "0.1",
                               env=LOCAL)
    finally:
        slow.stop()
    assert result.code == 1
    assert "exceeds --max-longest 0.1s" in result.out


def test_terminal_gets_a_live_status_line(tag: str, server: Restartable) -> None:
    """On a terminal the status line is redrawn in place, then the summary starts a new line."""
    controller, terminal = pty.openpty()
    modes = termios.tcgetattr(terminal)
    modes[1] &= ~termios.ONLCR  # so that every \r seen was written by the watch
    termios.tcsetattr(terminal, termios.TCSANOW, modes)
    process = subprocess.Popen(
        [sys.executable, "-m", "release_check", "watch", server.url, "--duration", "1.5",
         "--interval", "0.05"],
        stdin=subprocess.DEVNULL, stdout=terminal, stderr=subprocess.DEVNULL,
        env=clean_env(tag, LOCAL),
    )
    os.close(terminal)
    shown = read_all(controller)
    assert process.wait(timeout=30) == 0
    redraws = re.findall(r"\rrelease-check: \d+/1.5s +\d+ requests? +0 failed +100.00% +up", shown)
    assert len(redraws) >= 2, shown
    assert re.search(r"up *\nrelease-check: summary of GET", shown)


def read_all(controller: int) -> str:
    """Everything written to a pty until its other end is closed."""
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: the watch exited and closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    return b"".join(chunks).decode()


def test_log_gets_plain_status_lines(release_check: RunCheck, server: Restartable) -> None:
    """Not on a terminal, status lines are whole lines (the first at once), never redrawn."""
    result = release_check("watch", server.url, "--duration", "0.5", env=LOCAL)
    assert result.code == 0
    assert re.search(r"^release-check: 0/0.5s +1 request +0 failed +100.00% +up$", result.out,
                     re.M), result.out
    assert "\r" not in result.out


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ([], "--duration"),
        (["--duration", "0"], "--duration"),
        (["--duration", "1", "--min-availability", "101"], "--min-availability"),
        (["--duration", "1", "--max-longest", "-1"], "--max-longest"),
        (["--duration", "1", "--json", "/nonexistent/dir/out.json"], "--json"),
        (["--duration", "1", "--json", "."], "--json: cannot write .: it is a directory"),
    ],
)
def test_bad_options_exit_2_before_watching(
    in_process: RunCheck, args: list[str], named: str
) -> None:
    """A missing or bad option is one stderr line naming it, before any request."""
    result = in_process("watch", "http://127.0.0.1:9/health_check", *args)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert named in lines[0]
    assert result.out == ""


def test_unwritable_json_fails_before_a_long_watch(in_process: RunCheck, server: Restartable,
                                                  tmp_path: Path) -> None:
    """--json naming a directory is exit 2 at once: no request, no 20 s watch, no lost gate."""
    result = in_process("watch", server.url, "--duration", "20", "--json", str(tmp_path),
                        "--min-availability", "100", env=LOCAL)
    assert result.code == 2
    assert server.hits == 0
    assert result.seconds < 10


def test_durations_are_capped_at_an_hour() -> None:
    """The seconds of probe and watch (--duration, --interval...) are at most 3600."""
    assert seconds("3600") == 3600.0
    with pytest.raises(argparse.ArgumentTypeError, match="'7200' is more than 3600 seconds"):
        seconds("7200")


def test_help_explains_the_subcommand(release_check: RunCheck) -> None:
    """The watch's --help describes the summary, the gates and the JSON file."""
    result = release_check("watch", "--help")
    assert result.code == 0
    for text in ("one request at a time", "longest outage", "--min-availability",
                 "--max-longest", "--json", "--interval"):
        assert text in result.out


# Pure logic: statistics, the request loop and the status line, with no server and a fake clock.

EXPECTED = Expectation("/health_check", StatusMatch.parse("200"), BodyMatch("exact", "OKAY"))


def sample(started: float, kind: Kind = "passed", seconds: float = 0.1) -> Sample:
    """A request that started at ``started`` and took ``seconds``."""
    return Sample(started, seconds, kind)


@pytest.mark.parametrize(
    ("outcome", "kind"),
    [
        (Outcome("response", 0.1, status=200, body="OKAY\n"), "passed"),
        (Outcome("refused", 0.1), "refused"),
        (Outcome("timeout", 5.0), "timeout"),
        (Outcome("connect-error", 0.1), "error"),
        (Outcome("error", 0.1), "error"),
        (Outcome("response", 0.1, status=503, body="OKAY"), "status"),
        (Outcome("response", 0.1, status=200, body="starting"), "body"),
    ],
)
def test_classify_names_the_most_basic_reason(outcome: Outcome, kind: str) -> None:
    """Each outcome falls in one kind; a wrong status wins over a wrong body."""
    assert classify(outcome, EXPECTED) == kind


def test_percentile_is_nearest_rank() -> None:
    """p50/p95/p99 of 1..100 are 50/95/99; one value is every percentile; none gives 0."""
    values = [float(v) for v in range(100, 0, -1)]
    assert [percentile(values, p) for p in (50, 95, 99, 100)] == [50.0, 95.0, 99.0, 100.0]
    assert percentile([0.3], 99) == 0.3
    assert percentile([], 50) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 95) == 10.0


def test_outages_run_from_first_failure_start_to_last_failure_end() -> None:
    """Consecutive failures form one outage; a pass ends it; a lone failure is its own."""
    samples = [sample(0.0), sample(1.0, "refused"), sample(1.5, "refused", 0.2), sample(2.0),
               sample(3.0, "timeout", 2.0)]
    assert outages(samples) == [Outage(1.0, 1.7, 2), Outage(3.0, 5.0, 1)]
    assert outages([sample(0.0), sample(1.0)]) == []


def test_summary_counts_and_json_keys() -> None:
    """summarize() fills every documented key; failures list every kind, zeros included."""
    samples = [sample(0.0, seconds=0.2), sample(1.0, "refused", 0.01),
               sample(2.0, "status", 0.05), sample(3.0, seconds=0.4)]
    summary = summarize(samples, 4.0).as_json()
    assert summary["requests"] == 4
    assert summary["passed"] == 2
    assert summary["failures"] == {"refused": 1, "timeout": 0, "status": 1, "body": 0, "error": 0}
    assert summary["availability"] == 50.0
    assert summary["longest_transaction_s"] == 0.4
    assert (summary["p50_s"], summary["p95_s"], summary["p99_s"]) == (0.05, 0.4, 0.4)
    assert summary["longest_outage_s"] == pytest.approx(1.05)
    assert summarize([], 1.0).availability == 0.0


def test_tally_tracks_the_current_outage() -> None:
    """The live tally counts requests and knows since when the app has been failing."""
    tally = Tally()
    for each in (sample(0.0), sample(1.0, "refused"), sample(2.0, "timeout")):
        tally.add(each)
    assert (tally.requests, tally.passed, tally.down_since) == (3, 1, 1.0)
    assert status_text(tally, 3.4, 60, 3.5) == "3/60s  3 requests  2 failed  33.33%  DOWN 2.5s"
    tally.add(sample(4.0))
    assert tally.down_since is None


def test_observe_makes_one_request_at_a_time_until_the_end() -> None:
    """Requests never overlap, pauses are the interval clipped to the end, then it stops."""
    fake = FakeClock()

    def request() -> Sample:
        started = fake.now
        fake.now += 0.3
        return sample(started, seconds=0.3)

    samples: list[Sample] = []
    observe(request, 2.0, 0.5, samples, lambda _s: None, clock=fake.clock, sleep=fake.sleep)
    assert [s.started for s in samples] == pytest.approx([0.0, 0.8, 1.6])
    assert fake.sleeps == pytest.approx([0.5, 0.5, 0.1])
    assert all(a.ended <= b.started for a, b in itertools.pairwise(samples))


def test_observe_keeps_what_it_gathered_when_interrupted() -> None:
    """An exception from the status callback (a signal) leaves the samples so far in place."""
    fake = FakeClock()
    samples: list[Sample] = []

    def interrupt_on_third(_sample: Sample) -> None:
        if len(samples) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        observe(lambda: sample(fake.now), 100.0, 1.0, samples, interrupt_on_third,
                clock=fake.clock, sleep=fake.sleep)
    assert len(samples) == 3


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        """Pretend to be a TTY."""
        return True


def test_live_status_redraws_in_place_on_a_terminal() -> None:
    """On a TTY each update overwrites the line (padding out longer text); finish ends it."""
    fake, stream = FakeClock(), FakeTerminal()
    status = LiveStatus(stream, clock=fake.clock)
    status.update("a longer first text")
    fake.now += 1.0
    status.update("short")
    status.finish()
    first, second = "release-check: a longer first text", "release-check: short"
    assert stream.getvalue() == f"\r{first}\r{second.ljust(len(first))}\n"


def test_live_status_redraws_at_most_ten_times_a_second() -> None:
    """Updates closer together than 0.1 s are skipped on a terminal."""
    fake, stream = FakeClock(), FakeTerminal()
    status = LiveStatus(stream, clock=fake.clock)
    for step in range(20):
        status.update(f"step {step}")
        fake.now += 0.01
    assert stream.getvalue().count("\r") == 2


def test_live_status_prints_a_line_every_five_seconds_in_a_log() -> None:
    """Not on a TTY: whole lines, the first at once, then one per 5 s; finish adds nothing."""
    fake, stream = FakeClock(), io.StringIO()
    status = LiveStatus(stream, clock=fake.clock)
    for second in range(12):
        status.update(f"at {second}s")
        fake.now += 1.0
    status.finish()
    assert stream.getvalue().splitlines() == [
        "release-check: at 0s", "release-check: at 5s", "release-check: at 10s"]


class BrokenPipe(FakeTerminal):
    """A terminal whose reader went away: every write fails with EPIPE, and is counted."""

    writes = 0

    def write(self, _text: str) -> int:
        """Fail as a closed pipe does."""
        self.writes += 1
        raise BrokenPipeError(32, "Broken pipe")


def test_live_status_survives_a_closed_stream() -> None:
    """A stream that fails (a closed pipe) silences the status: no raise, no further writes."""
    fake, stream = FakeClock(), BrokenPipe()
    status = LiveStatus(stream, clock=fake.clock)
    for second in range(3):
        status.update(f"at {second}s")
        fake.now += 1.0
    status.finish()
    assert stream.writes == 1


def test_summary_lines_name_each_figure() -> None:
    """The printed summary shows failures by kind, percentiles and the outage's length."""
    samples = [sample(0.0), sample(1.0, "refused", 0.5), sample(2.0, "body")]
    text = "\n".join(summary_lines(summarize(samples, 3.0)))
    assert "failures             2 (refused 1, body 1)" in text
    assert "availability         33.33%" in text
    assert "p50 0.100s, p95 0.500s, p99 0.500s" in text
    assert "longest outage       1.100s (2 failed in a row)" in text


def test_interrupted_watch_still_reports(tag: str, server: Restartable, tmp_path: Path) -> None:
    """SIGINT mid-watch prints and writes the summary so far, then exits 1 without a traceback."""
    summary_file = tmp_path / "summary.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "release_check", "watch", server.url, "--duration", "60",
         "--interval", "0.05", "--json", str(summary_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(tag, LOCAL),
    )
    out, err = interrupt_when(process, lambda: wait_for(lambda: server.hits >= 3))
    assert process.returncode == 1
    assert "release-check: summary of GET" in out
    assert "FAILED: interrupted by SIGINT after" in out
    assert "Traceback" not in err
    assert json.loads(summary_file.read_text())["requests"] >= 2  # the third may be cut short
