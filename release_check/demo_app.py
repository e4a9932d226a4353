"""A tiny web app for trying release-check: serves ``/health_check`` -> ``OKAY`` on ``$PORT``.

Run by the repository's own Procfile (``web: python -m release_check.demo_app``).
"""

from __future__ import annotations

import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType

_PAGES = {"/health_check": b"OKAY\n", "/": b"release-check demo app\n"}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = _PAGES.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")


def _stop(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum if signum != signal.SIGTERM else 0)


def main() -> None:
    """Serve until SIGTERM, on all interfaces, as Heroku's router requires."""
    port = int(os.environ.get("PORT", "5000"))
    signal.signal(signal.SIGTERM, _stop)
    with ThreadingHTTPServer(("0.0.0.0", port), _Handler) as server:
        print(f"demo app listening on 0.0.0.0:{port}", file=sys.stderr, flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
