"""Every setting Harvest takes from its environment, and the default data folder.

The one module that reads ``HARVEST_*`` variables: the store, the links, the CLI and the
app ask here. Each function reads the environment when called, not at import, so a test
or a server pointed elsewhere per run is seen at once. Unset and empty mean the same:
the default.

============================  ==============================================  ===========
variable                      what                                             default
============================  ==============================================  ===========
HARVEST_DATABASE_URL          the database (SQLite file or PostgreSQL URL)     SQLite in
                                                                               sessions/
HARVEST_SESSIONS_DIR          the data folder (database file, link secret)     sessions/
HARVEST_SECRET_KEY            the secret links are signed with                 a file in
                                                                               sessions/
HARVEST_BASE_URL              the address links and QR codes carry             localhost
HARVEST_SQLITE_BUSY_SECONDS   how long a SQLite writer waits for a lock        10
HARVEST_TRUSTED_PROXIES       proxies whose X-Forwarded-For is believed        none
HARVEST_REFRESH_SECONDS       how often an open board refreshes itself         3
HARVEST_SIMILAR_HINT          "Ähnlich wie" before saving (0 turns it off)     on
HARVEST_LOCAL_ORGANISER       1: the start page lists every workshop           off
============================  ==============================================  ===========

>>> import os
>>> os.environ["HARVEST_SQLITE_BUSY_SECONDS"] = "2.5"
>>> sqlite_busy_seconds(10.0)
2.5
>>> del os.environ["HARVEST_SQLITE_BUSY_SECONDS"]
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "DEFAULT_REFRESH_SECONDS",
    "DEFAULT_SESSIONS_DIR",
    "base_url",
    "database_url",
    "local_organiser",
    "refresh_seconds",
    "secret_key",
    "sessions_dir",
    "similar_hint",
    "sqlite_busy_seconds",
    "trusted_proxies",
]

DEFAULT_SESSIONS_DIR = Path(__file__).resolve().parents[1] / "sessions"
"""The repository's ``sessions/`` folder (git-ignored): where data lives by default."""


def _get(name: str) -> str | None:
    """The variable's value, None if unset or empty."""
    return os.environ.get(name) or None


def _number(name: str, default: float) -> float:
    """A non-negative number; the default if unset or not a number."""
    try:
        return max(0.0, float(_get(name) or default))
    except ValueError:
        return default


def database_url() -> str | None:
    """``HARVEST_DATABASE_URL`` without surrounding blanks (None: the SQLite default)."""
    return (_get("HARVEST_DATABASE_URL") or "").strip() or None


def sessions_dir() -> Path:
    """``HARVEST_SESSIONS_DIR``, else the repository's ``sessions/``."""
    return Path(_get("HARVEST_SESSIONS_DIR") or DEFAULT_SESSIONS_DIR)


def secret_key() -> str | None:
    """``HARVEST_SECRET_KEY`` (None: the secret file in the sessions folder)."""
    return _get("HARVEST_SECRET_KEY")


def base_url() -> str | None:
    """``HARVEST_BASE_URL``: the address set by hand for links (None: found or local)."""
    return _get("HARVEST_BASE_URL")


def sqlite_busy_seconds(default: float) -> float:
    """``HARVEST_SQLITE_BUSY_SECONDS``: seconds a SQLite writer waits for a lock."""
    return _number("HARVEST_SQLITE_BUSY_SECONDS", default)


def trusted_proxies() -> str | None:
    """``HARVEST_TRUSTED_PROXIES``: comma-separated addresses or networks."""
    return _get("HARVEST_TRUSTED_PROXIES")


DEFAULT_REFRESH_SECONDS = 3.0
"""How often an open board (and the light board's phones) asks for news, unless set."""


def refresh_seconds(default: float = DEFAULT_REFRESH_SECONDS) -> float:
    """``HARVEST_REFRESH_SECONDS``: how often an open board refreshes itself."""
    return _number("HARVEST_REFRESH_SECONDS", default)


def similar_hint() -> bool:
    """``HARVEST_SIMILAR_HINT``: hold a draft like another table's once; "0" turns it off."""
    return (_get("HARVEST_SIMILAR_HINT") or "1").strip() != "0"


def local_organiser() -> bool:
    """``HARVEST_LOCAL_ORGANISER=1``: whoever opens the start page organises."""
    return _get("HARVEST_LOCAL_ORGANISER") == "1"
