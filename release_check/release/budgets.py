"""What running every process type in one release dyno means for memory.

On Heroku each process type runs in its own dynos, so each type has its own budget (judged like
web's, by diagnose.over_memory); the release dyno, though, runs every checked type at once, in
one dyno's memory.
"""

from __future__ import annotations

from collections.abc import Sequence

from release_check.reports import MEGABYTE, ProcessRecord


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def together_over(processes: Sequence[ProcessRecord]) -> str | None:
    """The types' peaks add up to more than web's budget (web first in ``processes``)."""
    measured = [p for p in processes if p.peak is not None]
    limit = processes[0].max_memory_mb if processes else None
    if len(processes) < 2 or limit is None or not measured:
        return None
    total = sum(p.peak.bytes for p in measured if p.peak is not None)
    if total <= limit * MEGABYTE:
        return None
    return (
        f"{_listed([p.name for p in measured])} peaked at {total / MEGABYTE:.1f} MB together,"
        f" over {processes[0].name}'s budget of {limit:g} MB (RELEASE_CHECK_MAX_MEMORY_MB): on"
        " Heroku each type runs in its own dyno, but the release dyno runs them all at once and"
        " may swap (R14) or be killed (R15) while it checks them (the sum of peaks is an upper"
        " bound)"
    )
