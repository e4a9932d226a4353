"""Platform files: the health check, port and start command a project already declared.

Fly.io's fly.toml, Render's render.yaml, Railway's railway.json or railway.toml, Dokku's
app.json or CHECKS, Kamal's config/deploy.yml. ``find`` reads the one that applies into a
:class:`Declared`, which config/layer.py puts between the config file and the defaults. Nothing
here imports the settings: the settings name a platform by ``choice``, and are laid over it.
"""

from release_check.config.platforms.choose import CHOICES, VARIABLE, choice, find
from release_check.config.platforms.declared import Declared

__all__ = ["CHOICES", "VARIABLE", "Declared", "choice", "find"]
