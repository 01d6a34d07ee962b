"""The one table of export formats (the map's and the statements'), shared by the CLI,
the app and ``board.render_map``/``board.export_statements``.

Light on purpose (no matplotlib, no engine): ``python -m harvest --help`` reads it.

=============  =====  ==========================================================
name           file   what
=============  =====  ==========================================================
png            .png   the network map (render.py), 3508 px wide unless told
svg, pdf       .svg   the network map on paper (A0-A4)
html           .html  the interactive network map (view.py), offline
graphml, gexf  .xml   the graph with positions, for yEd and Gephi
json           .json  the same as networkx node-link data (themes carry ``pictogram``)
poster-png     .png   the graphical-harvest poster (poster.py), any ``POSTER_SIZES``
poster-pdf     .pdf   the same as PDF (one page, fonts embedded)
poster-svg     .svg   the same as SVG (text stays text)
replay         .html  the map's growth, played statement by statement (replay.py)
replay-gif     .gif   the same as an animated GIF for slides
=============  =====  ==========================================================

The statements go out as a table (``TABLE_FORMATS``): ``csv`` (UTF-8 with BOM, for Excel)
and ``xlsx``. ``EXPORT_FORMATS`` is everything ``harvest export --format`` takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

__all__ = [
    "DOWNLOAD_GROUPS", "EXPORT_FORMATS", "FORMATS", "LAYOUTS", "MAP_FORMATS", "MAP_MIME",
    "PAPER_MM", "POSTER_SIZES", "STATEMENT_FORMATS", "TABLE_FORMATS", "Download", "MapFormat",
    "TableFormat", "extension_of", "map_downloads",
]


@dataclass(frozen=True)
class TableFormat:
    """One way to export a workshop's statements, with the theme each is in."""

    name: str
    """what ``harvest export --format`` takes"""
    extension: str
    mime: str


F = TypeVar("F", bound=TableFormat)


def _by_name(*formats: F) -> dict[str, F]:
    return {f.name: f for f in formats}


@dataclass(frozen=True)
class MapFormat(TableFormat):
    """One way to export a workshop's map."""

    label: str
    """catalogue key of the download button's label (``harvest.i18n``)"""
    layout: str
    """"network", "harvest" (the poster), "replay" or "data\""""


FORMATS: dict[str, MapFormat] = _by_name(
    MapFormat("png", "png", "image/png", "export.png_poster", "network"),
    MapFormat("svg", "svg", "image/svg+xml", "export.svg", "network"),
    MapFormat("pdf", "pdf", "application/pdf", "export.pdf", "network"),
    MapFormat("html", "html", "text/html", "export.html", "network"),
    MapFormat("graphml", "graphml", "application/xml", "export.graphml", "data"),
    MapFormat("gexf", "gexf", "application/xml", "export.gexf", "data"),
    MapFormat("json", "json", "application/json", "export.json", "data"),
    MapFormat("poster-png", "png", "image/png", "export.poster_png", "harvest"),
    MapFormat("poster-pdf", "pdf", "application/pdf", "export.poster_pdf", "harvest"),
    MapFormat("poster-svg", "svg", "image/svg+xml", "export.poster_svg", "harvest"),
    MapFormat("replay", "html", "text/html", "export.replay", "replay"),
    MapFormat("replay-gif", "gif", "image/gif", "export.replay_gif", "replay"),
)
MAP_FORMATS: tuple[str, ...] = tuple(FORMATS)
MAP_MIME: dict[str, str] = {name: f.mime for name, f in FORMATS.items()}
LAYOUTS: tuple[str, ...] = ("harvest", "network", "data", "replay")
"""The map formats' layouts, in the order the export page groups them."""

TABLE_FORMATS: dict[str, TableFormat] = _by_name(
    TableFormat("csv", "csv", "text/csv"),
    TableFormat(
        "xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
)
EXPORT_FORMATS: tuple[str, ...] = (*TABLE_FORMATS, *MAP_FORMATS)
"""Everything ``harvest export --format`` takes: the statements' tables, then the maps."""


def extension_of(name: str) -> str:
    """The file extension of an export format (table or map).

    >>> extension_of("poster-pdf"), extension_of("xlsx")
    ('pdf', 'xlsx')
    """
    spec = TABLE_FORMATS.get(name) or FORMATS[name]
    return spec.extension


PAPER_MM: dict[str, tuple[float, float]] = {
    "A0": (1189.0, 841.0),
    "A1": (841.0, 594.0),
    "A2": (594.0, 420.0),
    "A3": (420.0, 297.0),
    "A4": (297.0, 210.0),
}
"""ISO A sizes, landscape (width, height) in millimetres."""

POSTER_SIZES: dict[str, tuple[float, float]] = {**PAPER_MM, "16:9": (508.0, 285.75)}
"""Harvest poster pages, landscape, in mm; 16:9 is a projector (1920 x 1080 px at 96 dpi)."""


DOWNLOAD_GROUPS: tuple[str, ...] = LAYOUTS
"""The export page's sections, in order: the poster first, then ``MapFormat.layout``'s others."""

SCREEN_WIDTH = 1600
"""The network PNG is offered twice: full size for print, this wide for a screen."""

PRINT_WIDTH = 4000


@dataclass(frozen=True)
class Download:
    """One download button of the export page: a map format, at a width, in a section."""

    format: MapFormat
    width: int
    """pixels for a PNG, 0: the format's own size"""
    label: str
    """catalogue key of the button's label"""
    suffix: str
    """what the file name carries before its extension ("-poster-A1", "-screen", ...)"""

    @property
    def poster(self) -> bool:
        """Whether it is the graphical-harvest poster (it takes a size and the QR link)."""
        return self.format.layout == "harvest"

    @property
    def key(self) -> str:
        """A stable widget key."""
        return f"export_{self.format.name}_{self.width}"

    def file_name(self, base: str) -> str:
        """``base`` (the map's file name, ``harvest-SLUG-DATE.EXT``) with the suffix.

        >>> map_downloads("A1")["harvest"][0].file_name("harvest-zw-2025-05-01.png")
        'harvest-zw-2025-05-01-poster-A1.png'
        """
        stem, dot, extension = base.rpartition(".")
        return f"{stem}{self.suffix}{dot}{extension}" if dot else f"{base}{self.suffix}"


def map_downloads(size: str) -> dict[str, list[Download]]:
    """The export page's map downloads per section (``DOWNLOAD_GROUPS``), every format of
    ``FORMATS`` once and the network PNG twice (print and screen); ``size`` is the
    poster's page (``POSTER_SIZES``).

    >>> [(d.format.name, d.width) for d in map_downloads("A1")["network"]][:2]
    [('png', 4000), ('png', 1600)]
    """
    groups: dict[str, list[Download]] = {group: [] for group in DOWNLOAD_GROUPS}
    suffixes = {"harvest": f"-poster-{size.replace(':', 'x')}", "replay": "-replay"}
    for spec in FORMATS.values():
        suffix = suffixes.get(spec.layout, "")
        width = PRINT_WIDTH if spec.name == "png" else 0
        groups[spec.layout].append(Download(spec, width, spec.label, suffix))
        if spec.name == "png":
            groups[spec.layout].append(Download(spec, SCREEN_WIDTH, "export.png_screen", "-screen"))
    return groups


STATEMENT_FORMATS: tuple[tuple[str, str, str], ...] = tuple(
    (spec.name.upper(), spec.extension, spec.mime) for spec in TABLE_FORMATS.values()
)
"""The statements' downloads: (button label, extension, MIME type)."""
