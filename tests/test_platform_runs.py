"""Real runs from platform files: the fixture app booted by their command, checked as they say."""

from __future__ import annotations

import socket
from pathlib import Path

from tests import platform_examples as ex
from tests.conftest import RunCheck, app_command

# A failing run ends well within the subprocess timeout (Railway's file says 100 s).
QUICK = {"RELEASE_CHECK_TIMEOUT": "20"}


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_fly_boots_processes_app_on_internal_port(release_check: RunCheck, tmp_path: Path) -> None:
    """fly.toml alone: [processes] app boots on internal_port (fixed in the app); GET /up passes."""
    port = free_port()
    command = app_command("--port", str(port), "--health-path", "/up", "--body", "ok")
    ex.write(tmp_path, "fly.toml", ex.FLY.format(command=ex.quoted(command), port=port))
    result = release_check(env=QUICK)
    assert result.code == 0, result.out + result.err
    assert result.out.startswith(
        "release-check: check from fly.toml [[http_service.checks]]: GET /up, 2xx, timeout 5s;"
        f" PORT={port} from fly.toml http_service.internal_port;"
        " command from fly.toml [processes] app\n"
    )
    assert f"web | listening on 0.0.0.0:{port}" in result.out
    assert result.verdict.startswith('release-check: PASSED GET /up -> 200 "ok"')


def test_fly_explicit_path_wins_and_quiet_hides_the_line(release_check: RunCheck,
                                                          tmp_path: Path) -> None:
    """RELEASE_CHECK_PATH beats fly.toml's path in a real run; -q leaves only the verdict."""
    port = free_port()
    command = app_command("--port", str(port), "--body", "fine")
    ex.write(tmp_path, "fly.toml", ex.FLY.format(command=ex.quoted(command), port=port))
    result = release_check("-q", env={**QUICK, "RELEASE_CHECK_PATH": "/health_check"})
    assert result.code == 0, result.out + result.err
    assert result.out.splitlines() == [
        'release-check: PASSED GET /health_check -> 200 "fine"' + result.verdict.split('"fine"')[1]
    ]


def test_render_start_command_and_a_redirect_passing(release_check: RunCheck,
                                                     tmp_path: Path) -> None:
    """render.yaml: startCommand boots on PORT; healthCheckPath passes on a 3xx, as on Render."""
    command = app_command("--health-path", "/healthz", "--status", "302", "--location", "/")
    ex.write(tmp_path, "render.yaml", ex.RENDER.format(command=ex.quoted(command)))
    result = release_check(env=QUICK)
    assert result.code == 0, result.out + result.err
    assert "check from render.yaml services[1].healthCheckPath" in result.out
    assert result.verdict.startswith("release-check: PASSED GET /healthz -> 302")


def test_railway_sends_railways_host_header(release_check: RunCheck, tmp_path: Path) -> None:
    """railway.json: startCommand boots; the check carries Host: healthcheck.railway.app."""
    command = app_command("--health-path", "/health", "--allowed-host",
                          "healthcheck.railway.app")
    ex.write(tmp_path, "railway.json", ex.RAILWAY_JSON.format(command=ex.quoted(command)))
    result = release_check(env=QUICK)
    assert result.code == 0, result.out + result.err
    assert "Host: healthcheck.railway.app from Railway's health check" in result.out
    assert result.verdict.startswith('release-check: PASSED GET /health -> 200 "OKAY"')


def test_dokku_app_json_checks_the_procfile_web_process(release_check: RunCheck,
                                                        tmp_path: Path) -> None:
    """app.json healthchecks: the Procfile's web entry boots; content must be in the body."""
    command = app_command("--health-path", "/health/ready", "--body", "status: ready")
    (tmp_path / "Procfile").write_text(f"release: release-check\nweb: {command}\n")
    ex.write(tmp_path, "app.json", ex.DOKKU_APP_JSON.format(uptime=0))
    result = release_check(env=QUICK)
    assert result.code == 0, result.out + result.err
    assert ('check from app.json healthchecks.web: GET /health/ready, 2xx or 3xx containing'
            ' "ready"') in result.out
    assert result.verdict.startswith('release-check: PASSED GET /health/ready -> 200')


def test_kamal_checks_up_on_app_port(release_check: RunCheck, tmp_path: Path) -> None:
    """config/deploy.yml: the Procfile's web boots, on proxy.app_port, checked at /up."""
    port = free_port()
    command = app_command("--port", str(port), "--health-path", "/up")
    (tmp_path / "Procfile").write_text(f"web: {command}\n")
    ex.write(tmp_path, "config/deploy.yml", ex.KAMAL.format(port=port))
    result = release_check(env=QUICK)
    assert result.code == 0, result.out + result.err
    assert f"PORT={port} from config/deploy.yml proxy.app_port" in result.out
    assert f"web | listening on 0.0.0.0:{port}" in result.out


def test_procfile_only_output_is_unchanged(release_check: RunCheck, tmp_path: Path) -> None:
    """With only a Procfile, no 'check from' line at normal verbosity; -v adds it."""
    (tmp_path / "Procfile").write_text(f"web: {app_command()}\n")
    plain = release_check()
    assert plain.code == 0, plain.out + plain.err
    assert not [line for line in plain.out.splitlines()
                if line.startswith("release-check:") and line != plain.verdict]
    verbose = release_check("-v")
    assert ('release-check: check from defaults: GET /health_check, 200 "OKAY", timeout 5s\n'
            in verbose.out)


def test_render_envvars_port_is_the_port_checked(release_check: RunCheck, tmp_path: Path) -> None:
    """render.yaml envVars PORT with a startCommand fixed on it passes: the file's PORT is used."""
    port = free_port()
    command = app_command("--port", str(port), "--health-path", "/healthz")
    text = ex.RENDER.format(command=ex.quoted(command)).replace(
        "      - key: PYTHON_VERSION", f"      - key: PORT\n        value: {port}\n"
                                       "      - key: PYTHON_VERSION")
    ex.write(tmp_path, "render.yaml", text)
    result = release_check(env=QUICK)
    assert result.code == 0, result.out + result.err
    assert f"PORT={port} from render.yaml services[1].envVars[1].value" in result.out
    assert result.verdict.startswith('release-check: PASSED GET /healthz -> 200 "OKAY"')


def test_fly_env_reaches_the_app_below_the_environment(release_check: RunCheck,
                                                       tmp_path: Path) -> None:
    """fly.toml [env] values reach the app, the line says so, and the environment's own win."""
    port = free_port()
    command = app_command("--port", str(port), "--health-path", "/up", "--body-env", "GREETING")
    text = ex.FLY.format(command=ex.quoted(command), port=port)
    ex.write(tmp_path, "fly.toml", text + '\n[env]\n  GREETING = "from fly"\n  WORKERS = 2\n')
    result = release_check(env=QUICK)
    assert result.code == 0, result.out + result.err
    assert "; GREETING, WORKERS from fly.toml [env], below the environment's own\n" in result.out
    assert result.verdict.startswith('release-check: PASSED GET /up -> 200 "from fly"')
    mine = release_check(env={**QUICK, "GREETING": "mine"})
    assert mine.verdict.startswith('release-check: PASSED GET /up -> 200 "mine"'), mine.out


def test_a_taken_platform_port_names_the_file_and_key(release_check: RunCheck,
                                                      tmp_path: Path) -> None:
    """proxy.app_port already in use: the verdict names deploy.yml's key and the way out."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        (tmp_path / "Procfile").write_text(f"web: {app_command('--health-path', '/up')}\n")
        ex.write(tmp_path, "config/deploy.yml", ex.KAMAL.format(port=port))
        result = release_check(env=QUICK)
    assert result.code == 1, result.out + result.err
    assert f"FAILED: port {port} on 127.0.0.1 is already in use" in result.verdict
    assert result.verdict.endswith(
        "(config/deploy.yml proxy.app_port fixed the port; to check on another, set"
        " RELEASE_CHECK_PORT to a free one (the app must then bind $PORT))")
    assert "web | booting" not in result.out
