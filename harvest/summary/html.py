"""The summary as one self-contained, printable HTML page."""

from __future__ import annotations

import html

from harvest.conceptmap.style import css_variables, summary_colors
from harvest.safety import escape_html, one_line, safe_color
from harvest.summary import phrases
from harvest.summary.build import Summary, ThemeSummary

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
    words = phrases.words(summary.language)
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
    headline = phrases.headline(summary)
    if headline:
        parts.append(f'<p class="headline" dir="auto">{html.escape(headline)}</p>')
    parts.append(f'<ul class="figures" aria-label="{words["summary"]}">')
    for n, noun in phrases.figures(summary):
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
                f'<span class="num">{theme.size} · {phrases.percent(theme.share, lang)}</span></li>'
            )
        parts += ["</ol>", f"<h2>{words['themes']}</h2>"]
    for number, theme in enumerate(summary.themes, start=1):
        parts += _theme_html(number, theme, lang)
    when = phrases.format_date(summary.generated_at, lang, with_time=True)
    parts += [
        f"<footer>{html.escape(words['generated'].format(when=when))}</footer>",
        "</main>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


def _theme_html(number: int, theme: ThemeSummary, lang: str) -> list[str]:
    words = phrases.words(lang)
    share = f"{phrases.percent(theme.share, lang)} {words['of_all']}"
    parts = [
        f'<section class="theme" style="--c: {safe_color(theme.color)}">',
        '<div class="theme-head">',
        f'<h3 dir="auto">{number}. {escape_html(theme.label)}</h3>',
        f'<span class="num">{phrases.statements(theme.size, lang)} · {html.escape(share)}</span>',
        "</div>",
        f'<div class="bar"><span style="width: {theme.share * 100:.1f}%"></span></div>',
    ]
    if theme.tables:
        parts.append(
            f'<p class="tables" dir="auto">{words["tables"]}: '
            f"{escape_html(phrases.table_list(theme))}</p>"
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
            dots = phrases.dots(theme, index, words, "")
            voted = f' <b class="dots">{dots}</b>' if dots else ""
            parts.append(
                f'<li><span class="mark" aria-label="{words["demand"]}">!</span>'
                f'<span dir="auto">{escape_html(text)}{voted}{why}</span></li>'
            )
        parts.append("</ul>")
    parts.append("</section>")
    return parts

