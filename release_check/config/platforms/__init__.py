"""Platform files: the health check, port and start command a project already declared.

Fly.io's fly.toml, Render's render.yaml, Railway's railway.json or railway.toml, Dokku's
app.json or CHECKS, Kamal's config/deploy.yml. ``find`` reads the one that applies into a
:class:`Declared`; ``layer`` puts its values between the config file and the defaults.
"""

from release_check.config.platforms.choose import CHOICES, VARIABLE, choice, find
from release_check.config.platforms.declared import Declared
from release_check.config.platforms.layer import Origin, layer

__all__ = ["CHOICES", "VARIABLE", "Declared", "Origin", "choice", "find", "layer"]
