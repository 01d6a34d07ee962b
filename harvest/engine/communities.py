"""Communities: Leiden on a weighted graph (igraph), networkx Louvain without igraph.

Both the keyword graph and the statement graph are partitioned here, seeded and
optionally warm-started from a previous membership.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

try:
    # Imported with the module, not inside the first recompute: igraph pulls in its
    # drawing package (and matplotlib), about 0.4 s that belongs to start-up, not to the
    # first import of a large workshop.
    import igraph
except ImportError:  # pragma: no cover - igraph is in requirements; networkx then
    igraph = None

__all__ = ["leiden", "leiden_graph"]

# Leiden in igraph draws from one process-wide random generator: seed it per call, under
# a lock, so that two recomputes in two threads stay each reproducible.
_LEIDEN_LOCK = threading.Lock()


MAX_ITERATIONS = 50
"""Most Leiden passes when asked to run until nothing changes (it settles in a few)."""


def leiden(n: int, edges: Sequence[tuple[int, int]] | np.ndarray,
           weights: Sequence[float] | np.ndarray, resolution: float,
           seed: int, initial: list[int] | None, iterations: int = -1) -> list[int]:
    """Community of each of ``n`` nodes (modularity, Leiden, seeded, warm-started from
    ``initial``); networkx Louvain when igraph is missing. ``edges`` may be an m x 2
    integer array and ``weights`` a float array: igraph reads them without a Python
    object per edge (at 100,000 statements that is 300 MB less).

    >>> leiden(4, [(0, 1), (2, 3)], [1.0, 1.0], 1.0, 0, None)
    [0, 0, 1, 1]
    """
    if n == 0:
        return []
    if len(edges) == 0:
        return list(range(n))
    ig = igraph
    if ig is None:  # pragma: no cover - igraph is in requirements
        return _louvain_networkx(n, np.asarray(edges).tolist(), np.asarray(weights).tolist(),
                                 resolution, seed)
    graph = ig.Graph(n=n, edges=edges)

    def passes(count: int, start: list[int] | None) -> list[int]:
        return list(graph.community_leiden(
            objective_function="modularity", weights=weights, resolution=resolution,
            n_iterations=count, initial_membership=start).membership)

    with _LEIDEN_LOCK:
        ig.set_random_number_generator(random.Random(seed))
        try:
            if iterations >= 0 or initial is None:
                # from single nodes every pass can still improve the partition: all of them
                return passes(iterations if iterations >= 0 else MAX_ITERATIONS, initial)
            # Started from the last board, "until stable" one pass at a time: igraph's own
            # (-1) can cycle for ever from some starting partitions (seen on a keyword
            # graph started from the saved board), and a count runs every pass even once
            # nothing moves (50 passes were 0.33 s of a 0.51 s recompute of 3,000
            # statements; a warm start settles in two or three)
            membership = initial
            for _ in range(MAX_ITERATIONS):
                found = passes(1, membership)
                if _same_partition(found, membership):
                    break
                membership = found
            return found
        finally:
            ig.set_random_number_generator(random)


def _same_partition(a: list[int], b: list[int]) -> bool:
    """Whether two memberships group the nodes alike (whatever the community numbers).

    >>> _same_partition([0, 0, 1], [5, 5, 2]), _same_partition([0, 0, 1], [0, 1, 1])
    (True, False)
    >>> _same_partition([0, 1, 0], [1, -1, -1])
    False
    """
    x, y = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    pairs = np.unique(np.stack([x, y]), axis=1).shape[1]
    return pairs == np.unique(x).size == np.unique(y).size


def leiden_graph(graph: sp.spmatrix, resolution: float, seed: int,
                 initial: list[int] | None = None, iterations: int = -1) -> list[int]:
    """:func:`leiden` on a symmetric weighted adjacency matrix (its upper triangle).

    >>> leiden_graph(sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0.0]])), 1.0, 0)
    [0, 0, 1]
    """
    upper = sp.triu(graph, k=1).tocoo()
    edges = np.column_stack([upper.row, upper.col]).astype(np.int64, copy=False)
    return leiden(graph.shape[0], edges, upper.data.astype(np.float64), resolution, seed,
                  initial, iterations)


def _louvain_networkx(n: int, edges: list[tuple[int, int]], weights: list[float],
                      resolution: float, seed: int) -> list[int]:
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_weighted_edges_from((a, b, w) for (a, b), w in zip(edges, weights, strict=True))
    membership = [0] * n
    communities = nx.community.louvain_communities(graph, resolution=resolution, seed=seed)
    for index, community in enumerate(sorted(communities, key=lambda c: min(c))):
        for node in community:
            membership[node] = index
    return membership
