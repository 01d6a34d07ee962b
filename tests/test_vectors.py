"""Sentence vectors: embedded once per text off the request path, cached in the real
database (SQLite and PostgreSQL), following every edit, hide and delete, carried by
backups; near-duplicates by meaning. The real bundled encoder throughout."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from harvest.cli import main
from harvest.engine.embedding import DIMENSIONS, MODEL_VERSION, default_encoder, encode, text_key
from harvest.store import Store
from harvest.store import migrations as schema
from harvest.store.backup import create_backup, restore_backup
from harvest.vectors import (
    SIMILAR_THRESHOLD,
    BackgroundEmbedder,
    background_embedder,
    embed_pending,
    similar_statements,
)
from tests.test_app import app, texts, workshop_with
from tests.test_privacy import app_store  # noqa: F401 - the app's store fixture


class CountingEncoder:
    """The real encoder, counting the texts it is given (and failing once if asked)."""

    def __init__(self, *, fail_first: bool = False, delay: threading.Event | None = None):
        self.version = MODEL_VERSION
        self.texts: list[str] = []
        self.fail_first = fail_first
        self.delay = delay

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.delay is not None:
            self.delay.wait(10)
        if self.fail_first:
            self.fail_first = False
            raise RuntimeError("encoder hiccup")
        self.texts.extend(texts)
        return default_encoder().encode(texts)


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """The same unit vector, up to float rounding (a batch sums in another order)."""
    return bool(np.allclose(a, b, atol=1e-5))


def vector_rows(store: Store) -> list[sa.Row]:
    engine = sa.create_engine(store.url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(schema.vectors)))
    finally:
        engine.dispose()


def test_each_text_is_embedded_once_and_a_second_run_embeds_nothing(store: Store) -> None:
    ws = store.create_workshop("W", tables=["A", "B"])
    a = store.add_statement(ws.id, "Mehr Deutschkurse am Abend", table="A")
    b = store.add_statement(ws.id, "Mehr  Deutschkurse am Abend ", table="B")  # same key
    c = store.add_statement(ws.id, "Radwege in der Innenstadt ausbauen", table="B")
    encoder = CountingEncoder()
    assert store.statement_vectors(ws.id) == {} and store.vector_count(ws.id) == 0
    assert embed_pending(store, ws.id, encoder=encoder) == 3
    assert sorted(encoder.texts) == ["Mehr Deutschkurse am Abend",
                                     "Radwege in der Innenstadt ausbauen"]
    vectors = store.statement_vectors(ws.id)
    assert set(vectors) == {a.id, b.id, c.id}
    assert np.array_equal(vectors[a.id], vectors[b.id])
    assert vectors[c.id].dtype == np.float32 and vectors[c.id].shape == (DIMENSIONS,)
    assert same(vectors[c.id], encode(["Radwege in der Innenstadt ausbauen"])[0])
    assert store.vector_count(ws.id) == 3 and store.missing_vectors(ws.id) == []
    assert embed_pending(store, ws.id, encoder=encoder) == 0
    assert len(encoder.texts) == 2
    # another workshop with a text embedded before: copied, not embedded
    other = store.create_workshop("Andere")
    d = store.add_statement(other.id, "Radwege in der Innenstadt ausbauen")
    assert embed_pending(store, other.id, encoder=encoder) == 1
    assert len(encoder.texts) == 2
    assert np.array_equal(store.statement_vectors(other.id)[d.id], vectors[c.id])
    assert set(store.statement_vectors(ws.id)) == {a.id, b.id, c.id}  # per workshop


def test_vectors_follow_edit_hide_and_delete(store: Store) -> None:
    ws = store.create_workshop("W")
    keep = store.add_statement(ws.id, "Kitaplätze für alle Kinder")
    edited = store.add_statement(ws.id, "Mehr Bänke im Park")
    gone = store.add_statement(ws.id, "Busse fahren nachts zu selten")
    embed_pending(store, ws.id)
    before = store.statement_vectors(ws.id)[edited.id].copy()
    count = store.vector_count(ws.id)

    store.edit_statement(edited.id, "Sauberere Spielplätze im Viertel")
    assert edited.id not in store.statement_vectors(ws.id)  # the old text's vector is gone
    assert store.missing_vectors(ws.id) == [(edited.id, "Sauberere Spielplätze im Viertel")]
    assert embed_pending(store, ws.id) == 1
    after = store.statement_vectors(ws.id)[edited.id]
    assert same(after, encode(["Sauberere Spielplätze im Viertel"])[0])
    assert not same(after, before)

    store.set_hidden(keep.id, True)
    assert keep.id not in store.statement_vectors(ws.id)
    assert store.missing_vectors(ws.id) == [] and store.vector_count(ws.id) == count
    store.set_hidden(keep.id, False)
    assert keep.id in store.statement_vectors(ws.id)

    store.delete_statement(gone.id)
    assert set(store.statement_vectors(ws.id)) == {keep.id, edited.id}
    assert {row.statement_id for row in vector_rows(store)} == {keep.id, edited.id}


def test_a_vector_of_a_text_edited_meanwhile_is_not_saved(store: Store) -> None:
    ws = store.create_workshop("W")
    s = store.add_statement(ws.id, "Alte Fassung der Aussage")
    vector = encode(["Alte Fassung der Aussage"])[0]
    store.edit_statement(s.id, "Neue Fassung der Aussage")  # while the encoder ran
    assert store.save_vectors(MODEL_VERSION, [(s.id, text_key("Alte Fassung der Aussage"),
                                               vector)]) == 0
    store.delete_statement(s.id)
    assert store.save_vectors(MODEL_VERSION, [(s.id, text_key("Neue Fassung der Aussage"),
                                               vector)]) == 0
    assert vector_rows(store) == []


def test_two_servers_saving_the_same_vector_do_not_collide(store: Store) -> None:
    ws = store.create_workshop("W")
    s = store.add_statement(ws.id, "Mehr Grün in der Stadt")
    item = (s.id, text_key(s.text), encode([s.text])[0])
    assert store.save_vectors(MODEL_VERSION, [item]) == 1
    assert store.save_vectors(MODEL_VERSION, [item]) == 1
    # a newer model replaces the row: one vector per statement
    assert store.missing_vectors(ws.id, "usem3-next") == [(s.id, s.text)]
    assert store.save_vectors("usem3-next", [item]) == 1
    assert [row.model for row in vector_rows(store)] == ["usem3-next"]
    assert store.statement_vectors(ws.id) == {}


def test_deleting_a_workshop_deletes_its_vectors_only(store: Store) -> None:
    one, two = store.create_workshop("Eins"), store.create_workshop("Zwei")
    store.add_statement(one.id, "Gleicher Text in beiden")
    kept = store.add_statement(two.id, "Gleicher Text in beiden")
    embed_pending(store, one.id)
    embed_pending(store, two.id)
    store.delete_workshop(one.id)
    assert [row.statement_id for row in vector_rows(store)] == [kept.id]
    assert set(store.statement_vectors(two.id)) == {kept.id}


@pytest.mark.parametrize(
    "text, has_vector",
    [
        ("Wohnraum " * 1111, True),  # 10,000 characters
        ("مزيد من دورات اللغة في المساء", True),
        ("晚上提供更多语言课程", True),
    ],
)
def test_an_unembeddable_statement_is_stored_and_marked_without_vector(
    sqlite_store: Store, text: str, has_vector: bool
) -> None:
    ws = sqlite_store.create_workshop("W", max_chars=12_000)
    s = sqlite_store.add_statement(ws.id, text)
    encoder = CountingEncoder()
    assert embed_pending(sqlite_store, ws.id, encoder=encoder) == 1
    assert (s.id in sqlite_store.statement_vectors(ws.id)) is has_vector
    assert sqlite_store.missing_vectors(ws.id) == []  # not tried again
    assert embed_pending(sqlite_store, ws.id, encoder=encoder) == 0
    assert len(encoder.texts) == int(has_vector)
    found = similar_statements(sqlite_store, ws.id, text)
    assert [hit.statement_id for hit in found] == ([s.id] if has_vector else [])


def test_embed_pending_reports_progress_after_every_batch(sqlite_store: Store) -> None:
    ws = sqlite_store.create_workshop("W")
    for n in range(5):
        sqlite_store.add_statement(ws.id, f"Aussage Nummer {n} über den Stadtteil")
    calls: list[tuple[int, int]] = []
    assert embed_pending(sqlite_store, ws.id, batch_size=2,
                         progress=lambda d, t: calls.append((d, t))) == 5
    assert calls == [(0, 5), (2, 5), (4, 5), (5, 5)]
    calls.clear()
    embed_pending(sqlite_store, ws.id, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(0, 0)]


def test_the_background_embedder_coalesces_and_catches_up_after_a_failure(
    store: Store,
) -> None:
    ws = store.create_workshop("W")
    store.add_statement(ws.id, "Erste Aussage zum Wohnen")
    gate = threading.Event()
    encoder = CountingEncoder(fail_first=True, delay=gate)
    worker = BackgroundEmbedder(encoder)
    worker.request(store, ws.id)  # returns at once although the encoder waits
    assert worker.status(store, ws.id) is not None
    for text in ("Zweite Aussage zum Wohnen", "Dritte Aussage zum Wohnen"):
        store.add_statement(ws.id, text)
        worker.request(store, ws.id)
    gate.set()
    assert worker.wait_idle(60)
    # the first run failed (logged); the coalesced second one embedded all three
    assert len(store.statement_vectors(ws.id)) == 3
    assert worker.status(store, ws.id) is None
    worker.request(store, ws.id)
    assert worker.wait_idle(60) and len(encoder.texts) == 3


def test_similar_statements_finds_a_rewording_not_a_neighbour_topic(store: Store) -> None:
    ws = store.create_workshop("W")
    copy = store.add_statement(ws.id, "Öffentliche Verkehrsmittel sollten gratis sein")
    store.add_statement(ws.id, "Mehr Radwege auf dem Land bauen")
    hidden = store.add_statement(ws.id, "Der öffentliche Verkehr muss kostenlos werden")
    store.set_hidden(hidden.id, True)
    embed_pending(store, ws.id)
    draft = "Öffentliche Verkehrsmittel sollen gratis sein"
    found = similar_statements(store, ws.id, draft)
    assert [s.statement_id for s in found] == [copy.id]
    assert found[0].score >= SIMILAR_THRESHOLD
    assert similar_statements(store, ws.id, "Mehr Bäume in der Innenstadt pflanzen") == []
    everything = similar_statements(store, ws.id, draft, threshold=-1.0, limit=5)
    assert len(everything) == 2 and everything[0].statement_id == copy.id  # hidden: no


def test_a_backup_carries_the_vectors_and_a_restore_maps_them_to_new_ids(
    store: Store, tmp_path: Path
) -> None:
    ws = store.create_workshop("Werkstatt", slug="werk")
    texts = ["Mehr Sprachkurse am Abend", "Wohnungen für Familien", "Mehr Bänke 😀"]
    ids = [store.add_statement(ws.id, t).id for t in texts]
    embed_pending(store, ws.id)
    archive = create_backup(store, "werk")
    original = store.statement_vectors(ws.id)
    with Store(f"sqlite:///{tmp_path / 'target.db'}") as target:
        taken = target.create_workshop("Platzhalter")  # takes the ids: restore renumbers
        for n in range(4):
            target.add_statement(taken.id, f"Platzhalter {n}")
        restored = restore_backup(target, archive)[0]
        assert "statements" in restored.remapped
        statements = target.statements(restored.workshop_id)
        assert [s.text for s in statements] == texts
        copied = target.statement_vectors(restored.workshop_id)
        assert set(copied) == {s.id for s in statements}
        for old, new in zip(ids, statements, strict=True):
            assert np.array_equal(copied[new.id], original[old])
        assert target.missing_vectors(restored.workshop_id) == []  # the emoji row came too
        assert embed_pending(target, restored.workshop_id, encoder=CountingEncoder()) == 0


def test_the_cli_embeds_after_import_and_add_with_progress_on_stderr(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "viele.txt"
    path.write_text("\n".join(f"Vorschlag {n}: mehr Grünflächen im Quartier {n}"
                              for n in range(120)), encoding="utf-8")
    assert main(["--db", sqlite_url, "import", "Viele", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "Imported 120 statements" in out
    lines = err.splitlines()
    assert lines[0] == "Embedding statements for the board: 0/120"
    assert lines[-1] == "Embedding statements for the board: 120/120"
    assert 3 <= len(lines) <= 12  # a line per tenth, not per statement
    assert main(["--db", sqlite_url, "add", "Viele", "--table", "Ufer",
                 "Ein", "Bolzplatz", "am", "Fluss"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.strip().isdigit()
    with Store(sqlite_url) as store:
        workshop = store.get_workshop("viele")
        assert store.vector_count(workshop.id) == 121
        assert int(out) in store.statement_vectors(workshop.id)


def test_the_entry_page_says_similar_to_before_saving_and_keeps_the_draft(
    app_store: Store,  # noqa: F811
) -> None:
    workshop_id, tokens = workshop_with(app_store, 6)
    said = app_store.add_statement(workshop_id, "Mehr Deutschkurse am Abend für Berufstätige",
                                   table="Sprache & Bildung")
    embed_pending(app_store, workshop_id)
    count = len(app_store.statements(workshop_id))
    entry = app(tokens["facilitator"])
    entry.selectbox(key="entry_table").set_value("Arbeit & Ausbildung").run()

    draft = "Deutschkurse am Abend für Berufstätige anbieten"
    entry.chat_input(key="entry_text").set_value(draft).run()
    assert not entry.exception
    assert "Ähnlich wie" in entry.warning[0].value and said.text in entry.warning[0].value
    assert draft in [c.value for c in entry.code]  # the draft stays on the page
    assert len(app_store.statements(workshop_id)) == count and not entry.success
    [save] = [b for b in entry.button if b.label == "Trotzdem speichern"]
    save.click().run()
    assert not entry.exception and not entry.warning
    assert app_store.statements(workshop_id)[-1].text == draft
    assert app_store.statements(workshop_id)[-1].table_name == "Arbeit & Ausbildung"

    # a second Enter with the same text saves too; discarding saves nothing
    again = "Abends mehr Deutschkurse für Leute mit Job"
    entry.chat_input(key="entry_text").set_value(again).run()
    assert entry.warning and len(app_store.statements(workshop_id)) == count + 1
    entry.chat_input(key="entry_text").set_value(again).run()
    assert any("Gespeichert" in s.value for s in entry.success)
    assert app_store.statements(workshop_id)[-1].text == again
    entry.chat_input(key="entry_text").set_value("Mehr Abendkurse in Deutsch für Berufstätige").run()
    [drop] = [b for b in entry.button if b.label == "Verwerfen"]
    drop.click().run()
    assert not entry.warning and len(app_store.statements(workshop_id)) == count + 2

    # the own table's statements are no news to its facilitator: saved at once
    app_store.add_statement(workshop_id, "Ausbildungsmessen auch am Samstag",
                            table="Arbeit & Ausbildung")
    embed_pending(app_store, workshop_id)
    entry.chat_input(key="entry_text").set_value("Ausbildungsmessen auch an Samstagen").run()
    assert not entry.warning and any("Gespeichert" in s.value for s in entry.success)

    # something new is saved at the first Enter, and embedded in the background
    entry.chat_input(key="entry_text").set_value("Ein Bolzplatz hinter der Schule").run()
    assert not entry.warning and any("Gespeichert" in s.value for s in entry.success)
    assert background_embedder().wait_idle(60)
    assert app_store.missing_vectors(workshop_id) == []
    assert "Bolzplatz" in texts(entry)
