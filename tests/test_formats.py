"""The one table of export formats: the CLI, the board and the app derive from it; the
export page's catalogue of downloads."""

from __future__ import annotations

import pytest

from harvest.cli import build_parser
from harvest.formats import (
    DOWNLOAD_GROUPS,
    EXPORT_FORMATS,
    FORMATS,
    LAYOUTS,
    STATEMENT_FORMATS,
    TABLE_FORMATS,
    extension_of,
    map_downloads,
)


def test_every_map_format_has_a_layout_the_export_page_shows() -> None:
    assert {f.layout for f in FORMATS.values()} == set(LAYOUTS)


def test_the_cli_takes_exactly_the_table_and_map_formats() -> None:
    parser = build_parser()
    export = next(
        a for a in parser._subparsers._group_actions[0].choices["export"]._actions  # type: ignore[union-attr]
        if "--format" in a.option_strings
    )
    assert tuple(export.choices) == EXPORT_FORMATS == (*TABLE_FORMATS, *FORMATS)


@pytest.mark.parametrize(
    ("name", "extension"), [("csv", "csv"), ("xlsx", "xlsx"), ("graphml", "graphml"),
                            ("poster-svg", "svg"), ("replay-gif", "gif")]
)
def test_each_format_names_its_file_extension(name: str, extension: str) -> None:
    assert extension_of(name) == extension



def test_every_format_is_offered_once_and_the_network_png_twice() -> None:
    downloads = [d for group in map_downloads("A1").values() for d in group]
    names = [d.format.name for d in downloads]
    assert sorted(set(names)) == sorted(FORMATS)
    assert names.count("png") == 2 and len(names) == len(FORMATS) + 1
    assert list(map_downloads("A1")) == list(DOWNLOAD_GROUPS)
    assert len({d.key for d in downloads}) == len(downloads)


@pytest.mark.parametrize(
    ("size", "name", "width", "expected"),
    [
        ("A1", "poster-pdf", 0, "harvest-zw-2025-05-01-poster-A1.pdf"),
        ("16:9", "poster-png", 0, "harvest-zw-2025-05-01-poster-16x9.png"),
        ("A1", "png", 1600, "harvest-zw-2025-05-01-screen.png"),
        ("A1", "png", 4000, "harvest-zw-2025-05-01.png"),
        ("A1", "graphml", 0, "harvest-zw-2025-05-01.graphml"),
        ("A1", "replay-gif", 0, "harvest-zw-2025-05-01-replay.gif"),
    ],
)
def test_file_names_say_what_the_download_is(size: str, name: str, width: int, expected: str) -> None:
    download = next(d for group in map_downloads(size).values() for d in group
                    if d.format.name == name and d.width == width)
    assert download.file_name(f"harvest-zw-2025-05-01.{download.format.extension}") == expected
    assert download.poster == (download.format.layout == "harvest")


def test_the_screen_png_has_its_own_label_and_the_statements_two_formats() -> None:
    network = map_downloads("A1")["network"]
    assert [d.label for d in network[:2]] == ["export.png_poster", "export.png_screen"]
    assert [ext for _, ext, _ in STATEMENT_FORMATS] == ["csv", "xlsx"]
