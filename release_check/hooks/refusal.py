"""Why a pushed commit's check failed, as the refusal says it: the check's report, read."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from release_check.text import describe_exit

NOT_FOUND = 127  # a shell's exit code for a command it cannot find


def refusal(report: Path, code: int, folders: Sequence[Path], python: str) -> str:
    """The reason for the refusal: the report's, else how the check ended.

    After an exit 127 it adds where the check looked for the app's tools (``folders``, put first
    on PATH) and how to put them there (``python``: the Python running release-check, if any).
    """
    document = _document(report)
    reason = _reason(document, code)
    return f"{reason}; {_not_found_hint(folders, python)}" if _command_not_found(document) \
        else reason


def _document(report: Path) -> dict[str, Any]:
    """The check's JSON report; empty when it wrote none (it did not get that far)."""
    try:
        document = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _reason(report: Mapping[str, Any], code: int) -> str:
    """Why the check failed: its report's reason, else how its process ended."""
    reason = report.get("reason")
    if code > 0 and isinstance(reason, str) and reason:
        return reason
    return f"release-check {describe_exit(code)}"


def _command_not_found(report: Mapping[str, Any]) -> bool:
    """Whether a process exited 127, as a shell does when the command is not found."""
    processes = report.get("processes")
    entries = processes.values() if isinstance(processes, dict) else ()
    return any(isinstance(entry, dict) and entry.get("exit_code") == NOT_FOUND
               for entry in entries)


def _not_found_hint(folders: Sequence[Path], python: str) -> str:
    """Where the check looked for the app's tools first, and how to put them there."""
    shown = ", ".join(str(folder) for folder in folders) or "none"
    into_python = f", or into the Python running release-check ({python} -m pip install ...)"
    return (f"exit {NOT_FOUND} means a command was not found: the check put these folders"
            f" first on PATH: {shown}. Install the app's tools into the project's .venv (or"
            f" a venv/ or env/ virtualenv){into_python if python else ''}")
