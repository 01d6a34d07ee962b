"""The live view's HTML: self-contained, no outside URL, user text only as text, nothing
written to disk. (What a browser makes of it is checked in tests/e2e/test_map_browser.py.)"""

from __future__ import annotations

import hashlib
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest

from harvest.conceptmap import DisplaySettings, build_concept_map
from harvest.conceptmap.html import (
    VIS_NETWORK_JS,
    ViewError,
    render_html,
    render_standalone_html,
    search_matches,
)
from harvest.conceptmap.layout import compute_layout
from harvest.model import Assignment, Clustering, Document, Theme
from tests.test_conceptmap import small_workshop

PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    '<a href="javascript:alert(1)">href</a>',
)
VENDOR_SHA256 = "1f20f0736f32cb9bedf8f6383b25cfea2f839e1abe80d6e8040b4d5bea378c69"
# URL-like strings inside the vendored, unmodified vis-network build: licence comment,
# core-js licence string, an error message, and the SVG namespace identifier. None is
# ever requested (and the page's CSP forbids every request).
VENDOR_URLS = {
    "http://almende.com",
    "http://opensource.org/licenses/MIT",
    "http://www.apache.org/licenses/LICENSE-2.0",
    "http://www.w3.org/2000/svg",
    "https://github.com/uuidjs/uuid#getrandomvalues-not-supported",
    "https://github.com/visjs",
    "https://github.com/zloirock/core-js",
    "https://github.com/zloirock/core-js/blob/v3.21.1/LICENSE",
    "https://visjs.github.io/vis-network/",
}
URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"'<>)]*""")


def hostile_map() -> tuple[nx.Graph, dict[str, tuple[float, float]]]:
    """A map whose every user string is an XSS payload."""
    docs = [Document(i + 1, f"{p} Sprachkurs", "demand", PAYLOADS[(i + 1) % 4])
            for i, p in enumerate(PAYLOADS)]
    themes = tuple(
        Theme(f"t{i + 1}", p, ((f"kw{i}{p}", 2.0),), (i + 1,)) for i, p in enumerate(PAYLOADS)
    )
    assignments = {
        i + 1: Assignment(i + 1, f"t{i + 1}", None, True, PAYLOADS[i], (f"kw{i}{p}",))
        for i, p in enumerate(PAYLOADS)
    }
    clustering = Clustering(themes, assignments, (), {})
    graph = build_concept_map(clustering, docs, settings=DisplaySettings(show_tables=True))
    return graph, compute_layout(graph)


def page_parts(page: str) -> tuple[str, str, str]:
    """(HTML outside scripts, the JSON data, the app script) with vis-network removed."""
    vendor = VIS_NETWORK_JS.read_text(encoding="utf-8")
    assert page.count(vendor) == 1
    rest = page.replace(vendor, "")
    data = re.search(r'<script type="application/json" id="harvest-data">(.*?)</script>', rest,
                     re.S)
    assert data is not None
    scripts = re.findall(r"<script>(.*?)</script>", rest, re.S)
    markup = re.sub(r"<script\b.*?</script>", "", rest, flags=re.S)
    return markup, data.group(1), "".join(scripts)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_vendored_vis_network_is_the_recorded_file() -> None:
    assert hashlib.sha256(VIS_NETWORK_JS.read_bytes()).hexdigest() == VENDOR_SHA256
    assert set(URL.findall(VIS_NETWORK_JS.read_text(encoding="utf-8"))) <= VENDOR_URLS | {
        "//almende.com", "//opensource.org/licenses/MIT"}


@pytest.mark.parametrize("dark", [False, True])
@pytest.mark.parametrize("standalone", [False, True])
def test_page_has_no_outside_url(dark: bool, standalone: bool) -> None:
    graph, positions = hostile_map()
    if standalone:
        page = render_standalone_html(graph, positions, title="T", subtitle="1.1.2026", dark=dark)
    else:
        page = render_html(graph, positions, title="T", dark=dark, highlight=["theme:t1"],
                           search="kw")
    markup, data, app = page_parts(page)
    assert URL.findall(markup + data + app) == []
    assert set(URL.findall(page)) <= VENDOR_URLS
    parser = Tags()
    parser.feed(page)
    for tag, attrs in parser.tags:
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            assert name not in attrs, (tag, attrs)
    assert "@import" not in markup and "url(" not in markup
    csp = next(a["content"] for t, a in parser.tags
               if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None and csp.startswith("default-src 'none'; script-src 'sha256-")
    assert "unsafe-inline" not in csp.split(";")[1] and "unsafe-eval" not in csp


def test_user_text_never_becomes_markup() -> None:
    graph, positions = hostile_map()
    page = render_html(graph, positions, title=PAYLOADS[1], subtitle=PAYLOADS[0])
    markup, data, _ = page_parts(page)
    for payload in PAYLOADS:
        assert payload not in markup
        assert payload not in data
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup  # heading, escaped
    assert "<" not in data and ">" not in data  # JSON cannot close its script element
    parsed = json.loads(data)
    tips = parsed["tips"]
    assert any(tip.startswith("Forderung: <img src=x onerror=alert(1)>") for tip in tips.values())
    # vis-network never gets a title (it would render it), only our textContent tooltip
    assert all("title" not in node for node in parsed["nodes"])
    parser = Tags()
    parser.feed(page)
    assert {t for t, _ in parser.tags} <= {
        "html", "head", "meta", "title", "style", "body", "header", "h1", "p", "div", "script",
        "ul", "li", "span", "b"}
    assert not [a for _, attrs in parser.tags for a in attrs if a.startswith("on")]


def test_positions_reach_vis_network_and_physics_is_off() -> None:
    clustering, docs = small_workshop()
    graph = build_concept_map(clustering, docs)
    positions = compute_layout(graph)
    _, data, _ = page_parts(render_html(graph, positions))
    parsed = json.loads(data)
    assert parsed["options"]["physics"] == {"enabled": False}
    nodes = {n["id"]: n for n in parsed["nodes"]}
    assert set(nodes) == set(graph)
    x, y = positions["theme:t1"]
    assert (nodes["theme:t1"]["x"], nodes["theme:t1"]["y"]) == (round(x * 3000, 2),
                                                                round(y * 3000, 2))
    assert all(n["physics"] is False for n in nodes.values())
    assert nodes["theme:t1"]["label"] == "Sprache"
    assert nodes["theme:t1"]["font"]["size"] == graph.nodes["theme:t1"]["font_size"]


def test_search_dims_the_rest_and_highlight_is_passed_on() -> None:
    clustering, docs = small_workshop()
    graph = build_concept_map(clustering, docs)
    positions = compute_layout(graph)
    # the keyword, the demand that says it, and the themes that list it as a keyword
    assert search_matches(graph, "  KITA ") == {"kw:kita", "demand:2", "theme:t1", "theme:t2"}
    assert search_matches(graph, "ausbildung") == {"kw:ausbildung", "theme:t2"}
    assert search_matches(graph, "") == set()
    _, data, _ = page_parts(render_html(graph, positions, search="kita",
                                        highlight=["kw:kita", "kw:nope"]))
    parsed = json.loads(data)
    nodes = {n["id"]: n for n in parsed["nodes"]}
    color = graph.nodes["kw:kita"]["color"]
    assert nodes["kw:kita"]["color"]["background"] == color
    assert nodes["kw:sprachkurs"]["color"]["background"] != graph.nodes["kw:sprachkurs"]["color"]
    assert parsed["highlight"] == ["kw:kita"]


def test_legend_lists_themes_and_shapes() -> None:
    clustering, docs = small_workshop()
    graph = build_concept_map(clustering, docs, language="en")
    page = render_html(graph, compute_layout(graph), language="en")
    legend = re.search(r'<div id="harvest-legend".*?</div>', page, re.S)
    assert legend is not None
    text = re.sub(r"<[^>]+>", " ", legend.group(0))
    assert text.split() == ["Themes", "Sprache", "3", "Arbeit", "2", "Other", "1",
                            "\u25cf", "Theme", "\u2022", "Keyword", "\u25c6", "Demand"]
    assert '<html lang="en">' in page


def test_page_is_utf8_and_keeps_umlauts() -> None:
    clustering, docs = small_workshop()
    graph = build_concept_map(clustering, docs)
    page = render_standalone_html(graph, compute_layout(graph), title="Zukunftswerkstatt Größe ß",
                                  subtitle="25.04.2026")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "Zukunftswerkstatt Größe ß" in page
    assert "Schlagwörter" in page
    page.encode("utf-8")


def test_nothing_is_written_to_the_working_directory(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    graph, positions = hostile_map()
    render_html(graph, positions, title="x")
    render_standalone_html(graph, positions, title="x")
    assert os.listdir(tmp_path) == []


def test_missing_position_or_bad_height_raise() -> None:
    graph, positions = hostile_map()
    with pytest.raises(ViewError):
        render_html(graph, {})
    with pytest.raises(ViewError):
        render_html(graph, positions, height_px=10)


def test_a_colour_that_is_not_hex_never_reaches_css() -> None:
    clustering, docs = small_workshop()
    graph = build_concept_map(clustering, docs)
    graph.nodes["theme:t1"]["color"] = "red;background-image:url(//evil.example/x.png)"
    page = render_html(graph, compute_layout(graph))
    assert "evil" not in page
    markup, data, _ = page_parts(page)
    assert "background:#B0B0B0" in markup


def test_a_lone_surrogate_does_not_break_the_page() -> None:
    clustering, docs = small_workshop()
    graph = build_concept_map(clustering, docs)
    graph.nodes["theme:t1"]["label"] = "kaputt \udc80"
    page = render_html(graph, compute_layout(graph), title="Titel \ud800")
    page.encode("utf-8")
    assert "Titel ?" in page
