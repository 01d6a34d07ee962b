"""The engine's defaults with the bundled sentence encoder: quality beside the semantic peer
measured in the same run, a calm board while statements arrive, named themes that stay,
steady labels and ids, near-copies, and any input placed without a crash."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from harvest.demo import load_demo_spec
from harvest.engine.embedding import encode
from harvest.engine.evaluate import peer_labels
from harvest.engine.themes import detect_themes
from harvest.model import Clustering, Document, Overrides
from tests.test_themes import assert_partition, assert_usable_themes, labelled, scores

_SEEN: dict[str, np.ndarray] = {}


def _vectors(texts: tuple[str, ...]) -> np.ndarray:
    """Vectors of ``texts``, each distinct text embedded once per test process."""
    missing = sorted(set(texts) - _SEEN.keys())
    for text, vector in zip(missing, encode(missing), strict=True):
        _SEEN[text] = vector
    return np.stack([_SEEN[t] for t in texts]) if texts else np.zeros((0, 512), np.float32)


def vectors_of(docs: list[Document]) -> dict[int, np.ndarray]:
    matrix = _vectors(tuple(d.text for d in docs))
    return {d.id: matrix[i] for i, d in enumerate(docs)}


def moved_share(before: Clustering, after: Clustering) -> float:
    moved = sum(after.assignments[sid].theme_id != a.theme_id
                for sid, a in before.assignments.items())
    return moved / len(before.assignments)


def grow(docs: list[Document], start: int, step: int, language: str = "de",
         overrides: Overrides | None = None) -> tuple[list[float], Clustering]:
    """Recompute after every ``step`` statements from the ``start``th on, as the board does."""
    vectors = vectors_of(docs)
    previous: Clustering | None = None
    shares = []
    for n in [*range(start, len(docs), step), len(docs)]:
        clustering = detect_themes(docs[:n], previous=previous, vectors=vectors,
                                   language=language, overrides=overrides or Overrides())
        if previous is not None:
            shares.append(moved_share(previous, clustering))
        previous = clustering
    assert previous is not None
    return shares, previous


def demo_documents() -> list[Document]:
    spec = load_demo_spec()
    return [Document(i, s["text"], kind=s.get("kind"), table=s.get("table"))
            for i, s in enumerate(spec["statements"])]


@pytest.mark.parametrize(("name", "filename", "language"), [
    ("polis_klimarat_at_de", "polis_klimarat_at_de.csv", "de"),
    ("polis_scoop_hivemind_en", "polis_scoop_hivemind_en.csv", "en"),
    # long contributions (32 keywords a text): meaning leads there (settings.long_keywords)
    ("thf_tempelhofer_feld_de", "thf_proposals_de.csv", "de"),
])
def test_meaning_and_keywords_reach_the_semantic_peer(name, filename, language) -> None:
    """ARI and NMI at least those of the best of the peer's two methods on the same
    vectors (k-means told the true k; kNN-15 + Leiden), measured here."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    texts, labels, _ = labelled(name, filename)
    docs = [Document(i, t) for i, t in enumerate(texts)]
    clustering = detect_themes(docs, vectors=vectors_of(docs), language=language)
    ari, nmi = scores(labels, clustering)
    peer = peer_labels(_vectors(tuple(texts)), len(set(labels)))
    peer_ari = max(adjusted_rand_score(labels, p) for p in peer.values())
    peer_nmi = max(normalized_mutual_info_score(labels, p) for p in peer.values())
    assert ari >= peer_ari and nmi >= peer_nmi, (ari, nmi, peer_ari, peer_nmi)
    assert_usable_themes(clustering, len(texts))


def test_the_demo_stays_calm_while_statements_arrive() -> None:
    """At most 5% of the earlier statements change theme per 5 new ones, from 50 on."""
    shares, final = grow(demo_documents(), 50, 5)
    assert max(shares) <= 0.05, shares
    assert 4 <= len(final.themes) <= 8


def test_a_real_consultation_import_stays_calm() -> None:
    texts, _, stamps = labelled("polis_klimarat_at_de", "polis_klimarat_at_de.csv")
    order = sorted(range(len(texts)), key=lambda i: (stamps[i], i))[:300]
    docs = [Document(rank, texts[i]) for rank, i in enumerate(order)]
    shares, _ = grow(docs, 50, 5)
    assert max(shares) <= 0.05, shares


def test_klimarat_churn_stays_under_two_percent() -> None:
    """The benchmark's protocol, coarser: recompute every 100th statement from the 200th."""
    texts, _, stamps = labelled("polis_klimarat_at_de", "polis_klimarat_at_de.csv")
    order = sorted(range(len(texts)), key=lambda i: (stamps[i], i))
    docs = [Document(rank, texts[i]) for rank, i in enumerate(order)]
    shares, final = grow(docs, 200, 100)
    assert sum(shares) / len(shares) <= 0.02, shares
    assert_usable_themes(final, len(docs))


@pytest.mark.parametrize("size", [100, 300, 1000])
def test_workshops_of_any_size_get_usable_themes_by_meaning(size: int) -> None:
    texts, _, _ = labelled("polis_klimarat_at_de", "polis_klimarat_at_de.csv")
    chosen = random.Random(size).sample(texts, size)
    docs = [Document(i, t) for i, t in enumerate(chosen)]
    assert_usable_themes(detect_themes(docs, vectors=vectors_of(docs)), size)


def test_a_named_theme_never_vanishes_by_itself() -> None:
    docs = demo_documents()
    vectors = vectors_of(docs)
    first = detect_themes(docs[:60], vectors=vectors)
    smallest = min((t for t in first.themes if not t.is_other),
                   key=lambda t: len(t.statement_ids))
    overrides = Overrides(renames={smallest.id: "Deutsch lernen am Abend"})
    previous = detect_themes(docs[:60], vectors=vectors, previous=first, overrides=overrides)
    for n in range(65, len(docs) + 1, 5):
        previous = detect_themes(docs[:n], vectors=vectors, previous=previous,
                                 overrides=overrides)
        theme = previous.theme(smallest.id)
        assert theme is not None and theme.label == "Deutsch lernen am Abend", n
        assert set(smallest.statement_ids) <= set(theme.statement_ids)


def test_labels_keep_their_word_order_and_retired_ids_stay_retired() -> None:
    docs = demo_documents()
    _, grown = grow(docs[:100], 50, 5)
    again = detect_themes(docs[:104], vectors=vectors_of(docs), previous=grown)
    for theme in grown.themes:
        later = again.theme(theme.id)
        if later is not None and not theme.is_other:
            assert set(later.label.split(" · ")) != set(theme.label.split(" · ")) \
                or later.label == theme.label
    # An id given out once is never given out again, even after its theme is gone.
    assert again.last_theme_number >= grown.last_theme_number
    gone = Clustering(themes=grown.themes[:1], assignments={},
                      last_theme_number=grown.last_theme_number)
    restarted = detect_themes(docs[:104], vectors=vectors_of(docs), previous=gone)
    old_ids = {t.id for t in grown.themes}
    new_ids = {t.id for t in restarted.themes} - {grown.themes[0].id, "other"}
    assert not (new_ids & old_ids), (new_ids, old_ids)


def test_near_copies_count_once_and_form_no_theme_of_their_own() -> None:
    docs = demo_documents()[:80]
    copy_text = "Wir brauchen mehr Sprachkurse am Abend für Berufstätige."
    copies = [Document(1000 + i, copy_text + ("!" * i)) for i in range(8)]
    everything = docs + copies
    clustering = detect_themes(everything, vectors=vectors_of(everything))
    # each copy is counted as a copy of one of them (punctuation may split them in two)
    assert sum(c.id in clustering.copies for c in copies) >= len(copies) - 2
    assert {clustering.copies[c.id] for c in copies if c.id in clustering.copies} <= {
        c.id for c in copies}
    home = clustering.assignments[1000].theme_id
    theme = clustering.theme(home)
    assert theme is not None and len(theme.statement_ids) > len(copies)


def test_statements_the_encoder_cannot_use_are_placed_by_keywords() -> None:
    docs = demo_documents()[:60]
    odd = [Document(900, "😀🎉👍"), Document(901, "Sprachkurs " * 2000),
           Document(902, "Языковые курсы вечером для работающих"),
           Document(903, "言語コース"), Document(904, "")]
    everything = docs + odd
    vectors = vectors_of(everything)
    clustering = detect_themes(everything, vectors=vectors)
    assert_partition(clustering, [d.id for d in everything])
    assert float(np.abs(vectors[900]).sum()) == 0.0  # no vector for emoji only
    keyword_theme = clustering.assignments[901].theme_id
    assert keyword_theme != "other"


def test_posts_pasted_from_a_feed_get_the_themes_of_their_words() -> None:
    # handles, retweet marks and links are neither keywords nor meaning: the same
    # statements with them get the same themes, labels and demands
    docs = demo_documents()
    marks = ["RT @user_{0}: {1} https://t.co/{2:04x}", "@stadt_md {1} via @lokal_{0}",
             "{1} (www.example.org/{2}) cc @team_{0}"]
    posted = [Document(d.id, marks[d.id % 3].format(d.id % 7, d.text, d.id),
                       kind=d.kind, table=d.table) for d in docs]
    clean, feed = (detect_themes(ds, vectors=vectors_of(ds)) for ds in (docs, posted))
    assert feed.assignments == clean.assignments
    assert [(t.id, t.label, t.keywords) for t in feed.themes] == [
        (t.id, t.label, t.keywords) for t in clean.themes]


def test_secondary_themes_come_from_meaning_too() -> None:
    docs = demo_documents()
    clustering = detect_themes(docs, vectors=vectors_of(docs))
    secondaries = Counter(a.secondary_theme_id for a in clustering.assignments.values()
                          if a.secondary_theme_id)
    assert secondaries, "some statements speak to two themes"
    for assignment in clustering.assignments.values():
        assert assignment.secondary_theme_id != assignment.theme_id


def test_near_copies_of_a_demand_are_one_node_on_the_map_with_their_count() -> None:
    from harvest.conceptmap import build_concept_map, demand_node

    docs = demo_documents()[:60]
    demand = "Die Stadt muss mehr Sprachkurse am Abend anbieten."
    copies = [Document(2000 + i, text, kind="demand")
              for i, text in enumerate([demand, demand + "  ", " " + demand, demand])]
    everything = docs + copies
    clustering = detect_themes(everything, vectors=vectors_of(everything))
    graph = build_concept_map(clustering, everything)
    nodes = [demand_node(c.id) for c in copies if demand_node(c.id) in graph]
    assert len(nodes) == 1, nodes
    data = graph.nodes[nodes[0]]
    assert data["count"] >= 3 and f"×{data['count']}" in data["label"]


def test_the_neighbour_cache_gives_what_a_full_search_gives() -> None:
    """Added, changed and removed rows: each recompute's graph equals a fresh search."""
    from harvest.engine.semantic import NeighbourCache, knn_graph

    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    ids = np.arange(300, dtype=np.int64)
    cache = NeighbourCache()
    steps = [
        (x[:250], ids[:250]),                      # first search
        (x[:260], ids[:260]),                      # ten added
        (np.delete(x[:260], [3, 70], axis=0),      # two removed
         np.delete(ids[:260], [3, 70])),
    ]
    changed = x[:260].copy()
    changed[5] = x[299]                            # a statement edited: same id, new vector
    steps.append((changed, ids[:260]))
    for data, row_ids in steps:
        cached = knn_graph(data, 15, ids=row_ids, cache=cache)
        fresh = knn_graph(data, 15)
        assert ((cached > 0) != (fresh > 0)).nnz == 0  # the same neighbours
        assert abs(cached - fresh).max() < 1e-5         # with the same weights


def test_keyword_neighbours_from_the_cache_match_a_full_search_while_weights_hold() -> None:
    """Sparse rows (keywords): added, removed and changed rows give the graph of a fresh
    search; the weights are those of the rows given."""
    import scipy.sparse as sp

    from harvest.engine.semantic import NeighbourCache, _sparse_knn

    rng = np.random.default_rng(2)
    dense = (rng.random((200, 60)) < 0.06) * rng.random((200, 60))
    dense[7] = 0.0                                  # a statement without keywords
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    x = sp.csr_matrix(dense / norms)
    ids = np.arange(200, dtype=np.int64)
    changed = x[:190].tolil()
    changed[4] = x[199]
    cache = NeighbourCache()
    steps = [(x[:180], ids[:180]), (x[:184], ids[:184]),
             (x[[i for i in range(184) if i not in (9, 30)]],
              np.array([i for i in range(184) if i not in (9, 30)])),
             (sp.csr_matrix(changed[:184]), ids[:184])]
    for data, row_ids in steps:
        cached = _sparse_knn(sp.csr_matrix(data), 6, ids=row_ids, cache=cache)
        fresh = _sparse_knn(sp.csr_matrix(data), 6)
        assert ((cached > 0) != (fresh > 0)).nnz == 0
        assert abs(cached - fresh).max() < 1e-5


def test_vectors_that_are_rows_of_one_buffer_are_grouped_without_a_copy_and_alike() -> None:
    from harvest.engine.themes import _vector_rows

    docs = demo_documents()[:60]
    views = vectors_of(docs)  # rows of one matrix, in the statements' order (as the store)
    copies = {sid: np.array(v) for sid, v in views.items()}  # each its own array
    matrix = _vector_rows(docs, views)
    assert matrix is not None and np.shares_memory(matrix, next(iter(views.values())))
    assert not matrix.flags.writeable
    alone = _vector_rows(docs, copies)
    assert alone is not None and np.array_equal(alone, matrix)
    assert not np.shares_memory(alone, next(iter(copies.values())))
    shuffled = list(reversed(docs))  # another order: stacked afresh, same rows
    assert np.array_equal(_vector_rows(shuffled, views), matrix[::-1])
    assert detect_themes(docs, vectors=views) == detect_themes(docs, vectors=copies)
