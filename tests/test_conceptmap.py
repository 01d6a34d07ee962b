"""The concept map graph: exact structure on a small workshop, invariants on real data,
and data exports that networkx reads back into the same graph."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvest.conceptmap import (
    OTHER_COLOR,
    PALETTE,
    ConceptMapError,
    DisplaySettings,
    assign_theme_colors,
    build_concept_map,
    clustering_by_table,
    from_gexf,
    from_graphml,
    from_json,
    shorten,
    theme_colors,
    to_gexf,
    to_graphml,
    to_json,
    wrap,
)
from harvest.model import Assignment, Clustering, Document, Theme
from tests.conftest import DATA_DIR, require

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "harvest" / "data" / "demo_workshop.json"


def small_workshop() -> tuple[Clustering, list[Document]]:
    """Two themes, an other bucket, one demand, one shared keyword, one bridge."""
    docs = [
        Document(1, "Mehr Sprachkurse am Abend", "idea", "Sprache"),
        Document(2, "Wir fordern kostenlose Kita-Plätze für alle Kinder in Sprachkursen", "demand",
                 "Sprache"),
        Document(3, "Sprachkurs mit Kinderbetreuung", None, "Sprache"),
        Document(4, "Ausbildung in Teilzeit", "idea", "Arbeit"),
        Document(5, "Kita-Zeiten passen nicht zur Ausbildung", "challenge", "Arbeit"),
        Document(6, "Danke!", None, None),
    ]
    themes = (
        Theme("t1", "Sprache", (("sprachkurs", 3.0), ("kita", 1.0)), (1, 2, 3)),
        Theme("t2", "Arbeit", (("ausbildung", 2.0), ("kita", 0.5)), (4, 5)),
        Theme("other", "", (), (6,), is_other=True),
    )
    theme_of = {1: "t1", 2: "t1", 3: "t1", 4: "t2", 5: "t2", 6: "other"}
    keywords = {1: ("sprachkurs",), 2: ("kita", "sprachkurs"), 3: ("sprachkurs",),
                4: ("ausbildung",), 5: ("kita", "ausbildung"), 6: ()}
    assignments = {
        sid: Assignment(sid, theme_of[sid], None, sid == 2, "fordern" if sid == 2 else None,
                        keywords[sid])
        for sid in theme_of
    }
    edges = (("kita", "sprachkurs", 2.0), ("ausbildung", "kita", 1.0))
    vocabulary = {"sprachkurs": 3, "kita": 2, "ausbildung": 2}
    return Clustering(themes, assignments, edges, vocabulary), docs


def demo_documents() -> list[Document]:
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    return [
        Document(i, s["text"], s.get("kind"), s.get("table"))
        for i, s in enumerate(data["statements"], start=1)
    ]


def test_small_workshop_gives_exactly_these_nodes_and_edges() -> None:
    clustering, docs = small_workshop()
    graph = build_concept_map(clustering, docs, settings=DisplaySettings(show_tables=True))
    assert sorted(graph.nodes) == sorted([
        "theme:t1", "theme:t2", "theme:other",
        "kw:sprachkurs", "kw:kita", "kw:ausbildung",
        "demand:2",
        "table:Sprache", "table:Arbeit",
    ])
    edges = {(frozenset((a, b)), d["kind"], d["weight"]) for a, b, d in graph.edges(data=True)}
    assert edges == {
        (frozenset(("theme:t1", "kw:sprachkurs")), "has_keyword", 3.0),
        (frozenset(("theme:t1", "kw:kita")), "has_keyword", 1.0),
        (frozenset(("theme:t2", "kw:kita")), "has_keyword", 0.5),
        (frozenset(("theme:t2", "kw:ausbildung")), "has_keyword", 2.0),
        # only the co-occurrence at the threshold (2.0) is drawn, not the 1.0 one
        (frozenset(("kw:kita", "kw:sprachkurs")), "cooccurs", 2.0),
        (frozenset(("demand:2", "theme:t1")), "demand_of", 1.0),
        (frozenset(("table:Sprache", "theme:t1")), "fed", 3.0),
        (frozenset(("table:Arbeit", "theme:t2")), "fed", 2.0),
    }


def test_node_attributes_carry_what_renderers_need() -> None:
    clustering, docs = small_workshop()
    graph = build_concept_map(clustering, docs)
    t1, t2, other = graph.nodes["theme:t1"], graph.nodes["theme:t2"], graph.nodes["theme:other"]
    assert (t1["kind"], t1["label"], t1["count"], t1["shape"]) == ("theme", "Sprache", 3, "dot")
    assert t1["title"] == "Sprache\n3 Aussagen\nSchlagwörter: sprachkurs, kita"
    assert t1["color"] == PALETTE[0] and t2["color"] == PALETTE[1]
    assert t1["size"] > t2["size"] > other["size"]  # size follows the statement count
    assert other["label"] == "Sonstiges" and other["color"] == OTHER_COLOR and other["is_other"]
    kita = graph.nodes["kw:kita"]
    # a keyword listed by two themes is coloured like the one that weighs it most
    assert (kita["theme"], kita["color"], kita["count"]) == ("t1", t1["color"], 2)
    demand = graph.nodes["demand:2"]
    assert demand["shape"] == "diamond" and demand["theme"] == "t1"
    assert demand["name"] == "Wir fordern kostenlose Kita-Plätze für…"
    assert demand["label"] == "Wir fordern kostenlose\nKita-Plätze für…"  # two short lines
    assert demand["title"] == (
        "Forderung: Wir fordern kostenlose Kita-Plätze für alle Kinder in Sprachkursen\n"
        "Grund: fordern\nThema: Sprache"
    )
    for _, data in graph.nodes(data=True):
        assert set(data) >= {"kind", "label", "name", "title", "size", "font_size", "color", "shape",
                             "theme", "count", "weight", "is_other"}


def test_english_words_in_hover_texts() -> None:
    clustering, docs = small_workshop()
    graph = build_concept_map(clustering, docs, language="en")
    assert graph.nodes["theme:t2"]["title"].startswith("Arbeit\n2 statements")
    assert graph.nodes["theme:other"]["label"] == "Other"


def test_settings_switch_demands_and_other_off() -> None:
    clustering, docs = small_workshop()
    graph = build_concept_map(
        clustering, docs, settings=DisplaySettings(show_demands=False, show_other=False)
    )
    assert not [n for n in graph if n.startswith("demand:")]
    assert "theme:other" not in graph


def test_keywords_per_theme_limit() -> None:
    clustering, docs = small_workshop()
    graph = build_concept_map(clustering, docs, settings=DisplaySettings(max_keywords_per_theme=1))
    assert sorted(n for n in graph if n.startswith("kw:")) == ["kw:ausbildung", "kw:sprachkurs"]


@pytest.mark.parametrize("cap", [1, 2, 4, 7, 30, 250])
def test_node_cap_is_respected_and_themes_come_first(cap: int) -> None:
    docs = [Document(i, f"wort{i % 40} thema{i % 9} forderung", "demand" if i % 5 == 0 else None,
                     f"Tisch {i % 9}") for i in range(1, 2001)]
    clustering = clustering_by_table(docs)
    graph = build_concept_map(clustering, docs,
                              settings=DisplaySettings(max_nodes=cap, show_tables=True))
    assert graph.number_of_nodes() <= cap
    themes = [n for n, d in graph.nodes(data=True) if d["kind"] == "theme"]
    assert len(themes) == min(cap, 9)


def test_other_theme_without_statements_is_not_drawn() -> None:
    clustering, docs = small_workshop()
    themes = tuple(t if not t.is_other else Theme("other", "", (), (), is_other=True)
                   for t in clustering.themes)
    graph = build_concept_map(Clustering(themes, clustering.assignments), docs)
    assert "theme:other" not in graph


def test_theme_keeps_its_colour_when_others_come_and_go() -> None:
    first = assign_theme_colors(["t1", "t2", "t3"])
    assert list(first.values()) == list(PALETTE[:3])
    # t2 gone (merged), t4 new: t1 and t3 keep theirs; t4 takes a colour nobody had, so
    # that t2, should it come back (the merge undone), comes back in its own colour
    second = assign_theme_colors(["t1", "t3", "t4"], first)
    assert second == {"t1": PALETTE[0], "t3": PALETTE[2], "t4": PALETTE[3]}
    back = assign_theme_colors(["t1", "t2", "t3", "t4"], {**first, **second})
    assert back == {"t1": PALETTE[0], "t2": PALETTE[1], "t3": PALETTE[2], "t4": PALETTE[3]}
    # only when the palette is used up does a newcomer take a gone theme's colour
    many = {f"t{i}": c for i, c in enumerate(PALETTE, start=1)}
    crowded = assign_theme_colors([f"t{i}" for i in range(2, 17)] + ["t17"], many)
    assert crowded["t17"] == PALETTE[0] and crowded["t2"] == PALETTE[1]
    assert assign_theme_colors(["t10", "t9", "other"]) == {
        "t9": PALETTE[0], "t10": PALETTE[1], "other": OTHER_COLOR
    }


def test_colours_carry_over_through_the_graph() -> None:
    clustering, docs = small_workshop()
    before = build_concept_map(clustering, docs)
    swapped = Clustering(tuple(reversed(clustering.themes)), clustering.assignments,
                         clustering.keyword_edges, clustering.vocabulary)
    after = build_concept_map(swapped, docs, previous_colors=theme_colors(before))
    assert theme_colors(after) == theme_colors(before)


def test_wrap_breaks_long_labels_after_separators() -> None:
    assert wrap("Ausbildung · Stadt · Kenntnisprüfung", 18) == (
        "Ausbildung ·\nStadt ·\nKenntnisprüfung"
    )
    assert wrap("Kurs · Sprache · Eltern", 18) == "Kurs · Sprache ·\nEltern"
    assert wrap("Sprache", 4) == "Sprache"
    assert wrap("  ", 10) == ""


def test_shorten_cuts_at_a_word() -> None:
    assert shorten("Mehr Sprachkurse am Abend für Berufstätige", 20) == "Mehr Sprachkurse am…"
    assert shorten("  kurz\n  genug ", 20) == "kurz genug"
    assert shorten("Donaudampfschifffahrtsgesellschaft", 10) == "Donaudamp…"


def test_bad_settings_raise_a_named_error() -> None:
    with pytest.raises(ConceptMapError):
        DisplaySettings(max_nodes=0)


def positions_for(graph: nx.Graph) -> dict[str, tuple[float, float]]:
    return {n: (round(i / 7 - 0.5, 6), round(-i / 11, 6)) for i, n in enumerate(sorted(graph))}


@pytest.mark.parametrize(
    ("write", "read"),
    [(to_graphml, from_graphml), (to_gexf, from_gexf), (to_json, from_json)],
    ids=["graphml", "gexf", "json"],
)
def test_exports_read_back_into_an_equal_graph(write, read) -> None:  # type: ignore[no-untyped-def]
    clustering, docs = small_workshop()
    docs[1] = Document(2, 'Wir fordern <b>"Plätze"</b> & Ümläute ß — ёж', "demand", "Sprache")
    graph = build_concept_map(clustering, docs, settings=DisplaySettings(show_tables=True))
    positions = positions_for(graph)
    back, back_positions = read(write(graph, positions))
    assert dict(back.nodes(data=True)) == dict(graph.nodes(data=True))
    assert {frozenset(e[:2]): e[2] for e in back.edges(data=True)} == {
        frozenset(e[:2]): e[2] for e in graph.edges(data=True)
    }
    assert back_positions == positions


def test_graphml_is_plain_networkx_readable() -> None:
    clustering, docs = small_workshop()
    graph = build_concept_map(clustering, docs)
    back = nx.read_graphml(io.BytesIO(to_graphml(graph, positions_for(graph))))
    assert back.nodes["kw:kita"]["color"] == graph.nodes["kw:kita"]["color"]
    assert back.nodes["kw:kita"]["x"] == positions_for(graph)["kw:kita"][0]
    json_back = nx.node_link_graph(json.loads(to_json(graph, positions_for(graph))), edges="edges")
    assert nx.utils.edges_equal(json_back.edges, graph.edges)


def test_export_without_positions_raises() -> None:
    clustering, docs = small_workshop()
    graph = build_concept_map(clustering, docs)
    with pytest.raises(ConceptMapError):
        to_json(graph, {})


def assert_map_invariants(
    graph: nx.Graph, clustering: Clustering, settings: DisplaySettings
) -> None:
    assert graph.number_of_nodes() <= settings.max_nodes
    theme_nodes = {d["theme"]: d for _, d in graph.nodes(data=True) if d["kind"] == "theme"}
    drawn = [t for t in clustering.themes if t.statement_ids or not t.is_other]
    if len(drawn) <= settings.max_nodes:
        assert set(theme_nodes) == {t.id for t in drawn}  # every theme has a node
    for theme in drawn:
        if theme.id in theme_nodes:
            assert theme_nodes[theme.id]["count"] == len(theme.statement_ids)
    by_size = sorted(theme_nodes.values(), key=lambda d: d["count"])
    assert [d["size"] for d in by_size] == sorted(d["size"] for d in by_size)
    for node, data in graph.nodes(data=True):
        if data["kind"] in ("keyword", "demand"):
            assert f"theme:{data['theme']}" in graph, node
            assert data["color"] == graph.nodes[f"theme:{data['theme']}"]["color"]
    per_theme: dict[str, int] = {}
    for _, data in graph.nodes(data=True):
        if data["kind"] == "keyword":
            per_theme[data["theme"]] = per_theme.get(data["theme"], 0) + 1
    assert max(per_theme.values(), default=0) <= settings.max_keywords_per_theme
    assert nx.number_of_selfloops(graph) == 0


def test_demo_workshop_map_invariants() -> None:
    require(DEMO.exists(), f"demo workshop missing at {DEMO}")
    docs = demo_documents()
    clustering = clustering_by_table(docs)
    settings = DisplaySettings()
    graph = build_concept_map(clustering, docs, settings=settings)
    assert_map_invariants(graph, clustering, settings)
    assert len([n for n in graph if n.startswith("theme:")]) == 6
    demands = {d.id for d in docs if d.kind == "demand"}
    assert {int(n.split(":")[1]) for n in graph if n.startswith("demand:")} <= demands


def engine():  # type: ignore[no-untyped-def]
    try:
        from harvest.engine.themes import detect_themes
    except ImportError:
        return None
    return detect_themes


def test_demo_workshop_with_the_engine() -> None:
    detect_themes = engine()
    require(detect_themes is not None, "keyword engine harvest.engine.themes is not available yet")
    require(DEMO.exists(), f"demo workshop missing at {DEMO}")
    docs = demo_documents()
    clustering = detect_themes(docs, language="de", seed=0)
    settings = DisplaySettings()
    graph = build_concept_map(clustering, docs, settings=settings)
    assert_map_invariants(graph, clustering, settings)


def shared_documents(limit: int) -> list[Document]:
    path = DATA_DIR / "polis_klimarat_at_de" / "polis_klimarat_at_de.csv"
    require(path.exists(), f"shared data missing at {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[:limit]
    return [Document(i, row["text"], None, row.get("label") or None)
            for i, row in enumerate(rows, start=1)]


@pytest.mark.slow
def test_shared_data_with_the_engine_respects_cap_and_counts() -> None:
    docs = shared_documents(1500)
    detect_themes = engine()
    require(detect_themes is not None, "keyword engine harvest.engine.themes is not available yet")
    clustering = detect_themes(docs, language="de", seed=0)
    settings = DisplaySettings(max_nodes=120, show_tables=True)
    graph = build_concept_map(clustering, docs, settings=settings)
    assert_map_invariants(graph, clustering, settings)


def test_shared_data_by_table_respects_cap() -> None:
    docs = shared_documents(2800)
    clustering = clustering_by_table(docs)
    settings = DisplaySettings(max_nodes=30, max_keywords_per_theme=12, show_tables=True,
                               max_demands=0)
    graph = build_concept_map(clustering, docs, settings=settings)
    assert_map_invariants(graph, clustering, settings)
    uncapped = build_concept_map(clustering, docs, settings=DisplaySettings(
        max_nodes=10_000, max_keywords_per_theme=12, show_tables=True))
    assert uncapped.number_of_nodes() > 30 == graph.number_of_nodes()


text_strategy = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=60
)


@settings(max_examples=40, deadline=None)
@given(label=text_strategy, statement=text_strategy, table=text_strategy)
def test_any_text_gives_a_map_whose_exports_read_back(label: str, statement: str,
                                                      table: str) -> None:
    docs = [Document(1, statement, "demand", table or None), Document(2, label, None, None)]
    themes = (Theme("t1", label, ((statement[:20] or "x", 1.0),), (1,)),
              Theme("other", "", (), (2,), is_other=True))
    assignments = {1: Assignment(1, "t1", None, True, label, ()),
                   2: Assignment(2, "other", None, False, None, ())}
    graph = build_concept_map(Clustering(themes, assignments), docs,
                              settings=DisplaySettings(show_tables=True))
    positions = positions_for(graph)
    for write, read in ((to_graphml, from_graphml), (to_gexf, from_gexf), (to_json, from_json)):
        back, back_positions = read(write(graph, positions))
        assert back.number_of_nodes() == graph.number_of_nodes()
        assert back.number_of_edges() == graph.number_of_edges()
        assert sorted(back_positions.values()) == sorted(positions.values())
    assert from_json(to_json(graph, positions))[0].nodes(data=True) == graph.nodes(data=True)


def test_only_the_strongest_co_occurrences_are_drawn() -> None:
    clustering, docs = small_workshop()
    edges = (("kita", "sprachkurs", 2.0), ("ausbildung", "kita", 5.0),
             ("ausbildung", "sprachkurs", 3.0))
    richer = Clustering(clustering.themes, clustering.assignments, edges, clustering.vocabulary)
    graph = build_concept_map(richer, docs, settings=DisplaySettings(max_cooccurrence_edges=2))
    drawn = {frozenset((a, b)) for a, b, d in graph.edges(data=True) if d["kind"] == "cooccurs"}
    assert drawn == {frozenset(("kw:ausbildung", "kw:kita")),
                     frozenset(("kw:ausbildung", "kw:sprachkurs"))}


def test_projector_preset_draws_fewer_labels() -> None:
    require(DEMO.exists(), f"demo workshop missing at {DEMO}")
    docs = demo_documents()
    clustering = clustering_by_table(docs)
    full = build_concept_map(clustering, docs)
    wall = build_concept_map(clustering, docs, settings=DisplaySettings.for_projector())
    assert len([n for n in wall if n.startswith("demand:")]) == 12
    assert len([n for n in wall if n.startswith("kw:")]) <= 5 * 6
    characters = sum(len(d["label"]) for _, d in wall.nodes(data=True))
    assert characters < 0.6 * sum(len(d["label"]) for _, d in full.nodes(data=True))
