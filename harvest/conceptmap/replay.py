"""The map's growth, replayed: an offline HTML page and an animated GIF.

The engine is run again at a handful of moments of the workshop (``steps`` cuts through
the statements in the order they were written, each run warm-started from the one before
with ``previous=``, as the live board does), not once per statement: a 3,000-statement
workshop costs ~24 runs. Each run's themes are matched to the final board's themes by
the statements they share, so the replay shows the board's own themes, in their colours,
pictograms and places on the map, appearing and growing; between two runs the counts
grow statement by statement.

``replay_html`` is one self-contained page (everything inline, no outside host, a
Content-Security-Policy that forbids any request; statement texts go in with
``textContent`` only); ``replay_gif`` draws the same frames with Pillow for slides.
"""

from __future__ import annotations

import dataclasses
import html
import io
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harvest.conceptmap.graph import theme_colors, theme_node
from harvest.conceptmap.style import OTHER_COLOR, replay_colors, rgb
from harvest.engine.themes import EngineSettings, detect_themes
from harvest.i18n import theme_name, translate
from harvest.model import Clustering, Document, Statement
from harvest.pictograms import CREDIT, credit_line, data_uri, pictogram_image

if TYPE_CHECKING:
    from harvest.board import Board

__all__ = ["Replay", "build_replay", "replay_gif", "replay_html"]

DEFAULT_STEPS = 24


class ReplayError(ValueError):
    """The replay cannot be built with these arguments."""


@dataclass(frozen=True)
class ReplayTheme:
    """A theme of the final board as the replay draws it."""

    id: str
    label: str
    color: str
    pictogram: str
    x: float
    y: float
    """centre on a 1000 x 560 stage: the final map's arrangement, spread and kept apart"""
    final_count: int


@dataclass(frozen=True)
class Frame:
    """The board after the first ``shown`` statements: statements per (final) theme."""

    shown: int
    counts: dict[str, int]


@dataclass(frozen=True)
class Replay:
    """Everything the page and the GIF play."""

    title: str
    subtitle: str
    language: str
    themes: tuple[ReplayTheme, ...]
    frames: tuple[Frame, ...]
    statements: tuple[tuple[str, str, str], ...]
    """(time "HH:MM" or "", text, final theme id) in the order they were written"""


def short_label(label: str, limit: int = 26) -> str:
    """An engine label ("A · B · C") without its trailing words when it is long; a
    moderator's own label stays whole."""
    parts = label.split(" · ")
    while len(parts) > 1 and len(" · ".join(parts)) > limit:
        parts.pop()
    return " · ".join(parts)


def _ordered(statements: Sequence[Statement]) -> list[Statement]:
    return sorted((s for s in statements if not s.hidden), key=lambda s: (s.created_at, s.id))


def _cuts(total: int, steps: int) -> list[int]:
    """How many statements each engine run sees: ``steps`` even cuts, the last = all."""
    steps = max(1, min(steps, total))
    return sorted({max(1, round(total * (k + 1) / steps)) for k in range(steps)})


def _match(run: Clustering, final_of: Mapping[int, str]) -> dict[str, int]:
    """Statements per final theme in one run: each run theme counts for the final theme
    that holds most of its statements (so merged or split histories still add up)."""
    counts: Counter[str] = Counter()
    for theme in run.themes:
        ids = [i for i in theme.statement_ids if i in final_of]
        if not ids:
            continue
        home = Counter(final_of[i] for i in ids).most_common(1)[0][0]
        counts[home] += len(ids)
    return dict(counts)


STAGE = (1000.0, 560.0)


def radius(count: int, biggest: int) -> float:
    """A theme's radius on the stage: area grows with its statements."""
    return 22.0 + 70.0 * math.sqrt(max(count, 0) / max(biggest, 1))


def _spread(themes: list[ReplayTheme]) -> list[ReplayTheme]:
    """The themes' places on the final map, stretched to the stage and pushed apart until
    no two final-size circles with their labels overlap (the map itself packs them
    between keywords, which the replay does not draw)."""
    if not themes:
        return themes
    width, height = STAGE
    xs = [t.x for t in themes]
    ys = [t.y for t in themes]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    biggest = max(t.final_count for t in themes)
    pts = [[120 + (t.x - min(xs)) / span_x * (width - 240),
            90 + (t.y - min(ys)) / span_y * (height - 200)] for t in themes]
    half = [(max(radius(t.final_count, biggest), 10.5 * len(t.label) / 2) + 8,
             radius(t.final_count, biggest) + 28) for t in themes]
    for _ in range(200):
        moved = False
        for i in range(len(pts)):
            for j in range(i + 1, len(pts)):
                dx = pts[j][0] - pts[i][0]
                dy = pts[j][1] - pts[i][1]
                over_x = half[i][0] + half[j][0] - abs(dx)
                over_y = half[i][1] + half[j][1] - abs(dy)
                if over_x > 0 and over_y > 0:
                    moved = True
                    if over_x / width < over_y / height:  # push along the cheaper axis
                        step = over_x / 2 * (1 if dx >= 0 else -1)
                        pts[i][0] -= step
                        pts[j][0] += step
                    else:
                        step = over_y / 2 * (1 if dy >= 0 else -1)
                        pts[i][1] -= step
                        pts[j][1] += step
        for k, (hx, hy) in enumerate(half):
            pts[k][0] = min(max(pts[k][0], hx), width - hx)
            pts[k][1] = min(max(pts[k][1], hy - 28), height - hy - 28)
        if not moved:
            break
    return [dataclasses.replace(t, x=round(p[0], 1), y=round(p[1], 1))
            for t, p in zip(themes, pts, strict=True)]


def build_replay(board: Board, *, steps: int = DEFAULT_STEPS, seed: int = 0) -> Replay:
    """The replay of ``board``: ``steps`` engine runs over the statements in time order."""
    if steps < 1:
        raise ReplayError("steps must be at least 1")
    ordered = _ordered(board.statements)
    final = board.clustering
    final_of: dict[int, str] = {}
    for theme in final.themes:
        for sid in theme.statement_ids:
            final_of.setdefault(sid, theme.id)
    colors = theme_colors(board.graph)
    themes = []
    for theme in final.themes:
        node = theme_node(theme.id)
        x, y = board.positions.get(node, (0.0, 0.0))
        label = theme_name(short_label(theme.label), theme.is_other, board.language)
        themes.append(ReplayTheme(
            theme.id, label, OTHER_COLOR if theme.is_other else colors.get(theme.id, OTHER_COLOR),
            board.pictograms.get(theme.id, ""), float(x), float(y), len(theme.statement_ids),
        ))
    themes = _spread(themes)
    frames: list[Frame] = []
    previous: Clustering | None = None
    documents = [Document(id=s.id, text=s.text, kind=s.kind, table=s.table_name) for s in ordered]
    cuts = _cuts(len(ordered), steps)
    for index, cut in enumerate(cuts):
        if index == len(cuts) - 1:
            run = final  # the last frame is the board itself
        else:
            run = detect_themes(documents[:cut], overrides=board.overrides,
                                settings=EngineSettings(), previous=previous,
                                language=board.language, seed=seed)
            previous = run
        frames.append(Frame(cut, _match(run, final_of)))
    span = (ordered[-1].created_at - ordered[0].created_at).total_seconds() if ordered else 0
    statements = tuple(
        (s.created_at.strftime("%H:%M") if span >= 60 else "", " ".join(s.text.split()),
         final_of.get(s.id, ""))
        for s in ordered
    )
    return Replay(board.workshop.title, board.subtitle(), board.language, tuple(themes),
                  tuple(frames), statements)


def counts_at(replay: Replay, shown: int) -> dict[str, int]:
    """Statements per theme after ``shown`` statements: the engine run that covers them,
    grown in proportion from the run before."""
    before = Frame(0, {})
    for frame in replay.frames:
        if frame.shown >= shown:
            share = (shown - before.shown) / max(1, frame.shown - before.shown)
            keys = set(before.counts) | set(frame.counts)
            return {k: round(before.counts.get(k, 0)
                             + (frame.counts.get(k, 0) - before.counts.get(k, 0)) * share)
                    for k in keys}
        before = frame
    return dict(before.counts)


# --- the offline page -----------------------------------------------------------------

_JS = """
(function () {
  "use strict";
  var d = JSON.parse(document.getElementById("replay-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("replay-map");
  var total = d.statements.length;
  var maxCount = 1;
  d.themes.forEach(function (t) { maxCount = Math.max(maxCount, t.final); });
  var shapes = {};
  d.themes.forEach(function (t) {
    var g = document.createElementNS(NS, "g");
    g.setAttribute("class", "theme");
    var c = document.createElementNS(NS, "circle");
    c.setAttribute("fill", t.color);
    c.setAttribute("fill-opacity", "0.9");
    g.appendChild(c);
    var inner = document.createElementNS(NS, "circle");
    inner.setAttribute("fill", d.bg);
    g.appendChild(inner);
    var img = null;
    if (t.picture) {
      img = document.createElementNS(NS, "image");
      img.setAttribute("href", t.picture);
      g.appendChild(img);
    }
    var label = document.createElementNS(NS, "text");
    label.setAttribute("class", "label");
    label.textContent = t.label;
    g.appendChild(label);
    var count = document.createElementNS(NS, "text");
    count.setAttribute("class", "count");
    g.appendChild(count);
    svg.appendChild(g);
    shapes[t.id] = {g: g, c: c, inner: inner, img: img, label: label, count: count, t: t};
  });
  function countsAt(i) {
    var before = {shown: 0, counts: {}};
    for (var k = 0; k < d.frames.length; k++) {
      var f = d.frames[k];
      if (f.shown >= i) {
        var share = (i - before.shown) / Math.max(1, f.shown - before.shown);
        var out = {};
        Object.keys(shapes).forEach(function (id) {
          var a = before.counts[id] || 0, b = f.counts[id] || 0;
          out[id] = Math.round(a + (b - a) * share);
        });
        return out;
      }
      before = f;
    }
    return before.counts;
  }
  var slider = document.getElementById("replay-slider");
  var status = document.getElementById("replay-status");
  var ticker = document.getElementById("replay-ticker");
  var button = document.getElementById("replay-play");
  slider.max = String(total);
  var state = {step: 0, playing: false, timer: null};
  window.harvestReplay = state;
  function draw(i) {
    state.step = i;
    slider.value = String(i);
    var counts = countsAt(i);
    Object.keys(shapes).forEach(function (id) {
      var s = shapes[id], n = counts[id] || 0;
      if (n <= 0) { s.g.setAttribute("visibility", "hidden"); return; }
      s.g.setAttribute("visibility", "visible");
      var r = 22 + 70 * Math.sqrt(n / maxCount);
      var x = s.t.x, y = s.t.y;
      s.c.setAttribute("cx", x); s.c.setAttribute("cy", y); s.c.setAttribute("r", r);
      s.inner.setAttribute("cx", x); s.inner.setAttribute("cy", y);
      s.inner.setAttribute("r", s.img ? r * 0.72 : 0);
      if (s.img) {
        s.img.setAttribute("x", x - r * 0.6); s.img.setAttribute("y", y - r * 0.6);
        s.img.setAttribute("width", r * 1.2); s.img.setAttribute("height", r * 1.2);
      }
      s.label.setAttribute("x", x); s.label.setAttribute("y", y + r + 19);
      s.count.setAttribute("x", x); s.count.setAttribute("y", y + r + 37);
      s.count.textContent = String(n);
    });
    var last = i > 0 ? d.statements[i - 1] : null;
    status.textContent = d.words.of.replace("{n}", String(i)).replace("{total}", String(total))
      + (last && last[0] ? " \\u00b7 " + last[0] : "");
    ticker.textContent = last ? last[1] : "";
  }
  function stop() {
    state.playing = false;
    if (state.timer) { window.clearInterval(state.timer); state.timer = null; }
    button.textContent = d.words.play;
  }
  function play() {
    if (state.step >= total) { draw(0); }
    state.playing = true;
    button.textContent = d.words.pause;
    var every = Math.max(1, Math.round(total / 400));
    var ms = Math.min(400, Math.max(40, 30000 / Math.max(1, total / every)));
    state.timer = window.setInterval(function () {
      var next = Math.min(total, state.step + every);
      draw(next);
      if (next >= total) { stop(); }
    }, ms);
  }
  button.addEventListener("click", function () { if (state.playing) { stop(); } else { play(); } });
  slider.addEventListener("input", function () { stop(); draw(parseInt(slider.value, 10)); });
  draw(total);
  state.ready = true;
  if (d.autoplay) { draw(0); play(); }
})();
"""


def replay_html(
    board: Board, *, dark: bool = False, steps: int = DEFAULT_STEPS, autoplay: bool = False,
    replay: Replay | None = None,
) -> str:
    """The replay as one offline HTML page (no outside host, nothing but its own script)."""
    from harvest.conceptmap.html import csp_hash, script_json  # the map page's rules, shared

    data = replay or build_replay(board, steps=steps)
    lang = data.language if data.language in ("de", "en") else "de"
    colors = replay_colors(dark)
    bg, fg, muted = colors["bg"], colors["fg"], colors["muted"]
    payload = {
        "themes": [{"id": t.id, "label": t.label, "color": t.color, "x": t.x, "y": t.y,
                    "final": t.final_count, "picture": data_uri(t.pictogram) if t.pictogram else ""}
                   for t in data.themes],
        "frames": [{"shown": f.shown, "counts": f.counts} for f in data.frames],
        "statements": [list(s) for s in data.statements],
        "words": {"play": translate("replay.play", lang), "pause": translate("replay.pause", lang),
                  "of": translate("replay.statement_of", lang, n="{n}", total="{total}")},
        "bg": bg,
        "autoplay": autoplay,
    }
    csp = ("default-src 'none'; "
           f"script-src {csp_hash(_JS)}; style-src 'unsafe-inline'; img-src data:; "
           "font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'")
    credit = credit_line(lang, (t.pictogram for t in data.themes))
    style = f"""
html, body {{ margin: 0; background: {bg}; color: {fg};
  font-family: "DejaVu Sans", Verdana, Arial, sans-serif; }}
main {{ max-width: 1200px; margin: 0 auto; padding: 12px 18px; }}
h1 {{ font-size: 26px; margin: 0; }} .sub {{ color: {muted}; margin: 2px 0 8px 0; }}
svg {{ width: 100%; height: auto; display: block; }}
.label {{ font-size: 17px; font-weight: bold; text-anchor: middle; fill: {fg};
  paint-order: stroke; stroke: {bg}; stroke-width: 5px; }}
.count {{ font-size: 15px; text-anchor: middle; fill: {muted}; }}
.bar {{ display: flex; gap: 12px; align-items: center; margin: 6px 0; }}
button {{ font-size: 18px; padding: 6px 16px; }}
input[type=range] {{ flex: 1 1 auto; }}
#replay-status {{ color: {muted}; min-width: 14em; }}
#replay-ticker {{ font-size: 20px; min-height: 2.8em; margin: 6px 0; overflow-wrap: anywhere; }}
.credit {{ color: {muted}; font-size: 12px; }}
"""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp, quote=True)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{html.escape(translate('replay.title', lang) + ' · ' + data.title)}</title>"
        f"<style>{style}</style></head><body><main>"
        f"<h1>{html.escape(data.title)}</h1>"
        f'<p class="sub">{html.escape(data.subtitle)}</p>'
        '<div class="bar"><button id="replay-play" type="button">'
        f"{html.escape(translate('replay.play', lang))}</button>"
        '<input id="replay-slider" type="range" min="0" max="0" value="0" '
        f'aria-label="{html.escape(translate("replay.title", lang), quote=True)}">'
        '<span id="replay-status"></span></div>'
        '<div id="replay-ticker" aria-live="polite"></div>'
        '<svg id="replay-map" viewBox="0 0 1000 560" role="img"></svg>'
        f'<p class="credit">{html.escape(credit)}</p>'
        f'<script type="application/json" id="replay-data">{script_json(payload)}</script>'
        f"<script>{_JS}</script>"
        "</main></body></html>\n"
    ).encode("utf-8", errors="replace").decode("utf-8")


# --- the GIF --------------------------------------------------------------------------


def replay_gif(
    board: Board, *, dark: bool = False, steps: int = DEFAULT_STEPS, width: int = 1280,
    replay: Replay | None = None,
) -> bytes:
    """The replay as an animated GIF (one frame per engine run, the last held longer)."""
    from pathlib import Path

    import matplotlib
    from PIL import Image, ImageDraw, ImageFont

    data = replay or build_replay(board, steps=steps)
    height = round(width * 9 / 16)
    unit = width / 1280
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    bold = ImageFont.truetype(str(folder / "DejaVuSans-Bold.ttf"), round(22 * unit))
    title_font = ImageFont.truetype(str(folder / "DejaVuSans-Bold.ttf"), round(34 * unit))
    small = ImageFont.truetype(str(folder / "DejaVuSans.ttf"), round(18 * unit))
    palette = replay_colors(dark)
    bg, fg, muted = (rgb(palette[name]) for name in ("bg", "fg", "muted"))
    biggest = max((t.final_count for t in data.themes), default=1) or 1
    total = len(data.statements)
    lang = data.language
    top, bottom = 100 * unit, 34 * unit
    scale = min(width / STAGE[0], (height - top - bottom) / STAGE[1])
    left = (width - STAGE[0] * scale) / 2
    images = []
    credited = bool(credit_line(lang, (t.pictogram for t in data.themes)))
    for frame in data.frames or (Frame(0, {}),):
        image = Image.new("RGB", (width, height), bg)
        draw = ImageDraw.Draw(image)
        draw.text((30 * unit, 22 * unit), data.title, font=title_font, fill=fg)
        status = translate("replay.statement_of", lang, n=frame.shown, total=total)
        when = data.statements[frame.shown - 1][0] if frame.shown else ""
        draw.text((30 * unit, 66 * unit), " · ".join(p for p in (data.subtitle, status, when) if p),
                  font=small, fill=muted)
        for theme in sorted(data.themes, key=lambda t: -frame.counts.get(t.id, 0)):
            n = frame.counts.get(theme.id, 0)
            if n <= 0:
                continue
            r = radius(n, biggest) * scale
            cx = left + theme.x * scale
            cy = top + theme.y * scale
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=theme.color)
            if theme.pictogram:
                inner = r * 0.74
                draw.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), fill=bg)
                side = max(8, round(r * 1.2))
                icon = pictogram_image(theme.pictogram, side)
                image.paste(icon, (round(cx - side / 2), round(cy - side / 2)), icon)
            draw.text((cx, cy + r + 4 * unit), theme.label, font=bold, fill=fg, anchor="ma",
                      stroke_width=max(1, round(3 * unit)), stroke_fill=bg)
            draw.text((cx, cy + r + 30 * unit), str(n), font=small, fill=muted, anchor="ma")
        if credited:  # the short credit: a frame's corner has no room for the whole line
            draw.text((width - 20 * unit, height - 14 * unit), CREDIT, font=small, fill=muted,
                      anchor="rd")
        images.append(image.quantize(colors=128, method=Image.Quantize.FASTOCTREE))
    buffer = io.BytesIO()
    durations = [350] * (len(images) - 1) + [4000]
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:],
                   duration=durations if len(images) > 1 else 4000, loop=0, optimize=False)
    return buffer.getvalue()
