"""The summary as an A4 PDF (fpdf2, DejaVu Sans from matplotlib's fonts)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import matplotlib
from fpdf import FPDF

from harvest.conceptmap.style import rgb, summary_colors
from harvest.safety import one_line, safe_color
from harvest.summary import phrases
from harvest.summary.build import Summary, ThemeSummary

_INK = summary_colors("print")
"""The printed summary's colours: the same the summary page prints with."""


def _ink(name: str) -> tuple[int, int, int]:
    return rgb(_INK[name])


def _font_paths() -> tuple[Path, Path]:
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


class _SummaryPdf(FPDF):
    """A4 pages with the workshop title and "page n of m" in the footer."""

    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(*_ink("muted"))
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


def summary_pdf(summary: Summary, map_png: bytes | None = None) -> bytes:
    """The summary as an A4 PDF (DejaVu Sans, so umlauts, ß and Cyrillic render).

    ``map_png``: the concept map as a PNG (the poster image), printed across the page
    below the figures, so the paper summary shows the picture the hall saw.

    Arabic letters come out unshaped (no text shaping engine is installed); characters the
    font lacks, such as most emoji, are left out rather than failing the export.
    """
    regular, bold = _font_paths()
    words = phrases.words(summary.language)
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
        pdf.set_text_color(*_ink("fg"))
        pdf.set_font("DejaVu", "B", 24)
        pdf.para(width, 10.5, title)
        headline = phrases.headline(summary)
        pdf.set_font("DejaVu", "", 13)
        pdf.set_text_color(*_ink("muted"))
        if headline:
            pdf.para(width, 7, headline)
        pdf.ln(2)
        pdf.para(width, 7, " · ".join(f"{n} {noun}" for n, noun in phrases.figures(summary)))
        pdf.ln(3)
        pdf.set_draw_color(*_ink("rule"))
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
        pdf.set_text_color(*_ink("muted"))
        when = phrases.format_date(summary.generated_at, lang, with_time=True)
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
    words = phrases.words(lang)
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
    pdf.set_text_color(*_ink("fg"))
    pdf.para(width - 5, 8, f"{number}. {one_line(theme.label)}", indent=5)
    pdf.set_fill_color(red, green, blue)
    pdf.rect(left, top + 1, 2.2, pdf.get_y() - top - 1.5, style="F")
    pdf.set_font("DejaVu", "", 10.5)
    pdf.set_text_color(*_ink("muted"))
    share = f"{phrases.percent(theme.share, lang)} {words['of_all']}"
    pdf.para(width - 5, 6, f"{phrases.statements(theme.size, lang)} · {share}", indent=5)
    y = pdf.get_y() + 1
    pdf.set_fill_color(*_ink("track"))
    pdf.rect(left + 5, y, width - 5, 2.6, style="F", round_corners=True, corner_radius=1.3)
    if theme.share > 0:
        pdf.set_fill_color(red, green, blue)
        bar = max((width - 5) * min(theme.share, 1.0), 2.6)
        pdf.rect(left + 5, y, bar, 2.6, style="F", round_corners=True, corner_radius=1.3)
    pdf.set_y(y + 5.5)
    if theme.tables:
        _pdf_labelled(pdf, words["tables"], phrases.table_list(theme))
    if theme.keywords:
        _pdf_labelled(pdf, words["keywords"], " · ".join(one_line(k) for k in theme.keywords))
    if theme.representatives:
        _pdf_subheading(pdf, words["voices"])
        for text in theme.representatives:
            quote = words["quote"].format(one_line(text))
            pdf.set_font("DejaVu", "", 11)
            pdf.set_text_color(*_ink("fg"))
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
            text = one_line(text) + phrases.dots(theme, index, words, " · ")
            pdf.set_font("DejaVu", "", 11)
            pdf.keep_together(width - 10, 6, one_line(text), why)
            pdf.set_x(left + 5)
            pdf.set_font("DejaVu", "B", 11)
            pdf.set_text_color(*_ink("demand"))
            pdf.cell(5, 6, "!")
            pdf.set_font("DejaVu", "", 11)
            pdf.set_text_color(*_ink("fg"))
            pdf.multi_cell(
                width - 10, 6, one_line(text), align="L", new_x="LMARGIN", new_y="NEXT"
            )
            if why:
                pdf.set_font("DejaVu", "", 9)
                pdf.set_text_color(*_ink("muted"))
                pdf.para(width - 10, 5, why, indent=10)
            pdf.ln(1.5)
    pdf.ln(4)


def _pdf_labelled(pdf: _SummaryPdf, label: str, text: str) -> None:
    pdf.set_x(pdf.l_margin + 5)
    pdf.set_font("DejaVu", "B", 10.5)
    pdf.set_text_color(*_ink("fg"))
    label = f"{label}: "
    pdf.cell(pdf.get_string_width(label) + 0.5, 6, label)
    pdf.set_font("DejaVu", "", 10.5)
    pdf.multi_cell(0, 6, one_line(text), align="L", new_x="LMARGIN", new_y="NEXT")


def _pdf_subheading(pdf: _SummaryPdf, text: str) -> None:
    if pdf.will_page_break(16):
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 9.5)
    pdf.set_text_color(*_ink("muted"))
    pdf.para(pdf.epw - 5, 6, text.upper(), indent=5)
    pdf.ln(0.5)
