"""``release-check install-hook`` / ``uninstall-hook``: a git pre-push hook that runs the check.

The hook runs the Python that installed it (``python -m release_check``), so it works from a
virtualenv that is not activated when git runs; if that interpreter is gone or no longer has
release-check, it falls back to ``release-check`` on PATH. It recognises itself by MARKER.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from release_check.argparsing import Parser
from release_check.console import Console
from release_check.errors import UsageError

MARKER = "# release-check: pre-push hook written by `release-check install-hook`"
HOOK_NAME = "pre-push"

_SCRIPT = """#!/bin/sh
{marker}
# Runs the release check on this repository's Procfile before every push, and refuses the push
# when it fails. Skip it once with `git push --no-verify`; remove it with
# `release-check uninstall-hook`.
python={python}
root=$(git rev-parse --show-toplevel) && cd "$root" || exit 1
if [ -x "$python" ] && "$python" -c 'import release_check' 2>/dev/null; then
    set -- "$python" -m release_check
elif command -v release-check >/dev/null 2>&1; then
    set -- release-check
else
    echo "release-check: not found ($python, nor release-check on PATH);" \\
        "install it, or push with --no-verify" >&2
    exit 1
fi
if [ -f .env ]; then
    set -- "$@" --env-file .env
fi
"$@" </dev/null
code=$?
if [ "$code" -ne 0 ]; then
    echo "release-check: push refused by the pre-push hook ('git push --no-verify' skips it)" >&2
fi
exit "$code"
"""

_INSTALL = (
    "Write a git pre-push hook that runs `release-check` from the repository root (with"
    " `--env-file .env` when that file exists) and refuses the push when the check fails."
    " It goes where git looks for hooks (core.hooksPath, else .git/hooks); running it again"
    " updates it. A pre-push hook that release-check did not write is left alone unless --force."
    " `git push --no-verify` skips the check for one push."
)
_INSTALL_EPILOG = (
    "The hook runs this Python ({python} -m release_check), or release-check on PATH when that"
    " is gone. Exit codes: 0 installed or already there, 2 not in a git work tree or a foreign"
    " hook in the way. More in docs/local.md."
)
_UNINSTALL = (
    "Remove the pre-push hook written by `release-check install-hook`. A pre-push hook that"
    " release-check did not write is never removed."
)


def hook_script(python: str) -> str:
    """The hook's text, running ``python -m release_check`` (or release-check on PATH)."""
    return _SCRIPT.format(marker=MARKER, python=shlex.quote(python))


def _git(*args: str) -> list[str]:
    """The output lines of ``git rev-parse ARGS`` run here; UsageError outside a work tree."""
    try:
        done = subprocess.run(["git", "rev-parse", *args], capture_output=True, text=True,
                              check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed (or not on PATH)") from None
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise UsageError(f"not in a git work tree: {reason[0].removeprefix('fatal: ')}")
    return done.stdout.splitlines()


def _locate() -> tuple[Path, Path]:
    """The work tree's root, and the hook's path (core.hooksPath honoured, as git resolves it)."""
    root, hooks = _git("--show-toplevel", "--git-path", "hooks")
    return Path(root), Path.cwd() / hooks / HOOK_NAME


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
    return parser


def install_hook(
    argv: Sequence[str],
    environ: Mapping[str, str],  # noqa: ARG001  (every subcommand takes the environment)
    console: Console,
) -> None:
    """Install (or update) the pre-push hook; refuse to replace a foreign one without --force."""
    args = _install_parser().parse_args(argv)
    root, hook = _locate()
    script = hook_script(sys.executable).encode()
    current = _current(hook)
    ours = current is not None and MARKER.encode() in current
    if current is not None and not ours and not args.force:
        raise UsageError(
            f"{_shown(hook)} exists and was not written by release-check; it was left alone"
            " (pass --force to replace it, or call release-check from it)"
        )
    if current == script:
        console.always(f"the pre-push hook at {_shown(hook)} is already installed")
    else:
        _write(hook, script)
        done = "installed" if current is None else "updated" if ours else "replaced"
        console.always(f"{done} the pre-push hook at {_shown(hook)}:"
                       " every push now runs release-check first")
    if not (root / "Procfile").is_file():
        console.warn(f"no Procfile at {root}: pushes will be refused unless RELEASE_CHECK_PROCFILE"
                     " or RELEASE_CHECK_WEB_COMMAND says what to boot")


def uninstall_hook(
    argv: Sequence[str],
    environ: Mapping[str, str],  # noqa: ARG001  (every subcommand takes the environment)
    console: Console,
) -> None:
    """Remove the pre-push hook if release-check wrote it; never touch anyone else's."""
    Parser(prog="release-check uninstall-hook", description=_UNINSTALL).parse_args(argv)
    _, hook = _locate()
    current = _current(hook)
    if current is None:
        console.always(f"no pre-push hook at {_shown(hook)}: nothing to remove")
        return
    if MARKER.encode() not in current:
        raise UsageError(f"{_shown(hook)} was not written by release-check; it was left alone")
    hook.unlink()
    console.always(f"removed the pre-push hook at {_shown(hook)}")
