"""Themes become a concept map, and the map becomes pictures and files.

Read in the order the data flows::

    graph.py    themes -> a networkx concept map (kind, label, size, colour per node)
    style.py    palette, node shapes, light and dark, draw order
    layout.py   positions on a fixed canvas, carried from one recompute to the next
    html.py     the interactive vis-network page (a string)
    render.py   PNG / SVG / PDF of the same layout and colours
    poster.py   the graphical-harvest poster, one block per theme
    replay.py   how the map grew, as an offline page or an animated GIF
    data.py     GraphML / GEXF / JSON with positions, and back

``harvest.conceptmap`` itself offers the graph and the data files, as before.
"""

from harvest.conceptmap.data import (
    from_gexf,
    from_graphml,
    from_json,
    split_positions,
    to_gexf,
    to_graphml,
    to_json,
)
from harvest.conceptmap.graph import (
    DEMAND_SIZE,
    FONT_SIZE,
    KEYWORD_SIZE,
    TABLE_SIZE,
    THEME_SIZE,
    ConceptMapError,
    DisplaySettings,
    assign_theme_colors,
    build_concept_map,
    clustering_by_table,
    demand_node,
    keyword_node,
    shorten,
    table_node,
    texts,
    theme_colors,
    theme_node,
    wrap,
)
from harvest.conceptmap.style import KINDS, OTHER_COLOR, PALETTE, SHAPES

__all__ = [
    "DEMAND_SIZE",
    "FONT_SIZE",
    "KEYWORD_SIZE",
    "KINDS",
    "OTHER_COLOR",
    "PALETTE",
    "SHAPES",
    "TABLE_SIZE",
    "THEME_SIZE",
    "ConceptMapError",
    "DisplaySettings",
    "assign_theme_colors",
    "build_concept_map",
    "clustering_by_table",
    "demand_node",
    "from_gexf",
    "from_graphml",
    "from_json",
    "keyword_node",
    "shorten",
    "split_positions",
    "table_node",
    "texts",
    "theme_colors",
    "theme_node",
    "to_gexf",
    "to_graphml",
    "to_json",
    "wrap",
]
