"""A WSGI app for the gunicorn test: /health_check answers OKAY."""

from collections.abc import Callable, Iterable
from typing import Any


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    ok = environ.get("PATH_INFO") == "/health_check"
    start_response("200 OK" if ok else "404 Not Found", [("Content-Type", "text/plain")])
    return [b"OKAY" if ok else b"not found"]
