"""Backup and restore: a workshop survives the trip through an archive, across engines,
while the app writes, with ids kept or consistently renumbered."""

from __future__ import annotations

import gzip
import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from harvest import access, cli
from harvest.board import STATE_KEY, compute_board
from harvest.engine import curation
from harvest.participation import VoteItem, item_key
from harvest.store import NewStatement, Store, WorkshopNotFound, participation_store
from harvest.store import migrations as schema
from harvest.store.backup import (
    BackupError,
    WorkshopExists,
    create_backup,
    read_backup,
    restore_backup,
)

SECRET = b"backup-test-secret"


def rich_workshop(store: Store, title: str = "Werkstatt Süd", slug: str = "sued") -> int:
    """A workshop with something in every table: hidden, imported and edited statements,
    curation actions referencing statements and a split theme, links, a board state."""
    ws = store.create_workshop(
        title, slug=slug, date=date(2026, 3, 14), place="Rathaus", language="de",
        tables=["Sprache", ("Arbeit", "Arbeit und Ausbildung", "Mira")],
    )
    texts = [
        ("Mehr Sprachkurse am Abend für Berufstätige", "Sprache", "demand"),
        ("Sprachkurse mit Kinderbetreuung anbieten", "Sprache", "idea"),
        ("Anerkennung ausländischer Abschlüsse beschleunigen", "Arbeit", "demand"),
        ("Praktika in kleinen Betrieben vermitteln", "Arbeit", "idea"),
        ("Wie finde ich einen Ausbildungsplatz?", "Arbeit", "question"),
        ("Emoji 🌻 und Umlaute äöüß bleiben", None, None),
    ]
    ids = [store.add_statement(ws.id, t, table=tb, kind=k).id for t, tb, k in texts]
    ids += store.add_statements(
        ws.id,
        [NewStatement("Begegnungscafé im Stadtteil", "Nachbarschaft", "idea", "Ana")],
    )
    store.edit_statement(ids[1], "Sprachkurse mit Kinderbetreuung am Vormittag anbieten")
    store.set_table(ids[5], "Sprache")
    curation.apply_action(store, ws.id, "hide", {"statement_id": ids[4], "hidden": True})
    split = curation.apply_action(
        store, ws.id, "split",
        {"theme_id": "t1", "label": "Kurse", "statement_ids": [ids[0], ids[1]]},
    )
    curation.apply_action(
        store, ws.id, "rename",
        {"theme_id": curation.split_theme_id(split), "label": "Sprachkurse"},
    )
    curation.apply_action(
        store, ws.id, "move", {"statement_id": ids[3], "theme_id": curation.split_theme_id(split)}
    )
    curation.apply_action(store, ws.id, "stopword", {"word": "bleiben"})
    store.undo_last_action(ws.id)
    access.workshop_links(store, store.get_workshop(ws.id), "http://h", secret=SECRET)
    compute_board(store, ws.id)
    add_participation(store, ws.id, ids[0])
    return ws.id


def add_participation(store: Store, workshop_id: int, demand_id: int) -> None:
    """A queue with a merged and a waiting submission, a vote and a ballot."""
    participation_store.set_settings(store, workshop_id, participant_input=True)
    first = participation_store.submit(
        store, workshop_id, "phone", "Spielplatz am Fluss bauen", client_key="a", table="Sprache"
    )
    participation_store.merge(store, first.id, demand_id)
    participation_store.submit(store, workshop_id, "phone", "Mehr Bänke", client_key="b")
    item = VoteItem(item_key("demand", demand_id), "Mehr Sprachkurse")
    participation_store.open_vote(store, workshop_id, [item], dots=2)
    participation_store.cast_ballot(store, workshop_id, "phone", {item.key: 1}, table="Sprache")


def snapshot_of(store: Store, workshop_id: int) -> dict[str, Any]:
    """What a workshop holds, without ids that a restore may renumber: statements by text,
    actions with statement ids and split themes replaced by the statements' texts."""
    ws = store.get_workshop(workshop_id)
    statements = store.statements(workshop_id, include_hidden=True)
    text_of = {s.id: s.text for s in statements}
    actions = store.actions(workshop_id, include_undone=True)
    position = {a.id: n for n, a in enumerate(actions)}

    def plain(payload: dict[str, Any]) -> dict[str, Any]:
        out = dict(payload)
        if "statement_id" in out:
            out["statement_id"] = text_of[out["statement_id"]]
        if "statement_ids" in out:
            out["statement_ids"] = sorted(text_of[i] for i in out["statement_ids"])
        for key in ("theme_id", "source", "target"):
            value = out.get(key)
            if isinstance(value, str) and value.startswith("user-"):
                out[key] = f"split#{position[int(value[5:])]}"
        return out

    state = store.get_meta(workshop_id, STATE_KEY)
    return {
        "workshop": (ws.slug, ws.title, ws.date, ws.place, ws.language, ws.max_chars,
                     ws.created_at),
        "tables": [(t.name, t.topic, t.facilitator) for t in store.tables(workshop_id)],
        "statements": [
            (s.text, s.table_name, s.kind, s.author, s.origin, s.hidden, s.created_at,
             s.updated_at, store.statement_history(s.id))
            for s in statements
        ],
        "events": [(e["kind"], text_of.get(e["statement_id"])) for e in store.events(workshop_id)],
        "actions": [(a.kind, plain(a.payload), a.undone, a.actor, a.created_at) for a in actions],
        "links": sorted((k.role, k.token_hash, k.created_at) for k in store.links(workshop_id)),
        "board_themes": sorted(
            (t["label"], sorted(text_of[i] for i in t["statement_ids"]))
            for t in state["themes"]
        ),
    }


@pytest.fixture
def other_url(request: pytest.FixtureRequest, store: Store) -> str:
    """A fresh database on the other engine than ``store``'s."""
    return str(request.getfixturevalue("pg_url" if store.dialect == "sqlite" else "sqlite_url"))


@pytest.mark.postgres
def test_backup_restores_into_the_other_engine_as_the_same_workshop(
    store: Store, other_url: str
) -> None:
    workshop_id = rich_workshop(store)
    before = snapshot_of(store, workshop_id)
    revision = store.revision(workshop_id)
    data = create_backup(store, "sued")
    with Store(other_url) as target:
        [restored] = restore_backup(target, data)
        assert (restored.slug, restored.statements, restored.remapped) == ("sued", 7, ())
        # a fresh database has every id free: kept as they were
        assert restored.workshop_id == workshop_id
        assert snapshot_of(target, restored.workshop_id) == before
        assert target.revision(restored.workshop_id) >= revision
        # same statement ids, so the saved board state and the curation still apply
        board = compute_board(target, restored.workshop_id, persist=False)
        assert "Sprachkurse" in [t.label for t in board.clustering.themes]
        # the old links keep working on the new server
        link = store.links(workshop_id)[0]
        assert target.find_link(link.token_hash) is not None
        assert not target.find_link(link.token_hash).revoked  # type: ignore[union-attr]
        # and new rows get fresh ids after the explicit ones (PostgreSQL sequences moved on)
        added = target.add_statement(restored.workshop_id, "Noch eine Idee", table="Sprache")
        assert added.id > max(s.id for s in store.statements(workshop_id, include_hidden=True))


def process_and_participation_of(store: Store) -> dict[str, Any]:
    """The processes (title, members, own curation and board) and the participation of
    every workshop, without ids a restore may renumber."""
    text_of = {
        s.id: s.text
        for w in store.list_workshops()
        for s in store.statements(w.id, include_hidden=True)
    }

    def plain(payload: dict[str, Any]) -> dict[str, Any]:
        return {k: text_of.get(v, v) if k == "statement_id" else v for k, v in payload.items()}

    processes = [
        (
            p.slug, p.title, p.created_at, [store.get_workshop(w).slug for w in p.workshop_ids],
            [(a.kind, plain(a.payload), a.undone) for a in store.actions(p.workshop.id)],
            sorted(
                (t["label"], sorted(text_of[i] for i in t["statement_ids"]))
                for t in (store.get_meta(p.workshop.id, STATE_KEY) or {}).get("themes", [])
            ),
        )
        for p in store.list_processes()
    ]
    participation = {}
    for w in store.list_workshops():
        vote = participation_store.current_vote(store, w.id)
        participation[w.slug] = (
            participation_store.get_settings(store, w.id),
            [(q.text, q.status, q.received_at) for q in participation_store.queue(store, w.id, None)],
            None if vote is None else (
                [i.label for i in vote.items], vote.dots, vote.closed,
                sorted(
                    sorted(b.dots.values()) for b in participation_store.ballots(store, vote.id)
                ),
            ),
        )
    return {"processes": processes, "participation": participation}


@pytest.mark.postgres
@pytest.mark.parametrize("prefilled", [False, True], ids=["fresh", "ids-taken"])
def test_backup_carries_processes_and_participation_into_the_other_engine(
    store: Store, other_url: str, prefilled: bool
) -> None:
    sued = rich_workshop(store)
    second = store.create_workshop("Zweite", slug="zweite", tables=["X"]).id
    moved = store.add_statement(second, "Sprachkurse auch am Wochenende", table="X").id
    process = store.create_process("Landesprozess", slug="land", workshops=["sued"])
    store.add_to_process("land", "zweite")  # a member added later than the process
    own = process.workshop.id
    theme = compute_board(store, own).clustering.themes[0].id
    curation.apply_action(store, own, "rename", {"theme_id": theme, "label": "Gemeinsam"})
    curation.apply_action(store, own, "move", {"statement_id": moved, "theme_id": theme})
    compute_board(store, own)
    before = process_and_participation_of(store)
    assert before["participation"]["sued"][2] is not None  # the vote and its ballot travel
    revision = store.revision(own)
    with Store(other_url) as target:
        if prefilled:  # every id the archive uses is taken: all of it is renumbered
            rich_workshop(target, "Schon da", "schon-da")
            target.create_process("Anderer Prozess", slug="anders", workshops=["schon-da"])
        restored = restore_backup(target, create_backup(store))
        assert [r.missing_members for r in restored] == [(), (), ()]
        after = process_and_participation_of(target)
        if prefilled:
            assert {r.slug for r in restored if "statements" in r.remapped} == {"sued", "zweite"}
            after["processes"] = [p for p in after["processes"] if p[0] == "land"]
            del after["participation"]["schon-da"]
        assert after == before
        # the process's own row is a process again, not a listed workshop
        assert {w.slug for w in target.list_workshops()} >= {"sued", "zweite"}
        assert "land" not in {w.slug for w in target.list_workshops()}
        land = target.get_process("land")
        assert target.revision(land.workshop.id) >= revision
        board = compute_board(target, land.workshop.id, persist=False)
        gemeinsam = next(t for t in board.clustering.themes if t.label == "Gemeinsam")
        texts = {s.id: s.text for s in target.statements(target.get_workshop("zweite").id)}
        assert "Sprachkurse auch am Wochenende" in {texts.get(i) for i in gemeinsam.statement_ids}
    assert sued in store.get_process("land").workshop_ids  # the source is untouched


def test_a_process_restored_alone_keeps_the_members_that_are_here(store: Store) -> None:
    rich_workshop(store)
    store.create_workshop("Zweite", slug="zweite")
    store.create_process("Landesprozess", slug="land", workshops=["sued", "zweite"])
    data = create_backup(store)
    store.delete_workshop(store.get_process("land").workshop.id)
    store.delete_workshop(store.get_workshop("zweite").id)
    [restored] = restore_backup(store, data, only="land")
    assert restored.missing_members == ("zweite",)
    land = store.get_process("land")
    assert land.workshop_ids == (store.get_workshop("sued").id,)


def test_restore_renumbers_taken_ids_and_rewrites_every_reference(store: Store) -> None:
    workshop_id = rich_workshop(store)
    before = snapshot_of(store, workshop_id)
    # the same workshop as a copy under another slug: every id it uses is taken
    archive = read_backup(create_backup(store, workshop_id))
    archive["workshops"][0]["workshop"]["slug"] = "sued-kopie"
    archive["workshops"][0]["links"] = []  # link hashes are unique across workshops
    [restored] = restore_backup(store, gzip.compress(json.dumps(archive).encode()))
    assert restored.workshop_id != workshop_id
    assert set(restored.remapped) >= {"workshops", "tables", "statements", "actions", "events"}
    after = snapshot_of(store, restored.workshop_id)
    assert after["workshop"][1:] == before["workshop"][1:]
    assert {k: v for k, v in after.items() if k not in ("workshop", "links")} == {
        k: v for k, v in before.items() if k not in ("workshop", "links")
    }
    # the curation (a split theme renamed, a statement moved into it) still applies
    board = compute_board(store, restored.workshop_id, persist=False)
    theme = next(t for t in board.clustering.themes if t.label == "Sprachkurse")
    texts = {s.id: s.text for s in store.statements(restored.workshop_id)}
    assert "Praktika in kleinen Betrieben vermitteln" in {texts[i] for i in theme.statement_ids}
    # the original is untouched
    assert snapshot_of(store, workshop_id) == before


def test_a_renumbered_workshop_gets_working_links(store: Store) -> None:
    workshop_id = rich_workshop(store)
    archive = read_backup(create_backup(store, workshop_id))
    store.delete_workshop(workshop_id)
    archive["workshops"][0]["workshop"]["id"] = workshop_id + 1000
    store.create_workshop("Platzhalter", slug="platz")  # may take the old id (SQLite)
    archive["workshops"][0]["workshop"]["id"] = store.get_workshop("platz").id
    [restored] = restore_backup(store, gzip.compress(json.dumps(archive).encode()))
    assert "workshops" in restored.remapped
    # tokens derive from the workshop id: the renumbered workshop's old links are revoked
    # so that `harvest links` issues working ones instead of printing dead ones
    assert all(link.revoked for link in store.links(restored.workshop_id))
    fresh = access.workshop_links(store, store.get_workshop("sued"), "http://h", secret=SECRET)
    token = fresh["participant"].rsplit("t=", 1)[1]
    assert access.resolve_token(store, token).workshop_id == restored.workshop_id


def test_restore_refuses_an_existing_slug_unless_replace(store: Store) -> None:
    workshop_id = rich_workshop(store)
    data = create_backup(store, "sued")
    store.add_statement(workshop_id, "Nach der Sicherung geschrieben", table="Sprache")
    revision = store.revision(workshop_id)
    with pytest.raises(WorkshopExists, match="--replace"):
        restore_backup(store, data)
    assert len(store.statements(workshop_id, include_hidden=True)) == 8  # untouched
    [restored] = restore_backup(store, data, replace=True)
    assert restored.replaced
    texts = [s.text for s in store.statements(restored.workshop_id, include_hidden=True)]
    assert "Nach der Sicherung geschrieben" not in texts and len(texts) == 7
    # never back in revision: a board cached at the old revision sees the change
    assert store.revision(restored.workshop_id) > revision


def test_restore_is_all_or_nothing(store: Store) -> None:
    rich_workshop(store)
    store.create_workshop("Zweite", slug="zweite")
    data = create_backup(store)
    store.delete_workshop(store.get_workshop("sued").id)
    with pytest.raises(WorkshopExists):
        restore_backup(store, data)  # "sued" would fit, "zweite" exists
    assert store.find_workshop("sued") is None
    assert [r.slug for r in restore_backup(store, data, only="sued")] == ["sued"]


def test_backup_all_holds_every_workshop_and_nothing_else(store: Store) -> None:
    first = rich_workshop(store)
    second = store.create_workshop("Zweite", slug="zweite").id
    store.add_statement(second, "Nur in der zweiten", table="X")
    archive = read_backup(create_backup(store))
    parts = {p["workshop"]["slug"]: p for p in archive["workshops"]}
    assert set(parts) == {"sued", "zweite"}
    assert {s["workshop_id"] for s in parts["zweite"]["statements"]} == {second}
    assert {s["workshop_id"] for s in parts["sued"]["statements"]} == {first}
    own = {s["id"] for s in parts["sued"]["statements"]}
    assert {v["statement_id"] for v in parts["sued"]["statement_versions"]} <= own
    assert archive["schema_version"] == schema.LATEST_VERSION
    # links travel as hashes only: no token in the archive
    assert set(parts["sued"]["links"][0]) >= {"token_hash", "role"}
    assert "token" not in parts["sued"]["links"][0]


def test_backup_while_another_thread_writes_is_a_consistent_snapshot(store: Store) -> None:
    ws = store.create_workshop("Live", slug="live", tables=["A"])
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        n = 0
        try:
            while not stop.is_set():
                store.add_statement(ws.id, f"Aussage Nummer {n} am Tisch", table="A")
                n += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    sizes = []
    try:
        for _ in range(8):
            part = read_backup(create_backup(store, "live"))["workshops"][0]
            statements = part["statements"]
            # every statement bumped the revision once: a torn read would break this
            assert part["workshop"]["revision"] == len(statements)
            assert max((s["revision"] for s in statements), default=0) == len(statements)
            sizes.append(len(statements))
    finally:
        stop.set()
        thread.join()
    assert not errors
    assert sizes[-1] > sizes[0]  # the writer really wrote during the backups


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not a gzip file"),
        (b"PK\x03\x04 a zip file, not ours", "not a gzip file"),
        (gzip.compress(b"\xff\xfe not json", mtime=0), "damaged JSON"),
        (gzip.compress(b'{"nodes": [], "links": []}', mtime=0), "does not say it is one"),
        (gzip.compress(b"[1, 2, 3]", mtime=0), "does not say it is one"),
        (
            gzip.compress(b'{"format": "harvest-backup", "version": 99, "schema_version": 1}', mtime=0),
            "newer Harvest",
        ),
        (
            gzip.compress(b'{"format": "harvest-backup", "version": 1, "schema_version": 999}', mtime=0),
            "newer Harvest",
        ),
        (
            gzip.compress(
                b'{"format": "harvest-backup", "version": 1, "schema_version": 2, '
                b'"workshops": [{"workshop": {"slug": "x"}}]}',
                mtime=0,
            ),
            "has no 'id'",
        ),
    ],
    # ids from the reason only: every pytest-xdist worker must collect the same names
    ids=lambda value: value.replace(" ", "-") if isinstance(value, str) else "data",
)
def test_a_foreign_or_damaged_file_is_a_clear_error(
    sqlite_store: Store, data: bytes, reason: str
) -> None:
    with pytest.raises(BackupError, match=reason):
        restore_backup(sqlite_store, data)
    assert sqlite_store.list_workshops() == []


def test_a_truncated_backup_is_a_clear_error(sqlite_store: Store) -> None:
    rich_workshop(sqlite_store)
    data = create_backup(sqlite_store)
    with pytest.raises(BackupError, match="not a Harvest backup"):
        read_backup(data[: len(data) // 2])


def test_a_backup_with_a_broken_row_restores_nothing(sqlite_store: Store) -> None:
    rich_workshop(sqlite_store)
    archive = read_backup(create_backup(sqlite_store))
    archive["workshops"][0]["statements"][0]["created_at"] = "gestern"
    data = gzip.compress(json.dumps(archive).encode())
    sqlite_store.delete_workshop(sqlite_store.get_workshop("sued").id)
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(sqlite_store, data)
    assert sqlite_store.list_workshops() == []


def test_backup_of_an_unknown_workshop_is_workshop_not_found(sqlite_store: Store) -> None:
    with pytest.raises(WorkshopNotFound):
        create_backup(sqlite_store, "nirgends")


# --- the CLI ----------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_backup_and_restore_move_a_workshop_to_another_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    with Store(source) as store:
        before = snapshot_of(store, rich_workshop(store))
    archive = tmp_path / "sued.harvest.json.gz"
    code, _, err = run(capsys, "--db", source, "backup", "sued", "--out", str(archive))
    assert code == 0 and "1 workshop(s) (sued; 7 statements)" in err
    assert archive.stat().st_mode & 0o777 == 0o600  # personal data: owner only
    code, out, _ = run(capsys, "--db", target, "restore", str(archive))
    assert (code, out.split(":")[0]) == (0, "restored sued")
    code, _, err = run(capsys, "--db", target, "restore", str(archive))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--replace" in err
    code, out, _ = run(capsys, "--db", target, "restore", str(archive), "--replace")
    assert (code, out.split(":")[0]) == (0, "replaced sued")
    with Store(target) as store:
        assert snapshot_of(store, store.get_workshop("sued").id) == before


def test_cli_backup_needs_one_workshop_or_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    out = str(tmp_path / "b.gz")
    assert run(capsys, "--db", db, "backup", "--out", out)[0] == 2
    assert run(capsys, "--db", db, "backup", "x", "--all", "--out", out)[0] == 2
    code, _, err = run(capsys, "--db", db, "backup", "nirgends", "--out", out)
    assert code == 2 and "No workshop 'nirgends'" in err
    assert not Path(out).exists()
    code, _, err = run(capsys, "--db", db, "backup", "--all", "--out", out)
    assert code == 0 and "0 workshop(s)" in err


def test_cli_restore_of_a_foreign_file_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = tmp_path / "notes.txt"
    foreign.write_text("Einkaufsliste\n")
    code, _, err = run(capsys, "--db", f"sqlite:///{tmp_path / 'a.db'}", "restore", str(foreign))
    assert code == 2
    assert err.strip() == "harvest restore: not a Harvest backup: not a gzip file"


def test_restored_rows_count_equals_the_original_in_every_table(
    sqlite_store: Store, tmp_path: Path
) -> None:
    workshop_id = rich_workshop(sqlite_store)
    with Store(f"sqlite:///{tmp_path / 'copy.db'}") as target:
        restore_backup(target, create_backup(sqlite_store))
        counts = []
        for url in (sqlite_store.url, target.url):
            engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
            with engine.connect() as conn:
                counts.append(
                    {
                        table.name: conn.execute(
                            sa.select(sa.func.count()).select_from(table)
                        ).scalar_one()
                        for table in schema.metadata.sorted_tables
                        if table.name != "schema_migrations"
                    }
                )
            engine.dispose()
        assert counts[0] == counts[1]
        assert counts[0]["statement_versions"] == 1 and counts[0]["links"] == 3
        assert workshop_id == target.get_workshop("sued").id
