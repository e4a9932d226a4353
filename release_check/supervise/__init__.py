"""Process supervision: spawn the app, relay its output, watch its tree, stop all of it.

An App (app.py) is one spawned root with its output pump (pump.py) and its exit wake-up
(wakeup.py); the tree watcher (tree.py) samples memory, listeners and crash loops (respawn.py)
from a guarded thread (guarded.py), and stop_tree is the one teardown: one SIGTERM each, the
grace, SIGKILL. The reaper (reaper.py) collects exited children, a Family (family.py) tells
which process type each descendant belongs to, and the watchdog (watchdog.py) stops the app if
the runner dies without tearing it down.
"""

from release_check.supervise.app import RUN_ID_VARIABLE, App, Hooks, spawn
from release_check.supervise.family import Family
from release_check.supervise.pump import PUMP_DRAIN
from release_check.supervise.reaper import Reaper
from release_check.supervise.respawn import SNAPSHOT_INTERVAL, CrashLoop, Death
from release_check.supervise.tree import KILL_WAIT, Descendants, TreeWatcher, stop_tree, tree_of
from release_check.supervise.watchdog import Watchdog, run_id

__all__ = [
    "KILL_WAIT",
    "PUMP_DRAIN",
    "RUN_ID_VARIABLE",
    "SNAPSHOT_INTERVAL",
    "App",
    "CrashLoop",
    "Death",
    "Descendants",
    "Family",
    "Hooks",
    "Reaper",
    "TreeWatcher",
    "Watchdog",
    "run_id",
    "spawn",
    "stop_tree",
    "tree_of",
]
