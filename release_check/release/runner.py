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
from release_check.config import (
    Config,
    Expectation,
    app_environment,
    command_for,
    process_commands,
)
from release_check.console import Console
from release_check.errors import (
    Interrupted,
    LoopbackOnly,
    NotHealthy,
    OverMemory,
    PortInUse,
    ProcessFailed,
    UsageError,
)
from release_check.release import budgets, diagnose
from release_check.release.app import RUN_ID_VARIABLE, App
from release_check.release.boot import (
    Listening,
    confirm_owner,
    ensure_alive,
    ensure_alone,
    stay_up,
    wait_listening,
    watchful_sleep,
)
from release_check.release.lifetime import Run
from release_check.release.ports import (
    Target,
    answering,
    bracketed,
    held_by,
    local_target,
    probes,
)
from release_check.release.record import ProcessRecord, Record
from release_check.signals import SignalGuard
from release_check.system import SYSTEM


def boot_command(config: Config) -> tuple[str, str, list[str]]:
    """The command to boot, where it came from (never echoing a variable's value), warnings."""
    if config.web_command is not None:
        return config.web_command, config.web_command_source, []
    command, warnings = command_for(config.procfile, config.process_type)
    return command, f"{config.procfile} ({config.process_type}: {command})", warnings


def target_for(config: Config) -> Target:
    """Where the app must listen; fail at once if something already does."""
    target = local_target(config.host, config.port)
    busy = answering(probes(target), 1.0)
    if busy:
        raise PortInUse(
            f"port {busy.port} on {bracketed(busy.address)} is already in use by {held_by(busy)}"
            " before the app started; a server that is not the app would answer the check"
            f" ({config.source('port')} chose the port; without it a free one is picked)"
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
    command, source, notes = boot_command(config)
    others, more = _companion_commands(config)
    record.warnings += notes + [note for note in more if note not in notes]
    env = app_environment(environ, config.env_file)
    target = target_for(config)
    record.port = target.port
    console.detail(f"booting {source} with PORT={target.port}")
    current = Run(config, console, record, target)
    try:
        with contextlib.suppress(Interrupted):  # raised again below, with what teardown verified
            current.start(command, env, others)
            guard.raise_deferred()
            current.target = _boot(current)
            _probe(current)
            ensure_alone(current.app, current.target, "right after passing the check",
                         record.listeners)
            console.detail(f"passed; the app must now stay up {config.uptime:g}s")
            stay_up(current.app, config.uptime)
            record.uptime_s = config.uptime
            current.companions.wait_ready(lambda phase: ensure_alive(current.app, phase))
    finally:
        current.close()
        _records(current)
    if guard.received is not None:
        raise Interrupted(guard.received, current.aftermath())
    _judge_memory(config, record)


def _companion_commands(config: Config) -> tuple[dict[str, str], list[str]]:
    """The Procfile command of each process beside web, checked before anything boots."""
    chosen = [spec.name for spec in config.companions()]
    if not chosen:
        return {}, []
    return process_commands(config.procfile, config.process_specs, chosen)


def _records(current: Run) -> None:
    """Each process type's record, web first, once every tree is down."""
    record, config = current.record, current.config
    if not current.spawned:
        return
    app = current.app
    web = ProcessRecord(app.label, record.healthy_s, "check" if record.healthy_s else None,
                        None, app.exit_code(), record.peak, config.max_memory_mb,
                        record.shutdown, tail=record.tail)
    record.processes = [web, *current.companions.records()]
    together = budgets.together_over(record.processes)
    record.warnings += [together] if together else []


def _judge_memory(config: Config, record: Record) -> None:
    """Each type's peak against its own budget: web's first, then the others in order."""
    over = diagnose.over_memory(config.process_type, record.peak, config.max_memory_mb,
                                config.source("max_memory_mb"))
    if over:
        raise OverMemory(over)
    for process in record.processes[1:]:
        if (message := budgets.over_budget(process)) is not None:
            raise ProcessFailed(process.name, message)


def _boot(current: Run) -> Target:
    """Wait for the socket, make sure it is the app's, judge how it was bound; say where."""
    app, config, record = current.app, current.config, current.record
    listening: Listening | None = None
    while listening is None:
        wait_listening(app, current.target, app.started + config.timeout, current.watcher,
                       config.wrong_port_grace)
        record.listening_s = app.elapsed()
        listening = confirm_owner(app, current.target)
    record.listeners = listening.listeners
    loopback = diagnose.loopback_only(app.label, record.listeners)
    if loopback and config.strict_bind:
        raise LoopbackOnly(loopback)
    ipv6 = diagnose.ipv6_only(app.label, record.listeners)
    slow = diagnose.slow_boot(app.label, record.listening_s or 0.0)
    hidden = diagnose.hidden_sockets(current.target.port, SYSTEM.unreadable())
    record.warnings += [w for w in (loopback, ipv6, slow, hidden) if w]
    return listening.target


def _probe(current: Run) -> None:
    """Run every check until all pass; fail with each failing check's last outcome."""
    app, config, record, watcher = current.app, current.config, current.record, current.watcher
    http = current.http()
    phase = "before passing the check"

    def attempt_for(expected: Expectation, stop: threading.Event) -> Attempt:
        url = current.target.base_url + expected.path

        def attempt(timeout: float) -> Outcome:
            if stop.is_set():
                raise Stopped
            ensure_alive(app, phase, watcher)
            headers = request_headers(
                expected, router=config.router_headers, host=config.host_header,
                common=config.headers,
            )
            return fetch(http, url, timeout, expected.method, headers, workers=current.workers)

        return attempt

    record.checks = check_all(config.expectations(), attempt_for, app.started + config.timeout,
                              config.request_timeout, lambda stop: watchful_sleep(app, stop),
                              workers=current.workers, settle=config.settle)
    failed = [result for result in record.checks if not result.passed]
    if failed:
        ensure_alive(app, phase, watcher)
        raise NotHealthy("; ".join(_failure(result, app) for result in failed))
    record.healthy_s = app.elapsed()


def _failure(result: CheckResult, app: App) -> str:
    polled = result.polled
    hint = diagnose.hint(polled.last)
    settled = "" if polled.settled_s is None else f", unchanged for {polled.settled_s:.1f}s"
    return (
        f"{explain(polled.last, result.expected)}"
        f" (last of {polled.attempts} attempts over {app.elapsed():.1f}s{settled})"
        + (f"; hint: {hint}" if hint else "")
    )
