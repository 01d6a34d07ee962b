"""Exports: every map format, the statements, the poster preview; deleting a workshop."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app.shared import (
    T,
    cached_board,
    cached_export,
    current_access,
    db_url,
    get_store,
    lang,
    participant_url,
    require,
    workshop_of,
)
from harvest.board import (
    export_statements,
    map_filename,
)
from harvest.formats import POSTER_SIZES, STATEMENT_FORMATS, Download, map_downloads
from harvest.i18n import translate


def page_export() -> None:
    acc = require(current_access(), "export")
    store = get_store()
    ws = workshop_of(acc)
    revision = store.revision(ws.id)
    st.title(T("export.title"))
    dark = st.toggle(T("board.dark"), key="export_dark")
    st.markdown(f"#### {T('export.harvest')}")
    size = st.segmented_control(
        T("export.size"), list(POSTER_SIZES), default="A1", key="export_size"
    ) or "A1"
    qr = participant_url(ws) or ""
    # one button per entry of the shared catalogue (harvest.formats)
    for group, downloads in map_downloads(size).items():
        if group != "harvest":
            st.markdown(f"#### {T('replay.title' if group == 'replay' else 'export.' + group)}")
        cols = st.columns(4)
        for index, download in enumerate(downloads):

            def data(d: Download = download) -> bytes:
                return cached_export(db_url(), ws.id, revision, d.format.name, dark, d.width,
                                     size if d.poster else "", qr if d.poster else "")

            cols[index % 4].download_button(
                T(download.label),
                data,
                file_name=download.file_name(map_filename(ws, download.format.extension)),
                mime=download.format.mime,
                key=download.key,
                on_click="ignore",
                width="stretch",
            )
    st.markdown(f"#### {T('export.statements')}")

    def rows(fmt: str) -> Callable[[], bytes]:
        def data() -> bytes:  # a process's rows carry their workshop
            return export_statements(store, cached_board(ws.id, revision), fmt)

        return data

    for col, (label, ext, mime) in zip(st.columns(4), STATEMENT_FORMATS, strict=False):
        col.download_button(
            label,
            rows(ext),
            file_name=map_filename(ws, ext),
            mime=mime,
            key=f"export_{ext}",
            on_click="ignore",
            width="stretch",
        )
    st.markdown(f"#### {T('export.preview')}")
    with st.spinner(T("board.computing")):
        st.image(cached_export(db_url(), ws.id, revision, "poster-png", dark, 0, size, qr),
                 width="stretch")
    st.divider()
    with st.expander(T("export.delete_workshop")):
        st.warning(T("export.delete_warning", title=ws.title))
        processes = store.processes_with(ws.id)
        if processes:
            named = ", ".join(T("export.process_named", title=p.title) for p in processes)
            # the titles are escaped by T above; the sentence around them takes them as they are
            st.warning(translate("export.delete_in_processes", lang(), processes=named))
        confirm = st.text_input(T("export.delete_confirm", slug=ws.slug), key="delete_confirm")
        if st.button(T("export.delete_button"), key="delete_workshop", disabled=confirm != ws.slug):
            store.delete_workshop(ws.id)
            for key in ("token", "access"):
                st.session_state.pop(key, None)
            st.query_params.clear()
            st.rerun()


page_export()
