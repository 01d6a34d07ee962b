"""Processes: workshops merged on one board, compared and traced (store, board, compare,
exports, CLI, links), on SQLite and PostgreSQL, with the Klimarat comments split into
regional workshops."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from harvest import access, compare
from harvest.access import AccessDenied
from harvest.board import (
    compute_board,
    export_statements,
    member_themes,
    process_board,
    render_map,
    restrict,
)
from harvest.cli import main
from harvest.store import NewStatement, NotAMember, SlugTaken, Store, WorkshopNotFound
from harvest.vectors import embed_pending
from tests.conftest import DATA_DIR, require

KLIMARAT = DATA_DIR / "polis_klimarat_at_de" / "polis_klimarat_at_de.csv"
SECRET = b"test-secret"


def klimarat_rows() -> list[dict[str, str]]:
    require(KLIMARAT.exists(), f"shared data missing at {KLIMARAT}")
    with KLIMARAT.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def fill(store: Store, slug: str, rows: list[dict[str, str]], tables: int = 3) -> int:
    """A workshop of these comments on ``tables`` tables, embedded; its id."""
    workshop = store.create_workshop(slug.title(), slug=slug)
    store.add_statements(
        workshop.id,
        [NewStatement(r["text"], table=f"Tisch {i % tables + 1}") for i, r in enumerate(rows)],
    )
    embed_pending(store, workshop.id)
    return workshop.id


@pytest.fixture
def by_topic(store: Store) -> Iterator[Store]:
    """Three regional workshops, each mostly one Klimarat topic (120 comments each):
    Dessau talks energy, Stendal mobility, Halle food and land."""
    rows = klimarat_rows()
    topics = {"dessau": "Energie", "stendal": "Mobilität", "halle": "Ernährung und Landnutzung"}
    for slug, label in topics.items():
        fill(store, slug, [r for r in rows if r["label"] == label][:120])
    store.create_process("Sachsen-Anhalt", slug="lsa", workshops=list(topics))
    yield store


def test_a_process_board_holds_every_statement_of_its_workshops(by_topic: Store) -> None:
    board = process_board(by_topic, "lsa")
    assert [m.slug for m in board.members] == ["dessau", "stendal", "halle"]
    assert len(board.statements) == 360
    assert {s.workshop_id for s in board.statements} == {m.id for m in board.members}
    themed = {sid for theme in board.clustering.themes for sid in theme.statement_ids}
    assert themed == {s.id for s in board.statements}  # every statement has a theme
    # each keeps its workshop, table, kind and time
    for statement in board.statements:
        assert statement.table_name and statement.table_name.startswith("Tisch ")
        assert statement.created_at is not None


def test_the_grid_shows_which_workshop_raised_which_theme(by_topic: Store) -> None:
    board = process_board(by_topic, "lsa")
    comparison = compare.compare(board)
    assert comparison.totals == (120, 120, 120)
    assert sum(r.total for r in comparison.rows) == 360
    for row in comparison.rows:
        assert all(0.0 <= s <= 1.0 for s in row.shares)
    # split by topic, most themes are one region's: the grid says so
    assert {w.slug for _, w in comparison.unique()} == {"dessau", "stendal", "halle"}
    # the theme most of Stendal's statements are in is Stendal's far more than the others'
    stendal = max(comparison.rows, key=lambda r: r.counts[1])
    assert stendal.counts[1] > 3 * max(stendal.counts[0], stendal.counts[2])


def test_grid_csv_has_one_count_column_per_workshop_slug(by_topic: Store) -> None:
    comparison = compare.compare(process_board(by_topic, "lsa"))
    rows = list(csv.reader(io.StringIO(compare.grid_csv(comparison).decode("utf-8-sig"))))
    assert rows[0] == ["theme_id", "theme_label", "dessau", "stendal", "halle", "total"]
    for line in rows[1:]:
        assert int(line[-1]) == sum(int(c) for c in line[2:-1])
    assert len(rows) - 1 == len(comparison.rows)


def test_workshop_themes_map_to_the_process_theme_holding_most_of_them(by_topic: Store) -> None:
    board = process_board(by_topic, "lsa")
    own = member_themes(by_topic, board)
    mappings = compare.map_workshop_themes(board, own)
    assert {m.workshop_id for m in mappings} == {w.id for w in board.members}
    theme_of = {sid: a.theme_id for sid, a in board.clustering.assignments.items()}
    for mapping in mappings:
        ids = [s for s in mapping.theme.statement_ids if s in theme_of]
        if not ids:
            continue
        best = sum(theme_of[s] == mapping.process_theme_id for s in ids)
        assert best == max(sum(theme_of[s] == t for s in ids) for t in set(theme_of.values()))
        assert mapping.agreement == pytest.approx(best / len(ids))


def test_trace_leads_from_a_theme_back_to_its_workshops_and_tables(by_topic: Store) -> None:
    board = process_board(by_topic, "lsa")
    theme = max(board.clustering.themes, key=lambda t: len(t.statement_ids))
    found = compare.trace(board, theme_id=theme.id)
    assert {s.id for s in found.statements} == set(theme.statement_ids)
    assert sum(n for _, n in found.by_workshop) == len(theme.statement_ids)
    assert sum(n for _, _, n in found.by_table) == len(theme.statement_ids)


def test_shared_demands_span_several_workshops(store: Store) -> None:
    texts = ["Wir fordern mehr Busse im ländlichen Raum.", "Die Kita muss länger öffnen."]
    for slug in ("dessau", "stendal"):
        workshop = store.create_workshop(slug, slug=slug)
        store.add_statements(workshop.id, [NewStatement(t, table="A", kind="demand")
                                           for t in texts])
        embed_pending(store, workshop.id)
    store.create_process("Land", slug="land", workshops=["dessau", "stendal"])
    comparison = compare.compare(process_board(store, "land"))
    assert comparison.shared_demands
    for demand in comparison.shared_demands:
        assert len(demand.workshop_ids) == 2
        found = compare.trace(process_board(store, "land"), statement_ids=demand.statement_ids)
        assert len(found.by_workshop) == 2


def test_process_board_is_live_while_any_workshop_grows(by_topic: Store) -> None:
    process = by_topic.get_process("lsa")
    before = by_topic.revision(process.workshop.id)
    halle = by_topic.get_workshop("halle")
    by_topic.add_statement(halle.id, "Regionale Lebensmittel in jede Kantine", table="Tisch 1")
    assert by_topic.revision(process.workshop.id) == before + 1
    board = process_board(by_topic, "lsa")
    assert "Regionale Lebensmittel in jede Kantine" in {s.text for s in board.statements}


def test_process_curation_is_its_own_and_survives_a_recompute(by_topic: Store) -> None:
    process = by_topic.get_process("lsa")
    board = process_board(by_topic, "lsa")
    theme = board.clustering.themes[0]
    by_topic.record_action(process.workshop.id, "rename", {"theme_id": theme.id, "label": "Land"})
    assert process_board(by_topic, "lsa").clustering.theme(theme.id).label == "Land"  # type: ignore[union-attr]
    # the workshops' own boards do not see the process's rename
    dessau = compute_board(by_topic, "dessau")
    assert "Land" not in {t.label for t in dessau.clustering.themes}


def test_filter_by_workshop_and_table_keeps_the_themes(by_topic: Store) -> None:
    board = process_board(by_topic, "lsa")
    dessau = board.members[0]
    only = restrict(board, workshops=[dessau.id], tables=["Tisch 1"])
    assert only.statements and all(
        s.workshop_id == dessau.id and s.table_name == "Tisch 1" for s in only.statements
    )
    labels = {t.id: t.label for t in board.clustering.themes}
    assert only.clustering.themes
    assert all(labels[t.id] == t.label for t in only.clustering.themes)


def test_a_workshop_in_two_processes_and_a_deleted_member(store: Store) -> None:
    rows = klimarat_rows()
    fill(store, "dessau", rows[:40])
    fill(store, "halle", rows[40:80])
    store.create_process("Eins", slug="eins", workshops=["dessau", "halle"])
    store.create_process("Zwei", slug="zwei", workshops=["dessau"])
    assert [p.slug for p in store.processes_with(store.get_workshop("dessau").id)] == [
        "eins", "zwei"]
    eins = store.get_process("eins")
    seen = store.revision(eins.workshop.id)
    store.delete_workshop(store.get_workshop("dessau").id)
    assert store.revision(eins.workshop.id) > seen  # the board moves on, never back
    assert len(store.get_process("eins").workshop_ids) == 1
    assert store.get_process("zwei").workshop_ids == ()
    board = process_board(store, "zwei")  # empty: a friendly empty board, no error
    assert board.statements == () and compare.compare(board).rows == ()
    assert len(process_board(store, "eins").statements) == 40


def test_process_names_are_checked_and_its_row_is_no_workshop(store: Store) -> None:
    store.create_workshop("Dessau", slug="dessau")
    with pytest.raises(SlugTaken):
        store.create_process("X", slug="dessau")
    with pytest.raises(WorkshopNotFound):
        store.create_process("X", slug="x", workshops=["nirgendwo"])
    process = store.create_process("Land", slug="land", workshops=["dessau"])
    assert [w.slug for w in store.list_workshops()] == ["dessau"]
    assert store.find_workshop("land") is None  # `harvest add land` cannot write into it
    with pytest.raises(WorkshopNotFound):
        store.add_to_process("land", process.workshop.id)  # not a member of itself
    with pytest.raises(NotAMember):
        store.remove_from_process("land", store.create_workshop("Halle").id)
    assert store.add_to_process("land", "dessau").workshop_ids == process.workshop_ids


def test_process_links_are_its_own(store: Store) -> None:
    dessau = store.create_workshop("Dessau", slug="dessau")
    process = store.create_process("Land", slug="land", workshops=["dessau"])
    links = access.workshop_links(store, process.workshop, secret=SECRET)
    assert list(links) == ["moderator", "participant"]
    token = access.issue_token(store, process.workshop, "moderator", secret=SECRET)
    granted = access.resolve_token(store, token)
    assert granted.workshop_id == process.workshop.id and granted.process
    assert granted.allows("curate") and not granted.allows("entry")
    # a workshop's facilitator link grants nothing on the process
    facilitator = access.resolve_token(
        store, access.issue_token(store, dessau, "facilitator", secret=SECRET)
    )
    assert facilitator.workshop_id == dessau.id and not facilitator.process
    with pytest.raises(ValueError, match="no facilitator link"):
        access.issue_token(store, process.workshop, "facilitator", secret=SECRET)
    with pytest.raises(AccessDenied):
        access.resolve_token(store, "not-a-token")


def test_process_exports_carry_workshop_and_table(by_topic: Store) -> None:
    board = process_board(by_topic, "lsa")
    data = export_statements(by_topic, board, "csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert len(rows) == 360
    assert {r["workshop"] for r in rows} == {"dessau", "stendal", "halle"}
    assert all(r["table"].startswith("Tisch ") and r["theme_id"] for r in rows)
    assert export_statements(by_topic, board, "xlsx")[:2] == b"PK"
    for fmt, start in (("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF"),
                       ("json", b"{"), ("html", b"<!doctype")):
        assert render_map(board, fmt)[: len(start)].lower() == start.lower()
    report = compare.report_markdown(board, compare.compare(board))
    assert "Was nur eine Werkstatt eingebracht hat" in report and "Stendal" in report


def test_report_escapes_hostile_titles(store: Store) -> None:
    for slug, title in (("a", "<script>alert(1)</script>"), ("b", "=HYPERLINK(1)")):
        workshop = store.create_workshop(title, slug=slug)
        store.add_statements(workshop.id, [NewStatement("Mehr Busse auf dem Land", table="T")])
    store.create_process("<b>Land</b>", slug="land", workshops=["a", "b"])
    board = process_board(store, "land")
    page = compare.report_html(board, compare.compare(board))
    assert "<script>" not in page and "<b>Land" not in page
    grid = compare.grid_csv(compare.compare(board)).decode("utf-8-sig")
    assert "\n=" not in grid and ",=" not in grid


def test_cli_creates_lists_compares_and_exports_a_process(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = klimarat_rows()
    with Store(store_url) as store:
        fill(store, "dessau", rows[:60])
        fill(store, "stendal", rows[60:120])
        fill(store, "halle", rows[120:180])
    db = ["--db", store_url]
    assert main([*db, "process", "create", "lsa", "--title", "Sachsen-Anhalt",
                 "--workshops", "dessau", "stendal"]) == 0
    assert main([*db, "process", "add", "lsa", "halle"]) == 0
    capsys.readouterr()
    assert main([*db, "process", "list"]) == 0
    assert capsys.readouterr().out.split() == ["lsa", "Sachsen-Anhalt", "dessau", "stendal",
                                               "halle"]
    grid = tmp_path / "grid.csv"
    assert main([*db, "compare", "lsa", "--out", str(grid)]) == 0
    header = grid.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "theme_id,theme_label,dessau,stendal,halle,total"
    for fmt in ("png", "svg", "pdf", "html", "json", "csv", "xlsx", "poster-pdf"):
        out = tmp_path / f"lsa.{fmt}"
        assert main([*db, "export", "lsa", "--process", "--format", fmt, "--out", str(out)]) == 0
        assert out.stat().st_size > 100
    assert "workshop" in (tmp_path / "lsa.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert main([*db, "export", "lsa", "--format", "csv", "--out", str(tmp_path / "x")]) == 2
    assert "No workshop" in capsys.readouterr().err
    assert main([*db, "process", "add", "lsa", "nirgendwo"]) == 2
    capsys.readouterr()
    assert main([*db, "links", "lsa", "--process", "--base-url", "http://hall:8501"]) == 0
    roles = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert roles == ["moderator", "participant"]


@pytest.mark.parametrize("title", ["", "x" * 5000, "\x00\x01\x02"])
def test_a_process_title_that_is_empty_huge_or_binary_is_refused(
    sqlite_store: Store, title: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from harvest.intake import InvalidInput

    with pytest.raises(InvalidInput):
        sqlite_store.create_process(title)
    assert main(["--db", sqlite_store.url, "process", "create", "p", "--title", title]) == 2
    assert capsys.readouterr().err.startswith("harvest process: ")
    assert sqlite_store.list_processes() == []
