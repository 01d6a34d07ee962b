"""The store's errors: named domain exceptions, and how a driver's failure becomes one."""

from __future__ import annotations

import sqlite3

__all__ = [
    "ActionNotFound",
    "DatabaseBusy",
    "DatabaseUnavailable",
    "HiddenByModerator",
    "LinkExists",
    "NotAMember",
    "ProcessNotFound",
    "SlugTaken",
    "StatementNotFound",
    "StorageFull",
    "StoreError",
    "TableExists",
    "TableNotFound",
    "WorkshopNotFound",
]

class StoreError(Exception):
    """Something the store cannot do."""


class WorkshopNotFound(StoreError, LookupError):
    """No workshop has this id or slug."""


class TableNotFound(StoreError, LookupError):
    """The workshop has no table with this name or id."""


class TableExists(StoreError, ValueError):
    """The workshop already has a table with this name."""


class StatementNotFound(StoreError, LookupError):
    """No statement has this id."""


class ActionNotFound(StoreError, LookupError):
    """No curation action has this id."""


class LinkExists(StoreError, ValueError):
    """A link with this token hash is already stored."""


class ProcessNotFound(StoreError, LookupError):
    """No process with this slug, id or title."""


class SlugTaken(StoreError, ValueError):
    """A workshop or process already has this slug."""


class NotAMember(StoreError, ValueError):
    """This workshop cannot be (or is not) a member of this process."""


class HiddenByModerator(StoreError, PermissionError):
    """The moderator hid this statement: only the moderator may show or edit it again."""


class DatabaseUnavailable(StoreError):
    """The database cannot be reached right now: nothing was saved, try again."""


class DatabaseBusy(DatabaseUnavailable):
    """Other writers held the database longer than a writer waits: nothing was saved, the
    server is there, send again."""


class StorageFull(DatabaseUnavailable):
    """The database's disk is full: nothing was saved until space is freed."""


def unavailable_error(exc: Exception) -> DatabaseUnavailable:
    """Wrap a driver-level failure in a message a person can act on."""
    original = getattr(exc, "orig", exc)
    reason = str(original).strip().splitlines()[0:1]
    detail = f" ({reason[0]})" if reason else ""
    if _is_disk_full(original):
        return StorageFull(
            "The database's disk is full; nothing was saved. Free some space on the server "
            f"(or ask whoever runs it), then send again.{detail}"
        )
    if _is_busy(original):
        return DatabaseBusy(
            "The database is busy with other writers; nothing was saved. Send again in a "
            f"moment.{detail}"
        )
    return DatabaseUnavailable(
        f"The database is not reachable right now; nothing was saved. Try again.{detail}"
    )


_BUSY_SQLSTATES = frozenset({"55P03", "40001", "40P01", "57014"})
"""PostgreSQL's lock_not_available, serialization_failure, deadlock_detected and
query_canceled (its statement timeout: a queue of writers on one workshop row outlasted it
on a loaded machine): others are writing or the server is loaded, but it is there and
answered, so this is "send again", not a stall that starts the back-off."""


def _is_busy(exc: BaseException) -> bool:
    """Another writer held the database past the wait: SQLite's SQLITE_BUSY or
    SQLITE_LOCKED ("database is locked"), or one of PostgreSQL's ``_BUSY_SQLSTATES``."""
    if getattr(exc, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) \
        or "database is locked" in str(exc)


def _is_disk_full(exc: BaseException) -> bool:
    """SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100), or ENOSPC underneath."""
    if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
        return True
    if getattr(exc, "sqlstate", None) == "53100":
        return True
    return "disk is full" in str(exc) or "No space left on device" in str(exc)
