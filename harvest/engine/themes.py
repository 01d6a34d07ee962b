"""Themes: keyword graph -> communities -> stable, labelled themes, with demands.

The pipeline of :func:`detect_themes`:

1. every statement's keywords (:mod:`harvest.engine.keywords`, cached per statement);
2. a keyword co-occurrence graph (raw counts, once per distinct text: copies would form
   cliques), pruned to each keyword's strongest links;
3. Leiden communities of that graph (igraph, seeded), started from the previous
   recompute's themes so that a growing workshop keeps its shape;
4. statements scored against the communities, then refined by a naive-Bayes pass
   over all keywords; small themes dissolve, a giant one is split;
5. ids carried over from the previous clustering, labels from the top keywords;
6. the moderator's overrides (merges, moves, pins, renames, demand marks) applied last,
   so that no recompute can undo them.

A second similarity signal between statements (say, sentence embeddings) can join in
step 4 through the ``similarity`` argument.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from harvest.engine.communities import leiden, leiden_graph
from harvest.engine.demands import demand_finding
from harvest.engine.keywords import KeywordTable, Lexicon, collector_paused, extract_keywords
from harvest.engine.semantic import NeighbourCache, statement_graph
from harvest.engine.settings import EngineError, EngineSettings  # noqa: F401 (EngineError re-exported)
from harvest.engine.text import analyse
from harvest.i18n import translate
from harvest.model import (
    OTHER_THEME_ID,
    Assignment,
    Category,
    Clustering,
    Document,
    Overrides,
    StatementId,
    Theme,
    resolve_merges,
)

Similarity = Callable[[Sequence[Document]], Iterable[tuple[StatementId, StatementId, float]]]
"""A second signal: statement pairs with a similarity weight (e.g. from embeddings)."""

USER_PREFIX = "user-"


@dataclass
class _Workspace:
    """What one recompute knows about the workshop, as arrays."""

    docs: list[Document]
    table: KeywordTable
    matrix: sp.csr_matrix
    """statements x keywords, 1 where a statement uses a keyword"""
    unique_rows: np.ndarray
    """one row per distinct text: co-occurrence is counted once per text"""
    df: np.ndarray
    informative: np.ndarray
    """keyword columns used by at least two statements (they carry evidence)"""
    standalone: np.ndarray
    """``table.standalone`` as an array, converted once per recompute, not per theme"""


def _workspace(docs: list[Document], language: str, lexicon: Lexicon,
               settings: EngineSettings) -> _Workspace:
    table = extract_keywords(
        [d.text for d in docs], language, lexicon,
        compounds=settings.compounds, detect_language=settings.detect_language,
        german_nouns_only=settings.german_nouns_only,
    )
    n, v = len(docs), len(table.keys)
    data = np.ones(len(table.indices), dtype=np.float64)
    # copies: scipy may sort a matrix's indices in place, and the table keeps reading order
    matrix = sp.csr_matrix((data, table.indices.copy(), table.indptr.copy()), shape=(n, v))
    seen: dict[str, int] = {}
    unique: list[int] = []
    for row, key in enumerate(table.doc_dedupe):
        if key not in seen:
            seen[key] = row
            unique.append(row)
    df = np.asarray(matrix.sum(axis=0)).ravel()
    return _Workspace(
        docs=docs, table=table, matrix=matrix,
        unique_rows=np.asarray(unique, dtype=np.int64), df=df,
        informative=df >= 2,
        standalone=np.asarray(table.standalone),
    )


def _keyword_graph(ws: _Workspace, rows: np.ndarray, exclude: np.ndarray,
                   settings: EngineSettings) -> tuple[np.ndarray, sp.coo_matrix]:
    """Graph nodes (keyword columns) and their pruned co-occurrence weights."""
    sub = ws.matrix[rows]
    counts = np.asarray(sub.sum(axis=0)).ravel()
    n_rows = len(rows)
    min_count = 1
    if n_rows >= 30:
        min_count = max(settings.min_keyword_count,
                        math.ceil(settings.min_keyword_share * n_rows))
    keep = (counts >= min_count) & ~exclude
    nodes = np.flatnonzero(keep)
    if len(nodes) == 0:
        return nodes, sp.coo_matrix((0, 0))
    x = sub[:, nodes].tocsc().tocsr()
    co = (x.T @ x).tocsr()
    co.setdiag(0)
    co.eliminate_zeros()
    # Hubs: very common keywords that link to everything ("Klima", "Gemeinde") pull
    # all themes into one; drop those whose weight is spread thin over many neighbours.
    node_counts = counts[nodes]
    if n_rows >= 50:
        hubs = _hubs(co, node_counts, n_rows, settings)
        if hubs.any():
            keep_nodes = ~hubs
            nodes = nodes[keep_nodes]
            co = co[keep_nodes][:, keep_nodes].tocsr()
    co = _prune(co, settings.edges_per_keyword)
    return nodes, co


def _hubs(co: sp.csr_matrix, counts: np.ndarray, n_rows: int,
          settings: EngineSettings) -> np.ndarray:
    hubs = np.zeros(len(counts), dtype=bool)
    frequent = np.flatnonzero(counts > settings.hub_share * n_rows)
    for node in frequent:
        start, end = co.indptr[node], co.indptr[node + 1]
        weights = np.sort(co.data[start:end])[::-1]
        total = weights.sum()
        if total <= 0:
            continue
        top = weights[: settings.hub_neighbours].sum()
        if top / total < settings.hub_spread:
            hubs[node] = True
    return hubs


def _prune(co: sp.csr_matrix, per_node: int) -> sp.coo_matrix:
    """Keep an edge if it is among the ``per_node`` strongest of either end (symmetric)."""
    rows, cols, vals = [], [], []
    for node in range(co.shape[0]):
        start, end = co.indptr[node], co.indptr[node + 1]
        if start == end:
            continue
        data = co.data[start:end]
        idx = co.indices[start:end]
        if len(data) > per_node:
            # stable order: strongest first, ties by column index
            order = np.lexsort((idx, -data))[:per_node]
            data, idx = data[order], idx[order]
        rows.append(np.full(len(idx), node, dtype=np.int64))
        cols.append(idx.astype(np.int64))
        vals.append(data)
    if not rows:
        return sp.coo_matrix(co.shape)
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    w = np.concatenate(vals)
    kept = sp.coo_matrix((w, (r, c)), shape=co.shape).tocsr()
    kept = kept.maximum(kept.T)
    return sp.triu(kept, k=1).tocoo()


def _communities(nodes: np.ndarray, graph: sp.coo_matrix, settings: EngineSettings,
                 seed: int, initial: dict[int, int] | None,
                 resolution: float | None = None) -> list[list[int]]:
    """Keyword columns grouped by Leiden, each list sorted, largest community first."""
    if len(nodes) == 0:
        return []
    edges = list(zip(graph.row.tolist(), graph.col.tolist(), strict=True))
    weights = graph.data.tolist()
    start: list[int] | None = None
    if initial:
        next_label = max(initial.values()) + 1
        start = []
        for column in nodes.tolist():
            label = initial.get(column)
            if label is None:
                label = next_label
                next_label += 1
            start.append(label)
    passes = settings.leiden_iterations if len(nodes) <= 5000 else settings.leiden_iterations_large
    membership = leiden(len(nodes), edges, weights, resolution or settings.resolution,
                         seed, start, passes)
    groups: dict[int, list[int]] = defaultdict(list)
    for column, label in zip(nodes.tolist(), membership, strict=True):
        groups[label].append(column)
    result = [sorted(g) for g in groups.values()]
    result.sort(key=lambda g: (-len(g), g[0]))
    return result


def _score(ws: _Workspace, groups: list[list[int]]) -> np.ndarray:
    """statements x groups: how many of a statement's keywords belong to each group."""
    membership = np.full(ws.matrix.shape[1], -1, dtype=np.int64)
    for index, group in enumerate(groups):
        membership[group] = index
    cols = np.flatnonzero(membership >= 0)
    if len(cols) == 0 or not groups:
        return np.zeros((ws.matrix.shape[0], len(groups)))
    onehot = sp.csr_matrix(
        (np.ones(len(cols)), (cols, membership[cols])), shape=(ws.matrix.shape[1], len(groups))
    )
    return np.asarray((ws.matrix @ onehot).todense())


def _argmax(scores: np.ndarray) -> np.ndarray:
    """Best column per row; -1 where a row has no positive score."""
    if scores.shape[1] == 0:
        return np.full(scores.shape[0], -1, dtype=np.int64)
    best = scores.argmax(axis=1)
    best[scores.max(axis=1) <= 0] = -1
    return best


@dataclass
class _Labels:
    """The statements' current themes during one recompute (indices, -1 for none)."""

    labels: np.ndarray
    n_themes: int
    n_cat: int
    fixed: np.ndarray
    """rows whose theme is settled (a category's seed keyword)"""
    prior: np.ndarray
    """rows -> index of the theme they had in the previous clustering, or -1"""
    extra: sp.csr_matrix | None = None
    ids: list[str | None] | None = None
    """theme index -> the id it continues (the grouping by meaning knows it early)"""

    def relabel(self, keep: list[int]) -> None:
        """Renumber themes: categories first (always kept), then ``keep`` in order."""
        if self.ids is not None:
            self.ids = self.ids[: self.n_cat] + [self.ids[t] for t in keep]
        size = max(self.n_themes, int(self.labels.max(initial=-1)) + 1) + 1
        mapping = np.full(size, -1, dtype=np.int64)
        mapping[: self.n_cat] = np.arange(self.n_cat)
        for new, old in enumerate(keep):
            mapping[old] = self.n_cat + new
        self.labels = np.where(self.labels >= 0, mapping[np.maximum(self.labels, 0)], -1)
        self.prior = np.where(self.prior >= 0, mapping[np.maximum(self.prior, 0)], -1)
        self.n_themes = self.n_cat + len(keep)


def _refine(ws: _Workspace, state: _Labels, settings: EngineSettings,
            iterations: int | None = None, only: np.ndarray | None = None) -> None:
    """Naive-Bayes passes: each statement goes to the theme whose keywords it shares most.

    A statement's previous theme gets a log-odds bonus (stability); fixed rows keep
    their theme; a statement sharing no keyword with any theme goes to none (-1).
    ``only`` limits the moves to these rows.
    """
    if state.n_themes == 0 or not ws.informative.any():
        return
    x = ws.matrix[:, ws.informative]
    n = x.shape[0]
    frozen = state.fixed if only is None else (state.fixed | ~only)
    prior_rows = np.flatnonzero(state.prior >= 0)
    passes = settings.refine_iterations if iterations is None else iterations
    for _ in range(passes):
        labels = state.labels
        assigned = np.flatnonzero(labels >= 0)
        if len(assigned) == 0:
            break
        onehot = sp.csr_matrix(
            (np.ones(len(assigned)), (assigned, labels[assigned])),
            shape=(n, state.n_themes),
        )
        counts = np.asarray((onehot.T @ x).todense())  # themes x keywords
        # A statement that shares no keyword with any theme has no evidence: "other".
        overlap = np.asarray(x @ (counts > 0).T.astype(np.float64))
        has_evidence = overlap.max(axis=1) > 0
        counts += settings.smoothing
        log_p = np.log(counts) - np.log(counts.sum(axis=1, keepdims=True))
        scores = np.asarray(x @ log_p.T)
        if len(prior_rows):
            scores[prior_rows, state.prior[prior_rows]] += settings.stickiness
        new = scores.argmax(axis=1)
        new = np.where(has_evidence, new, -1)
        new = np.where(frozen, labels, new)
        if state.extra is not None:
            _follow_neighbours(state.extra, scores, has_evidence, frozen, new,
                               settings.similarity_weight)
        if np.array_equal(new, labels):
            break
        state.labels = new


def _follow_neighbours(extra: sp.csr_matrix, scores: np.ndarray, has_evidence: np.ndarray,
                       frozen: np.ndarray, labels: np.ndarray, weight: float) -> None:
    """Add the second signal row by row, each seeing its neighbours' latest theme (all
    at once, two similar statements in two themes would just swap places)."""
    for row in np.flatnonzero(np.diff(extra.indptr) > 0).tolist():
        if frozen[row]:
            continue
        start, end = extra.indptr[row], extra.indptr[row + 1]
        pull = np.zeros(scores.shape[1])
        for neighbour, w in zip(extra.indices[start:end].tolist(),
                                extra.data[start:end].tolist(), strict=True):
            if labels[neighbour] >= 0:
                pull[labels[neighbour]] += w
        if has_evidence[row] or pull.any():
            labels[row] = int(np.argmax(scores[row] + weight * pull))


@dataclass
class _Draft:
    """A theme under construction: its statements (rows) and, if known, its id."""

    rows: list[int]
    id: str | None = None
    origin: str = "detected"
    label: str | None = None


def detect_themes(
    documents: Sequence[Document],
    *,
    overrides: Overrides = Overrides(),  # noqa: B008 - frozen, so a shared default is safe
    settings: EngineSettings = EngineSettings(),  # noqa: B008 - frozen as well
    previous: Clustering | None = None,
    language: str = "de",
    seed: int = 0,
    similarity: Similarity | None = None,
    vectors: Mapping[StatementId, np.ndarray] | None = None,
    neighbours: NeighbourCache | None = None,
) -> Clustering:
    """Group statements into labelled themes with stable ids, and flag demands.

    Deterministic: the same documents (in any order), overrides, settings, previous
    clustering and seed give the same result. ``vectors`` (statement id -> unit sentence
    vector, :mod:`harvest.engine.embedding`) groups by meaning and keywords together; a
    statement without a vector is placed by its keywords. ``neighbours`` (one per
    workshop, kept by the caller) makes the next recompute search only new statements'
    neighbours; the result is the same. ``similarity`` optionally adds a second signal,
    statement pairs with weights, to the keyword-only engine.
    """
    with collector_paused():
        return _detect_themes(documents, overrides, settings, previous, language, seed,
                              similarity, vectors, neighbours)


def _detect_themes(documents: Sequence[Document], overrides: Overrides,
                   settings: EngineSettings, previous: Clustering | None, language: str,
                   seed: int, similarity: Similarity | None,
                   vectors: Mapping[StatementId, np.ndarray] | None,
                   neighbours: NeighbourCache | None = None) -> Clustering:
    docs = _unique_by_id(documents)
    language = language if language in ("de", "en") else settings.language
    lexicon = Lexicon.from_overrides(overrides, language)
    if not docs:
        return Clustering(themes=(), assignments={})
    ws = _workspace(docs, language, lexicon, settings)
    n = len(docs)
    row_of = {doc.id: row for row, doc in enumerate(docs)}
    merges = resolve_merges(overrides.merges)
    prev = _previous_view(previous, merges)

    # Guided mode: statements with a category's seed keywords belong to it.
    categories = list(overrides.categories)
    labels = np.full(n, -1, dtype=np.int64)
    fixed = np.zeros(n, dtype=bool)
    seed_columns = np.zeros(len(ws.table.keys), dtype=bool)
    if categories:
        seed_scores = _category_scores(ws, categories, lexicon, language, seed_columns)
        best = _argmax(seed_scores)
        labels[best >= 0] = best[best >= 0]
        fixed = best >= 0

    n_cat = len(categories)
    reserved = _reserved_ids(overrides, categories)
    matrix = _vector_rows(docs, vectors) if settings.semantic else None
    graph: sp.csr_matrix | None = None
    copies: dict[int, int] = {}
    if matrix is not None:
        # Meaning: one graph of statements (vector and keyword neighbours), Leiden on it.
        knn, keyword_weight = settings.meaning_graph(ws.matrix.nnz / n)
        parts = statement_graph(
            matrix, ws.matrix, k=knn, keyword_k=settings.keyword_knn,
            keyword_weight=keyword_weight, hub_share=settings.graph_hub_share,
            duplicate_similarity=settings.duplicate_similarity, seed=seed,
            ids=np.array([d.id for d in docs], dtype=np.int64), cache=neighbours,
            keyword_names=ws.table.keys)
        graph, copies = parts.graph, parts.copies
        named = {merges.get(t, t) for t in overrides.renames}
        state = _statement_themes(graph, labels, fixed, categories, docs, prev, settings, seed,
                                  reserved, named)
        _settle(state, graph, matrix, settings, calm=bool(prev.primary))
        _split_semantic_giants(state, graph, matrix, settings, seed, bool(prev.primary))
    else:
        # Discovery on the rest: keyword graph -> communities -> statements.
        open_rows = np.flatnonzero(~fixed)
        open_unique = np.intersect1d(ws.unique_rows, open_rows)
        initial = _initial_membership(ws, prev, open_rows)
        nodes, kw_graph = _keyword_graph(ws, open_unique, seed_columns, settings)
        groups = _communities(nodes, kw_graph, settings, seed, initial)
        group_scores = _score(ws, groups)
        best = _argmax(group_scores)
        free = ~fixed & (best >= 0)
        labels[free] = best[free] + n_cat
        state = _Labels(labels=labels, n_themes=n_cat + len(groups), n_cat=n_cat, fixed=fixed,
                        prior=np.full(n, -1, dtype=np.int64),
                        extra=_similarity_matrix(similarity, docs, row_of))
        _lean_to_previous(state, docs, prev, ws, reserved, merges, categories, row_of)
        _refine(ws, state, settings)
        _consolidate(ws, state, settings)
        _split_giants(ws, state, settings, seed)
    drafts = _drafts(state, categories)
    if state.ids is not None:
        for draft, theme_id in zip(drafts, state.ids, strict=False):
            if draft.id is None and theme_id is not None and draft.rows:
                draft.id = theme_id
    if prev.themes:
        _match_ids(drafts, docs, prev, ws, reserved, merges)
        _keep_named(drafts, docs, prev, overrides, merges)
    inputs = _Inputs(overrides=overrides, merges=merges, categories=categories, prev=prev,
                     settings=settings, language=language)
    clustering = _finish(ws, drafts, inputs)
    if graph is not None:
        clustering = _semantic_secondaries(clustering, docs, graph, settings)
    if copies:
        clustering = replace(clustering, copies={
            docs[row].id: docs[first].id for row, first in sorted(copies.items())})
    return clustering


def _lean_to_previous(state: _Labels, docs: list[Document], prev: _PreviousView,
                      ws: _Workspace, reserved: set[str], merges: dict[str, str],
                      categories: list[Category], row_of: dict[StatementId, int]) -> None:
    """Stability: each statement leans to the theme that carries its previous theme's id."""
    if not prev.primary:
        return
    drafts = _drafts(state, categories)
    _match_ids(drafts, docs, prev, ws, reserved, merges)
    index_of: dict[str, int] = {}
    for index, draft in enumerate(drafts):
        if draft.id is not None:
            index_of.setdefault(draft.id, index)
    for sid, theme_id in prev.primary.items():
        known_row = row_of.get(sid)
        target = index_of.get(theme_id)
        if known_row is not None and target is not None:
            state.prior[known_row] = target


# --- grouping by meaning ---------------------------------------------------------------


def _vector_rows(docs: list[Document],
                 vectors: Mapping[StatementId, np.ndarray] | None) -> np.ndarray | None:
    """statements x dimensions (zeros where a statement has no vector), or None when no
    statement has one."""
    if not vectors:
        return None
    dims = 0
    for doc in docs:
        vector = vectors.get(doc.id)
        if vector is not None:
            dims = int(np.asarray(vector).shape[-1])
            break
    if dims == 0:
        return None
    zero = np.zeros(dims, dtype=np.float32)
    rows = []
    for doc in docs:
        vector = vectors.get(doc.id)
        rows.append(vector if vector is not None and np.shape(vector) == (dims,) else zero)
    same = _one_matrix(rows)
    return same if same is not None else np.asarray(np.stack(rows), dtype=np.float32)


def _one_matrix(rows: list[np.ndarray]) -> np.ndarray | None:
    """``rows`` as one read-only matrix without a copy, when they are consecutive rows of
    one float32 buffer (as ``Store.statement_vectors`` hands them out, in statement order):
    at 100,000 statements that is 200 MB a recompute does not allocate. None otherwise."""
    first = rows[0]
    if first.dtype != np.float32 or first.ndim != 1 or not first.flags.c_contiguous:
        return None
    start, step = first.__array_interface__["data"][0], first.nbytes
    owner = first.base  # the buffer the rows are views of; it lives as long as they do
    if owner is None:
        return None
    for index, row in enumerate(rows):
        if (row.base is not owner or row.dtype != np.float32
                or row.__array_interface__["data"][0] != start + index * step):
            return None
    return np.lib.stride_tricks.as_strided(
        first, shape=(len(rows), first.shape[0]), strides=(step, first.itemsize),
        writeable=False)


def _statement_themes(graph: sp.csr_matrix, labels: np.ndarray, fixed: np.ndarray,
                      categories: list[Category], docs: list[Document], prev: _PreviousView,
                      settings: EngineSettings, seed: int, reserved: set[str],
                      named: set[str]) -> _Labels:
    """Leiden on the statement graph, started from the previous themes; on a live board
    the earlier statements keep their themes but for the clearest few moves."""
    n = graph.shape[0]
    n_cat = len(categories)
    prev_ids = [t for t in sorted(prev.themes) if t not in reserved]
    index_of = {t: n_cat + i for i, t in enumerate(prev_ids)}
    before = np.array([index_of.get(prev.primary.get(d.id, ""), -1) for d in docs],
                      dtype=np.int64)
    initial: list[int] | None = None
    if prev_ids:
        fresh = n_cat + len(prev_ids)
        initial = []
        for label in before.tolist():
            if label < 0:
                label = fresh
                fresh += 1
            initial.append(label)
    passes = settings.leiden_iterations if n <= 5000 else settings.leiden_iterations_large
    membership = np.asarray(leiden_graph(graph, _resolution(n, settings), seed, initial,
                                         passes), dtype=np.int64)
    membership[np.diff(graph.indptr) == 0] = -1
    # Communities, largest first, ties by first row (deterministic).
    order = np.argsort(membership, kind="stable")
    values, starts = np.unique(membership[order], return_index=True)
    bounds = [*starts.tolist()[1:], len(order)]
    rows_of = {int(c): order[lo:hi] for c, lo, hi in zip(values.tolist(), starts.tolist(),
                                                           bounds, strict=True) if c >= 0}
    found = list(rows_of)
    found.sort(key=lambda c: (-len(rows_of[c]), int(rows_of[c][0])))
    # Each earlier theme continues in the community holding most of its statements (one
    # to one, largest overlap first); the other communities are new themes.
    base = n_cat + len(prev_ids)
    pairs: list[tuple[int, int, int]] = []
    for c in found:
        old = before[rows_of[c]]
        counts = np.bincount(old[old >= 0], minlength=base)
        for theme in np.flatnonzero(counts).tolist():
            pairs.append((-int(counts[theme]), theme, c))
    pairs.sort()
    target_of: dict[int, int] = {}
    taken: set[int] = set()
    for _, theme, c in pairs:
        if c not in target_of and theme not in taken:
            target_of[c] = theme
            taken.add(theme)
    fresh_count = 0
    for c in found:
        if c not in target_of:
            target_of[c] = base + fresh_count
            fresh_count += 1
    proposed = np.full(n, -1, dtype=np.int64)
    for c in found:
        proposed[rows_of[c]] = target_of[c]
    labels = labels.copy()
    free = ~fixed
    earlier = free & (before >= 0)
    labels[free & (before < 0)] = proposed[free & (before < 0)]
    labels[earlier] = before[earlier]
    ids: list[str | None] = [c.id for c in categories]
    ids += [*prev_ids, *([None] * fresh_count)]
    state = _Labels(labels=labels, n_themes=base + fresh_count, n_cat=n_cat, fixed=fixed,
                    prior=before, ids=ids)
    pinned = np.array([prev.primary.get(d.id) in named for d in docs], dtype=bool)
    candidates = np.flatnonzero(earlier & (proposed >= 0) & (proposed != before) & ~pinned)
    if len(candidates):
        _move_calmly(state, graph, candidates, proposed, settings)
    return state


def _resolution(n: int, settings: EngineSettings) -> float:
    """Leiden resolution for a statement graph of ``n`` statements.

    >>> settings = EngineSettings()
    >>> _resolution(124, settings), _resolution(1000, settings), _resolution(9000, settings)
    (1.0, 0.9, 0.8)
    """
    small, large = settings.semantic_resolution_small, settings.semantic_resolution
    if n <= 500:
        return small
    if n >= 2000:
        return large
    share = math.log(n / 500) / math.log(2000 / 500)
    return round(small + (large - small) * share, 3)


def _move_calmly(state: _Labels, graph: sp.csr_matrix, rows: np.ndarray, proposed: np.ndarray,
                 settings: EngineSettings) -> None:
    """Move earlier statements to the theme the graph proposes only where, in the proposed
    grouping, their links to it clearly outweigh those to their own theme, and only the
    clearest few per recompute: splits and merges happen, but step by step."""
    affinity = _affinity(graph, proposed, state.n_themes, rows)
    degree = np.asarray(graph[rows].sum(axis=1)).ravel()
    index = np.arange(len(rows))
    targets = proposed[rows]
    gain = affinity[index, targets] - affinity[index, state.labels[rows]]
    movable = gain > settings.calm_margin * np.maximum(degree, 1e-9)
    cap = math.floor(settings.calm_move_share * int((state.prior >= 0).sum()))
    order = np.lexsort((rows, -gain))
    chosen = [i for i in order.tolist() if movable[i]][:cap]
    state.labels[rows[chosen]] = targets[chosen]


def _affinity(graph: sp.csr_matrix, labels: np.ndarray, n_themes: int,
              rows: np.ndarray | None = None) -> np.ndarray:
    """rows x themes: the summed link weight of each row to each theme's statements."""
    assigned = np.flatnonzero(labels >= 0)
    onehot = sp.csr_matrix((np.ones(len(assigned)), (assigned, labels[assigned])),
                           shape=(graph.shape[0], max(n_themes, 1)))
    part = graph if rows is None else graph[rows]
    return np.asarray((part @ onehot).todense())


def _settle(state: _Labels, graph: sp.csr_matrix, matrix: np.ndarray,
            settings: EngineSettings, calm: bool = False) -> None:
    """Keep at most ``max_themes`` themes of at least the minimum size; the statements of
    the others go to the theme they link to most (or whose centre they are nearest).
    ``calm``: a theme the board already shows needs only half the minimum to stay."""
    n = len(state.labels)
    minimum = max(settings.min_theme_size, math.ceil(settings.min_theme_share * n))
    labels = state.labels
    sizes = np.bincount(labels[labels >= 0], minlength=state.n_themes)
    discovered = sorted(range(state.n_cat, state.n_themes), key=lambda t: (-sizes[t], t))
    room = max(settings.max_themes - state.n_cat, 1)
    ids = state.ids or []

    def needed(theme: int) -> int:
        shown = calm and theme < len(ids) and ids[theme] is not None
        return max(settings.min_theme_size, minimum // 2) if shown else minimum

    keep = [t for t in discovered if sizes[t] >= needed(t)][:room]
    if not keep and discovered and sizes[discovered[0]] > 0:
        keep = [discovered[0]]
    if len(keep) < len(discovered):
        state.relabel(keep)
    _place_loose(state, graph, matrix)


def _place_loose(state: _Labels, graph: sp.csr_matrix, matrix: np.ndarray) -> None:
    """Statements without a theme join the one they link to most; without links, the
    one whose centre (by meaning) is nearest; with neither, they stay "other"."""
    loose = np.flatnonzero((state.labels < 0) & ~state.fixed)
    if len(loose) == 0 or state.n_themes == 0:
        return
    affinity = _affinity(graph, state.labels, state.n_themes, loose)
    best = affinity.argmax(axis=1)
    linked = affinity.max(axis=1) > 0
    result = np.where(linked, best, -1)
    # no copy of the loose rows' vectors (at 100,000 statements, most can be loose while a
    # giant theme is split: two copies of them were 380 MB)
    has_vector = (np.einsum("ij,ij->i", matrix, matrix) > 0)[loose]
    need = ~linked & has_vector
    centres = _centres(state.labels, state.n_themes, matrix) if need.any() else None
    if centres is not None:
        rows = loose[need]
        nearest = np.empty(len(rows), dtype=np.int64)
        for start in range(0, len(rows), _BLOCK_ROWS):
            block = rows[start:start + _BLOCK_ROWS]
            nearest[start:start + _BLOCK_ROWS] = (matrix[block] @ centres.T).argmax(axis=1)
        result[need] = nearest
    state.labels[loose] = result


_BLOCK_ROWS = 8192
"""Rows of the vector matrix copied at a time where a step needs some of them."""


def _centres(labels: np.ndarray, n_themes: int, matrix: np.ndarray) -> np.ndarray | None:
    assigned = np.flatnonzero(labels >= 0)
    if len(assigned) == 0:
        return None
    onehot = sp.csr_matrix((np.ones(len(assigned), dtype=np.float32),
                            (labels[assigned], assigned)), shape=(n_themes, len(labels)))
    centres = np.asarray(onehot @ matrix)
    norms = np.linalg.norm(centres, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return centres / norms


def _split_semantic_giants(state: _Labels, graph: sp.csr_matrix, matrix: np.ndarray,
                           settings: EngineSettings, seed: int, has_previous: bool) -> None:
    """Split a theme holding more than ``max_theme_share`` (with some slack on a live
    board, so that a theme near the limit does not split and join again)."""
    n = len(state.labels)
    if n < 20:
        return
    limit = settings.max_theme_share + (0.1 if has_previous else 0.0)
    for attempt in range(3):
        sizes = np.bincount(state.labels[state.labels >= 0], minlength=state.n_themes)
        giants = [t for t in range(state.n_cat, state.n_themes) if sizes[t] > limit * n]
        if not giants:
            return
        rows = np.flatnonzero(state.labels == giants[0])
        membership = leiden_graph(graph[rows][:, rows],
                                  _resolution(n, settings) * (1.5 + attempt),
                                  seed + attempt + 1)
        parts = Counter(membership)
        if len(parts) < 2:
            return
        order = [c for c, _ in sorted(parts.items(), key=lambda item: (-item[1], item[0]))]
        new_index = {c: (giants[0] if i == 0 else state.n_themes + i - 1)
                     for i, c in enumerate(order)}
        state.labels[rows] = [new_index[c] for c in membership]
        state.n_themes += len(order) - 1
        if state.ids is not None:
            state.ids += [None] * (len(order) - 1)
        _settle(state, graph, matrix, settings, calm=has_previous)


def _semantic_secondaries(clustering: Clustering, docs: list[Document], graph: sp.csr_matrix,
                          settings: EngineSettings) -> Clustering:
    """A statement's second theme: the other theme it links to with at least
    ``secondary_share`` of its links (and at least half as much as to its own)."""
    ids = [t.id for t in clustering.themes if not t.is_other]
    column = {tid: i for i, tid in enumerate(ids)}
    labels = np.array([column.get(clustering.assignments[d.id].theme_id, -1) for d in docs],
                      dtype=np.int64)
    if len(ids) < 2:
        return clustering
    affinity = _affinity(graph, labels, len(ids))
    total = affinity.sum(axis=1)
    rows = np.arange(len(docs))
    own = np.maximum(labels, 0)
    rivals = affinity.copy()
    rivals[rows, own] = -1
    best = rivals.argmax(axis=1)
    best_links = rivals[rows, best]
    clear = ((labels >= 0) & (total > 0) & (best_links >= settings.secondary_share * total)
             & (best_links >= 0.5 * affinity[rows, own]))
    assignments = dict(clustering.assignments)
    for row, doc in enumerate(docs):
        secondary = ids[int(best[row])] if clear[row] else None
        if assignments[doc.id].secondary_theme_id != secondary:
            assignments[doc.id] = replace(assignments[doc.id], secondary_theme_id=secondary)
    return replace(clustering, assignments=assignments)


def _keep_named(drafts: list[_Draft], docs: list[Document], prev: _PreviousView,
                overrides: Overrides, merges: dict[str, str]) -> None:
    """A theme the moderator named never vanishes by itself: if no draft carries its id,
    its previous statements form it again (unless the moderator moved them)."""
    named = {merges.get(t, t) for t in overrides.renames}
    present = {d.id for d in drafts if d.id is not None}
    row_of = {doc.id: row for row, doc in enumerate(docs)}
    for theme_id in sorted(named - present):
        members = [row_of[sid] for sid in sorted(prev.themes.get(theme_id, ()))
                   if sid in row_of and sid not in overrides.moves]
        if not members:
            continue
        taken = set(members)
        for draft in drafts:
            draft.rows = [r for r in draft.rows if r not in taken]
        drafts.append(_Draft(rows=sorted(members), id=theme_id))


# --- previous clustering and ids ------------------------------------------------------


@dataclass
class _PreviousView:
    """The previous clustering with the moderator's merges already folded in."""

    themes: dict[str, set[StatementId]]
    keywords: dict[str, set[str]]
    labels: dict[str, str]
    origins: dict[str, str]
    primary: dict[StatementId, str]
    statement_keywords: dict[StatementId, tuple[str, ...]]
    all_ids: set[str]
    last_number: int = 0
    merged_away: dict[str, Theme] = field(default_factory=dict)
    """themes merged into another, as they stood when merged (members kept apart)"""


def _previous_view(previous: Clustering | None, merges: dict[str, str]) -> _PreviousView:
    view = _PreviousView({}, {}, {}, {}, {}, {}, set())
    if previous is None:
        return view
    view.last_number = previous.last_theme_number
    for theme in previous.themes:
        view.all_ids.add(theme.id)
        if theme.is_other:
            continue
        target = merges.get(theme.id, theme.id)
        view.keywords.setdefault(target, set()).update(k.casefold() for k, _ in theme.keywords)
        if target == theme.id:
            view.labels[target] = theme.label
            view.origins[target] = theme.origin
        else:
            view.labels.setdefault(target, theme.label)
            view.origins.setdefault(target, theme.origin)
    # Members: the engine's own grouping where it was kept (a board's saved state), else
    # the themes shown; then the assignments, where given.
    for theme in previous.engine_themes or previous.themes:
        view.all_ids.add(theme.id)
        if theme.is_other:
            continue
        target = merges.get(theme.id, theme.id)
        if target != theme.id:
            view.merged_away[theme.id] = theme
        view.labels.setdefault(target, theme.label)
        for sid in theme.statement_ids:
            view.primary[sid] = target
    if not previous.engine_themes:
        for sid, assignment in previous.assignments.items():
            if assignment.theme_id == OTHER_THEME_ID:
                continue
            view.primary[sid] = merges.get(assignment.theme_id, assignment.theme_id)
    for sid, assignment in previous.assignments.items():
        view.statement_keywords[sid] = assignment.keywords
    for sid, theme_id in view.primary.items():
        view.themes.setdefault(theme_id, set()).add(sid)
    return view


def _reserved_ids(overrides: Overrides, categories: list[Category]) -> set[str]:
    reserved = set(overrides.merges) | {c.id for c in categories}
    return reserved


def _initial_membership(ws: _Workspace, prev: _PreviousView,
                        rows: np.ndarray) -> dict[int, int] | None:
    """Start Leiden where the previous themes were: each keyword in its previous theme."""
    if not prev.primary:
        return None
    theme_index = {tid: i for i, tid in enumerate(sorted(prev.themes))}
    # Plain lists and dicts: numpy scalar indexing and a Counter per keyword cost more
    # than the counting itself at 10,000 statements.
    indptr, indices = ws.matrix.indptr.tolist(), ws.matrix.indices.tolist()
    votes: dict[int, dict[int, int]] = {}
    for row in rows.tolist():
        sid = ws.docs[row].id
        theme_id = prev.primary.get(sid)
        if theme_id is None or theme_id not in theme_index:
            continue
        label = theme_index[theme_id]
        for column in indices[indptr[row]:indptr[row + 1]]:
            counter = votes.get(column)
            if counter is None:
                counter = votes[column] = {}
            counter[label] = counter.get(label, 0) + 1
    initial: dict[int, int] = {}
    for column, counter in votes.items():
        label, _ = max(counter.items(), key=lambda item: (item[1], -item[0]))
        initial[column] = label
    return initial or None


def _match_ids(drafts: list[_Draft], docs: list[Document], prev: _PreviousView,
               ws: _Workspace, reserved: set[str], merges: dict[str, str]) -> None:
    """Give each new theme the id of the previous theme it overlaps most (one to one)."""
    sids_of = [{docs[row].id for row in d.rows} for d in drafts]
    taken = {d.id for d in drafts if d.id is not None}
    candidates: list[tuple[float, int, int, str]] = []
    for index, draft in enumerate(drafts):
        if draft.id is not None:
            continue
        keywords = _draft_keyword_keys(ws, draft.rows)
        for theme_id in sorted(prev.themes):
            if theme_id in reserved or theme_id in taken:
                continue
            old = prev.themes[theme_id]
            overlap = len(sids_of[index] & old)
            union = len(sids_of[index] | old)
            jaccard = overlap / union if union else 0.0
            kw_old = prev.keywords.get(theme_id, set())
            kw_union = len(keywords | kw_old)
            kw_jaccard = len(keywords & kw_old) / kw_union if kw_union else 0.0
            share = overlap / len(sids_of[index]) if sids_of[index] else 0.0
            if share >= 0.3 or jaccard >= 0.2 or kw_jaccard >= 0.34:
                score = jaccard + 0.25 * kw_jaccard
                candidates.append((-score, -overlap, index, theme_id))
    candidates.sort()
    used: set[str] = set(taken)
    for _, _, index, theme_id in candidates:
        if drafts[index].id is None and theme_id not in used:
            drafts[index].id = theme_id
            used.add(theme_id)
    # The moderator merged these themes: a part that mostly comes from a merge target
    # joins it instead of coming back under a fresh id.
    targets = set(merges.values())
    for index, draft in enumerate(drafts):
        if draft.id is not None or not sids_of[index]:
            continue
        for theme_id in sorted(targets):
            overlap = len(sids_of[index] & prev.themes.get(theme_id, set()))
            if overlap / len(sids_of[index]) >= 0.5:
                draft.id = theme_id
                break


def _draft_keyword_keys(ws: _Workspace, rows: list[int]) -> set[str]:
    if not rows:
        return set()
    counts = np.asarray(ws.matrix[rows].sum(axis=0)).ravel()
    top = np.lexsort((np.arange(len(counts)), -counts))[:12]
    return {ws.table.display[ws.table.keys[i]].casefold() for i in top if counts[i] > 0}


def _theme_number(theme_id: str) -> int:
    match = re.fullmatch(r"t(\d+)", theme_id)
    return int(match.group(1)) if match else 0


def _fresh_ids(count: int, used: set[str], floor: int = 0) -> list[str]:
    """New ids "t<n>", numbered past every id seen so far and past ``floor`` (the highest
    number ever given out), so none is ever reused."""
    start = max([floor, *map(_theme_number, used)]) + 1
    return [f"t{start + k}" for k in range(count)]


# --- consolidation ---------------------------------------------------------------------


def _drafts(state: _Labels, categories: list[Category]) -> list[_Draft]:
    drafts = [_Draft(rows=[]) for _ in range(state.n_themes)]
    for row, label in enumerate(state.labels.tolist()):
        if label >= 0:
            drafts[label].rows.append(row)
    for index, category in enumerate(categories):
        drafts[index].id = category.id
        drafts[index].origin = "category"
        drafts[index].label = category.name
    return drafts


def _consolidate(ws: _Workspace, state: _Labels, settings: EngineSettings) -> None:
    """Dissolve themes that are too small and keep at most ``max_themes``."""
    n = len(state.labels)
    minimum = max(settings.min_theme_size, math.ceil(settings.min_theme_share * n))
    for _ in range(3):
        labels = state.labels
        sizes = np.bincount(labels[labels >= 0], minlength=state.n_themes)
        discovered = list(range(state.n_cat, state.n_themes))
        discovered.sort(key=lambda t: (-sizes[t], t))
        room = max(settings.max_themes - state.n_cat, 1)
        keep = [t for t in discovered if sizes[t] >= minimum][:room]
        if not keep and discovered and sizes[discovered[0]] > 0:
            keep = [discovered[0]]
        if len(keep) == len(discovered):
            return
        state.relabel(keep)
        # Statements of dissolved themes find their next best theme, then all settle.
        _refine(ws, state, settings, iterations=1, only=state.labels < 0)
        _refine(ws, state, settings)


def _split_giants(ws: _Workspace, state: _Labels, settings: EngineSettings, seed: int) -> None:
    """Split a discovered theme that holds more than ``max_theme_share`` of the statements."""
    n = len(state.labels)
    if n < 20:
        return
    for attempt in range(3):
        labels = state.labels
        sizes = np.bincount(labels[labels >= 0], minlength=state.n_themes)
        giants = [t for t in range(state.n_cat, state.n_themes)
                  if sizes[t] > settings.max_theme_share * n]
        if not giants:
            return
        giant = giants[0]
        rows = np.flatnonzero(labels == giant)
        unique = np.intersect1d(ws.unique_rows, rows)
        nodes, graph = _keyword_graph(ws, unique, np.zeros(ws.matrix.shape[1], dtype=bool),
                                      settings)
        groups = _communities(nodes, graph, settings, seed + attempt + 1, None,
                              resolution=settings.resolution * (1.5 + attempt))
        if len(groups) < 2:
            return
        best = _argmax(_score(ws, groups)[rows])
        new_labels = labels.copy()
        # The largest part keeps the giant's index; the others become new themes.
        for part in range(1, len(groups)):
            new_labels[rows[best == part]] = state.n_themes + part - 1
        state.labels = new_labels
        state.n_themes += len(groups) - 1
        _refine(ws, state, settings)
        _consolidate(ws, state, settings)


def _category_scores(ws: _Workspace, categories: list[Category], lexicon: Lexicon,
                     language: str, seed_columns: np.ndarray) -> np.ndarray:
    """statements x categories: how many of a category's seed keywords a statement uses."""
    index = {key: i for i, key in enumerate(ws.table.keys)}
    groups: list[list[int]] = []
    for category in categories:
        columns: set[int] = set()
        for keyword in category.keywords:
            keys = {keyword.strip().casefold()}
            keys.update(t.key for t in analyse(keyword, language, detect=False).terms)
            for key in sorted(keys):
                canonical = lexicon.canonical(key)
                if canonical is not None and canonical in index:
                    columns.add(index[canonical])
        groups.append(sorted(columns))
        seed_columns[sorted(columns)] = True
    if not groups:
        return np.zeros((ws.matrix.shape[0], 0))
    scores = np.zeros((ws.matrix.shape[0], len(groups)))
    for g, group in enumerate(groups):
        if group:
            scores[:, g] = np.asarray(ws.matrix[:, group].sum(axis=1)).ravel()
    return scores


def _similarity_matrix(similarity: Similarity | None, docs: list[Document],
                       row_of: dict[StatementId, int]) -> sp.csr_matrix | None:
    if similarity is None:
        return None
    rows, cols, vals = [], [], []
    for a, b, weight in similarity(docs):
        if a in row_of and b in row_of and a != b:
            rows += [row_of[a], row_of[b]]
            cols += [row_of[b], row_of[a]]
            vals += [float(weight), float(weight)]
    if not rows:
        return None
    n = len(docs)
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))


# --- the result ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    """What shapes the result beside the statements and the drafts."""

    overrides: Overrides
    merges: dict[str, str]
    """``overrides.merges`` resolved to final targets"""
    categories: list[Category]
    prev: _PreviousView
    settings: EngineSettings
    language: str


@dataclass(frozen=True)
class _Columns:
    """The result's themes as columns, and how their keywords spread over them."""

    theme_ids: list[str]
    """in the order shown: largest first, "other" last, empty categories after it"""
    members: dict[str, list[int]]
    """theme id -> its rows"""
    column_of: dict[str, int]
    counts: np.ndarray
    """themes x keywords: how many of a theme's statements use a keyword"""
    owner: np.ndarray
    """keyword -> the column that uses it most"""
    concentrated: np.ndarray
    """keywords used twice or more, at least half of the uses in their owner (not "other")"""


def _finish(ws: _Workspace, drafts: list[_Draft], inputs: _Inputs) -> Clustering:
    """The clustering of the drafts: ids, the moderator's overrides, themes, assignments."""
    used_ids = _name_drafts(drafts, inputs.overrides, inputs.prev)
    engine_primary = _draft_primary(drafts, len(ws.docs))
    primary = _moderated(ws, engine_primary, inputs)
    columns = _columns(ws, primary, inputs)
    themes = _themes(ws, columns, drafts, inputs)
    secondaries = _secondaries(ws, [columns.column_of[t] for t in primary], columns.theme_ids,
                               columns.owner, columns.concentrated, inputs.settings)
    prev = inputs.prev
    return Clustering(
        themes=tuple(themes),
        assignments=_assignments(ws, primary, secondaries, inputs),
        keyword_edges=_keyword_edges(ws, themes, inputs.settings),
        vocabulary=_vocabulary(ws, themes),
        last_theme_number=max([prev.last_number, *map(_theme_number, used_ids),
                               *(_theme_number(t.id) for t in themes)]),
        engine_themes=_engine_themes(ws.docs, engine_primary, prev, inputs.merges,
                                     {t.id: t.label for t in themes}),
    )


def _name_drafts(drafts: list[_Draft], overrides: Overrides, prev: _PreviousView) -> set[str]:
    """Fresh ids for the drafts with statements but no id, largest first; returns the ids
    taken before (previous, merged and the drafts' own)."""
    used_ids = set(prev.all_ids) | set(overrides.merges) | set(overrides.merges.values())
    used_ids |= {d.id for d in drafts if d.id is not None}
    missing = sorted((d for d in drafts if d.id is None and d.rows),
                     key=lambda d: (-len(d.rows), d.rows[0]))
    for draft, new_id in zip(missing, _fresh_ids(len(missing), used_ids, prev.last_number),
                             strict=True):
        draft.id = new_id
    return used_ids


def _draft_primary(drafts: list[_Draft], n: int) -> list[str]:
    """The engine's theme id per row ("other" for a row no draft holds)."""
    primary: list[str] = [OTHER_THEME_ID] * n
    for draft in drafts:
        for row in draft.rows:
            primary[row] = draft.id or OTHER_THEME_ID
    return primary


def _moderated(ws: _Workspace, engine_primary: list[str], inputs: _Inputs) -> list[str]:
    """The theme id per row after the moderator's pins, merges and moves, in that order."""
    overrides, merges = inputs.overrides, inputs.merges
    primary = list(engine_primary)
    # Pinned keywords pull every statement that uses them to their theme.
    lexicon = Lexicon.from_overrides(overrides, inputs.language)
    pins: list[tuple[frozenset[str], str]] = []
    for keyword, theme_id in sorted(overrides.pinned_keywords.items()):
        keys = lexicon.keys_of(keyword)
        if keys:
            pins.append((keys, merges.get(theme_id, theme_id)))
    for row in range(len(primary) if pins else 0):
        row_keys = {ws.table.keys[i] for i in ws.table.row(row)}
        hits = Counter(theme for keys, theme in pins if not keys.isdisjoint(row_keys))
        if hits:
            target, _ = max(hits.items(), key=lambda item: (item[1], _neg(item[0])))
            primary[row] = target
    # Merges: a merged-away theme's statements live on in the target.
    primary = [merges.get(t, t) for t in primary]
    # Moves: the moderator's word on a single statement is final.
    row_of = {doc.id: row for row, doc in enumerate(ws.docs)}
    for sid, theme_id in sorted(overrides.moves.items()):
        moved = row_of.get(sid)
        if moved is not None:
            primary[moved] = merges.get(theme_id, theme_id)
    return primary


def _columns(ws: _Workspace, primary: list[str], inputs: _Inputs) -> _Columns:
    """The themes in order with their rows, and which theme each keyword leans to (for
    secondary themes and keyword weights)."""
    n, v = len(primary), len(ws.table.keys)
    members: dict[str, list[int]] = defaultdict(list)
    for row, theme_id in enumerate(primary):
        members[theme_id].append(row)
    theme_ids = sorted(members, key=lambda t: (t == OTHER_THEME_ID, -len(members[t]), t))
    for category in inputs.categories:
        if category.id not in members and category.id not in inputs.merges:
            theme_ids.append(category.id)
            members[category.id] = []
    column_of = {t: i for i, t in enumerate(theme_ids)}
    onehot = sp.csr_matrix(
        (np.ones(n), (np.arange(n), [column_of[t] for t in primary])),
        shape=(n, len(theme_ids)),
    )
    counts = np.asarray((onehot.T @ ws.matrix).todense())  # themes x keywords
    df = np.maximum(ws.df, 1)
    other_col = column_of.get(OTHER_THEME_ID)
    owner = counts.argmax(axis=0) if len(theme_ids) else np.zeros(v, dtype=np.int64)
    concentrated = (counts.max(axis=0) / df >= 0.5) & (ws.df >= 2) if v else np.zeros(0, bool)
    if other_col is not None:
        concentrated &= owner != other_col
    return _Columns(theme_ids=theme_ids, members=members, column_of=column_of, counts=counts,
                    owner=owner, concentrated=concentrated)


def _themes(ws: _Workspace, columns: _Columns, drafts: list[_Draft],
            inputs: _Inputs) -> list[Theme]:
    """One theme per column, labelled by the moderator, its category or its keywords."""
    origins = {d.id: d.origin for d in drafts if d.id is not None}
    names = {d.id: d.label for d in drafts if d.id is not None and d.label is not None}
    renames, settings = inputs.overrides.renames, inputs.settings
    themes: list[Theme] = []
    labels_seen: set[str] = set()
    for theme_id in columns.theme_ids:
        keywords = _theme_keywords(columns.counts[columns.column_of[theme_id]], ws,
                                   settings.theme_keywords)
        is_other = theme_id == OTHER_THEME_ID
        if is_other:
            # the catalogue's word; a language it does not have gets the English one
            label = translate("theme.other", "de" if inputs.language == "de" else "en")
        elif theme_id in renames:
            label = renames[theme_id]
        elif theme_id in names:
            label = names[theme_id]
        else:
            words = [ws.table.display[ws.table.keys[i]] for i, _ in keywords]
            label = _steady_label(inputs.prev.labels.get(theme_id), words,
                                  settings.label_keywords, labels_seen)
        labels_seen.add(label)
        themes.append(Theme(
            id=theme_id,
            label=label,
            keywords=tuple((ws.table.display[ws.table.keys[i]], w) for i, w in keywords),
            statement_ids=tuple(ws.docs[r].id for r in columns.members[theme_id]),
            is_other=is_other,
            origin=_theme_origin(theme_id, inputs, origins),
        ))
    return themes


def _theme_origin(theme_id: str, inputs: _Inputs, origins: dict[str, str]) -> str:
    """Its origin: "category", "user" (a moderator's split), else the previous or the draft's."""
    if any(c.id == theme_id for c in inputs.categories):
        return "category"
    if theme_id.startswith(USER_PREFIX):
        return "user"
    return inputs.prev.origins.get(theme_id) or origins.get(theme_id) or "detected"


def _assignments(ws: _Workspace, primary: list[str], secondaries: list[str | None],
                 inputs: _Inputs) -> dict[StatementId, Assignment]:
    """Each statement's themes, keywords and whether it is a demand."""
    shown = [ws.table.display[key] for key in ws.table.keys]
    assignments: dict[StatementId, Assignment] = {}
    for row, doc in enumerate(ws.docs):
        is_demand, reason, rules = demand_finding(
            doc.text, doc.kind, ws.table.doc_languages[row],
            inputs.overrides.demand_marks.get(doc.id), inputs.language,
        )
        assignments[doc.id] = Assignment(
            statement_id=doc.id,
            theme_id=primary[row],
            secondary_theme_id=secondaries[row],
            is_demand=is_demand,
            demand_reason=None if reason is None else reason.text(rules),
            keywords=tuple(map(shown.__getitem__, ws.table.row(row))),
            reason=None if reason is None else (reason.code, reason.params),
        )
    return assignments


def _engine_themes(docs: list[Document], primary: list[str], prev: _PreviousView,
                   merges: dict[str, str], labels: dict[str, str]) -> tuple[Theme, ...]:
    """The engine's grouping (``primary``: a theme id per row, before moves and pins),
    each merged-away theme kept apart with those of its members still in the target."""
    owner = {docs[row].id: theme_id for row, theme_id in enumerate(primary)}
    apart: dict[StatementId, str] = {}
    kept: list[Theme] = []
    for source, theme in sorted(prev.merged_away.items()):
        target = merges.get(source)
        members = tuple(sid for sid in theme.statement_ids
                        if target is not None and owner.get(sid) == target)
        if members:
            kept.append(Theme(id=source, label=theme.label, keywords=(),
                              statement_ids=members))
            apart.update(dict.fromkeys(members, source))
    groups: dict[str, list[StatementId]] = defaultdict(list)
    for sid, theme_id in owner.items():
        if theme_id != OTHER_THEME_ID and sid not in apart:
            groups[theme_id].append(sid)
    found = [Theme(id=theme_id, label=labels.get(theme_id) or prev.labels.get(theme_id, theme_id),
                   keywords=(), statement_ids=tuple(sids))
             for theme_id, sids in sorted(groups.items())]
    return (*found, *kept)


def _neg(text: str) -> tuple[int, ...]:
    """A sort key that orders strings in reverse (for max() with an ascending tie-break)."""
    return tuple(-ord(c) for c in text)


def _theme_keywords(counts: np.ndarray, ws: _Workspace, top: int) -> list[tuple[int, float]]:
    """A theme's keywords, best first: frequent in the theme and concentrated in it."""
    if counts.size == 0 or counts.max() <= 0:
        return []
    df = np.maximum(ws.df, 1)
    weight = counts * (counts / df) * ws.standalone
    candidates = np.flatnonzero(counts > 0)
    order = sorted(candidates.tolist(), key=lambda i: (-weight[i], -counts[i], ws.table.keys[i]))
    best = order[:top]
    peak = weight[best[0]] if best else 1.0
    return [(i, round(float(weight[i] / peak), 4)) for i in best]


def _steady_label(previous: str | None, words: list[str], count: int, seen: set[str]) -> str:
    """The previous label while its words are all still among the theme's top keywords
    (a label must not flip between two orders of the same words), else a new one.

    >>> _steady_label("Kita · Schule", ["Schule", "Kita", "Hort"], 2, set())
    'Kita · Schule'
    >>> _steady_label("Kita · Schule", ["Wohnung", "Miete", "Kita"], 2, set())
    'Wohnung · Miete'
    """
    if previous and previous not in seen:
        parts = previous.split(" · ")
        if len(parts) <= count and set(parts) <= set(words[: 2 * count]):
            return previous
    return _label(words, count, seen)


def _label(words: list[str], count: int, seen: set[str]) -> str:
    """Two or three top keywords, none a part of another, unlike every label so far."""
    for skip in range(3):
        chosen: list[str] = []
        for word in words[skip:]:
            folded = word.casefold()
            if any(folded in w.casefold() or w.casefold() in folded for w in chosen):
                continue
            chosen.append(word)
            if len(chosen) == count:
                break
        label = " · ".join(chosen)
        if label and label not in seen:
            return label
    return " · ".join(words[:count]) or "–"


def _secondaries(ws: _Workspace, primary: list[int], theme_ids: list[str], owner: np.ndarray,
                 concentrated: np.ndarray, settings: EngineSettings) -> list[str | None]:
    """Each statement's second theme, where it clearly speaks to two.

    A keyword belongs to the theme that holds most of its statements (if it holds at
    least half). A statement with two or more such keywords gets a secondary theme when
    another theme than its own holds ``secondary_share`` of them.
    """
    n, t = ws.matrix.shape[0], len(theme_ids)
    result: list[str | None] = [None] * n
    columns = np.flatnonzero(concentrated)
    if len(columns) == 0 or t < 2:
        return result
    owned = sp.csr_matrix((np.ones(len(columns)), (columns, owner[columns])),
                          shape=(ws.matrix.shape[1], t))
    hits = np.asarray((ws.matrix @ owned).todense())
    rows = np.arange(n)
    own = np.asarray(primary, dtype=np.int64)
    total = hits.sum(axis=1)
    own_hits = hits[rows, own]
    rivals = hits.copy()
    rivals[rows, own] = -1
    if OTHER_THEME_ID in theme_ids:
        rivals[:, theme_ids.index(OTHER_THEME_ID)] = -1
    best = rivals.argmax(axis=1)
    best_hits = rivals[rows, best]
    keywords = np.diff(ws.matrix.indptr)
    other = theme_ids.index(OTHER_THEME_ID) if OTHER_THEME_ID in theme_ids else -1
    clear = (
        (keywords >= 2) & (own != other) & (total >= 2) & (own_hits >= 1) & (best_hits >= 1)
        & (best_hits >= settings.secondary_share * np.maximum(total, 1))
    )
    for row in np.flatnonzero(clear).tolist():
        result[row] = theme_ids[int(best[row])]
    return result


def _keyword_edges(ws: _Workspace, themes: list[Theme],
                   settings: EngineSettings) -> tuple[tuple[str, str, float], ...]:
    """Co-occurrence links among the themes' top keywords, for the concept map."""
    index = {ws.table.display[k]: i for i, k in enumerate(ws.table.keys)}
    chosen: list[int] = []
    for theme in themes:
        if theme.is_other:
            continue
        for word, _ in theme.keywords[: settings.edge_keywords_per_theme]:
            column = index.get(word)
            if column is not None and column not in chosen:
                chosen.append(column)
    if len(chosen) < 2:
        return ()
    chosen.sort()
    x = ws.matrix[ws.unique_rows][:, chosen]
    co = (x.T @ x).tocsr()
    co.setdiag(0)
    co.eliminate_zeros()
    minimum = 2 if len(ws.unique_rows) >= 50 else 1
    pruned = _prune(co, settings.edges_per_map_keyword)
    edges = []
    for a, b, w in zip(pruned.row.tolist(), pruned.col.tolist(), pruned.data.tolist(),
                       strict=True):
        if w >= minimum:
            left = ws.table.display[ws.table.keys[chosen[a]]]
            right = ws.table.display[ws.table.keys[chosen[b]]]
            if right < left:
                left, right = right, left
            edges.append((left, right, float(w)))
    edges.sort(key=lambda e: (-e[2], e[0], e[1]))
    return tuple(edges)


def _vocabulary(ws: _Workspace, themes: list[Theme]) -> dict[str, int]:
    """Keyword -> statements using it: every keyword a theme shows, and the rest used
    more than once (keywords used once are left out of big workshops)."""
    minimum = 2 if len(ws.docs) >= 200 else 1
    shown = {word for theme in themes for word, _ in theme.keywords}
    vocabulary: dict[str, int] = {}
    for i in range(len(ws.table.keys)):
        word = ws.table.display[ws.table.keys[i]]
        if ws.df[i] >= minimum or word in shown:
            vocabulary[word] = int(ws.df[i])
    return vocabulary


def _unique_by_id(documents: Sequence[Document]) -> list[Document]:
    """Documents sorted by id (input order must not matter), first of each id kept."""
    seen: set[StatementId] = set()
    result = []
    for doc in sorted(documents, key=lambda d: d.id):
        if doc.id not in seen:
            seen.add(doc.id)
            result.append(doc)
    return result
