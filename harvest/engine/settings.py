"""Every tunable of the engine in one frozen dataclass, and the error for settings it refuses.

Re-exported by :mod:`harvest.engine.themes` and :mod:`harvest.engine`.

>>> EngineSettings().semantic
True
>>> EngineSettings(max_themes=0)
Traceback (most recent call last):
...
harvest.engine.settings.EngineError: max_themes must be at least 1
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EngineError", "EngineSettings"]


class EngineError(ValueError):
    """The engine was given settings it cannot work with."""


@dataclass(frozen=True)
class EngineSettings:
    """Every tunable of the engine, with defaults calibrated on real consultation data."""

    language: str = "de"
    """the workshop's language when ``detect_themes`` is not told one"""
    detect_language: bool = True
    """read each statement as German or English by its own function words"""
    compounds: bool = True
    """link German compounds to parts the workshop uses on their own"""
    german_nouns_only: bool = True
    """German keywords are nouns (the capitalised words); verbs and adjectives of
    workshop talk ("einführen", "ökologisch") blur themes"""
    resolution: float = 0.9
    """Leiden modularity resolution: higher gives more, smaller communities"""
    min_keyword_count: int = 2
    """a keyword joins the graph once this many distinct statements use it ..."""
    min_keyword_share: float = 0.0002
    """... and at least this share of them (keeps the graph small at 100,000)"""
    edges_per_keyword: int = 100
    """each keyword keeps its strongest links only (the graph stays sparse and fast);
    harder pruning (12, 30, 50) cost 0.1 ARI on both calibration sets"""
    hub_share: float = 1.0
    """a keyword in more than this share of statements is dropped from the graph as a
    hub when it also links widely (see ``hub_spread``). Off (1.0) by default: with the
    naive-Bayes pass, dropping hubs at 0.06 cost 0.1 ARI on Klimarat and Scoop"""
    hub_spread: float = 0.5
    """... links widely: its ``hub_neighbours`` strongest links hold less than this share
    of its co-occurrence weight"""
    hub_neighbours: int = 12
    leiden_iterations: int = -1
    """Leiden passes (-1: until no pass improves) ..."""
    leiden_iterations_large: int = 2
    """... and for graphs of more than 5,000 keywords, where each pass costs"""
    max_themes: int = 12
    min_theme_size: int = 2
    min_theme_share: float = 0.015
    """a theme needs at least this share of the statements (and ``min_theme_size``)"""
    max_theme_share: float = 0.4
    """a theme holding more than this share is split"""
    refine_iterations: int = 2
    """naive-Bayes passes over all keywords after the graph assignment"""
    smoothing: float = 0.5
    stickiness: float = 2.0
    """log-odds bonus for a statement's previous theme: small changes do not move it"""
    secondary_share: float = 0.34
    """a second theme holding at least this share of a statement's keywords is secondary"""
    theme_keywords: int = 12
    label_keywords: int = 3
    similarity_weight: float = 1.0
    semantic: bool = True
    """group by meaning when sentence vectors are given (keyword labels either way);
    False keeps the keyword-only engine"""
    knn: int = 15
    """each statement's nearest neighbours by meaning in the statement graph"""
    keyword_knn: int = 15
    """... and by shared keywords"""
    keyword_weight: float = 1.0
    """weight of the keyword neighbours beside the meaning neighbours"""
    long_keywords: float = 20.0
    """from this many keywords per statement on average (long contributions: 32 on the THF
    proposals, 2-12 on short posts, titles and Polis comments) ..."""
    long_knn: int = 20
    """... meaning has these many neighbours ..."""
    long_keyword_weight: float = 0.25
    """... and keyword neighbours this weight: among 20-30 keywords per text, shared ones
    say little (a long proposal's keyword neighbours share its topic barely more often
    than chance)"""
    graph_hub_share: float = 0.25
    """keywords in more than this share of the statements link nothing in the statement
    graph ("Bahn" in 80% of a mobility consultation says nothing about its themes)"""
    duplicate_similarity: float = 0.95
    """vector cosine from which two statements are near-copies (counted once)"""
    semantic_resolution: float = 0.8
    """Leiden resolution on the statement graph of 2,000 statements and more ..."""
    semantic_resolution_small: float = 1.0
    """... and of 500 and fewer (between: log-linear). A small graph of 15 neighbours each
    is dense: at 0.8 the demo's six tables fold into four themes"""
    calm_margin: float = 0.5
    """an earlier statement changes theme only if its links to the new theme outweigh
    those to its theme by this share of all its links ..."""
    calm_move_share: float = 0.03
    """... and at most this share of the earlier statements move in one recompute: the
    board changes calmly, a reorganisation spreads over several recomputes"""
    edge_keywords_per_theme: int = 12
    edges_per_map_keyword: int = 6

    def meaning_graph(self, keywords_per_statement: float) -> tuple[int, float]:
        """The meaning neighbours per statement and the keyword neighbours' weight for a
        workshop whose statements have this many keywords on average.

        >>> EngineSettings().meaning_graph(6.5), EngineSettings().meaning_graph(32.0)
        ((15, 1.0), (20, 0.25))
        """
        if keywords_per_statement >= self.long_keywords:
            return self.long_knn, self.long_keyword_weight
        return self.knn, self.keyword_weight

    def __post_init__(self) -> None:
        if self.resolution <= 0:
            raise EngineError("resolution must be positive")
        if self.max_themes < 1:
            raise EngineError("max_themes must be at least 1")
        if not 0 < self.max_theme_share <= 1:
            raise EngineError("max_theme_share must be in (0, 1]")
