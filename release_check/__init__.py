"""release-check: boot the web process, check its health endpoint, halt a bad release."""

__version__ = "0.1.0"
