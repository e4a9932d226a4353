"""Run a command as a child subreaper (Linux); print what it left behind when it exited.

When the command exits, every descendant it had not reaped is re-parented here: a zombie it
never waited for, or a process still running. They are printed as JSON, ``{"code": N,
"left": [{"pid": P, "name": N, "state": "Z"}, ...]}``, then killed and reaped. The command's own
output goes to stderr, so that stdout holds only that line.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def children() -> list[dict[str, object]]:
    """This process's children, from /proc: pid, name and state (Z for a zombie)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, rest = text.split("(", 1)[1].rsplit(")", 1)
        fields = rest.split()
        if int(fields[1]) == os.getpid():
            found.append({"pid": int(stat.parent.name), "name": name, "state": fields[0]})
    return found


def clean_up(left: list[dict[str, object]]) -> None:
    for child in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(str(child["pid"])), signal.SIGKILL)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def main() -> None:
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
    code = subprocess.run(sys.argv[1:], stdout=sys.stderr, check=False).returncode
    left = children()
    print(json.dumps({"code": code, "left": left}), flush=True)
    clean_up(left)


if __name__ == "__main__":
    main()
