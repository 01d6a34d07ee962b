"""Harvest's Streamlit entry: navigation, pages and widgets over the pure core in harvest/.

Run with ``make run`` (or ``streamlit run harvest_app.py``). Every page reads input, calls
the core, and shows what comes back; domain errors become messages, never tracebacks.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import os
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st

from harvest import access, curation, participation_store
from harvest.access import Access, AccessDenied, TooManyAttempts
from harvest.board import (
    MAP_MIME,
    Board,
    RevisionReader,
    board_statements,
    compute_board,
    export_statements,
    map_filename,
    new_node_ids,
    render_map,
    restrict,
    theme_counts,
)
from harvest.formats import FORMATS, POSTER_SIZES
from harvest.i18n import LANGUAGES, kind_label, translate, translate_or
from harvest.intake import InvalidInput
from harvest.live import RANKING_CSS, THEME_LIST_CSS, demand_count, ranking_html, theme_list_html
from harvest.model import KINDS, OTHER_THEME_ID, Workshop
from harvest.participation import (
    MAX_DOTS,
    PARTICIPANT_MAX_CHARS,
    Ballot,
    Settings,
    Submission,
    Tally,
    Vote,
    demand_items,
    theme_items,
)
from harvest.store import (
    DatabaseUnavailable,
    HiddenByModerator,
    StorageFull,
    Store,
    StoreError,
    WorkshopNotFound,
    database_url,
)
from harvest.summary import escape_markdown
from harvest.vectors import background_embedder, similar_statements
from harvest.web import live_routes, live_url

REFRESH_SECONDS = float(os.environ.get("HARVEST_REFRESH_SECONDS", "3"))
TOKEN_RECHECK_SECONDS = 10.0
# "Ähnlich wie" before saving; 0 turns it off (a load test whose texts repeat on purpose)
SIMILAR_HINT = os.environ.get("HARVEST_SIMILAR_HINT", "1").strip() != "0"
HIGHLIGHT_CHANGES = 3  # statements of the last three changes pulse when the map reloads

st.set_page_config(page_title="Harvest", page_icon="🌾", layout="wide")


# --- shared resources (one per server process) ---------------------------------------


def db_url() -> str:
    """The database this server uses: ``HARVEST_DATABASE_URL`` from the environment or
    from Streamlit secrets, else the SQLite file in sessions/ (read per run, so tests
    can point elsewhere)."""
    if os.environ.get("HARVEST_DATABASE_URL"):
        return database_url()
    return database_url(secret_database_url())


@st.cache_resource
def secret_database_url() -> str | None:
    try:
        value = st.secrets.get("HARVEST_DATABASE_URL")
    except Exception:  # no secrets.toml: the normal case  # noqa: BLE001
        return None
    return str(value) if value else None


@st.cache_resource
def open_store(url: str) -> Store:
    return Store(url)


def get_store() -> Store:
    return open_store(db_url())


def embed_soon(workshop_id: int) -> None:
    """Ask the server's one background embedder for the vectors of new or edited
    statements: returns at once, the board shows them by their keywords meanwhile."""
    background_embedder().request(get_store(), workshop_id)


@st.cache_resource
def get_throttle() -> access.Throttle:
    return access.Throttle()


@st.cache_resource(max_entries=64, show_spinner=False)
def compute_cached_board(url: str, workshop_id: int, revision: int) -> Board:
    # a shared resource, not cache_data: every viewer's refresh gets the same immutable
    # Board without unpickling a copy of it
    return compute_board(open_store(url), workshop_id)


def cached_board(workshop_id: int, revision: int) -> Board:
    """One computation per (database, workshop, revision), shared by every viewer."""
    url = db_url()
    board = compute_cached_board(url, workshop_id, revision)
    boards_ready().add((url, workshop_id, revision))
    return board


@st.cache_resource
def boards_ready() -> set[tuple[str, int, int]]:
    """The (database, workshop, revision) boards this server has computed: a refresh
    with nothing new skips the spinner (a timer thread per run) for them."""
    return set()


@st.cache_resource
def revision_reader(url: str) -> RevisionReader:
    """One revision poller per server: 300 viewers refreshing every 3 s cost two queries
    a second, not a hundred."""
    return RevisionReader(open_store(url))


@st.cache_resource(max_entries=256, show_spinner=False)
def cached_map_html(
    url: str,
    workshop_id: int,
    revision: int,
    tables: tuple[str, ...],
    kinds: tuple[str, ...],
    workshops: tuple[int, ...],
    dark: bool,
    presentation: bool,
    search: str,
    highlight: tuple[str, ...],
    language: str,
    height: int,
) -> str:
    # a resource, not cache_data: the page (hundreds of KB) is shared by every viewer of
    # a revision instead of unpickled for each refresh; a str cannot be changed in place.
    # The live board shows the projector variant (fewer, larger words) in both modes: it
    # is what a hall reads; the full map (8 keywords a theme, 40 demands) goes to exports
    from harvest.conceptmap import theme_colors
    from harvest.demands import top_demands
    from harvest.view import render_html

    board = restrict(
        compute_cached_board(url, workshop_id, revision), tables=tables, kinds=kinds, wall=True,
        workshops=workshops,
    )
    texts = {s.id: s.text for s in board.statements}
    colors = theme_colors(board.graph)
    demands = [
        (" ".join(texts[sid].split()), colors.get(theme_id, "#9a9a9a"))
        for sid, theme_id in top_demands(board.clustering, texts, limit=3 if presentation else 4)
    ]
    return render_html(
        board.graph,
        board.positions,
        title="",  # the page shows the title; the side panel lists the themes
        dark=dark,
        presentation=presentation,
        highlight=highlight,
        search=search,
        language=language,
        height_px=height,
        legend_themes=False,
        vis_src=vis_network_url(),
        fill=True,  # the frame's height is set by the page (to the screen when presenting)
        demands=demands,
        demands_heading=translate("board.top_demands", language),
    )


STATIC_DIR = Path(__file__).resolve().parent / "static"


@st.cache_resource
def vis_network_url() -> str | None:
    """Where browsers fetch vis-network from: once from this server's static folder, so
    a map reload sends 60 KB instead of 520 KB to every viewer (None: inline it)."""
    from harvest.view import VIS_NETWORK_JS

    if not st.get_option("server.enableStaticServing"):
        return None
    target = STATIC_DIR / VIS_NETWORK_JS.name
    try:
        data = VIS_NETWORK_JS.read_bytes()
        if not target.is_file() or target.read_bytes() != data:
            STATIC_DIR.mkdir(exist_ok=True)
            partial = target.with_suffix(".partial")
            partial.write_bytes(data)
            partial.replace(target)
    except OSError:
        return None
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static/{target.name}" if base else f"/app/static/{target.name}"


@st.cache_data(max_entries=64, show_spinner=False)
def cached_export(
    url: str, workshop_id: int, revision: int, fmt: str, dark: bool, width: int,
    size: str = "", qr_url: str = "",
) -> bytes:
    board = compute_cached_board(url, workshop_id, revision)
    return render_map(board, fmt, dark=dark, width_px=width or None, size=size or None,
                      qr_url=qr_url or None)


@st.cache_resource(max_entries=256, show_spinner=False)
def cached_highlight(url: str, workshop_id: int, revision: int) -> tuple[str, ...]:
    """Map nodes of the statements of the last few changes: the same for every viewer of
    a revision, so all of them share one cached map page (it pulses once on load)."""
    store = open_store(url)
    recent = store.statements_since(workshop_id, max(0, revision - HIGHLIGHT_CHANGES))
    board = compute_cached_board(url, workshop_id, revision)
    return tuple(sorted(new_node_ids(board, [s.id for s in recent if not s.hidden])))


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_qr(url: str, dark: bool) -> str:
    """The QR code of ``url`` as a PNG data URI, made once per link and shared (a
    resource: no copy per call). ``st.image`` passes a URI through untouched, where PNG
    bytes cost every viewer's refresh a decode, a resize, a hash and a media file."""
    import base64

    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=2)
    code.add_data(url)
    fill, back = ("white", "#111418") if dark else ("black", "white")
    buffer = io.BytesIO()
    code.make_image(fill_color=fill, back_color=back).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# --- language and access --------------------------------------------------------------


def lang() -> str:
    value = st.session_state.get("lang")
    return value if value in LANGUAGES else "de"


def T(key: str, **params: Any) -> str:  # noqa: N802 - the catalogue's conventional name
    """The catalogue text, with user text in ``params`` escaped: Streamlit renders labels,
    captions and alerts as Markdown, and a workshop title must show as typed."""
    safe = {k: escape_md(v) if isinstance(v, str) else v for k, v in params.items()}
    return translate(key, lang(), **safe)


def client_id() -> str:
    """Whose wrong links count together (``access.client_key``): the address, trusting
    X-Forwarded-For only from ``HARVEST_TRUSTED_PROXIES``; local clients per session."""
    ip = st.context.ip_address  # None for loopback
    forwarded = st.context.headers.get("X-Forwarded-For")
    hops = [hop.strip() for hop in (forwarded or "").split(",") if hop.strip()]
    # The web server under Streamlit (uvicorn) already replaced a loopback peer by the
    # header's last hop: undo that, the header is only believed where the setting says.
    peer = "127.0.0.1" if ip is None or (hops and ip == hops[-1]) else ip
    session = st.session_state.setdefault("client_session", uuid.uuid4().hex)
    return access.client_key(
        str(peer), forwarded, os.environ.get("HARVEST_TRUSTED_PROXIES"), session
    )


def authenticate(token: str | None) -> Access:
    client = client_id()
    group = access.LOCAL_GROUP if client.startswith("local:") else None
    return access.authenticate(get_store(), token, client, get_throttle(), group)


def is_local_organiser() -> bool:
    """`make run` on one's own machine: the loopback user may open every workshop."""
    if os.environ.get("HARVEST_LOCAL_ORGANISER") != "1":
        return False
    ip = st.context.ip_address
    if ip is None:  # AppTest and other in-process runs
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def current_access() -> Access | None:
    """The access granted by the link's token (kept for the whole browser session)."""
    token = st.query_params.get(access.TOKEN_PARAM) or st.session_state.get("token")
    if not token:
        return None
    cached = st.session_state.get("access")
    if cached is not None and st.session_state.get("token") == token:
        # revoked links must stop at once: re-check the link (one indexed query)
        try:
            return access.resolve_token(get_store(), token)
        except AccessDenied:
            st.session_state.pop("access", None)
            st.session_state.pop("token", None)
            raise
        except DatabaseUnavailable:
            # the link was valid a moment ago: keep the page (and a typed statement) while
            # the database is away; every write still fails until it is back
            return cached
    result = authenticate(token)
    st.session_state["token"] = token
    st.session_state["access"] = result
    return result


def still_allowed() -> bool:
    """Re-check the link now and then during live refreshes: a revoked link stops working
    within seconds, without costing every refresh a second query."""
    now = time.monotonic()
    if now - st.session_state.get("token_checked_at", 0.0) < TOKEN_RECHECK_SECONDS:
        return True
    try:
        if not link_still_valid(db_url(), st.session_state.get("token")):
            return False
    except DatabaseUnavailable:
        return True  # the board shows its own reconnecting notice
    st.session_state["token_checked_at"] = now
    return True


@st.cache_data(ttl=TOKEN_RECHECK_SECONDS / 2, max_entries=1024, show_spinner=False)
def link_still_valid(url: str, token: str | None) -> bool:
    """Whether the link still works, asked at most every few seconds per link and server:
    a hall's viewers share one participant link, so 300 boards cost one query, not 30 a
    second (an outage raises and is not remembered)."""
    try:
        access.resolve_token(open_store(url), token)
    except AccessDenied:
        return False
    return True


def enter_as(token: str) -> None:
    st.session_state["token"] = token
    st.session_state.pop("access", None)
    st.query_params[access.TOKEN_PARAM] = token


def workshop_of(acc: Access) -> Workshop:
    return get_store().get_workshop(acc.workshop_id)


def require(acc: Access | None, action: str) -> Access:
    if acc is None or not acc.allows(action):
        st.error(T("error.not_allowed"))
        st.stop()
    return acc


def show_store_error(exc: Exception) -> None:
    if isinstance(exc, StorageFull):
        st.error(T("error.disk_full"))
    elif isinstance(exc, HiddenByModerator):
        st.error(T("entry.hidden_by_moderator"))
    elif isinstance(exc, DatabaseUnavailable):
        st.error(T("error.db_unavailable"))
    elif isinstance(exc, InvalidInput):
        st.error(T(f"input.{exc.code}", **exc.params))
    else:
        st.error(str(exc))


# --- look -----------------------------------------------------------------------------


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
        bg, fg = ("#111418", "#f2f2f2") if dark else ("#ffffff", "#111111")
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
        .stButton button {{background: transparent; color: {fg}; border-color: #7a7a7a;}}
        h1, h2, h3, p, span, div {{color: {fg};}}
        """
    st.html(f"<style>{css}</style>")


# --- pages ----------------------------------------------------------------------------


def page_start() -> None:
    store = get_store()
    st.title(T("start.title"))
    st.caption(T("start.lead"))
    acc = None
    try:
        acc = current_access()
    except (AccessDenied, TooManyAttempts):
        acc = None
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
                format="DD.MM.YYYY" if lang() == "de" else "YYYY-MM-DD",
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
            token = link.rsplit(f"{access.TOKEN_PARAM}=", 1)[-1].split("&")[0].strip()
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


def may_import(acc: Access | None) -> bool:
    """Imports cost the server real work: only a workshop's moderator, or the organiser
    at the machine itself (local mode on loopback), may bring in a file."""
    if acc is not None and acc.process:
        return False  # statements go into a process's workshops, never into the process
    return (acc is not None and acc.allows("start")) or is_local_organiser()


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
        "moderator_token": links["moderator"].rsplit(f"{access.TOKEN_PARAM}=", 1)[-1],
    }


def base_url() -> str | None:
    configured = os.environ.get("HARVEST_BASE_URL")
    if configured:
        return configured
    url = st.context.url
    if url:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"
    return None


@st.cache_data(ttl=60, show_spinner=False)
def cached_lan_address() -> str | None:
    from harvest.network import lan_address

    return lan_address()


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
        from harvest.store import NewStatement

        try:
            if moderator_ws is not None:
                ws = moderator_ws
            elif target:
                # Atomic: two organisers importing into one new name get one workshop.
                ws, created = store.find_or_create_workshop(target)
                if not created:
                    st.error(T("import.exists"))
                    return
            else:
                ws = store.create_workshop(upload.name)
            items = [NewStatement(r.text, r.table, r.kind, r.author) for r in result.rows]
            store.add_statements(ws.id, items)
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


def escape_md(text: str | None) -> str:
    """User text shown through Streamlit's Markdown: literal, line breaks kept (the same
    escaping as the summary's Markdown, line by line)."""
    if not text:
        return ""
    return "  \n".join(escape_markdown(line) for line in text.split("\n"))


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


@st.cache_data(max_entries=16, show_spinner=False)
def cached_replay_html(url: str, workshop_id: int, revision: int, dark: bool) -> str:
    from harvest.replay import replay_html

    return replay_html(compute_cached_board(url, workshop_id, revision), dark=dark)


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


def board_participation(workshop_id: int) -> tuple[Settings, int, Vote | None, list[Tally]] | None:
    try:
        return cached_participation(db_url(), workshop_id)
    except StoreError:
        return None


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


def participant_url(ws: Workshop) -> str | None:
    """The link the board's QR code carries, for this viewer: a participant sees the link
    they came with (a revoked one never learns its successor); the others see the
    current link only while their own still works (checked now, not 10 s ago)."""
    token = st.session_state.get("token")
    acc = st.session_state.get("access")
    if acc is not None and acc.role == "participant" and token:
        return live_url(token, base_url())
    try:
        access.resolve_token(get_store(), token)
        return cached_participant_url(db_url(), ws.id, base_url())
    except (AccessDenied, StoreError, OSError):
        return None


@st.cache_data(ttl=10, max_entries=256, show_spinner=False)
def cached_participant_url(url: str, workshop_id: int, base: str | None) -> str:
    """The QR code's link (the light live board, harvest/live.py), looked up at most
    every 10 s (a re-issued link shows soon)."""
    store = open_store(url)
    return live_url(access.issue_token(store, store.get_workshop(workshop_id), "participant"),
                    base)


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
    saved = st.session_state.pop("entry_saved_flash", None)
    if saved is not None:
        st.success(T("entry.saved", id=saved))
    if st.session_state.pop("entry_duplicate_flash", False):
        st.info(T("entry.duplicate"))
    if text:
        submit_statement(ws, table, kind, text)
    unsent_statements(ws)
    similar_drafts(ws)
    recent_entries(ws)


WIDGET_CHAR_FACTOR = 10
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
    return hashlib.sha256(f"{session}|{table}|{text.strip()}".encode()).hexdigest()[:32]


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
            st.session_state["entry_duplicate_flash"] = True  # shown after the rerun
        else:
            mine.append(statement.id)
            st.toast(T("entry.saved", id=statement.id), icon=":material/check_circle:")
            # the kind chosen for this statement must not stick to the next one: show
            # the default again (the confirmation is shown after the rerun)
            st.session_state["entry_kind_reset"] = True
            st.session_state["entry_saved_flash"] = statement.id
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
        vectors = {k: v for k, v in store.statement_vectors(ws.id).items() if k not in mine}
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


def pick_theme(
    label: str, theme_ids: list[str], fmt: Callable[[str], str | None], key: str
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


def page_curate() -> None:
    acc = require(current_access(), "curate")
    store = get_store()
    ws = workshop_of(acc)
    st.title(T("curate.title"))
    revision = store.revision(ws.id)
    board = cached_board(ws.id, revision)
    counts = theme_counts(board)
    themes = [t for t, _ in counts]
    labels = {t.id: (T("theme.other") if t.id == OTHER_THEME_ID else t.label) for t in themes}
    theme_ids = [t.id for t in themes]

    def do(kind: str, payload: dict[str, Any]) -> None:
        try:
            curation.apply_action(store, ws.id, kind, payload)
        except (curation.InvalidAction, StoreError) as exc:
            show_store_error(exc)
            return
        st.toast(T("curate.done"), icon=":material/check_circle:")
        st.rerun()

    tab_themes, tab_statements, tab_words, tab_guided, tab_log = st.tabs(
        [
            T("curate.tab_themes"),
            T("curate.tab_statements"),
            T("curate.tab_words"),
            T("curate.tab_guided"),
            T("curate.tab_log"),
        ]
    )
    fmt = labels.get
    with tab_themes:
        if not theme_ids:
            st.info(T("board.empty"))
        else:
            theme_id = st.selectbox(T("curate.theme"), theme_ids, format_func=fmt, key="cur_theme")
            c1, c2 = st.columns(2)
            with c1:
                # keyed by theme: a new choice gets a field with its own name, never the
                # name typed or shown for the theme chosen before
                new_label = st.text_input(
                    T("curate.rename_to"),
                    value=labels.get(theme_id, ""),
                    key=f"cur_rename_label_{theme_id}",
                    max_chars=80,
                )
                if st.button(T("curate.rename"), key="cur_rename", type="primary"):
                    do("rename", {"theme_id": theme_id, "label": new_label})
            with c2:
                others = [i for i in theme_ids if i != theme_id]
                target = pick_theme(T("curate.merge_into"), others, fmt, "cur_merge_target")
                if target and st.button(T("curate.merge"), key="cur_merge"):
                    do("merge", {"source": theme_id, "target": target})
            pictogram_picker(board, theme_id, do)
            theme = board.clustering.theme(theme_id)
            members = [s for s in board.statements if theme and s.id in theme.statement_ids]
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
                do(
                    "split",
                    {
                        "theme_id": theme_id,
                        "label": split_label or T("curate.new_theme"),
                        "statement_ids": list(chosen),
                    },
                )
    with tab_statements:
        statements = board_statements(store, board, include_hidden=True)  # a process: all
        if acc.process:
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
                assignment = board.clustering.assignments.get(chosen_statement.id)
                st.markdown(escape_md(chosen_statement.text))
                if assignment:
                    reason = assignment.demand_reason or ""
                    st.caption(
                        f"{T('curate.in_theme')}: {escape_md(labels.get(assignment.theme_id, ''))}"
                        + (
                            f" · {T('curate.demand_reason')}: {escape_md(reason)}"
                            if assignment.is_demand
                            else ""
                        )
                    )
                c1, c2, c3 = st.columns(3)
                with c1:
                    target = pick_theme(T("curate.move_to"), theme_ids, fmt, "cur_move_target")
                    if target and st.button(T("curate.move"), key="cur_move"):
                        do("move", {"statement_id": chosen_statement.id, "theme_id": target})
                with c2:
                    is_demand = bool(assignment and assignment.is_demand)
                    if st.button(
                        T("curate.unmark") if is_demand else T("curate.mark"), key="cur_demand"
                    ):
                        do("demand", {"statement_id": chosen_statement.id, "value": not is_demand})
                with c3:
                    if st.button(
                        T("curate.show") if chosen_statement.hidden else T("curate.hide"),
                        key="cur_hide",
                        disabled=acc.process,  # the workshop's own moderator decides that
                    ):
                        do(
                            "hide",
                            {
                                "statement_id": chosen_statement.id,
                                "hidden": not chosen_statement.hidden,
                            },
                        )
                with st.expander(T("curate.delete_forever")):
                    st.warning(T("curate.delete_warning"))
                    if st.button(T("curate.delete_button"), key="cur_delete",
                                 disabled=acc.process):
                        store.delete_statement(chosen_statement.id)
                        st.rerun()
    with tab_words:
        c1, c2, c3 = st.columns(3)
        with c1:
            word = st.text_input(T("curate.stopword"), key="cur_stopword", max_chars=60)
            if st.button(T("curate.add_stopword"), key="cur_add_stopword") and word:
                do("stopword", {"word": word})
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
                do("synonym", {"word": syn_word, "canonical": syn_canonical})
        with c3:
            vocabulary = sorted(
                board.clustering.vocabulary, key=lambda k: -board.clustering.vocabulary[k]
            )
            keyword = (
                st.selectbox(T("curate.pin_keyword"), vocabulary[:300], key="cur_pin_kw")
                if vocabulary
                else None
            )
            pin_theme = pick_theme(T("curate.pin_theme"), theme_ids, fmt, "cur_pin_theme")
            if keyword and pin_theme and st.button(T("curate.pin"), key="cur_pin"):
                do("pin", {"keyword": keyword, "theme_id": pin_theme})
    with tab_guided:
        st.caption(T("curate.guided_hint"))
        current = [c for c in curation.overrides_from_actions(store.actions(ws.id)).categories]
        text = "\n".join(f"{c.name}: {', '.join(c.keywords)}" for c in current)
        spec = st.text_area(T("curate.guided_field"), value=text, key="cur_guided", height=180)
        if st.button(T("curate.guided_save"), key="cur_guided_save"):
            categories = []
            for index, line in enumerate(spec.splitlines()):
                if not line.strip():
                    continue
                name, _, words = line.partition(":")
                categories.append(
                    {
                        "id": f"cat-{index + 1}",
                        "name": name.strip(),
                        "keywords": [w.strip() for w in words.split(",") if w.strip()],
                    }
                )
            do("categories", {"categories": categories})
    with tab_log:
        if st.button(T("curate.undo_last"), key="cur_undo", type="primary"):
            undone = curation.undo_last(store, ws.id)
            st.toast(T("curate.undone") if undone else T("curate.nothing_to_undo"))
            st.rerun()
        # every decision can be taken back (or brought back) on its own, in words people
        # know: theme names and statement excerpts, no internal ids
        log = store.actions(ws.id, include_undone=True)
        if not log:
            st.caption(T("curate.log_empty"))
        texts_by_id = {s.id: s.text for s in board_statements(store, board, include_hidden=True)}
        for a in list(reversed(log))[:50]:
            row = st.columns([1.6, 6, 1.6], vertical_alignment="center")
            detail = escape_md(
                curation.describe_action(a, labels, texts_by_id, lang())
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
                (curation.redo if a.undone else curation.undo)(store, a.id)
                st.toast(T("curate.undone") if not a.undone else T("curate.done"))
                st.rerun()


def page_summary() -> None:
    from harvest.summary import (
        build_summary,
        summary_filename,
        summary_html,
        summary_markdown,
        summary_pdf,
    )

    acc = require(current_access(), "summary")
    store = get_store()
    ws = workshop_of(acc)
    revision = store.revision(ws.id)
    board = cached_board(ws.id, revision)
    from harvest.conceptmap import theme_colors

    votes = participation_store.demand_votes(store, ws.id) or None

    def summary_of(reasons: bool) -> Any:
        return build_summary(
            ws, board.clustering, list(board.statements), language=lang(),
            colors=theme_colors(board.graph), reasons=reasons, votes=votes,
            sources=[m.id for m in board.members],  # a process's workshops
        )

    # the engine's "Grund: …" helps the moderator check a demand; paper and files go
    # without it
    printed = summary_of(reasons=False)
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
    on_screen = summary_of(reasons=True) if acc.role == "moderator" else printed
    st.iframe(html if on_screen is printed else summary_html(on_screen, dark=dark), height=1400)
    # the same content as plain Streamlit text, so the page reads without the iframe too
    with st.expander(T("summary.as_text")):
        st.markdown(summary_markdown(on_screen))


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
    # one button per format of the shared table (harvest.formats); the network PNG twice
    groups = {"harvest": [], "network": [], "data": [], "replay": []}  # type: ignore[var-annotated]
    for spec in FORMATS.values():
        groups[spec.layout].append((spec, 4000 if spec.name == "png" else 0))
        if spec.name == "png":
            groups["network"].append((spec, 1600))
    for group in ("harvest", "network", "data", "replay"):
        if group != "harvest":
            st.markdown(f"#### {T('replay.title' if group == 'replay' else 'export.' + group)}")
        cols = st.columns(4)
        for index, (spec, width) in enumerate(groups[group]):
            fmt = spec.name
            name = map_filename(ws, spec.extension)
            if width == 1600:
                name = name.replace(".png", "-screen.png")
            elif group == "harvest":
                name = name.replace(f".{spec.extension}", f"-poster-{size.replace(':', 'x')}"
                                    f".{spec.extension}")
            elif group == "replay":
                name = name.replace(f".{spec.extension}", f"-replay.{spec.extension}")
            poster = group == "harvest"

            def data(fmt: str = fmt, width: int = width, poster: bool = poster) -> bytes:
                return cached_export(db_url(), ws.id, revision, fmt, dark, width,
                                     size if poster else "", qr if poster else "")

            label = T("export.png_screen") if width == 1600 else T(spec.label)
            cols[index % 4].download_button(
                label,
                data,
                file_name=name,
                mime=MAP_MIME[fmt],
                key=f"export_{fmt}_{width}",
                on_click="ignore",
                width="stretch",
            )
    st.markdown(f"#### {T('export.statements')}")

    def rows(fmt: str) -> Callable[[], bytes]:
        def data() -> bytes:  # a process's rows carry their workshop
            return export_statements(store, cached_board(ws.id, revision), fmt)

        return data

    data_formats = [
        ("CSV", "csv", "text/csv"),
        ("XLSX", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ]
    for col, (label, ext, mime) in zip(st.columns(4), data_formats, strict=False):
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
        confirm = st.text_input(T("export.delete_confirm", slug=ws.slug), key="delete_confirm")
        if st.button(T("export.delete_button"), key="delete_workshop", disabled=confirm != ws.slug):
            store.delete_workshop(ws.id)
            for key in ("token", "access"):
                st.session_state.pop(key, None)
            st.query_params.clear()
            st.rerun()


# --- participation: the phone form, the vote, the moderator's queue --------------------


def participant_session() -> str:
    """This browser session's random id: what one ballot and the rate limit count (a
    participant is a session of the participant link, not a person)."""
    return str(st.session_state.setdefault("participant_session", uuid.uuid4().hex))


@st.cache_data(ttl=2, max_entries=256, show_spinner=False)
def cached_participation(
    url: str, workshop_id: int
) -> tuple[Settings, int, Vote | None, list[Tally]]:
    """Settings, the "n waiting" count and the latest vote's tallies, read at most every
    2 s per workshop: a hall of phones and boards polls them, the database answers once."""
    store = open_store(url)
    settings = participation_store.get_settings(store, workshop_id)
    waiting = participation_store.waiting_count(store, workshop_id)
    result = participation_store.vote_tallies(store, workshop_id)
    return settings, waiting, *(result if result is not None else (None, []))


def participation_active(workshop_id: int) -> bool:
    try:
        settings, _, vote, _ = cached_participation(db_url(), workshop_id)
    except StoreError:
        return False
    return settings.participant_input or (vote is not None and not vote.closed)




def show_ranking(
    tallies: Sequence[Tally], closed: bool, limit: int = 3, *, row: bool = False
) -> None:
    """The vote's ranking (dots, label) and per item the voters' tables (one line, most
    first), as escaped HTML; the board shows the top three so its QR code stays on screen."""
    if not tallies:
        return
    st.markdown(f"#### {T('board.ranking_closed' if closed else 'board.ranking')}")
    st.html(f"<style>{RANKING_CSS}</style>{ranking_html(tallies, closed, lang(), limit, row=row)}")


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
    if st.session_state.pop("participant_thanks", False):
        st.success(T("participate.thanks"))
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
    st.session_state["participant_thanks"] = True
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


def page_moderate() -> None:
    acc = require(current_access(), "moderate")
    store = get_store()
    ws = workshop_of(acc)
    st.title(T("moderate.title"), anchor=False)
    settings = participation_store.get_settings(store, ws.id)
    wanted = st.toggle(
        T("moderate.input"), value=settings.participant_input, key="moderate_input",
        help=T("moderate.input_help"),
    )
    if wanted != settings.participant_input:
        participation_store.set_settings(store, ws.id, participant_input=wanted)
        cached_participation.clear()
    queue_fragment(ws.id)
    st.divider()
    vote_panel(ws)


@st.fragment(run_every=REFRESH_SECONDS)
def queue_fragment(workshop_id: int) -> None:
    store = get_store()
    if not still_allowed():
        st.error(T("error.bad_link"))
        return
    try:
        waiting = participation_store.queue(store, workshop_id)
        tables = [t.name for t in store.tables(workshop_id)]
    except DatabaseUnavailable:
        st.warning(T("board.reconnecting"))
        return
    flash = st.session_state.pop("moderate_flash", None)
    if flash:
        st.success(T(flash))
    st.subheader(T("moderate.queue", n=len(waiting)), anchor=False)
    if not waiting:
        st.caption(T("moderate.queue_empty"))
    for sub in waiting:
        queue_item(workshop_id, sub, tables)


def queue_item(workshop_id: int, sub: Submission, tables: list[str]) -> None:
    with st.container(border=True, key=f"queue_{sub.id}"):
        st.markdown(escape_md(sub.text))
        when = sub.received_at.astimezone().strftime("%H:%M:%S")
        st.caption(T("moderate.received", when=when, session=sub.session))
        text = st.text_area(T("moderate.edit"), value=sub.text, key=f"queue_text_{sub.id}")
        cols = st.columns(2)
        options = ["", *tables]
        table = cols[0].selectbox(
            T("moderate.table"), options, key=f"queue_table_{sub.id}",
            index=options.index(sub.table_name) if sub.table_name in options else 0,
            format_func=lambda name: name or T("participate.no_table"),
        )
        kind = cols[1].selectbox(
            T("moderate.kind"), ["", *KINDS], key=f"queue_kind_{sub.id}",
            format_func=lambda k: kind_label(k or None, lang()),
        )
        similar = similar_to(workshop_id, sub)
        buttons = st.columns(3 if similar else 2)
        decided = None
        try:
            if buttons[0].button(T("moderate.approve"), key=f"approve_{sub.id}", type="primary"):
                participation_store.approve(
                    get_store(), sub.id, text=text, table=table or None, kind=kind or None,
                    workshop_id=workshop_id,
                )
                embed_soon(workshop_id)
                decided = "moderate.approved"
            if buttons[1].button(T("moderate.reject"), key=f"reject_{sub.id}"):
                participation_store.reject(get_store(), sub.id, workshop_id=workshop_id)
                decided = "moderate.rejected"
            if similar and buttons[2].button(
                T("moderate.merge", text=similar[1][:60]), key=f"merge_{sub.id}"
            ):
                participation_store.merge(
                    get_store(), sub.id, similar[0], workshop_id=workshop_id
                )
                decided = "moderate.merged"
        except (InvalidInput, StoreError) as exc:
            show_store_error(exc)
        if decided:
            st.session_state["moderate_flash"] = decided
            cached_participation.clear()
            st.rerun()


def similar_to(workshop_id: int, sub: Submission) -> tuple[int, str] | None:
    """The board's statement closest in meaning to a submission (for "merge with"),
    looked up once per submission and session."""
    cache: dict[int, tuple[int, str] | None] = st.session_state.setdefault("queue_similar", {})
    if sub.id not in cache:
        try:
            found = similar_statements(get_store(), workshop_id, sub.text, limit=1)
        except (StoreError, ValueError):
            found = []
        cache[sub.id] = (found[0].statement_id, found[0].text) if found else None
    return cache[sub.id]


def vote_panel(ws: Workshop) -> None:
    store = get_store()
    st.subheader(T("moderate.vote"), anchor=False)
    result = participation_store.vote_tallies(store, ws.id)
    vote, tallies = result if result is not None else (None, [])
    if vote is not None:
        log = participation_store.ballots(store, vote.id)
        status = "moderate.status_closed" if vote.closed else "moderate.status_open"
        st.markdown(f"**{T(status, ballots=len(log))}**")
        shown = st.toggle(
            T("moderate.show_tallies"), value=vote.show_tallies, key=f"tallies_{vote.id}"
        )
        if shown != vote.show_tallies:
            participation_store.show_tallies(store, ws.id, shown)
            cached_participation.clear()
        if not vote.closed and st.button(T("moderate.close"), key="vote_close"):
            participation_store.close_vote(store, ws.id)
            cached_participation.clear()
            st.rerun()
        show_ranking(tallies, vote.closed, limit=len(tallies))
        vote_log(vote, log)
    if vote is None or vote.closed:
        open_vote_form(ws)


def open_vote_form(ws: Workshop) -> None:
    board = cached_board(ws.id, get_store().revision(ws.id))
    settings = participation_store.get_settings(get_store(), ws.id)
    kind = st.segmented_control(
        T("moderate.vote_on"), ["demand", "theme"], default="demand", key="vote_kind",
        format_func=lambda k: T(f"moderate.vote_{k}s"),
    )
    items = (
        theme_items(board.clustering) if kind == "theme"
        else demand_items(board.statements, board.clustering)
    )
    if not items:
        st.info(T("moderate.no_items"))
        return
    labels = {item.key: item.label for item in items}
    with st.form("vote_open", border=True):
        chosen = st.multiselect(
            T("moderate.vote_items"), list(labels), default=list(labels),
            format_func=lambda key: labels[key][:80], key=f"vote_items_{kind}",
        )
        dots = st.number_input(
            T("moderate.dots"), min_value=1, max_value=MAX_DOTS, value=settings.dots,
            key="vote_dots",
        )
        stack = st.checkbox(T("moderate.stack"), value=settings.stack, key="vote_stack")
        opened = st.form_submit_button(T("moderate.open"), type="primary")
    if opened:
        try:
            participation_store.set_settings(get_store(), ws.id, dots=int(dots), stack=stack)
            participation_store.open_vote(
                get_store(), ws.id, [i for i in items if i.key in chosen], dots=int(dots),
                stack=stack,
            )
        except (InvalidInput, StoreError) as exc:
            show_store_error(exc)
            return
        cached_participation.clear()
        st.rerun()


def vote_log(vote: Vote, log: Sequence[Ballot]) -> None:
    """The anonymous vote log: when each session voted, from which table, which dots;
    the moderator removes the ballots of sessions that look like stuffing."""
    if not log:
        return
    with st.expander(T("moderate.log")):
        st.caption(T("moderate.log_help"))
        labels = {item.key: item.label for item in vote.items}
        st.dataframe(
            [
                {
                    T("moderate.log_time"): b.cast_at.astimezone().strftime("%H:%M:%S")
                    if b.cast_at else "",
                    T("moderate.log_session"): b.session,
                    T("moderate.log_table"): b.table_name or "",
                    T("moderate.log_dots"): " · ".join(
                        f"{labels.get(k, k)[:40]} ×{n}" for k, n in b.dots.items()
                    ),
                }
                for b in log
            ],
            hide_index=True,
        )
        sessions = st.multiselect(
            T("moderate.log_session"), sorted({b.session for b in log}), key="log_sessions"
        )
        if sessions and st.button(T("moderate.remove"), key="log_remove"):
            removed = participation_store.remove_ballots(get_store(), vote.id, sessions)
            cached_participation.clear()
            st.success(T("moderate.removed", n=removed))


def page_denied() -> None:
    st.title(T("denied.title"))
    st.error(T("denied.body"))
    st.page_link(st.session_state["start_page"], label=T("denied.start"))


# --- processes: several workshops on one board, compared and traced --------------------
# The process board is the ordinary board page (a process's link opens its own workshop
# row, whose board runs over all member statements, see harvest.board); these are the
# pages and start-page parts only a process has.


def process_members(ws: Workshop) -> tuple[Workshop, ...]:
    """A process's workshops (empty for a plain workshop)."""
    store = get_store()
    process = store.process_of(ws.id)
    return tuple(store.get_workshop(i) for i in process.workshop_ids) if process else ()


def process_caption(ws: Workshop) -> None:
    members = process_members(ws)
    if not members:
        st.info(T("process.empty"))
        return
    st.caption(T("process.members", names=", ".join(m.title for m in members)))


def process_pages() -> list[Any]:
    return [
        st.Page(page_compare, title=T("nav.compare"), icon=":material/grid_on:",
                url_path="compare"),
        st.Page(page_trace, title=T("nav.trace"), icon=":material/account_tree:",
                url_path="trace"),
    ]


@st.cache_resource(max_entries=32, show_spinner=False)
def cached_comparison(url: str, workshop_id: int, revision: int) -> Any:
    from harvest.compare import compare

    return compare(compute_cached_board(url, workshop_id, revision))


def process_page_head(title_key: str) -> tuple[Workshop, Board, Any] | None:
    """Title, member list and the process board with its comparison; None (after a
    friendly note) while there is nothing to compare."""
    acc = require(current_access(), "board")
    if not acc.process:
        st.error(T("error.not_allowed"))
        st.stop()
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


# --- navigation -----------------------------------------------------------------------


def main() -> None:
    if "lang" not in st.session_state:
        requested = st.query_params.get("lang")
        st.session_state["lang"] = requested if requested in LANGUAGES else None
    denied = False
    acc: Access | None = None
    try:
        acc = current_access()
    except TooManyAttempts as exc:
        st.error(T("error.too_many", seconds=int(exc.retry_after) + 1))
        st.stop()
    except AccessDenied:
        denied = True
    except DatabaseUnavailable:
        st.error(T("error.db_unavailable"))
        st.stop()
    if acc is not None:
        st.query_params[access.TOKEN_PARAM] = st.session_state["token"]
        if st.session_state.get("lang") is None:
            try:
                st.session_state["lang"] = workshop_of(acc).language
            except StoreError:
                st.session_state["lang"] = "de"
        if st.session_state.get("embed_checked") != acc.workshop_id:
            # once per visit: statements a stopped server left without vector get one
            st.session_state["embed_checked"] = acc.workshop_id
            embed_soon(acc.workshop_id)
    if st.session_state.get("lang") is None:
        st.session_state["lang"] = "de"

    start = st.Page(page_start, title=T("nav.start"), icon=":material/home:", url_path="start")
    st.session_state["start_page"] = start
    pages: list[Any] = []
    if denied:
        pages = [
            st.Page(page_denied, title=T("denied.title"), icon=":material/block:", default=True),
            start,
        ]
    elif acc is None:
        pages = [
            st.Page(
                page_start,
                title=T("nav.start"),
                icon=":material/home:",
                url_path="start",
                default=True,
            )
        ]
    else:
        # a phone that scans the QR code while input or a vote is on lands on the form
        participant_first = acc.role == "participant" and participation_active(acc.workshop_id)
        role_pages = {
            "board": st.Page(
                page_board,
                title=T("nav.board"),
                icon=":material/hub:",
                url_path="board",
                default=acc.role != "facilitator" and not participant_first,
            ),
            "entry": st.Page(
                page_entry,
                title=T("nav.entry"),
                icon=":material/edit_note:",
                url_path="entry",
                default=acc.role == "facilitator",
            ),
            "curate": st.Page(
                page_curate, title=T("nav.curate"), icon=":material/tune:", url_path="curate"
            ),
            "summary": st.Page(
                page_summary,
                title=T("nav.summary"),
                icon=":material/summarize:",
                url_path="summary",
            ),
            "export": st.Page(
                page_export, title=T("nav.export"), icon=":material/download:", url_path="export"
            ),
            "moderate": st.Page(
                page_moderate, title=T("nav.moderate"), icon=":material/how_to_vote:",
                url_path="moderate",
            ),
            "participate": st.Page(
                page_participate, title=T("nav.participate"), icon=":material/front_hand:",
                url_path="participate", default=participant_first,
            ),
            "start": start,
        }
        order = [
            "board", "participate", "entry", "curate", "moderate", "summary", "export", "start"
        ]
        pages = [role_pages[name] for name in order if acc.allows(name)]
        if acc.process:  # after the board: the pages only a process has
            pages[1:1] = process_pages()
    page = st.navigation(
        pages, position="sidebar" if not st.session_state.get("presentation") else "hidden"
    )
    with st.sidebar:
        st.segmented_control(
            T("language"),
            list(LANGUAGES),
            key="lang",
            format_func=lambda code: T(f"language.{code}"),
        )
        if acc is not None:
            st.caption(T(f"role.{acc.role}"))
    try:
        page.run()
    except DatabaseUnavailable:
        st.error(T("error.db_unavailable"))


if __name__ == "__main__":  # `streamlit run` executes this file for every page view
    main()
else:  # imported once by `streamlit run`'s web server, which then serves this App:
    # Streamlit's pages plus the light live board's plain HTTP routes (harvest/web.py)
    from streamlit.starlette import App

    app = App(__file__, routes=live_routes(db_url, refresh=REFRESH_SECONDS))
