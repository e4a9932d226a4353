"""Kamal 2's ``config/deploy.yml``: ``proxy.healthcheck``, ``proxy.app_port``, ``deploy_timeout``.

Kamal boots the image's CMD, so the file has no start command: it must come from a Procfile or
RELEASE_CHECK_WEB_COMMAND.
"""

from __future__ import annotations

from pathlib import Path

from release_check.config.platforms.declared import TWO_XX, Declared, http_check
from release_check.config.platforms.document import Node, yaml_file

NAME = "kamal"
FILE = "config/deploy.yml"
DEFAULT_PATH = "/up"
_HEALTHCHECK_KEYS = frozenset({"path", "timeout", "interval"})
_NO_COMMAND = (
    f"{FILE} declares no start command (Kamal runs the image's CMD) and there is no Procfile:"
    " add a Procfile with a 'web:' entry, or set RELEASE_CHECK_WEB_COMMAND"
)


def present(folder: Path) -> bool:
    """Whether the project has a config/deploy.yml."""
    return (folder / FILE).is_file()


def read(folder: Path) -> Declared:
    """What deploy.yml declares; Kamal's defaults (GET /up) when the proxy is on but silent."""
    root = yaml_file(folder / FILE, FILE)
    root.table()
    warnings = _unread(root)
    proxy = root["proxy"]
    if proxy.value is False:
        return Declared(NAME, FILE, no_command=_NO_COMMAND, warnings=tuple(warnings))
    if not isinstance(proxy.value, bool):
        proxy.table()
    healthcheck = proxy["healthcheck"]
    healthcheck.table()
    warnings += [f"{healthcheck[key].where}: not read by release-check"
                 for key in sorted(set(healthcheck.names()) - _HEALTHCHECK_KEYS)]
    path = healthcheck["path"].path() or DEFAULT_PATH
    where = (f"{FILE} proxy.healthcheck" if healthcheck.present
             else f"{FILE} (Kamal's default proxy.healthcheck)")
    return Declared(
        NAME, FILE, where=where, checks=(http_check(path, TWO_XX),),
        request_timeout=healthcheck["timeout"].seconds(), timeout=root["deploy_timeout"].seconds(),
        port=proxy["app_port"].port(),
        sources={"port": f"{FILE} proxy.app_port", "timeout": f"{FILE} deploy_timeout"},
        no_command=_NO_COMMAND, warnings=tuple(warnings),
    )


def _unread(root: Node) -> list[str]:
    """Kamal 1's healthcheck and per-role proxies would change the check, and are not read."""
    warnings = []
    if root["healthcheck"].present:
        warnings.append(f"{root['healthcheck'].where}: Kamal 1's healthcheck is not read;"
                        " Kamal 2 uses proxy.healthcheck")
    servers = root["servers"]
    for role in servers.names() if isinstance(servers.value, dict) else []:
        if isinstance(servers[role].value, dict) and servers[role]["proxy"].present:
            warnings.append(f"{servers[role]['proxy'].where}: a role's own proxy settings are"
                            " not read; the top-level proxy is")
    return warnings
