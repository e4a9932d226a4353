"""The pre-push hook, end to end: real git, a bare remote, real pushes; and its pure parts."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from release_check.errors import UsageError
from release_check.hooks import MARKER, hook_script
from release_check.hooks.checkenv import search_path
from release_check.hooks.pushes import Push, from_pre_commit, parse_lines, remote_name
from tests.conftest import APPS, RunCheck, app_command
from tests.gitrepo import (
    GIT_ENV,
    Repo,
    assert_no_worktree_left,
    install,
    make_repo,
    output,
    refused_in_worktree,
    start_slow_push,
    wait_for_app,
)

FOREIGN_HOOK = "#!/bin/sh\necho 'the team hook'\n"
ZERO = "0" * 40
BROKEN_APP = """import runpy, sys
import missing_dependency_xyz
sys.argv = [{app!r}]
runpy.run_path({app!r}, run_name="__main__")
"""


@pytest.fixture
def repo(tmp_path: Path, tag: str) -> Repo:
    """A repository whose Procfile boots the healthy fixture app, with a bare origin."""
    return make_repo(tmp_path, tag, app_command(), {})


# The check, on real pushes


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


def test_a_fix_left_uncommitted_does_not_hide_a_broken_commit(
    repo: Repo, release_check: RunCheck
) -> None:
    """The pushed commit is checked, in a temporary worktree, not the dirty working folder."""
    install(release_check, repo)
    app = repo.path / "app.py"
    app.write_text(BROKEN_APP.format(app=str(APPS / "fixture_app.py")))
    repo.commit_procfile(f"{shlex.quote(sys.executable)} app.py", "import a missing module")
    app.write_text(app.read_text().replace("import missing_dependency_xyz\n", ""))

    shown = refused_in_worktree(repo)
    assert "ModuleNotFoundError: No module named 'missing_dependency_xyz'" in shown
    assert (f"FAILED: push of {repo.short()} (main -> origin/main) refused: web exited with"
            " code 1") in shown
    assert "'git push --no-verify' skips the check" in shown


def test_a_clean_working_folder_at_the_pushed_commit_is_checked_in_place(
    repo: Repo, release_check: RunCheck
) -> None:
    """Nothing changed and HEAD pushed: the working folder itself is checked, and says so."""
    install(release_check, repo)
    accepted = repo.push()
    assert accepted.returncode == 0, output(accepted)
    assert (f"checking {repo.short()} (main -> origin/main) in the working folder {repo.path}"
            " (clean, at HEAD)") in output(accepted)


def test_a_branch_that_is_not_checked_out_is_checked_when_pushed(
    repo: Repo, release_check: RunCheck
) -> None:
    """`git push origin feature` from main checks feature's commit, and refuses it."""
    install(release_check, repo)
    repo.git("switch", "-q", "-c", "feature")
    repo.commit_procfile(app_command("--exit", "3"), "broken feature")
    repo.git("switch", "-q", "main")

    refused = repo.push("feature")
    shown = output(refused)
    assert refused.returncode != 0, shown
    assert f"checking {repo.short('feature')} (feature -> origin/feature)" in shown
    assert "web exited with code 3" in shown
    assert repo.remote_head("feature") == ""

    accepted = repo.push("main")
    assert accepted.returncode == 0, output(accepted)
    assert_no_worktree_left(repo)


def test_a_deletion_is_not_checked(repo: Repo, release_check: RunCheck) -> None:
    """Deleting a remote branch boots nothing, even when every commit around is broken."""
    repo.commit_procfile(app_command("--exit", "3"), "broken")
    assert repo.push("--no-verify", "main:feature").returncode == 0
    install(release_check, repo)

    deleted = repo.push(":feature")
    shown = output(deleted)
    assert deleted.returncode == 0, shown
    assert "release-check: deleting origin/feature: nothing to check" in shown
    assert "checking" not in shown
    assert repo.remote_head("feature") == ""


def test_two_refs_at_one_commit_are_checked_once(repo: Repo, release_check: RunCheck) -> None:
    """A commit pushed under two names boots once; the second ref says it was already checked."""
    install(release_check, repo)
    pushed = repo.push("main", "main:copy")
    shown = output(pushed)
    assert pushed.returncode == 0, shown
    assert shown.count("release-check: PASSED") == 1
    assert f"{repo.short()} (main -> origin/copy): already checked in this push" in shown
    assert repo.remote_head("copy") == repo.head()


def test_an_annotated_tag_is_checked_at_its_commit(repo: Repo, release_check: RunCheck) -> None:
    """A pushed annotated tag is peeled to the commit it tags, which is checked."""
    install(release_check, repo)
    repo.git("tag", "-a", "v1", "-m", "release 1")
    pushed = repo.push("v1")
    assert pushed.returncode == 0, output(pushed)
    assert f"checking {repo.short()} (v1 -> origin/v1)" in output(pushed)


def test_an_interrupted_push_leaves_no_worktree_and_no_app(
    repo: Repo, release_check: RunCheck, tmp_path: Path
) -> None:
    """Ctrl-C while a commit is checked in a worktree: the push fails, the worktree is gone."""
    pid_dir = tmp_path / "pids"
    push = start_slow_push(repo, release_check, pid_dir, session=True)
    try:
        wait_for_app(push, pid_dir)
        os.killpg(push.pid, signal.SIGINT)
        shown, _ = push.communicate(timeout=60)
    finally:
        push.kill()
        push.wait()
    assert push.returncode != 0, shown
    assert "interrupted by SIGINT" in shown
    assert repo.remote_head() == ""
    assert_no_worktree_left(repo)


def test_no_verify_pushes_without_running_the_check(repo: Repo, release_check: RunCheck) -> None:
    """`git push --no-verify` bypasses the hook, as docs/local.md says."""
    install(release_check, repo)
    repo.commit_procfile(app_command("--exit", "3"), "broken")
    pushed = repo.push("--no-verify")
    assert pushed.returncode == 0, output(pushed)
    assert "release-check" not in output(pushed)
    assert repo.remote_head() == repo.head()


# Files that are not in the commit


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


def test_ignored_files_are_linked_into_the_worktree_and_survive_it(
    repo: Repo, release_check: RunCheck
) -> None:
    """Ignored built assets are linked in, untracked files are not; an env file is the user's."""
    boots = (f"test -f static/dist/app.js && test ! -e dev.env &&"
             f" exec {app_command('--body-env', 'HEALTH_BODY')}")
    (repo.path / ".gitignore").write_text("static/dist/\n")
    repo.commit_procfile(boots, "needs its assets and a variable")
    asset = repo.path / "static" / "dist" / "app.js"
    asset.parent.mkdir(parents=True)
    asset.write_text("built\n")
    env_file = repo.path / "dev.env"
    env_file.write_text("HEALTH_BODY=OKAY\n")  # untracked, not ignored: the folder is dirty
    install(release_check, repo)

    pushed = repo.push(env={"RELEASE_CHECK_ENV_FILE": "dev.env"})
    shown = output(pushed)
    assert pushed.returncode == 0, shown
    assert "in a temporary worktree" in shown
    assert f"ignored files linked in from {repo.path}: static/" in shown
    assert (asset.read_text(), env_file.read_text()) == ("built\n", "HEALTH_BODY=OKAY\n")
    assert_no_worktree_left(repo)


# The app's tools on PATH


def test_gunicorn_is_found_without_an_activated_virtualenv(
    repo: Repo, release_check: RunCheck
) -> None:
    """From a shell whose PATH lacks the venv, `web: gunicorn ...` runs the venv's gunicorn."""
    bare_path = "/usr/bin:/bin"
    assert shutil.which("gunicorn", path=bare_path) is None, "the test needs gunicorn off PATH"
    shutil.copy(APPS / "wsgi_app.py", repo.path / "wsgi_app.py")
    repo.commit_procfile("gunicorn --bind 0.0.0.0:$PORT --workers 1 wsgi_app:application",
                         "a gunicorn app")
    install(release_check, repo)

    pushed = repo.push(env={"PATH": bare_path})
    assert pushed.returncode == 0, output(pushed)
    assert "release-check: PASSED GET /health_check -> 200" in output(pushed)


def test_tools_of_the_projects_dot_venv_are_found(repo: Repo, release_check: RunCheck) -> None:
    """A Procfile command living in the project's .venv/bin (uv, Poetry in-project) is found."""
    tool = repo.path / ".venv" / "bin" / "serve-app"
    tool.parent.mkdir(parents=True)
    tool.write_text(f"#!/bin/sh\nexec {app_command()}\n")
    tool.chmod(0o755)
    (repo.path / ".gitignore").write_text(".venv/\n")
    repo.commit_procfile("serve-app", "the app's own tool")
    install(release_check, repo)

    pushed = repo.push()
    assert pushed.returncode == 0, output(pushed)
    assert "release-check: PASSED" in output(pushed)


def test_hook_falls_back_to_release_check_on_path(repo: Repo) -> None:
    """When the recorded interpreter is gone, the hook runs the release-check found on PATH."""
    hook = repo.path / ".git" / "hooks" / "pre-push"
    hook.write_text(hook_script("/gone/venv/bin/python"))
    hook.chmod(0o755)
    entry_point_dir = str(Path(sys.executable).parent)  # where pip put release-check
    pushed = repo.push(env={"PATH": os.pathsep.join([entry_point_dir, "/usr/bin:/bin"])})
    assert pushed.returncode == 0, output(pushed)
    assert "release-check: PASSED" in output(pushed)


# Where the hook goes


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


def test_install_honours_a_core_hooks_path_of_the_repository(
    repo: Repo, release_check: RunCheck
) -> None:
    """With core.hooksPath set in the repository's config, the hook goes there."""
    repo.git("config", "core.hooksPath", ".githooks")
    install(release_check, repo)
    assert MARKER in (repo.path / ".githooks" / "pre-push").read_text()
    assert not (repo.path / ".git" / "hooks" / "pre-push").exists()


def global_hooks_path(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A HOME and a global git config of its own, setting core.hooksPath; the env and the path."""
    home = tmp_path / "home"
    home.mkdir()
    shared = home / ".githooks"
    config = home / ".gitconfig"
    config.write_text(f"[core]\n\thooksPath = {shared}\n")
    return {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(config)}, shared


def test_a_global_core_hooks_path_is_refused(
    tmp_path: Path, tag: str, release_check: RunCheck
) -> None:
    """A core.hooksPath from the global config is refused (exit 2), with the way out; no write."""
    home_env, shared = global_hooks_path(tmp_path)
    repo = make_repo(tmp_path / "project", tag, app_command(), home_env)
    refused = release_check("install-hook", env=repo.env, cwd=repo.path)
    assert refused.code == 2
    assert f"core.hooksPath is set to {shared} by your global git config" in refused.err
    assert "--global-hooks-path" in refused.err
    assert not shared.exists()
    assert not (repo.path / ".git" / "hooks" / "pre-push").exists()


def test_a_hook_installed_globally_on_purpose_lets_repositories_without_a_procfile_push(
    tmp_path: Path, tag: str, release_check: RunCheck
) -> None:
    """--global-hooks-path installs there; a repository without a Procfile then pushes, noted."""
    home_env, shared = global_hooks_path(tmp_path)
    project = make_repo(tmp_path / "project", tag, app_command("--exit", "3"), home_env)
    assert f"at {shared}/pre-push" in install(release_check, project, "--global-hooks-path")
    assert "web exited with code 3" in output(project.push())

    other = make_repo(tmp_path / "other", tag, app_command(), home_env)
    other.git("rm", "-q", "Procfile")
    other.commit("no Procfile")
    pushed = other.push()
    assert pushed.returncode == 0, output(pushed)
    assert (f"note: {other.short()} (main -> origin/main) has no Procfile (nor a platform file"
            " or release-check settings): pushed unchecked") in output(pushed)


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


def test_install_outside_a_repository_is_a_usage_error(
    tmp_path: Path, release_check: RunCheck
) -> None:
    """Outside a git work tree install-hook explains why and exits 2."""
    result = release_check("install-hook", env=GIT_ENV, cwd=tmp_path)
    assert result.code == 2
    assert "not in a git work tree" in result.err


def test_install_notes_that_a_repository_without_procfile_pushes_unchecked(
    repo: Repo, release_check: RunCheck
) -> None:
    """A repository without a root Procfile gets the hook and a warning that pushes go unchecked."""
    repo.git("rm", "-q", "Procfile")
    out = install(release_check, repo)
    assert "warning: no Procfile at" in out
    assert "pushes pass unchecked" in out
    assert shlex.quote(sys.executable) in (repo.path / ".git/hooks/pre-push").read_text()


# pre-commit's variables, and what `release-check pre-push` reads


def pre_commit_env(repo: Repo, to_ref: str) -> dict[str, str]:
    """The variables pre-commit sets for its pre-push stage, pushing main to origin."""
    return {**repo.env, "PRE_COMMIT": "1", "PRE_COMMIT_FROM_REF": ZERO,
            "PRE_COMMIT_TO_REF": to_ref, "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main",
            "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main", "PRE_COMMIT_REMOTE_NAME": "origin",
            "PRE_COMMIT_REMOTE_URL": str(repo.path.parent / "remote.git")}


def test_under_pre_commit_the_to_ref_is_checked(repo: Repo, release_check: RunCheck) -> None:
    """PRE_COMMIT_TO_REF names the commit checked; the healthy working folder does not count."""
    repo.commit_procfile(app_command("--exit", "3"), "broken")
    (repo.path / "Procfile").write_text(f"web: {app_command()}\n")
    refused = release_check("pre-push", "--", env=pre_commit_env(repo, repo.head()),
                            cwd=repo.path)
    assert refused.code == 1, refused.out + refused.err
    assert f"checking {repo.short()} (main -> origin/main) in a temporary worktree" in refused.out
    assert f"FAILED: push of {repo.short()} (main -> origin/main) refused" in refused.out
    assert_no_worktree_left(repo)


def test_under_pre_commit_without_a_ref_the_working_folder_is_checked(
    repo: Repo, release_check: RunCheck
) -> None:
    """A manual `pre-commit run` names no commit: the working folder is checked as it is."""
    repo.commit_procfile(app_command("--exit", "3"), "broken")
    (repo.path / "Procfile").write_text(f"web: {app_command()}\n")
    env = {**repo.env, "PRE_COMMIT": "1"}
    passed = release_check("pre-push", "--", "--expected-body", "OKAY", env=env, cwd=repo.path)
    assert passed.code == 0, passed.out + passed.err
    assert f"checking the working folder {repo.path} as it is" in passed.out


def test_pre_push_refuses_a_line_that_is_not_gits(repo: Repo) -> None:
    """Standard input that is not git's pre-push lines is a usage error (exit 2), quoted."""
    done = subprocess.run([sys.executable, "-m", "release_check", "pre-push", "origin"],
                          input="main\n", cwd=repo.path, env=repo.env, capture_output=True,
                          text=True, check=False, timeout=60)
    assert done.returncode == 2
    assert "line 1 of standard input is not git's pre-push line" in done.stderr


def test_pre_push_lines_are_parsed_as_git_writes_them() -> None:
    """Each line is a push; a deletion has an all-zero local sha; blank lines are skipped."""
    sha = "3f2a1c9" + "0" * 33
    pushes = parse_lines(f"refs/heads/main {sha} refs/heads/main {ZERO}\n\n"
                         f"(delete) {ZERO} refs/heads/old {sha}\n", "origin")
    assert pushes == [Push("refs/heads/main", sha, "refs/heads/main", "origin"),
                      Push("(delete)", ZERO, "refs/heads/old", "origin")]
    assert [(p.deletes, p.label) for p in pushes] == [(False, "main -> origin/main"),
                                                      (True, "(delete) -> origin/old")]
    with pytest.raises(UsageError, match="line 1"):
        parse_lines(f"main {sha}\n", "origin")


def test_a_push_to_a_url_names_no_remote() -> None:
    """A push to a bare URL (git passes it as the name too) is labelled without a remote."""
    assert remote_name("../remote.git", "../remote.git") == ""
    assert remote_name("origin", "git@example.invalid:app.git") == "origin"
    assert Push("refs/tags/v1", ZERO, "refs/tags/v1").label == "v1 -> v1"


def test_pre_commit_without_to_ref_falls_back_to_the_local_branch() -> None:
    """On a push including the root commit pre-commit sets only the local branch: it is used."""
    env = {"PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main", "PRE_COMMIT_REMOTE_NAME": "origin",
           "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main", "PRE_COMMIT_REMOTE_URL": "u"}
    assert from_pre_commit(env) == [Push("refs/heads/main", "refs/heads/main",
                                         "refs/heads/main", "origin")]
    assert from_pre_commit({}) is None


def test_tool_folders_go_first_on_path_once_each() -> None:
    """The given folders lead PATH in order; a later copy of them is dropped; empty stays empty."""
    assert search_path("/usr/bin:/a:/bin", [Path("/a"), Path("/b")]) == "/a:/b:/usr/bin:/bin"
    assert search_path("", [Path("/a")]) == "/a"
