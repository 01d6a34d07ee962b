"""The workshop model: plain, frozen data passed between Harvest's stages.

Nothing here talks to a database, a browser or Streamlit. The store returns these
objects, the engine reads ``Document`` and ``Overrides`` and returns a ``Clustering``,
the concept map reads a ``Clustering``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

KINDS: tuple[str, ...] = ("idea", "challenge", "demand", "question")
"""The kinds a facilitator can give a statement (or none)."""

LANGUAGES: tuple[str, ...] = ("de", "en")
ORIGINS: tuple[str, ...] = ("typed", "imported")
ROLES: tuple[str, ...] = ("moderator", "facilitator", "participant")

StatementId = int

DEFAULT_MAX_CHARS = 1000
OTHER_THEME_ID = "other"
"""Theme id of the "Sonstiges / Other" bucket for statements without usable keywords."""


@dataclass(frozen=True)
class Workshop:
    """A workshop: one event with its tables and statements."""

    id: int
    slug: str
    title: str
    date: date | None
    place: str
    language: str
    max_chars: int
    revision: int
    created_at: datetime


@dataclass(frozen=True)
class Process:
    """Workshops seen as one (regional conferences carried into one state-wide picture).

    Its own board lives in ``workshop``, a workshop row without tables or statements of
    its own: slug, title and language, the moderator's curation, the saved board state and
    the process's links are that row's. ``workshop_ids`` are the members, in the order
    they were added; each statement stays in its workshop.
    """

    id: int
    workshop: Workshop
    workshop_ids: tuple[int, ...]
    created_at: datetime

    @property
    def slug(self) -> str:
        return self.workshop.slug

    @property
    def title(self) -> str:
        return self.workshop.title


@dataclass(frozen=True)
class Table:
    """A theme table ("Thementisch") of a workshop."""

    id: int
    workshop_id: int
    name: str
    topic: str = ""
    facilitator: str | None = None


@dataclass(frozen=True)
class Statement:
    """One statement as a facilitator wrote it down (or as it was imported)."""

    id: StatementId
    workshop_id: int
    table_id: int | None
    text: str
    kind: str | None
    author: str | None
    created_at: datetime
    updated_at: datetime
    hidden: bool = False
    origin: str = "typed"
    table_name: str | None = None


# --- engine input -------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """What the keyword engine needs to know about one statement."""

    id: StatementId
    text: str
    kind: str | None = None
    table: str | None = None


@dataclass(frozen=True)
class Category:
    """A theme set in advance by the moderator (guided mode), with seed keywords."""

    id: str
    name: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Overrides:
    """Every moderator decision, fed into the engine so that a recompute keeps it.

    Theme ids refer to ids of a previous ``Clustering`` (or of ``categories``,
    or ids the moderator created by splitting, prefixed ``user-``).
    """

    renames: dict[str, str] = field(default_factory=dict)
    """theme id -> label chosen by the moderator"""
    merges: dict[str, str] = field(default_factory=dict)
    """theme id -> theme id it was merged into"""
    moves: dict[StatementId, str] = field(default_factory=dict)
    """statement id -> theme id it was moved to (a split moves into a new ``user-`` id)"""
    demand_marks: dict[StatementId, bool] = field(default_factory=dict)
    """statement id -> marked (True) or unmarked (False) as a demand by the moderator"""
    pinned_keywords: dict[str, str] = field(default_factory=dict)
    """keyword (lemma) -> theme id it is pinned to"""
    stopwords: frozenset[str] = frozenset()
    synonyms: dict[str, str] = field(default_factory=dict)
    """word -> canonical word it should count as"""
    categories: tuple[Category, ...] = ()
    pictograms: dict[str, str] = field(default_factory=dict)
    """theme id -> pictogram code chosen by the moderator ("" for none); not read by the
    engine, only by the pictures (``harvest.pictograms``)"""


def resolve_chains(links: Mapping[str, str]) -> dict[str, str]:
    """Each source -> where its chain of links finally ends: the one rule for merges and synonyms.

    A chain is followed to its end (``a->b, b->c`` gives ``a->c, b->c``). A cycle has no
    end, so it collapses onto its smallest member (in sorted order): every member of the
    cycle, that one included, maps to it, and so does every chain leading into the
    cycle. A self-loop is a cycle of one. The answer does not depend on the order of
    ``links``, and resolving twice changes nothing. Callers for whom "maps to itself"
    means "no link" (merges) drop those entries.

    >>> resolve_chains({"a": "b", "b": "c"})
    {'a': 'c', 'b': 'c'}
    >>> resolve_chains({"b": "a", "a": "b", "x": "b"})
    {'b': 'a', 'a': 'a', 'x': 'a'}
    >>> resolve_chains({"a": "a"})
    {'a': 'a'}
    """
    resolved: dict[str, str] = {}
    for source in sorted(links):
        path = [source]
        on_path = {source}
        target = links[source]
        while target in links and target not in on_path and target not in resolved:
            path.append(target)
            on_path.add(target)
            target = links[target]
        if target in resolved:
            end = resolved[target]
        elif target in on_path:  # a cycle: from ``target`` back round to ``target``
            end = min(path[path.index(target):])
        else:
            end = target
        for node in path:
            resolved[node] = end
    return {source: resolved[source] for source in links}


def resolve_merges(merges: Mapping[str, str]) -> dict[str, str]:
    """``resolve_chains`` for theme merges: a theme that ends on itself is not merged.

    >>> resolve_merges({"a": "b", "b": "a", "c": "c"})
    {'b': 'a'}
    """
    return {source: target for source, target in resolve_chains(merges).items()
            if source != target}


# --- engine output ------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    """A theme found (or set, or curated) in a workshop."""

    id: str
    label: str
    keywords: tuple[tuple[str, float], ...]
    """top keywords with their weight in this theme, best first"""
    statement_ids: tuple[StatementId, ...]
    """statements whose primary theme this is"""
    is_other: bool = False
    origin: str = "detected"
    """"detected", "category" (guided mode) or "user" (created by a split)"""

    @property
    def is_other_theme(self) -> bool:
        """The catch-all theme ("Sonstiges"), by its flag or by its id: every page names
        it in its reader's language and shows it last.

        >>> Theme("other", "", (), ()).is_other_theme, Theme("t1", "Kita", (), ()).is_other_theme
        (True, False)
        """
        return self.is_other or self.id == OTHER_THEME_ID


@dataclass(frozen=True)
class Assignment:
    """The engine's verdict on one statement."""

    statement_id: StatementId
    theme_id: str
    secondary_theme_id: str | None
    is_demand: bool
    demand_reason: str | None
    """why it counts as a demand, in the words of the language whose rules found it"""
    keywords: tuple[str, ...]
    reason: tuple[str, tuple[tuple[str, str], ...]] | None = None
    """the same reason as a catalogue code and its parameters (``harvest.i18n``'s
    ``reason.<code>``), so a page shows it in its reader's language: ``reason_text``"""


@dataclass(frozen=True)
class Clustering:
    """The result of one recompute of a workshop's themes."""

    themes: tuple[Theme, ...]
    assignments: dict[StatementId, Assignment]
    keyword_edges: tuple[tuple[str, str, float], ...] = ()
    """keyword co-occurrence edges (a, b, weight) for the concept map"""
    vocabulary: dict[str, int] = field(default_factory=dict)
    """keyword -> number of statements using it"""
    copies: dict[StatementId, StatementId] = field(default_factory=dict)
    """statement -> the statement it is a near-copy of (by meaning), so the map counts
    near-copies once ("×N")"""
    last_theme_number: int = 0
    """the highest ``t<n>`` theme id ever given out: retired ids never come back"""
    engine_themes: tuple[Theme, ...] = ()
    """the grouping as the engine found it, before the moderator's moves and pinned
    keywords, with each merged-away theme kept apart as it stood when merged (labels and
    members only). The next recompute starts from this, so undoing a move or a merge
    gives back what it changed instead of the calm board holding on to it."""

    def theme(self, theme_id: str) -> Theme | None:
        """The theme with this id, or None."""
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        return None
