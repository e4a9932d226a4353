"""Docs stay in step with the code: settings, README commands, version."""

from __future__ import annotations

import ast
import re
import shlex
import tomllib
from pathlib import Path

import pytest

from release_check import __version__
from release_check.config import SETTINGS, Setting, load
from release_check.config.file import locate
from release_check.reports.tail import Recent, tail_report
from tests.conftest import REPO

CONFIGURATION = (REPO / "docs" / "configuration.md").read_text()
TROUBLESHOOTING = (REPO / "docs" / "troubleshooting.md").read_text()
README = (REPO / "README.md").read_text()
ERROR_PREFIX = "release-check: error: "


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env)
def test_every_setting_is_documented(setting: Setting) -> None:
    """docs/configuration.md names every variable, and its flag when it has one."""
    assert f"`{setting.env}`" in CONFIGURATION
    if setting.has_flag:
        assert f"`{setting.flag}`" in CONFIGURATION


def test_readme_opens_with_exactly_two_commands() -> None:
    """The README's first block is the install-and-run line and the test line, nothing else."""
    block = re.search(r"^```sh\n(.*?)^```", README, re.S | re.M)
    assert block is not None
    assert README.index("```sh") < README.index("\n## ")
    commands = block.group(1).strip().splitlines()
    assert len(commands) == 2
    assert commands[0].endswith("pip install . && release-check")
    assert commands[1].endswith("pip install -e '.[test]' && pytest")


def _executed(script: str) -> list[list[str]]:
    """The words of each command a shell script runs, comments dropped, ``bash -c`` opened."""
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words[:2] == ["bash", "-c"] and len(words) == 3:
            commands += [shlex.split(part) for part in re.split(r"&&|;", words[2])]
        if words:
            commands.append(words)
    return commands


def test_ci_runs_the_readme_commands() -> None:
    """.ci/run runs (under set -e) the README's two commands, read from it, then ruff and mypy."""
    commands = _executed((REPO / ".ci" / "run").read_text())
    assert ["set", "-euo", "pipefail"] in commands
    assert any(words[0] == "mapfile" and "README.md)" in words for words in commands)
    assert ["bash", "-c", "${commands[0]}"] in commands
    assert ["bash", "-c", "${commands[1]}"] in commands
    assert ["ruff", "check", "."] in commands
    assert ["mypy"] in commands


def test_readme_links_exist() -> None:
    """Every docs/ link in the README points at a file."""
    for link in re.findall(r"\]\((docs/[^)]+)\)", README):
        assert (REPO / link).is_file(), link


def test_version_is_single_sourced() -> None:
    """The package's __version__ matches pyproject.toml's static version."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["version"] == __version__


def test_configuration_examples_parse(tmp_path: Path) -> None:
    """The TOML examples in docs/configuration.md are valid config files."""
    blocks = re.findall(r"```toml\n(.*?)```", CONFIGURATION, re.S)
    assert len(blocks) == 2
    (tmp_path / "pyproject.toml").write_text("\n".join(blocks))
    config = load({}, {}, file=locate(None, tmp_path / "Procfile"))
    assert [e.body.kind for e in config.expectations()] == ["exact", "contains", "regex", "json",
                                                            "any"]


def test_every_test_has_a_one_line_docstring() -> None:
    """Each test states, in one line, the behaviour it pins."""
    missing = []
    for path in sorted((REPO / "tests").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                doc = ast.get_docstring(node) or ""
                if not doc.strip() or "\n" in doc.strip():
                    missing.append(f"{path.name}::{node.name}")
    assert missing == []


def _row(key: str, text: str = CONFIGURATION) -> str:
    """The table row that starts with ``key`` in backquotes."""
    rows = [line for line in text.splitlines() if line.startswith(f"| `{key}` |")]
    assert len(rows) == 1, key
    return rows[0]


TOML_TABLE = CONFIGURATION.split("| key | TOML type | example |", 1)[1].split("\n\n", 1)[0]


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.key)
def test_every_key_has_its_toml_type_and_a_valid_example(setting: Setting) -> None:
    """The config-file table gives each key's TOML type and an example the file accepts."""
    row = _row(setting.key, TOML_TABLE)
    _, kind, example = (cell.strip() for cell in row.split("|")[1:-1])
    if not setting.in_file:
        assert kind == "not allowed in the file"
        return
    value = tomllib.loads(f"x = {example.strip('`')}")["x"]
    setting.from_toml(value)


def test_what_zero_means_is_documented_for_each_number() -> None:
    """A number that takes 0 says what 0 does in its row; the others' rows never offer it."""
    numbers = [s for s in SETTINGS if s.metavar in {"SECONDS", "MB"}]
    takes_zero = set()
    for setting in numbers:
        try:
            setting.parse("0")
            takes_zero.add(setting.env)
        except ValueError:
            continue
    documented = {s.env for s in numbers if "`0`" in _row(s.env)}
    assert takes_zero == documented == {"RELEASE_CHECK_UPTIME"}
    assert "Zero is refused too, except by `RELEASE_CHECK_UPTIME`" in CONFIGURATION


def test_the_tail_length_is_the_one_shown() -> None:
    """Every "last N lines" in the docs is the number of an app's lines the CLI prints."""
    recent = Recent()
    for number in range(100):
        recent.add(f"line {number}")
    shown = [line for line in tail_report(recent.tail(), relayed=False) if line.startswith("  | ")]
    assert shown[-1] == "  | line 99"
    for text in (CONFIGURATION, TROUBLESHOOTING, (REPO / "docs" / "report.md").read_text()):
        counts = re.findall(r"last (\d+)\s+lines", text)
        assert counts
        assert set(counts) == {str(len(shown))}


def _fragments(node: ast.AST) -> list[str]:
    """The literal pieces of a message argument: a string, or an f-string's constant parts."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [part.value for part in node.values
                if isinstance(part, ast.Constant) and isinstance(part.value, str)]
    return []


def _is_message_call(call: ast.Call) -> bool:
    """print(...), console.warn/always/info(...), or an exception built with its message."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "print" or func.id.endswith(("Error", "Failed"))
    if isinstance(func, ast.Attribute):
        return func.attr in {"warn", "always", "info", "__init__"}
    return False


def _messages(path: Path) -> list[str]:
    """The literal text, 12 characters or more, of each message a module prints or raises."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and _is_message_call(node) and node.args:
            for piece in _fragments(node.args[0]):
                text = piece.removeprefix(ERROR_PREFIX).strip(" ;:,")
                if len(text) >= 12:
                    found.append(text)
    return found


@pytest.mark.parametrize("module", ["errors.py", "cli.py"])
def test_every_message_has_a_troubleshooting_section(module: str) -> None:
    """Each message errors.py and cli.py can print appears in docs/troubleshooting.md."""
    messages = _messages(REPO / "release_check" / module)
    assert messages
    missing = [text for text in messages if text not in TROUBLESHOOTING]
    assert missing == []
