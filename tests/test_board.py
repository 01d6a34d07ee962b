"""The board service's shared parts: the per-server revision reader."""

from __future__ import annotations

import pytest

from harvest.board import RevisionReader
from harvest.store import Store, WorkshopNotFound


def test_revision_reader_asks_the_store_once_for_many_boards_within_its_age(store: Store) -> None:
    ws = store.create_workshop("Lesen")
    reader = RevisionReader(store, max_age=3600)
    first = reader.revision(ws.id)
    store.add_statement(ws.id, "Mehr Bänke im Park")
    assert {reader.revision(ws.id) for _ in range(300)} == {first}  # 300 viewers, one query
    assert reader.queries == 1


def test_revision_reader_sees_a_new_statement_once_its_answer_is_old(store: Store) -> None:
    ws = store.create_workshop("Lesen")
    reader = RevisionReader(store, max_age=0)
    first = reader.revision(ws.id)
    store.add_statement(ws.id, "Mehr Bänke im Park")
    assert reader.revision(ws.id) == store.revision(ws.id) > first


def test_revision_reader_does_not_remember_a_failure(store: Store) -> None:
    reader = RevisionReader(store, max_age=3600)
    for _ in range(2):
        with pytest.raises(WorkshopNotFound):
            reader.revision(987654)
    assert reader.queries == 0
