"""Evaluate: Harvest's themes against labelled data, beside the usual baseline and peer.

The baseline is what a data scientist would try first: TF-IDF of word 1-2-grams, LSA
to 100 dimensions, k-means with k = the true number of labels (so it is even told k).
The semantic peer is what one would try with the same sentence encoder Harvest bundles:
k-means on the vectors given the true k, and Leiden on a 15-nearest-neighbour graph of
them. Harvest runs with its defaults (meaning and keywords) and is told nothing.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from harvest.engine.embedding import encode
from harvest.engine.text import detect_language
from harvest.engine.themes import EngineSettings, detect_themes
from harvest.model import Clustering, Document


class ColumnMissing(ValueError):
    """The input CSV has no column of the given name."""


@dataclass(frozen=True)
class Score:
    """How one method did on one labelled file."""

    method: str
    ari: float
    nmi: float
    themes: int
    seconds: float


def baseline_labels(texts: Sequence[str], k: int, seed: int = 0) -> list[int]:
    """TF-IDF of word 1-2-grams, LSA to 100 dimensions, normalised, k-means with ``k``."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    if not texts:
        return []
    k = max(1, min(k, len(texts)))
    tfidf = None
    for options in ({"min_df": 2}, {"min_df": 1}, {"token_pattern": r"(?u)\b\w+\b"}):
        try:
            tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True,
                                    **options).fit_transform(texts)
            break
        except ValueError:  # no term left (tiny input, or only one-letter words)
            continue
    if tfidf is None or tfidf.shape[1] == 0 or k == 1:
        return [0] * len(texts)
    dims = min(100, tfidf.shape[1] - 1, len(texts) - 1)
    vectors = TruncatedSVD(dims, random_state=seed).fit_transform(tfidf) if dims >= 2 else tfidf
    vectors = normalize(vectors)
    model = KMeans(n_clusters=k, n_init=10, random_state=seed)
    return [int(label) for label in model.fit_predict(vectors)]


def read_column(path: Path, column: str) -> list[str]:
    """One column of a UTF-8 CSV file, as text, in row order."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or column not in reader.fieldnames:
            raise ColumnMissing(f"{path.name} has no column {column!r}")
        return [row.get(column) or "" for row in reader]


def workshop_language(texts: Sequence[str]) -> str:
    """The language most statements are written in ("de" or "en")."""
    sample = texts[:500]
    english = sum(1 for t in sample if detect_language(t, "de") == "en")
    return "en" if english * 2 > len(sample) else "de"


Progress = Callable[[int, int], None]
"""Called with (done, total) while texts are embedded."""


def embed_texts(texts: Sequence[str], progress: Progress | None = None,
                batch_size: int = 256) -> np.ndarray:
    """Sentence vectors of ``texts`` (each distinct text embedded once), row i for text i."""
    distinct = sorted(set(texts))
    position = {text: i for i, text in enumerate(distinct)}
    vectors = np.zeros((len(distinct), 0), dtype=np.float32)
    parts = []
    for start in range(0, len(distinct), batch_size):
        parts.append(encode(distinct[start:start + batch_size]))
        if progress is not None:
            progress(min(start + batch_size, len(distinct)), len(distinct))
    if parts:
        vectors = np.concatenate(parts)
    return vectors[[position[t] for t in texts]] if len(texts) else vectors


def cluster_texts(texts: Sequence[str], settings: EngineSettings | None = None,
                  language: str | None = None, vectors: np.ndarray | None = None,
                  progress: Progress | None = None, seed: int = 0) -> Clustering:
    """Harvest's themes for a list of texts (row i gets statement id i), with the same
    defaults as the app (and its seed, 0): embedded first unless ``settings.semantic`` is
    off."""
    documents = [Document(id=i, text=text) for i, text in enumerate(texts)]
    settings = settings or EngineSettings()
    lookup = None
    if settings.semantic:
        if vectors is None:
            vectors = embed_texts(texts, progress)
        lookup = {i: vectors[i] for i in range(len(texts))}
    return detect_themes(documents, settings=settings,
                         language=language or workshop_language(texts), vectors=lookup,
                         seed=seed)


def cluster_file(input: Path, text_column: str, out: Path,
                 settings: EngineSettings | None = None,
                 progress: Progress | None = None) -> None:
    """Write ``row,theme_id,theme_label,is_demand,secondary_theme_id`` for each input row."""
    texts = read_column(Path(input), text_column)
    clustering = cluster_texts(texts, settings, progress=progress)
    labels = {theme.id: theme.label for theme in clustering.themes}
    with Path(out).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "theme_id", "theme_label", "is_demand", "secondary_theme_id"])
        for row in range(len(texts)):
            assignment = clustering.assignments[row]
            writer.writerow([
                row, assignment.theme_id, labels.get(assignment.theme_id, ""),
                "true" if assignment.is_demand else "false",
                assignment.secondary_theme_id or "",
            ])


def peer_labels(vectors: np.ndarray, k: int, seed: int = 0) -> dict[str, list[int]]:
    """The semantic peer on the same vectors: k-means given the true ``k``, and Leiden on
    a 15-nearest-neighbour cosine graph (modularity, resolution 1)."""
    from sklearn.cluster import KMeans

    from harvest.engine.communities import leiden_graph
    from harvest.engine.semantic import knn_graph

    n = len(vectors)
    if n == 0:
        return {"k-means": [], "kNN-15 + Leiden": []}
    k = max(1, min(k, n))
    kmeans = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(vectors)
    graph = leiden_graph(knn_graph(vectors, 15), 1.0, seed)
    return {"k-means": [int(x) for x in kmeans], "kNN-15 + Leiden": graph}


def score_texts(texts: Sequence[str], truth: Sequence[str],
                settings: EngineSettings | None = None, seed: int = 0,
                vectors: np.ndarray | None = None, embed_seconds: float = 0.0) -> list[Score]:
    """ARI, NMI, number of themes and time for Harvest (defaults, and keywords only), the
    semantic peer (each of its two methods) and the baseline. Harvest's and the peer's
    times include embedding (done once, shared; given ``vectors``, the ``embed_seconds``
    they took, so that several seeds embed once)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    def score(method: str, predicted: Sequence[object], seconds: float) -> Score:
        return Score(method, adjusted_rand_score(truth, predicted),
                     normalized_mutual_info_score(truth, predicted), len(set(predicted)),
                     seconds)

    settings = settings or EngineSettings()
    k = len(set(truth))
    if vectors is None:
        start = time.perf_counter()
        vectors = embed_texts(texts)
        embed_seconds = time.perf_counter() - start
    results = []
    start = time.perf_counter()
    clustering = cluster_texts(texts, settings, vectors=vectors, seed=seed)
    harvest_seconds = time.perf_counter() - start + embed_seconds
    results.append(score("Harvest (defaults)",
                         [clustering.assignments[i].theme_id for i in range(len(texts))],
                         harvest_seconds))
    start = time.perf_counter()
    keywords = cluster_texts(texts, replace(settings, semantic=False), seed=seed)
    results.append(score("Harvest (--keywords-only)",
                         [keywords.assignments[i].theme_id for i in range(len(texts))],
                         time.perf_counter() - start))
    start = time.perf_counter()
    peer = peer_labels(vectors, k, seed)
    peer_seconds = (time.perf_counter() - start) / 2 + embed_seconds
    for method, labels in peer.items():
        given = f", k={k}" if method == "k-means" else ""
        results.append(score(f"Peer (USE {method}{given})", labels, peer_seconds))
    start = time.perf_counter()
    baseline = baseline_labels(texts, k, seed)
    results.append(score(f"Baseline (TF-IDF+LSA, k-means k={k})", baseline,
                         time.perf_counter() - start))
    return results


def mean_scores(runs: Sequence[Sequence[Score]]) -> list[Score]:
    """Each method's mean over several runs (one list of scores per seed, same methods in
    the same order): one Leiden or k-means draw is noisy, on small sets by 0.02 ARI.

    >>> mean_scores([[Score("a", 0.2, 0.4, 5, 1.0)], [Score("a", 0.4, 0.2, 7, 3.0)]])
    [Score(method='a', ari=0.3..., nmi=0.3..., themes=6, seconds=2.0)]
    """
    means = []
    for same in zip(*runs, strict=True):
        count = len(same)
        means.append(Score(same[0].method, sum(s.ari for s in same) / count,
                           sum(s.nmi for s in same) / count,
                           round(sum(s.themes for s in same) / count),
                           sum(s.seconds for s in same) / count))
    return means


def format_scores(title: str, scores: Sequence[Score]) -> str:
    """A small fixed-width table of scores."""
    width = max(len(s.method) for s in scores)
    lines = [title, f"{'method':<{width}}  {'ARI':>6}  {'NMI':>6}  {'themes':>6}  {'time':>7}"]
    for s in scores:
        lines.append(
            f"{s.method:<{width}}  {s.ari:6.3f}  {s.nmi:6.3f}  {s.themes:6d}  {s.seconds:6.2f}s"
        )
    return "\n".join(lines)


def evaluate_file(input: Path, text_column: str, label_column: str,
                  settings: EngineSettings | None = None) -> str:
    """A printed table: ARI, NMI, themes and time for Harvest's defaults and the baseline.

    Rows without a label are left out (they have no truth to compare with).
    """
    texts = read_column(Path(input), text_column)
    truth = read_column(Path(input), label_column)
    pairs = [(t, label) for t, label in zip(texts, truth, strict=True) if label.strip()]
    scores = score_texts([t for t, _ in pairs], [label for _, label in pairs], settings)
    title = f"{Path(input).name}: {len(pairs)} rows, {len({lb for _, lb in pairs})} labels"
    return format_scores(title, scores)
