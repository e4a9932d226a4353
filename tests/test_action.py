"""action.yml's steps, run as a GitHub runner runs a composite action, against a real app.

The runner's part is simulated: each ``run:`` step goes to ``bash --noprofile --norc -eo
pipefail`` with its ``env:`` and ``working-directory:``, its ``${{ inputs.* }}`` and
``${{ github.action_path }}`` expressions replaced, and GITHUB_ENV, GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY and GITHUB_PATH files in a temporary folder. The install step is the one
step not run: it would pip-install this checkout, which the tests run from already (its
GITHUB_PATH line is written as it would write it).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from junitparser import JUnitXml

from tests.conftest import REPO, app_command, clean_env

pytestmark = pytest.mark.slow

ACTION: dict[str, Any] = yaml.safe_load((REPO / "action.yml").read_text())
_EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
INSTALL = "Install release-check"


@dataclass(frozen=True)
class Job:
    """What the simulated runner leaves: the last step's exit code and the runner's files."""

    code: int
    out: str
    files: Path

    def outputs(self) -> dict[str, str]:
        """GITHUB_OUTPUT's name=value lines."""
        text = (self.files / "output").read_text()
        return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)

    def summary(self) -> str:
        """The job summary's Markdown."""
        return (self.files / "summary").read_text()


def _inputs(given: Mapping[str, str]) -> dict[str, str]:
    unknown = set(given) - set(ACTION["inputs"])
    assert not unknown, f"not inputs of action.yml: {unknown}"
    defaults = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    return {**defaults, **given}


def _substitute(text: str, inputs: Mapping[str, str]) -> str:
    """Replace the expressions this action uses; any other is a test failure, not a blank."""

    def value(match: re.Match[str]) -> str:
        expression = match[1]
        if expression == "github.action_path":
            return str(REPO)
        name = expression.removeprefix("inputs.")
        assert name != expression and name in inputs, f"unsupported expression {expression}"
        return inputs[name]

    return _EXPRESSION.sub(value, text)


def _runner_env(files: Path, tag: str) -> dict[str, str]:
    for name in ("env", "output", "summary", "path"):
        (files / name).touch()
    base = clean_env(tag, {})
    base.pop("RELEASE_CHECK_UPTIME")
    return {**base, "GITHUB_ACTIONS": "true", "GITHUB_ENV": str(files / "env"),
            "GITHUB_OUTPUT": str(files / "output"), "GITHUB_STEP_SUMMARY": str(files / "summary"),
            "GITHUB_PATH": str(files / "path")}


def run_action(workspace: Path, files: Path, tag: str, **given: str) -> Job:
    """Run the action's steps in ``workspace``; stop at the first failing step, as runners do."""
    inputs = _inputs({key.replace("_", "-"): value for key, value in given.items()})
    env = _runner_env(files, tag)
    code, out = 0, ""
    for step in ACTION["runs"]["steps"]:
        if step["name"] == INSTALL:
            (files / "path").write_text(str(Path(sys.executable).parent) + "\n")
            continue
        assert step["shell"] == "bash"
        step_env = {k: _substitute(str(v), inputs) for k, v in step.get("env", {}).items()}
        paths = (files / "path").read_text().split()
        folder = workspace / _substitute(step.get("working-directory", "."), inputs)
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            env={**env, **step_env, "PATH": ":".join([*paths, env["PATH"]])},
            cwd=folder, capture_output=True, text=True, timeout=120, check=False)
        code, out = done.returncode, out + done.stdout + done.stderr
        if code != 0:
            break
    return Job(code, out, files)


def _workspace(tmp_path: Path, *flags: str) -> Path:
    """A repository checkout whose Procfile boots the fixture app."""
    workspace = tmp_path / "repo"
    app = workspace / "app"
    app.mkdir(parents=True)
    (app / "Procfile").write_text(f"web: {app_command(*flags)}\n")
    return workspace


def test_a_passing_app_and_smoke_command_give_outputs_summary_and_junit(tmp_path: Path,
                                                                        tag: str) -> None:
    """The action passes a healthy app whose smoke command passes: outputs, summary, JUnit."""
    files = tmp_path / "runner"
    files.mkdir()
    job = run_action(_workspace(tmp_path), files, tag, working_directory="app",
                     then='curl -fsS "$BASE_URL/health_check"', uptime="0")
    assert job.code == 0, job.out
    assert job.outputs() == {"exit-code": "0", "passed": "true", "junit": "release-check.xml",
                             "report": "release-check.json"}
    assert "### release-check: ✅ **PASSED**" in job.summary()
    assert "| then: curl" in job.summary()
    junit = tmp_path / "repo" / "app" / "release-check.xml"
    assert [suite.name for suite in JUnitXml.fromfile(str(junit))] == ["release-check"]


def test_a_failing_smoke_command_fails_the_step_with_an_annotation(tmp_path: Path,
                                                                   tag: str) -> None:
    """A smoke command exiting 1 fails the step: exit 1, passed=false, an ::error annotation."""
    files = tmp_path / "runner"
    files.mkdir()
    job = run_action(_workspace(tmp_path), files, tag, working_directory="app",
                     then=shlex.join(["sh", "-c", "echo form broken; exit 1"]), uptime="0")
    assert job.code == 1, job.out
    assert job.outputs()["passed"] == "false"
    assert job.outputs()["exit-code"] == "1"
    assert "::error title=release-check::`sh -c" in job.out
    assert "❌ **FAILED**" in job.summary()


def test_every_input_names_a_setting_that_exists() -> None:
    """Each RELEASE_CHECK_* variable the action sets is a real setting of release-check."""
    from release_check.config import SETTINGS  # noqa: PLC0415

    known = {setting.env for setting in SETTINGS}
    step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "check")
    assert set(step["env"]) <= known
    assert all(isinstance(spec.get("description"), str) for spec in ACTION["inputs"].values())
