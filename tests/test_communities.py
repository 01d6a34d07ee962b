"""Leiden as the engine runs it: all passes from scratch, until nothing moves when started
from the last board, and never for ever."""

from __future__ import annotations

import igraph
import numpy as np
import pytest

from harvest.engine import communities
from harvest.engine.communities import MAX_ITERATIONS, leiden_graph
from harvest.engine.semantic import knn_graph


def _graph():  # noqa: ANN202 - a scipy matrix
    rng = np.random.default_rng(0)
    points = rng.normal(size=(300, 16)).astype(np.float32)
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    return knn_graph(points, 10, seed=0)


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ``n_iterations`` of every igraph Leiden call made while the test runs."""
    asked: list[int] = []
    original = igraph.Graph.community_leiden

    def counted(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        asked.append(kwargs["n_iterations"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(igraph.Graph, "community_leiden", counted)
    return asked


def test_a_warm_start_from_a_settled_partition_stops_after_one_quiet_pass(
    passes: list[int],
) -> None:
    graph = _graph()
    settled = leiden_graph(graph, 1.0, 0)
    assert passes == [MAX_ITERATIONS]  # from single nodes: every pass
    passes.clear()
    again = leiden_graph(graph, 1.0, 0, initial=settled)
    assert communities._same_partition(again, settled)
    assert passes == [1]


def test_an_unsettled_warm_start_runs_until_a_pass_leaves_its_predecessor_alone(
    passes: list[int], monkeypatch: pytest.MonkeyPatch,
) -> None:
    graph = _graph()
    seen: list[list[int]] = []
    compare = communities._same_partition

    def recorded(found: list[int], before: list[int]) -> bool:
        seen.append(before)
        return compare(found, before)

    monkeypatch.setattr(communities, "_same_partition", recorded)
    start = [i % 7 for i in range(300)]
    result = leiden_graph(graph, 1.0, 0, initial=start)
    assert 1 < len(passes) < MAX_ITERATIONS and set(passes) == {1}
    # each pass is set against the one before it, the first against the start
    assert seen[0] == start and compare(result, seen[-1])
    assert all(not compare(a, b) for a, b in zip(seen, seen[1:], strict=False))


def test_a_warm_start_that_keeps_moving_stops_after_the_most_passes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []

    class Moving:  # a partition that changes with every pass, as a cycling one does
        def __init__(self, size: int) -> None:
            calls.append(1)
            self.membership = [(i + len(calls)) % 2 if i else 0 for i in range(size)]

    monkeypatch.setattr(igraph.Graph, "community_leiden",
                        lambda self, **kwargs: Moving(self.vcount()))
    leiden_graph(_graph(), 1.0, 0, initial=[0] * 300)
    assert len(calls) == MAX_ITERATIONS


def test_the_same_seed_and_start_give_the_same_communities() -> None:
    graph = _graph()
    start = [i % 7 for i in range(300)]
    assert leiden_graph(graph, 1.0, 3, initial=start) == leiden_graph(graph, 1.0, 3,
                                                                      initial=start)
