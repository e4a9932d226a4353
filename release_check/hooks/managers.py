"""Hook managers that own the pre-push hook: husky (v9) and lefthook.

Both rewrite the hook git runs (husky on every ``npm install``, lefthook on ``lefthook install``),
so release-check goes into their own files instead: one line in ``.husky/pre-push``, one
command in ``lefthook.yml``. Both files are committed and shared, so the command names
``release-check`` on PATH rather than one machine's interpreter.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from release_check.console import Console
from release_check.errors import UsageError

HUSKY_LINE = 'release-check pre-push "$@"'
LEFTHOOK_FILES = ("lefthook.yml", ".lefthook.yml", "lefthook.yaml", ".lefthook.yaml",
                  "lefthook.toml", ".lefthook.toml", "lefthook.json", ".lefthook.json")
# use_stdin: lefthook gives a command no standard input unless told, and the refs are there.
LEFTHOOK_ENTRY = """\
    release-check:
      run: release-check pre-push {1} {2}
      use_stdin: true
"""
LEFTHOOK_BLOCK = f"pre-push:\n  commands:\n{LEFTHOOK_ENTRY}"


def husky_script(hooks: Path) -> Path | None:
    """``.husky/pre-push`` when git runs husky v9's hooks from ``hooks`` (``.husky/_``)."""
    return hooks.parent / "pre-push" if hooks.name == "_" and (hooks / "h").is_file() else None


def lefthook_config(root: Path) -> Path | None:
    """The project's lefthook configuration file, if it has one."""
    return next((root / name for name in LEFTHOOK_FILES if (root / name).is_file()), None)


def lines(path: Path) -> list[str]:
    """The file's lines; none when it does not exist."""
    return path.read_text(encoding="utf-8").splitlines() if path.is_file() else []


def add_husky_line(script: Path) -> bool:
    """Append the line to husky's pre-push script; False when it is already there."""
    if HUSKY_LINE in (line.strip() for line in lines(script)):
        return False
    text = script.read_text(encoding="utf-8") if script.is_file() else ""
    separator = "\n" if text and not text.endswith("\n") else ""
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(f"{text}{separator}{HUSKY_LINE}\n", encoding="utf-8")
    return True


def remove_husky_line(script: Path) -> bool:
    """Remove the line from husky's pre-push script (the file too, if nothing else is left)."""
    kept = [line for line in lines(script) if line.strip() != HUSKY_LINE]
    if len(kept) == len(lines(script)):
        return False
    if any(line.strip() for line in kept):
        script.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
    else:
        script.unlink()
    return True


def lefthook_state(config: Path) -> str:
    """Whether the lefthook configuration has our entry (``ours``), or can take it (``free``).

    ``taken``: it has a pre-push section of the user's, or is not YAML.
    """
    text = config.read_text(encoding="utf-8")
    if LEFTHOOK_ENTRY in text:
        return "ours"
    yaml = config.suffix in (".yml", ".yaml")
    taken = any(line.startswith(("pre-push:", "'pre-push':", '"pre-push":'))
                for line in text.splitlines())
    return "free" if yaml and not taken else "taken"


def add_lefthook_block(config: Path) -> None:
    """Append a pre-push section running release-check to lefthook's YAML configuration."""
    text = config.read_text(encoding="utf-8")
    separator = "\n" if text and not text.endswith("\n") else ""
    config.write_text(f"{text}{separator}\n{LEFTHOOK_BLOCK}", encoding="utf-8")


def remove_lefthook_block(config: Path) -> bool:
    """Remove the section install-hook appended, or just its entry; False when neither is there."""
    text = config.read_text(encoding="utf-8")
    for written in (f"\n{LEFTHOOK_BLOCK}", LEFTHOOK_BLOCK, LEFTHOOK_ENTRY):
        if written in text:
            config.write_text(text.replace(written, "", 1), encoding="utf-8")
            return True
    return False


def install(root: Path, hooks: Path, environ: Mapping[str, str], console: Console) -> bool:
    """Add release-check to husky's or lefthook's files; False when neither manages the hooks."""
    script = husky_script(hooks)
    if script is not None:
        done = "added" if add_husky_line(script) else "already in"
        console.always(f"{done} {_shown(script, root)}: `{HUSKY_LINE}` (husky runs it on push)")
        _warn_off_path(environ, console, f"husky runs `release-check` from PATH; {_HUSKY_PATH}")
        return True
    config = lefthook_config(root)
    if config is None:
        return False
    state = lefthook_state(config)
    if state == "taken":
        raise UsageError(f"{config.name} has a pre-push section of its own (or is not YAML):"
                         " add this command to its pre-push commands, then run `lefthook"
                         f" install`:\n{LEFTHOOK_ENTRY.rstrip()}")
    if state == "free":
        add_lefthook_block(config)
    console.always(f"{'added' if state == 'free' else 'already in'} {config.name}: a pre-push"
                   " command running release-check (run `lefthook install` once so that git"
                   " runs lefthook on push)")
    _warn_off_path(environ, console, "lefthook runs `release-check` from PATH")
    return True


_HUSKY_PATH = ("put its folder on PATH in ~/.config/husky/init.sh, which husky reads first"
               " (export PATH=\"{folder}:$PATH\")")


def _warn_off_path(environ: Mapping[str, str], console: Console, why: str) -> None:
    """Warn when ``release-check`` is not on PATH, naming the folder it is in."""
    if shutil.which("release-check", path=environ.get("PATH", os.defpath)) is None:
        folder = Path(sys.executable).parent
        console.warn(f"release-check is not on PATH ({folder} is not on it): "
                     + why.format(folder=folder))


def uninstall(root: Path, hooks: Path, console: Console) -> bool:
    """Take release-check out of husky's or lefthook's files; False when neither manages them."""
    script, config = husky_script(hooks), lefthook_config(root)
    if script is not None:
        removed, where = remove_husky_line(script), script
    elif config is not None:
        removed, where = remove_lefthook_block(config), config
    else:
        return False
    console.always(f"removed release-check from {_shown(where, root)}" if removed
                   else f"release-check is not in {_shown(where, root)}: nothing to remove")
    return True


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
