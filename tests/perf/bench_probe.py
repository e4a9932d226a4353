"""release-check with a clock around each phase: the breakdown of its fixed overhead.

tests/perf/bench.py runs this instead of ``python -m release_check`` in a third of the
overhead runs. It imports what the CLI would, wraps the runner's phase functions with a
timer (module attributes, so the code under test is unchanged), runs ``cli.main`` and writes
the moments, as ``time.time()`` values, to the JSON file named by ``BENCH_PROBE_OUT``.
A phase function that has been renamed is simply not timed: its time joins the next one.
"""

import time

STARTED = time.time()  # first statement: what came before is interpreter start-up

# Only modules that start-up or release_check load anyway, so the probe adds no import
# time of its own to the "imports" segment (json is imported at the very end).
import os  # noqa: E402  (after the clock on purpose)
import sys  # noqa: E402
import types  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

MARKS: dict[str, float] = {"started": STARTED}


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` recording the begin and end of its first call as NAME.begin/NAME.end."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        MARKS.setdefault(f"{name}.begin", time.time())
        try:
            return function(*args, **kwargs)
        finally:
            MARKS.setdefault(f"{name}.end", time.time())

    return wrapper


def wrap(owner: object, attribute: str, name: str) -> None:
    """Replace ``owner.attribute`` by its timed version, if it still exists."""
    original = getattr(owner, attribute, None)
    if original is None:
        return
    wrapper = timed(name, original)
    # A classmethod read from its class is already bound; keep it bound through staticmethod.
    bound = isinstance(original, types.MethodType)
    setattr(owner, attribute, staticmethod(wrapper) if bound else wrapper)


# (module, class or "", attribute, mark name): the runner's phases, in the order they run.
PHASES = [
    ("release_check.checking.attempt", "", "client", "client"),
    ("release_check.release.lifetime", "Run", "start", "spawn"),
    ("release_check.release.runner", "", "wait_listening", "wait"),
    ("release_check.release.runner", "", "confirm_owner", "confirm"),
    ("release_check.release.runner", "", "poll_until_passing", "check"),  # before probing.py
    ("release_check.release.runner", "", "check_all", "check"),
    ("release_check.release.runner", "", "stay_up", "uptime"),
    ("release_check.supervise.tree", "TreeWatcher", "stop", "unwatch"),
    ("release_check.release.lifetime", "", "stop_tree", "teardown"),
    ("release_check.supervise.pump", "OutputPump", "finish", "drain"),
]


def instrument() -> Callable[[list[str]], int]:
    """Import what the CLI imports for a check, wrap the phases, return ``cli.main``."""
    from release_check import cli, signals  # noqa: F401, PLC0415  (as cli does lazily)
    from release_check.release import runner  # noqa: F401, PLC0415
    MARKS["imported"] = time.time()
    for module_name, class_name, attribute, name in PHASES:
        module = sys.modules.get(module_name)
        owner = getattr(module, class_name, None) if class_name else module
        if owner is not None:
            wrap(owner, attribute, name)
    main: Callable[[list[str]], int] = cli.main
    return main


def run() -> int:
    """Run the check, then write the marks even if it failed."""
    main = instrument()
    try:
        return main(sys.argv[1:])
    finally:
        out = os.environ.get("BENCH_PROBE_OUT")
        if out:
            import json  # noqa: PLC0415  (after the measured part)

            with open(out, "w") as file:  # noqa: PTH123  (pathlib is not loaded at start-up)
                json.dump(MARKS, file)


if __name__ == "__main__":
    # As cli.entry ends a real run: flushed, then without the interpreter's own shutdown.
    code = run()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code)
