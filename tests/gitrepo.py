"""Throwaway git repositories for the hook tests: a work tree with a Procfile, a bare remote."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import clean_env

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
    """A work tree whose ``origin`` is a bare repository beside it."""

    path: Path
    env: dict[str, str]

    def git(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """Run git in the work tree (or ``cwd``); never raises on a non-zero exit."""
        return subprocess.run(["git", *args], cwd=cwd or self.path, env=self.env,
                              capture_output=True, text=True, check=False, timeout=300)

    def commit_procfile(self, web_command: str, message: str) -> None:
        """Commit a Procfile whose ``web`` entry is ``web_command``, with anything else changed."""
        (self.path / "Procfile").write_text(f"web: {web_command}\n")
        self.git("add", "-A")
        assert self.git("commit", "-q", "--allow-empty", "-m", message).returncode == 0

    def push(self, *flags: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """``git push origin main``, the hook's output included."""
        return self.git("push", *flags, "origin", "main", cwd=cwd)

    def head(self) -> str:
        """The local commit of main."""
        return self.git("rev-parse", "main").stdout.strip()

    def remote_head(self) -> str:
        """The remote's commit of main, or '' when nothing was ever pushed."""
        return self.git("ls-remote", "origin", "refs/heads/main").stdout.split("\t")[0]


def make_repo(root: Path, tag: str, web_command: str, extra_env: dict[str, str]) -> Repo:
    """A repository under ``root`` with one commit (its Procfile) and an empty bare remote."""
    remote, work = root / "remote.git", root / "app"
    env = clean_env(tag, {**GIT_ENV, **extra_env})
    for args in (["init", "-q", "--bare", str(remote)], ["init", "-q", "-b", "main", str(work)]):
        subprocess.run(["git", *args], env=env, check=True, capture_output=True)
    repo = Repo(work, env)
    repo.git("remote", "add", "origin", str(remote))
    repo.commit_procfile(web_command, "initial")
    return repo
