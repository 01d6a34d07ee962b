"""Moved to ``harvest.store.backup``: this name stays for callers not updated yet
(harvest_app.py, cli.py); new code imports ``harvest.store.backup``."""

from harvest.store.backup import *  # noqa: F403
from harvest.store.backup import __all__  # noqa: F401
