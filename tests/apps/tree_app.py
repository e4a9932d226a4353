"""A stdlib web app that forks in awkward ways, for release-check's teardown tests.

Every process it creates records its pid as ``<role>-<pid>`` in --log, and every SIGTERM it
receives as one line in ``term-<pid>``, so a test can count the SIGTERMs each process got and
prove that all of them are gone.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--log", type=Path, required=True)
    p.add_argument("--tree", action="store_true", help="a child, a grandchild, a setsid daemon")
    p.add_argument("--linger", type=float, default=0.3, help="seconds to live after SIGTERM")
    p.add_argument("--never-bind", action="store_true")
    p.add_argument("--hang", action="store_true", help="accept requests, never answer")
    p.add_argument("--request-marker", type=Path)
    p.add_argument("--hop", type=float, help="a descendant that forks away every SECONDS")
    p.add_argument("--hop-on-sigterm", action="store_true", help="it starts hopping on SIGTERM")
    p.add_argument("--orphans", type=int, default=0, help="short-lived orphans per second")
    return p.parse_args()


ARGS = parse()


def record(role: str) -> None:
    ARGS.log.mkdir(parents=True, exist_ok=True)
    (ARGS.log / f"{role}-{os.getpid()}").write_text(str(os.getpid()))


def on_sigterm(_signum: int, _frame: object) -> None:
    """Log the SIGTERM and exit ``--linger`` seconds later, so a second one would be logged."""
    with (ARGS.log / f"term-{os.getpid()}").open("a") as log:
        log.write("SIGTERM\n")
    threading.Timer(ARGS.linger, os._exit, (0,)).start()


def forked(role: str, *, setsid: bool = False) -> bool:
    """Fork; in the child, record ``role`` and return True."""
    if os.fork() != 0:
        return False
    if setsid:
        os.setsid()
    record(role)
    return True


def idle() -> None:
    while True:
        time.sleep(1)


def spawn_tree() -> None:
    if forked("child"):
        if forked("grandchild"):
            idle()
        idle()
    middle = os.fork()
    if middle == 0:
        if forked("daemon", setsid=True):
            idle()
        os._exit(0)
    os.waitpid(middle, 0)


def hop_forever(every: float) -> None:
    """Fork, let the parent exit, setsid in the child, again and again."""
    signal.signal(signal.SIGTERM, lambda *_: None)
    while True:
        time.sleep(every)
        if os.fork() != 0:
            os._exit(0)
        os.setsid()
        record("hopper")


def spawn_hopper() -> None:
    if not forked("hopper", setsid=True):
        return
    if ARGS.hop_on_sigterm:
        signal.signal(signal.SIGTERM, lambda *_: None)
        signal.pause()
    hop_forever(ARGS.hop)


def orphan_factory() -> None:
    """Double-fork short-lived helpers: each is orphaned, then exits at once."""
    while True:
        time.sleep(1 / ARGS.orphans)
        middle = os.fork()
        if middle == 0:
            if os.fork() == 0:
                time.sleep(0.01)
            os._exit(0)
        os.waitpid(middle, 0)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if ARGS.request_marker is not None:
            ARGS.request_marker.touch()
        if ARGS.hang:
            time.sleep(3600)
        body = b"OKAY" if self.path == "/health_check" else b"not found"
        self.send_response(200 if self.path == "/health_check" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


def main() -> None:
    record("app")
    signal.signal(signal.SIGTERM, on_sigterm)  # inherited by every fork below
    if ARGS.tree:
        spawn_tree()
    if ARGS.hop is not None:
        spawn_hopper()
    if ARGS.orphans:
        threading.Thread(target=orphan_factory, daemon=True).start()
    if ARGS.never_bind:
        idle()
    server = ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler)
    print("listening", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
