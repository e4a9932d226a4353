"""Render's ``render.yaml`` Blueprint: the web service's check path, start command, envVars.

Its plain ``envVars`` reach the app; ``PORT`` among them is the port Render routes to.
"""

from __future__ import annotations

from pathlib import Path

from release_check.config.platforms.declared import TWO_OR_THREE_XX, Declared, http_check
from release_check.config.platforms.document import Node, yaml_file
from release_check.text import printable

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
    env, port = _environment(service["envVars"])
    return Declared(
        NAME, FILE,
        where=f"{FILE} {service['healthCheckPath'].key} (web service {_name(service)})",
        checks=(http_check(path, TWO_OR_THREE_XX),) if path else (),
        web_command=command, no_command=_NO_COMMAND, warnings=tuple(warnings),
        port=port.port() if port else None, environment=env,
        sources={"web_command": f"{FILE} {service['startCommand'].key}",
                 "port": f"{FILE} {port.key}" if port else "",
                 "environment": f"{FILE} {service['envVars'].key}"},
    )


def _environment(entries: Node) -> tuple[tuple[tuple[str, str], ...], Node | None]:
    """The plain ``key``/``value`` entries, and PORT's value apart (it chooses the port).

    Entries that take their value elsewhere (``fromDatabase``, ``fromService``, ``sync:
    false``, ``generateValue``) are secrets or the platform's own: left to the environment.
    """
    plain = [entry for entry in entries.tables() if entry["value"].present]
    port = next((entry["value"] for entry in plain if entry["key"].value == "PORT"), None)
    env = tuple(entry["value"].variable(entry["key"].value) for entry in plain
                if entry["key"].value != "PORT")
    return env, _numeric(port) if port else None


def _numeric(port: Node) -> Node:
    """``value: "10000"`` as the number it names (YAML reads ``10000`` as one already)."""
    text = port.value.strip() if isinstance(port.value, str) else None
    if text and text.isdigit() and len(text) < 6:
        return Node(int(text), port.file, port.key)
    return port


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
    return printable(repr(service["name"].text() or service.key)[:80], 40)
