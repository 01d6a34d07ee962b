"""Positions for the concept map: seeded, spread out, and calm while the map grows.

``compute_layout`` places every node by a greedy spiral search for a free spot, the way
word clouds are packed: each theme reserves a circle sized for its keywords and demands,
the circles are packed next to the themes they share keywords with, the satellites take
the nearest free spot around their theme (best keywords closest), and no two label boxes
overlap. Given the previous positions, nodes keep their spot; a theme that outgrows its
circle pushes its neighbours away as rigid wholes, just as far as needed; only new nodes
look for a spot. So a new statement makes the map grow instead of jump.

Coordinates lie in a fixed box, ``-1 <= x, y <= 1`` with y pointing down as on screen,
at a fixed scale: the box spans ``CANVAS_PX`` reference pixels, the unit of the graph's
``size`` and ``font_size`` attributes. A small map uses the middle of the box, a large
one fills it; renderers zoom to the content.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

BOX = 1.0
"""Positions lie in [-BOX, BOX] on both axes."""
CANVAS_PX = 6000.0
"""Reference pixels spanned by the box's width (room for the 250-node cap)."""
_SCALE = CANVAS_PX / (2 * BOX)
"""Reference pixels per box unit."""
_PAD = 12.0
"""Free space kept around every label box, in reference pixels."""
_DENSITY = 0.6
"""Share of a theme's reserved circle its label boxes may fill (denser reads larger)."""
_GAP = 30.0
"""Free space kept between the circles that themes reserve, in reference pixels."""


class LayoutError(ValueError):
    """Positions cannot be computed for this graph."""


def canvas_extent() -> float:
    """Reference pixels spanned by the box [-1, 1] (the same for every map)."""
    return CANVAS_PX


def label_box(data: Mapping[str, object]) -> tuple[float, float, float, float]:
    """Box of a node and the label drawn below it: (dx, dy, half width, half height).

    In reference pixels, relative to the node's position (the label sits under the
    node, so the box's centre lies below it by ``dy``).
    """
    size = float(data.get("size", 10.0))  # type: ignore[arg-type]
    font = float(data.get("font_size", 20.0))  # type: ignore[arg-type]
    lines = str(data.get("label", "")).split("\n")
    bold = 1.08 if data.get("kind") == "theme" else 1.0
    text_width = 0.62 * font * max(len(line) for line in lines) * bold
    top = -size
    bottom = size + 4.0 + 1.25 * font * len(lines) if any(lines) else size
    half_w = max(size, text_width / 2)
    return 0.0, (top + bottom) / 2, half_w, (bottom - top) / 2


def _angle(node: str, seed: int) -> float:
    # A start direction that depends on the node id and the seed only, not on what else
    # is in the graph: a new keyword tries the same side of its theme every time.
    digest = hashlib.sha256(f"{seed}:{node}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 * 2 * math.pi


class _Boxes:
    """Placed axis-aligned boxes (centre x, centre y, half w, half h), padded."""

    def __init__(self) -> None:
        self._array = np.zeros((64, 4))
        self._count = 0

    def add(self, cx: float, cy: float, hw: float, hh: float) -> None:
        if self._count == len(self._array):  # room doubles: adding n boxes copies O(n)
            self._array = np.concatenate([self._array, np.zeros_like(self._array)])
        self._array[self._count] = (cx, cy, hw + _PAD / 2, hh + _PAD / 2)
        self._count += 1

    def free(self, cx: np.ndarray, cy: np.ndarray, hw: float, hh: float) -> np.ndarray:
        """Which candidate centres would not overlap any placed box."""
        if not self._count:
            return np.ones(len(cx), dtype=bool)
        b = self._array[: self._count]
        over_x = np.abs(cx[:, None] - b[None, :, 0]) < (hw + _PAD / 2 + b[None, :, 2])
        over_y = np.abs(cy[:, None] - b[None, :, 1]) < (hh + _PAD / 2 + b[None, :, 3])
        return np.logical_not((over_x & over_y).any(axis=1))

    def fits(self, cx: float, cy: float, hw: float, hh: float) -> bool:
        """Whether a box centred at (cx, cy) would not overlap any placed box."""
        return bool(self.free(np.array([cx]), np.array([cy]), hw, hh)[0])


def _spiral(
    boxes: _Boxes,
    centre: tuple[float, float],
    offset: tuple[float, float],
    half: tuple[float, float],
    start_angle: float,
    first_radius: float,
) -> tuple[float, float]:
    """The first free spot on rings around ``centre``; returns the node position.

    ``offset`` is the box centre relative to the node, ``half`` its half extents.
    """
    step = max(24.0, min(half) * 1.2)
    radius = first_radius
    for _ in range(400):
        count = max(8, int(2 * math.pi * radius / step)) if radius > 0 else 1
        angles = start_angle + np.arange(count) * (2 * math.pi / count)
        # Alternate sides so the search fans out from the start direction.
        order = np.argsort(np.minimum(np.arange(count), count - np.arange(count)), kind="stable")
        angles = angles[order]
        xs = centre[0] + radius * np.cos(angles)
        ys = centre[1] + radius * np.sin(angles) * 0.8  # flatter rings suit wide screens
        ok = boxes.free(xs + offset[0], ys + offset[1], half[0], half[1])
        if ok.any():
            i = int(np.argmax(ok))
            return float(xs[i]), float(ys[i])
        radius += step
    return centre  # pragma: no cover - 400 rings hold far more than the node cap


def _theme_of(graph: nx.Graph, node: str) -> str | None:
    theme = graph.nodes[node].get("theme")
    anchor = f"theme:{theme}" if theme else None
    if anchor is not None and anchor in graph and anchor != node:
        return anchor
    themes = [str(n) for n in graph[node] if graph.nodes[n].get("kind") == "theme"]
    if themes and graph.nodes[node].get("kind") != "theme":
        return max(themes, key=lambda n: (float(graph[node][n].get("weight", 1.0)), n))
    return None


def _satellite_order(graph: nx.Graph, members: Sequence[str]) -> list[str]:
    # Keywords by weight first (closest to the theme), then demands, then the rest.
    rank = {"keyword": 0, "demand": 1}
    return sorted(
        members,
        key=lambda n: (
            rank.get(str(graph.nodes[n].get("kind")), 2),
            -float(graph.nodes[n].get("weight", 0.0)),
            n,
        ),
    )


def _cluster_radius(graph: nx.Graph, theme: str, members: Sequence[str]) -> float:
    """Room a theme reserves for itself and its satellites (reference pixels).

    The label boxes' total area at ``_DENSITY`` packing density, and never less than
    half the theme's own label, so a growing theme claims room before it needs it.
    """
    area = 0.0
    for node in (theme, *members):
        _, _, hw, hh = label_box(graph.nodes[node])
        area += (2 * hw + _PAD) * (2 * hh + _PAD)
    _, _, theme_hw, theme_hh = label_box(graph.nodes[theme])
    return max(math.sqrt(area / math.pi / _DENSITY), theme_hw + 40.0, theme_hh * 2 + 40.0)


def _circle_spot(
    circles: Mapping[str, tuple[float, float, float]],
    centre: tuple[float, float],
    radius: float,
    start_angle: float,
) -> tuple[float, float]:
    """The first spot on rings around ``centre`` where a circle of ``radius`` fits."""
    if not circles:
        return centre
    arr = np.asarray(list(circles.values()))
    step = max(radius * 0.25, 20.0)
    ring = 0.0
    for _ in range(2000):
        count = max(12, int(2 * math.pi * ring / step)) if ring > 0 else 1
        angles = start_angle + np.arange(count) * (2 * math.pi / count)
        xs = centre[0] + ring * np.cos(angles)
        ys = centre[1] + ring * np.sin(angles) * 0.6  # wide screens: spread sideways
        gap = np.hypot(xs[:, None] - arr[None, :, 0], ys[:, None] - arr[None, :, 1])
        ok = (gap >= arr[None, :, 2] + radius + _GAP).all(axis=1)
        if ok.any():
            i = int(np.argmax(ok))
            return float(xs[i]), float(ys[i])
        ring += step
    return centre  # pragma: no cover - far more rings than any map needs


def _make_room(
    centres: dict[str, tuple[float, float]], radius: Mapping[str, float], seed: int
) -> dict[str, tuple[float, float]]:
    """Push apart clusters whose reserved circles overlap; returns each theme's shift.

    Clusters move as rigid wholes and only by what their growth needs, so people find
    every theme where it was, just a little further from its neighbours.
    """
    names = sorted(centres)
    pos = {name: np.asarray(centres[name], dtype=float) for name in names}
    for _ in range(200):
        moved = False
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                delta = pos[b] - pos[a]
                dist = float(np.hypot(*delta))
                need = radius[a] + radius[b] + _GAP
                if dist >= need - 1e-6:
                    continue
                if dist < 1e-9:
                    angle = _angle(a + "|" + b, seed)
                    direction = np.array([math.cos(angle), math.sin(angle)])
                else:
                    direction = delta / dist
                # The smaller cluster gives way more than the larger one.
                share = radius[a] / (radius[a] + radius[b])
                push = (need - dist) + 1e-3
                pos[a] = pos[a] - direction * push * (1 - share)
                pos[b] = pos[b] + direction * push * share
                moved = True
        if not moved:
            break
    return {
        name: (float(pos[name][0] - centres[name][0]), float(pos[name][1] - centres[name][1]))
        for name in names
    }


def compute_layout(
    graph: nx.Graph,
    *,
    previous: Mapping[str, tuple[float, float]] | None = None,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """Node id -> (x, y) in the box [-1, 1]², deterministic for (graph, previous, seed).

    Every theme reserves a circle sized for its satellites. Without ``previous`` the
    circles are packed largest first, each next to the themes it shares keywords with,
    and the satellites (best keywords first, then demands) take the nearest free spot
    around their theme; the whole is centred. With ``previous``: nodes found there keep
    their position, except that a theme that outgrew its room pushes its neighbours
    away (each cluster moves as a whole, by no more than needed) and a satellite that
    changed theme is placed anew; new themes take a free spot beside their linked
    themes, new satellites the nearest free spot beside their theme.
    """
    nodes = sorted(str(n) for n in graph)
    placed = _held_positions(graph, previous)
    fresh = not placed
    clusters = _clusters(graph, nodes)
    _drop_strays(placed, clusters)
    _push_apart(placed, clusters, seed)
    _place_new_themes(graph, placed, clusters, seed)
    boxes = _held_boxes(graph, placed, clusters)
    _place_new_satellites(graph, placed, clusters, boxes, seed)
    _place_loose(graph, placed, clusters.loose, boxes, seed)
    return _in_box(placed, nodes, centre=fresh)


@dataclass(frozen=True)
class _Clusters:
    """The map's nodes grouped by theme; node ids in id order unless said otherwise."""

    themes: tuple[str, ...]
    by_size: tuple[str, ...]
    """The themes again, those with most statements first."""
    members: Mapping[str, tuple[str, ...]]
    """Theme -> its satellites (keywords, demands)."""
    loose: tuple[str, ...]
    """Nodes of no theme (tables, unlinked nodes)."""
    radius: Mapping[str, float]
    """Theme -> radius of the circle it reserves (``_cluster_radius``)."""


def _held_positions(
    graph: nx.Graph, previous: Mapping[str, tuple[float, float]] | None
) -> dict[str, tuple[float, float]]:
    """The previous positions of the graph's nodes, in reference pixels.

    Raises ``LayoutError`` if one of them is not finite.
    """
    held = {k: v for k, v in (previous or {}).items() if k in graph}
    for node, (x, y) in held.items():
        if not (math.isfinite(x) and math.isfinite(y)):
            raise LayoutError(f"previous position of {node!r} is not finite")
    return {node: (float(x) * _SCALE, float(y) * _SCALE) for node, (x, y) in held.items()}


def _clusters(graph: nx.Graph, nodes: Sequence[str]) -> _Clusters:
    """Each of ``nodes`` as a theme, a satellite of one, or loose; tables are loose."""
    themes = [n for n in nodes if graph.nodes[n].get("kind") == "theme"]
    members: dict[str, list[str]] = {t: [] for t in themes}
    loose: list[str] = []
    for node in nodes:
        if node in members:
            continue
        theme = _theme_of(graph, node)
        if theme is not None and graph.nodes[node].get("kind") != "table":
            members[theme].append(node)
        else:
            loose.append(node)
    return _Clusters(
        themes=tuple(themes),
        by_size=tuple(sorted(themes, key=lambda t: (-int(graph.nodes[t].get("count", 0)), t))),
        members={t: tuple(m) for t, m in members.items()},
        loose=tuple(loose),
        radius={t: _cluster_radius(graph, t, members[t]) for t in themes},
    )


def _drop_strays(placed: dict[str, tuple[float, float]], clusters: _Clusters) -> None:
    """Forget the held spots of satellites to be placed anew: those of a new theme and
    those far outside their theme's room (they changed theme)."""
    for theme in clusters.themes:
        home = placed.get(theme)
        reach = clusters.radius[theme] * 1.3
        for node in clusters.members[theme]:
            if node in placed and (home is None or math.dist(placed[node], home) > reach):
                del placed[node]


def _push_apart(placed: dict[str, tuple[float, float]], clusters: _Clusters, seed: int) -> None:
    """Move the held clusters, each as a whole, so that themes that grew get their room."""
    held = {t: placed[t] for t in clusters.themes if t in placed}
    for theme, (sx, sy) in _make_room(held, clusters.radius, seed).items():
        if sx or sy:
            for node in (theme, *clusters.members[theme]):
                if node in placed:
                    placed[node] = (placed[node][0] + sx, placed[node][1] + sy)


def _place_new_themes(
    graph: nx.Graph, placed: dict[str, tuple[float, float]], clusters: _Clusters, seed: int
) -> None:
    """Give each new theme, largest first, a free circle beside the themes it links to."""
    links = _theme_links(graph, clusters.themes)
    circles = {t: (*placed[t], clusters.radius[t]) for t in clusters.themes if t in placed}
    for theme in [t for t in clusters.by_size if t not in placed]:
        centre = _linked_centre(placed, links.get(theme, {}))
        placed[theme] = _circle_spot(circles, centre, clusters.radius[theme], _angle(theme, seed))
        circles[theme] = (*placed[theme], clusters.radius[theme])


def _held_boxes(
    graph: nx.Graph, placed: dict[str, tuple[float, float]], clusters: _Clusters
) -> _Boxes:
    """The label boxes of what is placed, themes first; a held node other than a theme
    whose box a push made collide with an earlier one gives way (to be placed anew)."""
    boxes = _Boxes()
    satellites = [m for t in clusters.by_size for m in _satellite_order(graph, clusters.members[t])]
    for node in (*clusters.by_size, *satellites, *clusters.loose):
        if node not in placed:
            continue
        (x, y), (dx, dy, hw, hh) = placed[node], label_box(graph.nodes[node])
        if node not in clusters.members and not boxes.fits(x + dx, y + dy, hw, hh):
            del placed[node]
            continue
        boxes.add(x + dx, y + dy, hw, hh)
    return boxes


def _place_new_satellites(
    graph: nx.Graph,
    placed: dict[str, tuple[float, float]],
    clusters: _Clusters,
    boxes: _Boxes,
    seed: int,
) -> None:
    """Put the satellites not yet placed, best first, on the nearest free spot around
    their theme, the largest theme's first."""
    for theme in clusters.by_size:
        first_ring = float(graph.nodes[theme].get("size", 30.0)) + 60.0
        news = [m for m in clusters.members[theme] if m not in placed]
        for node in _satellite_order(graph, news):
            placed[node] = _free_spot(boxes, graph, node, placed[theme], first_ring, seed)


def _place_loose(
    graph: nx.Graph,
    placed: dict[str, tuple[float, float]],
    loose: Sequence[str],
    boxes: _Boxes,
    seed: int,
) -> None:
    """Put the loose nodes not yet placed on the nearest free spot around the middle of
    their placed neighbours (of the box, if they have none)."""
    for node in loose:
        if node in placed:
            continue
        around = [placed[str(n)] for n in graph[node] if str(n) in placed]
        centre = tuple(np.mean(np.asarray(around), axis=0)) if around else (0.0, 0.0)
        middle = (float(centre[0]), float(centre[1]))
        placed[node] = _free_spot(boxes, graph, node, middle, 0.0, seed)


def _free_spot(
    boxes: _Boxes,
    graph: nx.Graph,
    node: str,
    centre: tuple[float, float],
    first_radius: float,
    seed: int,
) -> tuple[float, float]:
    """The node's position on the first free spot around ``centre`` (``_spiral``); its
    label box joins ``boxes``."""
    dx, dy, hw, hh = label_box(graph.nodes[node])
    x, y = _spiral(boxes, centre, (dx, dy), (hw, hh), _angle(node, seed), first_radius)
    boxes.add(x + dx, y + dy, hw, hh)
    return x, y


def _in_box(
    placed: Mapping[str, tuple[float, float]], nodes: Sequence[str], *, centre: bool
) -> dict[str, tuple[float, float]]:
    """Node -> position in box units, clamped to the box and rounded to 6 digits.

    ``centre``: first move the middle of the content to the middle of the box (a fresh
    map; a grown one keeps its frame so nothing shifts).
    """
    shift = (0.0, 0.0)
    if centre and placed:
        arr = np.asarray([placed[n] for n in nodes])
        mid = (arr.max(axis=0) + arr.min(axis=0)) / 2
        shift = (float(mid[0]), float(mid[1]))
    return {
        node: (
            round(min(max((placed[node][0] - shift[0]) / _SCALE, -BOX), BOX), 6),
            round(min(max((placed[node][1] - shift[1]) / _SCALE, -BOX), BOX), 6),
        )
        for node in nodes
    }


def _theme_links(graph: nx.Graph, themes: Sequence[str]) -> dict[str, dict[str, float]]:
    """Theme -> linked theme -> strength (shared keywords, co-occurrence bridges)."""
    owner = {str(n): _theme_of(graph, str(n)) or str(n) for n in graph}
    links: dict[str, dict[str, float]] = {t: {} for t in themes}
    for a, b, data in graph.edges(data=True):
        ta, tb = owner[str(a)], owner[str(b)]
        if graph.nodes[a].get("kind") == "theme":
            ta = str(a)
        if graph.nodes[b].get("kind") == "theme":
            tb = str(b)
        if ta != tb and ta in links and tb in links:
            weight = float(data.get("weight", 1.0))
            links[ta][tb] = links[ta].get(tb, 0.0) + weight
            links[tb][ta] = links[tb].get(ta, 0.0) + weight
    return links


def _linked_centre(
    placed: Mapping[str, tuple[float, float]], linked: Mapping[str, float]
) -> tuple[float, float]:
    known = [(placed[t], w) for t, w in sorted(linked.items()) if t in placed and w > 0]
    if known:
        total = sum(w for _, w in known)
        return (
            sum(p[0] * w for p, w in known) / total,
            sum(p[1] * w for p, w in known) / total,
        )
    if placed:
        arr = np.asarray(list(placed.values()))
        return float(arr[:, 0].mean()), float(arr[:, 1].mean())
    return 0.0, 0.0
