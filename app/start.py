"""Start page: create or open a workshop, its links, imports, processes."""

from __future__ import annotations

from datetime import date

import streamlit as st

from app.shared import (
    T,
    authenticate,
    base_url,
    cached_qr,
    current_access,
    embed_soon,
    enter_as,
    escape_md,
    get_store,
    is_local_organiser,
    lang,
    may_import,
    require,
    show_store_error,
    workshop_of,
)
from app.widgets import (
    show_links,
)
from harvest import access
from harvest.access import Access, AccessDenied, TooManyAttempts
from harvest.i18n import LANGUAGES, translate_or
from harvest.intake import InvalidInput
from harvest.store import (
    StoreError,
)
from harvest.vectors import background_embedder


def page_start() -> None:
    store = get_store()
    st.title(T("start.title"))
    st.caption(T("start.lead"))
    acc = None
    try:
        acc = current_access()
    except (AccessDenied, TooManyAttempts):
        acc = None
    if acc is not None:
        require(acc, "start")  # a participant's or facilitator's typed /start stops here
    col_new, col_open = st.columns([3, 2], gap="large")
    with col_new:
        st.subheader(T("start.create"))
        with st.form("create_workshop", clear_on_submit=False):
            title = st.text_input(T("start.field_title"), key="new_title", max_chars=200)
            c1, c2, c3 = st.columns(3)
            day = c1.date_input(
                T("start.field_date"),
                value=date.today(),
                key="new_date",
                format=T("date.input_format"),
            )
            place = c2.text_input(T("start.field_place"), key="new_place", max_chars=200)
            language = c3.selectbox(
                T("start.field_language"),
                LANGUAGES,
                key="new_language",
                format_func=lambda code: T(f"language.{code}"),
            )
            tables_text = st.text_area(
                T("start.field_tables"),
                key="new_tables",
                height=150,
                placeholder=T("start.tables_placeholder"),
            )
            submitted = st.form_submit_button(T("start.create_button"), type="primary")
        if submitted:
            create_workshop(title, day, place, language, tables_text)
        created = st.session_state.get("created_links")
        if created:
            st.success(T("start.created", title=created["title"]))
            show_links(created["links"])
            if st.button(T("start.open_created"), key="open_created", type="primary"):
                enter_as(created["moderator_token"])
                st.session_state.pop("created_links", None)
                st.rerun()
    with col_open:
        st.subheader(T("start.open"))
        link = st.text_input(T("start.paste_link"), key="open_link", type="password")
        if st.button(T("start.open_button"), key="open_button") and link:
            token = access.token_from_link(link)
            try:
                authenticate(token)
            except TooManyAttempts as exc:
                st.error(T("error.too_many", seconds=int(exc.retry_after) + 1))
            except AccessDenied:
                st.error(T("error.bad_link"))
            else:
                enter_as(token)
                st.rerun()
        if is_local_organiser():
            st.subheader(T("start.local_workshops"))
            st.caption(T("start.local_hint"))
            for ws in store.list_workshops():
                # the button column holds the whole word ("Öffnen"), also in a narrow layout
                row = st.columns([3, 2], vertical_alignment="center")
                row[0].markdown(
                    f"**{escape_md(ws.title)}**  \n{ws.date or ''} · {escape_md(ws.place)}"
                )
                if row[1].button(T("start.open_short"), key=f"open_ws_{ws.id}", width="stretch"):
                    enter_as(access.issue_token(store, ws, "moderator"))
                    st.rerun()
    process_start_section(acc)
    if acc is not None and acc.allows("start"):
        st.divider()
        page_links_panel(acc)
    st.divider()
    if may_import(acc):
        page_import_section(acc)
    else:
        st.subheader(T("import.title"))
        st.caption(T("import.need_role"))


def create_workshop(
    title: str, day: date | None, place: str, language: str, tables_text: str
) -> None:
    store = get_store()
    tables = [line.strip() for line in tables_text.splitlines() if line.strip()]
    try:
        ws = store.create_workshop(title, date=day, place=place, language=language, tables=tables)
    except (InvalidInput, StoreError, ValueError) as exc:
        if isinstance(exc, InvalidInput) and exc.code == "empty":
            st.error(T("start.title_missing"))
        else:
            show_store_error(exc)
        return
    links = access.workshop_links(store, ws, base_url=base_url())
    st.session_state["created_links"] = {
        "title": ws.title,
        "links": links,
        "moderator_token": access.token_from_link(links["moderator"]),
    }


def page_links_panel(acc: Access) -> None:
    store = get_store()
    ws = workshop_of(acc)
    st.subheader(T("links.title", title=ws.title))
    links = access.workshop_links(store, ws, base_url=base_url())
    show_links(links)
    tables = store.tables(ws.id)
    if tables:
        with st.expander(T("links.per_table")):
            # a QR code per table: a facilitator scans it with the phone at the table
            for table in tables:
                token = access.issue_token(store, ws, "facilitator", table_id=table.id)
                url = access.link_url(token, base_url())
                qr_col, link_col = st.columns([1, 4], vertical_alignment="center")
                qr_col.image(cached_qr(url, False), width=130)
                link_col.markdown(f"**{escape_md(table.name)}**")
                link_col.code(url, language=None)
    cols = st.columns(3)
    for col, role in zip(cols, links, strict=False):
        if col.button(T("links.reissue", role=T(f"role.{role}")), key=f"reissue_{role}"):
            token = access.reissue_token(store, ws, role)
            if role == "moderator":
                enter_as(token)
            st.toast(T("links.reissued"))
            st.rerun()


def page_import_section(acc: Access | None) -> None:
    from harvest.imports import ImportFileError, parse_statements

    store = get_store()
    if not may_import(acc):
        return
    st.subheader(T("import.title"))
    st.caption(T("import.hint"))
    moderator_ws = workshop_of(acc) if acc is not None and acc.allows("start") else None
    target = st.text_input(
        T("import.workshop"),
        key="import_workshop",
        value=moderator_ws.title if moderator_ws else "",
        disabled=moderator_ws is not None,
    )
    upload = st.file_uploader(T("import.file"), type=["csv", "xlsx", "txt"], key="import_file")
    if upload is None:
        return
    data = upload.getvalue()
    try:
        result = parse_statements(data, upload.name)
    except ImportFileError as exc:
        reason = translate_or(f"input.{exc.code}", lang(), str(exc))
        st.error(T("import.file_error", reason=reason))
        return
    st.info(T("import.summary", ok=len(result.rows), bad=len(result.errors)))
    if result.errors:
        st.dataframe(
            [
                {
                    T("import.line"): e.line,
                    T("import.reason"): translate_or(f"row.{e.code}", lang(), e.reason),
                }
                for e in result.errors[:200]
            ],
            hide_index=True,
        )
    label = T("import.confirm_with_errors") if result.errors else T("import.confirm")
    if st.button(label, key="import_confirm", type="primary", disabled=not result.rows):
        from harvest.imports import WorkshopTaken, import_into

        try:
            if moderator_ws is not None:
                ws = import_into(store, result.rows, moderator_ws).workshop
            elif target:
                # Atomic: two organisers importing into one new name get one workshop.
                ws = import_into(store, result.rows, target, new_only=True).workshop
            else:
                ws = import_into(store, result.rows, store.create_workshop(upload.name)).workshop
        except WorkshopTaken:
            st.error(T("import.exists"))
            return
        except (InvalidInput, StoreError) as exc:
            show_store_error(exc)
            return
        st.success(T("import.done", n=len(result.rows), title=ws.title))
        embed_soon(ws.id)
        embedding_progress(ws.id)
        if moderator_ws is None:
            links = access.workshop_links(store, ws, base_url=base_url())
            show_links(links)


@st.fragment(run_every=1.0)
def embedding_progress(workshop_id: int) -> None:
    """The background embedding of an import, as a progress bar (the board is usable
    by keywords meanwhile)."""
    status = background_embedder().status(get_store(), workshop_id)
    if status is None:
        st.caption(T("import.embedded"))
        return
    done, total = status
    st.progress(done / total if total else 0.0, text=T("import.embedding", done=done, total=total))


def process_start_section(acc: Access | None) -> None:
    """On the start page: the organiser at the machine creates and opens processes; a
    process's moderator adds and removes its workshops."""
    store = get_store()
    if acc is not None and acc.process and acc.allows("start"):
        process = store.process_of(acc.workshop_id)
        if process is None:
            return
        st.subheader(T("process.start.heading"), anchor=False)
        inside = {i: store.get_workshop(i).title for i in process.workshop_ids}
        others = {w.id: w.title for w in store.list_workshops() if w.id not in inside}
        cols = st.columns(2, vertical_alignment="bottom")
        for col, (choices, verb) in zip(cols, ((others, "add"), (inside, "remove")), strict=True):
            picked = col.selectbox(T(f"process.start.{verb}"), list(choices), index=None,
                                   key=f"process_{verb}_pick", format_func=choices.__getitem__)
            if col.button(T(f"process.start.{verb}"), key=f"process_{verb}",
                          disabled=picked is None) and picked is not None:
                change = store.add_to_process if verb == "add" else store.remove_from_process
                change(process.id, picked)
                st.rerun()
        return
    if not is_local_organiser():
        return
    st.subheader(T("process.start.heading"), anchor=False)
    st.caption(T("process.start.hint"))
    workshops = {w.id: w.title for w in store.list_workshops()}
    with st.form("create_process"):
        title = st.text_input(T("process.start.title"), key="process_title", max_chars=200)
        members = st.multiselect(T("process.start.workshops"), list(workshops),
                                 key="process_workshops", format_func=lambda i: workshops[i])
        submitted = st.form_submit_button(T("process.start.create"), type="primary")
    if submitted:
        try:
            process = store.create_process(title, workshops=members)
        except (InvalidInput, StoreError, ValueError) as exc:
            if isinstance(exc, InvalidInput) and exc.code == "empty":
                st.error(T("start.title_missing"))
            else:
                show_store_error(exc)
        else:
            st.success(T("process.start.created", title=process.title))
    for process in store.list_processes():
        row = st.columns([3, 2], vertical_alignment="center")
        names = ", ".join(store.get_workshop(i).title for i in process.workshop_ids)
        row[0].markdown(f"**{escape_md(process.title)}**  \n{escape_md(names) or '–'}")
        if row[1].button(T("start.open_short"), key=f"open_process_{process.id}",
                         width="stretch"):
            enter_as(access.issue_token(store, process.workshop, "moderator"))
            st.rerun()


page_start()
