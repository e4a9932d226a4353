"""A server on $PORT that answers every request with the status given, and a body that changes.

The body echoes the request's X-Request-Id, the time and a counter, as error pages do (Django's
DEBUG page, an error tracker's "quote this id"). Each id received is appended to the file
named by the second argument.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

STATUS = int(sys.argv[1])
IDS = sys.argv[2]
COUNT = itertools.count()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        request_id = self.headers.get("X-Request-Id", "")
        with Path(IDS).open("a", encoding="utf-8") as ids:
            ids.write(request_id + "\n")
        body = (f"Error {STATUS}: request {request_id}, {time.time():.6f},"
                f" object at {hex(id(object()))}, hit {next(COUNT)}").encode()
        self.send_response(STATUS)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
