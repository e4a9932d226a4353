"""SO_REUSEPORT sharing: a broken WSGI app, and a healthy foreign server that joins its port.

``application`` answers 500 BROKEN and touches $REQUEST_MARKER; run as a script, this file
waits for that marker (so the app's ownership check is over), then listens on the same
port with SO_REUSEPORT and answers OKAY, as a concurrent CI job's server would.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def application(_environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    Path(os.environ["REQUEST_MARKER"]).touch()
    start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
    return [b"BROKEN"]


class Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"OKAY")

    def log_message(self, format: str, *args: object) -> None:
        pass


class SharedServer(ThreadingHTTPServer):
    def server_bind(self) -> None:
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


def main() -> None:
    port, marker = int(sys.argv[1]), Path(sys.argv[2])
    while not marker.exists():
        time.sleep(0.01)
    server = SharedServer(("0.0.0.0", port), Healthy)
    print("joined", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
