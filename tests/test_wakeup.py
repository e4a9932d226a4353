"""The runner's wake-up: the app's output wakes it once per look, not once per line."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from release_check.supervise.wakeup import Wakeup

PROC_IO = Path("/proc/self/io")


def _slept(wakeup: Wakeup, seconds: float) -> float:
    started = time.monotonic()
    wakeup.wait(seconds, output=True)
    return time.monotonic() - started


def _write_calls() -> int:
    """The write system calls this process made so far (Linux's per-process I/O accounting)."""
    fields = dict(line.split(": ") for line in PROC_IO.read_text().splitlines())
    return int(fields["syscw"])


@pytest.mark.skipif(not PROC_IO.exists(), reason="counts write calls in /proc/self/io (Linux)")
def test_many_lines_before_a_look_cost_one_write() -> None:
    """A thousand lines logged before the runner looks are one write to its pipe, not 1,000."""
    wakeup = Wakeup(os.getpid())
    try:
        before = _write_calls()
        for _ in range(1000):
            wakeup.nudge()
        assert _write_calls() - before < 10  # other threads of this process may write too
        assert _slept(wakeup, 10) < 5
        assert _slept(wakeup, 0.3) >= 0.25
    finally:
        wakeup.close()


def test_a_line_after_a_look_wakes_the_next_wait() -> None:
    """Once a wake-up is taken, the next line wakes the next wait again."""
    wakeup = Wakeup(os.getpid())
    try:
        wakeup.nudge()
        wakeup.wait(10, output=True)
        wakeup.nudge()
        assert _slept(wakeup, 10) < 5
    finally:
        wakeup.close()
