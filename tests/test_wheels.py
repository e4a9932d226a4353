"""Every runtime dependency installs from a wheel on each platform the tool runs on.

Without a wheel, ``pip install release-check`` needs a compiler there (or fails, as on Alpine).
PyPI's JSON API lists each release's files; the newest release the requirement allows (what pip
picks) must have a wheel each target's pip accepts, for each supported CPython.
"""

from __future__ import annotations

import json
import tomllib
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags, mac_platforms
from packaging.utils import parse_wheel_filename
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
PYTHONS = ((3, 11), (3, 12), (3, 13))


def _linux(libc: str, arch: str) -> list[str]:
    if libc == "musl":  # Alpine 3.17+ has musl 1.2
        return [f"musllinux_1_{minor}_{arch}" for minor in (2, 1, 0)]
    # The oldest glibc of the images people use: Ubuntu 22.04 has 2.35, Debian 11 2.31.
    return [f"manylinux_2_{minor}_{arch}" for minor in range(31, 4, -1)] + [
        f"manylinux2014_{arch}", f"manylinux2010_{arch}", f"manylinux1_{arch}"]


TARGETS = {
    "linux glibc x86_64": _linux("glibc", "x86_64"),
    "linux glibc aarch64": _linux("glibc", "aarch64"),
    "linux musl x86_64": _linux("musl", "x86_64"),
    "linux musl aarch64": _linux("musl", "aarch64"),
    # Intel Macs back to Catalina (10.15, PyYAML's oldest wheel); Apple silicon starts at 11.
    "macOS x86_64": list(mac_platforms((10, 15), "x86_64")),
    "macOS arm64": list(mac_platforms((11, 0), "arm64")),
}


def _accepted(platforms: list[str], python: tuple[int, int]) -> set[Tag]:
    interpreter = f"cp{python[0]}{python[1]}"
    return {*cpython_tags(python, platforms=platforms),
            *compatible_tags(python, interpreter, platforms)}


def _release_files(requirement: Requirement) -> list[str]:
    """The file names of the newest release ``requirement`` allows (what pip would install)."""
    url = f"https://pypi.org/pypi/{requirement.name}/json"
    with urllib.request.urlopen(url, timeout=10) as response:
        releases: dict[str, list[dict[str, Any]]] = json.load(response)["releases"]
    allowed = [Version(v) for v, files in releases.items()
               if files and not all(f["yanked"] for f in files)
               and requirement.specifier.contains(v)]
    newest = str(max(allowed))
    return [f["filename"] for f in releases[newest] if not f["yanked"]]


def missing_wheels(requirements: list[str]) -> list[str]:
    """``name on target for CPython 3.x`` for each combination without a wheel pip would take."""
    parsed = [Requirement(r) for r in requirements]
    with ThreadPoolExecutor(max_workers=8) as pool:
        files = dict(zip([r.name for r in parsed], pool.map(_release_files, parsed), strict=True))
    missing = []
    for name, names in files.items():
        wheel_tags = {t for f in names if f.endswith(".whl") for t in parse_wheel_filename(f)[3]}
        for target, platforms in TARGETS.items():
            missing += [f"{name} on {target} for CPython {python[0]}.{python[1]}"
                        for python in PYTHONS if not wheel_tags & _accepted(platforms, python)]
    return missing


def _pypi_reachable() -> bool:
    try:
        urllib.request.urlopen("https://pypi.org/simple/", timeout=5).close()
    except OSError:
        return False
    return True


@pytest.mark.network
def test_every_dependency_has_a_wheel_for_every_target() -> None:
    """Each runtime dependency has a wheel for glibc and musl Linux and macOS, CPython 3.11-3.13."""
    if not _pypi_reachable():
        pytest.skip("PyPI cannot be reached")
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    assert missing_wheels(dependencies) == []
