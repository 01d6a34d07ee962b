"""The board: one workshop's statements, through the engine, to a laid-out concept map.

This module chains the stages (store -> documents + overrides -> themes -> concept map
-> layout) and keeps what makes consecutive recomputes stable: the previous themes (so
theme ids carry over) and the previous node positions (so the layout is warm-started),
both saved in the store's per-workshop meta, so that every app server continues from the
same state.

The service layer between the store and everything that shows a board (app, CLI,
exports), in three steps that ``compute_board`` runs in order:

- load: ``load_inputs`` reads the workshop, its visible statements, the moderator's
  decisions, the saved ``BoardState`` and the vectors (``statement_vectors``, read once
  per revision in this process);
- compute: ``build_board`` is a pure function of those inputs and returns the board and
  the state to save;
- save: ``save_state`` writes that state under ``STATE_KEY``.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NoReturn, TypeVar, cast

import networkx as nx
import numpy as np

from harvest.conceptmap import (
    DisplaySettings,
    build_concept_map,
    demand_node,
    keyword_node,
    theme_colors,
    to_gexf,
    to_graphml,
    to_json,
)
from harvest.conceptmap.layout import compute_layout
from harvest.engine.curation import overrides_from_actions
from harvest.engine.semantic import NeighbourCache
from harvest.engine.themes import EngineSettings, detect_themes
from harvest.formats import FORMATS, MAP_FORMATS, MAP_MIME, TABLE_FORMATS
from harvest.model import (
    Assignment,
    Clustering,
    Document,
    Overrides,
    Process,
    Statement,
    Theme,
    Workshop,
)
from harvest.pictograms import theme_pictograms
from harvest.store import BOARD_STATE_KEY, Store

STATE_KEY = BOARD_STATE_KEY
"""The meta key of the saved ``BoardState`` (owned by the store, which scrubs it when a
statement is deleted for good; backups carry it)."""
__all__ = [
    "MAP_FORMATS", "MAP_MIME", "STATE_KEY", "Board", "BoardInputs", "BoardState",
    "RevisionReader", "board_votes", "build_board", "compute_board", "export_map", "load_inputs",
    "load_state", "render_map", "save_state", "statement_vectors", "warm_up",
]
REVISION_MAX_AGE_S = 0.5
"""How old a revision a board refresh may show: at most this much later than a query."""


@dataclass(frozen=True)
class Board:
    """Everything a board view or an export needs, computed once per revision."""

    workshop: Workshop
    revision: int
    statements: tuple[Statement, ...]
    clustering: Clustering
    graph: nx.Graph
    positions: dict[str, tuple[float, float]]
    wall_graph: nx.Graph
    """the same map with fewer, larger words, for presentation mode on a projector"""
    wall_positions: dict[str, tuple[float, float]]
    pictograms: dict[str, str] = dataclasses.field(default_factory=dict)
    """theme id -> pictogram code ("" for none), see ``harvest.pictograms``"""
    overrides: Overrides = dataclasses.field(default_factory=Overrides)
    """the moderator's decisions this board was computed with (the replay reuses them)"""
    process: Process | None = None
    """the process this is the board of (``harvest.model.Process``); None for a workshop"""
    members: tuple[Workshop, ...] = ()
    """a process board's workshops, in the process's order"""

    @property
    def language(self) -> str:
        return self.workshop.language

    def subtitle(self) -> str:
        """Date and place, as the map's subtitle."""
        parts = [
            self.workshop.date.strftime("%d.%m.%Y") if self.workshop.date else "",
            self.workshop.place,
        ]
        return " · ".join(p for p in parts if p)


def documents_of(statements: Sequence[Statement]) -> list[Document]:
    """The engine's view of the visible statements."""
    return [
        Document(id=s.id, text=s.text, kind=s.kind, table=s.table_name)
        for s in statements
        if not s.hidden
    ]


def themes_to_data(themes: Sequence[Theme]) -> list[dict[str, Any]]:
    """Themes as JSON-ready data (for the store's meta)."""
    return [
        {
            "id": t.id,
            "label": t.label,
            "keywords": [[k, w] for k, w in t.keywords],
            "statement_ids": list(t.statement_ids),
            "is_other": t.is_other,
            "origin": t.origin,
        }
        for t in themes
    ]


def themes_from_data(data: Any) -> tuple[Theme, ...]:
    """Themes back from JSON data; tolerant of missing or malformed entries."""
    themes = []
    if not isinstance(data, list):
        return ()
    for item in data:
        try:
            themes.append(
                Theme(
                    id=str(item["id"]),
                    label=str(item["label"]),
                    keywords=tuple((str(k), float(w)) for k, w in item.get("keywords", [])),
                    statement_ids=tuple(int(i) for i in item.get("statement_ids", [])),
                    is_other=bool(item.get("is_other", False)),
                    origin=str(item.get("origin", "detected")),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(themes)


Positions = dict[str, tuple[float, float]]


def _positions_from_data(raw: Any) -> Positions:
    positions: Positions = {}
    if isinstance(raw, dict):
        for node, xy in raw.items():
            try:
                positions[str(node)] = (float(xy[0]), float(xy[1]))
            except (TypeError, ValueError, IndexError):
                continue
    return positions


@dataclass(frozen=True)
class BoardState:
    """What one recompute leaves for the next, saved under ``STATE_KEY`` in the store's
    per-workshop meta: the themes (so theme ids carry over), node positions (so the layout
    is warm-started) and theme colours.

    >>> state = BoardState(revision=3, positions={"k:rad": (0.5, -1.0)})
    >>> BoardState.from_json(state.to_json()) == state
    True
    >>> BoardState.from_json("not a state")
    BoardState(revision=0, themes=(), engine_themes=(), last_theme_number=0, positions={}, \
wall_positions={}, colors={})
    """

    revision: int = 0
    themes: tuple[Theme, ...] = ()
    engine_themes: tuple[Theme, ...] = ()
    last_theme_number: int = 0
    positions: Positions = dataclasses.field(default_factory=dict)
    wall_positions: Positions = dataclasses.field(default_factory=dict)
    colors: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def previous(self) -> Clustering | None:
        """The saved themes as a Clustering without assignments (None before the first)."""
        if not self.themes:
            return None
        return Clustering(themes=self.themes, assignments={},
                          last_theme_number=self.last_theme_number,
                          engine_themes=self.engine_themes)

    def to_json(self) -> dict[str, Any]:
        """The state as JSON-ready data (what the store's meta holds)."""
        return {
            "revision": self.revision,
            "themes": themes_to_data(self.themes),
            "engine_themes": themes_to_data(self.engine_themes),
            "last_theme_number": self.last_theme_number,
            "positions": {k: list(v) for k, v in self.positions.items()},
            "wall_positions": {k: list(v) for k, v in self.wall_positions.items()},
            "colors": dict(self.colors),
        }

    @classmethod
    def from_json(cls, data: Any) -> BoardState:
        """The state back from JSON data; tolerant of missing or malformed parts (a
        malformed state is an empty one: the board then starts afresh)."""
        if not isinstance(data, dict):
            return cls()
        last = data.get("last_theme_number")
        revision = data.get("revision")
        colors = data.get("colors")
        return cls(
            revision=revision if isinstance(revision, int) else 0,
            themes=themes_from_data(data.get("themes")),
            engine_themes=themes_from_data(data.get("engine_themes")),
            last_theme_number=last if isinstance(last, int) else 0,
            positions=_positions_from_data(data.get("positions")),
            wall_positions=_positions_from_data(data.get("wall_positions")),
            colors={str(k): str(v) for k, v in colors.items()} if isinstance(colors, dict) else {},
        )


def load_state(store: Store, workshop_id: int) -> BoardState:
    """The state the workshop's last recompute saved (an empty one before the first)."""
    return BoardState.from_json(store.get_meta(workshop_id, STATE_KEY, None))


def save_state(store: Store, workshop_id: int, state: BoardState) -> None:
    """Leave ``state`` for the next recompute, on whichever server it runs."""
    store.set_meta(workshop_id, STATE_KEY, state.to_json())


def statement_vectors(store: Store, workshop: Workshop) -> dict[int, np.ndarray]:
    """``store.statement_vectors`` of the workshop, read once per revision and vectors in
    (and per store object) in this process, shared by everyone who asks: the board's
    recompute, a process board over its members, the "similar to" check of every draft.
    The dict is shared: read it, do not change it.

    Two index reads decide whether the last answer still holds; they come before the
    vectors, so a write in between makes the next call read again, never keeps old ones.
    The workshop's creation time tells a new workshop from a deleted one of the same id.
    """
    return _per_revision(store, workshop, "vectors", (store.vector_count(workshop.id),),
                         lambda: store.statement_vectors(workshop.id))


def workshop_statements(store: Store, workshop: Workshop) -> tuple[Statement, ...]:
    """``store.statements`` of the workshop (its visible ones), read once per revision in
    this process, like :func:`statement_vectors`: a process board reads its members'
    statements from here, which their own boards have just read."""
    return _per_revision(store, workshop, "statements", (),
                         lambda: tuple(store.statements(workshop.id)))


_T = TypeVar("_T")


def _per_revision(store: Store, workshop: Workshop, kind: str, extra: tuple[int, ...],
                  read: Callable[[], _T]) -> _T:
    """``read()``, or its answer from this process while the workshop's revision (and
    ``extra``) still hold: the version is read before the data, so a write in between
    makes the next call read again, never keeps old data."""
    version = (workshop.created_at, store.revision(workshop.id), *extra)
    key = (kind, workshop.id)
    with _PER_REVISION_LOCK:
        cached = _PER_REVISION.setdefault(store, OrderedDict())
        hit = cached.get(key)
        if hit is not None and hit[0] == version:
            cached.move_to_end(key)
            return cast(_T, hit[1])
    value = read()
    with _PER_REVISION_LOCK:
        cached[key] = (version, value)
        cached.move_to_end(key)
        while len(cached) > 2 * VECTOR_CACHE_WORKSHOPS:
            cached.popitem(last=False)
    return value


VECTOR_CACHE_WORKSHOPS = 8
"""How many workshops' vectors (and statements) a store keeps in this process (about
15 MB each at 10,000 statements)."""
_PER_REVISION: weakref.WeakKeyDictionary[
    Store, OrderedDict[tuple[str, int], tuple[tuple[Any, ...], Any]]
] = weakref.WeakKeyDictionary()
_PER_REVISION_LOCK = threading.Lock()


@dataclass(frozen=True)
class BoardInputs:
    """Everything a board is computed from, read from the store at one revision."""

    workshop: Workshop
    revision: int
    statements: tuple[Statement, ...]
    """the visible statements (of every member workshop, on a process board)"""
    overrides: Overrides
    state: BoardState
    vectors: dict[int, np.ndarray] | None = None
    """statement id -> sentence vector, for grouping by meaning (None: by keywords)"""
    process: Process | None = None
    members: tuple[Workshop, ...] = ()


def load_inputs(store: Store, workshop_ref: int | str, *, semantic: bool = True) -> BoardInputs:
    """Read what ``build_board`` needs: the workshop, its visible statements, the
    moderator's decisions, the saved state and (``semantic``) the statements' vectors."""
    workshop = store.get_workshop(workshop_ref)
    revision = store.revision(workshop.id)
    # a process's board runs the same engine over all statements of its workshops, with
    # its own curation and saved state (both kept under its own workshop row)
    process = store.process_of(workshop.id)
    members = tuple(store.get_workshop(i) for i in process.workshop_ids) if process else ()
    sources = members if process is not None else (workshop,)
    statements = tuple(
        s for source in sources for s in workshop_statements(store, source) if not s.hidden
    )
    vectors = None
    if semantic:
        vectors = {}
        for source in sources:
            vectors.update(statement_vectors(store, source))
    return BoardInputs(
        workshop, revision, statements, overrides_from_actions(store.actions(workshop.id)),
        load_state(store, workshop.id), vectors, process, members,
    )


def build_board(
    inputs: BoardInputs,
    *,
    display: DisplaySettings | None = None,
    engine: EngineSettings | None = None,
    seed: int = 0,
    neighbours: NeighbourCache | None = None,
) -> tuple[Board, BoardState]:
    """The board of ``inputs`` and the state to save for the next recompute: a pure
    function of its arguments (``neighbours`` only saves work; the result is the same
    without it)."""
    workshop, saved = inputs.workshop, inputs.state
    documents = documents_of(inputs.statements)
    clustering = detect_themes(
        documents,
        overrides=inputs.overrides,
        settings=engine or EngineSettings(),
        previous=saved.previous,
        language=workshop.language,
        seed=seed,
        vectors=inputs.vectors,
        neighbours=neighbours if inputs.vectors else None,
    )
    pictograms = theme_pictograms(clustering.themes, inputs.overrides.pictograms)
    graph = build_concept_map(
        clustering,
        documents,
        settings=display or DisplaySettings(),
        language=workshop.language,
        previous_colors=saved.colors,
        pictograms=pictograms,
    )
    positions = compute_layout(graph, previous=saved.positions, seed=seed)
    wall_graph = build_concept_map(
        clustering,
        documents,
        settings=DisplaySettings.for_projector(),
        language=workshop.language,
        previous_colors=theme_colors(graph),
        pictograms=pictograms,
    )
    wall_positions = compute_layout(wall_graph, previous=saved.wall_positions, seed=seed)
    state = BoardState(
        revision=inputs.revision,
        themes=clustering.themes,
        engine_themes=clustering.engine_themes,
        last_theme_number=clustering.last_theme_number,
        # keep positions of nodes that left the map too: if they come back, they
        # come back where people last saw them
        positions={**saved.positions, **positions},
        wall_positions={**saved.wall_positions, **wall_positions},
        colors={**saved.colors, **theme_colors(graph)},
    )
    board = Board(
        workshop, inputs.revision, inputs.statements, clustering, graph, dict(positions),
        wall_graph, dict(wall_positions), pictograms, inputs.overrides, inputs.process,
        inputs.members,
    )
    return board, state


def warm_up() -> None:
    """Load what the first board after a server start would otherwise wait for: this
    module's libraries, the lemmatiser's dictionaries and the sentence encoder (about a
    second each). A server runs it once, in a thread, as it starts."""
    from harvest.engine.embedding import default_encoder
    from harvest.engine.text import warm_up as load_dictionaries

    load_dictionaries()
    default_encoder()


def compute_board(
    store: Store,
    workshop_ref: int | str,
    *,
    display: DisplaySettings | None = None,
    engine: EngineSettings | None = None,
    seed: int = 0,
    persist: bool = True,
    cache: NeighbourCache | None = None,
) -> Board:
    """Recompute a workshop's board from the store, continuing from the saved state:
    grouped by meaning where the statements' vectors are in, by keywords otherwise.
    Load (``load_inputs``), compute (``build_board``), save (``save_state``, unless
    ``persist`` is false).

    ``cache``: this workshop's neighbour lists from its last recompute, kept by the caller
    (the app keeps one per workshop and server), so the next recompute searches only new
    statements; without it a fresh one serves this call alone (the board is the same).
    """
    settings = engine or EngineSettings()
    inputs = load_inputs(store, workshop_ref, semantic=settings.semantic)
    board, state = build_board(
        inputs, display=display, engine=settings, seed=seed,
        neighbours=(cache if cache is not None else NeighbourCache()) if inputs.vectors else None,
    )
    if persist:
        save_state(store, inputs.workshop.id, state)
    return board


def restrict(
    board: Board,
    *,
    tables: Collection[str] = (),
    kinds: Collection[str] = (),
    wall: bool = False,
    workshops: Collection[int] = (),
) -> Board:
    """The board limited to some tables, kinds and/or (on a process board) workshops,
    with the same themes and positions.

    Filtering must not move anything: themes keep their ids and labels and nodes keep
    their places; only what is filtered out disappears. ``wall``: filter the projector
    variant of the map (``wall_graph``) instead of the full one.
    """
    base_graph = board.wall_graph if wall else board.graph
    base_positions = board.wall_positions if wall else board.positions
    if not tables and not kinds and not workshops:
        return dataclasses.replace(board, graph=base_graph, positions=base_positions)
    keep = tuple(
        s
        for s in board.statements
        if (not workshops or s.workshop_id in workshops)
        and (not tables or (s.table_name or "") in tables)
        and (not kinds or (s.kind or "none") in kinds)
    )
    keep_ids = {s.id for s in keep}
    themes = []
    for theme in board.clustering.themes:
        ids = tuple(i for i in theme.statement_ids if i in keep_ids)
        if ids:
            themes.append(dataclasses.replace(theme, statement_ids=ids))
    assignments: dict[int, Assignment] = {
        i: a for i, a in board.clustering.assignments.items() if i in keep_ids
    }
    clustering = dataclasses.replace(
        board.clustering, themes=tuple(themes), assignments=assignments
    )
    graph = build_concept_map(
        clustering,
        documents_of(keep),
        settings=DisplaySettings.for_projector() if wall else DisplaySettings(),
        language=board.language,
        previous_colors=theme_colors(board.graph),
        pictograms=board.pictograms,
    )
    positions = {n: base_positions[n] for n in graph.nodes if n in base_positions}
    missing = [n for n in graph.nodes if n not in positions]
    if missing:
        positions = compute_layout(graph, previous=positions, seed=0)
    return dataclasses.replace(
        board, statements=keep, clustering=clustering, graph=graph, positions=positions
    )


def render_map(
    board: Board, fmt: str, *, dark: bool = False, width_px: int | None = None,
    size: str | None = None, qr_url: str | None = None, wall: bool = False,
    bare: bool = False,
) -> bytes:
    """The board's map in one export format (``harvest.formats``), as bytes.

    ``size``: page of the harvest poster (default A1); ``qr_url``: the participant link
    the poster prints as QR code; ``wall``: the projector's variant of a PNG, SVG or PDF
    map (fewer, larger words: what the light board's phones show); ``bare``: a PNG of
    the map alone, without title and legend (a phone's page shows both itself).
    """
    spec = FORMATS.get(fmt)
    if spec is None:
        _unknown_map_format(fmt)
    if bare and fmt != "png":
        raise ValueError(f"a bare map is a PNG, not {fmt!r}")
    if spec.layout == "harvest":
        from harvest.conceptmap.poster import poster_bytes

        return poster_bytes(board, spec.extension, size=size or "A1", qr_url=qr_url, dark=dark)
    if spec.layout == "replay":
        from harvest.conceptmap import replay

        if spec.extension == "html":
            return replay.replay_html(board, dark=dark).encode("utf-8")
        return replay.replay_gif(board, dark=dark)
    if spec.layout == "data":
        write = {"graphml": to_graphml, "gexf": to_gexf, "json": to_json}[fmt]
        return write(board.graph, board.positions)
    title = board.workshop.title
    subtitle = board.subtitle()
    if spec.extension == "html":
        from harvest.conceptmap.html import render_standalone_html

        return render_standalone_html(
            board.graph,
            board.positions,
            title=title,
            subtitle=subtitle,
            dark=dark,
            language=board.language,
        ).encode("utf-8")
    from harvest.conceptmap import render

    kwargs: dict[str, Any] = {
        "title": title,
        "subtitle": subtitle,
        "dark": dark,
        "language": board.language,
    }
    graph, positions = ((board.wall_graph, board.wall_positions) if wall
                        else (board.graph, board.positions))
    if spec.extension == "png":
        if width_px:
            kwargs["width_px"] = width_px
        return render.render_png(graph, positions, bare=bare, **kwargs)
    if spec.extension == "svg":
        return render.render_svg(graph, positions, **kwargs)
    return render.render_pdf(graph, positions, **kwargs)


def _unknown_map_format(fmt: str) -> NoReturn:
    raise ValueError(f"unknown map format {fmt!r}; expected one of {', '.join(MAP_FORMATS)}")


def export_map(
    store: Store, workshop_ref: int | str, fmt: str, *, size: str | None = None,
    qr_url: str | None = None,
) -> bytes:
    """Recompute a workshop's board and export its map (used by ``harvest export``)."""
    if fmt not in FORMATS:
        _unknown_map_format(fmt)
    return render_map(compute_board(store, workshop_ref), fmt, size=size, qr_url=qr_url)


def map_filename(workshop: Workshop, fmt: str, now: datetime | None = None) -> str:
    """A safe download file name: slug, date, extension (no user text gets through raw)."""
    stamp = (
        workshop.date.isoformat() if workshop.date else (now or datetime.now()).date().isoformat()
    )
    return f"harvest-{workshop.slug}-{stamp}.{fmt}"


def new_node_ids(board: Board, statement_ids: Collection[int]) -> set[str]:
    """Map nodes that belong to the given (new) statements: their demands and keywords."""
    candidates: set[str] = set()
    for statement_id in statement_ids:
        assignment = board.clustering.assignments.get(statement_id)
        if assignment is None:
            continue
        candidates.add(demand_node(statement_id))
        candidates.update(keyword_node(keyword) for keyword in assignment.keywords)
    return {node for node in candidates if node in board.graph}


def theme_counts(board: Board) -> list[tuple[Theme, int]]:
    """Themes with their statement counts, largest first, "other" last."""
    return sorted(
        ((t, len(t.statement_ids)) for t in board.clustering.themes),
        key=lambda tc: (tc[0].is_other, -tc[1], tc[0].label),
    )


# --- processes: several workshops on one board (``harvest.model.Process``) ------------


def process_board(store: Store, process_ref: int | str, **kwargs: Any) -> Board:
    """The board of a process (by slug, id or title): ``compute_board`` of its own row."""
    return compute_board(store, store.get_process(process_ref).workshop.id, **kwargs)


def member_themes(store: Store, board: Board) -> dict[int, tuple[Theme, ...]]:
    """Each member workshop's own themes as its board last showed them (its saved state;
    computed once for a workshop whose board nobody has opened yet)."""
    themes: dict[int, tuple[Theme, ...]] = {}
    for member in board.members:
        saved = load_state(store, member.id).previous
        themes[member.id] = (
            saved.themes if saved is not None else compute_board(store, member.id).clustering.themes
        )
    return themes


def source_ids(board: Board) -> list[int]:
    """The workshops whose statements a board shows: itself, or a process's members."""
    return [m.id for m in board.members] if board.process else [board.workshop.id]


def board_statements(store: Store, board: Board, *, include_hidden: bool) -> list[Statement]:
    """The statements behind a board, read now (hidden ones too if asked)."""
    return [
        s for w in source_ids(board) for s in store.statements(w, include_hidden=include_hidden)
    ]


def board_votes(store: Store, board: Board) -> dict[int, int] | None:
    """Statement id -> dots in the board's latest vote on demands (None without one, and
    for a process board, which holds no votes): read once, then handed to the statements'
    export and to the summary alike."""
    from harvest.store.participation_store import demand_votes

    return None if board.process else (demand_votes(store, board.workshop.id) or None)


def export_statements(
    store: Store, board: Board, fmt: str, *, visible_only: bool = False,
    votes: dict[int, int] | None | Literal["read"] = "read",
) -> bytes:
    """A board's statements as ``csv`` or ``xlsx`` with the theme the board shows each in;
    a process's carry a ``workshop`` column (the member's slug) and every member's rows.
    ``votes``: ``board_votes`` if already read (the summary needs them too); "read": here."""
    from harvest import exports

    if fmt not in TABLE_FORMATS:
        raise ValueError(
            f"unknown statement format {fmt!r}; expected one of {', '.join(TABLE_FORMATS)}"
        )
    statements = board_statements(store, board, include_hidden=not visible_only)
    tables = [t for w in source_ids(board) for t in store.tables(w)]
    themes = exports.statement_themes(board.clustering, board.language)
    workshops = {m.id: m.slug for m in board.members} if board.process else None
    dots = board_votes(store, board) if isinstance(votes, str) else votes
    export = exports.export_statements_csv if fmt == "csv" else exports.export_statements_xlsx
    return export(board.workshop, statements, tables, themes, workshops, dots)


class RevisionReader:
    """The current revision of each workshop, read from the store at most once per
    ``max_age`` seconds and shared by every board of this server: a refresh with nothing
    new costs no query. One reader asks at a time (the others wait for its answer, not
    for their own query); errors are not remembered, the next call asks again.

    >>> reader = RevisionReader(store)  # doctest: +SKIP
    >>> reader.revision(workshop.id)  # doctest: +SKIP
    12
    """

    def __init__(self, store: Store, max_age: float = REVISION_MAX_AGE_S) -> None:
        self.store = store
        self.max_age = max_age
        self.queries = 0
        self._lock = threading.Lock()
        self._seen: dict[int, tuple[float, int, int]] = {}
        """workshop -> (when asked, revision, the store's revision writes then): a change
        of revision through this server's own store makes the next call ask again, so a
        moderator's undo shows on the board opened right after it"""

    def revision(self, workshop_id: int) -> int:
        with self._lock:
            hit = self._seen.get(workshop_id)
            writes = self.store.revision_writes
            if hit is not None and hit[2] == writes and time.monotonic() - hit[0] < self.max_age:
                return hit[1]
            asked = time.monotonic()
            revision = self.store.revision(workshop_id)
            self.queries += 1
            self._seen[workshop_id] = (asked, revision, writes)
            return revision
