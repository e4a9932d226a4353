"""The command run once the checks passed (``--then``, or ``release-check -- COMMAND``).

It runs against the booted app, still up: the app's environment plus ``RELEASE_CHECK_URL``
and ``BASE_URL``; its output is relayed under its own label; its exit status decides. It is
one more root of the run (release/lifetime.py), so the one teardown stops its whole tree with
the app's, and the watchdog stops it if the runner dies. A crash of the app (or of a process
beside it) while it runs ends the run at once.
"""

from __future__ import annotations

import time
from pathlib import Path

from release_check.errors import CommandFailed
from release_check.release.boot import POLL_INTERVAL, ensure_alive
from release_check.release.lifetime import Run
from release_check.reports import ThenRecord, check_junit, tail_report
from release_check.supervise import App
from release_check.text import describe_exit, printable

LABEL = "then"
JUNIT_VARIABLE = "RELEASE_CHECK_THEN_JUNIT"
_LAST_LINES = 1.0  # after its exit, how long its output may take to reach the pump
_SHOWN = 120
_JUNIT_LIMIT = 32 * 1024 * 1024  # a JUnit file larger than this is not merged


def shown(command: str) -> str:
    """The command as a verdict names it: escaped, capped, between backquotes."""
    return f"`{printable(command, _SHOWN)}`"


def environment(base_url: str, junit: Path | None) -> dict[str, str]:
    """What the command gets besides the app's environment (which has PORT already)."""
    extra = {"RELEASE_CHECK_URL": base_url, "BASE_URL": base_url}
    if junit is not None:
        extra[JUNIT_VARIABLE] = str(junit.absolute())
    return extra


def run_then(current: Run) -> None:
    """Run the command, if any; raise CommandFailed unless it exits 0 within its timeout."""
    then = current.record.then
    if then is None:
        return
    url = current.target.base_url
    current.console.detail(f"running {shown(then.command)} with RELEASE_CHECK_URL={url}")
    junit = current.config.then_junit
    since = time.time()
    command = current.start_then(LABEL, then.command, environment(url, junit))
    then.started = True
    phase = f"while {shown(then.command)} ran"
    try:
        code = _wait(current, command, command.started + then.timeout, phase)
    finally:
        then.seconds = command.elapsed()
    then.exit_code, then.timed_out = code, code is None
    ensure_alive(current.app, phase, current.watcher)
    command.pump.drained(_LAST_LINES)
    then.tail = command.pump.tail()
    if junit is not None:
        _read_junit(then, junit, since, current.record.warnings)
    if not then.passed:
        raise CommandFailed(_failure(then, current.config.source("then_timeout")),
                            tail_report(then.tail, relayed=False, whose=LABEL))


def _wait(current: Run, command: App, deadline: float, phase: str) -> int | None:
    """Its exit status, or None once ``deadline`` passed; the app is watched meanwhile."""
    while (code := command.exit_code()) is None:
        ensure_alive(current.app, phase, current.watcher)
        if time.monotonic() >= deadline:
            return None
        command.wakeup.wait(POLL_INTERVAL, output=False)
    return code


def _failure(then: ThenRecord, timeout_source: str) -> str:
    if then.timed_out:
        return (f"{shown(then.command)} was still running after {then.timeout:g}s"
                f" ({timeout_source}); it was stopped with the app")
    last = next((line for line in reversed(then.tail.lines) if line.strip()), None)
    said = f"; its last line: {printable(last.strip(), 200)}" if last else ""
    return (f"{shown(then.command)} {describe_exit(then.exit_code or 0)} after"
            f" {then.seconds or 0:.2f}s, run once the checks passed{said}")


def _read_junit(then: ThenRecord, path: Path, since: float, warnings: list[str]) -> None:
    """Keep the JUnit file the command wrote during this run; an older one is not its."""
    try:
        stat = path.stat()
        if stat.st_mtime < since - 1 or stat.st_size > _JUNIT_LIMIT:
            return
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    try:
        check_junit(text)
    except ValueError as error:
        warnings.append(f"{path}, written by {shown(then.command)}, was not merged into the"
                        f" JUnit file: {error}")
        return
    then.junit_path, then.junit = str(path), text
