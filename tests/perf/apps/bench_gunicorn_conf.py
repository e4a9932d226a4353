"""gunicorn settings for the teardown benchmark: stamp when the arbiter listens, mark workers.

Each worker that finished booting creates a file in ``BENCH_READY_DIR``; bench_wsgi.py only
answers OKAY once all of them have, so both contenders tear down a fully booted gunicorn
(the shell loop checks a second later than release-check, when the arbiter has long finished
forking; stopping a gunicorn that is still forking workers takes longer).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

loglevel = "warning"  # eight "Booting worker" lines per run would only be relayed and dropped


def when_ready(_server: Any) -> None:
    """Called by the arbiter once its listening socket exists, before workers are forked."""
    path = os.environ.get("BENCH_LISTEN_STAMP")
    if path:
        Path(path).write_text(repr(time.time()))


def post_worker_init(_worker: Any) -> None:
    """Called in each worker once it has booted: mark it ready."""
    ready = os.environ.get("BENCH_READY_DIR")
    if ready:
        Path(ready).mkdir(exist_ok=True)
        (Path(ready) / str(os.getpid())).touch()
