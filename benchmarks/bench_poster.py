"""What the graphical-harvest poster and the replay cost, beside the network poster.

For the demo workshop (and, with --klima, the 2,811 Klimarat statements from
../shared/data imported into a scratch database), median of --repeat runs:

- harvest poster A1: layout, PNG (120 dpi, ~4000 px) and PDF, each from a computed board;
  goal: PNG and PDF under 5 s each (layout included).
- baseline, same run: the network poster (render.py) as PNG 3508 px and PDF A1.
- replay: the engine runs (--steps, warm-started), the offline HTML and the GIF.

    .venv/bin/python benchmarks/bench_poster.py [--repeat 3] [--steps 24] [--klima]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.timing import median_time  # noqa: E402
from harvest.board import Board, compute_board  # noqa: E402
from harvest.conceptmap import poster, render, replay  # noqa: E402
from harvest.demo import create_demo  # noqa: E402
from harvest.store import NewStatement, Store  # noqa: E402

KLIMA = ROOT / ".." / "shared" / "data" / "polis_klimarat_at_de" / "polis_klimarat_at_de.csv"


def median(func: Callable[[], Any], repeat: int) -> float:
    return median_time(func, repeat)[0]


def klima_board(store: Store) -> Board:
    workshop = store.create_workshop("Klimarat Polis", language="de")
    with KLIMA.open(encoding="utf-8", newline="") as handle:
        rows = [NewStatement(r["text"][:1000], r.get("label") or None, None, None)
                for r in csv.DictReader(handle) if r["text"].strip()]
    store.add_statements(workshop.id, rows, origin="imported")
    return compute_board(store, workshop.id)


def report(name: str, board: Board, repeat: int, steps: int) -> None:
    n = len(board.statements)
    print(f"\n{name}: {n} statements, {len(board.clustering.themes)} themes")

    def poster_png() -> bytes:
        return poster.render_poster(poster.layout_poster(board, size="A1"), "png")

    def poster_pdf() -> bytes:
        return poster.render_poster(poster.layout_poster(board, size="A1"), "pdf")

    def network_png() -> bytes:
        return render.render_png(board.graph, board.positions, title=board.workshop.title)

    def network_pdf() -> bytes:
        return render.render_pdf(board.graph, board.positions, title=board.workshop.title,
                                 paper="A1")

    poster_png()  # warm: fonts, pictograms, matplotlib
    rows = [
        ("harvest poster A1 layout", median(lambda: poster.layout_poster(board, size="A1"),
                                            repeat)),
        ("harvest poster A1 PNG (layout + draw)", median(poster_png, repeat)),
        ("harvest poster A1 PDF (layout + draw)", median(poster_pdf, repeat)),
        ("baseline: network poster PNG 3508 px", median(network_png, repeat)),
        ("baseline: network poster PDF A1", median(network_pdf, repeat)),
    ]
    built: list[replay.Replay] = []
    rows.append((f"replay: {steps} engine runs",
                 median(lambda: built.append(replay.build_replay(board, steps=steps)), 1)))
    rows.append(("replay: offline HTML", median(
        lambda: replay.replay_html(board, replay=built[-1]), repeat)))
    rows.append(("replay: GIF 1280 px", median(
        lambda: replay.replay_gif(board, replay=built[-1]), 1)))
    for label, seconds in rows:
        goal = "  (goal < 5 s)" if "PNG (layout" in label or "PDF (layout" in label else ""
        print(f"  {label:<42} {seconds:7.2f} s{goal}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", type=int, default=replay.DEFAULT_STEPS)
    parser.add_argument("--klima", action="store_true", help="also the 2,811 Klimarat texts")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{Path(folder) / 'bench.db'}")
        create_demo(store)
        report("demo workshop", compute_board(store, "demo"), args.repeat, args.steps)
        if args.klima and KLIMA.exists():
            report("Klimarat Polis", klima_board(store), args.repeat, args.steps)
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
