"""The live-URL commands, run after a deploy.

``probe`` waits until the URL answers; ``watch`` measures what users saw during a deploy.
"""


from release_check.live.probe import probe
from release_check.live.watch import watch

__all__ = ["probe", "watch"]
