"""The benchmark's WSGI app for gunicorn: ``/health_check`` -> 200 OKAY once all workers are up.

Until ``BENCH_WORKERS`` workers have marked themselves ready in ``BENCH_READY_DIR`` (see
bench_gunicorn_conf.py) it answers 503, so a passing check means a fully booted gunicorn.
The first OKAY served by any worker is stamped (``time.time()``) into the file named by
``BENCH_SERVED_STAMP``, so the benchmark knows when teardown can begin.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def first_stamp(variable: str) -> None:
    """Write the time to the variable's file unless a worker already did (O_EXCL)."""
    path = os.environ.get(variable)
    if not path:
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as file:
        file.write(repr(time.time()))


def all_booted() -> bool:
    """Whether every worker has finished booting."""
    ready = os.environ.get("BENCH_READY_DIR")
    if not ready:
        return True
    try:
        return len(list(Path(ready).iterdir())) >= int(os.environ.get("BENCH_WORKERS", "1"))
    except FileNotFoundError:
        return False


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Answer the health path with OKAY, anything else with 404."""
    if environ.get("PATH_INFO") != "/health_check":
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]
    if not all_booted():
        start_response("503 Service Unavailable", [("Content-Length", "7")])
        return [b"BOOTING"]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "4")])
    first_stamp("BENCH_SERVED_STAMP")
    return [b"OKAY"]
