"""A stdlib background worker that boots like Celery, its misbehaviour chosen by flags.

It prints Celery's boot banner lines, then ``celery@HOST ready.`` once "connected", then idles
the way a worker waiting for jobs does. Every process it creates records its pid in --pid-dir.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

SLEEPER = [sys.executable, "-c", "import time\nwhile True: time.sleep(1)"]


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--name", default="celery")
    p.add_argument("--boot-delay", type=float, default=0.0, help="before importing the tasks")
    p.add_argument("--wait-for", type=Path, help="before importing the tasks, until it exists")
    p.add_argument("--ready-after", type=float, default=0.2, help="seconds before the ready line")
    p.add_argument("--never-ready", action="store_true", help="retry the broker forever")
    p.add_argument("--import-error", action="store_true", help="crash at boot with a traceback")
    p.add_argument("--exit-after-ready", type=int, help="exit with this code once ready")
    p.add_argument("--exit-delay", type=float, default=0.0, help="before --exit-after-ready")
    p.add_argument("--memory-mb", type=int, default=0, help="hold this much touched memory")
    p.add_argument("--child", action="store_true", help="fork a sleeping pool process")
    p.add_argument("--ignore-sigterm", action="store_true")
    p.add_argument("--pid-dir", type=Path)
    p.add_argument("--require-env", help="crash at boot unless this variable is set")
    return p.parse_args()


def record_pid(pid_dir: Path | None, pid: int, role: str) -> None:
    if pid_dir is not None:
        pid_dir.mkdir(parents=True, exist_ok=True)
        (pid_dir / f"{role}-{pid}").write_text(str(pid))


def say(line: str) -> None:
    print(line, flush=True)


def boot(args: argparse.Namespace) -> None:
    say(f" -------------- {args.name}@{socket.gethostname()} v5.3.6 (emerald-rush)")
    say("[tasks]\n  . app.tasks.add")
    if "PORT" in os.environ:
        say(f"unexpected PORT={os.environ['PORT']}")
    time.sleep(args.boot_delay)
    while args.wait_for is not None and not args.wait_for.exists():
        time.sleep(0.01)
    if args.import_error:
        say("Traceback (most recent call last):")
        say("ModuleNotFoundError: No module named 'app.tasks'")
        sys.exit(1)
    if args.require_env and not os.environ.get(args.require_env):
        say(f"KeyError: '{args.require_env}'")
        sys.exit(1)
    while args.never_ready:
        say("consumer: Cannot connect to redis://localhost:6379//: Error 111 connecting."
            " Trying again in 0.5 seconds... (1/100)")
        time.sleep(0.5)
    time.sleep(args.ready_after)
    say(f"[INFO/MainProcess] {args.name}@{socket.gethostname()} ready.")


def main() -> None:
    args = parse()
    record_pid(args.pid_dir, os.getpid(), "worker")
    if args.ignore_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if args.child:
        record_pid(args.pid_dir, subprocess.Popen(SLEEPER).pid, "pool")
    args.ballast = b"x" * (args.memory_mb * 1024 * 1024)  # touched, so it is resident
    boot(args)
    if args.exit_after_ready is not None:
        time.sleep(args.exit_delay)
        sys.exit(args.exit_after_ready)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
