"""Harvest's Streamlit entry: navigation, pages and widgets over the pure core in harvest/.

Run with ``make run`` (or ``streamlit run harvest_app.py``). Every page reads input, calls
the core, and shows what comes back; domain errors become messages, never tracebacks.
"""

from __future__ import annotations

import hashlib
import html
import io
import ipaddress
import os
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st

from harvest import access, curation
from harvest.access import Access, AccessDenied, TooManyAttempts
from harvest.board import (
    MAP_MIME,
    Board,
    RevisionReader,
    compute_board,
    map_filename,
    new_node_ids,
    render_map,
    restrict,
    theme_counts,
)
from harvest.formats import FORMATS, POSTER_SIZES
from harvest.i18n import LANGUAGES, kind_label, translate, translate_or
from harvest.intake import InvalidInput
from harvest.model import KINDS, OTHER_THEME_ID, Workshop
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
        compute_cached_board(url, workshop_id, revision), tables=tables, kinds=kinds, wall=True
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
    css = """
    .block-container {padding-top: 2.2rem;}
    .harvest-theme {font-size: 1.15rem; line-height: 1.5; margin: 0 0 .35rem 0;
                    display: flex; align-items: baseline;}
    .harvest-theme b {font-weight: 700; flex: 1 1 auto;}
    .harvest-count {flex: 0 0 auto; padding-left: .6rem; font-variant-numeric: tabular-nums;
                    opacity: .8;}
    .harvest-swatch {flex: 0 0 auto; display:inline-block; width: .9rem; height: .9rem;
                     border-radius: 50%;
                     margin-right: .45rem; vertical-align: -1px;}
    .harvest-pict {flex: 0 0 auto; width: 1.6em; height: 1.6em; margin-right: .35rem;
                   align-self: center;}
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
    for role in ("moderator", "facilitator", "participant"):
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
    for col, role in zip(cols, ("moderator", "facilitator", "participant"), strict=True):
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
    with st.sidebar:
        st.markdown(f"### {T('board.view')}")
        tables = [t.name for t in get_store().tables(ws.id)]
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
    with side_col, st.container(key="harvest_side"):
        side_panel(board, options, presentation)


def side_panel(board: Board, options: dict[str, Any], presentation: bool) -> None:
    from harvest.conceptmap import theme_colors
    from harvest.pictograms import data_uri

    colors = theme_colors(board.graph)
    counts = [(t, c) for t, c in theme_counts(board) if c]
    total = sum(c for _, c in counts)
    # every element is a message to every viewer on every refresh (the server's main cost
    # under load, see benchmarks/load_board.py): heading and list go as one
    heading = f"<h4>{html.escape(T('board.themes'))} · {len(counts)}</h4>"
    lines = []
    for theme, count in counts:
        color = colors.get(theme.id, "#9a9a9a")
        label = T("theme.other") if theme.id == OTHER_THEME_ID else theme.label
        code = board.pictograms.get(theme.id, "")
        picture = f'<img class="harvest-pict" alt="" src="{data_uri(code)}">' if code else ""
        lines.append(
            f'<div class="harvest-theme"><span class="harvest-swatch" style="background:{color}">'
            f'</span>{picture}<b>{html.escape(label)}</b>'
            f'<span class="harvest-count">{count}</span></div>'
        )
    # presentation: the list shrinks with the screen's height and the number of themes, so
    # every theme and the QR code below stay on a beamer's screen (see inject_style)
    fit = min(1.0, 8 / max(len(counts), 1))
    st.html(
        heading + f'<div class="harvest-themes" style="--fit:{fit:.3f}">{"".join(lines)}</div>'
        if lines
        else f"{heading}<p>{html.escape(T('board.empty'))}</p>"
    )
    demands = sum(1 for a in board.clustering.assignments.values() if a.is_demand)
    st.caption(T("board.counts", statements=total, demands=demands))
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


def participant_url(ws: Workshop) -> str | None:
    """The link the board's QR code carries, for this viewer: a participant sees the link
    they came with (a revoked one never learns its successor); the others see the
    current link only while their own still works (checked now, not 10 s ago)."""
    token = st.session_state.get("token")
    acc = st.session_state.get("access")
    if acc is not None and acc.role == "participant" and token:
        return access.link_url(token, base_url())
    try:
        access.resolve_token(get_store(), token)
        return cached_participant_url(db_url(), ws.id, base_url())
    except (AccessDenied, StoreError, OSError):
        return None


@st.cache_data(ttl=10, max_entries=256, show_spinner=False)
def cached_participant_url(url: str, workshop_id: int, base: str | None) -> str:
    """The QR code's link, looked up at most every 10 s (a re-issued link shows soon)."""
    store = open_store(url)
    return access.workshop_links(store, store.get_workshop(workshop_id), base_url=base)[
        "participant"
    ]


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
        statements = list(store.statements(ws.id, include_hidden=True))
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
                    if st.button(T("curate.delete_button"), key="cur_delete"):
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
        texts_by_id = {s.id: s.text for s in store.statements(ws.id, include_hidden=True)}
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

    def summary_of(reasons: bool) -> Any:
        return build_summary(
            ws, board.clustering, list(board.statements), language=lang(),
            colors=theme_colors(board.graph), reasons=reasons,
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
    from harvest.exports import export_statements_csv, export_statements_xlsx, statement_themes

    def rows(fn: Callable[..., bytes]) -> Callable[[], bytes]:
        def data() -> bytes:
            themes = statement_themes(cached_board(ws.id, revision).clustering, T("theme.other"))
            statements = store.statements(ws.id, include_hidden=True)
            return fn(ws, statements, store.tables(ws.id), themes)

        return data

    data_formats = [
        ("CSV", export_statements_csv, "csv", "text/csv"),
        (
            "XLSX",
            export_statements_xlsx,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ]
    for col, (label, fn, ext, mime) in zip(st.columns(4), data_formats, strict=False):
        col.download_button(
            label,
            rows(fn),
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


def page_denied() -> None:
    st.title(T("denied.title"))
    st.error(T("denied.body"))
    st.page_link(st.session_state["start_page"], label=T("denied.start"))


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
        role_pages = {
            "board": st.Page(
                page_board,
                title=T("nav.board"),
                icon=":material/hub:",
                url_path="board",
                default=acc.role != "facilitator",
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
            "start": start,
        }
        order = ["board", "entry", "curate", "summary", "export", "start"]
        pages = [role_pages[name] for name in order if acc.allows(name)]
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


main()
