"""The store, against a real SQLite file and a real PostgreSQL database each time."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from harvest.engine.embedding import text_key
from harvest.intake import BinaryText, EmptyStatement, StatementTooLong, UnknownKind
from harvest.model import Statement, Table, Workshop
from harvest.participation import VoteItem, item_key
from harvest.store import (
    ActionNotFound,
    DatabaseBusy,
    DatabaseUnavailable,
    LinkExists,
    NewStatement,
    StatementNotFound,
    Store,
    TableExists,
    TableNotFound,
    WorkshopNotFound,
    database_url,
    migrations,
    participation_store,
    slugify,
)


@pytest.fixture
def workshop(store: Store) -> Workshop:
    return store.create_workshop(
        "Integration in Magdeburg",
        date=date(2025, 3, 14),
        place="Rathaus",
        tables=["Sprache", ("Arbeit", "Arbeit und Ausbildung"), ("Nachbarschaft", "", "Mira")],
    )


def _counts(url: str, workshop_id: int) -> dict[str, int]:
    """Rows that belong to a workshop, per table, read with a separate engine."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    counts = {}
    with engine.connect() as conn:
        for table in migrations.metadata.sorted_tables:
            if "workshop_id" in table.c:
                column = table.c.workshop_id
                counts[table.name] = conn.execute(
                    sa.select(sa.func.count()).select_from(table).where(column == workshop_id)
                ).scalar_one()
        own = sa.select(migrations.statements.c.id).where(
            migrations.statements.c.workshop_id == workshop_id
        )
        counts["statement_versions"] = conn.execute(
            sa.select(sa.func.count())
            .select_from(migrations.statement_versions)
            .where(migrations.statement_versions.c.statement_id.in_(own))
        ).scalar_one()
        counts["workshops"] = conn.execute(
            sa.select(sa.func.count())
            .select_from(migrations.workshops)
            .where(migrations.workshops.c.id == workshop_id)
        ).scalar_one()
    engine.dispose()
    return counts


# --- workshops ----------------------------------------------------------------------


def test_create_workshop_stores_fields_and_tables(store: Store, workshop: Workshop) -> None:
    assert workshop.slug == "integration-in-magdeburg"
    assert (workshop.title, workshop.date, workshop.place) == (
        "Integration in Magdeburg",
        date(2025, 3, 14),
        "Rathaus",
    )
    assert (workshop.language, workshop.max_chars, workshop.revision) == ("de", 1000, 0)
    assert workshop.created_at.tzinfo == UTC
    assert abs((datetime.now(UTC) - workshop.created_at).total_seconds()) < 60
    assert [(t.name, t.topic, t.facilitator) for t in store.tables(workshop.id)] == [
        ("Sprache", "", None),
        ("Arbeit", "Arbeit und Ausbildung", None),
        ("Nachbarschaft", "", "Mira"),
    ]
    assert store.get_workshop(workshop.id) == workshop


def test_slugs_are_ascii_transliterated_and_unique(store: Store) -> None:
    first = store.create_workshop("Begegnung im Stadtteil Süd: Straße & Grün!")
    second = store.create_workshop("Begegnung im Stadtteil Süd: Straße & Grün!")
    third = store.create_workshop("Begegnung im Stadtteil Süd: Straße & Grün!")
    assert [first.slug, second.slug, third.slug] == [
        "begegnung-im-stadtteil-sued-strasse-gruen",
        "begegnung-im-stadtteil-sued-strasse-gruen-2",
        "begegnung-im-stadtteil-sued-strasse-gruen-3",
    ]
    assert store.create_workshop("Привіт", slug="Eigener Slug").slug == "eigener-slug"
    assert slugify("Привіт 🤝") == "workshop"


def test_workshop_is_found_by_id_slug_and_title(store: Store, workshop: Workshop) -> None:
    assert store.get_workshop(workshop.slug) == workshop
    assert store.get_workshop(str(workshop.id)) == workshop
    assert store.get_workshop("integration in magdeburg") == workshop
    assert store.find_workshop("nichts-davon") is None
    with pytest.raises(WorkshopNotFound):
        store.get_workshop(9999)
    with pytest.raises(LookupError):
        store.get_workshop("nichts-davon")


def test_workshop_title_follows_input_rules(store: Store) -> None:
    assert (
        store.create_workshop("  Zukunft\tder   Stadt \n Teil 2 ").title
        == "Zukunft der Stadt Teil 2"
    )
    with pytest.raises(EmptyStatement):
        store.create_workshop("   ")
    with pytest.raises(StatementTooLong):
        store.create_workshop("x" * 201)
    with pytest.raises(ValueError, match="language"):
        store.create_workshop("Workshop", language="fr")
    assert store.list_workshops() != []


def test_list_update_and_revision_of_workshops(store: Store) -> None:
    older = store.create_workshop("Erster")
    newer = store.create_workshop("Zweiter")
    assert [w.id for w in store.list_workshops()] == [newer.id, older.id]
    updated = store.update_workshop(
        older.id, title="Erster, umbenannt", language="en", max_chars=50
    )
    assert (updated.title, updated.language, updated.max_chars, updated.slug) == (
        "Erster, umbenannt",
        "en",
        50,
        "erster",
    )
    assert updated.revision == 1
    with pytest.raises(TypeError):
        store.update_workshop(older.id, slug="anders")
    with pytest.raises(StatementTooLong):
        store.add_statement(older.id, "x" * 51)


def test_delete_workshop_removes_everything_it_holds(store: Store, workshop: Workshop) -> None:
    other = store.create_workshop("Anderer Workshop", tables=["Sprache"])
    for w in (workshop, other):
        s = store.add_statement(w.id, "Mehr Kurse", table="Sprache", author="Ana")
        store.edit_statement(s.id, "Mehr Kurse am Abend")
        store.set_hidden(s.id, True)
        store.record_action(w.id, "rename", {"theme": "t1", "label": "Sprache"})
        store.save_link(w.id, "participant", f"hash-{w.id}")
        store.set_meta(w.id, "positions", {"a": [1, 2]})
        store.save_vectors("test-model", [(s.id, text_key("Mehr Kurse am Abend"), None)])
        participation_store.set_settings(store, w.id, participant_input=True)
        participation_store.submit(store, w.id, "phone", "Mehr Bänke im Park", client_key="k")
        item = VoteItem(item_key("demand", s.id), s.text)
        participation_store.open_vote(store, w.id, [item], dots=1)
        participation_store.cast_ballot(store, w.id, "phone", {item.key: 1})
        store.create_process(f"Prozess {w.id}", workshops=[w.id])
    # ``processes.workshop_id`` names a process's own board row, never a member: a plain
    # workshop has none (a process deleted with its row: tests/test_compare.py)
    before = {k: n for k, n in _counts(store.url, workshop.id).items() if k != "processes"}
    assert all(n > 0 for n in before.values()), before

    store.delete_workshop(workshop.id)

    assert set(_counts(store.url, workshop.id).values()) == {0}
    assert all(n > 0 for k, n in _counts(store.url, other.id).items() if k != "processes")
    assert store.find_workshop(workshop.id) is None
    assert store.find_link(f"hash-{workshop.id}") is None
    with pytest.raises(WorkshopNotFound):
        store.delete_workshop(workshop.id)


# --- tables -------------------------------------------------------------------------


def test_table_names_are_unique_per_workshop_ignoring_case(
    store: Store, workshop: Workshop
) -> None:
    added = store.add_table(workshop.id, "Verwaltung", topic="Ämter", facilitator="Jonas")
    assert added == Table(added.id, workshop.id, "Verwaltung", "Ämter", "Jonas")
    with pytest.raises(TableExists):
        store.add_table(workshop.id, "  VERWALTUNG ")
    other = store.create_workshop("Anderer")
    assert store.add_table(other.id, "Verwaltung").workshop_id == other.id
    assert store.get_table(workshop.id, "verwaltung") == added
    assert store.get_table(workshop.id, added.id) == added
    with pytest.raises(TableNotFound):
        store.get_table(workshop.id, "Pflege")
    with pytest.raises(TableNotFound):
        store.get_table(other.id, added.id)
    created = store.get_table(workshop.id, "Pflege", create=True)
    assert store.get_table(workshop.id, "PFLEGE", create=True) == created
    assert [t.name for t in store.tables(workshop.id)][-2:] == ["Verwaltung", "Pflege"]


# --- statements ---------------------------------------------------------------------

TEXTS = [
    "Öffentliche Ämter müssen Übersetzungen anbieten, Maß und Straße",
    "Mehr Begegnungsorte 🤝🏽 für Familien 👩‍👩‍👧‍👦",
    "نحتاج إلى دورات لغة في المساء",
    "Нужны курсы языка для родителей",
    "Потрібні курси мови для батьків, ґанок",
]


@pytest.mark.parametrize("text", TEXTS)
def test_statement_text_comes_back_exactly(store: Store, workshop: Workshop, text: str) -> None:
    added = store.add_statement(workshop.id, text, table="Sprache")
    assert added.text == text
    assert store.get_statement(added.id).text == text
    assert [s.text for s in store.statements(workshop.id)] == [text]


def test_add_statement_cleans_maps_and_creates_table(store: Store, workshop: Workshop) -> None:
    added = store.add_statement(
        workshop.id,
        "  Kita-Plätze\tfür   Kinder \r\n von Geflüchteten\x07 ",
        table="Pflege und Betreuung",
        kind="Forderung",
        author=" Ana ",
    )
    assert added == Statement(
        id=added.id,
        workshop_id=workshop.id,
        table_id=added.table_id,
        text="Kita-Plätze für Kinder\nvon Geflüchteten",
        kind="demand",
        author="Ana",
        created_at=added.created_at,
        updated_at=added.created_at,
        hidden=False,
        origin="typed",
        table_name="Pflege und Betreuung",
    )
    assert added.created_at.tzinfo == UTC
    assert store.get_table(workshop.id, "pflege und betreuung").id == added.table_id
    same_table = store.add_statement(workshop.id, "Noch eine", table="PFLEGE UND BETREUUNG")
    assert same_table.table_id == added.table_id


def test_invalid_statements_are_refused_and_change_nothing(
    store: Store, workshop: Workshop
) -> None:
    with pytest.raises(EmptyStatement):
        store.add_statement(workshop.id, " \n ")
    with pytest.raises(StatementTooLong):
        store.add_statement(workshop.id, "a" * 1001)
    with pytest.raises(BinaryText):
        store.add_statement(workshop.id, "PK\x03\x04\x00\x00")
    with pytest.raises(UnknownKind):
        store.add_statement(workshop.id, "Gute Idee", kind="Wunsch")
    with pytest.raises(WorkshopNotFound):
        store.add_statement(9999, "Gute Idee")
    with pytest.raises(TableNotFound):
        store.add_statement(workshop.id, "Gute Idee", table=9999)
    assert store.statements(workshop.id, include_hidden=True) == []
    assert store.revision(workshop.id) == 0
    assert store.add_statement(workshop.id, "a" * 1000).text == "a" * 1000


def test_same_submission_id_stores_one_statement(store: Store, workshop: Workshop) -> None:
    first = store.add_statement(workshop.id, "Mehr Kurse", submission_id="form-1")
    again = store.add_statement(workshop.id, "Mehr Kurse", submission_id="form-1")
    other = store.add_statement(workshop.id, "Mehr Kurse", submission_id="form-2")
    no_id = [store.add_statement(workshop.id, "Mehr Kurse") for _ in range(2)]
    assert again == first
    assert len({first.id, other.id, *(s.id for s in no_id)}) == 4
    assert store.revision(workshop.id) == 4
    elsewhere = store.create_workshop("Anderswo")
    assert store.add_statement(elsewhere.id, "Mehr Kurse", submission_id="form-1").id != first.id


def test_add_statements_stores_all_in_order_one_revision_each(
    store: Store, workshop: Workshop
) -> None:
    items = [
        NewStatement("Erste Aussage", table="Sprache", kind="Idee", author="Ana"),
        NewStatement("Zweite Aussage", table="Neuer Tisch"),
        NewStatement("Dritte Aussage", kind="question"),
        NewStatement("Vierte Aussage", table="neuer tisch"),
    ]
    ids = store.add_statements(workshop.id, items)
    stored = store.statements(workshop.id)
    assert [s.id for s in stored] == ids
    assert [(s.text, s.table_name, s.kind, s.author, s.origin) for s in stored] == [
        ("Erste Aussage", "Sprache", "idea", "Ana", "imported"),
        ("Zweite Aussage", "Neuer Tisch", None, None, "imported"),
        ("Dritte Aussage", None, "question", None, "imported"),
        ("Vierte Aussage", "Neuer Tisch", None, None, "imported"),
    ]
    assert store.revision(workshop.id) == 4
    assert [s.id for s in store.statements_since(workshop.id, 2)] == ids[2:]
    assert store.add_statements(workshop.id, []) == []
    assert store.revision(workshop.id) == 4


def test_add_statements_is_all_or_nothing(store: Store, workshop: Workshop) -> None:
    items = [NewStatement("Mehr Grün"), NewStatement("Auch gut so"), NewStatement("   ")]
    with pytest.raises(EmptyStatement) as info:
        store.add_statements(workshop.id, items)
    assert info.value.params["index"] == 2
    assert store.statements(workshop.id) == []
    assert store.revision(workshop.id) == 0
    assert [t.name for t in store.tables(workshop.id)] == ["Sprache", "Arbeit", "Nachbarschaft"]


def test_edit_keeps_history(store: Store, workshop: Workshop) -> None:
    added = store.add_statement(workshop.id, "Erste Fassung")
    store.edit_statement(added.id, "Zweite Fassung")
    edited = store.edit_statement(added.id, "  Dritte   Fassung ")
    assert edited.text == "Dritte Fassung"
    assert edited.created_at == added.created_at
    assert edited.updated_at >= added.updated_at
    history = store.statement_history(added.id)
    assert [text for text, _ in history] == ["Erste Fassung", "Zweite Fassung"]
    assert history[0][1] == added.created_at
    assert all(when.tzinfo == UTC for _, when in history)
    revision = store.revision(workshop.id)
    assert store.edit_statement(added.id, "Dritte Fassung") == edited
    assert store.revision(workshop.id) == revision
    with pytest.raises(EmptyStatement):
        store.edit_statement(added.id, "")
    with pytest.raises(StatementNotFound):
        store.statement_history(9999)


def test_hide_and_unhide_are_recorded(store: Store, workshop: Workshop) -> None:
    kept = store.add_statement(workshop.id, "Bleibt")
    hidden = store.add_statement(workshop.id, "Wird versteckt")
    assert store.set_hidden(hidden.id, True, actor="facilitator").hidden
    assert [s.id for s in store.statements(workshop.id)] == [kept.id]
    assert [s.id for s in store.statements(workshop.id, include_hidden=True)] == [
        kept.id,
        hidden.id,
    ]
    store.set_hidden(hidden.id, False)
    assert [s.id for s in store.statements(workshop.id)] == [kept.id, hidden.id]
    events = store.events(workshop.id, hidden.id)
    assert [(e["kind"], e["detail"]) for e in events] == [
        ("hidden", {"actor": "facilitator"}),
        ("shown", {"actor": "moderator"}),
    ]


def test_kind_table_and_filters(store: Store, workshop: Workshop) -> None:
    added = store.add_statement(workshop.id, "Warum so lange Wartezeiten?", table="Sprache")
    assert store.set_kind(added.id, "Frage").kind == "question"
    assert store.set_kind(added.id, None).kind is None
    moved = store.set_table(added.id, "Arbeit")
    assert moved.table_name == "Arbeit"
    assert store.set_table(added.id, "Verwaltung").table_name == "Verwaltung"
    assert store.set_table(added.id, None).table_id is None
    arbeit = store.get_table(workshop.id, "Arbeit")
    other = store.add_statement(workshop.id, "Jobs", table=arbeit.id)
    assert [s.id for s in store.statements(workshop.id, table_id=arbeit.id)] == [other.id]
    with pytest.raises(UnknownKind):
        store.set_kind(added.id, "Wunsch")
    with pytest.raises(StatementNotFound):
        store.set_kind(9999, "idea")


def test_delete_statement_erases_it_with_history_and_events(
    store: Store, workshop: Workshop
) -> None:
    added = store.add_statement(workshop.id, "Name und Adresse von Frau M.", author="Frau M.")
    store.edit_statement(added.id, "Adresse von Frau M.")
    store.set_hidden(added.id, True)
    store.delete_statement(added.id)
    with pytest.raises(StatementNotFound):
        store.get_statement(added.id)
    assert store.statements(workshop.id, include_hidden=True) == []
    assert store.events(workshop.id, added.id) == []
    counts = _counts(store.url, workshop.id)
    assert counts["statement_versions"] == 0
    with pytest.raises(StatementNotFound):
        store.delete_statement(added.id)


def test_datetimes_are_timezone_aware_utc(store: Store, workshop: Workshop) -> None:
    added = store.add_statement(workshop.id, "Zeit")
    action_id = store.record_action(workshop.id, "rename", {})
    link = store.save_link(workshop.id, "moderator", "h")
    stamps = [
        added.created_at,
        added.updated_at,
        store.actions(workshop.id)[0].created_at,
        link.created_at,
        store.get_workshop(workshop.id).created_at,
    ]
    assert action_id > 0
    assert all(stamp.tzinfo == UTC for stamp in stamps)


# --- revision -----------------------------------------------------------------------

Change = Callable[[Store, Workshop, Statement], object]
CHANGES: dict[str, Change] = {
    "add_statement": lambda s, w, st: s.add_statement(w.id, "Neu"),
    "add_statement_new_table": lambda s, w, st: s.add_statement(w.id, "Neu", table="Neu"),
    "add_table": lambda s, w, st: s.add_table(w.id, "Neu"),
    "get_table_create": lambda s, w, st: s.get_table(w.id, "Neu", create=True),
    "update_workshop": lambda s, w, st: s.update_workshop(w.id, place="Halle"),
    "edit_statement": lambda s, w, st: s.edit_statement(st.id, "Anders"),
    "set_kind": lambda s, w, st: s.set_kind(st.id, "demand"),
    "set_table": lambda s, w, st: s.set_table(st.id, "Arbeit"),
    "set_table_new": lambda s, w, st: s.set_table(st.id, "Ganz neu"),
    "set_hidden": lambda s, w, st: s.set_hidden(st.id, True),
    "delete_statement": lambda s, w, st: s.delete_statement(st.id),
    "record_action": lambda s, w, st: s.record_action(w.id, "merge", {"a": "b"}),
    "set_meta_bump": lambda s, w, st: s.set_meta(w.id, "categories", [], bump_revision=True),
}
NO_CHANGES: dict[str, Change] = {
    "edit_same_text": lambda s, w, st: s.edit_statement(st.id, "Alt"),
    "set_same_kind": lambda s, w, st: s.set_kind(st.id, None),
    "set_same_table": lambda s, w, st: s.set_table(st.id, "Sprache"),
    "show_shown": lambda s, w, st: s.set_hidden(st.id, False),
    "set_meta": lambda s, w, st: s.set_meta(w.id, "positions", {"x": 1}),
    "save_link": lambda s, w, st: s.save_link(w.id, "participant", "hash"),
    "reads": lambda s, w, st: (s.statements(w.id), s.tables(w.id), s.get_meta(w.id, "x")),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_every_change_bumps_the_revision_exactly_once(
    store: Store, workshop: Workshop, change: Change
) -> None:
    statement = store.add_statement(workshop.id, "Alt", table="Sprache")
    before = store.revision(workshop.id)
    change(store, workshop, statement)
    assert store.revision(workshop.id) == before + 1
    assert store.get_workshop(workshop.id).revision == before + 1


@pytest.mark.parametrize("change", NO_CHANGES.values(), ids=NO_CHANGES.keys())
def test_what_changes_no_content_keeps_the_revision(
    store: Store, workshop: Workshop, change: Change
) -> None:
    statement = store.add_statement(workshop.id, "Alt", table="Sprache")
    before = store.revision(workshop.id)
    change(store, workshop, statement)
    assert store.revision(workshop.id) == before


def test_statements_since_returns_what_changed_after_a_revision(
    store: Store, workshop: Workshop
) -> None:
    first = store.add_statement(workshop.id, "Eins")
    second = store.add_statement(workshop.id, "Zwei")
    seen = store.revision(workshop.id)
    assert store.statements_since(workshop.id, seen) == []
    third = store.add_statement(workshop.id, "Drei")
    store.set_hidden(first.id, True)
    changed = store.statements_since(workshop.id, seen)
    assert [(s.id, s.hidden) for s in changed] == [(first.id, True), (third.id, False)]
    assert second.id not in {s.id for s in changed}
    assert len(store.statements_since(workshop.id, 0)) == 3
    with pytest.raises(WorkshopNotFound):
        store.revision(9999)


# --- curation actions, links, meta --------------------------------------------------


def test_actions_undo_and_redo(store: Store, workshop: Workshop) -> None:
    rename = store.record_action(workshop.id, "rename", {"theme": "t1", "label": "Spräche 🗣"})
    merge = store.record_action(workshop.id, "merge", {"from": "t2", "into": "t1"}, actor="Ana")
    actions = store.actions(workshop.id)
    assert [(a.id, a.kind, a.payload, a.undone) for a in actions] == [
        (rename, "rename", {"theme": "t1", "label": "Spräche 🗣"}, False),
        (merge, "merge", {"from": "t2", "into": "t1"}, False),
    ]
    assert actions[1].actor == "Ana"
    undone = store.undo_last_action(workshop.id)
    assert undone is not None and (undone.id, undone.undone) == (merge, True)
    assert [a.id for a in store.actions(workshop.id)] == [rename]
    assert [a.id for a in store.actions(workshop.id, include_undone=True)] == [rename, merge]
    assert store.redo_action(merge).undone is False
    store.undo_action(rename)
    assert [a.id for a in store.actions(workshop.id)] == [merge]
    redone = store.redo_last_action(workshop.id)
    assert redone is not None and redone.id == rename
    store.undo_last_action(workshop.id)
    store.undo_last_action(workshop.id)
    assert store.undo_last_action(workshop.id) is None
    with pytest.raises(ActionNotFound):
        store.undo_action(9999)
    with pytest.raises(TypeError):
        store.record_action(workshop.id, "rename", {"x": object()})


def test_links_store_hashes_and_can_be_revoked(store: Store, workshop: Workshop) -> None:
    table = store.get_table(workshop.id, "Sprache")
    moderator = store.save_link(workshop.id, "moderator", "hash-m")
    facilitator = store.save_link(workshop.id, "facilitator", "hash-f", table_id=table.id)
    store.save_link(workshop.id, "participant", "hash-p")
    assert store.find_link("hash-f") == facilitator
    assert (facilitator.role, facilitator.table_id, facilitator.revoked) == (
        "facilitator",
        table.id,
        False,
    )
    assert store.find_link("unknown") is None
    with pytest.raises(LinkExists):
        store.save_link(workshop.id, "participant", "hash-p")
    with pytest.raises(ValueError, match="role"):
        store.save_link(workshop.id, "admin", "hash-x")
    assert store.revoke_links(workshop.id, "participant") == 1
    found = store.find_link("hash-p")
    assert found is not None and found.revoked
    assert store.revoke_links(workshop.id) == 2
    assert [link.revoked for link in store.links(workshop.id)] == [True, True, True]
    assert store.links(workshop.id)[0].id == moderator.id


def test_meta_round_trips_json(store: Store, workshop: Workshop) -> None:
    assert store.get_meta(workshop.id, "positions") is None
    assert store.get_meta(workshop.id, "positions", {}) == {}
    store.set_meta(workshop.id, "positions", {"Sprache": [0.5, -1.25], "Grün": [1, 2]})
    store.set_meta(workshop.id, "positions", {"Sprache": [1.0, 2.0]})
    store.set_meta(workshop.id, "categories", [{"id": "c1", "name": "Ämter"}])
    assert store.get_meta(workshop.id, "positions") == {"Sprache": [1.0, 2.0]}
    assert store.get_meta(workshop.id, "categories") == [{"id": "c1", "name": "Ämter"}]
    with pytest.raises(WorkshopNotFound):
        store.set_meta(9999, "positions", {})


# --- URLs, migrations, failures -----------------------------------------------------


def test_database_url_prefers_explicit_then_env_then_sessions_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HARVEST_DATABASE_URL", raising=False)
    monkeypatch.delenv("HARVEST_SESSIONS_DIR", raising=False)
    folder = tmp_path / "neu" / "sessions"
    assert database_url(sessions_dir=folder) == f"sqlite:///{folder / 'harvest.db'}"
    assert folder.is_dir()
    monkeypatch.setenv("HARVEST_SESSIONS_DIR", str(tmp_path / "env"))
    assert database_url() == f"sqlite:///{tmp_path / 'env' / 'harvest.db'}"
    monkeypatch.setenv("HARVEST_DATABASE_URL", "postgresql://u@db:5432/harvest")
    assert database_url() == "postgresql+psycopg://u@db:5432/harvest"
    assert database_url("postgres://u@h/x") == "postgresql+psycopg://u@h/x"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_store_open_creates_the_sqlite_file_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HARVEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("HARVEST_SESSIONS_DIR", str(tmp_path / "sessions"))
    with Store.open() as store:
        assert store.dialect == "sqlite"
        assert store.schema_version() == migrations.LATEST_VERSION
        store.create_workshop("Erster")
    assert (tmp_path / "sessions" / "harvest.db").is_file()
    with Store.open() as store:
        assert [w.title for w in store.list_workshops()] == ["Erster"]


def test_sqlite_runs_in_wal_mode_with_full_sync(sqlite_store: Store) -> None:
    with sqlite_store._read() as conn:
        pragmas = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 10000,
    }


def _create_v1_database(url: str) -> None:
    """A database as version 1 of Harvest left it, with one workshop in it."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        assert migrations.migrate(conn, target=1) == [1]
        conn.execute(
            migrations.workshops.insert().values(
                id=1, slug="alt", title="Alter Workshop", max_chars=500, revision=3, created_at=now
            )
        )
        conn.execute(
            migrations.statements.insert().values(
                workshop_id=1,
                text="Überlebt das Upgrade",
                revision=3,
                created_at=now,
                updated_at=now,
            )
        )
    engine.dispose()


def test_opening_an_old_database_upgrades_it_and_keeps_data(store_url: str) -> None:
    _create_v1_database(store_url)
    with Store(store_url) as store:
        assert store.schema_version() == migrations.LATEST_VERSION == 5
        workshop = store.get_workshop("alt")
        assert (workshop.title, workshop.max_chars, workshop.revision) == ("Alter Workshop", 500, 3)
        assert [s.text for s in store.statements(workshop.id)] == ["Überlebt das Upgrade"]
        store.record_action(workshop.id, "rename", {"theme": "t", "label": "neu"})
        store.set_meta(workshop.id, "k", 1)
        # the old statement gets its vector like a new one (migration 3)
        assert store.missing_vectors(workshop.id) == [(1, "Überlebt das Upgrade")]
    engine = sa.create_engine(store_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        recorded = conn.execute(
            sa.select(migrations.schema_migrations.c.version, migrations.schema_migrations.c.name)
        ).all()
    engine.dispose()
    assert [version for version, _ in recorded] == [1, 2, 3, 4, 5]
    with Store(store_url) as again:  # opening a current database applies nothing
        assert again.schema_version() == 5


def test_unreachable_postgresql_raises_database_unavailable() -> None:
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable, match="nothing was saved"):
        Store("postgresql://postgres@127.0.0.1:1/harvest")
    assert time.monotonic() - started < 10


def test_unopenable_sqlite_raises_database_unavailable(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable):
        Store(f"sqlite:///{tmp_path}")  # a folder, not a file


@pytest.mark.postgres
def test_every_method_raises_database_unavailable_when_the_server_is_gone(pg_url: str) -> None:
    store = Store(pg_url)
    workshop = store.create_workshop("Bald weg")
    statement = store.add_statement(workshop.id, "Da")
    admin = sa.create_engine(
        sa.make_url(pg_url).set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=sa.pool.NullPool,
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{sa.make_url(pg_url).database}" WITH (FORCE)')
    admin.dispose()
    calls: list[Callable[[], Any]] = [
        lambda: store.revision(workshop.id),
        lambda: store.statements(workshop.id),
        lambda: store.statements_since(workshop.id, 0),
        lambda: store.add_statement(workshop.id, "Nicht gespeichert"),
        lambda: store.add_statements(workshop.id, [NewStatement("x")]),
        lambda: store.edit_statement(statement.id, "x"),
        lambda: store.set_hidden(statement.id, True),
        lambda: store.create_workshop("Neu"),
        lambda: store.list_workshops(),
        lambda: store.get_workshop(workshop.id),
        lambda: store.record_action(workshop.id, "rename", {}),
        lambda: store.actions(workshop.id),
        lambda: store.find_link("h"),
        lambda: store.set_meta(workshop.id, "k", 1),
        lambda: store.get_meta(workshop.id, "k"),
        lambda: store.schema_version(),
    ]
    for call in calls:
        with pytest.raises(DatabaseUnavailable):
            call()
    store.close()


# --- concurrency --------------------------------------------------------------------

WRITERS = 16
WRITES_EACH = 25


BUSY_SENDS = 3
"""A writer told "busy" sends again, as the message asks a facilitator to: a wait past
the busy timeout depends on how loaded the machine is (16 processes with fsync on two
cores, beside a browser test), not on the store's rules."""


def _write_statements(url: str, workshop_id: int, writer: int, start: Any, results: Any) -> None:
    """One writer process: open its own store, wait for the others, add statements; put
    (writer, errors, busy refusals)."""
    errors: list[str] = []
    busy = 0
    try:
        store = Store(url)
        start.wait(timeout=120)
        for n in range(WRITES_EACH):
            for _ in range(BUSY_SENDS):
                try:
                    store.add_statement(
                        workshop_id, f"Schreiber {writer}, Aussage {n}", table=f"Tisch {n % 6}"
                    )
                    break
                except DatabaseBusy:
                    busy += 1  # nothing was saved: send again
                except Exception as exc:  # noqa: BLE001 - every other error is a failure
                    errors.append(f"{type(exc).__name__}: {exc}")
                    break
            else:
                errors.append(f"busy {BUSY_SENDS} times in a row")
        store.close()
    except Exception as exc:  # noqa: BLE001
        errors.append(f"{type(exc).__name__}: {exc}")
    results.put((writer, errors, busy))


@pytest.fixture
def concurrent_writers(
    store: Store,
) -> Iterator[Callable[[int], list[tuple[int, list[str], int]]]]:
    context = multiprocessing.get_context("spawn")
    processes: list[Any] = []

    def run(workshop_id: int) -> list[tuple[int, list[str], int]]:
        start = context.Barrier(WRITERS)
        results = context.Queue()
        for writer in range(WRITERS):
            process = context.Process(
                target=_write_statements, args=(store.url, workshop_id, writer, start, results)
            )
            process.start()
            processes.append(process)
        outcome = [results.get(timeout=180) for _ in range(WRITERS)]
        for process in processes:
            process.join(timeout=30)
        return outcome

    yield run
    for process in processes:
        if process.is_alive():
            process.kill()


@pytest.mark.slow  # 16 spawned interpreters: 10-15 s per engine on two cores
@pytest.mark.xdist_group("store-concurrency")
def test_sixteen_writer_processes_lose_nothing_and_count_every_write(
    store: Store, concurrent_writers: Callable[[int], list[tuple[int, list[str], int]]]
) -> None:
    workshop = store.create_workshop("Viele Schreiber")
    before = store.revision(workshop.id)

    outcome = concurrent_writers(workshop.id)

    assert sorted(writer for writer, _, _ in outcome) == list(range(WRITERS))
    assert [errors for _, errors, _ in outcome if errors] == []
    # "busy" is the rare answer of an overloaded machine, not how writers meet
    assert sum(busy for _, _, busy in outcome) <= WRITERS
    stored = store.statements(workshop.id)
    assert len(stored) == WRITERS * WRITES_EACH
    assert {s.text for s in stored} == {
        f"Schreiber {w}, Aussage {n}" for w in range(WRITERS) for n in range(WRITES_EACH)
    }
    assert store.revision(workshop.id) == before + WRITERS * WRITES_EACH
    # Each write got its own revision: the counter never skipped or repeated.
    engine = sa.create_engine(store.url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        revisions = conn.execute(
            sa.select(migrations.statements.c.revision).where(
                migrations.statements.c.workshop_id == workshop.id
            )
        ).scalars()
        assert sorted(revisions) == list(range(before + 1, before + WRITERS * WRITES_EACH + 1))
    engine.dispose()
    assert sorted(t.name for t in store.tables(workshop.id)) == [f"Tisch {n}" for n in range(6)]


def _run_at_once(count: int, call: Callable[[int], Any]) -> list[Any]:
    """Run ``call(i)`` in ``count`` threads released together; return results or errors."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        start.wait(timeout=60)
        try:
            results[index] = call(index)
        except Exception as exc:  # every error is part of the outcome under test
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_a_submission_sent_eight_times_at_once_is_stored_once(
    store: Store, workshop: Workshop
) -> None:
    results = _run_at_once(
        8, lambda _: store.add_statement(workshop.id, "Doppelklick", submission_id="same")
    )
    assert [r for r in results if not isinstance(r, Statement)] == []
    assert len({r.id for r in results}) == 1
    assert len(store.statements(workshop.id)) == 1
    assert store.revision(workshop.id) == 1


def test_servers_opening_a_new_database_at_once_migrate_it_once(store_url: str) -> None:
    stores = _run_at_once(6, lambda _: Store(store_url))
    assert [s for s in stores if not isinstance(s, Store)] == []
    assert {s.schema_version() for s in stores} == {migrations.LATEST_VERSION}
    for opened in stores:
        opened.close()
    engine = sa.create_engine(store_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        versions = conn.execute(sa.select(migrations.schema_migrations.c.version)).scalars()
        assert sorted(versions) == [1, 2, 3, 4, 5]
    engine.dispose()
