"""The Streamlit app, driven by AppTest: real store (SQLite file), real engine, no mocks.

Widgets are found by their ``key=``. Pages are opened the way a link opens them: the
token in the query string; the page by its file in app/ (``open_page``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from harvest import access
from harvest.board import MAP_FORMATS, compute_board, map_filename, theme_counts
from harvest.store import Store
from harvest.summary import summary_filename
from harvest.vectors import embed_pending

APP = str(Path(__file__).resolve().parents[1] / "harvest_app.py")
SECRET = "app-test-secret"


def app_environment(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """Point the app at the database ``url`` (and a private sessions folder and secret);
    return a store on it."""
    monkeypatch.setenv("HARVEST_DATABASE_URL", url)
    monkeypatch.setenv("HARVEST_SESSIONS_DIR", str(tmp_path))
    monkeypatch.setenv("HARVEST_SECRET_KEY", SECRET)
    monkeypatch.delenv("HARVEST_LOCAL_ORGANISER", raising=False)
    return Store(url)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    s = app_environment(f"sqlite:///{tmp_path / 'app.db'}", tmp_path, monkeypatch)
    yield s
    s.close()


def demo_statements(n: int) -> list[dict[str, str]]:
    spec = json.loads(resources.files("harvest.data").joinpath("demo_workshop.json").read_text())
    return spec["statements"][:n]


def workshop_with(store: Store, n: int = 40) -> tuple[int, dict[str, str]]:
    ws = store.create_workshop(
        "Zukunftswerkstatt Test",
        slug="zw",
        tables=[
            "Sprache & Bildung",
            "Arbeit & Ausbildung",
            "Nachbarschaft & Begegnung",
            "Verwaltung & Beratung",
            "Pflege & Fachkräfte",
            "Kinder, Familie & Schule",
        ],
    )
    for item in demo_statements(n):
        store.add_statement(ws.id, item["text"], table=item["table"], kind=item["kind"])
    # Vectors first, as a running server has them within seconds: the board is the
    # semantic one from the first page on, not regrouped when the background embedder
    # catches up in the middle of a test.
    embed_pending(store, ws.id)
    links = access.workshop_links(store, ws, "http://localhost:8501", secret=SECRET.encode())
    return ws.id, {role: url.rsplit("t=", 1)[1] for role, url in links.items()}


def app(token: str | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if token:
        at.query_params["t"] = token
    at.run()
    if page:
        open_page(at, page)
    return at


def open_page(at: AppTest, url_path: str) -> AppTest:
    # every page is a file app/<url path>.py, in the navigation for every role (hidden where
    # the role may not open it: the page itself refuses)
    at.switch_page(f"app/{url_path}.py")
    return at.run()


def texts(at: AppTest) -> str:
    """Everything the page shows as text (markdown, html, captions, alerts, code)."""
    parts: list[str] = []
    for kind in (
        "markdown",
        "caption",
        "error",
        "warning",
        "info",
        "success",
        "title",
        "subheader",
        "code",
    ):
        parts.extend(str(el.value) for el in getattr(at, kind))
    parts.extend(el.proto.body for el in at.get("html"))
    return "\n".join(parts)


def theme_list(at: AppTest) -> str:
    return "\n".join(el.proto.body for el in at.get("html") if "harvest-theme" in el.proto.body)


def theme_ids(store: Store, workshop_id: int) -> list[str]:
    return [t.id for t, _ in theme_counts(compute_board(store, workshop_id))]


def rename_field(at: AppTest):  # noqa: ANN201 - AppTest's TextInput
    """The curate page's "Neuer Name" field of the theme chosen now."""
    return at.text_input(key=f"cur_rename_label_{at.selectbox(key='cur_theme').value}")


def test_start_page_creates_a_workshop_and_shows_three_links(store: Store) -> None:
    at = app()
    assert not at.exception
    at.text_input(key="new_title").input("Integrationskonferenz 2026")
    at.text_input(key="new_place").input("Altes Rathaus")
    at.text_area(key="new_tables").input("Sprache\nArbeit\n\nPflege")
    next(b for b in at.button if b.label == "Werkstatt anlegen").click().run()
    assert not at.exception
    ws = store.get_workshop("integrationskonferenz-2026")
    assert [t.name for t in store.tables(ws.id)] == ["Sprache", "Arbeit", "Pflege"]
    codes = [c.value for c in at.code]
    assert sum("t=" in c for c in codes) == 3
    at.button(key="open_created").click().run()
    assert not at.exception
    assert at.session_state["access"].role == "moderator"


def test_start_page_refuses_a_workshop_without_title(store: Store) -> None:
    at = app()
    next(b for b in at.button if b.label == "Werkstatt anlegen").click().run()
    assert "Bitte geben Sie einen Titel ein." in [e.value for e in at.error]
    assert store.list_workshops() == []


def test_facilitator_adds_statements_and_the_theme_list_changes(store: Store) -> None:
    workshop_id, tokens = workshop_with(store, 30)
    board = app(tokens["moderator"], "board")
    assert not board.exception
    before = theme_list(board)
    assert "30" in texts(board)

    entry = app(tokens["facilitator"])  # a facilitator's link opens the entry page
    assert not entry.exception
    entry.selectbox(key="entry_table").set_value("Pflege & Fachkräfte").run()
    for text in (
        "Dienstpläne in der Pflege familienfreundlicher machen",  # new: no "Ähnlich wie"
        "Anerkennung der Pflegeausbildung dauert zu lange",
        "Sprachkurse für Pflegekräfte im Betrieb",
    ):
        entry.chat_input(key="entry_text").set_value(text).run()
        assert not entry.exception
        assert any("Gespeichert" in s.value for s in entry.success)
    assert len(store.statements(workshop_id)) == 33
    assert store.statements(workshop_id)[-1].table_name == "Pflege & Fachkräfte"

    board.run()
    after = theme_list(board)
    assert after != before
    assert "33" in texts(board)


def test_double_submit_does_not_create_a_duplicate(store: Store) -> None:
    workshop_id, tokens = workshop_with(store, 5)
    entry = app(tokens["facilitator"])
    entry.chat_input(key="entry_text").set_value("Mehr Sprachcafés im Stadtteil").run()
    entry.chat_input(key="entry_text").set_value("Mehr Sprachcafés im Stadtteil").run()
    assert not entry.exception
    assert (
        sum(s.text == "Mehr Sprachcafés im Stadtteil" for s in store.statements(workshop_id)) == 1
    )
    assert any("schon gespeichert" in i.value for i in entry.info)


def test_entry_refuses_bad_input_with_a_clear_message(store: Store) -> None:
    workshop_id, tokens = workshop_with(store, 5)
    entry = app(tokens["facilitator"])
    entry.chat_input(key="entry_text").set_value("\x00\x01\x02\x00 PK\x03\x04").run()
    assert not entry.exception
    assert any("Binärdatei" in e.value for e in entry.error)
    assert len(store.statements(workshop_id)) == 5


def test_rename_survives_adding_more_statements(store: Store) -> None:
    workshop_id, tokens = workshop_with(store, 40)
    curate = app(tokens["moderator"], "curate")
    assert not curate.exception
    theme_id = curate.selectbox(key="cur_theme").value
    rename_field(curate).input("Unser Sprachthema")
    curate.button(key="cur_rename").click().run()
    assert not curate.exception
    board = app(tokens["moderator"], "board")
    assert "Unser Sprachthema" in theme_list(board)

    for item in demo_statements(80)[40:]:
        store.add_statement(workshop_id, item["text"], table=item["table"], kind=item["kind"])
    board.run()
    assert "Unser Sprachthema" in theme_list(board)
    curate.run()
    assert curate.selectbox(key="cur_theme").format_func(theme_id) == "Unser Sprachthema"


def test_a_stopword_typed_in_the_plural_leaves_the_board(store: Store) -> None:
    workshop_id, tokens = workshop_with(store, 40)
    assert "Sprachkurs" in compute_board(store, workshop_id).clustering.vocabulary
    curate = app(tokens["moderator"], "curate")
    curate.text_input(key="cur_stopword").input("Sprachkurse")
    curate.button(key="cur_add_stopword").click().run()
    assert not curate.exception
    vocabulary = compute_board(store, workshop_id).clustering.vocabulary
    assert "Sprachkurs" not in vocabulary and "Kinderbetreuung" in vocabulary


def test_rename_field_shows_the_name_of_the_theme_chosen_now(store: Store) -> None:
    workshop_id, tokens = workshop_with(store, 40)
    curate = app(tokens["moderator"], "curate")
    box = curate.selectbox(key="cur_theme")
    first_id = box.value
    second_id = next(i for i in theme_ids(store, workshop_id) if i != first_id)
    assert rename_field(curate).value == box.format_func(first_id)
    rename_field(curate).input("Halb getippt")  # typed, not saved
    curate.run()
    curate.selectbox(key="cur_theme").set_value(second_id).run()
    second_name = curate.selectbox(key="cur_theme").format_func(second_id)
    assert rename_field(curate).value == second_name  # not what was typed for the first
    rename_field(curate).input("Zweites Thema")
    curate.button(key="cur_rename").click().run()
    assert not curate.exception
    renamed = [a.payload for a in store.actions(workshop_id)]
    assert renamed == [{"theme_id": second_id, "label": "Zweites Thema"}]


def test_undo_takes_back_the_last_decision(store: Store) -> None:
    workshop_id, tokens = workshop_with(store, 30)
    curate = app(tokens["moderator"], "curate")
    rename_field(curate).input("Provisorisch")
    curate.button(key="cur_rename").click().run()
    assert "Provisorisch" in theme_list(app(tokens["moderator"], "board"))
    curate.button(key="cur_undo").click().run()
    assert not curate.exception
    assert "Provisorisch" not in theme_list(app(tokens["moderator"], "board"))


def test_summary_lists_themes_demands_and_tables(store: Store) -> None:
    workshop_id, tokens = workshop_with(store, 60)
    summary = app(tokens["participant"], "summary")
    assert not summary.exception
    frames = [el.proto.srcdoc for el in summary.get("iframe")]
    assert frames, "the summary is shown"
    page = frames[0]
    assert "Zukunftswerkstatt Test" in page
    assert "Forderungen" in page
    assert any(t in page for t in ("Sprache &amp; Bildung", "Arbeit &amp; Ausbildung"))
    assert "60" in page


@pytest.mark.parametrize("token", ["", "falsch", "x" * 40])
def test_wrong_token_gets_a_clear_page_not_a_traceback(store: Store, token: str) -> None:
    workshop_with(store, 3)
    at = app(token or None)
    assert not at.exception
    if token:
        assert any("ungültig" in e.value for e in at.error)
    else:  # no token: the start page, no workshop data
        assert "Zukunftswerkstatt Test" not in texts(at)


def test_a_typed_url_of_a_page_the_link_does_not_open_says_so(store: Store) -> None:
    _, tokens = workshop_with(store, 5)
    for page in ("entry", "curate", "moderate", "export", "start", "compare"):
        at = app(tokens["participant"], page)
        assert not at.exception
        assert [e.value for e in at.error] == ["Dieser Link erlaubt diese Seite nicht."], page
        assert [link.proto.label for link in at.get("page_link")] == ["Board"], page


def test_participant_sees_the_board_but_no_entry_form_or_curation(store: Store) -> None:
    _, tokens = workshop_with(store, 20)
    board = app(tokens["participant"])
    assert not board.exception
    assert theme_list(board)
    assert len(board.chat_input) == 0
    for page in ("entry", "curate", "export", "start"):
        at = app(tokens["participant"], page)
        assert not at.exception
        assert len(at.chat_input) == 0
        assert not [b for b in at.button if b.key in ("cur_rename", "cur_undo", "open_created")]
        assert not at.get("download_button")


def test_revoked_link_stops_working_at_once(store: Store) -> None:
    workshop_id, tokens = workshop_with(store, 5)
    board = app(tokens["participant"])
    assert theme_list(board)
    access.reissue_token(
        store, store.get_workshop(workshop_id), "participant", secret=SECRET.encode()
    )
    board.run()
    assert not theme_list(board)
    assert any("ungültig" in e.value for e in board.error)


def test_english_switch_translates_the_page(store: Store) -> None:
    _, tokens = workshop_with(store, 5)
    entry = app(tokens["facilitator"])
    assert entry.title[0].value == "Aussagen erfassen"
    entry.session_state["lang"] = "en"
    entry.run()
    assert entry.title[0].value == "Enter statements"


def test_moderator_export_page_offers_every_format(store: Store) -> None:
    _, tokens = workshop_with(store, 20)
    at = app(tokens["moderator"], "export")
    assert not at.exception
    labels = {b.proto.label for b in at.get("download_button")}
    for label in (
        "PNG Poster",
        "PNG Bildschirm",
        "SVG",
        "PDF Poster",
        "Interaktives HTML",
        "GraphML (yEd, Gephi)",
        "GEXF (Gephi)",
        "JSON",
        "CSV",
        "XLSX",
        "Ernte-Poster PNG",
        "Ernte-Poster PDF",
        "Ernte-Poster SVG",
        "Verlauf (HTML)",
        "Verlauf (GIF)",
    ):
        assert label in labels
    assert at.get("imgs") or at.get("image")  # the poster preview


def test_moderator_finds_a_pictogram_by_word_sets_it_and_undoes_it(store: Store) -> None:
    from harvest.pictograms import data_uri

    _, tokens = workshop_with(store, 30)
    curate = app(tokens["moderator"], "curate")
    curate.text_input(key="cur_pict_query").input("Fahrrad").run()
    assert curate.radio(key="cur_pict_pick").value == "1F6B2"
    curate.button(key="cur_pict_set").click().run()
    assert not curate.exception
    bike = data_uri("1F6B2")
    assert bike in theme_list(app(tokens["moderator"], "board"))
    curate.text_input(key="cur_pict_query").input("zzzqqq").run()
    assert any("Kein Piktogramm" in i.value for i in curate.info)
    curate.button(key="cur_undo").click().run()
    assert bike not in theme_list(app(tokens["moderator"], "board"))


def test_the_moderator_replays_the_board_and_others_cannot(store: Store) -> None:
    _, tokens = workshop_with(store, 25)
    board = app(tokens["moderator"], "board")
    board.toggle(key="board_replay").set_value(True).run()
    assert not board.exception
    frames = [el.proto.srcdoc for el in board.get("iframe")]
    assert any("replay-data" in f for f in frames)
    participant = app(tokens["participant"], "board")
    assert not [t for t in participant.toggle if t.key == "board_replay"]


def test_curate_marks_a_demand_hides_a_statement_and_merges_themes_with_undo(
    store: Store,
) -> None:
    workshop_id, tokens = workshop_with(store, 40)
    curate = app(tokens["moderator"], "curate")
    statement = store.statements(workshop_id)[0]
    curate.selectbox(key="cur_statement").set_value(statement.id).run()
    curate.button(key="cur_demand").click().run()
    assert not curate.exception
    assert [a.kind for a in store.actions(workshop_id)] == ["demand"]

    curate.selectbox(key="cur_statement").set_value(statement.id).run()
    curate.button(key="cur_hide").click().run()
    assert store.get_statement(statement.id).hidden
    assert statement.id not in {s.id for s in store.statements(workshop_id)}

    themes_before = curate.selectbox(key="cur_theme").options
    curate.button(key="cur_merge").click().run()
    assert not curate.exception
    assert len(curate.selectbox(key="cur_theme").options) == len(themes_before) - 1

    curate.button(key="cur_undo").click().run()  # the merge
    curate.button(key="cur_undo").click().run()  # the hide
    assert len(curate.selectbox(key="cur_theme").options) == len(themes_before)
    assert not store.get_statement(statement.id).hidden
    assert [a.kind for a in store.actions(workshop_id)] == ["demand"]


def test_summary_downloads_have_their_own_file_names_and_no_engine_reasons(
    store: Store,
) -> None:
    _, tokens = workshop_with(store, 40)
    summary = app(tokens["moderator"], "summary")
    export = app(tokens["moderator"], "export")
    assert not summary.exception and not export.exception

    labels = [b.proto.label for b in summary.get("download_button")]
    assert len(labels) == 4  # the three summary formats and the harvest poster
    ws = store.get_workshop("zw")
    summary_names = {summary_filename(ws, ext) for ext in ("md", "html", "pdf")}
    assert len(summary_names) == 3
    assert summary_names.isdisjoint({map_filename(ws, fmt) for fmt in MAP_FORMATS})
    page = summary.get("iframe")[0].proto.srcdoc  # the moderator sees the reasons
    participant = app(tokens["participant"], "summary").get("iframe")[0].proto.srcdoc
    assert "Forderungen" in participant
    assert 'class="reason"' not in participant
    assert 'class="reason"' in page


def test_any_decision_in_the_history_can_be_undone_and_reads_in_plain_words(
    store: Store,
) -> None:
    workshop_id, tokens = workshop_with(store, 40)
    curate = app(tokens["moderator"], "curate")
    rename_field(curate).input("Abendkurse")
    curate.button(key="cur_rename").click().run()
    statement = store.statements(workshop_id)[0]
    curate.selectbox(key="cur_statement").set_value(statement.id).run()
    curate.button(key="cur_demand").click().run()
    rename, demand = store.actions(workshop_id)
    shown = texts(curate)
    assert "„Abendkurse“" in shown and statement.text[:30] in shown
    assert "theme_id" not in shown and "statement_id" not in shown

    curate.button(key=f"cur_log_{rename.id}").click().run()  # the older one, not the last
    assert not curate.exception
    active = [a.id for a in store.actions(workshop_id)]
    assert active == [demand.id]
    assert "Abendkurse" not in theme_list(app(tokens["moderator"], "board"))
    curate.button(key=f"cur_log_{rename.id}").click().run()  # and back again
    assert [a.id for a in store.actions(workshop_id)] == [rename.id, demand.id]


def test_entry_kind_returns_to_the_default_after_each_saved_statement(store: Store) -> None:
    workshop_id, tokens = workshop_with(store, 3)
    entry = app(tokens["facilitator"])
    assert entry.session_state["entry_kind"] == "idea"
    entry.session_state["entry_kind"] = "demand"
    entry.run()
    entry.chat_input(key="entry_text").set_value("Mehr Sprachkurse am Abend").run()
    assert not entry.exception
    assert any("Gespeichert" in s.value for s in entry.success)
    assert store.statements(workshop_id)[-1].kind == "demand"
    assert entry.session_state["entry_kind"] == "idea"  # the next one starts as an idea
    entry.chat_input(key="entry_text").set_value("Ein Sprachcafé im Stadtteiltreff").run()
    assert store.statements(workshop_id)[-1].kind == "idea"


def test_start_page_gives_every_table_link_a_qr_code(store: Store) -> None:
    workshop_id, tokens = workshop_with(store, 3)
    start = app(tokens["moderator"], "start")
    assert not start.exception
    tables = store.tables(workshop_id)
    codes = [c.value for c in start.code if "t=" in c.value]
    assert len(codes) == 3 + len(tables)  # three role links, one per table
    assert len(start.get("image")) >= len(tables)
    # the links say localhost here: the page says that phones cannot open them
    assert any("HALL=1" in w.value for w in start.warning)
