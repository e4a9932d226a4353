"""The release check end to end: spawn, wait, check, and tear down on every path."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Mapping

from release_check.checking import (
    Attempt,
    CheckResult,
    Outcome,
    Stopped,
    check_all,
    explain,
    fetch,
    request_headers,
)
from release_check.config import Config, Expectation, app_environment, command_for
from release_check.console import Console
from release_check.errors import (
    Interrupted,
    LoopbackOnly,
    NotHealthy,
    OverMemory,
    PortInUse,
    UsageError,
)
from release_check.release import diagnose
from release_check.release.app import RUN_ID_VARIABLE, App
from release_check.release.boot import (
    confirm_owner,
    ensure_alive,
    stay_up,
    wait_listening,
    watchful_sleep,
)
from release_check.release.lifetime import Run
from release_check.release.ports import Target, accepts, held_by, local_target
from release_check.release.record import Record
from release_check.signals import SignalGuard


def boot_command(config: Config) -> tuple[str, str]:
    """The command to boot and where it came from (never echoing a variable's value)."""
    if config.web_command is not None:
        return config.web_command, "RELEASE_CHECK_WEB_COMMAND"
    command = command_for(config.procfile, config.process_type)
    return command, f"{config.procfile} ({config.process_type}: {command})"


def target_for(config: Config) -> Target:
    """Where the app must listen; fail at once if something already does."""
    target = local_target(config.host, config.port)
    if accepts(target, 1.0):
        raise PortInUse(
            f"port {target.port} on {target.address} is already in use by {held_by(target)}"
            " before the app started; a server that is not the app would answer the check"
        )
    return target


def refuse_nested(environ: Mapping[str, str]) -> None:
    """A release check started by the app it checks would start itself again, without end."""
    if environ.get(RUN_ID_VARIABLE):
        raise UsageError(
            f"release-check is running inside the app it checks ({RUN_ID_VARIABLE} is set):"
            " the web command must start the app, not release-check"
        )


def run(
    config: Config, console: Console, guard: SignalGuard, record: Record,
    environ: Mapping[str, str] = os.environ,
) -> None:
    """Run the check; return on a pass, raise a CheckFailed (or UsageError) otherwise."""
    refuse_nested(environ)
    command, source = boot_command(config)
    env = app_environment(environ, config.env_file)
    target = target_for(config)
    record.port = target.port
    console.detail(f"booting {source} with PORT={target.port}")
    current = Run(config, console, record, target)
    try:
        with contextlib.suppress(Interrupted):  # raised again below, with what teardown verified
            current.start(command, env)
            guard.raise_deferred()
            _boot(current)
            _probe(current)
            stay_up(current.app, config.uptime)
            record.uptime_s = config.uptime
    finally:
        current.close()
    if guard.received is not None:
        raise Interrupted(guard.received, current.aftermath())
    over = diagnose.over_memory(config.process_type, record.peak, config.max_memory_mb)
    if over:
        raise OverMemory(over)


def _boot(current: Run) -> None:
    """Wait for the socket, make sure it is the app's, and judge how it was bound."""
    app, config, record = current.app, current.config, current.record
    while not record.listeners:
        wait_listening(app, current.target, app.started + config.timeout, current.watcher,
                       config.wrong_port_grace)
        record.listening_s = app.elapsed()
        record.listeners = confirm_owner(app, current.target)
    loopback = diagnose.loopback_only(app.label, record.listeners)
    if loopback and config.strict_bind:
        raise LoopbackOnly(loopback)
    slow = diagnose.slow_boot(app.label, record.listening_s or 0.0)
    record.warnings += [w for w in (loopback, slow) if w]


def _probe(current: Run) -> None:
    """Run every check until all pass; fail with each failing check's last outcome."""
    app, config, record = current.app, current.config, current.record
    http = current.http()
    phase = "before passing the check"

    def attempt_for(expected: Expectation, stop: threading.Event) -> Attempt:
        url = current.target.base_url + expected.path

        def attempt(timeout: float) -> Outcome:
            if stop.is_set():
                raise Stopped
            ensure_alive(app, phase)
            headers = request_headers(
                expected, router=config.router_headers, host=config.host_header,
                common=config.headers,
            )
            return fetch(http, url, timeout, expected.method, headers, workers=current.workers)

        return attempt

    record.checks = check_all(config.expectations(), attempt_for, app.started + config.timeout,
                              config.request_timeout, lambda stop: watchful_sleep(app, stop),
                              workers=current.workers)
    failed = [result for result in record.checks if not result.passed]
    if failed:
        ensure_alive(app, phase)
        raise NotHealthy("; ".join(_failure(result, app) for result in failed))
    record.healthy_s = app.elapsed()


def _failure(result: CheckResult, app: App) -> str:
    polled = result.polled
    hint = diagnose.hint(polled.last)
    return (
        f"{explain(polled.last, result.expected)}"
        f" (last of {polled.attempts} attempts over {app.elapsed():.1f}s)"
        + (f"; hint: {hint}" if hint else "")
    )
