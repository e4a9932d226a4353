"""The app's environment: the runner's own, plus a dotenv file only when one is named."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from release_check.errors import SettingError


def app_environment(environ: Mapping[str, str], env_file: Path | None) -> dict[str, str]:
    """``environ`` with the file's variables added; a variable already set keeps its value.

    The runner's environment wins, as python-dotenv's ``load_dotenv`` does by default: on a
    dyno the config vars are the truth, and a stray file must not override them. A file that
    cannot be read is a SettingError, which the CLI words with where its name came from.
    """
    if env_file is None:
        return dict(environ)
    if not env_file.is_file():
        raise SettingError("env_file", f"no such file: {env_file}")
    from dotenv import dotenv_values  # noqa: PLC0415  (only runs that name a file pay for it)

    try:
        values = dotenv_values(env_file)
    except (OSError, UnicodeDecodeError) as error:
        raise SettingError("env_file", f"cannot read {env_file}: {error}") from None
    loaded = {k: v for k, v in values.items() if v is not None}
    return {**loaded, **environ}
