"""Faults the store and the entry page survive: a stalled PostgreSQL, a SQLite file locked
by another process, a full disk. Real databases; the faults are made for real too (a TCP
proxy that stops forwarding, a second process holding ``BEGIN EXCLUSIVE``, SQLite's
``max_page_count`` as a disk that is full).
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from harvest.store import DatabaseBusy, DatabaseUnavailable, StorageFull, Store

# --- a PostgreSQL that stalls -----------------------------------------------------------


class StallingProxy:
    """A TCP proxy in front of PostgreSQL; ``stall()`` makes it swallow every byte both ways
    and accept new connections without ever answering (a hung server or network)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.stalled = threading.Event()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            if self.stalled.is_set():
                continue  # accepted, never answered
            upstream = socket.create_connection(self.target)
            self.sockets.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                while self.stalled.is_set():
                    time.sleep(0.05)  # hold the bytes: nothing arrives
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def stall(self) -> None:
        self.stalled.set()

    def resume(self) -> None:
        self.stalled.clear()

    def close(self) -> None:
        self.listener.close()
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def stalling_pg(pg_url: str) -> Iterator[tuple[StallingProxy, str]]:
    url = sa.make_url(pg_url)
    proxy = StallingProxy(url.host or "127.0.0.1", url.port or 5432)
    yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    proxy.close()


def _timed(call: object, limit: float = 60.0) -> tuple[float, BaseException | None]:
    """Run ``call`` in a thread; (seconds it took, what it raised). A hang fails the test
    after ``limit`` seconds instead of hanging the suite."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()  # type: ignore[operator]
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome.append(exc)

    start = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    assert outcome, f"still hanging after {limit:.0f} s"
    return time.monotonic() - start, outcome[0]


@pytest.mark.postgres
def test_a_stalled_postgresql_answers_not_saved_within_seconds_then_recovers(
    stalling_pg: tuple[StallingProxy, str],
) -> None:
    proxy, url = stalling_pg
    store = Store(url)
    try:
        ws = store.create_workshop("Stau", tables=["A"])
        store.add_statement(ws.id, "Vor dem Stau gespeichert", table="A")
        proxy.stall()
        took, error = _timed(lambda: store.add_statement(ws.id, "Im Stau", table="A"))
        assert isinstance(error, DatabaseUnavailable), error
        assert took < 8, f"a stalled server held the caller {took:.1f} s"
        # the page's next questions fail at once instead of each waiting again
        took, error = _timed(lambda: store.revision(ws.id))
        assert isinstance(error, DatabaseUnavailable)
        assert took < 1
        proxy.resume()
        time.sleep(2.5)  # the back-off passes
        store.add_statement(ws.id, "Nach dem Stau gespeichert", table="A")
        assert [s.text for s in store.statements(ws.id)] == [
            "Vor dem Stau gespeichert", "Nach dem Stau gespeichert",
        ]
    finally:
        proxy.resume()
        store.close()


def test_a_postgresql_lock_wait_ends_as_busy_before_the_stall_cut_off() -> None:
    from harvest.store import engine as store_engine

    # the server cancels a lock wait, then a statement, before the watchdog cuts it off
    # as a stalled server ("unreachable", with its back-off): measured, a 10 s lock wait
    # was cut at 6 s
    assert (store_engine.PG_LOCK_TIMEOUT_S < store_engine.PG_STATEMENT_TIMEOUT_S
            < store_engine.PG_STALL_S)


@pytest.mark.postgres
def test_a_postgresql_writer_queues_behind_another_then_is_told_busy_not_unreachable(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harvest.store import engine as store_engine

    monkeypatch.setattr(store_engine, "PG_LOCK_TIMEOUT_S", 1.0)
    store = Store(pg_url)
    holder = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    try:
        ws = store.create_workshop("Warteschlange", tables=["A"])
        with holder.connect() as conn, conn.begin():
            conn.exec_driver_sql("SELECT id FROM workshops WHERE id = %s FOR UPDATE", (ws.id,))
            took, error = _timed(lambda: store.add_statement(ws.id, "Hinten an", table="A"))
        assert isinstance(error, DatabaseUnavailable), error
        assert "busy" in str(error) and "not reachable" not in str(error)
        assert 0.9 < took < 5, f"waited {took:.1f} s for a 1 s lock timeout"
        # a lock held for less than the wait only delays the writer
        with holder.connect() as conn, conn.begin():
            conn.exec_driver_sql(
                "SELECT id FROM workshops WHERE id = %s FOR UPDATE", (ws.id,)
            )
            later = threading.Timer(0.4, conn.rollback)
            later.start()
            took, error = _timed(lambda: store.add_statement(ws.id, "Gewartet", table="A"))
            later.join()
        assert error is None, error
        assert [s.text for s in store.statements(ws.id)] == ["Gewartet"]
    finally:
        holder.dispose()
        store.close()


# --- a SQLite file locked by another process --------------------------------------------

_LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def lock_sqlite(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the SQLite file with BEGIN EXCLUSIVE for ``seconds``."""
    locker = subprocess.Popen(
        [sys.executable, "-c", _LOCKER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
    return locker


def test_a_locked_sqlite_file_refuses_then_the_retry_stores_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARVEST_SQLITE_BUSY_SECONDS", "0.5")
    path = tmp_path / "harvest.db"
    store = Store(f"sqlite:///{path}")
    try:
        ws = store.create_workshop("Gesperrt", tables=["A"])
        locker = lock_sqlite(path, 3)
        with pytest.raises(DatabaseUnavailable) as caught:
            store.add_statement(ws.id, "Während der Sperre", table="A", submission_id="s-1")
        assert "nothing was saved" in str(caught.value)
        assert isinstance(caught.value, DatabaseBusy)  # held by another writer, not away
        locker.wait(10)
        first = store.add_statement(ws.id, "Während der Sperre", table="A", submission_id="s-1")
        again = store.add_statement(ws.id, "Während der Sperre", table="A", submission_id="s-1")
        assert first.id == again.id
        assert [s.text for s in store.statements(ws.id)] == ["Während der Sperre"]
    finally:
        store.close()


# --- a full disk -------------------------------------------------------------------------


def test_a_full_sqlite_disk_says_so_and_keeps_what_was_acknowledged(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'harvest.db'}")
    try:
        ws = store.create_workshop("Voll", tables=["A"])
        saved = [store.add_statement(ws.id, f"Gespeichert Nummer {n}", table="A") for n in range(3)]
        # the database may not grow by a single page any more: SQLite answers SQLITE_FULL,
        # exactly as on a full disk
        with store._engine.connect() as conn:  # noqa: SLF001 - the fault is set up here
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()

        @event.listens_for(store._engine, "connect")  # noqa: SLF001
        def _full(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

        store._engine.dispose()  # noqa: SLF001 - every connection opens with the limit
        with pytest.raises(StorageFull) as caught:
            for n in range(100):  # the last pages' free space fills up, then no more
                saved.append(store.add_statement(ws.id, f"Noch Platz {n} " + "x" * 900, table="A"))
        assert "disk is full" in str(caught.value)
        assert isinstance(caught.value, DatabaseUnavailable)  # every handler of outages sees it
        event.remove(store._engine, "connect", _full)  # noqa: SLF001
        store._engine.dispose()  # noqa: SLF001 - space is free again
        assert [s.id for s in store.statements(ws.id)] == [s.id for s in saved]
    finally:
        store.close()


# --- a PostgreSQL statement that outlasts the server's statement timeout ------------------


@pytest.mark.postgres
def test_a_postgresql_statement_timeout_is_busy_and_the_next_call_goes_through(
        pg_url: str) -> None:
    """The server cancels the statement and says so: it is there, so the writer hears
    "send again", and the next call is not refused by the back-off for stalled servers."""
    store = Store(pg_url)
    try:
        ws = store.create_workshop("Langsam", tables=["A"])
        with pytest.raises(DatabaseBusy) as caught, store.transaction() as conn:
            # longer than PG_BACKOFF_AFTER_S: a stall this long would start the back-off
            conn.exec_driver_sql("SET LOCAL statement_timeout = 1200")
            conn.exec_driver_sql("SELECT pg_sleep(3)")
        assert "nothing was saved" in str(caught.value)
        saved = store.add_statement(ws.id, "Gleich danach", table="A")
        assert [s.id for s in store.statements(ws.id)] == [saved.id]
    finally:
        store.close()
