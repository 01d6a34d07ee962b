"""Statements -> spreadsheet files (CSV and XLSX) as bytes, safe to open in Excel.

Every text cell that a spreadsheet would run as a formula is neutralised with a leading
quote (OWASP's advice on CSV injection); ``imports.strip_neutraliser`` removes exactly
that quote again, so export -> import gives back the same statements.

>>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralise_cell("Mehr Radwege")
'Mehr Radwege'
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from harvest.i18n import theme_name
from harvest.model import Clustering, Statement, Table, Workshop
from harvest.safety import xml_text

__all__ = [
    "COLUMNS",
    "export_statements_csv",
    "export_statements_xlsx",
    "neutralise_cell",
    "VOTES_COLUMN",
    "sheet_title",
    "statement_themes",
]

COLUMNS: tuple[str, ...] = (
    "id", "table", "kind", "text", "author", "created_at", "hidden", "origin", "theme_id",
    "theme_label",
)
"""The header of every statement export, in this order (the theme columns are empty for a
statement the board does not show, e.g. a hidden one); ``VOTES_COLUMN`` follows when the
workshop has a vote on demands."""
VOTES_COLUMN = "votes"
"""dots a demand got in the latest vote (``participation_store.demand_votes``; empty for
a statement that was not on the ballot)"""

StatementVotes = Mapping[int, int]
"""statement id -> dots"""

StatementThemes = Mapping[int, tuple[str, str]]
"""statement id -> (theme id, theme label), see :func:`statement_themes`"""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet run a cell as a formula."""

# Column widths in Excel's units (about one character each); the text column wraps.
_WIDTHS = {"workshop": 18, "id": 7, "table": 24, "kind": 11, "text": 80, "author": 18,
           "created_at": 20, "hidden": 8, "origin": 10, "theme_id": 10, "theme_label": 36,
           VOTES_COLUMN: 8}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")


def neutralise_cell(value: str) -> str:
    """``value`` with a leading ``'`` if a spreadsheet would otherwise run it as a formula.

    Text that already starts with a quote followed by a trigger gets one more quote, so
    that the import can always remove exactly one and round-trip every text.

    >>> [neutralise_cell(v) for v in ("-5 Grad", "@alle", "'=x", "it's")]
    ["'-5 Grad", "'@alle", "''=x", "it's"]
    """
    if value.startswith(FORMULA_TRIGGERS) or (
        value.startswith("'") and value.lstrip("'").startswith(FORMULA_TRIGGERS)
    ):
        return "'" + value
    return value


def _table_names(statements: Sequence[Statement], tables: Sequence[Table]) -> dict[int, str]:
    names = {table.id: table.name for table in tables}
    for statement in statements:
        if statement.table_id is not None and statement.table_name:
            names.setdefault(statement.table_id, statement.table_name)
    return names


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC without tzinfo (naive times are taken to be UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def statement_themes(
    clustering: Clustering, language: str = "de"
) -> dict[int, tuple[str, str]]:
    """Each assigned statement's theme id and name, as the board shows them in
    ``language`` (people analyse themes in a spreadsheet).

    >>> from harvest.model import Assignment, Theme
    >>> c = Clustering(themes=(Theme("t1", "Sprache", (), (7,)),),
    ...                assignments={7: Assignment(7, "t1", None, False, None, ())})
    >>> statement_themes(c)
    {7: ('t1', 'Sprache')}
    """
    labels = {t.id: theme_name(t.label, t.is_other_theme, language) for t in clustering.themes}
    return {
        sid: (a.theme_id, labels.get(a.theme_id, ""))
        for sid, a in sorted(clustering.assignments.items())
    }


def _header(votes: StatementVotes | None) -> tuple[str, ...]:
    return COLUMNS if votes is None else (*COLUMNS, VOTES_COLUMN)


def _votes_cell(votes: StatementVotes | None, statement_id: int) -> tuple[int | str, ...]:
    if votes is None:
        return ()
    return (votes[statement_id],) if statement_id in votes else ("",)


def _records(
    statements: Sequence[Statement], tables: Sequence[Table], themes: StatementThemes | None
) -> list[tuple[int, str, str, str, str, datetime, bool, str, str, str]]:
    names = _table_names(statements, tables)
    themes = themes or {}
    return [
        (
            statement.id,
            neutralise_cell(
                names.get(statement.table_id, "") if statement.table_id is not None else ""
            ),
            statement.kind or "",
            neutralise_cell(statement.text),
            neutralise_cell(statement.author or ""),
            _utc(statement.created_at),
            statement.hidden,
            statement.origin,
            themes.get(statement.id, ("", ""))[0],
            neutralise_cell(themes.get(statement.id, ("", ""))[1]),
        )
        for statement in statements
    ]


def _rows(
    statements: Sequence[Statement], tables: Sequence[Table], themes: StatementThemes | None,
    workshops: Mapping[int, str] | None, votes: StatementVotes | None = None,
) -> tuple[tuple[str, ...], list[tuple[object, ...]]]:
    """Header and records; with ``workshops`` (id -> slug, a process's export) a
    ``workshop`` column comes first; with ``votes`` a ``votes`` column last."""
    records: list[tuple[object, ...]] = [
        (*record, *_votes_cell(votes, record[0]))
        for record in _records(statements, tables, themes)]
    header = _header(votes)
    if workshops is None:
        return header, records
    return ("workshop", *header), [
        (neutralise_cell(workshops.get(s.workshop_id, "")), *record)
        for s, record in zip(statements, records, strict=True)
    ]


def export_statements_csv(
    workshop: Workshop,
    statements: Sequence[Statement],
    tables: Sequence[Table],
    themes: StatementThemes | None = None,
    workshops: Mapping[int, str] | None = None,
    votes: StatementVotes | None = None,
) -> bytes:
    """All ``statements`` as CSV: UTF-8 with BOM (so Excel shows umlauts), comma, CRLF.

    Header ``id,table,kind,text,author,created_at,hidden,origin,theme_id,theme_label``
    (``workshop,`` first when ``workshops`` maps workshop id -> slug, for a process);
    times are UTC in ISO 8601, ``hidden`` is ``true``/``false``, kinds are the English
    codes (``demand``); ``themes`` (from :func:`statement_themes`) fills the theme columns.
    """
    del workshop  # part of the signature so both exports read the same; CSV has no title
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    header, records = _rows(statements, tables, themes, workshops, votes)
    writer.writerow(header)
    for record in records:
        writer.writerow(
            value.isoformat() + "Z" if isinstance(value, datetime)
            else ("true" if value else "false") if isinstance(value, bool)
            else value
            for value in record
        )
    return buffer.getvalue().encode("utf-8-sig")


def sheet_title(title: str) -> str:
    """``title`` made into a valid Excel sheet name (at most 31 characters, no []:*?/\\).

    Characters Excel forbids become ``-``; an unusable result falls back to "Statements".

    >>> sheet_title("Workshop: Integration [2024] / Magdeburg")
    'Workshop- Integration -2024- -'
    >>> sheet_title("'")
    'Statements'
    """
    name = _SHEET_FORBIDDEN.sub("-", title).strip()
    # Excel refuses a name that starts or ends with an apostrophe, and "History" is reserved.
    # 31 characters as Excel counts them: UTF-16 code units, so an emoji counts twice.
    while len(name.encode("utf-16-le")) > 62:
        name = name[:-1]
    name = name.strip().strip("'").strip()
    if not name or name.casefold() == "history":
        return "Statements"
    return name


def export_statements_xlsx(
    workshop: Workshop,
    statements: Sequence[Statement],
    tables: Sequence[Table],
    themes: StatementThemes | None = None,
    workshops: Mapping[int, str] | None = None,
    votes: StatementVotes | None = None,
) -> bytes:
    """All ``statements`` as an Excel workbook: one sheet named after the workshop.

    Same columns as the CSV; a bold, frozen header row with a filter, the text column
    wide and wrapping, times as real (UTC) date cells, ``hidden`` as TRUE/FALSE.
    """
    from openpyxl import Workbook  # deferred: loading openpyxl costs a CLI start 0.2 s
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new Workbook always has one sheet
    sheet.title = sheet_title(workshop.title)
    header, records = _rows(statements, tables, themes, workshops, votes)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in records:
        sheet.append(
            # openpyxl refuses characters XML cannot hold rather than write a broken file.
            [xml_text(value, "") if isinstance(value, str) else value for value in record]
        )
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    text_column = header.index("text") + 1
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap if cell.column == text_column else top
        row[header.index("created_at")].number_format = "yyyy-mm-dd hh:mm:ss"
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS[name]
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
