"""The concept map as data files: GraphML, GEXF and JSON, with positions, and back.

Every writer puts the layout's positions into node attributes ``x`` and ``y``; every
reader splits them off again, so ``from_x(to_x(graph, positions)) == (graph, positions)``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from typing import Any

import networkx as nx

from harvest.conceptmap.graph import ConceptMapError
from harvest.safety import xml_text

__all__ = ["from_gexf", "from_graphml", "from_json", "split_positions", "to_gexf",
           "to_graphml", "to_json"]

Positions = Mapping[str, tuple[float, float]]


def _xml_safe(graph: nx.Graph) -> nx.Graph:
    """A copy whose strings hold only characters XML allows (others become U+FFFD)."""
    out = nx.relabel_nodes(graph, {n: xml_text(str(n)) for n in graph}, copy=True)
    for data in [out.graph, *(d for _, d in out.nodes(data=True)),
                 *(d for _, _, d in out.edges(data=True))]:
        for key, value in data.items():
            if isinstance(value, str):
                data[key] = xml_text(value)
    return out


def _with_positions(graph: nx.Graph, positions: Positions) -> nx.Graph:
    missing = [node for node in graph if node not in positions]
    if missing:
        raise ConceptMapError(f"no position for {len(missing)} node(s), e.g. {missing[0]!r}")
    out = graph.copy()
    for node in out:
        x, y = positions[node]
        out.nodes[node]["x"] = float(x)
        out.nodes[node]["y"] = float(y)
    return out


def _write_xml(writer: Callable[..., Any], graph: nx.Graph, positions: Positions) -> bytes:
    buffer = io.BytesIO()
    writer(_xml_safe(_with_positions(graph, positions)), buffer, encoding="utf-8")
    return buffer.getvalue()


def to_graphml(graph: nx.Graph, positions: Positions) -> bytes:
    """The map as GraphML (yEd, Gephi), positions as node attributes ``x`` and ``y``.

    Characters XML cannot hold (control characters) are replaced by U+FFFD.
    """
    return _write_xml(nx.write_graphml, graph, positions)


def to_gexf(graph: nx.Graph, positions: Positions) -> bytes:
    """The map as GEXF 1.2 (Gephi), positions as node attributes ``x`` and ``y``.

    GEXF reserves the node attribute ``label``; networkx writes it as the node's label
    and reads it back into the same attribute, so nothing is lost.
    """
    return _write_xml(nx.write_gexf, graph, positions)


def to_json(graph: nx.Graph, positions: Positions) -> bytes:
    """The map as JSON: networkx node-link data (``nodes``, ``edges``) with ``x``/``y``.

    Read it back with ``nx.node_link_graph(json.loads(data), edges="edges")`` or
    ``from_json``.
    """
    data = nx.node_link_data(_with_positions(graph, positions), edges="edges")
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    return text.encode("utf-8", errors="replace")  # a lone surrogate becomes "?"


def split_positions(graph: nx.Graph) -> tuple[nx.Graph, dict[str, tuple[float, float]]]:
    """A graph read back from an export, without ``x``/``y``, plus the positions."""
    out = graph.copy()
    positions: dict[str, tuple[float, float]] = {}
    for node, data in out.nodes(data=True):
        if "x" not in data or "y" not in data:
            raise ConceptMapError(f"node {node!r} has no position")
        positions[str(node)] = (float(data.pop("x")), float(data.pop("y")))
    return out, positions


def from_json(data: bytes) -> tuple[nx.Graph, dict[str, tuple[float, float]]]:
    """Graph and positions from ``to_json`` output."""
    try:
        graph = nx.node_link_graph(json.loads(data.decode("utf-8")), edges="edges")
    except (ValueError, KeyError, TypeError) as error:
        raise ConceptMapError(f"not a concept map JSON export: {error}") from error
    return split_positions(graph)


def _read_xml(reader: Callable[[io.BytesIO], nx.Graph], data: bytes,
              name: str) -> tuple[nx.Graph, dict[str, tuple[float, float]]]:
    try:
        graph = reader(io.BytesIO(data))
    except Exception as error:  # networkx raises bare ElementTree/Networkx errors
        raise ConceptMapError(f"not a concept map {name} export: {error}") from error
    # networkx' readers add bookkeeping (defaults, GEXF mode and edge ids) that the
    # map never had; drop it so a round trip gives back an equal graph.
    for key in ("node_default", "edge_default", "mode"):
        graph.graph.pop(key, None)
    for _, _, attributes in graph.edges(data=True):
        attributes.pop("id", None)
    return split_positions(nx.Graph(graph))


def from_graphml(data: bytes) -> tuple[nx.Graph, dict[str, tuple[float, float]]]:
    """Graph and positions from ``to_graphml`` output."""
    return _read_xml(nx.read_graphml, data, "GraphML")


def from_gexf(data: bytes) -> tuple[nx.Graph, dict[str, tuple[float, float]]]:
    """Graph and positions from ``to_gexf`` output (GEXF keeps no graph attributes)."""
    return _read_xml(nx.read_gexf, data, "GEXF")
