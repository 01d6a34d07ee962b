"""Board refresh cost: CPU time of one viewer refresh, nothing new vs one new statement.

What a board viewer's refresh does on the server (see app/board.py: board_fragment):
- nothing new: one ``store.revision()`` query; the Board and the map HTML come from the
  shared cache;
- one new statement: ``statements_since`` + ``compute_board`` (engine, concept map,
  warm-started layout) + the map HTML, once per server (every other viewer then hits
  the cache).

Baseline, measured in the same run: a naive refresh that reloads every statement and
recomputes the board from scratch (no cache, no saved state) on every refresh.

Workshops: the demo (124 statements) and 3,000 Klimarat comments.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.timing import median_ms  # noqa: E402
from harvest.board import STATE_KEY, compute_board  # noqa: E402
from harvest.conceptmap.html import render_html  # noqa: E402
from harvest.demo import create_demo  # noqa: E402
from harvest.store import NewStatement, Store  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def cpu(fn: Callable[[], object], repeat: int) -> float:
    """Median CPU time (process time, ms) of ``fn``."""
    return median_ms(fn, repeat, clock=time.process_time)


def klimarat_workshop(store: Store, n: int) -> int:
    path = DATA / "polis_klimarat_at_de" / "polis_klimarat_at_de.csv"
    with path.open(encoding="utf-8") as handle:
        rows = [r["text"] for r in csv.DictReader(handle)][:n]
    ws = store.create_workshop(f"Klimarat {n}", slug=f"klimarat-{n}")
    store.add_statements(ws.id, [NewStatement(t, None, None, None) for t in rows])
    return ws.id


def measure(store: Store, workshop_id: int, label: str) -> dict[str, float | str | int]:
    compute_board(store, workshop_id)  # warm: state saved, as on a running board
    revision = store.revision(workshop_id)
    nothing_new = cpu(lambda: store.revision(workshop_id), 200)

    def one_new() -> None:
        nonlocal revision
        store.add_statement(workshop_id, f"Mehr Radwege und Sprachkurse am Abend {time.time()}")
        store.statements_since(workshop_id, revision)
        board = compute_board(store, workshop_id)
        render_html(board.graph, board.positions, title=board.workshop.title)
        revision = board.revision

    # the write itself is the facilitator's, not the viewer's: time it apart and subtract
    write = cpu(lambda: store.add_statement(workshop_id, f"Noch eine Aussage {time.time()}"), 5)
    new = cpu(one_new, 5) - write

    def naive() -> None:
        store.set_meta(workshop_id, STATE_KEY, None)  # no saved themes or positions
        board = compute_board(store, workshop_id, persist=False)
        render_html(board.graph, board.positions, title=board.workshop.title)

    baseline = cpu(naive, 5)
    return {
        "workshop": label, "statements": len(store.statements(workshop_id)),
        "nothing_new_ms": nothing_new, "one_new_ms": new, "naive_ms": baseline,
    }


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.db")
        demo = create_demo(store)
        rows.append(measure(store, demo.id, "demo"))
        if (DATA / "polis_klimarat_at_de").exists():
            rows.append(measure(store, klimarat_workshop(store, 3000), "Klimarat 3,000"))
        else:
            print("../shared/data absent: 3,000-statement workshop skipped")
        store.close()
    print("\nCPU time of one board refresh (ms, median; SQLite)")
    print(f"{'workshop':<16}{'statements':>11}{'nothing new':>13}{'one new':>10}"
          f"{'naive (baseline)':>18}")
    for r in rows:
        print(f"{r['workshop']:<16}{r['statements']:>11}{r['nothing_new_ms']:>13.2f}"
              f"{r['one_new_ms']:>10.0f}{r['naive_ms']:>18.0f}")
    print("nothing new = one revision query per viewer; one new = computed once per server "
          "and shared by all its viewers; naive = every viewer recomputes from scratch")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
