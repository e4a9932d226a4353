"""The release check end to end: spawn, wait, check, and tear down on every path."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from release_check.checking import (
    Attempt,
    CheckResult,
    HttpWarmup,
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
)
from release_check.release import budgets, diagnose
from release_check.release.app import App
from release_check.release.boot import (
    Listening,
    confirm_owner,
    ensure_alive,
    ensure_alone,
    stay_up,
    wait_listening,
    watchful_sleep,
)
from release_check.release.companions import Companions
from release_check.release.ports import (
    Target,
    answering,
    bracketed,
    held_by,
    local_target,
    probes,
)
from release_check.release.record import ProcessRecord, Record
from release_check.release.tree import TreeWatcher
from release_check.signals import SignalGuard

if TYPE_CHECKING:
    import httpx

_PUMP_DRAIN = 1.0


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


def run(
    config: Config, console: Console, guard: SignalGuard, record: Record,
    environ: Mapping[str, str] = os.environ,
) -> None:
    """Run the check; return on a pass, raise a CheckFailed (or UsageError) otherwise."""
    command, source, notes = boot_command(config)
    others, more = _companion_commands(config)
    record.warnings += notes + [note for note in more if note not in notes]
    env = app_environment(environ, config.env_file)
    target = target_for(config)
    record.port = target.port
    console.detail(f"booting {source} with PORT={target.port}")
    warmup = HttpWarmup()
    companions = Companions(config.companions(), config.process_type)
    app = App.start(config.process_type, command, target.port, env, console,
                    family=companions.family)
    watcher = TreeWatcher(app, target)
    watcher.start()
    try:
        companions.start(others, env, console, target, app)
        target = _boot(app, target, config, record, watcher)
        _probe(app, target, config, warmup.client(), record, watcher=watcher)
        ensure_alone(app, target, "right after passing the check")
        console.detail(f"passed; the app must now stay up {config.uptime:g}s")
        stay_up(app, config.uptime)
        record.uptime_s = config.uptime
        companions.wait_ready(lambda phase: ensure_alive(app, phase))
    finally:
        with guard.shield():
            _wind_down(app, watcher, config, record, companions)
            warmup.close()
    if guard.received is not None:
        raise Interrupted(guard.received)
    _judge_memory(config, record)


def _companion_commands(config: Config) -> tuple[dict[str, str], list[str]]:
    """The Procfile command of each process beside web, checked before anything boots."""
    chosen = [spec.name for spec in config.companions()]
    if not chosen:
        return {}, []
    return process_commands(config.procfile, config.process_specs, chosen)


def _judge_memory(config: Config, record: Record) -> None:
    """Each type's peak against its own budget: web's first, then the others in order."""
    over = diagnose.over_memory(config.process_type, record.peak, config.max_memory_mb,
                                config.source("max_memory_mb"))
    if over:
        raise OverMemory(over)
    for process in record.processes[1:]:
        if (message := budgets.over_budget(process)) is not None:
            raise ProcessFailed(process.name, message)


def _boot(
    app: App, target: Target, config: Config, record: Record, watcher: TreeWatcher
) -> Target:
    """Wait for the socket, make sure it is the app's, judge how it was bound; say where."""
    listening: Listening | None = None
    while listening is None:
        wait_listening(app, target, app.started + config.timeout, watcher,
                       config.wrong_port_grace)
        record.listening_s = app.elapsed()
        listening = confirm_owner(app, target)
    record.listeners = listening.listeners
    loopback = diagnose.loopback_only(app.label, record.listeners)
    if loopback and config.strict_bind:
        raise LoopbackOnly(loopback)
    ipv6 = diagnose.ipv6_only(app.label, record.listeners)
    slow = diagnose.slow_boot(app.label, record.listening_s or 0.0)
    record.warnings += [w for w in (loopback, ipv6, slow) if w]
    return listening.target


def _probe(app: App, target: Target, config: Config, http: httpx.Client, record: Record,
           *, watcher: TreeWatcher) -> None:
    """Run every check until all pass; fail with each failing check's last outcome."""
    phase = "before passing the check"

    def attempt_for(expected: Expectation, stop: threading.Event) -> Attempt:
        url = target.base_url + expected.path

        def attempt(timeout: float) -> Outcome:
            if stop.is_set():
                raise Stopped
            ensure_alive(app, phase, watcher)
            headers = request_headers(
                expected, router=config.router_headers, host=config.host_header,
                common=config.headers,
            )
            return fetch(http, url, timeout, expected.method, headers)

        return attempt

    record.checks = check_all(config.expectations(), attempt_for, app.started + config.timeout,
                              config.request_timeout, lambda stop: watchful_sleep(app, stop),
                              settle=config.settle)
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


def _wind_down(
    app: App, watcher: TreeWatcher, config: Config, record: Record, companions: Companions
) -> None:
    """Stop watching, stop every tree at once, collect what the teardown showed."""
    watcher.stop()
    record.peak = watcher.peak
    record.listeners = record.listeners or watcher.listeners
    exit_code = app.exit_code()
    record.shutdown, beside = companions.stop(app, config.shutdown_grace)
    app.pump.finish(_PUMP_DRAIN)
    app.wakeup.close()
    record.tail = app.pump.tail()
    ignored = diagnose.ignored_sigterm(app.label, record.shutdown, config.shutdown_grace)
    record.warnings += ([ignored] if ignored else []) + beside
    web = ProcessRecord(app.label, record.healthy_s, "check" if record.healthy_s else None,
                        None, exit_code, record.peak, config.max_memory_mb, record.shutdown,
                        tail=record.tail)
    record.processes = [web, *companions.records()]
    together = budgets.together_over(record.processes)
    record.warnings += [together] if together else []
