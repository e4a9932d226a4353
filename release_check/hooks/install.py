"""``release-check install-hook`` / ``uninstall-hook``: write or remove the pre-push hook.

The hook records the Python that installed it (see script.py) and recognises itself by MARKER.
It goes into this repository's own hooks only: a core.hooksPath from the global or system git
config is shared by every repository on the machine, so it is refused unless asked for.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from release_check.argparsing import Parser
from release_check.config import boots_anything
from release_check.console import Console
from release_check.errors import UsageError
from release_check.hooks import gitcmd, managers
from release_check.hooks.script import HOOK_NAME, MARKER, frozen, hook_script

_SHARED_SCOPES = ("global", "system")

_INSTALL = (
    "Write a git pre-push hook that runs the release check on each commit being pushed"
    " (`release-check pre-push`) and refuses the push when one fails. It goes into this"
    " repository's hooks (.git/hooks, or a core.hooksPath set in this repository); running it"
    " again updates it. A pre-push hook that release-check did not write is left alone unless"
    " --force. `git push --no-verify` skips the check for one push. Under husky v9 (git's hooks"
    " in .husky/_) it adds `release-check pre-push \"$@\"` to .husky/pre-push instead; with a"
    " lefthook configuration, a pre-push command to it (or, when it has a pre-push section of"
    " its own, prints the command to add)."
)
_INSTALL_EPILOG = (
    "The hook runs this Python ({python} -m release_check), or release-check on PATH when that"
    " is gone. Exit codes: 0 installed or already there, 2 not in a git work tree, a foreign"
    " hook in the way, or a global core.hooksPath. More in docs/local.md."
)
_UNINSTALL = (
    "Remove the pre-push hook written by `release-check install-hook` (or its line in"
    " .husky/pre-push, or its command in the lefthook configuration). A pre-push hook that"
    " release-check did not write is never removed."
)


def _locate() -> tuple[Path, Path]:
    """The work tree's root, and the hook's path (core.hooksPath honoured, as git resolves it)."""
    root = gitcmd.work_tree_root()
    hooks = gitcmd.output(None, "rev-parse", "--git-path", "hooks").rstrip("\n")
    return root, Path.cwd() / hooks / HOOK_NAME


def _shared_hooks_path() -> str | None:
    """Why the hook would land in a folder shared by every repository; None when it would not."""
    done = gitcmd.run(None, "config", "--show-scope", "--show-origin", "--get", "core.hooksPath")
    if done.returncode != 0:  # unset
        return None
    scope, origin, value = done.stdout.rstrip("\n").split("\t", 2)
    if scope not in _SHARED_SCOPES:
        return None
    return (
        f"core.hooksPath is set to {value} by your {scope} git config"
        f" ({origin.removeprefix('file:')}), so git runs every repository's hooks from there and"
        " never from .git/hooks; release-check installs into this repository only. Pass"
        " --global-hooks-path to install there anyway (pushes of repositories without a"
        " Procfile then pass, with a note), or run `git config core.hooksPath .git/hooks` here"
        f" first (your {scope} hooks then no longer run in this repository)"
    )


def _current(hook: Path) -> bytes | None:
    """The hook's bytes; None when there is none; empty when it cannot be read (a dangling link)."""
    if not (hook.exists() or hook.is_symlink()):
        return None
    try:
        return hook.read_bytes()
    except OSError:
        return b""


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _write(hook: Path, script: bytes) -> None:
    """Replace the hook atomically; a symlink is replaced, never written through."""
    hook.parent.mkdir(parents=True, exist_ok=True)
    temporary = hook.with_name(f".{HOOK_NAME}.release-check.tmp")
    temporary.write_bytes(script)
    temporary.chmod(0o755)
    temporary.replace(hook)


def _install_parser() -> Parser:
    parser = Parser(prog="release-check install-hook", description=_INSTALL,
                    epilog=_INSTALL_EPILOG.format(python=sys.executable))
    parser.add_argument("--force", action="store_true",
                        help="replace a pre-push hook that release-check did not write")
    parser.add_argument("--global-hooks-path", action="store_true",
                        help="install into the core.hooksPath of your global or system git"
                             " config, which every repository on this machine uses")
    return parser


def install_hook(
    argv: Sequence[str],
    environ: Mapping[str, str],
    console: Console,
) -> None:
    """Install (or update) the pre-push hook; refuse to replace a foreign one without --force."""
    args = _install_parser().parse_args(argv)
    root, hook = _locate()
    if managers.install(root, hook.parent, environ, console):
        return
    shared = _shared_hooks_path()
    if shared is not None and not args.global_hooks_path:
        raise UsageError(shared)
    script = hook_script(sys.executable, frozen()).encode()
    current = _current(hook)
    ours = current is not None and MARKER.encode() in current
    if current is not None and not ours and not args.force:
        raise UsageError(
            f"{_shown(hook)} exists and was not written by release-check; it was left alone"
            " (pass --force to replace it, or call `release-check pre-push \"$@\"` from it)"
        )
    if current == script:
        console.always(f"the pre-push hook at {_shown(hook)} is already installed")
    else:
        _write(hook, script)
        done = "installed" if current is None else "updated" if ours else "replaced"
        console.always(f"{done} the pre-push hook at {_shown(hook)}:"
                       " every push now runs release-check first")
    if not boots_anything(root, environ):
        console.warn(f"no Procfile at {root} (nor a platform file or release-check settings):"
                     " pushes pass unchecked, with a note, until there is one (or"
                     " RELEASE_CHECK_PROCFILE or RELEASE_CHECK_WEB_COMMAND says what to boot)")


def uninstall_hook(
    argv: Sequence[str],
    environ: Mapping[str, str],  # noqa: ARG001  (every subcommand takes the environment)
    console: Console,
) -> None:
    """Remove the pre-push hook if release-check wrote it; never touch anyone else's."""
    Parser(prog="release-check uninstall-hook", description=_UNINSTALL).parse_args(argv)
    root, hook = _locate()
    if managers.uninstall(root, hook.parent, console):
        return
    current = _current(hook)
    if current is None:
        console.always(f"no pre-push hook at {_shown(hook)}: nothing to remove")
        return
    if MARKER.encode() not in current:
        raise UsageError(f"{_shown(hook)} was not written by release-check; it was left alone")
    hook.unlink()
    console.always(f"removed the pre-push hook at {_shown(hook)}")
