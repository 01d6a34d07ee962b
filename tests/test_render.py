"""Poster export: PNG/SVG/PDF bytes that decode, at the asked size, with user text drawn
literally (no mathtext), the theme colours present, and no shared pyplot state."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import networkx as nx
import pytest
from PIL import Image

from harvest.conceptmap import build_concept_map
from harvest.conceptmap.layout import compute_layout
from harvest.conceptmap.render import (
    BARE_ASPECT,
    RenderError,
    render_pdf,
    render_png,
    render_svg,
)
from harvest.model import Assignment, Clustering, Document, Theme
from tests.test_conceptmap import small_workshop

REPO = Path(__file__).resolve().parents[1]
SVG_NS = "{http://www.w3.org/2000/svg}"


def tricky_map() -> tuple[nx.Graph, dict[str, tuple[float, float]]]:
    """Umlauts, ß, Cyrillic, dollar signs and markup in every kind of label."""
    docs = [
        Document(1, "Kosten $5 pro Kurs senken – Forderung", "demand", "Tisch <b>1</b>"),
        Document(2, "Größere Räume für Begegnung", None, "Tisch <b>1</b>"),
        Document(3, "Учебники на русском языке", None, "Тисч 2"),
    ]
    themes = (
        Theme("t1", "Größe & Maß $x^2$", (("räume", 2.0), ("$kosten$", 1.0)), (1, 2)),
        Theme("t2", "Учебники", (("учебники", 1.0),), (3,)),
    )
    assignments = {
        1: Assignment(1, "t1", None, True, "kind", ("$kosten$",)),
        2: Assignment(2, "t1", None, False, None, ("räume",)),
        3: Assignment(3, "t2", None, False, None, ("учебники",)),
    }
    graph = build_concept_map(Clustering(themes, assignments), docs)
    return graph, compute_layout(graph)


def colour_pixels(png: bytes) -> dict[tuple[int, int, int], int]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return {rgb: n for n, rgb in image.getcolors(maxcolors=1 << 24) or []}


def hex_rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


@pytest.mark.parametrize("width", [3508, 1600])
def test_png_has_the_asked_width_and_the_theme_colours(width: int) -> None:
    clustering, docs = small_workshop()
    graph = build_concept_map(clustering, docs)
    png = render_png(graph, compute_layout(graph), title="Werkstatt", subtitle="25.04.2026",
                     width_px=width)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (width, round(width / 2**0.5))
    pixels = colour_pixels(png)
    assert pixels[(255, 255, 255)] > width * width / 4  # light background
    for _, data in graph.nodes(data=True):
        if data["kind"] == "theme" and not data["is_other"]:
            assert pixels.get(hex_rgb(data["color"]), 0) > 50, data["label"]


def test_a_bare_picture_is_the_map_alone_drawn_larger_in_its_own_aspect() -> None:
    clustering, docs = small_workshop()
    graph = build_concept_map(clustering, docs)
    positions = compute_layout(graph)
    poster = render_png(graph, positions, title="Werkstatt", width_px=1400)
    bare = render_png(graph, positions, title="Werkstatt", width_px=1400, bare=True)
    width, height = Image.open(io.BytesIO(bare)).size
    assert width == 1400
    assert BARE_ASPECT[0] <= width / height <= BARE_ASPECT[1]
    assert height != round(width / 2**0.5)
    colours = [hex_rgb(d["color"]) for _, d in graph.nodes(data=True)
               if d["kind"] == "theme" and not d["is_other"]]
    big, small = colour_pixels(bare), colour_pixels(poster)
    # no heading and no legend: the same nodes take the whole width
    assert sum(big.get(c, 0) for c in colours) > 1.5 * sum(small.get(c, 0) for c in colours)
    image = Image.open(io.BytesIO(poster)).convert("L")
    heading = image.crop((0, 0, width // 2, round(0.1 * image.size[1])))
    assert heading.getextrema()[0] < 100  # the poster's title is dark ink up there
    top = Image.open(io.BytesIO(bare)).convert("L").crop((0, 0, width, 12))
    assert top.getextrema()[0] > 200  # the bare picture starts with the map's margin


def test_dark_variant_has_a_dark_background() -> None:
    graph, positions = tricky_map()
    png = render_png(graph, positions, title="Dunkel", width_px=800, dark=True)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.getpixel((2, 2)) == (0x16, 0x18, 0x1D)


def test_svg_is_xml_with_user_text_drawn_literally() -> None:
    graph, positions = tricky_map()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn
        svg = render_svg(graph, positions, title="Titel $\\alpha$ <script>", subtitle="ß")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    texts = {"".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")}
    assert "Titel $\\alpha$ <script>" in texts  # no mathtext, markup escaped by the writer
    assert "Größe & Maß $x^2$" in texts
    assert "$kosten$" in texts
    assert "Учебники" in texts
    assert not list(root.iter(f"{SVG_NS}script"))
    assert not list(root.iter(f"{SVG_NS}foreignObject"))


@pytest.mark.parametrize("paper", ["A4", "A3", "A1"])
def test_pdf_is_a_one_page_landscape_poster(paper: str) -> None:
    graph, positions = tricky_map()
    pdf = render_pdf(graph, positions, title="Plakat", subtitle="25.04.2026", paper=paper)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type/Page") <= 1
    assert b"/FontFile2" in pdf  # TrueType embedded, so it prints anywhere
    box = pdf.split(b"/MediaBox [")[1].split(b"]")[0].split()
    width_pt, height_pt = float(box[2]), float(box[3])
    assert width_pt > height_pt


def test_same_map_same_bytes_even_from_parallel_threads() -> None:
    graph, positions = tricky_map()
    def one(_: int) -> bytes:
        return render_png(graph, positions, title="Parallel", width_px=640)
    alone = one(0)
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(one, range(3)))
    assert together == [alone] * 3


def test_empty_map_still_renders() -> None:
    png = render_png(nx.Graph(), {}, title="Noch leer", width_px=640)
    assert Image.open(io.BytesIO(png)).size[0] == 640


def test_bad_arguments_raise_named_errors() -> None:
    graph, positions = tricky_map()
    with pytest.raises(RenderError):
        render_pdf(graph, positions, title="x", paper="Letter")
    with pytest.raises(RenderError):
        render_png(graph, positions, title="x", width_px=10)
    with pytest.raises(RenderError):
        render_svg(graph, {}, title="x")


def test_rendering_never_loads_pyplot() -> None:
    code = (
        "import sys\n"
        "from tests.test_render import tricky_map\n"
        "from harvest.conceptmap.render import render_png\n"
        "g, p = tricky_map()\n"
        "render_png(g, p, title='x', width_px=400)\n"
        "import matplotlib\n"
        "print('matplotlib.pyplot' in sys.modules, matplotlib.get_backend())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.lower().split() == ["false", "agg"]


def test_control_characters_and_lone_surrogates_keep_the_svg_well_formed() -> None:
    clustering, docs = small_workshop()
    themes = tuple(
        Theme(t.id, "Steuer\x07zeichen\x00 \ud800" if t.id == "t1" else t.label, t.keywords,
              t.statement_ids, t.is_other)
        for t in clustering.themes
    )
    graph = build_concept_map(Clustering(themes, clustering.assignments), docs)
    svg = render_svg(graph, compute_layout(graph), title="Titel\x1b[31m", subtitle="\x0c")
    root = ET.fromstring(svg)
    texts = " ".join(root.itertext())
    assert "Steuerzeichen" in texts and "[31m" in texts
