"""The app's environment: the runner's own, plus a dotenv file only when one is named."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from release_check.config.limits import arg_problem, exec_bytes, exec_room
from release_check.config.reading import read_text
from release_check.errors import SettingError, UsageError
from release_check.text import printable


def app_environment(
    environ: Mapping[str, str], env_file: Path | None,
    platform: Mapping[str, str] | None = None, commands: Sequence[str] = (),
) -> dict[str, str]:
    """``environ`` with the file's variables added; a variable already set keeps its value.

    The runner's environment wins, as python-dotenv's ``load_dotenv`` does by default: on a
    dyno the config vars are the truth, and a stray file must not override them. A platform
    file's plain values (``platform``) come below both. A file that cannot be read, or a
    value no process can be given, is a SettingError, which the CLI words with where its
    name came from; an environment too large to start ``commands`` with is a UsageError.
    """
    loaded = _file_values(env_file) if env_file is not None else {}
    merged = {**(platform or {}), **loaded, **environ}
    _fits(merged, commands, loaded, env_file)
    return merged


def _fits(env: Mapping[str, str], commands: Sequence[str], loaded: Mapping[str, str],
          env_file: Path | None) -> None:
    """Each command, under the shell, with this environment, within what one exec may take."""
    size = exec_bytes(f"{k}={v}" for k, v in env.items())
    size += max((exec_bytes([command]) for command in commands), default=0)
    if size <= exec_room():
        return
    added = exec_bytes(f"{k}={v}" for k, v in loaded.items())
    cause = f", {added // 1024} KiB of it from {env_file}" if env_file is not None else ""
    raise UsageError(
        f"the app's environment and command come to {size // 1024} KiB{cause}: the system"
        f" allows {exec_room() // 1024} KiB for a command and its environment together"
        " (Argument list too long)"
    )


def _file_values(env_file: Path) -> dict[str, str]:
    if not env_file.exists():
        raise SettingError("env_file", f"no such file: {env_file}")
    from dotenv import dotenv_values  # noqa: PLC0415  (only runs that name a file pay for it)

    try:
        values = dotenv_values(stream=io.StringIO(read_text(env_file)))
    except (OSError, UnicodeDecodeError) as error:
        raise SettingError("env_file", f"cannot read {env_file}: {error}") from None
    loaded = {k: v for k, v in values.items() if v is not None}
    for name, value in loaded.items():
        problem = arg_problem(f"{name}={value}")
        if problem:
            raise SettingError("env_file",
                               f"{env_file}: the value of {printable(name, 60)} {problem}")
    return loaded
