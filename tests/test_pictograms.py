"""Pictograms: the keyword table, the moderator's choice as a curation action, the map."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from harvest import pictograms
from harvest.board import Board, compute_board, render_map
from harvest.demo import create_demo
from harvest.engine import curation
from harvest.model import Theme
from harvest.store import Store

TABLE = Path(pictograms.__file__).parent / "data" / "pictograms.tsv"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('pict') / 'h.db'}")
    create_demo(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def board(demo_store: Store) -> Board:
    return compute_board(demo_store, "demo", persist=False)


def test_every_code_in_the_table_is_an_openmoji_pictogram() -> None:
    codes = [line.split("\t")[0] for line in TABLE.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    assert len(codes) >= 60
    assert [c for c in codes if not pictograms.is_known(c)] == []


def test_the_table_covers_a_few_hundred_words_of_the_seeds_domain() -> None:
    words = pictograms._table()[0]
    assert len(words) >= 300
    for word in ("integration", "sprache", "kita", "schule", "arbeit", "wohnen", "verkehr",
                 "gesundheit", "ehrenamt", "sport", "kultur", "verwaltung", "klima",
                 "housing", "climate", "school"):
        assert word in words, word


@pytest.mark.parametrize(
    ("label", "keywords", "concept"),
    [
        ("Kitaplätze", ["Kitaplatz", "Wartezeit"], "Kita"),
        ("Ganztagsschule", ["Ganztagsschule", "Hort"], "Schule"),
        ("Radwege · Tempo", ["Radweg", "Tempo"], "Fahrrad"),
        ("Wohnungssuche", ["Wohnungssuche", "Miete"], "Wohnen"),
        ("Public transport", ["bus", "ticket"], "Verkehr"),
        ("Ausländerbehörde · Termin", ["Ausländerbehörde", "Termin"], "Verwaltung"),
    ],
)
def test_a_theme_gets_the_pictogram_of_its_words_also_in_compounds(
    label: str, keywords: list[str], concept: str
) -> None:
    code = pictograms.choose_pictogram(label, [(k, 1.0) for k in keywords])
    assert code is not None and pictograms.concept(code) == concept


def test_words_the_table_does_not_know_give_no_pictogram() -> None:
    assert pictograms.choose_pictogram("Quantenphysik", [("quark", 1.0)]) is None


def test_search_finds_pictograms_by_german_and_english_words() -> None:
    assert pictograms.search_pictograms("Fahrrad")[0] == "1F6B2"
    assert "1F68C" in pictograms.search_pictograms("bus")
    assert pictograms.search_pictograms("   ") == []
    assert pictograms.search_pictograms("zzzzqqq") == []


def test_the_moderators_choice_wins_and_none_means_none() -> None:
    theme = Theme("t1", "Sprachkurs", (("sprachkurs", 1.0),), (1,))
    other = Theme("other", "", (), (2,), is_other=True)
    assert pictograms.theme_pictograms([theme, other], {}) == {"t1": "1F5E3", "other": ""}
    assert pictograms.theme_pictograms([theme], {"t1": "1F6B2"}) == {"t1": "1F6B2"}
    assert pictograms.theme_pictograms([theme], {"t1": ""}) == {"t1": ""}


def test_a_pictogram_action_with_an_unknown_code_is_refused() -> None:
    with pytest.raises(curation.InvalidAction):
        curation.validate_action("pictogram", {"theme_id": "t1", "code": "NOPE"})
    assert curation.validate_action("pictogram", {"theme_id": "t1", "code": ""})["code"] == ""


def test_pictogram_image_is_drawn_in_colour_from_the_packaged_font() -> None:
    image = pictograms.pictogram_image("1F68C", 64)
    assert image.size == (64, 64) and image.mode == "RGBA"
    colours = {rgba[:3] for _, rgba in image.getcolors(maxcolors=64 * 64) or [] if rgba[3] > 200}
    assert len(colours) > 5  # a colour picture, not a black glyph


def test_at_least_80_percent_of_the_demo_themes_get_a_pictogram(board: Board) -> None:
    themes = board.clustering.themes
    with_picture = [t for t in themes if board.pictograms.get(t.id)]
    assert len(themes) >= 4
    assert len(with_picture) / len(themes) >= 0.8


def test_json_export_carries_each_themes_pictogram(board: Board) -> None:
    data = json.loads(render_map(board, "json"))
    themes = [n for n in data["nodes"] if n["kind"] == "theme"]
    assert themes and all("pictogram" in n for n in themes)
    assert {n["theme"]: n["pictogram"] for n in themes} == {
        t: c for t, c in board.pictograms.items() if any(n["theme"] == t for n in themes)
    }


def test_a_chosen_pictogram_survives_a_recompute_and_can_be_undone(demo_store: Store) -> None:
    workshop = demo_store.get_workshop("demo")
    board = compute_board(demo_store, workshop.id)
    theme = board.clustering.themes[0]
    before = board.pictograms[theme.id]
    curation.apply_action(demo_store, workshop.id, "pictogram",
                          {"theme_id": theme.id, "code": "1F6B2"})
    demo_store.add_statement(workshop.id, "Mehr Sprachkurse am Abend", table=None)
    again = compute_board(demo_store, workshop.id)
    assert again.pictograms[theme.id] == "1F6B2"
    graph_codes = {d["theme"]: d["pictogram"] for _, d in again.graph.nodes(data=True)
                   if d["kind"] == "theme"}
    assert graph_codes[theme.id] == "1F6B2"
    curation.undo_last(demo_store, workshop.id)
    assert compute_board(demo_store, workshop.id).pictograms[theme.id] == before


def test_the_offline_map_draws_pictograms_from_data_uris_and_credits_them(
    board: Board,
) -> None:
    page = render_map(board, "html").decode()
    assert "data:image/svg+xml;base64," in page
    assert "OpenMoji" in page and "CC BY-SA 4.0" in page
    assert "http://" not in page.split("<script>")[0].replace("http://www.w3.org", "")
