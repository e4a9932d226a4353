"""The pre-push hook checks what is pushed: real git, a bare remote, real pushes.

What the commit holds, whatever the working folder or git's settings say: hidden changes,
submodules, platform files; what a killed hook leaves; where the app's tools are found.
"""

from __future__ import annotations

import contextlib
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tests import platform_examples as ex
from tests.conftest import APPS, RunCheck, app_command
from tests.gitrepo import (
    Repo,
    assert_no_worktree_left,
    install,
    make_repo,
    output,
    refused_in_worktree,
    start_slow_push,
    wait_for_app,
)

# An app whose module ``helper`` must be in the commit: without it, it cannot start.
NEEDS_HELPER = f"""import runpy, sys
import helper
sys.argv = [{str(APPS / "fixture_app.py")!r}]
runpy.run_path(sys.argv[0], run_name="__main__")
"""
RUN_APP = f"{shlex.quote(sys.executable)} app.py"


@pytest.fixture
def repo(tmp_path: Path, tag: str) -> Repo:
    """A repository whose Procfile boots the healthy fixture app, with a bare origin."""
    return make_repo(tmp_path, tag, app_command(), {})


def hide_untracked(repo: Repo, helper: Path) -> None:
    """status.showUntrackedFiles=no: the untracked helper is not shown by git status."""
    repo.git("config", "status.showUntrackedFiles", "no")


def skip_worktree(repo: Repo, helper: Path) -> None:
    """The helper is tracked, deleted in the commit, but kept in the folder as skip-worktree."""
    _tracked_then_hidden(repo, helper, "--skip-worktree")


def assume_unchanged(repo: Repo, helper: Path) -> None:
    """The helper is tracked, emptied in the commit, but kept in the folder as assume-unchanged."""
    _tracked_then_hidden(repo, helper, "--assume-unchanged")


def _tracked_then_hidden(repo: Repo, helper: Path, mark: str) -> None:
    """Commit the helper, then commit it broken while the folder keeps the good one, marked."""
    repo.commit("the helper")
    good = helper.read_text()
    helper.write_text("raise ImportError('helper is broken in the commit')\n")
    repo.commit("break the helper")
    helper.write_text(good)
    assert repo.git("update-index", mark, "helper.py").returncode == 0


@pytest.mark.parametrize("hide", [hide_untracked, skip_worktree, assume_unchanged])
def test_a_working_folder_that_only_looks_clean_is_not_checked_in_place(
    repo: Repo, release_check: RunCheck, hide: Callable[[Repo, Path], None]
) -> None:
    """Hidden untracked, skip-worktree or assume-unchanged files send the check to a worktree."""
    (repo.path / "app.py").write_text(NEEDS_HELPER)
    repo.commit_procfile(RUN_APP, "an app that needs its helper")
    helper = repo.path / "helper.py"
    helper.write_text("VALUE = 1\n")
    hide(repo, helper)
    assert repo.git("status", "--porcelain").stdout == ""  # what git shows the user
    install(release_check, repo)

    assert "helper" in refused_in_worktree(repo)


def test_a_project_with_only_a_platform_file_is_checked(
    repo: Repo, release_check: RunCheck
) -> None:
    """fly.toml and no Procfile: the hook checks the push as release-check would, and refuses it."""
    repo.git("rm", "-q", "Procfile")
    # The app exits before it would bind: the port is never used.
    fly = ex.FLY.format(command=ex.quoted(app_command("--exit", "3")), port=8080)
    (repo.path / "fly.toml").write_text(fly)
    repo.commit("a Fly app that crashes")
    installed = install(release_check, repo)
    assert "pushes pass unchecked" not in installed

    refused = repo.push()
    shown = output(refused)
    assert refused.returncode != 0, shown
    assert "command from fly.toml [processes] app" in shown
    assert "web exited with code 3" in shown
    assert repo.remote_head() == ""


def hook_process(push: subprocess.Popen[str], pid_dir: Path) -> psutil.Process:
    """The running `release-check pre-push` under the push, once its check's app has started."""
    wait_for_app(push, pid_dir)
    for child in psutil.Process(push.pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "pre-push" in child.cmdline():
                return child
    raise AssertionError("no release-check pre-push process under the push")


def test_what_a_killed_hook_left_is_removed_by_the_next_push(
    repo: Repo, release_check: RunCheck, tmp_path: Path
) -> None:
    """SIGKILL mid-check leaves a worktree; the next push removes it, and nothing it didn't make."""
    pid_dir = tmp_path / "pids"
    push = start_slow_push(repo, release_check, pid_dir)
    try:
        hook = hook_process(push, pid_dir)
        check = hook.children()
        hook.kill()
        assert push.wait(timeout=60) != 0
        for process in check:  # it outlives the hook: stop it, and so its app, as Ctrl-C would
            process.send_signal(signal.SIGINT)
        psutil.wait_procs(check, timeout=60)
    finally:
        push.kill()
        push.communicate()
    left = repo.worktrees()
    assert len(left) == 2, left
    mine = repo.scratch / "release-check-mine" / "worktree" / "app"  # a user's, named like ours
    assert repo.git("worktree", "add", "-q", "--detach", str(mine)).returncode == 0

    pushed = repo.push(env={"RELEASE_CHECK_WEB_COMMAND": app_command()})
    shown = output(pushed)
    assert pushed.returncode == 0, shown
    scratch = Path(left[1]).parent.parent
    assert f"removed {scratch}, left by an earlier check that was killed" in shown
    assert repo.worktrees() == [str(repo.path), str(mine)]
    assert [p.name for p in repo.scratch.iterdir()] == ["release-check-mine"]


@pytest.mark.parametrize("venv", ["venv", "env"])
def test_tools_of_a_venv_or_env_virtualenv_are_found(
    repo: Repo, release_check: RunCheck, venv: str
) -> None:
    """A Procfile command in the project's venv/bin or env/bin (a virtualenv there) is found."""
    (repo.path / venv / "pyvenv.cfg").parent.mkdir()
    (repo.path / venv / "pyvenv.cfg").write_text(f"home = {Path(sys.executable).parent}\n")
    tool = repo.path / venv / "bin" / "serve-app"
    tool.parent.mkdir()
    tool.write_text(f"#!/bin/sh\nexec {app_command()}\n")
    tool.chmod(0o755)
    (repo.path / ".gitignore").write_text(f"{venv}/\n")
    repo.commit_procfile("serve-app", "the app's own tool")
    install(release_check, repo)

    pushed = repo.push()
    assert pushed.returncode == 0, output(pushed)
    assert "release-check: PASSED" in output(pushed)


def test_a_command_not_found_names_the_folders_put_on_path_and_the_fix(
    repo: Repo, release_check: RunCheck
) -> None:
    """Exit 127 in the hook: the refusal names the folders put first on PATH, and the fix."""
    repo.commit_procfile("no-such-server-xyz --port $PORT", "a server that is not installed")
    install(release_check, repo)

    refused = repo.push()
    shown = output(refused)
    assert refused.returncode != 0, shown
    assert "web exited with code 127" in shown
    assert ("exit 127 means a command was not found: the check put these folders first on PATH:"
            f" {Path(sys.executable).parent}. Install the app's tools into the project's .venv"
            " (or a venv/ or env/ virtualenv), or into the Python running release-check") in shown


NEEDS_SUBMODULES = f"""import runpy, sys
sys.path[:0] = ["vendor/lib", "vendor/lib/inner"]
import libmod, innermod
sys.argv = [{str(APPS / "fixture_app.py")!r}]
runpy.run_path(sys.argv[0], run_name="__main__")
"""
FILE_URLS = ("-c", "protocol.file.allow=always")  # git refuses file:// submodules by default


def library(repo: Repo, folder: Path, module: str) -> Path:
    """A repository at ``folder`` with one commit holding ``module``.py."""
    assert repo.git("init", "-q", str(folder)).returncode == 0
    (folder / f"{module}.py").write_text("VALUE = 1\n")
    repo.commit_in(folder, module)
    return folder


def submodule(repo: Repo, inside: Path, source: Path, path: str) -> None:
    """Add ``source`` as a submodule of the repository at ``inside``, and commit it."""
    added = repo.git(*FILE_URLS, "submodule", "add", "-q", str(source), path, cwd=inside)
    assert added.returncode == 0, added.stderr
    repo.commit_in(inside, f"submodule {path}")


def test_submodules_are_checked_out_from_the_local_store(
    repo: Repo, release_check: RunCheck, tmp_path: Path
) -> None:
    """An app importing from nested submodules passes in a worktree, their URLs gone."""
    outer = library(repo, tmp_path / "lib", "libmod")
    submodule(repo, outer, library(repo, tmp_path / "inner", "innermod"), "inner")
    submodule(repo, repo.path, outer, "vendor/lib")
    fetched = repo.git(*FILE_URLS, "submodule", "update", "--init", "--recursive")
    assert fetched.returncode == 0, fetched.stderr
    (repo.path / "app.py").write_text(NEEDS_SUBMODULES)
    repo.commit_procfile(RUN_APP, "an app that imports from its submodules")
    shutil.rmtree(tmp_path / "lib")  # fetching from the URLs would fail now
    shutil.rmtree(tmp_path / "inner")
    (repo.path / "notes.txt").write_text("uncommitted\n")  # dirty: checked in a worktree
    install(release_check, repo)

    pushed = repo.push()
    shown = output(pushed)
    assert pushed.returncode == 0, shown
    assert f"submodules checked out from {repo.path}: vendor/lib, vendor/lib/inner" in shown
    assert "release-check: PASSED" in shown
    assert_no_worktree_left(repo)


def test_a_submodule_never_fetched_here_is_left_empty_with_a_warning(
    repo: Repo, release_check: RunCheck, tmp_path: Path
) -> None:
    """A clone that never fetched its submodule: the worktree's copy is empty, and it says why."""
    submodule(repo, repo.path, library(repo, tmp_path / "lib", "libmod"), "vendor/lib")
    assert repo.push("--no-verify").returncode == 0
    clone = Repo(tmp_path / "clone", repo.env, repo.scratch)
    cloned = repo.git("clone", "-q", "-b", "main", str(tmp_path / "remote.git"), str(clone.path))
    assert cloned.returncode == 0, cloned.stderr
    clone.commit_procfile(app_command(), "a change")
    (clone.path / "notes.txt").write_text("uncommitted\n")  # dirty: checked in a worktree
    install(release_check, clone)

    pushed = clone.push()
    shown = output(pushed)
    assert pushed.returncode == 0, shown
    assert (f"warning: submodules never fetched in {clone.path}, left empty: vendor/lib"
            " (git submodule update --init fetches them)") in shown
