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
    passes,
    request_headers,
    request_id,
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
from release_check.release.boot import (
    Listening,
    confirm_owner,
    ensure_alive,
    ensure_alone,
    stay_up,
    wait_listening,
    watchful_sleep,
)
from release_check.release.elsewhere import OtherPorts
from release_check.release.lifetime import Run
from release_check.release.then import run_then
from release_check.reports import ProcessRecord, Record, ThenRecord
from release_check.signals import SignalGuard
from release_check.sockets import (
    Listener,
    Target,
    answering,
    bracketed,
    endpoint,
    held_by,
    local_target,
    probes,
)
from release_check.supervise import RUN_ID_VARIABLE, App
from release_check.system import SYSTEM

_ELSEWHERE_TIMEOUT = 0.5  # asking another port must not hold the wait for $PORT for long


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
            f" ({config.port_chosen()})"
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
    env = app_environment(environ, config.env_file, dict(config.platform_environment),
                          [command, *others.values()])
    target = target_for(config)
    record.port = target.port
    if config.then is not None:
        record.then = ThenRecord(config.then, config.then_timeout)
    console.detail(f"booting {source} with PORT={target.port}")
    current = Run(config, console, record, target)
    try:
        with contextlib.suppress(Interrupted):  # raised again below, with what teardown verified
            current.start(command, env, others)
            guard.raise_deferred()
            current.target = _boot(current)
            _probe(current)
            _ready_line(current)
            ensure_alone(current.app, current.target, "right after passing the check",
                         record.listeners)
            console.detail(f"passed; the app must now stay up {config.uptime:g}s")
            stay_up(current.app, config.uptime, current.watcher)
            record.uptime_s = config.uptime
            current.companions.wait_ready(lambda phase: ensure_alive(current.app, phase))
            run_then(current)
    finally:
        current.close()
        _records(current)
    if guard.received is not None:
        raise Interrupted(guard.received, current.aftermath())
    current.check_helpers()  # a watcher's last sample, taken during the teardown
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
    if record.then is not None and current.then is not None:
        record.then.tail = current.then.pump.tail()  # complete now, however the run ended
    if not current.spawned:
        return
    app = current.app
    line = current.ready_line.line if current.ready_line else None
    by = ("check" if record.checks else "line") if record.healthy_s is not None else None
    web = ProcessRecord(app.label, record.healthy_s, by,
                        line, app.exit_code(), record.peak, config.max_memory_mb,
                        record.shutdown, tail=record.tail)
    record.processes = [web, *current.companions.records()]
    record.warnings += current.companions.warnings()
    together = budgets.together_over(record.processes)
    record.warnings += [together] if together else []


def _judge_memory(config: Config, record: Record) -> None:
    """Each type's peak against its own budget: web's first, then the others in order."""
    over = diagnose.over_memory(config.process_type, record.peak, config.max_memory_mb,
                                config.source("max_memory_mb"))
    if over:
        raise OverMemory(over)
    for process in record.processes[1:]:
        source = f"max_memory_mb in [process.{process.name}]"
        message = diagnose.over_memory(process.name, process.peak, process.max_memory_mb, source)
        if message is not None:
            raise ProcessFailed(process.name, message)


def _passes_at(current: Run, listener: Listener) -> bool:
    """Whether the app's first check passes on a port other than $PORT (it serves there)."""
    expected, config = current.config.expectations()[0], current.config
    url = f"http://{endpoint(listener.connect_address(), listener.port)}{expected.path}"
    headers = request_headers(expected, router=request_id() if config.router_headers else None,
                              host=config.host_header, common=config.headers)
    outcome = fetch(current.http(), url, _ELSEWHERE_TIMEOUT, expected.method, headers,
                    workers=current.workers)
    return passes(outcome, expected)


def _boot(current: Run) -> Target:
    """Wait for the socket, make sure it is the app's, judge how it was bound; say where."""
    app, config, record = current.app, current.config, current.record
    listening: Listening | None = None
    other_ports = OtherPorts(lambda listener: _passes_at(current, listener))
    while listening is None:
        wait_listening(app, current.target, app.started + config.timeout, current.watcher,
                       config.wrong_port_grace, other_ports=other_ports)
        record.listening_s = app.elapsed()
        listening = confirm_owner(app, current.target)
    record.listeners = listening.listeners
    loopback = diagnose.loopback_only(app.label, record.listeners)
    if loopback and (config.strict_bind or not config.allow_loopback):
        raise LoopbackOnly(loopback if config.strict_bind else diagnose.allow_loopback(loopback))
    ipv6 = diagnose.ipv6_only(app.label, record.listeners)
    slow = diagnose.slow_boot(app.label, record.listening_s or 0.0)
    hidden = diagnose.hidden_sockets(current.target.port, SYSTEM.unreadable())
    record.warnings += [w for w in (loopback, ipv6, slow, hidden) if w]
    return listening.target


def _probe(current: Run) -> None:
    """Run every check until all pass; fail with each failing check's last outcome."""
    app, config, record, watcher = current.app, current.config, current.record, current.watcher
    if not config.expectations():
        return  # no health path: web's ready line stands in (_ready_line)
    http = current.http()
    phase = "before passing the check"
    run_id = request_id() if config.router_headers else None

    def attempt_for(expected: Expectation, stop: threading.Event) -> Attempt:
        url = current.target.base_url + expected.path

        def attempt(timeout: float) -> Outcome:
            if stop.is_set():
                raise Stopped
            ensure_alive(app, phase, watcher)
            headers = request_headers(
                expected, router=run_id, host=config.host_header,
                common=config.headers,
            )
            return fetch(http, url, timeout, expected.method, headers, workers=current.workers,
                         content=expected.request_body)

        return attempt

    record.checks = check_all(config.expectations(), attempt_for, app.started + config.timeout,
                              config.request_timeout, lambda stop: watchful_sleep(app, stop),
                              workers=current.workers, settle=config.settle)
    failed = [result for result in record.checks if not result.passed]
    if failed:
        ensure_alive(app, phase, watcher)
        raise NotHealthy("; ".join(_failure(result, app) for result in failed))
    record.healthy_s = app.elapsed()


def _ready_line(current: Run) -> None:
    """Wait for web's ready line, if it has one; healthy once both it and the checks passed."""
    ready = current.ready_line
    if ready is None:
        return
    seen = ready.wait(current.app, current.config, current.watcher)
    current.record.healthy_s = max(current.record.healthy_s or 0.0, seen)


def _failure(result: CheckResult, app: App) -> str:
    polled = result.polled
    hint = diagnose.hint(polled.last, result.expected.path)
    settled = "" if polled.settled_s is None else f", unchanged for {polled.settled_s:.1f}s"
    return (
        f"{explain(polled.last, result.expected)}"
        f" (last of {polled.attempts} attempts over {app.elapsed():.1f}s{settled})"
        + (f"; hint: {hint}" if hint else "")
    )
