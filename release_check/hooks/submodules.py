"""The commit's submodules, checked out in its temporary worktree from the local module store.

A deploy fetches submodules (Heroku does), so the app may import from one; a fresh worktree has
none. Each is cloned from the superproject's own store (``.git/modules/<name>``), never from
its URL: no network, and no password prompt in the middle of a push. A submodule never fetched
in the working folder has no store and stays empty, as it is there.
"""

from __future__ import annotations

from pathlib import Path

from release_check.errors import UsageError
from release_check.hooks import gitcmd

_DEPTH = 8  # nested submodules deeper than this are left empty
_QUIET = ("-c", "core.hooksPath=/dev/null", "-c", "protocol.file.allow=always")


def check_out(folder: Path, store: Path, depth: int = 0) -> tuple[list[str], list[str]]:
    """Check out the submodules of the worktree at ``folder`` from ``store``'s ``modules/``.

    Nested ones too, from their own stores. Returns the paths checked out and those left
    empty (no store), relative to ``folder``.
    """
    declared = _declared(folder)
    stored = {name: path for name, path in declared.items() if (store / "modules" / name).is_dir()}
    missing = sorted(path for name, path in declared.items() if name not in stored)
    if stored:
        _update(folder, store, stored)
    checked = sorted(stored.values())
    for name, path in stored.items() if depth < _DEPTH else ():
        inner, inner_missing = check_out(folder / path, store / "modules" / name, depth + 1)
        checked += [f"{path}/{each}" for each in inner]
        missing += [f"{path}/{each}" for each in inner_missing]
    return checked, missing


def _update(folder: Path, store: Path, stored: dict[str, str]) -> None:
    """``git submodule update --init`` of ``stored`` (name: path), each from its store."""
    urls = [f"submodule.{name}.url={store / 'modules' / name}" for name in stored]
    done = gitcmd.run(folder, *_QUIET, *(arg for url in urls for arg in ("-c", url)),
                      "submodule", "update", "--init", "--", *stored.values())
    if done.returncode != 0:
        raise UsageError(f"cannot check out the submodules in a temporary worktree:"
                         f" {gitcmd.last_words(done)}")


def _declared(folder: Path) -> dict[str, str]:
    """Each submodule's name and path, as ``.gitmodules`` at ``folder`` declares them."""
    if not (folder / ".gitmodules").is_file():
        return {}
    done = gitcmd.run(folder, "config", "--null", "--file", ".gitmodules", "--get-regexp",
                      r"^submodule\..*\.path$")
    declared = {}
    for entry in filter(None, done.stdout.split("\0")):
        key, _, path = entry.partition("\n")
        declared[key.removeprefix("submodule.").removesuffix(".path")] = path
    return declared
