"""The package layout holds: subpackages talk through their ``__init__``, layers point down."""

from __future__ import annotations

import ast
import graphlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "release_check"
SUBPACKAGES = tuple(sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py")))
TOP_LEVEL = tuple(sorted(p.stem for p in PACKAGE.glob("*.py")))
# Which subpackages each subpackage or top-level module may import. The top-level helpers
# (errors, console, text, ...) are open to all; of them only cli, the entry point, imports
# subpackages (each through its __init__), and only __main__ imports cli.
ALLOWED = {
    "system": set(),
    "config": set(),
    "checking": {"config"},
    "sockets": {"system"},
    "reports": {"config", "checking", "sockets"},
    "supervise": {"system", "sockets", "reports"},
    "release": {"config", "checking", "system", "sockets", "reports", "supervise"},
    "live": {"config", "checking"},
    "hooks": {"config", "reports"},
    "cli": set(SUBPACKAGES),
} | {name: set() for name in TOP_LEVEL if name != "cli"}
# cli loads the subcommands by name ("module:function") so that the release check starts fast.
_LOADED_BY_NAME = re.compile(r"(release_check(?:\.\w+)*):\w+")


def _imports(path: Path) -> list[str]:
    """Every ``release_check...`` module named by an import statement or a "module:function"."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            loaded = _LOADED_BY_NAME.fullmatch(node.value)
            names += [loaded.group(1)] if loaded else []
    return [name for name in names if name.startswith("release_check.")]


def _owner(path: Path) -> str:
    """The subpackage a module belongs to, or the top-level module's own name."""
    relative = path.relative_to(PACKAGE).parts
    return relative[0] if len(relative) > 1 else path.stem


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
            inside = PACKAGE / parts[1] / parts[2]
            assert not (inside.with_suffix(".py").exists() or inside.is_dir()), (
                f"{path.name} imports {target}, private to release_check.{parts[1]}"
            )


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layers_point_down(path: Path) -> None:
    """Each module imports only the subpackages its own subpackage or top-level module may use."""
    owner = _owner(path)
    used = {name.split(".")[1] for name in _imports(path)} & set(SUBPACKAGES)
    assert used - {owner} <= ALLOWED[owner], f"{path.name} imports {sorted(used - {owner})}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_entry_module_imports_cli(path: Path) -> None:
    """No module but __main__ imports cli, so nothing below the command line depends on it."""
    if path.name not in {"__main__.py", "cli.py"}:
        assert "cli" not in {name.split(".")[1] for name in _imports(path)}, path.name


def test_every_subpackage_and_top_level_module_has_a_rule() -> None:
    """A new subpackage or top-level module cannot escape the layer rules by having none."""
    assert set(ALLOWED) == set(SUBPACKAGES) | set(TOP_LEVEL)
    assert {"config", "checking", "release", "live", "hooks", "reports", "sockets", "supervise",
            "system"} <= set(SUBPACKAGES)


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


def test_the_reports_load_without_the_process_or_http_layer() -> None:
    """The command line and the hook reach release_check.reports without psutil or httpx."""
    command = [sys.executable, "-X", "importtime", "-c", "import release_check.reports"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "release_check.reports.record" in imported
    assert not {"psutil", "httpx", "tenacity", "xml.etree.ElementTree"} & imported


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _edges(path: Path, known: set[str]) -> set[str]:
    """The modules ``path`` imports, TYPE_CHECKING and in-function imports included.

    ``from package import module`` points at the module, not at the package's __init__.
    """
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                inner = f"{node.module}.{alias.name}"
                targets.add(inner if inner in known else node.module)
        elif isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            loaded = _LOADED_BY_NAME.fullmatch(node.value)
            targets |= {loaded.group(1)} if loaded else set()
    return targets & known - {_module_name(path)}


def test_no_module_imports_itself_through_others() -> None:
    """The modules of release_check import one another without a cycle."""
    known = {_module_name(path) for path in _modules()}
    graph = {_module_name(path): _edges(path, known) for path in _modules()}
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")
