"""An ASGI app for the hypercorn test: /health_check answers OKAY."""

from collections.abc import Awaitable, Callable
from typing import Any


async def app(scope: dict[str, Any], _receive: Callable[[], Awaitable[Any]],
              send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
    if scope["type"] != "http":
        return
    ok = scope["path"] == "/health_check"
    await send({"type": "http.response.start", "status": 200 if ok else 404,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"OKAY" if ok else b"not found"})
