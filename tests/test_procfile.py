"""Procfile parsing follows Heroku's ``name: command`` grammar."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_check.config.procfile import command_for, parse
from release_check.errors import ProcfileError


def test_parses_entries_comments_and_blank_lines() -> None:
    """Comments and blank lines are skipped; entries keep their whole command."""
    text = "# the app\n\nweb: gunicorn app:wsgi --bind 0.0.0.0:$PORT\nworker:  celery -A x\n"
    assert parse(text) == {"web": "gunicorn app:wsgi --bind 0.0.0.0:$PORT", "worker": "celery -A x"}


def test_handles_crlf_bom_and_no_trailing_newline() -> None:
    """Windows line endings, a UTF-8 BOM and a missing final newline change nothing."""
    assert parse("\ufeffweb: run --fast\r\nrelease: release-check") == {
        "web": "run --fast", "release": "release-check"}


def test_commented_out_entry_is_ignored() -> None:
    """A ``#web: ...`` line is a comment, not an entry."""
    assert parse("#web: old\nweb: new\n") == {"web": "new"}


def test_lines_without_the_grammar_are_passed_over() -> None:
    """A line that is not ``name: command`` (a missing colon, an empty command) is skipped."""
    assert parse("web python app.py\nempty:\nweb-2: ok\n") == {"web-2": "ok"}


def test_duplicate_process_type_is_an_error() -> None:
    """Declaring a process type twice names the file, the line and the type."""
    with pytest.raises(ProcfileError, match=r"Procfile:2: process type 'web' is declared twice"):
        parse("web: a\nweb: b\n")


def test_missing_procfile_names_the_file(tmp_path: Path) -> None:
    """A missing Procfile is reported with its path and how to fix it."""
    with pytest.raises(ProcfileError, match=r"no Procfile at .*RELEASE_CHECK_WEB_COMMAND"):
        command_for(tmp_path / "Procfile", "web")


def test_missing_entry_lists_the_entries(tmp_path: Path) -> None:
    """A Procfile without the entry names the file and the entries it has."""
    procfile = tmp_path / "Procfile"
    procfile.write_text("worker: celery\nrelease: release-check\n")
    with pytest.raises(ProcfileError, match=r"no 'web' entry \(entries found: release, worker\)"):
        command_for(procfile, "web")


def test_empty_procfile_says_it_has_no_entries(tmp_path: Path) -> None:
    """An empty Procfile says it has none."""
    procfile = tmp_path / "Procfile"
    procfile.write_text("# nothing yet\n")
    with pytest.raises(ProcfileError, match=r"entries found: none"):
        command_for(procfile, "web")
