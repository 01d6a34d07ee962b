"""Hostile text through every export: shown as text, never executed, never breaking a file.

Each payload goes into the store as a statement (a demand, so the map draws it), as a
table name, as a theme name (the moderator's rename action) and as part of a workshop
title; then through the board to every surface a user can download or see: the map as
HTML, PNG, SVG, PDF, GraphML, GEXF and JSON, the statements as CSV and XLSX, the summary
as Markdown, HTML and PDF, and the download file names. Pages are covered in
``test_injection_app.py``-style AppTest flows at the end of this file.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from harvest.access import Access
from harvest.board import Board, compute_board, map_filename, render_map, theme_counts
from harvest.conceptmap import from_gexf, from_graphml, from_json
from harvest.engine import curation
from harvest.exports import FORMULA_TRIGGERS, export_statements_csv, export_statements_xlsx
from harvest.store import Store, slugify
from harvest.summary import Summary, build_summary, summary_html, summary_markdown, summary_pdf
from tests.conftest import require
from tests.test_app import SECRET, app, open_page, theme_list, workshop_with

PAYLOADS: tuple[str, ...] = (
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "[x](javascript:alert(1))",
    "**bold** # heading",
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "../../etc/passwd",
    "C:\\x\\..\\y",
    "Steuer\x07zeichen und\x1b[31m rot",  # control characters (NUL, or many, are refused)
    "Umkehr \u202egnp.exe\u202c Ende",  # right-to-left override
    "Donaudampfschifffahrtsgesellschaftskapitän" * 5,  # one very long word
)
pytestmark = pytest.mark.xdist_group("injection")  # one worker builds the workshops once

PARTS = 3  # workshops the payloads are spread over: each has only so many themes to rename
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SURFACES: Counter[str] = Counter()  # payloads tried per surface, printed at the end


@dataclass(frozen=True)
class Hostile:
    """One workshop full of payloads and everything it exports."""

    store: Store
    board: Board
    labels: tuple[str, ...]  # payloads used as theme names here (after the input rules)
    texts: tuple[str, ...]  # payload statements as stored (input rules applied)
    tables: tuple[str, ...]
    title: str
    summary: Summary
    files: dict[str, bytes]


def _demo(n: int) -> list[dict[str, str]]:
    spec = json.loads(resources.files("harvest.data").joinpath("demo_workshop.json").read_text())
    return list(spec["statements"][:n])


def _build(store: Store, part: int) -> Hostile:
    mine = PAYLOADS[part::PARTS]
    title = " ".join(p for p in mine if len(p) < 60)[:200]
    ws = store.create_workshop(title, date=date(2026, 5, 4), place=PAYLOADS[part])
    for item in _demo(24):
        store.add_statement(ws.id, item["text"], table=item["table"], kind=item["kind"])
    texts = []
    for n, payload in enumerate(PAYLOADS):
        # the same payload alone and inside a sentence the engine can cluster
        table = PAYLOADS[(n + part) % len(PAYLOADS)][:200]
        texts.append(store.add_statement(ws.id, payload, table=table, kind="demand").text)
        store.add_statement(ws.id, f"Sprachkurse am Abend {payload}", table=table, kind="idea")
    board = compute_board(store, ws.id)
    labels = []
    detected = [t for t in board.clustering.themes if not t.is_other]
    assert len(detected) >= len(mine), "enough themes to rename"
    for theme, payload in zip(detected, mine, strict=False):
        label = payload[:80]
        curation.apply_action(store, ws.id, "rename", {"theme_id": theme.id, "label": label})
        labels.append(curation.validate_action("rename", {"theme_id": "x",
                                                          "label": label})["label"])
    board = compute_board(store, ws.id)
    shown = {t.label for t in board.clustering.themes}
    assert set(labels) <= shown, "every renamed theme shows its new name"
    summary = build_summary(
        board.workshop, board.clustering, list(board.statements), tables=store.tables(ws.id)
    )
    statements = store.statements(ws.id, include_hidden=True)
    tables = store.tables(ws.id)
    files = {fmt: render_map(board, fmt) for fmt in
             ("html", "png", "svg", "pdf", "graphml", "gexf", "json")}
    files["csv"] = export_statements_csv(board.workshop, statements, tables)
    files["xlsx"] = export_statements_xlsx(board.workshop, statements, tables)
    files["md"] = summary_markdown(summary).encode("utf-8")
    files["summary.html"] = summary_html(summary).encode("utf-8")
    files["summary.pdf"] = summary_pdf(summary)
    return Hostile(
        store, board, tuple(labels), tuple(texts), tuple(t.name for t in tables),
        board.workshop.title, summary, files,
    )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Hostile]]:
    """``PARTS`` workshops (the theme names are spread over them), built once for the
    whole module: rendering is the slow part."""
    url = f"sqlite:///{tmp_path_factory.mktemp('injection') / 'h.db'}"
    with Store(url) as store:
        yield [_build(store, part) for part in range(PARTS)]


def _cases() -> list[tuple[int, str]]:
    return [(part, payload) for part in range(PARTS) for payload in PAYLOADS[part::PARTS]]


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text outside script/style."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def parse_html(page: str) -> Tags:
    parser = Tags()
    parser.feed(page)
    parser.close()
    return parser


_CACHE: dict[tuple[int, str], Any] = {}


def cached(part: int, what: str, make: Any) -> Any:
    """Parse each file once per module, not once per payload."""
    if (part, what) not in _CACHE:
        _CACHE[part, what] = make()
    return _CACHE[part, what]


def _event_attributes(parser: Tags) -> list[str]:
    return [name for _, attrs in parser.tags for name in attrs if name.lower().startswith("on")]


def _flat(text: str) -> str:
    return " ".join(text.split())


# --- the map --------------------------------------------------------------------------


@pytest.mark.parametrize(("part", "payload"), _cases())
def test_map_html_shows_payloads_as_text_only(hostile: list[Hostile], part: int,
                                               payload: str) -> None:
    h = hostile[part]
    page = h.files["html"].decode("utf-8")
    parsed = cached(part, "html", lambda: parse_html(page))
    assert not _event_attributes(parsed)
    # markup never appears raw: escaped in the markup (&lt;), \u003c inside the JSON data
    for text in (payload, *h.texts):
        if "<" in text:
            assert text not in page
    assert not [t for t, _ in parsed.tags if t in ("img", "svg", "iframe", "object", "embed")]
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    benign = cached(-1, "html", lambda: parse_html(render_map(_benign(), "html").decode()))
    # no payload closed a script element or opened one: the page keeps its structure
    assert len(scripts) == sum(tag == "script" for tag, _ in benign.tags)
    assert {tag for tag, _ in parsed.tags} == {tag for tag, _ in benign.tags}
    assert all("src" not in attrs for attrs in scripts)  # nothing loaded from outside
    SURFACES["map html"] += 1


_BENIGN: dict[str, Board] = {}


def _benign() -> Board:
    """A board of plain demo statements, for the structure hostile pages must keep."""
    if "board" not in _BENIGN:
        with Store("sqlite://") as store:
            ws = store.create_workshop("Werkstatt", date=date(2026, 5, 4), place="Rathaus")
            for item in _demo(40):
                store.add_statement(ws.id, item["text"], table=item["table"], kind=item["kind"])
            _BENIGN["board"] = compute_board(store, ws.id)
    return _BENIGN["board"]


@pytest.mark.parametrize(("part", "payload"), _cases())
def test_map_png_decodes(hostile: list[Hostile], part: int, payload: str) -> None:
    from PIL import Image

    data = hostile[part].files["png"]
    image = cached(part, "png", lambda: Image.open(io.BytesIO(data)))
    image.load()
    assert image.format == "PNG" and min(image.size) > 500
    SURFACES["map png"] += 1


def _svg_texts(data: bytes) -> tuple[ET.Element, str]:
    root = ET.fromstring(data)  # noqa: S314 - our own output, parsed to check it
    return root, _flat(" ".join(root.itertext()))


@pytest.mark.parametrize(("part", "payload"), _cases())
def test_map_svg_parses_and_holds_payloads_only_as_text(hostile: list[Hostile], part: int,
                                                        payload: str) -> None:
    h = hostile[part]
    root, text = cached(part, "svg", lambda: _svg_texts(h.files["svg"]))
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        assert tag not in ("script", "foreignObject", "a", "image", "iframe")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1]
            assert not local.lower().startswith("on")
            if local == "href":
                assert value.startswith("#"), value  # internal references only
            assert "alert(1)" not in value and "javascript" not in value
    label = next((lbl for lbl in h.labels if lbl == _flat(payload[:80])), None)
    if label is not None:
        # theme names are drawn as text (clipped with … when long; control characters,
        # which XML cannot hold, left out)
        assert _flat(_CONTROL.sub("", label))[:20] in text
    SURFACES["map svg"] += 1


def _pdf_checks(data: bytes) -> str:
    require(importlib.util.find_spec("pypdf"), "pypdf is not installed (PDF parsing)")
    from pypdf import PdfReader

    assert data.startswith(b"%PDF-")
    # no active content: no JavaScript, no actions that open links or programs
    for marker in (b"/JavaScript", b"/JS", b"/Launch", b"/URI", b"/SubmitForm", b"/ImportData",
                   b"/AA", b"/OpenAction <<", b"/OpenAction<<"):
        assert marker not in data, marker  # (a plain /OpenAction [page /FitH] only zooms)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 1
    return _flat(" ".join(page.extract_text() or "" for page in reader.pages))


@pytest.mark.parametrize(("part", "payload"), _cases())
def test_map_pdf_parses_without_active_content(hostile: list[Hostile], part: int,
                                               payload: str) -> None:
    cached(part, "pdf", lambda: _pdf_checks(hostile[part].files["pdf"]))
    SURFACES["map pdf"] += 1


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
@pytest.mark.parametrize(("part", "payload"), _cases())
def test_map_data_exports_round_trip_payloads_exactly(hostile: list[Hostile], part: int,
                                                      payload: str, fmt: str) -> None:
    h = hostile[part]
    read = {"graphml": from_graphml, "gexf": from_gexf, "json": from_json}[fmt]
    graph, _ = cached(part, fmt, lambda: read(h.files[fmt]))
    original = h.board.graph
    assert set(graph) == set(original)
    for node, data in original.nodes(data=True):
        for key in ("label", "title"):
            if key in data:
                # theme names keep control characters (curation stores them as typed);
                # XML cannot hold them, so GraphML/GEXF carry U+FFFD in their place
                expected = data[key] if fmt == "json" else _CONTROL.sub("\ufffd", data[key])
                assert graph.nodes[node][key] == expected, (node, key)
    label = _flat(payload[:80])
    if label in h.labels:
        shown = {_flat(str(d.get("label"))) for _, d in graph.nodes(data=True)}
        assert (label if fmt == "json" else _CONTROL.sub("\ufffd", label)) in shown
    # a demand drawn on the map carries its full text in its hover title
    text = next(t for t in h.texts if t.startswith(_flat(_CONTROL.sub("", payload))[:5]))
    for statement in h.store.statements(h.board.workshop.id):
        node = f"demand:{statement.id}"
        if statement.text == text and node in graph:
            assert text in graph.nodes[node]["title"]
    SURFACES[f"map {fmt}"] += 1


def test_control_characters_in_a_theme_name_keep_the_svg_well_formed() -> None:
    with Store("sqlite://") as store:
        ws = store.create_workshop("W")
        for text in ("Mehr Sprachkurse am Abend", "Sprachkurse mit Kinderbetreuung",
                     "Kurse am Abend fehlen"):
            store.add_statement(ws.id, text, table="A")
        theme = next(t for t in compute_board(store, ws.id).clustering.themes
                     if not t.is_other)
        curation.apply_action(store, ws.id, "rename",
                              {"theme_id": theme.id, "label": "Steuer\x07zeichen"})
        # the name keeps them (curation stores what was typed) but the SVG leaves them out
        _, text = _svg_texts(render_map(compute_board(store, ws.id), "svg"))
        assert "Steuerzeichen" in text


# --- statements as spreadsheets ---------------------------------------------------------


def _unneutralise(cell: str) -> str:
    if cell.startswith("'") and cell[1:].lstrip("'").startswith(FORMULA_TRIGGERS):
        return cell[1:]
    return cell


@pytest.mark.parametrize(("part", "payload"), _cases())
def test_csv_neutralises_formulas_and_round_trips(hostile: list[Hostile], part: int,
                                                  payload: str) -> None:
    h = hostile[part]
    rows = list(csv.reader(io.StringIO(h.files["csv"].decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    assert len(body) == len(h.store.statements(h.board.workshop.id, include_hidden=True))
    for row in body:
        assert len(row) == len(header)
        for cell in (row[header.index("text")], row[header.index("table")]):
            assert not cell.startswith(FORMULA_TRIGGERS), cell
    texts = {_unneutralise(r[header.index("text")]) for r in body}
    tables = {_unneutralise(r[header.index("table")]) for r in body}
    assert set(h.texts) <= texts
    assert {_flat(n) for n in h.tables} <= {_flat(t) for t in tables}
    SURFACES["csv"] += 1


@pytest.mark.parametrize(("part", "payload"), _cases())
def test_xlsx_has_no_formula_cells_and_round_trips(hostile: list[Hostile], part: int,
                                                   payload: str) -> None:
    from openpyxl import load_workbook

    h = hostile[part]
    sheet = cached(part, "xlsx", lambda: load_workbook(io.BytesIO(h.files["xlsx"])).active)
    assert sheet is not None
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    texts = set()
    for row in rows[1:]:
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
            if isinstance(cell.value, str):
                assert not cell.value.startswith(FORMULA_TRIGGERS), cell.value
        texts.add(_unneutralise(str(row[header.index("text")].value)))
    # control characters XML cannot hold are left out; everything else is the same text
    assert {re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", t) for t in h.texts} <= texts
    assert not re.search(r"[\[\]:*?/\\]", sheet.title)
    SURFACES["xlsx"] += 1


# --- the summary ------------------------------------------------------------------------


def _shown_texts(summary: Summary) -> list[str]:
    out = [summary.title]
    for theme in summary.themes:
        out.append(theme.label)
        out += list(theme.representatives)
        out += [text for text, _ in theme.demands]
    return out


@pytest.mark.parametrize(("part", "payload"), _cases())
def test_summary_markdown_renders_no_live_links_or_tags(hostile: list[Hostile], part: int,
                                                        payload: str) -> None:
    require(importlib.util.find_spec("markdown_it"), "markdown-it-py is not installed")
    from markdown_it import MarkdownIt

    h = hostile[part]
    rendered = MarkdownIt("commonmark").enable("table").render(h.files["md"].decode("utf-8"))
    parsed = parse_html(rendered)
    tags = Counter(tag for tag, _ in parsed.tags)
    assert not {"a", "img", "script", "svg", "iframe"} & set(tags)
    assert not _event_attributes(parsed)
    assert tags["h1"] == 1  # "# heading" inside a statement never becomes a heading
    text = _flat("".join(parsed.text)).replace("\u2060", "")  # the invisible word joiner
    from harvest.safety import one_line as summary_text

    for shown in _shown_texts(h.summary):
        if payload[:10] in shown:
            assert _flat(summary_text(shown)) in text, shown
    SURFACES["summary markdown"] += 1


@pytest.mark.parametrize(("part", "payload"), _cases())
def test_summary_html_has_no_active_elements(hostile: list[Hostile], part: int,
                                             payload: str) -> None:
    from harvest.safety import one_line as summary_text

    h = hostile[part]
    page = h.files["summary.html"].decode("utf-8")
    parsed = parse_html(page)
    assert not {"script", "img", "svg", "iframe", "a", "object", "embed"} & {
        t for t, _ in parsed.tags}
    assert not _event_attributes(parsed)
    text = _flat("".join(parsed.text))
    for shown in _shown_texts(h.summary):
        if payload[:10] in shown:
            assert _flat(summary_text(shown))[:40] in text, shown
    SURFACES["summary html"] += 1


@pytest.mark.parametrize(("part", "payload"), _cases())
def test_summary_pdf_parses_without_active_content(hostile: list[Hostile], part: int,
                                                   payload: str) -> None:
    text = cached(part, "summary.pdf", lambda: _pdf_checks(hostile[part].files["summary.pdf"]))
    if payload in ("../../etc/passwd", "-2+3", "@SUM(A1)"):
        assert payload in text  # plain ASCII payloads are extractable as they are
    SURFACES["summary pdf"] += 1


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_file_names_and_slugs_carry_no_user_text(sqlite_store: Store, payload: str) -> None:
    ws = sqlite_store.create_workshop(payload[:200] if payload.strip() else "x")
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", ws.slug), ws.slug
    assert ws.slug == slugify(ws.title)
    for fmt in ("png", "svg", "pdf", "html", "graphml", "gexf", "json", "csv", "xlsx", "md"):
        name = map_filename(ws, fmt)
        assert re.fullmatch(r"harvest-[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.[a-z]+", name), name
        assert ".." not in name.removesuffix(f".{fmt}") and "/" not in name and "\\" not in name
    SURFACES["file name + slug"] += 1


# --- the pages (AppTest: the real app, a real SQLite store) ------------------------------


@pytest.fixture
def app_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The store the app under AppTest uses (as in test_app.py)."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("HARVEST_DATABASE_URL", url)
    monkeypatch.setenv("HARVEST_SESSIONS_DIR", str(tmp_path))
    monkeypatch.setenv("HARVEST_SECRET_KEY", SECRET)
    monkeypatch.delenv("HARVEST_LOCAL_ORGANISER", raising=False)
    with Store(url) as store:
        yield store


MARKERS = ("alert(1)", "javascript:", "**bold**", "HYPERLINK", "etc/passwd", "calc")


def live_markup(at: Any, *, emphasis: bool = True) -> list[str]:
    """Markdown the page shows (markdown, captions, alerts) that holds a payload and
    would render as a link, an image, a script (or, with ``emphasis``, bold text)
    instead of literal text."""
    require(importlib.util.find_spec("markdown_it"), "markdown-it-py is not installed")
    from markdown_it import MarkdownIt

    render = MarkdownIt("commonmark", {"html": True}).enable("strikethrough")
    found = []
    for kind in ("markdown", "caption", "success", "info", "warning", "error", "subheader",
                 "title"):
        for element in getattr(at, kind):
            source = str(element.value)
            if not any(marker in source for marker in MARKERS):
                continue
            parsed = parse_html(render.render(source))
            tags = {tag for tag, _ in parsed.tags}
            text = "".join(parsed.text)
            bad = tags & {"a", "img", "script", "svg", "iframe"}
            if emphasis and "**bold**" in source and "**bold**" not in text:
                bad.add("strong")
            if bad:
                found.append(f"{kind}: {source!r} -> {sorted(bad)}")
    return found


def test_payloads_typed_on_the_entry_page_stay_literal_text_on_every_page(
    app_store: Store,
) -> None:
    workshop_id, tokens = workshop_with(app_store, 20)
    entry = app(tokens["facilitator"])
    for payload in PAYLOADS:
        entry.chat_input(key="entry_text").set_value(payload).run()
        assert not entry.exception
    stored = [s.text for s in app_store.statements(workshop_id)][20:]
    assert len(stored) == len(PAYLOADS)
    assert stored[:3] == list(PAYLOADS[:3])  # markup is kept as typed, it is only text
    assert not live_markup(entry)

    curate = app(tokens["moderator"], "curate")
    theme_ids = [t.id for t, _ in theme_counts(compute_board(app_store, workshop_id))]
    assert len(theme_ids) >= 3
    for theme_id, label in zip(theme_ids, PAYLOADS[:3], strict=False):
        curate.selectbox(key="cur_theme").set_value(theme_id).run()
        curate.text_input(key=f"cur_rename_label_{theme_id}").input(label)
        curate.button(key="cur_rename").click().run()
        assert not curate.exception

    for role in ("moderator", "participant"):
        board = app(tokens[role], "board")
        assert not board.exception
        side = theme_list(board)
        assert "&lt;img src=x onerror=alert(1)&gt;" in side
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in side
        assert "&quot;&gt;&lt;svg onload=alert(1)&gt;" in side
        assert not [p for p in PAYLOADS[:3] if p in side]  # never raw
        for frame in board.get("iframe"):
            assert not [p for p in PAYLOADS[:3] if p in frame.proto.srcdoc]
        assert not live_markup(board)

        summary = app(tokens[role], "summary")
        assert not summary.exception
        page = summary.get("iframe")[0].proto.srcdoc
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert not [p for p in PAYLOADS[:3] if p in page]
        assert not live_markup(summary)

    curate.run()
    ids = {s.text: s.id for s in app_store.statements(workshop_id)}
    for payload in ("[x](javascript:alert(1))", "<script>alert(1)</script>", "**bold** # heading"):
        curate.selectbox(key="cur_statement").set_value(ids[payload]).run()
        assert not curate.exception
        assert not live_markup(curate)


def _hostile_title_pages(app_store: Store, *, emphasis: bool) -> list[str]:
    workshop_id, tokens = workshop_with(app_store, 20)
    app_store.update_workshop(workshop_id, title="[x](javascript:alert(1)) **bold** # heading")
    board = compute_board(app_store, workshop_id)
    theme = theme_counts(board)[0][0]
    curation.apply_action(app_store, workshop_id, "rename",
                          {"theme_id": theme.id, "label": "[x](javascript:alert(1)) **bold**"})
    statement = next(i for i, a in board.clustering.assignments.items() if a.theme_id == theme.id)
    found = []
    for role, page in (("facilitator", "entry"), ("moderator", "board"),
                       ("moderator", "summary"), ("moderator", "export")):
        at = app(tokens[role], page)
        assert not at.exception
        found += live_markup(at, emphasis=emphasis)
    curate = app(tokens["moderator"], "curate")
    curate.selectbox(key="cur_statement").set_value(statement).run()
    assert not curate.exception
    return found + live_markup(curate, emphasis=emphasis)


def test_a_hostile_workshop_title_or_theme_name_never_becomes_a_link_on_the_pages(
    app_store: Store,
) -> None:
    assert not _hostile_title_pages(app_store, emphasis=False)


@pytest.mark.slow
def test_a_hostile_workshop_title_or_theme_name_shows_literally_on_the_pages(
    app_store: Store,
) -> None:
    assert not _hostile_title_pages(app_store, emphasis=True)


@pytest.mark.parametrize("page", ["entry", "curate", "export", "start"])
def test_a_participant_token_grants_nothing_whatever_the_session_claims(
    app_store: Store, page: str
) -> None:
    """A hostile client cannot write session state, but even if it could: the app
    resolves the link's token on every run, so a forged moderator Access changes nothing."""
    workshop_id, tokens = workshop_with(app_store, 5)
    revision = app_store.revision(workshop_id)
    forged = Access(workshop_id=workshop_id, role="moderator")
    for token_in_session in (tokens["participant"], tokens["moderator"], "gefälscht"):
        at = AppTest_with(tokens["participant"])
        at.session_state["access"] = forged
        at.session_state["token"] = token_in_session
        at.run()
        open_page(at, page)
        assert not at.exception
        # (the forged object may stay in the session: the app never reads it without
        # resolving the token again, and the pages below are what it grants)
        assert len(at.chat_input) == 0
        assert not [b for b in at.button if b.key and b.key.startswith(("cur_", "open_ws_",
                                                                        "reissue_", "delete_"))]
        assert not at.get("download_button")
        assert "Zukunftswerkstatt Test" not in " ".join(str(m.value) for m in at.markdown) or \
            page != "start"
    assert app_store.revision(workshop_id) == revision
    assert len(app_store.statements(workshop_id)) == 5


def AppTest_with(token: str) -> Any:  # noqa: N802 - reads like the class it builds
    from streamlit.testing.v1 import AppTest

    from tests.test_app import APP

    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["t"] = token
    at.query_params["lang"] = "<script>alert(1)</script>"  # ignored: not a language
    return at


@pytest.fixture(scope="module", autouse=True)
def report_matrix() -> Iterator[None]:
    """Print the matrix (payloads x surfaces) this module tried, after its last test."""
    yield
    if SURFACES:
        total = sum(SURFACES.values())
        lines = [f"injection matrix: {len(PAYLOADS)} payloads, {len(SURFACES)} surfaces, "
                 f"{total} payload x surface checks"]
        lines += [f"  {surface:20s} {n}" for surface, n in sorted(SURFACES.items())]
        print("\n" + "\n".join(lines))
