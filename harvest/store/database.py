"""The connection to one database: transactions, failures, and emptying SQLite's log.

``Database`` is the base every part of ``Store`` builds on: it opens the engine, applies
the migrations and hands out read, write and snapshot transactions, turning connection
failures into ``DatabaseUnavailable``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Self

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool

from harvest.store import migrations as schema
from harvest.store.engine import (
    PG_BACKOFF_AFTER_S,
    PG_BACKOFF_S,
    create_engine,
    database_url,
    normalise_url,
    sqlite_busy_timeout,
)
from harvest.store.errors import DatabaseBusy, DatabaseUnavailable, unavailable_error

__all__ = ["Database"]

WAL_PURGE_WAIT_S = 0.2
"""How long a delete for good waits for readers before emptying the log in the background."""
WAL_PURGE_RETRY_S = 0.25
WAL_PURGE_GIVE_UP_S = 3600.0

# Failures of the connection, not of the SQL: the pool timing out counts (too busy now).
_CONNECTION_ERRORS = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,
)


_REVISION_CHANGED = "harvest_revision_changed"
_REVISION_WRITES: Counter[str] = Counter()
"""Committed revision-changing writes per database URL, for the whole process: the app's
pages and the light board open a store each, and one must see the other's writes (a
process is one server; another server's writes are seen by asking the database)."""
_REVISION_WRITES_LOCK = threading.Lock()


def revision_changed(conn: Connection) -> None:
    """Note that this write transaction changes a workshop's revision (or removes a
    workshop), so that ``Database.revision_writes`` counts it once it commits."""
    conn.info[_REVISION_CHANGED] = True


class Database:
    """A Harvest database. Thread-safe; open one per process and share it.

    ``Database(url)`` connects and applies missing migrations. Every public method runs
    in its own transaction; a method that returned has committed (SQLite:
    synchronous=FULL). Connection failures surface as ``DatabaseUnavailable``, never as
    SQLAlchemy errors.
    """

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self._down_until = 0.0  # PostgreSQL back-off after a failure (time.monotonic)
        self._engine = create_engine(self.url)
        self.dialect: str = self._engine.dialect.name
        self._in_memory = self.dialect == "sqlite" and isinstance(self._engine.pool, StaticPool)
        self._closed = threading.Event()
        self._purge_lock = threading.Lock()
        self._purge_thread: threading.Thread | None = None
        try:
            with self._write() as conn:
                schema.migrate(conn)
        except BaseException:
            self._engine.dispose()
            raise

    @property
    def revision_writes(self) -> int:
        """How many committed write transactions of this process on this database changed
        a workshop's revision (:func:`revision_changed`), through any store object: a
        cache of revisions is stale once this changed (``board.RevisionReader``). Ballots,
        vectors and links leave it be."""
        return _REVISION_WRITES[self.url]

    @classmethod
    def open(cls, url: str | None = None) -> Self:
        """The store at ``url``, or at ``database_url()`` (env or the default SQLite file)."""
        return cls(database_url(url))

    def close(self) -> None:
        """Close every pooled connection (after one last try at emptying the log)."""
        self._closed.set()
        if self._purge_thread is not None and self._purge_thread.is_alive():
            self._checkpoint()
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        shown = sa.make_url(self.url).render_as_string(hide_password=True)
        return f"{type(self).__name__}({shown!r})"

    # --- transactions ---------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A read-only transaction (SQLite: deferred, so it never waits for writers)."""
        started = self._fail_fast()
        try:
            with self._engine.connect() as conn:
                yield conn
        except _CONNECTION_ERRORS as exc:
            raise self._failed(exc, started) from exc

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction, committed on exit (SQLite: BEGIN IMMEDIATE, so that
        concurrent writers queue on the busy timeout instead of failing on upgrade)."""
        started = self._fail_fast()
        try:
            with self._engine.connect() as conn:
                conn.info.pop(_REVISION_CHANGED, None)  # info outlives a pool checkout
                conn.execution_options(harvest_write=True)
                with conn.begin():
                    yield conn
                changed = conn.info.pop(_REVISION_CHANGED, False)
        except _CONNECTION_ERRORS as exc:
            raise self._failed(exc, started) from exc
        if changed:
            with _REVISION_WRITES_LOCK:
                _REVISION_WRITES[self.url] += 1

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """One read-only transaction that sees a single state of the database while
        others write (PostgreSQL: REPEATABLE READ; SQLite: one deferred transaction, whose
        WAL snapshot is fixed by its first read). For reads that must agree with each
        other, such as a backup."""
        started = self._fail_fast()
        try:
            with self._engine.connect() as conn:
                if self.dialect == "postgresql":
                    conn.execution_options(
                        isolation_level="REPEATABLE READ", postgresql_readonly=True
                    )
                with conn.begin():
                    yield conn
        except _CONNECTION_ERRORS as exc:
            raise self._failed(exc, started) from exc

    def _fail_fast(self) -> float:
        """Refuse at once while a PostgreSQL server that just stalled is in its back-off;
        else return the time the call starts."""
        now = time.monotonic()
        if now < self._down_until:
            raise DatabaseUnavailable(
                "The database is not reachable right now; nothing was saved. Try again."
            )
        return now

    def _failed(self, exc: Exception, started: float) -> DatabaseUnavailable:
        """The error to raise for a connection failure. A failure that made the caller
        wait (a stall, not a refused connection) starts the back-off: the next calls
        need not each wait again, while a server that is simply back answers at once."""
        error = unavailable_error(exc)
        now = time.monotonic()
        stalled = not isinstance(error, DatabaseBusy)  # a lock wait is not a stall
        if self.dialect == "postgresql" and stalled and now - started >= PG_BACKOFF_AFTER_S:
            self._down_until = now + PG_BACKOFF_S
        return error

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction for work that spans many tables at once (a restore): all
        of it is committed on exit, or none of it if an exception leaves the block."""
        with self._write() as conn:
            yield conn

    def schema_version(self) -> int:
        """The schema version of the database (``migrations.LATEST_VERSION`` once open)."""
        with self._read() as conn:
            return schema.current_version(conn)

    # --- revision ---------------------------------------------------------------------

    def _erase_traces(self) -> None:
        """After a delete for good: on SQLite, fold the write-ahead log (which still holds
        the old pages) into the overwritten database file and empty it. A reader holding
        an old snapshot keeps the log from being emptied; then this does not wait for it
        but retries in the background until the reader lets go. PostgreSQL frees the
        rows at its next VACUUM (autovacuum; run ``VACUUM`` to be sure)."""
        if self.dialect != "sqlite" or self._in_memory:
            return
        if self._checkpoint():
            return
        with self._purge_lock:
            if self._purge_thread is None or not self._purge_thread.is_alive():
                self._purge_thread = threading.Thread(
                    target=self._checkpoint_until_done, name="harvest-wal-purge", daemon=True
                )
                self._purge_thread.start()

    def _checkpoint(self) -> bool:
        """One try at folding and emptying the log, waiting at most a moment for readers."""
        try:
            raw = self._engine.raw_connection()
        except _CONNECTION_ERRORS:
            return False
        try:
            cursor = raw.cursor()
            cursor.execute(f"PRAGMA busy_timeout={int(WAL_PURGE_WAIT_S * 1000)}")
            try:
                busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                cursor.execute(f"PRAGMA busy_timeout={int(sqlite_busy_timeout() * 1000)}")
                cursor.close()
            return int(busy) == 0
        except sqlite3.Error:
            return False
        finally:
            raw.close()

    def _checkpoint_until_done(self) -> None:
        deadline = time.monotonic() + WAL_PURGE_GIVE_UP_S
        while not self._closed.wait(WAL_PURGE_RETRY_S):
            if self._checkpoint() or time.monotonic() > deadline:
                return

    # --- sentence vectors (filled off the request path by harvest.vectors) ----------
