"""The git pre-push hook: install-hook and uninstall-hook write it, pre-push runs in it."""

from release_check.hooks.install import install_hook, uninstall_hook
from release_check.hooks.prepush import pre_push
from release_check.hooks.script import MARKER, hook_script

__all__ = ["MARKER", "hook_script", "install_hook", "pre_push", "uninstall_hook"]
