"""install-hook under the hook managers people use: real husky and real lefthook, real pushes.

husky comes from the npm registry (installed once per test session into a temporary folder;
the tests skip when npm or the registry is not there); lefthook from PyPI (the test extra).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from release_check.hooks.managers import HUSKY_LINE, LEFTHOOK_ENTRY
from tests.conftest import RunCheck, app_command
from tests.gitrepo import Repo, install, make_repo, output

BIN = str(Path(sys.executable).parent)  # release-check and lefthook, as pip installed them
USER_LEFTHOOK = "pre-commit:\n  commands:\n    lint:\n      run: 'true'\n"


@pytest.fixture(scope="session")
def husky(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The husky command (bin.js), from the npm registry; the test skips without it."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("npm and node are needed to install husky")
    folder = tmp_path_factory.mktemp("husky")
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(folder),
                           "husky@9"], capture_output=True, text=True, timeout=300, check=False)
    command = folder / "node_modules" / "husky" / "bin.js"
    if done.returncode != 0 or not command.is_file():
        pytest.skip(f"npm could not install husky: {done.stderr.strip()[-300:]}")
    return command


@pytest.fixture
def repo(tmp_path: Path, tag: str) -> Repo:
    """A repository whose Procfile boots a crashing app; release-check on PATH, as pip puts it."""
    path = os.pathsep.join([BIN, os.environ.get("PATH", os.defpath)])
    return make_repo(tmp_path, tag, app_command("--exit", "3"), {"PATH": path})


def run_husky(repo: Repo, husky: Path) -> None:
    """What `npm install` runs through husky's `prepare` script: (re)write .husky/_ ."""
    done = subprocess.run(["node", str(husky)], cwd=repo.path, env=repo.env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0 and (repo.path / ".husky" / "_" / "h").is_file(), done.stderr


def assert_refused_then_accepted(repo: Repo) -> None:
    """The crashing commit's push is refused; once fixed, the push goes through."""
    refused = repo.push()
    assert refused.returncode != 0, output(refused)
    assert "web exited with code 3" in output(refused)
    assert repo.remote_head() == ""
    repo.commit_procfile(app_command(), "healthy")
    accepted = repo.push()
    assert accepted.returncode == 0, output(accepted)
    assert "release-check: PASSED" in output(accepted)
    assert repo.remote_head() == repo.head()


@pytest.mark.slow
def test_husky_runs_the_line_install_hook_adds_to_its_pre_push_script(
    repo: Repo, release_check: RunCheck, husky: Path
) -> None:
    """With husky v9, the line goes into .husky/pre-push, survives `npm install`, and checks."""
    run_husky(repo, husky)
    (repo.path / ".husky" / "pre-push").write_text("echo 'the team step'\n")
    shown = install(release_check, repo)
    assert f"added .husky/pre-push: `{HUSKY_LINE}`" in shown
    assert "already in .husky/pre-push" in install(release_check, repo)
    run_husky(repo, husky)  # npm install again: husky rewrites .husky/_ and nothing else
    script = repo.path / ".husky" / "pre-push"
    assert script.read_text() == f"echo 'the team step'\n{HUSKY_LINE}\n"

    assert_refused_then_accepted(repo)
    assert "the team step" in output(repo.push())

    removed = release_check("uninstall-hook", env=repo.env, cwd=repo.path)
    assert removed.code == 0, removed.err
    assert script.read_text() == "echo 'the team step'\n"


def lefthook_install(repo: Repo) -> None:
    """`lefthook install`: git's pre-push hook runs lefthook; the test skips without lefthook."""
    lefthook = shutil.which("lefthook", path=BIN) or shutil.which("lefthook")
    if lefthook is None:
        pytest.skip("lefthook is not installed (pip install lefthook)")
    done = subprocess.run([lefthook, "install"], cwd=repo.path, env=repo.env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_lefthook_runs_the_command_install_hook_adds_to_its_configuration(
    repo: Repo, release_check: RunCheck
) -> None:
    """With a lefthook.yml, a pre-push command with use_stdin is added; lefthook runs it."""
    config = repo.path / "lefthook.yml"
    config.write_text(USER_LEFTHOOK)
    repo.commit("lefthook")
    shown = install(release_check, repo)
    assert "added lefthook.yml: a pre-push command running release-check" in shown
    assert config.read_text() == f"{USER_LEFTHOOK}\npre-push:\n  commands:\n{LEFTHOOK_ENTRY}"
    assert "already in lefthook.yml" in install(release_check, repo)
    assert not (repo.path / ".git" / "hooks" / "pre-push").exists()
    lefthook_install(repo)

    assert_refused_then_accepted(repo)


def test_a_lefthook_command_without_use_stdin_says_it_checked_nothing(repo: Repo) -> None:
    """Without use_stdin the refs never arrive: the push goes on, with a note saying so."""
    entry = LEFTHOOK_ENTRY.replace("      use_stdin: true\n", "")
    (repo.path / "lefthook.yml").write_text(f"pre-push:\n  commands:\n{entry}")
    repo.commit("lefthook without use_stdin")
    lefthook_install(repo)
    pushed = repo.push()
    assert "release-check: no refs on standard input: nothing to check" in output(pushed)


def test_a_lefthook_pre_push_section_of_the_users_gets_the_entry_printed(
    repo: Repo, release_check: RunCheck
) -> None:
    """A lefthook.yml with its own pre-push section is left alone; the entry to add is shown."""
    config = repo.path / "lefthook.yml"
    config.write_text("pre-push:\n  commands:\n    tests:\n      run: pytest\n")
    refused = release_check("install-hook", env=repo.env, cwd=repo.path)
    assert refused.code == 2
    assert "lefthook.yml has a pre-push section of its own" in refused.err
    assert LEFTHOOK_ENTRY.rstrip() in refused.err
    assert config.read_text() == "pre-push:\n  commands:\n    tests:\n      run: pytest\n"
    assert not (repo.path / ".git" / "hooks" / "pre-push").exists()
