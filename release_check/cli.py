"""Command line entry point: the one place that turns outcomes into messages and exit codes."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from release_check import __version__
from release_check.argparsing import Parser, split_then
from release_check.checking import explain
from release_check.config import (
    SETTINGS,
    Config,
    discover,
    discover_platform,
    load,
    skip_config,
)
from release_check.console import NORMAL, QUIET, VERBOSE, Console
from release_check.errors import (
    EXIT_FAILED,
    EXIT_PASSED,
    CheckFailed,
    CommandFailed,
    CrashLooping,
    Interrupted,
    ProcessFailed,
    ReleaseCheckError,
    SettingError,
    Unexpected,
    UsageError,
)
from release_check.outfile import append, why
from release_check.release import run
from release_check.reports import (
    Record,
    check_writable,
    document,
    early_path,
    in_actions,
    step_summary,
    stop_token,
    tail_report,
    then_passed,
    workflow_commands,
    write,
    write_junit,
)
from release_check.signals import SignalGuard
from release_check.text import counted, quoted

_DESCRIPTION = (
    "Boot the app's web process on a free local port, GET its health path, compare status and"
    " body, stop the whole process tree, and exit 0 (ship it), 1 (halt the release) or 2 (usage"
    " or configuration error). Every flag has a RELEASE_CHECK_* variable; the flag wins."
)


Subcommand = Callable[[Sequence[str], Mapping[str, str], Console], None]

# name -> "module:function"; imported only when used, so the release check starts fast.
# A subcommand prints its own success lines and raises CheckFailed or UsageError otherwise.
SUBCOMMANDS: dict[str, str] = {
    "probe": "release_check.live:probe",
    "watch": "release_check.live:watch",
    "install-hook": "release_check.hooks:install_hook",
    "uninstall-hook": "release_check.hooks:uninstall_hook",
    "pre-push": "release_check.hooks:pre_push",
}


def build_parser() -> argparse.ArgumentParser:
    """Flags generated from the settings table, plus --version, --verbose and --quiet."""
    parser = Parser(prog="release-check", description=_DESCRIPTION, epilog=_epilog())
    for setting in SETTINGS:
        if setting.switch:
            parser.add_argument(setting.flag, dest=setting.field, action="store_const",
                                const="1", help=f"{setting.help} [{setting.env}]")
        elif setting.has_flag:
            parser.add_argument(setting.flag, dest=setting.field, metavar=setting.metavar,
                                help=f"{setting.help} [{setting.env}]")
    parser.add_argument("--version", action="version", version=f"release-check {__version__}")
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument("-v", "--verbose", action="store_true", help="say more about each step")
    loudness.add_argument("-q", "--quiet", action="store_true",
                          help="print only warnings and the verdict, not the app's output")
    return parser


def _epilog() -> str:
    return (f"subcommands: {', '.join(SUBCOMMANDS)} (see release-check SUBCOMMAND --help)."
            " release-check [FLAGS] -- COMMAND ARGS... runs COMMAND against the booted app once"
            " the checks pass (as --then)")


def _subcommand(name: str) -> Subcommand:
    module_name, _, function = SUBCOMMANDS[name].partition(":")
    command: Subcommand = getattr(importlib.import_module(module_name), function)
    return command


@dataclass
class _Known:
    """What the run learnt of its settings, for the report and for naming a value's source."""

    config: Config | None = None  # set once the settings are read (or the run is skipped)
    # each report file's path and source, once checked: "report" (JSON), "junit"
    outputs: dict[str, tuple[Path, str]] = field(default_factory=dict)


def _config(argv: Sequence[str], environ: Mapping[str, str]) -> Config:
    options, then = split_then(argv)
    args = vars(build_parser().parse_args(options))
    if then is not None:
        args["then"] = then
    verbosity = VERBOSE if args.pop("verbose") else QUIET if args.pop("quiet") else NORMAL
    return load(args, environ, verbosity, discover(args, environ),
                discover_platform(args, environ))


def _passed_line(record: Record) -> str:
    details = [f"listening after {record.listening_s or 0:.2f}s"]
    if record.uptime_s:
        details.append(f"stayed up {record.uptime_s:g}s")
    if record.peak:
        details.append(f"peak {record.peak.megabytes:.1f} MB {record.peak.kind.upper()}")
    if record.shutdown:
        details.append(f"stopped in {record.shutdown.seconds:.2f}s")
    web = f"PASSED {_what_passed(record)} in {record.healthy_s or 0:.2f}s ({', '.join(details)})"
    if record.then is not None:
        web += f"; then {then_passed(record.then)}"
    if len(record.processes) < 2:
        return web
    others = [f"{p.summary} (peak {p.peak.megabytes:.1f} MB {p.peak.kind.upper()})" if p.peak
              else p.summary for p in record.processes[1:]]
    return "; ".join([web.replace("PASSED ", f"PASSED {record.processes[0].name} ", 1), *others])


def _what_passed(record: Record) -> str:
    web = record.processes[0] if record.processes else None
    if not record.checks and web is not None and web.ready_line is not None:
        return f"ready line {quoted(web.ready_line.strip(), 60)} (no health path)"
    if len(record.checks) != 1:
        return f"{len(record.checks)} checks"
    result = record.checks[0]
    last = result.polled.last
    return f"{result.expected.request} -> {last.status} {quoted(last.body.strip(), 60)}"


def _check_lines(record: Record, console: Console) -> None:
    """One line per check, when there are several."""
    if len(record.checks) < 2:
        return
    for result in record.checks:
        verdict = "ok" if result.passed else "FAILED"
        attempts = counted(result.polled.attempts, "attempt")
        console.always(f"{verdict} {explain(result.polled.last, result.expected)} ({attempts})")


def _report_failure(error: CheckFailed, record: Record, console: Console) -> None:
    """The verdict, after any error line the app's last lines would hide (reports/tail.py).

    Under --quiet the app's last lines come first too, since they were not relayed; so do a
    failed process's other than web, whatever the verbosity, since its lines were relayed
    among the other processes'. A crash loop shows the lines from when it was seen whatever
    the verbosity: the relay has moved on to the teardown's lines by the time of the verdict.
    """
    whose = error.process if isinstance(error, ProcessFailed) else None
    if isinstance(error, CrashLooping):
        console.always("the app's output when the crash loop was seen:")
        for line in error.tail:
            console.always(line)
    elif isinstance(error, CommandFailed):
        for line in error.tail:
            console.always(line)
    elif not isinstance(error, Interrupted):
        relayed = console.verbosity != QUIET and whose is None
        for line in tail_report(record.tail_of(whose), relayed=relayed, whose=whose or "the app"):
            console.always(line)
    _warn_all(record, console)
    _check_lines(record, console)
    console.always(f"FAILED: {error}")


def _warn_all(record: Record, console: Console) -> None:
    for warning in record.warnings:
        console.warn(warning)


def _origin(config: Config, console: Console, record: Record) -> None:
    """Where the check came from: always said when a platform file was read, else with -v."""
    if config.origin is None:
        return
    (console.info if config.origin.platform_file else console.detail)(config.origin.line)
    record.warnings += config.origin.warnings


def _release_check(
    args: Sequence[str], env: Mapping[str, str], console: Console, record: Record,
    guard: SignalGuard, *, known: _Known,
) -> None:
    config = known.config = skip_config(env) or _config(args, env)
    if config.skip:
        console.warn("RELEASE_CHECK_SKIP is set: the release was NOT checked")
        return
    console.verbosity = config.verbosity
    _origin(config, console, record)
    for name in _OUTPUTS:
        path = getattr(config, name)
        check_writable(path, name)
        if path is not None:
            known.outputs[name] = (path, config.source(name))
    if config.config_file is not None:
        console.detail(f"settings from {config.config_file}")

    run(config, console, guard, record, env)
    _warn_all(record, console)
    _check_lines(record, console)
    console.always(_passed_line(record))


def _outcome(args: list[str], env: Mapping[str, str], console: Console, record: Record,
             known: _Known) -> ReleaseCheckError | None:
    """Run, and turn the outcome into output: the one place errors become messages.

    An exception nothing else handled becomes Unexpected here, so that it too ends in a
    verdict, the reports and a closed GitHub fence rather than a traceback.

    The signal guard covers the whole run, so a signal even before the app is spawned ends in
    a one-line verdict and exit 1, not a KeyboardInterrupt traceback.
    """
    try:
        with SignalGuard() as guard:
            if args and args[0] in SUBCOMMANDS:
                _subcommand(args[0])(args[1:], env, console)
            else:
                _release_check(args, env, console, record, guard, known=known)
    except CheckFailed as error:
        _report_failure(error, record, console)
        return error
    except ReleaseCheckError as error:
        return _printed(_named(error, known.config or Config()))
    except Exception as error:  # the last resort: reports written, fence closed
        return _printed(Unexpected(error))
    return None


def _printed(error: ReleaseCheckError) -> ReleaseCheckError:
    for line in error.lines():
        print(f"release-check: error: {line}", file=sys.stderr)
    return error


def _named(error: ReleaseCheckError, config: Config) -> ReleaseCheckError:
    """A SettingError worded with where its value came from: flag, variable, or file and key."""
    if not isinstance(error, SettingError):
        return error
    return UsageError(f"{config.source(error.field)}: {error.problem}")


_OUTPUTS = ("report", "junit")


def _output_target(name: str, args: Sequence[str], env: Mapping[str, str], known: _Known
                   ) -> tuple[Path, str] | None:
    """Where a report file goes: the Config's path once the settings are read and checked.

    Before that (a usage or configuration error) or without them (a skipped run), the flag or
    the variable alone, so that those runs are reported too.
    """
    if known.config is not None and not known.config.skip:
        return known.outputs.get(name)
    return early_path(args, env, name)


def entry() -> NoReturn:
    """The console script and ``python -m release_check``: run, flush, exit at once.

    By then every process has been stopped and every file written; what is left is the
    interpreter's own shutdown (module teardown, garbage collection), 25-40 ms that every
    release would otherwise wait for (docs/performance.md).
    """
    exit_now(main())


def exit_now(code: int) -> NoReturn:
    """Flush the output and exit with ``code`` at once (see ``entry``)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run release-check (or a subcommand); return the process exit code."""
    started = time.monotonic()
    env = os.environ if environ is None else environ
    args = list(sys.argv[1:] if argv is None else argv)
    console = Console(sys.stdout)
    record = Record()
    check = not (args and args[0] in SUBCOMMANDS)
    token = stop_token() if check and in_actions(env) else None
    if token:
        console.command(f"::stop-commands::{token}")
    known = _Known()
    error = _outcome(args, env, console, record, known)
    record.total_s = time.monotonic() - started
    if token:
        console.command(f"::{token}::")
        _github(record, error, env, console)
    unwritten = _write_reports(args, env, record, error, known) if check else None
    if unwritten is not None:
        return unwritten.exit_code
    if console.broken:
        print("release-check: error: standard output was closed, so the verdict was lost;"
              " failing the run", file=sys.stderr)
        return EXIT_FAILED if error is None else error.exit_code
    return EXIT_PASSED if error is None else error.exit_code


def _write_reports(args: Sequence[str], env: Mapping[str, str], record: Record,
                   error: ReleaseCheckError | None, known: _Known) -> UsageError | None:
    """The JSON report and the JUnit file, where asked for; the first that cannot be written."""
    writers = {"report": lambda path: write(path, document(record, error)),
               "junit": lambda path: write_junit(path, record, error)}
    for name in _OUTPUTS:
        target = _output_target(name, args, env, known)
        if target is None:
            continue
        try:
            writers[name](target[0])
        except SettingError as unwritten:
            print(f"release-check: error: {target[1]}: {unwritten.problem}", file=sys.stderr)
            return unwritten
    return None


def _github(record: Record, error: ReleaseCheckError | None, env: Mapping[str, str],
            console: Console) -> None:
    """Annotations on standard output; the summary appended to $GITHUB_STEP_SUMMARY, if set."""
    for line in workflow_commands(record, error):
        console.command(line)
    summary_file = env.get("GITHUB_STEP_SUMMARY")
    if not summary_file:
        return
    try:
        append(Path(summary_file), step_summary(record, error))
    except OSError as unwritable:
        console.warn(f"GITHUB_STEP_SUMMARY: cannot write {summary_file}: {why(unwritable)}")
