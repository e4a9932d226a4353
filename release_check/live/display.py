"""What a watch shows: a live status line while it runs, and the summary at the end."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from release_check.console import PREFIX
from release_check.live.stats import FAILURE_KINDS, Summary, Tally, availability

TTY_PERIOD = 0.1  # redraws a person can follow, without flooding a slow terminal
LOG_PERIOD = 5.0  # a log keeps a line every few seconds, not one per request


class LiveStatus:
    """One status line: redrawn in place on a terminal, printed every few seconds in a log.

    Like the Console, a stream that breaks (a closed pipe) silences it without failing the watch.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._tty = stream.isatty() if tty is None else tty
        self._clock = clock
        self._period = TTY_PERIOD if self._tty else LOG_PERIOD
        self._shown_at: float | None = None
        self._width = 0
        self._broken = False

    def update(self, text: str) -> None:
        """Show ``text`` if the last line shown is older than the period (the first always)."""
        now = self._clock()
        if self._shown_at is not None and now - self._shown_at < self._period:
            return
        self._shown_at = now
        line = f"{PREFIX} {text}"
        if self._tty:
            self._write(f"\r{line.ljust(self._width)}")
            self._width = len(line)
        else:
            self._write(f"{line}\n")

    def finish(self) -> None:
        """End a redrawn line, so that what follows starts on a line of its own."""
        if self._tty and self._width:
            self._write("\n")
            self._width = 0

    def _write(self, text: str) -> None:
        if self._broken:
            return
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            self._broken = True


def status_text(tally: Tally, elapsed: float, duration: float, now: float) -> str:
    """``12/60s  45 requests  2 failed  95.56%  DOWN 1.2s``: short enough for one terminal line."""
    failed = tally.requests - tally.passed
    state = "up" if tally.down_since is None else f"DOWN {now - tally.down_since:.1f}s"
    return (
        f"{elapsed:.0f}/{duration:g}s  {tally.requests} request{'' if tally.requests == 1 else 's'}"
        f"  {failed} failed"
        f"  {availability(tally.requests, tally.passed):.2f}%  {state}"
    )


def summary_lines(summary: Summary) -> list[str]:
    """The summary, one aligned line per figure."""
    failed = summary.requests - summary.passed
    by_kind = ", ".join(f"{kind} {summary.failures[kind]}" for kind in FAILURE_KINDS
                        if summary.failures[kind])
    outage = summary.longest_outage
    return [
        f"  requests             {summary.requests} in {summary.duration_s:.1f}s"
        f" ({summary.passed} passed)",
        f"  failures             {failed}" + (f" ({by_kind})" if by_kind else ""),
        f"  availability         {summary.availability:.2f}%",
        f"  longest transaction  {summary.longest_transaction_s:.3f}s",
        f"  latency              p50 {summary.p50_s:.3f}s, p95 {summary.p95_s:.3f}s,"
        f" p99 {summary.p99_s:.3f}s",
        "  longest outage       "
        + (f"{outage.seconds:.3f}s ({outage.failures} failed in a row)" if outage else "none"),
    ]
