"""The concept map as a poster: PNG, SVG and PDF bytes, drawn by matplotlib.

The "graphical harvest" of a workshop: the same positions, colours, shapes and labels
as the live view (all read from the graph built by ``conceptmap.build_concept_map``),
with title, date line and legend (or, as a bare PNG, the map alone). No browser is
involved. Every call builds its own ``matplotlib.figure.Figure`` on the Agg canvas (no
pyplot, so no global figure state shared between Streamlit sessions), and user text is
drawn as plain text: mathtext is off for every string (``parse_math=False``) and TeX is
never used.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

import matplotlib

matplotlib.use("Agg")  # explicit: a server has no display, and no GUI backend may load

import networkx as nx  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle, Patch, RegularPolygon  # noqa: E402

from harvest.conceptmap.graph import legend_themes, present_kinds  # noqa: E402
from harvest.conceptmap.layout import canvas_extent, label_box  # noqa: E402
from harvest.conceptmap.style import MARKERS, OTHER_COLOR, SHAPES, draw_rank, map_colors  # noqa: E402
from harvest.formats import PAPER_MM  # noqa: E402
from harvest.i18n import plural, translate  # noqa: E402
from harvest.safety import printable  # noqa: E402

FONT = "DejaVu Sans"
"""Ships with matplotlib and covers umlauts, ß, Greek and Cyrillic."""



class RenderError(ValueError):
    """The map cannot be drawn with these arguments."""


def render_png(
    graph: nx.Graph,
    positions: Mapping[str, tuple[float, float]],
    *,
    title: str,
    subtitle: str = "",
    width_px: int = 3508,
    dark: bool = False,
    language: str = "de",
    bare: bool = False,
) -> bytes:
    """A PNG poster ``width_px`` wide (A-paper aspect, 3508 px = A4 at 300 dpi).

    ``bare``: the map alone, without title and legend, in the map's own aspect (within
    ``BARE_ASPECT``), for a page that shows title and theme list itself: on a phone the
    map then takes the whole width and its words are half as large again."""
    if not 320 <= width_px <= 20000:
        raise RenderError("width_px must be between 320 and 20000")
    dpi = 100.0
    height_px = round(width_px / (_bare_aspect(graph, positions) if bare else math.sqrt(2)))
    figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    _draw(figure, graph, positions, title=title, subtitle=subtitle, dark=dark, language=language,
          bare=bare)
    return save_figure(figure, "png", dpi=dpi)


BARE_ASPECT = (0.9, 1.8)
"""Width : height of a bare map picture, at the least and at the most (a map of one
theme is not drawn as a tall strip, nor a wide one as a ribbon)."""


def _bare_aspect(graph: nx.Graph, positions: Mapping[str, tuple[float, float]]) -> float:
    left, right, top, bottom = _bounds(graph, _points(graph, positions))
    low, high = BARE_ASPECT
    return min(high, max(low, (right - left) / max(bottom - top, 1.0)))


def render_svg(
    graph: nx.Graph,
    positions: Mapping[str, tuple[float, float]],
    *,
    title: str,
    subtitle: str = "",
    paper: str = "A3",
    dark: bool = False,
    language: str = "de",
) -> bytes:
    """An SVG poster of ``paper`` size; text stays text (selectable, searchable)."""
    return _paper_poster(graph, positions, "svg", title, subtitle, paper, dark, language)


def render_pdf(
    graph: nx.Graph,
    positions: Mapping[str, tuple[float, float]],
    *,
    title: str,
    subtitle: str = "",
    paper: str = "A3",
    dark: bool = False,
    language: str = "de",
) -> bytes:
    """A one-page landscape PDF poster of ``paper`` size (A0 to A4), fonts embedded."""
    return _paper_poster(graph, positions, "pdf", title, subtitle, paper, dark, language)


def _paper_poster(
    graph: nx.Graph, positions: Mapping[str, tuple[float, float]], fmt: str, title: str,
    subtitle: str, paper: str, dark: bool, language: str,
) -> bytes:
    figure = _paper_figure(paper)
    _draw(figure, graph, positions, title=title, subtitle=subtitle, dark=dark, language=language)
    return save_figure(figure, fmt, dpi=72.0)


def _paper_figure(paper: str) -> Figure:
    if paper not in PAPER_MM:
        raise RenderError(f"unknown paper size {paper!r}; use one of {', '.join(PAPER_MM)}")
    width_mm, height_mm = PAPER_MM[paper]
    return Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=72.0)


def save_figure(figure: Figure, fmt: str, *, dpi: float, png_level: int | None = None) -> bytes:
    """``figure`` as PNG, SVG or PDF bytes (``png_level``: zlib level for PNG)."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    # TrueType embedding in PDF and real <text> in SVG; set per call, restored after.
    with matplotlib.rc_context({"pdf.fonttype": 42, "svg.fonttype": "none", "text.usetex": False}):
        extra: dict[str, Any] = (
            {"pil_kwargs": {"compress_level": png_level}} if fmt == "png" and png_level else {}
        )
        figure.savefig(
            buffer,
            format=fmt,
            dpi=dpi,
            facecolor=figure.get_facecolor(),
            metadata={"Creator": "Harvest"} if fmt in ("pdf", "svg") else None,
            **extra,
        )
    return buffer.getvalue()


def _text(ax: object, x: float, y: float, text: str, **kwargs: object) -> None:
    # One place that guarantees user strings are never read as mathtext or TeX, and
    # hold only characters every output format can carry.
    ax.text(x, y, printable(text), parse_math=False, usetex=False,  # type: ignore[attr-defined]
            fontfamily=FONT, **kwargs)


_MAP_AXES = (0.02, 0.03, 0.74, 0.82)
"""Where the map sits in the figure (left, bottom, width, height); the legend is right."""
_BARE_AXES = (0.01, 0.01, 0.98, 0.98)
"""... and in a bare picture, which has no heading and no legend."""


def _points(
    graph: nx.Graph, positions: Mapping[str, tuple[float, float]]
) -> dict[str, tuple[float, float]]:
    """Each node's place on the canvas (positions are in -1..1)."""
    missing = [node for node in graph if node not in positions]
    if missing:
        raise RenderError(f"no position for {len(missing)} node(s), e.g. {missing[0]!r}")
    half = canvas_extent() / 2
    return {node: (float(positions[node][0]) * half, float(positions[node][1]) * half)
            for node in graph}


def _draw(
    figure: Figure,
    graph: nx.Graph,
    positions: Mapping[str, tuple[float, float]],
    *,
    title: str,
    subtitle: str,
    dark: bool,
    language: str,
    bare: bool = False,
) -> None:
    """Draw the map onto ``figure``: heading, nodes over edges, and the legend beside
    (``bare``: the map alone)."""
    points = _points(graph, positions)
    theme = map_colors(dark)
    figure.set_facecolor(theme["bg"])
    width_in = figure.get_size_inches()[0]
    unit = width_in * 72.0 / 100.0  # one "poster point": 1 % of the width, in pt
    if not bare:
        _heading(figure, title, subtitle, theme, unit)
    where = _BARE_AXES if bare else _MAP_AXES
    ax = figure.add_axes(where)
    ax.set_axis_off()
    ax.set_facecolor(theme["bg"])
    pt_per_px = _frame(figure, ax, graph, points, where)
    _edges(ax, graph, points, theme, pt_per_px)
    _nodes(ax, graph, points, theme, pt_per_px)
    if not bare:
        _legend(figure, graph, theme, unit, language)


def _heading(
    figure: Figure, title: str, subtitle: str, theme: Mapping[str, str], unit: float
) -> None:
    """Title and (if any) subtitle in the top left corner."""
    _text(figure, 0.03, 0.955, title or "", fontsize=3.2 * unit, fontweight="bold",
          color=theme["fg"], va="top", ha="left", transform=figure.transFigure)
    if subtitle:
        _text(figure, 0.03, 0.89, subtitle, fontsize=1.7 * unit, color=theme["muted"],
              va="top", ha="left", transform=figure.transFigure)


def _bounds(
    graph: nx.Graph, points: Mapping[str, tuple[float, float]]
) -> tuple[float, float, float, float]:
    """(left, right, top, bottom) around every node with its label box (the whole canvas
    for an empty map)."""
    if not graph.number_of_nodes():
        half = canvas_extent() / 2
        return -half, half, -half, half
    corners = []
    for node, data in graph.nodes(data=True):
        (x, y), (dx, dy, hw, hh) = points[node], label_box(data)
        corners.append((x + dx - hw, y + dy - hh, x + dx + hw, y + dy + hh))
    left = min(c[0] for c in corners) - 20.0
    top = min(c[1] for c in corners) - 20.0
    right = max(c[2] for c in corners) + 20.0
    bottom = max(c[3] for c in corners) + 20.0
    return left, right, top, bottom


def _frame(
    figure: Figure, ax: Axes, graph: nx.Graph, points: Mapping[str, tuple[float, float]],
    where: tuple[float, float, float, float],
) -> float:
    """Set the map's data limits (its bounds widened to the aspect of the axes at
    ``where``) and return how many points one reference pixel is."""
    left, right, top, bottom = _bounds(graph, points)
    width_in, height_in = figure.get_size_inches()
    ax_w_in, ax_h_in = where[2] * width_in, where[3] * height_in
    data_w, data_h = right - left, bottom - top
    if data_w / data_h < ax_w_in / ax_h_in:
        grow = data_h * ax_w_in / ax_h_in - data_w
        left, right = left - grow / 2, right + grow / 2
    else:
        grow = data_w * ax_h_in / ax_w_in - data_h
        top, bottom = top - grow / 2, bottom + grow / 2
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)  # y points down, as on screen
    return float(ax_w_in * 72.0 / (right - left))


def _edges(
    ax: Axes, graph: nx.Graph, points: Mapping[str, tuple[float, float]],
    theme: Mapping[str, str], pt_per_px: float,
) -> None:
    """The edges under the nodes, one collection a kind, styled like the live view."""
    styles: dict[str, list[tuple[tuple[float, float], tuple[float, float]]]] = {}
    colors: dict[str, list[str]] = {}
    for a, b, data in graph.edges(data=True):
        kind = str(data.get("kind", ""))
        styles.setdefault(kind, []).append((points[a], points[b]))
        if kind in ("has_keyword", "demand_of"):
            theme_end = a if graph.nodes[a].get("kind") == "theme" else b
            end_color = str(graph.nodes[theme_end].get("color", theme["edge"]))
            colors.setdefault(kind, []).append(end_color)
        else:
            colors.setdefault(kind, []).append(theme["edge"])
    widths = {"has_keyword": 2.5, "demand_of": 2.0, "cooccurs": 1.5, "fed": 1.2}
    dashes = {"has_keyword": "solid", "demand_of": (0, (4, 3)), "cooccurs": (0, (1, 3)),
              "fed": (0, (6, 4))}
    for kind, segments in styles.items():
        ax.add_collection(
            LineCollection(
                segments,
                colors=colors[kind],
                linewidths=widths.get(kind, 1.0) * pt_per_px * 1.5,
                linestyles=dashes.get(kind, "solid"),
                alpha=0.55,
                zorder=1,
            )
        )


def _nodes(
    ax: Axes, graph: nx.Graph, points: Mapping[str, tuple[float, float]],
    theme: Mapping[str, str], pt_per_px: float,
) -> None:
    """Every node in draw order (themes last), its label below it."""
    ordered = sorted(
        graph.nodes(data=True), key=lambda item: draw_rank(item[1].get("kind"))
    )
    for node, data in ordered:
        x, y = points[node]
        size = float(data.get("size", 10.0))
        ax.add_patch(_node_patch(data, (x, y), size, theme, pt_per_px))
        _node_label(ax, data, x, y + size + 4.0, theme, pt_per_px)


def _node_patch(
    data: Mapping[str, Any], centre: tuple[float, float], size: float,
    theme: Mapping[str, str], pt_per_px: float,
) -> Patch:
    """The node's shape (circle, diamond or square), a theme's outlined in the text colour."""
    shape = str(data.get("shape", "dot"))
    if shape == "diamond":
        patch: Patch = RegularPolygon(centre, 4, radius=size * 1.25, orientation=0.0)
    elif shape == "square":
        patch = RegularPolygon(centre, 4, radius=size * 1.3, orientation=math.pi / 4)
    else:
        patch = Circle(centre, size)
    patch.set_facecolor(str(data.get("color", OTHER_COLOR)))
    patch.set_edgecolor(theme["fg"] if data.get("kind") == "theme" else theme["bg"])
    patch.set_linewidth(max(0.5, 2.0 * pt_per_px))
    patch.set_alpha(0.55 if data.get("is_other") else 1.0)
    patch.set_zorder(3 if data.get("kind") == "theme" else 2)
    return patch


def _node_label(
    ax: Axes, data: Mapping[str, Any], x: float, y: float, theme: Mapping[str, str],
    pt_per_px: float,
) -> None:
    """The node's label centred below ``(x, y)``, in the size the layout made room for."""
    font_px = float(data.get("font_size", 20.0))
    label = str(data.get("label", ""))
    common = {
        "fontsize": font_px * pt_per_px,
        "fontweight": "bold" if data.get("kind") == "theme" else "normal",
        "ha": "center",
        "va": "top",
    }
    # A halo in the background colour keeps labels readable over edges. It is drawn
    # as its own outline; the label itself stays real text (selectable in SVG/PDF).
    _text(ax, x, y, label, color=theme["bg"], zorder=4,
          path_effects=[patheffects.Stroke(linewidth=font_px * pt_per_px * 0.25,
                                           foreground=theme["bg"])], **common)
    _text(ax, x, y, label, zorder=5,
          color=theme["muted"] if data.get("is_other") else theme["fg"], **common)


def _legend(
    figure: Figure, graph: nx.Graph, theme: Mapping[str, str], unit: float, language: str
) -> None:
    themes = legend_themes(graph)
    ax = figure.add_axes((0.78, 0.03, 0.2, 0.82))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(1, 0)
    row = 1.0 / 30
    y = 0.02
    _text(ax, 0.0, y, plural("map.theme_n", len(themes), language),
          fontsize=1.5 * unit, fontweight="bold", color=theme["fg"], va="top")
    y += row * 1.4
    shown = themes[:18]
    for data in shown:
        ax.plot([0.04], [y + row * 0.3], marker="o", markersize=1.3 * unit, linestyle="none",
                markerfacecolor=str(data["color"]), markeredgecolor=theme["fg"],
                markeredgewidth=0.1 * unit)
        name = _clip(str(data.get("name", data.get("label", ""))), 26)
        label = f"{name}  ({int(data.get('count', 0))})"
        _text(ax, 0.12, y, label, fontsize=1.15 * unit, color=theme["fg"], va="top")
        y += row
    if len(themes) > len(shown):
        _text(ax, 0.12, y, f"+ {len(themes) - len(shown)}", fontsize=1.15 * unit,
              color=theme["muted"], va="top")
        y += row
    y += row * 0.6
    for kind in present_kinds(graph):
        marker = MARKERS[SHAPES[kind]]
        ax.plot([0.04], [y + row * 0.3], marker=marker,
                markersize=(1.3 if kind == "theme" else 0.8) * unit, linestyle="none",
                markerfacecolor=theme["muted"], markeredgecolor=theme["fg"],
                markeredgewidth=0.1 * unit)
        _text(ax, 0.12, y, translate(f"shape.{kind}", language), fontsize=1.15 * unit,
              color=theme["fg"], va="top")
        y += row


def _clip(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
