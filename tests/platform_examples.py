"""Platform files written the way each platform's own docs show them."""

from __future__ import annotations

import json
from pathlib import Path

FLY = """\
# fly.toml app configuration file generated for my-app
app = "my-app"
primary_region = "ams"

[build]

[deploy]
  release_command = "release-check"

[processes]
  app = {command}
  worker = "python worker.py"

[http_service]
  internal_port = {port}
  force_https = true
  auto_stop_machines = "stop"
  auto_start_machines = true
  min_machines_running = 0
  processes = ["app"]

  [[http_service.checks]]
    grace_period = "10s"
    interval = "30s"
    method = "GET"
    timeout = "5s"
    path = "/up"
"""

RENDER = """\
services:
  - type: web
    name: django-app
    runtime: python
    plan: starter
    buildCommand: pip install -r requirements.txt
    startCommand: {command}
    preDeployCommand: release-check
    healthCheckPath: /healthz
    envVars:
      - key: PYTHON_VERSION
        value: 3.12.0
  - type: worker
    name: queue
    runtime: python
    startCommand: celery -A tasks worker
databases:
  - name: db
"""

RAILWAY_JSON = """\
{{
  "$schema": "https://railway.com/railway.schema.json",
  "build": {{"builder": "RAILPACK"}},
  "deploy": {{
    "startCommand": {command},
    "preDeployCommand": ["release-check"],
    "healthcheckPath": "/health",
    "healthcheckTimeout": 100,
    "restartPolicyType": "ON_FAILURE",
    "restartPolicyMaxRetries": 10
  }}
}}
"""

RAILWAY_TOML = """\
[build]
builder = "RAILPACK"

[deploy]
startCommand = {command}
preDeployCommand = ["release-check"]
healthcheckPath = "/health"
healthcheckTimeout = 100
restartPolicyType = "ON_FAILURE"
"""

DOKKU_APP_JSON = """\
{{
  "name": "my-app",
  "scripts": {{"dokku": {{"predeploy": "python manage.py collectstatic --noinput"}}}},
  "healthchecks": {{
    "web": [
      {{
        "type": "startup",
        "name": "web check",
        "description": "Checking if the app responds to the /health/ready endpoint",
        "path": "/health/ready",
        "content": "ready",
        "attempts": 3
      }},
      {{
        "type": "startup",
        "name": "uptime",
        "uptime": {uptime}
      }}
    ]
  }}
}}
"""

DOKKU_CHECKS = """\
WAIT=10     # wait 10 seconds between attempts
ATTEMPTS=6
/check.txt  simple_check
//admin.example.com/status  Admin Dashboard
"""

KAMAL = """\
# Name of your application. Used to uniquely configure containers.
service: my-app

# Name of the container image.
image: my-user/my-app

# Deploy to these servers.
servers:
  web:
    - 192.168.0.1

proxy:
  ssl: true
  host: app.example.com
  app_port: {port}
  healthcheck:
    path: /up
    interval: 3
    timeout: 3

registry:
  username: my-user
  password:
    - KAMAL_REGISTRY_PASSWORD

builder:
  arch: amd64
"""


def quoted(command: str) -> str:
    """A command as a JSON string: also a valid TOML basic string and YAML double-quoted one."""
    return json.dumps(command)


def write(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` at ``folder/name``, making its parents."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
