"""The benchmark's web app: boots after a delay, records when it listens, serves, exits.

Usage: ``bench_app.py MODE DELAY`` with MODE one of ``serve``, ``crash``, ``ignore-term``.

* ``serve``: sleep DELAY seconds, bind ``$PORT``, answer ``GET /health_check`` with 200 OKAY.
* ``crash``: sleep DELAY seconds, then exit 3 without ever binding.
* ``ignore-term``: like ``serve``, but SIGTERM is ignored, so only SIGKILL stops it.

Timestamps (``time.time()``, comparable across processes) go to the files named by
``BENCH_START_STAMP`` (first line of main), ``BENCH_LISTEN_STAMP`` (just after listen()),
``BENCH_SERVED_STAMP`` (just after the first health response is sent) and ``BENCH_EXIT_STAMP``
(just before a crash exit).

Stdlib sockets only, no http.server: the app's own start-up must stay a few milliseconds so
that what the benchmark measures is the runner, not the fixture.
"""

import os
import signal
import socket
import sys
import time

RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n"
    b"Connection: close\r\n\r\nOKAY"
)
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def stamp(variable: str) -> None:
    """Write time.time() to the file named by the variable, if it is set."""
    path = os.environ.get(variable)
    if path:
        with open(path, "w") as file:  # noqa: PTH123  (pathlib costs start-up time here)
            file.write(repr(time.time()))


def read_request(conn: socket.socket) -> bytes:
    """The request head (enough to route it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def serve(port: int) -> None:
    """Listen on all interfaces, stamp, and answer one connection at a time."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", port))
    server.listen(64)
    stamp("BENCH_LISTEN_STAMP")
    print(f"listening on 0.0.0.0:{port}", flush=True)
    served = False
    while True:
        conn, _ = server.accept()
        with conn:
            request = read_request(conn)
            healthy = request.startswith(b"GET /health_check ")
            conn.sendall(RESPONSE if healthy else NOT_FOUND)
        if healthy and not served:
            served = True
            stamp("BENCH_SERVED_STAMP")


def main() -> None:
    """Boot as the mode says."""
    stamp("BENCH_START_STAMP")
    mode, delay = sys.argv[1], float(sys.argv[2])
    if mode == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(delay)
    if mode == "crash":
        print("giving up before binding", flush=True)
        stamp("BENCH_EXIT_STAMP")
        os._exit(3)
    serve(int(os.environ["PORT"]))


if __name__ == "__main__":
    main()
