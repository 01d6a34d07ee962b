"""The replay page in Chromium: it plays offline, themes appear and grow, text stays text;
the live map draws the theme pictograms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harvest.board import Board, compute_board
from harvest.conceptmap.html import render_html
from harvest.conceptmap.replay import replay_html
from harvest.demo import create_demo
from harvest.store import Store


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Board]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('replay-browser') / 'h.db'}")
    workshop = create_demo(store)
    store.add_statement(workshop.id, "<img src=x onerror=alert(1)> Mehr Radwege", table=None)
    yield compute_board(store, workshop.id, persist=False)
    store.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on("dialog", lambda d: (page.problems.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("request", lambda r: page.problems.append(r.url)
            if not r.url.startswith(("data:", "about:")) else None)
    yield page
    context.close()


def test_the_replay_plays_from_the_first_statement_to_the_last(tab: Any, board: Board) -> None:
    tab.set_content(replay_html(board, steps=6), wait_until="load")
    tab.wait_for_function("() => window.harvestReplay && window.harvestReplay.ready", timeout=10_000)
    total = len(board.statements)
    assert tab.evaluate("window.harvestReplay.step") == total
    tab.fill("#replay-slider", "0")  # back to the start: nothing on the map yet
    assert tab.evaluate(
        "[...document.querySelectorAll('g.theme')].every(g => g.getAttribute('visibility') "
        "=== 'hidden')")
    tab.click("#replay-play")
    tab.wait_for_function("() => window.harvestReplay.step > 20", timeout=15_000)
    visible = tab.evaluate(
        "[...document.querySelectorAll('g.theme')].filter(g => g.getAttribute('visibility') "
        "=== 'visible').length")
    assert visible >= 1
    tab.wait_for_function(f"() => window.harvestReplay.step === {total}", timeout=60_000)
    assert "onerror" in tab.inner_text("#replay-ticker")  # the last statement, as text
    assert tab.problems == []


def test_the_live_map_draws_theme_pictograms(tab: Any, board: Board) -> None:
    tab.set_content(render_html(board.graph, board.positions), wait_until="load")
    tab.wait_for_function("() => window.harvest && window.harvest.firstDrawMs !== null",
                          timeout=10_000)
    tab.wait_for_timeout(500)  # the data: images decode, then the map redraws
    # the pixel at a theme with a pictogram is no longer the flat theme colour
    node = next(n for n, d in board.graph.nodes(data=True)
                if d["kind"] == "theme" and d.get("pictogram"))
    colours = tab.evaluate(
        """(id) => {
            const net = window.harvest.network;
            const p = net.canvasToDOM(net.getPositions([id])[id]);
            const canvas = document.querySelector('#harvest-map canvas');
            const ctx = canvas.getContext('2d');
            const r = window.devicePixelRatio || 1;
            const seen = new Set();
            for (let dx = -12; dx <= 12; dx += 3) {
              const px = ctx.getImageData((p.x + dx) * r, p.y * r, 1, 1).data;
              seen.add(px.slice(0, 3).join(','));
            }
            return seen.size;
        }""",
        str(node),
    )
    assert colours >= 3
    assert tab.problems == []
