"""Procfile parsing follows Heroku's ``name: command`` grammar."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_check.config import load
from release_check.config.file import locate
from release_check.config.procfile import command_for, parse
from release_check.errors import ConfigError, ProcfileError
from tests.conftest import RunCheck, app_command


def entries(text: str) -> dict[str, str]:
    """The process types and commands ``text`` declares."""
    return parse(text).entries


def test_parses_entries_comments_and_blank_lines() -> None:
    """Comments and blank lines are skipped; entries keep their whole command."""
    text = "# the app\n\nweb: gunicorn app:wsgi --bind 0.0.0.0:$PORT\nworker:  celery -A x\n"
    assert entries(text) == {"web": "gunicorn app:wsgi --bind 0.0.0.0:$PORT",
                             "worker": "celery -A x"}


def test_handles_crlf_lone_cr_and_no_trailing_newline() -> None:
    """Windows and old Mac line endings and a missing final newline change nothing."""
    assert entries("web: run --fast\r\nrelease: release-check\rworker: w") == {
        "web": "run --fast", "release": "release-check", "worker": "w"}


def test_commented_out_entry_is_ignored() -> None:
    """A ``#web: ...`` line is a comment, not an entry."""
    assert entries("#web: old\nweb: new\n") == {"web": "new"}


def test_lines_without_the_grammar_are_passed_over() -> None:
    """A line that is not ``name: command`` (a missing colon, an empty command) is skipped."""
    assert entries("web python app.py\nempty:\nweb-2: ok\n") == {"web-2": "ok"}


@pytest.mark.parametrize("separator", ["\f", "\v", "\x1c", "\x1d", "\x1e", "\x85",
                                       "\u2028", "\u2029"])
def test_only_newline_and_carriage_return_end_a_line(separator: str) -> None:
    """Form feed, vertical tab, x1c-x1e, NEL, U+2028/9 stay in the command, as on Heroku."""
    assert entries(f"web: run{separator}--fast\n") == {"web": f"run{separator}--fast"}


def test_byte_order_mark_is_an_error_naming_it() -> None:
    """A UTF-8 BOM before ``web:`` is an error: Heroku would not read that line as an entry."""
    with pytest.raises(ProcfileError, match=r"Procfile:1: .*UTF-8 byte-order mark \(BOM\)"):
        parse("\ufeffweb: run\n")
    with pytest.raises(ProcfileError, match=r"Procfile:2: "):
        parse("worker: w\n\ufeffweb: run\n")


def test_no_break_space_after_the_colon_is_an_error() -> None:
    """Only space and tab separate; a no-break space after ``web:`` is named, not skipped."""
    with pytest.raises(ProcfileError, match=r"Procfile:1: the 'web' command starts with"
                                            r" NO-BREAK SPACE \(U\+00A0\)"):
        parse("web:\u00a0run\n")
    assert entries("web:\trun\n") == {"web": "run"}


def test_unicode_space_before_the_name_does_not_make_an_entry() -> None:
    """Leading whitespace is space or tab only: an ideographic space hides the entry."""
    assert entries("\u3000web: run\n  worker: w\n") == {"worker": "w"}


def test_duplicate_process_type_uses_the_last_and_warns() -> None:
    """A type declared twice runs the last declaration, as Heroku does, with a warning."""
    procfile = parse("web: a\nworker: w\nweb: b\n")
    assert procfile.entries == {"web": "b", "worker": "w"}
    assert procfile.lines["web"] == 3
    assert procfile.warnings == [
        "Procfile:3: process type 'web' is declared again (before on line 1); Heroku uses the"
        " last one, and so does release-check"]


def test_no_space_after_the_colon_is_read_with_a_warning() -> None:
    """``web:run`` is read (the newer stack does) with a warning that the classic one ignores it."""
    procfile = parse("web:run --fast\n")
    assert procfile.entries == {"web": "run --fast"}
    assert len(procfile.warnings) == 1
    assert "Procfile:1: no space after 'web:': Heroku's classic stack ignores this line" in (
        procfile.warnings[0])
    assert parse("web: run\n").warnings == []


def test_nul_byte_in_the_command_is_an_error_naming_the_line(tmp_path: Path) -> None:
    """A NUL byte in the command to boot is a ProcfileError naming the file and line."""
    procfile = tmp_path / "Procfile"
    procfile.write_text("worker: w\nweb: run\x00 --fast\n")
    with pytest.raises(ProcfileError, match=r"Procfile:2: the 'web' command contains a NUL byte"):
        command_for(procfile, "web")
    assert command_for(procfile, "worker") == ("w", [])


def test_nul_byte_ends_in_exit_2_not_a_traceback(release_check: RunCheck, tmp_path: Path) -> None:
    """End to end, a NUL byte in the Procfile's web command is exit 2 naming the line."""
    (tmp_path / "Procfile").write_text("web: python -c pass\x00\n")
    result = release_check()
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    assert "Procfile:1: the 'web' command contains a NUL byte" in result.err


def test_nul_byte_in_a_configured_command_is_a_config_error(tmp_path: Path) -> None:
    """web_command with a NUL byte (TOML can escape one) is a ConfigError naming the key."""
    (tmp_path / "release-check.toml").write_text('web_command = "run\\u0000"\n')
    with pytest.raises(ConfigError, match=r"web_command: the command contains a NUL byte"):
        load({}, {}, file=locate(None, tmp_path / "Procfile"))


def test_a_configured_command_no_exec_can_take_is_a_config_error(tmp_path: Path) -> None:
    """web_command of 200 KiB, in the config file or a variable, is refused naming its source."""
    (tmp_path / "release-check.toml").write_text(f'web_command = "{"x" * 200 * 1024}"\n')
    with pytest.raises(ConfigError, match=r"release-check.toml: web_command: the command is 200"
                                          r" KiB; the system refuses a command or variable of"
                                          r" 128 KiB or more \(Argument list too long\)"):
        load({}, {}, file=locate(None, tmp_path / "Procfile"))
    with pytest.raises(ConfigError, match=r"^RELEASE_CHECK_WEB_COMMAND: the command is 200 KiB"):
        load({}, {"RELEASE_CHECK_WEB_COMMAND": "x" * 200 * 1024})


def test_procfile_warnings_reach_the_output(release_check: RunCheck, tmp_path: Path) -> None:
    """A duplicate web entry boots the last one, and the warning is printed under --quiet."""
    (tmp_path / "Procfile").write_text(f"web: exit 3\nweb:{app_command()}\n")
    result = release_check("-q")
    assert result.code == 0, result.out
    assert "warning: Procfile:2: process type 'web' is declared again" in result.out
    assert "warning: Procfile:2: no space after 'web:'" in result.out


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
