"""Moved to ``harvest.store.participation_store``: this name stays for callers not updated yet
(harvest_app.py, cli.py); new code imports ``harvest.store.participation_store``."""

from harvest.store.participation_store import *  # noqa: F403
from harvest.store.participation_store import __all__  # noqa: F401
