"""The summary as one self-contained, printable HTML page.

The page is ``templates/summary.html.j2``, rendered with autoescape: every value the
template prints is escaped for HTML, so user text needs no escaping here, only
``one_line`` (the template's ``|one_line`` filter) and colours ``safe_color``.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

from harvest.conceptmap.style import css_variables, summary_colors
from harvest.safety import one_line, safe_color
from harvest.summary import phrases
from harvest.summary.build import Summary, ThemeSummary

_TEMPLATES = Environment(
    loader=PackageLoader("harvest.summary", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_TEMPLATES.filters["one_line"] = one_line
_TEMPLATES.filters["safe_color"] = safe_color

_MODES = ("light", "dark", "print")
"""The page's colour schemes (``harvest.conceptmap.style.summary_colors``)."""


def summary_html(summary: Summary, *, dark: bool = False) -> str:
    """The summary as one self-contained HTML page: projectable, printable, no outside files.

    A Content-Security-Policy forbids scripts and any outside resource, as a second line
    behind escaping every user string.
    """
    words = phrases.words(summary.language)
    lang = summary.language
    when = phrases.format_date(summary.generated_at, lang, with_time=True)

    def dots(theme: ThemeSummary, index: int) -> str:
        return phrases.dots(theme, index, words, "")

    return _TEMPLATES.get_template("summary.html.j2").render(
        summary=summary,
        lang=lang,
        dark=dark,
        words=words,
        title=one_line(summary.title) or words["summary"],
        headline=phrases.headline(summary),
        figures=phrases.figures(summary),
        generated=words["generated"].format(when=when),
        # The colours come from ``harvest.conceptmap.style``, like every other picture's.
        colors={mode: css_variables(summary_colors(mode)) for mode in _MODES},
        percent=lambda share: phrases.percent(share, lang),
        statements=lambda n: phrases.statements(n, lang),
        table_list=phrases.table_list,
        dots=dots,
    )
