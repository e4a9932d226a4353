"""What a killed hook left: its scratch folder, and the temporary worktree git still lists.

A hook killed outright (SIGKILL, a closed terminal's lost session, a crash) runs no cleanup.
Each scratch folder carries a marker naming the hook's process and its repository, so the next
run, in any repository, removes the folders of hooks that are gone; a worktree is removed only
by a run in the repository it belongs to, through git, so that git forgets it too. A folder
without the marker, another user's, or one whose hook still runs, is never touched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

SCRATCH_PREFIX = "release-check-"
MARKER = ".release-check-pre-push"
WORKTREES = "worktree"  # the scratch folder's subfolder holding the temporary worktree


def mark(scratch: Path, repository: Path) -> None:
    """Record in ``scratch`` that this process, checking ``repository``, made it."""
    (scratch / MARKER).write_text(f"{os.getpid()}\n{repository}\n", encoding="utf-8")


def abandoned(repository: Path) -> Iterator[tuple[Path, list[Path]]]:
    """Each scratch folder whose hook is gone, with its worktrees when they are this repository's.

    A folder holding another repository's worktree is left for that repository's next run.
    """
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        owner = _owner(folder)
        if owner is None:
            continue
        worktrees = sorted((folder / WORKTREES).glob("*")) if (folder / WORKTREES).exists() else []
        if worktrees and owner != repository:
            continue
        yield folder, worktrees


def _owner(folder: Path) -> Path | None:
    """The repository of the hook that made ``folder``, when that hook is gone; else None."""
    try:
        if folder.is_symlink() or folder.stat().st_uid != os.getuid():
            return None
        pid, repository = (folder / MARKER).read_text(encoding="utf-8").splitlines()[:2]
        return None if _alive(int(pid)) else Path(repository)
    except (OSError, ValueError):  # not a hook's folder, or half written: not ours to judge
        return None


def _alive(pid: int) -> bool:
    if pid <= 0:
        raise ValueError(pid)  # 0 and below name process groups, never a hook
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
