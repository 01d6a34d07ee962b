"""Faults a workshop survives: the server killed mid-stream, the database briefly gone.

The app runs as ``make run`` starts it; facilitators and viewers are websocket clients that
speak Streamlit's protocol as the browser does (benchmarks/load/client.py), so that the
kill can land while submissions are in flight and every acknowledgement ("Gespeichert
(Nr. ID)") is recorded exactly as a person would have seen it.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from benchmarks.load.client import Facilitator, ProtocolError, Viewer
from harvest import access
from harvest.model import Statement
from harvest.store import Store
from tests.e2e.conftest import RunningApp, free_port, start_app, stop_app

pytestmark = [pytest.mark.slow]

STATEMENTS = [
    "Mehr Radwege und sichere Kreuzungen auf dem Schulweg",
    "Busse auch abends und am Wochenende im Stundentakt",
    "Leerstehende Läden als Treffpunkte für Vereine öffnen",
    "Bäume und Trinkbrunnen gegen die Hitze in der Innenstadt",
    "Wie erfahren wir, was aus unseren Vorschlägen wird?",
    "Ein Bürgerbudget für kleine Projekte im Stadtteil",
]


def workshop_id_of(app: RunningApp, url: str) -> int:
    token = app.links["participant"].split("?t=", 1)[1]
    with Store(url) as store:
        return access.resolve_token(store, token).workshop_id


def visible_statements(url: str, workshop_id: int) -> list[Statement]:
    with Store(url) as store:
        return [s for s in store.statements(workshop_id, include_hidden=True) if not s.hidden]


async def board_count(link: str, timeout: float = 60.0) -> int:
    """The statement count the board shows, as a browser would see it: a first run of a
    just restarted server may say "reconnecting" (its pool still opening) and show the
    board on the page's next refresh, a second later."""
    viewer = Viewer(link, name="viewer")
    await viewer.connect(timeout)
    deadline = time.monotonic() + timeout
    while viewer.count is None and viewer.connected and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await viewer.close()
    assert viewer.count is not None, (
        f"the board shows no statement count within {timeout:.0f} s "
        f"(it said 'reconnecting' {viewer.reconnecting} times; runs {viewer.statuses})")
    return viewer.count


async def stream_until_killed(app: RunningApp, facilitators: int, kill_after: int,
                              seed: int) -> list[tuple[int, str]]:
    """Facilitators submit back to back; once ``kill_after`` statements are acknowledged the
    server's whole process group gets SIGKILL a random few milliseconds later, while
    submissions are in flight. Returns every acknowledged (id, text)."""
    rng = random.Random(seed)
    clients = [Facilitator(app.links["facilitator"], name=f"f{i}") for i in range(facilitators)]
    await asyncio.gather(*(c.connect(60) for c in clients))
    acknowledged: list[tuple[int, str]] = []
    killed = asyncio.Event()

    def kill() -> None:
        os.killpg(app.process.pid, signal.SIGKILL)
        killed.set()

    async def submit_loop(index: int, client: Facilitator) -> None:
        for n in range(1000):
            text = f"{STATEMENTS[(index + n) % len(STATEMENTS)]} #{index:02d}{n:05d}"
            try:
                outcome, statement_id = await client.submit(text, timeout=20)
            except ProtocolError:
                return
            if outcome != "saved":
                assert killed.is_set(), f"failed before the kill: {outcome} {client.recent_texts}"
                return
            assert statement_id is not None
            acknowledged.append((statement_id, text))
            if len(acknowledged) == kill_after:
                asyncio.get_running_loop().call_later(rng.uniform(0.0, 0.15), kill)

    await asyncio.wait_for(asyncio.gather(*(submit_loop(i, c) for i, c in enumerate(clients))),
                           timeout=60)
    await asyncio.gather(*(c.close() for c in clients))
    assert killed.is_set()
    return acknowledged


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_every_acknowledged_statement_survives_sigkill(engine: str, tmp_path: Path,
                                                       request: pytest.FixtureRequest) -> None:
    url = (f"sqlite:///{tmp_path / 'crash.db'}" if engine == "sqlite"
           else str(request.getfixturevalue("pg_url")))
    app = start_app(tmp_path, database_url=url, refresh=1.0)
    try:
        workshop_id = workshop_id_of(app, url)
        before = len(visible_statements(url, workshop_id))
        acknowledged = asyncio.run(stream_until_killed(app, facilitators=3, kill_after=12,
                                                       seed=len(engine)))
        app.process.wait(timeout=10)
    finally:
        stop_app(app.process, signal.SIGKILL)
    assert len(acknowledged) >= 12

    if engine == "sqlite":  # opens cleanly, before anything of ours touches it
        with sqlite3.connect(tmp_path / "crash.db") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    stored = {s.id: s.text for s in visible_statements(url, workshop_id)}
    missing = [(i, text) for i, text in acknowledged if stored.get(i) != text]
    assert not missing, f"acknowledged but lost after SIGKILL: {missing}"
    # at most the submissions in flight at the kill were saved without an acknowledgement
    saved = len(stored) - before
    assert len(acknowledged) <= saved <= len(acknowledged) + 3
    print(f"{engine}: {len(acknowledged)} acknowledged before SIGKILL, {saved} stored, "
          f"all {len(acknowledged)} acknowledged found")

    again = start_app(tmp_path, database_url=url, refresh=1.0)
    try:
        assert asyncio.run(board_count(again.links["participant"])) == len(stored)
    finally:
        stop_app(again.process)


# --- the database briefly unavailable -------------------------------------------------


class TcpProxy:
    """A loopback TCP forwarder that can be stopped (every connection cut, new ones
    refused) and started again on the same port: PostgreSQL going away, from the app's
    side, without touching the shared server."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def _call(self, coro: object) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)  # type: ignore[arg-type]

    def start(self) -> None:
        self._call(self._start())

    def stop(self) -> None:
        self._call(self._stop())

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port,
                                                  reuse_address=True)

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()  # a dead server: connections drop, not close politely
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.difference_update((writer, up_writer))


@pytest.fixture
def proxied_pg_url(pg_url: str) -> Iterator[tuple[str, TcpProxy]]:
    parsed = sa.make_url(pg_url)
    proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
    proxy.start()
    try:
        yield parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False), proxy
    finally:
        proxy.close()


@pytest.mark.postgres
def test_database_outage_says_not_saved_and_the_board_recovers(
    proxied_pg_url: tuple[str, TcpProxy], tmp_path: Path,
) -> None:
    url, proxy = proxied_pg_url
    app = start_app(tmp_path, database_url=url, refresh=1.0)
    try:
        asyncio.run(outage_flow(app, proxy))
    finally:
        stop_app(app.process)


async def outage_flow(app: RunningApp, proxy: TcpProxy) -> None:
    facilitator = Facilitator(app.links["facilitator"], name="facilitator")
    viewer = Viewer(app.links["participant"], name="viewer")
    await facilitator.connect(60)
    await viewer.connect(60)
    start_count = viewer.count
    assert start_count is not None
    outcome, statement_id = await facilitator.submit("Vor dem Ausfall: mehr Sitzbänke am Fluss")
    assert outcome == "saved" and statement_id is not None

    proxy.stop()
    outcome, statement_id = await facilitator.submit("Während des Ausfalls: Radwege bauen")
    assert (outcome, statement_id) == ("not_saved", None)
    assert await wait_until(lambda: viewer.reconnecting > 0, 10), \
        "the board did not say it is reconnecting"
    assert not facilitator.exceptions, facilitator.exceptions
    db_errors = [e for e in viewer.exceptions
                 if any(w in e for w in ("psycopg", "sqlalchemy", "Operational", "Unavailable"))]
    assert not db_errors, db_errors

    proxy.start()
    outcome, statement_id = await facilitator.submit("Nach dem Ausfall: Radwege bauen")
    assert outcome == "saved" and statement_id is not None
    # the refused statement was kept on the entry page and goes out first: nothing lost
    assert await wait_until(lambda: viewer.count == start_count + 3, 15), \
        f"the board did not recover by itself: shows {viewer.count}, expected {start_count + 3}"
    assert viewer.connected
    await facilitator.close()
    await viewer.close()


async def wait_until(condition, timeout: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.1)
    return bool(condition())
