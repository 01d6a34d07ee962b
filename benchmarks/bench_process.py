"""A process board over three workshops: first shown from cached vectors, and its grid.

10,000 real comments (the Polis open-data comments, Klimarat included: ../shared/data)
split by order, which keeps their conversations together, into three workshops of about
3,333 ("regional conferences"), all embedded first (the vectors are cached in the store,
as after `harvest import`). Measured:

- process board first shown: ``compute_board`` of the process with no saved state (the
  engine over all 10,000 statements, concept maps, layouts) plus the board page's map HTML,
  on a server that has shown the three workshops' boards before (so their texts are
  analysed and the dictionaries loaded, as in a hall); goal under 3 s;
- compare grid: ``compare.compare`` + ``grid_csv`` on that board; goal under 1 s.

Baseline, measured in the same run: the same 10,000 statements as one workshop, its board
first shown the same way (what the hall waits for today with one big workshop). Wall and
CPU time are both printed: the machine may be shared, CPU time is this process's own.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harvest import compare  # noqa: E402
from harvest.board import STATE_KEY, Board, compute_board  # noqa: E402
from harvest.conceptmap.html import render_html  # noqa: E402
from harvest.intake import InvalidInput, clean_statement  # noqa: E402
from harvest.model import DEFAULT_MAX_CHARS  # noqa: E402
from harvest.store import NewStatement, Store  # noqa: E402
from harvest.vectors import embed_pending  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
TOTAL = 10_000
WORKSHOPS = ("dessau", "stendal", "halle")
REPEAT = 2


def comments() -> list[str]:
    """The first 10,000 comments the intake accepts (it refuses "Hello." and the like)."""
    path = DATA / "polis_opendata_unlabeled" / "polis_all_comments.csv"
    if not path.exists():
        return []
    kept = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                kept.append(clean_statement(row["text"], DEFAULT_MAX_CHARS))
            except InvalidInput:
                continue
            if len(kept) == TOTAL:
                break
    return kept


def fill(store: Store, slug: str, texts: list[str]) -> int:
    workshop = store.create_workshop(slug.title(), slug=slug)
    store.add_statements(
        workshop.id, [NewStatement(t, table=f"Tisch {i % 6 + 1}") for i, t in enumerate(texts)]
    )
    embed_pending(store, workshop.id)
    return workshop.id


def first_shown(store: Store, workshop_id: int) -> tuple[float, float, Board]:
    """A board's first showing (no saved state): engine + maps + the page's map HTML;
    (wall seconds, CPU seconds of this process, the board)."""
    store.set_meta(workshop_id, STATE_KEY, None)
    wall, cpu = time.perf_counter(), time.process_time()
    board = compute_board(store, workshop_id)
    render_html(board.wall_graph, board.wall_positions, title="")
    return time.perf_counter() - wall, time.process_time() - cpu, board


def main() -> int:
    texts = comments()
    if len(texts) < TOTAL:
        print(f"../shared/data absent or short ({len(texts)} comments): skipped")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.db")
        print(f"embedding {TOTAL} comments twice (three workshops, then one) ...", flush=True)
        third = -(-TOTAL // len(WORKSHOPS))
        members = [fill(store, slug, texts[n * third:(n + 1) * third])
                   for n, slug in enumerate(WORKSHOPS)]
        process = store.create_process("Sachsen-Anhalt", slug="lsa", workshops=list(WORKSHOPS))
        single = fill(store, "alle", texts)
        # as on a running server: the workshops' own boards have been shown (their texts
        # analysed, the dictionaries loaded), then the process board is opened
        for member in members:
            compute_board(store, member)
        runs: dict[str, list[tuple[float, float]]] = {"process": [], "single": []}
        for _ in range(REPEAT):
            wall, cpu, board = first_shown(store, process.workshop.id)
            runs["process"].append((wall, cpu))
            wall, cpu, _ = first_shown(store, single)
            runs["single"].append((wall, cpu))
        grid = []
        for _ in range(REPEAT):
            wall, cpu = time.perf_counter(), time.process_time()
            comparison = compare.compare(board)
            compare.grid_csv(comparison)
            grid.append((time.perf_counter() - wall, time.process_time() - cpu))
        store.close()
    best = {name: min(times) for name, times in runs.items()}
    print(f"\nProcess of {len(WORKSHOPS)} workshops, {TOTAL} statements (SQLite; seconds, "
          f"best of {REPEAT}; wall / CPU of this process)")
    print(f"{'':<22}{'process':>16}{'one workshop (baseline)':>26}{'goal':>7}")
    print(f"{'board first shown':<22}{best['process'][0]:>8.2f} /{best['process'][1]:>6.2f}"
          f"{best['single'][0]:>17.2f} /{best['single'][1]:>6.2f}{'< 3':>7}")
    print(f"{'compare grid (+ CSV)':<22}{min(grid)[0]:>8.3f} /{min(grid)[1]:>6.3f}"
          f"{'':>26}{'< 1':>7}")
    print(f"grid: {len(comparison.rows)} themes x {len(comparison.workshops)} workshops, "
          f"{len(comparison.shared_demands)} shared demands")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
