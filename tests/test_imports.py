"""Tests for harvest.imports: files as people really have them -> statements and row errors."""

from __future__ import annotations

import csv
import io
import os
import random
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harvest.imports import (
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    EmptyFile,
    FileTooLarge,
    ImportFileError,
    ImportResult,
    ImportRow,
    NoTextColumn,
    RowError,
    TooManyRows,
    UnsupportedFile,
    WorkbookTooLarge,
    WorkshopTaken,
    import_into,
    map_columns,
    parse_file,
    parse_statements,
    strip_neutraliser,
)
from harvest.intake import StatementTooLong, accept_text
from harvest.store import Store

DATA = Path(__file__).parents[1] / ".." / "shared" / "data"

GERMAN_ROWS = [
    ["Aussage", "Tisch", "Art", "Autor"],
    ["Mehr Sprachkurse am Abend für Eltern", "Sprache", "Forderung", "Jürgen"],
    ["Wartezeiten bei der Ausländerbehörde, oft 3 Monate", "Verwaltung", "Herausforderung", ""],
    ["Straßenfest im Viertel – 50 € Zuschuss?", "Nachbarschaft", "Frage", "Aylin"],
    ["Patenschaften für Azubis", "Arbeit", "Idee", ""],
]
GERMAN_EXPECTED = [
    ImportRow(2, "Mehr Sprachkurse am Abend für Eltern", "Sprache", "demand", "Jürgen"),
    ImportRow(3, "Wartezeiten bei der Ausländerbehörde, oft 3 Monate", "Verwaltung",
              "challenge", None),
    ImportRow(4, "Straßenfest im Viertel – 50 € Zuschuss?", "Nachbarschaft", "question", "Aylin"),
    ImportRow(5, "Patenschaften für Azubis", "Arbeit", "idea", None),
]


def _csv_bytes(rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def _xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- CSV: encodings, delimiters, headers -------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_in_every_encoding_and_delimiter_gives_the_same_statements(
    encoding: str, delimiter: str
) -> None:
    result = parse_statements(_csv_bytes(GERMAN_ROWS, delimiter, encoding), "tische.csv")
    assert result.rows == tuple(GERMAN_EXPECTED)
    assert result.errors == ()
    assert (result.format, result.encoding, result.delimiter) == ("csv", encoding, delimiter)
    assert result.columns == ("Aussage", "Tisch", "Art", "Autor")


def test_utf16_unicode_text_from_excel_is_read() -> None:
    data = _csv_bytes(GERMAN_ROWS, "\t", "utf-16")
    result = parse_statements(data, "export.csv")
    assert result.rows == tuple(GERMAN_EXPECTED)
    assert (result.encoding, result.delimiter) == ("utf-16", "\t")


def test_excel_sep_directive_sets_the_delimiter() -> None:
    data = b"sep=;\r\nText;Tisch\r\nMehr Radwege, sichere Kreuzungen;Verkehr\r\n"
    result = parse_statements(data, "x.csv")
    assert result.delimiter == ";"
    assert result.rows == (ImportRow(2, "Mehr Radwege, sichere Kreuzungen", "Verkehr", None, None),)


def test_semicolon_file_whose_texts_contain_many_commas_is_read_with_semicolon() -> None:
    rows = [["Aussage", "Tisch"]] + [[f"Eins, zwei, drei, {i}", "A"] for i in range(20)]
    result = parse_statements(_csv_bytes(rows, ";", "utf-8"), "x.csv")
    assert result.delimiter == ";"
    assert [row.text for row in result.rows] == [f"Eins, zwei, drei, {i}" for i in range(20)]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["text", "table", "kind", "author"], {"text": 0, "table": 1, "kind": 2, "author": 3}),
        (["TEXT", "Thementisch", "Typ", "Name"], {"text": 0, "table": 1, "kind": 2, "author": 3}),
        (["Statement", "Table", "Type", "von"], {"text": 0, "table": 1, "kind": 2, "author": 3}),
        (["Nr", "Beitrag", "Tisch", "Art"], {"text": 1, "table": 2, "kind": 3}),
        (["Kommentar", "Autor"], {"text": 0, "author": 1}),
        (["comment"], {"text": 0}),
        ([" Aussage ", "Tisch (Thema)", "Art der Aussage"], {"text": 0, "table": 1, "kind": 2}),
        (["id", "table", "kind", "text", "author", "created_at", "hidden", "origin"],
         {"text": 3, "table": 1, "kind": 2, "author": 4}),
        (["Ort", "Datum"], {}),
    ],
)
def test_column_names_are_recognised_in_german_and_english(
    header: list[str], expected: dict[str, int]
) -> None:
    assert map_columns(header) == expected


def test_english_header_and_english_kinds() -> None:
    data = (
        b"Text,Table,Kind,Author\n"
        b"More bike lanes,Mobility,Demand,Sam\n"
        b"Why so slow?,Admin,question,\n"
    )
    result = parse_statements(data, "en.csv")
    assert result.rows == (
        ImportRow(2, "More bike lanes", "Mobility", "demand", "Sam"),
        ImportRow(3, "Why so slow?", "Admin", "question", None),
    )


@pytest.mark.parametrize(
    ("value", "kind"),
    [("Idee", "idea"), ("Herausforderung", "challenge"), ("Forderung", "demand"),
     ("Forderungen", "demand"), ("Frage", "question"), ("FRAGE", "question"), ("", None),
     ("idea", "idea")],
)
def test_german_and_english_kind_values_map_to_codes(value: str, kind: str | None) -> None:
    result = parse_statements(f"Aussage;Art\nEin Satz;{value}\n".encode(), "k.csv")
    assert result.rows == (ImportRow(2, "Ein Satz", None, kind, None),)


def test_single_column_without_known_header_is_all_text() -> None:
    data = "Mehr Radwege, bitte\nBessere Busse\n\nSchnelleres Internet\n".encode("cp1252")
    result = parse_statements(data, "liste.csv")
    assert [(row.line, row.text) for row in result.rows] == [
        (1, "Mehr Radwege, bitte"), (2, "Bessere Busse"), (4, "Schnelleres Internet"),
    ]


def test_a_later_line_with_the_delimiter_keeps_its_whole_text_in_a_single_column() -> None:
    data = b"Mehr Radwege\nBessere Busse; auch nachts\n"
    result = parse_statements(data, "liste.csv")
    assert [row.text for row in result.rows] == ["Mehr Radwege", "Bessere Busse; auch nachts"]


def test_missing_trailing_cells_are_harmless_but_a_runaway_quote_is_not() -> None:
    data = b'Aussage;Tisch;Art\nNur Text\n"Offenes Zitat;A;\nNoch was;B;Idee\n'
    result = parse_statements(data, "x.csv")
    assert result.rows == (ImportRow(2, "Nur Text", None, None, None),)
    assert [(error.line, error.code) for error in result.errors] == [(3, "ragged_row")]
    assert "missing closing quote" in result.errors[0].reason


def test_default_table_fills_rows_without_a_table() -> None:
    data = b"Aussage;Tisch\nEins;Sprache\nZwei;\n"
    result = parse_statements(data, "x.csv", default_table="Allgemein")
    assert [row.table for row in result.rows] == ["Sprache", "Allgemein"]


def test_formula_cells_are_imported_as_typed_text() -> None:
    data = b'Text\n"=HYPERLINK(""http://evil.example"",""klick"")"\n@SUM(A1)\n'
    result = parse_statements(data, "x.csv")
    assert [row.text for row in result.rows] == [
        '=HYPERLINK("http://evil.example","klick")', "@SUM(A1)",
    ]


@pytest.mark.parametrize(
    ("cell", "text"),
    [("'=1+1", "=1+1"), ("'-5 Grad", "-5 Grad"), ("'@alle", "@alle"), ("''=x", "'=x"),
     ("'Tis so", "'Tis so"), ("'", "'"), ("Gut", "Gut")],
)
def test_the_export_neutraliser_quote_is_stripped_exactly_once(cell: str, text: str) -> None:
    assert strip_neutraliser(cell) == text


# --- bad rows -----------------------------------------------------------------------


def test_bad_rows_are_reported_with_the_line_a_spreadsheet_shows() -> None:
    data = (
        b"Aussage;Tisch;Art\n"                 # line 1
        b"Bus;Sprache;Idee\n"                  # line 2
        b";Sprache;Idee\n"                     # line 3: empty text
        b'"zwei\nZeilen";Arbeit;\n'            # line 4 (one row over two physical lines)
        b"Viel zu lang hier;Arbeit;Frage\n"    # line 5: too long
        b"Falsche Art;Arbeit;Wunsch\n"         # line 6: unknown kind
        b"a;b;c;d\n"                           # line 7: ragged
        b";;\n"                                # line 8: blank row, ignored
        b"\n"                                  # line 9: blank line, ignored
        b"Letzte;Arbeit;Forderung;\n"          # line 10: a trailing separator is harmless
    )
    result = parse_statements(data, "x.csv", max_chars=15)
    assert [(row.line, row.text) for row in result.rows] == [
        (2, "Bus"), (4, "zwei\nZeilen"), (10, "Letzte"),
    ]
    assert [(error.line, error.code) for error in result.errors] == [
        (3, "empty"), (5, "too_long"), (6, "unknown_kind"), (7, "ragged_row"),
    ]
    reasons = {error.code: error.reason for error in result.errors}
    assert "15" in reasons["too_long"]
    assert "Forderung" in reasons["unknown_kind"]
    assert "header has 3" in reasons["ragged_row"]


def test_binary_garbage_in_one_row_is_a_row_error() -> None:
    good = "Eine ganz gewöhnliche Aussage\n" * 10
    data = f"Text\n{good}\x01\x02\x03\x04\x05\x06\n".encode()
    result = parse_statements(data, "x.csv")
    assert len(result.rows) == 10
    assert result.errors == (RowError(12, result.errors[0].reason, "binary"),)


def test_overlong_field_from_a_missing_quote_costs_one_row() -> None:
    data = b'Text\nMehr Licht\n"' + b"x" * 200_000 + b'\nNoch gut\n'
    result = parse_statements(data, "x.csv")
    assert result.rows[0] == ImportRow(2, "Mehr Licht", None, None, None)
    assert [error.line for error in result.errors] == [3]


def test_no_text_column_lists_what_was_found_and_what_is_accepted() -> None:
    with pytest.raises(NoTextColumn) as caught:
        parse_statements(b"Ort;Datum\nMagdeburg;2024-05-01\n", "x.csv")
    message = str(caught.value)
    assert "'Ort', 'Datum'" in message
    assert "Aussage" in message and "Statement" in message
    assert caught.value.params["columns"] == ("Ort", "Datum")


# --- whole-file problems ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"", "x.csv"), (b"\r\n\n  \n", "x.csv"), (b"\xef\xbb\xbf", "x.csv"), (b"", "x.txt"),
     (b"Aussage;Tisch\n", "x.csv"), (b"Aussage;Tisch\n;;\n\n", "x.csv"), (b"\n \n", "x.txt")],
)
def test_empty_files_are_refused(data: bytes, name: str) -> None:
    with pytest.raises(EmptyFile):
        parse_statements(data, name)


def test_empty_first_sheet_is_refused() -> None:
    with pytest.raises(EmptyFile):
        parse_statements(_xlsx_bytes([]), "leer.xlsx")


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


@pytest.mark.parametrize("name", ["bild.csv", "bild.txt", "bild", "bild.xlsx"])
@pytest.mark.parametrize(
    "data",
    [PNG, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64),
     random.Random(7).randbytes(4096), b"PK\x03\x04" + random.Random(8).randbytes(300)],
    ids=["png", "pdf", "xls", "random", "zip-garbage"],
)
def test_binary_files_are_refused_naming_the_accepted_formats(data: bytes, name: str) -> None:
    with pytest.raises(UnsupportedFile) as caught:
        parse_statements(data, name)
    assert ".xlsx" in str(caught.value) or "Excel" in str(caught.value)


@pytest.mark.parametrize("name", ["notes.docx", "slides.pdf", "old.xls", "image.png"])
def test_unknown_extensions_are_refused(name: str) -> None:
    with pytest.raises(UnsupportedFile) as caught:
        parse_statements(b"Text\nHallo\n", name)
    assert "CSV" in str(caught.value)


def test_fifty_megabyte_file_is_refused_quickly_naming_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "gross.csv"
    line = b"Eine ganz normale Aussage zu Sprachkursen und Arbeit\n"
    with path.open("wb") as handle:
        handle.write(b"Text\n")
        handle.write(line * (50 * 1024 * 1024 // len(line) + 1))
    assert path.stat().st_size > 50 * 1024 * 1024
    started = time.perf_counter()
    with pytest.raises(FileTooLarge) as caught:
        parse_file(path)
    # Generous bound, not a speed goal: parsing 50 MB would take far longer than this.
    assert time.perf_counter() - started < 2.0
    assert "20 MB" in str(caught.value) and "50" in str(caught.value)
    with pytest.raises(FileTooLarge):
        parse_statements(path.read_bytes(), "gross.csv")


def test_max_bytes_is_configurable() -> None:
    with pytest.raises(FileTooLarge) as caught:
        parse_statements(b"Text\n" + b"x\n" * 600, "x.csv", max_bytes=1024)
    assert caught.value.params == {"size": 1205, "limit": 1024}


# --- XLSX and plain text ------------------------------------------------------------


def test_xlsx_first_sheet_with_line_numbers_formulas_and_numbers() -> None:
    data = _xlsx_bytes([
        [None, None],                                                   # row 1: empty
        ["Thementisch", "Aussage", "Art", None],                        # row 2: header
        ["Sprache", "Mehr Kita-Plätze 👶", "Forderung"],                 # row 3
        ["Arbeit", '=HYPERLINK("http://x.example","klick")', None],     # row 4: formula
        ["Arbeit", 42, "idea"],                                         # row 5: a number
        ["Arbeit", None, "Idee"],                                       # row 6: empty text
        ["Arbeit", "Was nun?", "Vielleicht", None, "Notiz daneben"],    # row 7: unknown kind
    ])
    result = parse_statements(data, "workshop.xlsx")
    assert (result.format, result.delimiter) == ("xlsx", None)
    assert result.rows == (
        ImportRow(3, "Mehr Kita-Plätze 👶", "Sprache", "demand", None),
        ImportRow(4, '=HYPERLINK("http://x.example","klick")', "Arbeit", None, None),
        ImportRow(5, "42", "Arbeit", "idea", None),
    )
    assert [(error.line, error.code) for error in result.errors] == [
        (6, "empty"), (7, "unknown_kind"),
    ]


def test_xlsx_content_wins_over_a_wrong_extension() -> None:
    data = _xlsx_bytes([["Text"], ["Mehr Licht"]])
    assert parse_statements(data, "falsch.csv").rows == (
        ImportRow(2, "Mehr Licht", None, None, None),
    )


def test_plain_text_is_one_statement_per_line() -> None:
    data = "Erste Aussage\r\n\r\n  Zweite\tAussage  \n" + "x" * 20 + "\nلغة عربية\n"
    result = parse_statements(data.encode(), "notizen.txt", max_chars=15, default_table="Tisch 1")
    assert result.format == "text"
    assert result.rows == (
        ImportRow(1, "Erste Aussage", "Tisch 1", None, None),
        ImportRow(3, "Zweite Aussage", "Tisch 1", None, None),
        ImportRow(5, "لغة عربية", "Tisch 1", None, None),
    )
    assert [(error.line, error.code) for error in result.errors] == [(4, "too_long")]


def test_excel_unicode_text_saved_as_txt_is_read_as_a_table() -> None:
    result = parse_statements(_csv_bytes(GERMAN_ROWS, "\t", "utf-16"), "Unicode-Text.txt")
    assert (result.format, result.delimiter) == ("csv", "\t")
    assert result.rows == tuple(GERMAN_EXPECTED)


def test_a_text_line_that_merely_starts_with_a_column_name_stays_text() -> None:
    result = parse_statements(b"Text, Bild und Ton fehlen oft\nZweite Zeile\n", "a.txt")
    assert result.format == "text"
    assert [row.text for row in result.rows] == ["Text, Bild und Ton fehlen oft", "Zweite Zeile"]


def test_plain_text_without_extension_is_text() -> None:
    result = parse_statements("Привіт, як справи?\n".encode(), "")
    assert result.rows == (ImportRow(1, "Привіт, як справи?", None, None, None),)


# --- never a crash ------------------------------------------------------------------

NAMES = st.sampled_from(["x.csv", "x.txt", "x", "x.xlsx", "x.tsv", "x.CSV", "x.pdf"])


def _parse_or_refuse(data: bytes, name: str) -> None:
    try:
        result = parse_statements(data, name, max_chars=50)
    except ImportFileError as exc:
        assert str(exc)
        return
    assert isinstance(result, ImportResult)
    for row in result.rows:
        assert row.text and len(row.text) <= 50 and row.line >= 1
    for error in result.errors:
        assert error.reason and error.code and error.line >= 1


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(st.binary(max_size=2000), st.binary().map(lambda tail: b"PK\x03\x04" + tail)),
    name=NAMES,
)
def test_arbitrary_bytes_give_a_result_or_a_file_error(data: bytes, name: str) -> None:
    _parse_or_refuse(data, name)


VALID_XLSX = _xlsx_bytes([["Aussage", "Tisch"], ["Mehr Kitas", "Familie"]])


@settings(max_examples=100, deadline=None)
@given(
    flips=st.lists(
        st.tuples(st.integers(0, len(VALID_XLSX) - 1), st.integers(0, 255)), min_size=1,
        max_size=8,
    )
)
def test_damaged_workbooks_give_a_result_or_a_file_error(flips: list[tuple[int, int]]) -> None:
    data = bytearray(VALID_XLSX)
    for position, value in flips:
        data[position] = value
    _parse_or_refuse(bytes(data), "kaputt.xlsx")


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(max_size=500),
    name=NAMES,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)
def test_arbitrary_text_gives_a_result_or_a_file_error(
    text: str, name: str, encoding: str
) -> None:
    _parse_or_refuse(text.encode(encoding, errors="ignore"), name)


@settings(max_examples=100, deadline=None)
@given(
    cells=st.lists(
        st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30),
                 min_size=1, max_size=5),
        max_size=8,
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_arbitrary_csv_tables_give_a_result_or_a_file_error(
    cells: list[list[str]], delimiter: str
) -> None:
    _parse_or_refuse(_csv_bytes([["Aussage", "Tisch"], *cells], delimiter, "utf-8"), "t.csv")


# --- real data ----------------------------------------------------------------------


def test_polis_comments_import_row_for_row() -> None:
    path = DATA / "polis_opendata_unlabeled" / "polis_all_comments.csv"
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"real data missing in CI: {path}")
        pytest.skip(f"real data not found at {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        source = [row for _, row in zip(range(3000), csv.DictReader(handle), strict=False)]
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(source[0]))
    writer.writeheader()
    writer.writerows(source)
    result = parse_statements(buffer.getvalue().encode(), "polis.csv")
    assert result.delimiter == ","
    assert len(result.rows) + len(result.errors) == len(source)
    by_line = {row.line: row for row in result.rows}
    for line, row in enumerate(source, start=2):
        if line in by_line:
            assert by_line[line].text == accept_text(row["text"])
            assert by_line[line].table is None  # polis has "topic", which is no table
    assert len(result.rows) > 0.99 * len(source)


# --- crafted workbooks: bounded memory, bounded rows --------------------------------


def _crafted_xlsx(n_rows: int, column: str | None = "XFD") -> bytes:
    """A minimal workbook written by hand, as an attacker would: a header in A1, a
    statement in column A of each row and, with ``column``, one more cell far right (XFD
    is the last of 16,384 columns); no declared dimension."""
    import zipfile

    def cell(ref: str, text: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    rows = [f'<row r="1">{cell("A1", "Aussage")}</row>']
    rows += [
        f'<row r="{n}">{cell(f"A{n}", f"Mehr Kitas {n}")}'
        f'{cell(f"{column}{n}", "x") if column else ""}</row>'
        for n in range(2, n_rows + 2)
    ]
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
            '-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
            '.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook {ns} xmlns:r="{rel}"><sheets><sheet name="S" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0"?><worksheet {ns}><sheetData>{"".join(rows)}</sheetData>'
            "</worksheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return buffer.getvalue()


_PEAK_SCRIPT = """
import re, resource, sys
# a guard for the machine: without the fix this file needs gigabytes; fail fast instead
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))

def peak_mb():
    # VmHWM: this process's own peak (ru_maxrss would inherit the parent's across exec)
    status = open("/proc/self/status").read()
    return int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1)) // 1024

from harvest.imports import ImportFileError, parse_statements
data = open(sys.argv[1], "rb").read()
before = peak_mb()
try:
    result = parse_statements(data, "angriff.xlsx")
    outcome = f"{len(result.rows)} rows, {len(result.errors)} errors"
except ImportFileError as exc:
    outcome = exc.code
except MemoryError:
    outcome = "MemoryError"
print(before, peak_mb(), outcome)
"""


def _peak_mb(data: bytes, tmp_path: Path) -> tuple[int, int, str]:
    """(MB before parsing, peak MB, outcome) of parsing ``data`` in a fresh process."""
    import subprocess
    import sys

    path = tmp_path / "angriff.xlsx"
    path.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_SCRIPT, str(path)],
        capture_output=True, text=True, timeout=300, check=True,
        cwd=Path(__file__).parents[1],
    )
    before, peak, outcome = done.stdout.split(maxsplit=2)
    return int(before), int(peak), outcome.strip()


def test_a_sheet_with_one_cell_per_row_in_column_xfd_keeps_memory_bounded(
    tmp_path: Path,
) -> None:
    # The attack: ~100 KB of XLSX whose rows each hold one cell in the last column. Read
    # as declared, every row becomes 16,384 cells (about 130 KB a row: gigabytes).
    data = _crafted_xlsx(20_000)
    assert len(data) < 250_000
    before, peak, outcome = _peak_mb(data, tmp_path)
    assert outcome == "20000 rows, 0 errors"  # column A is the text; XFD a note beside it
    assert peak - before < 150, f"parsing took {peak - before} MB (peak {peak} MB)"
    assert peak < 300


def test_a_million_row_sheet_is_refused_while_reading(tmp_path: Path) -> None:
    data = _crafted_xlsx(MAX_ROWS + 1, column=None)
    before, peak, outcome = _peak_mb(data, tmp_path)
    assert outcome == "too_many_rows"
    assert peak < 400


@pytest.mark.parametrize(("make", "name"), [
    (lambda n: ("Aussage\n" + "".join(f"Mehr Kitas {i}\n" for i in range(n))).encode(), "v.csv"),
    (lambda n: "".join(f"Mehr Kitas {i}\n" for i in range(n)).encode(), "v.txt"),
    (lambda n: _xlsx_bytes([["Aussage"], *([f"Mehr Kitas {i}"] for i in range(n))]), "v.xlsx"),
], ids=["csv", "text", "xlsx"])
def test_every_format_refuses_more_rows_than_the_limit_and_accepts_the_limit(
    make: Any, name: str
) -> None:
    with pytest.raises(TooManyRows) as caught:
        parse_statements(make(11), name, max_rows=10)
    assert caught.value.params["limit"] == 10
    assert "10" in str(caught.value)
    assert len(parse_statements(make(10), name, max_rows=10).rows) == 10


def test_a_workbook_that_unpacks_to_gigabytes_is_refused_before_it_is_read() -> None:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b" " * (MAX_UNPACKED_BYTES + 1))
    with pytest.raises(WorkbookTooLarge):
        parse_statements(buffer.getvalue(), "bombe.xlsx")


# --- import_into: the one flow of the CLI and the app ---------------------------------

_ROWS = (ImportRow(2, "Mehr Abendkurse", "Sprache", "demand", None),
         ImportRow(3, "Bessere Busse am Land", None, None, "Ana"))


def test_import_into_a_new_name_creates_the_workshop_once(store: Store) -> None:
    first = import_into(store, _ROWS, "Werkstatt Nord")
    again = import_into(store, _ROWS[:1], "werkstatt-nord")
    assert first.created and not again.created and again.workshop.id == first.workshop.id
    texts = [(s.text, s.table_name, s.origin) for s in store.statements(first.workshop.id)]
    assert texts == [("Mehr Abendkurse", "Sprache", "imported"),
                     ("Bessere Busse am Land", None, "imported"),
                     ("Mehr Abendkurse", "Sprache", "imported")]


def test_import_into_a_taken_name_adds_nothing_when_it_must_be_new(store: Store) -> None:
    workshop = store.create_workshop("Werkstatt")
    with pytest.raises(WorkshopTaken):
        import_into(store, _ROWS, "Werkstatt", new_only=True)
    assert store.statements(workshop.id) == []
    assert import_into(store, _ROWS, workshop).statement_ids  # the workshop itself: fine


def test_import_into_is_all_or_nothing(store: Store) -> None:
    workshop = store.create_workshop("Werkstatt", max_chars=20)
    with pytest.raises(StatementTooLong):
        import_into(store, _ROWS, workshop)
    assert store.statements(workshop.id) == []
