"""Property-based tests for the targets the per-module tests leave open: any Unicode
through the store, the board, backups, the spreadsheet exports, the poster (SVG), the
interactive map page, curation payloads, tokens and file names. A clear error or a
result, never an unhandled exception; and what goes in comes back out.

(Already covered elsewhere: intake's accept_text and kinds in test_intake.py, the import
parsers in test_imports.py, the text pipeline in test_text.py, the engine in
test_themes.py, demands in test_demands.py, the summary in test_summary.py, the
GraphML/GEXF/JSON round trip in test_conceptmap.py.)

Examples per target are set so that the whole file runs in well under 40 s; run with
``--hypothesis-show-statistics`` to see them.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harvest import access
from harvest.board import compute_board, map_filename
from harvest.conceptmap import DisplaySettings, build_concept_map
from harvest.conceptmap.html import render_html
from harvest.conceptmap.layout import compute_layout
from harvest.conceptmap.render import render_svg
from harvest.engine.curation import (
    ACTION_KINDS,
    InvalidAction,
    overrides_from_actions,
    validate_action,
)
from harvest.exports import export_statements_csv, export_statements_xlsx
from harvest.imports import parse_statements
from harvest.intake import InvalidInput, clean_statement
from harvest.model import Assignment, Clustering, Document, Theme
from harvest.store import Action, Store, slugify
from harvest.store.backup import create_backup, restore_backup

# Any character a person could paste, surrogates aside (they are refused as binary, and
# they get their own target below).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
WORDS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)
GERMANISH = st.lists(
    st.sampled_from(["Sprachkurs", "Kita", "Ausbildung", "Amt", "Pflege", "Wohnung", "Bus",
                     "mehr", "fehlt", "am", "Abend", "für", "Familien", "🌻", "Ärztin"]),
    min_size=1, max_size=8,
).map(" ".join)
FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

_STORE = Store("sqlite://")  # one in-memory store for the cheap targets


def _storable(text: str) -> str | None:
    try:
        return clean_statement(text)
    except InvalidInput:
        return None


# --- store ------------------------------------------------------------------------------


@settings(FAST, max_examples=300)
@given(text=st.text(max_size=300) | st.text(
    alphabet=st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010), max_size=20))
def test_store_keeps_any_text_as_cleaned_or_refuses_it_clearly(text: str) -> None:
    workshop = _STORE.find_workshop("props") or _STORE.create_workshop("Props", slug="props")
    expected = _storable(text)
    try:
        stored = _STORE.add_statement(workshop.id, text, table="T")
    except InvalidInput:
        assert expected is None
        return
    assert stored.text == expected
    assert _STORE.get_statement(stored.id).text == expected


@settings(FAST, max_examples=100)
@given(title=WORDS, table=WORDS, author=st.none() | WORDS)
def test_store_takes_any_title_table_and_author_or_refuses_them_clearly(
    title: str, table: str, author: str | None
) -> None:
    try:
        workshop = _STORE.create_workshop(title)
        stored = _STORE.add_statement(workshop.id, "Mehr Sprachkurse", table=table, author=author)
    except InvalidInput:
        return
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", workshop.slug)
    assert stored.table_name == _STORE.get_table(workshop.id, table).name


# --- board ------------------------------------------------------------------------------


@settings(FAST, max_examples=25)
@given(texts=st.lists(GERMANISH | TEXT, max_size=8), hide=st.lists(st.booleans(), max_size=8))
def test_any_small_workshop_gives_a_board_where_every_statement_has_one_theme(
    texts: list[str], hide: list[bool]
) -> None:
    with Store("sqlite://") as store:
        workshop = store.create_workshop("Board")
        for n, text in enumerate(texts):
            if _storable(text) is None:
                continue
            statement = store.add_statement(workshop.id, text, table=f"T{n % 3}")
            if n < len(hide) and hide[n]:
                store.set_hidden(statement.id, True)
        board = compute_board(store, workshop.id)
        visible = {s.id for s in store.statements(workshop.id)}
        placed = [i for theme in board.clustering.themes for i in theme.statement_ids]
        assert sorted(placed) == sorted(visible)
        assert set(board.positions) == set(board.graph)


# --- backup -----------------------------------------------------------------------------


@settings(FAST, max_examples=60)
@given(
    items=st.lists(st.tuples(TEXT, st.sampled_from([None, "idea", "demand"]), st.booleans(),
                             st.none() | WORDS), max_size=6),
    title=GERMANISH,
)
def test_any_workshop_survives_backup_and_restore(
    items: list[tuple[str, str | None, bool, str | None]], title: str
) -> None:
    with Store("sqlite://") as source, Store("sqlite://") as target:
        workshop = source.create_workshop(title, date=date(2026, 1, 2))
        for text, kind, hidden, table in items:
            if _storable(text) is None or (table is not None and _storable(table) is None):
                continue
            s = source.add_statement(workshop.id, text, kind=kind, table=table)
            if hidden:
                source.set_hidden(s.id, True)
        restore_backup(target, create_backup(source))
        copy = target.get_workshop(workshop.slug)
        assert copy.title == workshop.title and copy.revision == source.revision(workshop.id)

        def plain(store: Store, workshop_id: int) -> list[tuple[Any, ...]]:
            return [(s.text, s.kind, s.hidden, s.table_name, s.created_at)
                    for s in store.statements(workshop_id, include_hidden=True)]

        assert plain(target, copy.id) == plain(source, workshop.id)


# --- spreadsheet exports ----------------------------------------------------------------


def _statements(items: list[tuple[str, str | None]]) -> tuple[Any, list[Any], list[Any]]:
    """Store the storable items in a fresh workshop of the shared store."""
    workshop = _STORE.create_workshop("Export")
    for text, table in items:
        if _storable(text) is None or (table is not None and _storable(table) is None):
            continue
        _STORE.add_statement(workshop.id, text, table=table, kind="demand")
    return (workshop, _STORE.statements(workshop.id, include_hidden=True),
            _STORE.tables(workshop.id))


@settings(FAST, max_examples=150)
@given(items=st.lists(st.tuples(TEXT, st.none() | WORDS), min_size=1, max_size=6))
def test_any_statements_round_trip_through_csv(items: list[tuple[str, str | None]]) -> None:
    workshop, statements, tables = _statements(items)
    data = export_statements_csv(workshop, statements, tables)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == len(statements) + 1
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row[1:4])
    if statements:
        back = parse_statements(data, "export.csv").rows
        assert [(r.text, r.table, r.kind) for r in back] == [
            (s.text, s.table_name, s.kind) for s in statements]


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@settings(FAST, max_examples=60)
@given(items=st.lists(st.tuples(TEXT, st.none() | WORDS), min_size=1, max_size=6))
def test_any_statements_round_trip_through_xlsx(items: list[tuple[str, str | None]]) -> None:
    workshop, statements, tables = _statements(items)
    data = export_statements_xlsx(workshop, statements, tables)
    if statements:
        back = parse_statements(data, "export.xlsx").rows
        # XML cannot hold a few control characters: they are left out, nothing else is
        assert [r.text for r in back] == [_XML_ILLEGAL.sub("", s.text).strip()
                                          for s in statements]


# --- the map as a picture and as a page -------------------------------------------------


def _map(label: str, statement: str, table: str) -> tuple[nx.Graph, dict[str, Any]]:
    docs = [Document(1, statement, "demand", table or None), Document(2, label, None, None)]
    themes = (Theme("t1", label, ((statement[:20] or "x", 1.0),), (1,)),
              Theme("other", "", (), (2,), is_other=True))
    assignments = {1: Assignment(1, "t1", None, True, label, ()),
                   2: Assignment(2, "other", None, False, None, ())}
    graph = build_concept_map(Clustering(themes, assignments), docs,
                              settings=DisplaySettings(show_tables=True))
    return graph, compute_layout(graph, seed=0)


# random code points have no glyph in DejaVu Sans: matplotlib warns per glyph, expected here
@pytest.mark.filterwarnings(r"ignore:Glyph \d+ .* missing from font")
@settings(FAST, max_examples=40)
@given(label=TEXT, statement=TEXT, table=TEXT, title=TEXT)
def test_any_labels_give_an_svg_that_parses_without_active_content(
    label: str, statement: str, table: str, title: str
) -> None:
    graph, positions = _map(label, statement, table)
    root = ET.fromstring(render_svg(graph, positions, title=title))  # noqa: S314 - ours
    for element in root.iter():
        assert element.tag.rsplit("}", 1)[-1] not in ("script", "foreignObject")
        assert not [a for a in element.attrib if a.rsplit("}", 1)[-1].startswith("on")]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.events: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.events += [name for name, _ in attrs if name.startswith("on")]


_PAGE_TAGS: set[str] = set()


@settings(FAST, max_examples=100)
@given(label=TEXT, statement=TEXT, table=TEXT, title=TEXT)
def test_any_labels_give_a_map_page_with_the_same_markup(
    label: str, statement: str, table: str, title: str
) -> None:
    graph, positions = _map(label, statement, table)
    parser = _Tags()
    parser.feed(render_html(graph, positions, title=title, subtitle=label))
    if not _PAGE_TAGS:
        plain = _Tags()
        plain.feed(render_html(*_map("Sprache", "Mehr Kurse", "Tisch"), title="Titel",
                               subtitle="Rathaus"))
        _PAGE_TAGS.update(plain.tags)
    assert parser.tags <= _PAGE_TAGS  # user text never adds an element
    assert not parser.events


# --- curation, tokens, file names --------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
PAYLOAD_KEYS = st.sampled_from(["theme_id", "label", "source", "target", "statement_id",
                                "statement_ids", "value", "hidden", "word", "canonical",
                                "keyword", "categories"])


@settings(FAST, max_examples=300)
@given(kind=st.sampled_from(ACTION_KINDS) | TEXT,
       payload=st.dictionaries(PAYLOAD_KEYS, JSON, max_size=5))
def test_any_action_payload_is_cleaned_or_refused_and_never_breaks_the_board(
    kind: str, payload: dict[str, Any]
) -> None:
    try:
        clean = validate_action(kind, payload)
    except InvalidAction:
        clean = None
    # a stored row the validator would refuse is skipped, never fatal to the board
    actions = [Action(1, 1, kind, payload, None), Action(2, 1, kind, clean or {}, None)]  # type: ignore[arg-type]
    overrides_from_actions(actions)


@settings(FAST, max_examples=200)
@given(token=st.text(max_size=300))
def test_any_token_is_refused_or_grants_a_role_never_crashes(token: str) -> None:
    try:
        granted = access.resolve_token(_STORE, token)
    except access.AccessDenied:
        return
    assert granted.role in access.PERMISSIONS


@settings(FAST, max_examples=300)
@given(title=st.text(max_size=300))
def test_any_title_gives_a_safe_slug_and_file_name(title: str) -> None:
    slug = slugify(title)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) and len(slug) <= 60
    workshop = _STORE.find_workshop("props") or _STORE.create_workshop("Props", slug="props")
    from dataclasses import replace

    name = map_filename(replace(workshop, slug=slug, title=title, date=date(2026, 1, 1)), "png")
    assert re.fullmatch(r"harvest-[a-z0-9-]+-2026-01-01\.png", name)


@settings(FAST, max_examples=60)
@given(text=TEXT, width=st.floats(min_value=20.0, max_value=300.0),
       lang=st.sampled_from([None, "de", "en"]))
def test_poster_wrapping_of_any_text_keeps_every_letter(text: str, width: float,
                                                        lang: str | None) -> None:
    from harvest.conceptmap.graph import is_separator
    from harvest.conceptmap.poster import wrap_text

    lines = wrap_text(text, width, 36.0, lang=lang)
    kept = "".join(line.replace(" ", "") for line in lines).replace("-", "")
    assert kept == "".join(text.split()).replace("-", "")
    lines = wrap_text(text, width, 36.0, lang=lang, parted=True)
    kept = "".join(line.replace(" ", "") for line in lines).replace("-", "")
    # parted: every word is kept, in order; a separator may be left out at a line break
    for word in text.split():
        word = word.replace("-", "")
        if kept.startswith(word):
            kept = kept[len(word):]
        else:
            assert is_separator(word), (word, kept)
    assert kept == ""


_WORDS = ["Kreuzung", "Straßenkreuzung", "Kita", "Kitaplatz", "Platz", "Sprache", "Sprachkurs",
          "Kurs", "Arbeit", "Arbeitsmarkt", "Markt", "Wohnung", "Wohnungsmarkt", "housing",
          "market", "Rad", "Radweg", "Weg", "Ampel", "Schule", "Schulweg"]


@given(st.lists(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=6), min_size=1,
                max_size=25),
       st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=8))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_vocabulary_grown_in_any_steps_is_the_one_built_at_once(
        statements: list[list[str]], steps: list[int]) -> None:
    from harvest.engine.keywords import Lexicon, _Options, _Vocabulary, extract_keywords

    texts = [" ".join(words) + "." for words in statements]
    end = 0
    for step in steps:
        end = min(len(texts), end + step)
        grown = extract_keywords(texts[:end], "de")
        fresh = _Vocabulary(_Options("de", Lexicon(), True, True, True)).grow(texts[:end])
        assert grown.keys == fresh.keys
        assert list(grown.display.items()) == list(fresh.display.items())
        assert grown.doc_keywords == fresh.doc_keywords
        assert grown.compound_parts == fresh.compound_parts
        assert grown.standalone == fresh.standalone
