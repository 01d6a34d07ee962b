"""The graphical harvest as a poster: one block per theme, with picture, words and voices.

The second poster layout beside the network view (``render.py``): what a graphic
recorder draws at the end of a workshop. Each theme is a block, sized by its weight, with
its pictogram (``pictograms.py``), its name, its top keywords and its most representative
demands and statements *in full*; a header with title, date and place, the QR code of the
participant link, a legend of the tables and the pictograms' credit line.

Two steps, so that what the poster says can be checked without looking at pixels:

- ``layout_poster(board, size=...)`` measures and places everything and returns a
  ``PosterLayout`` (lines of text with their size and place, boxes, pictures), in
  millimetres on the page. Text is wrapped, never cut: an item that does not fit is
  left out for a shorter one, and every item shown is recorded whole in ``items``.
- ``render_poster(layout, "png"|"pdf"|"svg")`` draws it with matplotlib, the same way
  ``render.py`` does (own Figure, Agg canvas, no mathtext, fonts embedded).

Type is set for the wall: on A1 a theme's name has a cap height of at least 1.5 cm and a
statement about 1 cm, so the poster reads from five metres; other sizes scale with the
page's height.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

from harvest.conceptmap.graph import theme_colors
from harvest.conceptmap.style import OTHER_COLOR, is_dark_ink, mix, poster_ink
from harvest.formats import POSTER_SIZES
from harvest.i18n import translate
from harvest.pictograms import CREDIT, pictogram_image
from harvest.safety import drawable, printable
from harvest.summary import ThemeSummary, build_summary, comparable, near_duplicate

if TYPE_CHECKING:
    from harvest.board import Board

__all__ = [
    "POSTER_SIZES",
    "PosterError",
    "PosterLayout",
    "layout_poster",
    "render_poster",
]


_PT = 25.4 / 72.0  # mm per point
_CAP = 0.729  # DejaVu Sans: cap height / em
_LEADING = 1.2
_REFERENCE_H = 594.0  # A1's height: the sizes below are for A1 and scale with the height
# Type sizes on A1 in points: theme name cap 15.4 mm, keywords 10.3 mm, statements 9.3 mm.
_SIZES = {"title": 84.0, "subtitle": 40.0, "theme": 60.0, "keywords": 40.0, "item": 36.0,
          "legend": 28.0, "credit": 20.0, "count": 34.0}
_MAX_ITEMS = 4


class PosterError(ValueError):
    """The poster cannot be laid out or drawn with these arguments."""


@dataclass(frozen=True)
class Line:
    """One line of text: its top-left corner (mm), size (pt) and what it is part of."""

    x: float
    y: float
    text: str
    size: float
    bold: bool = False
    color: str = "#1A1A1A"
    role: str = ""
    """title, subtitle, theme, count, badge, keywords, demand, statement, legend, credit, qr"""
    align: str = "left"
    part_of: int = -1
    """for demand and statement lines: the index of their ``Item`` in ``PosterLayout.items``"""


@dataclass(frozen=True)
class Box:
    """A filled rectangle (mm), optionally with rounded corners."""

    x: float
    y: float
    w: float
    h: float
    fill: str
    edge: str = "none"
    radius: float = 0.0


@dataclass(frozen=True)
class Picture:
    """A pictogram (``code``) or the QR code (``code == "qr"``) in a square (mm)."""

    x: float
    y: float
    size: float
    code: str


@dataclass(frozen=True)
class Item:
    """A statement or demand shown on the poster, whole, and the theme it stands in."""

    theme_id: str
    kind: str
    """"demand" or "statement\""""
    text: str


@dataclass(frozen=True)
class PosterLayout:
    """Everything on the page, in mm from the top-left corner."""

    width: float
    height: float
    background: str
    boxes: tuple[Box, ...]
    pictures: tuple[Picture, ...]
    lines: tuple[Line, ...]
    items: tuple[Item, ...]
    themes: tuple[str, ...]
    """ids of the themes that got a block, in reading order"""
    qr_url: str | None = None
    dpi: float = 120.0
    """PNG resolution (120 dpi gives about 4000 px across A1)"""
    hidden_themes: tuple[str, ...] = field(default=())
    """themes named only in the "more themes" line (no room for a block)"""


# --- measuring and wrapping -----------------------------------------------------------


@lru_cache(maxsize=2)
def _font(bold: bool):  # type: ignore[no-untyped-def]  # PIL's FreeTypeFont
    from PIL import ImageFont

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return ImageFont.truetype(str(folder / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")),
                              100)


@lru_cache(maxsize=65536)
def _width_at_100(text: str, bold: bool) -> float:
    return float(_font(bold).getlength(text))


def text_width(text: str, size_pt: float, bold: bool = False) -> float:
    """Width of one line of ``text`` in mm at ``size_pt`` in DejaVu Sans."""
    return _width_at_100(text, bold) / 100.0 * size_pt * _PT


def wrap_text(text: str, width_mm: float, size_pt: float, bold: bool = False) -> list[str]:
    """``text`` in lines no wider than ``width_mm``, broken at spaces; never shortened.

    A single word wider than the line is broken with a hyphen (nothing is dropped).
    """
    # In units of the 100-px measuring font; a line's width is the sum of its words and
    # spaces (kerning across a space is nil in DejaVu), so each word is measured once.
    room = width_mm * 0.97 / (size_pt * _PT) * 100.0  # margin: PNG and PDF differ a hair
    space = _width_at_100(" ", bold)
    lines: list[str] = []
    used = 0.0
    for word in text.split():
        wide = _width_at_100(word, bold)
        while wide > room and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and _width_at_100(word[:cut] + "-", bold) > room:
                cut -= 1
            lines.append(word[:cut] + "-")
            used = _width_at_100(lines[-1], bold)
            word = word[cut:]
            wide = _width_at_100(word, bold)
        if lines and used + space + wide <= room:
            lines[-1] += " " + word
            used += space + wide
        else:
            lines.append(word)
            used = wide
    return lines


def fits_words(text: str, width_mm: float, size_pt: float, bold: bool = False) -> bool:
    """Whether every word of ``text`` fits on a line of ``width_mm`` (none must break)."""
    room = width_mm * 0.97 / (size_pt * _PT) * 100.0
    return all(_width_at_100(word, bold) <= room for word in text.split())


def _line_height(size_pt: float) -> float:
    return size_pt * _PT * _LEADING


# --- treemap --------------------------------------------------------------------------


def squarify(
    weights: Sequence[float], x: float, y: float, w: float, h: float
) -> list[tuple[float, float, float, float]]:
    """Rectangles with areas proportional to ``weights`` (given largest first), tiling
    the rectangle, as close to square as the weights allow (Bruls, Huizing, van Wijk)."""
    total = float(sum(weights))
    if not weights or total <= 0:
        return []
    areas = [wt / total * w * h for wt in weights]
    out: list[tuple[float, float, float, float]] = []

    def worst(row: list[float], side: float) -> float:
        s = sum(row)
        return max(max(side * side * r / (s * s), (s * s) / (side * side * r)) for r in row)

    i = 0
    while i < len(areas):
        side = min(w, h)
        row = [areas[i]]
        i += 1
        while i < len(areas) and worst(row + [areas[i]], side) <= worst(row, side):
            row.append(areas[i])
            i += 1
        s = sum(row)
        if w >= h:  # a column at the left
            col = s / h
            yy = y
            for r in row:
                out.append((x, yy, col, r / col))
                yy += r / col
            x, w = x + col, w - col
        else:  # a row at the top
            rh = s / w
            xx = x
            for r in row:
                out.append((xx, y, r / rh, rh))
                xx += r / rh
            y, h = y + rh, h - rh
    return out


# --- the layout -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Theme:
    theme_id: str
    name: str
    count: int
    color: str
    pictogram: str
    keywords: tuple[str, ...]
    candidates: tuple[Item, ...]
    tables: tuple[str, ...]
    is_other: bool


def _themes(board: Board, language: str) -> list[_Theme]:
    summary = build_summary(
        board.workshop, board.clustering, list(board.statements), language=language,
        max_representatives=8, colors=theme_colors(board.graph),
        sources=[m.id for m in board.members],  # a process's workshops
    )
    out = []
    for theme in summary.themes:
        demands = [Item(theme.theme_id, "demand", d) for t in _best_demands(board, theme)
                   if (d := drawable(t))]
        voices = [Item(theme.theme_id, "statement", d) for t in theme.representatives
                  if (d := drawable(t))]
        # Demands lead (they are what the workshop asks for), voices fill in between.
        ordered = demands[:2] + voices[:2] + demands[2:] + voices[2:]
        name = translate("theme.other", language) if theme.is_other else theme.label
        out.append(_Theme(
            theme.theme_id, drawable(name), theme.size,
            OTHER_COLOR if theme.is_other else theme.color,
            board.pictograms.get(theme.theme_id, ""),
            tuple(drawable(k) for k in theme.keywords), tuple(ordered),
            tuple(name for name, _ in theme.tables), theme.is_other,
        ))
    return out


def _best_demands(board: Board, summary_theme: ThemeSummary, limit: int = 8) -> list[str]:
    """The theme's most representative demands: most of the theme's keyword weight,
    shorter first among equals (a big workshop has hundreds; the poster room for two)."""
    texts = {text for text, _ in summary_theme.demands}
    theme = board.clustering.theme(summary_theme.theme_id)
    weights = dict(theme.keywords) if theme else {}
    scored = []
    for statement in board.statements:
        if statement.text not in texts:
            continue
        assignment = board.clustering.assignments.get(statement.id)
        found = set(assignment.keywords) if assignment else set()
        score = sum(weights.get(k, 0.0) for k in found)
        scored.append((-score, len(statement.text), statement.id, statement.text))
    scored.sort()
    chosen: list[str] = []
    for *_, text in scored:  # near-repeats of a pick say nothing new on a wall
        if not any(near_duplicate(comparable(text), comparable(c)) for c in chosen):
            chosen.append(text)
        if len(chosen) >= limit:
            break
    return chosen


def layout_poster(
    board: Board,
    *,
    size: str = "A1",
    qr_url: str | None = None,
    language: str | None = None,
    dark: bool = False,
) -> PosterLayout:
    """Lay the board out as a graphical-harvest poster of ``size`` (see ``POSTER_SIZES``)."""
    if size not in POSTER_SIZES:
        raise PosterError(f"unknown poster size {size!r}; use one of {', '.join(POSTER_SIZES)}")
    lang = language or board.language
    ink = poster_ink(dark)
    width, height = POSTER_SIZES[size]
    k = height / _REFERENCE_H
    pt = {role: value * k for role, value in _SIZES.items()}
    margin = 0.028 * height
    gap = 0.014 * height
    boxes: list[Box] = []
    pictures: list[Picture] = []
    lines: list[Line] = []
    items: list[Item] = []

    # Header: title, date and place, figures; the QR code at the right.
    qr_size = 0.105 * height if qr_url else 0.0
    head_right = width - margin - (qr_size + gap if qr_url else 0.0)
    if qr_url:  # the caption sits left of the code, under the title's end
        head_right -= text_width(translate("poster.scan", lang), pt["legend"]) + gap
    y = margin
    title_lines = wrap_text(drawable(board.workshop.title) or "Harvest", head_right - margin,
                            pt["title"], bold=True)[:2]
    for text in title_lines:
        lines.append(Line(margin, y, text, pt["title"], True, ink["fg"], "title"))
        y += _line_height(pt["title"])
    themes = _themes(board, lang)
    demands = sum(1 for a in board.clustering.assignments.values() if a.is_demand)
    table_count = len({s.table_name for s in board.statements if s.table_name})
    figures = translate("poster.figures" if table_count else "poster.figures_no_tables", lang,
                        statements=len(board.statements), demands=demands, tables=table_count)
    sub = " · ".join(p for p in (drawable(board.subtitle()), figures) if p)
    for text in wrap_text(sub, head_right - margin, pt["subtitle"]):
        lines.append(Line(margin, y, text, pt["subtitle"], False, ink["muted"], "subtitle"))
        y += _line_height(pt["subtitle"])
    if qr_url:
        pictures.append(Picture(width - margin - qr_size, margin, qr_size, "qr"))
        caption = translate("poster.scan", lang)
        lines.append(Line(width - margin - qr_size - 0.5 * gap,
                          margin + qr_size - _line_height(pt["legend"]), caption,
                          pt["legend"], False, ink["muted"], "qr", "right"))
    top = max(y, margin + qr_size) + gap

    # Footer: the tables' legend (numbered, as on the blocks) and the credit line.
    tables = sorted({name for t in themes for name in t.tables}, key=str.casefold)
    number = {name: i + 1 for i, name in enumerate(tables)}
    counts: dict[str, int] = {}
    for statement in board.statements:
        if statement.table_name:
            counts[statement.table_name] = counts.get(statement.table_name, 0) + 1
    legend_h = _line_height(pt["legend"])
    credit_h = _line_height(pt["credit"])
    foot_lines: list[list[tuple[str, str]]] = [[]]
    x = margin
    label = translate("poster.tables", lang) + ":"
    x += text_width(label + "  ", pt["legend"], True)
    for name in tables:
        entry = f"{name} ({counts.get(name, 0)})"
        need = legend_h + text_width(entry + "    ", pt["legend"])
        if x + need > width - margin and foot_lines[-1]:
            foot_lines.append([])
            x = margin + text_width(label + "  ", pt["legend"], True)
        foot_lines[-1].append((str(number[name]), entry))
        x += need
    kinds_line = [("■", translate("poster.demand", lang)),
                  ("„“", translate("poster.statement", lang))]
    foot_lines = [row for row in foot_lines if row]
    foot_h = legend_h * (len(foot_lines) + 1) + credit_h + 0.5 * gap
    bottom = height - margin - foot_h
    y = bottom + 0.5 * gap
    for row_index, row in enumerate(foot_lines):
        x = margin
        if row_index == 0:
            lines.append(Line(x, y, label, pt["legend"], True, ink["fg"], "legend"))
        x += text_width(label + "  ", pt["legend"], True)
        for badge, entry in row:
            _badge(boxes, lines, x, y, legend_h, badge, pt["legend"], ink)
            x += legend_h * 1.05
            lines.append(Line(x, y, entry, pt["legend"], False, ink["fg"], "legend"))
            x += text_width(entry + "    ", pt["legend"])
        y += legend_h
    x = margin
    for mark, meaning in kinds_line:
        lines.append(Line(x, y, f"{mark} {meaning}", pt["legend"], False, ink["muted"], "legend"))
        x += text_width(f"{mark} {meaning}      ", pt["legend"])
    credit = translate("poster.credit", lang, credit=CREDIT)
    lines.append(Line(width - margin, height - margin - credit_h, credit, pt["credit"], False,
                      ink["muted"], "credit", "right"))

    # Body: as many theme blocks as stay readable, the rest named in one line.
    body_w, full_h = width - 2 * margin, bottom - top
    shown = [t for t in themes if not t.is_other] + [t for t in themes if t.is_other]
    min_side = 0.27 * height
    fit = min(len(shown), max(1, int(body_w * full_h / (min_side * min_side * 1.3))))
    while True:
        blocks, rest = shown[:fit], shown[fit:]
        more_lines: list[str] = []
        if rest:
            more = translate("poster.more_themes", lang) + ": " + " · ".join(
                f"{t.name} ({t.count})" for t in rest)
            more_lines = wrap_text(more, body_w, pt["legend"])
        more_h = (_line_height(pt["legend"]) * len(more_lines) + 0.5 * gap) if rest else 0.0
        body_h = full_h - more_h
        # Area grows with the count, damped so small themes keep room for their words.
        weights = [max(t.count, 1) ** 0.7 for t in blocks]
        floor = 0.6 * max(weights, default=1.0)
        weights = [max(wt, floor) for wt in weights]
        rects = squarify(weights, margin, top, body_w, body_h)
        if fit == 1 or min(min(r[2], r[3]) for r in rects) >= min_side * 0.85:
            break
        fit -= 1
    yy = bottom - more_h + 0.25 * gap
    for text in more_lines:
        lines.append(Line(margin, yy, text, pt["legend"], False, ink["fg"], "legend"))
        yy += _line_height(pt["legend"])
    for theme, (bx, by, bw, bh) in zip(blocks, rects, strict=True):
        _block(theme, bx + gap / 2, by + gap / 2, bw - gap, bh - gap, pt, ink, number,
               boxes, pictures, lines, items, dark, lang)
    # PNG resolution: about 4000 px across A0-A2 (the PDF and SVG are vector anyway),
    # print resolution for A3/A4, full HD for the projector
    dpi = {"A0": 85.0, "A1": 120.0, "A2": 170.0, "A3": 250.0, "A4": 300.0, "16:9": 96.0}[size]
    return PosterLayout(width, height, ink["bg"], tuple(boxes), tuple(pictures), tuple(lines),
                        tuple(items), tuple(t.theme_id for t in blocks), qr_url, dpi,
                        tuple(t.theme_id for t in rest))


def _badge(boxes: list[Box], lines: list[Line], x: float, y: float, h: float, text: str,
           size: float, ink: Mapping[str, str]) -> None:
    """A table's number in a small dark square (legend and blocks use the same mark)."""
    side = h * 0.92
    boxes.append(Box(x, y + (h - side) * 0.3, side, side, ink["fg"], radius=side * 0.2))
    lines.append(Line(x + side / 2, y + (h - side) * 0.3 + side * 0.12, text, size * 0.8,
                      True, ink["bg"], "badge", "center"))


def _name_lines(name: str, width: float, size: float) -> tuple[list[str], float, bool]:
    """The theme's name wrapped at ``size`` or smaller (down to 0.7 of it) so that no
    word has to be broken and it takes at most three lines; an engine label ("A · B · C")
    may lose trailing words, which the keyword line shows anyway."""
    parts = name.split(" · ")
    for shrink in (1.0, 0.9):  # a name stays wall-sized: 0.9 of it at the least
        for keep in range(len(parts), 0, -1):
            text = " · ".join(parts[:keep])
            widest = max(text_width(w, size * shrink, True) for w in text.split())
            wrapped = wrap_text(text, width, size * shrink, bold=True)
            if widest <= width * 0.97 and len(wrapped) <= 3:
                return wrapped, size * shrink, True
    # A narrow card: smaller type rather than a broken word (only where nothing else fits)
    text = parts[0]
    widest = max(text_width(w, size, True) for w in text.split())
    shrink = max(0.45, min(0.9, width * 0.97 / widest))
    wrapped = wrap_text(text, width, size * shrink, bold=True)
    return wrapped, size * shrink, widest * shrink <= width * 0.97


def _block(
    theme: _Theme, x: float, y: float, w: float, h: float, pt: Mapping[str, float],
    ink: Mapping[str, str], number: Mapping[str, int], boxes: list[Box],
    pictures: list[Picture], lines: list[Line], items: list[Item], dark: bool, lang: str,
) -> None:
    """One theme's block: a tinted card with pictogram and name, its figures and
    keywords, then as many whole items as fit, at the largest type that still shows as
    many items (up to three) as any size would."""
    pad = 0.03 * min(w, h) + 0.35 * pt["item"] * _PT
    fill = mix(theme.color, ink["bg"], 0.80 if not dark else 0.75)
    boxes.append(Box(x, y, w, h, fill, radius=0.025 * min(w, h)))
    inner = w - 2 * pad
    limit = y + h - pad

    def attempt(
        scale: float, keyword_lines: int = 2, stacked: bool = False
    ) -> tuple[bool, list[Line], list[Picture], list[Box], list[Item]]:
        # the name, the key text, never shrinks below its wall size (0.9 for long words)
        t_pt = pt["theme"] * max(scale, 1.0)
        k_pt, i_pt = pt["keywords"] * scale, pt["item"] * scale
        c_pt = pt["count"] * scale
        out: list[Line] = []
        pics: list[Picture] = []
        marks: list[Box] = []
        shown: list[Item] = []
        icon = 2.0 * _line_height(t_pt) if theme.pictogram else 0.0
        # the name beside the picture, or (stacked) under it
        stacked = stacked and bool(icon)
        room = inner if stacked or not icon else inner - icon - pad * 0.6
        name_lines, name_pt, whole = _name_lines(theme.name, room, t_pt)
        whole = whole and room >= 0.4 * inner
        text_x = x + pad + (0.0 if stacked or not icon else icon + pad * 0.6)
        yy = y + pad
        if icon:
            pics.append(Picture(x + pad, yy, icon, theme.pictogram))
            if stacked:
                yy += icon + 0.2 * pad
        name_top = yy
        for text in name_lines:
            out.append(Line(text_x, yy, text, name_pt, True, ink["fg"], "theme"))
            yy += _line_height(name_pt)
        if icon and not stacked:
            # centre a one-line name on the picture; below both either way
            if len(name_lines) == 1:
                out[-1] = Line(text_x, name_top + (icon - _line_height(name_pt)) / 2,
                               name_lines[0], name_pt, True, ink["fg"], "theme")
            yy = max(yy, name_top + icon)
        yy += 0.2 * pad
        meta = translate("poster.count", lang, n=theme.count) + "  "
        out.append(Line(x + pad, yy, meta, c_pt, True, theme_ink(theme, ink), "count"))
        bx = x + pad + text_width(meta, c_pt, True)
        bh = _line_height(c_pt)
        for badge in [str(number[n]) for n in theme.tables[:8] if n in number]:
            side = bh * 0.92
            if bx + side > x + w - pad:
                break
            marks.append(Box(bx, yy + (bh - side) * 0.3, side, side, ink["fg"], radius=side * 0.2))
            out.append(Line(bx + side / 2, yy + (bh - side) * 0.3 + side * 0.12, badge,
                            c_pt * 0.8, True, ink["bg"], "badge", "center"))
            bx += side * 1.15
        yy += bh
        named = {part.casefold() for part in theme.name.replace("·", " ").split()}
        words = [k for k in theme.keywords if k.casefold() not in named][:6]
        kw_lines: list[str] = []
        while words:
            kw_lines = wrap_text(" · ".join(words), inner, k_pt)
            if len(kw_lines) <= keyword_lines:
                break
            words.pop()
        if not words:
            kw_lines = []
        for text in kw_lines:
            out.append(Line(x + pad, yy, text, k_pt, False, ink["muted"], "keywords"))
            yy += _line_height(k_pt)
        overflow = yy > limit or not whole or (name_pt < 0.89 * t_pt and not small_names)
        yy += 0.3 * pad
        bar = 0.12 * i_pt * _PT
        indent = bar * 3.0
        for item in theme.candidates:
            if len(shown) >= _MAX_ITEMS:
                break
            bold = item.kind == "demand"
            text = item.text if bold else f"„{item.text}“"
            wrapped = wrap_text(text, inner - indent, i_pt, bold)
            need = _line_height(i_pt) * len(wrapped)
            if yy + need > limit or not fits_words(text, inner - indent, i_pt, bold):
                continue  # too long for the space left (or a word broken): try the next
            marks.append(Box(x + pad, yy + 0.12 * _line_height(i_pt), bar,
                             need - 0.24 * _line_height(i_pt),
                             theme_ink(theme, ink) if bold else ink["line"]))
            for text_line in wrapped:
                out.append(Line(x + pad + indent, yy, text_line, i_pt, bold, ink["fg"],
                                item.kind, part_of=len(items) + len(shown)))
                yy += _line_height(i_pt)
            yy += 0.35 * _line_height(i_pt)
            shown.append(item)
        return overflow, out, pics, marks, shown

    # Wall-readable type first: below 1.0 only when the name and keywords do not fit;
    # a name below 0.9 of its size only when no card layout fits otherwise.
    small_names = False
    tries = [attempt(scale, 2, stack) for scale in (1.5, 1.35, 1.2, 1.1, 1.0)
             for stack in (False, True)]
    # fewer keywords before smaller type
    tries += [attempt(1.0, lines, stack) for lines in (1, 0) for stack in (False, True)]
    fitting = [t for t in tries if not t[0]]
    for scale in (0.9, 0.8, 0.7):
        if fitting:
            break
        tries += [attempt(scale, 2, False), attempt(scale, 2, True)]
        fitting = [t for t in tries[-2:] if not t[0]]
    if not fitting:
        small_names = True
        tries = [attempt(scale, lines, stack) for scale in (1.0, 0.8) for lines in (2, 1)
                 for stack in (False, True)]
        fitting = [t for t in tries if not t[0]]
    fitting = fitting or tries[-1:]
    if not any(t[4] for t in fitting):  # no voice fits: fewer keywords make room for one
        fitting = [t for t in (attempt(1.0, 1), attempt(1.0, 0)) if not t[0] and t[4]] or fitting
    most = min(2, max(len(t[4]) for t in fitting))
    best = next(t for t in fitting if len(t[4]) >= most)
    lines.extend(best[1])
    pictures.extend(best[2])
    boxes.extend(best[3])
    items.extend(best[4])


def theme_ink(theme: _Theme, ink: Mapping[str, str]) -> str:
    """The theme's colour for text on its tinted card: darkened where it would be pale on
    a light page, lightened where it would be dim on a dark one."""
    r, g, b = (int(theme.color[i : i + 2], 16) for i in (1, 3, 5))
    light = 0.2126 * r + 0.7152 * g + 0.0722 * b
    if is_dark_ink(ink):
        return mix(theme.color, "#FFFFFF", 0.55) if light < 200 else theme.color
    return mix(theme.color, "#000000", 0.45) if light > 150 else theme.color


# --- drawing --------------------------------------------------------------------------


def _qr_image(url: str):  # type: ignore[no-untyped-def]  # a PIL image
    from harvest.qr import qr_image

    return qr_image(url, box_size=8, border=1).convert("RGB")


def render_poster(layout: PosterLayout, fmt: str) -> bytes:
    """The laid-out poster as ``png``, ``pdf`` or ``svg`` bytes."""
    if fmt not in ("png", "pdf", "svg"):
        raise PosterError(f"unknown poster format {fmt!r}; use png, pdf or svg")
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch, Rectangle

    from harvest.conceptmap.render import FONT, save_figure

    figure = Figure(figsize=(layout.width / 25.4, layout.height / 25.4), dpi=layout.dpi)
    FigureCanvasAgg(figure)
    figure.set_facecolor(layout.background)
    ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    ax.set_xlim(0, layout.width)
    ax.set_ylim(layout.height, 0)
    for box in layout.boxes:
        patch = (
            FancyBboxPatch((box.x, box.y), box.w, box.h,
                           boxstyle=f"round,pad=0,rounding_size={box.radius}")
            if box.radius else Rectangle((box.x, box.y), box.w, box.h)
        )
        patch.set_facecolor(box.fill)
        patch.set_edgecolor(box.edge)
        patch.set_linewidth(0)
        ax.add_patch(patch)
    px_per_mm = layout.dpi / 25.4
    for picture in layout.pictures:
        if picture.code == "qr":
            if not layout.qr_url:
                continue
            image = _qr_image(layout.qr_url)
        else:  # drawn at the PNG's own pixel size: nothing to resample
            side = max(16, min(1024, round(picture.size * px_per_mm)))
            image = pictogram_image(picture.code, side)
        # "none": PDF and SVG embed the pixels as they are (no slow resampling)
        ax.imshow(np.asarray(image), extent=(picture.x, picture.x + picture.size,
                                             picture.y + picture.size, picture.y),
                  interpolation="nearest" if fmt == "png" else "none", zorder=3)
    for line in layout.lines:
        size_mm = line.size * _PT
        # baseline under the line's top: room for "Ä" above, descenders below (1.2 em)
        ax.text(line.x, line.y + 0.95 * size_mm, printable(line.text), fontsize=line.size,
                fontweight="bold" if line.bold else "normal", color=line.color, ha=line.align,
                va="baseline", fontfamily=FONT, parse_math=False, usetex=False, zorder=4)
    ax.set_xlim(0, layout.width)
    ax.set_ylim(layout.height, 0)
    # zlib level 3: a 16-megapixel page saves in a third of the default's time, ~10 % larger
    return save_figure(figure, fmt, dpi=layout.dpi, png_level=3)


def poster_bytes(board: Board, fmt: str, *, size: str = "A1", qr_url: str | None = None,
                 dark: bool = False) -> bytes:
    """Lay out and draw the board's harvest poster in one call."""
    return render_poster(layout_poster(board, size=size, qr_url=qr_url, dark=dark), fmt)


def cap_height_mm(size_pt: float) -> float:
    """Cap height in mm of DejaVu Sans at ``size_pt`` (what "readable from 5 m" is about)."""
    return size_pt * _PT * _CAP

