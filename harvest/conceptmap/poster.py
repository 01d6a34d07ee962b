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

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import pyphen

from harvest.conceptmap.graph import is_separator, theme_colors
from harvest.conceptmap.style import OTHER_COLOR, is_dark_ink, mix, poster_ink, rgb
from harvest.engine.text import is_word
from harvest.formats import POSTER_SIZES
from harvest.i18n import theme_name, translate
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
    bold: bool
    color: str
    """from the poster's ink (``style.poster_ink``) or a theme's colour"""
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


@lru_cache(maxsize=4)
def _hyphenator(lang: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_US" if lang == "en" else "de_DE")


def _seam(head: str, rest: str, lang: str) -> bool:
    """Whether a break between ``head`` and ``rest`` is a compound's seam: both sides are
    words of their own ("Ausländer|behörde", "Nahverkehrs|angebote"), not a syllable
    ("Ausländerbehör|de", whose "de" the dictionary knows as well)."""
    rest = rest.rstrip(".,;:!?)]»“\"'")
    if len(rest) < 4 or len(head) < 3 or not is_word(rest, lang):
        return False
    head = head.rstrip("-")
    return is_word(head, lang) or (head.endswith("s") and is_word(head[:-1], lang))


@lru_cache(maxsize=4096)
def _hyphen_points(word: str, lang: str) -> tuple[tuple[bool, int], ...]:
    """Where the dictionary hyphenates ``word``, each with whether it is a seam."""
    return tuple((_seam(word[:p], word[p:], lang), p)
                 for p in _hyphenator(lang).positions(word))


def _head(word: str, cut: int) -> str:
    return word[:cut] if word[:cut].endswith("-") else word[:cut] + "-"


def _hyphen_cut(word: str, room: float, bold: bool, lang: str) -> int | None:
    """The break of ``word`` whose head (with its hyphen) fits ``room``: one whose rest
    fits too, a seam of the compound, the longest head, in that order; None where no
    dictionary break fits."""
    fitting = [(_width_at_100(word[point:], bold) <= room, seam, point)
               for seam, point in _hyphen_points(word, lang)
               if _width_at_100(_head(word, point), bold) <= room]
    return max(fitting)[2] if fitting else None


def _room(width_mm: float, size_pt: float) -> float:
    """A line's width in units of the 100-px measuring font."""
    return width_mm * 0.97 / (size_pt * _PT) * 100.0  # margin: PNG and PDF differ a hair


def wrap_text(text: str, width_mm: float, size_pt: float, bold: bool = False,
              lang: str | None = None, *, parted: bool = False) -> list[str]:
    """``text`` in lines no wider than ``width_mm``, broken at spaces; never shortened.

    A single word wider than the line is broken with a hyphen (nothing is dropped): with
    ``lang``, where that language's dictionary breaks it, if such a break fits. In a
    ``parted`` text (keywords or names between separators, "A · B") a separator that does
    not fit at the end of a line is left out, not put at the start of the next one: the
    line break parts the words. A statement keeps every character.

    >>> word = "Ausländerbehörde"
    >>> wrap_text(word, 150, 60, True), wrap_text(word, 210, 60, True, "de")
    (['Ausländerb-', 'ehörde'], ['Ausländer-', 'behörde'])
    """
    # In units of the 100-px measuring font; a line's width is the sum of its words and
    # spaces (kerning across a space is nil in DejaVu), so each word is measured once.
    room = _room(width_mm, size_pt)
    space = _width_at_100(" ", bold)
    lines: list[str] = []
    used = 0.0
    for word in text.split():
        wide = _width_at_100(word, bold)
        if parted and is_separator(word) and (not lines or used + space + wide > room):
            continue
        while wide > room and len(word) > 1:
            cut = _hyphen_cut(word, room, bold, lang) if lang else None
            if cut is None:
                cut = len(word) - 1
                while cut > 1 and _width_at_100(word[:cut] + "-", bold) > room:
                    cut -= 1
            lines.append(_head(word, cut))
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


def fits_words(text: str, width_mm: float, size_pt: float, bold: bool = False,
               lang: str | None = None) -> bool:
    """Whether every word of ``text`` fits on a line of ``width_mm``: none must break, or
    (with ``lang``) a long one once, where that language's dictionary breaks it."""
    room = _room(width_mm, size_pt)
    for word in text.split():
        if _width_at_100(word, bold) <= room:
            continue
        cut = _hyphen_cut(word, room, bold, lang) if lang else None
        if cut is None or _width_at_100(word[cut:], bold) > room:
            return False
    return True


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
        name = theme_name(theme.label, theme.is_other, language)
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
    folded: list[str] = []  # the chosen texts as compared (each folded once)
    for *_, text in scored:  # near-repeats of a pick say nothing new on a wall
        form = comparable(text)
        if not any(near_duplicate(form, c) for c in folded):
            chosen.append(text)
            folded.append(form)
        if len(chosen) >= limit:
            break
    return chosen


@dataclass(frozen=True)
class _Page:
    """The page and what every part of the poster is set with: its size, margin and gap
    between blocks (mm), the type sizes for its height (pt), the ink and the language."""

    width: float
    height: float
    margin: float
    gap: float
    pt: Mapping[str, float]
    ink: Mapping[str, str]
    lang: str

    @property
    def dark(self) -> bool:
        return is_dark_ink(self.ink)


@dataclass(frozen=True)
class _Part:
    """What one part of the poster draws, each kind in drawing order."""

    boxes: tuple[Box, ...] = ()
    pictures: tuple[Picture, ...] = ()
    lines: tuple[Line, ...] = ()
    items: tuple[Item, ...] = ()


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
    page = _page(size, language or board.language, dark)
    themes = _themes(board, page.lang)
    number = _table_numbers(themes)
    header, top = _header(board, page, qr_url)
    footer, bottom = _footer(board, page, number)
    # Body: as many theme blocks as stay readable, the rest named in one line.
    shown = [t for t in themes if not t.is_other] + [t for t in themes if t.is_other]
    fit, more_lines, rects = _arrange(shown, page, top, bottom)
    blocks: list[_Part] = []
    for theme, rect in zip(shown[:fit], rects, strict=True):
        first = sum(len(block.items) for block in blocks)
        blocks.append(_block(_Block(theme, _card(rect, page), page, number, first)))
    poster = _join(header, footer, _more(more_lines, page, bottom), *blocks)
    # PNG resolution: about 4000 px across A0-A2 (the PDF and SVG are vector anyway),
    # print resolution for A3/A4, full HD for the projector
    dpi = {"A0": 85.0, "A1": 120.0, "A2": 170.0, "A3": 250.0, "A4": 300.0, "16:9": 96.0}[size]
    return PosterLayout(page.width, page.height, page.ink["bg"], poster.boxes, poster.pictures,
                        poster.lines, poster.items, tuple(t.theme_id for t in shown[:fit]),
                        qr_url, dpi, tuple(t.theme_id for t in shown[fit:]))


def _page(size: str, lang: str, dark: bool) -> _Page:
    """The page of ``size``, its type scaled from A1's by the page's height."""
    width, height = POSTER_SIZES[size]
    k = height / _REFERENCE_H
    return _Page(width, height, 0.028 * height, 0.014 * height,
                 {role: value * k for role, value in _SIZES.items()}, poster_ink(dark), lang)


def _join(*parts: _Part) -> _Part:
    """The parts drawn one after the other."""
    return _Part(tuple(box for part in parts for box in part.boxes),
                 tuple(picture for part in parts for picture in part.pictures),
                 tuple(line for part in parts for line in part.lines),
                 tuple(item for part in parts for item in part.items))


def _header(board: Board, page: _Page, qr_url: str | None) -> tuple[_Part, float]:
    """Title, date and place, figures; the QR code at the right. Also where the body
    starts, under the header."""
    pt, ink, margin, gap = page.pt, page.ink, page.margin, page.gap
    qr_size = 0.105 * page.height if qr_url else 0.0
    head_right = page.width - margin - (qr_size + gap if qr_url else 0.0)
    if qr_url:  # the caption sits left of the code, under the title's end
        head_right -= text_width(translate("poster.scan", page.lang), pt["legend"]) + gap
    lines: list[Line] = []
    pictures: list[Picture] = []
    y = margin
    title = drawable(board.workshop.title) or "Harvest"
    for text in wrap_text(title, head_right - margin, pt["title"], bold=True)[:2]:
        lines.append(Line(margin, y, text, pt["title"], True, ink["fg"], "title"))
        y += _line_height(pt["title"])
    for text in wrap_text(_subtitle(board, page.lang), head_right - margin, pt["subtitle"],
                          parted=True):
        lines.append(Line(margin, y, text, pt["subtitle"], False, ink["muted"], "subtitle"))
        y += _line_height(pt["subtitle"])
    if qr_url:
        pictures.append(Picture(page.width - margin - qr_size, margin, qr_size, "qr"))
        caption = translate("poster.scan", page.lang)
        lines.append(Line(page.width - margin - qr_size - 0.5 * gap,
                          margin + qr_size - _line_height(pt["legend"]), caption,
                          pt["legend"], False, ink["muted"], "qr", "right"))
    return _Part(pictures=tuple(pictures), lines=tuple(lines)), max(y, margin + qr_size) + gap


def _subtitle(board: Board, lang: str) -> str:
    """Date and place, and how many statements, demands and tables the board has."""
    demands = sum(1 for a in board.clustering.assignments.values() if a.is_demand)
    table_count = len({s.table_name for s in board.statements if s.table_name})
    figures = translate("poster.figures" if table_count else "poster.figures_no_tables", lang,
                        statements=len(board.statements), demands=demands, tables=table_count)
    return " · ".join(p for p in (drawable(board.subtitle()), figures) if p)


def _table_numbers(themes: Sequence[_Theme]) -> dict[str, int]:
    """The themes' tables numbered from 1 in alphabetical order (legend and blocks)."""
    tables = sorted({name for t in themes for name in t.tables}, key=str.casefold)
    return {name: i + 1 for i, name in enumerate(tables)}


def _footer(board: Board, page: _Page, number: Mapping[str, int]) -> tuple[_Part, float]:
    """The tables' legend (numbered, as on the blocks), what the marks mean and the credit
    line. Also where the body ends, above the footer."""
    pt, ink, margin, gap = page.pt, page.ink, page.margin, page.gap
    legend_h = _line_height(pt["legend"])
    label = translate("poster.tables", page.lang) + ":"
    rows = _legend_rows(board, page, number, label)
    foot_h = legend_h * (len(rows) + 1) + _line_height(pt["credit"]) + 0.5 * gap
    bottom = page.height - margin - foot_h
    boxes: list[Box] = []
    lines: list[Line] = []
    y = bottom + 0.5 * gap
    for row_index, row in enumerate(rows):
        x = margin
        if row_index == 0:
            lines.append(Line(x, y, label, pt["legend"], True, ink["fg"], "legend"))
        x += text_width(label + "  ", pt["legend"], True)
        for badge, entry in row:
            box, mark = _badge(x, y, legend_h, badge, pt["legend"], ink)
            boxes.append(box)
            lines.append(mark)
            x += legend_h * 1.05
            lines.append(Line(x, y, entry, pt["legend"], False, ink["fg"], "legend"))
            x += text_width(entry + "    ", pt["legend"])
        y += legend_h
    lines.extend(_key_and_credit(page, y))
    return _Part(boxes=tuple(boxes), lines=tuple(lines)), bottom


def _legend_rows(
    board: Board, page: _Page, number: Mapping[str, int], label: str
) -> list[list[tuple[str, str]]]:
    """The legend's entries (a table's number, its name and statement count) in rows as
    wide as the page, each row starting after ``label``."""
    counts = Counter(s.table_name for s in board.statements if s.table_name)
    size = page.pt["legend"]
    start = page.margin + text_width(label + "  ", size, True)
    rows: list[list[tuple[str, str]]] = [[]]
    x = start
    for name, badge in number.items():
        entry = f"{name} ({counts[name]})"
        need = _line_height(size) + text_width(entry + "    ", size)
        if x + need > page.width - page.margin and rows[-1]:
            rows.append([])
            x = start
        rows[-1].append((str(badge), entry))
        x += need
    return [row for row in rows if row]


def _key_and_credit(page: _Page, y: float) -> list[Line]:
    """The line at ``y`` saying how demands and statements are marked, and the credit
    line in the bottom-right corner."""
    size, muted = page.pt["legend"], page.ink["muted"]
    lines: list[Line] = []
    x = page.margin
    for mark, meaning in (("■", translate("poster.demand", page.lang)),
                          ("„“", translate("poster.statement", page.lang))):
        lines.append(Line(x, y, f"{mark} {meaning}", size, False, muted, "legend"))
        x += text_width(f"{mark} {meaning}      ", size)
    credit = translate("poster.credit", page.lang, credit=CREDIT)
    lines.append(Line(page.width - page.margin,
                      page.height - page.margin - _line_height(page.pt["credit"]), credit,
                      page.pt["credit"], False, muted, "credit", "right"))
    return lines


def _arrange(
    shown: Sequence[_Theme], page: _Page, top: float, bottom: float
) -> tuple[int, list[str], list[tuple[float, float, float, float]]]:
    """How many of ``shown`` get a block between ``top`` and ``bottom``, as many as stay
    readable; the lines naming the rest, and the blocks' rectangles above those lines."""
    body_w, full_h = page.width - 2 * page.margin, bottom - top
    min_side = 0.27 * page.height
    fit = min(len(shown), max(1, int(body_w * full_h / (min_side * min_side * 1.3))))
    while True:
        more_lines = _more_lines(shown[fit:], body_w, page)
        body_h = full_h - _more_height(more_lines, page)
        rects = _treemap(shown[:fit], page.margin, top, body_w, body_h)
        if fit == 1 or min(min(r[2], r[3]) for r in rects) >= min_side * 0.85:
            return fit, more_lines, rects
        fit -= 1


def _treemap(
    blocks: Sequence[_Theme], x: float, y: float, w: float, h: float
) -> list[tuple[float, float, float, float]]:
    """The blocks' rectangles: area grows with the count, damped so small themes keep
    room for their words."""
    weights = [max(t.count, 1) ** 0.7 for t in blocks]
    floor = 0.6 * max(weights, default=1.0)
    return squarify([max(wt, floor) for wt in weights], x, y, w, h)


def _more_lines(rest: Sequence[_Theme], width: float, page: _Page) -> list[str]:
    """The "more themes" line naming the themes without a block, wrapped to ``width``."""
    if not rest:
        return []
    more = translate("poster.more_themes", page.lang) + ": " + " · ".join(
        f"{t.name} ({t.count})" for t in rest)
    return wrap_text(more, width, page.pt["legend"], parted=True)


def _more_height(more_lines: Sequence[str], page: _Page) -> float:
    """The height the "more themes" lines take under the blocks (none without them)."""
    return (_line_height(page.pt["legend"]) * len(more_lines) + 0.5 * page.gap
            if more_lines else 0.0)


def _more(more_lines: Sequence[str], page: _Page, bottom: float) -> _Part:
    """The "more themes" lines, just above ``bottom``."""
    lines: list[Line] = []
    y = bottom - _more_height(more_lines, page) + 0.25 * page.gap
    for text in more_lines:
        lines.append(Line(page.margin, y, text, page.pt["legend"], False, page.ink["fg"],
                          "legend"))
        y += _line_height(page.pt["legend"])
    return _Part(lines=tuple(lines))


def _badge(x: float, y: float, h: float, text: str, size: float,
           ink: Mapping[str, str]) -> tuple[Box, Line]:
    """A table's number in a small dark square (legend and blocks use the same mark)."""
    side = h * 0.92
    return (Box(x, y + (h - side) * 0.3, side, side, ink["fg"], radius=side * 0.2),
            Line(x + side / 2, y + (h - side) * 0.3 + side * 0.12, text, size * 0.8, True,
                 ink["bg"], "badge", "center"))


def _name_lines(name: str, width: float, size: float,
                hyphens: str | None = None) -> tuple[list[str], float, bool]:
    """The theme's name wrapped at ``size`` or smaller so that it takes at most three
    lines and no word has to be broken, or (``hyphens``: a language) a long one once,
    where that language's dictionary breaks it ("Ausländer-behörde"); an engine label
    ("A · B · C") may lose trailing words, which the keyword line shows anyway."""
    parts = name.split(" · ")
    for shrink in (1.0, 0.9):  # a name stays wall-sized: 0.9 of it at the least
        for keep in range(len(parts), 0, -1):
            text = " · ".join(parts[:keep])
            if not fits_words(text, width, size * shrink, True, hyphens):
                continue
            wrapped = wrap_text(text, width, size * shrink, bold=True, lang=hyphens,
                                parted=True)
            if len(wrapped) <= 3:
                return wrapped, size * shrink, True
    # A narrow card: smaller type rather than a broken word (only where nothing else fits)
    text = parts[0]
    widest = max(text_width(w, size, True) for w in text.split())
    shrink = max(0.45, min(0.9, width * 0.97 / widest))
    wrapped = wrap_text(text, width, size * shrink, bold=True, parted=True)
    return wrapped, size * shrink, widest * shrink <= width * 0.97


@dataclass(frozen=True)
class _Card:
    """Where a theme's block sits on the page (mm) and the padding inside its edge."""

    x: float
    y: float
    w: float
    h: float
    pad: float

    @property
    def inner(self) -> float:
        """The width of the text inside the padding."""
        return self.w - 2 * self.pad

    @property
    def limit(self) -> float:
        """How far down the text may go."""
        return self.y + self.h - self.pad


def _card(rect: tuple[float, float, float, float], page: _Page) -> _Card:
    """The card in a treemap rectangle, half a gap in from each side; its padding grows
    with its size and the statements' type."""
    x, y, w, h = rect
    w, h = w - page.gap, h - page.gap
    return _Card(x + page.gap / 2, y + page.gap / 2, w, h,
                 0.03 * min(w, h) + 0.35 * page.pt["item"] * _PT)


@dataclass(frozen=True)
class _Block:
    """What a theme's block is set from: the theme, its card, the page, the tables'
    numbers and the index in ``PosterLayout.items`` that its first item gets."""

    theme: _Theme
    card: _Card
    page: _Page
    number: Mapping[str, int]
    first: int


@dataclass(frozen=True)
class _Attempt:
    """The block set one way, and whether that overflows its card."""

    overflow: bool
    part: _Part


def _block(block: _Block) -> _Part:
    """One theme's block: a tinted card with pictogram and name, its figures and
    keywords, then as many whole items as fit, at the largest type that still shows as
    many items (up to three) as any size would."""
    fitting = _fitting(block)
    most = min(2, max(len(t.part.items) for t in fitting))
    best = next(t.part for t in fitting if len(t.part.items) >= most)
    theme, card, page = block.theme, block.card, block.page
    fill = mix(theme.color, page.ink["bg"], 0.80 if not page.dark else 0.75)
    return _join(_Part(boxes=(Box(card.x, card.y, card.w, card.h, fill,
                                  radius=0.025 * min(card.w, card.h)),)), best)


def _fitting(block: _Block) -> list[_Attempt]:
    """The ways of setting the block that fit (or the last one tried, if none does).

    Wall-readable type first: below 1.0 only when the name and keywords do not fit;
    a name below 0.9 of its size only when no card layout fits otherwise; where no
    voice fits, fewer keywords make room for one.
    """
    tries = [_attempt(block, scale, 2, stack, False) for scale in (1.5, 1.35, 1.2, 1.1, 1.0)
             for stack in (False, True)]
    # fewer keywords before smaller type
    tries += [_attempt(block, 1.0, lines, stack, False) for lines in (1, 0)
              for stack in (False, True)]
    fitting = [t for t in tries if not t.overflow]
    for scale in (0.9, 0.8, 0.7):
        if fitting:
            break
        fitting = [t for t in (_attempt(block, scale, 2, False, False),
                               _attempt(block, scale, 2, True, False)) if not t.overflow]
    if not fitting:  # a long compound on a narrow card: broken once, where the dictionary
        # breaks it, before its type shrinks below the wall size
        tries = [_attempt(block, 1.0, lines, stack, False, hyphens=True)
                 for lines in (2, 1, 0) for stack in (False, True)]
        fitting = [t for t in tries if not t.overflow]
    small_names = not fitting
    if small_names:
        tries = [_attempt(block, scale, lines, stack, True) for scale in (1.0, 0.8)
                 for lines in (2, 1) for stack in (False, True)]
        fitting = [t for t in tries if not t.overflow] or tries[-1:]
    if not any(t.part.items for t in fitting):  # no voice fits: fewer keywords make room
        fewer = (_attempt(block, 1.0, 1, False, small_names),
                 _attempt(block, 1.0, 0, False, small_names))
        fitting = [t for t in fewer if not t.overflow and t.part.items] or fitting
    return fitting


def _attempt(
    block: _Block, scale: float, keyword_lines: int, stacked: bool, small_names: bool,
    hyphens: bool = False,
) -> _Attempt:
    """The block with its type at ``scale``, at most ``keyword_lines`` lines of keywords
    and the name beside the pictogram or (``stacked``) under it. It overflows where name,
    figures and keywords run past the card, a word of the name is broken, or the name
    shrinks below 0.9 of its size (unless ``small_names``); with ``hyphens`` a long word
    of the name may break once where the dictionary breaks it."""
    pt = block.page.pt
    # the name, the key text, never shrinks below its wall size (0.9 for long words)
    t_pt = pt["theme"] * max(scale, 1.0)
    heading, y, name_pt, whole = _heading(block, t_pt, stacked, hyphens)
    figures, y = _figures(block, y, pt["count"] * scale)
    keywords, y = _keywords(block, y, pt["keywords"] * scale, keyword_lines)
    overflow = y > block.card.limit or not whole or (name_pt < 0.89 * t_pt and not small_names)
    voices = _voices(block, y + 0.3 * block.card.pad, pt["item"] * scale)
    return _Attempt(overflow, _join(heading, figures, keywords, voices))


def _heading(block: _Block, t_pt: float, stacked: bool,
             hyphens: bool = False) -> tuple[_Part, float, float, bool]:
    """The pictogram and the theme's name beside it or (``stacked``) under it; the top of
    what follows, the name's size and whether it is whole (no word broken, room enough)."""
    theme, card, ink = block.theme, block.card, block.page.ink
    icon = 2.0 * _line_height(t_pt) if theme.pictogram else 0.0
    stacked = stacked and bool(icon)
    room = card.inner if stacked or not icon else card.inner - icon - card.pad * 0.6
    name_lines, name_pt, whole = _name_lines(theme.name, room, t_pt,
                                             block.page.lang if hyphens else None)
    whole = whole and room >= 0.4 * card.inner
    text_x = card.x + card.pad + (0.0 if stacked or not icon else icon + card.pad * 0.6)
    lines: list[Line] = []
    pictures: list[Picture] = []
    y = card.y + card.pad
    if icon:
        pictures.append(Picture(card.x + card.pad, y, icon, theme.pictogram))
        if stacked:
            y += icon + 0.2 * card.pad
    name_top = y
    for text in name_lines:
        lines.append(Line(text_x, y, text, name_pt, True, ink["fg"], "theme"))
        y += _line_height(name_pt)
    if icon and not stacked:
        # centre a one-line name on the picture; below both either way
        if len(name_lines) == 1:
            lines[-1] = Line(text_x, name_top + (icon - _line_height(name_pt)) / 2,
                             name_lines[0], name_pt, True, ink["fg"], "theme")
        y = max(y, name_top + icon)
    part = _Part(pictures=tuple(pictures), lines=tuple(lines))
    return part, y + 0.2 * card.pad, name_pt, whole


def _figures(block: _Block, y: float, c_pt: float) -> tuple[_Part, float]:
    """The line at ``y`` with the theme's statement count and the numbers of its tables
    (as many as fit); the top of what follows."""
    theme, card, ink = block.theme, block.card, block.page.ink
    meta = translate("poster.count", block.page.lang, n=theme.count) + "  "
    boxes: list[Box] = []
    lines = [Line(card.x + card.pad, y, meta, c_pt, True, theme_ink(theme, ink), "count")]
    x = card.x + card.pad + text_width(meta, c_pt, True)
    h = _line_height(c_pt)
    for badge in [str(block.number[n]) for n in theme.tables[:8] if n in block.number]:
        box, mark = _badge(x, y, h, badge, c_pt, ink)
        if x + box.w > card.x + card.w - card.pad:
            break
        boxes.append(box)
        lines.append(mark)
        x += box.w * 1.15
    return _Part(boxes=tuple(boxes), lines=tuple(lines)), y + h


def _keywords(block: _Block, y: float, k_pt: float, most: int) -> tuple[_Part, float]:
    """The theme's top keywords not in its name, in at most ``most`` lines from ``y``
    (the last ones left out where they do not fit); the top of what follows."""
    theme, card = block.theme, block.card
    named = {part.casefold() for part in theme.name.replace("·", " ").split()}
    words = [k for k in theme.keywords if k.casefold() not in named][:6]
    wrapped: list[str] = []
    while words:
        # a keyword wider than the card breaks where the dictionary breaks it
        wrapped = wrap_text(" · ".join(words), card.inner, k_pt, lang=block.page.lang,
                            parted=True)
        if len(wrapped) <= most:
            break
        words.pop()
    if not words:
        wrapped = []
    lines: list[Line] = []
    for text in wrapped:
        lines.append(Line(card.x + card.pad, y, text, k_pt, False, block.page.ink["muted"],
                          "keywords"))
        y += _line_height(k_pt)
    return _Part(lines=tuple(lines)), y


def _voices(block: _Block, y: float, i_pt: float) -> _Part:
    """The theme's items from ``y`` at ``i_pt``, whole, each marked by a bar: as many as
    fit above the card's limit (up to ``_MAX_ITEMS``), a long one skipped for the next."""
    theme, card, ink = block.theme, block.card, block.page.ink
    bar = 0.12 * i_pt * _PT
    indent = bar * 3.0
    step = _line_height(i_pt)
    boxes: list[Box] = []
    lines: list[Line] = []
    shown: list[Item] = []
    for item in theme.candidates:
        if len(shown) >= _MAX_ITEMS:
            break
        bold = item.kind == "demand"
        text = item.text if bold else f"„{item.text}“"
        wrapped = wrap_text(text, card.inner - indent, i_pt, bold)
        need = step * len(wrapped)
        if y + need > card.limit or not fits_words(text, card.inner - indent, i_pt, bold):
            continue  # too long for the space left (or a word broken): try the next
        boxes.append(Box(card.x + card.pad, y + 0.12 * step, bar, need - 0.24 * step,
                         theme_ink(theme, ink) if bold else ink["line"]))
        for text_line in wrapped:
            lines.append(Line(card.x + card.pad + indent, y, text_line, i_pt, bold, ink["fg"],
                              item.kind, part_of=block.first + len(shown)))
            y += step
        y += 0.35 * step
        shown.append(item)
    return _Part(tuple(boxes), (), tuple(lines), tuple(shown))


def theme_ink(theme: _Theme, ink: Mapping[str, str]) -> str:
    """The theme's colour for text on its tinted card: darkened where it would be pale on
    a light page, lightened where it would be dim on a dark one."""
    r, g, b = rgb(theme.color)
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

