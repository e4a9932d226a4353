"""A server on $PORT whose 200 starts with a passing body but is never a whole one.

``length``: Content-Length 100, ``OKAY``, then a space every half second. ``chunked``: an
``OKAY`` chunk, then a whitespace chunk every half second. ``padded``: a complete ``OKAY``
followed by 70 KiB of spaces; ``padded-json``: the same after ``{"status": "ok"}``.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Callable

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
PAD = b" " * (70 * 1024)


def length(conn: socket.socket) -> None:
    conn.sendall(HEAD + b"Content-Length: 100\r\n\r\nOKAY")
    for _ in range(96):
        time.sleep(0.5)
        conn.sendall(b" ")


def chunked(conn: socket.socket) -> None:
    conn.sendall(HEAD + b"Transfer-Encoding: chunked\r\n\r\n4\r\nOKAY\r\n")
    while True:
        time.sleep(0.5)
        conn.sendall(b"1\r\n \r\n")


def padded(first: bytes) -> Callable[[socket.socket], None]:
    def answer(conn: socket.socket) -> None:
        body = first + PAD
        conn.sendall(HEAD + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)

    return answer


MODES = {"length": length, "chunked": chunked, "padded": padded(b"OKAY"),
         "padded-json": padded(b'{"status": "ok"}')}


def served(handler: Callable[[socket.socket], None], conn: socket.socket) -> None:
    try:
        conn.recv(65536)
        handler(conn)
    except OSError:
        pass  # the client gave up, as it should
    finally:
        conn.close()


def main() -> None:
    handler = MODES[sys.argv[1]]
    listener = socket.create_server(("0.0.0.0", int(os.environ["PORT"])))
    print("trickle server listening", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=served, args=(handler, conn), daemon=True).start()


if __name__ == "__main__":
    main()
