"""``release-check watch URL``: one request at a time for a while, then what the users saw."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import httpx

from release_check.argparsing import Parser
from release_check.checking import fetch
from release_check.console import Console
from release_check.errors import CheckFailed, Interrupted, UsageError
from release_check.live.display import LiveStatus, status_text, summary_lines
from release_check.live.stats import Sample, Summary, Tally, classify, summarize
from release_check.live.target import (
    LiveTarget,
    add_live_arguments,
    live_target,
    seconds,
    stopped_by,
)
from release_check.outfile import unwritable, why, write_atomically
from release_check.signals import SignalGuard

_DESCRIPTION = (
    "GET a live URL one request at a time (like siege -c1) for --duration seconds, then print"
    " a summary: requests, failures by kind (refused, timeout, status, body, error),"
    " availability, longest transaction, p50/p95/p99 latency, and the longest outage (from the"
    " first to the last of consecutive failures). Run it across a deploy to show that preboot"
    " keeps the app answering. --min-availability and --max-longest make it a gate: exit 1 when"
    " a bound is missed. On a terminal a status line is redrawn live; in a log a line is"
    " printed every 5 s. Proxy variables are honoured, as by probe."
)
_EPILOG = (
    "exit codes: 0 watched (every bound given was met), 1 a bound was missed or the watch was"
    " interrupted, 2 usage error. --json keys: requests, passed, failures (a count per kind),"
    " availability (percent), longest_transaction_s, p50_s, p95_s, p99_s, longest_outage_s,"
    " duration_s. More in docs/deploys.md."
)


def _percent(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a percentage (0..100)")
    return value


def _parser() -> Parser:
    parser = Parser(prog="release-check watch", description=_DESCRIPTION, epilog=_EPILOG)
    add_live_arguments(parser)
    parser.add_argument("--duration", metavar="SECONDS", type=seconds, required=True,
                        help="how long to keep requesting")
    parser.add_argument("--interval", metavar="SECONDS", type=seconds, default=0.25,
                        help="pause after each request (default: 0.25)")
    parser.add_argument("--max-longest", metavar="SECONDS", type=seconds,
                        help="fail if any request took longer than this")
    parser.add_argument("--min-availability", metavar="PERCENT", type=_percent,
                        help="fail if fewer than this percentage of requests passed")
    parser.add_argument("--json", metavar="PATH", type=Path,
                        help="also write the summary to PATH as JSON")
    return parser


def observe(
    request: Callable[[], Sample],
    until: float,
    interval: float,
    samples: list[Sample],
    on_sample: Callable[[Sample], None],
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Request, record, pause ``interval``; again and again until ``clock()`` reaches ``until``.

    Requests never overlap, and the last one may end after ``until``. ``samples`` is filled in
    place, so that what was gathered survives an interruption.
    """
    while clock() < until:
        sample = request()
        samples.append(sample)
        on_sample(sample)
        sleep(max(0.0, min(interval, until - clock())))


def watch(argv: Sequence[str], environ: Mapping[str, str], console: Console) -> None:
    """Watch the URL for the duration, print (and maybe write) the summary, apply the gates."""
    args = _parser().parse_args(argv)
    target = live_target(args, environ)
    unwritten = unwritable(args.json) if args.json is not None else None
    if unwritten:  # now, not after the whole watch, whose gate would be lost behind it
        raise UsageError(f"--json: cannot write {args.json}: {unwritten}")
    samples: list[Sample] = []
    started = time.monotonic()
    stop = _run(target, args, samples, console)
    summary = summarize(samples, time.monotonic() - started)
    console.always(f"summary of {target.expected.request}:")
    for line in summary_lines(summary):
        console.always(line)
    if args.json is not None:
        _write_json(args.json, summary)
    if stop is not None:
        raise CheckFailed(
            f"interrupted by {stopped_by(stop)} after {summary.duration_s:.1f}s of"
            f" {args.duration:g}s; the summary covers the requests made until then"
        )
    _gate(summary, args, console)


def _run(
    target: LiveTarget, args: argparse.Namespace, samples: list[Sample], console: Console
) -> Interrupted | None:
    """Observe until the duration ends (None) or a signal stops it early (that signal)."""
    status = LiveStatus(sys.stdout)
    tally = Tally()

    def shown(sample: Sample) -> None:
        tally.add(sample)
        now = time.monotonic()
        status.update(status_text(tally, now - started, args.duration, now))

    try:
        with SignalGuard(), target.client() as http:
            # The duration starts once the client exists: building it (certificates, proxies)
            # took most of a one-second watch on a loaded machine, which then sent nothing.
            started = time.monotonic()
            console.info(
                f"watching {target.expected.request} for {args.duration:g}s, one request at a"
                f" time, {args.interval:g}s apart; passing is {target.expected.describe()}"
            )
            observe(_requester(http, target), started + args.duration, args.interval,
                    samples, shown)
    except Interrupted as error:
        return error
    finally:
        status.finish()
    return None


def _requester(http: httpx.Client, target: LiveTarget) -> Callable[[], Sample]:
    def request() -> Sample:
        started = time.monotonic()
        outcome = fetch(http, target.url, target.request_timeout)
        return Sample(started, outcome.seconds, classify(outcome, target.expected))

    return request


def _write_json(path: Path, summary: Summary) -> None:
    try:
        write_atomically(path, json.dumps(summary.as_json(), indent=2) + "\n")
    except OSError as error:
        raise UsageError(f"--json: cannot write {path}: {why(error)}") from None


def _gate(summary: Summary, args: argparse.Namespace, console: Console) -> None:
    """Exit 1 (CheckFailed) when a bound was missed; say so when every bound given was met."""
    met: list[str] = []
    missed: list[str] = []
    if args.min_availability is not None:
        ok = summary.availability >= args.min_availability
        (met if ok else missed).append(
            f"availability {summary.availability:.3f}% {'>=' if ok else 'is below'}"
            f" --min-availability {args.min_availability:g}%"
        )
    if args.max_longest is not None:
        ok = summary.longest_transaction_s <= args.max_longest
        (met if ok else missed).append(
            f"longest transaction {summary.longest_transaction_s:.3f}s"
            f" {'<=' if ok else 'exceeds'} --max-longest {args.max_longest:g}s"
        )
    if missed:
        raise CheckFailed("; ".join(missed))
    if met:
        console.always(f"PASSED {'; '.join(met)}")
