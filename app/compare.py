"""Vergleich: a process's workshops side by side."""

from __future__ import annotations

import streamlit as st

from app.shared import (
    T,
    escape_md,
    get_store,
)
from app.widgets import (
    process_page_head,
)
from harvest.board import (
    map_filename,
)


def page_compare() -> None:
    import pandas as pd

    from harvest.board import member_themes
    from harvest.compare import grid_csv, map_workshop_themes, report_html

    head = process_page_head("compare.heading")
    if head is None:
        return
    ws, board, comparison = head
    counts = st.toggle(T("compare.counts"), key="compare_counts")
    names = [w.title for w in comparison.workshops]
    grid = pd.DataFrame(
        [r.counts if counts else [round(100 * x) for x in r.shares] for r in comparison.rows],
        index=[r.label for r in comparison.rows], columns=names,
    )
    grid.index.name = T("compare.theme")
    # the heat map: one colour scale over the whole grid, so cells compare across columns
    styled = grid.style.background_gradient(cmap="Greens", axis=None).format(
        "{:d}" if counts else "{:d} %"
    )
    st.caption(T("compare.grid_hint"))
    st.dataframe(styled, key="compare_grid", width="stretch",
                 height=min(38 + 34 * len(grid), 640), row_height=34)
    cols = st.columns(2, gap="large")
    with cols[0]:
        st.subheader(T("compare.common"), anchor=False)
        st.markdown("\n".join(f"- {escape_md(r.label)}" for r in comparison.common())
                    or T("compare.none"))
    with cols[1]:
        st.subheader(T("compare.unique"), anchor=False)
        st.markdown("\n".join(f"- {escape_md(r.label)} · **{escape_md(w.title)}**"
                               for r, w in comparison.unique()) or T("compare.none"))
    st.subheader(T("compare.shared_demands"), anchor=False)
    titles = {w.id: w.title for w in comparison.workshops}
    st.markdown("\n".join(
        f"- {escape_md(d.text)} · *{escape_md(', '.join(titles[w] for w in d.workshop_ids))}*"
        for d in comparison.shared_demands[:12]
    ) or T("compare.none"))
    st.subheader(T("compare.mapping"), anchor=False)
    labels = {r.theme.id: r.label for r in comparison.rows}
    header = T("compare.mapping_columns").split("|")
    mappings = map_workshop_themes(board, member_themes(get_store(), board))
    st.dataframe(
        pd.DataFrame(
            [(titles.get(m.workshop_id, ""), m.theme.label,
              labels.get(m.process_theme_id or "", ""),
              f"{round(100 * m.agreement)} %", " · ".join(m.shared_keywords))
             for m in mappings],
            columns=header,
        ),
        hide_index=True, width="stretch", key="compare_mapping",
    )
    down = st.columns(4)
    down[0].download_button(T("compare.download_grid"), grid_csv(comparison),
                            file_name=map_filename(ws, "csv").replace(".csv", "-grid.csv"),
                            mime="text/csv", key="compare_csv", on_click="ignore")
    down[1].download_button(T("compare.download_report"),
                            report_html(board, comparison).encode("utf-8"),
                            file_name=map_filename(ws, "html").replace(".html", "-report.html"),
                            mime="text/html", key="compare_report", on_click="ignore")


page_compare()
