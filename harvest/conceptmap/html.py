"""The live concept map as one self-contained, safe HTML page (pyvis + vis-network).

pyvis assembles the vis-network nodes and edges from the concept map; the page around
them is ours, because pyvis 0.3.2's own template links Bootstrap from a CDN even with
``cdn_resources="in_line"``, does not escape its heading, and shows node titles as HTML.
What this module guarantees:

- Offline: vis-network is inlined from ``harvest/assets`` (vendored, see its README);
  the page references no outside host, and a Content-Security-Policy forbids any
  request (``default-src 'none'``) and any script but the page's own (by hash).
- Safe: user text (statements, theme and table names, the heading) never becomes
  markup. Graph data travels as JSON inside a non-executed ``<script
  type="application/json">`` with ``<``, ``>`` and ``&`` escaped; hover texts are put into
  the tooltip with ``textContent``; vis-network never receives a ``title``.
- Still: physics is off and every node sits at the position computed in Python, so the
  browser does no layout and the map does not move when it is redrawn.
- Nothing is written to disk: pyvis' ``write_html``/``show`` (which copy a ``lib/``
  folder into the working directory) are never called.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
from pyvis.network import Network

from harvest.conceptmap.graph import legend_themes, present_kinds
from harvest.conceptmap.layout import canvas_extent
from harvest.conceptmap.style import (
    PICTURE_DISC,
    SHAPE_GLYPHS,
    draw_rank,
    map_colors,
    mix,
)
from harvest.i18n import theme_name, translate
from harvest.safety import safe_color

ASSETS = Path(__file__).parent.parent / "assets"
VIS_NETWORK_JS = ASSETS / "vis-network-9.1.2.min.js"

_EDGE_STYLE: dict[str, dict[str, Any]] = {
    "has_keyword": {"width": 2.5, "dashes": False},
    "demand_of": {"width": 2.0, "dashes": [8, 6]},
    "cooccurs": {"width": 1.5, "dashes": [2, 6]},
    "fed": {"width": 1.2, "dashes": [12, 8]},
}


class ViewError(ValueError):
    """The map cannot be turned into HTML with these arguments."""


@lru_cache(maxsize=1)
def _vis_js() -> str:
    return VIS_NETWORK_JS.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def vis_network_integrity() -> str:
    """The Subresource Integrity value of the vendored vis-network build (for a page that
    loads it from the app's own static folder instead of carrying it inline)."""
    digest = hashlib.sha384(VIS_NETWORK_JS.read_bytes()).digest()  # the file as served
    return "sha384-" + base64.b64encode(digest).decode("ascii")


def script_json(value: object) -> str:
    """JSON that can sit inside a ``<script>`` element without ever closing it."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def csp_hash(script: str) -> str:
    """The Content-Security-Policy source that allows exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def search_matches(graph: nx.Graph, search: str) -> set[str]:
    """Node ids whose label or hover text contains ``search`` (case-insensitive)."""
    needle = " ".join(search.split()).casefold()
    if not needle:
        return set()
    return {
        str(node)
        for node, data in graph.nodes(data=True)
        if needle in str(data.get("name", data.get("label", ""))).casefold()
        or needle in str(data.get("title", "")).casefold()
    }


def _network(
    graph: nx.Graph,
    positions: Mapping[str, tuple[float, float]],
    *,
    dark: bool,
    highlight: Collection[str],
    search: str,
    language: str,
) -> tuple[Network, dict[str, str]]:
    """The pyvis network (nodes, edges) and the hover texts, kept apart from it."""
    palette = map_colors(dark)
    missing = [node for node in graph if node not in positions]
    if missing:
        raise ViewError(f"no position for {len(missing)} node(s), e.g. {missing[0]!r}")
    half = canvas_extent() / 2
    matches = search_matches(graph, search)
    dim = bool(search.strip())
    marked = set(highlight)
    net = Network(height="100%", width="100%", bgcolor=palette["bg"], cdn_resources="in_line")
    tips: dict[str, str] = {}
    for node in sorted(graph, key=lambda n: draw_rank(graph.nodes[n].get("kind"))):
        data = graph.nodes[node]
        node_id = str(node)
        color = safe_color(data.get("color"))
        font_color = palette["muted"] if data.get("is_other") else palette["fg"]
        faded = dim and node_id not in matches
        if faded:
            color = mix(color, palette["bg"], 0.75)
            font_color = mix(font_color, palette["bg"], 0.7)
        border = palette["fg"] if data.get("kind") == "theme" else palette["bg"]
        if node_id in matches or node_id in marked:
            border = palette["fg"]
        x, y = positions[node_id]
        tips[node_id] = str(data.get("title", ""))
        # pyvis falls back to the node id for an empty label; a blank space shows nothing.
        label = str(data.get("label", "")) or " "
        if data.get("kind") == "theme":  # the screen's language, as in the list beside it
            label = theme_name(label, bool(data.get("is_other")), language)
        net.add_node(
            node_id,
            label=label,
            shape=str(data.get("shape", "dot")),
            color={"background": color, "border": border,
                   "highlight": {"background": color, "border": palette["fg"]},
                   "hover": {"background": color, "border": palette["fg"]}},
            size=float(data.get("size", 10.0)),
            x=round(float(x) * half, 2),
            y=round(float(y) * half, 2),
            physics=False,
            borderWidth=3 if node_id in matches or data.get("kind") == "theme" else 1.5,
            font={
                # The layout kept label boxes apart at this size: never scale it here.
                "size": float(data.get("font_size", 20.0)),
                "color": font_color,
                "face": "DejaVu Sans, Verdana, Arial, sans-serif",
                "strokeWidth": 6,
                "strokeColor": palette["bg"],
                "bold": {"color": font_color},
                "multi": False,
            },
            opacity=0.6 if data.get("is_other") else 1.0,
        )
    for a, b, data in sorted(graph.edges(data=True), key=lambda e: (str(e[0]), str(e[1]))):
        kind = str(data.get("kind", ""))
        style = _EDGE_STYLE.get(kind, {"width": 1.0, "dashes": False})
        if kind in ("has_keyword", "demand_of"):
            end = a if graph.nodes[a].get("kind") == "theme" else b
            color = safe_color(graph.nodes[end].get("color"), palette["edge"])
        else:
            color = palette["edge"]
        if dim and not (str(a) in matches or str(b) in matches):
            color = mix(color, palette["bg"], 0.8)
        net.add_edge(str(a), str(b), color={"color": color, "opacity": 0.6},
                     width=style["width"], dashes=style["dashes"], smooth=False)
    return net, tips


def _pictures(graph: nx.Graph) -> dict[str, str]:
    """Theme node id -> its pictogram as a data: URI (the page loads nothing from outside)."""
    from harvest.pictograms import data_uri, is_known

    return {
        str(node): data_uri(str(data["pictogram"]))
        for node, data in graph.nodes(data=True)
        if data.get("kind") == "theme" and data.get("pictogram")
        and is_known(str(data["pictogram"]))
    }

_OPTIONS: dict[str, Any] = {
    "physics": {"enabled": False},
    "layout": {"randomSeed": 0, "improvedLayout": False},
    "interaction": {
        "hover": True,
        "dragNodes": False,
        "dragView": True,
        "zoomView": True,
        "navigationButtons": False,
        "keyboard": False,
        "tooltipDelay": 120,
        "hideEdgesOnDrag": False,
    },
    "edges": {"smooth": False, "selectionWidth": 0},
    "nodes": {"labelHighlightBold": False},
}

# The page's one script besides vis-network. Hover texts go in with textContent only.
_APP_JS = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("harvest-data").textContent);
  var container = document.getElementById("harvest-map");
  var tip = document.getElementById("harvest-tip");
  var state = {ready: false, firstDrawMs: null, drawCount: 0, network: null};
  window.harvest = state;
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, data.options);
  state.network = network;
  network.on("afterDrawing", function (ctx) {
    state.drawCount += 1;
    if (state.firstDrawMs === null) { state.firstDrawMs = performance.now(); }
    drawPictures(ctx);
    drawHalos(ctx);
  });
  // Theme pictograms (OpenMoji, data: URIs) on a light disc inside the theme's dot.
  var pictures = {};
  Object.keys(data.pictures).forEach(function (id) {
    var img = new Image();
    img.onload = function () { network.redraw(); };
    img.src = data.pictures[id];
    pictures[id] = img;
  });
  function drawPictures(ctx) {
    var ids = Object.keys(pictures);
    if (!ids.length) { return; }
    var where = network.getPositions(ids);
    ids.forEach(function (id) {
      var img = pictures[id], p = where[id], node = nodes.get(id);
      if (!p || !node || !img.complete || !img.naturalWidth) { return; }
      var r = (node.size || 30) * 0.8;
      ctx.beginPath();
      ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
      ctx.fillStyle = data.pictureDisc;
      ctx.fill();
      ctx.drawImage(img, p.x - r * 0.85, p.y - r * 0.85, r * 1.7, r * 1.7);
    });
  }
  // On a phone the whole map fitted in would make every label a few pixels high: start
  // at a zoom where theme names read (about 16 px) and let people pan and pinch from there.
  function frame() {
    network.fit({animation: false});
    if (window.innerWidth < data.narrowPx && network.getScale() < data.minScale) {
      network.moveTo({scale: data.minScale, position: network.getViewPosition(),
                      animation: false});
    }
  }
  frame();
  // The frame may get its final size only after the first draw (Streamlit sizes its
  // iframes late): fit again then, so the map always fills the space it has.
  window.addEventListener("resize", frame);
  state.ready = true;

  function showTip(nodeId, pointer) {
    var text = data.tips[nodeId];
    if (typeof text !== "string" || text === "") { return; }
    tip.textContent = text;
    tip.style.display = "block";
    var box = tip.parentNode.getBoundingClientRect();
    var left = Math.min(pointer.x + 16, box.width - tip.offsetWidth - 8);
    var top = Math.min(pointer.y + 16, box.height - tip.offsetHeight - 8);
    tip.style.left = Math.max(4, left) + "px";
    tip.style.top = Math.max(4, top) + "px";
  }
  network.on("hoverNode", function (params) { showTip(params.node, params.pointer.DOM); });
  network.on("blurNode", function () { tip.style.display = "none"; });
  // Phones and tablets have no hover: a tap on a node shows its text, elsewhere hides it.
  network.on("click", function (params) {
    if (params.nodes.length) { showTip(params.nodes[0], params.pointer.DOM); }
    else { tip.style.display = "none"; }
  });
  network.on("dragStart", function () { tip.style.display = "none"; });
  network.on("zoom", function () { tip.style.display = "none"; });

  // New nodes pulse for a few seconds, then the map is still again.
  var halos = data.highlight.filter(function (id) { return nodes.get(id) !== null; });
  var haloUntil = performance.now() + data.haloMs;
  function drawHalos(ctx) {
    if (!halos.length) { return; }
    var now = performance.now();
    if (now > haloUntil) { return; }
    var phase = (Math.sin(now / 220) + 1) / 2;
    var where = network.getPositions(halos);
    halos.forEach(function (id) {
      var node = nodes.get(id);
      var p = where[id];
      if (!p) { return; }
      ctx.beginPath();
      ctx.arc(p.x, p.y, (node.size || 10) + 10 + 10 * phase, 0, 2 * Math.PI);
      ctx.lineWidth = 6;
      ctx.strokeStyle = data.haloColor;
      ctx.globalAlpha = 0.35 + 0.5 * phase;
      ctx.stroke();
      ctx.globalAlpha = 1;
    });
    window.requestAnimationFrame(function () { network.redraw(); });
  }
})();
"""


def shape_marks_html(graph: nx.Graph, language: str) -> str:
    """One ``<li>`` per kind of node the map has: its glyph and its name (escaped)."""
    return "".join(
        f'<li><span class="gl">{SHAPE_GLYPHS[k]}</span>'
        f'{html.escape(translate(f"shape.{k}", language))}</li>'
        for k in present_kinds(graph)
    )


def pictogram_credit_html(language: str, codes: Iterable[str | None]) -> str:
    """The pictograms' credit line (CC BY-SA asks for it wherever they are shown), or ""
    when none of ``codes`` is a pictogram."""
    from harvest.pictograms import credit_line

    line = credit_line(language, codes)
    return f'<p class="credit">{html.escape(line)}</p>' if line else ""


def _legend_html(graph: nx.Graph, language: str, themes_listed: bool = True) -> str:
    themes = legend_themes(graph)
    marks = shape_marks_html(graph, language)
    # CC BY-SA: the pictograms' credit travels with them
    credit = pictogram_credit_html(language, (d.get("pictogram") for d in themes))
    if not themes_listed:  # the page around the map lists the themes: shapes only, one row
        return (f'<div id="harvest-legend" class="compact"><ul class="kinds">{marks}</ul>'
                f"{credit}</div>")
    rows = []
    for data in themes[:16]:
        rows.append(
            '<li title="{label}"><span class="sw" style="background:{color}"></span>{label} '
            '<span class="n">{count}</span></li>'.format(
                color=safe_color(data.get("color")),
                label=html.escape(str(data.get("name", data.get("label", ""))), quote=True),
                count=int(data.get("count", 0)),
            )
        )
    if len(themes) > 16:
        rows.append(f'<li class="n">+ {len(themes) - 16}</li>')
    heading = translate("map.themes", language)
    return (
        f'<div id="harvest-legend" aria-label="{heading}"><b>{heading}</b>'
        f'<ul>{"".join(rows)}</ul><ul class="kinds">{marks}</ul>{credit}</div>'
    )


def _demands_html(demands: Sequence[tuple[str, str]], heading: str) -> str:
    """The top demands in full words below the map: the map's diamonds carry only a few
    words each, too small to read from the back of a hall."""
    if not demands:
        return ""
    items = "".join(
        f'<li style="border-color:{safe_color(color)}">{html.escape(text)}</li>'
        for text, color in demands
    )
    title = f"<h2>{html.escape(heading)}</h2>" if heading else ""
    return f'<section id="harvest-demands">{title}<ul>{items}</ul></section>'


@dataclass(frozen=True)
class _Content:
    """What the page shows besides the map: heading, marked nodes, search, legend, demands."""

    title: str
    subtitle: str
    language: str
    highlight: Collection[str] = ()
    """node ids that pulse for a few seconds"""
    search: str = ""
    legend_themes: bool = True
    """the legend lists the themes (False: shapes only, in one row under the map)"""
    demands: Sequence[tuple[str, str]] = ()
    """(text, colour) pairs listed in full below the map"""
    demands_heading: str = ""


def _payload(
    graph: nx.Graph, positions: Mapping[str, tuple[float, float]], content: _Content, dark: bool
) -> dict[str, Any]:
    """What the page's script reads: nodes, edges, options, hover texts, halos, pictures."""
    net, tips = _network(graph, positions, dark=dark, highlight=content.highlight,
                         search=content.search, language=content.language)
    nodes, edges, _heading, _height, _width, _options = net.get_network_data()
    return {
        "nodes": nodes,
        "edges": edges,
        "options": _OPTIONS,
        "tips": tips,
        "highlight": sorted(str(h) for h in content.highlight if h in graph),
        "haloMs": 6000,
        "narrowPx": 640,
        "minScale": 0.34,  # theme labels 48 px on the reference canvas -> 16 px
        "haloColor": map_colors(dark)["fg"],
        "pictures": _pictures(graph),
        "pictureDisc": PICTURE_DISC,
    }


def _csp(vis_src: str | None) -> str:
    """The page's Content-Security-Policy: no requests, no script but its own."""
    # Inline by default (a file that works anywhere, offline); the live board may load the
    # same bytes once from its own server instead, pinned by their integrity hash.
    vis_source = csp_hash(_vis_js()) if vis_src is None else "'self'"
    return (
        "default-src 'none'; "
        f"script-src {vis_source} {csp_hash(_APP_JS)}; "
        "style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )


def _header_html(title: str, subtitle: str) -> str:
    """Title and subtitle above the map (nothing when both are empty)."""
    if not title and not subtitle:
        return ""
    return (
        '<header id="harvest-head">'
        + (f"<h1>{html.escape(title)}</h1>" if title else "")
        + (f'<p class="sub">{html.escape(subtitle)}</p>' if subtitle else "")
        + "</header>"
    )


@dataclass(frozen=True)
class _Look:
    """How the page looks and where vis-network comes from."""

    dark: bool
    """the dark palette (light otherwise)"""
    presentation: bool
    """larger heading, legend and hover text for a projector"""
    height_css: str
    """the map's CSS height; ``100vh``: it fills the frame"""
    standalone: bool
    """a downloaded file: the body takes the whole window"""
    vis_src: str | None = None
    """vis-network's URL on the app's own server (None: inline in the page)"""


def _style(look: _Look) -> str:
    """The page's CSS: heading, map, demands, hover text and legend."""
    palette = map_colors(look.dark)
    scale = 1.35 if look.presentation else 1.0
    fill = look.height_css == "100vh"
    return f"""
html, body {{ margin: 0; padding: 0; background: {palette["bg"]}; color: {palette["fg"]};
  font-family: "DejaVu Sans", Verdana, Arial, sans-serif; }}
body {{ display: flex; flex-direction: column;
  {"height: 100vh;" if look.standalone or fill else ""} }}
#harvest-head {{ padding: 10px 18px 4px 18px; }}
#harvest-head h1 {{ font-size: {round(28 * scale)}px; margin: 0; line-height: 1.2; }}
#harvest-head .sub {{ font-size: {round(17 * scale)}px; margin: 2px 0 0 0;
  color: {palette["muted"]}; }}
#harvest-wrap {{ position: relative; display: flex; flex: 1 1 auto;
  {"" if fill else f"height: {look.height_css};"} min-height: 160px; }}
#harvest-demands {{ flex: 0 0 auto; margin: 0; padding: 0.5vh 12px 0.8vh 12px;
  border-top: 1px solid {palette["border"]}; font-size: clamp(13px, 2.3vh, 30px);
  line-height: 1.25; }}
@media (max-height: 420px) {{ #harvest-demands {{ display: none; }} }}
@media (max-width: 640px) {{ #harvest-legend.compact {{ font-size: 12px; }} }}
#harvest-demands h2 {{ font-size: 1em; margin: 0 0 0.25em 0; color: {palette["muted"]};
  font-weight: 700; }}
#harvest-demands ul {{ list-style: none; margin: 0; padding: 0; }}
#harvest-demands li {{ margin: 0 0 0.3em 0; padding-left: 0.55em; border-left: 0.3em solid;
  overflow-wrap: anywhere; }}
#harvest-canvas {{ position: relative; flex: 1 1 auto; min-width: 0; }}
#harvest-map {{ position: absolute; inset: 0; }}
#harvest-tip {{ position: absolute; display: none; z-index: 10; max-width: 420px;
  white-space: pre-line; overflow-wrap: anywhere; pointer-events: none;
  background: {palette["panel"]}; color: {palette["fg"]}; border: 1px solid {palette["border"]};
  border-radius: 6px; padding: 8px 10px; font-size: {round(16 * scale)}px; line-height: 1.35;
  box-shadow: 0 2px 10px rgba(0,0,0,0.25); }}
{_legend_css(palette, scale)}.vis-tooltip {{ display: none !important; }}
"""


def _legend_css(palette: Mapping[str, str], scale: float) -> str:
    """The legend's CSS (beside the map, or as one ``compact`` row under it: never over
    the map, where it hid the nodes near the bottom edge)."""
    return f"""#harvest-legend {{ flex: 0 0 auto; width: {round(230 * scale)}px; overflow-y: auto;
  border-left: 1px solid {palette["border"]}; padding: 10px 12px;
  font-size: {round(15 * scale)}px; }}
#harvest-legend ul {{ list-style: none; margin: 4px 0 0 0; padding: 0; }}
#harvest-legend li {{ margin: 2px 0; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }}
#harvest-legend .sw {{ display: inline-block; width: 0.9em; height: 0.9em; border-radius: 50%;
  margin-right: 6px; vertical-align: -0.1em; border: 1px solid {palette["fg"]}; }}
#harvest-legend .gl {{ display: inline-block; width: 1.2em; color: {palette["muted"]}; }}
#harvest-legend .n {{ color: {palette["muted"]}; }}
#harvest-legend .kinds {{ margin-top: 6px; }}
#harvest-legend .credit {{ margin: 8px 0 0 0; font-size: 11px; color: {palette["muted"]};
  white-space: normal; }}
#harvest-wrap.stacked {{ flex-direction: column; }}
#harvest-legend.compact {{ width: auto; border: none; padding: 2px 10px 4px 10px;
  display: flex; flex-wrap: wrap; align-items: baseline; gap: 2px 22px; overflow: hidden; }}
#harvest-legend.compact ul {{ display: flex; gap: 14px; margin: 0; }}
#harvest-legend.compact .credit {{ margin: 0; }}
"""


def _scripts_html(vis_src: str | None) -> str:
    """vis-network (inline, or from ``vis_src`` pinned by its hash) and the page's script."""
    if vis_src is None:
        vis = f"<script>{_vis_js()}</script>"
    else:
        vis = (f'<script src="{html.escape(vis_src, quote=True)}" '
               f'integrity="{vis_network_integrity()}"></script>')
    return vis + f"<script>{_APP_JS}</script>"


def _page(
    graph: nx.Graph, positions: Mapping[str, tuple[float, float]], content: _Content, look: _Look
) -> str:
    """The whole HTML document of the map."""
    data = script_json(_payload(graph, positions, content, look.dark))  # checks positions
    # a legend of shapes only is one row under the map (stacked), a full one beside it
    wrap = '<div id="harvest-wrap">' if content.legend_themes else \
        '<div id="harvest-wrap" class="stacked">'
    page = (
        "<!DOCTYPE html>\n"
        f'<html lang="{"en" if content.language == "en" else "de"}"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" '
        f'content="{html.escape(_csp(look.vis_src), quote=True)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{html.escape(content.title or 'Harvest')}</title>"
        f"<style>{_style(look)}</style></head><body>"
        f"{_header_html(content.title, content.subtitle)}"
        f'{wrap}<div id="harvest-canvas"><div id="harvest-map"></div>'
        f'<div id="harvest-tip" role="tooltip"></div></div>'
        f"{_legend_html(graph, content.language, content.legend_themes)}</div>"
        f"{_demands_html(content.demands, content.demands_heading)}"
        f'<script type="application/json" id="harvest-data">{data}</script>'
        f"{_scripts_html(look.vis_src)}"
        "</body></html>\n"
    )
    # A lone surrogate (from badly decoded input) cannot be sent as UTF-8: make it "?".
    return page.encode("utf-8", errors="replace").decode("utf-8")


def render_html(
    graph: nx.Graph,
    positions: Mapping[str, tuple[float, float]],
    *,
    title: str = "",
    subtitle: str = "",
    dark: bool = False,
    presentation: bool = False,
    highlight: Collection[str] = (),
    search: str = "",
    language: str = "de",
    height_px: int = 720,
    legend_themes: bool = True,
    vis_src: str | None = None,
    fill: bool = False,
    demands: Sequence[tuple[str, str]] = (),
    demands_heading: str = "",
) -> str:
    """The interactive map as a complete HTML document (for ``st.iframe``).

    ``highlight``: node ids that pulse for a few seconds (new keywords and demands).
    ``search``: a word; nodes whose label or hover text contains it stay bright and get a
    thick border, the rest are dimmed. ``presentation``: larger heading, legend and hover
    text for a projector (map labels keep the size the layout made room for).
    ``fill``: the map fills the frame's height, whatever the page makes it (presentation
    mode sizes the frame to the screen). ``demands``: (text, colour) pairs listed in full
    below the map under ``demands_heading``.
    """
    if not 120 <= height_px <= 10000:
        raise ViewError("height_px must be between 120 and 10000")
    content = _Content(title, subtitle, language, highlight=highlight, search=search,
                       legend_themes=legend_themes, demands=demands,
                       demands_heading=demands_heading)
    look = _Look(dark, presentation, "100vh" if fill else f"{height_px}px", standalone=False,
                 vis_src=vis_src)
    return _page(graph, positions, content, look)


def render_standalone_html(
    graph: nx.Graph,
    positions: Mapping[str, tuple[float, float]],
    *,
    title: str,
    subtitle: str = "",
    dark: bool = False,
    language: str = "de",
) -> str:
    """The same offline view as a file to download: title and date above a full-window map."""
    return _page(graph, positions, _Content(title, subtitle, language),
                 _Look(dark, presentation=False, height_css="auto", standalone=True))
