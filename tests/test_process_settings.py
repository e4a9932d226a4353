"""Choosing the processes of a run and their settings: variables, flags, [process.NAME] tables."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from release_check.cli import main
from release_check.config import ProcessSpec, load, process_commands
from release_check.config.file import locate
from release_check.config.processes import parse_table
from release_check.errors import ConfigError, ProcfileError
from tests.conftest import REPO


def _file(tmp_path: Path, text: str) -> Path:
    (tmp_path / "release-check.toml").write_text(text)
    return tmp_path / "Procfile"


def test_default_is_the_web_process_alone() -> None:
    """With nothing set, no process but web is booted."""
    config = load({}, {})
    assert config.processes == ()
    assert config.companions() == ()


def test_variable_names_the_processes_in_order() -> None:
    """RELEASE_CHECK_PROCESSES lists types, spaces allowed, each once; web is no companion."""
    config = load({}, {"RELEASE_CHECK_PROCESSES": "web, worker,clock,worker"})
    assert config.processes == ("web", "worker", "clock")
    assert [spec.name for spec in config.companions()] == ["worker", "clock"]


def test_flag_wins_over_the_variable() -> None:
    """--processes overrides RELEASE_CHECK_PROCESSES."""
    config = load({"processes": "web"}, {"RELEASE_CHECK_PROCESSES": "web,worker"})
    assert config.companions() == ()


def test_companions_default_to_a_five_second_uptime_and_the_run_timeout() -> None:
    """A process without a table is healthy after 5 s up; its timeout is RELEASE_CHECK_TIMEOUT."""
    config = load({}, {"RELEASE_CHECK_PROCESSES": "web,worker", "RELEASE_CHECK_TIMEOUT": "30"})
    assert config.companions() == (ProcessSpec("worker", uptime=5.0, timeout=30.0),)


def test_config_file_list_and_tables_coexist(tmp_path: Path) -> None:
    """A `processes` list and [process.NAME] tables are read together from one file."""
    procfile = _file(tmp_path, 'processes = ["web", "worker", "clock"]\n'
                               '[process.worker]\nready = "celery@\\\\S+ ready"\ntimeout = 20\n'
                               "max_memory_mb = 256\n[process.clock]\nuptime = 2.5\n"
                               "[process.migrate]\noneshot = true\n")
    config = load({}, {}, file=locate(None, procfile))
    worker, clock = config.companions()
    assert worker == ProcessSpec("worker", ready=r"celery@\S+ ready", timeout=20.0,
                                 max_memory_mb=256.0)
    assert (clock.uptime, clock.ready, clock.timeout) == (2.5, None, 60.0)
    assert [spec.name for spec in config.process_specs] == ["worker", "clock", "migrate"]


def test_pyproject_tables_sit_under_tool_release_check(tmp_path: Path) -> None:
    """In pyproject.toml the tables are [tool.release-check.process.NAME]."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.release-check]\nprocesses = ["web", "worker"]\n'
        "[tool.release-check.process.worker]\noneshot = true\n")
    config = load({}, {}, file=locate(None, tmp_path / "Procfile"))
    assert config.companions()[0].oneshot is True


def test_ready_variable_sets_or_overrides_the_table(tmp_path: Path) -> None:
    """RELEASE_CHECK_READY_<NAME> (dashes as underscores) sets the ready regex over the table."""
    procfile = _file(tmp_path, '[process.worker-high]\nready = "old"\nuptime = 3\n')
    env = {"RELEASE_CHECK_PROCESSES": "web,worker-high",
           "RELEASE_CHECK_READY_WORKER_HIGH": "Sidekiq .* starting processing"}
    spec = load({}, env, file=locate(None, procfile)).companions()[0]
    assert (spec.ready, spec.uptime) == ("Sidekiq .* starting processing", 3.0)


@pytest.mark.parametrize(("env", "message"), [
    ({"RELEASE_CHECK_PROCESSES": "web,release"}, "RELEASE_CHECK_PROCESSES: 'release' would run"),
    ({"RELEASE_CHECK_PROCESSES": " , "}, "RELEASE_CHECK_PROCESSES: name at least one"),
    ({"RELEASE_CHECK_PROCESSES": "web,work er"}, "RELEASE_CHECK_PROCESSES: 'work er' is not a"),
    ({"RELEASE_CHECK_PROCESSES": "worker"}, "RELEASE_CHECK_PROCESSES: name web too (web, worker)"),
    ({"RELEASE_CHECK_PROCESSES": "web,worker", "RELEASE_CHECK_READY_WORKER": "(unclosed"},
     "RELEASE_CHECK_READY_WORKER: \"(unclosed\" is not a valid regex"),
    ({"RELEASE_CHECK_PROCESSES": "web,worker", "RELEASE_CHECK_READY_WORKER": "x*"},
     "can match an empty string, so any line would count as ready"),
])
def test_bad_choices_are_config_errors_naming_the_variable(env: dict[str, str],
                                                           message: str) -> None:
    """Each bad choice of processes is exit 2, naming the variable."""
    with pytest.raises(ConfigError) as raised:
        load({}, env)
    assert any(problem.startswith(message) or message in problem
               for problem in raised.value.problems), raised.value.problems


@pytest.mark.parametrize(("table", "message"), [
    ("[process.worker]\nready = 3\n", "process.worker: ready must be a string"),
    ("[process.worker]\nuptime = -1\n", "process.worker: uptime -1 must be a non-negative"),
    ("[process.worker]\ntimeout = 0\n", "process.worker: timeout 0 must be a positive number"),
    ("[process.worker]\ntimeout = 1e300\n", "process.worker: timeout 1e+300 is more than 3600"),
    ("[process.worker]\nuptime = 7200\n", "process.worker: uptime 7200 is more than 3600 seconds"),
    ("[process.worker]\nuptime = [1]\n", "process.worker: uptime must be a number, not an array"),
    ('[process.worker]\nmax_memory_mb = "lots"\n', "process.worker: max_memory_mb must be a"),
    ('[process.worker]\noneshot = "yes"\n', "process.worker: oneshot must be true or false"),
    ("[process.worker]\nreddy = 'x'\n", "process.worker: unknown key 'reddy' (known: ready,"),
    ("[process.web]\nuptime = 3\n", "process.web: web is checked over HTTP"),
    ("[process.release]\nuptime = 3\n", "process.release: not a process type"),
    ("process = 3\n", "process: must be a table of tables"),
])
def test_bad_tables_name_the_file_and_the_key(tmp_path: Path, table: str, message: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A bad [process.NAME] table is exit 2 naming the file, the table and the key."""
    procfile = _file(tmp_path, table)
    code = main(["--procfile", str(procfile)], {"RELEASE_CHECK_WEB_COMMAND": "true"})
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert f"{tmp_path / 'release-check.toml'}: " in err


def test_procfile_names_the_file_and_its_entries_when_one_is_missing(tmp_path: Path) -> None:
    """A chosen process, or a table, missing from the Procfile: exit 2 listing the entries."""
    procfile = tmp_path / "Procfile"
    procfile.write_text("web: serve\nworker: celery\nrelease: release-check\n")
    assert process_commands(procfile, (), ["worker"]) == ({"worker": "celery"}, [])
    with pytest.raises(ProcfileError, match=r"has no 'clock' entry \(entries found: release, web,"
                                            r" worker\)"):
        process_commands(procfile, (), ["worker", "clock"])
    with pytest.raises(ProcfileError, match="has no 'wroker' entry"):
        process_commands(procfile, (ProcessSpec("wroker"),), ["worker"])


def test_a_missing_procfile_says_which_processes_need_it(tmp_path: Path) -> None:
    """Without a Procfile, the processes that run from it are named."""
    with pytest.raises(ProcfileError, match="worker, clock run from its entries"):
        process_commands(tmp_path / "Procfile", (), ["worker", "clock"])


def test_ready_regex_searches_only_the_start_of_a_long_line() -> None:
    """The ready regex sees a line's first 1024 characters: output cannot make it scan forever."""
    spec = ProcessSpec("worker", ready="ready")
    assert spec.matches("x" * 1000 + " ready")
    assert not spec.matches("x" * 1030 + " ready")


def test_the_examples_in_docs_processes_md_are_valid_tables() -> None:
    """Every TOML example of docs/processes.md parses, and each process table is accepted."""
    text = (REPO / "docs" / "processes.md").read_text()
    blocks = re.findall(r"```toml\n(.*?)```", text, re.S)
    assert len(blocks) >= 4
    for block in blocks:
        document = tomllib.loads(block)
        tables = document.get("tool", {}).get("release-check", document).get("process", {})
        assert tables, block
        for name, table in tables.items():
            parse_table(name, table)
