"""Import the HTTP stack (httpx, tenacity: about 100 ms) in the background while the app boots."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from release_check.checking import attempt as http_check

if TYPE_CHECKING:
    import httpx


class HttpWarmup:
    """Builds the release check's HTTP client off the main thread; ``client()`` waits for it.

    The wait loop never needs HTTP, so this work overlaps the app's boot instead of delaying
    the spawn or the crash detection.
    """

    def __init__(self) -> None:
        self._client: httpx.Client | None = None
        self._error: Exception | None = None
        self._thread = threading.Thread(target=self._build, name="warmup", daemon=True)
        self._thread.start()

    def _build(self) -> None:
        try:
            import tenacity  # noqa: F401, PLC0415  (loaded now, so the first retry pays nothing)

            self._client = http_check.client()
        except Exception as error:
            self._error = error

    def client(self) -> httpx.Client:
        """The client, once built; the import's own error if it failed."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._client is None:
            raise RuntimeError("the HTTP client was not built")
        return self._client

    def close(self, *, in_use: bool = False) -> None:
        """Close the client if it was built, unless a thread may still be ``in_use`` of it."""
        self._thread.join()
        if self._client is not None and not in_use:
            self._client.close()
