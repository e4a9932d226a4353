"""The config file: where it is found, precedence, and every error naming key and file."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_check.config.file import locate
from release_check.config.settings import load
from release_check.errors import ConfigError, UsageError


def test_pyproject_table_is_read(tmp_path: Path) -> None:
    """[tool.release-check] in pyproject.toml beside the Procfile supplies settings."""
    (tmp_path / "pyproject.toml").write_text('[tool.release-check]\ntimeout = 30\npath = "/up"\n')
    config = load({}, {}, file=locate(None, str(tmp_path / "Procfile")))
    assert (config.timeout, config.path) == (30.0, "/up")


def test_pyproject_without_the_table_is_ignored(tmp_path: Path) -> None:
    """A pyproject.toml with no [tool.release-check] means no config file."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    assert locate(None, str(tmp_path / "Procfile")) is None


def test_standalone_file_wins_over_pyproject(tmp_path: Path) -> None:
    """release-check.toml is used when both files exist."""
    (tmp_path / "pyproject.toml").write_text("[tool.release-check]\ntimeout = 30\n")
    (tmp_path / "release-check.toml").write_text("timeout = 12\n")
    config = load({}, {}, file=locate(None, str(tmp_path / "Procfile")))
    assert config.timeout == 12.0


def test_named_file_replaces_discovery(tmp_path: Path) -> None:
    """--config / RELEASE_CHECK_CONFIG names the file to read."""
    (tmp_path / "release-check.toml").write_text("timeout = 12\n")
    other = tmp_path / "staging.toml"
    other.write_text("timeout = 7\n")
    config = load({}, {}, file=locate(str(other), str(tmp_path / "Procfile")))
    assert config.timeout == 7.0


def test_named_file_must_exist(tmp_path: Path) -> None:
    """A named config file that is missing is a usage error naming the variable."""
    with pytest.raises(UsageError, match="RELEASE_CHECK_CONFIG: no such file"):
        locate(str(tmp_path / "nope.toml"), "Procfile")


def test_precedence_is_flag_then_variable_then_file(tmp_path: Path) -> None:
    """Flag > variable > file > default, setting by setting."""
    (tmp_path / "release-check.toml").write_text("timeout = 30\nrequest_timeout = 3\nuptime = 4\n")
    file = locate(None, str(tmp_path / "Procfile"))
    config = load({"timeout": "10"}, {"RELEASE_CHECK_TIMEOUT": "20",
                                      "RELEASE_CHECK_REQUEST_TIMEOUT": "2"}, file=file)
    assert (config.timeout, config.request_timeout, config.uptime) == (10.0, 2.0, 4.0)
    assert config.shutdown_grace == 10.0


def test_unknown_key_names_the_key_and_file(tmp_path: Path) -> None:
    """A key that is no setting is an error naming it and the file."""
    (tmp_path / "release-check.toml").write_text("timout = 30\n")
    with pytest.raises(ConfigError, match=r"release-check.toml: unknown setting 'timout'"):
        load({}, {}, file=locate(None, str(tmp_path / "Procfile")))


def test_bad_value_in_file_names_key_and_file(tmp_path: Path) -> None:
    """A bad value is reported with the file and the key, beside other problems."""
    (tmp_path / "pyproject.toml").write_text('[tool.release-check]\nport = 0\npath = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load({}, {}, file=locate(None, str(tmp_path / "Procfile")))
    assert len(caught.value.problems) == 2
    assert all("pyproject.toml [tool.release-check]: " in p for p in caught.value.problems)


def test_toml_types_map_onto_settings(tmp_path: Path) -> None:
    """Booleans, lists and numbers in TOML read as the variables would."""
    (tmp_path / "release-check.toml").write_text(
        "strict_bind = true\nrouter_headers = false\nexpected_status = [200, 204]\nport = 5000\n")
    config = load({}, {}, file=locate(None, str(tmp_path / "Procfile")))
    assert config.strict_bind is True
    assert config.router_headers is False
    assert config.expected_status.codes == {200, 204}
    assert config.port == 5000


def test_invalid_toml_is_a_usage_error(tmp_path: Path) -> None:
    """A TOML syntax error names the file."""
    (tmp_path / "release-check.toml").write_text("timeout = \n")
    with pytest.raises(UsageError, match=r"release-check\.toml is not valid TOML"):
        locate(None, str(tmp_path / "Procfile"))


def test_checks_are_parsed(tmp_path: Path) -> None:
    """[[checks]] tables become checks, with method, headers, status and a matcher."""
    (tmp_path / "release-check.toml").write_text(
        '[[checks]]\npath = "/health_check"\nbody = "OKAY"\n'
        '[[checks]]\npath = "/status"\njson = { "/status" = "ok" }\nheaders = { Accept = "a" }\n'
        '[[checks]]\npath = "/"\nmethod = "HEAD"\nstatus = "2xx"\n')
    config = load({}, {}, file=locate(None, str(tmp_path / "Procfile")))
    first, second, third = config.expectations()
    assert (first.request, first.body.kind) == ("GET /health_check", "exact")
    assert second.body.kind == "json"
    assert second.headers == (("Accept", "a"),)
    assert (third.request, third.status.text, third.body.kind) == ("HEAD /", "2xx", "any")


@pytest.mark.parametrize(("table", "says"), [
    ('path = "/a"\nbody = "x"\ncontains = "y"', "at most one body matcher"),
    ('path = "/a"\nmethod = "HEAD"\nbody = "x"', "HEAD response has no body"),
    ('path = "/a"\nmethod = "POST"', "GET or HEAD"),
    ('body = "x"', "path is required"),
    ('path = "/a"\nstatus = "7xx"', "status"),
    ('path = "/a"\nregex = "("', "not a valid regex"),
    ('path = "/a"\nbdy = "x"', "unknown key 'bdy'"),
    ('path = "/a"\njson = "ok"', "table of JSON Pointer"),
    ('path = "/a b"', "no spaces"),
    ('path = "/a"\nheaders = { X-A = "caf\u00e9" }', "printable ASCII"),
])
def test_bad_check_names_its_number(tmp_path: Path, table: str, says: str) -> None:
    """Each bad [[checks]] table is reported with its position and what is wrong."""
    (tmp_path / "release-check.toml").write_text(f'[[checks]]\npath = "/ok"\n[[checks]]\n{table}\n')
    with pytest.raises(ConfigError) as caught:
        load({}, {}, file=locate(None, str(tmp_path / "Procfile")))
    assert len(caught.value.problems) == 1
    assert "release-check.toml: checks[2]: " in caught.value.problems[0]
    assert says in caught.value.problems[0]


def test_body_shortcuts_exclude_each_other() -> None:
    """CONTAINS, REGEX and a non-default EXPECTED_BODY cannot be combined."""
    with pytest.raises(ConfigError, match="give only one body matcher"):
        load({}, {"RELEASE_CHECK_BODY_CONTAINS": "ok", "RELEASE_CHECK_BODY_REGEX": "o+"})
    with pytest.raises(ConfigError, match="RELEASE_CHECK_EXPECTED_BODY and"):
        load({}, {"RELEASE_CHECK_EXPECTED_BODY": "UP", "RELEASE_CHECK_BODY_CONTAINS": "U"})
    assert load({}, {"RELEASE_CHECK_BODY_CONTAINS": "OK"}).body_match().kind == "contains"


def test_headers_setting_parses_pairs() -> None:
    """RELEASE_CHECK_HEADERS takes Name: value pairs split by ; or newlines."""
    config = load({}, {"RELEASE_CHECK_HEADERS": "X-A: 1; X-B: two words\nX-C:3"})
    assert config.headers == (("X-A", "1"), ("X-B", "two words"), ("X-C", "3"))
    with pytest.raises(ConfigError, match="RELEASE_CHECK_HEADERS"):
        load({}, {"RELEASE_CHECK_HEADERS": "no colon here"})
