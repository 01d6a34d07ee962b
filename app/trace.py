"""Herkunft: from a process theme or shared demand back to its statements."""

from __future__ import annotations

import streamlit as st

from app.shared import (
    T,
    lang,
)
from app.widgets import (
    process_page_head,
)
from harvest.i18n import kind_label


def page_trace() -> None:
    import pandas as pd

    from harvest.compare import trace

    head = process_page_head("trace.heading")
    if head is None:
        return
    ws, board, comparison = head
    rows = {r.theme.id: r for r in comparison.rows}
    theme_id = st.selectbox(T("trace.pick_theme"), list(rows), key="trace_theme",
                            format_func=lambda i: f"{rows[i].label} ({rows[i].total})")
    demands = {str(i): d for i, d in enumerate(comparison.shared_demands)}
    demand = st.selectbox(T("trace.pick_demand"), ["", *demands], key="trace_demand",
                          format_func=lambda k: demands[k].text if k else "–")
    found = (trace(board, statement_ids=demands[demand].statement_ids) if demand
             else trace(board, theme_id=theme_id))
    cols = st.columns(2, gap="large")
    cols[0].subheader(T("trace.by_workshop"), anchor=False)
    cols[0].dataframe(pd.DataFrame([(w.title, n) for w, n in found.by_workshop],
                                   columns=[T("trace.columns").split("|")[0], "n"]),
                      hide_index=True, width="stretch", key="trace_workshops")
    cols[1].subheader(T("trace.by_table"), anchor=False)
    cols[1].dataframe(pd.DataFrame([(w.title, table, n) for w, table, n in found.by_table],
                                   columns=[*T("trace.columns").split("|")[:2], "n"]),
                      hide_index=True, width="stretch", key="trace_tables")
    st.subheader(f"{T('trace.statements')} · {len(found.statements)}", anchor=False)
    titles = {w.id: w.title for w in board.members}
    st.dataframe(
        pd.DataFrame(
            [(titles.get(s.workshop_id, ""), s.table_name or "", kind_label(s.kind, lang()),
              s.text, s.created_at.strftime("%d.%m. %H:%M")) for s in found.statements],
            columns=T("trace.columns").split("|"),
        ),
        hide_index=True, width="stretch", key="trace_statements",
    )


page_trace()
