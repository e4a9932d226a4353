"""The config file: where it is found, precedence, and every error naming key and file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from release_check.config import discover, load
from release_check.config.file import locate
from release_check.errors import ConfigError, UsageError
from tests.conftest import RunCheck

PROCFILE = Path("Procfile")


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs in its own folder, so files are named as a user at the app root sees them."""
    monkeypatch.chdir(tmp_path)


def test_pyproject_table_is_read(tmp_path: Path) -> None:
    """[tool.release-check] in pyproject.toml beside the Procfile supplies settings."""
    (tmp_path / "pyproject.toml").write_text('[tool.release-check]\ntimeout = 30\npath = "/up"\n')
    config = load({}, {}, file=locate(None, PROCFILE))
    assert (config.timeout, config.path) == (30.0, "/up")


def test_pyproject_without_the_table_is_ignored(tmp_path: Path) -> None:
    """A pyproject.toml with no [tool.release-check] means no config file."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    assert locate(None, PROCFILE) is None


def test_standalone_file_wins_over_pyproject(tmp_path: Path) -> None:
    """release-check.toml is used when both files exist."""
    (tmp_path / "pyproject.toml").write_text("[tool.release-check]\ntimeout = 30\n")
    (tmp_path / "release-check.toml").write_text("timeout = 12\n")
    config = load({}, {}, file=locate(None, PROCFILE))
    assert config.timeout == 12.0


def test_named_file_replaces_discovery(tmp_path: Path) -> None:
    """--config / RELEASE_CHECK_CONFIG names the file to read."""
    (tmp_path / "release-check.toml").write_text("timeout = 12\n")
    other = tmp_path / "staging.toml"
    other.write_text("timeout = 7\n")
    config = load({}, {}, file=locate(other, PROCFILE))
    assert config.timeout == 7.0


@pytest.mark.parametrize(("flags", "environ", "named"), [
    ({"config_file": "nope.toml"}, {}, "--config"),
    ({}, {"RELEASE_CHECK_CONFIG": "nope.toml"}, "RELEASE_CHECK_CONFIG"),
])
def test_named_file_must_exist(flags: dict[str, str], environ: dict[str, str],
                               named: str) -> None:
    """A named config file that is missing is an error naming the flag or the variable."""
    with pytest.raises(ConfigError) as caught:
        discover(flags, environ)
    assert caught.value.problems == [f"{named}: no such file: nope.toml"]


def test_precedence_is_flag_then_variable_then_file(tmp_path: Path) -> None:
    """Flag > variable > file > default, setting by setting."""
    (tmp_path / "release-check.toml").write_text("timeout = 30\nrequest_timeout = 3\nuptime = 4\n")
    file = locate(None, PROCFILE)
    config = load({"timeout": "10"}, {"RELEASE_CHECK_TIMEOUT": "20",
                                      "RELEASE_CHECK_REQUEST_TIMEOUT": "2"}, file=file)
    assert (config.timeout, config.request_timeout, config.uptime) == (10.0, 2.0, 4.0)
    assert config.shutdown_grace == 10.0


def test_unknown_key_names_the_key_and_file(tmp_path: Path) -> None:
    """A key that is no setting is an error naming it and the file."""
    (tmp_path / "release-check.toml").write_text("timout = 30\n")
    with pytest.raises(ConfigError, match=r"^release-check.toml: timout: unknown setting"):
        load({}, {}, file=locate(None, PROCFILE))


def test_bad_value_in_file_names_key_and_file(tmp_path: Path) -> None:
    """A bad value is reported with the file and the key, beside other problems."""
    (tmp_path / "pyproject.toml").write_text('[tool.release-check]\nport = 0\npath = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load({}, {}, file=locate(None, PROCFILE))
    assert sorted(caught.value.problems) == [
        "pyproject.toml: [tool.release-check] path: 'x' must start with /",
        "pyproject.toml: [tool.release-check] port: '0' is not a port number (1..65535)"]


def test_toml_types_map_onto_settings(tmp_path: Path) -> None:
    """Booleans, arrays and numbers in TOML are read as their type, each header on its own."""
    (tmp_path / "release-check.toml").write_text(
        "strict_bind = true\nrouter_headers = false\nexpected_status = [200, 204, \"3xx\"]\n"
        'port = 5000\ntimeout = 2.5\nheaders = ["X-A: 1", "Cookie: a=1; b=2"]\n')
    config = load({}, {}, file=locate(None, PROCFILE))
    assert config.strict_bind is True
    assert config.router_headers is False
    assert config.expected_status.codes == {200, 204, *range(300, 400)}
    assert (config.port, config.timeout) == (5000, 2.5)
    assert config.headers == (("X-A", "1"), ("Cookie", "a=1; b=2"))


@pytest.mark.parametrize(("line", "problem"), [
    ("timeout = true", "timeout: expected a number of seconds, got true"),
    ('timeout = "30"', 'timeout: expected a number of seconds, got "30"'),
    ("max_memory_mb = [512]", "max_memory_mb: expected a number of megabytes, got an array"),
    ("port = 5000.0", "port: expected an integer port number, got 5000.0"),
    ('strict_bind = "yes"', 'strict_bind: expected true or false, got "yes"'),
    ("path = 1", "path: expected a string, got 1"),
    ("report = { a = 1 }", "report: expected a string, got a table"),
    ('expected_status = "200"', 'expected_status: expected an HTTP status (100..599) such as'
                                ' 200, a class such as "2xx", or an array of them, got "200"'),
    ('headers = "Authorization: Bearer tok-123"',
     'headers: expected an array of "Name: value" strings'),
    ('headers = ["Authorization Bearer tok-123"]', "headers: header 1: it is not 'Name: value'"),
    ("config = 'other.toml'", "config: not allowed in a config file"),
    ("skip = true", "skip: not allowed in a config file"),
])
def test_wrong_toml_type_names_key_file_and_type(tmp_path: Path, line: str, problem: str) -> None:
    """A value of the wrong TOML type is one error naming file, table, key and expected type."""
    (tmp_path / "pyproject.toml").write_text(f"[tool.release-check]\n{line}\n")
    with pytest.raises(ConfigError) as caught:
        load({}, {}, file=locate(None, PROCFILE))
    assert caught.value.problems == [f"pyproject.toml: [tool.release-check] {problem}"]
    assert "tok-123" not in problem


def test_report_from_the_file_reaches_the_config(tmp_path: Path) -> None:
    """``report`` in the file is the Config's report path, with the file and key as source."""
    (tmp_path / "release-check.toml").write_text('report = "r.json"\n')
    config = load({}, {}, file=locate(None, PROCFILE))
    assert config.report == Path("r.json")
    assert config.source("report") == "release-check.toml: report"
    assert config.config_file == Path("release-check.toml")


def test_config_file_that_is_no_regular_file_or_a_huge_number_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A release-check.toml FIFO is refused unread; a 5000-digit number is invalid TOML."""
    monkeypatch.chdir(tmp_path)
    os.mkfifo("release-check.toml")
    with pytest.raises(UsageError, match=r"cannot read release-check\.toml: it is a FIFO"):
        locate(None, PROCFILE)
    Path("release-check.toml").unlink()
    Path("release-check.toml").write_text("timeout = " + "9" * 5000 + "\n")
    with pytest.raises(UsageError, match="is not valid TOML: Exceeds the limit"):
        locate(None, PROCFILE)


@pytest.mark.parametrize(("document", "says"), [
    ("x = " + "[" * 100_000 + "]" * 100_000, "release-check.toml is nested too deeply to read"),
    ("x = " + "{a = " * 5_000 + "1" + "}" * 5_000, "release-check.toml is nested too deeply"),
])
def test_deeply_nested_file_is_one_line(tmp_path: Path, document: str, says: str) -> None:
    """100,000 nested arrays (tomllib recurses) are one usage error, not a RecursionError."""
    (tmp_path / "release-check.toml").write_text(document)
    with pytest.raises(UsageError, match=says):
        locate(None, PROCFILE)


@pytest.mark.parametrize(("document", "says"), [
    ('tool = "x"\n', 'pyproject.toml: tool must be a table ([tool]), got "x"'),
    ("[tool]\nrelease-check = 5\n", "pyproject.toml: [tool.release-check] must be a table, got 5"),
    ("[tool.release-check]\nchecks = 1\n",
     "pyproject.toml: [tool.release-check] checks: must be an array of tables"),
])
def test_pyproject_of_the_wrong_shape_is_one_line(tmp_path: Path, document: str,
                                                  says: str) -> None:
    """A ``tool`` or ``[tool.release-check]`` that is not a table is refused, never skipped."""
    (tmp_path / "pyproject.toml").write_text(document)
    with pytest.raises(UsageError) as caught:
        locate(None, PROCFILE)
    assert str(caught.value).startswith(says)


@pytest.mark.parametrize(("name", "document", "says"), [
    ("release-check.toml", "x = " + "[" * 100_000 + "]" * 100_000,
     "release-check.toml is nested too deeply to read"),
    ("pyproject.toml", 'tool = "x"\n', 'pyproject.toml: tool must be a table ([tool]), got "x"'),
    ("pyproject.toml", "[tool]\nrelease-check = 5\n",
     "pyproject.toml: [tool.release-check] must be a table, got 5"),
    ("release-check.toml", "timeout = 1e10\n",
     "release-check.toml: timeout: '10000000000.0' is more than 3600 seconds"),
])
def test_file_errors_are_one_line_and_exit_2(in_process: RunCheck, tmp_path: Path, name: str,
                                             document: str, says: str) -> None:
    """Through the CLI, each bad file gives exit 2 and one line, never a traceback."""
    (tmp_path / name).write_text(document)
    result = in_process(env={"RELEASE_CHECK_WEB_COMMAND": "true"})
    assert result.code == 2
    assert result.err.startswith(f"release-check: error: {says}")
    assert len(result.err.splitlines()) == 1


def test_invalid_toml_is_a_usage_error(tmp_path: Path) -> None:
    """A TOML syntax error names the file."""
    (tmp_path / "release-check.toml").write_text("timeout = \n")
    with pytest.raises(UsageError, match=r"release-check\.toml is not valid TOML"):
        locate(None, PROCFILE)


def test_checks_are_parsed(tmp_path: Path) -> None:
    """[[checks]] tables become checks, with method, headers, status and a matcher."""
    (tmp_path / "release-check.toml").write_text(
        '[[checks]]\npath = "/health_check"\nbody = "OKAY"\n'
        '[[checks]]\npath = "/status"\njson = { "/status" = "ok" }\nheaders = { Accept = "a" }\n'
        '[[checks]]\npath = "/"\nmethod = "HEAD"\nstatus = "2xx"\n')
    config = load({}, {}, file=locate(None, PROCFILE))
    first, second, third = config.expectations()
    assert (first.request, first.body.kind) == ("GET /health_check", "exact")
    assert second.body.kind == "json"
    assert second.headers == (("Accept", "a"),)
    assert (third.request, third.status.text, third.body.kind) == ("HEAD /", "2xx", "any")


@pytest.mark.parametrize(("table", "says"), [
    ('path = "/a"\nbody = "x"\ncontains = "y"', "at most one body matcher"),
    ('path = "/a"\nmethod = "HEAD"\nbody = "x"', "HEAD response has no body"),
    ('path = "/a"\nmethod = "BREW"', "method must be one of GET, HEAD, POST"),
    ('body = "x"', "path is required"),
    ('path = "/a"\nstatus = "7xx"', "status"),
    ('path = "/a"\nregex = "("', "not a valid regex"),
    ('path = "/a"\nregex = ".*"', "can match an empty string"),
    ('path = "/a"\ncontains = ""', "the text is empty"),
    ('path = "/a"\nstatus = "200"', "HTTP status"),
    ('path = "/a"\nbdy = "x"', "unknown key 'bdy'"),
    ('path = "/a"\njson = "ok"', "table of JSON Pointer"),
    ('path = "/a b"', "no spaces"),
    ('path = "/a"\nheaders = { X-A = "caf\u00e9" }', "printable ASCII"),
])
def test_bad_check_names_its_number(tmp_path: Path, table: str, says: str) -> None:
    """Each bad [[checks]] table is reported with its position and what is wrong."""
    (tmp_path / "release-check.toml").write_text(f'[[checks]]\npath = "/ok"\n[[checks]]\n{table}\n')
    with pytest.raises(ConfigError) as caught:
        load({}, {}, file=locate(None, PROCFILE))
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("release-check.toml: checks[2]: ")
    assert says in caught.value.problems[0]


def test_body_shortcuts_exclude_each_other() -> None:
    """CONTAINS, REGEX and a given EXPECTED_BODY cannot be combined."""
    with pytest.raises(ConfigError, match="give only one body matcher"):
        load({}, {"RELEASE_CHECK_BODY_CONTAINS": "ok", "RELEASE_CHECK_BODY_REGEX": "o+"})
    with pytest.raises(ConfigError, match="RELEASE_CHECK_EXPECTED_BODY and"):
        load({}, {"RELEASE_CHECK_EXPECTED_BODY": "UP", "RELEASE_CHECK_BODY_CONTAINS": "U"})
    assert load({}, {"RELEASE_CHECK_BODY_CONTAINS": "OK"}).body_match().kind == "contains"


def test_matchers_from_file_and_flag_conflict(tmp_path: Path) -> None:
    """A matcher in the file and another on the command line: an error naming both."""
    (tmp_path / "release-check.toml").write_text('expected_body = "OKAY"\n')
    with pytest.raises(ConfigError) as caught:
        load({"body_contains": "ok"}, {}, file=locate(None, PROCFILE))
    assert caught.value.problems == [
        "release-check.toml: expected_body and --body-contains: give only one body matcher"]


def test_headers_setting_parses_pairs() -> None:
    """RELEASE_CHECK_HEADERS takes Name: value pairs split by ; or newlines."""
    config = load({}, {"RELEASE_CHECK_HEADERS": "X-A: 1; X-B: two words\nX-C:3"})
    assert config.headers == (("X-A", "1"), ("X-B", "two words"), ("X-C", "3"))
    with pytest.raises(ConfigError, match="RELEASE_CHECK_HEADERS"):
        load({}, {"RELEASE_CHECK_HEADERS": "no colon here"})
