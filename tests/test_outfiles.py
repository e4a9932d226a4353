"""Report files never replace what is not a regular file, never hang on a FIFO, honour the umask.

--report, --junit, GITHUB_STEP_SUMMARY and watch --json alike.
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RC_COMMAND, RunCheck, clean_env

BAD_TIMEOUT = {"RELEASE_CHECK_TIMEOUT": "soon"}  # exit 2 before anything boots: reports written


@pytest.fixture
def umask() -> Iterator[None]:
    """Restore the test process's umask afterwards."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield
    os.umask(saved)


def test_report_through_a_symlink_writes_the_file_it_names(in_process: RunCheck,
                                                          tmp_path: Path) -> None:
    """A report path that is a symlink stays a symlink; the file it names gets the report."""
    real, link = tmp_path / "real.json", tmp_path / "link.json"
    real.write_text("old")
    link.symlink_to(real)
    result = in_process("--report", str(link), env=BAD_TIMEOUT)
    assert result.code == 2
    assert link.is_symlink()
    assert '"passed": false' in real.read_text()


def test_junit_into_a_fifo_with_a_reader_is_written_in_place(release_check: RunCheck,
                                                            tmp_path: Path) -> None:
    """A JUnit path that is a FIFO read by cat gets the whole file, and stays a FIFO."""
    # cat stops at the first end of file: the check before the run must not give it one.
    fifo = tmp_path / "junit.fifo"
    os.mkfifo(fifo)
    with subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE) as reader:
        try:
            result = release_check("--junit", str(fifo),
                                   env={"RELEASE_CHECK_WEB_COMMAND": "exit 3"})
            read, _ = reader.communicate(timeout=30)
        finally:
            reader.kill()
    assert result.code == 1, result.err
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert b"<testsuite" in read


def test_a_fifo_nobody_reads_is_refused_without_hanging(release_check: RunCheck,
                                                       tmp_path: Path) -> None:
    """--report naming a FIFO without a reader is exit 2 at once, naming why; nothing boots."""
    fifo, marker = tmp_path / "report.fifo", tmp_path / "booted"
    os.mkfifo(fifo)
    result = release_check("--report", str(fifo),
                           env={"RELEASE_CHECK_WEB_COMMAND": f"touch {marker}"}, timeout=30)
    assert result.code == 2
    assert "--report: cannot write" in result.err
    assert "it is a FIFO that no process reads" in result.err
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert not marker.exists()


def test_step_summary_into_a_fifo_nobody_reads_does_not_hang(release_check: RunCheck,
                                                            tmp_path: Path) -> None:
    """GITHUB_STEP_SUMMARY naming a FIFO without a reader: a warning, the verdict kept."""
    fifo = tmp_path / "summary.fifo"
    os.mkfifo(fifo)
    env = {**BAD_TIMEOUT, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(fifo)}
    result = release_check(env=env, timeout=30)
    assert result.code == 2
    assert "GITHUB_STEP_SUMMARY: cannot write" in result.out
    assert "it is a FIFO that no process reads" in result.out
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_report_to_dev_null_leaves_the_device(in_process: RunCheck) -> None:
    """--report /dev/null writes into the device (never replaces it): still a character device."""
    result = in_process("--report", os.devnull, "--junit", os.devnull, env=BAD_TIMEOUT)
    assert result.code == 2
    assert "cannot write" not in result.err
    assert stat.S_ISCHR(Path(os.devnull).stat().st_mode)


@pytest.mark.parametrize(("mask", "mode"), [(0o027, 0o640), (0o002, 0o664)])
@pytest.mark.usefixtures("umask")
def test_a_new_report_has_the_mode_the_umask_allows(in_process: RunCheck, tmp_path: Path,
                                                    mask: int, mode: int) -> None:
    """A new report and JUnit file get 0666 less the umask, as other tools' output files do."""
    os.umask(mask)
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    in_process("--report", str(report), "--junit", str(junit), env=BAD_TIMEOUT)
    assert stat.S_IMODE(report.stat().st_mode) == mode
    assert stat.S_IMODE(junit.stat().st_mode) == mode


def test_a_replaced_report_keeps_its_mode(in_process: RunCheck, tmp_path: Path) -> None:
    """Writing over an existing report keeps the mode its owner gave it."""
    report = tmp_path / "report.json"
    report.write_text("old")
    report.chmod(0o604)
    in_process("--report", str(report), env=BAD_TIMEOUT)
    assert stat.S_IMODE(report.stat().st_mode) == 0o604
    assert '"passed": false' in report.read_text()


def test_watch_json_into_a_fifo_nobody_reads_is_refused_at_once(release_check: RunCheck,
                                                               tmp_path: Path) -> None:
    """The watch's --json naming a FIFO without a reader is exit 2 before watching, not a hang."""
    fifo = tmp_path / "summary.fifo"
    os.mkfifo(fifo)
    result = release_check("watch", "http://127.0.0.1:9/health_check", "--duration", "20",
                           "--json", str(fifo), timeout=30)
    assert result.code == 2
    assert "--json: cannot write" in result.err
    assert "it is a FIFO that no process reads" in result.err
    assert result.seconds < 15


def test_report_to_an_inherited_pipe_by_its_dev_fd_path(tag: str, tmp_path: Path) -> None:
    """--report /dev/fd/N (a shell's process substitution) writes into the pipe it names."""
    read_end, write_end = os.pipe()
    try:
        done = subprocess.run([*RC_COMMAND, "--report", f"/dev/fd/{write_end}"], cwd=tmp_path,
                              env=clean_env(tag, BAD_TIMEOUT), pass_fds=(write_end,),
                              capture_output=True, text=True, timeout=30, check=False)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as stream:
            written = stream.read()
    finally:
        with contextlib.suppress(OSError):
            os.close(write_end)
    assert done.returncode == 2, done.stderr
    assert "cannot write" not in done.stderr
    assert b'"passed": false' in written
