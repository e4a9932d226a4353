"""``release-check probe URL``: wait until a deployed app answers its health path, then report."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from release_check.argparsing import Parser
from release_check.checking import Outcome, Pacing, explain, fetch, passes, poll_until_passing
from release_check.console import Console
from release_check.errors import CheckFailed, Interrupted
from release_check.live.target import (
    LiveTarget,
    add_live_arguments,
    live_target,
    seconds,
    stopped_by,
)
from release_check.signals import SignalGuard
from release_check.text import counted, quoted

_DESCRIPTION = (
    "After a deploy, GET a live URL until it answers the expected status and body (the same"
    " matching and retries as the release check), print how long it took to become healthy,"
    " and exit 0; exit 1 if it has not passed by --timeout. Run it from a deploy script or CI"
    " job right after `git push heroku main`: the first requests also warm the new dynos."
    " Proxy variables (HTTPS_PROXY, NO_PROXY) are honoured; redirects are followed only with"
    " --follow-redirects."
)
_EPILOG = (
    "exit codes: 0 passed (the time to healthy is printed), 1 not passed by --timeout, 2 usage"
    " error. More in docs/deploys.md."
)


def _parser() -> Parser:
    parser = Parser(prog="release-check probe", description=_DESCRIPTION, epilog=_EPILOG)
    add_live_arguments(parser)
    parser.add_argument("--timeout", metavar="SECONDS", type=seconds, default=60.0,
                        help="seconds to keep trying before failing (default: 60)")
    parser.add_argument("--interval", metavar="SECONDS", type=seconds,
                        help="pause between attempts (default: back off from 0.02 s to 0.5 s,"
                        " as the release check does)")
    return parser


def probe(argv: Sequence[str], environ: Mapping[str, str], console: Console) -> None:
    """Poll the URL until it passes (print the time to healthy) or raise CheckFailed."""
    args = _parser().parse_args(argv)
    target = live_target(args, environ)
    started = time.monotonic()
    try:
        with SignalGuard():
            console.info(
                f"probing {target.expected.request} until it answers"
                f" {target.expected.describe()} (timeout {args.timeout:g}s)"
            )
            last, attempts = _poll(target, started + args.timeout, args.interval)
    except Interrupted as error:
        raise CheckFailed(
            f"interrupted by {stopped_by(error)} after {time.monotonic() - started:.1f}s,"
            f" before {target.expected.request} passed"
        ) from None
    took = time.monotonic() - started
    if not passes(last, target.expected):
        raise CheckFailed(
            f"{explain(last, target.expected)} (last of {attempts} attempts over {took:.1f}s)"
        )
    console.always(
        f"PASSED {target.expected.request} -> {last.status} {quoted(last.body.strip(), 60)}"
        f" after {took:.2f}s ({counted(attempts, 'attempt')})"
    )


def _poll(target: LiveTarget, deadline: float, interval: float | None) -> tuple[Outcome, int]:
    with target.client() as http:
        polled = poll_until_passing(
            lambda timeout: fetch(http, target.url, timeout),
            target.expected,
            deadline,
            target.request_timeout,
            pacing=Pacing(interval=interval),
        )
    return polled.last, polled.attempts
