"""Themes become a concept map: a networkx graph that every renderer reads.

``build_concept_map`` turns a ``Clustering`` (plus the statements' texts) into an
undirected ``nx.Graph`` whose nodes carry everything a picture needs: kind, label,
hover text, size, colour, shape, theme id and count. The pyvis page (``html.py``), the
pictures (``render.py``, ``poster.py``) and the data files (``data.py``) all read these
attributes, so they cannot disagree about what the map shows.

Node ids are stable strings, so positions can be carried from one recompute to the
next (see ``layout.py``)::

    theme:t3        a theme
    kw:sprachkurs   a keyword
    demand:42       a statement that is a demand
    table:Arbeit    a theme table (optional)
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from harvest.conceptmap.style import KINDS, OTHER_COLOR, PALETTE, SHAPES, TABLE_COLOR
from harvest.i18n import plural, reason_text, translate
from harvest.model import OTHER_THEME_ID, Assignment, Clustering, Document, StatementId, Theme

# Palette, the other theme's grey and the node shapes live in ``harvest.conceptmap.style``.

# Sizes are radii in pixels on the reference canvas (see ``layout.canvas_extent``).
THEME_SIZE = (28.0, 60.0)
KEYWORD_SIZE = (10.0, 26.0)
DEMAND_SIZE = 16.0
TABLE_SIZE = 18.0
# Label font sizes in pixels on the same canvas: big enough to read from the back row.
FONT_SIZE: dict[str, float] = {"theme": 48.0, "keyword": 30.0, "demand": 24.0, "table": 28.0}

_MAP_WORDS = ("statements", "statement", "theme", "keywords", "demand", "reason", "table",
              "untitled")


def texts(language: str) -> dict[str, str]:
    """The map's words for ``language`` from the catalogue (German unless English is asked)."""
    words = {name: translate(f"map.{name}", language) for name in _MAP_WORDS}
    words["other"] = translate("theme.other", language)
    return words


class ConceptMapError(ValueError):
    """The concept map cannot be built or read back from the given data."""


@dataclass(frozen=True)
class DisplaySettings:
    """What the concept map shows; defaults read well on a projector."""

    max_keywords_per_theme: int = 8
    max_nodes: int = 250
    max_demands: int = 40
    show_tables: bool = False
    show_demands: bool = True
    min_cooccurrence: float = 2.0
    """keyword-keyword edges need at least this weight (statements sharing both)"""
    max_cooccurrence_edges: int = 60
    """at most this many keyword-keyword edges, the strongest"""
    demand_label_chars: int = 40
    label_wrap: int = 18
    """theme and table labels break into lines of about this many characters (demands +4)"""
    show_other: bool = True
    """draw the "Sonstiges / Other" theme (grey) when it holds statements"""

    @classmethod
    def for_projector(cls) -> DisplaySettings:
        """Fewer, larger words for a wall: 5 keywords a theme, 12 demands, short labels.

        What fits on screen is set by how many characters the map carries, so the way
        to larger text in a hall is fewer labels, not larger fonts.
        """
        return cls(max_keywords_per_theme=5, max_demands=12, demand_label_chars=30,
                   max_cooccurrence_edges=30)

    def __post_init__(self) -> None:
        if self.max_nodes < 1:
            raise ConceptMapError("max_nodes must be at least 1")
        if self.max_keywords_per_theme < 0 or self.max_demands < 0:
            raise ConceptMapError("limits cannot be negative")
        if self.demand_label_chars < 4 or self.label_wrap < 4:
            raise ConceptMapError("demand_label_chars and label_wrap must be at least 4")


def theme_node(theme_id: str) -> str:
    """The node id of a theme."""
    return f"theme:{theme_id}"


def keyword_node(keyword: str) -> str:
    """The node id of a keyword."""
    return f"kw:{keyword}"


def demand_node(statement_id: int) -> str:
    """The node id of a demand statement."""
    return f"demand:{statement_id}"


def table_node(name: str) -> str:
    """The node id of a theme table."""
    return f"table:{name}"


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters.

    >>> shorten("Mehr Sprachkurse am Abend für Berufstätige", 20)
    'Mehr Sprachkurse am…'
    """
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    # Drop a word cut in half, unless the cut fell right at its end.
    if flat[limit - 1] != " " and space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def is_separator(token: str) -> bool:
    """A word that only parts others ("·" between keywords, "–"): it never opens a line."""
    return len(token) == 1 and not token.isalnum()


def wrap(text: str, width: int) -> str:
    """``text`` on lines of about ``width`` characters, broken at spaces ("\\n" between).

    A separator such as "·" stays at the end of its line. A map reads better, and packs
    tighter, with two short lines than with one long one.

    >>> wrap("Ausbildung · Stadt · Kenntnisprüfung", 16)
    'Ausbildung ·\\nStadt ·\\nKenntnisprüfung'
    """
    tokens: list[str] = []
    for token in text.split():
        if tokens and is_separator(token):
            tokens[-1] += " " + token
        else:
            tokens.append(token)
    lines: list[str] = []
    for token in tokens:
        if lines and len(lines[-1]) + 1 + len(token) <= width:
            lines[-1] += " " + token
        else:
            lines.append(token)
    return "\n".join(lines)


def _natural_key(text: str) -> tuple[Any, ...]:
    # "t10" after "t9", so colours follow the order in which themes were found.
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def assign_theme_colors(
    theme_ids: Sequence[str], previous: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A palette colour per theme id, keeping every colour a theme had before.

    Themes seen before keep their colour (``previous`` maps theme id -> colour, e.g.
    from ``theme_colors(previous_graph)`` or every colour a workshop ever gave); new
    themes take the least used palette colours in palette order, so six themes get six
    different colours, and while the palette has room a new theme does not take the
    colour of a theme that is gone for now: if that one comes back, it comes back in its
    own colour, not in a newcomer's. The other theme is always grey.

    >>> assign_theme_colors(["t2", "t1"])
    {'t1': '#E69F00', 't2': '#56B4E9'}
    >>> assign_theme_colors(["t1", "t3"], {"t1": "#E69F00", "t2": "#56B4E9"})
    {'t1': '#E69F00', 't3': '#009E73'}
    """
    previous = previous or {}
    colors: dict[str, str] = {}
    used: Counter[str] = Counter()
    ordered = sorted(set(theme_ids), key=_natural_key)
    for theme_id in ordered:
        if theme_id == OTHER_THEME_ID:
            colors[theme_id] = OTHER_COLOR
        elif previous.get(theme_id) in PALETTE:
            colors[theme_id] = previous[theme_id]
            used[previous[theme_id]] += 1
    # colours of themes that are gone for now: kept for them while others are free
    reserved = Counter(c for t, c in previous.items() if t not in colors and c in PALETTE)
    for theme_id in ordered:
        if theme_id in colors:
            continue
        color = min(PALETTE, key=lambda c: (used[c], reserved[c], PALETTE.index(c)))
        colors[theme_id] = color
        used[color] += 1
    return dict(sorted(colors.items(), key=lambda item: _natural_key(item[0])))


def theme_colors(graph: nx.Graph) -> dict[str, str]:
    """Theme id -> colour of the theme nodes of a built map (to pass to the next build)."""
    return {
        str(data["theme"]): str(data["color"])
        for _, data in graph.nodes(data=True)
        if data.get("kind") == "theme"
    }


def legend_themes(graph: nx.Graph) -> list[dict[str, Any]]:
    """The theme nodes' data in the order a legend lists them: "other" last, then the
    most statements first, then by name."""
    return sorted(
        (d for _, d in graph.nodes(data=True) if d.get("kind") == "theme"),
        key=lambda d: (bool(d.get("is_other")), -int(d.get("count", 0)), str(d.get("name"))),
    )


def present_kinds(graph: nx.Graph) -> list[str]:
    """The kinds of node (``style.KINDS``, in its order) the map has."""
    found = {d.get("kind") for _, d in graph.nodes(data=True)}
    return [k for k in KINDS if k in found]


def _scale(value: float, high: float, bounds: tuple[float, float]) -> float:
    """Radius for ``value`` when ``high`` gets the largest radius.

    Square-root scaling: a node's area, not its radius, grows with its count, and
    20 against 22 statements look nearly alike, as they should.
    """
    if high <= 0:
        return bounds[0]
    share = math.sqrt(max(min(value, high), 0.0) / high)
    return round(bounds[0] + share * (bounds[1] - bounds[0]), 3)


def _theme_label(theme: Theme, words: Mapping[str, str]) -> str:
    label = " ".join(theme.label.split())
    if label:
        return label
    return words["other"] if theme.is_other_theme else words["untitled"]


def _statement_count(count: int, language: str) -> str:
    """``count`` and the word for statements, e.g. "3 Aussagen"."""
    return f"{count} {plural('map.statement_n', count, language)}"


@dataclass(frozen=True)
class _Context:
    """What the steps of ``build_concept_map`` read besides the graph: what to show, in
    which words, and the statements by id."""

    settings: DisplaySettings
    language: str
    words: Mapping[str, str]
    docs: Mapping[StatementId, Document]

    def room(self, graph: nx.Graph) -> int:
        """How many more nodes fit under ``settings.max_nodes``."""
        return max(self.settings.max_nodes - graph.number_of_nodes(), 0)


@dataclass(frozen=True)
class _KeywordPick:
    """A keyword for the map: the theme it belongs to (where it weighs most) and every
    theme that lists it, with its weight there."""

    keyword: str
    theme_id: str
    weight: float
    links: Mapping[str, float]


def build_concept_map(
    clustering: Clustering,
    documents: Sequence[Document],
    *,
    settings: DisplaySettings = DisplaySettings(),  # noqa: B008 (frozen, so safe to share)
    language: str = "de",
    previous_colors: Mapping[str, str] | None = None,
    pictograms: Mapping[str, str] | None = None,
) -> nx.Graph:
    """The concept map of ``clustering`` as an undirected graph.

    Node attributes: ``kind`` (theme/keyword/demand/table), ``label`` (shown on the map,
    broken into short lines), ``name`` (the same on one line, for legends), ``title``
    (plain hover text, never HTML), ``size`` (radius in px on the
    reference canvas), ``font_size``, ``color`` (hex), ``shape`` (vis-network name),
    ``theme`` (theme id, "" for tables), ``count`` (statements), ``weight`` and
    ``is_other``; theme nodes also ``pictogram`` (its code from ``pictograms``, theme id
    -> OpenMoji code, "" for none). Edge attributes: ``kind``
    (has_keyword/cooccurs/demand_of/fed) and ``weight``. At most ``settings.max_nodes``
    nodes: themes first (largest first), then keywords by rank within their theme, then
    demands, then tables.
    """
    context = _Context(settings, language, texts(language), {doc.id: doc for doc in documents})
    themes = _shown_themes(clustering, settings)
    colors = assign_theme_colors([t.id for t in clustering.themes], previous_colors)
    # Every candidate node in the order it earns its place under the cap.
    graph = nx.Graph(language=language)
    _add_themes(graph, themes, colors, pictograms or {}, context)
    picks = _pick_keywords(themes[: settings.max_nodes], settings.max_keywords_per_theme)
    _add_keywords(graph, picks[: context.room(graph)], _keyword_counts(clustering), context)
    _add_cooccurrences(graph, clustering.keyword_edges, settings)
    if settings.show_demands:
        _add_demands(graph, clustering, context)
    if settings.show_tables:
        _add_tables(graph, clustering, context)
    return graph


def _shown_themes(clustering: Clustering, settings: DisplaySettings) -> list[Theme]:
    """The themes the map may show, largest first; the other theme only when it holds
    statements and ``settings.show_other`` asks for it."""
    themes = [
        theme
        for theme in clustering.themes
        if not theme.is_other_theme or (settings.show_other and theme.statement_ids)
    ]
    themes.sort(key=lambda t: (-len(t.statement_ids), _natural_key(t.id)))
    return themes


def _add_themes(
    graph: nx.Graph,
    themes: Sequence[Theme],
    colors: Mapping[str, str],
    pictograms: Mapping[str, str],
    context: _Context,
) -> None:
    """A node for each of the first ``max_nodes`` themes, sized by its statements against
    the largest theme's."""
    settings, words = context.settings, context.words
    high = max([len(t.statement_ids) for t in themes] or [0])
    for theme in themes[: settings.max_nodes]:
        is_other = theme.is_other_theme
        label = _theme_label(theme, words)
        count = len(theme.statement_ids)
        top = ", ".join(word for word, _ in theme.keywords[: settings.max_keywords_per_theme])
        title = f"{label}\n{_statement_count(count, context.language)}"
        if top:
            title += f"\n{words['keywords']}: {top}"
        graph.add_node(
            theme_node(theme.id),
            kind="theme",
            label=wrap(label, settings.label_wrap),
            name=label,
            title=title,
            size=_scale(count, high, THEME_SIZE),
            font_size=FONT_SIZE["theme"],
            color=OTHER_COLOR if is_other else colors[theme.id],
            shape=SHAPES["theme"],
            theme=theme.id,
            count=count,
            weight=float(count),
            is_other=is_other,
            pictogram=pictograms.get(theme.id, ""),
        )


def _pick_keywords(themes: Sequence[Theme], limit: int) -> list[_KeywordPick]:
    """The first ``limit`` keywords of the ``themes``, round-robin over the themes by rank
    so every theme shows its best words first."""
    owner: dict[str, tuple[float, str]] = {}
    links: dict[str, dict[str, float]] = defaultdict(dict)
    for rank in range(limit):
        for theme in themes:
            if rank >= len(theme.keywords):
                continue
            keyword, weight = theme.keywords[rank]
            if not keyword.strip():
                continue
            links[keyword][theme.id] = float(weight)
            if keyword not in owner or weight > owner[keyword][0]:
                owner[keyword] = (float(weight), theme.id)
    return [
        _KeywordPick(keyword, theme_id, weight, links[keyword])
        for keyword, (weight, theme_id) in owner.items()
    ]


def _add_keywords(
    graph: nx.Graph,
    picks: Sequence[_KeywordPick],
    counts: Mapping[str, int],
    context: _Context,
) -> None:
    """A node for each picked keyword, sized by its statements and coloured by its theme,
    with an edge to every theme that lists it."""
    high = max([counts.get(pick.keyword, 0) for pick in picks] or [0])
    for pick in picks:
        theme_data = graph.nodes[theme_node(pick.theme_id)]
        count = counts.get(pick.keyword, 0)
        title = (
            f"{pick.keyword}\n{_statement_count(count, context.language)}"
            f"\n{context.words['theme']}: {theme_data['name']}"
        )
        graph.add_node(
            keyword_node(pick.keyword),
            kind="keyword",
            label=pick.keyword,
            name=pick.keyword,
            title=title,
            size=_scale(count, high, KEYWORD_SIZE),
            font_size=FONT_SIZE["keyword"],
            color=theme_data["color"],
            shape=SHAPES["keyword"],
            theme=pick.theme_id,
            count=count,
            weight=round(pick.weight, 6),
            is_other=bool(theme_data["is_other"]),
        )
        for linked_theme, link_weight in sorted(pick.links.items()):
            graph.add_edge(
                theme_node(linked_theme),
                keyword_node(pick.keyword),
                kind="has_keyword",
                weight=round(link_weight, 6),
            )


def _add_cooccurrences(
    graph: nx.Graph, edges: Sequence[tuple[str, str, float]], settings: DisplaySettings
) -> None:
    """Edges between keywords on the map that share statements: the strongest first, and
    only so many, or a big workshop would draw a grey web over the map."""
    bridges = sorted(
        (
            (float(weight), a, b)
            for a, b, weight in edges
            if weight >= settings.min_cooccurrence and a != b
            and keyword_node(a) in graph and keyword_node(b) in graph
        ),
        key=lambda item: (-item[0], min(item[1], item[2]), max(item[1], item[2])),
    )
    added = 0
    for weight, a, b in bridges:
        if added >= settings.max_cooccurrence_edges:
            break
        if not graph.has_edge(keyword_node(a), keyword_node(b)):
            graph.add_edge(keyword_node(a), keyword_node(b), kind="cooccurs", weight=weight)
            added += 1


def _demand_copies(
    demands: Sequence[Assignment], copies: Mapping[StatementId, StatementId]
) -> Counter[StatementId]:
    """The first demand of each group of near-copies (by meaning) -> the group's size."""
    times: Counter[StatementId] = Counter()
    first_of: dict[StatementId, StatementId] = {}
    for item in demands:
        group = copies.get(item.statement_id, item.statement_id)
        times[first_of.setdefault(group, item.statement_id)] += 1
    return times


def _add_demands(graph: nx.Graph, clustering: Clustering, context: _Context) -> None:
    """A node for each demand of a theme on the map, in statement order, up to
    ``max_demands``; near-copies of one demand are one node with a "×N" mark."""
    demands = sorted(
        (a for a in clustering.assignments.values() if a.is_demand),
        key=lambda a: a.statement_id,
    )
    room = context.room(graph)
    copies = _demand_copies(demands, clustering.copies)
    shown = [a for a in demands if theme_node(a.theme_id) in graph
             and a.statement_id in copies]
    for assignment in shown[: min(room, context.settings.max_demands)]:
        doc = context.docs.get(assignment.statement_id)
        text = doc.text if doc is not None else ""
        _add_demand(graph, assignment, text, copies[assignment.statement_id], context)


def _add_demand(
    graph: nx.Graph, assignment: Assignment, text: str, times: int, context: _Context
) -> None:
    """The node of one demand (``text``, standing for ``times`` near-copies), in its
    theme's colour, with its edge to the theme."""
    settings, words = context.settings, context.words
    short = shorten(text, settings.demand_label_chars) if text.strip() else "…"
    if times > 1:
        short = f"{short} ×{times}"
    theme_data = graph.nodes[theme_node(assignment.theme_id)]
    title = f"{words['demand']}: {' '.join(text.split())}"
    reason = reason_text(assignment, context.language)
    if reason:
        title += f"\n{words['reason']}: {reason}"
    title += f"\n{words['theme']}: {theme_data['name']}"
    graph.add_node(
        demand_node(assignment.statement_id),
        kind="demand",
        label=wrap(short, settings.label_wrap + 4),
        name=short,
        title=title,
        size=DEMAND_SIZE,
        font_size=FONT_SIZE["demand"],
        color=theme_data["color"],
        shape=SHAPES["demand"],
        theme=assignment.theme_id,
        count=times,
        weight=1.0,
        is_other=bool(theme_data["is_other"]),
    )
    graph.add_edge(
        demand_node(assignment.statement_id),
        theme_node(assignment.theme_id),
        kind="demand_of",
        weight=1.0,
    )


def _table_feeds(
    graph: nx.Graph, clustering: Clustering, docs: Mapping[StatementId, Document]
) -> dict[str, Counter[str]]:
    """Table name -> how many of its statements each theme on the map holds."""
    fed: dict[str, Counter[str]] = defaultdict(Counter)
    for sid, assignment in clustering.assignments.items():
        doc = docs.get(sid)
        if doc is not None and doc.table and theme_node(assignment.theme_id) in graph:
            fed[doc.table][assignment.theme_id] += 1
    return fed


def _add_tables(graph: nx.Graph, clustering: Clustering, context: _Context) -> None:
    """A grey node for each table that fed a theme on the map, in name order, with an
    edge to each theme it fed."""
    fed = _table_feeds(graph, clustering, context.docs)
    for name in sorted(fed)[: context.room(graph)]:
        total = sum(fed[name].values())
        title = f"{context.words['table']}: {name}\n{total} {context.words['statements']}"
        graph.add_node(
            table_node(name),
            kind="table",
            label=wrap(name, context.settings.label_wrap),
            name=name,
            title=title,
            size=TABLE_SIZE,
            font_size=FONT_SIZE["table"],
            color=TABLE_COLOR,
            shape=SHAPES["table"],
            theme="",
            count=total,
            weight=float(total),
            is_other=False,
        )
        for theme_id, count in sorted(fed[name].items()):
            graph.add_edge(
                table_node(name), theme_node(theme_id), kind="fed", weight=float(count)
            )


def _keyword_counts(clustering: Clustering) -> dict[str, int]:
    if clustering.vocabulary:
        return dict(clustering.vocabulary)
    counts: Counter[str] = Counter()
    for assignment in clustering.assignments.values():
        counts.update(set(assignment.keywords))
    return dict(counts)


# --- a stand-in clustering --------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]{5,}", re.UNICODE)
_FILLER = frozenset(
    {
        "aber", "alle", "allen", "auch", "dass", "diese", "diesem", "dieser", "durch", "eine",
        "einem", "einen", "einer", "haben", "immer", "mehr", "nicht", "noch", "oder", "ohne",
        "sich", "sind", "sollen", "sollte", "soll", "schon", "sowie", "unsere", "viele", "werden",
        "wird", "wieder", "about", "their", "there", "these", "those", "which", "would", "could",
        "should", "other",
    }
)


def clustering_by_table(documents: Sequence[Document]) -> Clustering:
    """A plain clustering with one theme per table and its most frequent words.

    Not the keyword engine (``harvest.engine.themes``): a deterministic stand-in for benchmarks,
    tests and a workshop whose engine run failed, so the map can still be drawn.
    Statements without a table go to the other theme; ``kind == "demand"`` marks demands.
    """
    by_table: dict[str, list[Document]] = defaultdict(list)
    words_of: dict[int, tuple[str, ...]] = {}
    vocabulary: Counter[str] = Counter()
    for doc in documents:
        by_table[doc.table or OTHER_THEME_ID].append(doc)
        lowered = (match.lower() for match in _WORD.findall(doc.text))
        found = tuple(dict.fromkeys(w for w in lowered if w not in _FILLER))
        words_of[doc.id] = found
        vocabulary.update(found)
    themes: list[Theme] = []
    assignments = {}
    tables = sorted(by_table, key=lambda t: (t == OTHER_THEME_ID, t))
    for number, table in enumerate(tables, start=1):
        theme_id = OTHER_THEME_ID if table == OTHER_THEME_ID else f"t{number}"
        docs = by_table[table]
        counts: Counter[str] = Counter()
        for doc in docs:
            counts.update(words_of[doc.id])
        best = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:12]
        top = tuple((word, float(n)) for word, n in best)
        themes.append(
            Theme(
                id=theme_id,
                label="" if theme_id == OTHER_THEME_ID else table,
                keywords=() if theme_id == OTHER_THEME_ID else top,
                statement_ids=tuple(doc.id for doc in docs),
                is_other=theme_id == OTHER_THEME_ID,
                origin="category",
            )
        )
        for doc in docs:
            is_demand = doc.kind == "demand"
            assignments[doc.id] = Assignment(
                statement_id=doc.id,
                theme_id=theme_id,
                secondary_theme_id=None,
                is_demand=is_demand,
                demand_reason=translate("reason.marked_facilitator") if is_demand else None,
                keywords=words_of[doc.id],
                # the facilitator's kind, as the engine names it: every page translates it
                reason=("marked_facilitator", ()) if is_demand else None,
            )
    pairs: Counter[tuple[str, str]] = Counter()
    for found in words_of.values():
        common = sorted(w for w in found if vocabulary[w] > 1)
        for i, a in enumerate(common):
            for b in common[i + 1 :]:
                pairs[(a, b)] += 1
    edges = tuple((a, b, float(n)) for (a, b), n in sorted(pairs.items()) if n > 1)
    return Clustering(tuple(themes), assignments, edges, dict(vocabulary))
