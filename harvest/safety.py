"""Making user text safe for where it goes: one module, one helper per destination.

Each name says its contract; none of them refuses anything (refusing input is
``harvest.intake``'s job: ``accept_text``, ``clean_statement``).

    one_line(text)          display: one line, NFC, no controls, no bidi overrides
    escape_html(text)       HTML body or attribute: ``one_line`` then escaped
    escape_markdown(text)   Markdown: ``one_line`` then every active character escaped
    printable(text)         drawing (matplotlib, SVG): no controls, no lone surrogates
    drawable(text)          poster type: ``printable`` and only glyphs DejaVu Sans has
    xml_text(text)          XML 1.0 (GraphML, GEXF, XLSX): characters XML cannot carry replaced
    safe_color(value)       CSS: a ``#RRGGBB`` colour or the fallback, nothing else

>>> one_line("  Mehr\\nBänke \\x00 im Park ")
'Mehr Bänke im Park'
>>> safe_color("red;background:url(x)"), safe_color("#E69F00")
('#B0B0B0', '#E69F00')
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

__all__ = [
    "drawable",
    "escape_html",
    "escape_markdown",
    "one_line",
    "printable",
    "safe_color",
    "xml_text",
]


# --- display ----------------------------------------------------------------------------

# Explicit bidi embeddings/overrides/isolates could flip the text that follows them.
_INVISIBLE = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def one_line(text: str) -> str:
    """User text as one display line: NFC, whitespace collapsed, control characters dropped.

    >>> one_line("  Mehr\\nBänke \\x00 im Park ")
    'Mehr Bänke im Park'
    """
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = "".join(ch if unicodedata.category(ch) != "Cc" else " " for ch in text)
    return " ".join(text.split())


def escape_html(text: str) -> str:
    """``one_line(text)`` escaped for an HTML body or a quoted attribute.

    >>> escape_html('<b a="1">Bänke</b>')
    '&lt;b a=&quot;1&quot;&gt;Bänke&lt;/b&gt;'
    """
    return html.escape(one_line(text), quote=True)


# Streamlit's st.markdown does not typeset "$...$" as LaTeX.
# Line-start markers (lists, setext underlines) are handled separately.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()#<>|~&:$])")
_MD_LINE_START = re.compile(r"^([-+=]|\d+(?=\.(?:\s|$)))")
_MD_WWW = re.compile(r"\b(www)\.", re.IGNORECASE)
# GFM turns bare addresses into links after escapes are resolved ("https\://x" is still
# https://x to it), so a word joiner (U+2060, invisible, dropped again by intake) breaks
# the pattern itself: after the scheme or "www", and after an e-mail address's "@".
_MD_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|www)(?=\\[:.])|(@)")
_WORD_JOINER = "\u2060"


def escape_markdown(text: str) -> str:
    r"""User text as Markdown that renders literally, on one line.

    >>> escape_markdown("# Titel <b>[x](y)</b>")
    '\\# Titel \\<b\\>\\[x\\]\\(y\\)\\</b\\>'
    >>> escape_markdown("1. Punkt: siehe www.example.org")
    '1\\. Punkt\\: siehe www\u2060\\.example.org'
    """
    text = _MD_SPECIAL.sub(r"\\\1", one_line(text))
    text = _MD_WWW.sub(r"\1\\.", text)  # GFM links bare "www." addresses too
    text = _MD_AUTOLINK.sub(lambda m: m.group(0) + _WORD_JOINER, text)
    match = _MD_LINE_START.match(text)
    if match:
        if match.group(1).isdigit():  # "1. " would start an ordered list ("1)" is escaped)
            end = match.end()
            text = text[:end] + "\\" + text[end:]
        else:
            text = "\\" + text
    return text


# --- drawing ----------------------------------------------------------------------------

# Control characters have no glyph and no place in SVG's XML; lone surrogates cannot be
# encoded. Both come in with pasted text now and then.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` without control characters (lone surrogates become U+FFFD).

    >>> printable("a\\x07b\\ud800")
    'ab\\ufffd'
    """
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))


@lru_cache(maxsize=1)
def _charmap() -> frozenset[int]:
    import matplotlib
    from matplotlib.ft2font import FT2Font

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return frozenset(FT2Font(str(folder / "DejaVuSans.ttf")).get_charmap())


def drawable(text: str) -> str:
    """``text`` printable and without characters DejaVu Sans has no glyph for (most
    emoji): they would print as empty boxes. Spaces are tidied after."""
    known = _charmap()
    kept = "".join(c for c in printable(text) if ord(c) in known or c.isspace())
    return " ".join(kept.split())


# --- data files -------------------------------------------------------------------------

# Characters XML 1.0 cannot carry at all (pasted text brings them in now and then).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str, replacement: str = "\ufffd") -> str:
    """``text`` with every character XML 1.0 cannot hold replaced (by U+FFFD unless told).

    >>> xml_text("a\\x00b"), xml_text("a\\x00b", "")
    ('a\\ufffdb', 'ab')
    """
    return _NOT_XML.sub(replacement, text)


# --- colours ----------------------------------------------------------------------------

_HEX = re.compile(r"#[0-9A-Fa-f]{6}")


def safe_color(value: object, fallback: str | None = None) -> str:
    """A ``#RRGGBB`` colour, or the fallback (the other theme's grey unless told): a
    colour reaches CSS, so nothing else may.

    One rule for every page: six hex digits, the form the palette and colour mixing use.

    >>> safe_color("#123456"), safe_color("#abc"), safe_color("red")
    ('#123456', '#B0B0B0', '#B0B0B0')
    """
    text = str(value)
    if _HEX.fullmatch(text):
        return text
    if fallback is None:
        # imported here: the map package imports this module while it loads
        from harvest.conceptmap.style import OTHER_COLOR

        return OTHER_COLOR
    return fallback
