"""The statement graph: meaning (sentence vectors) and keywords, as one weighted graph.

Two k-nearest-neighbour graphs over the statements are added up:

- by meaning: cosine of the statements' sentence vectors (:mod:`harvest.embedding`);
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

import hashlib
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["GraphParts", "NeighbourCache", "keyword_vectors", "knn_graph", "near_copies",
           "statement_graph"]


def _search(data: np.ndarray, queries: np.ndarray, k: int, exact: bool,
            seed: int) -> tuple[np.ndarray, np.ndarray]:
    """faiss inner-product search: (similarities, indices into ``data``), ``k`` per query."""
    import faiss

    faiss.omp_set_num_threads(1)
    index: Any
    if exact:
        index = faiss.IndexFlatIP(data.shape[1])
    else:
        cells = max(1, int(math.sqrt(len(data))))
        quantizer = faiss.IndexFlatIP(data.shape[1])
        index = faiss.IndexIVFFlat(quantizer, data.shape[1], cells, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = seed
        index.train(data)
        index.nprobe = 6
    index.add(data)
    sims, found = index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
    return sims, found


class NeighbourCache:
    """The last exact neighbour lists of one workshop, so that the next recompute searches
    only for new or changed statements (and for those that lost a neighbour): adding one
    statement to 3,000 costs one row of similarities, not 3,000. Results are the same as
    a full search. Thread-safe; one per workshop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[tuple[int, bytes], int] = {}
        self._ids: np.ndarray = np.zeros(0, dtype=np.int64)
        self._sims: np.ndarray = np.zeros((0, 0), dtype=np.float32)
        self._found: np.ndarray = np.zeros((0, 0), dtype=np.int64)

    def search(self, ids: np.ndarray, data: np.ndarray, kk: int) -> tuple[np.ndarray,
                                                                             np.ndarray]:
        """The ``kk`` nearest rows of each row of ``data`` (row ids ``ids``)."""
        with self._lock:
            return self._search(ids, data, kk)

    def _search(self, ids: np.ndarray, data: np.ndarray,
                kk: int) -> tuple[np.ndarray, np.ndarray]:
        keys = [(int(i), hashlib.blake2b(row.tobytes(), digest_size=16).digest())
                for i, row in zip(ids.tolist(), data, strict=True)]
        n = len(keys)
        old_row = np.array([self._keys.get(key, -1) for key in keys], dtype=np.int64)
        usable = self._found.shape[1] == kk if self._found.ndim == 2 else False
        if not usable:
            old_row[:] = -1
        sims = np.zeros((n, kk), dtype=np.float32)
        found = np.full((n, kk), -1, dtype=np.int64)
        # Old neighbour lists, in today's row numbers; a vanished neighbour invalidates.
        position = {int(i): r for r, i in enumerate(ids.tolist())}
        known = np.flatnonzero(old_row >= 0)
        full = np.flatnonzero(old_row < 0).tolist()
        if len(known):
            old_found = self._found[old_row[known]]
            old_ids = np.where(old_found >= 0, self._ids[np.maximum(old_found, 0)], -1)
            mapped = np.array([[position.get(int(x), -1) if x >= 0 else -1 for x in line]
                               for line in old_ids.tolist()], dtype=np.int64)
            lost = ((mapped < 0) & (old_found >= 0)).any(axis=1)
            full += known[lost].tolist()
            keep = known[~lost]
            found[keep] = mapped[~lost]
            sims[keep] = self._sims[old_row[keep]]
            # New rows may be nearer than an old row's last neighbour.
            fresh = np.flatnonzero(old_row < 0)
            if len(fresh) and len(keep):
                extra = data[keep] @ data[fresh].T
                both_sims = np.concatenate([sims[keep], extra], axis=1)
                both_found = np.concatenate(
                    [found[keep], np.broadcast_to(fresh, (len(keep), len(fresh)))], axis=1)
                order = np.argsort(-both_sims, axis=1, kind="stable")[:, :kk]
                sims[keep] = np.take_along_axis(both_sims, order, axis=1)
                found[keep] = np.take_along_axis(both_found, order, axis=1)
        if full:
            rows = np.array(sorted(set(full)), dtype=np.int64)
            got_sims, got_found = _search(data, data[rows], kk, True, 0)
            sims[rows] = got_sims
            found[rows] = got_found
        self._keys = {key: r for r, key in enumerate(keys)}
        self._ids = ids.copy()
        self._sims, self._found = sims, found
        return sims, found


EXACT_LIMIT = 5_000
"""Up to this many statements, neighbours are exact; above, approximate (inverted-file
index by meaning, 64-dimensional LSA by keywords): 100,000 in seconds, not minutes."""


def knn_graph(x: np.ndarray, k: int, *, exact_limit: int = EXACT_LIMIT, seed: int = 0,
              ids: np.ndarray | None = None,
              cache: NeighbourCache | None = None) -> sp.csr_matrix:
    """Symmetric ``n x n`` graph: each row linked to its ``k`` most similar rows (inner
    product of unit rows, negatives dropped); all-zero rows get no links. With ``cache``
    (and the rows' ``ids``) only new or changed rows are searched.

    >>> x = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    >>> g = knn_graph(x / np.linalg.norm(x, axis=1, keepdims=True), 1)
    >>> sorted((int(a), int(b)) for a, b in zip(*g.nonzero()))
    [(0, 1), (1, 0), (2, 3), (3, 2)]
    """
    n = x.shape[0]
    valid = np.flatnonzero(np.abs(x).sum(axis=1) > 0)
    if len(valid) < 2 or k < 1:
        return sp.csr_matrix((n, n), dtype=np.float32)
    data = np.ascontiguousarray(x[valid], dtype=np.float32)
    kk = min(k + 1, len(valid))
    exact = len(valid) <= exact_limit
    if cache is not None and ids is not None and exact:
        sims, found = cache.search(np.asarray(ids)[valid], data, kk)
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


def _sparse_knn(x: sp.csr_matrix, k: int, block: int = 4096) -> sp.csr_matrix:
    """Symmetric k-nearest-neighbour graph by cosine of sparse unit rows."""
    n = x.shape[0]
    xt = x.T.tocsc()
    rows_out, cols_out, vals_out = [], [], []
    for start in range(0, n, block):
        product = (x[start:start + block] @ xt).tocsr()
        product.sort_indices()
        sims = product.tocoo()
        rows = sims.row.astype(np.int64) + start
        cols = sims.col.astype(np.int64)
        vals = np.minimum(sims.data.astype(np.float64), 1.0)
        mask = (rows != cols) & (vals > 0)
        rows, cols, vals = rows[mask], cols[mask], vals[mask]
        # per row: strongest first, ties by column (stable sort of column-ordered input),
        # so the same input gives the same graph; one float key sorts faster than lexsort
        order = np.argsort(rows + 0.5 * (1.0 - vals), kind="stable")
        rows, cols, vals = rows[order], cols[order], vals[order].astype(np.float32)
        starts = np.searchsorted(rows, rows, side="left")
        rank = np.arange(len(rows)) - starts
        keep = rank < k
        rows_out.append(rows[keep])
        cols_out.append(cols[keep])
        vals_out.append(vals[keep])
    if not rows_out:
        return sp.csr_matrix((n, n), dtype=np.float32)
    graph = sp.csr_matrix(
        (np.concatenate(vals_out), (np.concatenate(rows_out), np.concatenate(cols_out))),
        shape=(n, n))
    return graph.maximum(graph.T).tocsr()


def _reduced(weighted: sp.csr_matrix, seed: int, dims: int = 64) -> np.ndarray:
    """Unit rows of a 64-dimensional LSA of the keyword vectors (all-zero rows stay zero),
    for approximate keyword neighbours of a very large workshop."""
    from sklearn.decomposition import TruncatedSVD

    dims = min(dims, weighted.shape[1] - 1)
    if dims < 2:
        return np.zeros((weighted.shape[0], 1), dtype=np.float32)
    reduced = TruncatedSVD(dims, random_state=seed).fit_transform(weighted).astype(np.float32)
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
                    cache: NeighbourCache | None = None) -> GraphParts:
    """The sum of the meaning graph and the keyword graph over the same statements."""
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
            words = _sparse_knn(weighted, keyword_k)
        else:
            words = knn_graph(_reduced(weighted, seed), keyword_k, seed=seed)
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
