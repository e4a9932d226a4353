"""Whether a port the app listens on, other than $PORT, is evidently the app itself.

An app that serves on a fixed port will never move to $PORT, so its run may fail early. But
many apps open another port first (a Prometheus ``start_http_server`` at import, an admin
port) and bind $PORT seconds later: failing them early would be a false fail. So a port
counts as the app only if it answers the health check, or is a web framework's default.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from release_check.sockets import Listener

# The ports servers take when told none: Rails, Node and Next (3000), Flask (5000), Django,
# gunicorn and uvicorn (8000), many Java and Go servers (8080).
FRAMEWORK_DEFAULTS = frozenset({3000, 5000, 8000, 8080})
_ASK_AGAIN = 2.0  # a port that did not pass the check may be the app still booting


class OtherPorts:
    """Asks other ports whether they pass the health check: one port a look, each every 2 s.

    One at a time, since a port that takes connections but never answers holds a look for the
    whole request timeout, and the wait for $PORT must go on meanwhile.
    """

    def __init__(self, passes_check: Callable[[Listener], bool],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._passes = passes_check
        self._clock = clock
        self._next_ask: dict[int, float] = {}

    def evident(self, listeners: Sequence[Listener], port: int) -> bool:
        """Whether any listener off ``port`` is a framework default, or passes the check.

        With none off ``port``, the app listens on it at another address: evidently the app.
        """
        others = [listener for listener in listeners if listener.port != port]
        if not others or any(lst.port in FRAMEWORK_DEFAULTS for lst in others):
            return True
        now = self._clock()
        due = min((lst for lst in others if now >= self._next_ask.get(lst.port, 0.0)),
                  key=lambda lst: self._next_ask.get(lst.port, 0.0), default=None)  # oldest first
        if due is None:
            return False
        self._next_ask[due.port] = now + _ASK_AGAIN
        return self._passes(due)
