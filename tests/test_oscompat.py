"""The Linux fast paths against real sockets and processes, beside their portable fallbacks."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time

import pytest

from release_check.system.portable import Portable

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="Linux-only: the Linux OS layer's own calls")
if sys.platform.startswith("linux"):
    from release_check.system import linux as oscompat


@linux_only
def test_netlink_table_lists_ipv4_and_ipv6_listeners() -> None:
    """sock_diag finds an IPv4 and an IPv6 listener with their addresses, ports and inodes."""
    with socket.create_server(("127.0.0.1", 0)) as v4, \
            socket.create_server(("::1", 0), family=socket.AF_INET6) as v6:
        table = oscompat.listening_sockets()
        mine = oscompat.socket_inodes(os.getpid())
        assert table is not None
        assert mine is not None
        found = {table[inode][:2] for inode in mine if inode in table}
        assert ("127.0.0.1", v4.getsockname()[1]) in found
        assert ("::1", v6.getsockname()[1]) in found


@linux_only
def test_netlink_table_tells_ipv6_only_from_dual_stack() -> None:
    """sock_diag reports IPV6_V6ONLY: set on one :: listener, clear on another, False for IPv4."""
    sockets = []
    for v6only in (1, 0):
        sock = socket.socket(socket.AF_INET6)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
        sock.bind(("::", 0))
        sock.listen()
        sockets.append(sock)
    try:
        with socket.create_server(("127.0.0.1", 0)) as v4:
            table = oscompat.listening_sockets()
            assert table is not None
            found = {entry[1]: entry for entry in table.values()}
            assert found[sockets[0].getsockname()[1]] == ("::", sockets[0].getsockname()[1], True)
            assert found[sockets[1].getsockname()[1]][2] is False
            assert found[v4.getsockname()[1]][2] is False
    finally:
        for sock in sockets:
            sock.close()


@linux_only
def test_fast_path_agrees_with_psutil() -> None:
    """The Linux layer's listeners are the portable layer's, for a real child process."""
    code = ("import socket, time; s = socket.create_server(('0.0.0.0', 0)); print(1, flush=True);"
            " time.sleep(30)")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None
        child.stdout.readline()
        fast = oscompat.Linux().listeners([child.pid])
        assert len(fast) == 1
        assert fast == Portable().listeners([child.pid])
    finally:
        child.kill()
        child.wait()


@linux_only
def test_pidfd_becomes_readable_when_the_process_exits() -> None:
    """A pidfd wakes select() as soon as its process exits."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.3)"])
    fd = oscompat.pidfd(child.pid)
    assert fd is not None
    try:
        started = time.monotonic()
        ready, _, _ = select.select([fd], [], [], 10)
        assert ready == [fd]
        assert time.monotonic() - started < 5
    finally:
        os.close(fd)
        child.wait()


@linux_only
def test_inodes_of_a_missing_process_is_none() -> None:
    """A pid that does not exist gives None, sending callers to the portable path."""
    assert oscompat.socket_inodes(2**22 + 12345) is None
