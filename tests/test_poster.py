"""The graphical-harvest poster: whole texts, wall-sized type, every size, PNG/PDF/SVG."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from harvest.board import Board, compute_board, render_map
from harvest.cli import main
from harvest.conceptmap.poster import (
    PosterError,
    cap_height_mm,
    layout_poster,
    render_poster,
    text_width,
    wrap_text,
)
from harvest.demo import create_demo
from harvest.formats import POSTER_SIZES
from harvest.safety import drawable
from harvest.store import Store

ELLIPSES = ("…", "...")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('poster') / 'h.db'}"


@pytest.fixture(scope="module")
def demo_store(demo_url: str) -> Iterator[Store]:
    store = Store(demo_url)
    create_demo(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def board(demo_store: Store) -> Board:
    return compute_board(demo_store, "demo", persist=False)


def _item_text(layout, index: int) -> str:  # noqa: ANN001 - a PosterLayout
    lines = [line.text for line in layout.lines if line.part_of == index]
    return "\n".join(lines)


@pytest.mark.parametrize("size", list(POSTER_SIZES))
def test_every_statement_and_demand_on_the_poster_is_shown_whole(board: Board, size: str) -> None:
    layout = layout_poster(board, size=size, qr_url="http://localhost:8660/?t=x")
    assert layout.items, "the poster shows voices of the workshop"
    for line in layout.lines:
        assert not line.text.rstrip().endswith(ELLIPSES), line
    # a statement as written (less glyphs the font lacks, e.g. emoji), never shortened
    texts = {drawable(s.text) for s in board.statements}
    for index, item in enumerate(layout.items):
        assert item.text in texts
        drawn = _item_text(layout, index)
        shown = drawn.replace("-\n", "") if drawn.replace("\n", " ") not in (
            item.text, f"„{item.text}“") else drawn.replace("\n", " ")
        assert shown.replace("\n", " ") in (item.text, f"„{item.text}“")


@pytest.mark.parametrize("size", list(POSTER_SIZES))
def test_everything_stays_on_the_page_and_blocks_do_not_overlap(board: Board, size: str) -> None:
    layout = layout_poster(board, size=size)
    for line in layout.lines:
        assert line.y >= 0 and line.y + line.size * 25.4 / 72 * 1.2 <= layout.height + 0.01
        assert 0 <= line.x <= layout.width
    cards = [b for b in layout.boxes if b.w > 0.2 * layout.height]
    for i, a in enumerate(cards):
        for b in cards[i + 1:]:
            apart = (a.x + a.w <= b.x + 0.01 or b.x + b.w <= a.x + 0.01
                     or a.y + a.h <= b.y + 0.01 or b.y + b.h <= a.y + 0.01)
            assert apart, (a, b)


def test_on_a1_theme_names_and_voices_read_from_five_metres(board: Board) -> None:
    layout = layout_poster(board, size="A1")
    names = [line for line in layout.lines if line.role == "theme"]
    voices = [line for line in layout.lines if line.role in ("demand", "statement")]
    assert names and voices
    # 1.5 cm at full size; a long single word on a narrow card may go to 1.25 cm
    assert min(cap_height_mm(line.size) for line in names) >= 12.5
    assert sorted(cap_height_mm(line.size) for line in names)[len(names) // 2] >= 15.0
    assert min(cap_height_mm(line.size) for line in voices) >= 6.0
    assert sorted(cap_height_mm(line.size) for line in voices)[len(voices) // 2] >= 9.0


def test_a_long_compound_on_a_narrow_card_breaks_at_its_seam_in_wall_sized_type(
    board: Board,
) -> None:
    # the demo's keyword board has eight cards on A1: "Ausländerbehörde" is wider than its
    # card, and shrank to a 9.8 mm cap height before it could break
    layout = layout_poster(board, size="A1")
    names = [line for line in layout.lines if line.role == "theme"]
    broken = [(a, b) for a, b in zip(names, names[1:], strict=False)
              if a.text.endswith("-") and a.size == b.size]
    assert [(a.text, b.text.split()[0]) for a, b in broken] == [("Ausländer-", "behörde")]
    assert all(cap_height_mm(a.size) >= 15.0 for a, _ in broken)
    # a word breaks where the German dictionary breaks it, at a seam of the compound
    # (both sides words) where one fits: not "Ausländerbehör-de", though "de" is a word
    assert wrap_text("Ausländerbehörde", 150, 60, True) == ["Ausländerb-", "ehörde"]
    for width in (150, 210):
        assert wrap_text("Ausländerbehörde", width, 60, True, "de") == ["Ausländer-",
                                                                       "behörde"]
    assert wrap_text("Klimaschutzmaßnahmen", 210, 60, True, "de") == ["Klimaschutz-",
                                                                      "maßnahmen"]


def test_every_demo_theme_gets_a_block_with_its_pictogram_on_a1(board: Board) -> None:
    layout = layout_poster(board, size="A1")
    assert set(layout.themes) == {t.id for t in board.clustering.themes}
    drawn = {p.code for p in layout.pictures}
    assert {c for c in board.pictograms.values() if c} <= drawn


def test_the_poster_has_title_date_place_tables_qr_and_the_credit(board: Board) -> None:
    layout = layout_poster(board, size="A1", qr_url="http://localhost:8660/?t=x")
    text = "\n".join(line.text for line in layout.lines)
    assert board.workshop.title in text and board.workshop.place in text
    assert "25.04.2026" in text
    assert "OpenMoji" in text and "CC BY-SA 4.0" in text
    for table in {s.table_name for s in board.statements if s.table_name}:
        assert table in text
    assert any(p.code == "qr" for p in layout.pictures)
    assert not any(p.code == "qr" for p in layout_poster(board, size="A1").pictures)


def test_a_long_statement_is_left_out_rather_than_cut(board: Board) -> None:
    long_text = " ".join(["Die Verwaltung muss vielfältiger werden"] * 30)
    first = board.statements[0]
    statements = (replace(first, text=long_text), *board.statements[1:])
    layout = layout_poster(replace(board, statements=statements), size="A4")
    assert all(item.text != long_text for item in layout.items)
    assert all(not line.text.endswith(ELLIPSES) for line in layout.lines)


@pytest.mark.parametrize("lang", [None, "de", "en"])
def test_wrapping_never_drops_a_word(lang: str | None) -> None:
    text = ("Kinderbetreuungseinrichtungsplatzvergabeverfahren dauert viel zu lange, "
            "Kita-Gebühren (Ausländerbehörde) information-overload")
    lines = wrap_text(text, 60.0, 36.0, lang=lang)
    assert "".join(lines).replace("-", "").replace(" ", "") == text.replace(
        "-", "").replace(" ", "")
    assert all(text_width(line, 36.0) <= 60.0 for line in lines)


def test_a_keyword_separator_never_opens_a_line() -> None:
    width = text_width("Pflegekraft", 36.0) + 3.0  # the keyword fits, its "·" not beside it
    lines = wrap_text("Pflegekraft · Kita · Ort", width, 36.0, lang="de", parted=True)
    assert lines == ["Pflegekraft", "Kita · Ort"]
    # a statement keeps it
    assert wrap_text("Pflegekraft · Kita · Ort", width, 36.0, lang="de")[1] == "· Kita · Ort"


def test_png_pdf_and_svg_are_drawn_and_svg_text_has_no_ellipsis(board: Board) -> None:
    layout = layout_poster(board, size="A4")
    png = render_poster(layout, "png")
    assert Image.open(io.BytesIO(png)).size[0] >= 3500  # A4 at 300 dpi
    pdf = render_poster(layout, "pdf")
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert "Sprachkurs" in reader.pages[0].extract_text()
    svg = render_poster(layout, "svg").decode("utf-8")
    assert "<text" in svg and "…" not in svg


def test_unknown_size_or_format_is_refused(board: Board) -> None:
    with pytest.raises(PosterError, match="A1"):
        layout_poster(board, size="B5")
    with pytest.raises(PosterError):
        render_poster(layout_poster(board, size="A4"), "tiff")


def test_render_map_and_cli_export_the_poster(
    board: Board, demo_store: Store, demo_url: str, tmp_path: Path
) -> None:
    assert render_map(board, "poster-svg", size="16:9").startswith(b"<?xml")
    out = tmp_path / "poster.pdf"
    code = main(["--db", demo_url, "export", "demo", "--format", "poster-pdf", "--size", "A3",
                 "--base-url", "http://localhost:8660", "--out", str(out)])
    assert code == 0 and out.read_bytes().startswith(b"%PDF")
