"""install-hook / uninstall-hook, end to end: real git, a bare remote, real pushes."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from release_check.hooks import MARKER, hook_script
from tests.conftest import RunCheck, app_command
from tests.gitrepo import GIT_ENV, Repo, make_repo

FOREIGN_HOOK = "#!/bin/sh\necho 'the team hook'\n"


@pytest.fixture
def repo(tmp_path: Path, tag: str) -> Repo:
    """A repository whose Procfile boots the healthy fixture app, with a bare origin."""
    return make_repo(tmp_path, tag, app_command(), {})


def output(done: subprocess.CompletedProcess[str]) -> str:
    """Everything git and the hook printed."""
    return done.stdout + done.stderr


def install(release_check: RunCheck, repo: Repo, *flags: str) -> str:
    """Run ``release-check install-hook`` in the repository; return its output."""
    result = release_check("install-hook", *flags, env=GIT_ENV, cwd=repo.path)
    assert result.code == 0, result.out + result.err
    return result.out


def test_push_is_refused_when_the_app_crashes_and_accepted_when_healthy(
    repo: Repo, release_check: RunCheck
) -> None:
    """The hook checks from the root, even when pushing from a subdirectory; a failure blocks it."""
    install(release_check, repo)
    subdir = repo.path / "src"
    subdir.mkdir()
    repo.commit_procfile(app_command("--exit", "3"), "broken")

    refused = repo.push(cwd=subdir)
    assert refused.returncode != 0
    assert "release-check: FAILED: web exited with code 3" in output(refused)
    assert "git push --no-verify" in output(refused)
    assert repo.remote_head() == ""

    repo.commit_procfile(app_command(), "healthy")
    accepted = repo.push(cwd=subdir)
    assert accepted.returncode == 0, output(accepted)
    assert "release-check: PASSED GET /health_check -> 200" in output(accepted)
    assert repo.remote_head() == repo.head()


def test_no_verify_pushes_without_running_the_check(repo: Repo, release_check: RunCheck) -> None:
    """`git push --no-verify` bypasses the hook, as docs/local.md says."""
    install(release_check, repo)
    repo.commit_procfile(app_command("--exit", "3"), "broken")
    pushed = repo.push("--no-verify")
    assert pushed.returncode == 0, output(pushed)
    assert "release-check" not in output(pushed)
    assert repo.remote_head() == repo.head()


def test_hook_passes_dot_env_only_when_the_file_exists(repo: Repo, release_check: RunCheck) -> None:
    """Without .env the app lacks its variable and the push is refused; with it, it passes."""
    needs_var = f'[ -n "$HEALTH_BODY" ] || exit 4; exec {app_command("--body-env", "HEALTH_BODY")}'
    repo.commit_procfile(needs_var, "needs a variable")
    install(release_check, repo)

    refused = repo.push()
    assert refused.returncode != 0
    assert "web exited with code 4" in output(refused)

    (repo.path / ".env").write_text("HEALTH_BODY=OKAY\n")
    accepted = repo.push()
    assert accepted.returncode == 0, output(accepted)
    assert repo.remote_head() == repo.head()


def test_install_is_idempotent(repo: Repo, release_check: RunCheck) -> None:
    """Installing twice leaves one identical, executable hook and says it was already there."""
    assert "installed the pre-push hook at .git/hooks/pre-push" in install(release_check, repo)
    hook = repo.path / ".git" / "hooks" / "pre-push"
    first = hook.read_text()
    assert "already installed" in install(release_check, repo)
    assert hook.read_text() == first
    assert MARKER in first
    assert os.access(hook, os.X_OK)


def test_install_updates_its_own_hook_written_for_another_python(
    repo: Repo, release_check: RunCheck
) -> None:
    """A hook of ours recording an older interpreter is rewritten without --force."""
    hook = repo.path / ".git" / "hooks" / "pre-push"
    hook.write_text(hook_script("/old/venv/bin/python"))
    assert "updated the pre-push hook" in install(release_check, repo)
    assert hook.read_text() == hook_script(sys.executable)


def test_install_honours_core_hooks_path(repo: Repo, release_check: RunCheck) -> None:
    """With core.hooksPath set, the hook goes there and not into .git/hooks."""
    repo.git("config", "core.hooksPath", ".githooks")
    install(release_check, repo)
    assert MARKER in (repo.path / ".githooks" / "pre-push").read_text()
    assert not (repo.path / ".git" / "hooks" / "pre-push").exists()


def test_foreign_hook_is_kept_unless_forced(repo: Repo, release_check: RunCheck) -> None:
    """A pre-push hook release-check did not write survives install (exit 2) until --force."""
    hook = repo.path / ".git" / "hooks" / "pre-push"
    hook.write_text(FOREIGN_HOOK)
    refused = release_check("install-hook", env=GIT_ENV, cwd=repo.path)
    assert refused.code == 2
    assert "was not written by release-check" in refused.err
    assert "--force" in refused.err
    assert hook.read_text() == FOREIGN_HOOK

    assert "replaced the pre-push hook" in install(release_check, repo, "--force")
    assert MARKER in hook.read_text()


def test_uninstall_removes_only_its_own_hook(repo: Repo, release_check: RunCheck) -> None:
    """uninstall-hook deletes our hook, reports a missing one, and refuses a foreign one."""
    install(release_check, repo)
    hook = repo.path / ".git" / "hooks" / "pre-push"
    removed = release_check("uninstall-hook", env=GIT_ENV, cwd=repo.path)
    assert (removed.code, hook.exists()) == (0, False)
    assert "removed the pre-push hook" in removed.out

    again = release_check("uninstall-hook", env=GIT_ENV, cwd=repo.path)
    assert again.code == 0
    assert "nothing to remove" in again.out

    hook.write_text(FOREIGN_HOOK)
    foreign = release_check("uninstall-hook", env=GIT_ENV, cwd=repo.path)
    assert foreign.code == 2
    assert "was not written by release-check" in foreign.err
    assert hook.read_text() == FOREIGN_HOOK


def test_hook_falls_back_to_release_check_on_path(repo: Repo) -> None:
    """When the recorded interpreter is gone, the hook runs the release-check found on PATH."""
    hook = repo.path / ".git" / "hooks" / "pre-push"
    hook.write_text(hook_script("/gone/venv/bin/python"))
    hook.chmod(0o755)
    entry_point_dir = str(Path(sys.executable).parent)  # where pip put release-check
    env = {**repo.env, "PATH": os.pathsep.join([entry_point_dir, repo.env.get("PATH", "")])}
    done = subprocess.run(["git", "push", "origin", "main"], cwd=repo.path, env=env,
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, output(done)
    assert "release-check: PASSED" in output(done)


def test_install_outside_a_repository_is_a_usage_error(
    tmp_path: Path, release_check: RunCheck
) -> None:
    """Outside a git work tree install-hook explains why and exits 2."""
    result = release_check("install-hook", env=GIT_ENV, cwd=tmp_path)
    assert result.code == 2
    assert "not in a git work tree" in result.err


def test_install_warns_when_the_root_has_no_procfile(repo: Repo, release_check: RunCheck) -> None:
    """A repository without a root Procfile gets the hook and a warning that pushes will fail."""
    repo.git("rm", "-q", "Procfile")
    out = install(release_check, repo)
    assert "warning: no Procfile at" in out
    assert shlex.quote(sys.executable) in (repo.path / ".git/hooks/pre-push").read_text()
