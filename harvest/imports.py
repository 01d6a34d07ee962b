"""Files people bring -> statements: CSV, XLSX and plain text, with row-level errors.

Pure: bytes in, parsed rows and row errors out; nothing here touches the store. The
caller decides what to do with a file that has bad rows (the CLI imports nothing unless
told to skip them).

CSV is read the way people really have it: UTF-8, UTF-8 with BOM, UTF-16 (Excel's
"Unicode text") or Windows-1252; separated by comma, semicolon (German Excel) or tab; a
header row whose column names may be German or English.

>>> result = parse_statements("Aussage;Tisch;Art\\nMehr Sprachkurse;Sprache;Forderung\\n"
...                           .encode("cp1252"), "tisch.csv")
>>> result.rows[0]
ImportRow(line=2, text='Mehr Sprachkurse', table='Sprache', kind='demand', author=None)
>>> (result.format, result.encoding, result.delimiter)
('csv', 'utf-8', ';')
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from harvest.intake import InvalidInput, accept_text, clean_kind, clean_statement
from harvest.model import DEFAULT_MAX_CHARS, Workshop

if TYPE_CHECKING:
    from harvest.store import Store

__all__ = [
    "ACCEPTED_FORMATS",
    "MAX_BYTES",
    "EmptyFile",
    "FileTooLarge",
    "ImportFileError",
    "ImportResult",
    "ImportRow",
    "Imported",
    "NoTextColumn",
    "RowError",
    "TooManyRows",
    "UnsupportedFile",
    "WorkbookTooLarge",
    "WorkshopTaken",
    "check_size",
    "import_into",
    "parse_file",
    "parse_statements",
    "strip_neutraliser",
]

MAX_BYTES = 20 * 1024 * 1024
"""Default upper limit for an imported file (20 MB: about 100,000 statements as CSV)."""

MAX_ROWS = 100_000
"""Most statements one file may hold; counted while reading, so a file is refused as soon
as it passes the limit (a million-row sheet never reaches memory)."""

MAX_COLUMNS = 50
"""Columns of a sheet that are read at all; cells further right are notes, not data, and
a crafted sheet's one cell in column XFD must not make every row 16,384 cells wide."""

MAX_UNPACKED_BYTES = 100 * 1024 * 1024
"""Largest unpacked size of a workbook's parts (a ZIP of 20 MB may unpack to gigabytes)."""

ACCEPTED_FORMATS = "CSV (.csv, .tsv), Excel (.xlsx) or plain text (.txt, one statement per line)"

NAME_MAX_CHARS = 200
"""Longest table or author name an import accepts."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet run a cell as a formula (OWASP CSV injection)."""


# --- results ------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    """One good statement from a file, with the line a spreadsheet shows it on."""

    line: int
    text: str
    table: str | None
    kind: str | None
    author: str | None


@dataclass(frozen=True)
class RowError:
    """One row that cannot be imported: where, why, and what to do (``code`` for a UI)."""

    line: int
    reason: str
    code: str


@dataclass(frozen=True)
class ImportResult:
    """Everything read from one file: good rows, bad rows and how the file was read."""

    rows: tuple[ImportRow, ...]
    errors: tuple[RowError, ...]
    format: str
    """"csv", "xlsx" or "text\""""
    encoding: str
    """how the bytes were decoded ("utf-8", "utf-8-sig", "utf-16", "cp1252"; "xlsx")"""
    delimiter: str | None
    """the CSV delimiter, None for XLSX and plain text"""
    columns: tuple[str, ...] = ()
    """the header row as found (empty when the file has none)"""


# --- whole-file errors --------------------------------------------------------------


class ImportFileError(InvalidInput):
    """A file that cannot be imported at all; ``code`` and ``params`` let a UI translate."""

    code: str = "import_file"


class EmptyFile(ImportFileError):
    """The file holds no statements at all."""

    code = "empty_file"


class UnsupportedFile(ImportFileError):
    """The file is not CSV, XLSX or plain text (or is damaged)."""

    code = "unsupported_file"


class FileTooLarge(ImportFileError):
    """The file is larger than the import allows."""

    code = "file_too_large"


class TooManyRows(ImportFileError):
    """The file holds more statements than one import allows."""

    code = "too_many_rows"


class WorkbookTooLarge(ImportFileError):
    """A workbook that unpacks to far more data than its statements could need."""

    code = "workbook_too_large"


def _too_many_rows(limit: int) -> TooManyRows:
    return TooManyRows(
        f"The file has more than {limit:,} statements; one import takes at most {limit:,}. "
        "Split it into smaller files and import them one after the other.",
        limit=limit,
    )


class NoTextColumn(ImportFileError):
    """A table file has several columns but none of them is recognisably the text."""

    code = "no_text_column"


# --- column names -------------------------------------------------------------------

# Normalised header names (casefolded, letters and digits only) for each field. Exact
# matches win; after that a header counts when one of its words is a name below, so
# "Text der Aussage" or "Tisch (Thema)" are recognised too.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "text": (
        "text", "texte", "aussage", "aussagen", "statement", "statements", "beitrag",
        "beiträge", "beitraege", "kommentar", "kommentare", "comment", "comments",
        "inhalt", "content", "notiz", "notizen", "note", "notes", "anmerkung",
        "anmerkungen", "wortmeldung", "wortmeldungen",
    ),
    "table": (
        "table", "tables", "tisch", "tische", "tisches", "thementisch", "thementische",
        "tischname", "tablename",
    ),
    "kind": ("kind", "art", "typ", "type", "aussageart", "statementtype", "kategorie"),
    "author": (
        "author", "autor", "autorin", "name", "von", "by", "verfasser", "verfasserin",
        "person", "teilnehmer", "teilnehmerin", "participant",
    ),
}
ACCEPTED_COLUMNS = {
    "text": "text, Text, Aussage, Statement, Beitrag, Kommentar, comment",
    "table": "table, Tisch, Thementisch",
    "kind": "kind, Art, Typ, type",
    "author": "author, Autor, Name, von",
}


def _normalise_header(cell: str) -> str:
    """A header cell reduced to what matters: casefolded letters and digits."""
    cell = unicodedata.normalize("NFC", cell).casefold()
    return "".join(char for char in cell if char.isalnum())


def _header_words(cell: str) -> list[str]:
    cell = unicodedata.normalize("NFC", cell).casefold()
    return [word for word in re.split(r"[^\w]+|_", cell) if word]


def map_columns(header: Sequence[str]) -> dict[str, int]:
    """Which column holds which field: {"text": 0, "table": 2, ...} (missing fields absent).

    >>> map_columns(["ID", "Thementisch", "Aussage", "Art", "von"])
    {'text': 2, 'table': 1, 'kind': 3, 'author': 4}
    """
    found: dict[str, int] = {}
    normalised = [_normalise_header(cell) for cell in header]
    for field, names in COLUMN_NAMES.items():
        for index, cell in enumerate(normalised):
            if cell in names and index not in found.values():
                found[field] = index
                break
    for field, names in COLUMN_NAMES.items():
        if field in found:
            continue
        for index, cell in enumerate(header):
            if index in found.values():
                continue
            if any(word in names for word in _header_words(cell)):
                found[field] = index
                break
    return {field: found[field] for field in COLUMN_NAMES if field in found}


# --- cells --------------------------------------------------------------------------


def strip_neutraliser(value: str) -> str:
    """Undo ``exports.neutralise_cell``: drop the one leading quote it added.

    Only a quote followed by a formula trigger (or by another quote then a trigger, which
    the export writes for text that itself began with a quote) is ours to remove.

    >>> strip_neutraliser("'=SUM(A1)"), strip_neutraliser("'tis"), strip_neutraliser("''-x")
    ('=SUM(A1)', "'tis", "'-x")
    """
    if value.startswith("'") and value[1:].lstrip("'").startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person sees in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


@functools.lru_cache(maxsize=4096)
def _clean_name(value: str) -> str | None:
    """A table or author name: cleaned like a statement, or None when empty.

    Cached (a pure function): a file names the same few tables on every row.
    """
    if not value.strip():
        return None
    return accept_text(strip_neutraliser(value), NAME_MAX_CHARS).replace("\n", " ")


def _row_from_cells(
    line: int,
    cells: Sequence[str],
    columns: dict[str, int],
    width: int | None,
    max_chars: int,
    default_table: str | None,
) -> ImportRow | RowError | None:
    """Turn one row of cells into an ``ImportRow``, a ``RowError``, or None (blank row)."""
    if not any(cell.strip() for cell in cells):
        return None  # spreadsheets end with empty rows; they are no one's mistake
    if width is not None and len(cells) > width:
        if any(cell.strip() for cell in cells[width:]):
            return RowError(
                line,
                f"The row has {len(cells)} cells but the header has {width}. A text containing "
                "the delimiter must be in double quotes; check this line for a missing quote or "
                "an extra separator.",
                "ragged_row",
            )
        cells = cells[:width]  # trailing empty cells: a stray delimiter at line end
    elif width is not None and len(cells) < width and any("\n" in cell for cell in cells):
        # Missing trailing cells are harmless (hand-written files leave them out), but a
        # short row spanning several lines is a quote that was opened and never closed.
        return RowError(
            line,
            f"The row has {len(cells)} of the header's {width} cells and runs over several "
            'lines: probably a missing closing quote ("). Check the quotes on this line.',
            "ragged_row",
        )

    def cell(field: str) -> str:
        index = columns.get(field)
        return cells[index] if index is not None and index < len(cells) else ""

    try:
        text = clean_statement(strip_neutraliser(cell("text")), max_chars)
    except InvalidInput as exc:
        reason = str(exc)
        if exc.code == "empty":
            reason = "The text is empty. Write the statement into the text column or delete it."
        return RowError(line, reason, exc.code)
    try:
        kind = clean_kind(strip_neutraliser(cell("kind")))
    except InvalidInput as exc:
        return RowError(line, str(exc), exc.code)
    try:
        table = _clean_name(cell("table")) or default_table
        author = _clean_name(cell("author"))
    except InvalidInput as exc:
        return RowError(
            line,
            f"The table or author name cannot be used ({exc}); names may have at most "
            f"{NAME_MAX_CHARS} characters.",
            f"name_{exc.code}",
        )
    return ImportRow(line, text, table, kind, author)


# --- detecting what a file is -------------------------------------------------------

_ZIP_MAGIC = b"PK\x03\x04"
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel (.xls) or password-protected file"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"{\\rtf", "an RTF document"),
)
_TEXT_EXTENSIONS = {"", ".txt", ".text", ".md"}
_CSV_EXTENSIONS = {".csv", ".tsv", ".tab"}
_XLSX_EXTENSIONS = {".xlsx", ".xlsm"}
_TEXT_BINARY_SHARE = 0.05
"""Share of control characters from which decoded "text" is judged to be a binary file."""


def check_size(n_bytes: int, max_bytes: int = MAX_BYTES) -> None:
    """Raise ``FileTooLarge`` when a file of ``n_bytes`` exceeds ``max_bytes``.

    Call it before reading an upload, so an oversized file is refused without being read.
    """
    if n_bytes > max_bytes:
        raise FileTooLarge(
            f"The file is {_megabytes(n_bytes)}; files may be at most {_megabytes(max_bytes)}. "
            "Split it into smaller files and import them one after the other.",
            size=n_bytes,
            limit=max_bytes,
        )


def _megabytes(n_bytes: int) -> str:
    return f"{n_bytes / 1024 / 1024:.1f} MB" if n_bytes % (1024 * 1024) else (
        f"{n_bytes // (1024 * 1024)} MB"
    )


def _refuse_binary(data: bytes) -> None:
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise UnsupportedFile(
                f"This is {what}, not a statement list. Accepted are {ACCEPTED_FORMATS}.",
                accepted=ACCEPTED_FORMATS,
            )


def _decode(data: bytes) -> tuple[str, str]:
    """Decode ``data`` as UTF-16 (with BOM), UTF-8 (with or without BOM) or Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: try the others
    if b"\x00" in data[:4096]:
        raise UnsupportedFile(
            f"This file contains binary data, not text. Accepted are {ACCEPTED_FORMATS}.",
            accepted=ACCEPTED_FORMATS,
        )
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise UnsupportedFile(
            "This file is neither UTF-8 nor Windows-1252 text (it may be binary). Save it as "
            f"'CSV UTF-8' or as plain text. Accepted are {ACCEPTED_FORMATS}.",
            accepted=ACCEPTED_FORMATS,
        ) from None


def _refuse_binary_text(text: str) -> None:
    """Refuse decoded text that is mostly control characters: a binary file in disguise."""
    sample = text[:65536]
    controls = sum(
        1 for char in sample if unicodedata.category(char) == "Cc" and char not in "\t\n\r"
    )
    if controls > 3 and controls > _TEXT_BINARY_SHARE * len(sample):
        raise UnsupportedFile(
            f"This file looks like binary data, not text. Accepted are {ACCEPTED_FORMATS}.",
            accepted=ACCEPTED_FORMATS,
        )


# --- parsing ------------------------------------------------------------------------


def parse_file(
    path: str | Path,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    default_table: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> ImportResult:
    """Read and parse a file from disk; an oversized file is refused before it is read."""
    path = Path(path)
    check_size(path.stat().st_size, max_bytes)
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)  # the file may have grown since stat()
    return parse_statements(
        data, path.name, max_chars=max_chars, default_table=default_table, max_bytes=max_bytes,
        max_rows=max_rows,
    )


def parse_statements(
    data: bytes,
    filename: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    default_table: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> ImportResult:
    """Parse a CSV, XLSX or plain-text file into statements and row errors.

    ``filename`` only serves to tell the format (by extension; the content decides when
    they disagree, e.g. an XLSX saved as ``.csv``). ``default_table`` is the table of rows
    that name none. Raises an ``ImportFileError`` for a file that cannot be read at all;
    every problem with a single row is a ``RowError`` in the result instead. A file
    with more than ``max_rows`` statements (good and bad) raises ``TooManyRows`` as soon
    as reading passes the limit, and a workbook reads at most ``MAX_COLUMNS`` columns:
    memory stays bounded whatever the file claims about itself.
    """
    check_size(len(data), max_bytes)
    data = bytes(data)
    if not data.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise EmptyFile("The file is empty. Choose a file with at least one statement.")
    extension = PurePath(filename or "").suffix.casefold()
    if data.startswith(_ZIP_MAGIC) and extension not in _TEXT_EXTENSIONS - {""}:
        return _parse_xlsx(data, max_chars, default_table, max_rows)
    if extension in _XLSX_EXTENSIONS:
        _refuse_binary(data)
        raise UnsupportedFile(
            "This file has the extension .xlsx but is not an Excel workbook (it may be damaged "
            "or renamed). Save it again from Excel as .xlsx or as CSV.",
            accepted=ACCEPTED_FORMATS,
        )
    if extension == ".xls":
        raise UnsupportedFile(
            "Old Excel files (.xls) cannot be read. Save the sheet as .xlsx or as CSV "
            f"(Accepted are {ACCEPTED_FORMATS}).",
            accepted=ACCEPTED_FORMATS,
        )
    if extension not in _CSV_EXTENSIONS | _TEXT_EXTENSIONS:
        raise UnsupportedFile(
            f"Files of type {extension} cannot be imported. Accepted are {ACCEPTED_FORMATS}.",
            accepted=ACCEPTED_FORMATS,
            extension=extension,
        )
    _refuse_binary(data)
    text, encoding = _decode(data)
    _refuse_binary_text(text)
    if extension in _CSV_EXTENSIONS:
        return _parse_csv(
            text, encoding, max_chars, default_table, tab=extension != ".csv", max_rows=max_rows
        )
    if _looks_like_a_table(text):
        # Excel's "Unicode text" is a tab-separated table saved as .txt.
        return _parse_csv(text, encoding, max_chars, default_table, max_rows=max_rows)
    return _parse_text(text, encoding, max_chars, default_table, max_rows)


def _looks_like_a_table(text: str) -> bool:
    """True when a text file's first line is a header naming two or more known columns."""
    first = next((line for line in re.split(r"\r\n|\r|\n", text[:4096]) if line.strip()), "")
    for delimiter in _DELIMITERS:
        cells = [cell.strip() for cell in first.split(delimiter)]
        if len(cells) > 1 and all(len(cell) <= 40 for cell in cells):
            columns = map_columns(cells)
            if "text" in columns and len(columns) >= 2:
                return True
    return False


def _parse_text(
    text: str, encoding: str, max_chars: int, default_table: str | None, max_rows: int = MAX_ROWS
) -> ImportResult:
    """One statement per non-empty line; line numbers as an editor shows them."""
    rows: list[ImportRow] = []
    errors: list[RowError] = []
    # Not str.splitlines(): it also splits at form feeds and Unicode separators, which
    # would make our line numbers disagree with the user's editor.
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if not line.strip():
            continue
        try:
            text = clean_statement(line, max_chars)
            rows.append(ImportRow(number, text, default_table, None, None))
        except InvalidInput as exc:
            errors.append(RowError(number, str(exc), exc.code))
        if len(rows) + len(errors) > max_rows:
            raise _too_many_rows(max_rows)
    if not rows and not errors:
        raise EmptyFile("The file is empty. Choose a file with at least one statement.")
    return ImportResult(tuple(rows), tuple(errors), "text", encoding, None)


_DELIMITERS = (",", ";", "\t")
_SNIFF_CHARS = 32768


def _records(text: str, delimiter: str) -> Iterator[tuple[list[str] | None, str | None]]:
    """CSV records as (cells, None), or (None, problem) for a record the reader refused.

    One record per spreadsheet row, so counting them gives the row number a spreadsheet
    shows even when a quoted text spans several lines.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    while True:
        try:
            yield next(reader), None
        except StopIteration:
            return
        except csv.Error as exc:
            # The reader refuses fields over its size limit (far beyond any statement) and
            # carries on with the next record, so this costs one row, not the file.
            yield None, str(exc)


def _score(text: str, delimiter: str) -> tuple[int, bool, float, int]:
    """How well ``delimiter`` reads the first records (higher is better).

    Recognised column names count most, then a header split into several columns that
    the rows below agree with, then how consistent the row widths are.
    """
    header: list[str] | None = None
    widths: list[int] = []
    for cells, _problem in _records(text, delimiter):
        if not cells or not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = cells
        widths.append(len(cells))
        if len(widths) >= 50:
            break
    if header is None:
        return (0, False, 0.0, 0)
    same = sum(1 for width in widths if width == len(header)) / len(widths)
    recognised = len(map_columns([cell.strip() for cell in header]))
    return (recognised, len(header) > 1 and same >= 0.9, same, len(header))


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: ``csv.Sniffer`` checked against counting, counting wins."""
    sample = text[:_SNIFF_CHARS]
    cut = max(sample.rfind("\n"), sample.rfind("\r"))
    if 0 < cut < len(sample) - 1:
        sample = sample[:cut]  # a record cut in half would mislead both methods
    scores = {delimiter: _score(sample, delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: scores[delimiter])
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        return best
    # The sniffer is easily misled by commas inside texts: it only breaks ties.
    if sniffed in scores and scores[sniffed] >= scores[best]:
        return sniffed
    return best


def _parse_csv(
    text: str, encoding: str, max_chars: int, default_table: str | None, *, tab: bool = False,
    max_rows: int = MAX_ROWS,
) -> ImportResult:
    line_offset = 0
    # Excel understands (and writes) a first line "sep=;" naming the delimiter.
    directive = re.match(r"sep=(.)\r?\n", text)
    if directive and directive.group(1) in _DELIMITERS:
        delimiter = directive.group(1)
        text = text[directive.end() :]
    elif tab:
        delimiter = "\t"
    else:
        delimiter = _sniff_delimiter(text)

    records = _records(text, delimiter)
    header: list[str] | None = None
    header_cells: list[str] = []
    for cells, _problem in records:
        line_offset += 1
        if cells and any(cell.strip() for cell in cells):
            header_cells, header = cells, [cell.strip() for cell in cells]
            break
    if header is None:
        raise EmptyFile("The file is empty. Choose a file with at least one statement.")

    columns = map_columns(header)
    first_data_line = line_offset + 1
    width: int | None = len(header)
    if "text" not in columns:
        if len(header) > 1:
            raise _no_text_column(header)
        # One column without a recognisable name: it is the text, and its first cell a
        # statement rather than a header (losing a statement is worse than one extra).
        columns, width, first_data_line = {"text": 0}, None, line_offset
        header_row: list[tuple[list[str] | None, str | None]] = [(header_cells, None)]
        # The delimiter split no header, so where it splits a later line it is just text.
        records = (
            (None if row is None else [delimiter.join(row)], problem)
            for row, problem in _chain(header_row, records)
        )
        header = []

    rows: list[ImportRow] = []
    errors: list[RowError] = []
    for line, (cells, problem) in enumerate(records, start=first_data_line):
        if cells is None:
            errors.append(
                RowError(
                    line,
                    f"The row cannot be read ({problem}); the text is far too long, perhaps "
                    "because of a missing closing quote.",
                    "unreadable_row",
                )
            )
            continue
        result = _row_from_cells(line, cells, columns, width, max_chars, default_table)
        if isinstance(result, ImportRow):
            rows.append(result)
        elif isinstance(result, RowError):
            errors.append(result)
        if len(rows) + len(errors) > max_rows:
            raise _too_many_rows(max_rows)
    if not rows and not errors:
        raise EmptyFile(
            "The file has a header row but no statements below it.", columns=tuple(header)
        )
    return ImportResult(tuple(rows), tuple(errors), "csv", encoding, delimiter, tuple(header))


def _chain(first: Iterable[Any], rest: Iterable[Any]) -> Iterator[Any]:
    yield from first
    yield from rest


def _no_text_column(header: Sequence[str]) -> NoTextColumn:
    found = ", ".join(repr(cell) for cell in header if cell) or "(none)"
    return NoTextColumn(
        f"No column holds the statements. Columns found: {found}. Name the text column one of: "
        f"{ACCEPTED_COLUMNS['text']} (the others may be {ACCEPTED_COLUMNS['table']}; "
        f"{ACCEPTED_COLUMNS['kind']}; {ACCEPTED_COLUMNS['author']}).",
        columns=tuple(header),
        accepted=ACCEPTED_COLUMNS["text"],
    )


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a workbook whose parts unpack to more than ``MAX_UNPACKED_BYTES``.

    The sizes are the ones the archive declares; Python's zipfile never inflates a part
    beyond its declared size, so a lying archive gets cut off, not out of bounds.
    """
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a readable ZIP: openpyxl reports it as a damaged workbook
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookTooLarge(
            f"The workbook unpacks to {_megabytes(unpacked)}; at most "
            f"{_megabytes(MAX_UNPACKED_BYTES)} are allowed. Save the statements as CSV or split "
            "the workbook into smaller files.",
            size=unpacked,
            limit=MAX_UNPACKED_BYTES,
        )


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """The first sheet's rows as (line, cells), streamed: at most ``MAX_COLUMNS`` cells
    each, whatever size the sheet declares, and never more than one row in memory."""
    import openpyxl  # deferred: only imports of workbooks pay for loading it

    _check_unpacked_size(data)
    try:
        # data_only=False: a formula such as =HYPERLINK(...) comes back as typed, text to us
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except Exception as exc:
        raise _unreadable_workbook(exc) from None
    try:
        sheet = workbook.worksheets[0]
        # Read-only mode trusts the size the writing program recorded; some record none
        # or a wrong one (which would cut rows off, or pad every row to it): ignore it
        # and bound the width ourselves.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        number = 0
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:
                raise _unreadable_workbook(exc) from None
            number += 1
            yield number, [_cell_text(value) for value in values]
    except IndexError as exc:  # a workbook without a sheet
        raise _unreadable_workbook(exc) from None
    finally:
        workbook.close()


def _unreadable_workbook(exc: Exception) -> UnsupportedFile:
    # openpyxl raises a zoo of exceptions (BadZipFile, KeyError, XML errors...) on a
    # damaged or foreign ZIP file; to the user they all mean the same thing.
    return UnsupportedFile(
        "This file cannot be read as an Excel workbook (.xlsx); it may be damaged or another "
        f"kind of ZIP archive. Accepted are {ACCEPTED_FORMATS}.",
        accepted=ACCEPTED_FORMATS,
        detail=type(exc).__name__,
    )


def _parse_xlsx(
    data: bytes, max_chars: int, default_table: str | None, max_rows: int = MAX_ROWS
) -> ImportResult:
    """The first sheet of a workbook; a formula cell counts as the text it was typed as."""
    table = _xlsx_rows(data)
    first = next(((line, cells) for line, cells in table if any(c.strip() for c in cells)), None)
    if first is None:
        raise EmptyFile("The workbook's first sheet is empty.")
    _, header_cells = first
    # Trailing empty header cells are formatting, not columns.
    while header_cells and not header_cells[-1].strip():
        header_cells = header_cells[:-1]
    header = [cell.strip() for cell in header_cells]
    columns = map_columns(header)
    body: Iterable[tuple[int, list[str]]] = table
    if "text" not in columns:
        if len(header) > 1:
            raise _no_text_column(header)
        columns, header = {"text": 0}, []
        body = _chain([first], table)

    rows: list[ImportRow] = []
    errors: list[RowError] = []
    for line, cells in body:
        # Cells right of the header's last column are notes beside the table, not data.
        result = _row_from_cells(
            line, cells[: max(len(header), 1)], columns, None, max_chars, default_table
        )
        if isinstance(result, ImportRow):
            rows.append(result)
        elif isinstance(result, RowError):
            errors.append(result)
        else:
            continue
        if len(rows) + len(errors) > max_rows:
            raise _too_many_rows(max_rows)
    if not rows and not errors:
        raise EmptyFile(
            "The sheet has a header row but no statements below it.", columns=tuple(header)
        )
    return ImportResult(tuple(rows), tuple(errors), "xlsx", "xlsx", None, tuple(header))


# --- into the store -----------------------------------------------------------------


class WorkshopTaken(InvalidInput):
    """An import meant for a new workshop names one that is already there."""

    code = "workshop_taken"


@dataclass(frozen=True)
class Imported:
    """What an import added: where, the new statements' ids, and whether it made the
    workshop."""

    workshop: Workshop
    statement_ids: tuple[int, ...]
    created: bool


def import_into(
    store: Store,
    rows: Sequence[ImportRow],
    workshop: Workshop | str,
    *,
    new_only: bool = False,
) -> Imported:
    """Add the good rows of a file to a workshop, all or nothing (``origin`` "imported").

    ``workshop``: the workshop itself, or a name: the workshop it names, created with it
    as title if there is none, looked up and created atomically (two imports naming the
    same new workshop get one). ``new_only``: the name must be new; if it names a
    workshop already there, ``WorkshopTaken`` is raised and nothing is added.

    >>> from harvest.store import Store
    >>> store = Store("sqlite://")
    >>> row = ImportRow(2, "Mehr Abendkurse", "Sprache", None, None)
    >>> done = import_into(store, [row], "Werkstatt")
    >>> done.workshop.slug, len(done.statement_ids), done.created
    ('werkstatt', 1, True)
    >>> import_into(store, [row], "Werkstatt", new_only=True)
    Traceback (most recent call last):
    harvest.imports.WorkshopTaken: a workshop named 'Werkstatt' is already there
    """
    from harvest.store import NewStatement

    created = False
    if not isinstance(workshop, Workshop):
        name = workshop
        workshop, created = store.find_or_create_workshop(name)
        if new_only and not created:
            raise WorkshopTaken(f"a workshop named {name!r} is already there", name=name)
    ids = store.add_statements(
        workshop.id,
        [NewStatement(row.text, row.table, row.kind, row.author) for row in rows],
        origin="imported",
    )
    return Imported(workshop, tuple(ids), created)
