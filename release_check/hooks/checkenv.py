"""The environment each pushed commit is checked with: the user's own, with three additions.

- PATH starts with the project's ``.venv/bin`` (uv, and Poetry with in-project virtualenvs),
  ``venv/bin`` or ``env/bin`` when those are virtualenvs, and the bin folder of the Python
  running release-check (the interpreter the hook recorded), so a Procfile's ``gunicorn`` is
  found from a shell where no virtualenv is activated.
- RELEASE_CHECK_ENV_FILE, when relative, is read from the working folder, where the user keeps
  it; without one, the working folder's ``.env`` is used when it exists.
- RELEASE_CHECK_REPORT, when relative, is written in the working folder (a worktree is gone
  after the check); without one, a report in the scratch folder tells the hook why it failed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

ENV_FILE = "RELEASE_CHECK_ENV_FILE"
REPORT = "RELEASE_CHECK_REPORT"
DOT_ENV = ".env"
PROJECT_VENV = ".venv"
OTHER_VENVS = ("venv", "env")  # virtualenv's and the Python tutorial's names
CFG = "pyvenv.cfg"


def check_environment(
    environ: Mapping[str, str], root: Path, python: str, report: Path
) -> dict[str, str]:
    """``environ`` for a check of a commit of the work tree at ``root``."""
    env = dict(environ)
    env["PATH"] = search_path(environ.get("PATH", os.defpath), tool_folders(root, python))
    env_file = environ.get(ENV_FILE) or (DOT_ENV if (root / DOT_ENV).is_file() else "")
    if env_file:
        env[ENV_FILE] = str(root / env_file)  # an absolute path stays as it is
    env[REPORT] = str(root / environ[REPORT]) if environ.get(REPORT) else str(report)
    return env


def tool_folders(root: Path, python: str) -> list[Path]:
    """The folders whose tools the app should find first, in order, those that exist.

    ``venv`` and ``env`` count only as virtualenvs (with a pyvenv.cfg): ``env/`` is often a
    folder of settings files.
    """
    candidates = [root / PROJECT_VENV / "bin"]
    candidates += [root / name / "bin" for name in OTHER_VENVS if (root / name / CFG).is_file()]
    if python:
        candidates.append(Path(python).parent)  # not resolved: a venv's python is a symlink
    return [folder for folder in candidates if folder.is_dir()]


def search_path(path: str, first: Iterable[Path]) -> str:
    """``path`` with ``first`` in front of it, each folder once."""
    ahead = list(dict.fromkeys(str(folder) for folder in first))
    rest = [entry for entry in path.split(os.pathsep) if entry not in ahead] if path else []
    return os.pathsep.join(ahead + rest)
