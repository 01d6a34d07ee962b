"""Tests for harvest.exports: CSV/XLSX that Excel opens safely and that import round-trips."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone

import openpyxl
import pytest

from harvest.exports import (
    COLUMNS,
    export_statements_csv,
    export_statements_xlsx,
    neutralise_cell,
    sheet_title,
    statement_themes,
)
from harvest.imports import parse_statements
from harvest.model import OTHER_THEME_ID, Assignment, Clustering, Statement, Table, Theme, Workshop

T0 = datetime(2024, 5, 17, 9, 30, tzinfo=UTC)
WORKSHOP = Workshop(
    id=1, slug="integration-magdeburg", title="Integration: Magdeburg [Mai 2024]",
    date=date(2024, 5, 17), place="Magdeburg", language="de", max_chars=1000, revision=9,
    created_at=T0,
)
TABLES = [
    Table(1, 1, "Sprache & Lernen", "Sprachkurse"),
    Table(2, 1, "Arbeit und Ausbildung"),
    Table(3, 1, "=Verwaltung"),
]
TEXTS = [
    ("Mehr Sprachkurse am Abend für Eltern", 1, "demand", "Jürgen"),
    ("Straße, Größe, Fuß: ß und Umlaute ÄÖÜ", 1, None, None),
    ("Ehrenamt 🙌 mit Emoji 👩🏽‍🏫", 2, "idea", "Aylin"),
    ("نريد دورات لغة في المساء", 2, "demand", None),
    ("Потрібні курси мови ввечері", 3, "question", None),
    ('=HYPERLINK("http://evil.example","klick")', 3, "challenge", "@admin"),
    ("-5 Grad in der Wartehalle", 3, None, "+49 391 000"),
    ("'=schon mit Apostroph", None, None, None),
    ("Zwei Zeilen:\nSprache; Arbeit, \"Wohnen\"", 1, "idea", None),
]
STATEMENTS = [
    Statement(
        id=index + 1, workshop_id=1, table_id=table, text=text, kind=kind, author=author,
        created_at=T0 + timedelta(minutes=index), updated_at=T0 + timedelta(minutes=index),
        hidden=index == 4, origin="typed" if index % 2 else "imported",
    )
    for index, (text, table, kind, author) in enumerate(TEXTS)
]
TABLE_NAMES = {table.id: table.name for table in TABLES}


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_a_spreadsheet_would_run_are_neutralised(trigger: str) -> None:
    assert neutralise_cell(f"{trigger}1+1") == f"'{trigger}1+1"
    assert neutralise_cell(f"'{trigger}1+1") == f"''{trigger}1+1"
    assert neutralise_cell(f"a{trigger}1") == f"a{trigger}1"


@pytest.mark.parametrize("value", ["", "Mehr Radwege", "it's", "'", "1+1", "€5"])
def test_harmless_cells_are_left_alone(value: str) -> None:
    assert neutralise_cell(value) == value


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_export_neutralises_text_table_and_author(trigger: str) -> None:
    statement = Statement(
        7, 1, 9, f"{trigger}cmd|' /C calc'!A0", "idea", f"{trigger}author", T0, T0
    )
    data = export_statements_csv(WORKSHOP, [statement], [Table(9, 1, f"{trigger}tisch")])
    row = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))[0]
    assert row["text"] == f"'{trigger}cmd|' /C calc'!A0"
    assert row["table"] == f"'{trigger}tisch"
    assert row["author"] == f"'{trigger}author"


def test_csv_export_is_utf8_with_bom_comma_and_the_agreed_header() -> None:
    data = export_statements_csv(WORKSHOP, STATEMENTS[:1], TABLES)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").split("\r\n")[:2] == [
        "id,table,kind,text,author,created_at,hidden,origin,theme_id,theme_label",
        "1,Sprache & Lernen,demand,Mehr Sprachkurse am Abend für Eltern,Jürgen,"
        "2024-05-17T09:30:00Z,false,imported,,",
    ]


def test_csv_and_xlsx_carry_each_statement_theme_id_and_label() -> None:
    clustering = Clustering(
        themes=(
            Theme("t1", "Sprache · Abendkurse", (), (1, 2)),
            Theme(OTHER_THEME_ID, "", (), (3,), is_other=True),
            Theme("t2", "=Formel", (), (4,)),
        ),
        assignments={
            1: Assignment(1, "t1", None, True, None, ()),
            2: Assignment(2, "t1", None, False, None, ()),
            3: Assignment(3, OTHER_THEME_ID, None, False, None, ()),
            4: Assignment(4, "t2", None, False, None, ()),
        },
    )
    themes = statement_themes(clustering, "en")
    expected = {1: ("t1", "Sprache · Abendkurse"), 2: ("t1", "Sprache · Abendkurse"),
                3: (OTHER_THEME_ID, "Other"), 4: ("t2", "'=Formel"), 5: ("", "")}
    text = export_statements_csv(WORKSHOP, STATEMENTS[:5], TABLES, themes).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {int(r["id"]): (r["theme_id"], r["theme_label"]) for r in rows} == expected
    book = openpyxl.load_workbook(
        io.BytesIO(export_statements_xlsx(WORKSHOP, STATEMENTS[:5], TABLES, themes))
    )
    assert book.active is not None
    sheet = list(book.active.iter_rows(values_only=True))
    assert sheet[0][-2:] == ("theme_id", "theme_label")
    assert {r[0]: (r[-2] or "", r[-1] or "") for r in sheet[1:]} == expected


def test_csv_export_writes_times_in_utc() -> None:
    berlin = timezone(timedelta(hours=2))
    statement = Statement(1, 1, None, "Hallo", None, None, datetime(2024, 5, 17, 11, 30,
                          tzinfo=berlin), T0)
    text = export_statements_csv(WORKSHOP, [statement], []).decode("utf-8-sig")
    assert ",2024-05-17T09:30:00Z," in text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_gives_the_same_statements(fmt: str) -> None:
    export = export_statements_csv if fmt == "csv" else export_statements_xlsx
    data = export(WORKSHOP, STATEMENTS, TABLES)
    result = parse_statements(data, f"export.{fmt}")
    assert result.errors == ()
    assert [(row.text, row.table, row.kind, row.author) for row in result.rows] == [
        (s.text, TABLE_NAMES.get(s.table_id) if s.table_id else None, s.kind, s.author)
        for s in STATEMENTS
    ]


def test_xlsx_opens_with_openpyxl_with_header_title_and_values() -> None:
    data = export_statements_xlsx(WORKSHOP, STATEMENTS, TABLES)
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet is not None
    assert book.sheetnames == ["Integration- Magdeburg -Mai 202"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    assert len(rows) == len(STATEMENTS) + 1
    assert rows[1] == (1, "Sprache & Lernen", "demand", "Mehr Sprachkurse am Abend für Eltern",
                       "Jürgen", datetime(2024, 5, 17, 9, 30), False, "imported", None, None)
    assert rows[5][6] is True  # hidden
    formula = rows[6]
    assert formula[3] == "'=HYPERLINK(\"http://evil.example\",\"klick\")"
    assert formula[1] == "'=Verwaltung" and formula[4] == "'@admin"
    # nothing in the workbook is a formula
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width == 80


def test_empty_export_still_has_the_header() -> None:
    header = ",".join(COLUMNS).encode()
    assert export_statements_csv(WORKSHOP, [], []) == b"\xef\xbb\xbf" + header + b"\r\n"
    book = openpyxl.load_workbook(io.BytesIO(export_statements_xlsx(WORKSHOP, [], [])))
    assert book.active is not None
    assert list(book.active.iter_rows(values_only=True)) == [COLUMNS]


def test_table_name_falls_back_to_the_statement_own_table_name() -> None:
    statement = Statement(1, 1, 5, "Mehr Licht", None, None, T0, T0, table_name="Gelöschter Tisch")
    rows = parse_statements(export_statements_csv(WORKSHOP, [statement], []), "x.csv").rows
    assert rows[0].table == "Gelöschter Tisch"


@pytest.mark.parametrize(
    ("title", "sheet"),
    [
        ("Workshop Integration", "Workshop Integration"),
        ("a/b\\c?d*e[f]g:h", "a-b-c-d-e-f-g-h"),
        ("'Zitat'", "Zitat"),
        ("x" * 40, "x" * 31),
        ("History", "Statements"),
        ("", "Statements"),
        ("Arbeit 👷 und Ausbildung in Sachsen-Anhalt", "Arbeit 👷 und Ausbildung in Sac"),
    ],
)
def test_sheet_titles_follow_excel_rules(title: str, sheet: str) -> None:
    assert sheet_title(title) == sheet
    book = openpyxl.Workbook()
    assert book.active is not None
    book.active.title = sheet_title(title)  # openpyxl itself accepts it
