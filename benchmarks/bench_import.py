"""How long importing 10,000 statements from a CSV file takes, beside a naive baseline.

Harvest's way: ``imports.parse_file`` then one ``Store.add_statements`` transaction.
Baseline in the same run: ``pandas.read_csv`` then one ``Store.add_statement`` per row
(one transaction each, the way a simple script would do it).

The CSV is built from the Polis open data comments (../shared/data, CC BY 4.0): text,
topic as the table, and a kind cycling through German names. Runs on SQLite (a fresh file)
and, if HARVEST_TEST_POSTGRES_URL is set, on a fresh PostgreSQL database dropped afterwards.

    .venv/bin/python benchmarks/bench_import.py [--n 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from harvest.imports import parse_file  # noqa: E402
from harvest.intake import InvalidInput  # noqa: E402
from harvest.store import NewStatement, Store  # noqa: E402

SOURCE = ROOT / ".." / "shared" / "data" / "polis_opendata_unlabeled" / "polis_all_comments.csv"
KINDS = ("Idee", "Herausforderung", "Forderung", "Frage", "")


def build_csv(path: Path, n: int) -> int:
    """Write ``n`` statements (semicolon, UTF-8 with BOM, as German Excel saves) to ``path``."""
    with SOURCE.open(encoding="utf-8", newline="") as handle:
        source = [row for row in csv.DictReader(handle) if row["text"].strip()]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Aussage", "Tisch", "Art", "Autor"])
        for index in range(n):
            row = source[index % len(source)]
            writer.writerow([row["text"], row["topic"][:60], KINDS[index % len(KINDS)], ""])
    return n


@contextmanager
def sqlite_database() -> Iterator[Callable[[], str]]:
    """A factory of fresh SQLite file URLs in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="harvest-bench-") as folder:
        counter = iter(range(10**6))
        yield lambda: f"sqlite:///{folder}/bench-{next(counter)}.db"


@contextmanager
def postgres_database(server: str) -> Iterator[Callable[[], str]]:
    """A factory of fresh PostgreSQL databases on ``server``, all dropped at the end."""
    url = sa.make_url(server).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    created: list[str] = []

    def fresh() -> str:
        name = f"harvest_bench_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        created.append(name)
        return url.set(database=name).render_as_string(hide_password=False)

    try:
        yield fresh
    finally:
        with admin.connect() as conn:
            for name in created:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def harvest_import(url: str, path: Path) -> tuple[float, float, int]:
    """Harvest's import: (parse seconds, store seconds, statements stored)."""
    with Store(url) as store:
        started = time.perf_counter()
        result = parse_file(path)
        parsed = time.perf_counter()
        workshop = store.create_workshop("Bench")
        ids = store.add_statements(
            workshop.id,
            [NewStatement(row.text, row.table, row.kind, row.author) for row in result.rows],
        )
        stored = time.perf_counter()
        assert len(store.statements(workshop.id)) == len(ids)
    return parsed - started, stored - parsed, len(ids)


def naive_import(url: str, path: Path) -> tuple[float, float, int]:
    """Baseline: pandas.read_csv, then one add_statement (one transaction) per row."""
    with Store(url) as store:
        started = time.perf_counter()
        frame = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
        parsed = time.perf_counter()
        workshop = store.create_workshop("Bench")
        count = 0
        for text, table, kind, author in frame.itertuples(index=False):
            try:
                store.add_statement(
                    workshop.id, text, table=table or None, kind=kind or None,
                    author=author or None, origin="imported",
                )
                count += 1
            except InvalidInput:
                pass
        stored = time.perf_counter()
    return parsed - started, stored - parsed, count


def measure(
    name: str, method: Callable[[str, Path], tuple[float, float, int]],
    fresh_url: Callable[[], str], path: Path, repeat: int,
) -> dict[str, float | int | str]:
    runs = [method(fresh_url(), path) for _ in range(repeat)]
    parse = statistics.median(run[0] for run in runs)
    store = statistics.median(run[1] for run in runs)
    return {"method": name, "parse_s": parse, "store_s": store, "total_s": parse + store,
            "statements": runs[0][2], "runs": repeat}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="statements in the CSV")
    parser.add_argument("--repeat", type=int, default=3, help="runs of Harvest's import")
    parser.add_argument("--baseline-repeat", type=int, default=1, help="runs of the baseline")
    args = parser.parse_args()
    if not SOURCE.exists():
        print(f"data not found: {SOURCE}", file=sys.stderr)
        return 1

    engines: list[tuple[str, Callable[[], object]]] = [("sqlite", sqlite_database)]
    server = os.environ.get("HARVEST_TEST_POSTGRES_URL", "").strip()
    if server:
        engines.append(("postgresql", lambda: postgres_database(server)))
    else:
        print("HARVEST_TEST_POSTGRES_URL not set: PostgreSQL skipped", file=sys.stderr)

    results = []
    with tempfile.TemporaryDirectory(prefix="harvest-bench-csv-") as folder:
        path = Path(folder) / "statements.csv"
        build_csv(path, args.n)
        size_mb = path.stat().st_size / 1024 / 1024
        print(f"CSV: {args.n:,} statements, {size_mb:.1f} MB (semicolon, UTF-8 with BOM)")
        for engine, database in engines:
            with database() as fresh_url:  # type: ignore[attr-defined]
                ours = measure("harvest", harvest_import, fresh_url, path, args.repeat)
                base = measure("naive", naive_import, fresh_url, path, args.baseline_repeat)
            for row in (ours, base):
                results.append({"engine": engine, **row})

    print(f"{'engine':<11}{'method':<9}{'parse s':>9}{'store s':>9}{'total s':>9}"
          f"{'stmts':>8}{'stmts/s':>10}")
    for row in results:
        rate = float(row["statements"]) / float(row["total_s"])
        print(f"{row['engine']:<11}{row['method']:<9}{row['parse_s']:>9.3f}{row['store_s']:>9.3f}"
              f"{row['total_s']:>9.3f}{row['statements']:>8,}{rate:>10,.0f}")
    for engine in dict.fromkeys(str(row["engine"]) for row in results):
        ours_s, base_s = (float(r["total_s"]) for r in results if r["engine"] == engine)
        print(f"{engine}: Harvest's import is {base_s / ours_s:.1f}x faster than the baseline")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_import.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
