"""Curation actions fold into the engine's Overrides; undo and hide work through the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from harvest.engine import curation
from harvest.engine.curation import InvalidAction, overrides_from_actions, validate_action
from harvest.model import Category
from harvest.store import Store


@dataclass
class A:
    id: int
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    undone: bool = False


def test_actions_fold_in_order_and_later_ones_win() -> None:
    overrides = overrides_from_actions([
        A(1, "rename", {"theme_id": "t1", "label": "Sprache"}),
        A(2, "rename", {"theme_id": "t1", "label": "Sprache & Kita"}),
        A(3, "merge", {"source": "t2", "target": "t1"}),
        A(4, "move", {"statement_id": 7, "theme_id": "t3"}),
        A(5, "demand", {"statement_id": 7, "value": True}),
        A(6, "stopword", {"word": "Eigentlich"}),
        A(7, "synonym", {"word": "KiTa", "canonical": "kita"}),
        A(8, "pin", {"keyword": "Wohnung", "theme_id": "t4"}),
        A(9, "demand", {"statement_id": 8, "value": False}, undone=True),
    ])
    assert overrides.renames == {"t1": "Sprache & Kita"}
    assert overrides.merges == {"t2": "t1"}
    assert overrides.moves == {7: "t3"}
    assert overrides.demand_marks == {7: True}
    assert overrides.stopwords == frozenset({"eigentlich"})
    assert overrides.synonyms == {}  # "KiTa" -> "kita" is the same word once lowercased
    assert overrides.pinned_keywords == {"wohnung": "t4"}


def test_split_creates_a_user_theme_named_by_the_moderator() -> None:
    overrides = overrides_from_actions([
        A(12, "split", {"theme_id": "t1", "label": "Kita", "statement_ids": [3, 1, 3]}),
        A(13, "move", {"statement_id": 3, "theme_id": "t2"}),
    ])
    assert overrides.renames == {"user-12": "Kita"}
    assert overrides.moves == {1: "user-12", 3: "t2"}


def test_merge_chains_resolve_and_cycles_do_not_loop() -> None:
    chain = overrides_from_actions([A(1, "merge", {"source": "a", "target": "b"}),
                                    A(2, "merge", {"source": "b", "target": "c"})])
    assert chain.merges == {"a": "c", "b": "c"}
    cycle = overrides_from_actions([A(1, "merge", {"source": "a", "target": "b"}),
                                    A(2, "merge", {"source": "b", "target": "a"})])
    assert "a" not in cycle.merges.values() or "b" not in cycle.merges.values()


def test_categories_become_guided_mode_input() -> None:
    overrides = overrides_from_actions([A(1, "categories", {"categories": [
        {"name": "Sprache", "keywords": ["Sprachkurs", " Deutsch "]},
        {"id": "arbeit", "name": "Arbeit", "keywords": []},
    ]})])
    assert overrides.categories == (
        Category("cat-1", "Sprache", ("sprachkurs", "deutsch")), Category("arbeit", "Arbeit", ()),
    )


@pytest.mark.parametrize("kind,payload", [
    ("explode", {}),
    ("rename", {"theme_id": "t1", "label": "   "}),
    ("rename", {"theme_id": "t1", "label": "x" * 81}),
    ("merge", {"source": "t1", "target": "t1"}),
    ("move", {"statement_id": "7", "theme_id": "t1"}),
    ("move", {"statement_id": True, "theme_id": "t1"}),
    ("split", {"theme_id": "t1", "label": "x", "statement_ids": []}),
    ("synonym", {"word": "a", "canonical": "A"}),
    ("categories", {"categories": "Sprache"}),
])
def test_malformed_actions_are_refused(kind: str, payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidAction):
        validate_action(kind, payload)


def test_malformed_stored_rows_are_skipped_not_fatal() -> None:
    overrides = overrides_from_actions([A(1, "rename", {"theme_id": 5}),
                                        A(2, "rename", {"theme_id": "t1", "label": "ok"})])
    assert overrides.renames == {"t1": "ok"}


def test_hide_is_recorded_and_undo_shows_the_statement_again(store: Store) -> None:
    ws = store.create_workshop("W")
    s = store.add_statement(ws.id, "Mehr Sprachkurse am Abend", table="Sprache")
    curation.apply_action(store, ws.id, "hide", {"statement_id": s.id, "hidden": True})
    assert store.get_statement(s.id).hidden
    assert store.statements(ws.id) == []
    undone = curation.undo_last(store, ws.id)
    assert undone is not None and undone.kind == "hide"
    assert not store.get_statement(s.id).hidden


def test_recorded_actions_reach_the_overrides_and_undo_removes_them(store: Store) -> None:
    ws = store.create_workshop("W")
    curation.apply_action(store, ws.id, "rename", {"theme_id": "t1", "label": "Sprache"})
    curation.apply_action(store, ws.id, "stopword", {"word": "halt"})
    assert overrides_from_actions(store.actions(ws.id)).renames == {"t1": "Sprache"}
    curation.undo_last(store, ws.id)
    overrides = overrides_from_actions(store.actions(ws.id))
    assert overrides.stopwords == frozenset() and overrides.renames == {"t1": "Sprache"}


def test_guided_categories_round_trip_through_their_text_format() -> None:
    text = "Sprache: kurs, deutsch\n\n Wohnen :miete,,  wohnung \nKita"
    parsed = curation.parse_categories(text)
    assert parsed == [
        {"id": "cat-1", "name": "Sprache", "keywords": ["kurs", "deutsch"]},
        {"id": "cat-3", "name": "Wohnen", "keywords": ["miete", "wohnung"]},
        {"id": "cat-4", "name": "Kita", "keywords": []},
    ]
    categories = [Category(c["id"], c["name"], tuple(c["keywords"])) for c in parsed]
    assert curation.categories_text(categories) == "Sprache: kurs, deutsch\nWohnen: miete, wohnung\nKita: "
    assert validate_action("categories", {"categories": parsed})["categories"] == parsed
    assert curation.parse_categories("") == []
