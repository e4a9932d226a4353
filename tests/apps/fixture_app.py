"""A stdlib web app whose misbehaviour is chosen by flags, for release-check's tests.

Every process it creates records its pid in --pid-dir, so a test can prove they are all gone.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SLEEPER = [sys.executable, "-c", "import time\nwhile True: time.sleep(1)"]


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--boot-delay", type=float, default=0.0)
    p.add_argument("--exit", type=int, dest="exit_code")
    p.add_argument("--never-bind", action="store_true")
    p.add_argument("--bind", default="0.0.0.0")
    p.add_argument("--port", type=int, help="instead of $PORT")
    p.add_argument("--port-offset", type=int, default=0,
                   help="listen this far above $PORT, or on the next free port above that")
    p.add_argument("--health-path", default="/health_check")
    p.add_argument("--status", type=int, default=200)
    p.add_argument("--body", default="OKAY")
    p.add_argument("--body-env", help="answer with this variable's value")
    p.add_argument("--healthy-after", type=float,
                   help="answer --status/--body this long after binding, then 200 OKAY")
    p.add_argument("--hang", action="store_true", help="accept requests, never answer")
    p.add_argument("--spew", type=int, default=0, help="bytes of output before binding")
    p.add_argument("--exit-after", type=float, help="exit 7 this long after binding")
    p.add_argument("--exit-on-usr1", action="store_true", help="exit 7 on SIGUSR1, a test's cue")
    p.add_argument("--memory-mb", type=int, default=0, help="hold this much touched memory")
    p.add_argument("--children", type=int, default=0, help="fork this many sleeping children")
    p.add_argument("--zombies", type=int, default=0, help="leave this many unreaped children")
    p.add_argument("--close-stdout", action="store_true", help="close fds 1 and 2, then serve")
    p.add_argument("--unbind-after", type=float, help="listen without answering, then close")
    p.add_argument("--request-marker", type=Path, help="touched when a request arrives")
    p.add_argument("--sigterm-marker", type=Path, help="touched on SIGTERM, which is ignored")
    p.add_argument("--location")
    p.add_argument("--allowed-host", help="answer 400 to any other Host header")
    p.add_argument("--ignore-sigterm", action="store_true")
    p.add_argument("--grandchild", action="store_true")
    p.add_argument("--setsid-grandchild", action="store_true")
    p.add_argument("--setsid-child", action="store_true", help="a child in a session of its own")
    p.add_argument("--pid-dir", type=Path)
    p.add_argument("--listen-stamp", type=Path)
    return p.parse_args()


def record_pid(pid_dir: Path | None, pid: int, role: str) -> None:
    if pid_dir is not None:
        pid_dir.mkdir(parents=True, exist_ok=True)
        (pid_dir / f"{role}-{pid}").write_text(str(pid))


def spawn_grandchild(pid_dir: Path | None) -> None:
    child = subprocess.Popen(SLEEPER)
    record_pid(pid_dir, child.pid, "grandchild")


def spawn_setsid_grandchild(pid_dir: Path | None) -> None:
    """Double fork with setsid: the daemon leaves the app's process group and its parent."""
    first = os.fork()
    if first == 0:
        os.setsid()
        daemon = subprocess.Popen(SLEEPER)
        record_pid(pid_dir, daemon.pid, "daemon")
        os._exit(0)
    os.waitpid(first, 0)


def spawn_setsid_child(pid_dir: Path | None) -> None:
    """A child that leaves the app's process group but stays the app's child."""
    child = subprocess.Popen(SLEEPER, start_new_session=True)
    record_pid(pid_dir, child.pid, "setsid-child")


def refusal(args: argparse.Namespace, path: str, host: str | None) -> tuple[int, bytes] | None:
    if args.allowed_host and host != args.allowed_host:
        return 400, b"bad host"
    if path != args.health_path:
        return 404, b"not found"
    return None


def answer(args: argparse.Namespace) -> tuple[int, bytes]:
    """The health path's status and body: the flags', or OKAY once --healthy-after passed."""
    if args.healthy_after is not None and time.time() >= args.healthy_at:
        return 200, b"OKAY"
    body = os.environ[args.body_env] if args.body_env else args.body
    return args.status, body.encode()


def handler_for(args: argparse.Namespace) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            refused = refusal(args, self.path, self.headers.get("Host"))
            if refused:
                self.reply(*refused)
                return
            if args.request_marker is not None:
                args.request_marker.touch()
            if args.hang:
                time.sleep(3600)
            self.reply(*answer(args))

        def reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            if args.location:
                self.send_header("Location", args.location)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *log_args: object) -> None:
            print("request:", format % log_args, flush=True)

    return Handler


def serve(args: argparse.Namespace) -> None:
    port = (args.port or int(os.environ["PORT"])) + args.port_offset
    server_class = IPv6Server if ":" in args.bind else ThreadingHTTPServer
    server = bind(server_class, args, port)
    args.healthy_at = time.time() + (args.healthy_after or 0.0)
    if args.listen_stamp is not None:
        args.listen_stamp.write_text(repr(time.time()))
    print(f"listening on {args.bind}:{server.server_address[1]}", flush=True)
    if args.exit_after is not None:
        threading.Timer(args.exit_after, exit_now).start()
    if args.exit_on_usr1:
        signal.signal(signal.SIGUSR1, lambda *_: exit_now())
    server.serve_forever()


def bind(server_class: type[ThreadingHTTPServer], args: argparse.Namespace,
         port: int) -> ThreadingHTTPServer:
    """The server on ``port``; off $PORT, a port a concurrent test holds is skipped."""
    while True:
        try:
            return server_class((args.bind, port), handler_for(args))
        except OSError as error:
            if error.errno != errno.EADDRINUSE or not args.port_offset:
                raise
            port += 1


def exit_now() -> None:
    print("crashing after boot", flush=True)
    os._exit(7)


class IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def spawn_children(args: argparse.Namespace) -> None:
    if args.grandchild:
        spawn_grandchild(args.pid_dir)
    if args.setsid_grandchild:
        spawn_setsid_grandchild(args.pid_dir)
    if args.setsid_child:
        spawn_setsid_child(args.pid_dir)
    for _ in range(args.children):
        spawn_grandchild(args.pid_dir)


def set_up_processes(args: argparse.Namespace) -> None:
    """Signal dispositions and the children the flags ask for, before booting."""
    if args.ignore_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # inherited by the children below
    if args.sigterm_marker is not None:
        signal.signal(signal.SIGTERM, lambda *_: args.sigterm_marker.touch())
    spawn_children(args)
    for _ in range(args.zombies):
        if os.fork() == 0:
            os._exit(0)


def boot(args: argparse.Namespace) -> None:
    """Print, wait, maybe give up, then serve (or pretend to)."""
    print("booting", flush=True)
    for _ in range(args.spew // 100):
        print("x" * 99)
    args.ballast = b"x" * (args.memory_mb * 1024 * 1024)  # touched, so it is resident
    time.sleep(args.boot_delay)
    if args.exit_code is not None:
        print("last words: giving up", flush=True)
        sys.exit(args.exit_code)
    while args.never_bind:
        time.sleep(1)
    if args.close_stdout:
        os.close(1)
        os.close(2)
        sys.stdout = sys.stderr = Path(os.devnull).open("w")  # noqa: SIM115  (lives with the app)
    if args.unbind_after is not None:
        unbind_later(args.unbind_after)
    serve(args)


def main() -> None:
    args = parse()
    record_pid(args.pid_dir, os.getpid(), "app")
    set_up_processes(args)
    boot(args)


def unbind_later(seconds: float) -> None:
    """Listen without ever accepting, then close the port and idle."""
    listener = socket.create_server(("0.0.0.0", int(os.environ["PORT"])))
    time.sleep(seconds)
    listener.close()
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
