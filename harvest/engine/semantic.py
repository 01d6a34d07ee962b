"""The statement graph: meaning (sentence vectors) and keywords, as one weighted graph.

Two k-nearest-neighbour graphs over the statements are added up:

- by meaning: cosine of the statements' sentence vectors (:mod:`harvest.engine.embedding`);
- by keywords: cosine of the statements' IDF-weighted keyword sets, hub keywords (in more
  than ``hub_share`` of the statements) left out, so that the one word every statement
  uses ("Bahn", "Klima") cannot tie everything together.

Near-copies (vector cosine at least ``duplicate_similarity``) are linked through their
neighbours only, so that ten copies of one sentence do not form a theme of their own;
:func:`near_copies` names them so the map can count them once.

Nearest neighbours come from faiss: exact inner products up to ``exact_limit`` statements,
an inverted-file index above (100,000 statements in seconds, not minutes).
"""

from __future__ import annotations

import math
import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["GraphParts", "NeighbourCache", "fingerprints", "keyword_vectors", "knn_graph",
           "near_copies", "statement_graph"]


APPROX_DIMS = 96
"""Dimensions the vectors are reduced to (PCA) for an approximate search."""


def _search(data: np.ndarray, queries: np.ndarray, k: int, exact: bool,
            seed: int) -> tuple[np.ndarray, np.ndarray]:
    """faiss inner-product search: (similarities, indices into ``data``), ``k`` per query.

    Approximate: PCA to ``APPROX_DIMS`` dimensions, then an inverted file of 4·√n cells,
    8 searched per query (at 100,000 statements about 80% of the exact neighbours, the
    rest nearly as near, in seconds; the full 512 dimensions took half a minute). The
    similarities returned are the exact ones of the neighbours found."""
    import faiss

    faiss.omp_set_num_threads(1)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    if exact and len(queries) <= 32:
        # a few new statements: one product with every row beats building an index
        product = queries @ data.T
        k = min(k, data.shape[0])
        top = np.argpartition(-product, k - 1, axis=1)[:, :k]
        top_sims = np.take_along_axis(product, top, axis=1)
        order = np.lexsort((top, -top_sims), axis=1)
        return (np.take_along_axis(top_sims, order, axis=1).astype(np.float32),
                np.take_along_axis(top, order, axis=1).astype(np.int64))
    if exact:
        index: Any = faiss.IndexFlatIP(data.shape[1])
        index.add(data)
        return index.search(queries, k)
    rng = np.random.default_rng(seed)
    space, points = data, queries
    if data.shape[1] > APPROX_DIMS:
        pca = faiss.PCAMatrix(data.shape[1], APPROX_DIMS)
        pca.train(data[rng.choice(len(data), min(len(data), 20_000), replace=False)])
        space = _unit(pca.apply(data))
        points = space if queries is data else _unit(pca.apply(queries))
    cells = max(1, int(4 * math.sqrt(len(data))))
    quantizer = faiss.IndexFlatIP(space.shape[1])
    index = faiss.IndexIVFFlat(quantizer, space.shape[1], cells, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = seed
    index.train(space[rng.choice(len(space), min(len(space), 40 * cells), replace=False)])
    index.nprobe = 8
    index.add(space)
    _, found = index.search(points, k)
    # exact similarities of what was found, best first
    sims = np.empty(found.shape, dtype=np.float32)
    for start in range(0, len(found), 1024):
        block = found[start:start + 1024]
        sims[start:start + 1024] = np.einsum(
            "qd,qkd->qk", queries[start:start + 1024], data[np.maximum(block, 0)])
    sims[found < 0] = -np.inf
    order = np.argsort(-sims, axis=1, kind="stable")
    sims = np.take_along_axis(sims, order, axis=1).astype(np.float32)
    found = np.take_along_axis(found, order, axis=1)
    sims[found < 0] = 0.0
    return sims, found


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(x / norms, dtype=np.float32)


class NeighbourCache:
    """The last neighbour lists of one workshop, so that the next recompute searches only
    for new or changed statements (and for those that lost a neighbour): adding one
    statement to 3,000 costs one row of similarities, not 3,000. Up to ``EXACT_LIMIT``
    statements the results are the same as a full search; above, the first search is the
    approximate one and later ones add the exact neighbours of new rows. A row is known
    by its id and a fingerprint of its vector (one random projection). ``keywords`` is
    the same for the keyword neighbours of a large workshop. Thread-safe; one per
    workshop."""

    def __init__(self, *, nested: bool = True) -> None:
        self._lock = threading.Lock()
        self._ids: np.ndarray = np.zeros(0, dtype=np.int64)
        self._prints: np.ndarray = np.zeros(0, dtype=np.float64)
        self._sims: np.ndarray = np.zeros((0, 0), dtype=np.float32)
        self._found: np.ndarray = np.zeros((0, 0), dtype=np.int64)
        self._full_size = 0
        self.keywords: NeighbourCache | None = NeighbourCache(nested=False) if nested else None

    def search(self, ids: np.ndarray, data: np.ndarray, kk: int,
               prints: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``kk`` nearest rows of each row of ``data`` (row ids ``ids``; the row itself
        among them); ``prints`` (one number per row) tells a changed row, by default a
        projection of ``data``."""

        def find(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            # a few rows exactly; a whole large workshop (the first recompute) approximately
            exact = len(data) <= EXACT_LIMIT or len(rows) <= EXACT_LIMIT // 10
            queries = data if len(rows) == len(data) else data[rows]
            return _search(data, queries, kk, exact, 0)

        with self._lock:
            return self._merge(np.asarray(ids, dtype=np.int64), kk,
                               fingerprints(data) if prints is None else prints,
                               find, lambda fresh: data @ data[fresh].T)

    def search_sparse(self, ids: np.ndarray, x: sp.csr_matrix, k: int,
                      prints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The same for sparse unit rows (the row itself not among them). Their weights
        move a little with every statement (IDF), so lists are reused only while the
        workshop has grown by less than a tenth since the last full search."""

        def find(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return _sparse_top(x, rows, k)

        def against(fresh: np.ndarray) -> np.ndarray:
            product = (x @ x[fresh].T).toarray()
            product[fresh, np.arange(len(fresh))] = 0.0  # not its own neighbour
            return product

        with self._lock:
            if len(ids) > 1.1 * self._full_size:
                self._found = np.zeros((0, 0), dtype=np.int64)
            return self._merge(np.asarray(ids, dtype=np.int64), k, prints, find, against)

    def _merge(self, ids: np.ndarray, kk: int, prints: np.ndarray,
               find: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
               against: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        n = len(ids)
        old_row = _positions(self._ids, ids)
        usable = self._found.ndim == 2 and self._found.shape[1] == kk
        if usable:
            same = old_row >= 0
            same[same] = self._prints[old_row[same]] == prints[same]
            old_row[~same] = -1
        else:
            old_row[:] = -1
        sims = np.zeros((n, kk), dtype=np.float32)
        found = np.full((n, kk), -1, dtype=np.int64)
        # Old neighbour lists, in today's row numbers; a vanished neighbour invalidates.
        known = np.flatnonzero(old_row >= 0)
        full = np.flatnonzero(old_row < 0)
        if len(known):
            old_found = self._found[old_row[known]]
            old_ids = np.where(old_found >= 0, self._ids[np.maximum(old_found, 0)], -1)
            mapped = np.where(old_found >= 0, _positions(ids, old_ids.ravel()).reshape(
                old_ids.shape), -1)
            # a neighbour that changed counts as gone (it is searched again as new)
            mapped[mapped >= 0] = np.where(old_row[mapped[mapped >= 0]] >= 0,
                                           mapped[mapped >= 0], -1)
            lost = ((mapped < 0) & (old_found >= 0)).any(axis=1)
            full = np.union1d(full, known[lost])
            keep = known[~lost]
            found[keep] = mapped[~lost]
            sims[keep] = self._sims[old_row[keep]]
            # New rows may be nearer than an old row's last neighbour.
            fresh = np.flatnonzero(old_row < 0)
            if len(fresh) and len(keep) and len(fresh) <= EXACT_LIMIT:
                extra = against(fresh)[keep]  # no copy of the kept rows
                both_sims = np.concatenate([sims[keep], extra], axis=1)
                both_found = np.concatenate(
                    [found[keep], np.broadcast_to(fresh, (len(keep), len(fresh)))], axis=1)
                order = np.argsort(-both_sims, axis=1, kind="stable")[:, :kk]
                sims[keep] = np.take_along_axis(both_sims, order, axis=1)
                found[keep] = np.take_along_axis(both_found, order, axis=1)
                found[keep] = np.where(sims[keep] > 0, found[keep], -1)
        if len(full):
            rows = np.asarray(full, dtype=np.int64)
            sims[rows], found[rows] = find(rows)
            if len(rows) == n:
                self._full_size = n
        self._ids, self._prints = ids.copy(), np.asarray(prints, dtype=np.float64).copy()
        self._sims, self._found = sims, found
        return sims, found


def fingerprints(data: np.ndarray | sp.csr_matrix,
                 columns: Sequence[str] | None = None) -> np.ndarray:
    """One number per row that changes when the row does: a fixed random projection.
    ``columns`` names the columns (keywords), so that the projection of a row stays the
    same when the vocabulary grows and its columns are numbered anew."""
    if columns is None:
        width = data.shape[1]
        direction = np.asarray(np.random.default_rng(width).standard_normal(width),
                               dtype=data.dtype)
        # rounded: the same row in another matrix may differ in the last bits
        return np.round(np.asarray(data @ direction, dtype=np.float64).ravel(), 3)
    direction = np.array([zlib.crc32(name.encode("utf-8")) / 2**32 for name in columns],
                         dtype=np.float64)
    return np.round(np.asarray(data @ direction, dtype=np.float64).ravel(), 9)


def _positions(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """Index of each needle in ``haystack`` (distinct ids), or -1."""
    if len(haystack) == 0:
        return np.full(len(needles), -1, dtype=np.int64)
    order = np.argsort(haystack, kind="stable")
    ordered = haystack[order]
    at = np.minimum(np.searchsorted(ordered, needles), len(ordered) - 1)
    return np.where(ordered[at] == needles, order[at], -1).astype(np.int64)


EXACT_LIMIT = 5_000
"""Up to this many statements, neighbours are exact; above, approximate (inverted-file
index by meaning, 64-dimensional LSA by keywords): 100,000 in seconds, not minutes."""


def knn_graph(x: np.ndarray, k: int, *, exact_limit: int = EXACT_LIMIT, seed: int = 0,
              ids: np.ndarray | None = None, cache: NeighbourCache | None = None,
              prints: np.ndarray | None = None) -> sp.csr_matrix:
    """Symmetric ``n x n`` graph: each row linked to its ``k`` most similar rows (inner
    product of unit rows, negatives dropped); all-zero rows get no links. With ``cache``
    (and the rows' ``ids``) only new or changed rows are searched.

    >>> x = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    >>> g = knn_graph(x / np.linalg.norm(x, axis=1, keepdims=True), 1)
    >>> sorted((int(a), int(b)) for a, b in zip(*g.nonzero()))
    [(0, 1), (1, 0), (2, 3), (3, 2)]
    """
    n = x.shape[0]
    valid = np.flatnonzero(np.einsum("ij,ij->i", x, x) > 0)  # no temporary copy of x
    if len(valid) < 2 or k < 1:
        return sp.csr_matrix((n, n), dtype=np.float32)
    # no copy of a large matrix when every row has a vector
    data = np.ascontiguousarray(x if len(valid) == n else x[valid], dtype=np.float32)
    kk = min(k + 1, len(valid))
    exact = len(valid) <= exact_limit
    if cache is not None and ids is not None:
        sims, found = cache.search(np.asarray(ids)[valid], data, kk,
                                   None if prints is None else prints[valid])
    else:
        sims, found = _search(data, data, kk, exact, seed)
    rows = np.repeat(np.arange(len(valid)), kk)
    cols = found.ravel()
    vals = sims.ravel()
    keep = (cols >= 0) & (cols != rows) & (vals > 0)
    graph = sp.csr_matrix(
        (vals[keep].astype(np.float32), (valid[rows[keep]], valid[cols[keep]])), shape=(n, n))
    return graph.maximum(graph.T).tocsr()


def keyword_vectors(matrix: sp.csr_matrix, hub_share: float) -> sp.csr_matrix:
    """Statements x keywords, IDF-weighted and L2-normalised, without keywords used by
    only one statement or by more than ``hub_share`` of them."""
    n = matrix.shape[0]
    df = np.asarray((matrix > 0).sum(axis=0)).ravel()
    usable = (df >= 2) & (df <= max(2.0, hub_share * n))
    idf = np.where(usable, np.log((1 + n) / (1 + df)) + 1.0, 0.0)
    weighted = (matrix > 0).astype(np.float32) @ sp.diags(idf.astype(np.float32))
    weighted = sp.csr_matrix(weighted)
    weighted.eliminate_zeros()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ weighted)


def _sparse_top(x: sp.csr_matrix, rows: np.ndarray, k: int,
                block: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """(similarities, indices): the ``k`` rows of ``x`` most similar to each of ``rows``
    by cosine of sparse unit rows, not the row itself; -1 (similarity 0) pads."""
    n = len(rows)
    sims_out = np.zeros((n, k), dtype=np.float32)
    found_out = np.full((n, k), -1, dtype=np.int64)
    xt = x.T.tocsc()
    for start in range(0, n, block):
        queries = rows[start:start + block]
        product = (x[queries] @ xt).tocsr()
        product.sort_indices()
        sims = product.tocoo()
        local = sims.row.astype(np.int64)
        cols = sims.col.astype(np.int64)
        vals = np.minimum(sims.data.astype(np.float64), 1.0)
        mask = (queries[local] != cols) & (vals > 0)
        local, cols, vals = local[mask], cols[mask], vals[mask]
        # per row: strongest first, ties by column (stable sort of column-ordered input),
        # so the same input gives the same graph; one float key sorts faster than lexsort
        order = np.argsort(local + 0.5 * (1.0 - vals), kind="stable")
        local, cols, vals = local[order], cols[order], vals[order].astype(np.float32)
        starts = np.searchsorted(local, local, side="left")
        rank = np.arange(len(local)) - starts
        keep = rank < k
        sims_out[start + local[keep], rank[keep]] = vals[keep]
        found_out[start + local[keep], rank[keep]] = cols[keep]
    return sims_out, found_out


def _graph_of(sims: np.ndarray, found: np.ndarray) -> sp.csr_matrix:
    """The symmetric graph of row ``i``'s neighbour list ``found[i]`` (weights ``sims``)."""
    n = len(found)
    rows = np.repeat(np.arange(n), found.shape[1])
    cols = found.ravel()
    vals = sims.ravel()
    keep = (cols >= 0) & (cols != rows) & (vals > 0)
    graph = sp.csr_matrix((vals[keep].astype(np.float32), (rows[keep], cols[keep])),
                          shape=(n, n))
    return graph.maximum(graph.T).tocsr()


def _sparse_knn(x: sp.csr_matrix, k: int, *, ids: np.ndarray | None = None,
                cache: NeighbourCache | None = None,
                columns: Sequence[str] | None = None) -> sp.csr_matrix:
    """Symmetric k-nearest-neighbour graph by cosine of sparse unit rows (with ``cache``
    and the rows' ``ids``, only new or changed rows are searched; ``columns`` names the
    columns, which tells a row whose keywords changed)."""
    n = x.shape[0]
    if cache is not None and ids is not None:
        pattern = (x > 0).astype(np.float64)
        names = columns if columns is not None else [str(i) for i in range(x.shape[1])]
        sims, found = cache.search_sparse(ids, x, k, fingerprints(pattern, names))
    else:
        sims, found = _sparse_top(x, np.arange(n), k)
    return _graph_of(sims, found)


def _reduced(weighted: sp.csr_matrix, seed: int, dims: int = 64) -> np.ndarray:
    """Unit rows of a 64-dimensional LSA of the keyword vectors (all-zero rows stay zero),
    for approximate keyword neighbours of a very large workshop."""
    from sklearn.decomposition import TruncatedSVD

    dims = min(dims, weighted.shape[1] - 1)
    if dims < 2:
        return np.zeros((weighted.shape[0], 1), dtype=np.float32)
    reduced = TruncatedSVD(dims, n_iter=3, random_state=seed).fit_transform(weighted)
    reduced = reduced.astype(np.float32)
    empty = np.diff(weighted.indptr) == 0
    reduced[empty] = 0.0
    norms = np.linalg.norm(reduced, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return reduced / norms


@dataclass(frozen=True)
class GraphParts:
    """The statement graph and what it was made of."""

    graph: sp.csr_matrix
    """symmetric statements x statements weights, no self loops, near-copy links cut"""
    copies: dict[int, int]
    """row -> the row it is a near-copy of (the first row of its group)"""


def near_copies(vector_graph: sp.csr_matrix, threshold: float) -> dict[int, int]:
    """Row -> first row of its group, for rows linked by a cosine of at least ``threshold``
    (groups are connected components of those links)."""
    strong = vector_graph.multiply(vector_graph >= threshold).tocsr()
    strong.eliminate_zeros()
    if strong.nnz == 0:
        return {}
    count, component = sp.csgraph.connected_components(strong, directed=False)
    first: dict[int, int] = {}
    result: dict[int, int] = {}
    sizes = np.bincount(component, minlength=count)
    for row, comp in enumerate(component.tolist()):
        if sizes[comp] < 2:
            continue
        if comp not in first:
            first[comp] = row
        else:
            result[row] = first[comp]
    return result


def statement_graph(vectors: np.ndarray | None, keywords: sp.csr_matrix, *, k: int,
                    keyword_k: int, keyword_weight: float, hub_share: float,
                    duplicate_similarity: float, seed: int = 0,
                    ids: np.ndarray | None = None,
                    cache: NeighbourCache | None = None,
                    keyword_names: Sequence[str] | None = None) -> GraphParts:
    """The sum of the meaning graph and the keyword graph over the same statements
    (``keyword_names``: the keyword of each column, for the cache)."""
    n = keywords.shape[0]
    graph = sp.csr_matrix((n, n), dtype=np.float32)
    copies: dict[int, int] = {}
    if vectors is not None and n > 1:
        meaning = knn_graph(vectors, k, seed=seed, ids=ids, cache=cache)
        copies = near_copies(meaning, duplicate_similarity)
        graph = graph + meaning
    if keyword_weight > 0 and n > 1:
        weighted = keyword_vectors(keywords, hub_share)
        if n <= EXACT_LIMIT:
            words = _sparse_knn(weighted, keyword_k, ids=ids,
                                cache=cache.keywords if cache is not None else None,
                                columns=keyword_names)
        else:
            # the keyword pattern (not its weights, which move with every statement)
            # tells the cache which rows changed
            pattern = (weighted > 0).astype(np.float64)
            names = (keyword_names if keyword_names is not None
                     else [str(i) for i in range(weighted.shape[1])])
            words = knn_graph(_reduced(weighted, seed), keyword_k, seed=seed, ids=ids,
                              cache=cache.keywords if cache is not None else None,
                              prints=fingerprints(pattern, names))
        graph = graph + keyword_weight * words
    graph = sp.csr_matrix(graph)
    if copies:
        # A near-copy keeps its neighbours' links but not the links within its group.
        group = np.arange(n)
        for row, first in copies.items():
            group[row] = first
        coo = graph.tocoo()
        keep = group[coo.row] != group[coo.col]
        graph = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=(n, n))
    graph.setdiag(0)
    graph.eliminate_zeros()
    return GraphParts(graph=graph, copies=copies)
