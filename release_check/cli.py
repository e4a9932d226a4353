"""Command line entry point: the one place that turns outcomes into messages and exit codes."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence

from release_check import __version__
from release_check.argparsing import Parser
from release_check.console import NORMAL, QUIET, VERBOSE, Console
from release_check.errors import (
    EXIT_PASSED,
    CheckFailed,
    Interrupted,
    ReleaseCheckError,
)
from release_check.record import Record
from release_check.settings import SETTINGS, Config, load, skip_requested
from release_check.text import quoted

_DESCRIPTION = (
    "Boot the app's web process on a free local port, GET its health path, compare status and"
    " body, stop the whole process tree, and exit 0 (ship it), 1 (halt the release) or 2 (usage"
    " or configuration error). Every flag has a RELEASE_CHECK_* variable; the flag wins."
)


Subcommand = Callable[[Sequence[str], Mapping[str, str], Console], None]

# name -> "module:function"; imported only when used, so the release check starts fast.
# A subcommand prints its own success lines and raises CheckFailed or UsageError otherwise.
SUBCOMMANDS: dict[str, str] = {}


def build_parser() -> argparse.ArgumentParser:
    """Flags generated from the settings table, plus --version, --verbose and --quiet."""
    parser = Parser(prog="release-check", description=_DESCRIPTION, epilog=_epilog())
    for setting in SETTINGS:
        if setting.has_flag:
            parser.add_argument(setting.flag, dest=setting.field, metavar=setting.metavar,
                                help=f"{setting.help} [{setting.env}]")
    parser.add_argument("--version", action="version", version=f"release-check {__version__}")
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument("-v", "--verbose", action="store_true", help="say more about each step")
    loudness.add_argument("-q", "--quiet", action="store_true",
                          help="print only warnings and the verdict, not the app's output")
    return parser


def _epilog() -> str | None:
    if not SUBCOMMANDS:
        return None
    return f"subcommands: {', '.join(SUBCOMMANDS)} (see release-check SUBCOMMAND --help)"


def _subcommand(name: str) -> Subcommand:
    module_name, _, function = SUBCOMMANDS[name].partition(":")
    command: Subcommand = getattr(importlib.import_module(module_name), function)
    return command


def _config(argv: Sequence[str], environ: Mapping[str, str]) -> Config:
    args = vars(build_parser().parse_args(argv))
    verbosity = VERBOSE if args.pop("verbose") else QUIET if args.pop("quiet") else NORMAL
    return load(args, environ, verbosity)


def _passed_line(config: Config, record: Record) -> str:
    status = record.last.status if record.last else config.expected_status
    body = quoted(record.last.body.strip() if record.last else "", 60)
    return (
        f"PASSED GET {config.path} -> {status} {body} in {record.healthy_s or 0:.2f}s"
        f" (listening after {record.listening_s or 0:.2f}s)"
    )


def _report_failure(error: CheckFailed, record: Record, console: Console) -> None:
    """The verdict; under --quiet, preceded by the app's last lines, which were not relayed."""
    if console.verbosity == QUIET and record.tail and not isinstance(error, Interrupted):
        console.always("last lines of the app's output:")
        for line in record.tail[-10:]:
            console.always(f"  | {quoted(line, 300)[1:-1]}")
    console.always(f"FAILED: {error}")


def _release_check(
    args: Sequence[str], env: Mapping[str, str], console: Console, record: Record
) -> None:
    if skip_requested(env):
        console.warn("RELEASE_CHECK_SKIP is set: the release was NOT checked")
        return
    config = _config(args, env)
    console.verbosity = config.verbosity
    from release_check.runner import run  # noqa: PLC0415  (keeps --help and --version fast)
    from release_check.signals import SignalGuard  # noqa: PLC0415

    with SignalGuard() as guard:
        run(config, console, guard, record, env)
    console.always(_passed_line(config, record))


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run release-check (or a subcommand); return the process exit code."""
    env = os.environ if environ is None else environ
    args = list(sys.argv[1:] if argv is None else argv)
    console = Console(sys.stdout)
    record = Record()
    try:
        if args and args[0] in SUBCOMMANDS:
            _subcommand(args[0])(args[1:], env, console)
        else:
            _release_check(args, env, console, record)
    except CheckFailed as error:
        _report_failure(error, record, console)
        return error.exit_code
    except ReleaseCheckError as error:
        for line in error.lines():
            print(f"release-check: error: {line}", file=sys.stderr)
        return error.exit_code
    return EXIT_PASSED
