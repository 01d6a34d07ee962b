"""Mitmachen: the participant's phone form and ballot."""

from __future__ import annotations

import uuid

import streamlit as st

from app.shared import (
    WIDGET_CHAR_FACTOR,
    T,
    cached_participation,
    current_access,
    db_url,
    escape_md,
    flash,
    get_store,
    participant_session,
    require,
    show_flashes,
    show_store_error,
    workshop_of,
)
from app.widgets import (
    show_ranking,
)
from harvest.intake import InvalidInput
from harvest.model import Workshop
from harvest.participation import (
    PARTICIPANT_MAX_CHARS,
)
from harvest.store import (
    StoreError,
    participation_store,
)


def page_participate() -> None:
    acc = require(current_access(), "participate")
    store = get_store()
    ws = workshop_of(acc)
    st.title(T("participate.title"), anchor=False)
    st.caption(escape_md(ws.title))
    settings = participation_store.get_settings(store, ws.id)
    tables = [t.name for t in store.tables(ws.id)]
    if settings.participant_input:
        participant_form(ws, tables)
    else:
        st.info(T("participate.input_off"))
    participant_vote(ws, tables)
    st.caption(T("participate.session_note"))


def participant_form(ws: Workshop, tables: list[str]) -> None:
    limit = min(ws.max_chars, PARTICIPANT_MAX_CHARS)
    with st.form("participant_form", clear_on_submit=True, border=True):
        text = st.text_area(
            T("participate.statement"), key="participant_text", height=120,
            max_chars=limit * WIDGET_CHAR_FACTOR, help=T("participate.statement_help", limit=limit),
        )
        table = st.selectbox(
            T("participate.table"), ["", *tables], key="participant_table",
            format_func=lambda name: name or T("participate.no_table"),
        ) if tables else ""
        sent = st.form_submit_button(T("participate.send"), type="primary", width="stretch")
    show_flashes()
    if not sent:
        return
    # one key per draft: a double tap or a retry after an error stores it once
    draft = st.session_state.setdefault("participant_draft", uuid.uuid4().hex)
    try:
        participation_store.submit(
            get_store(), ws.id, participant_session(), text or "", client_key=draft,
            table=table or None,
        )
    except (InvalidInput, StoreError) as exc:
        show_store_error(exc)
        return
    st.session_state.pop("participant_draft", None)
    flash("participate.thanks")
    st.rerun()


def participant_vote(ws: Workshop, tables: list[str]) -> None:
    store = get_store()
    vote = participation_store.current_vote(store, ws.id)
    if vote is None:
        return
    st.subheader(T("participate.vote"), anchor=False)
    if vote.closed:
        st.warning(T("participate.closed"))
        if vote.show_tallies:
            show_ranking(cached_participation(db_url(), ws.id)[3], closed=True)
        return
    mine = participation_store.own_ballot(store, ws.id, participant_session())
    given = dict(mine.dots) if mine is not None else {}
    hint = "participate.vote_help_stack" if vote.stack else "participate.vote_help_single"
    st.caption(T(hint, dots=vote.dots))
    with st.form(f"participant_ballot_{vote.id}", border=True):
        dots: dict[str, int] = {}
        for index, item in enumerate(vote.items):
            if vote.stack:
                dots[item.key] = int(
                    st.number_input(
                        escape_md(item.label), min_value=0, max_value=vote.dots, step=1,
                        value=given.get(item.key, 0), key=f"dots_{vote.id}_{index}",
                    )
                )
            else:
                dots[item.key] = int(
                    st.checkbox(
                        escape_md(item.label), value=bool(given.get(item.key)),
                        key=f"dots_{vote.id}_{index}",
                    )
                )
        table = st.selectbox(
            T("participate.table"), ["", *tables], key=f"ballot_table_{vote.id}",
            format_func=lambda name: name or T("participate.no_table"),
        ) if tables else ""
        cast = st.form_submit_button(T("participate.cast"), type="primary", width="stretch")
    if cast:
        try:
            participation_store.cast_ballot(
                store, ws.id, participant_session(), dots, table=table or None
            )
        except (InvalidInput, StoreError) as exc:
            show_store_error(exc)
        else:
            st.success(T("participate.cast_done"))
    elif mine is not None:
        st.caption(T("participate.used", used=sum(given.values()), dots=vote.dots))
    if vote.show_tallies:
        show_ranking(cached_participation(db_url(), ws.id)[3], closed=False)


page_participate()
