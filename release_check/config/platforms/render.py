"""Render's ``render.yaml`` Blueprint: the web service's health-check path and start command."""

from __future__ import annotations

from pathlib import Path

from release_check.config.platforms.declared import TWO_OR_THREE_XX, Declared, http_check
from release_check.config.platforms.document import Node, yaml_file

NAME = "render"
FILE = "render.yaml"
_NO_COMMAND = (
    f"{FILE}'s web service has no startCommand (a Docker service runs its image's CMD) and"
    " there is no Procfile: add a Procfile with a 'web:' entry, or set RELEASE_CHECK_WEB_COMMAND"
)


def present(folder: Path) -> bool:
    """Whether the project has a render.yaml."""
    return (folder / FILE).is_file()


def read(folder: Path) -> Declared:
    """What render.yaml declares for its web service; BadFile names the key when wrong."""
    root = yaml_file(folder / FILE, FILE)
    root.table()
    warnings: list[str] = []
    service = _web_service(root["services"].tables(), warnings)
    if service is None:
        return Declared(NAME, FILE, no_command=_NO_COMMAND, warnings=tuple(warnings))
    path = service["healthCheckPath"].path()
    command = service["startCommand"].command()
    return Declared(
        NAME, FILE,
        where=f"{FILE} {service['healthCheckPath'].key} (web service {_name(service)})",
        checks=(http_check(path, TWO_OR_THREE_XX),) if path else (),
        web_command=command, no_command=_NO_COMMAND, warnings=tuple(warnings),
        sources={"web_command": f"{FILE} {service['startCommand'].key}"},
    )


def _web_service(services: list[Node], warnings: list[str]) -> Node | None:
    """The ``type: web`` service; of several, the one whose pre-deploy step runs release-check."""
    web = [service for service in services if service["type"].text() == "web"]
    if len(web) < 2:
        return web[0] if web else None
    ours = [s for s in web if "release-check" in (s["preDeployCommand"].text() or "")]
    chosen = ours[0] if len(ours) == 1 else web[0]
    why = "the one whose preDeployCommand runs release-check" if len(ours) == 1 else "the first"
    names = ", ".join(_name(service) for service in web)
    warnings.append(f"{FILE} has {len(web)} web services ({names}): read {_name(chosen)}, {why}")
    return chosen


def _name(service: Node) -> str:
    return repr(service["name"].text() or service.key)
