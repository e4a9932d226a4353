"""Faults inside the runner itself: every one ends in a verdict, reports and a closed fence."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.conftest import APPS, Result, clean_env, fixture_env

FAULTY = APPS / "faulty_runner.py"


def faulty_run(tag: str, cwd: Path, fault: str, env: Mapping[str, str], *args: str) -> Result:
    """Run release-check with ``fault`` (MODULE:ATTRIBUTE) raising OSError when called."""
    done = subprocess.run([sys.executable, str(FAULTY), fault, *args], cwd=cwd,
                          env=clean_env(tag, env), capture_output=True, text=True, timeout=60,
                          check=False)
    return Result(done.returncode, done.stdout, done.stderr, 0.0)


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
                                 " did not expect (OSError: [Errno 5] injected fault)")
    lines = result.out.splitlines()
    token = next(line for line in lines if line.startswith("::stop-commands::"))
    assert f"::{token.removeprefix('::stop-commands::')}::" in lines
    assert '"passed": false' in report.read_text()
    assert "injected fault" in junit.read_text()
    assert "FAILED" in summary.read_text()
