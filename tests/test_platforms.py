"""Platform files: what each reader takes from a real example, and how it layers in."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from release_check.cli import main
from release_check.config import Config, find_platform, load
from release_check.config.file import locate
from release_check.errors import ConfigError
from tests import platform_examples as ex

COMMAND = "gunicorn app:app"


def configured(folder: Path, env: Mapping[str, str] | None = None,
               flags: Mapping[str, str] | None = None) -> Config:
    """The Config a run in ``folder`` would use, built the way the command line builds it."""
    env = dict(env or {})
    procfile = str(folder / "Procfile")
    declared = find_platform(env.get("RELEASE_CHECK_PLATFORM"), procfile)
    return load(dict(flags or {}), {"RELEASE_CHECK_PROCFILE": procfile, **env},
                file=locate(None, Path(procfile)), platform=declared)


def checks(config: Config) -> list[tuple[str, str]]:
    """Each check the run makes, as (request, what passes)."""
    return [(check.request, check.describe()) for check in config.expectations()]


def line(config: Config) -> str:
    """The run's 'check from' line."""
    assert config.origin is not None
    return config.origin.line


def warnings(config: Config) -> tuple[str, ...]:
    """The warnings about platform fields that cannot be honoured."""
    assert config.origin is not None
    return config.origin.warnings


# Fly.io


def fly(folder: Path, port: int = 8080, command: str = COMMAND) -> None:
    """Fly's example fly.toml in ``folder``."""
    ex.write(folder, "fly.toml", ex.FLY.format(command=ex.quoted(command), port=port))


def test_fly_check_port_and_command(tmp_path: Path) -> None:
    """fly.toml gives the check (2xx, any body), its timeout, internal_port and [processes] app."""
    fly(tmp_path)
    config = configured(tmp_path)
    assert checks(config) == [("GET /up", "2xx")]
    assert (config.request_timeout, config.port, config.web_command) == (5.0, 8080, COMMAND)
    assert config.web_command_source == f"fly.toml [processes] app ({COMMAND})"
    assert line(config) == (
        "check from fly.toml [[http_service.checks]]: GET /up, 2xx, timeout 5s;"
        " PORT=8080 from fly.toml http_service.internal_port; command from fly.toml [processes] app"
    )
    assert warnings(config) == ()


def test_fly_explicit_settings_win_field_by_field(tmp_path: Path) -> None:
    """A path, port, command and request timeout given to release-check beat fly.toml's."""
    fly(tmp_path)
    config = configured(tmp_path, {"RELEASE_CHECK_PATH": "/health_check",
                                   "RELEASE_CHECK_PORT": "9000",
                                   "RELEASE_CHECK_WEB_COMMAND": "bin/web"},
                        flags={"request_timeout": "2"})
    assert checks(config) == [("GET /health_check", "2xx")]
    assert (config.port, config.web_command, config.request_timeout) == (9000, "bin/web", 2.0)
    assert line(config).startswith(
        "check from fly.toml [[http_service.checks]], with RELEASE_CHECK_PATH: GET /health_check"
    )


def test_fly_procfile_wins_over_processes(tmp_path: Path) -> None:
    """With a Procfile, the command stays the Procfile's, as it always was."""
    fly(tmp_path)
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    config = configured(tmp_path)
    assert config.web_command is None
    assert "command from" not in line(config)


def test_fly_services_http_checks_and_durations(tmp_path: Path) -> None:
    """[[services.http_checks]] (older fly.toml, lower-case method) is read; durations convert."""
    ex.write(tmp_path, "fly.toml", """
[[services]]
  internal_port = 3000
  protocol = "tcp"
  [[services.tcp_checks]]
    interval = "15s"
  [[services.http_checks]]
    interval = "10s"
    grace_period = "1m30s"
    method = "get"
    path = "/healthz"
    protocol = "http"
    timeout = "500ms"
    tls_skip_verify = false
    headers = { X-Probe = "fly" }
""")
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    config = configured(tmp_path)
    assert checks(config) == [("GET /healthz", "2xx")]
    assert config.expectations()[0].headers == (("X-Probe", "fly"),)
    assert (config.port, config.request_timeout) == (3000, 0.5)
    assert config.timeout == 90.5  # the grace period is longer than the 60 s deadline
    assert warnings(config) == ()


def test_fly_fields_it_cannot_honour_are_warnings(tmp_path: Path) -> None:
    """https/TLS checks, POST, machine [checks] and unknown keys are each named, never dropped."""
    ex.write(tmp_path, "fly.toml", """
[checks.db]
  type = "tcp"
  port = 5432
[http_service]
  internal_port = 8080
  [[http_service.checks]]
    path = "/up"
    protocol = "https"
    tls_skip_verify = true
    method = "POST"
    success_codes = [200]
""")
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    found = "\n".join(warnings(configured(tmp_path)))
    assert "fly.toml: checks.db: top-level machine checks are not read" in found
    assert "http_service.checks[1].protocol: https and tls_skip_verify cannot be honoured" in found
    assert "http_service.checks[1].method: POST is not sent; release-check sends GET" in found
    assert "http_service.checks[1].success_codes: not read by release-check" in found


def test_fly_without_a_check_keeps_the_defaults(tmp_path: Path) -> None:
    """A fly.toml with no checks is no error: the default check, at internal_port, says so."""
    ex.write(tmp_path, "fly.toml", "[http_service]\n  internal_port = 8080\n")
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    config = configured(tmp_path)
    assert checks(config) == [("GET /health_check", '200 "OKAY"')]
    assert line(config).startswith(
        'check from defaults (fly.toml declares no health check): GET /health_check, 200 "OKAY"'
    )
    assert config.port == 8080


def test_fly_without_processes_or_procfile_says_what_to_add(tmp_path: Path) -> None:
    """No [processes] and no Procfile: exit 2 saying Fly runs the image's CMD and what to add."""
    ex.write(tmp_path, "fly.toml", '[[services]]\n  internal_port = 8080\n')
    with pytest.raises(ConfigError, match="image's CMD") as raised:
        configured(tmp_path)
    assert "RELEASE_CHECK_WEB_COMMAND" in str(raised.value)


def test_fly_bare_number_duration_is_refused(tmp_path: Path) -> None:
    """A bare-number duration is refused: flyctl would read 5 as 5 nanoseconds."""
    ex.write(tmp_path, "fly.toml", '[http_service]\n[[http_service.checks]]\npath = "/"\n'
             "timeout = 5\n")
    with pytest.raises(ConfigError, match=r"fly.toml: http_service.checks\[1\].timeout: .*"
                                         "nanoseconds"):
        configured(tmp_path)


# Render


def test_render_web_service_check_and_command(tmp_path: Path) -> None:
    """render.yaml's web service: healthCheckPath passes on 2xx or 3xx; startCommand boots it."""
    ex.write(tmp_path, "render.yaml", ex.RENDER.format(command=ex.quoted(COMMAND)))
    config = configured(tmp_path)
    assert checks(config) == [("GET /healthz", "2xx or 3xx")]
    assert (config.web_command, config.port) == (COMMAND, None)
    assert line(config).startswith(
        "check from render.yaml services[1].healthCheckPath (web service 'django-app'):"
        " GET /healthz, 2xx or 3xx, timeout 5s; command from render.yaml services[1].startCommand"
    )


def test_render_explicit_status_and_body_win(tmp_path: Path) -> None:
    """RELEASE_CHECK_EXPECTED_STATUS and BODY_CONTAINS replace Render's 2xx/3xx and any body."""
    ex.write(tmp_path, "render.yaml", ex.RENDER.format(command=ex.quoted(COMMAND)))
    config = configured(tmp_path, {"RELEASE_CHECK_EXPECTED_STATUS": "200",
                                   "RELEASE_CHECK_BODY_CONTAINS": "ok"})
    assert checks(config) == [("GET /healthz", '200 containing "ok"')]


def test_render_several_web_services_pick_the_one_running_release_check(tmp_path: Path) -> None:
    """Of two web services, the one whose preDeployCommand runs release-check is read, and said."""
    ex.write(tmp_path, "render.yaml", """
services:
  - type: web
    name: docs
    healthCheckPath: /docs
    startCommand: bin/docs
  - type: web
    name: api
    preDeployCommand: release-check && python manage.py migrate
    healthCheckPath: /api/health
    startCommand: bin/api
""")
    config = configured(tmp_path)
    assert checks(config) == [("GET /api/health", "2xx or 3xx")]
    assert warnings(config) == ("render.yaml has 2 web services ('docs', 'api'): read 'api', the"
                                " one whose preDeployCommand runs release-check",)


# Railway


@pytest.mark.parametrize(("name", "template"), [("railway.json", ex.RAILWAY_JSON),
                                                ("railway.toml", ex.RAILWAY_TOML)])
def test_railway_check_timeout_host_and_command(tmp_path: Path, name: str, template: str) -> None:
    """Railway's file: 200 at healthcheckPath, healthcheckTimeout as the deadline, its Host."""
    ex.write(tmp_path, name, template.format(command=ex.quoted(COMMAND)))
    config = configured(tmp_path)
    assert checks(config) == [("GET /health", "200")]
    assert (config.timeout, config.host_header, config.web_command) == (
        100.0, "healthcheck.railway.app", COMMAND)
    assert line(config) == (
        f"check from {name} deploy.healthcheckPath: GET /health, 200, timeout 5s;"
        f" command from {name} deploy.startCommand; deadline 100s from {name}"
        " deploy.healthcheckTimeout; Host: healthcheck.railway.app from Railway's health check"
    )


def test_railway_explicit_host_header_and_timeout_win(tmp_path: Path) -> None:
    """RELEASE_CHECK_HOST_HEADER and RELEASE_CHECK_TIMEOUT beat Railway's Host and timeout."""
    ex.write(tmp_path, "railway.json", ex.RAILWAY_JSON.format(command=ex.quoted(COMMAND)))
    config = configured(tmp_path, {"RELEASE_CHECK_HOST_HEADER": "myapp.up.railway.app",
                                   "RELEASE_CHECK_TIMEOUT": "30"})
    assert (config.host_header, config.timeout) == ("myapp.up.railway.app", 30.0)


def test_railway_both_files_read_the_json_one(tmp_path: Path) -> None:
    """With railway.json and railway.toml, railway.json is read and a warning says so."""
    ex.write(tmp_path, "railway.json", '{"deploy": {"healthcheckPath": "/json"}}')
    ex.write(tmp_path, "railway.toml", '[deploy]\nhealthcheckPath = "/toml"\n')
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    config = configured(tmp_path)
    assert checks(config) == [("GET /json", "200")]
    assert warnings(config) == ("railway.json and railway.toml both found: read railway.json",)


def test_railway_environment_overrides_are_a_warning(tmp_path: Path) -> None:
    """Railway's per-environment overrides are not read, and the warning names the key."""
    ex.write(tmp_path, "railway.json", '{"deploy": {"healthcheckPath": "/h"}, "environments":'
             ' {"staging": {"deploy": {"healthcheckPath": "/s"}}}}')
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    config = configured(tmp_path)
    assert checks(config) == [("GET /h", "200")]
    assert warnings(config) == ("railway.json: environments: per-environment overrides are not"
                                " read; the top-level deploy settings are",)


# Dokku


def test_dokku_app_json_healthchecks_become_checks(tmp_path: Path) -> None:
    """app.json healthchecks.web: a path check with its content, and an uptime window."""
    ex.write(tmp_path, "app.json", ex.DOKKU_APP_JSON.format(uptime=3))
    (tmp_path / "Procfile").write_text("release: release-check\nweb: bin/web\n")
    config = configured(tmp_path)
    assert checks(config) == [("GET /health/ready", '2xx or 3xx containing "ready"')]
    assert config.uptime == 3.0
    assert config.timeout == 25.0  # 3 attempts of 5 s, 5 s apart
    assert config.web_command is None  # Dokku boots the Procfile's web entry


def test_a_deadline_summed_from_the_file_stops_at_the_hour(tmp_path: Path) -> None:
    """1,000 attempts of 5 s, 5 s apart, are a deadline of 3600 s, the longest allowed."""
    text = ex.DOKKU_APP_JSON.format(uptime=3).replace('"attempts": 3', '"attempts": 1000')
    ex.write(tmp_path, "app.json", text)
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    assert configured(tmp_path).timeout == 3600.0


def test_dokku_several_checks_headers_and_unrun_kinds(tmp_path: Path) -> None:
    """Each startup path check is a check; liveness, command and warn-only ones are named."""
    ex.write(tmp_path, "app.json", """{"healthchecks": {"web": [
      {"path": "/a", "port": 5000, "timeout": 2,
       "httpHeaders": [{"name": "X-Forwarded-Proto", "value": "https"}]},
      {"path": "/b", "content": "b ok"},
      {"type": "liveness", "path": "/live"},
      {"command": ["/app/check.sh"]},
      {"path": "/c", "warn": true},
      {"listening": true}
    ], "worker": [{"uptime": 10}]}}""")
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    config = configured(tmp_path)
    assert checks(config) == [("GET /a", "2xx or 3xx"), ("GET /b", '2xx or 3xx containing "b ok"')]
    assert config.expectations()[0].headers == (("X-Forwarded-Proto", "https"),)
    assert (config.port, config.request_timeout) == (5000, 2.0)
    assert [w.split(": ")[1] for w in warnings(config)] == [
        "healthchecks.web[3]", "healthchecks.web[4]", "healthchecks.web[5]"]


def test_dokku_several_checks_and_an_explicit_path(tmp_path: Path) -> None:
    """RELEASE_CHECK_PATH names one check: it replaces several app.json checks, and says so."""
    ex.write(tmp_path, "app.json", '{"healthchecks": {"web": [{"path": "/a"}, {"path": "/b"}]}}')
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    config = configured(tmp_path, {"RELEASE_CHECK_PATH": "/only"})
    assert checks(config) == [("GET /only", '200 "OKAY"')]
    assert "app.json healthchecks.web not used: RELEASE_CHECK_PATH names one check" in line(config)


def test_dokku_checks_file(tmp_path: Path) -> None:
    """CHECKS: settings, path and content lines, and a //host line as a Host header."""
    ex.write(tmp_path, "CHECKS", ex.DOKKU_CHECKS)
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    config = configured(tmp_path)
    assert checks(config) == [("GET /check.txt", '2xx or 3xx containing "simple_check"'),
                              ("GET /status", '2xx or 3xx containing "Admin Dashboard"')]
    assert config.expectations()[1].headers == (("Host", "admin.example.com"),)
    assert config.timeout == 6 * (10 + 30)
    assert line(config).startswith("check from CHECKS: GET /check.txt")


def test_dokku_checks_file_https_is_a_warning(tmp_path: Path) -> None:
    """An https:// CHECKS line is checked over HTTP with its Host, and the warning says so."""
    ex.write(tmp_path, "CHECKS", "https://admin.example.com/  Admin\n")
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    config = configured(tmp_path)
    assert config.expectations()[0].headers == (("Host", "admin.example.com"),)
    assert warnings(config) == ("CHECKS:1: https:// cannot be honoured: release-check checks the"
                                " app over plain HTTP",)


def test_heroku_app_json_is_not_a_platform_file(tmp_path: Path) -> None:
    """Heroku's app.json (no healthchecks) changes nothing: the default run, no platform line."""
    ex.write(tmp_path, "app.json", '{"name": "my-app", "scripts": {"postdeploy": "x"}}')
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    config = configured(tmp_path)
    assert config == load({}, {"RELEASE_CHECK_PROCFILE": str(tmp_path / "Procfile")})
    assert config.origin is not None and config.origin.platform_file is None


# Kamal


def kamal(folder: Path, port: int = 3000) -> None:
    """Kamal's example config/deploy.yml in ``folder``."""
    ex.write(folder, "config/deploy.yml", ex.KAMAL.format(port=port))


def test_kamal_proxy_healthcheck_and_app_port(tmp_path: Path) -> None:
    """proxy.healthcheck: its path (2xx), its timeout; proxy.app_port is the port."""
    kamal(tmp_path)
    (tmp_path / "Procfile").write_text("web: bin/rails server\n")
    config = configured(tmp_path)
    assert checks(config) == [("GET /up", "2xx")]
    assert (config.request_timeout, config.port) == (3.0, 3000)
    assert line(config) == ("check from config/deploy.yml proxy.healthcheck: GET /up, 2xx,"
                            " timeout 3s; PORT=3000 from config/deploy.yml proxy.app_port")


def test_kamal_defaults_and_explicit_port(tmp_path: Path) -> None:
    """With the proxy silent, Kamal's default GET /up applies; RELEASE_CHECK_PORT beats app_port."""
    ex.write(tmp_path, "config/deploy.yml", "service: app\nimage: me/app\ndeploy_timeout: 45\n"
             "servers:\n  - 192.168.0.1\n")
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    config = configured(tmp_path, {"RELEASE_CHECK_PORT": "4000"})
    assert checks(config) == [("GET /up", "2xx")]
    assert (config.port, config.timeout) == (4000, 45.0)
    assert line(config).startswith("check from config/deploy.yml (Kamal's default"
                                   " proxy.healthcheck)")


def test_kamal_without_procfile_says_where_the_command_must_come_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kamal has no start command: without a Procfile, exit 2 naming Procfile and variable."""
    kamal(tmp_path)
    code = main([], {"RELEASE_CHECK_PROCFILE": str(tmp_path / "Procfile")})
    assert code == 2
    assert capsys.readouterr().err == (
        "release-check: error: config/deploy.yml declares no start command (Kamal runs the"
        " image's CMD) and there is no Procfile: add a Procfile with a 'web:' entry, or set"
        " RELEASE_CHECK_WEB_COMMAND\n"
    )


def test_kamal_proxy_off_and_kamal_1_healthcheck(tmp_path: Path) -> None:
    """proxy: false means no check (defaults); Kamal 1's healthcheck is a warning, not read."""
    ex.write(tmp_path, "config/deploy.yml", "service: app\nproxy: false\n"
             "healthcheck:\n  path: /healthz\n  port: 3000\n")
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    config = configured(tmp_path)
    assert checks(config) == [("GET /health_check", '200 "OKAY"')]
    assert warnings(config) == ("config/deploy.yml: healthcheck: Kamal 1's healthcheck is not"
                                " read; Kamal 2 uses proxy.healthcheck",)


# Choosing the platform file


def test_the_documented_order_decides_and_says_so(tmp_path: Path) -> None:
    """fly.toml comes before render.yaml; the warning names the file not read and the variable."""
    fly(tmp_path)
    ex.write(tmp_path, "render.yaml", ex.RENDER.format(command=ex.quoted(COMMAND)))
    config = configured(tmp_path)
    assert checks(config) == [("GET /up", "2xx")]
    assert warnings(config) == ("fly.toml read; render.yaml also found and not read"
                                " (RELEASE_CHECK_PLATFORM chooses: fly, render, railway, kamal,"
                                " dokku, heroku, none)",)


@pytest.mark.parametrize("value", ["render", "RENDER"])
def test_platform_variable_forces_one(tmp_path: Path, value: str) -> None:
    """RELEASE_CHECK_PLATFORM=render reads render.yaml even though fly.toml comes first."""
    fly(tmp_path)
    ex.write(tmp_path, "render.yaml", ex.RENDER.format(command=ex.quoted(COMMAND)))
    config = configured(tmp_path, {"RELEASE_CHECK_PLATFORM": value})
    assert checks(config) == [("GET /healthz", "2xx or 3xx")]
    assert warnings(config) == ()


@pytest.mark.parametrize("value", ["none", "heroku"])
def test_platform_none_ignores_every_file(tmp_path: Path, value: str) -> None:
    """RELEASE_CHECK_PLATFORM=none (or heroku) ignores the platform files: today's defaults."""
    fly(tmp_path)
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    env = {"RELEASE_CHECK_PLATFORM": value, "RELEASE_CHECK_PROCFILE": str(tmp_path / "Procfile")}
    config = configured(tmp_path, env)
    assert config == load({}, env)
    assert line(config) == 'check from defaults: GET /health_check, 200 "OKAY", timeout 5s'


def test_config_file_checks_win_over_the_platform(tmp_path: Path) -> None:
    """[[checks]] in the config file replace the platform's checks; its port still applies."""
    fly(tmp_path)
    ex.write(tmp_path, "release-check.toml", '[[checks]]\npath = "/mine"\nstatus = 204\n')
    config = configured(tmp_path)
    assert checks(config) == [("GET /mine", "204")]
    assert config.port == 8080
    assert line(config).startswith(f"check from {tmp_path / 'release-check.toml'} checks:")


def test_procfile_only_run_has_no_platform(tmp_path: Path) -> None:
    """With only a Procfile, the Config is exactly today's and its line is only for -v."""
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    config = configured(tmp_path)
    assert config == load({}, {"RELEASE_CHECK_PROCFILE": str(tmp_path / "Procfile")})
    assert config.origin is not None and config.origin.platform_file is None


# Bad platform files: exit 2, naming the file and the key


BAD_FILES = [
    ("fly.toml", "[http_service\n", "fly.toml is not valid TOML: "),
    ("render.yaml", "services:\n  - type: web\n   name: x\n", "render.yaml is not valid YAML: "),
    ("railway.json", '{"deploy": {"healthcheckPath": "/h",}}', "railway.json is not valid JSON: "),
    ("app.json", '{"healthchecks": ', "app.json is not valid JSON: "),
    ("render.yaml", "- type: web\n", "render.yaml: must be a table, not a list"),
    ("fly.toml", '[http_service]\ninternal_port = "8080"\n',
     "fly.toml: http_service.internal_port: '8080' is not a port number (1..65535)"),
    ("render.yaml", "services:\n  - type: web\n    healthCheckPath: 42\n",
     "render.yaml: services[1].healthCheckPath: must be a string, not a number"),
    ("railway.toml", '[deploy]\nhealthcheckPath = "/h"\nhealthcheckTimeout = "soon"\n',
     "railway.toml: deploy.healthcheckTimeout: must be a number of seconds, not a string"),
    ("railway.json", '{"deploy": {"healthcheckPath": "health"}}',
     "railway.json: deploy.healthcheckPath: 'health' must start with /"),
    ("app.json", '{"healthchecks": {"web": {"path": "/"}}}',
     "app.json: healthchecks.web: must be a list, not a table"),
    ("app.json", '{"healthchecks": {"web": [{"path": "/", "attempts": true}]}}',
     "app.json: healthchecks.web[1].attempts: must be a positive whole number, not True"),
    ("config/deploy.yml", "service: app\nproxy: yes please\n",
     "config/deploy.yml: proxy: must be a table, not a string"),
    ("config/deploy.yml", "proxy:\n  app_port: 70000\n",
     "config/deploy.yml: proxy.app_port: 70000 is not a port number (1..65535)"),
    ("CHECKS", "ATTEMPTS=many\n/\n", "CHECKS:1: ATTEMPTS must be a whole number of attempts"),
    ("CHECKS", "check.txt  ok\n", "CHECKS:1: 'check.txt' is not a path or URL to check"),
    ("fly.toml", '[env]\nHOSTS = ["a"]\n', "fly.toml: env.HOSTS: must be a string, not a list"),
    ("fly.toml", '[http_service]\n[[http_service.checks]]\npath = "/"\ngrace_period = "2h"\n',
     "fly.toml: http_service.checks[1].grace_period: '2h' is more than 3600 seconds, the longest"),
    ("railway.json", '{"deploy": {"healthcheckPath": "/", "healthcheckTimeout": 1e9}}',
     "railway.json: deploy.healthcheckTimeout: 1000000000.0 is more than 3600 seconds"),
    ("config/deploy.yml", "proxy:\n  healthcheck:\n    timeout: 86400\n",
     "config/deploy.yml: proxy.healthcheck.timeout: 86400 is more than 3600 seconds"),
    ("CHECKS", "TIMEOUT=99999\n/\n", "CHECKS:1: TIMEOUT 99999 is more than 3600 seconds"),
    ("app.json", '{"healthchecks": {"web": [{"path": "/", "attempts": 1' + "0" * 400 + '}]}}',
     "app.json: healthchecks.web[1].attempts: 1000000000000000000000000000000000000000… is more"),
    ("fly.toml", '[processes]\napp = "' + "x" * 200 * 1024 + '"\n',
     "fly.toml: processes.app: the command is 200 KiB; the system refuses a command"),
    ("fly.toml", "[http_service]\ninternal_port = " + "8" * 5000 + "\n",
     "fly.toml is not valid TOML: Exceeds the limit (4300 digits)"),
    ("config/deploy.yml", "proxy:\n  app_port: " + "8" * 5000 + "\n",
     "config/deploy.yml is not valid YAML: Exceeds the limit (4300 digits)"),
    ("config/deploy.yml", "proxy:\n  app_port: [" + "1, " * 500 + "1]\n",
     "config/deploy.yml: proxy.app_port: a list is not a port number (1..65535)"),
    ("render.yaml", "services:\n  - type: web\n    startCommand: x\n    envVars:\n"
     "      - key: PORT\n        value: ten\n",
     "render.yaml: services[1].envVars[1].value: 'ten' is not a port number (1..65535)"),
    ("render.yaml", "services:\n  - type: web\n    startCommand: x\n    envVars:\n"
     "      - value: x\n", "render.yaml: services[1].envVars[1].value: its variable name, None,"),
]


@pytest.mark.parametrize(("name", "text", "says"), BAD_FILES, ids=lambda v: str(v)[:24])
def test_bad_platform_file_is_exit_2_naming_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, says: str
) -> None:
    """An unparseable file or a value of the wrong type is exit 2, naming the file and key."""
    ex.write(tmp_path, name, text)
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    assert main([], {"RELEASE_CHECK_PROCFILE": str(tmp_path / "Procfile")}) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"release-check: error: {says}"), err
    assert err.count("\n") == 1, err


@pytest.mark.parametrize(("name", "text", "says"), [
    ("fly.toml", '[http_service]\n[[http_service.checks]]\nmethod = "GET"\n',
     "fly.toml: http_service.checks[1].path: is required: a check needs the path to request"),
    ("fly.toml", '[[services]]\n[[services.http_checks]]\ninterval = "10s"\n',
     "fly.toml: services[1].http_checks[1].path: is required"),
    ("app.json", '{"healthchecks": {"web": [{"name": "web check", "attempts": 3}]}}',
     "app.json: healthchecks.web[1]: has no path (nor uptime, listening or command)"),
])
def test_check_without_a_path_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, says: str
) -> None:
    """A platform check with no path is a bad file, named with its key."""
    ex.write(tmp_path, name, text)
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    assert main([], {"RELEASE_CHECK_PROCFILE": str(tmp_path / "Procfile")}) == 2
    assert capsys.readouterr().err.startswith(f"release-check: error: {says}")


def test_bad_header_value_is_named_but_never_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A header a platform file declares that cannot be sent is exit 2, without its value."""
    ex.write(tmp_path, "app.json", '{"healthchecks": {"web": [{"path": "/", "httpHeaders":'
             ' [{"name": "Authorization", "value": "Bearer s3cr\\u00e9t"}]}]}}')
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    assert main([], {"RELEASE_CHECK_PROCFILE": str(tmp_path / "Procfile")}) == 2
    err = capsys.readouterr().err
    assert "app.json: healthchecks.web[1].httpHeaders[1].value: a header value must be" in err
    assert "s3cr" not in err


def test_platform_file_is_read_only_when_it_applies(tmp_path: Path) -> None:
    """A broken render.yaml behind a chosen fly.toml is not read, so it is no error."""
    fly(tmp_path)
    ex.write(tmp_path, "render.yaml", "services: [\n")
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    assert checks(configured(tmp_path)) == [("GET /up", "2xx")]


@pytest.mark.parametrize(("env", "says"), [
    ({"RELEASE_CHECK_PLATFORM": "flyio"},
     "RELEASE_CHECK_PLATFORM: 'flyio' is not one of fly, render, railway, kamal, dokku, heroku,"
     " none"),
    ({"RELEASE_CHECK_PLATFORM": "kamal"}, "RELEASE_CHECK_PLATFORM is kamal, but there is no"
     " config/deploy.yml in "),
])
def test_bad_platform_choice_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], env: dict[str, str], says: str
) -> None:
    """An unknown RELEASE_CHECK_PLATFORM, or one whose file is missing, is exit 2."""
    (tmp_path / "Procfile").write_text("web: bin/web\n")
    assert main([], {"RELEASE_CHECK_PROCFILE": str(tmp_path / "Procfile"), **env}) == 2
    assert capsys.readouterr().err.startswith(f"release-check: error: {says}")


def test_platform_flag_names_the_setting(capsys: pytest.CaptureFixture[str]) -> None:
    """--platform is the flag of RELEASE_CHECK_PLATFORM, and is checked the same way."""
    assert main(["--platform", "aws"], {}) == 2
    assert "'aws' is not one of" in capsys.readouterr().err


def test_a_forced_platform_error_names_the_flag_that_forced_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--platform render with no render.yaml names --platform, not the variable."""
    (tmp_path / "Procfile").write_text("web: true\n")
    code = main(["--platform", "render", "--procfile", str(tmp_path / "Procfile")], {})
    assert code == 2
    assert "release-check: error: --platform is render, but there is no render.yaml" in (
        capsys.readouterr().err)


# The platform file's environment and port


def test_render_plain_envvars_reach_the_app_and_secrets_do_not(tmp_path: Path) -> None:
    """render.yaml: plain values reach the app, PORT is the port; secret entries are left out."""
    ex.write(tmp_path, "render.yaml", """
services:
  - type: web
    name: api
    startCommand: bin/api
    envVars:
      - key: ALLOWED_HOSTS
        value: api.example.com
      - key: PORT
        value: "10000"
      - key: DATABASE_URL
        fromDatabase: {name: db, property: connectionString}
      - key: STRIPE_KEY
        sync: false
      - key: SECRET_KEY
        generateValue: true
      - fromGroup: shared
      - key: WEB_CONCURRENCY
        value: 4
""")
    config = configured(tmp_path)
    assert config.platform_environment == (("ALLOWED_HOSTS", "api.example.com"),
                                           ("WEB_CONCURRENCY", "4"))
    assert config.port == 10000
    assert line(config).endswith(
        "; PORT=10000 from render.yaml services[1].envVars[2].value; command from render.yaml"
        " services[1].startCommand; ALLOWED_HOSTS, WEB_CONCURRENCY from render.yaml"
        " services[1].envVars, below the environment's own")


def test_fly_env_names_are_shown_never_values(tmp_path: Path) -> None:
    """A long [env] is named by its first variables and a count, no value shown, PORT left out."""
    fly(tmp_path)
    names = [f"VAR_{n}" for n in range(6)]
    with (tmp_path / "fly.toml").open("a") as file:
        file.write("[env]\nPORT = 5000\n"
                   + "".join(f'{name} = "secret-{name}"\n' for name in names))
    config = configured(tmp_path)
    assert dict(config.platform_environment) == {name: f"secret-{name}" for name in names}
    assert "; VAR_0, VAR_1, VAR_2, VAR_3 and 2 more from fly.toml [env]" in line(config)
    assert "secret-" not in line(config)


def test_a_platform_port_names_its_key_and_a_variable_port_its_variable(tmp_path: Path) -> None:
    """Who chose the port, as a port-in-use failure words it: the file's key, or the variable."""
    fly(tmp_path, port=8123)
    assert configured(tmp_path).port_chosen() == (
        "fly.toml http_service.internal_port fixed the port; to check on another, set"
        " RELEASE_CHECK_PORT to a free one (the app must then bind $PORT)")
    assert configured(tmp_path, {"RELEASE_CHECK_PORT": "8124"}).port_chosen() == (
        "RELEASE_CHECK_PORT chose the port; without it a free one is picked")
