"""What a push sends: git's pre-push lines, or the ref that pre-commit passes in its variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from release_check.errors import UsageError
from release_check.text import quoted

_SHORTENED = ("refs/heads/", "refs/tags/")


@dataclass(frozen=True)
class Push:
    """One ref being pushed: ``local_ref`` at ``local`` (a sha, or a ref name) onto ``remote_ref``.

    ``remote`` is the remote's name, or '' when the push goes to a URL.
    """

    local_ref: str
    local: str
    remote_ref: str
    remote: str = ""

    @property
    def deletes(self) -> bool:
        """Whether this ref is being deleted on the remote (git sends an all-zero sha)."""
        return set(self.local) == {"0"}

    @property
    def target(self) -> str:
        """``origin/main``: the remote ref, as the output names it."""
        target = _short(self.remote_ref)
        return f"{self.remote}/{target}" if self.remote else target

    @property
    def label(self) -> str:
        """``main -> origin/main``: how the output names the ref."""
        source = _short(self.local_ref)
        return f"{source} -> {self.target}" if self.remote_ref else source


def _short(ref: str) -> str:
    for prefix in _SHORTENED:
        if ref.startswith(prefix):
            return ref.removeprefix(prefix)
    return ref


def remote_name(name: str | None, url: str | None) -> str:
    """The remote to name in the output: git passes the URL twice for a push to a bare URL."""
    return "" if not name or name == url else name


def parse_lines(text: str, remote: str) -> list[Push]:
    """The pushes of git's pre-push lines: ``<local ref> <local sha> <remote ref> <remote sha>``."""
    pushes = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.rsplit(maxsplit=3)  # as pre-commit does: only the local ref may be odd
        if len(parts) != 4 or not all(_is_sha(part) for part in (parts[1], parts[3])):
            raise UsageError(
                f"line {number} of standard input is not git's pre-push line"
                f" '<local ref> <local sha> <remote ref> <remote sha>': {quoted(line, 100)}"
            )
        pushes.append(Push(parts[0], parts[1], parts[2], remote))
    return pushes


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(char in "0123456789abcdef" for char in text)


def from_pre_commit(environ: Mapping[str, str]) -> list[Push] | None:
    """The one push pre-commit describes; None when it names none (a manual ``pre-commit run``).

    pre-commit sets PRE_COMMIT_TO_REF, except on a push that includes the root commit, where
    only PRE_COMMIT_LOCAL_BRANCH (the local ref, still at the pushed commit) says what is pushed.
    """
    local_ref = environ.get("PRE_COMMIT_LOCAL_BRANCH", "")
    commit = environ.get("PRE_COMMIT_TO_REF") or local_ref
    if not commit:
        return None
    remote_ref = environ.get("PRE_COMMIT_REMOTE_BRANCH", "")
    remote = environ.get("PRE_COMMIT_REMOTE_NAME", "")
    return [Push(local_ref or commit, commit, remote_ref,
                 remote_name(remote, environ.get("PRE_COMMIT_REMOTE_URL")))]
