"""Docs stay in step with the code: settings, README commands, version."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

from release_check import __version__
from release_check.config.file import locate
from release_check.config.settings import SETTINGS, Setting, load
from tests.conftest import REPO

CONFIGURATION = (REPO / "docs" / "configuration.md").read_text()
README = (REPO / "README.md").read_text()


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


def test_ci_runs_the_readme_commands() -> None:
    """.ci/run takes its commands from the README rather than keeping its own copy."""
    ci = (REPO / ".ci" / "run").read_text()
    assert "README.md" in ci
    assert "ruff check" in ci
    assert "mypy" in ci


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
    config = load({}, {}, file=locate(None, str(tmp_path / "Procfile")))
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
