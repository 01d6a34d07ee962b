"""Participation in the app (AppTest, SQLite and PostgreSQL): a phone submits, the
moderator approves or rejects, a vote opens, takes dots and closes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st

from harvest import access
from harvest.participation import VoteItem, item_key
from harvest.safety import escape_markdown
from harvest.store import Store
from harvest.store import migrations as schema
from harvest.store import participation_store as ps
from tests.test_app import SECRET, app, app_environment, open_page, texts

HOSTILE = '<img src=x onerror=alert(1)> **fett** =SUMME(A1)'


@pytest.fixture
def app_store(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    store = app_environment(store_url, tmp_path, monkeypatch)
    yield store
    store.close()


def workshop(store: Store) -> tuple[int, dict[str, str]]:
    ws = store.create_workshop("Werkstatt Mitmachen", slug="wm", tables=["Sprache", "Arbeit"])
    store.add_statement(ws.id, "Wir fordern mehr Kitaplätze im Viertel", kind="demand")
    store.add_statement(ws.id, "Busse sollen nachts öfter fahren", kind="demand")
    links = access.workshop_links(store, ws, "http://localhost:8501", secret=SECRET.encode())
    return ws.id, {role: url.rsplit("t=", 1)[1] for role, url in links.items()}


def count(store: Store, table: sa.Table) -> int:
    with store.snapshot() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_with_input_off_the_participant_page_offers_nothing_to_store(app_store: Store) -> None:
    _, tokens = workshop(app_store)
    at = app(tokens["participant"], "participate")
    assert not at.exception
    assert "Gerade werden keine Aussagen gesammelt" in texts(at)
    assert len(at.text_area) == 0 and not at.button
    assert count(app_store, schema.submissions) == 0


def test_participant_submits_and_moderator_approves_and_rejects(app_store: Store) -> None:
    workshop_id, tokens = workshop(app_store)
    ps.set_settings(app_store, workshop_id, participant_input=True)
    phone = app(tokens["participant"])  # input on: the link opens the form
    assert phone.text_area(key="participant_text")
    phone.text_area(key="participant_text").set_value(HOSTILE)
    phone.selectbox(key="participant_table").set_value("Arbeit")
    phone.button[0].click().run()
    assert not phone.exception
    assert "Danke!" in texts(phone)
    phone.text_area(key="participant_text").set_value("Mehr Bänke am Spielplatz aufstellen")
    phone.button[0].click().run()
    first, second = ps.queue(app_store, workshop_id)
    assert (first.text, first.table_name) == (HOSTILE, "Arbeit")

    mod = app(tokens["moderator"], "moderate")
    assert not mod.exception
    shown = [m.value for m in mod.markdown]
    assert any("\\<img" in str(v) and "\\*\\*fett\\*\\*" in str(v) for v in shown)  # as text
    assert "Warteschlange · 2" in texts(mod)
    mod.text_area(key=f"queue_text_{second.id}").set_value("Mehr Bänke am Spielplatz")
    mod.selectbox(key=f"queue_table_{second.id}").set_value("Sprache")
    mod.selectbox(key=f"queue_kind_{second.id}").set_value("demand")
    mod.button(key=f"approve_{second.id}").click().run()
    assert not mod.exception
    mod.button(key=f"reject_{first.id}").click().run()
    assert not mod.exception
    assert "Warteschlange · 0" in texts(mod)
    texts_on_board = {s.text: (s.table_name, s.kind) for s in app_store.statements(workshop_id)}
    assert texts_on_board["Mehr Bänke am Spielplatz"] == ("Sprache", "demand")
    assert HOSTILE not in texts_on_board


def test_participant_votes_and_a_closed_vote_refuses_dots(app_store: Store) -> None:
    workshop_id, tokens = workshop(app_store)
    mod = app(tokens["moderator"], "moderate")
    assert not mod.exception
    mod.number_input(key="vote_dots").set_value(2)
    mod.button[-1].click().run()  # the form's "Abstimmung öffnen"
    assert not mod.exception
    vote = ps.current_vote(app_store, workshop_id)
    assert vote is not None and not vote.closed and vote.dots == 2 and len(vote.items) == 2

    phone = app(tokens["participant"])  # a vote is open: the link opens the ballot
    phone.checkbox(key=f"dots_{vote.id}_0").check()
    phone.button[0].click().run()
    assert not phone.exception
    assert "Ihre Punkte sind gezählt" in texts(phone)
    first, second = (int(item.key[2:]) for item in vote.items)
    assert ps.demand_votes(app_store, workshop_id) == {first: 1, second: 0}

    late = app(tokens["participant"])
    late.checkbox(key=f"dots_{vote.id}_1").check()
    ps.close_vote(app_store, workshop_id)  # the moderator closes while this phone decides
    late.button[0].click().run()
    assert "Die Abstimmung ist beendet: Punkte werden nicht mehr angenommen" in texts(late)
    assert count(app_store, schema.ballots) == 1

    st.cache_data.clear()  # the board reads votes at most every 2 s; this is the read after
    mod = app(tokens["moderator"], "board")
    ranking = texts(mod)  # the moderator sees the ranking on the board, with its table
    assert 'title="1 Punkte">1</b>Wir fordern mehr Kitaplätze im Viertel' in ranking
    again = app(tokens["participant"], "participate")
    assert "Die Abstimmung ist beendet" in texts(again)
    assert not again.checkbox


def test_participant_can_change_nothing_else(app_store: Store) -> None:
    workshop_id, tokens = workshop(app_store)
    other = app_store.create_workshop("Andere Werkstatt", slug="aw")
    item = VoteItem(item_key("demand", app_store.statements(workshop_id)[0].id), "x")
    ps.open_vote(app_store, other.id, [item], dots=1)
    for page in ("moderate", "curate", "export", "entry"):
        at = app(tokens["participant"], page)
        assert not at.exception
        assert not [b for b in at.button if (b.key or "").startswith(("approve_", "reject_"))]
        assert not at.get("download_button")
        assert len(at.chat_input) == 0
    at = app(tokens["participant"], "participate")
    assert "Gerade läuft keine" not in texts(at) and not at.checkbox  # not the other's vote
    assert count(app_store, schema.ballots) == 0
    open_page(at, "board")
    assert not at.exception


def test_hostile_vote_items_show_as_text_on_board_and_phone(app_store: Store) -> None:
    workshop_id, tokens = workshop(app_store)
    bad = app_store.add_statement(workshop_id, f"Wir fordern {HOSTILE}", kind="demand")
    ps.open_vote(app_store, workshop_id, [VoteItem(item_key("demand", bad.id), bad.text)])
    ps.cast_ballot(app_store, workshop_id, "p", {item_key("demand", bad.id): 1}, table="Sprache")
    ps.show_tallies(app_store, workshop_id, True)
    board = app(tokens["participant"], "board")
    phone = app(tokens["participant"], "participate")
    for at in (board, phone):
        assert not at.exception
        shown = texts(at)
        assert "&lt;img src=x onerror=alert(1)&gt;" in shown  # in the ranking, escaped
        assert "<img src=x" not in shown
    # a checkbox label is Markdown: the participant's text is escaped, so it shows as typed
    assert phone.checkbox[0].label == escape_markdown(bad.text) != bad.text
