"""Beteiligung: the moderation queue and the dot vote."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from app.shared import (
    REFRESH_SECONDS,
    T,
    cached_board,
    cached_participation,
    current_access,
    embed_soon,
    escape_md,
    flash,
    get_store,
    lang,
    require,
    show_flashes,
    show_store_error,
    still_allowed,
    workshop_of,
)
from app.widgets import (
    show_ranking,
)
from harvest.i18n import kind_label
from harvest.intake import InvalidInput
from harvest.model import KINDS, Workshop
from harvest.participation import (
    MAX_DOTS,
    Ballot,
    Submission,
    Vote,
    demand_items,
    theme_items,
)
from harvest.store import (
    DatabaseUnavailable,
    StoreError,
    participation_store,
)
from harvest.vectors import similar_statements


def page_moderate() -> None:
    acc = require(current_access(), "moderate")
    store = get_store()
    ws = workshop_of(acc)
    st.title(T("moderate.title"), anchor=False)
    settings = participation_store.get_settings(store, ws.id)
    wanted = st.toggle(
        T("moderate.input"), value=settings.participant_input, key="moderate_input",
        help=T("moderate.input_help"),
    )
    if wanted != settings.participant_input:
        participation_store.set_settings(store, ws.id, participant_input=wanted)
        cached_participation.clear()
    queue_fragment(ws.id)
    st.divider()
    vote_panel(ws)


@st.fragment(run_every=REFRESH_SECONDS)
def queue_fragment(workshop_id: int) -> None:
    store = get_store()
    if not still_allowed():
        st.error(T("error.bad_link"))
        return
    try:
        waiting = participation_store.queue(store, workshop_id)
        tables = [t.name for t in store.tables(workshop_id)]
    except DatabaseUnavailable:
        st.warning(T("board.reconnecting"))
        return
    show_flashes()
    st.subheader(T("moderate.queue", n=len(waiting)), anchor=False)
    if not waiting:
        st.caption(T("moderate.queue_empty"))
    for sub in waiting:
        queue_item(workshop_id, sub, tables)


def queue_item(workshop_id: int, sub: Submission, tables: list[str]) -> None:
    with st.container(border=True, key=f"queue_{sub.id}"):
        st.markdown(escape_md(sub.text))
        when = sub.received_at.astimezone().strftime("%H:%M:%S")
        st.caption(T("moderate.received", when=when, session=sub.session))
        text = st.text_area(T("moderate.edit"), value=sub.text, key=f"queue_text_{sub.id}")
        cols = st.columns(2)
        options = ["", *tables]
        table = cols[0].selectbox(
            T("moderate.table"), options, key=f"queue_table_{sub.id}",
            index=options.index(sub.table_name) if sub.table_name in options else 0,
            format_func=lambda name: name or T("participate.no_table"),
        )
        kind = cols[1].selectbox(
            T("moderate.kind"), ["", *KINDS], key=f"queue_kind_{sub.id}",
            format_func=lambda k: kind_label(k or None, lang()),
        )
        similar = similar_to(workshop_id, sub)
        buttons = st.columns(3 if similar else 2)
        decided = None
        try:
            if buttons[0].button(T("moderate.approve"), key=f"approve_{sub.id}", type="primary"):
                participation_store.approve(
                    get_store(), sub.id, text=text, table=table or None, kind=kind or None,
                    workshop_id=workshop_id,
                )
                embed_soon(workshop_id)
                decided = "moderate.approved"
            if buttons[1].button(T("moderate.reject"), key=f"reject_{sub.id}"):
                participation_store.reject(get_store(), sub.id, workshop_id=workshop_id)
                decided = "moderate.rejected"
            if similar and buttons[2].button(
                T("moderate.merge", text=similar[1][:60]), key=f"merge_{sub.id}"
            ):
                participation_store.merge(
                    get_store(), sub.id, similar[0], workshop_id=workshop_id
                )
                decided = "moderate.merged"
        except (InvalidInput, StoreError) as exc:
            show_store_error(exc)
        if decided:
            flash(decided, runs=2)  # the queue refreshes itself every few seconds
            cached_participation.clear()
            st.rerun()


def similar_to(workshop_id: int, sub: Submission) -> tuple[int, str] | None:
    """The board's statement closest in meaning to a submission (for "merge with"),
    looked up once per submission and session."""
    cache: dict[int, tuple[int, str] | None] = st.session_state.setdefault("queue_similar", {})
    if sub.id not in cache:
        try:
            found = similar_statements(get_store(), workshop_id, sub.text, limit=1)
            # a hit carries the statement's id only: its text comes from the store
            hit = get_store().get_statement(found[0].statement_id) if found else None
        except (StoreError, ValueError):
            hit = None
        cache[sub.id] = (hit.id, hit.text) if hit is not None else None
    return cache[sub.id]


def vote_panel(ws: Workshop) -> None:
    store = get_store()
    st.subheader(T("moderate.vote"), anchor=False)
    result = participation_store.vote_tallies(store, ws.id)
    vote, tallies = result if result is not None else (None, [])
    if vote is not None:
        log = participation_store.ballots(store, vote.id)
        status = "moderate.status_closed" if vote.closed else "moderate.status_open"
        st.markdown(f"**{T(status, ballots=len(log))}**")
        shown = st.toggle(
            T("moderate.show_tallies"), value=vote.show_tallies, key=f"tallies_{vote.id}"
        )
        if shown != vote.show_tallies:
            participation_store.show_tallies(store, ws.id, shown)
            cached_participation.clear()
        if not vote.closed and st.button(T("moderate.close"), key="vote_close"):
            participation_store.close_vote(store, ws.id)
            cached_participation.clear()
            st.rerun()
        show_ranking(tallies, vote.closed, limit=len(tallies))
        vote_log(vote, log)
    if vote is None or vote.closed:
        open_vote_form(ws)


def open_vote_form(ws: Workshop) -> None:
    board = cached_board(ws.id, get_store().revision(ws.id))
    settings = participation_store.get_settings(get_store(), ws.id)
    kind = st.segmented_control(
        T("moderate.vote_on"), ["demand", "theme"], default="demand", key="vote_kind",
        format_func=lambda k: T(f"moderate.vote_{k}s"),
    )
    items = (
        theme_items(board.clustering) if kind == "theme"
        else demand_items(board.statements, board.clustering)
    )
    if not items:
        st.info(T("moderate.no_items"))
        return
    labels = {item.key: item.label for item in items}
    with st.form("vote_open", border=True):
        chosen = st.multiselect(
            T("moderate.vote_items"), list(labels), default=list(labels),
            format_func=lambda key: labels[key][:80], key=f"vote_items_{kind}",
        )
        dots = st.number_input(
            T("moderate.dots"), min_value=1, max_value=MAX_DOTS, value=settings.dots,
            key="vote_dots",
        )
        stack = st.checkbox(T("moderate.stack"), value=settings.stack, key="vote_stack")
        opened = st.form_submit_button(T("moderate.open"), type="primary")
    if opened:
        try:
            participation_store.set_settings(get_store(), ws.id, dots=int(dots), stack=stack)
            participation_store.open_vote(
                get_store(), ws.id, [i for i in items if i.key in chosen], dots=int(dots),
                stack=stack,
            )
        except (InvalidInput, StoreError) as exc:
            show_store_error(exc)
            return
        cached_participation.clear()
        st.rerun()


def vote_log(vote: Vote, log: Sequence[Ballot]) -> None:
    """The anonymous vote log: when each session voted, from which table, which dots;
    the moderator removes the ballots of sessions that look like stuffing."""
    if not log:
        return
    with st.expander(T("moderate.log")):
        st.caption(T("moderate.log_help"))
        labels = {item.key: item.label for item in vote.items}
        st.dataframe(
            [
                {
                    T("moderate.log_time"): b.cast_at.astimezone().strftime("%H:%M:%S")
                    if b.cast_at else "",
                    T("moderate.log_session"): b.session,
                    T("moderate.log_table"): b.table_name or "",
                    T("moderate.log_dots"): " · ".join(
                        f"{labels.get(k, k)[:40]} ×{n}" for k, n in b.dots.items()
                    ),
                }
                for b in log
            ],
            hide_index=True,
        )
        sessions = st.multiselect(
            T("moderate.log_session"), sorted({b.session for b in log}), key="log_sessions"
        )
        if sessions and st.button(T("moderate.remove"), key="log_remove"):
            removed = participation_store.remove_ballots(get_store(), vote.id, sessions)
            cached_participation.clear()
            st.success(T("moderate.removed", n=removed))


page_moderate()
