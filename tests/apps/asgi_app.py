"""An ASGI app for the uvicorn and hypercorn tests: every path answers OKAY."""

from collections.abc import Awaitable, Callable
from typing import Any


async def app(scope: dict[str, Any], _receive: Callable[[], Awaitable[Any]],
              send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"OKAY"})
