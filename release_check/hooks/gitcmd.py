"""Running git for the hook: its output, or a UsageError carrying git's own last words."""

from __future__ import annotations

import subprocess
from pathlib import Path

from release_check.errors import UsageError


def run(cwd: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    """``git ARGS`` in ``cwd``, whatever its exit code; UsageError when git is not installed.

    Standard input is never git's: in the hook it holds the refs being pushed. Output that is
    not UTF-8 (a file name) decodes as os.fsdecode does, so it names the same file again.
    """
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, encoding="utf-8",
                              errors="surrogateescape", stdin=subprocess.DEVNULL, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed (or not on PATH)") from None


def output(cwd: Path | None, *args: str) -> str:
    """The standard output of ``git ARGS``; UsageError, with git's reason, when it fails."""
    done = run(cwd, *args)
    if done.returncode != 0:
        raise UsageError(f"git {args[0]} failed: {last_words(done)}")
    return done.stdout


def last_words(done: subprocess.CompletedProcess[str]) -> str:
    """The last line of git's complaint, without its ``fatal:`` prefix."""
    lines = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
    return lines[0].removeprefix("fatal: ")


def work_tree_root(cwd: Path | None = None) -> Path:
    """The root of the work tree around ``cwd``; UsageError outside one."""
    done = run(cwd, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise UsageError(f"not in a git work tree: {last_words(done)}")
    return Path(done.stdout.rstrip("\n"))


def common_dir(root: Path) -> Path:
    """The git directory that the work tree at ``root`` shares with its linked worktrees."""
    shown = output(root, "rev-parse", "--path-format=absolute", "--git-common-dir")
    return Path(shown.rstrip("\n"))
