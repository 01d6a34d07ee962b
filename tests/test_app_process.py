"""The process pages, driven by AppTest: board over several workshops, compare, trace,
start page, links; real store and engine, the demo statements split into workshops."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import test_app
from test_app import SECRET, app, demo_statements, texts

from harvest import access
from harvest.store import Store


@pytest.fixture
def store(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The app tests' store (a SQLite file the app opens through the environment)."""
    yield from test_app.store.__wrapped__(tmp_path, monkeypatch)  # type: ignore[attr-defined]


def process_with(store: Store, workshops: int = 2, per: int = 20) -> dict[str, str]:
    """A process of ``workshops`` workshops, each with ``per`` demo statements; its links
    (role -> token)."""
    items = demo_statements(workshops * per)
    slugs = []
    for n in range(workshops):
        ws = store.create_workshop(f"Region {n + 1}", slug=f"region-{n + 1}")
        for item in items[n::workshops]:
            store.add_statement(ws.id, item["text"], table=item["table"], kind=item["kind"])
        slugs.append(ws.slug)
    process = store.create_process("Land <b>gesamt</b>", slug="land", workshops=slugs)
    links = access.workshop_links(store, process.workshop, "http://localhost:8501",
                                  secret=SECRET.encode())
    return {role: url.rsplit("t=", 1)[1] for role, url in links.items()}


def test_process_board_shows_all_workshops_and_filters_by_workshop(store: Store) -> None:
    tokens = process_with(store)
    at = app(tokens["moderator"])
    assert not at.exception
    shown = texts(at)
    assert "Region 1, Region 2" in shown and "Land &lt;b&gt;gesamt&lt;/b&gt;" not in shown
    assert "40 Aussagen" in shown
    filter_ = at.multiselect(key="filter_workshops")
    assert filter_.options == ["Region 1", "Region 2"]
    # the process has no entry page; it has compare and trace
    labels = [str(p) for p in at.get("navigation")] or [""]
    assert "Erfassen" not in " ".join(labels)
    filter_.select("Region 1").run()
    assert not at.exception


def test_compare_page_shows_the_heat_map_and_downloads(store: Store) -> None:
    tokens = process_with(store)
    at = app(tokens["moderator"], page="compare")
    assert not at.exception
    shown = texts(at)
    assert "Werkstätten im Vergleich" in shown and "Nur an einem Ort" in shown
    grid = at.dataframe[0]  # the heat map comes first, then the theme mapping
    assert list(grid.value.columns) == ["Region 1", "Region 2"]
    assert at.get("download_button")
    at.toggle(key="compare_counts").set_value(True).run()
    assert at.dataframe[0].value.to_numpy().sum() == 40


def test_trace_page_leads_from_a_theme_to_its_statements(store: Store) -> None:
    tokens = process_with(store)
    at = app(tokens["participant"], page="trace")
    assert not at.exception
    theme = at.selectbox(key="trace_theme")
    rows = at.dataframe[2].value  # by workshop, by table, then the statements
    assert len(rows) > 0 and set(rows.iloc[:, 0]) <= {"Region 1", "Region 2"}
    theme.select(theme.options[-1]).run()
    assert not at.exception


def test_empty_process_shows_a_friendly_board(store: Store) -> None:
    process = store.create_process("Leer", slug="leer")
    token = access.issue_token(store, process.workshop, "moderator", secret=SECRET.encode())
    at = app(token)
    assert not at.exception
    assert "noch keine Werkstätten" in texts(at)
    at = app(token, page="compare")
    assert not at.exception and "noch keine Werkstätten" in texts(at)


def test_a_workshop_facilitator_link_does_not_open_the_process(store: Store) -> None:
    process_with(store)
    ws = store.get_workshop("region-1")
    facilitator = access.issue_token(store, ws, "facilitator", secret=SECRET.encode())
    at = app(facilitator, page="compare")
    assert not at.exception
    assert "Region 2" not in texts(at)  # the workshop's own pages, not the process's


def test_process_moderator_adds_and_removes_workshops_on_the_start_page(store: Store) -> None:
    tokens = process_with(store)
    store.create_workshop("Region 3", slug="region-3")
    at = app(tokens["moderator"], page="start")
    assert not at.exception
    assert "Prozesse" in texts(at)
    at.selectbox(key="process_add_pick").select(store.get_workshop("region-3").id).run()
    at.button(key="process_add").click().run()
    assert not at.exception
    assert len(store.get_process("land").workshop_ids) == 3
    at.selectbox(key="process_remove_pick").select(store.get_workshop("region-1").id).run()
    at.button(key="process_remove").click().run()
    assert [store.get_workshop(i).slug for i in store.get_process("land").workshop_ids] == [
        "region-2", "region-3"]
    # the moderator of a process cannot import statements into it
    assert not [b for b in at.get("file_uploader")]


def test_process_curate_summary_and_export_pages_open(store: Store) -> None:
    tokens = process_with(store)
    for page in ("curate", "summary", "export"):
        at = app(tokens["moderator"], page=page)
        assert not at.exception, page
    assert {b.key for b in at.get("download_button")} >= {"export_csv", "export_xlsx"}


def test_process_curation_moves_statements_but_cannot_hide_a_workshops(store: Store) -> None:
    tokens = process_with(store)
    at = app(tokens["moderator"], page="curate")
    assert not at.exception
    assert at.selectbox(key="cur_statement").options  # the members' statements are listed
    assert at.button(key="cur_hide").disabled and at.button(key="cur_delete").disabled


def test_deleting_a_member_workshop_warns_which_processes_lose_its_statements(
    store: Store,
) -> None:
    process_with(store)
    ws = store.get_workshop("region-1")
    moderator = access.issue_token(store, ws, "moderator", secret=SECRET.encode())
    at = app(moderator, page="export")
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("Prozess „Land \\<b\\>gesamt\\</b\\>“" in w and "Prozess-Boards" in w
               for w in warnings), warnings
    alone = store.create_workshop("Allein")
    solo = access.issue_token(store, alone, "moderator", secret=SECRET.encode())
    at = app(solo, page="export")
    assert not any("Prozess-Boards" in w.value for w in at.warning)
