"""Persistence: workshops, tables, statements and curation, in SQLite or PostgreSQL.

One code path (SQLAlchemy 2 Core) for both engines. SQLite is the embedded default, one
file under ``sessions/``; PostgreSQL is used when ``HARVEST_DATABASE_URL`` names one, so
that several app servers can share a database.

Every change to a workshop bumps ``workshops.revision`` by one in the same transaction,
and each statement row remembers the revision of its last change: a board asks
``revision(w)`` every few seconds and ``statements_since(w, r)`` only when it moved.

>>> store = Store("sqlite://")
>>> w = store.create_workshop("Integration in Magdeburg", tables=["Sprache"])
>>> s = store.add_statement(w.id, "Mehr Sprachkurse am Abend", table="Sprache", kind="Idee")
>>> (w.slug, s.kind, s.table_name, store.revision(w.id))
('integration-in-magdeburg', 'idea', 'Sprache', 1)

The package, one module per concern (``Store`` is their sum):

- ``engine``: where the database is (``database_url``), SQLite pragmas, PostgreSQL
  timeouts and the watchdog; ``database``: transactions and failures (``Database``);
  ``migrations``: the schema and its numbered steps; ``errors``; ``records``: plain data
  and row conversion;
- ``workshops`` (with their tables and revision), ``processes``, ``statements``,
  ``vectors``, ``actions`` (curation), ``links``, ``meta`` (board state and other small
  values), ``erasure`` (deleting for good);
- beside ``Store``: ``backup`` (portable archives) and ``participation_store`` (the
  moderation queue, dot votes and ballots), functions over a ``Store``.
"""

from __future__ import annotations

from harvest.store.actions import ActionStore
from harvest.store.engine import database_url
from harvest.store.erasure import ErasureStore
from harvest.store.errors import (
    ActionNotFound,
    DatabaseBusy,
    DatabaseUnavailable,
    HiddenByModerator,
    LinkExists,
    NotAMember,
    ProcessNotFound,
    SlugTaken,
    StatementNotFound,
    StorageFull,
    StoreError,
    TableExists,
    TableNotFound,
    WorkshopNotFound,
)
from harvest.store.links import LinkStore
from harvest.store.meta import BOARD_STATE_KEY, DERIVED_META_KEYS, MetaStore
from harvest.store.processes import ProcessStore
from harvest.store.records import Action, Link, NewStatement, slugify
from harvest.store.statements import StatementStore
from harvest.store.vectors import VectorStore
from harvest.store.workshops import WorkshopStore

__all__ = [
    "BOARD_STATE_KEY",
    "DERIVED_META_KEYS",
    "Action",
    "ActionNotFound",
    "DatabaseBusy",
    "DatabaseUnavailable",
    "HiddenByModerator",
    "Link",
    "LinkExists",
    "NewStatement",
    "NotAMember",
    "ProcessNotFound",
    "SlugTaken",
    "StatementNotFound",
    "StorageFull",
    "Store",
    "StoreError",
    "TableExists",
    "TableNotFound",
    "WorkshopNotFound",
    "database_url",
    "slugify",
]


class Store(
    WorkshopStore,
    ProcessStore,
    StatementStore,
    ErasureStore,
    VectorStore,
    ActionStore,
    LinkStore,
    MetaStore,
):
    """A Harvest database. Thread-safe; open one per process and share it.

    ``Store(url)`` connects and applies missing migrations. Every public method runs in
    its own transaction; a method that returned has committed (SQLite: synchronous=FULL).
    Connection failures surface as ``DatabaseUnavailable``, never as SQLAlchemy errors.
    Each concern's methods live in its module (see above); all share ``Database``'s
    transactions.
    """
