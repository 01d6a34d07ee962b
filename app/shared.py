"""What every page shares: the server's caches and resources, the language and T(),
the access of this browser session, and how errors and notices are shown."""

from __future__ import annotations

import ipaddress
import time
import uuid
from pathlib import Path
from typing import Any, NoReturn

import streamlit as st

from harvest import access, config
from harvest.access import Access, AccessDenied
from harvest.board import (
    Board,
    RevisionReader,
    compute_board,
    new_node_ids,
    render_map,
    restrict,
)
from harvest.conceptmap.style import OTHER_COLOR
from harvest.engine.semantic import NeighbourCache
from harvest.i18n import LANGUAGES, translate
from harvest.intake import InvalidInput
from harvest.model import Workshop
from harvest.participation import (
    Settings,
    Tally,
    Vote,
)
from harvest.qr import qr_data_uri
from harvest.safety import escape_markdown
from harvest.store import (
    DatabaseUnavailable,
    HiddenByModerator,
    StorageFull,
    Store,
    StoreError,
    database_url,
    participation_store,
)
from harvest.vectors import background_embedder
from harvest.web import live_url

REFRESH_SECONDS = config.refresh_seconds()
TOKEN_RECHECK_SECONDS = 10.0
# "Ähnlich wie" before saving; 0 turns it off (a load test whose texts repeat on purpose)
SIMILAR_HINT = config.similar_hint()
HIGHLIGHT_CHANGES = 3  # statements of the last three changes pulse when the map reloads
# a text widget's limit, times the workshop's (Streamlit cuts longer text silently, so the
# core refuses in between, and says why)
WIDGET_CHAR_FACTOR = 10


def db_url() -> str:
    """The database this server uses: ``HARVEST_DATABASE_URL`` from the environment or
    from Streamlit secrets, else the SQLite file in sessions/ (read per run, so tests
    can point elsewhere)."""
    if config.database_url():
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
    return compute_board(open_store(url), workshop_id, cache=neighbour_cache(url, workshop_id))


@st.cache_resource(max_entries=64, show_spinner=False)
def neighbour_cache(url: str, workshop_id: int) -> NeighbourCache:
    """The workshop's neighbour lists from its last recompute on this server, so the next
    recompute searches only the new statements (the board is the same without it)."""
    return NeighbourCache()


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
    from harvest.conceptmap.html import render_html
    from harvest.engine.demands import top_demands

    board = restrict(
        compute_cached_board(url, workshop_id, revision), tables=tables, kinds=kinds, wall=True,
        workshops=workshops,
    )
    texts = {s.id: s.text for s in board.statements}
    colors = theme_colors(board.graph)
    demands = [
        (" ".join(texts[sid].split()), colors.get(theme_id, OTHER_COLOR))
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


STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


@st.cache_resource
def vis_network_url() -> str | None:
    """Where browsers fetch vis-network from: once from this server's static folder, so
    a map reload sends 60 KB instead of 520 KB to every viewer (None: inline it)."""
    from harvest.conceptmap.html import VIS_NETWORK_JS

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
    return qr_data_uri(url, dark=dark)


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
        str(peer), forwarded, config.trusted_proxies(), session
    )


def authenticate(token: str | None) -> Access:
    client = client_id()
    group = access.LOCAL_GROUP if client.startswith("local:") else None
    return access.authenticate(get_store(), token, client, get_throttle(), group)


def is_local_organiser() -> bool:
    """`make run` on one's own machine: the loopback user may open every workshop."""
    if not config.local_organiser():
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
    """The access, if it allows ``action``; else see :func:`refuse`."""
    if acc is None or not acc.allows(action):
        refuse(acc, offer_board=action != "board")
    return acc


def refuse(acc: Access | None, *, offer_board: bool = True) -> NoReturn:
    """This link does not open this page: say so, offer the way to the board (a page
    every link opens) and stop the page."""
    st.error(T("error.not_allowed"))
    if offer_board and acc is not None and acc.allows("board"):
        st.page_link("app/board.py", label=T("nav.board"), icon=":material/hub:")
    st.stop()


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


def may_import(acc: Access | None) -> bool:
    """Imports cost the server real work: only a workshop's moderator, or the organiser
    at the machine itself (local mode on loopback), may bring in a file."""
    if acc is not None and acc.process:
        return False  # statements go into a process's workshops, never into the process
    return (acc is not None and acc.allows("start")) or is_local_organiser()


def base_url() -> str | None:
    configured = config.base_url()
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


def escape_md(text: str | None) -> str:
    """User text shown through Streamlit's Markdown: literal, line breaks kept (the same
    escaping as the summary's Markdown, line by line)."""
    if not text:
        return ""
    return "  \n".join(escape_markdown(line) for line in text.split("\n"))


@st.cache_data(max_entries=16, show_spinner=False)
def cached_replay_html(url: str, workshop_id: int, revision: int, dark: bool) -> str:
    from harvest.conceptmap.replay import replay_html

    return replay_html(compute_cached_board(url, workshop_id, revision), dark=dark)


def board_participation(workshop_id: int) -> tuple[Settings, int, Vote | None, list[Tally]] | None:
    try:
        return cached_participation(db_url(), workshop_id)
    except StoreError:
        return None


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


def process_members(ws: Workshop) -> tuple[Workshop, ...]:
    """A process's workshops (empty for a plain workshop)."""
    store = get_store()
    process = store.process_of(ws.id)
    return tuple(store.get_workshop(i) for i in process.workshop_ids) if process else ()


@st.cache_resource(max_entries=32, show_spinner=False)
def cached_comparison(url: str, workshop_id: int, revision: int) -> Any:
    from harvest.compare import compare

    return compare(compute_cached_board(url, workshop_id, revision))


FLASH_KINDS = ("success", "info", "warning", "error")


def flash(key: str, kind: str = "success", *, runs: int = 1, **params: Any) -> None:
    """Show the catalogue text ``key`` after the coming rerun (a confirmation that would
    vanish with the rerun that shows its effect), in ``runs`` runs.

    One run for an acknowledgement ("Gespeichert (Nr. 12)" must never stand beside the
    next, unsaved statement). Two on a page that refreshes itself: its timer can start the
    next run before the browser has drawn the one with the notice (seen on a busy server),
    and a notice shown in one run only is then gone unseen."""
    if kind not in FLASH_KINDS:
        raise ValueError(f"unknown notice kind {kind!r}; use one of {', '.join(FLASH_KINDS)}")
    st.session_state.setdefault("flashes", []).append((key, kind, params, max(1, runs)))


def show_flashes() -> None:
    """Show every notice ``flash`` queued, in the order queued (each in its ``runs``)."""
    kept = []
    for key, kind, params, runs in st.session_state.pop("flashes", []):
        getattr(st, kind)(T(key, **params))
        if runs > 1:
            kept.append((key, kind, params, runs - 1))
    if kept:
        st.session_state["flashes"] = kept
