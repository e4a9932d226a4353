"""The standalone executable (scripts/build-standalone) on a machine that has no Python.

The real-process tests run only against a built file named by RC_TEST_COMMAND, as CI does
after the build:

    RC_TEST_COMMAND=dist/release-check pytest -m standalone
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import (
    COMMAND_VAR,
    RC_COMMAND,
    REPO,
    TAG_VAR,
    alive,
    app_command,
    clean_env,
    pids_in,
)
from tests.gitrepo import make_repo, output

pytestmark = pytest.mark.standalone
built = pytest.mark.skipif(
    not os.environ.get(COMMAND_VAR),
    reason=f"set {COMMAND_VAR}=dist/release-check (built by scripts/build-standalone)",
)

# A Node server as a Heroku Node app would have it. Before listening it records what runs
# release-check (its parent: bash execs a lone command), so the test can see which files
# that process mapped, and the environment it was given.
SERVER_JS = """
const fs = require("fs");
const http = require("http");
const parent = `/proc/${process.ppid}`;
fs.writeFileSync("parent.json", JSON.stringify({
  exe: fs.readlinkSync(`${parent}/exe`),
  maps: fs.readFileSync(`${parent}/maps`, "utf8"),
  env: process.env,
}));
http.createServer((request, response) => {
  response.end(request.url === "/health_check" ? "OKAY" : "not here");
}).listen(process.env.PORT, () => console.log(`listening on ${process.env.PORT}`));
"""

BOOTLOADER_VARS = ("_MEIPASS2", "_PYI_")


def standalone() -> Path:
    """The built file under test."""
    return Path(RC_COMMAND[0]).resolve()


def python_free_bin(directory: Path, *tools: str) -> str:
    """A PATH of one folder linking ``tools`` (bash and what the app needs), and no Python."""
    directory.mkdir()
    for tool in ("bash", *tools):
        found = shutil.which(tool)
        if found is None:
            pytest.skip(f"{tool} is not installed")
        (directory / tool).symlink_to(found)
    assert all(shutil.which(p, path=str(directory)) is None for p in ("python", "python3"))
    return str(directory)


def poisoned_pythonpath(directory: Path) -> Path:
    """A PYTHONPATH whose release_check fails to import: any Python that looks there breaks."""
    package = directory / "release_check"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('release_check from PYTHONPATH')\n")
    return directory


def node_app(root: Path, web: str) -> Path:
    """A Node app folder as Heroku ships it: server.js, a Procfile, bin/release-check."""
    app = root / "app"
    (app / "bin").mkdir(parents=True)
    (app / "server.js").write_text(SERVER_JS)
    (app / "Procfile").write_text(f"web: {web}\nrelease: bin/release-check\n")
    (app / "bin" / "release-check").symlink_to(standalone())
    return app


def no_python_env(tag: str, root: Path, path: str) -> dict[str, str]:
    """Only what a release dyno of a Node app has, plus a Python set-up that cannot work."""
    (root / "tmp").mkdir()
    return {"PATH": path, "HOME": str(root), "TMPDIR": str(root / "tmp"), TAG_VAR: tag,
            "PYTHONPATH": str(poisoned_pythonpath(root / "pythonpath")),
            "PYTHONHOME": str(root / "no-python-here")}


def run_in(app: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``bin/release-check`` from the app's folder, as the release phase does."""
    return subprocess.run(["bin/release-check"], cwd=app, env=env, capture_output=True, text=True,
                          timeout=60, check=False)


@built
def test_node_app_passes_with_no_python_anywhere(tag: str, tmp_path: Path) -> None:
    """With no python on PATH and a broken PYTHONPATH, the file checks a Node app and passes."""
    assert standalone().read_bytes()[:4] == b"\x7fELF", "a script would need an interpreter"
    app = node_app(tmp_path, "node server.js")
    env = no_python_env(tag, tmp_path, python_free_bin(tmp_path / "bin", "node"))
    done = run_in(app, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'PASSED GET /health_check -> 200 "OKAY"' in done.stdout
    assert "web | listening on" in done.stdout
    parent = json.loads((app / "parent.json").read_text())
    assert Path(parent["exe"]).resolve() == standalone()
    mapped = {line.split()[-1] for line in parent["maps"].splitlines() if "/" in line}
    from_this_python = [f for f in mapped if f.startswith((sys.base_prefix, sys.prefix))]
    assert from_this_python == [], "release-check used this machine's Python"
    assert any("libpython" in f for f in mapped), "the bundled Python was not seen at all"
    assert list((tmp_path / "tmp").iterdir()) == [], "the unpacked bundle was left behind"


@built
def test_node_app_crash_fails_with_its_exit_code(tag: str, tmp_path: Path) -> None:
    """A Node web process that exits before listening fails the release (exit 1) at once."""
    app = node_app(tmp_path, "node -e 'console.log(\"no database\"); process.exit(3)'")
    env = no_python_env(tag, tmp_path, python_free_bin(tmp_path / "bin", "node"))
    done = run_in(app, env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED: web exited with code 3 before listening on port" in done.stdout
    assert "web | no database" in done.stdout


@built
@pytest.mark.parametrize("caller", [None, "/opt/vendor/lib"])
def test_app_gets_the_callers_environment_not_the_bundles(tag: str, tmp_path: Path,
                                                          caller: str | None) -> None:
    """The app sees the caller's LD_LIBRARY_PATH (or none), never the bundle's or _PYI_* vars."""
    seen = tmp_path / "app.env"
    extra = {"RELEASE_CHECK_WEB_COMMAND": f"env > {seen}; exec {app_command()}"}
    env = {k: v for k, v in clean_env(tag, extra).items() if k != "LD_LIBRARY_PATH"}
    if caller is not None:
        env["LD_LIBRARY_PATH"] = caller
    done = subprocess.run(RC_COMMAND, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    variables = dict(line.partition("=")[::2] for line in seen.read_text().splitlines())
    assert variables.get("LD_LIBRARY_PATH") == caller
    assert [name for name in variables if name.startswith(BOOTLOADER_VARS)] == []


def booting(tag: str, tmp_path: Path, extra: dict[str, str]) -> subprocess.Popen[str]:
    """The executable booting an app that never listens, once the app has started.

    The app records its pid in ``tmp_path/pids``.
    """
    pid_dir = tmp_path / "pids"
    web = app_command("--never-bind", "--pid-dir", str(pid_dir))
    runner = subprocess.Popen(RC_COMMAND, cwd=tmp_path,
                              env=clean_env(tag, {"RELEASE_CHECK_WEB_COMMAND": web, **extra}),
                              stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not (pid_dir.exists() and any(pid_dir.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.02)
    return runner


@built
def test_sigterm_leaves_no_unpacked_files(tag: str, tmp_path: Path) -> None:
    """SIGTERM mid-boot stops the app, exits 1, and the one-file bundle's unpacked copy is gone."""
    unpacked = tmp_path / "tmp"
    unpacked.mkdir()
    runner = booting(tag, tmp_path, {"TMPDIR": str(unpacked)})
    try:
        time.sleep(0.5)  # well past the spawn: this test is about the unpacked files
        runner.send_signal(signal.SIGTERM)
        out, _ = runner.communicate(timeout=20)
    finally:
        runner.kill()
        runner.wait()
    assert runner.returncode == 1, out
    assert "FAILED: interrupted by SIGTERM; nothing it started is left running" in out
    assert list(unpacked.iterdir()) == []


def test_docs_name_the_pinned_bundler() -> None:
    """docs/standalone.md names the PyInstaller version that scripts/build-standalone pins."""
    pin = re.search(r"^PYINSTALLER=(pyinstaller==\S+)$", (REPO / "scripts/build-standalone")
                    .read_text(), re.M)
    assert pin is not None
    assert f"`{pin.group(1)}`" in (REPO / "docs" / "standalone.md").read_text()


def test_ci_builds_and_tests_the_standalone() -> None:
    """.ci/run builds the file and runs this subset against it."""
    ci = (REPO / ".ci" / "run").read_text()
    assert "scripts/build-standalone" in ci
    assert f"{COMMAND_VAR}=dist/release-check pytest -n 2 -m standalone" in ci


@built
def test_the_pre_push_hook_runs_the_file_itself(tag: str, tmp_path: Path) -> None:
    """install-hook from the file writes a hook running it; a push is refused, then accepted."""
    repo = make_repo(tmp_path, tag, app_command("--exit", "3"), {})
    done = subprocess.run([*RC_COMMAND, "install-hook"], cwd=repo.path, env=repo.env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    hook = (repo.path / ".git" / "hooks" / "pre-push").read_text()
    assert f'program={standalone()}\nif [ -x "$program" ]; then' in hook
    (repo.path / "notes.txt").write_text("uncommitted\n")  # dirty: checked in a worktree

    refused = repo.push()
    assert refused.returncode != 0, output(refused)
    assert "web exited with code 3" in output(refused)
    repo.commit_procfile(app_command(), "healthy")
    accepted = repo.push()
    assert accepted.returncode == 0, output(accepted)
    assert "release-check: PASSED" in output(accepted)
    assert repo.remote_head() == repo.head()
    assert list(repo.scratch.iterdir()) == []


def _started(pid: int) -> str:
    """When ``pid`` started, as the standalone records it (clock ticks since boot)."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[19]


def _stale_folders(tmp: Path) -> dict[str, Path]:
    """Unpacked folders as earlier runs left them: owners gone, owner alive, no owner record."""
    gone = subprocess.Popen(["sleep", "60"])
    start = _started(gone.pid)
    gone.kill()
    gone.wait()
    me = f"{os.getpid()} {_started(os.getpid())}"
    owners = {"dead": f"{gone.pid} {start} {gone.pid} {start}\n", "alive": f"{me} {me}\n",
              "foreign": None}
    folders = {}
    for name, owner in owners.items():
        folder = folders[name] = tmp / f"_MEI{name}"
        folder.mkdir()
        if owner is not None:
            (folder / ".release-check-owner").write_text(owner)
    return folders


@built
def test_sigkill_of_the_bootloader_stops_the_run_and_its_unpacked_files(tag: str,
                                                                       tmp_path: Path) -> None:
    """A kill -9 of the visible pid: the app and inner runner stop; dead runs' folders go."""
    unpacked = tmp_path / "tmp"
    unpacked.mkdir()
    stale = _stale_folders(unpacked)
    runner = booting(tag, tmp_path, {"TMPDIR": str(unpacked),
                                     "RELEASE_CHECK_SHUTDOWN_GRACE": "2"})
    try:
        inner = psutil.Process(runner.pid).children()
        assert len(inner) == 1
        assert not stale["dead"].exists()
        runner.kill()
        runner.wait()
        _, left = psutil.wait_procs(inner, timeout=30)
        assert left == []
    finally:
        runner.kill()
        runner.wait()
    assert alive(pids_in(tmp_path / "pids")) == []
    assert sorted(unpacked.iterdir()) == [stale["alive"], stale["foreign"]]
