"""Throwaway git repositories for the hook tests: a work tree with a Procfile, a bare remote."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import RunCheck, app_command, clean_env, pids_in

# Commits need an identity; the user's own configuration (a global core.hooksPath, signing)
# must not leak into the tests.
GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_AUTHOR_NAME": "release-check tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "release-check tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
}


@dataclass(frozen=True)
class Repo:
    """A work tree whose ``origin`` is a bare repository beside it; TMPDIR is ``scratch``."""

    path: Path
    env: dict[str, str]
    scratch: Path

    def git(self, *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
        """Run git in the work tree (or ``cwd``); never raises on a non-zero exit."""
        return subprocess.run(["git", *args], cwd=cwd or self.path, env={**self.env, **(env or {})},
                              capture_output=True, text=True, check=False, timeout=300)

    def commit_procfile(self, web_command: str, message: str) -> None:
        """Commit a Procfile whose ``web`` entry is ``web_command``, with anything else changed."""
        (self.path / "Procfile").write_text(f"web: {web_command}\n")
        self.commit(message)

    def commit(self, message: str) -> None:
        """Commit everything changed in the work tree (untracked files too, unless ignored)."""
        self.commit_in(self.path, message)

    def commit_in(self, folder: Path, message: str) -> None:
        """Commit everything changed in the repository at ``folder``, with this identity."""
        self.git("add", "-A", cwd=folder)
        assert self.git("commit", "-q", "--allow-empty", "-m", message, cwd=folder).returncode == 0

    def push(self, *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:
        """``git push FLAGS origin REFS`` (REFS: ``main`` unless named), the hook's output included.

        A ref starting with ``:`` deletes, so only ``-`` marks a flag.
        """
        flags = [arg for arg in args if arg.startswith("-")]
        refs = [arg for arg in args if not arg.startswith("-")] or ["main"]
        return self.git("push", *flags, "origin", *refs, cwd=cwd, env=env)

    def head(self, ref: str = "main") -> str:
        """The local commit of ``ref``."""
        return self.git("rev-parse", ref).stdout.strip()

    def short(self, ref: str = "main") -> str:
        """The abbreviated commit of ``ref``, as the hook prints it."""
        return self.git("rev-parse", "--short", ref).stdout.strip()

    def remote_head(self, branch: str = "main") -> str:
        """The remote's commit of ``branch``, or '' when it is not there."""
        return self.git("ls-remote", "origin", f"refs/heads/{branch}").stdout.split("\t")[0]

    def worktrees(self) -> list[str]:
        """Every worktree git knows of, the main one included."""
        listed = self.git("worktree", "list", "--porcelain").stdout.splitlines()
        return [line.removeprefix("worktree ") for line in listed if line.startswith("worktree ")]


def make_repo(root: Path, tag: str, web_command: str, extra_env: Mapping[str, str]) -> Repo:
    """A repository under ``root`` with one commit (its Procfile) and an empty bare remote."""
    remote, work, scratch = root / "remote.git", root / "app", root / "tmp"
    scratch.mkdir(parents=True)
    env = clean_env(tag, {**GIT_ENV, "TMPDIR": str(scratch), **extra_env})
    for args in (["init", "-q", "--bare", str(remote)], ["init", "-q", "-b", "main", str(work)]):
        subprocess.run(["git", *args], env=env, check=True, capture_output=True)
    repo = Repo(work, env, scratch)
    repo.git("remote", "add", "origin", str(remote))
    repo.commit_procfile(web_command, "initial")
    return repo


def output(done: subprocess.CompletedProcess[str]) -> str:
    """Everything git and the hook printed."""
    return done.stdout + done.stderr


def install(release_check: RunCheck, repo: Repo, *flags: str) -> str:
    """Run ``release-check install-hook`` in the repository; return its output."""
    result = release_check("install-hook", *flags, env=repo.env, cwd=repo.path)
    assert result.code == 0, result.out + result.err
    return result.out


def assert_no_worktree_left(repo: Repo) -> None:
    """Only the main worktree is known to git, and the scratch folder (TMPDIR) is empty."""
    assert repo.worktrees() == [str(repo.path)]
    assert list(repo.scratch.iterdir()) == []


def start_slow_push(repo: Repo, release_check: RunCheck, pid_dir: Path, session: bool = False
                    ) -> subprocess.Popen[str]:
    """Start `git push` of an app that takes 60 s to boot, checked in a worktree (dirty folder).

    ``session``: the push gets a process group of its own, as in a terminal.
    """
    repo.commit_procfile(app_command("--boot-delay", "60", "--pid-dir", str(pid_dir)), "slow")
    (repo.path / "notes.txt").write_text("uncommitted\n")
    install(release_check, repo)
    return subprocess.Popen(["git", "push", "origin", "main"], cwd=repo.path, env=repo.env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=session)


def wait_for_app(push: subprocess.Popen[str], pid_dir: Path) -> None:
    """Return once the app the push's check boots has started; fail when it never does."""
    deadline = time.monotonic() + 30
    while not pids_in(pid_dir) and time.monotonic() < deadline and push.poll() is None:
        time.sleep(0.05)
    assert pids_in(pid_dir), "the app never started"


def refused_in_worktree(repo: Repo) -> str:
    """Push main and see it refused after a check in a worktree that is gone; the output."""
    refused = repo.push()
    shown = output(refused)
    assert refused.returncode != 0, shown
    assert f"checking {repo.short()} (main -> origin/main) in a temporary worktree" in shown
    assert repo.remote_head() == ""
    assert_no_worktree_left(repo)
    return shown
