"""docs/smoke-tests.md's examples, run as written against a real app booted by release-check."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from junitparser import JUnitXml

from tests.conftest import REPO, RunCheck, fixture_env

pytestmark = pytest.mark.slow

SMOKE_DOC = (REPO / "docs" / "smoke-tests.md").read_text()
_NAMED_BLOCK = re.compile(r"^`(?P<name>[^`]+)`:\n\n```\w*\n(?P<body>.*?)^```", re.M | re.S)


def example(name: str) -> str:
    """The code block the doc introduces with ``name``."""
    found = {m["name"]: m["body"] for m in _NAMED_BLOCK.finditer(SMOKE_DOC)}
    return found[name]


def test_the_pytest_example_passes_and_its_junit_is_merged(release_check: RunCheck,
                                                           tmp_path: Path) -> None:
    """The pytest + httpx example passes against a healthy app; its suite joins the JUnit file."""
    smoke = tmp_path / "tests" / "smoke"
    smoke.mkdir(parents=True)
    (smoke / "test_release.py").write_text(example("tests/smoke/test_release.py"))
    result = release_check(
        "--junit", "release-check.xml", "--then-junit", "smoke.xml", "--",
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
        "-c", "/dev/null", "--rootdir", str(tmp_path), "tests/smoke", "--junitxml=smoke.xml",
        env=fixture_env(), timeout=120)
    assert result.code == 0, result.out
    assert "then | 2 passed" in result.out
    suites = list(JUnitXml.fromfile(str(tmp_path / "release-check.xml")))
    assert [suite.name for suite in suites] == ["release-check", "pytest"]


def test_the_pytest_example_fails_the_release_of_a_broken_app(release_check: RunCheck,
                                                              tmp_path: Path) -> None:
    """The same tests fail the run when the app answers, but not what they expect."""
    smoke = tmp_path / "tests" / "smoke"
    smoke.mkdir(parents=True)
    (smoke / "test_release.py").write_text(example("tests/smoke/test_release.py"))
    env = fixture_env("--body", "BROKEN", expected_body="BROKEN")
    env["RELEASE_CHECK_THEN"] = (f"{sys.executable} -m pytest -q -p no:cacheprovider"
                                 " -p no:xdist -c /dev/null tests/smoke")
    result = release_check(env=env, timeout=120)
    assert result.code == 1, result.out
    assert "exited with code 1" in result.verdict
    assert "1 failed" in result.verdict


def test_the_shell_example_passes_against_a_healthy_app(release_check: RunCheck,
                                                        tmp_path: Path) -> None:
    """The curl script passes against a healthy app, its lines labelled."""
    (tmp_path / "smoke.sh").write_text(example("smoke.sh"))
    result = release_check("--", "sh", "smoke.sh", env=fixture_env())
    assert result.code == 0, result.out
    assert "then | smoke: ok" in result.out


def test_the_shell_example_fails_naming_what_it_saw(release_check: RunCheck,
                                                    tmp_path: Path) -> None:
    """The curl script fails the run when the body is not OKAY, its own message the last line."""
    (tmp_path / "smoke.sh").write_text(example("smoke.sh"))
    result = release_check("--", "sh", "smoke.sh",
                           env=fixture_env("--body", "fine", expected_body="fine"))
    assert result.code == 1, result.out
    assert "its last line: health_check said: fine" in result.verdict


def test_the_hurl_example_passes_where_hurl_is_installed(release_check: RunCheck,
                                                         tmp_path: Path) -> None:
    """The Hurl file's health request passes through the documented command line."""
    if shutil.which("hurl") is None:
        pytest.skip("hurl is not installed here (neither PyPI nor npm ship its binary)")
    first = example("smoke.hurl").split("\n\n", 1)[0]
    (tmp_path / "smoke.hurl").write_text(first + "\n")
    line = re.search(r"release-check --then '([^']+)'", SMOKE_DOC)
    assert line is not None
    result = release_check("--then", line[1], env=fixture_env())
    assert result.code == 0, result.out
