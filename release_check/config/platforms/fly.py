"""Fly.io's ``fly.toml``: its HTTP checks, ``internal_port``, and the ``[processes]`` command."""

from __future__ import annotations

from pathlib import Path

from release_check.config.expectations import Expectation
from release_check.config.platforms.declared import TWO_XX, Declared, http_check
from release_check.config.platforms.document import Node, toml_file

NAME = "fly"
FILE = "fly.toml"
_READ = frozenset({"path", "method", "headers", "timeout", "grace_period", "protocol",
                   "tls_server_name", "tls_skip_verify"})
_NOT_NEEDED = frozenset({"interval", "restart_limit"})  # pacing: never changes the verdict
_NO_COMMAND = (
    f"{FILE} has no [processes] command for the app (Fly then runs the image's CMD) and there"
    " is no Procfile: add a Procfile with a 'web:' entry, or set RELEASE_CHECK_WEB_COMMAND"
)


def present(folder: Path) -> bool:
    """Whether the project has a fly.toml."""
    return (folder / FILE).is_file()


def read(folder: Path) -> Declared:
    """What fly.toml declares; BadFile names the key when a value is wrong."""
    root = toml_file(folder / FILE, FILE)
    root.table()
    warnings = _top_level_checks(root)
    service, checks_key = _service(root, warnings)
    nodes = service[checks_key].tables() if service else []
    found = [_check(node, warnings) for node in nodes]
    timeouts = [timeout for _, timeout, _ in found if timeout is not None]
    floors = [grace + (timeout or 0.0) for _, timeout, grace in found if grace is not None]
    port = service["internal_port"].port() if service else None
    command, command_key = _command(root, service)
    sources = {"port": f"{FILE} {service['internal_port'].key}" if service else "",
               "web_command": f"{FILE} [processes] {command_key}",
               "timeout": f"{FILE} grace_period", "environment": f"{FILE} [env]"}
    env = root["env"]
    return Declared(
        NAME, FILE, where=f"{FILE} [[{service.key}.{checks_key}]]" if service else "",
        checks=tuple(check for check, _, _ in found),
        request_timeout=max(timeouts, default=None), min_timeout=max(floors, default=None),
        port=port, web_command=command, sources=sources, no_command=_NO_COMMAND,
        environment=tuple(env[name].variable(name) for name in env.names() if name != "PORT"),
        warnings=tuple(warnings),
    )


def _top_level_checks(root: Node) -> list[str]:
    """Machine checks (``[checks.NAME]``) are not tied to the service release-check boots."""
    names = root["checks"].names()
    if not names:
        return []
    return [f"{root['checks'][names[0]].where}: top-level machine checks are not read;"
            " release-check reads [[http_service.checks]] and [[services.http_checks]]"]


def _service(root: Node, warnings: list[str]) -> tuple[Node | None, str]:
    """``[http_service]``, else the first ``[[services]]`` with HTTP checks, else the first."""
    services = root["services"].tables()
    with_checks = [service for service in services if service["http_checks"].present]
    if root["http_service"].present:
        root["http_service"].table()
        chosen, key = root["http_service"], "checks"
        skipped = with_checks
    elif services:
        chosen, key = (with_checks or services)[0], "http_checks"
        skipped = with_checks[1:]
    else:
        return None, ""
    if skipped:
        warnings.append(f"{FILE} {skipped[0].key}.http_checks: not read; release-check checks"
                        f" the service it boots, {chosen.key}")
    return chosen, key


def _check(node: Node, warnings: list[str]) -> tuple[Expectation, float | None, float | None]:
    """One HTTP check, its request timeout and its grace period."""
    path = node["path"].path()
    if path is None:
        raise node["path"].bad("is required: a check needs the path to request")
    method = (node["method"].text() or "GET").upper()
    if method not in ("GET", "HEAD"):
        warnings.append(f"{node['method'].where}: {method} is not sent; release-check sends GET")
    headers = tuple(node["headers"][name].header(name) for name in node["headers"].names())
    protocol = (node["protocol"].text() or "http").lower()
    if protocol != "http":
        tls = [key for key in ("tls_server_name", "tls_skip_verify") if node[key].present]
        warnings.append(
            f"{node['protocol'].where}: {protocol}{' and ' + ', '.join(tls) if tls else ''}"
            " cannot be honoured: release-check checks the app over plain HTTP"
        )
    for key in sorted(set(node.names()) - _READ - _NOT_NEEDED):
        warnings.append(f"{node[key].where}: not read by release-check")
    check = http_check(path, TWO_XX, headers=headers, method=method)
    return check, node["timeout"].duration(), node["grace_period"].duration()


def _command(root: Node, service: Node | None) -> tuple[str | None, str]:
    """The process group the service routes to: the one it names, ``app``, or the only one."""
    processes = root["processes"]
    names = processes.names()
    routed = [item.text() for item in service["processes"].items()] if service else []
    for name in (routed[0] if len(routed) == 1 else None, "app",
                 names[0] if len(names) == 1 else None):
        if name is not None and name in names:
            return processes[name].command(), name
    return None, ""
