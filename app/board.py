"""The live board: the concept map, the theme list, the QR code, the vote's ranking."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.shared import (
    REFRESH_SECONDS,
    T,
    board_participation,
    boards_ready,
    cached_board,
    cached_highlight,
    cached_map_html,
    cached_qr,
    cached_replay_html,
    current_access,
    db_url,
    escape_md,
    get_store,
    lang,
    participant_url,
    process_members,
    require,
    revision_reader,
    still_allowed,
    workshop_of,
)
from app.widgets import (
    inject_style,
    process_caption,
    show_ranking,
    warn_if_unreachable,
)
from harvest.board import (
    Board,
)
from harvest.i18n import kind_label
from harvest.live import demand_count, theme_list_html
from harvest.model import KINDS, Workshop
from harvest.store import (
    DatabaseUnavailable,
    WorkshopNotFound,
)


def board_options(ws: Workshop, presentation: bool) -> dict[str, Any]:
    """Filters and view options (sidebar in normal mode, defaults in presentation)."""
    dark = st.session_state.get("dark", False)
    if presentation:
        return {"tables": (), "kinds": (), "search": "", "dark": dark}
    members = process_members(ws)
    chosen_workshops: list[int] = []
    with st.sidebar:
        st.markdown(f"### {T('board.view')}")
        if members:
            names = {m.id: m.title for m in members}
            chosen_workshops = st.multiselect(
                T("process.filter_workshops"), list(names), key="filter_workshops",
                placeholder=T("board.all"), format_func=lambda i: names[i],
            )
        sources = [m.id for m in members if not chosen_workshops or m.id in chosen_workshops]
        tables = list(dict.fromkeys(t.name for w in sources or [ws.id]
                                    for t in get_store().tables(w)))
        chosen_tables = st.multiselect(
            T("board.filter_tables"), tables, key="filter_tables", placeholder=T("board.all")
        )
        chosen_kinds = st.multiselect(
            T("board.filter_kinds"),
            [*KINDS, "none"],
            key="filter_kinds",
            placeholder=T("board.all"),
            format_func=lambda k: kind_label(k, lang()),
        )
        search = st.text_input(T("board.search"), key="board_search", max_chars=60)
    return {
        "tables": tuple(chosen_tables),
        "kinds": tuple(chosen_kinds),
        "workshops": tuple(chosen_workshops),
        "search": search.strip(),
        "dark": dark,
    }


def page_board() -> None:
    acc = require(current_access(), "board")
    ws = workshop_of(acc)
    presentation = st.session_state.get("presentation", False)
    dark = st.session_state.get("dark", False)
    inject_style(presentation, dark)
    options = board_options(ws, presentation)
    if not presentation:
        head = st.columns([6, 1.2, 1.2])
        head[0].title(escape_md(ws.title), anchor=False)
        head[1].toggle(T("board.dark"), key="dark")
        if head[2].button(T("board.present"), key="present_on", type="primary"):
            st.session_state["presentation"] = True
            st.rerun()
        if acc.process:
            process_caption(ws)
    else:
        head = st.container(key="harvest_head").columns([14, 1], vertical_alignment="center")
        head[0].header(escape_md(ws.title), anchor=False)
        if head[1].button("✕", key="present_off", help=T("board.present_off")):
            st.session_state["presentation"] = False
            st.rerun()
    if acc.role == "moderator" and not presentation:
        with st.sidebar:
            replay = st.toggle(T("replay.title"), key="board_replay", help=T("replay.hint"))
        if replay:
            replay_view(acc.workshop_id, dark)
            return
    board_fragment(acc.workshop_id, options, presentation)


def replay_view(workshop_id: int, dark: bool) -> None:
    """The "Verlauf": the map's growth played back (engine runs at ~24 moments)."""
    st.caption(T("replay.hint"))
    revision = get_store().revision(workshop_id)
    with st.spinner(T("board.computing")):
        page = cached_replay_html(db_url(), workshop_id, revision, dark)
    st.iframe(page, height=860)


@st.fragment(run_every=REFRESH_SECONDS)
def board_fragment(workshop_id: int, options: dict[str, Any], presentation: bool) -> None:
    if not still_allowed():
        st.error(T("error.bad_link"))
        return
    url = db_url()
    revision: int | None
    try:
        revision = revision_reader(url).revision(workshop_id)  # shared by this server's viewers
    except DatabaseUnavailable:
        st.warning(T("board.reconnecting"))
        revision = st.session_state.get("board_revision")
        if revision is None:
            return
    except WorkshopNotFound:
        st.error(T("error.bad_link"))
        return
    st.session_state["board_revision"] = revision
    try:
        if (url, workshop_id, revision) in boards_ready():
            board = cached_board(workshop_id, revision)
        else:
            with st.spinner(T("board.computing")):  # the map of a new revision is computed
                board = cached_board(workshop_id, revision)
        highlight = cached_highlight(url, workshop_id, revision)
    except DatabaseUnavailable:  # not cached yet and the database away: try next refresh
        st.warning(T("board.reconnecting"))
        return
    height = 820 if presentation else 780  # the page's CSS fits it to the screen
    html = cached_map_html(
        url,
        workshop_id,
        revision,
        options["tables"],
        options["kinds"],
        options.get("workshops", ()),
        options["dark"],
        presentation,
        options["search"],
        highlight,
        lang(),
        height,
    )
    map_col, side_col = st.columns([4, 1.15], gap="medium")
    with map_col:
        st.iframe(html, height=height + 8)
        vote_ranking(workshop_id)  # under the map: the side panel's QR code stays on screen
    with side_col, st.container(key="harvest_side"):
        side_panel(board, options, presentation)


def side_panel(board: Board, options: dict[str, Any], presentation: bool) -> None:
    # every element is a message to every viewer on every refresh (the server's main cost
    # under load, see benchmarks/load_board.py): heading and list go as one
    themes, total = theme_list_html(board, lang())
    st.html(themes)
    demands = demand_count(board)
    st.caption(T("board.counts", statements=total, demands=demands))
    waiting_caption(board.workshop.id)
    url = participant_url(board.workshop)
    if url:
        st.image(
            cached_qr(url, options["dark"] and presentation),
            width=180 if presentation else 150,
            caption=T("board.scan"),
        )
        warn_if_unreachable(url, short=presentation)
        if not presentation:
            st.code(url, language=None)


def waiting_caption(workshop_id: int) -> None:
    """The public "n waiting" while participant input is on."""
    found = board_participation(workshop_id)
    if found is not None and found[0].participant_input:
        st.caption(T("board.waiting", n=found[1]))


def vote_ranking(workshop_id: int) -> None:
    """The vote's ranking with its tables, while the moderator shows the tallies (the
    moderator's own board always shows them)."""
    found = board_participation(workshop_id)
    if found is None or found[2] is None:
        return
    acc = st.session_state.get("access")
    if found[2].show_tallies or (acc is not None and acc.allows("moderate")):
        show_ranking(found[3], found[2].closed, row=True)


page_board()
