"""``release-check pre-push``: what the hook runs; checks each commit being pushed.

Each commit is checked by a release check of its own (``python -m release_check`` in a child
process) run in that commit's files: a temporary detached worktree, or the working folder
itself when it is clean and at that commit. A failure raises, which refuses the push.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from release_check.argparsing import Parser
from release_check.config import BOOT_FILES, boots_anything
from release_check.console import Console
from release_check.errors import EXIT_PASSED, EXIT_USAGE, CheckFailed, Interrupted, UsageError
from release_check.hooks import gitcmd, submodules
from release_check.hooks.checkenv import check_environment, tool_folders
from release_check.hooks.leftovers import WORKTREES
from release_check.hooks.pushes import Push, from_pre_commit, parse_lines, remote_name
from release_check.hooks.refusal import refusal
from release_check.hooks.script import frozen, release_check_command
from release_check.hooks.worktree import (
    link_ignored,
    remove_abandoned,
    scratch_folder,
    temporary_worktree,
)
from release_check.reports import report_path
from release_check.text import printable

_NO_REFS = ("no refs on standard input: nothing to check (a hook that does not pass git's"
            " standard input on, such as a lefthook command without use_stdin: true, checks"
            " nothing)")
_BYPASS = "'git push --no-verify' skips the check"
_SHOWN_LINKS = 5
# git's own view of the folder, not a cache's that may lag behind it.
_UNHIDDEN = ("-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false")

_DESCRIPTION = (
    "Run the release check on each commit being pushed, as the pre-push hook written by"
    " `release-check install-hook` does: git passes the remote's name and URL as arguments and"
    " one line per ref on standard input. Each commit is checked in a temporary worktree (or"
    " in the working folder, when that is clean and at the commit), with the same settings;"
    " deletions are not checked, nor a commit twice. Under pre-commit (PRE_COMMIT=1) the commit"
    " is PRE_COMMIT_TO_REF instead. Flags after -- go to each release check."
)
_EPILOG = (
    "Exit codes: 0 every commit passed (or there was nothing to check), 1 a commit failed,"
    " 2 a commit could not be checked. More in docs/local.md."
)


@dataclass(frozen=True)
class _Run:
    """What every check of one push shares."""

    root: Path
    scratch: Path
    flags: tuple[str, ...]
    environ: Mapping[str, str]
    console: Console


def pre_push(argv: Sequence[str], environ: Mapping[str, str], console: Console) -> None:
    """Check each commit being pushed; raise CheckFailed or UsageError to refuse the push."""
    remote, flags = _arguments(argv)
    root = gitcmd.work_tree_root()
    pushes = _pushes(remote, environ)
    repository = gitcmd.common_dir(root)
    for folder in remove_abandoned(root, repository):
        console.info(f"removed {folder}, left by an earlier check that was killed")
    with scratch_folder(repository) as scratch:
        run = _Run(root, scratch, flags, environ, console)
        if pushes is None:
            _check_working_folder(run)
            return
        if not pushes:
            console.info(_NO_REFS)
        checked: set[str] = set()
        for push in pushes:
            _check_push(run, push, checked)


def _arguments(argv: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """The remote to name in the output, and the flags (after --) for each release check."""
    own, flags = list(argv), []
    if "--" in own:
        flags = own[own.index("--") + 1:]
        own = own[:own.index("--")]
    parser = Parser(prog="release-check pre-push", description=_DESCRIPTION, epilog=_EPILOG,
                    usage="%(prog)s [-h] [REMOTE [URL]] [-- FLAG ...]")
    parser.add_argument("remote", nargs="?", help="the remote's name, as git passes it")
    parser.add_argument("url", nargs="?", help="the remote's URL, as git passes it")
    args = parser.parse_args(own)
    return remote_name(args.remote, args.url), tuple(flags)


def _pushes(remote: str, environ: Mapping[str, str]) -> list[Push] | None:
    """The refs being pushed; None when nothing names one (a manual ``pre-commit run``)."""
    if environ.get("PRE_COMMIT"):
        return from_pre_commit(environ)  # pre-commit has read git's lines itself
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError("release-check pre-push reads the refs being pushed on standard input,"
                         " as git gives them to a pre-push hook (see release-check install-hook)")
    return parse_lines(sys.stdin.read(), remote)


def _check_push(run: _Run, push: Push, checked: set[str]) -> None:
    """Check one ref being pushed, unless it is a deletion or its commit was already checked."""
    if push.deletes:
        run.console.info(f"deleting {push.target}: nothing to check")
        return
    commit = _commit(run.root, push.local)
    if commit is None:
        run.console.info(f"{push.label}: not a commit, nothing to check")
        return
    sha, short = commit
    what = f"{short} ({push.label})"
    if sha in checked:
        run.console.info(f"{what}: already checked in this push")
        return
    checked.add(sha)
    if not (run.flags or _root_files(run.root, sha) or boots_anything(None, run.environ)):
        _unchecked(run, what)  # no file could say what to boot: no checkout needed to know
        return
    _check_commit(run, sha, what)


def _commit(root: Path, ref: str) -> tuple[str, str] | None:
    """The full and short sha of the commit ``ref`` is or points at (a tag is peeled)."""
    done = gitcmd.run(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if done.returncode != 0:
        return None
    sha = done.stdout.strip()
    return sha, gitcmd.output(root, "rev-parse", "--short", sha).strip()


def _root_files(root: Path, sha: str) -> list[str]:
    """Which of the files that may say what to boot the commit has."""
    return gitcmd.output(root, "ls-tree", "--name-only", sha, "--", *BOOT_FILES).splitlines()


def _unchecked(run: _Run, what: str) -> None:
    run.console.info(f"note: {what} has no Procfile (nor a platform file or release-check"
                     " settings): pushed unchecked")


def _check_commit(run: _Run, sha: str, what: str) -> None:
    """Check the commit in the working folder when that is the same thing, else in a worktree."""
    if _clean_at(run.root, sha):
        if _check_in(run, run.root, what, f"in the working folder {run.root} (clean, at HEAD)"):
            _check(run, run.root, what)
        return
    with temporary_worktree(run.root, sha, run.scratch / WORKTREES / run.root.name) as folder:
        modules = submodules.check_out(folder, gitcmd.common_dir(run.root))
        linked = link_ignored(run.root, folder)
        if _check_in(run, folder, what, f"in a temporary worktree {folder}"):
            _say_submodules(run, *modules)
            _say_linked(run, linked)
            _check(run, folder, what)


def _say_submodules(run: _Run, checked: Sequence[str], missing: Sequence[str]) -> None:
    """Name the submodules checked out, and those left empty."""
    if checked:
        run.console.info(f"submodules checked out from {run.root}: {_names(checked)}")
    if missing:
        run.console.warn(f"submodules never fetched in {run.root}, left empty: {_names(missing)}"
                         " (git submodule update --init fetches them)")


def _check_in(run: _Run, folder: Path, what: str, where: str) -> bool:
    """Say where ``what`` is checked; False, with a note, when there is nothing to boot there."""
    if not (run.flags or boots_anything(folder, run.environ)):
        _unchecked(run, what)
        return False
    run.console.info(f"checking {what} {where}")
    return True


def _say_linked(run: _Run, linked: Sequence[str]) -> None:
    """Name the first few ignored files linked into the worktree."""
    if not linked:
        return
    run.console.info(f"ignored files linked in from {run.root}: {_names(linked)}")


def _names(names: Sequence[str]) -> str:
    """The first few names, and how many more."""
    more = len(names) - _SHOWN_LINKS
    shown = ", ".join(printable(name, 100) for name in names[:_SHOWN_LINKS])
    return shown + (f" and {more} more" if more > 0 else "")


def _clean_at(root: Path, sha: str) -> bool:
    """Whether the working folder provably holds exactly ``sha``.

    HEAD is ``sha``, and nothing is changed or untracked, whatever the user's settings hide
    (status.showUntrackedFiles, ignored submodules, an fsmonitor's or untracked cache's view);
    a file marked skip-worktree or assume-unchanged counts as changed, since git no longer
    compares it.
    """
    head = gitcmd.run(root, "rev-parse", "--verify", "--quiet", "HEAD").stdout.strip()
    if head != sha:
        return False
    status = gitcmd.output(root, *_UNHIDDEN, "status", "--porcelain", "-z",
                           "--untracked-files=all", "--ignore-submodules=none")
    return status == "" and not _unwatched(root)


def _unwatched(root: Path) -> bool:
    """Whether a tracked file is marked skip-worktree (S) or assume-unchanged (lower case)."""
    tags = (entry[:1] for entry in gitcmd.output(root, "ls-files", "-v", "-z").split("\0"))
    return any(tag == "S" or tag.islower() for tag in tags)


def _check_working_folder(run: _Run) -> None:
    root = run.root
    if not (run.flags or boots_anything(root, run.environ)):
        run.console.info(f"note: {root} has no Procfile (nor a platform file or release-check"
                         " settings): unchecked")
        return
    run.console.info(f"no pushed commit named (PRE_COMMIT_TO_REF is unset): checking the working"
                     f" folder {root} as it is")
    _check(run, root, "the working folder")


def _check(run: _Run, folder: Path, what: str) -> None:
    """One release check in ``folder``; raise, naming ``what`` and the reason, when it fails."""
    own_report = run.scratch / "report.json"
    own_report.unlink(missing_ok=True)  # a report left by the previous commit's check
    env = check_environment(run.environ, run.root, _python(), own_report)
    code = _run_check(folder, run.flags, env)
    if code == EXIT_PASSED:
        return
    given = report_path(run.flags, env)
    report = folder / (given[0] if given else own_report)  # an absolute path wins
    why = refusal(report, code, tool_folders(run.root, _python()), _python())
    message = f"push of {what} refused: {why} ({_BYPASS})"
    raise UsageError(message) if code == EXIT_USAGE else CheckFailed(message)


def _run_check(folder: Path, flags: Sequence[str], env: Mapping[str, str]) -> int:
    """Run release-check FLAGS in ``folder``; its exit code once it is gone."""
    child = subprocess.Popen([*release_check_command(sys.executable), *flags], cwd=folder,
                             env=env, stdin=subprocess.DEVNULL)
    try:
        return child.wait()
    except Interrupted as interrupted:
        # A terminal's Ctrl-C reaches the check as well; a signal sent to the hook alone, or to
        # git, is passed on, so that the check stops its app.
        child.send_signal(interrupted.signum)
        raise
    finally:
        child.wait()  # the guard raises once: a second Ctrl-C cannot end this wait


def _python() -> str:
    """The Python running release-check; none in the standalone executable."""
    return "" if frozen() else sys.executable
