"""What every release pays before and while it waits: modules loaded at start, the socket poll."""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from release_check.config.platforms import choose
from release_check.sockets.ports import LOOPBACK_V4, Listener, Target
from release_check.sockets.probing import Poller
from tests.conftest import linux_layer

RARELY_NEEDED = ("xml.etree.ElementTree", "secrets", "release_check.reports.junit",
                 "release_check.reports.stages", "regex")


def _loaded_after(code: str, cwd: Path) -> set[str]:
    """The modules a fresh interpreter holds after running ``code`` in ``cwd``."""
    done = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\nprint('\\n'.join(sys.modules))"],
        capture_output=True, text=True, timeout=30, check=True, cwd=cwd,
    )
    return set(done.stdout.split())


def test_start_loads_no_junit_xml_or_secrets(tmp_path: Path) -> None:
    """Importing the command line and the runner loads neither JUnit's XML, secrets nor regex."""
    loaded = _loaded_after("import release_check.cli, release_check.release.runner", tmp_path)
    assert "release_check.cli" in loaded
    assert not set(RARELY_NEEDED) & loaded


def test_no_platform_reader_loads_without_its_file(tmp_path: Path) -> None:
    """With no platform file beside the Procfile, no platform reader is imported."""
    loaded = _loaded_after("import release_check.config as c\n"
                           "assert c.find_platform(None, 'Procfile') is None", tmp_path)
    assert not {f"release_check.config.platforms.{name}" for name in choose.ORDER} & loaded


def test_only_the_present_platform_reader_loads(tmp_path: Path) -> None:
    """A fly.toml beside the Procfile loads fly's reader and none of the others."""
    (tmp_path / "fly.toml").write_text('[http_service]\ninternal_port = 8080\n')
    loaded = _loaded_after("import release_check.config as c\n"
                           "print(c.find_platform(None, 'Procfile'))", tmp_path)
    readers = {name for name in choose.ORDER if f"release_check.config.platforms.{name}" in loaded}
    assert readers == {"fly"}


@pytest.mark.parametrize("name", choose.ORDER)
def test_hints_name_every_file_the_reader_looks_for(name: str) -> None:
    """choose.HINTS lists each reader's own file names, so a file never goes unnoticed."""
    reader = importlib.import_module(f"release_check.config.platforms.{name}")
    files = {getattr(reader, attr) for attr in ("FILE", "APP_JSON", "CHECKS")
             if hasattr(reader, attr)} | set(getattr(reader, "FILES", ()))
    assert files
    assert files == set(choose.HINTS[name])


def _open_fds() -> int:
    return len(list(Path("/proc/self/fd").iterdir()))


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK_V4, 0))
        return int(sock.getsockname()[1])


def test_poller_finds_the_listener_after_refusals() -> None:
    """Refused probes keep their socket, and the same poller still sees the port open later."""
    port = _unused_port()
    target = Target(LOOPBACK_V4, port, socket.AF_INET, LOOPBACK_V4)
    with Poller(target, 1.0) as poller:
        assert [poller.answer([]) for _ in range(5)] == [None] * 5
        with socket.socket() as server:
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind((LOOPBACK_V4, port))
            server.listen()
            assert poller.answer([]) == target


@linux_layer  # the portable poller keeps no socket: nothing to count
def test_poller_closes_its_sockets() -> None:
    """No probe socket outlives the poller."""
    before = _open_fds()
    target = Target(LOOPBACK_V4, _unused_port(), socket.AF_INET, LOOPBACK_V4, explicit=False)
    with Poller(target, 1.0) as poller:
        for _ in range(3):
            poller.answer([])
        assert _open_fds() > before
    assert _open_fds() == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="127.0.0.2 is loopback on Linux")
def test_poller_follows_new_listeners() -> None:
    """A listener list the watcher publishes later adds its address to what is probed."""
    with socket.socket() as server:
        server.bind(("127.0.0.2", 0))
        server.listen()
        port = server.getsockname()[1]
        target = Target(LOOPBACK_V4, port, socket.AF_INET, LOOPBACK_V4, explicit=False)
        with Poller(target, 1.0) as poller:
            assert poller.answer([]) is None
            found = poller.answer([Listener("127.0.0.2", port, os.getpid())])
            assert found is not None
            assert found.address == "127.0.0.2"
