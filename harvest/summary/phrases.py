"""The phrases all three renderers share: the summary's words, dates, figures, shares."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from harvest.i18n import plural, translate
from harvest.safety import one_line
from harvest.summary.build import Summary, ThemeSummary

_WORDS = ("summary", "themes", "overview", "demands", "voices", "keywords", "tables", "reason",
          "demand", "of_all", "empty", "generated", "page", "quote", "percent", "dots")
"""The summary's words, each ``summary.<name>`` in ``harvest.i18n``."""


def words(language: str) -> dict[str, str]:
    found = {name: translate(f"summary.{name}", language) for name in _WORDS}
    found["other"] = translate("theme.other", language)
    return found


_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def format_date(value: date, language: str, with_time: bool = False) -> str:
    """A date (and time) the way people write it: "22.11.2026" / "22 November 2026".

    Built by hand: strftime's month names follow the process locale, which a shared
    server must not change.

    >>> from datetime import UTC
    >>> format_date(datetime(2026, 11, 22, 17, 30, tzinfo=UTC), "en", with_time=True)
    '22 November 2026, 17:30 UTC'
    >>> format_date(date(2026, 11, 22), "de")
    '22.11.2026'
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


def statements(n: int, language: str) -> str:
    return f"{n} {plural('summary.statement_n', n, language)}"


def percent(share: float, language: str) -> str:
    """A share as people read it; a small one is "<1", never "0".

    >>> percent(0.462, "de"), percent(0.001, "en")
    ('46 %', '<1%')
    """
    pattern = translate("summary.percent", language)
    return pattern.format("<1" if 0 < share < 0.005 else round(share * 100))


def headline(summary: Summary) -> str:
    """Date and place, the line under the title."""
    parts = []
    if summary.date is not None:
        parts.append(format_date(summary.date, summary.language))
    if one_line(summary.place):
        parts.append(one_line(summary.place))
    return " · ".join(parts)


def figures(summary: Summary) -> list[tuple[int, str]]:
    """(number, noun) pairs for the overview line."""
    counts = [
        (summary.total_statements, "summary.statement_n"),
        (summary.total_demands, "summary.demand_n"),
        (summary.table_count, "summary.table_n"),
        (len(summary.themes), "summary.theme_n"),
    ]
    return [(n, plural(key, n, summary.language)) for n, key in counts]


def table_list(theme: ThemeSummary) -> str:
    return ", ".join(f"{one_line(name)} ({n})" for name, n in theme.tables)



def dots(theme: ThemeSummary, index: int, words: Mapping[str, str], before: str) -> str:
    """The dots of a voted demand (" · 5 Punkte"), else an empty string."""
    if index >= len(theme.demand_votes) or theme.demand_votes[index] is None:
        return ""
    return before + words["dots"].format(theme.demand_votes[index])

