"""A server that answers HTTP badly on $PORT, in the way its single argument names.

Each connection is served in its own thread, so a held connection never blocks the next attempt.
"""

from __future__ import annotations

import os
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

OK_HEAD = b"HTTP/1.1 200 OK\r\n"


def never_answer(conn: socket.socket) -> None:
    conn.recv(65536)
    time.sleep(3600)


def drip(conn: socket.socket) -> None:
    conn.recv(65536)
    for byte in (OK_HEAD + b"X-Slow: " + b"a" * 100000):
        conn.sendall(bytes([byte]))
        time.sleep(1)


def huge_body(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(OK_HEAD + f"Content-Length: {200 * 1024 * 1024}\r\n\r\n".encode())
    block = b"x" * 65536
    for _ in range(200 * 16):
        conn.sendall(block)


def endless_chunked(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
    while True:
        conn.sendall(b"1000\r\n" + b"y" * 4096 + b"\r\n")


def garbage(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(b"\x00\xff\xfe garbage \x1b[31m not http\r\n\r\n")


def reset(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(OK_HEAD + b"Content-Length: 100\r\n\r\nOK")
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def http10(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nOKAY")


def invalid_utf8(conn: socket.socket) -> None:
    conn.recv(65536)
    body = b"\xff\xfe\xc3\x28OKAY"
    conn.sendall(OK_HEAD + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)


def huge_header(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(OK_HEAD + b"X-Big: " + b"h" * (1024 * 1024) + b"\r\nContent-Length: 4\r\n\r\nOKAY")


def redirect(location: bytes) -> Callable[[socket.socket], None]:
    def answer(conn: socket.socket) -> None:
        conn.recv(65536)
        head = b"HTTP/1.1 302 Found\r\nLocation: " + location
        conn.sendall(head + b"\r\nContent-Length: 0\r\n\r\n")

    return answer


def tls_context() -> ssl.SSLContext:
    """A server context with a throwaway self-signed certificate."""
    folder = Path(tempfile.mkdtemp())
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=localhost", "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


def tls(context: ssl.SSLContext) -> Callable[[socket.socket], None]:
    def answer(conn: socket.socket) -> None:
        try:
            with context.wrap_socket(conn, server_side=True) as wrapped:
                wrapped.recv(65536)
        except (ssl.SSLError, OSError):
            return

    return answer


def modes() -> dict[str, Callable[[socket.socket], None]]:
    return {
        "never-answer": never_answer, "drip": drip, "huge-body": huge_body,
        "endless-chunked": endless_chunked, "garbage": garbage, "reset": reset,
        "http10": http10, "invalid-utf8": invalid_utf8, "huge-header": huge_header,
        "redirect-loop": redirect(b"/health_check"),
        "redirect-other-host": redirect(b"http://elsewhere.example/health_check"),
    }


def serve(handler: Callable[[socket.socket], None]) -> None:
    listener = socket.create_server(("0.0.0.0", int(os.environ["PORT"])))
    print("hostile server listening", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=guarded, args=(handler, conn), daemon=True).start()


def guarded(handler: Callable[[socket.socket], None], conn: socket.socket) -> None:
    try:
        handler(conn)
    except OSError:
        pass  # the client gave up on us, as it should
    finally:
        conn.close()


def main() -> None:
    mode = sys.argv[1]
    serve(tls(tls_context()) if mode == "tls" else modes()[mode])


if __name__ == "__main__":
    main()
