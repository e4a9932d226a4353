"""Dokku: ``app.json`` ``healthchecks.web``, else the legacy ``CHECKS`` file.

The Procfile itself is Dokku's start command, as on Heroku, so neither file has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from release_check.config.expectations import Expectation, header_problem, path_problem
from release_check.config.limits import over_cap
from release_check.config.platforms.declared import TWO_OR_THREE_XX, Declared, http_check
from release_check.config.platforms.document import BadFile, Node, json_file
from release_check.config.reading import read_text

NAME = "dokku"
APP_JSON = "app.json"
CHECKS = "CHECKS"
# Dokku's defaults, used only to turn the settings a file does give into a deadline.
_CHECKS_DEFAULTS = {"ATTEMPTS": 5, "WAIT": 5, "TIMEOUT": 30}
_SETTING = re.compile(r"^([A-Z_]+)=(.*)$")


@dataclass
class _Found:
    """What the entries add up to, as they are read."""

    checks: list[Expectation] = field(default_factory=list)
    timeouts: list[float] = field(default_factory=list)
    deadlines: list[float] = field(default_factory=list)
    uptimes: list[float] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def present(folder: Path) -> bool:
    """A CHECKS file, or an app.json with healthchecks (Heroku's app.json has none)."""
    if (folder / CHECKS).is_file():
        return True
    if not (folder / APP_JSON).is_file():
        return False
    try:
        return json_file(folder / APP_JSON, APP_JSON)["healthchecks"].present
    except BadFile:
        return True  # broken: reading it says what is wrong


def read(folder: Path) -> Declared:
    """app.json's healthchecks when it has them, else CHECKS; BadFile names the key."""
    if (folder / APP_JSON).is_file():
        root = json_file(folder / APP_JSON, APP_JSON)
        root.table()
        if root["healthchecks"].present:
            ignored = [f"{CHECKS}: not read, {APP_JSON} healthchecks are"]
            return _app_json(root["healthchecks"], ignored if (folder / CHECKS).is_file() else [])
    if (folder / CHECKS).is_file():
        return _checks_file(folder / CHECKS)
    return Declared(NAME, APP_JSON)


def _app_json(healthchecks: Node, warnings: list[str]) -> Declared:
    healthchecks.table()
    found = _Found(warnings=warnings)
    for entry in healthchecks["web"].tables():
        _entry(entry, found)
    return _declared(APP_JSON, f"{APP_JSON} healthchecks.web", found,
                     "attempts, wait, timeout and initialDelay")


def _entry(entry: Node, found: _Found) -> None:
    """One healthcheck: an HTTP check, an uptime window, a listening check, or not run."""
    kind = entry["type"].text() or "startup"
    skip = _not_run(entry, kind)
    if skip:
        found.warnings.append(f"{entry.where}: {skip}")
        return
    if entry["scheme"].text() not in (None, "http"):
        found.warnings.append(f"{entry['scheme'].where}: cannot be honoured: release-check"
                              " checks the app over plain HTTP")
    uptime = entry["uptime"].seconds(zero_ok=True)
    if entry["path"].present:
        _http(entry, found)
    elif entry["uptime"].present:
        found.uptimes += [uptime] if uptime else []  # 0 asks for nothing
    elif entry["listening"].value is not True:
        raise entry.bad("has no path (nor uptime, listening or command): nothing to check")


def _not_run(entry: Node, kind: str) -> str | None:
    """Why release-check does not run this entry, if it does not."""
    if kind not in ("startup", "liveness", "readiness"):
        raise entry["type"].bad(f"{kind!r} is not startup, liveness or readiness")
    if kind != "startup":
        return f"a {kind} check runs after the deploy (k3s), not before it: not run"
    if entry["warn"].value is True:
        return "a check that only warns (warn: true) cannot halt a release: not run"
    if entry["command"].present:
        return "a command check runs inside the container: not run"
    if entry["onFailure"].present:
        return "onFailure is not run; the check is"
    return None


def _http(entry: Node, found: _Found) -> None:
    path = entry["path"].path() or "/"
    headers = tuple(item["value"].header(item["name"].value)
                    for item in entry["httpHeaders"].tables())
    found.checks.append(http_check(path, TWO_OR_THREE_XX, entry["content"].text(), headers))
    timeout = entry["timeout"].seconds()
    if timeout is not None:
        found.timeouts.append(timeout)
    if entry["port"].present:
        found.ports.append(entry["port"].port() or 0)
    deadline = _deadline(entry)
    if deadline is not None:
        found.deadlines.append(deadline)


def _deadline(entry: Node) -> float | None:
    """How long Dokku gives this check, when the entry sets any of its pacing.

    Dokku treats 0 as "use the default", as ``or`` does here.
    """
    if not any(entry[key].present for key in ("attempts", "wait", "initialDelay")):
        return None
    attempts = entry["attempts"].count() or 3
    wait = entry["wait"].seconds(zero_ok=True) or 5.0
    timeout = entry["timeout"].seconds() or 5.0
    delay = entry["initialDelay"].seconds(zero_ok=True) or 0.0
    return delay + attempts * timeout + (attempts - 1) * wait


def _checks_file(path: Path) -> Declared:
    """The legacy CHECKS file: WAIT=, TIMEOUT=, ATTEMPTS=, then ``/path expected content``."""
    try:
        lines = read_text(path).splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise BadFile(f"cannot read {CHECKS}: {error}") from None
    found, settings = _Found(), dict[str, int]()
    for number, raw in enumerate(lines, start=1):
        line, where = raw.strip(), f"{CHECKS}:{number}"
        if not line or line.startswith("#"):
            continue
        if setting := _SETTING.match(line):
            _setting(setting.group(1), setting.group(2), where, settings, found)
        elif "{{" in line:
            found.warnings.append(f"{where}: a templated line is not read")
        else:
            found.checks.append(_instruction(line, where, found))
    if settings:
        values = {**_CHECKS_DEFAULTS, **settings}
        found.deadlines.append(float(values["ATTEMPTS"] * (values["WAIT"] + values["TIMEOUT"])))
    if "TIMEOUT" in settings:
        found.timeouts.append(float(settings["TIMEOUT"]))
    return _declared(CHECKS, CHECKS, found, "WAIT, TIMEOUT and ATTEMPTS")


def _setting(name: str, raw: str, where: str, settings: dict[str, int], found: _Found) -> None:
    value = raw.split("#", 1)[0].strip()
    if name not in _CHECKS_DEFAULTS:
        found.warnings.append(f"{where}: {name} is not read")
    elif not value.isdigit() or (int(value) == 0 and name != "WAIT"):
        raise BadFile(f"{where}: {name} must be a whole number of "
                      f"{'attempts' if name == 'ATTEMPTS' else 'seconds'}, not {value!r}")
    elif name != "ATTEMPTS" and (too_long := over_cap(int(value))):
        raise BadFile(f"{where}: {name} {value} {too_long}")
    else:
        settings[name] = int(value)


def _instruction(line: str, where: str, found: _Found) -> Expectation:
    """``/path content``, ``//host/path content`` or ``http(s)://host/path content``."""
    target, *rest = line.split(None, 1)
    content = rest[0] if rest else ""
    host, path = None, target
    if target.startswith("//") or "://" in target:
        url = urlsplit(target if "://" in target else "http:" + target)
        if url.scheme != "http":
            found.warnings.append(f"{where}: {url.scheme}:// cannot be honoured: release-check"
                                  " checks the app over plain HTTP")
        host = url.netloc
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    problem = path_problem(path) or (header_problem("Host", host) if host is not None else None)
    if problem:
        raise BadFile(f"{where}: {target!r} is not a path or URL to check ({problem})")
    headers = (("Host", host),) if host else ()
    return http_check(path, TWO_OR_THREE_XX, content.strip() or None, headers)


def _declared(file: str, where: str, found: _Found, pacing: str) -> Declared:
    ports = sorted(set(found.ports))
    if len(ports) > 1:
        found.warnings.append(f"{file}: checks on ports {ports}: release-check checks the app"
                              f" on one port, {ports[0]}")
    return Declared(
        NAME, file, where=where, checks=tuple(found.checks),
        request_timeout=max(found.timeouts, default=None),
        timeout=max(found.deadlines, default=None), uptime=max(found.uptimes, default=None),
        port=ports[0] if ports else None,
        sources={"port": f"{where} port", "timeout": f"{where} {pacing}",
                 "uptime": f"{where} uptime"},
        warnings=tuple(found.warnings),
    )
