"""GitHub Actions: failures and warnings as workflow annotations, a Markdown job summary.

Workflow commands are lines on standard output that the runner interprets, so the app's own
output must never be read as one: the run is wrapped in ``::stop-commands::TOKEN`` ... ``::TOKEN::``
with a token the app cannot guess, and only release-check's annotations come after it.
Escaping follows GitHub's toolkit (``toCommandValue`` / ``escapeProperty``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from release_check.errors import AppExited, CrashLooping, ProcessFailed, ReleaseCheckError
from release_check.reports.record import Record
from release_check.reports.tail import error_line

if TYPE_CHECKING:
    from release_check.reports.stages import Stage

TITLE = "release-check"
_ICONS = {"passed": "✅ passed", "failed": "❌ failed", "error": "⛔ error",
          "skipped": "⏭ skipped"}


def in_actions(environ: Mapping[str, str]) -> bool:
    """Whether this runs as a GitHub Actions step (the runner sets GITHUB_ACTIONS=true)."""
    return environ.get("GITHUB_ACTIONS") == "true"


def stop_token() -> str:
    """A fresh token for ``::stop-commands::``, unguessable by the app.

    What ``secrets.token_hex`` returns, without importing ``secrets`` (and hashlib with it)
    on every start.
    """
    return os.urandom(16).hex()


def escape_data(text: str) -> str:
    """A command's message: ``%``, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value: as data, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_commands(record: Record, error: ReleaseCheckError | None) -> list[str]:
    """``::warning`` for each warning, then ``::error`` for the failure, if any."""
    title = f"title={escape_property(TITLE)}"
    lines = [f"::warning {title}::{escape_data(warning)}" for warning in record.warnings]
    if error is not None:
        cause = _cause(record, error)
        shown = error.lines()
        shown[-1] += f"\n{cause}" if cause else ""
        lines += [f"::error {title}::{escape_data(line)}" for line in shown]
    return lines


def _cause(record: Record, error: ReleaseCheckError) -> str | None:
    """For a crash, the app's error line, so that the annotation says why, not only how."""
    if not isinstance(error, AppExited | ProcessFailed | CrashLooping):
        return None
    whose = error.process if isinstance(error, ProcessFailed) else None
    line = error_line(record.tail_of(whose))
    return f"error line of {whose or 'the app'}'s output: {line}" if line else None


def step_summary(record: Record, error: ReleaseCheckError | None) -> str:
    """The job summary: the verdict, a table of the stages, the warnings."""
    from release_check.reports.stages import stages  # noqa: PLC0415  (only under Actions)

    verdict = "✅ **PASSED**" if error is None else "❌ **FAILED**"
    reason = "" if error is None else f": {_cell('; '.join(error.lines()))}"
    cause = None if error is None else _cause(record, error)
    lines = [f"### release-check: {verdict}{reason}", *(["", _cell(cause)] if cause else []),
             "", "| stage | result | time | detail |", "|---|---|---|---|"]
    lines += [_row(stage) for stage in stages(record, error)]
    if record.warnings:
        lines += ["", "**Warnings**", "", *[f"- {_cell(w)}" for w in record.warnings]]
    return "\n".join(lines) + "\n\n"


def _row(stage: Stage) -> str:
    seconds = "" if stage.seconds is None else f"{stage.seconds:.2f}s"
    detail = stage.message or stage.output
    return f"| {_cell(stage.name)} | {_ICONS[stage.status]} | {seconds} | {_cell(detail)} |"


def _cell(text: str) -> str:
    """Text from the app or the user, inert in a Markdown table: no markup, no HTML, one line."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "\\`*_[]|#!":
        escaped = escaped.replace(char, f"\\{char}")
    return " ".join(escaped.split())
