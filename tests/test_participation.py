"""Participation: the moderation queue, dot votes and ballots, on SQLite and PostgreSQL,
and the ``settings``/``queue``/``votes`` commands."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from harvest.cli import main
from harvest.intake import StatementTooLong
from harvest.model import Workshop
from harvest.participation import (
    PARTICIPANT_MAX_CHARS,
    RATE_LIMIT,
    Ballot,
    InputClosed,
    NoStacking,
    NoVoteOpen,
    RateLimited,
    TooManyDots,
    UnknownItem,
    Vote,
    VoteClosed,
    VoteItem,
    check_rate,
    item_key,
    settings_from_data,
    statement_votes,
    tally,
)
from harvest.store import Store
from harvest.store import migrations as schema
from harvest.store import participation_store as ps

HOSTILE = '<script>alert("x")</script> =HYPERLINK("http://evil") **fett**'


@pytest.fixture
def workshop(store: Store) -> Workshop:
    ws = store.create_workshop("Werkstatt", tables=["Sprache", "Arbeit"])
    ps.set_settings(store, ws.id, participant_input=True)
    return ws


def _rows(store: Store, table: sa.Table) -> int:
    with store.snapshot() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _vote(store: Store, ws: Workshop, *, dots: int = 3, stack: bool = False) -> Vote:
    a = store.add_statement(ws.id, "Mehr Kitaplätze schaffen", kind="demand")
    b = store.add_statement(ws.id, "Busse fahren nachts", kind="demand")
    items = [VoteItem(item_key("demand", a.id), a.text), VoteItem(item_key("demand", b.id), b.text)]
    return ps.open_vote(store, ws.id, items, dots=dots, stack=stack)


# --- settings and the queue ---------------------------------------------------------


def test_participation_is_off_until_the_moderator_switches_it_on(store: Store) -> None:
    ws = store.create_workshop("Neu")
    assert ps.get_settings(store, ws.id).participant_input is False
    assert settings_from_data({"participant_input": "yes", "dots": 99}).dots == 3


def test_with_input_off_a_submission_stores_nothing(store: Store, workshop: Workshop) -> None:
    ps.set_settings(store, workshop.id, participant_input=False)
    with pytest.raises(InputClosed, match="switched off"):
        ps.submit(store, workshop.id, "phone", "Mehr Bänke im Park", client_key="k1")
    assert _rows(store, schema.submissions) == 0


def test_a_retried_submission_is_stored_once(store: Store, workshop: Workshop) -> None:
    first = ps.submit(store, workshop.id, "phone", "Mehr Bänke im Park", client_key="k1")
    again = ps.submit(store, workshop.id, "phone", "Mehr Bänke im Park", client_key="k1")
    assert first.id == again.id
    assert [s.text for s in ps.queue(store, workshop.id)] == ["Mehr Bänke im Park"]
    assert ps.waiting_count(store, workshop.id) == 1


def test_hostile_text_waits_in_the_queue_as_the_text_it_is(
    store: Store, workshop: Workshop
) -> None:
    ps.submit(store, workshop.id, "phone", HOSTILE, client_key="k1", table="sprache")
    (waiting,) = ps.queue(store, workshop.id)
    assert waiting.text == HOSTILE and waiting.table_name == "Sprache"
    assert store.statements(workshop.id) == []  # nothing reaches the board before approval


def test_a_phone_statement_has_a_length_limit(store: Store, workshop: Workshop) -> None:
    with pytest.raises(StatementTooLong):
        ps.submit(store, workshop.id, "p", "Wort " * PARTICIPANT_MAX_CHARS, client_key="k")
    assert _rows(store, schema.submissions) == 0


def test_a_session_is_rate_limited_others_are_not(store: Store, workshop: Workshop) -> None:
    for n in range(RATE_LIMIT):
        ps.submit(store, workshop.id, "phone", f"Vorschlag Nummer {n}", client_key=f"k{n}")
    with pytest.raises(RateLimited, match="Wait"):
        ps.submit(store, workshop.id, "phone", "Noch ein Vorschlag", client_key="late")
    ps.submit(store, workshop.id, "other", "Noch ein Vorschlag", client_key="other")
    assert ps.waiting_count(store, workshop.id) == RATE_LIMIT + 1


def test_rate_window_passes() -> None:
    now = datetime.now(UTC)
    check_rate([now - timedelta(seconds=61)] * 10, now)
    with pytest.raises(RateLimited):
        check_rate([now - timedelta(seconds=5)] * RATE_LIMIT, now)


def test_approve_puts_the_edited_text_on_the_board_once(store: Store, workshop: Workshop) -> None:
    sub = ps.submit(store, workshop.id, "phone", "mehr bänke", client_key="k1")
    revision = store.revision(workshop.id)
    statement = ps.approve(store, sub.id, text="Mehr Bänke im Park", table="Arbeit", kind="Idee")
    again = ps.approve(store, sub.id, text="Mehr Bänke im Park", table="Arbeit", kind="Idee")
    assert statement.id == again.id
    (stored,) = store.statements(workshop.id)
    assert (stored.text, stored.table_name, stored.kind) == ("Mehr Bänke im Park", "Arbeit", "idea")
    assert store.revision(workshop.id) == revision + 1  # the board sees it as any statement
    assert ps.queue(store, workshop.id) == []
    assert ps.queue(store, workshop.id, "approved")[0].statement_id == statement.id


def test_reject_and_merge_keep_the_board_as_it_was(store: Store, workshop: Workshop) -> None:
    target = store.add_statement(workshop.id, "Mehr Bänke im Park")
    a = ps.submit(store, workshop.id, "p", "Bänke im Park bitte", client_key="a")
    b = ps.submit(store, workshop.id, "p", HOSTILE, client_key="b")
    assert ps.merge(store, a.id, target.id).status == "merged"
    assert ps.reject(store, b.id).status == "rejected"
    assert [s.id for s in store.statements(workshop.id)] == [target.id]
    with pytest.raises(ps.NotWaiting, match="already rejected"):
        ps.approve(store, b.id)


def test_a_submission_of_another_workshop_is_refused(store: Store, workshop: Workshop) -> None:
    other = store.create_workshop("Andere")
    sub = ps.submit(store, workshop.id, "p", "Mehr Bänke im Park", client_key="a")
    with pytest.raises(ps.SubmissionNotFound):
        ps.approve(store, sub.id, workshop_id=other.id)
    with pytest.raises(ps.SubmissionNotFound):
        ps.reject(store, sub.id, workshop_id=other.id)
    assert ps.queue(store, workshop.id)[0].status == "waiting"


def test_deleting_a_statement_for_good_deletes_the_submission_it_came_from(
    store: Store, workshop: Workshop
) -> None:
    sub = ps.submit(store, workshop.id, "p", "Mein Name ist Ana Beispiel", client_key="a")
    statement = ps.approve(store, sub.id)
    store.delete_statement(statement.id)
    assert ps.queue(store, workshop.id, None) == []


# --- votes ------------------------------------------------------------------------------


def test_dots_count_once_per_session_and_by_table(store: Store, workshop: Workshop) -> None:
    vote = _vote(store, workshop)
    first, second = (item.key for item in vote.items)
    ps.cast_ballot(store, workshop.id, "a", {first: 1}, table="Sprache")
    ps.cast_ballot(store, workshop.id, "a", {first: 1, second: 1}, table="Sprache")  # replaces
    ps.cast_ballot(store, workshop.id, "b", {second: 1}, table="Arbeit")
    assert _rows(store, schema.ballots) == 2
    _, tallies = ps.vote_tallies(store, workshop.id) or (None, [])
    assert [(t.item.key, t.dots) for t in tallies] == [(second, 2), (first, 1)]
    assert tallies[0].by_table == (("Arbeit", 1), ("Sprache", 1))
    own = ps.own_ballot(store, workshop.id, "a")
    assert own is not None and own.dots == {first: 1, second: 1}


def test_a_closed_vote_refuses_dots_with_a_clear_message(
    store: Store, workshop: Workshop
) -> None:
    vote = _vote(store, workshop)
    ps.cast_ballot(store, workshop.id, "a", {vote.items[0].key: 1})
    ps.close_vote(store, workshop.id)
    with pytest.raises(VoteClosed, match="closed; it takes no more dots"):
        ps.cast_ballot(store, workshop.id, "b", {vote.items[0].key: 1})
    assert [b.session for b in ps.ballots(store, vote.id)] == [ps.session_hash("a")]


def test_ballots_keep_the_vote_rules(store: Store, workshop: Workshop) -> None:
    vote = _vote(store, workshop, dots=1)
    key = vote.items[0].key
    with pytest.raises(NoStacking):
        ps.cast_ballot(store, workshop.id, "a", {key: 2})
    with pytest.raises(TooManyDots):
        ps.cast_ballot(store, workshop.id, "a", {key: 1, vote.items[1].key: 1})
    with pytest.raises(UnknownItem):
        ps.cast_ballot(store, workshop.id, "a", {"s:999": 1})
    assert _rows(store, schema.ballots) == 0
    stacked = ps.open_vote(store, workshop.id, vote.items, dots=2, stack=True)
    assert ps.cast_ballot(store, workshop.id, "a", {key: 2}).vote_id == stacked.id
    assert ps.current_vote(store, workshop.id) == stacked  # opening closed the first
    with pytest.raises(TooManyDots):
        ps.cast_ballot(store, workshop.id, "a", {key: 3})


def test_no_vote_means_no_ballot(store: Store, workshop: Workshop) -> None:
    with pytest.raises(NoVoteOpen):
        ps.cast_ballot(store, workshop.id, "a", {"s:1": 1})


def test_moderator_removes_stuffing_by_session(store: Store, workshop: Workshop) -> None:
    vote = _vote(store, workshop)
    key = vote.items[1].key
    for session in ("a", "b", "c"):
        ps.cast_ballot(store, workshop.id, session, {key: 1})
    log = ps.ballots(store, vote.id)
    assert all(b.cast_at is not None for b in log)
    assert ps.remove_ballots(store, vote.id, [log[1].session, log[2].session]) == 2
    assert ps.demand_votes(store, workshop.id)[int(key[2:])] == 1


def test_tally_ranks_by_dots_then_vote_order() -> None:
    vote = Vote(1, 1, (VoteItem("s:1", "A"), VoteItem("s:2", "B"), VoteItem("t:x", "T")), 3, True)
    ballots = [Ballot(1, 1, "a", "Sprache", {"s:2": 2}), Ballot(2, 1, "b", None, {"s:1": 2})]
    tallies = tally(vote, ballots)
    assert [(t.item.key, t.dots) for t in tallies] == [("s:1", 2), ("s:2", 2), ("t:x", 0)]
    assert statement_votes(tallies) == {1: 2, 2: 2}


# --- command line -----------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", url, *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_settings_queue_and_votes(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = store.create_workshop("Werkstatt", tables=["Sprache"])
    store.add_statement(ws.id, "Wir fordern mehr Kitaplätze", kind="demand")
    code, out, _ = _cli(capsys, store.url, "settings", ws.slug, "--participant-input", "on",
                        "--dots", "2", "--voting", "on")
    assert code == 0
    assert out.splitlines() == ["participant-input on", "voting on", "dots 2", "stack off"]
    waiting = ps.submit(store, ws.id, "p", HOSTILE, client_key="a", table="Sprache")
    gone = ps.submit(store, ws.id, "p", "=1+1 rechnen", client_key="b")
    code, out, _ = _cli(capsys, store.url, "queue", ws.slug)
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["id", "text", "table", "received"]
    assert [r[:3] for r in rows[1:]] == [
        [str(waiting.id), "'" + HOSTILE if HOSTILE[0] in "=+-@" else HOSTILE, "Sprache"],
        [str(gone.id), "'=1+1 rechnen", ""],
    ]
    assert _cli(capsys, store.url, "queue", ws.slug, "--reject", str(gone.id))[0] == 0
    assert _cli(capsys, store.url, "queue", ws.slug, "--approve", str(waiting.id))[0] == 0
    assert [s.text for s in store.statements(ws.id)][-1] == HOSTILE
    vote = ps.current_vote(store, ws.id)
    assert vote is not None and vote.dots == 2
    ps.cast_ballot(store, ws.id, "p", {vote.items[0].key: 1})
    code, out, _ = _cli(capsys, store.url, "votes", ws.slug)
    assert out.splitlines() == ["item,label,dots", f"{vote.items[0].key},Wir fordern mehr Kitaplätze,1"]
    code, out, err = _cli(capsys, store.url, "settings", ws.slug, "--voting", "off")
    assert "voting off" in out and "Closed vote" in err
    code, _, err = _cli(capsys, store.url, "queue", ws.slug, "--approve", str(gone.id))
    assert code == 2 and "already rejected" in err


# --- summary and exports ----------------------------------------------------------------


def test_summary_and_exports_list_demands_by_votes(store: Store, workshop: Workshop) -> None:
    from harvest.board import compute_board
    from harvest.exports import export_statements_csv
    from harvest.summary import build_summary, summary_html, summary_markdown

    vote = _vote(store, workshop, dots=2)
    first, second = (item.key for item in vote.items)
    ps.cast_ballot(store, workshop.id, "a", {second: 1})
    ps.cast_ballot(store, workshop.id, "b", {second: 1, first: 1})
    votes = ps.demand_votes(store, workshop.id)
    assert votes == {int(second[2:]): 2, int(first[2:]): 1}
    board = compute_board(store, workshop.id)
    summary = build_summary(workshop, board.clustering, board.statements, votes=votes)
    listed = [(text, dots) for t in summary.themes for text, dots in
              zip((d[0] for d in t.demands), t.demand_votes, strict=True)]
    assert sorted(listed, key=lambda x: -(x[1] or 0)) == [
        ("Busse fahren nachts", 2), ("Mehr Kitaplätze schaffen", 1)
    ]
    assert "Busse fahren nachts · 2 Punkte" in summary_markdown(summary)
    assert "2 Punkte</b>" in summary_html(summary)
    rows = list(csv.DictReader(io.StringIO(
        export_statements_csv(workshop, board.statements, store.tables(workshop.id), None, votes=votes)
        .decode("utf-8-sig")
    )))
    assert {r["text"]: r["votes"] for r in rows} == {
        "Mehr Kitaplätze schaffen": "1", "Busse fahren nachts": "2"
    }
