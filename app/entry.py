"""Entry page: a facilitator types statements; unsent ones wait and are retried."""

from __future__ import annotations

import time
import uuid
from typing import Any

import streamlit as st

from app.shared import (
    SIMILAR_HINT,
    WIDGET_CHAR_FACTOR,
    T,
    current_access,
    embed_soon,
    escape_md,
    flash,
    get_store,
    lang,
    require,
    show_flashes,
    show_store_error,
    workshop_of,
)
from harvest.board import statement_vectors
from harvest.i18n import kind_label
from harvest.intake import InvalidInput, submission_key
from harvest.model import KINDS, Workshop
from harvest.store import (
    DatabaseUnavailable,
    StorageFull,
    StoreError,
)
from harvest.vectors import similar_statements


def page_entry() -> None:
    acc = require(current_access(), "entry")
    store = get_store()
    try:
        ws, tables = workshop_of(acc), store.tables(acc.workshop_id)
        st.session_state["entry_context"] = (ws, tables)
    except DatabaseUnavailable:
        if "entry_context" not in st.session_state:
            raise
        ws, tables = st.session_state["entry_context"]  # as last seen: the form stays usable
    st.title(T("entry.title"))
    st.caption(escape_md(ws.title))
    names = [t.name for t in tables]
    bound = next((t.name for t in tables if t.id == acc.table_id), None)
    if bound:
        table = bound
        st.markdown(f"**{T('entry.table')}:** {escape_md(bound)}")
    elif names:
        remembered = st.session_state.get("entry_table_choice")
        index = names.index(remembered) if remembered in names else 0
        table = st.selectbox(T("entry.table"), names, index=index, key="entry_table")
        st.session_state["entry_table_choice"] = table
    else:
        table = None
    if st.session_state.pop("entry_kind_reset", False):
        st.session_state["entry_kind"] = "idea"  # each statement starts from the default kind
    kind = st.segmented_control(
        T("entry.kind"),
        list(KINDS),
        key="entry_kind",
        format_func=lambda k: kind_label(k, lang()),
        default="idea",
    )
    # The widget's limit only bounds the message: Streamlit cuts longer text silently, so
    # it is far above the workshop's and the core refuses (and says why) in between.
    text = st.chat_input(
        T("entry.placeholder"), key="entry_text", max_chars=ws.max_chars * WIDGET_CHAR_FACTOR
    )
    show_flashes()
    if text:
        submit_statement(ws, table, kind, text)
    unsent_statements(ws)
    similar_drafts(ws)
    recent_entries(ws)


UNSENT_RETRY_SECONDS = 5.0


def submit_statement(ws: Workshop, table: str | None, kind: str | None, text: str) -> None:
    """Queue a typed statement behind any still unsent ones and send them in order
    (a draft like another table's statement is held once first: "Ähnlich wie")."""
    if held_as_similar(ws, table, kind, text):
        return
    submission = submission_id(table, text)
    unsent: list[dict[str, Any]] = st.session_state.setdefault("entry_unsent", [])
    if not any(item["id"] == submission for item in unsent):
        unsent.append(
            {
                "id": submission,
                "key": uuid.uuid4().hex,
                "text": text,
                "table": table,
                "kind": kind,
                "problem": None,
            }
        )
    if send_unsent(ws):
        st.rerun()  # the kind shows its default again, the confirmation after the rerun


def submission_id(table: str | None, text: str) -> str:
    """The same text from the same person at the same table is a double submit, not
    news: it gets the same id, and the store keeps it once however often it is sent."""
    session = st.session_state.setdefault("entry_session", uuid.uuid4().hex)
    return submission_key(session, table, text)


def send_unsent(ws: Workshop) -> bool:
    """Send every unsent statement in order; stop at the first the database refuses (the
    rest wait behind it, so their order holds). True if any was saved."""
    store = get_store()
    unsent: list[dict[str, Any]] = st.session_state.setdefault("entry_unsent", [])
    mine: list[int] = st.session_state.setdefault("entry_mine", [])
    st.session_state["entry_unsent_tried"] = time.monotonic()
    saved = False
    for item in list(unsent):
        if item["problem"] not in (None, "unavailable", "disk_full"):
            continue  # refused as input: waits for the facilitator's correction
        try:
            statement = store.add_statement(
                ws.id,
                item["text"],
                table=item["table"],
                kind=item["kind"],
                origin="typed",
                submission_id=item["id"],
            )
        except InvalidInput as exc:
            item["problem"], item["params"] = exc.code, exc.params
            continue
        except DatabaseUnavailable as exc:
            item["problem"] = "disk_full" if isinstance(exc, StorageFull) else "unavailable"
            break
        unsent.remove(item)
        saved = True
        if statement.id in mine:
            flash("entry.duplicate", "info")
        else:
            mine.append(statement.id)
            st.toast(T("entry.saved", id=statement.id), icon=":material/check_circle:")
            # the kind chosen for this statement must not stick to the next one: show
            # the default again (the confirmation is shown after the rerun)
            st.session_state["entry_kind_reset"] = True
            flash("entry.saved", id=statement.id)
    if saved:
        embed_soon(ws.id)
    return saved


@st.fragment(run_every=UNSENT_RETRY_SECONDS)
def unsent_statements(ws: Workshop) -> None:
    """Every statement not saved yet, in order, each with why and what to do: kept until
    it is saved or the facilitator discards it; those the database refused are retried."""
    unsent: list[dict[str, Any]] = st.session_state.get("entry_unsent") or []
    waiting = [item for item in unsent if item["problem"] in ("unavailable", "disk_full")]
    tried = st.session_state.get("entry_unsent_tried", 0.0)
    if waiting and time.monotonic() - tried >= UNSENT_RETRY_SECONDS and send_unsent(ws):
        st.rerun(scope="app")  # the saved ones move to "my recent statements"
    if not unsent:
        return
    st.markdown(f"#### {T('entry.unsent', n=len(unsent))}")
    for index, item in enumerate(unsent):
        problem = item["problem"] or "unavailable"
        if problem == "unavailable":
            st.error(T("error.db_unavailable"))
        elif problem == "disk_full":
            st.error(T("error.disk_full"))
        else:
            st.error(T(f"input.{problem}", **item.get("params", {})))
        edited = st.text_area(
            T("entry.unsent_text", n=index + 1),
            value=item["text"],
            key=f"unsent_text_{item['key']}",
            height=80,
        )
        if edited != item["text"]:  # corrected: a new statement, not a resend of the old
            item["text"], item["id"] = edited, submission_id(item["table"], edited)
        row = st.columns([1, 1, 3])
        if row[0].button(T("entry.retry"), key=f"unsent_send_{item['key']}", type="primary"):
            item["problem"] = None
            send_unsent(ws)
            st.rerun(scope="app")
        if row[1].button(T("entry.discard"), key=f"unsent_discard_{item['key']}"):
            unsent.remove(item)
            st.rerun(scope="app")


def held_as_similar(ws: Workshop, table: str | None, kind: str | None, text: str) -> bool:
    """Hold a draft back once if other tables said something like it ("Ähnlich wie");
    the same draft again (a second Enter, "Trotzdem speichern") is saved. The held text
    stays on the page until saved or dropped; a failing check never blocks a save."""
    if not SIMILAR_HINT:
        return False
    held: list[dict[str, Any]] = st.session_state.setdefault("entry_similar", [])
    for item in held:
        if item["text"].strip() == text.strip() and item["table"] == table:
            held.remove(item)
            return False
    try:
        store = get_store()
        mine = set(st.session_state.get("entry_mine", []))
        vectors = {k: v for k, v in statement_vectors(store, ws).items() if k not in mine}
        hits = similar_statements(None, ws.id, text, vectors=vectors, limit=10)
        here = (table or "").casefold()
        others = (store.get_statement(hit.statement_id) for hit in hits)
        matches = [s for s in others if (s.table_name or "").casefold() != here][:3]
    except Exception:  # noqa: BLE001 - a hint must never stand between text and store
        return False
    if not matches:
        return False
    held.append({"id": uuid.uuid4().hex, "text": text, "table": table, "kind": kind,
                 "matches": [(s.text, s.table_name or "") for s in matches]})
    return True


def similar_drafts(ws: Workshop) -> None:
    """Each held draft with the statements it resembles and the two ways on."""
    held: list[dict[str, Any]] = st.session_state.get("entry_similar", [])
    for item in list(held):
        with st.container(border=True):
            shown = [f"- {escape_md(t)} · *{escape_md(where)}*" for t, where in item["matches"]]
            st.warning("\n".join([f"**{T('entry.similar')}**", "", *shown]))
            st.caption(T("entry.similar_held"))
            st.code(item["text"], language=None, wrap_lines=True)
            left, right = st.columns(2)
            if left.button(T("entry.save_anyway"), key=f"similar_save_{item['id']}",
                           type="primary"):
                submit_statement(ws, item["table"], item["kind"], item["text"])
                st.rerun()
            if right.button(T("entry.discard"), key=f"similar_drop_{item['id']}"):
                held.remove(item)
                st.rerun()


def recent_entries(ws: Workshop) -> None:
    store = get_store()
    mine = st.session_state.get("entry_mine", [])
    if not mine:
        return
    st.markdown(f"#### {T('entry.recent')}")
    for statement_id in reversed(mine[-8:]):
        try:
            s = store.get_statement(statement_id)
        except StoreError:
            continue
        shown = f"~~{escape_md(s.text)}~~" if s.hidden else escape_md(s.text)
        # one compact row per statement, also on a phone: text left, one menu right
        row = st.columns([5, 1], vertical_alignment="center")
        row[0].markdown(
            f"{shown}  \n:gray[{kind_label(s.kind or 'none', lang())} · "
            f"{escape_md(s.table_name or '')}]"
        )
        if s.hidden and store.hidden_by_moderator(s.id):
            row[1].caption(T("entry.hidden_by_moderator"))
            continue
        with row[1].popover(T("entry.change"), icon=":material/edit:"):
            new_text = st.text_input(
                T("entry.edit"),
                value=s.text,
                key=f"edit_text_{s.id}",
                max_chars=ws.max_chars * WIDGET_CHAR_FACTOR,
            )
            if st.button(T("entry.save"), key=f"edit_save_{s.id}", type="primary"):
                try:
                    store.edit_statement(s.id, new_text, actor="facilitator")
                except (InvalidInput, StoreError) as exc:
                    show_store_error(exc)
                else:
                    embed_soon(ws.id)
                    st.rerun()
            undo_label = T("entry.undo") if not s.hidden else T("entry.redo")
            if st.button(undo_label, key=f"undo_{s.id}"):
                try:
                    store.set_hidden(s.id, not s.hidden, actor="facilitator")
                except StoreError as exc:
                    show_store_error(exc)
                else:
                    st.rerun()


page_entry()
