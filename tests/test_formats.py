"""The one table of export formats: the CLI, the board and the app derive from it."""

from __future__ import annotations

import pytest

from harvest.cli import build_parser
from harvest.formats import EXPORT_FORMATS, FORMATS, LAYOUTS, TABLE_FORMATS, extension_of


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
