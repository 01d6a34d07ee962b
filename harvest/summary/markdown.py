"""The summary as Markdown, every user string escaped."""

from __future__ import annotations

from harvest.safety import escape_markdown, one_line
from harvest.summary import phrases
from harvest.summary.build import Summary


def summary_markdown(summary: Summary) -> str:
    """The summary as a Markdown document (headings in the summary's language)."""
    words = phrases.words(summary.language)
    lang = summary.language
    out: list[str] = [f"# {escape_markdown(summary.title) or words['summary']}", ""]
    headline = phrases.headline(summary)
    if headline:
        out += [escape_markdown(headline), ""]
    out += [f"## {words['summary']}", ""]
    out += [" · ".join(f"**{n}** {noun}" for n, noun in phrases.figures(summary)), ""]
    out += [f"## {words['themes']}", ""]
    if not summary.themes:
        out += [words["empty"], ""]
    for number, theme in enumerate(summary.themes, start=1):
        out += [f"### {number}\\. {escape_markdown(theme.label)}", ""]
        out += [
            f"**{phrases.statements(theme.size, lang)}** · "
            f"{phrases.percent(theme.share, lang)} {words['of_all']}",
            "",
        ]
        if theme.tables:
            out += [f"**{words['tables']}:** {escape_markdown(phrases.table_list(theme))}", ""]
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
                line = f"- **!** {escape_markdown(text)}{phrases.dots(theme, index, words, ' · ')}"
                if one_line(reason):
                    line += f"\\\n  *{words['reason']}: {escape_markdown(reason)}*"
                out += [line]
            out += [""]
    when = phrases.format_date(summary.generated_at, lang, with_time=True)
    out += ["---", "", f"*{words['generated'].format(when=when)}*", ""]
    return "\n".join(out)

