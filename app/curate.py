"""Curation: themes, statements, words, guided categories and the undoable log."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from app.shared import (
    T,
    cached_board,
    current_access,
    escape_md,
    get_store,
    lang,
    require,
    show_store_error,
    workshop_of,
)
from harvest.access import Access
from harvest.board import (
    Board,
    board_statements,
    theme_counts,
)
from harvest.engine import curation
from harvest.i18n import reason_text, theme_name
from harvest.model import Workshop
from harvest.store import Store, StoreError


def pick_theme(
    label: str, theme_ids: list[str], fmt: Callable[[str], str], key: str
) -> str | None:
    """A theme chooser, or None when there is no theme to choose."""
    return st.selectbox(label, theme_ids, format_func=fmt, key=key) if theme_ids else None


@st.cache_data(max_entries=512, show_spinner=False)
def pictogram_png(code: str, size: int) -> bytes:
    from harvest.pictograms import pictogram_image

    buffer = io.BytesIO()
    pictogram_image(code, size).save(buffer, format="PNG")
    return buffer.getvalue()


def pictogram_picker(
    board: Board, theme_id: str, do: Callable[[str, dict[str, Any]], None]
) -> None:
    """The theme's pictogram: shown, searchable by word, set or removed (undoable)."""
    from harvest import pictograms

    st.markdown(f"**{T('curate.pictogram')}**")
    code = board.pictograms.get(theme_id, "")
    chosen = theme_id in board.overrides.pictograms
    c1, c2 = st.columns([1, 5], vertical_alignment="center")
    if code:
        c1.image(pictogram_png(code, 96), width=64)
    c2.caption(
        T("curate.pictogram_now", name=pictograms.concept(code) if code else
          T("curate.pictogram_none"))
        + ("" if chosen else f" ({T('curate.pictogram_auto')})")
    )
    query = st.text_input(T("curate.pictogram_search"), key="cur_pict_query", max_chars=40)
    found = pictograms.search_pictograms(query) if query.strip() else []
    if query.strip() and not found:
        st.info(T("curate.pictogram_nothing"))
    if found:
        pick = st.radio(
            T("curate.pictogram_pick"), found, key="cur_pict_pick", horizontal=True,
            format_func=pictograms.concept,  # the picture shows below; no emoji font needed
        )
        if pick:
            st.image(pictogram_png(pick, 96), width=64)
            if st.button(T("curate.pictogram_set"), key="cur_pict_set", type="primary"):
                do("pictogram", {"theme_id": theme_id, "code": pick})
    if code and st.button(T("curate.pictogram_clear"), key="cur_pict_clear"):
        do("pictogram", {"theme_id": theme_id, "code": ""})


@dataclass(frozen=True)
class Curating:
    """What every tab of the page works on: the workshop, its board and theme names."""

    acc: Access
    store: Store
    ws: Workshop
    board: Board
    labels: dict[str, str]

    @property
    def theme_ids(self) -> list[str]:
        return list(self.labels)

    def fmt(self, theme_id: str) -> str:
        return self.labels.get(theme_id, "")

    def do(self, kind: str, payload: dict[str, Any]) -> None:
        """Record one decision (it survives every recompute) and show the board anew."""
        try:
            curation.apply_action(self.store, self.ws.id, kind, payload)
        except (curation.InvalidAction, StoreError) as exc:
            show_store_error(exc)
            return
        st.toast(T("curate.done"), icon=":material/check_circle:")
        st.rerun()


def page_curate() -> None:
    acc = require(current_access(), "curate")
    store = get_store()
    ws = workshop_of(acc)
    st.title(T("curate.title"))
    board = cached_board(ws.id, store.revision(ws.id))
    themes = [t for t, _ in theme_counts(board)]
    labels = {t.id: theme_name(t.label, t.is_other_theme, lang()) for t in themes}
    c = Curating(acc, store, ws, board, labels)
    tabs = st.tabs([T(f"curate.tab_{name}") for name in ("themes", "statements", "words",
                                                         "guided", "log")])
    for tab, show in zip(tabs, (themes_tab, statements_tab, words_tab, guided_tab, log_tab),
                         strict=True):
        with tab:
            show(c)


def themes_tab(c: Curating) -> None:
    """Rename, merge, pictogram and split a theme."""
    if not c.theme_ids:
        st.info(T("board.empty"))
    else:
        theme_id = st.selectbox(T("curate.theme"), c.theme_ids, format_func=c.fmt, key="cur_theme")
        c1, c2 = st.columns(2)
        with c1:
            # keyed by theme: a new choice gets a field with its own name, never the
            # name typed or shown for the theme chosen before
            new_label = st.text_input(
                T("curate.rename_to"),
                value=c.labels.get(theme_id, ""),
                key=f"cur_rename_label_{theme_id}",
                max_chars=80,
            )
            if st.button(T("curate.rename"), key="cur_rename", type="primary"):
                c.do("rename", {"theme_id": theme_id, "label": new_label})
        with c2:
            others = [i for i in c.theme_ids if i != theme_id]
            target = pick_theme(T("curate.merge_into"), others, c.fmt, "cur_merge_target")
            if target and st.button(T("curate.merge"), key="cur_merge"):
                c.do("merge", {"source": theme_id, "target": target})
        pictogram_picker(c.board, theme_id, c.do)
        theme = c.board.clustering.theme(theme_id)
        members = [s for s in c.board.statements if theme and s.id in theme.statement_ids]
        st.markdown(f"**{T('curate.split')}**")
        chosen = st.multiselect(
            T("curate.split_pick"),
            [s.id for s in members],
            key=f"cur_split_ids_{theme_id}",
            placeholder=T("curate.split_placeholder"),
            format_func=lambda i: next((s.text[:90] for s in members if s.id == i), str(i)),
        )
        split_label = st.text_input(
            T("curate.split_label"), key=f"cur_split_label_{theme_id}", max_chars=80
        )
        if st.button(T("curate.split_button"), key="cur_split", disabled=not chosen):
            c.do(
                "split",
                {
                    "theme_id": theme_id,
                    "label": split_label or T("curate.new_theme"),
                    "statement_ids": list(chosen),
                },
            )


def statements_tab(c: Curating) -> None:
    """One statement: find it, move it, mark it a demand, hide or delete it."""
    statements = board_statements(c.store, c.board, include_hidden=True)  # a process: all
    if c.acc.process:
        st.caption(T("process.curate_hint"))
    if not statements:
        st.info(T("board.empty"))
    else:
        query = st.text_input(T("curate.find"), key="cur_find")
        shown = (
            [s for s in statements if query.lower() in s.text.lower()] if query else statements
        )
        statement_id = st.selectbox(
            T("curate.statement"),
            [s.id for s in reversed(shown)],
            key="cur_statement",
            format_func=lambda i: next(
                (
                    f"#{s.id} {'🚫 ' if s.hidden else ''}{s.text[:100]}"
                    for s in shown
                    if s.id == i
                ),
                str(i),
            ),
        )
        chosen_statement = next((s for s in statements if s.id == statement_id), None)
        if chosen_statement is not None:
            assignment = c.board.clustering.assignments.get(chosen_statement.id)
            st.markdown(escape_md(chosen_statement.text))
            if assignment:
                reason = reason_text(assignment, lang())
                st.caption(
                    f"{T('curate.in_theme')}: {escape_md(c.labels.get(assignment.theme_id, ''))}"
                    + (
                        f" · {T('curate.demand_reason')}: {escape_md(reason)}"
                        if assignment.is_demand
                        else ""
                    )
                )
            c1, c2, c3 = st.columns(3)
            with c1:
                target = pick_theme(T("curate.move_to"), c.theme_ids, c.fmt, "cur_move_target")
                if target and st.button(T("curate.move"), key="cur_move"):
                    c.do("move", {"statement_id": chosen_statement.id, "theme_id": target})
            with c2:
                is_demand = bool(assignment and assignment.is_demand)
                if st.button(
                    T("curate.unmark") if is_demand else T("curate.mark"), key="cur_demand"
                ):
                    c.do("demand", {"statement_id": chosen_statement.id, "value": not is_demand})
            with c3:
                if st.button(
                    T("curate.show") if chosen_statement.hidden else T("curate.hide"),
                    key="cur_hide",
                    disabled=c.acc.process,  # the workshop's own moderator decides that
                ):
                    c.do(
                        "hide",
                        {
                            "statement_id": chosen_statement.id,
                            "hidden": not chosen_statement.hidden,
                        },
                    )
            with st.expander(T("curate.delete_forever")):
                st.warning(T("curate.delete_warning"))
                if st.button(T("curate.delete_button"), key="cur_delete",
                             disabled=c.acc.process):
                    c.store.delete_statement(chosen_statement.id)
                    st.rerun()


def words_tab(c: Curating) -> None:
    """Stopwords, synonyms and keywords pinned to a theme."""
    c1, c2, c3 = st.columns(3)
    with c1:
        word = st.text_input(T("curate.stopword"), key="cur_stopword", max_chars=60)
        if st.button(T("curate.add_stopword"), key="cur_add_stopword") and word:
            c.do("stopword", {"word": word})
    with c2:
        syn_word = st.text_input(T("curate.synonym_word"), key="cur_syn_word", max_chars=60)
        syn_canonical = st.text_input(
            T("curate.synonym_canonical"), key="cur_syn_canonical", max_chars=60
        )
        if (
            st.button(T("curate.add_synonym"), key="cur_add_synonym")
            and syn_word
            and syn_canonical
        ):
            c.do("synonym", {"word": syn_word, "canonical": syn_canonical})
    with c3:
        vocabulary = sorted(
            c.board.clustering.vocabulary, key=lambda k: -c.board.clustering.vocabulary[k]
        )
        keyword = (
            st.selectbox(T("curate.pin_keyword"), vocabulary[:300], key="cur_pin_kw")
            if vocabulary
            else None
        )
        pin_theme = pick_theme(T("curate.pin_theme"), c.theme_ids, c.fmt, "cur_pin_theme")
        if keyword and pin_theme and st.button(T("curate.pin"), key="cur_pin"):
            c.do("pin", {"keyword": keyword, "theme_id": pin_theme})


def guided_tab(c: Curating) -> None:
    """Guided mode: themes set in advance, one line each (``Name: keyword, keyword``)."""
    st.caption(T("curate.guided_hint"))
    current = curation.overrides_from_actions(c.store.actions(c.ws.id)).categories
    text = curation.categories_text(current)
    spec = st.text_area(T("curate.guided_field"), value=text, key="cur_guided", height=180)
    if st.button(T("curate.guided_save"), key="cur_guided_save"):
        categories = curation.parse_categories(spec)
        c.do("categories", {"categories": categories})


def log_tab(c: Curating) -> None:
    """Every decision, each undoable (or redoable) on its own."""
    if st.button(T("curate.undo_last"), key="cur_undo", type="primary"):
        undone = curation.undo_last(c.store, c.ws.id)
        st.toast(T("curate.undone") if undone else T("curate.nothing_to_undo"))
        st.rerun()
    # every decision can be taken back (or brought back) on its own, in words people
    # know: theme names and statement excerpts, no internal ids
    log = c.store.actions(c.ws.id, include_undone=True)
    if not log:
        st.caption(T("curate.log_empty"))
    texts_by_id = {s.id: s.text for s in board_statements(c.store, c.board, include_hidden=True)}
    for a in list(reversed(log))[:50]:
        row = st.columns([1.6, 6, 1.6], vertical_alignment="center")
        detail = escape_md(
            curation.describe_action(a, c.labels, texts_by_id, lang())
        )
        kind = T(f"action.{a.kind}")
        row[0].markdown(f"~~{kind}~~" if a.undone else f"**{kind}**")
        row[1].markdown(
            f"~~{detail}~~ · {T('curate.log_undone')}" if a.undone else detail
        )
        if row[2].button(
            T("curate.redo_this") if a.undone else T("curate.undo_this"),
            key=f"cur_log_{a.id}",
        ):
            (curation.redo if a.undone else curation.undo)(c.store, a.id)
            st.toast(T("curate.undone") if not a.undone else T("curate.done"))
            st.rerun()


page_curate()
