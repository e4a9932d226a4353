"""Several process types in one run: real web and worker processes, booted, judged, stopped."""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import APPS, FIXTURE_APP, REPO, RunCheck, alive, clean_env, pids_in

pytestmark = pytest.mark.slow

WORKER_APP = APPS / "worker_app.py"
SCHEMA = json.loads((REPO / "docs" / "report.schema.json").read_text())
CELERY_READY = r"celery@\S+ ready"


def _command(app: Path, *flags: str) -> str:
    return shlex.join([sys.executable, str(app), *flags])


def procfile(folder: Path, web: tuple[str, ...] = (), **others: tuple[str, ...]) -> Path:
    """A Procfile booting the fixture web app and one worker app per keyword."""
    lines = [f"web: {_command(FIXTURE_APP, *web)}", "release: release-check"]
    lines += [f"{name}: {_command(WORKER_APP, *flags)}" for name, flags in others.items()]
    path = folder / "Procfile"
    path.write_text("\n".join(lines) + "\n")
    return path


def settings(folder: Path, text: str) -> None:
    """A release-check.toml beside the Procfile."""
    (folder / "release-check.toml").write_text(text)


def _env(**extra: str) -> dict[str, str]:
    return {"RELEASE_CHECK_TIMEOUT": "20", **{f"RELEASE_CHECK_{k.upper()}": v
                                              for k, v in extra.items()}}


def _report(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text())
    jsonschema.validate(report, SCHEMA)
    return report


def test_worker_crash_at_boot_fails_naming_it_and_its_last_lines(release_check: RunCheck,
                                                                 tmp_path: Path) -> None:
    """Web healthy, worker crashing at boot: FAILED names the worker, its code and last lines."""
    marker = tmp_path / "web-was-checked"
    procfile(tmp_path, web=("--request-marker", str(marker)),
             worker=("--wait-for", str(marker), "--boot-delay", "0.2", "--import-error"))
    report = tmp_path / "report.json"
    result = release_check("--report", str(report), env=_env(processes="web,worker"))
    assert result.code == 1, result.out
    assert result.verdict.startswith(
        "release-check: FAILED: worker exited with code 1 before it was ready (after ")
    lines = result.out.splitlines()
    header = lines.index("release-check: last lines of worker's output:")
    assert "ModuleNotFoundError: No module named 'app.tasks'" in "\n".join(lines[header:])
    assert "worker | ModuleNotFoundError: No module named 'app.tasks'" in result.out
    processes = _report(report)["processes"]
    assert processes["web"]["ready_s"] is not None  # web had passed its check
    assert (processes["worker"]["passed"], processes["worker"]["exit_code"]) == (False, 1)


def test_worker_crash_ends_the_run_while_web_is_still_booting(release_check: RunCheck,
                                                              tmp_path: Path) -> None:
    """A worker crash is seen at once, not after web's 30 s deadline runs out."""
    procfile(tmp_path, web=("--never-bind",), worker=("--import-error",))
    result = release_check(env=_env(processes="web,worker", timeout="30"))
    assert result.code == 1, result.out
    assert "FAILED: worker exited with code 1 before it was ready" in result.verdict
    assert result.seconds < 15


def test_worker_crash_in_webs_uptime_window_is_seen_at_once(release_check: RunCheck,
                                                            tmp_path: Path) -> None:
    """A worker dying while web sits out a 30 s uptime window ends the run there and then."""
    marker = tmp_path / "web-was-checked"
    procfile(tmp_path, web=("--request-marker", str(marker)),
             worker=("--wait-for", str(marker), "--ready-after", "0", "--exit-after-ready", "1",
                     "--exit-delay", "0.3"))
    result = release_check(env=_env(processes="web,worker", uptime="30",
                                    ready_worker=CELERY_READY))
    assert result.code == 1, result.out
    assert "FAILED: worker exited with code 1 after it was ready" in result.verdict
    assert result.seconds < 20


def test_worker_with_ready_regex_passes_as_soon_as_the_line_is_printed(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """A ready line ends the wait at once: the 30 s uptime window is not waited out."""
    procfile(tmp_path, worker=("--ready-after", "0.5"))
    settings(tmp_path, f'processes = ["web", "worker"]\n[process.worker]\nready = '
                       f"'{CELERY_READY}'\nuptime = 30\n")
    report = tmp_path / "report.json"
    result = release_check("--report", str(report), env=_env())
    assert result.code == 0, result.out
    assert result.seconds < 20
    assert "; worker ready in " in result.verdict
    assert result.verdict.startswith('release-check: PASSED web GET /health_check -> 200 "OKAY"')
    worker = _report(report)["processes"]["worker"]
    assert (worker["passed"], worker["ready_by"]) == (True, "line")
    assert worker["ready_line"].endswith(" ready.")


def test_worker_that_never_prints_its_ready_line_fails_at_its_timeout(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """No ready line by the worker's timeout: FAILED saying what was awaited, with last lines."""
    procfile(tmp_path, worker=("--never-ready",))
    settings(tmp_path, '[process.worker]\ntimeout = 1\n')
    env = _env(processes="web,worker", ready_worker=CELERY_READY)
    result = release_check(env=env)
    assert result.code == 1, result.out
    assert result.verdict.startswith(
        r"release-check: FAILED: worker printed no line matching /celery@\S+ ready/ within 1s"
        " (it is still running); Celery prints its ready line at INFO")
    tail = result.out.split("last lines of worker's output:")[1]
    assert "Cannot connect to redis://" in tail


def test_worker_whose_ready_regex_backtracks_fails_saying_the_search_timed_out(
    release_check: RunCheck, tmp_path: Path
) -> None:
    """A worker line the ready regex backtracks on is no match; the verdict says it timed out."""
    line = "a" * 1000 + "!"  # ^(a|a)+$ has 2**1000 ways to fail on it
    worker = f"print({line!r}, flush=True); import time; time.sleep(60)"
    (tmp_path / "Procfile").write_text(f"web: {_command(FIXTURE_APP)}\n"
                                       f"worker: {shlex.join([sys.executable, '-c', worker])}\n")
    settings(tmp_path, '[process.worker]\ntimeout = 1.5\n')
    result = release_check(env=_env(processes="web,worker", ready_worker="^(a|a)+$"))
    assert result.code == 1, result.out
    assert result.verdict.startswith(
        "release-check: FAILED: worker printed no line matching /^(a|a)+$/ within 1.5s (it is"
        " still running); the search of a line of its output timed out after 0.25 s (the regex"
        " backtracks on it), so that line counted as no match")


def test_sigterm_to_the_runner_leaves_nothing_of_web_or_worker(tag: str, tmp_path: Path) -> None:
    """SIGTERM while web and worker (each with a child) run: every process of both is gone."""
    pid_dir = tmp_path / "pids"
    procfile(tmp_path, web=("--never-bind", "--grandchild", "--pid-dir", str(pid_dir)),
             worker=("--child", "--ignore-sigterm", "--pid-dir", str(pid_dir)))
    env = clean_env(tag, _env(processes="web,worker", shutdown_grace="1"))
    runner = subprocess.Popen([sys.executable, "-m", "release_check"], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        while len(pids_in(pid_dir)) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(pids_in(pid_dir)) == 4
        runner.send_signal(signal.SIGTERM)
        out, _ = runner.communicate(timeout=20)
    finally:
        runner.kill()
        runner.wait()
    assert runner.returncode == 1
    assert "FAILED: interrupted by SIGTERM" in out
    assert alive(pids_in(pid_dir)) == []


def test_only_web_gets_port_and_each_line_is_labelled(release_check: RunCheck,
                                                     tmp_path: Path) -> None:
    """The worker runs without PORT; its lines are relayed as `worker | ...`."""
    procfile(tmp_path, worker=("--ready-after", "0.1"))
    result = release_check(env=_env(processes="web,worker", ready_worker=CELERY_READY))
    assert result.code == 0, result.out
    assert "worker | [tasks]" in result.out
    assert "web | booting" in result.out
    assert "unexpected PORT" not in result.out


def test_uptime_window_of_a_clock_is_waited_from_its_start(release_check: RunCheck,
                                                           tmp_path: Path) -> None:
    """Without a ready regex a process passes once up its uptime; the verdict says `up Ns`."""
    procfile(tmp_path, clock=("--ready-after", "0"))
    settings(tmp_path, 'processes = ["web", "clock"]\n[process.clock]\nuptime = 1\n')
    result = release_check(env=_env())
    assert result.code == 0, result.out
    assert result.seconds >= 1
    assert "; clock up 1s" in result.verdict


def test_exit_zero_after_ready_fails_a_worker_but_passes_a_oneshot(release_check: RunCheck,
                                                                   tmp_path: Path) -> None:
    """A worker that exits 0 once ready fails the run; with oneshot = true it passes."""
    procfile(tmp_path, worker=("--ready-after", "0", "--exit-after-ready", "0"))
    table = f"processes = ['web', 'worker']\n[process.worker]\nready = '{CELERY_READY}'\n"
    settings(tmp_path, table)
    failed = release_check(env=_env(uptime="1"))
    assert failed.code == 1, failed.out
    assert "FAILED: worker exited with code 0 after it was ready" in failed.verdict
    settings(tmp_path, table + "oneshot = true\n")
    passed = release_check(env=_env(uptime="1"))
    assert passed.code == 0, passed.out
    assert "; worker finished with code 0 in " in passed.verdict


def test_a_type_over_its_memory_budget_fails_naming_it(release_check: RunCheck,
                                                       tmp_path: Path) -> None:
    """The worker's own peak is compared with its max_memory_mb."""
    procfile(tmp_path, worker=("--memory-mb", "80"))
    settings(tmp_path, "processes = ['web', 'worker']\n[process.worker]\nuptime = 1.5\n"
                       "max_memory_mb = 20\n")
    report = tmp_path / "report.json"
    result = release_check("--report", str(report), env=_env())
    assert result.code == 1, result.out
    assert "FAILED: worker peaked at " in result.verdict
    assert "over the 20 MB limit (max_memory_mb in [process.worker])" in result.verdict
    entries = _report(report)["processes"]
    assert entries["worker"]["peak_memory_bytes"] > 60 * 1024 * 1024
    assert entries["web"]["peak_memory_bytes"] < 60 * 1024 * 1024


def test_a_name_missing_from_the_procfile_is_exit_2_listing_entries(release_check: RunCheck,
                                                                    tmp_path: Path) -> None:
    """RELEASE_CHECK_PROCESSES naming an absent entry stops before anything boots."""
    procfile(tmp_path, worker=())
    result = release_check(env=_env(processes="web,worker,clock"))
    assert result.code == 2
    assert "has no 'clock' entry (entries found: release, web, worker)" in result.err
    assert "web | " not in result.out


def test_the_junit_file_has_a_stage_per_process(release_check: RunCheck, tmp_path: Path) -> None:
    """JUnit gains a `process: worker` case, passed with its ready line."""
    procfile(tmp_path, worker=("--ready-after", "0.1"))
    junit = tmp_path / "junit.xml"
    result = release_check("--junit", str(junit),
                           env=_env(processes="web,worker", ready_worker=CELERY_READY))
    assert result.code == 0, result.out
    text = junit.read_text()
    assert 'name="process: worker"' in text
    assert " ready." in text
