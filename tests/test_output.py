"""The app's output: repeats collapsed, the cause always shown, nothing reaching a terminal raw."""

from __future__ import annotations

import io
import json
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_check.console import Console, rows
from release_check.reports.repeats import MAX_BLOCK, Repeats
from release_check.reports.tail import Recent, looks_like_error, tail_report
from release_check.text import app_text
from tests.conftest import APPS, RunCheck, clean_env

OUTPUT_APP = APPS / "output_app.py"


def output_app(*args: str) -> dict[str, str]:
    """Settings that boot tests/apps/output_app.py in the given mode."""
    command = shlex.join([sys.executable, str(OUTPUT_APP), *args])
    return {"RELEASE_CHECK_WEB_COMMAND": command, "RELEASE_CHECK_TIMEOUT": "20"}


# --- collapsing repeats (pure logic) -------------------------------------------------------


def collapse(lines: list[str]) -> list[str]:
    """What the relay shows for ``lines``: the lines, and ``<k x n>`` for each count line."""
    shown: list[str] = []
    relay = Repeats(shown.append, lambda k, n: shown.append(f"<{k} x {n}>"))
    for line in lines:
        relay.feed(line)
    relay.flush()
    return shown


def expand(shown: list[str]) -> list[str]:
    """Undo ``collapse``: a count line repeats the lines shown since the previous count line."""
    lines: list[str] = []
    since_count: list[str] = []
    for item in shown:
        if item.startswith("<"):
            k, n = (int(part) for part in item[1:-1].split(" x "))
            assert 1 <= k <= len(since_count)
            lines += since_count[-k:] * n
            since_count = []
        else:
            lines.append(item)
            since_count.append(item)
    return lines


def test_identical_lines_become_one_count_line() -> None:
    """123 identical lines show as the line and ``122 more times``, before the next line."""
    assert collapse(["a"] * 123 + ["b"]) == ["a", "<1 x 122>", "b"]


def test_a_repeated_block_becomes_one_count_line() -> None:
    """A 3-line block logged 40 times shows once, then one count line."""
    block = ["warning: bad host", "Bad Request: /health_check", '"GET /" 400 143']
    assert collapse(["boot", *block * 40, "bye"]) == ["boot", *block, "<3 x 39>", "bye"]


def test_a_repeated_traceback_is_collapsed() -> None:
    """An identical traceback printed on every attempt is shown once, with a count."""
    traceback = ["Traceback (most recent call last):", '  File "a.py", line 1',
                 "  File \"b.py\", line 2", "DisallowedHost: bad host"]
    assert collapse(traceback * 5) == [*traceback, "<4 x 4>"]


def test_a_single_repeat_of_one_line_is_shown_as_itself() -> None:
    """Two identical lines are both shown: a count line would be no shorter."""
    assert collapse(["a", "a", "b"]) == ["a", "a", "b"]


def test_a_repeat_in_progress_is_shown_when_the_output_ends() -> None:
    """A count and a partial copy still held back are shown at the end, in order."""
    assert collapse(["x", "a", "b", "a", "b", "a"]) == ["x", "a", "b", "<2 x 1>", "a"]


def test_the_count_line_is_shown_as_soon_as_another_line_arrives() -> None:
    """The count is shown when a different line is fed, not only at the end."""
    shown: list[str] = []
    relay = Repeats(shown.append, lambda k, n: shown.append(f"<{k} x {n}>"))
    for line in ["a", "a", "a", "b"]:
        relay.feed(line)
    assert shown == ["a", "<1 x 2>", "b"]


@given(st.lists(st.sampled_from(["a", "b", "c", ""]), max_size=60))
def test_collapsing_never_loses_a_line(lines: list[str]) -> None:
    """Expanding the count lines gives back exactly the lines written, in order."""
    assert expand(collapse(lines)) == lines


def test_blocks_longer_than_the_limit_are_shown_in_full() -> None:
    """A block longer than MAX_BLOCK lines is never collapsed."""
    block = [f"line {n}" for n in range(MAX_BLOCK + 1)]
    assert collapse(block * 2) == block * 2


# --- the error line (pure logic) -----------------------------------------------------------


@pytest.mark.parametrize("line", [
    "ModuleNotFoundError: No module named 'flask'",
    "SyntaxError: invalid syntax",
    "django.core.exceptions.ImproperlyConfigured: SECRET_KEY must not be empty",
    "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>",
    "KeyboardInterrupt",
    "Error: Cannot find module 'express'",
    "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'express'",
    "TypeError: app.listen is not a function",
    "/app/config.ru:1:in `require': cannot load such file -- sinatra (LoadError)",
    "app.rb:3:in `<main>': uninitialized constant Foo (NameError)",
    "bundler: failed to load command: puma (Bundler::GemNotFound)",
    'Exception in thread "main" java.lang.NoClassDefFoundError: org/Main',
    "Caused by: java.lang.ClassNotFoundException: org.Main",
    "FATAL:  password authentication failed for user \"app\"",
    "panic: runtime error: index out of range",
    "ERROR:    Error loading ASGI app. Could not import module \"main\".",
    "\x1b[31mError: boom\x1b[0m",
])
def test_error_lines_are_recognised(line: str) -> None:
    """Exception lines of Python, Node, Ruby and Java, and Error/FATAL/panic lines, are errors."""
    assert looks_like_error(line)


@pytest.mark.parametrize("line", [
    "Traceback (most recent call last):",
    "    at Module._compile (node:internal/modules/cjs/loader:1521:14)",
    "[2024-01-01 10:00:00 +0000] [8] [INFO] Booting worker with pid: 8",
    "Errors: 0, warnings: 2",
    "DeprecationWarning: the old API",
    "Node.js v20.11.0",
    "",
])
def test_ordinary_lines_are_not_errors(line: str) -> None:
    """Frames, log lines, warnings and a version banner are not taken for errors."""
    assert not looks_like_error(line)


def recent(lines: list[str]) -> Recent:
    """A Recent that was given ``lines``."""
    kept = Recent()
    for line in lines:
        kept.add(line)
    return kept


def test_an_error_older_than_the_tail_is_kept_with_its_distance() -> None:
    """The last error line before the last 10 lines is kept, with how many lines followed it."""
    frames = [f"frame {n}" for n in range(17)]
    tail = recent(["Error: Cannot find module 'express'", *frames]).tail()
    assert tail.earlier_error is not None
    assert tail.earlier_error.text == "Error: Cannot find module 'express'"
    assert tail.earlier_error.lines_after == 17
    assert tail.lines == tuple(f"frame {n}" for n in range(7, 17))


def test_an_error_repeated_in_the_tail_gives_way_to_an_older_different_one() -> None:
    """Like gunicorn's two HaltServer tracebacks: the earlier error is the ModuleNotFoundError."""
    halt = "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>"
    lines = ["ModuleNotFoundError: No module named 'x'", *["frame"] * 3, halt, *["frame"] * 9,
             halt]
    error = recent(lines).tail().earlier_error
    assert error is not None
    assert error.text.startswith("ModuleNotFoundError")


def test_no_earlier_error_when_the_only_one_is_in_the_tail() -> None:
    """An error among the last lines is marked there, not repeated above them."""
    tail = recent(["boot", "KeyError: 'PORT'", "bye"]).tail()
    assert tail.earlier_error is None
    assert tail_report(tail, relayed=False) == [
        "last lines of the app's output:", "  | boot", "  ! KeyError: 'PORT'", "  | bye"]


# --- escaping and the terminal (pure logic) ------------------------------------------------


def test_app_text_drops_colours_and_escapes_the_rest() -> None:
    """Colours go, tabs become spaces, and controls, bidi overrides, astral format chars show."""
    assert app_text("\x1b[1;31mred\x1b[0m\tx\r\x1b]0;t\x07\u202e\U000e0041") == (
        "red x\\x0d\\x1b]0;t\\x07\\u202e\\U000e0041")


def test_wrapped_rows_never_start_with_app_text() -> None:
    """A line longer than the terminal is cut so that every later row starts indented."""
    line = "web | " + "x" * 74 + "release-check: PASSED" + "\u00e9" * 50
    cut = rows(line, 80, 6)
    assert len(cut) > 1
    assert all(row.startswith("      ") for row in cut[1:])
    assert all(sum(1 if char.isascii() else 2 for char in row) <= 80 for row in cut)
    assert "".join(row.removeprefix("      ") for row in cut) == line


@given(st.text(st.sampled_from("ab \u00e9\u4e2d"), max_size=300), st.integers(26, 120))
def test_rows_fit_and_lose_nothing(line: str, width: int) -> None:
    """Every row fits the width, every later row starts indented, and nothing is lost."""
    cut = rows(line, width, 6)
    assert all(sum(1 if char.isascii() else 2 for char in row) <= width for row in cut)
    assert all(row.startswith("      ") for row in cut[1:])
    assert cut[0] + "".join(row[6:] for row in cut[1:]) == line


def test_long_lines_are_cut_after_a_space() -> None:
    """A long verdict is cut between words, not inside one, where a space is near the end."""
    line = ("release-check: FAILED: web exited with code 1 before listening on port 50877"
            " (after 0.29s)")
    assert rows(line, 80, 15) == [
        "release-check: FAILED: web exited with code 1 before listening on port 50877 ",
        "               (after 0.29s)"]


def test_an_unencodable_character_is_written_escaped_not_lost() -> None:
    """An ascii stdout gets an emoji as a backslash escape, and the console is not broken."""
    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="ascii")
    console = Console(stream)
    console.app_line("web", "served \U0001f389")
    console.always("PASSED")
    assert not console.broken
    assert buffer.getvalue().decode() == "web | served \\U0001f389\nrelease-check: PASSED\n"


# --- real runs ------------------------------------------------------------------------------


def test_repeated_lines_are_collapsed_in_the_relay(release_check: RunCheck) -> None:
    """An app writing the same line 123 times shows it once with ``122 more times``."""
    result = release_check(env=output_app("repeat", "123"))
    assert result.code == 1
    lines = result.out.splitlines()
    at = lines.index("web | Invalid HTTP_HOST header: '127.0.0.1'. Add it to ALLOWED_HOSTS.")
    assert lines[at + 1:at + 3] == ["web | ... (the line above 122 more times)", "web | giving up"]


def test_a_block_logged_per_attempt_is_collapsed(release_check: RunCheck) -> None:
    """A 3-line block logged for each of many HTTP attempts is relayed once, with a count."""
    # The same 400 each time: the run ends once it has settled, after a few attempts.
    result = release_check(env={**output_app("per-request"), "RELEASE_CHECK_TIMEOUT": "3",
                                "RELEASE_CHECK_SETTLE": "0.5"})
    assert result.code == 1
    relayed = [line for line in result.out.splitlines() if line.startswith("web | ")]
    assert relayed[1:4] == ["web | Invalid HTTP_HOST header: '127.0.0.1'.",
                            "web | Bad Request: /health_check",
                            'web | "GET /health_check HTTP/1.1" 400 143']
    assert relayed[4].startswith("web | ... (the 3 lines above ")
    assert len(relayed) <= 8


def test_quiet_tail_holds_the_real_lines_of_a_repeat(release_check: RunCheck) -> None:
    """Under -q the last lines are the app's real lines, not the relay's count line."""
    result = release_check("-q", env=output_app("repeat", "123"))
    assert result.code == 1
    assert result.out.count("release-check:   | Invalid HTTP_HOST header") == 9
    assert "release-check:   | giving up" in result.out
    assert "more times" not in result.out


def test_a_buried_error_is_shown_under_quiet(release_check: RunCheck, tmp_path: Path) -> None:
    """With 40 lines after the error, -q still shows it, marked, and the report holds it."""
    report = tmp_path / "report.json"
    result = release_check("-q", "--report", str(report), env=output_app("buried-error", "40"))
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[:2] == [
        "release-check: earlier error line of the app's output (40 lines before its end):",
        "release-check:   ! ModuleNotFoundError: No module named 'flask'"]
    assert "release-check:   | shutting down: step 39" in lines
    document = json.loads(report.read_text())
    assert document["error_line"] == {"text": "ModuleNotFoundError: No module named 'flask'",
                                      "lines_after": 40}
    assert document["tail"][-1] == "shutting down: step 39"


def test_a_buried_error_is_repeated_above_the_verdict(release_check: RunCheck) -> None:
    """Without -q an error line that scrolled far up is shown again just before the verdict."""
    result = release_check(env=output_app("buried-error", "40"))
    lines = result.out.splitlines()
    assert lines[-3:-1] == [
        "release-check: earlier error line of the app's output (40 lines before its end):",
        "release-check:   ! ModuleNotFoundError: No module named 'flask'"]
    assert lines[-1].startswith("release-check: FAILED: web exited with code 1")


def test_node_missing_module_is_shown_under_quiet(release_check: RunCheck, tmp_path: Path) -> None:
    """A Node app that cannot find express shows ``Error: Cannot find module`` under -q."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    (tmp_path / "index.js").write_text("require('express');\n")
    result = release_check("-q", env={"RELEASE_CHECK_WEB_COMMAND": "node index.js"})
    assert result.code == 1
    assert "release-check:   ! Error: Cannot find module 'express'" in result.out


def test_gunicorn_workers_missing_module_shows_the_cause(release_check: RunCheck) -> None:
    """A gunicorn with 3 workers on a missing module shows the ModuleNotFoundError under -q."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = f"{gunicorn} --workers 3 --bind 0.0.0.0:$PORT no_such_module:app"
    result = release_check("-q", env={"RELEASE_CHECK_WEB_COMMAND": command})
    assert result.code == 1
    assert "release-check:   ! ModuleNotFoundError: No module named 'no_such_module'" in result.out


def test_an_ascii_stdout_passes_with_an_emoji_in_the_log(release_check: RunCheck) -> None:
    """PYTHONIOENCODING=ascii and an emoji in the app's log: exit 0, the emoji escaped."""
    result = release_check(env={**output_app("emoji"), "PYTHONIOENCODING": "ascii"})
    assert result.code == 0, result.out + result.err
    assert "web | served \\U0001f389 caf\\xe9" in result.out
    assert "standard output was closed" not in result.err


@dataclass(frozen=True)
class Terminal:
    """What a tmux pane showed after a run: its rows, its title, tmux's paste buffers."""

    code: str
    screen: str
    title: str
    buffers: str


def in_tmux(tmux: str, env: dict[str, str], tmp_path: Path) -> Terminal:
    """Run release-check in a detached 80-column tmux pane on its own server; read the pane."""
    done = tmp_path / "exit-code"
    runner = shlex.join([sys.executable, "-m", "release_check"])
    conf = tmp_path / "tmux.conf"
    conf.write_text("set -g set-clipboard on\n")  # let OSC 52 reach tmux's buffers, if it gets out
    base = [tmux, "-L", f"rc-{uuid.uuid4().hex[:12]}", "-f", str(conf)]

    def tmux_out(*args: str) -> str:
        return subprocess.run([*base, *args], capture_output=True, text=True, check=False,
                              timeout=10).stdout

    try:
        subprocess.run([*base, "new-session", "-d", "-x", "80", "-y", "40", "-s", "check", "sh",
                        "-c", f"{runner}; echo $? > {shlex.quote(str(done))}; sleep 60"],
                       env=env, cwd=tmp_path, check=True, timeout=10)
        deadline = time.monotonic() + 30
        while not (done.exists() and done.read_text().strip()):
            assert time.monotonic() < deadline, "release-check did not finish within 30 s"
            time.sleep(0.1)
        return Terminal(done.read_text().strip(), tmux_out("capture-pane", "-p", "-t", "check"),
                        tmux_out("display-message", "-p", "-t", "check", "#{pane_title}"),
                        tmux_out("list-buffers"))
    finally:
        tmux_out("kill-server")


def test_a_forged_verdict_cannot_show_on_a_terminal(tag: str, tmp_path: Path) -> None:
    """On a real terminal (tmux), an app's forged PASSED never starts a row; FAILED is seen."""
    tmux = shutil.which("tmux")
    if tmux is None:
        pytest.skip("tmux is not installed")
    shown = in_tmux(tmux, clean_env(tag, output_app("forge")), tmp_path)
    assert shown.code == "1"
    rows_on_screen = shown.screen.splitlines()
    assert any(row.startswith("release-check: FAILED: web exited with code 1")
               for row in rows_on_screen), shown.screen
    assert not [row for row in rows_on_screen if row.startswith("release-check: PASSED")]
    assert all(row.startswith(("web | ", "release-check: ", " ")) or not row
               for row in rows_on_screen), shown.screen
    assert "pwned" not in shown.title
    assert shown.buffers == ""
