"""Where the app listens: IPv6, explicit hosts, ports shared through SO_REUSEPORT, long lists."""

from __future__ import annotations

import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from release_check.release.diagnose import ipv6_only, loopback_only, wrong_address, wrong_port
from release_check.sockets.ports import Listener, Target, aim, describe, endpoint
from tests.conftest import APPS, Result, RunCheck, app_command, clean_env


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


needs_ipv6 = pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback (::1) here")
UVICORN = f"{sys.executable} -m uvicorn --app-dir {APPS} asgi_app:app --port $PORT"


def _free_port() -> int:
    with socket.socket(socket.AF_INET6 if _has_ipv6_loopback() else socket.AF_INET) as probe:
        probe.bind(("::" if probe.family == socket.AF_INET6 else "127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- pure logic: which socket takes which connection, and where the check connects

V4_ANY = Listener("0.0.0.0", 5000, 1, False)
V6_ONLY = Listener("::", 5000, 1, True)
DUAL = Listener("::", 5000, 1, False)


def test_wildcards_cover_their_own_family_and_dual_stack_both() -> None:
    """0.0.0.0 takes IPv4 only, an IPv6-only :: takes IPv6 only, a dual-stack :: takes both."""
    assert V4_ANY.covers("127.0.0.1") and not V4_ANY.covers("::1")
    assert V6_ONLY.covers("::1") and not V6_ONLY.covers("127.0.0.1")
    assert DUAL.covers("::1") and DUAL.covers("127.0.0.1")
    assert V4_ANY.covers("0.0.0.0") and not Listener("127.0.0.1", 5000, 1).covers("0.0.0.0")
    assert Listener("::ffff:127.0.0.1", 5000, 1).covers("127.0.0.1")


def test_the_check_connects_where_the_app_listens() -> None:
    """Followed, the check goes to ::1 for an IPv6-only or ::1 socket, 127.0.0.1 for IPv4."""
    auto = Target("127.0.0.1", 5000, socket.AF_INET, "127.0.0.1", explicit=False)
    assert aim(auto, [V6_ONLY]).address == "::1"
    assert aim(auto, [Listener("::1", 5000, 1)]).address == "::1"
    assert aim(auto, [V4_ANY]).address == "127.0.0.1"
    assert aim(auto, [DUAL]).address == "127.0.0.1"
    assert aim(auto, [V6_ONLY, V4_ANY]).address == "127.0.0.1"
    assert aim(auto, [V6_ONLY]).base_url == "http://[::1]:5000"
    explicit = Target("::1", 5000, socket.AF_INET6, "::1")
    assert aim(explicit, [V4_ANY]) is explicit


def test_ipv6_addresses_are_bracketed() -> None:
    """Every shown IPv6 endpoint is bracketed: [::1]:5000, [::]:5000."""
    assert endpoint("::1", 5000) == "[::1]:5000"
    assert endpoint("127.0.0.1", 5000) == "127.0.0.1:5000"
    assert describe([Listener("::", 5000, None)]) == "a process it cannot name on [::]:5000"
    shown = loopback_only("web", [Listener("::1", 5000, 1)])
    assert shown is not None
    assert "[::1]:5000" in shown


def test_ipv6_only_warning_is_for_an_ipv6_only_listener_alone() -> None:
    """IPv6-only :: warns; dual-stack ::, 0.0.0.0 beside ::, or loopback alone do not."""
    warning = ipv6_only("web", [V6_ONLY])
    assert warning is not None
    assert "Cedar-generation router connects to dynos over IPv4" in warning
    assert "Fir-generation dynos must bind [::]:$PORT" in warning
    for quiet in ([DUAL], [V4_ANY], [V6_ONLY, V4_ANY], [Listener("::1", 5000, 1)],
                  [Listener("::", 5000, 1, None)]):
        assert ipv6_only("web", quiet) is None, quiet


def test_explicit_host_mismatch_names_the_host_and_where_the_app_listens() -> None:
    """The mismatch message gives the host as set, its address, and the app's endpoints."""
    target = Target("localhost", 5000, socket.AF_INET6, "::1")
    message = wrong_address("web", target, [V4_ANY])
    assert message.startswith("RELEASE_CHECK_HOST is localhost (::1), but web listens on $PORT"
                              " only at 0.0.0.0:5000, which does not take connections to"
                              " [::1]:5000")


def test_wrong_port_names_only_other_ports_and_counts_the_rest() -> None:
    """The wrong-port message never names $PORT, and names 3 of 2,000 listeners."""
    many = [Listener("0.0.0.0", 6000 + n, 1) for n in range(2000)]
    message = wrong_port("web", 5000, [Listener("::", 5000, 1, True), *many])
    assert ":5000" not in message.split("but not on")[0]
    assert "and 1,997 more" in message
    assert len(message) < 400


# -- real servers


@needs_ipv6
def test_uvicorn_on_ipv6_only_wildcard_passes_with_a_warning(release_check: RunCheck) -> None:
    """A real uvicorn --host :: (IPv6-only) passes, warning that Cedar's router uses IPv4."""
    result = release_check("-q", env={"RELEASE_CHECK_WEB_COMMAND": f"{UVICORN} --host ::",
                                      "RELEASE_CHECK_TIMEOUT": "30"})
    assert result.code == 0, result.out
    assert "(IPv6-only: IPV6_V6ONLY is set" in result.out
    assert "Cedar-generation router connects to dynos over IPv4" in result.out
    assert "listens on $PORT at [::]:" in result.out
    assert result.seconds < 20


@needs_ipv6
def test_hypercorn_dual_stack_wildcard_passes_without_warning(release_check: RunCheck) -> None:
    """A real hypercorn --bind [::]:$PORT is dual-stack: a pass with no bind warning."""
    command = f"cd {APPS} && exec {sys.executable} -m hypercorn --bind [::]:$PORT asgi_app:app"
    # hypercorn's worker now and then misses a SIGTERM sent right after it boots: not the point
    result = release_check("-q", env={"RELEASE_CHECK_WEB_COMMAND": command,
                                      "RELEASE_CHECK_TIMEOUT": "30",
                                      "RELEASE_CHECK_SHUTDOWN_GRACE": "1"})
    assert result.code == 0, result.out
    assert "listens" not in result.out


@needs_ipv6
@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_on_ipv6_loopback_fails_unless_allowed(release_check: RunCheck,
                                                    tmp_path: Path) -> None:
    """Node listen(port, '::1') fails; allowed, it passes at once with the loopback warning."""
    script = tmp_path / "server.js"
    script.write_text("require('http').createServer((q, r) => r.end('OKAY'))"
                      ".listen(process.env.PORT, '::1');\n")
    env = {"RELEASE_CHECK_WEB_COMMAND": f"node {script}", "RELEASE_CHECK_TIMEOUT": "30"}
    refused = release_check(env=env)
    assert refused.code == 1
    assert "FAILED: web listens only on [::1]:" in refused.verdict
    env["RELEASE_CHECK_ALLOW_LOOPBACK"] = "1"
    result = release_check("-q", env=env)
    assert result.code == 0, result.out
    assert "warning: web listens only on [::1]:" in result.out
    assert result.seconds < 20
    strict = release_check("--strict-bind", env=env)
    assert strict.code == 1
    assert "FAILED: web listens only on [::1]:" in strict.verdict


def test_uvicorn_on_loopback_fails_with_the_fix(release_check: RunCheck) -> None:
    """A real uvicorn --host 127.0.0.1 fails at once, naming uvicorn --host 0.0.0.0."""
    result = release_check(env={"RELEASE_CHECK_WEB_COMMAND": f"{UVICORN} --host 127.0.0.1",
                                "RELEASE_CHECK_TIMEOUT": "30"})
    assert result.code == 1, result.out
    assert "FAILED: web listens only on 127.0.0.1:" in result.verdict
    assert "uvicorn --host 0.0.0.0" in result.verdict
    assert result.seconds < 20


@needs_ipv6
def test_explicit_ipv6_host_with_an_ipv4_app_is_said_quickly(release_check: RunCheck) -> None:
    """RELEASE_CHECK_HOST=::1 with the app on 0.0.0.0 says so after the grace, not the timeout."""
    env = {"RELEASE_CHECK_WEB_COMMAND": app_command(), "RELEASE_CHECK_HOST": "::1",
           "RELEASE_CHECK_TIMEOUT": "60", "RELEASE_CHECK_WRONG_PORT_GRACE": "0.5"}
    result = release_check(env=env)
    assert result.code == 1
    assert "FAILED: RELEASE_CHECK_HOST is ::1, but web listens on $PORT only at 0.0.0.0:" in (
        result.verdict)
    assert "which does not take connections to [::1]:" in result.verdict
    assert result.seconds < 20


def test_explicit_wildcard_host_with_a_loopback_app_is_said_at_once(
        release_check: RunCheck) -> None:
    """RELEASE_CHECK_HOST=0.0.0.0 with the app on 127.0.0.1 is a host mismatch, not foreign."""
    env = {"RELEASE_CHECK_WEB_COMMAND": app_command("--bind", "127.0.0.1"),
           "RELEASE_CHECK_HOST": "0.0.0.0", "RELEASE_CHECK_TIMEOUT": "60"}
    result = release_check(env=env)
    assert result.code == 1
    assert "RELEASE_CHECK_HOST is 0.0.0.0, but web listens on $PORT only at 127.0.0.1:" in (
        result.verdict)
    assert "foreign" not in result.verdict
    assert result.seconds < 20


def test_two_thousand_ports_make_a_short_verdict(release_check: RunCheck) -> None:
    """An app listening on 2,000 other ports fails with a verdict naming 3 and counting 1,997."""
    # The ports are taken below the kernel's ephemeral range, where free ports are handed out:
    # 2,000 listeners there would sit on the ports that concurrent tests are given.
    code = ("import os, random, resource, socket, time\n"
            "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
            "resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))\n"
            "low = int(open('/proc/sys/net/ipv4/ip_local_port_range').read().split()[0])\n"
            "port, listening = random.randrange(10000, max(10001, low - 4000)), []\n"
            "while len(listening) < 2000:\n"
            "    port += 1\n"
            "    sock = socket.socket()\n"
            "    try:\n"
            "        sock.bind(('127.0.0.1', port))\n"
            "    except OSError:\n"
            "        sock.close()\n"
            "        continue\n"
            "    sock.listen()\n"
            "    listening.append(sock)\n"
            "time.sleep(60)\n")
    env = {"RELEASE_CHECK_WEB_COMMAND": shlex.join([sys.executable, "-c", code]),
           "RELEASE_CHECK_TIMEOUT": "3", "RELEASE_CHECK_WRONG_PORT_GRACE": "0.5"}
    result = release_check(env=env)
    assert result.code == 1
    assert "and 1,997 more but not on $PORT" in result.verdict
    assert len(result.verdict) < 500


def shared_port_run(tag: str, release_check: RunCheck, tmp_path: Path,
                    env: Mapping[str, str]) -> tuple[int, int, Result]:
    """Broken gunicorn --reuse-port joined later by a healthy foreign server: its pid, port, run."""
    port, marker = _free_port(), tmp_path / "requested"
    joiner = subprocess.Popen([sys.executable, str(APPS / "reuse_port.py"), str(port), str(marker)],
                              env=clean_env(tag, {}), stdout=subprocess.PIPE, text=True)
    command = (f"{sys.executable} -m gunicorn --reuse-port --workers 2 --chdir {APPS}"
               " reuse_port:application")
    settings = {"RELEASE_CHECK_WEB_COMMAND": command, "RELEASE_CHECK_PORT": str(port),
                "RELEASE_CHECK_TIMEOUT": "30", "REQUEST_MARKER": str(marker), **env}
    try:
        result = release_check(env=settings)
    finally:
        joiner.kill()
        joined = joiner.communicate()[0]
    assert joined == "joined\n", result.out
    return joiner.pid, port, result


def test_foreign_server_sharing_the_port_through_reuseport_fails_the_pass(
        tag: str, release_check: RunCheck, tmp_path: Path) -> None:
    """Broken gunicorn --reuse-port, joined later by a healthy foreign server: a failure."""
    pid, port, result = shared_port_run(tag, release_check, tmp_path, {})
    assert result.code == 1, result.out
    assert f"FAILED: pid {pid} (python" in result.verdict
    assert f"also listens on 127.0.0.1:{port}, outside web's process tree" in result.verdict


@needs_ipv6
def test_port_taken_on_ipv6_loopback_only_is_in_use(tag: str, release_check: RunCheck) -> None:
    """A foreign server on [::1] alone holds the port: followed, the check would reach it."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, str(APPS / "fixture_app.py"), "--bind", "::1",
                               "--port", str(port)], env=clean_env(tag, {}), stdout=subprocess.PIPE)
    try:
        assert server.stdout is not None
        assert any(line.startswith(b"listening") for line in server.stdout)
        result = release_check(env={"RELEASE_CHECK_WEB_COMMAND": app_command(),
                                    "RELEASE_CHECK_PORT": str(port)})
    finally:
        server.kill()
        server.wait()
    assert result.code == 1
    assert f"FAILED: port {port} on [::1] is already in use by pid {server.pid}" in result.verdict
    assert f"on [::1]:{port} before the app started" in result.verdict
    assert result.seconds < 10
