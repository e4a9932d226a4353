"""Test doubles for pure logic: a clock that moves only when told."""

from __future__ import annotations


class FakeClock:
    """Time that moves only when slept on (or when a test advances ``now``)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        """The current fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the clock."""
        self.sleeps.append(seconds)
        self.now += seconds
