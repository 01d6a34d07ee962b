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

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["GraphParts", "keyword_vectors", "knn_graph", "near_copies", "statement_graph"]


def knn_graph(x: np.ndarray, k: int, *, exact_limit: int = 20_000,
              seed: int = 0) -> sp.csr_matrix:
    """Symmetric ``n x n`` graph: each row linked to its ``k`` most similar rows (inner
    product of unit rows, negatives dropped); all-zero rows get no links.

    >>> x = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    >>> g = knn_graph(x / np.linalg.norm(x, axis=1, keepdims=True), 1)
    >>> sorted((int(a), int(b)) for a, b in zip(*g.nonzero()))
    [(0, 1), (1, 0), (2, 3), (3, 2)]
    """
    n = x.shape[0]
    valid = np.flatnonzero(np.abs(x).sum(axis=1) > 0)
    if len(valid) < 2 or k < 1:
        return sp.csr_matrix((n, n), dtype=np.float32)
    import faiss

    data = np.ascontiguousarray(x[valid], dtype=np.float32)
    kk = min(k + 1, len(valid))
    faiss.omp_set_num_threads(1)
    index: Any
    if len(valid) <= exact_limit:
        index = faiss.IndexFlatIP(data.shape[1])
    else:
        cells = int(4 * math.sqrt(len(valid)))
        quantizer = faiss.IndexFlatIP(data.shape[1])
        index = faiss.IndexIVFFlat(quantizer, data.shape[1], cells,
                                   faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = seed
        index.train(data)
        index.nprobe = 8
    index.add(data)
    sims, found = index.search(data, kk)
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


def _sparse_knn(x: sp.csr_matrix, k: int, block: int = 2048) -> sp.csr_matrix:
    """Symmetric k-nearest-neighbour graph by cosine of sparse unit rows."""
    n = x.shape[0]
    xt = x.T.tocsc()
    rows_out, cols_out, vals_out = [], [], []
    for start in range(0, n, block):
        sims = (x[start:start + block] @ xt).tocsr()
        for local in range(sims.shape[0]):
            lo, hi = sims.indptr[local], sims.indptr[local + 1]
            if lo == hi:
                continue
            cols = sims.indices[lo:hi]
            vals = sims.data[lo:hi]
            row = start + local
            mask = cols != row
            cols, vals = cols[mask], vals[mask]
            if len(vals) > k:
                # strongest first, ties by column: the same input gives the same graph
                order = np.lexsort((cols, -vals))[:k]
                cols, vals = cols[order], vals[order]
            rows_out.append(np.full(len(cols), row, dtype=np.int64))
            cols_out.append(cols.astype(np.int64))
            vals_out.append(vals.astype(np.float32))
    if not rows_out:
        return sp.csr_matrix((n, n), dtype=np.float32)
    graph = sp.csr_matrix(
        (np.concatenate(vals_out), (np.concatenate(rows_out), np.concatenate(cols_out))),
        shape=(n, n))
    return graph.maximum(graph.T).tocsr()


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
                    duplicate_similarity: float, seed: int = 0) -> GraphParts:
    """The sum of the meaning graph and the keyword graph over the same statements."""
    n = keywords.shape[0]
    graph = sp.csr_matrix((n, n), dtype=np.float32)
    copies: dict[int, int] = {}
    if vectors is not None and n > 1:
        meaning = knn_graph(vectors, k, seed=seed)
        copies = near_copies(meaning, duplicate_similarity)
        graph = graph + meaning
    if keyword_weight > 0 and n > 1:
        words = _sparse_knn(keyword_vectors(keywords, hub_share), keyword_k)
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
