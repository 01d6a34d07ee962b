"""The live map in real headless Chromium: XSS payloads show as text on hover and never
run, no request leaves the page, the map is drawn once and stays still."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harvest.conceptmap import build_concept_map, clustering_by_table
from harvest.conceptmap.html import render_html, render_standalone_html
from harvest.conceptmap.layout import compute_layout
from harvest.model import Document
from tests.test_layout import big_documents
from tests.test_view import PAYLOADS, hostile_map

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records dialogs, requests and script errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.dialogs = []
    tab.requests = []
    tab.errors = []

    def on_dialog(dialog: Any) -> None:
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    def on_route(route: Any) -> None:
        tab.requests.append(route.request.url)
        route.abort()

    tab.on("dialog", on_dialog)
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.on("console", lambda msg: tab.errors.append(msg.text) if msg.type == "error" else None)
    tab.route("**/*", on_route)
    yield tab
    context.close()


def load(tab: Any, html: str) -> None:
    tab.set_content(html, wait_until="load")
    tab.wait_for_function("window.harvest && window.harvest.firstDrawMs !== null", timeout=10_000)


def hover(tab: Any, node_id: str) -> str:
    """Move the mouse onto a node and return the tooltip's visible text."""
    point = tab.evaluate(
        """(id) => {
            const net = window.harvest.network;
            const dom = net.canvasToDOM(net.getPositions([id])[id]);
            const box = document.getElementById("harvest-map").getBoundingClientRect();
            return {x: dom.x + box.left, y: dom.y + box.top};
        }""",
        node_id,
    )
    tab.mouse.move(0, 0)
    tab.mouse.move(point["x"], point["y"], steps=3)
    tab.wait_for_function(
        "document.getElementById('harvest-tip').style.display === 'block'", timeout=5_000
    )
    text: str = tab.inner_text("#harvest-tip")
    return text


@pytest.mark.parametrize("standalone", [False, True])
def test_payloads_show_literally_and_never_run(page: Any, standalone: bool) -> None:
    graph, positions = hostile_map()
    if standalone:
        html = render_standalone_html(graph, positions, title=PAYLOADS[1], subtitle=PAYLOADS[0])
    else:
        html = render_html(graph, positions, title=PAYLOADS[2], subtitle=PAYLOADS[3],
                           highlight=list(graph)[:3])
    load(page, html)
    for node, data in graph.nodes(data=True):
        if data["kind"] in ("theme", "demand", "table"):
            tip = hover(page, node)
            assert tip == data["title"], node
    for payload in PAYLOADS:
        assert any(payload in data["title"] for _, data in graph.nodes(data=True))
    # the heading shows the payload as text, and no element was injected
    heading = page.inner_text("#harvest-head")
    assert (PAYLOADS[1] if standalone else PAYLOADS[2]) in heading
    assert page.evaluate("document.querySelectorAll('img, svg, a, iframe').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 3
    page.wait_for_timeout(300)
    assert page.dialogs == []
    assert page.requests == []
    assert page.errors == []


def test_a_tap_shows_the_text_too(browser: Any) -> None:
    graph, positions = hostile_map()
    context = browser.new_context(viewport={"width": 800, "height": 900}, has_touch=True,
                                  is_mobile=True)
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        load(tab, render_html(graph, positions))
        node = "demand:1"
        point = tab.evaluate(
            """(id) => {
                const net = window.harvest.network;
                const dom = net.canvasToDOM(net.getPositions([id])[id]);
                const box = document.getElementById("harvest-map").getBoundingClientRect();
                return {x: dom.x + box.left, y: dom.y + box.top};
            }""",
            node,
        )
        tab.touchscreen.tap(point["x"], point["y"])
        tab.wait_for_function(
            "document.getElementById('harvest-tip').style.display === 'block'", timeout=5_000
        )
        assert tab.inner_text("#harvest-tip") == graph.nodes[node]["title"]
        assert dialogs == []
    finally:
        context.close()


def test_legend_shows_theme_names_as_text(page: Any) -> None:
    graph, positions = hostile_map()
    load(page, render_html(graph, positions))
    legend = page.inner_text("#harvest-legend")
    for payload in PAYLOADS:
        assert payload in legend
    assert page.dialogs == []


@pytest.mark.parametrize("fill", [False, True])
def test_a_legend_of_shapes_sits_under_the_map_never_over_a_node(page: Any, fill: bool) -> None:
    docs = big_documents(600)
    graph = build_concept_map(clustering_by_table(docs), docs)
    load(page, render_html(graph, compute_layout(graph), legend_themes=False, fill=fill,
                           demands=[("Mehr Sprachkurse am Abend", "#E69F00")]))
    boxes = page.evaluate(
        """() => {
            const box = (id) => document.getElementById(id).getBoundingClientRect().toJSON();
            const net = window.harvest.network;
            const map = box("harvest-map");
            const lowest = Math.max(...Object.values(net.getPositions()).map(
                (p) => net.canvasToDOM(p).y)) + map.top;
            return {map, legend: box("harvest-legend"), lowest};
        }"""
    )
    map_box, legend = boxes["map"], boxes["legend"]
    assert legend["height"] > 0
    assert legend["top"] >= map_box["bottom"] - 1  # its own row, not laid over the canvas
    assert boxes["lowest"] < legend["top"]  # the lowest node is drawn above it
    assert page.errors == []


def test_map_is_drawn_at_the_given_positions_and_stays_still(page: Any) -> None:
    docs = big_documents(4000)
    graph = build_concept_map(clustering_by_table(docs), docs)
    assert graph.number_of_nodes() == 250
    positions = compute_layout(graph)
    load(page, render_html(graph, positions))
    first_draw = page.evaluate("window.harvest.firstDrawMs")
    # generous sanity bound only; the real figure is in benchmarks/bench_map.py
    assert first_draw < 5_000
    canvas = page.evaluate("window.harvest.network.getPositions()")
    for node in sorted(graph)[::50]:  # vis-network reports whole pixels
        x, y = positions[node]
        assert canvas[node]["x"] == pytest.approx(x * 3000, abs=1)
        assert canvas[node]["y"] == pytest.approx(y * 3000, abs=1)
    draws = page.evaluate("window.harvest.drawCount")
    page.wait_for_timeout(700)
    assert page.evaluate("window.harvest.drawCount") == draws  # nothing animates or settles
    assert page.evaluate("window.harvest.network.getPositions()") == canvas
    assert page.requests == [] and page.errors == []


def test_highlight_pulses_then_stops(page: Any) -> None:
    docs = [Document(i, f"sprachkurs abends nummer{'x' * i}", None, "Sprache") for i in range(1, 6)]
    graph = build_concept_map(clustering_by_table(docs), docs)
    load(page, render_html(graph, compute_layout(graph), highlight=["kw:sprachkurs"]))
    before = page.evaluate("window.harvest.drawCount")
    page.wait_for_timeout(500)
    assert page.evaluate("window.harvest.drawCount") > before + 5  # the halo animates
    assert page.dialogs == [] and page.requests == []
