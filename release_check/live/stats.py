"""The arithmetic of a watch, free of I/O: what each request got, and the summary of them all."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from release_check.checking import Outcome, passes
from release_check.config import Expectation

Kind = Literal["passed", "refused", "timeout", "status", "body", "error"]
FAILURE_KINDS: tuple[Kind, ...] = ("refused", "timeout", "status", "body", "error")


@dataclass(frozen=True)
class Sample:
    """One request: when it started (a monotonic clock reading), how long it took, its kind."""

    started: float
    seconds: float
    kind: Kind

    @property
    def ended(self) -> float:
        """When its outcome was known."""
        return self.started + self.seconds

    @property
    def failed(self) -> bool:
        """Whether it did not pass."""
        return self.kind != "passed"


def classify(outcome: Outcome, expected: Expectation) -> Kind:
    """Why a request failed, most basic reason first; ``passed`` when it did not fail.

    Connection errors other than a refusal (DNS, TLS, a reset) and protocol errors are ``error``.
    """
    if passes(outcome, expected):
        return "passed"
    if outcome.kind in ("refused", "timeout"):
        return outcome.kind
    if outcome.kind != "response":
        return "error"
    return "status" if outcome.status not in expected.status else "body"


def percentile(values: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile: the smallest value with ``percent`` % of values at or below it.

    Always one of the observed values, never an interpolation; 0.0 for no values.
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(percent * len(ordered) / 100))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Outage:
    """A run of consecutive failed requests: from the first one's start to the last one's end."""

    start: float
    end: float
    failures: int

    @property
    def seconds(self) -> float:
        """How long the app was seen failing, without a pass in between."""
        return self.end - self.start


def outages(samples: Sequence[Sample]) -> list[Outage]:
    """Every run of consecutive failures, in order."""
    found: list[Outage] = []
    run: list[Sample] = []
    for sample in [*samples, None]:
        if sample is not None and sample.failed:
            run.append(sample)
        elif run:
            found.append(Outage(run[0].started, run[-1].ended, len(run)))
            run = []
    return found


@dataclass(frozen=True)
class Summary:
    """What a watch saw; durations in seconds, availability in percent of requests passed."""

    requests: int
    passed: int
    failures: dict[str, int]
    availability: float
    longest_transaction_s: float
    p50_s: float
    p95_s: float
    p99_s: float
    longest_outage: Outage | None
    duration_s: float

    @property
    def longest_outage_s(self) -> float:
        """The longest run of failures, 0.0 when there was none."""
        return self.longest_outage.seconds if self.longest_outage else 0.0

    def as_json(self) -> dict[str, object]:
        """The summary as written by ``--json``."""
        return {
            "requests": self.requests,
            "passed": self.passed,
            "failures": dict(self.failures),
            "availability": round(self.availability, 3),
            "longest_transaction_s": round(self.longest_transaction_s, 4),
            "p50_s": round(self.p50_s, 4),
            "p95_s": round(self.p95_s, 4),
            "p99_s": round(self.p99_s, 4),
            "longest_outage_s": round(self.longest_outage_s, 4),
            "duration_s": round(self.duration_s, 3),
        }


def availability(requests: int, passed: int) -> float:
    """Percent of requests that passed; 0.0 when none was made (nothing was shown to work)."""
    return 100.0 * passed / requests if requests else 0.0


@dataclass
class Tally:
    """Running counts for the live status line, kept in constant time per request."""

    requests: int = 0
    passed: int = 0
    down_since: float | None = None

    def add(self, sample: Sample) -> None:
        """Count ``sample``; a failure after a pass opens an outage, a pass closes it."""
        self.requests += 1
        if not sample.failed:
            self.passed += 1
            self.down_since = None
        elif self.down_since is None:
            self.down_since = sample.started


def summarize(samples: Sequence[Sample], duration_s: float) -> Summary:
    """Counts, availability, latency percentiles and the longest outage of ``samples``.

    Latencies are every request's duration whatever its outcome: a timeout counts its full wait.
    """
    kinds = Counter(sample.kind for sample in samples)
    latencies = [sample.seconds for sample in samples]
    runs = outages(samples)
    return Summary(
        requests=len(samples),
        passed=kinds["passed"],
        failures={kind: kinds[kind] for kind in FAILURE_KINDS},
        availability=availability(len(samples), kinds["passed"]),
        longest_transaction_s=max(latencies, default=0.0),
        p50_s=percentile(latencies, 50),
        p95_s=percentile(latencies, 95),
        p99_s=percentile(latencies, 99),
        longest_outage=max(runs, key=lambda outage: outage.seconds, default=None),
        duration_s=duration_s,
    )
