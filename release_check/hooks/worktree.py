"""A temporary, detached worktree of one commit, with the working folder's ignored files in it.

Tracked files come from the commit; files git ignores (``.env``, ``node_modules/``, built
assets, a local database) are never in any commit, so they are linked in from the working
folder, where the user keeps them. Untracked files that are not ignored are left out: the
remote will not get them either.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from release_check.errors import UsageError
from release_check.hooks import gitcmd
from release_check.hooks.leftovers import SCRATCH_PREFIX, abandoned, mark
from release_check.signals import HANDLED

# Bytecode caches are skipped: Python would write the commit's bytecode into the user's.
_NOT_LINKED = ("__pycache__",)
_BYTECODE = (".pyc", ".pyo")


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP wait until the block is done, then arrive as usual.

    A Ctrl-C then cannot cut a worktree's creation or removal in half.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def scratch_folder(repository: Path) -> Iterator[Path]:
    """A temporary folder (under TMPDIR), removed with all it holds on every way out.

    It is marked as this process's, checking ``repository``: if this process is killed, the
    next run removes it (see leftovers.py).
    """
    try:
        folder = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    except OSError as error:
        raise UsageError(f"cannot make a temporary folder: {error}") from None
    try:
        try:
            mark(folder, repository)
        except OSError as error:
            raise UsageError(f"cannot write in the temporary folder {folder}: {error}") from None
        yield folder
    finally:
        with held_signals():
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def temporary_worktree(root: Path, commit: str, path: Path) -> Iterator[Path]:
    """``commit`` checked out, detached, at ``path``; the worktree is removed on every way out."""
    try:
        with held_signals():
            # No hooks: a post-checkout hook of the user's has no business in a throwaway copy.
            added = gitcmd.run(root, "-c", "core.hooksPath=/dev/null", "worktree", "add",
                               "--detach", "--quiet", str(path), commit)
        if added.returncode != 0:
            raise UsageError(f"cannot check out {commit[:12]} in a temporary worktree:"
                             f" {gitcmd.last_words(added)}")
        yield path
    finally:
        with held_signals():
            _remove(root, path)


def remove_abandoned(root: Path, repository: Path) -> list[Path]:
    """Remove what killed runs left: their scratch folders, and this repository's worktrees.

    ``repository`` is the git directory shared by the work tree at ``root``; the folders
    removed are returned.
    """
    removed = []
    with held_signals():
        for folder, worktrees in abandoned(repository):
            for path in worktrees:
                _remove(root, path)
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _remove(root: Path, path: Path) -> None:
    """Remove the worktree and git's record of it, even when it was only half made."""
    removed = gitcmd.run(root, "worktree", "remove", "--force", "--force", str(path))
    if removed.returncode != 0:
        shutil.rmtree(path, ignore_errors=True)
        gitcmd.run(root, "worktree", "prune")


def link_ignored(root: Path, worktree: Path) -> list[str]:
    """Link the working folder's ignored files into ``worktree``; the names linked, in order."""
    listed = gitcmd.output(root, "ls-files", "-z", "--others", "--ignored", "--exclude-standard",
                           "--directory")
    linked = []
    for name in filter(None, listed.split("\0")):
        if _linkable(name) and _link(root / name, worktree / name.rstrip("/")):
            linked.append(name)
    return linked


def _linkable(name: str) -> bool:
    path = PurePosixPath(name)
    return not any(part in _NOT_LINKED for part in path.parts) and path.suffix not in _BYTECODE


def _link(target: Path, link: Path) -> bool:
    """Whether ``link`` now points at ``target``; what the commit itself has there is kept."""
    if link.exists() or link.is_symlink():
        return False
    try:
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    except OSError:  # the commit has a file where the working folder has a folder
        return False
    return True
