"""The light live board: what a hall's phones watch, one render per (workshop, revision).

A participant's phone polls a small HTML fragment (the theme list the board's side panel
shows, the "N Aussagen" caption, the waiting count, an open vote's ranking and a map
picture) instead of keeping a Streamlit session whose fragment reruns a script every
refresh. ``LiveBoard`` renders each fragment once per (workshop, revision, participation
state, language) and answers every other poll from memory: 300 phones cost one render
and a dictionary lookup each, and a poll whose version the phone already has costs a
304. The map picture (a PNG, about a second to draw) is redrawn at most every
``MAP_SECONDS``, always from the newest board. A watcher thread looks for new revisions of
the workshops phones watch every ``WATCH_SECONDS`` and computes the board and draws the
next picture before any phone asks, so a poll is answered from memory.

Tokens are checked through ``harvest.access`` exactly as the participant link is
(``authenticate`` with the server's ``Throttle``); a valid link is remembered for
``LINK_RECHECK_SECONDS`` (a revoked one stops within that), a wrong one is never
remembered. The HTTP routes that serve this are in ``harvest.web``.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from harvest import access, config
from harvest.access import Access, AccessDenied, TooManyAttempts
from harvest.board import Board, RevisionReader, compute_board, render_map, theme_counts
from harvest.conceptmap.html import (  # the map page's rules and legend, shared
    csp_hash,
    pictogram_credit_html,
    script_json,
    shape_marks_html,
)
from harvest.conceptmap.style import OTHER_COLOR, css_variables, live_colors
from harvest.engine.semantic import NeighbourCache
from harvest.i18n import LANGUAGES, theme_name, translate
from harvest.participation import Settings, Tally, Vote
from harvest.safety import escape_html
from harvest.store import (
    DatabaseUnavailable,
    Store,
    StoreError,
    WorkshopNotFound,
    participation_store,
)

log = logging.getLogger(__name__)

REFRESH_SECONDS = config.DEFAULT_REFRESH_SECONDS
"""How often a phone asks for news (the app passes ``HARVEST_REFRESH_SECONDS``)."""
LINK_RECHECK_SECONDS = 5.0
"""How long a valid link is believed without asking the store again (the Streamlit
board re-checks its link every 10 s, at most every 5 s per server)."""
PARTICIPATION_SECONDS = 2.0
"""How old the participation state (input on, waiting count, vote) a poll may show."""
MAP_SECONDS = 15.0
"""The map picture is redrawn at most this often (one PNG costs about a second)."""
WATCH_SECONDS = 0.25
"""How often the server looks for a new revision of a workshop that phones watch, and
computes its board (and redraws a due map picture) before any phone asks: a poll then
finds the newest board ready instead of starting its computation and showing the old
one until its next poll, 3 s later."""
WATCH_IDLE_SECONDS = 30.0
"""A workshop no phone asked about for this long is no longer watched."""
REVISION_SECONDS = 1.0
"""How late the watcher may see a revision another server wrote (one query a second per
watched workshop; a write through this server is seen at its next round)."""
MAP_WIDTH_PX = 1400
CACHE_ENTRIES = 64

THEME_LIST_CSS = """
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
"""
"""The theme list's look, shared by the Streamlit board and the light page."""

_INK = live_colors()

RANKING_CSS = f"""
.harvest-votes {{ display: flex; gap: 1.2rem; }}
.harvest-vote {{ flex: 1 1 0; min-width: 0; margin: 0 0 .55rem; line-height: 1.25; }}
.harvest-vote .harvest-dots {{ display: inline-block; min-width: 2.6em; margin-right: .35em;
  padding: 0 .35em; border-radius: .3em; background: {_INK["accent"]};
  color: {_INK["on-accent"]}; text-align: center; }}
.harvest-vote .harvest-label {{ display: -webkit-box; -webkit-line-clamp: 2; line-clamp: 2;
  -webkit-box-orient: vertical; overflow: hidden; }}
.harvest-vote-tables {{ font-size: .8em; opacity: .7; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }}
"""
"""A vote's ranking, shared by the Streamlit pages and the light page."""

Participation = tuple[Settings, int, Vote | None, list[Tally]]


def theme_list_html(board: Board, lang: str) -> tuple[str, int]:
    """The board's themes as the side panel lists them (swatch, pictogram, label, count;
    labels escaped), and the number of statements they hold."""
    from harvest.conceptmap import theme_colors
    from harvest.pictograms import data_uri

    colors = theme_colors(board.graph)
    counts = [(t, c) for t, c in theme_counts(board) if c]
    heading = f"<h4>{escape_html(translate('board.themes', lang))} · {len(counts)}</h4>"
    lines = []
    for theme, count in counts:
        color = colors.get(theme.id, OTHER_COLOR)
        label = theme_name(theme.label, theme.is_other_theme, lang)
        code = board.pictograms.get(theme.id, "")
        picture = f'<img class="harvest-pict" alt="" src="{data_uri(code)}">' if code else ""
        lines.append(
            f'<div class="harvest-theme"><span class="harvest-swatch" style="background:{color}">'
            f'</span>{picture}<b>{escape_html(label)}</b>'
            f'<span class="harvest-count">{count}</span></div>'
        )
    # presentation: the list shrinks with the screen's height and the number of themes, so
    # every theme and the QR code below stay on a beamer's screen (see inject_style)
    fit = min(1.0, 8 / max(len(counts), 1))
    body = (
        heading + f'<div class="harvest-themes" style="--fit:{fit:.3f}">{"".join(lines)}</div>'
        if lines
        else f"{heading}<p>{escape_html(translate('board.empty', lang))}</p>"
    )
    return body, sum(c for _, c in counts)


def demand_count(board: Board) -> int:
    return sum(1 for a in board.clustering.assignments.values() if a.is_demand)


def ranking_html(tallies: Sequence[Tally], closed: bool, lang: str, limit: int = 3, *,
                 row: bool = False) -> str:
    """A vote's ranking (dots, label) and per item the voters' tables, as escaped HTML
    (without its heading)."""
    rows = []
    for entry in tallies[:limit]:
        tables = " · ".join(
            f"{escape_html(name or translate('participate.no_table', lang))} {dots}"
            for name, dots in entry.by_table
        )
        rows.append(
            f'<div class="harvest-vote"><div class="harvest-label"><b class="harvest-dots" '
            f'title="{escape_html(translate("board.dots", lang, n=entry.dots))}">{entry.dots}</b>'
            f"{escape_html(entry.item.label)}</div>"
            + (f'<div class="harvest-vote-tables">{tables}</div>' if tables else "")
            + "</div>"
        )
    layout = ' class="harvest-votes"' if row else ""
    return f'<div{layout}>{"".join(rows)}</div>'


def participation_open(found: Participation | None) -> bool:
    """Whether participants have something to do: input is on or a vote is open."""
    if found is None:
        return False
    settings, _, vote, _ = found
    return settings.participant_input or (vote is not None and not vote.closed)


@dataclass(frozen=True)
class Reply:
    """An HTTP answer as plain data (``harvest.web`` turns it into a response)."""

    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    etag: str | None = None
    retry_after: int | None = None
    csp: str | None = None
    cache: str = "no-cache"
    """Cache-Control: ask again every time, except a map picture named by its version"""
    gzipped: bytes | None = None
    """the body, gzip-compressed once for every phone that accepts it"""


@dataclass
class _Map:
    revision: int
    drawn_at: float
    png: bytes | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class LiveBoard:
    """The light board of one server: fragments per (workshop, revision), shared by every
    phone (thread-safe; see the module docstring).

    >>> live = LiveBoard(store)  # doctest: +SKIP
    >>> live.board(token).etag  # doctest: +SKIP
    '"12-3f2a9c01"'
    """

    def __init__(
        self, store: Store, *, refresh: float = REFRESH_SECONDS,
        throttle: access.Throttle | None = None, draw_map: bool = True,
        background: bool = True,
        map_seconds: float = MAP_SECONDS, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.refresh = refresh
        self.throttle = throttle or access.Throttle()
        self.draw_map = draw_map
        self.background = background
        self.map_seconds = map_seconds
        self.clock = clock
        self.revisions = RevisionReader(store, max_age=REVISION_SECONDS)
        self.renders = 0
        """fragments rendered (not answered from memory): what the tests count"""
        self.boards_computed = 0
        self.maps_drawn = 0
        """map pictures drawn, once each is ready to be sent"""
        self._lock = threading.Lock()
        self._links: dict[str, tuple[float, Access, str, str]] = {}
        self._participation: dict[int, tuple[float, Participation | None]] = {}
        self._boards: OrderedDict[tuple[int, int], Board] = OrderedDict()
        self._fragments: OrderedDict[tuple[int, int, str, str], tuple[str, str]] = OrderedDict()
        self._maps: dict[int, _Map] = {}
        self._compute_locks: dict[int, threading.Lock] = {}
        self._neighbours: dict[int, NeighbourCache] = {}  # per workshop, as the app keeps them
        self._latest: dict[int, Board] = {}
        self._packed: OrderedDict[tuple[str, str, str], tuple[bytes, bytes]] = OrderedDict()
        self._watched: dict[int, float] = {}
        """workshop -> when a phone last asked for it (time.monotonic)"""
        self._watcher: threading.Thread | None = None
        self._closed = threading.Event()
        self.rounds = 0
        """rounds the watcher made (tests wait for them)"""

    def close(self, timeout: float = 5.0) -> None:
        """Stop the watcher (and start none again); a poll is still answered, computing
        what it needs itself."""
        self._closed.set()
        with self._lock:
            watcher = self._watcher
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join(timeout)

    def __enter__(self) -> LiveBoard:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- what the routes ask ----------------------------------------------------------

    def shell(self, token: str, client: str = "", lang: str | None = None) -> Reply:
        """The page a phone opens: the current fragment inside a page that polls it."""
        try:
            grant, title, chosen = self._grant(token, client, lang)
            etag, fragment = self._fragment(grant, chosen)
        except (AccessDenied, TooManyAttempts, DatabaseUnavailable, WorkshopNotFound) as exc:
            return self._refusal(exc, lang)
        page = SHELL.format(
            lang=chosen,
            title=escape_html(title),
            css=THEME_LIST_CSS + RANKING_CSS + SHELL_CSS,
            fragment=_for_link(fragment, token),
            etag=escape_html(etag),
            config=script_json({
                "refresh": self.refresh,
                "lang": chosen,
                "offline": translate("live.offline", chosen),
                "refused": translate("error.bad_link", chosen),
            }),
            script=SHELL_SCRIPT,
        )
        return Reply(200, page.encode("utf-8"), csp=SHELL_CSP)

    def board(self, token: str, client: str = "", have: str | None = None,
              lang: str | None = None) -> Reply:
        """The fragment, or 304 when ``have`` (the ``rev`` parameter or If-None-Match)
        names the version the phone already shows."""
        try:
            grant, _, chosen = self._grant(token, client, lang)
            etag, fragment = self._fragment(grant, chosen)
        except (AccessDenied, TooManyAttempts, DatabaseUnavailable, WorkshopNotFound) as exc:
            return self._refusal(exc, lang)
        if have is not None and have.removeprefix("W/").strip('" ') == etag.strip('"'):
            return Reply(304, etag=etag)
        key = (etag, token, chosen)
        with self._lock:
            packed = self._packed.get(key)
        if packed is None:
            body = _for_link(fragment, token).encode("utf-8")
            packed = (body, gzip.compress(body, compresslevel=6, mtime=0))
            with self._lock:
                self._packed[key] = packed
                while len(self._packed) > CACHE_ENTRIES:
                    self._packed.popitem(last=False)
        return Reply(200, packed[0], etag=etag, gzipped=packed[1])

    def map_png(self, token: str, client: str = "", version: str | None = None) -> Reply:
        """The map picture the fragment names (drawn at most every ``map_seconds``); the
        browser keeps it while the fragment names the same ``version``."""
        try:
            grant, _, _ = self._grant(token, client, None)
        except (AccessDenied, TooManyAttempts, DatabaseUnavailable, WorkshopNotFound) as exc:
            return self._refusal(exc, None)
        entry = self._maps.get(grant.workshop_id)
        if entry is None:
            return Reply(404, b"no map yet", "text/plain; charset=utf-8")
        with entry.lock:  # one drawing per map; the other phones wait for it
            if entry.png is None:
                board = self._boards.get((grant.workshop_id, entry.revision)) \
                    or self._board(grant.workshop_id, entry.revision)
                entry.png = self._draw(board)
                with self._lock:  # the watcher counts under it too
                    self.maps_drawn += 1
            png = entry.png
        current = version == str(entry.revision)
        return Reply(200, png, "image/png", etag=f'"{entry.revision}"',
                     cache="private, max-age=3600, immutable" if current else "no-cache")

    def _draw(self, board: Board) -> bytes:
        # the projector's variant (fewer, larger words) without title and legend, which
        # the page shows above and below it: it is read on a phone
        return render_map(board, "png", width_px=MAP_WIDTH_PX, wall=True, bare=True)

    # --- the parts ---------------------------------------------------------------------

    def _grant(self, token: str, client: str, lang: str | None) -> tuple[Access, str, str]:
        """The link's access, its workshop's title and the language to answer in (the
        asked one, else the workshop's); a valid link is believed for a few seconds."""
        now = self.clock()
        with self._lock:
            hit = self._links.get(token)
        if hit is None or now - hit[0] >= LINK_RECHECK_SECONDS:
            group = access.LOCAL_GROUP if client.startswith("local:") else None
            grant = access.authenticate(self.store, token, client or "live", self.throttle,
                                        group)
            if not grant.allows("board"):
                raise AccessDenied("this link does not show the board")
            workshop = self.store.get_workshop(grant.workshop_id)
            hit = (now, grant, workshop.title, workshop.language or "de")
            with self._lock:
                if len(self._links) > 1024:
                    self._links.clear()
                self._links[token] = hit
        _, grant, title, language = hit
        return grant, title, str(lang) if lang in LANGUAGES else language

    def _refusal(self, exc: Exception, lang: str | None) -> Reply:
        chosen = lang if lang in LANGUAGES else "de"
        if isinstance(exc, TooManyAttempts):
            text = translate("error.too_many", str(chosen), seconds=int(exc.retry_after) + 1)
            return Reply(429, _message_page(text, str(chosen)),
                         retry_after=int(exc.retry_after) + 1)
        if isinstance(exc, DatabaseUnavailable):
            return Reply(503, _message_page(translate("board.reconnecting", str(chosen)),
                                            str(chosen)), retry_after=int(self.refresh) or 1)
        return Reply(403, _message_page(translate("error.bad_link", str(chosen)), str(chosen)))

    def participation(self, workshop_id: int) -> Participation | None:
        """Settings, waiting count and the latest vote with its tallies, read at most
        every ``PARTICIPATION_SECONDS`` per workshop (None if the store cannot say)."""
        now = self.clock()
        hit = self._participation.get(workshop_id)
        if hit is not None and now - hit[0] < PARTICIPATION_SECONDS:
            return hit[1]
        try:
            settings = participation_store.get_settings(self.store, workshop_id)
            waiting = participation_store.waiting_count(self.store, workshop_id)
            result = participation_store.vote_tallies(self.store, workshop_id)
            found: Participation | None = (
                settings, waiting, *(result if result is not None else (None, []))
            )
        except StoreError:
            found = None
        self._participation[workshop_id] = (now, found)
        return found

    def _board(self, workshop_id: int, revision: int) -> Board:
        """The board of ``revision``, or (with ``background``) the newest one computed
        while the watcher computes the newest revision: a poll never waits for the
        engine, except for a workshop's very first board."""
        watching = self.background and self._watch(workshop_id)  # False once closed
        with self._lock:
            board = self._boards.get((workshop_id, revision))
            latest = self._latest.get(workshop_id)
            if board is None and latest is not None and watching:
                return latest
        return board if board is not None else self._compute(workshop_id)

    def _compute(self, workshop_id: int) -> Board:
        lock = self._compute_locks.setdefault(workshop_id, threading.Lock())
        with lock:  # one computation per workshop at a time; the others wait for it
            revision = self.revisions.revision(workshop_id)
            with self._lock:
                board = self._boards.get((workshop_id, revision))
            if board is not None:
                return board
            neighbours = self._neighbours.setdefault(workshop_id, NeighbourCache())
            board = compute_board(self.store, workshop_id, cache=neighbours)
            with self._lock:
                self.boards_computed += 1
                # keyed by the revision it read first: its statements are at least that new
                self._boards[(workshop_id, revision)] = board
                self._boards[(workshop_id, board.revision)] = board
                while len(self._boards) > 8:
                    self._boards.popitem(last=False)
                newest = self._latest.get(workshop_id)
                if newest is None or newest.revision <= board.revision:
                    self._latest[workshop_id] = board
            return board

    # --- the watcher: boards and map pictures made before a phone asks --------------

    def _watching(self) -> bool:
        """The watcher keeps boards and pictures up to date (else each poll does)."""
        return self.background and not self._closed.is_set()

    def _watch(self, workshop_id: int) -> bool:
        """Note that a phone asked for this workshop; start the watcher if none runs.
        False once the board is closed: nothing watches any more."""
        with self._lock:
            if self._closed.is_set():
                return False
            self._watched[workshop_id] = time.monotonic()
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch_loop,
                                                 name="live board watcher", daemon=True)
                self._watcher.start()
        return True

    def _watch_loop(self) -> None:
        """Every ``WATCH_SECONDS``: bring each watched workshop's board and map up to
        date; stop when no phone asked for any workshop for ``WATCH_IDLE_SECONDS``, or
        when the board is closed."""
        while True:
            now = time.monotonic()
            with self._lock:
                for workshop_id, asked in list(self._watched.items()):
                    if now - asked > WATCH_IDLE_SECONDS:
                        del self._watched[workshop_id]
                if not self._watched or self._closed.is_set():
                    self._watcher = None  # under the lock: the next poll starts one
                    return
                watched = list(self._watched)
            for workshop_id in watched:
                try:
                    self._keep_up(workshop_id)
                except StoreError:
                    pass  # the database is away for a moment: look again next time
                except Exception:  # a watcher must outlive one bad board
                    log.exception("the light board of workshop %s failed", workshop_id)
            with self._lock:
                self.rounds += 1
            self._closed.wait(WATCH_SECONDS)

    def _keep_up(self, workshop_id: int) -> None:
        """Compute the board of the newest revision if it is not there yet, then draw the
        map picture if one is due, so that a phone loading it never waits for it."""
        with self._lock:
            latest = self._latest.get(workshop_id)
        if latest is None or latest.revision < self.revisions.revision(workshop_id):
            latest = self._compute(workshop_id)
        if not self.draw_map:
            return
        with self._lock:
            entry = self._maps.get(workshop_id)
        now = self.clock()
        if entry is None or not self._map_due(entry, latest.revision, now):
            return  # the first picture is drawn when a phone first asks for it
        try:
            drawn = _Map(latest.revision, now, self._draw(latest))
        except Exception:
            # phones keep the last picture; the next try when the next one is due, not
            # every round (a drawing that fails costs its second each time)
            log.exception("the map picture of workshop %s failed", workshop_id)
            with self._lock:
                self._maps[workshop_id] = _Map(entry.revision, now, entry.png)
            return
        with self._lock:
            self._maps[workshop_id] = drawn
            self.maps_drawn += 1

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until every watched workshop's board shows the store's newest revision
        (for tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                watched = list(self._watched)
                latest = {w: b.revision for w, b in self._latest.items()}
            if all(latest.get(w, -1) >= self.store.revision(w) for w in watched):
                return
            time.sleep(0.02)

    def _map_revision(self, workshop_id: int, revision: int) -> int | None:
        """The revision the map picture shows: this one, unless the last picture is
        younger than ``map_seconds``. With ``background`` the watcher draws the next
        picture before the fragment names it; only the very first is drawn on demand."""
        if not self.draw_map:
            return None
        now = self.clock()
        with self._lock:
            entry = self._maps.get(workshop_id)
            if entry is None or (not self._watching() and self._map_due(entry, revision, now)):
                entry = _Map(revision, now)  # drawn when a phone asks for it
                self._maps[workshop_id] = entry
            return entry.revision

    def _map_due(self, entry: _Map, revision: int, now: float) -> bool:
        """A new picture is due: the board moved on and the last one is ``map_seconds`` old."""
        return entry.revision != revision and now - entry.drawn_at >= self.map_seconds

    def _fragment(self, grant: Access, lang: str) -> tuple[str, str]:
        workshop_id = grant.workshop_id
        board = self._board(workshop_id, self.revisions.revision(workshop_id))
        revision = board.revision
        found = self.participation(workshop_id)
        map_revision = self._map_revision(workshop_id, revision)
        stamp = hashlib.sha256(
            repr((found, map_revision)).encode("utf-8")
        ).hexdigest()[:8]
        key = (workshop_id, revision, lang, stamp)
        with self._lock:
            hit = self._fragments.get(key)
        if hit is not None:
            return hit
        etag = f'"{revision}-{stamp}"'
        rendered = (etag, self._render(board, lang, found, map_revision))
        with self._lock:
            self._fragments[key] = rendered
            self.renders += 1
            while len(self._fragments) > CACHE_ENTRIES:
                self._fragments.popitem(last=False)
        return rendered

    def _render(self, board: Board, lang: str, found: Participation | None,
                map_revision: int | None) -> str:
        themes, total = theme_list_html(board, lang)
        parts = []
        if map_revision is not None:
            # a tap opens the picture alone, where a phone can zoom into it; the picture
            # has no legend of its own, so its shapes follow it
            parts.append(f'<div><a href="{LINK}/map.png?v={map_revision}" target="_blank">'
                         f'<img class="live-map" alt="{escape_html(translate("live.map", lang))}"'
                         f' src="{LINK}/map.png?v={map_revision}"></a>'
                         f'<div class="live-legend"><ul>{shape_marks_html(board.wall_graph, lang)}'
                         "</ul></div></div>")
        if participation_open(found):
            parts.append(f'<p><a class="live-go" href="../participate?{access.TOKEN_PARAM}={LINK}">'
                         f'{escape_html(translate("live.participate", lang))}</a></p>')
        parts.append(f'<div class="live-side">{themes}')
        counts = translate("board.counts", lang, statements=total, demands=demand_count(board))
        parts.append(f'<p class="live-caption">{escape_html(counts)}</p>')
        # CC BY-SA: the theme list's pictograms carry their credit
        credit = pictogram_credit_html(lang, (board.pictograms.get(t.id) for t, n in
                                              theme_counts(board) if n))
        if credit:
            parts.append(f'<div class="live-legend">{credit}</div>')
        if found is not None and found[0].participant_input:
            parts.append(f'<p class="live-caption">'
                         f'{escape_html(translate("board.waiting", lang, n=found[1]))}</p>')
        if found is not None and found[2] is not None and found[2].show_tallies and found[3]:
            heading = translate("board.ranking_closed" if found[2].closed else "board.ranking",
                                lang)
            parts.append(f"<h4>{escape_html(heading)}</h4>"
                         + ranking_html(found[3], found[2].closed, lang))
        parts.append("</div>")
        return "".join(parts)


LINK = "<link>"
"""Where a fragment names its link (the map picture, the way to the participant page):
filled in per request, so every link of a workshop shares one render. User text is
escaped before, so it can never contain the marker."""


def _for_link(fragment: str, token: str) -> str:
    return fragment.replace(LINK, quote(token, safe=""))


def _message_page(text: str, lang: str) -> bytes:
    return (f'<!doctype html><html lang="{lang}"><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>Harvest</title><p class="live-refused">{escape_html(text)}</p></html>'
            ).encode()


SHELL_CSS = f"""
:root {{color-scheme: light dark; {css_variables(_INK)}}}
@media (prefers-color-scheme: dark) {{
  :root {{{css_variables(live_colors("dark"))}}}
  .harvest-pict {{background: var(--disc); border-radius: 50%; padding: .12em;
                  box-sizing: border-box;}}
}}
body {{font-family: system-ui, sans-serif; margin: 0 auto; padding: .8rem 1rem 2rem;
      max-width: 70rem; color: var(--fg); background: var(--bg);}}
h1 {{font-size: 1.5rem; margin: .2rem 0 .8rem;}}
.live-map {{width: 100%; height: auto; border-radius: .4rem;}}
.live-legend {{margin: .1rem 0 .8rem; font-size: .9rem; opacity: .75;}}
.live-legend ul {{display: flex; flex-wrap: wrap; gap: .2rem 1rem; list-style: none;
                  margin: 0; padding: 0;}}
.live-legend .gl {{margin-right: .3em;}}
.live-legend .credit {{margin: .2rem 0 0; font-size: .75rem;}}
.live-caption {{opacity: .75; margin: .3rem 0;}}
.live-go {{display: inline-block; padding: .6rem 1.1rem; border-radius: .5rem;
          background: {_INK["accent"]}; color: {_INK["on-accent"]}; text-decoration: none;
          font-weight: 600;}}
.live-status {{color: var(--warn); min-height: 1.2em;}}
@media (min-width: 900px) {{
  #live {{display: grid; grid-template-columns: 3fr 1.2fr; gap: 1.2rem; align-items: start;}}
  #live > p:has(.live-go) {{grid-column: 1 / -1; order: -1;}}
}}
"""

SHELL_SCRIPT = r"""
(function () {
  var box = document.getElementById("live"), status = document.getElementById("live-status");
  var config = JSON.parse(document.getElementById("live-config").textContent);
  var etag = box.getAttribute("data-etag"), url = location.pathname.replace(/\/$/, "") + "/board";
  function poll() {
    var query = "?rev=" + encodeURIComponent(etag) + "&lang=" + config.lang;
    fetch(url + query, {cache: "no-store"}).then(function (r) {
      if (r.status === 304) { status.textContent = ""; return; }
      if (r.status === 403) { status.textContent = config.refused; return; }
      if (!r.ok) { status.textContent = config.offline; return; }
      etag = r.headers.get("ETag") || etag;
      return r.text().then(function (text) { box.innerHTML = text; status.textContent = ""; });
    }).catch(function () { status.textContent = config.offline; });
  }
  setInterval(poll, config.refresh * 1000);
})();
"""
SHELL_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    f"script-src {csp_hash(SHELL_SCRIPT)}; connect-src 'self'; base-uri 'none'"
)
"""The shell's one script is allowed by its hash; nothing else runs."""

SHELL = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Harvest</title>
<style>{css}</style>
</head>
<body>
<h1>{title}</h1>
<p class="live-status" id="live-status" role="status"></p>
<div id="live" data-etag="{etag}">{fragment}</div>
<script id="live-config" type="application/json">{config}</script>
<script>{script}</script>
</body>
</html>
"""
