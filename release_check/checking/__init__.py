"""Making and judging a request: one attempt, the retry loop, several checks at once.

Light to import: httpx and tenacity load on first use (or in the background, HttpWarmup), so
the command line and the wait for the socket never pay for them.
"""

from release_check.checking.attempt import BODY_LIMIT, Outcome, client, explain, fetch, passes
from release_check.checking.headers import request_headers, request_id
from release_check.checking.parallel import Attempt, CheckResult, Stopped, check_all
from release_check.checking.retry import Pacing, Polled, poll_until_passing
from release_check.checking.warmup import HttpWarmup
from release_check.checking.workers import Workers

__all__ = [
    "BODY_LIMIT",
    "Attempt",
    "CheckResult",
    "HttpWarmup",
    "Outcome",
    "Pacing",
    "Polled",
    "Stopped",
    "Workers",
    "check_all",
    "client",
    "explain",
    "fetch",
    "passes",
    "poll_until_passing",
    "request_headers",
    "request_id",
]
