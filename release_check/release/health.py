"""Whether a non-web process is healthy: its ready line, its uptime window, or (oneshot) exit 0.

Pure logic: the output pump reports lines, the runner reports the root's exit status and the
time, and ``observe`` says whether the process has failed the run. Nothing here sleeps.
"""

from __future__ import annotations

import threading
from typing import Literal

from release_check.config import ProcessSpec
from release_check.release.diagnose import hidden_ready_line
from release_check.text import describe_exit

ReadyBy = Literal["line", "uptime", "exit"]


class Health:
    """One process's way to healthy, from its spawn at ``started`` (a monotonic time)."""

    def __init__(self, spec: ProcessSpec, started: float) -> None:
        self.spec = spec
        self.started = started
        self._lock = threading.Lock()
        self.ready_at: float | None = None
        self.ready_by: ReadyBy | None = None
        self.ready_line: str | None = None
        self.exit_code: int | None = None
        self.exited_at: float | None = None
        self.failure: str | None = None

    def on_line(self, text: str, now: float) -> None:
        """A line of the process's output (from the pump's thread): maybe its ready line."""
        with self._lock:
            if self.ready_at is None and self.exited_at is None and self.spec.matches(text):
                self._ready(now, "line", text)

    def _ready(self, at: float, by: ReadyBy, line: str | None = None) -> None:
        self.ready_at, self.ready_by, self.ready_line = at, by, line

    @property
    def ready(self) -> bool:
        """Whether it has shown it is healthy (it may have failed since)."""
        return self.ready_at is not None

    @property
    def settled(self) -> bool:
        """Healthy, or failed: nothing more to wait for."""
        return self.ready or self.failure is not None

    def observe(self, code: int | None, now: float) -> str | None:
        """Judge at ``now``, given the root's exit status (None while it runs); the failure."""
        with self._lock:
            if self.failure is None:
                self.failure = self._exited(code, now) if code is not None else self._running(now)
            return self.failure

    def _running(self, now: float) -> str | None:
        spec, elapsed = self.spec, now - self.started
        if self.ready_at is not None:
            return None
        if spec.ready is None:
            if elapsed >= spec.uptime:
                self._ready(self.started + spec.uptime, "uptime")
            return None
        timeout = spec.timeout if spec.timeout is not None else float("inf")
        if elapsed < timeout:
            return None
        return (f"{spec.name} printed no {spec.describe_ready()} within {timeout:g}s"
                f" (it is still running){hidden_ready_line(spec.ready)}")

    def _exited(self, code: int, now: float) -> str | None:
        if self.exited_at is None:
            self.exit_code, self.exited_at = code, now
        spec, after = self.spec, f"(after {self.exited_at - self.started:.2f}s)"
        if spec.oneshot and code == 0 and (self.ready or spec.ready is None):
            if not self.ready:
                self._ready(self.exited_at, "exit")
            return None
        if not self.ready:
            return f"{spec.name} {describe_exit(code)} before it was ready {after}"
        hint = ("; a process that is meant to finish needs oneshot = true in"
                f" [process.{spec.name}]") if code == 0 else ""
        return (f"{spec.name} {describe_exit(code)} after it was ready, before the check"
                f" ended {after}{hint}")

    def summary(self) -> str:
        """``worker ready in 1.20s``, ``clock up 5s``, ``migrate finished in 0.50s``."""
        if self.ready_at is None:
            return f"{self.spec.name} not ready"
        seconds = self.ready_at - self.started
        if self.ready_by == "uptime":
            return f"{self.spec.name} up {self.spec.uptime:g}s"
        if self.ready_by == "exit" or self.exited_at is not None:
            return f"{self.spec.name} finished with code 0 in {self._exit_s():.2f}s"
        return f"{self.spec.name} ready in {seconds:.2f}s"

    def _exit_s(self) -> float:
        return (self.exited_at or self.started) - self.started
