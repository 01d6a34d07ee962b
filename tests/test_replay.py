"""The replay: the map's growth from a handful of engine runs, as offline HTML and GIF."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from harvest.board import Board, compute_board, render_map
from harvest.conceptmap.replay import build_replay, counts_at, replay_gif, replay_html
from harvest.demo import create_demo
from harvest.store import Store


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('replay') / 'h.db'}")
    workshop = create_demo(store)
    store.add_statement(workshop.id, "</script><script>alert(1)</script> Mehr Radwege",
                        table=None)
    yield store
    store.close()


@pytest.fixture(scope="module")
def board(demo_store: Store) -> Board:
    return compute_board(demo_store, "demo", persist=False)


def test_a_handful_of_engine_runs_ends_in_the_board_itself(board: Board) -> None:
    replay = build_replay(board, steps=8)
    assert len(replay.frames) == 8
    shown = [f.shown for f in replay.frames]
    assert shown == sorted(shown) and shown[-1] == len(board.statements)
    final = {t.id: len(t.statement_ids) for t in board.clustering.themes}
    assert {k: v for k, v in replay.frames[-1].counts.items() if v} == {
        k: v for k, v in final.items() if v
    }
    # every frame accounts for exactly the statements it has seen
    assert all(sum(f.counts.values()) == f.shown for f in replay.frames)


def test_counts_grow_statement_by_statement_between_runs(board: Board) -> None:
    replay = build_replay(board, steps=4)
    totals = [sum(counts_at(replay, n).values()) for n in range(len(board.statements) + 1)]
    assert totals[0] == 0 and totals[-1] == len(board.statements)
    assert all(abs(b - a) <= len(replay.themes) for a, b in zip(totals, totals[1:], strict=False))


def test_themes_keep_apart_on_the_stage(board: Board) -> None:
    themes = build_replay(board, steps=2).themes
    assert len({(t.x, t.y) for t in themes}) == len(themes)
    assert all(0 <= t.x <= 1000 and 0 <= t.y <= 560 for t in themes)


def test_the_replay_page_is_offline_and_shows_statements_as_text_only(board: Board) -> None:
    page = replay_html(board, steps=3)
    assert "default-src &#x27;none&#x27;" in page  # the CSP, attribute-escaped
    assert "https://" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert "<script>alert(1)" not in page  # the statement travels as escaped JSON
    assert "\\u003c/script\\u003e" in page
    assert "data:image/svg+xml;base64," in page and "OpenMoji" in page


def test_the_gif_has_one_frame_per_engine_run(board: Board) -> None:
    data = replay_gif(board, steps=5, width=640)
    image = Image.open(io.BytesIO(data))
    assert image.format == "GIF" and image.n_frames == 5 and image.size == (640, 360)


def test_render_map_exports_both_replay_formats(board: Board) -> None:
    assert render_map(board, "replay").startswith(b"<!DOCTYPE html>")
    assert render_map(board, "replay-gif").startswith(b"GIF8")


def test_cli_exports_the_replay_page_and_gif(tmp_path) -> None:  # noqa: ANN001
    from harvest.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store(url)
    create_demo(store)
    store.close()
    page, gif = tmp_path / "replay.html", tmp_path / "replay.gif"
    assert main(["--db", url, "export", "demo", "--format", "replay", "--out", str(page)]) == 0
    assert main(["--db", url, "export", "demo", "--format", "replay-gif", "--out", str(gif)]) == 0
    assert "replay-data" in page.read_text(encoding="utf-8")
    assert gif.read_bytes().startswith(b"GIF8")
