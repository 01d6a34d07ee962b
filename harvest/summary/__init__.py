"""The closing summary: per theme its size, tables, keywords, voices and demands.

``build`` makes the ``Summary`` (plain frozen data); three renderers turn it into files
the moderator can project, print or send round:

    summary_markdown(summary) -> str     Markdown, every user string escaped  (markdown.py)
    summary_html(summary)     -> str     one self-contained, printable HTML page  (html.py)
    summary_pdf(summary)      -> bytes   A4 PDF with a Unicode font  (pdf.py)
"""

from harvest.summary.build import (
    MAX_KEYWORDS,
    NEAR_DUPLICATE,
    Summary,
    SummaryError,
    ThemeSummary,
    build_summary,
    comparable,
    near_duplicate,
    summary_filename,
    without_reasons,
)
from harvest.summary.html import summary_html
from harvest.summary.markdown import summary_markdown
from harvest.summary.pdf import summary_pdf

__all__ = [
    "MAX_KEYWORDS",
    "NEAR_DUPLICATE",
    "Summary",
    "SummaryError",
    "ThemeSummary",
    "build_summary",
    "comparable",
    "near_duplicate",
    "summary_filename",
    "summary_html",
    "summary_markdown",
    "summary_pdf",
    "without_reasons",
]
