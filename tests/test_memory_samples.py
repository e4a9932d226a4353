"""Memory samples compare like with like: a worker gone mid-sample does not turn PSS into RSS."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import psutil
import pytest

from release_check.reports.record import Memory
from release_check.supervise.tree import measure, replaces

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


@pytest.fixture
def two() -> Iterator[tuple[psutil.Process, psutil.Process]]:
    """Two real processes, the second killed and reaped once its Process object exists."""
    alive, gone = subprocess.Popen(SLEEPER), subprocess.Popen(SLEEPER)
    try:
        pair = psutil.Process(alive.pid), psutil.Process(gone.pid)
        gone.kill()
        gone.wait()
        yield pair
    finally:
        for proc in (alive, gone):
            proc.kill()
            proc.wait()


def test_a_process_gone_mid_sample_is_skipped(two: tuple[psutil.Process, psutil.Process]
                                              ) -> None:
    """A sample of a tree whose worker has exited is still PSS, of the processes left."""
    sample = measure(list(two))
    assert sample.kind == "pss"
    assert sample.processes == 1
    assert sample.bytes > 0


def test_an_rss_sample_never_replaces_a_pss_peak() -> None:
    """RSS, always the larger, is not a new peak over PSS; PSS replaces an RSS peak."""
    pss, rss = Memory(100, "pss", 2), Memory(300, "rss", 2)
    assert not replaces(pss, rss)
    assert replaces(rss, pss)
    assert replaces(pss, Memory(101, "pss", 2))
    assert not replaces(pss, Memory(99, "pss", 2))
    assert replaces(None, rss)
