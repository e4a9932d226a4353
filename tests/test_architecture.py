"""The package layout holds: subpackages talk through their ``__init__``, layers point down."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "release_check"
SUBPACKAGES = ("config", "checking", "release", "live", "system")
# Which subpackages each may import; the top-level helpers (errors, console, text, ...) are open
# to all.
ALLOWED = {
    "system": set(),
    "config": set(),
    "checking": {"config"},
    "release": {"config", "checking", "system"},
    "live": {"config", "checking"},
    "hooks": {"config", "release"},
}


def _imports(path: Path) -> list[str]:
    """Every ``release_check...`` module named by an import statement in ``path``."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return [name for name in names if name.startswith("release_check.")]


def _owner(path: Path) -> str | None:
    """The subpackage a module belongs to, None for the top-level modules."""
    relative = path.relative_to(PACKAGE).parts
    return relative[0] if len(relative) > 1 else None


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_other_subpackages_are_used_through_their_init(path: Path) -> None:
    """A module reaches into another subpackage only through that subpackage's __init__."""
    owner = _owner(path)
    for name in _imports(path):
        parts = name.split(".")
        if len(parts) > 2 and parts[1] in SUBPACKAGES and parts[1] != owner:
            target = ".".join(parts[:3])
            assert not (PACKAGE / parts[1] / f"{parts[2]}.py").exists(), (
                f"{path.name} imports {target}, private to release_check.{parts[1]}"
            )


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layers_point_down(path: Path) -> None:
    """The config layer imports no other; checking only config; release and live not each other."""
    owner = _owner(path)
    if owner is None:
        return
    used = {name.split(".")[1] for name in _imports(path)} & set(SUBPACKAGES)
    assert used - {owner} <= ALLOWED[owner], f"{path.name} imports {sorted(used - {owner})}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_platform_checks_live_in_the_os_layer(path: Path) -> None:
    """Only release_check.system asks which OS it runs on or calls into libc through ctypes."""
    if _owner(path) == "system":
        return
    tree = ast.parse(path.read_text(), str(path))
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert "platform" not in names, f"{path.name} reads sys.platform"
    assert "ctypes" not in {name.split(".")[0] for name in _all_imports(tree)}


def _all_imports(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


@pytest.mark.parametrize("argv", [["--help"], ["--version"]])
def test_help_and_version_import_neither_psutil_nor_httpx(argv: list[str]) -> None:
    """``release-check --help`` and ``--version`` load neither the process nor the HTTP stack."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "release_check", *argv],
                          capture_output=True, text=True, timeout=30, check=True)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "release_check.cli" in imported
    assert not {"psutil", "httpx", "tenacity"} & imported
