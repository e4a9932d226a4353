"""The app's environment: the runner's own, plus a dotenv file only when one is named."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from release_check.errors import UsageError


def app_environment(environ: Mapping[str, str], env_file: Path | None) -> dict[str, str]:
    """``environ`` with the file's variables added; a variable already set keeps its value.

    The runner's environment wins, as python-dotenv's ``load_dotenv`` does by default: on a
    dyno the config vars are the truth, and a stray file must not override them.
    """
    if env_file is None:
        return dict(environ)
    if not env_file.is_file():
        raise UsageError(f"RELEASE_CHECK_ENV_FILE: no such file: {env_file}")
    from dotenv import dotenv_values  # noqa: PLC0415  (only runs that name a file pay for it)

    loaded = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    return {**loaded, **environ}
