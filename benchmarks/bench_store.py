"""What the store costs on a 10,000-statement workshop, beside naive baselines.

1. Import: one ``Store.add_statements`` transaction for 10,000 texts, beside one
   ``add_statement`` call per text (its own transaction, as a simple loop would do it;
   measured on the first 500 texts and scaled to 10,000).
2. The board's poll, "anything new since revision r?": ``revision()`` (one row) and
   ``statements_since(r)`` with nothing new, each the median of 200 calls, beside the
   naive refresh: select every statement and compare it with the previous list (median
   of 20 calls: each takes a few hundred milliseconds).

Texts come from the Polis open data comments (../shared/data, CC BY 4.0), read with the
csv module. Runs on SQLite (a fresh file) and, if HARVEST_TEST_POSTGRES_URL (or
HARVEST_BENCH_POSTGRES_URL) is set, on a fresh PostgreSQL database dropped afterwards.

    .venv/bin/python benchmarks/bench_store.py [--n 10000] [--repeat 200] [--baseline-repeat 20]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from benchmarks import timing  # noqa: E402
from harvest.intake import InvalidInput, accept_text  # noqa: E402
from harvest.model import Statement  # noqa: E402
from harvest.store import NewStatement, Store  # noqa: E402

SOURCE = ROOT / ".." / "shared" / "data" / "polis_opendata_unlabeled" / "polis_all_comments.csv"
BASELINE_SAMPLE = 500


def load_texts(n: int) -> list[tuple[str, str]]:
    """``n`` (text, table) pairs that pass the input rules, repeating the file if needed."""
    with SOURCE.open(encoding="utf-8", newline="") as handle:
        rows = []
        for row in csv.DictReader(handle):
            try:
                accept_text(row["text"])
            except InvalidInput:
                continue
            rows.append((row["text"], row["topic"][:60] or "Ohne Tisch"))
    return [rows[index % len(rows)] for index in range(n)]


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="harvest-bench-") as folder:
        yield f"sqlite:///{folder}/bench.db"


@contextmanager
def postgres_url(server: str) -> Iterator[str]:
    """A fresh PostgreSQL database on ``server``, dropped afterwards."""
    base = sa.make_url(server).set(drivername="postgresql+psycopg")
    name = f"harvest_bench_{uuid.uuid4().hex}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def median_ms(call: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``call`` in milliseconds, after one warm-up call."""
    return timing.median_ms(call, repeat, warm_up=True)


def measure(
    url: str, texts: list[tuple[str, str]], repeat: int, baseline_repeat: int
) -> dict[str, float]:
    """Every figure for one engine, in seconds (import) or milliseconds (polls)."""
    figures: dict[str, float] = {}
    with Store(url) as store:
        bulk = store.create_workshop("Import in einem Rutsch")
        items = [NewStatement(text, table=table) for text, table in texts]
        started = time.perf_counter()
        ids = store.add_statements(bulk.id, items)
        figures["import_bulk_s"] = time.perf_counter() - started
        assert len(ids) == len(texts)

        single = store.create_workshop("Import Zeile für Zeile")
        sample = texts[:BASELINE_SAMPLE]
        started = time.perf_counter()
        for text, table in sample:
            store.add_statement(single.id, text, table=table, origin="imported")
        figures["import_single_s"] = (time.perf_counter() - started) * len(texts) / len(sample)

        seen = store.revision(bulk.id)
        figures["revision_ms"] = median_ms(lambda: store.revision(bulk.id), repeat)
        nothing = store.statements_since(bulk.id, seen)
        assert nothing == []
        figures["since_ms"] = median_ms(lambda: store.statements_since(bulk.id, seen), repeat)

        previous = store.statements(bulk.id, include_hidden=True)

        def naive_refresh() -> bool:
            current: list[Statement] = store.statements(bulk.id, include_hidden=True)
            return current != previous

        assert naive_refresh() is False
        figures["naive_ms"] = median_ms(naive_refresh, baseline_repeat)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="statements to import")
    parser.add_argument("--repeat", type=int, default=200, help="calls per poll median")
    parser.add_argument(
        "--baseline-repeat", type=int, default=20, help="calls per naive refresh median"
    )
    args = parser.parse_args(argv)
    if not SOURCE.is_file():
        print(f"missing data file {SOURCE}", file=sys.stderr)
        return 1
    texts = load_texts(args.n)

    engines: list[tuple[str, Callable[[], Any]]] = [("SQLite", sqlite_url)]
    server = os.environ.get("HARVEST_BENCH_POSTGRES_URL") or os.environ.get(
        "HARVEST_TEST_POSTGRES_URL"
    )
    if server:
        engines.append(("PostgreSQL", lambda: postgres_url(server)))
    else:
        print("PostgreSQL skipped: set HARVEST_TEST_POSTGRES_URL to measure it too.")

    results = {}
    for name, database in engines:
        with database() as url:
            results[name] = measure(url, texts, args.repeat, args.baseline_repeat)

    n = f"{args.n:,}"
    rows = [
        (f"import {n} statements, add_statements (s)", "import_bulk_s", "{:.2f}"),
        (
            f"  baseline: add_statement per row (s, from {BASELINE_SAMPLE})",
            "import_single_s",
            "{:.1f}",
        ),
        (f"poll revision() on {n} (ms, median of {args.repeat})", "revision_ms", "{:.3f}"),
        ("poll statements_since(r), nothing new (ms)", "since_ms", "{:.3f}"),
        (
            f"  baseline: select all and compare (ms, median of {args.baseline_repeat})",
            "naive_ms",
            "{:.1f}",
        ),
    ]
    names = list(results)
    width = max(len(label) for label, _, _ in rows)
    print(f"{'':{width}}  " + "  ".join(f"{name:>10}" for name in names))
    for label, key, fmt in rows:
        cells = "  ".join(f"{fmt.format(results[name][key]):>10}" for name in names)
        print(f"{label:{width}}  {cells}")
    for name in names:
        f = results[name]
        print(
            f"{name}: bulk import {f['import_single_s'] / f['import_bulk_s']:.0f}x faster than "
            f"row by row; revision() {f['naive_ms'] / f['revision_ms']:.0f}x and "
            f"statements_since() {f['naive_ms'] / f['since_ms']:.0f}x cheaper than a naive refresh"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
