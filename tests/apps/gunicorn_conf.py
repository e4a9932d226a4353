"""Gunicorn settings for the tests: record every process's pid in $PID_DIR."""

import os
from pathlib import Path
from typing import Any

workers = 3
bind = f"0.0.0.0:{os.environ['PORT']}"


def _record(role: str, pid: int) -> None:
    Path(os.environ["PID_DIR"]).mkdir(parents=True, exist_ok=True)
    (Path(os.environ["PID_DIR"]) / f"{role}-{pid}").write_text(str(pid))


def when_ready(server: Any) -> None:
    _record("master", server.pid)


def post_fork(_server: Any, worker: Any) -> None:
    _record("worker", worker.pid)
