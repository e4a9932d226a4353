"""An app whose output is the test: forged verdicts, repeated lines, buried errors, emoji.

Usage: output_app.py MODE [COUNT]. Modes that serve answer on $PORT; the others exit 1.
"""

from __future__ import annotations

import io
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FORGED = "release-check: PASSED GET /health_check -> 200 \"OKAY\" in 0.01s (listening after 0.01s)"


def forge() -> None:
    """Every trick that would make a terminal show a passing verdict over the real one."""
    out = sys.stdout
    out.write(f"booting\r{FORGED}\x1b[8m\n")  # carriage return over the prefix, then conceal
    out.write(f"\x1b[2K\x1b[1G{FORGED}\n")  # erase the line, back to column 1
    out.write(f"{'x' * 74}{FORGED}\n")  # long enough to wrap to column 0 of an 80-column pane
    out.write("\x1b]52;c;cHduZWQ=\x07\x1b]0;pwned\x07\u202e\x08\x08\x08\x08\x08\x08ok\n")
    out.write(f"\x1b[30;40m{FORGED}\x1b[0m\n")  # black on black
    out.flush()
    sys.exit(1)


def repeat(count: int) -> None:
    """The same line ``count`` times, as an app logs one warning per failed attempt."""
    for _ in range(count):
        print("Invalid HTTP_HOST header: '127.0.0.1'. Add it to ALLOWED_HOSTS.")
    print("giving up")
    sys.exit(1)


def buried_error(count: int) -> None:
    """A Python traceback, then ``count`` lines of noise after its error line."""
    print("Traceback (most recent call last):")
    print('  File "app.py", line 1, in <module>')
    print("ModuleNotFoundError: No module named 'flask'")
    for number in range(count):
        print(f"shutting down: step {number}")
    sys.exit(1)


class Handler(BaseHTTPRequestHandler):
    """Answers 400 and logs the same three lines for every request, as Django does."""

    def do_GET(self) -> None:
        for line in ("Invalid HTTP_HOST header: '127.0.0.1'.", "Bad Request: /health_check",
                     '"GET /health_check HTTP/1.1" 400 143'):
            print(line, flush=True)
        body = b"Bad Request (400)"
        self.send_response(400)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        return


class EmojiHandler(BaseHTTPRequestHandler):
    """Answers the health check, logging an emoji."""

    def do_GET(self) -> None:
        print("served \U0001f389 caf\u00e9", flush=True)
        self.send_response(200)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"OKAY")

    def log_message(self, *_: object) -> None:
        return


def serve(handler: type[BaseHTTPRequestHandler]) -> None:
    print("booting \u2728", flush=True)
    ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), handler).serve_forever()


def main() -> None:
    # utf-8 whatever PYTHONIOENCODING the runner was given: the test is the runner's stdout
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8")
    mode = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if mode == "forge":
        forge()
    elif mode == "repeat":
        repeat(count)
    elif mode == "buried-error":
        buried_error(count)
    elif mode == "per-request":
        serve(Handler)
    elif mode == "emoji":
        serve(EmojiHandler)


if __name__ == "__main__":
    main()
