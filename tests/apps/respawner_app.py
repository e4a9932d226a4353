"""A worker master that keeps a pool of children running, as rq worker-pool or Celery does.

Each child is this script again with --child; the master starts the same command anew for
each one that ends, unless --no-respawn. A child can fail at start (--fail-after), like a worker
that cannot reach its broker, or abort (SIGABRT) once the master has printed its ready line.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--children", type=int, default=2)
    p.add_argument("--child", action="store_true", help="be one pool process")
    p.add_argument("--fail-after", type=float, help="a child exits 1 this long after its start")
    p.add_argument("--abort-after", type=float, help="a child aborts this long after its start")
    p.add_argument("--ready", action="store_true", help="print a Celery-like ready line")
    p.add_argument("--no-respawn", action="store_true")
    p.add_argument("--pool-after", type=float, default=0.0, help="before starting the pool")
    return p.parse_args()


def child(args: argparse.Namespace) -> None:
    if args.fail_after is not None:
        time.sleep(args.fail_after)
        print("ERROR: Cannot connect to redis://localhost:6379: Connection refused", flush=True)
        sys.exit(1)
    if args.abort_after is not None:
        time.sleep(args.abort_after)
        os.kill(os.getpid(), signal.SIGABRT)
    while True:
        time.sleep(1)


def spawn(args: argparse.Namespace) -> subprocess.Popen[bytes]:
    flags = [f"--{name.replace('_', '-')}={value}" for name, value in
             (("fail_after", args.fail_after), ("abort_after", args.abort_after))
             if value is not None]
    return subprocess.Popen([sys.executable, __file__, "--child", *flags])


def master(args: argparse.Namespace) -> None:
    time.sleep(args.pool_after)
    pool = [spawn(args) for _ in range(args.children)]
    if args.ready:
        print(f"[INFO/MainProcess] celery@{socket.gethostname()} ready.", flush=True)
    while True:
        time.sleep(0.05)
        for index, proc in enumerate(pool):
            if proc.poll() is not None and not args.no_respawn:
                print(f"child {proc.pid} exited with {proc.returncode}", flush=True)
                pool[index] = spawn(args)


def main() -> None:
    args = parse()
    (child if args.child else master)(args)


if __name__ == "__main__":
    main()
