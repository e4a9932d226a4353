"""Faults inside the runner itself: every one ends in a verdict, reports and a closed fence."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.conftest import APPS, Result, clean_env, fixture_env

FAULTY = APPS / "faulty_runner.py"


def faulty_run(tag: str, cwd: Path, fault: str, env: Mapping[str, str], *args: str) -> Result:
    """Run release-check with ``fault`` (MODULE:ATTRIBUTE) raising OSError when called."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(FAULTY), fault, *args], cwd=cwd,
                          env=clean_env(tag, env), capture_output=True, text=True, timeout=60,
                          check=False)
    return Result(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def test_a_spawn_error_still_writes_the_reports_and_closes_the_fence(tag: str,
                                                                     tmp_path: Path) -> None:
    """An error after the watchdog fork (the spawn fails): exit 1, reports, fence closed."""
    report, junit, summary = tmp_path / "r.json", tmp_path / "j.xml", tmp_path / "summary.md"
    env = {**fixture_env(), "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    result = faulty_run(tag, tmp_path, "release_check.release.lifetime:spawn", env,
                        "--report", str(report), "--junit", str(junit))
    assert result.code == 1
    assert "Traceback" not in result.err
    assert result.err.startswith("release-check: error: release-check stopped on an error it"
                                 " did not expect (OSError: [Errno 5] injected fault);"
                                 " nothing was judged")
    lines = result.out.splitlines()
    token = next(line for line in lines if line.startswith("::stop-commands::"))
    assert f"::{token.removeprefix('::stop-commands::')}::" in lines
    assert '"passed": false' in report.read_text()
    assert "injected fault" in junit.read_text()
    assert "FAILED" in summary.read_text()


NEVER_LISTENS = {"RELEASE_CHECK_WEB_COMMAND": "echo booting; exec sleep 30",
                 "RELEASE_CHECK_TIMEOUT": "20"}


@pytest.mark.parametrize(("fault", "named"), [
    ("release_check.supervise.tree:listeners_of", "tree watcher of web"),
    ("release_check.reports.repeats:Repeats.feed", "output pump of web"),
])
def test_a_helper_thread_that_dies_fails_the_run_at_once(tag: str, tmp_path: Path, fault: str,
                                                         named: str) -> None:
    """A tree watcher or output pump that raises fails the run at once, naming it."""
    result = faulty_run(tag, tmp_path, fault, NEVER_LISTENS)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert f"FAILED: release-check's {named}" in result.verdict
    assert "(OSError: [Errno 5] injected fault)" in result.verdict
    assert result.seconds < 10  # not the 20 s deadline
