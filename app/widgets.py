"""Pieces of pages shown on more than one page: the look, links, QR warnings, the vote's
ranking, a process's head."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from app.shared import (
    T,
    cached_board,
    cached_comparison,
    cached_lan_address,
    current_access,
    db_url,
    get_store,
    lang,
    process_members,
    refuse,
    require,
    workshop_of,
)
from harvest.board import (
    Board,
)
from harvest.conceptmap.style import stage_colors
from harvest.i18n import translate
from harvest.live import RANKING_CSS, THEME_LIST_CSS, ranking_html
from harvest.model import Workshop
from harvest.participation import (
    Tally,
)


def inject_style(presentation: bool, dark: bool) -> None:
    css = THEME_LIST_CSS + """
    .block-container {padding-top: 2.2rem;}
    @media (max-width: 640px) {
      /* a phone: a smaller title and a map frame sized to the screen, no blank band */
      .block-container {padding-top: 3.2rem;}
      .block-container h1 {font-size: 1.6rem;}
      iframe[data-testid="stIFrame"] {height: 78vh !important;}
      [data-testid="stElementContainer"]:has(> iframe[data-testid="stIFrame"]) {
        height: auto !important; flex: 0 0 auto !important;}
    }
    """
    if presentation:
        stage = stage_colors(dark)
        bg, fg, rim = stage["bg"], stage["fg"], stage["button_border"]
        css += f"""
        [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
        header[data-testid="stHeader"], [data-testid="stToolbar"], footer,
        [data-testid="stDecoration"] {{display: none !important;}}
        .block-container {{padding: .6rem 1.2rem 0 1.2rem !important; max-width: 100% !important;}}
        .stApp {{background: {bg}; color: {fg};}}
        .block-container {{padding-top: .3rem !important;}}
        .block-container h2 {{font-size: clamp(1.1rem, 3.6vh, 2.3rem); padding: .2rem 0;}}
        /* the map and the side panel fill the screen below the title row, on any beamer */
        :root {{--harvest-head: calc(clamp(1.1rem, 3.6vh, 2.3rem) * 1.2 + 2.4rem);}}
        iframe[data-testid="stIFrame"] {{height: calc(100vh - var(--harvest-head)) !important;}}
        [data-testid="stElementContainer"]:has(> iframe[data-testid="stIFrame"]) {{
          height: auto !important; flex: 0 0 auto !important;}}
        .st-key-harvest_side {{max-height: calc(100vh - var(--harvest-head)); gap: .5rem;}}
        .st-key-harvest_side h4 {{font-size: clamp(.9rem, 2.8vh, 1.7rem); padding: 0 0 .3rem 0;
                                  line-height: 1.3; margin: 0; font-weight: 600;}}
        .st-key-harvest_head [data-testid="stHorizontalBlock"] {{flex-wrap: nowrap;}}
        .st-key-harvest_head [data-testid="stColumn"] {{min-width: 0;}}
        .st-key-harvest_head [data-testid="stColumn"]:last-child {{flex: 0 0 auto; width: auto;}}
        .harvest-theme {{font-size: calc(clamp(.75rem, min(2.5vh, 1.6vw), 1.7rem)
                         * var(--fit, 1)); line-height: 1.22; margin-bottom: .3em;
                         color: {fg}; overflow-wrap: anywhere; hyphens: auto;}}
        .st-key-harvest_side [data-testid="stImage"] img {{
                         width: min(200px, 19vh, 100%) !important; height: auto !important;}}
        .st-key-harvest_side [data-testid="stAlert"] {{font-size: clamp(.7rem, 1.6vh, 1rem);}}
        .st-key-harvest_side [data-testid="stAlert"] > div {{padding: .4rem .6rem;}}
        [data-testid="stCaptionContainer"] {{font-size: clamp(.75rem, 2vh, 1.15rem);}}
        @media (max-width: 640px) {{
          /* a phone: map, theme list and QR code one below the other, all on screen */
          .block-container h2 {{font-size: 1.2rem;}}
          iframe[data-testid="stIFrame"] {{height: 34vh !important;}}
          .st-key-harvest_side {{max-height: none; gap: .3rem;}}
          .harvest-theme {{font-size: calc(1rem * var(--fit, 1));}}
          .st-key-harvest_side [data-testid="stImage"] img {{width: 17vh !important;}}
        }}
        .stButton button {{background: transparent; color: {fg}; border-color: {rim};}}
        h1, h2, h3, p, span, div {{color: {fg};}}
        """
    st.html(f"<style>{css}</style>")


def warn_if_unreachable(url: str | None, short: bool = False) -> None:
    """A link or QR code on localhost cannot work from a phone: say so, and what to do
    (``short``: in a few words, for the projected board)."""
    from urllib.parse import urlsplit

    from harvest.network import hall_url, phone_reachable

    if not url or phone_reachable(url):
        return
    parts = urlsplit(url)
    lan = cached_lan_address()
    hint = translate("board.qr_lan", lang(), url=hall_url(lan, parts.port or 8501)) if lan else ""
    key = "board.qr_local_short" if short else "board.qr_local"
    st.warning(T(key, host=parts.hostname or url, lan=hint), icon="⚠️")


def show_links(links: dict[str, str]) -> None:
    warn_if_unreachable(links.get("participant"))
    for role in links:  # a process has no facilitator link
        st.markdown(f"**{T(f'role.{role}')}**: {T(f'role.{role}.hint')}")
        st.code(links[role], language=None)


def show_ranking(
    tallies: Sequence[Tally], closed: bool, limit: int = 3, *, row: bool = False
) -> None:
    """The vote's ranking (dots, label) and per item the voters' tables (one line, most
    first), as escaped HTML; the board shows the top three so its QR code stays on screen."""
    if not tallies:
        return
    st.markdown(f"#### {T('board.ranking_closed' if closed else 'board.ranking')}")
    st.html(f"<style>{RANKING_CSS}</style>{ranking_html(tallies, closed, lang(), limit, row=row)}")


def process_caption(ws: Workshop) -> None:
    members = process_members(ws)
    if not members:
        st.info(T("process.empty"))
        return
    st.caption(T("process.members", names=", ".join(m.title for m in members)))


def process_page_head(title_key: str) -> tuple[Workshop, Board, Any] | None:
    """Title, member list and the process board with its comparison; None (after a
    friendly note) while there is nothing to compare."""
    acc = require(current_access(), "board")
    if not acc.process:
        refuse(acc)
    ws = workshop_of(acc)
    revision = get_store().revision(ws.id)
    with st.spinner(T("board.computing")):
        board = cached_board(ws.id, revision)
        comparison = cached_comparison(db_url(), ws.id, revision)
    st.title(T(title_key), anchor=False)
    process_caption(ws)
    if not comparison.rows:
        st.info(T("compare.none"))
        return None
    return ws, board, comparison
