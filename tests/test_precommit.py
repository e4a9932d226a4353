"""The pre-commit framework's hook: the manifest, and the real pre-commit tool on real pushes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pre_commit.clientlib import load_manifest  # type: ignore[import-untyped]  # no hints

from tests.conftest import REPO, app_command
from tests.gitrepo import Repo, make_repo

MANIFEST = REPO / ".pre-commit-hooks.yaml"
CONFIG = """repos:
  - repo: {repo}
    rev: {rev}
    hooks:
      - id: release-check
"""


def test_manifest_declares_an_always_run_pre_push_hook() -> None:
    """pre-commit reads one release-check hook: pre-push stage, no file names, always run."""
    hooks: list[dict[str, Any]] = load_manifest(str(MANIFEST))
    assert [hook["id"] for hook in hooks] == ["release-check"]
    hook = hooks[0]
    assert hook["stages"] == ["pre-push"]
    assert hook["pass_filenames"] is False
    assert hook["always_run"] is True
    assert hook["entry"] == "release-check pre-push --"  # the hook's args follow the --
    assert hook["language"] == "python"


def hook_source(root: Path, app: Repo) -> tuple[Path, str]:
    """A repository holding this work tree as it is (tracked and new files); path and commit.

    pre-commit installs hooks from a commit, so uncommitted work is snapshotted here first.
    """
    source = root / "hook-source"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, env=app.env, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        if (REPO / name).is_file():  # a tracked file may be deleted in the work tree
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        assert app.git(*args, cwd=source).returncode == 0
    return source, app.git("rev-parse", "HEAD", cwd=source).stdout.strip()


@pytest.mark.slow
def test_pre_commit_checks_every_push(tmp_path: Path, tag: str) -> None:
    """Real pre-commit: the pushed commit is checked, not the working folder, on every push."""
    app = make_repo(tmp_path, tag, app_command(), {"PRE_COMMIT_HOME": str(tmp_path / "cache")})
    source, rev = hook_source(tmp_path, app)
    (app.path / ".pre-commit-config.yaml").write_text(CONFIG.format(repo=source, rev=rev))
    app.commit_procfile(app_command(), "use pre-commit")
    subprocess.run([sys.executable, "-m", "pre_commit", "install", "--hook-type", "pre-push"],
                   cwd=app.path, env=app.env, check=True, capture_output=True, timeout=60)

    accepted = app.push()  # the first push, with the root commit: no PRE_COMMIT_TO_REF
    shown = accepted.stdout + accepted.stderr
    assert accepted.returncode == 0, shown
    assert "release-check" in shown
    assert "Passed" in shown

    app.git("switch", "-q", "-c", "feature")
    app.commit_procfile(app_command("--exit", "3"), "broken feature")
    app.git("switch", "-q", "main")
    other_branch = app.push("feature")  # PRE_COMMIT_TO_REF is feature's commit, not HEAD
    shown = other_branch.stdout + other_branch.stderr
    assert other_branch.returncode != 0, shown
    assert (f"checking {app.short('feature')} (feature -> origin/feature) in a temporary"
            " worktree") in shown
    assert "release-check: FAILED: web exited with code 3" in shown

    app.commit_procfile(app_command("--exit", "3"), "broken")
    (app.path / "Procfile").write_text(f"web: {app_command()}\n")  # fixed, not committed
    dirty = app.push()  # pre-commit stashes the fix, so the folder is the commit again
    shown = dirty.stdout + dirty.stderr
    assert dirty.returncode != 0, shown
    assert "release-check: FAILED: web exited with code 3" in shown

    app.git("checkout", "Procfile")
    assert app.push("--no-verify").returncode == 0
    app.git("commit", "-q", "--allow-empty", "-m", "no files changed")
    refused = app.push()
    shown = refused.stdout + refused.stderr
    assert refused.returncode != 0, shown
    assert "release-check: FAILED: web exited with code 3" in shown
