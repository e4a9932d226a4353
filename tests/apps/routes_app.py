"""A stdlib web app with several routes and the gatekeeping real frameworks do.

--route /path=STATUS:BODY   serve BODY with STATUS at /path (repeatable)
--delay SECONDS             every route waits this long before answering (for concurrency)
--allowed-host HOST         answer 400 unless the Host header is HOST (Django ALLOWED_HOSTS)
--force-ssl                 301 to https:// unless X-Forwarded-Proto is https (Rails force_ssl)
--require-header NAME:VALUE answer 403 unless the request carries it
"""

from __future__ import annotations

import argparse
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--route", action="append", default=[])
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--allowed-host")
    p.add_argument("--force-ssl", action="store_true")
    p.add_argument("--require-header")
    return p.parse_args()


def routes(args: argparse.Namespace) -> dict[str, tuple[int, bytes]]:
    table = {}
    for spec in args.route:
        path, _, answer = spec.partition("=")
        status, _, body = answer.partition(":")
        table[path] = (int(status), body.encode())
    return table


def gate(args: argparse.Namespace, handler: BaseHTTPRequestHandler) -> tuple[int, bytes] | None:
    """The refusal a framework would send before routing, if any."""
    host = (handler.headers.get("Host") or "").split(":")[0]
    if args.allowed_host and host != args.allowed_host:
        return 400, b"Bad Request (400): invalid HTTP_HOST header"
    if args.force_ssl and handler.headers.get("X-Forwarded-Proto") != "https":
        return 301, b""
    if args.require_header:
        name, _, value = args.require_header.partition(":")
        if handler.headers.get(name) != value:
            return 403, b"forbidden"
    return None


def handler_for(args: argparse.Namespace) -> type[BaseHTTPRequestHandler]:
    table = routes(args)

    class Handler(BaseHTTPRequestHandler):
        def answer(self, with_body: bool) -> None:
            time.sleep(args.delay)
            status, body = gate(args, self) or table.get(self.path, (404, b"not found"))
            self.send_response(status)
            if status == 301:
                self.send_header("Location", f"https://{self.headers.get('Host')}{self.path}")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def do_GET(self) -> None:
            self.answer(with_body=True)

        def do_HEAD(self) -> None:
            self.answer(with_body=False)

        def log_message(self, format: str, *log_args: object) -> None:
            print("request:", format % log_args, flush=True)

    return Handler


def main() -> None:
    args = parse()
    server = ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), handler_for(args))
    server.serve_forever()


if __name__ == "__main__":
    main()
