"""What cached sentence vectors cost, beside baselines measured in the same run.

1. Reading a 10,000-statement workshop's vectors for a recompute:
   ``Store.statement_vectors`` (one query, one buffer) beside ``Store.statements`` (the
   rows every recompute reads anyway) and beside decoding the same rows one
   ``np.frombuffer`` per statement; ``vector_count`` (the board's cache key) beside
   ``revision`` (its one-row poll). Median of ``--repeat`` calls, on SQLite and, if
   HARVEST_TEST_POSTGRES_URL (or HARVEST_BENCH_POSTGRES_URL) is set, PostgreSQL. The
   vectors are random unit rows saved under the texts' real keys (the read does not
   care what they mean; embedding 10,000 texts is measured in 2).
2. Embedding throughput: ``embed_pending`` on ``--embed`` real statements (encoder
   batches, text keys, saving in the database) beside ``encode`` on the same texts
   alone (the encoder's own cost), in ms per statement.
3. ``--pairs``: how the near-duplicate threshold was chosen. Every pair of the Klimarat
   Polis comments (all, rejected ones too: they hold many near-copies) by cosine band,
   with a sample of pairs per band to read.

    .venv/bin/python benchmarks/bench_vectors.py [--n 10000] [--repeat 20] [--embed 300] [--pairs]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from bench_store import load_texts, median_ms, postgres_url, sqlite_url  # noqa: E402

from harvest.engine.embedding import DIMENSIONS, MODEL_VERSION, encode, text_key  # noqa: E402
from harvest.store import NewStatement, Store  # noqa: E402
from harvest.store import migrations as schema  # noqa: E402
from harvest.vectors import embed_pending  # noqa: E402

KLIMARAT = ROOT / ".." / "shared" / "data" / "polis_klimarat_at_de" / "polis_klimarat_at_de_all.csv"


def naive_vectors(store: Store, workshop_id: int) -> dict[int, np.ndarray]:
    """The same rows decoded one statement at a time (the obvious loop)."""
    v, s = schema.vectors, schema.statements
    engine = store._engine  # noqa: SLF001 - a benchmark may look inside
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(v.c.statement_id, v.c.vector)
            .join(s, s.c.id == v.c.statement_id)
            .where(v.c.workshop_id == workshop_id, v.c.model == MODEL_VERSION,
                   v.c.vector.is_not(None), s.c.hidden == sa.false())
        ).all()
    return {int(sid): np.frombuffer(blob, dtype="<f4") for sid, blob in rows}


def read_rows(url: str, engine_name: str, n: int, repeat: int) -> None:
    texts = load_texts(n)
    with Store(url) as store:
        ws = store.create_workshop("Vektoren")
        ids = store.add_statements(ws.id, [NewStatement(t, table) for t, table in texts])
        rng = np.random.default_rng(7)
        vectors = rng.standard_normal((n, DIMENSIONS)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        started = time.perf_counter()
        store.save_vectors(MODEL_VERSION, [
            (sid, text_key(store_text), vectors[i])
            for i, (sid, store_text) in enumerate(store.missing_vectors(ws.id))
        ])
        save_s = time.perf_counter() - started
        got = store.statement_vectors(ws.id)
        assert len(got) == n and set(got) == set(ids)
        figures = {
            "statement_vectors": median_ms(lambda: store.statement_vectors(ws.id), repeat),
            "baseline: per-row frombuffer": median_ms(lambda: naive_vectors(store, ws.id), repeat),
            "baseline: statements()": median_ms(lambda: store.statements(ws.id), repeat),
            "vector_count": median_ms(lambda: store.vector_count(ws.id), repeat * 5),
            "baseline: revision()": median_ms(lambda: store.revision(ws.id), repeat * 5),
            "missing_vectors (none missing)": median_ms(lambda: store.missing_vectors(ws.id),
                                                        repeat),
        }
    print(f"\n{engine_name}: {n:,} statements with vectors (saved in {save_s:.1f} s)")
    for name, ms in figures.items():
        print(f"  {name:<34} {ms:8.2f} ms")


def embed_rows(n: int) -> None:
    texts = [t for t, _ in load_texts(n)]
    encode(texts[:8])  # load the model outside the timing
    started = time.perf_counter()
    encode(texts)
    raw = (time.perf_counter() - started) * 1000 / n
    with sqlite_url() as url, Store(url) as store:
        ws = store.create_workshop("Durchsatz")
        store.add_statements(ws.id, [NewStatement(t) for t in texts])
        started = time.perf_counter()
        embed_pending(store, ws.id)
        piped = (time.perf_counter() - started) * 1000 / n
    print(f"\nEmbedding {n} Polis statements (SQLite), ms per statement:")
    print(f"  embed_pending (batches, keys, save) {piped:8.2f} ms")
    print(f"  baseline: encode() alone            {raw:8.2f} ms")


def pairs(samples: int) -> None:
    with KLIMARAT.open(encoding="utf-8", newline="") as handle:
        unique = {text_key(r["text"]): r["text"] for r in csv.DictReader(handle)}
    texts = list(unique.values())
    vectors = encode(texts)
    scores = vectors @ vectors.T
    upper = np.triu_indices(len(texts), 1)
    values = scores[upper]
    np.fill_diagonal(scores, -1.0)
    best = scores.max(axis=1)
    print(f"\nKlimarat, {len(texts):,} different comments, {len(values):,} pairs")
    rng = random.Random(1)
    edges = [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01]
    for low, high in zip(edges, edges[1:], strict=False):
        band = np.flatnonzero((values >= low) & (values < high))
        share = float(np.mean(best >= low)) * 100
        print(f"\n[{low:.2f}, {high:.2f}): {len(band):,} pairs; {share:.1f}% of comments "
              f"have a neighbour at {low:.2f} or more")
        for j in rng.sample(list(band), min(samples, len(band))):
            a, b = upper[0][j], upper[1][j]
            print(f"  {values[j]:.3f}  {texts[a][:100]}\n         {texts[b][:100]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--embed", type=int, default=300)
    parser.add_argument("--pairs", action="store_true", help="the threshold study only")
    parser.add_argument("--samples", type=int, default=6)
    args = parser.parse_args()
    if args.pairs:
        pairs(args.samples)
        return 0
    with sqlite_url() as url:
        read_rows(url, "SQLite", args.n, args.repeat)
    server = os.environ.get("HARVEST_BENCH_POSTGRES_URL") or os.environ.get(
        "HARVEST_TEST_POSTGRES_URL"
    )
    if server:
        with postgres_url(server) as url:
            read_rows(url, "PostgreSQL", args.n, args.repeat)
    else:
        print("\nPostgreSQL: skipped (set HARVEST_TEST_POSTGRES_URL)")
    embed_rows(args.embed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
