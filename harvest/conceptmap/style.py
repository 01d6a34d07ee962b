"""How the map looks, in one place: palette, node shapes, light and dark, draw order.

The pyvis view, the matplotlib pictures, the poster, the replay and the summary's CSS
all read their colours and shapes here (and the app may too), so a theme is the same
colour and a demand the same diamond in every picture.

>>> map_colors(dark=True)["bg"], draw_rank("theme") > draw_rank("keyword")
('#16181D', True)
>>> mix("#000000", "#FFFFFF", 0.5)
'#808080'
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "ACCENT",
    "DRAW_ORDER",
    "KINDS",
    "MARKERS",
    "OTHER_COLOR",
    "PALETTE",
    "PICTURE_DISC",
    "SHAPES",
    "SHAPE_GLYPHS",
    "TABLE_COLOR",
    "css_variables",
    "stage_colors",
    "draw_rank",
    "is_dark_ink",
    "live_colors",
    "map_colors",
    "mix",
    "poster_ink",
    "replay_colors",
    "rgb",
    "summary_colors",
]

# Okabe & Ito (2008), without black, then Paul Tol's "muted" scheme: both are designed to
# stay distinguishable for the common colour-vision deficiencies. Order matters: the
# first themes get the most distinct colours.
PALETTE: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#332288",  # indigo
    "#117733",  # green
    "#882255",  # wine
    "#44AA99",  # teal
    "#999933",  # olive
    "#AA4499",  # purple
    "#CC6677",  # rose
    "#88CCEE",  # cyan
    "#DDCC77",  # sand
)
OTHER_COLOR = "#B0B0B0"
"""The "Sonstiges / Other" theme is drawn in grey so it does not compete for attention."""
TABLE_COLOR = "#6E6E6E"
"""A table's node (the "by table" view): a neutral grey, darker than "other"'s."""
PICTURE_DISC = "#FFFFFF"
"""The disc a pictogram sits on inside its theme's node (pictograms are drawn for white)."""

# --- node shapes and draw order -------------------------------------------------------

KINDS: tuple[str, ...] = ("theme", "keyword", "demand", "table")
SHAPES: dict[str, str] = {"theme": "dot", "keyword": "dot", "demand": "diamond", "table": "square"}
"""vis-network shape per node kind; ``render.py`` maps the same names to matplotlib."""
SHAPE_GLYPHS: dict[str, str] = {"theme": "\u25cf", "keyword": "\u2022", "demand": "\u25c6",
                                "table": "\u25a0"}
"""The legend's character for each kind."""
MARKERS: dict[str, str] = {"dot": "o", "diamond": "D", "square": "s"}
"""matplotlib's marker for each of the ``SHAPES``."""
DRAW_ORDER: dict[str, int] = {"table": 0, "keyword": 1, "demand": 2, "theme": 3}
"""Lower is drawn first (further back): themes end up on top."""


def draw_rank(kind: object) -> int:
    """Where a node of ``kind`` is drawn: unknown kinds go on top of everything."""
    return DRAW_ORDER.get(str(kind), 9)


# --- light and dark -------------------------------------------------------------------

_MAP_LIGHT = {"bg": "#FFFFFF", "fg": "#1A1A1A", "muted": "#6B6B6B", "edge": "#9A9A9A",
              "panel": "rgba(255,255,255,0.92)", "border": "#D0D0D0"}
_MAP_DARK = {"bg": "#16181D", "fg": "#F2F2F2", "muted": "#A8A8A8", "edge": "#6F7480",
             "panel": "rgba(22,24,29,0.92)", "border": "#3A3F4B"}
_POSTER_LIGHT = {"fg": "#1A1A1A", "muted": "#555555", "bg": "#FFFFFF", "line": "#D5D5D5"}
_POSTER_DARK = {"fg": "#F2F2F2", "muted": "#B8B8B8", "bg": "#16181D", "line": "#3A3F4B"}
_REPLAY_LIGHT = {"bg": "#FFFFFF", "fg": "#1A1A1A", "muted": "#666666"}
_REPLAY_DARK = {"bg": "#16181D", "fg": "#F2F2F2", "muted": "#A8A8A8"}
ACCENT = "#B42318"
"""The red that marks what asks for action: a demand in the summary, the dots of a vote,
the light page's "take part" button."""
_LIVE = {
    "light": {"bg": "#FFFFFF", "fg": "#1F2328", "accent": ACCENT, "on-accent": "#FFFFFF",
              "warn": "#9A3412"},
    # a phone in a dim hall: the same accent, light text, the map picture a light card,
    # pictograms on a light disc (a black graduation cap vanishes on the dark ground)
    "dark": {"bg": "#111418", "fg": "#E8EAED", "accent": ACCENT, "on-accent": "#FFFFFF",
             "warn": "#FDBA74", "disc": "#E8EAED"},
}
_SUMMARY = {
    "light": {"bg": "#ffffff", "fg": "#17191c", "muted": "#52575e", "card": "#f4f5f7",
              "track": "#dfe2e6", "demand": ACCENT, "demand-bg": "#fdeceb",
              "rule": "#d5d8dc"},
    "dark": {"bg": "#111418", "fg": "#f3f4f6", "muted": "#b4bac2", "card": "#1c2127",
             "track": "#343b44", "demand": "#ff8a80", "demand-bg": "#3a1f1f",
             "rule": "#3a4048"},
    "print": {"bg": "#ffffff", "fg": "#000000", "muted": "#444444", "card": "#ffffff",
              "track": "#e4e4e4", "demand": ACCENT, "demand-bg": "#ffffff",
              "rule": "#bbbbbb"},
}


_STAGE_LIGHT = {"bg": "#FFFFFF", "fg": "#111111", "button_border": "#7A7A7A"}
_STAGE_DARK = {"bg": "#111418", "fg": "#F2F2F2", "button_border": "#7A7A7A"}


def stage_colors(dark: bool = False) -> dict[str, str]:
    """The projected board page's background, text and button border (presentation mode)."""
    return dict(_STAGE_DARK if dark else _STAGE_LIGHT)


def map_colors(dark: bool = False) -> dict[str, str]:
    """Background, text, muted text, edges, panels and borders of the map and its page."""
    return dict(_MAP_DARK if dark else _MAP_LIGHT)


def poster_ink(dark: bool = False) -> dict[str, str]:
    """The poster's text, muted text, page and rule colours."""
    return dict(_POSTER_DARK if dark else _POSTER_LIGHT)


def is_dark_ink(ink: Mapping[str, str]) -> bool:
    """True for the dark poster's ink."""
    return ink["bg"] == _POSTER_DARK["bg"]


def replay_colors(dark: bool = False) -> dict[str, str]:
    """The replay page's background, text and muted text."""
    return dict(_REPLAY_DARK if dark else _REPLAY_LIGHT)


def live_colors(mode: str = "light") -> dict[str, str]:
    """The light page's background, text, accent (and the text on it) and warning text
    for ``mode`` "light" or "dark" (the phone's setting); the vote ranking's dots use the
    accent on the Streamlit pages too."""
    return dict(_LIVE[mode])


def summary_colors(mode: str) -> dict[str, str]:
    """The summary page's CSS colours for ``mode`` "light", "dark" or "print"."""
    return dict(_SUMMARY[mode])


def css_variables(colors: Mapping[str, str]) -> str:
    """``colors`` as CSS custom properties.

    >>> css_variables({"bg": "#fff", "fg": "#000"})
    '--bg: #fff; --fg: #000;'
    """
    return " ".join(f"--{name}: {value};" for name, value in colors.items())


# --- colour arithmetic ----------------------------------------------------------------


def rgb(color: str) -> tuple[int, int, int]:
    """``#RRGGBB`` as three integers 0-255."""
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def mix(color: str, background: str, share: float) -> str:
    """``color`` faded towards ``background`` (share 0 = color, 1 = background)."""
    a, b = rgb(color), rgb(background)
    mixed = (round(x + (y - x) * share) for x, y in zip(a, b, strict=True))
    return "#" + "".join(f"{c:02X}" for c in mixed)
