"""[[checks]] with methods, request bodies, response headers and redirects, on a real app."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from release_check.config import discover, load
from release_check.errors import ConfigError
from tests.conftest import APPS, RunCheck

pytestmark = pytest.mark.slow

FORMS_APP = APPS / "forms_app.py"
FORM_POST = '''
[[checks]]
path = "/contact"
method = "POST"
request_body = "email=smoke%40example.com"
headers = { Content-Type = "application/x-www-form-urlencoded" }
redirect = "/thanks"
response_headers = { Set-Cookie = { regex = "^flash=" } }
'''


def _setup(folder: Path, checks: str, *flags: str) -> dict[str, str]:
    """A release-check.toml with ``checks``, and the variables booting the forms app."""
    (folder / "release-check.toml").write_text(checks)
    command = shlex.join([sys.executable, str(FORMS_APP), *flags])
    return {"RELEASE_CHECK_WEB_COMMAND": command, "RELEASE_CHECK_TIMEOUT": "20",
            "RELEASE_CHECK_SETTLE": "0.5"}


def test_a_form_post_that_redirects_with_its_cookie_passes(release_check: RunCheck,
                                                           tmp_path: Path) -> None:
    """POST with a body, expecting a redirect to /thanks and a Set-Cookie, passes a working form."""
    health = ('[[checks]]\npath = "/health_check"\nbody = "OKAY"\n'
              'response_headers = { X-Version = "1.2.3", cache-control = true }\n')
    result = release_check(env=_setup(tmp_path, health + FORM_POST))
    assert result.code == 0, result.out
    assert "request: \"POST /contact HTTP/1.1\" 302" in result.out


def test_a_broken_form_fails_though_the_health_check_passes(release_check: RunCheck,
                                                            tmp_path: Path) -> None:
    """The same POST fails the release when the form answers 500, naming what it got."""
    result = release_check(env=_setup(tmp_path, FORM_POST, "--broken-form"))
    assert result.code == 1, result.out
    assert 'POST /contact -> 500 "Internal Server Error", expected 3xx with' in result.verdict


def test_a_missing_request_body_is_seen_by_the_app(release_check: RunCheck,
                                                   tmp_path: Path) -> None:
    """Without the form body the app answers 400: the body is really sent when given."""
    checks = FORM_POST.replace('request_body = "email=smoke%40example.com"\n', "")
    result = release_check(env=_setup(tmp_path, checks))
    assert result.code == 1, result.out
    assert "POST /contact -> 400" in result.verdict


@pytest.mark.parametrize(("checks", "says"), [
    ('path = "/health_check"\nresponse_headers = { X-Version = "2.0.0" }',
     '(X-Version is "1.2.3")'),
    ('path = "/health_check"\nresponse_headers = { X-Trace = true }', "(no X-Trace header)"),
    ('path = "/login-wall"\nredirect = "/dashboard"',
     'a redirect to "/login", expected one to "/dashboard"'),
])
def test_an_unmet_header_or_redirect_fails_naming_what_came(release_check: RunCheck,
                                                            tmp_path: Path, checks: str,
                                                            says: str) -> None:
    """A header or redirect expectation the response misses fails, naming what it got."""
    result = release_check(env=_setup(tmp_path, f"[[checks]]\n{checks}\n"))
    assert result.code == 1, result.out
    assert says in result.verdict


def test_an_expected_redirect_passes(release_check: RunCheck, tmp_path: Path) -> None:
    """A 301 to the expected Location passes without naming a status."""
    checks = '[[checks]]\npath = "/old"\nredirect = "/new"\n'
    result = release_check(env=_setup(tmp_path, checks))
    assert result.code == 0, result.out


@pytest.mark.parametrize(("table", "problem"), [
    ('path = "/x"\nmethod = "BREW"', "method must be one of GET, HEAD, POST"),
    ('path = "/x"\nrequest_body = "a=1"', "a GET request has no request_body"),
    ('path = "/x"\nresponse_headers = { X-A = 1 }', "response_headers.X-A: expected true"),
    ('path = "/x"\nresponse_headers = { X-A = { regex = "(" } }', "is not a valid regex"),
    ('path = "/x"\nredirect = ""', "redirect must be the expected Location"),
])
def test_bad_rich_check_keys_are_configuration_errors(tmp_path: Path, table: str,
                                                      problem: str) -> None:
    """Each bad new key is a configuration error naming the check and the problem."""
    (tmp_path / "release-check.toml").write_text(f"[[checks]]\n{table}\n")

    with pytest.raises(ConfigError) as error:
        load({}, {}, file=discover({"procfile": str(tmp_path / "Procfile")}, {}))
    assert problem in str(error.value)
    assert "checks[1]" in str(error.value)
