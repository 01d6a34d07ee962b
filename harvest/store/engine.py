"""Engines: where the database is, and how SQLite and PostgreSQL are set up for Harvest.

SQLite runs in WAL mode with ``synchronous=FULL``, ``secure_delete`` and writers that
start with ``BEGIN IMMEDIATE``; PostgreSQL gets server-side statement and lock timeouts,
TCP keepalives and a client-side watchdog that cuts off a stalled connection.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from harvest import config

__all__ = ["create_engine", "database_url", "normalise_url", "sqlite_busy_timeout"]

SQLITE_BUSY_TIMEOUT_S = 10.0
"""How long a SQLite writer waits for another one before giving up (default; the setting
``HARVEST_SQLITE_BUSY_SECONDS`` changes it)."""
PG_CONNECT_TIMEOUT_S = 2  # libpq's shortest
PG_STALL_S = 6.0
"""A statement without an answer this long is cut off client side: a stalled server (or
network) answers nothing, not even the cancel, and libpq would wait forever."""
PG_STATEMENT_TIMEOUT_S = PG_STALL_S - 0.5
"""PostgreSQL cancels a statement running longer (server side: statement_timeout, which
counts the wait for locks too). Below ``PG_STALL_S``: a live server answers before the
client would take its silence for a stall."""
PG_LOCK_TIMEOUT_S = PG_STATEMENT_TIMEOUT_S - 0.5
"""How long a PostgreSQL writer waits for a lock another one holds (lock_timeout), then
hears "busy". Within the statement timeout, so that the wait ends as "busy", not as a
cut-off "unreachable" (a 10 s wait was cut at 6 s). Eight facilitators writing at once
on a busy machine queue on one workshop row; at 3 s the last of them was refused."""
PG_PING_S = 2.0
"""How long the check of a pooled connection may take before a fresh one is tried."""
PG_BACKOFF_S = 2.0
"""After a connection failure that took a while, calls fail at once for this long instead
of each waiting for its own timeout (a page asks several times: that made a 20 s hang)."""
PG_BACKOFF_AFTER_S = 1.0


def database_url(explicit: str | None = None, sessions_dir: Path | None = None) -> str:
    """The database to use: ``explicit``, else ``$HARVEST_DATABASE_URL``, else the SQLite
    file ``harvest.db`` in ``sessions_dir`` (default ``$HARVEST_SESSIONS_DIR`` or the
    repository's ``sessions/``), whose folder is created here.

    ``postgresql://`` URLs are normalised to the psycopg 3 driver.
    """
    url = explicit or config.database_url()
    if not url:
        folder = sessions_dir or config.sessions_dir()
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder.resolve() / 'harvest.db'}"
    return normalise_url(url)


def normalise_url(url: str) -> str:
    """Point plain PostgreSQL URLs at psycopg 3 (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url




def create_engine(url: str) -> Engine:
    """An engine set up for Harvest's transactions on SQLite or PostgreSQL."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(parsed)
    engine = sa.create_engine(
        parsed,
        pool_size=5,
        max_overflow=10,
        pool_recycle=1800,
        pool_timeout=PG_STALL_S,
        connect_args={
            "connect_timeout": PG_CONNECT_TIMEOUT_S,
            # the server gives up on slow statements and on waiting for locks with an
            # error, and drops a session left open in a transaction
            "options": (
                f"-c statement_timeout={int(PG_STATEMENT_TIMEOUT_S * 1000)} "
                f"-c lock_timeout={int(PG_LOCK_TIMEOUT_S * 1000)} "
                "-c idle_in_transaction_session_timeout=60000"
            ),
            # a network that drops packets: the kernel gives up on unanswered data
            "tcp_user_timeout": int(PG_STALL_S * 1000),
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 2,
            "keepalives_count": 3,
        },
    )

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # SQLAlchemy's pre-ping, with a deadline: a restarted server must not cost the
        # next user an error, and a stalled one must not cost them a minute.
        _WATCHDOG.arm(dbapi_connection, PG_PING_S)
        autocommit = dbapi_connection.autocommit
        try:
            dbapi_connection.autocommit = True  # the ping must not open a transaction
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.autocommit = autocommit
        except Exception as exc:
            raise sa.exc.DisconnectionError(str(exc)) from exc
        finally:
            _WATCHDOG.disarm(dbapi_connection)

    @event.listens_for(engine, "before_cursor_execute")
    def _arm(conn: Connection, *_args: Any) -> None:
        _WATCHDOG.arm(conn.connection.dbapi_connection, PG_STALL_S)

    @event.listens_for(engine, "after_cursor_execute")
    def _disarm(conn: Connection, *_args: Any) -> None:
        _WATCHDOG.disarm(conn.connection.dbapi_connection)

    @event.listens_for(engine, "handle_error")
    def _disarm_failed(context: Any) -> None:
        dbapi_connection = getattr(context.connection, "connection", None)
        if dbapi_connection is not None:
            _WATCHDOG.disarm(dbapi_connection.dbapi_connection)

    return engine


class _Watchdog:
    """Cuts off PostgreSQL connections whose statement has waited past its deadline.

    One daemon thread for every store of the process. Cutting means shutting the socket
    down: libpq's blocked wait returns at once with "server closed the connection", the
    statement fails as ``DatabaseUnavailable`` and the pool drops the connection.
    """

    def __init__(self) -> None:
        self._deadlines: dict[int, tuple[float, int]] = {}
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, dbapi_connection: Any, seconds: float) -> None:
        try:
            fd = int(dbapi_connection.fileno())
        except Exception:  # noqa: BLE001 - closed already: nothing to guard
            return
        with self._wake:
            self._deadlines[id(dbapi_connection)] = (time.monotonic() + seconds, fd)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="harvest-pg-watchdog", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def disarm(self, dbapi_connection: Any) -> None:
        with self._wake:
            self._deadlines.pop(id(dbapi_connection), None)

    def _run(self) -> None:
        while True:
            with self._wake:
                now = time.monotonic()
                due = [key for key, (at, _) in self._deadlines.items() if at <= now]
                cut = [self._deadlines.pop(key)[1] for key in due]
                if not cut:
                    upcoming = min((at for at, _ in self._deadlines.values()), default=None)
                    self._wake.wait(None if upcoming is None else upcoming - now)
            for fd in cut:
                try:
                    with socket.socket(fileno=os.dup(fd)) as sock:
                        sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # closed meanwhile


_WATCHDOG = _Watchdog()


def sqlite_busy_timeout() -> float:
    """Seconds a SQLite writer waits for a lock held by someone else."""
    return config.sqlite_busy_seconds(SQLITE_BUSY_TIMEOUT_S)


def _create_sqlite_engine(url: sa.URL) -> Engine:
    database = url.database or ""
    busy_timeout = sqlite_busy_timeout()
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if in_memory:
        # One shared connection, or every pooled connection would see its own database.
        engine = sa.create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url,
            connect_args={"timeout": busy_timeout, "check_same_thread": False},
        )

    def _set_wal(cursor: Any) -> None:
        # Switching a brand-new file to WAL needs it to itself for a moment, and SQLite
        # answers "locked" at once, not through the busy timeout, when servers start
        # together: retry for up to the busy timeout.
        deadline = time.monotonic() + busy_timeout
        while True:
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite (SQLAlchemy's documented recipe), so
        # that writes can start with BEGIN IMMEDIATE in the "begin" hook below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            _set_wal(cursor)  # readers never block the writer
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA synchronous=FULL")  # acknowledged means on disk
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted personal data is overwritten
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A deferred transaction that later writes can fail at once with "database is
        # locked" (the busy handler cannot help it); IMMEDIATE queues writers instead.
        write = conn.get_execution_options().get("harvest_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine

