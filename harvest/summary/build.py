"""The summary's data: ``build_summary`` reads a workshop, its ``Clustering`` and its
visible statements and returns a ``Summary`` (plain frozen data) for the renderers
(``markdown``, ``html``, ``pdf``).

Statement texts, theme labels, table names, titles and reasons are user input: every
renderer treats them as text only (escaped for Markdown and HTML, plain cells in the PDF),
so a statement like ``<script>alert(1)</script>`` shows as exactly that.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from difflib import SequenceMatcher

from harvest.conceptmap import assign_theme_colors
from harvest.conceptmap.style import OTHER_COLOR
from harvest.engine.text import strip_markup
from harvest.i18n import LANGUAGES, reason_text, translate
from harvest.model import (
    OTHER_THEME_ID,
    Assignment,
    Clustering,
    Statement,
    StatementId,
    Table,
    Theme,
    Workshop,
)

MAX_KEYWORDS = 8
"""Keywords shown per theme."""

NEAR_DUPLICATE = 0.85
"""Similarity (0..1) from which two statements count as saying the same thing."""


class SummaryError(ValueError):
    """The summary cannot be built from these arguments."""


@dataclass(frozen=True)
class ThemeSummary:
    """One theme as the closing summary shows it."""

    theme_id: str
    label: str
    size: int
    """number of (visible) statements whose primary theme this is"""
    share: float
    """size as a fraction of all statements in the summary (0..1)"""
    tables: tuple[tuple[str, int], ...]
    """(table name, statements) most first; statements without a table are not counted"""
    keywords: tuple[str, ...]
    """the theme's top keywords, best first (at most ``MAX_KEYWORDS``)"""
    representatives: tuple[str, ...]
    """texts of the statements that best cover the keywords (demands are listed apart)"""
    demands: tuple[tuple[str, str], ...]
    """(text, reason) of every demand in this theme, in the order they were written (most
    dots first when the summary was built with ``votes``)"""
    is_other: bool = False
    color: str = OTHER_COLOR
    """the theme's colour (``#RRGGBB``), the same as on the concept map when passed in"""
    demand_votes: tuple[int | None, ...] = ()
    """dots of each demand (same order), None for one not voted on; () without a vote"""


@dataclass(frozen=True)
class Summary:
    """The closing summary of a workshop: figures and themes, largest first."""

    title: str
    date: date | None
    place: str
    language: str
    generated_at: datetime
    total_statements: int
    total_demands: int
    table_count: int
    themes: tuple[ThemeSummary, ...]
    """largest first, the "other" theme last"""


# --- building -----------------------------------------------------------------------


def build_summary(
    workshop: Workshop,
    clustering: Clustering,
    statements: Sequence[Statement],
    *,
    language: str | None = None,
    max_representatives: int = 3,
    now: datetime | None = None,
    tables: Sequence[Table] | None = None,
    colors: Mapping[str, str] | None = None,
    reasons: bool = True,
    votes: Mapping[StatementId, int] | None = None,
    sources: Collection[int] = (),
) -> Summary:
    """Summarise a workshop's themes from one clustering and its visible statements.

    Every visible statement is counted once, in its primary theme (``Theme.statement_ids``
    first, else its ``Assignment``); statements no theme claims go to the "other" theme.
    Hidden statements are skipped even if passed in. ``tables`` names the statements'
    tables when ``Statement.table_name`` is empty and, when given, sets the table count
    (otherwise it is the number of distinct tables with statements). ``colors`` maps
    theme id -> colour, e.g. the concept map's, so the summary matches the board.
    ``sources``: the workshops a process's statements come from (``board.members``).
    ``now`` (default: the server's local time) is shown as the time of writing; apart
    from it nothing is read from outside the arguments. ``reasons=False`` leaves out why
    the engine took a statement for a demand (for the moderator's screen, not for print).
    ``votes`` (statement id -> dots, ``participation_store.demand_votes``) lists each
    theme's demands by dots, most first, and shows them.
    """
    lang = _language(workshop, language)
    if max_representatives < 0:
        raise SummaryError(f"max_representatives must be >= 0, not {max_representatives}")
    visible = _visible(workshop, statements, sources)
    members = _members(clustering.themes, clustering.assignments, visible)
    themes = _with_other(clustering.themes, members, lang)
    context = _Context(
        language=lang,
        assignments=clustering.assignments,
        max_representatives=max_representatives,
        votes=votes,
        table_names={table.id: table.name for table in tables or ()},
        palette={**assign_theme_colors([theme.id for theme in themes]), **(colors or {})},
        total=len(visible),
    )
    summaries = _theme_summaries(themes, members, visible, context)
    summary = Summary(
        title=workshop.title,
        date=workshop.date,
        place=workshop.place,
        language=lang,
        generated_at=now if now is not None else datetime.now(UTC).astimezone(),
        total_statements=len(visible),
        total_demands=sum(len(t.demands) for t in summaries),
        table_count=_table_count(visible.values(), tables),
        themes=summaries,
    )
    return summary if reasons else without_reasons(summary)


@dataclass(frozen=True)
class _Context:
    """What every theme of one summary is built with."""

    language: str
    assignments: Mapping[StatementId, Assignment]
    max_representatives: int
    votes: Mapping[StatementId, int] | None
    table_names: Mapping[int, str]
    """table id -> name, for statements without ``table_name``"""
    palette: Mapping[str, str]
    """theme id -> colour"""
    total: int
    """visible statements in the summary"""


@dataclass(frozen=True)
class _Demands:
    """A theme's statements split into demands (with reasons and dots) and voices."""

    demands: tuple[tuple[str, str], ...]
    dots: tuple[int | None, ...]
    voices: tuple[Statement, ...]


def _language(workshop: Workshop, language: str | None) -> str:
    """The summary's language: ``language``, else the workshop's; one with texts."""
    lang = language or workshop.language
    if lang not in LANGUAGES:
        raise SummaryError(f"no summary texts for language {lang!r} (have: {sorted(LANGUAGES)})")
    return lang


def _visible(
    workshop: Workshop, statements: Sequence[Statement], sources: Collection[int]
) -> dict[StatementId, Statement]:
    """The statements not hidden, by id (the first of each id), in the order given; one
    from a workshop other than ``workshop`` and ``sources`` raises ``SummaryError``."""
    visible: dict[StatementId, Statement] = {}
    for statement in statements:
        if statement.hidden or statement.id in visible:
            continue
        if statement.workshop_id != workshop.id and statement.workshop_id not in sources:
            raise SummaryError(
                f"statement {statement.id} belongs to workshop {statement.workshop_id}, "
                f"not to {workshop.id}"
            )
        visible[statement.id] = statement
    return visible


def _with_other(
    themes: Sequence[Theme], members: Mapping[str, set[StatementId]], lang: str
) -> list[Theme]:
    """``themes``, and an "other" theme after them when unclaimed statements need one."""
    if members.get(OTHER_THEME_ID) and all(t.id != OTHER_THEME_ID for t in themes):
        other = Theme(OTHER_THEME_ID, translate("theme.other", lang), (), (), is_other=True,
                      origin="user")
        return [*themes, other]
    return list(themes)


def _theme_summaries(
    themes: Sequence[Theme],
    members: Mapping[str, set[StatementId]],
    visible: Mapping[StatementId, Statement],
    context: _Context,
) -> tuple[ThemeSummary, ...]:
    """Every theme with statements, largest first, the "other" theme last."""
    summaries = [
        _theme_summary(theme, [visible[sid] for sid in sorted(members[theme.id])], context)
        for theme in themes
        if members.get(theme.id)
    ]
    summaries.sort(key=lambda t: (t.is_other, -t.size, t.label.casefold(), t.theme_id))
    return tuple(summaries)


def _theme_summary(theme: Theme, mine: Sequence[Statement], context: _Context) -> ThemeSummary:
    """One theme with its (visible, non-empty) statements ``mine``, in id order."""
    split = _split_demands(mine, context)
    counts = Counter(name for s in mine if (name := _table_name(s, context.table_names)))
    keywords = tuple(word for word, _ in theme.keywords[:MAX_KEYWORDS])
    return ThemeSummary(
        theme_id=theme.id,
        label=_label(theme, keywords, context.language),
        size=len(mine),
        share=len(mine) / context.total,
        tables=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))),
        keywords=keywords,
        representatives=_representatives(
            split.voices, theme, context.assignments, context.max_representatives
        ),
        demands=split.demands,
        demand_votes=split.dots,
        is_other=theme.is_other,
        color=OTHER_COLOR if theme.is_other else context.palette.get(theme.id, OTHER_COLOR),
    )


def without_reasons(summary: Summary) -> Summary:
    """``summary`` with every demand's reason left out (what paper and files get), without
    building it again; ``build_summary(..., reasons=False)`` ends with this."""
    return dataclasses.replace(summary, themes=tuple(
        dataclasses.replace(theme, demands=tuple((text, "") for text, _ in theme.demands))
        for theme in summary.themes
    ))


def _split_demands(mine: Sequence[Statement], context: _Context) -> _Demands:
    """Demands in the order written (most dots first with votes), the rest as voices."""
    demands: list[tuple[str, str]] = []
    demand_ids: list[StatementId] = []
    voices: list[Statement] = []
    for statement in mine:
        assignment = context.assignments.get(statement.id)
        flagged, reason = _demand(statement, assignment, context.language)
        if flagged:
            demands.append((statement.text, reason))
            demand_ids.append(statement.id)
        else:
            voices.append(statement)
    dots: tuple[int | None, ...] = ()
    votes = context.votes
    if votes:
        order = sorted(range(len(demands)), key=lambda i: -votes.get(demand_ids[i], -1))
        demands = [demands[i] for i in order]
        dots = tuple(votes.get(demand_ids[i]) for i in order)
    return _Demands(tuple(demands), dots, tuple(voices))


def _label(theme: Theme, keywords: Sequence[str], lang: str) -> str:
    """The theme's name in the summary; an unnamed theme is still told apart by its words."""
    if _unnamed_other(theme):
        return translate("theme.other", lang)
    return theme.label if theme.label.strip() else ", ".join(keywords[:3]) or theme.id


def _table_count(visible: Iterable[Statement], tables: Sequence[Table] | None) -> int:
    """The tables given, else the distinct tables the statements were written at."""
    if tables is not None:
        return len({table.id for table in tables})
    seen = {s.table_id if s.table_id is not None else s.table_name for s in visible}
    return len(seen - {None, ""})


def _table_name(statement: Statement, names: Mapping[int, str]) -> str | None:
    if statement.table_name:
        return statement.table_name
    return names.get(statement.table_id) if statement.table_id is not None else None


def _members(
    themes: Sequence[Theme],
    assignments: Mapping[StatementId, Assignment],
    visible: Mapping[StatementId, Statement],
) -> dict[str, set[StatementId]]:
    # One home per statement, so sizes add up to the total and shares to 1.
    home: dict[StatementId, str] = {}
    for theme in themes:
        for sid in theme.statement_ids:
            if sid in visible:
                home.setdefault(sid, theme.id)
    known = {theme.id for theme in themes}
    other = next((theme.id for theme in themes if theme.is_other), OTHER_THEME_ID)
    for sid in visible:
        if sid not in home:
            assignment = assignments.get(sid)
            home[sid] = (
                assignment.theme_id if assignment and assignment.theme_id in known else other
            )
    members: dict[str, set[StatementId]] = {}
    for sid, theme_id in home.items():
        members.setdefault(theme_id, set()).add(sid)
    return members


def _unnamed_other(theme: Theme) -> bool:
    """The "other" bucket under its default name (in any language): it is then named in
    the summary's language, as on the screen ("Other" on an English page)."""
    defaults = {translate("theme.other", lang) for lang in LANGUAGES}
    return theme.is_other and theme.label.strip() in (defaults | {""})

def _demand(statement: Statement, assignment: Assignment | None, lang: str) -> tuple[bool, str]:
    # The engine's verdict already includes the moderator's marks; without one, the
    # facilitator's kind is all we know. The reason in the summary's language.
    if assignment is not None:
        return assignment.is_demand, reason_text(assignment, lang)
    return statement.kind == "demand", ""


def _representatives(
    candidates: Sequence[Statement],
    theme: Theme,
    assignments: Mapping[StatementId, Assignment],
    limit: int,
) -> tuple[str, ...]:
    """Greedy keyword cover: each pick adds the most weight of keywords not yet shown.

    Ties go to the statement with more keyword weight overall, then to the lower id;
    near-duplicates of a pick are never picked.
    """
    weights = dict(theme.keywords)
    words: dict[StatementId, tuple[str, ...]] = {}
    for statement in candidates:
        assignment = assignments.get(statement.id)
        found = assignment.keywords if assignment else ()
        words[statement.id] = tuple(sorted({w for w in found if w in weights}))

    def weight(sid: StatementId, skip: set[str]) -> float:
        return sum(weights[w] for w in words[sid] if w not in skip)

    normal = {s.id: comparable(s.text) for s in candidates}
    chosen: list[Statement] = []
    covered: set[str] = set()
    pool = [s for s in candidates if normal[s.id]]
    while pool and len(chosen) < limit:
        pool.sort(key=lambda s: (-weight(s.id, covered), -weight(s.id, set()), s.id))
        position = next(
            (
                i
                for i, s in enumerate(pool)
                if not any(near_duplicate(normal[s.id], normal[c.id]) for c in chosen)
            ),
            None,
        )
        if position is None:
            break  # everything left repeats a pick
        chosen.append(pool[position])
        covered.update(words[pool[position].id])
        pool = pool[position + 1 :]  # those before it repeat a pick, now and later
    return tuple(s.text for s in chosen)


def comparable(text: str) -> str:
    """``text`` folded for comparing: its words as the engine reads them (no links or
    handles, ``text.strip_markup``), NFKC, case-folded, punctuation gone."""
    text = unicodedata.normalize("NFKC", strip_markup(text)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def near_duplicate(a: str, b: str) -> bool:
    """Whether two ``comparable`` texts say nearly the same (``NEAR_DUPLICATE``)."""
    if a == b:
        return True
    words_a, words_b = set(a.split()), set(b.split())
    if len(words_a & words_b) / len(words_a | words_b) >= NEAR_DUPLICATE:
        return True
    if min(len(a), len(b)) / max(len(a), len(b)) < NEAR_DUPLICATE:
        return False  # too different in length to be a near copy; skip the slow ratio
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= NEAR_DUPLICATE and matcher.ratio() >= NEAR_DUPLICATE


def summary_filename(workshop: Workshop, fmt: str) -> str:
    """The summary's download name, never the same as the map's or the poster's
    (``board.map_filename``): ``harvest-SLUG-DATE-summary.FMT``."""
    stamp = (workshop.date or workshop.created_at.date()).isoformat()
    return f"harvest-{workshop.slug}-{stamp}-summary.{fmt}"


