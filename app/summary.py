"""The closing summary: on screen and as Markdown, HTML, PDF and poster."""

from __future__ import annotations

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
from harvest.board import board_votes, map_filename


def page_summary() -> None:
    from harvest.summary import (
        build_summary,
        summary_filename,
        summary_html,
        summary_markdown,
        summary_pdf,
        without_reasons,
    )

    acc = require(current_access(), "summary")
    store = get_store()
    ws = workshop_of(acc)
    revision = store.revision(ws.id)
    board = cached_board(ws.id, revision)
    from harvest.conceptmap import theme_colors

    votes = board_votes(store, board)

    summary = build_summary(
        ws, board.clustering, list(board.statements), language=lang(),
        colors=theme_colors(board.graph), votes=votes,
        sources=[m.id for m in board.members],  # a process's workshops
    )
    # the engine's "Grund: …" helps the moderator check a demand; paper and files go
    # without it
    printed = without_reasons(summary)
    dark = st.session_state.get("dark", False)
    html = summary_html(printed, dark=dark)

    cols = st.columns(4)
    cols[0].download_button(
        T("summary.md"),
        summary_markdown(printed).encode("utf-8"),
        file_name=summary_filename(ws, "md"),
        mime="text/markdown",
        key="sum_md",
    )
    cols[1].download_button(
        T("summary.html"),
        html.encode("utf-8"),
        file_name=summary_filename(ws, "html"),
        mime="text/html",
        key="sum_html",
    )
    cols[2].download_button(
        T("summary.pdf"),
        lambda: summary_pdf(printed, cached_export(db_url(), ws.id, revision, "png", False, 2400)),
        file_name=summary_filename(ws, "pdf"),
        mime="application/pdf",
        key="sum_pdf",
    )
    cols[3].download_button(  # the harvest poster belongs with the summary handed out
        T("export.poster_pdf"),
        lambda: cached_export(db_url(), ws.id, revision, "poster-pdf", False, 0, "A1",
                              participant_url(ws) or ""),
        file_name=map_filename(ws, "pdf").replace(".pdf", "-poster-A1.pdf"),
        mime="application/pdf",
        key="sum_poster_pdf",
        on_click="ignore",
    )
    on_screen = summary if acc.role == "moderator" else printed
    st.iframe(html if on_screen is printed else summary_html(on_screen, dark=dark), height=1400)
    # the same content as plain Streamlit text, so the page reads without the iframe too
    with st.expander(T("summary.as_text")):
        st.markdown(summary_markdown(on_screen))


page_summary()
