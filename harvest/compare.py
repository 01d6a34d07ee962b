"""Compare and trace the workshops of a process: who raised which theme, where they agree.

Pure functions over a process board (``board.compute_board`` of a process, see
``harvest.model.Process``): a workshop x theme grid with counts and shares, the themes
only one workshop raised, the demands several workshops share, each workshop's own themes
mapped to the process theme they fall into, and the trace from a process theme or demand
back to its statements, workshops and tables. Nothing here reads the store.

>>> raised((84, 9, 9), (120, 120, 120))  # mobility: Stendal's topic, an echo elsewhere
(True, False, False)
>>> raised((24, 20, 12), (120, 120, 120))  # climate policy: everyone's
(True, True, True)
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from harvest.board import Board, theme_counts
from harvest.exports import neutralise_cell
from harvest.i18n import theme_name, translate
from harvest.model import Statement, StatementId, Theme, Workshop
from harvest.safety import escape_markdown

__all__ = [
    "ECHO",
    "MIN_COUNT",
    "MIN_SHARE",
    "Comparison",
    "GridRow",
    "SharedDemand",
    "ThemeMapping",
    "Trace",
    "compare",
    "grid_csv",
    "map_workshop_themes",
    "raised",
    "report_html",
    "report_markdown",
    "trace",
]

MIN_COUNT = 2
"""A workshop raised a theme when at least this many of its statements are in it, ..."""
MIN_SHARE = 0.03
"""... they are at least this share of all its statements (one stray sentence in a
workshop of 300 is not "raised there") ..."""
ECHO = 0.25
"""... and that share is at least this part of the share of the workshop that talked about
it most: a region that mentions mobility at a tenth of the rate of the one where it was
the main topic only echoes it."""


def raised(counts: Sequence[int], totals: Sequence[int]) -> tuple[bool, ...]:
    """Per workshop: did it raise the theme with these ``counts`` (see ``MIN_COUNT``,
    ``MIN_SHARE`` and ``ECHO``), given each workshop's ``totals``?"""
    shares = [c / t if t else 0.0 for c, t in zip(counts, totals, strict=True)]
    top = max(shares, default=0.0)
    return tuple(
        count >= MIN_COUNT and share >= MIN_SHARE and share >= ECHO * top
        for count, share in zip(counts, shares, strict=True)
    )


@dataclass(frozen=True)
class GridRow:
    """One process theme across the workshops."""

    theme: Theme
    label: str
    counts: tuple[int, ...]
    """statements per workshop, in ``Comparison.workshops`` order"""
    shares: tuple[float, ...]
    """each count as a share of that workshop's statements (0..1)"""
    raised: tuple[bool, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class SharedDemand:
    """One demand raised in several workshops: its near-copies and look-alikes."""

    theme_id: str
    text: str
    """the shortest wording, as the representative"""
    statement_ids: tuple[StatementId, ...]
    workshop_ids: tuple[int, ...]


@dataclass(frozen=True)
class Comparison:
    """The grid and what it says, computed once per process board revision."""

    workshops: tuple[Workshop, ...]
    totals: tuple[int, ...]
    """visible statements per workshop"""
    rows: tuple[GridRow, ...]
    """themes, largest first, "other" last"""
    shared_demands: tuple[SharedDemand, ...]

    def common(self) -> list[GridRow]:
        """Themes every workshop raised (only with two or more workshops)."""
        if len(self.workshops) < 2:
            return []
        return [r for r in self.rows if all(r.raised) and not r.theme.is_other]

    def unique(self) -> list[tuple[GridRow, Workshop]]:
        """Themes exactly one workshop raised, with that workshop."""
        if len(self.workshops) < 2:
            return []
        found = []
        for row in self.rows:
            if sum(row.raised) == 1 and not row.theme.is_other:
                found.append((row, self.workshops[row.raised.index(True)]))
        return found


def _labels(board: Board) -> dict[str, str]:
    return {t.id: theme_name(t.label, t.is_other_theme, board.language)
            for t in board.clustering.themes}


def compare(board: Board) -> Comparison:
    """The workshop x theme grid of a process board, and its shared demands."""
    workshops = board.members
    index = {w.id: i for i, w in enumerate(workshops)}
    workshop_of = {s.id: s.workshop_id for s in board.statements}
    totals = [0] * len(workshops)
    for statement in board.statements:
        if statement.workshop_id in index:
            totals[index[statement.workshop_id]] += 1
    labels = _labels(board)
    rows = []
    for theme, _count in theme_counts(board):
        counts = [0] * len(workshops)
        for sid in theme.statement_ids:
            where = index.get(workshop_of.get(sid, -1))
            if where is not None:
                counts[where] += 1
        if not any(counts):
            continue
        shares = tuple(c / t if t else 0.0 for c, t in zip(counts, totals, strict=True))
        rows.append(GridRow(theme, labels[theme.id], tuple(counts), shares,
                            raised(counts, totals)))
    return Comparison(
        tuple(workshops), tuple(totals), tuple(rows), _shared_demands(board, index, workshop_of)
    )


def _shared_demands(
    board: Board, index: Mapping[int, int], workshop_of: Mapping[int, int]
) -> tuple[SharedDemand, ...]:
    """Demands said in two or more workshops: near-copies by meaning (the engine's
    ``copies``), or demands of one theme that share their two leading keywords."""
    texts = {s.id: s.text for s in board.statements}
    demands = sorted(
        (a for a in board.clustering.assignments.values()
         if a.is_demand and a.statement_id in texts and workshop_of.get(a.statement_id) in index),
        key=lambda a: a.statement_id,
    )
    parent: dict[int, int] = {a.statement_id: a.statement_id for a in demands}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_key: dict[tuple[str, frozenset[str]], int] = {}
    for a in demands:
        copy = board.clustering.copies.get(a.statement_id)
        if copy is not None and copy in parent:
            join(a.statement_id, copy)
        if len(a.keywords) >= 2:
            key = (a.theme_id, frozenset(a.keywords[:2]))
            join(a.statement_id, by_key.setdefault(key, a.statement_id))
    groups: dict[int, list[int]] = {}
    for a in demands:
        groups.setdefault(root(a.statement_id), []).append(a.statement_id)
    theme_of = {a.statement_id: a.theme_id for a in demands}
    shared = []
    for ids in groups.values():
        places = sorted({workshop_of[i] for i in ids}, key=lambda w: index[w])
        if len(places) < 2:
            continue
        text = min((texts[i] for i in ids), key=lambda t: (len(t), t))
        shared.append(SharedDemand(theme_of[ids[0]], " ".join(text.split()), tuple(ids),
                                   tuple(places)))
    shared.sort(key=lambda d: (-len(d.workshop_ids), -len(d.statement_ids), d.statement_ids[0]))
    return tuple(shared)


def grid_csv(comparison: Comparison) -> bytes:
    """The grid as CSV (UTF-8 with BOM, CRLF): ``theme_id,theme_label``, one count column
    per workshop slug, ``total``; labels neutralised against spreadsheet formulas."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["theme_id", "theme_label", *(w.slug for w in comparison.workshops), "total"])
    for row in comparison.rows:
        writer.writerow([row.theme.id, neutralise_cell(row.label), *row.counts, row.total])
    return buffer.getvalue().encode("utf-8-sig")


@dataclass(frozen=True)
class ThemeMapping:
    """One workshop theme and the process theme it falls into."""

    workshop_id: int
    theme: Theme
    process_theme_id: str | None
    agreement: float
    """share of the workshop theme's statements that are in that process theme"""
    shared_keywords: tuple[str, ...]


def map_workshop_themes(
    board: Board, workshop_themes: Mapping[int, Sequence[Theme]]
) -> list[ThemeMapping]:
    """Each workshop's own themes (as its board shows them) -> the process theme most of
    its statements are in, ties broken by shared keywords. Statements were grouped on the
    process board by meaning and keywords, so the majority carries both; the keywords
    both themes share are given as the reason people can check."""
    assigned = {sid: a.theme_id for sid, a in board.clustering.assignments.items()}
    words = {t.id: [k for k, _ in t.keywords[:10]] for t in board.clustering.themes}
    result = []
    for workshop in board.members:
        for theme in workshop_themes.get(workshop.id, ()):
            votes = Counter(assigned[s] for s in theme.statement_ids if s in assigned)
            own = [k for k, _ in theme.keywords[:10]]
            if not votes:
                result.append(ThemeMapping(workshop.id, theme, None, 0.0, ()))
                continue
            best, count = max(
                votes.items(),
                key=lambda kv: (kv[1], len(set(own) & set(words.get(kv[0], ()))), kv[0]),
            )
            shared = tuple(k for k in own if k in set(words.get(best, ())))
            result.append(ThemeMapping(workshop.id, theme, best, count / sum(votes.values()),
                                       shared))
    return result


@dataclass(frozen=True)
class Trace:
    """Where a process theme or demand came from."""

    statements: tuple[Statement, ...]
    by_workshop: tuple[tuple[Workshop, int], ...]
    by_table: tuple[tuple[Workshop, str, int], ...]
    """(workshop, table name or "", count), largest first"""


def trace(
    board: Board, *, theme_id: str | None = None, statement_ids: Sequence[StatementId] = ()
) -> Trace:
    """The statements of a process theme (or of the given demand statements, e.g. a
    ``SharedDemand``'s), with their workshops and tables, counted."""
    wanted: set[int] = set(statement_ids)
    if theme_id is not None:
        theme = board.clustering.theme(theme_id)
        wanted.update(theme.statement_ids if theme else ())
    statements = tuple(s for s in board.statements if s.id in wanted)
    workshops = {w.id: w for w in board.members}
    per_workshop = Counter(s.workshop_id for s in statements)
    per_table = Counter((s.workshop_id, s.table_name or "") for s in statements)
    order = {w.id: i for i, w in enumerate(board.members)}
    return Trace(
        statements,
        tuple((workshops[w], n) for w, n in sorted(per_workshop.items(),
                                                   key=lambda i: order.get(i[0], 0))
              if w in workshops),
        tuple((workshops[w], table, n) for (w, table), n in
              sorted(per_table.items(), key=lambda i: (-i[1], order.get(i[0][0], 0), i[0][1]))
              if w in workshops),
    )


# --- the process report: what all said, where they agree, what only one raised --------


def _report_parts(board: Board, comparison: Comparison) -> list[tuple[str, list[str]]]:
    """Sections (heading, plain-text lines) of the report, in the board's language."""
    lang = board.language
    names = {w.id: w.title for w in comparison.workshops}

    def t(key: str, **params: object) -> str:
        return translate(key, lang, **params)

    total = sum(comparison.totals)
    parts: list[tuple[str, list[str]]] = []
    parts.append((t("process.report.workshops"), [
        t("process.report.workshop_line", title=w.title, statements=n)
        for w, n in zip(comparison.workshops, comparison.totals, strict=True)
    ] or [t("process.empty")]))
    parts.append((t("process.report.all_said"), [
        t("process.report.theme_line", label=r.label, statements=r.total,
          share=round(100 * r.total / total) if total else 0)
        for r in comparison.common()
    ] or [t("process.report.none")]))
    parts.append((t("process.report.agree"), [
        t("process.report.demand_line", text=d.text,
          workshops=", ".join(names[w] for w in d.workshop_ids))
        for d in comparison.shared_demands[:15]
    ] or [t("process.report.none")]))
    parts.append((t("process.report.only_one"), [
        t("process.report.unique_line", label=r.label, workshop=w.title, statements=r.total)
        for r, w in comparison.unique()
    ] or [t("process.report.none")]))
    parts.append((t("process.report.grid"), [
        f"{r.label}: " + ", ".join(f"{w.title} {c}" for w, c in
                                  zip(comparison.workshops, r.counts, strict=True))
        for r in comparison.rows
    ]))
    return parts


def report_markdown(board: Board, comparison: Comparison) -> str:
    """The process report as Markdown (user text escaped)."""
    lines = [f"# {escape_markdown(board.workshop.title)}", ""]
    for heading, items in _report_parts(board, comparison):
        lines += [f"## {escape_markdown(heading)}", ""]
        lines += [f"- {escape_markdown(item)}" for item in items]
        lines.append("")
    return "\n".join(lines)


def report_html(board: Board, comparison: Comparison) -> str:
    """The process report as one printable, offline HTML page (user text escaped)."""
    body = [f"<h1>{html.escape(board.workshop.title)}</h1>"]
    for heading, items in _report_parts(board, comparison):
        body.append(f"<h2>{html.escape(heading)}</h2><ul>")
        body += [f"<li>{html.escape(item)}</li>" for item in items]
        body.append("</ul>")
    return (
        f'<!doctype html><html lang="{html.escape(board.language)}"><head><meta charset="utf-8">'
        f"<title>{html.escape(board.workshop.title)}</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "font-size:1.1rem;line-height:1.5}h2{margin-top:2rem}</style></head><body>"
        + "".join(body) + "</body></html>"
    )
