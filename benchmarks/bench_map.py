"""What drawing the concept map costs, and how calm it stays, beside baselines.

1. Render times (median of --repeat runs): graph build, layout, pyvis HTML, PNG (poster
   3508 px and screen 1600 px), SVG and PDF, for the demo workshop and for 10,000
   statements (German texts from ../shared/data: the Klimarat Polis comments and the
   Tempelhofer Feld proposals and comments; clustered by the keyword engine
   ``harvest.engine.themes`` when it is present, else by the stand-in ``clustering_by_table``).
   Baseline: pyvis' own path, ``Network.from_nx`` + ``generate_html`` with its default
   template (which also links Bootstrap from a CDN).
2. Layout calm: statements of the demo workshop arrive one at a time (the last --steps of
   them); for each arrival, the mean displacement of nodes that were already on the map,
   relative to the drawing's width. Baselines: ``nx.spring_layout`` recomputed from
   scratch (same seed), and ``nx.spring_layout`` warm-started from the previous positions.
3. HTML size (bytes) of the live page.
4. Chromium (headless, Debian's chromium via Playwright): time from loading the page to
   the map drawn and still, with 250 nodes; baseline: pyvis' default page (physics on)
   until vis-network's stabilisation ends and the nodes stop moving.

    .venv/bin/python benchmarks/bench_map.py [--repeat 3] [--steps 20] [--n 10000]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import networkx as nx  # noqa: E402

from benchmarks.timing import median_time  # noqa: E402
from harvest.conceptmap import (  # noqa: E402
    build_concept_map,
    clustering_by_table,
    theme_colors,
)
from harvest.conceptmap.html import render_html  # noqa: E402
from harvest.conceptmap.layout import CANVAS_PX, compute_layout, label_box  # noqa: E402
from harvest.conceptmap.render import render_pdf, render_png, render_svg  # noqa: E402
from harvest.model import Clustering, Document  # noqa: E402

DATA = ROOT / ".." / "shared" / "data"
DEMO = ROOT / "harvest" / "data" / "demo_workshop.json"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def demo_documents() -> list[Document]:
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    return [Document(i, s["text"], s.get("kind"), s.get("table"))
            for i, s in enumerate(data["statements"], start=1)]


def shared_documents(n: int) -> list[Document]:
    sources = [
        (DATA / "polis_klimarat_at_de" / "polis_klimarat_at_de_all.csv", "label"),
        (DATA / "thf_tempelhofer_feld_de" / "thf_proposals_de.csv", "label"),
        (DATA / "thf_tempelhofer_feld_de" / "thf_comments_de_weaklabel.csv", "label"),
    ]
    docs: list[Document] = []
    for path, table_column in sources:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                text = (row.get("text") or "").strip()
                if text:
                    docs.append(Document(len(docs) + 1, text[:1000], None,
                                         row.get(table_column) or None))
                if len(docs) >= n:
                    return docs
    # Fewer texts than asked: repeat them (as new statements) up to n.
    distinct = list(docs)
    while distinct and len(docs) < n:
        source = distinct[len(docs) % len(distinct)]
        docs.append(Document(len(docs) + 1, source.text, source.kind, source.table))
    return docs


def synthetic_documents(count: int) -> list[Document]:
    """25 tables with 12 distinct words each and every 11th a demand: a capped map."""
    def letters(number: int) -> str:
        word = ""
        while True:
            number, rest = divmod(number, 26)
            word += "abcdefghijklmnopqrstuvwxyz"[rest]
            if not number:
                return word

    return [Document(i, f"begriff{letters(i % 300)} bereich{letters(i % 25)}",
                     "demand" if i % 11 == 0 else None, f"Tisch {letters(i % 25)}")
            for i in range(1, count + 1)]


def engine() -> Callable[..., Clustering] | None:
    try:
        from harvest.engine.themes import detect_themes
    except ImportError:
        return None
    return detect_themes


def cluster(docs: list[Document], previous: Clustering | None = None) -> Clustering:
    detect = engine()
    if detect is None:
        return clustering_by_table(docs)
    return detect(docs, previous=previous, language="de", seed=0)


def pyvis_default_html(graph: nx.Graph) -> str:
    """pyvis' own way: from_nx, physics on, its template (no file written)."""
    from pyvis.network import Network

    plain = nx.Graph()
    for node, data in graph.nodes(data=True):
        plain.add_node(node, label=data["label"], title=data["title"], color=data["color"],
                       size=data["size"], shape=data["shape"])
    plain.add_edges_from(graph.edges())
    net = Network(height="720px", width="100%", cdn_resources="in_line")
    net.from_nx(plain)
    html: str = net.generate_html()
    return html


def render_times(label: str, docs: list[Document], repeat: int) -> dict[str, float]:
    print(f"\n## {label}: {len(docs)} statements")
    clustering_time, clustering = median_time(lambda: cluster(docs), 1)
    build_time, graph = median_time(lambda: build_concept_map(clustering, docs), repeat)
    layout_time, positions = median_time(lambda: compute_layout(graph), repeat)
    html_time, html = median_time(lambda: render_html(graph, positions, title=label), repeat)
    base_html_time, base_html = median_time(lambda: pyvis_default_html(graph), repeat)
    png_time, _ = median_time(lambda: render_png(graph, positions, title=label), repeat)
    png_screen_time, _ = median_time(
        lambda: render_png(graph, positions, title=label, width_px=1600), repeat)
    svg_time, _ = median_time(lambda: render_svg(graph, positions, title=label), repeat)
    pdf_time, _ = median_time(lambda: render_pdf(graph, positions, title=label), repeat)
    name = "engine" if engine() else "clustering_by_table (engine absent)"
    rows = [
        (f"clustering ({name}), once", clustering_time),
        (f"graph build ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)",
         build_time),
        ("layout, cold", layout_time),
        ("live HTML (render_html)", html_time),
        ("  baseline: pyvis from_nx + generate_html", base_html_time),
        ("PNG poster 3508 px", png_time),
        ("PNG screen 1600 px", png_screen_time),
        ("SVG A3", svg_time),
        ("PDF A3", pdf_time),
    ]
    for what, seconds in rows:
        print(f"  {what:<58} {seconds * 1000:9.1f} ms")
    print(f"  {'live HTML size':<58} {len(html.encode()) / 1024:9.1f} KiB")
    base_size = len(base_html.encode()) / 1024
    print(f"  {'  baseline: pyvis default HTML size':<58} {base_size:9.1f} KiB")
    return dict(rows)


def displacement(old: Mapping[str, tuple[float, float]], new: Mapping[str, Any],
                 only: set[str] | None = None) -> float:
    """Mean move of nodes in both layouts (or of ``only``), over the old drawing's width."""
    common = [n for n in old if n in new and (only is None or n in only)]
    if not common:
        return 0.0
    xs = [p[0] for p in old.values()]
    width = (max(xs) - min(xs)) or 1.0
    return sum(math.dist(old[n], tuple(new[n])) for n in common) / len(common) / width


def overlaps(graph: nx.Graph, positions: Mapping[str, tuple[float, float]]) -> int:
    """Pairs of nodes whose label boxes overlap."""
    scale = CANVAS_PX / 2
    boxes = []
    for node, data in graph.nodes(data=True):
        dx, dy, hw, hh = label_box(data)
        boxes.append((positions[node][0] * scale + dx, positions[node][1] * scale + dy, hw, hh))
    return sum(
        1
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if abs(a[0] - b[0]) < a[2] + b[2] and abs(a[1] - b[1]) < a[3] + b[3]
    )


def layout_calm(steps: int) -> None:
    docs = demo_documents()
    start = max(len(docs) - steps, 2)
    print(f"\n## Layout calm: demo workshop, statements {start + 1}..{len(docs)} arrive one by one")
    ours, ours_same, fresh, warm, rethemed = [], [], [], [], []
    previous_clustering = cluster(docs[:start])
    graph = build_concept_map(previous_clustering, docs[:start])
    positions = compute_layout(graph)
    spring = nx.spring_layout(graph, seed=0)
    spring_warm = dict(spring)
    for count in range(start + 1, len(docs) + 1):
        clustering = cluster(docs[:count], previous_clustering)
        new_graph = build_concept_map(clustering, docs[:count],
                                      previous_colors=theme_colors(graph))
        new_positions = compute_layout(new_graph, previous=positions)
        ours.append(displacement(positions, new_positions))
        common = [n for n in positions if n in new_graph]
        same = {n for n in common if new_graph.nodes[n]["theme"] == graph.nodes[n]["theme"]}
        rethemed.append(1 - len(same) / max(1, len(common)))
        ours_same.append(displacement(positions, new_positions, same))
        new_spring = nx.spring_layout(new_graph, seed=0)
        fresh.append(displacement(spring, new_spring))
        seeded = {n: spring_warm[n] for n in new_graph if n in spring_warm}
        new_warm = nx.spring_layout(new_graph, pos=seeded or None, seed=0)
        warm.append(displacement(spring_warm, new_warm))
        graph, positions, spring, spring_warm = new_graph, new_positions, new_spring, new_warm
        previous_clustering = clustering
    cold = compute_layout(graph)
    print(f"  label boxes overlapping after the arrivals: {overlaps(graph, positions)} "
          f"(a cold layout of the same map: {overlaps(graph, cold)}; "
          f"{graph.number_of_nodes()} nodes)")
    print(f"  nodes the engine moved to another theme per arrival: mean "
          f"{statistics.mean(rethemed) * 100:.1f} %, max {max(rethemed) * 100:.1f} %")
    for name, values in (("compute_layout, warm-started", ours),
                         ("  the same, nodes that kept their theme", ours_same),
                         ("  baseline: nx.spring_layout from scratch", fresh),
                         ("  baseline: nx.spring_layout warm-started (pos=)", warm)):
        print(f"  {name:<50} mean {statistics.mean(values) * 100:6.2f} %   "
              f"max {max(values) * 100:6.2f} %  of the drawing's width")


def chromium_times(repeat: int) -> None:
    path = os.environ.get("HARVEST_CHROMIUM") or shutil.which("chromium")
    if not path:
        print("\n## Chromium: not installed, skipped")
        return
    from playwright.sync_api import sync_playwright

    docs = synthetic_documents(4000)
    graph = build_concept_map(clustering_by_table(docs), docs)
    positions = compute_layout(graph)
    ours = render_html(graph, positions, title="250")
    baseline = pyvis_default_html(graph)
    print(f"\n## Chromium: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges, "
          f"median of {repeat}")
    positions_js = """() => {
        const net = window.harvest ? window.harvest.network : window.network;
        return net ? JSON.stringify(net.getPositions()) : null;
    }"""
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        for number, (name, html) in enumerate((
            ("Harvest view (positions given, physics off)", ours),
            ("  baseline: pyvis default page (physics layout)", baseline),
        )):
            file = Path(tmp) / f"map{number}.html"
            file.write_text(html, encoding="utf-8")
            drawn, still, in_page = [], [], []
            for _ in range(repeat):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.route("http*://**", lambda route: route.abort())
                start = time.perf_counter()
                page.goto(file.as_uri())
                if number == 0:
                    page.wait_for_function("window.harvest && window.harvest.firstDrawMs !== null")
                    drawn.append(time.perf_counter() - start)
                    # the page's own clock: navigation start to the first finished frame
                    in_page.append(page.evaluate("window.harvest.firstDrawMs") / 1000)
                # Still = positions unchanged over the next 3 polls 50 ms apart; the time
                # is taken at the first of those polls.
                last, same, since = None, 0, 0.0
                while same < 3 and time.perf_counter() - start < 120:
                    now = page.evaluate(positions_js)
                    if now is not None and now == last:
                        same += 1
                    else:
                        last, same, since = now, 0, time.perf_counter()
                    page.wait_for_timeout(50)
                still.append(since - start)
                page.close()
            first = (f"first drawn {statistics.median(drawn) * 1000:5.0f} ms "
                     f"(in-page {statistics.median(in_page) * 1000:4.0f} ms), ") if drawn else ""
            print(f"  {name:<50} {first}still {statistics.median(still) * 1000:7.0f} ms")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    print("# bench_map:", "keyword engine present" if engine() else "keyword engine ABSENT")
    render_times("Demo workshop", demo_documents(), args.repeat)
    if DATA.exists():
        render_times(f"{args.n} statements (shared data)", shared_documents(args.n), args.repeat)
    else:
        print(f"\n(shared data missing at {DATA}: 10,000-statement run skipped)")
    layout_calm(args.steps)
    chromium_times(args.repeat)


if __name__ == "__main__":
    main()
