"""release-check probe URL, against real fixture apps on 127.0.0.1."""

from __future__ import annotations

import re
import socket
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from release_check.checking.attempt import Expectation, Outcome
from release_check.checking.retry import Pacing, poll_until_passing
from release_check.config.expectations import BodyMatch, StatusMatch
from release_check.live.target import shown_url
from release_check.sockets.ports import local_target
from tests.conftest import FIXTURE_APP, RC_COMMAND, RunCheck, clean_env, interrupt_when

PASSWORD_CHARACTERS = string.ascii_letters + string.digits + "/?#@:%._~-!$&'()*+,;="

OKAY = Expectation("/health_check", StatusMatch.parse("200"), BodyMatch("exact", "OKAY"))
# A proxy inherited from the environment must not carry requests meant for 127.0.0.1.
LOCAL = {"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}


@contextmanager
def fixture_app(tag: str, *flags: str, port: int | None = None) -> Iterator[int]:
    """Start the fixture app on ``port`` (else a free one) with ``flags``; yield it; stop it."""
    port = port or local_target("127.0.0.1", None).port
    process = subprocess.Popen(
        [sys.executable, str(FIXTURE_APP), "--bind", "127.0.0.1", *flags],
        env=clean_env(tag, {"PORT": str(port)}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield port
    finally:
        process.kill()
        process.wait(timeout=10)


def health_url(port: int) -> str:
    """The fixture app's health URL on ``port``."""
    return f"http://127.0.0.1:{port}/health_check"


def until_listening(port: int) -> int:
    """Return ``port`` once it accepts a connection: a probe then meets the app, not its boot."""
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on port {port}"
            time.sleep(0.02)
        else:
            return port


@pytest.mark.standalone
def test_server_that_comes_up_late_passes_and_reports_the_time(tag: str) -> None:
    """The probe keeps trying until a slow server answers, then prints the time to healthy."""
    port = local_target("127.0.0.1", None).port
    started = time.monotonic()
    probe = subprocess.Popen([*RC_COMMAND, "probe", health_url(port), "--timeout", "30"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=clean_env(tag, LOCAL))
    try:
        assert probe.stdout is not None
        # The server starts only once the probe says it is probing, and binds 1 s later.
        out = probe.stdout.readline()
        with fixture_app(tag, "--boot-delay", "1", port=port):
            rest, err = probe.communicate(timeout=60)
    finally:
        probe.kill()
        probe.wait()
    out, seconds = out + rest, time.monotonic() - started
    assert probe.returncode == 0, out + err
    passed = r'PASSED GET \S+/health_check -> 200 "OKAY" after (\d+\.\d+)s \((\d+) attempts\)'
    match = re.search(passed, out)
    assert match is not None, out
    assert 0.5 <= float(match.group(1)) <= seconds
    assert int(match.group(2)) >= 2


def test_server_that_never_comes_up_fails_by_the_deadline(
    release_check: RunCheck, tag: str
) -> None:
    """A server that never listens fails the probe with the last outcome, at --timeout."""
    with fixture_app(tag, "--never-bind") as port:
        result = release_check("probe", health_url(port), "--timeout", "1", env=LOCAL)
    assert result.code == 1
    assert "FAILED: GET http://127.0.0.1" in result.out
    assert "connection refused" in result.out
    assert 1.0 <= result.seconds < 12


@pytest.mark.standalone
def test_wrong_body_fails_showing_what_came_back(release_check: RunCheck, tag: str) -> None:
    """A body other than the expected one fails with both bodies in the verdict."""
    with fixture_app(tag, "--body", "NOPE") as port:
        result = release_check("probe", health_url(until_listening(port)), "--timeout", "0.5",
                               env=LOCAL)
    assert result.code == 1
    assert '-> 200 "NOPE", expected 200 "OKAY"' in result.out


def test_expectation_comes_from_variables_and_flags_win(
    release_check: RunCheck, tag: str
) -> None:
    """RELEASE_CHECK_EXPECTED_* set what passes; --expected-* override them."""
    variables = {**LOCAL, "RELEASE_CHECK_EXPECTED_STATUS": "503",
                 "RELEASE_CHECK_EXPECTED_BODY": "draining"}
    with fixture_app(tag, "--status", "503", "--body", "draining") as port:
        by_variables = release_check("probe", health_url(port), "--timeout", "5", env=variables)
        by_flag = release_check("probe", health_url(until_listening(port)), "--timeout", "0.5",
                                "--expected-body", "OKAY", env=variables)
    assert by_variables.code == 0, by_variables.out
    assert by_flag.code == 1
    assert 'expected 503 "OKAY"' in by_flag.out


def test_status_classes_and_body_matchers_work_as_in_the_release_check(
    release_check: RunCheck, tag: str
) -> None:
    """--expected-status 2xx and --body-contains / --body-regex match as the release check does."""
    with fixture_app(tag, "--status", "202", "--body", "db: up, cache: up") as port:
        contains = release_check("probe", health_url(port), "--expected-status", "2xx",
                                 "--body-contains", "db: up", "--timeout", "5", env=LOCAL)
        regex = release_check("probe", health_url(port), "--expected-status", "200,202",
                              "--body-regex", "cache: (up|ok)", "--timeout", "5", env=LOCAL)
    assert contains.code == 0, contains.out + contains.err
    assert regex.code == 0, regex.out + regex.err


def test_redirects_are_followed_only_when_asked(release_check: RunCheck, tag: str) -> None:
    """A redirect fails the probe, naming its target, unless --follow-redirects is given."""
    with fixture_app(tag) as healthy:
        target = health_url(healthy)
        with fixture_app(tag, "--status", "302", "--body", "", "--location", target) as moved:
            refused = release_check("probe", health_url(until_listening(moved)), "--timeout",
                                    "0.5", env=LOCAL)
            followed = release_check("probe", health_url(moved), "--timeout", "5",
                                     "--follow-redirects", env=LOCAL)
    assert refused.code == 1
    assert f'a redirect to "{target}" (redirects are not followed)' in refused.out
    assert followed.code == 0, followed.out


def test_proxy_variables_are_honoured(release_check: RunCheck, tag: str) -> None:
    """With HTTP_PROXY set, the request goes to the proxy in absolute form (trust_env)."""
    url = "http://release-check.invalid/health_check"
    with fixture_app(tag, "--health-path", url) as proxy:
        proxied = {"HTTP_PROXY": f"http://127.0.0.1:{proxy}", "NO_PROXY": "", "no_proxy": ""}
        result = release_check("probe", url, "--timeout", "5", env=proxied)
    assert result.code == 0, result.out + result.err


def test_credentials_in_the_url_are_never_printed(release_check: RunCheck) -> None:
    """A user, a password and a query token in the URL are left out of every printed line."""
    port = local_target("127.0.0.1", None).port
    url = f"http://deployer:hunter2@127.0.0.1:{port}/health_check?token=s3cr3t-t0k"
    result = release_check("probe", url, "--timeout", "0.5", env=LOCAL)
    assert result.code == 1
    assert f"127.0.0.1:{port}/health_check?…" in result.out
    assert "hunter2" not in result.out + result.err
    assert "s3cr3t-t0k" not in result.out + result.err


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["--expected-status", "99"], {}, "--expected-status"),
        ([], {"RELEASE_CHECK_EXPECTED_STATUS": "OK"}, "RELEASE_CHECK_EXPECTED_STATUS"),
        (["--timeout", "0"], {}, "--timeout"),
        (["--interval", "soon"], {}, "--interval"),
        (["--request-timeout", "1e10"], {}, "--request-timeout"),
        (["--body-contains", ""], {}, "--body-contains"),
        (["--expected-body", "OKAY"], {"RELEASE_CHECK_BODY_REGEX": "OK"},
         "--expected-body and RELEASE_CHECK_BODY_REGEX"),
    ],
)
def test_bad_values_exit_2_naming_the_flag_or_variable(
    in_process: RunCheck, args: list[str], env: dict[str, str], named: str
) -> None:
    """Each bad value gives exit 2 and one stderr line naming where it came from."""
    result = in_process("probe", "http://127.0.0.1:9/health_check", *args, env=env)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert named in lines[0]


@pytest.mark.parametrize("url", ["ftp://example.com/health", "example.com/health", "http://"])
def test_url_must_be_http_with_a_host(in_process: RunCheck, url: str) -> None:
    """Anything but an http(s) URL with a host is a usage error."""
    result = in_process("probe", url)
    assert result.code == 2
    assert result.err.startswith("release-check: error: URL")


@pytest.mark.parametrize("command", [["probe", "--timeout", "0.2"], ["watch", "--duration", "0.2"]])
@pytest.mark.parametrize("url", [
    "http://alice:s3c/retPW@127.0.0.1:9/health_check",  # httpx: Invalid port: 's3c'
    "http://alice:65432/retPW@127.0.0.1:9/health_check",  # parses: host alice, path /retPW@
    "http://alice:12?retPW@127.0.0.1:9/health_check",
    "http://alice:s3cretPW@127.0.0.1:9/health_check?token=retPW",
    "http://127.0.0.1:9/health_check?token=retPW#retPW",
])
def test_no_part_of_a_secret_in_a_url_is_printed(in_process: RunCheck, url: str,
                                                 command: list[str]) -> None:
    """User, password and query never appear, even when the URL cannot be parsed as meant."""
    result = in_process(command[0], url, *command[1:], env=LOCAL)
    shown = result.out + result.err
    assert "release-check:" in shown
    for secret in ("alice", "s3c", "retPW", "65432", "token"):
        assert secret not in shown, shown


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=PASSWORD_CHARACTERS, min_size=1, max_size=12),
       st.text(alphabet=PASSWORD_CHARACTERS, min_size=1, max_size=12))
def test_fuzzed_credentials_are_never_shown(user: str, password: str) -> None:
    """Whatever a user and password hold, the URL is shown whole but for them, or as its scheme."""
    shown = shown_url(f"https://{user}:{password}@app.example/health_check?token=t")
    assert shown in {"https://app.example/health_check?…", "https://…"}


def test_help_explains_the_subcommand(release_check: RunCheck) -> None:
    """The probe's --help says what it waits for and lists every option."""
    result = release_check("probe", "--help")
    assert result.code == 0
    for text in ("After a deploy", "--timeout", "--interval", "--follow-redirects",
                 "RELEASE_CHECK_EXPECTED_STATUS"):
        assert text in result.out


def test_fixed_interval_waits_that_long_without_passing_the_deadline() -> None:
    """poll_until_passing with a fixed interval sleeps exactly that, clipped at the deadline."""
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    warming = Outcome("response", 0.0, status=503, body="starting")
    polled = poll_until_passing(lambda _t: warming, OKAY, 2.5, 1.0,
                                sleep=sleep, clock=lambda: now[0], pacing=Pacing(interval=1.0))
    assert sleeps == [1.0, 1.0, 0.5]
    assert polled.attempts == 4


def test_interrupted_probe_fails_cleanly(tag: str) -> None:
    """SIGINT while waiting ends the probe with exit 1 and a one-line reason, no traceback."""
    with fixture_app(tag, "--never-bind") as port:
        process = subprocess.Popen(
            [sys.executable, "-m", "release_check", "probe", health_url(port), "--timeout", "60"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(tag, LOCAL),
        )

        def probing() -> None:
            assert process.stdout is not None
            assert "probing GET" in process.stdout.readline()

        out, err = interrupt_when(process, probing)
    assert process.returncode == 1
    assert "FAILED: interrupted by SIGINT after" in out
    assert "Traceback" not in err
