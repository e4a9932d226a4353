"""Railway's ``railway.json`` / ``railway.toml``: ``deploy.healthcheckPath`` and its timeout."""

from __future__ import annotations

from pathlib import Path

from release_check.config.platforms.declared import OK_ONLY, Declared, http_check
from release_check.config.platforms.document import json_file, toml_file

NAME = "railway"
FILES = ("railway.json", "railway.toml")
# Railway's own checker sends this Host; apps with a host allow-list must accept it there.
HOST = "healthcheck.railway.app"


def present(folder: Path) -> bool:
    """Whether the project has a railway.json or railway.toml."""
    return any((folder / name).is_file() for name in FILES)


def read(folder: Path) -> Declared:
    """What the Railway file declares (railway.json when both exist)."""
    found = [name for name in FILES if (folder / name).is_file()]
    name = found[0]
    load = json_file if name.endswith(".json") else toml_file
    root = load(folder / name, name)
    root.table()
    warnings = [f"{' and '.join(found)} both found: read {name}"] if len(found) > 1 else []
    if root["environments"].present:
        warnings.append(f"{root['environments'].where}: per-environment overrides are not read;"
                        " the top-level deploy settings are")
    deploy = root["deploy"]
    deploy.table()
    path = deploy["healthcheckPath"].path()
    timeout = deploy["healthcheckTimeout"].seconds()
    command = deploy["startCommand"].command()
    return Declared(
        NAME, name, where=f"{name} deploy.healthcheckPath",
        checks=(http_check(path, OK_ONLY),) if path else (),
        timeout=timeout if path else None, host_header=HOST if path else None,
        web_command=command,
        sources={"timeout": f"{name} deploy.healthcheckTimeout",
                 "host_header": "Railway's health check",
                 "web_command": f"{name} deploy.startCommand"},
        no_command=(f"{name} has no deploy.startCommand (Railway then uses the start command"
                    " its builder detects) and there is no Procfile: add a Procfile with a"
                    " 'web:' entry, or set RELEASE_CHECK_WEB_COMMAND"),
        warnings=tuple(warnings),
    )
