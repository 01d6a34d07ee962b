"""The closing summary: per theme its size, tables, keywords, voices and demands.

``build_summary`` reads a workshop, its ``Clustering`` and its visible statements and
returns a ``Summary`` (plain frozen data). Three renderers turn that into files the
moderator can project, print or send round:

    summary_markdown(summary) -> str     Markdown, every user string escaped
    summary_html(summary)     -> str     one self-contained, printable HTML page
    summary_pdf(summary)      -> bytes   A4 PDF with a Unicode font

Statement texts, theme labels, table names, titles and reasons are user input: every
renderer treats them as text only (escaped for Markdown and HTML, plain cells in the PDF),
so a statement like ``<script>alert(1)</script>`` shows as exactly that.
"""

from __future__ import annotations

import html
import io
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from difflib import SequenceMatcher
from pathlib import Path

import matplotlib
from fpdf import FPDF

from harvest.conceptmap import assign_theme_colors
from harvest.conceptmap.style import OTHER_COLOR, css_variables, rgb, summary_colors
from harvest.i18n import LANGUAGES, plural, translate
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
from harvest.safety import escape_html, escape_markdown, one_line, safe_color

MAX_KEYWORDS = 8
"""Keywords shown per theme."""

NEAR_DUPLICATE = 0.85
"""Similarity (0..1) from which two statements count as saying the same thing."""

_WORDS = ("summary", "themes", "overview", "demands", "voices", "keywords", "tables", "reason",
          "demand", "of_all", "empty", "generated", "page", "quote", "percent", "dots")
"""The summary's words, each ``summary.<name>`` in ``harvest.i18n``."""


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
    lang = language or workshop.language
    if lang not in LANGUAGES:
        raise SummaryError(f"no summary texts for language {lang!r} (have: {sorted(LANGUAGES)})")
    if max_representatives < 0:
        raise SummaryError(f"max_representatives must be >= 0, not {max_representatives}")

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

    themes = list(clustering.themes)
    members = _members(themes, clustering.assignments, visible)
    if members.get(OTHER_THEME_ID) and all(t.id != OTHER_THEME_ID for t in themes):
        themes.append(
            Theme(OTHER_THEME_ID, translate("theme.other", lang), (), (), is_other=True,
                  origin="user")
        )

    table_names = {table.id: table.name for table in tables or ()}
    palette = dict(assign_theme_colors([theme.id for theme in themes]))
    palette.update(colors or {})
    total = len(visible)
    summaries: list[ThemeSummary] = []
    for theme in themes:
        mine = [visible[sid] for sid in sorted(members.get(theme.id, ()))]
        if not mine:
            continue
        demands: list[tuple[str, str]] = []
        demand_ids: list[StatementId] = []
        voices: list[Statement] = []
        for statement in mine:
            flagged, reason = _demand(statement, clustering.assignments.get(statement.id))
            if flagged:
                demands.append((statement.text, reason if reasons else ""))
                demand_ids.append(statement.id)
            else:
                voices.append(statement)
        dots: tuple[int | None, ...] = ()
        if votes:
            order = sorted(range(len(demands)), key=lambda i: -votes.get(demand_ids[i], -1))
            demands = [demands[i] for i in order]
            dots = tuple(votes.get(demand_ids[i]) for i in order)
        counts = Counter(name for s in mine if (name := _table_name(s, table_names)))
        keywords = tuple(word for word, _ in theme.keywords[:MAX_KEYWORDS])
        summaries.append(
            ThemeSummary(
                theme_id=theme.id,
                # an unnamed theme is still told apart by its words
                label=translate("theme.other", lang) if _unnamed_other(theme)
                else theme.label if theme.label.strip() else ", ".join(keywords[:3]) or theme.id,
                size=len(mine),
                share=len(mine) / total,
                tables=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))),
                keywords=keywords,
                representatives=_representatives(
                    voices, theme, clustering.assignments, max_representatives
                ),
                demands=tuple(demands),
                demand_votes=dots,
                is_other=theme.is_other,
                color=OTHER_COLOR if theme.is_other else palette.get(theme.id, OTHER_COLOR),
            )
        )
    summaries.sort(key=lambda t: (t.is_other, -t.size, t.label.casefold(), t.theme_id))

    if tables is not None:
        table_count = len({table.id for table in tables})
    else:
        seen = {s.table_id if s.table_id is not None else s.table_name for s in visible.values()}
        table_count = len(seen - {None, ""})
    return Summary(
        title=workshop.title,
        date=workshop.date,
        place=workshop.place,
        language=lang,
        generated_at=now if now is not None else datetime.now(UTC).astimezone(),
        total_statements=total,
        total_demands=sum(len(t.demands) for t in summaries),
        table_count=table_count,
        themes=tuple(summaries),
    )


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


def _dots(theme: ThemeSummary, index: int, words: Mapping[str, str], before: str) -> str:
    """The dots of a voted demand (" · 5 Punkte"), else an empty string."""
    if index >= len(theme.demand_votes) or theme.demand_votes[index] is None:
        return ""
    return before + words["dots"].format(theme.demand_votes[index])


def _demand(statement: Statement, assignment: Assignment | None) -> tuple[bool, str]:
    # The engine's verdict already includes the moderator's marks; without one, the
    # facilitator's kind is all we know.
    if assignment is not None:
        return assignment.is_demand, assignment.demand_reason or ""
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
    """``text`` folded for comparing: NFKC, case-folded, punctuation gone."""
    text = unicodedata.normalize("NFKC", text).casefold()
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


def _words(language: str) -> dict[str, str]:
    words = {name: translate(f"summary.{name}", language) for name in _WORDS}
    words["other"] = translate("theme.other", language)
    return words


_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _format_date(value: date, language: str, with_time: bool = False) -> str:
    """A date (and time) the way people write it: "22.11.2026" / "22 November 2026".

    Built by hand: strftime's month names follow the process locale, which a shared
    server must not change.
    """
    if language == "de":
        text = f"{value.day:02d}.{value.month:02d}.{value.year}"
    else:
        text = f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
    if with_time and isinstance(value, datetime):
        text += f", {value.hour:02d}:{value.minute:02d}"
        if value.tzname():  # "17:30 UTC" is honest where "17:30" would be an hour off
            text += f" {value.tzname()}"
    return text


def _statements(n: int, language: str) -> str:
    return f"{n} {plural('summary.statement_n', n, language)}"


def _percent(share: float, language: str) -> str:
    if 0 < share < 0.005:
        return _words(language)["percent"].format("<1")
    return _words(language)["percent"].format(round(share * 100))


def _headline(summary: Summary) -> str:
    """Date and place, the line under the title."""
    parts = []
    if summary.date is not None:
        parts.append(_format_date(summary.date, summary.language))
    if one_line(summary.place):
        parts.append(one_line(summary.place))
    return " · ".join(parts)


def _figures(summary: Summary) -> list[tuple[int, str]]:
    """(number, noun) pairs for the overview line."""
    counts = [
        (summary.total_statements, "summary.statement_n"),
        (summary.total_demands, "summary.demand_n"),
        (summary.table_count, "summary.table_n"),
        (len(summary.themes), "summary.theme_n"),
    ]
    return [(n, plural(key, n, summary.language)) for n, key in counts]


def _table_list(theme: ThemeSummary) -> str:
    return ", ".join(f"{one_line(name)} ({n})" for name, n in theme.tables)


# --- Markdown ------------------------------------------------------------------------

def summary_markdown(summary: Summary) -> str:
    """The summary as a Markdown document (headings in the summary's language)."""
    words = _words(summary.language)
    lang = summary.language
    out: list[str] = [f"# {escape_markdown(summary.title) or words['summary']}", ""]
    headline = _headline(summary)
    if headline:
        out += [escape_markdown(headline), ""]
    out += [f"## {words['summary']}", ""]
    out += [" · ".join(f"**{n}** {noun}" for n, noun in _figures(summary)), ""]
    out += [f"## {words['themes']}", ""]
    if not summary.themes:
        out += [words["empty"], ""]
    for number, theme in enumerate(summary.themes, start=1):
        out += [f"### {number}\\. {escape_markdown(theme.label)}", ""]
        out += [
            f"**{_statements(theme.size, lang)}** · "
            f"{_percent(theme.share, lang)} {words['of_all']}",
            "",
        ]
        if theme.tables:
            out += [f"**{words['tables']}:** {escape_markdown(_table_list(theme))}", ""]
        if theme.keywords:
            chips = " · ".join(escape_markdown(k) for k in theme.keywords)
            out += [f"**{words['keywords']}:** {chips}", ""]
        if theme.representatives:
            out += [f"#### {words['voices']}", ""]
            for text in theme.representatives:
                out += [f"> {words['quote'].format(escape_markdown(text))}", ""]
        if theme.demands:
            out += [f"#### {words['demands']}", ""]
            for index, (text, reason) in enumerate(theme.demands):
                line = f"- **!** {escape_markdown(text)}{_dots(theme, index, words, ' · ')}"
                if one_line(reason):
                    line += f"\\\n  *{words['reason']}: {escape_markdown(reason)}*"
                out += [line]
            out += [""]
    when = _format_date(summary.generated_at, lang, with_time=True)
    out += ["---", "", f"*{words['generated'].format(when=when)}*", ""]
    return "\n".join(out)


# --- HTML ----------------------------------------------------------------------------

_CSS = """
:root {
  {light}
}
body.dark {
  {dark}
}
* { box-sizing: border-box; }
html { font-size: clamp(18px, 1.45vw, 30px); }
body {
  margin: 0; background: var(--bg); color: var(--fg); line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans",
    Arial, sans-serif;
  -webkit-text-size-adjust: 100%;
}
main { max-width: 64rem; margin: 0 auto; padding: 2.2rem 2.4rem 3rem; }
h1 { font-size: 2.5rem; line-height: 1.12; margin: 0 0 .35rem; overflow-wrap: anywhere; }
h2 { font-size: 1.65rem; margin: 2.2rem 0 .8rem; }
h3 { font-size: 1.55rem; line-height: 1.2; margin: 0; overflow-wrap: anywhere; }
h4 {
  font-size: .95rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted);
  margin: 1.3rem 0 .5rem;
}
.headline { font-size: 1.25rem; color: var(--muted); margin: 0; }
.figures { display: flex; flex-wrap: wrap; gap: .9rem; margin: 1.6rem 0 0; padding: 0; }
.figures li {
  list-style: none; background: var(--card); border-radius: .6rem; padding: .7rem 1.3rem;
  font-size: 1.05rem; color: var(--muted);
}
.figures b { display: block; font-size: 2.3rem; line-height: 1.05; color: var(--fg); }
.overview { padding: 0; margin: 0; }
.overview li {
  list-style: none; display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr) 6.5rem;
  gap: 1rem; align-items: center; padding: .3rem 0; font-size: 1.1rem;
}
.overview .name { font-weight: 600; overflow-wrap: anywhere; }
.overview .num { text-align: right; color: var(--muted); font-variant-numeric: tabular-nums; }
.bar { height: .8rem; background: var(--track); border-radius: .4rem; overflow: hidden; }
.bar span { display: block; height: 100%; background: var(--c); border-radius: .4rem; }
.theme {
  background: var(--card); border-left: .6rem solid var(--c); border-radius: .7rem;
  padding: 1.3rem 1.6rem 1.4rem; margin: 0 0 1.3rem;
}
.theme-head { display: flex; gap: 1rem; align-items: baseline; justify-content: space-between; }
.theme-head .num { color: var(--muted); font-size: 1.1rem; white-space: nowrap; }
.theme .bar { margin: .7rem 0 .2rem; }
.tables { color: var(--muted); margin: .6rem 0 0; font-size: 1.05rem; }
.chips { display: flex; flex-wrap: wrap; gap: .45rem; margin: .8rem 0 0; padding: 0; }
.chips li {
  list-style: none; padding: .18rem .75rem; border-radius: 999px; font-size: 1rem;
  border: 2px solid var(--c); background: var(--bg); overflow-wrap: anywhere;
}
blockquote {
  margin: 0 0 .7rem; padding: .2rem 0 .2rem 1.1rem; border-left: .25rem solid var(--c);
  font-size: 1.2rem; overflow-wrap: anywhere;
}
.demands { margin: 0; padding: 0; }
.demands li {
  list-style: none; display: grid; grid-template-columns: 1.9rem 1fr; gap: .7rem;
  background: var(--demand-bg); border-radius: .5rem; padding: .6rem .9rem; margin: 0 0 .6rem;
  font-size: 1.15rem; overflow-wrap: anywhere;
}
.demands .mark {
  width: 1.9rem; height: 1.9rem; border-radius: 50%; background: var(--demand); color: var(--bg);
  font-weight: 800; display: flex; align-items: center; justify-content: center;
}
.demands .reason { display: block; color: var(--muted); font-size: .95rem; margin-top: .15rem; }
.empty { font-size: 1.2rem; color: var(--muted); }
footer {
  margin-top: 2.5rem; padding-top: .8rem; border-top: 1px solid var(--rule); color: var(--muted);
  font-size: .9rem;
}
@media (max-width: 700px) {
  main { padding: 1.2rem; }
  .overview li { grid-template-columns: 1fr 5rem; }
  .overview .bar { grid-column: 1 / -1; grid-row: 2; }
}
@media print {
  @page { size: A4; margin: 14mm 14mm 16mm; }
  html { font-size: 10.5pt; }
  body, body.dark {
    {print}
  }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  main { max-width: none; padding: 0; }
  .theme { border: 1px solid var(--rule); border-left: .5rem solid var(--c); }
  .demands li { border: 1px solid var(--rule); }
  h2, h3, h4, .theme-head { break-after: avoid; }
  blockquote, .demands li, .overview li, .chips, .figures li { break-inside: avoid; }
}
"""
# The colours come from ``harvest.conceptmap.style``, like every other picture's.
_CSS = (_CSS.replace("{light}", css_variables(summary_colors("light")))
        .replace("{dark}", css_variables(summary_colors("dark")))
        .replace("{print}", css_variables(summary_colors("print"))))


def summary_html(summary: Summary, *, dark: bool = False) -> str:
    """The summary as one self-contained HTML page: projectable, printable, no outside files.

    A Content-Security-Policy forbids scripts and any outside resource, as a second line
    behind escaping every user string.
    """
    words = _words(summary.language)
    lang = summary.language
    title = escape_html(summary.title) or words["summary"]
    parts: list[str] = [
        "<!DOCTYPE html>",
        f'<html lang="{html.escape(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="Harvest">',
        f"<title>{title} · {words['summary']}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        f'<body class="{"dark" if dark else "light"}">',
        "<main>",
        "<header>",
        f'<h1 dir="auto">{title}</h1>',
    ]
    headline = _headline(summary)
    if headline:
        parts.append(f'<p class="headline" dir="auto">{html.escape(headline)}</p>')
    parts.append(f'<ul class="figures" aria-label="{words["summary"]}">')
    for n, noun in _figures(summary):
        parts.append(f"<li><b>{n}</b>{noun}</li>")
    parts += ["</ul>", "</header>"]

    if not summary.themes:
        parts.append(f'<p class="empty">{words["empty"]}</p>')
    else:
        parts += [f"<h2>{words['overview']}</h2>", '<ol class="overview">']
        for theme in summary.themes:
            parts.append(
                f'<li style="--c: {safe_color(theme.color)}">'
                f'<span class="name" dir="auto">{escape_html(theme.label)}</span>'
                f'<span class="bar"><span style="width: {theme.share * 100:.1f}%"></span></span>'
                f'<span class="num">{theme.size} · {_percent(theme.share, lang)}</span></li>'
            )
        parts += ["</ol>", f"<h2>{words['themes']}</h2>"]
    for number, theme in enumerate(summary.themes, start=1):
        parts += _theme_html(number, theme, lang)
    when = _format_date(summary.generated_at, lang, with_time=True)
    parts += [
        f"<footer>{html.escape(words['generated'].format(when=when))}</footer>",
        "</main>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


def _theme_html(number: int, theme: ThemeSummary, lang: str) -> list[str]:
    words = _words(lang)
    share = f"{_percent(theme.share, lang)} {words['of_all']}"
    parts = [
        f'<section class="theme" style="--c: {safe_color(theme.color)}">',
        '<div class="theme-head">',
        f'<h3 dir="auto">{number}. {escape_html(theme.label)}</h3>',
        f'<span class="num">{_statements(theme.size, lang)} · {html.escape(share)}</span>',
        "</div>",
        f'<div class="bar"><span style="width: {theme.share * 100:.1f}%"></span></div>',
    ]
    if theme.tables:
        parts.append(
            f'<p class="tables" dir="auto">{words["tables"]}: {escape_html(_table_list(theme))}</p>'
        )
    if theme.keywords:
        chips = "".join(f'<li dir="auto">{escape_html(k)}</li>' for k in theme.keywords)
        parts.append(f'<ul class="chips" aria-label="{words["keywords"]}">{chips}</ul>')
    if theme.representatives:
        parts.append(f"<h4>{words['voices']}</h4>")
        for text in theme.representatives:
            quoted = words["quote"].format(escape_html(text))
            parts.append(f'<blockquote dir="auto">{quoted}</blockquote>')
    if theme.demands:
        parts += [f"<h4>{words['demands']} ({len(theme.demands)})</h4>", '<ul class="demands">']
        for index, (text, reason) in enumerate(theme.demands):
            why = (
                f'<span class="reason">{words["reason"]}: {escape_html(reason)}</span>'
                if one_line(reason)
                else ""
            )
            dots = _dots(theme, index, words, "")
            voted = f' <b class="dots">{dots}</b>' if dots else ""
            parts.append(
                f'<li><span class="mark" aria-label="{words["demand"]}">!</span>'
                f'<span dir="auto">{escape_html(text)}{voted}{why}</span></li>'
            )
        parts.append("</ul>")
    parts.append("</section>")
    return parts


# --- PDF -----------------------------------------------------------------------------


def _font_paths() -> tuple[Path, Path]:
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


class _SummaryPdf(FPDF):
    """A4 pages with the workshop title and "page n of m" in the footer."""

    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, self.footer_text.replace("{page}", str(self.page_no())), align="C")

    def para(self, width: float, height: float, text: str, *, indent: float = 0) -> None:
        """A wrapped paragraph at the left margin (+ indent); the cursor ends below it."""
        self.set_x(self.l_margin + indent)
        self.multi_cell(width, height, text, align="L", new_x="LMARGIN", new_y="NEXT")

    def keep_together(self, width: float, height: float, *texts: str) -> None:
        """Start a new page unless these paragraphs fit on this one (if they fit on any)."""
        needed = 0.0
        for text in texts:
            measured = self.multi_cell(
                width, height, text, align="L", dry_run=True, output="HEIGHT"
            )
            needed += float(measured)  # type: ignore[arg-type]  # HEIGHT gives a float
        if needed < self.eph and self.will_page_break(needed):
            self.add_page()


def summary_filename(workshop: Workshop, fmt: str) -> str:
    """The summary's download name, never the same as the map's or the poster's
    (``board.map_filename``): ``harvest-SLUG-DATE-summary.FMT``."""
    stamp = (workshop.date or workshop.created_at.date()).isoformat()
    return f"harvest-{workshop.slug}-{stamp}-summary.{fmt}"


def summary_pdf(summary: Summary, map_png: bytes | None = None) -> bytes:
    """The summary as an A4 PDF (DejaVu Sans, so umlauts, ß and Cyrillic render).

    ``map_png``: the concept map as a PNG (the poster image), printed across the page
    below the figures, so the paper summary shows the picture the hall saw.

    Arabic letters come out unshaped (no text shaping engine is installed); characters the
    font lacks, such as most emoji, are left out rather than failing the export.
    """
    regular, bold = _font_paths()
    words = _words(summary.language)
    lang = summary.language
    title = one_line(summary.title) or words["summary"]

    pdf = _SummaryPdf(orientation="portrait", unit="mm", format="A4")
    # "{page}" is filled per page, "{nb}" by fpdf2 at the end; braces in titles stay as typed.
    page = words["page"].format(page="{page}", pages="{nb}")
    pdf.footer_text = f"{title.replace('{', '(').replace('}', ')')}  ·  {page}"
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_title(title)
    pdf.set_creator("Harvest")
    pdf.set_lang(lang)
    width = pdf.epw

    # fpdf2 logs every glyph the font lacks (emoji); the export is still right without them.
    fonts_log = logging.getLogger("fpdf.output")
    level = fonts_log.level
    fonts_log.setLevel(logging.ERROR)
    try:
        pdf.add_page()
        pdf.set_text_color(20, 20, 20)
        pdf.set_font("DejaVu", "B", 24)
        pdf.para(width, 10.5, title)
        headline = _headline(summary)
        pdf.set_font("DejaVu", "", 13)
        pdf.set_text_color(85, 85, 85)
        if headline:
            pdf.para(width, 7, headline)
        pdf.ln(2)
        pdf.para(width, 7, " · ".join(f"{n} {noun}" for n, noun in _figures(summary)))
        pdf.ln(3)
        pdf.set_draw_color(200, 200, 200)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
        pdf.ln(5)
        if map_png:
            _map_pdf(pdf, map_png)
        if not summary.themes:
            pdf.set_font("DejaVu", "", 13)
            pdf.para(width, 7, words["empty"])
        for number, theme in enumerate(summary.themes, start=1):
            _theme_pdf(pdf, number, theme, lang)
        pdf.ln(4)
        pdf.set_font("DejaVu", "", 9)
        pdf.set_text_color(110, 110, 110)
        when = _format_date(summary.generated_at, lang, with_time=True)
        pdf.para(width, 5, words["generated"].format(when=when))
        return bytes(pdf.output())
    finally:
        fonts_log.setLevel(level)


def _map_pdf(pdf: _SummaryPdf, png: bytes) -> None:
    """The map image at the page's full width (on a page of its own if it does not fit)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        ratio = image.height / max(image.width, 1)
    height = pdf.epw * ratio
    if pdf.will_page_break(height + 4):
        pdf.add_page()
    pdf.image(io.BytesIO(png), x=pdf.l_margin, w=pdf.epw, h=height)
    pdf.ln(4)


def _theme_pdf(pdf: _SummaryPdf, number: int, theme: ThemeSummary, lang: str) -> None:
    words = _words(lang)
    width = pdf.epw
    left = pdf.l_margin
    red, green, blue = rgb(safe_color(theme.color))
    # Keep a theme's heading, bar and first lines together on one page.
    if pdf.will_page_break(45):
        pdf.add_page()
    pdf.ln(2)
    pdf.start_section(f"{number}. {one_line(theme.label)}")  # the PDF viewer's outline
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 16)
    pdf.set_text_color(20, 20, 20)
    pdf.para(width - 5, 8, f"{number}. {one_line(theme.label)}", indent=5)
    pdf.set_fill_color(red, green, blue)
    pdf.rect(left, top + 1, 2.2, pdf.get_y() - top - 1.5, style="F")
    pdf.set_font("DejaVu", "", 10.5)
    pdf.set_text_color(85, 85, 85)
    share = f"{_percent(theme.share, lang)} {words['of_all']}"
    pdf.para(width - 5, 6, f"{_statements(theme.size, lang)} · {share}", indent=5)
    y = pdf.get_y() + 1
    pdf.set_fill_color(225, 225, 225)
    pdf.rect(left + 5, y, width - 5, 2.6, style="F", round_corners=True, corner_radius=1.3)
    if theme.share > 0:
        pdf.set_fill_color(red, green, blue)
        bar = max((width - 5) * min(theme.share, 1.0), 2.6)
        pdf.rect(left + 5, y, bar, 2.6, style="F", round_corners=True, corner_radius=1.3)
    pdf.set_y(y + 5.5)
    if theme.tables:
        _pdf_labelled(pdf, words["tables"], _table_list(theme))
    if theme.keywords:
        _pdf_labelled(pdf, words["keywords"], " · ".join(one_line(k) for k in theme.keywords))
    if theme.representatives:
        _pdf_subheading(pdf, words["voices"])
        for text in theme.representatives:
            quote = words["quote"].format(one_line(text))
            pdf.set_font("DejaVu", "", 11)
            pdf.set_text_color(25, 25, 25)
            pdf.keep_together(width - 9, 6, quote)
            start_page, start = pdf.page_no(), pdf.get_y()
            pdf.para(width - 9, 6, quote, indent=9)
            if pdf.page_no() == start_page:  # a quote longer than a page gets no rule
                pdf.set_fill_color(red, green, blue)
                pdf.rect(left + 5.5, start + 0.5, 0.9, pdf.get_y() - start - 1, style="F")
            pdf.ln(1.8)
    if theme.demands:
        _pdf_subheading(pdf, f"{words['demands']} ({len(theme.demands)})")
        for index, (text, reason) in enumerate(theme.demands):
            why = f"{words['reason']}: {one_line(reason)}" if one_line(reason) else ""
            text = one_line(text) + _dots(theme, index, words, " · ")
            pdf.set_font("DejaVu", "", 11)
            pdf.keep_together(width - 10, 6, one_line(text), why)
            pdf.set_x(left + 5)
            pdf.set_font("DejaVu", "B", 11)
            pdf.set_text_color(180, 35, 24)
            pdf.cell(5, 6, "!")
            pdf.set_font("DejaVu", "", 11)
            pdf.set_text_color(25, 25, 25)
            pdf.multi_cell(
                width - 10, 6, one_line(text), align="L", new_x="LMARGIN", new_y="NEXT"
            )
            if why:
                pdf.set_font("DejaVu", "", 9)
                pdf.set_text_color(100, 100, 100)
                pdf.para(width - 10, 5, why, indent=10)
            pdf.ln(1.5)
    pdf.ln(4)


def _pdf_labelled(pdf: _SummaryPdf, label: str, text: str) -> None:
    pdf.set_x(pdf.l_margin + 5)
    pdf.set_font("DejaVu", "B", 10.5)
    pdf.set_text_color(40, 40, 40)
    label = f"{label}: "
    pdf.cell(pdf.get_string_width(label) + 0.5, 6, label)
    pdf.set_font("DejaVu", "", 10.5)
    pdf.multi_cell(0, 6, one_line(text), align="L", new_x="LMARGIN", new_y="NEXT")


def _pdf_subheading(pdf: _SummaryPdf, text: str) -> None:
    if pdf.will_page_break(16):
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 9.5)
    pdf.set_text_color(100, 100, 100)
    pdf.para(pdf.epw - 5, 6, text.upper(), indent=5)
    pdf.ln(0.5)
