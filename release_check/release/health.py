"""Whether a non-web process is healthy: its ready line, its uptime window, or (oneshot) exit 0.

Pure logic: the output pump reports lines, the runner reports the root's exit status and the
time, and ``observe`` says whether the process has failed the run. Nothing here sleeps.
"""

from __future__ import annotations

import re
import threading
from typing import Literal

from release_check.config import ProcessSpec, ready_variable
from release_check.release.diagnose import hidden_ready_line
from release_check.reports import looks_like_error
from release_check.supervise import CrashLoop, Death
from release_check.text import app_text, counted, describe_exit, uncoloured

# A log record at an error level, after its timestamp and logger: Celery's "[...: ERROR/Main
# Process]", Python logging's "ERROR:root:", RQ's "12:00:00 ERROR", "level=error".
_LOGGED_ERROR = re.compile(r"^.{0,80}?(?:\b(?:ERROR|CRITICAL|FATAL)\b|\blevel=(?:error|fatal)\b)")
_SHOWN_ERROR = 160

ReadyBy = Literal["line", "uptime", "exit"]


class Health:
    """One process's way to healthy, from its spawn at ``started`` (a monotonic time)."""

    def __init__(self, spec: ProcessSpec, started: float, window: float = 0.0) -> None:
        self.spec = spec
        self.started = started
        self.window = window  # after a ready line, how long every process of it must stay up
        self._lock = threading.Lock()
        self.ready_at: float | None = None
        self.ready_by: ReadyBy | None = None
        self.ready_line: str | None = None
        self.exit_code: int | None = None
        self.exited_at: float | None = None
        self.failure: str | None = None
        self.errors = 0
        self.timed_out = False  # a search of some line for the ready line ran out of time
        self.last_error: str | None = None

    def on_line(self, text: str, now: float) -> None:
        """A line of the process's output (from the pump's thread): maybe its ready line."""
        with self._lock:
            waiting = self.ready_at is None and self.exited_at is None
            found = self.spec.search(text) if waiting else False
            if found is True:
                self._ready(now, "line", text)
            elif found:
                self.timed_out = True
            if looks_like_error(text) or _LOGGED_ERROR.match(uncoloured(text)):
                self.errors += 1
                self.last_error = text

    def error_warning(self) -> str | None:
        """Error lines of a process that still counts as healthy: a warning, and how to fail."""
        if self.last_error is None:
            return None
        name = self.spec.name
        said = (f"{name} printed {counted(self.errors, 'error line')} (the last:"
                f" {app_text(self.last_error.strip(), _SHOWN_ERROR)}), yet counts as healthy")
        if self.spec.ready is not None:
            return said
        return (f"{said} since it kept running; to make such errors fail the check, give {name}"
                f" a ready regex that only a working {name} prints ({ready_variable(name)}, or"
                f" ready in [process.{name}]), such as Celery's 'celery@\\S+ ready'")

    def _ready(self, at: float, by: ReadyBy, line: str | None = None) -> None:
        self.ready_at, self.ready_by, self.ready_line = at, by, line

    @property
    def ready(self) -> bool:
        """Whether it has shown it is healthy (it may have failed since)."""
        return self.ready_at is not None

    def steady(self, now: float) -> bool:
        """Ready, and through the window after a ready line in which it must stay up."""
        if self.ready_at is None:
            return False
        return self.ready_by != "line" or now >= self.ready_at + self.window

    def observe(self, code: int | None, now: float, loop: CrashLoop | None = None,
                death: Death | None = None) -> str | None:
        """Judge at ``now``, given the root's exit status (None while it runs); the failure.

        ``loop`` is its tree's crash loop, ``death`` the last child of it that died, if any.
        """
        with self._lock:
            if self.failure is None:
                self.failure = (self._exited(code, now) if code is not None
                                else self._troubled(now, loop, death) or self._running(now))
            return self.failure

    def _troubled(self, now: float, loop: CrashLoop | None, death: Death | None) -> str | None:
        """A crash loop at any time; a child dying in the window after its ready line."""
        name, ready_at = self.spec.name, self.ready_at
        if loop is not None:
            phase = "before it was ready" if ready_at is None else "after it was ready"
            return loop.describe(name, now - self.started, phase)
        if death is None or self.ready_by != "line" or ready_at is None:
            return None
        if not ready_at <= death.at <= ready_at + self.window:
            return None
        return (f"{name}'s process pid {death.pid} {describe_exit(death.code)} within"
                f" {death.at - ready_at:.1f}s of {name}'s ready line: a ready line counts only if"
                " every process of the type stays up after it")

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
        why = spec.timed_out_note() if self.timed_out else hidden_ready_line(spec.ready)
        return (f"{spec.name} printed no {spec.describe_ready()} within {timeout:g}s"
                f" (it is still running){why}")

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
        """``worker ready in 1.20s``, ``clock up 5s``, with the error lines it printed if any."""
        said = self._how_ready()
        return f"{said} with {counted(self.errors, 'error line')}" if self.errors else said

    def _how_ready(self) -> str:
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
