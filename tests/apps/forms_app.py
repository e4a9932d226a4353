"""A stdlib web app with a form, headers and redirects, for richer checks.

GET  /health_check  200 OKAY, with X-Version: 1.2.3 and Cache-Control: no-store
POST /contact       302 to /thanks (absolute, from the Host header) and a Set-Cookie when the
                    form body has an email=; 400 "missing email" otherwise
GET  /old           301 to /new
GET  /login-wall    302 to /login
--broken-form       POST /contact answers 500, as a release whose forms are broken
"""

from __future__ import annotations

import argparse
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--broken-form", action="store_true")
    return p.parse_args()


Answer = tuple[int, bytes, dict[str, str]]
# The checks' requests arrive together, and print writes its parts one by one: without this,
# two log lines interleave ("request:request: ...").
LOG_LINE = threading.Lock()
GETS: dict[str, Answer] = {
    "/health_check": (200, b"OKAY", {"X-Version": "1.2.3", "Cache-Control": "no-store"}),
    "/old": (301, b"", {"Location": "/new"}),
    "/login-wall": (302, b"", {"Location": "/login"}),
}
NOT_FOUND: Answer = (404, b"not found", {})


def contact(args: argparse.Namespace, body: str, host: str) -> Answer:
    """The form's answer: a redirect with a flash cookie, or why not."""
    if args.broken_form:
        return 500, b"Internal Server Error", {}
    if not parse_qs(body).get("email"):
        return 400, b"missing email", {}
    return 302, b"", {"Location": f"http://{host}/thanks", "Set-Cookie": "flash=sent; Path=/"}


def handler_for(args: argparse.Namespace) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.reply(*GETS.get(self.path, NOT_FOUND))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            if self.path != "/contact":
                self.reply(*NOT_FOUND)
                return
            self.reply(*contact(args, body, self.headers.get("Host", "localhost")))

        def reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *log_args: object) -> None:
            with LOG_LINE:
                print("request:", format % log_args, flush=True)

    return Handler


def main() -> None:
    args = parse()
    server = ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), handler_for(args))
    print("forms app listening", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
