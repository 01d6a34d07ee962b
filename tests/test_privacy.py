"""Personal data: a statement deleted for good leaves no trace of its text in the
database, and a deleted workshop leaves no row behind, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import glob
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from harvest import access
from harvest.board import STATE_KEY, compute_board
from harvest.engine import curation
from harvest.store import Store
from harvest.store import migrations as schema
from tests.test_app import app, workshop_with

SECRET_TEXT = "Frau Zwiebelmeyer aus Haus 12 braucht dringend Hilfe beim Ausländeramt"
OLD_TEXT = "Frau Zwiebelmeyer braucht Hilfe (erste Fassung)"
# Whole texts and phrases: single words may stay as keywords (see below), texts must not.
NEEDLES = (SECRET_TEXT, OLD_TEXT, "aus Haus 12 braucht", "(erste Fassung)")


def dump(url: str) -> list[tuple[str, dict[str, str]]]:
    """Every row of every table, as text, read with an engine of its own."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    rows = []
    try:
        with engine.connect() as conn:
            for table in schema.metadata.sorted_tables:
                for row in conn.execute(sa.select(table)).mappings():
                    rows.append((table.name, {k: str(v) for k, v in row.items()}))
    finally:
        engine.dispose()
    return rows


def traces(url: str, needles: tuple[str, ...] = NEEDLES) -> list[str]:
    """Where any needle occurs in the database (JSON values decoded too)."""
    found = []
    for table, row in dump(url):
        for column, value in row.items():
            texts = [value]
            with contextlib.suppress(ValueError, TypeError):  # not JSON: the text is enough
                texts.append(json.dumps(json.loads(value), ensure_ascii=False))
            if any(needle in text for needle in needles for text in texts):
                found.append(f"{table}.{column}: {value[:120]}")
    return found


def workshop_with_secret(store: Store) -> tuple[int, int]:
    """A workshop where the secret statement has been edited, hidden and shown, curated,
    and drawn on the board (whose saved state holds its id)."""
    ws = store.create_workshop("Sprechstunde", tables=["Verwaltung", "Sprache"])
    for text in (
        "Termine beim Ausländeramt dauern zu lange",
        "Mehr Sprachkurse am Abend für Berufstätige",
        "Hilfe beim Ausfüllen von Anträgen im Stadtteil anbieten",
        "Dolmetscher beim Amt bereitstellen",
    ):
        store.add_statement(ws.id, text, table="Verwaltung", kind="demand")
    secret = store.add_statement(ws.id, OLD_TEXT, table="Verwaltung", kind="demand",
                                 author="Mira", submission_id="sub-123")
    store.edit_statement(secret.id, SECRET_TEXT)
    store.set_kind(secret.id, "challenge")
    store.set_table(secret.id, "Sprache")
    curation.apply_action(store, ws.id, "hide", {"statement_id": secret.id, "hidden": True})
    curation.apply_action(store, ws.id, "hide", {"statement_id": secret.id, "hidden": False})
    curation.apply_action(store, ws.id, "demand", {"statement_id": secret.id, "value": True})
    curation.apply_action(store, ws.id, "move", {"statement_id": secret.id, "theme_id": "t1"})
    compute_board(store, ws.id)
    assert traces(store.url), "the text is stored before it is deleted"
    return ws.id, secret.id


def test_a_deleted_statement_leaves_no_trace_of_its_text(store: Store) -> None:
    workshop_id, secret_id = workshop_with_secret(store)
    store.delete_statement(secret_id)
    assert traces(store.url) == []
    # and the next board forgets it too: no theme lists its id any more
    compute_board(store, workshop_id)
    state = store.get_meta(workshop_id, STATE_KEY)
    assert all(secret_id not in t["statement_ids"] for t in state["themes"])
    assert all(s.id != secret_id for s in store.statements(workshop_id, include_hidden=True))
    assert store.events(workshop_id, statement_id=secret_id) == []


def test_its_words_leave_the_saved_layout_at_once_and_stay_gone_after_the_next_board(
    store: Store,
) -> None:
    """The saved layout keeps positions of nodes that left the map (so that they return
    where people saw them), but not of a deleted statement's own words: a name must not
    live on as a keyword's position in the layout, the log or the next backup."""
    workshop_id, secret_id = workshop_with_secret(store)
    before = json.dumps(store.get_meta(workshop_id, STATE_KEY), ensure_ascii=False).casefold()
    # the board laid out words only this statement has, and lists its name as a keyword
    assert '"kw:frau"' in before and '"kw:haus"' in before and "zwiebelmeyer" in before
    store.delete_statement(secret_id)
    for _ in range(2):  # right after the delete, and after the next recompute
        assert traces(store.url, ("zwiebelmeyer", "Zwiebelmeyer", '"kw:Frau"', '"kw:Haus"')) == []
        state = store.get_meta(workshop_id, STATE_KEY)
        assert state["positions"] and state["wall_positions"]  # the others keep their places
        assert all(isinstance(x, float | int) for xy in state["positions"].values() for x in xy)
        compute_board(store, workshop_id)
    # words other statements share stay where they were
    assert "kw:ausländeramt" in json.dumps(state, ensure_ascii=False).casefold()


def test_a_deleted_workshop_leaves_no_row_behind(store: Store) -> None:
    workshop_id, _ = workshop_with_secret(store)
    access.workshop_links(store, store.get_workshop(workshop_id), "http://h", secret=b"s")
    other = store.create_workshop("Andere", tables=["X"])
    store.add_statement(other.id, "Bleibt stehen", table="X")
    store.delete_workshop(workshop_id)
    rows = dump(store.url)
    left = [
        (table, row) for table, row in rows
        if row.get("workshop_id") == str(workshop_id)
        or (table == "workshops" and row["id"] == str(workshop_id))
    ]
    assert left == []
    own = {row["id"] for table, row in rows if table == "statements"}
    assert {row["statement_id"] for table, row in rows if table == "statement_versions"} <= own
    assert traces(store.url, ("Sprechstunde", *NEEDLES)) == []
    assert [s.text for s in store.statements(other.id)] == ["Bleibt stehen"]


def _file_traces(folder: Path, needle: str) -> dict[str, int]:
    return {
        Path(name).name: Path(name).read_bytes().count(needle.encode("utf-8"))
        for name in sorted(glob.glob(str(folder / "harvest.db*")))
    }


def test_a_deleted_statement_is_gone_from_the_sqlite_file_once_closed(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _, secret_id = workshop_with_secret(sqlite_store)
    sqlite_store.delete_statement(secret_id)
    sqlite_store.close()
    # secure_delete overwrites freed cells (set explicitly by the store)
    assert not any(_file_traces(tmp_path, "aus Haus 12 braucht").values())


def test_a_reader_holding_the_database_neither_blocks_the_delete_nor_keeps_the_text(
    sqlite_store: Store, tmp_path: Path
) -> None:
    ws = sqlite_store.create_workshop("Leser", tables=["A"])
    sqlite_store.add_statement(ws.id, "Mehr Sprachkurse am Abend", table="A")
    secret = sqlite_store.add_statement(ws.id, "Frau Quuxbauerin braucht Hilfe", table="A")
    compute_board(sqlite_store, ws.id)
    reader = sqlite3.connect(tmp_path / "harvest.db", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM statements").fetchone()  # holds its snapshot
    try:
        started = time.monotonic()
        sqlite_store.delete_statement(secret.id)
        assert time.monotonic() - started < 2  # not the 10 s busy timeout
        assert sqlite_store.statements(ws.id)[-1].text == "Mehr Sprachkurse am Abend"
    finally:
        reader.execute("COMMIT")
        reader.close()
    deadline = time.monotonic() + 5
    while any(_file_traces(tmp_path, "Quuxbauer").values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_file_traces(tmp_path, "Quuxbauer").values())  # neither file nor log


def test_a_deleted_statement_is_gone_from_the_sqlite_files_while_running(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _, secret_id = workshop_with_secret(sqlite_store)
    sqlite_store.delete_statement(secret_id)
    assert not any(_file_traces(tmp_path, "aus Haus 12 braucht").values())


# --- through the app ----------------------------------------------------------------------


@pytest.fixture
def app_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    from tests.test_app import SECRET

    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("HARVEST_DATABASE_URL", url)
    monkeypatch.setenv("HARVEST_SESSIONS_DIR", str(tmp_path))
    monkeypatch.setenv("HARVEST_SECRET_KEY", SECRET)
    monkeypatch.delenv("HARVEST_LOCAL_ORGANISER", raising=False)
    with Store(url) as store:
        yield store


def test_the_moderator_deletes_a_statement_for_good_on_the_curate_page(
    app_store: Store,
) -> None:
    workshop_id, tokens = workshop_with(app_store, 12)
    secret = app_store.add_statement(workshop_id, OLD_TEXT, table="Sprache & Bildung")
    app_store.edit_statement(secret.id, SECRET_TEXT)
    board = app(tokens["moderator"], "board")  # draws it; the board state is saved
    assert not board.exception
    curate = app(tokens["moderator"], "curate")
    curate.selectbox(key="cur_statement").set_value(secret.id).run()
    curate.button(key="cur_delete").click().run()
    assert not curate.exception
    assert all(s.id != secret.id for s in app_store.statements(workshop_id, include_hidden=True))
    board.run()
    assert not board.exception
    assert traces(app_store.url) == []


def test_the_moderator_deletes_the_whole_workshop_on_the_export_page(app_store: Store) -> None:
    workshop_id, tokens = workshop_with(app_store, 8)
    app_store.add_statement(workshop_id, SECRET_TEXT, table="Sprache & Bildung")
    export = app(tokens["moderator"], "export")
    export.text_input(key="delete_confirm").input("zw").run()
    export.button(key="delete_workshop").click().run()
    assert not export.exception
    assert app_store.find_workshop("zw") is None
    assert [t for t, row in dump(app_store.url) if t != "schema_migrations"] == []
    # the old links stop working
    again = app(tokens["participant"])
    assert not again.exception
    assert any("ungültig" in e.value for e in again.error)
