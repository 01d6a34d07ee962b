"""What a facilitator may not undo: a statement the moderator hid stays hidden and
unchanged until the moderator decides (issue 16), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from harvest.engine import curation
from harvest.store import HiddenByModerator, Store


def test_a_facilitator_cannot_show_or_edit_what_the_moderator_hid(store: Store) -> None:
    ws = store.create_workshop("Rollen", tables=["A"])
    statement = store.add_statement(ws.id, "Eine Aussage, die raus muss", table="A")
    curation.apply_action(store, ws.id, "hide", {"statement_id": statement.id, "hidden": True})
    assert store.hidden_by_moderator(statement.id)
    with pytest.raises(HiddenByModerator):
        store.set_hidden(statement.id, False, actor="facilitator")
    with pytest.raises(HiddenByModerator):
        store.edit_statement(statement.id, "Jetzt ganz harmlos", actor="facilitator")
    kept = store.get_statement(statement.id)
    assert kept.hidden and kept.text == "Eine Aussage, die raus muss"
    # the moderator can
    curation.undo_last(store, ws.id)
    assert not store.get_statement(statement.id).hidden


def test_a_facilitator_may_still_take_back_and_restore_their_own(store: Store) -> None:
    ws = store.create_workshop("Rollen", tables=["A"])
    statement = store.add_statement(ws.id, "Vertippt, bitte zurück", table="A")
    store.set_hidden(statement.id, True, actor="facilitator")
    assert not store.hidden_by_moderator(statement.id)
    store.set_hidden(statement.id, False, actor="facilitator")
    store.edit_statement(statement.id, "Richtig getippt jetzt", actor="facilitator")
    assert store.get_statement(statement.id).text == "Richtig getippt jetzt"
