"""One catalogue for every word: no German display word outside ``harvest/i18n.py``.

The scan reads every string literal in ``harvest/`` (docstrings aside: they are for
developers) and fails on one holding a word the catalogue owns. It matches whole,
capitalised German nouns, so identifiers, keys and lower-case lemmas ("forderung" in a
keyword list) pass, and a new ``"Themen"`` in a renderer fails.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from harvest.i18n import CATALOGUE, PLURALS, plural, translate

HARVEST = Path(__file__).resolve().parent.parent / "harvest"

DISPLAY_WORDS = re.compile(
    r"\b(?:Thema|Themen|Aussagen?|Beitrag|Beiträge|Schlagw[oö]rt(?:er)?|Forderung(?:en)?|"
    r"Sonstiges|Zusammenfassung|Tische?|Thementisch|Grund|Ohne Titel|Seite|Punkte|Erstellt|"
    r"Modalverb|Stichpunkt-Forderung|Infinitiv-Forderung|markiert)\b"
)

ALLOWED = {
    # words people type, matched against a spreadsheet's header row: input, not display
    ("imports.py", "text, Text, Aussage, Statement, Beitrag, Kommentar, comment"),
    ("imports.py", "table, Tisch, Thementisch"),
    # an InvalidInput's English message: the app shows it by code from the catalogue
    ("intake.py", ". Use one of: idea (Idee), challenge (Herausforderung), demand (Forderung)"),
}
"""(file, start of the literal) pairs that may keep a German word, each with its reason."""
ALLOWED_FILES = {"i18n.py", "cli.py"}  # the catalogue; the CLI's help (English, operators)


def german_literals(source: str) -> list[tuple[int, str]]:
    """(line, literal) for every non-docstring string in ``source`` with a display word."""
    tree = ast.parse(source)
    docstrings = {
        id(node.value) for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        (node.lineno, node.value) for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings and DISPLAY_WORDS.search(node.value)
    ]


def test_the_scan_finds_a_planted_word_and_passes_keys() -> None:
    source = (
        '"""Themen im Docstring zählen nicht."""\n'
        'KEY = "summary.themes"\n'
        'LEMMAS = ("forderung", "thema")\n'
        'def legend(lang):\n'
        '    return "Themes" if lang == "en" else "Themen"\n'
        'def hover(n):\n'
        '    return f"{n} Aussagen"\n'
    )
    assert [line for line, _ in german_literals(source)] == [5, 7]


def test_no_display_word_lives_outside_the_catalogue() -> None:
    found = []
    for path in sorted(HARVEST.rglob("*.py")):
        if path.name in ALLOWED_FILES:
            continue
        for line, text in german_literals(path.read_text(encoding="utf-8")):
            if not any(path.name == name and text.startswith(start) for name, start in ALLOWED):
                found.append(f"{path.relative_to(HARVEST)}:{line}: {text[:60]!r}")
    assert not found, "move these words to harvest/i18n.py:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("key", "n", "lang", "expected"),
    [
        ("summary.statement_n", 1, "de", "Beitrag"),
        ("summary.statement_n", 0, "de", "Beiträge"),
        ("summary.statement_n", 2, "en", "statements"),
        ("map.theme_n", 1, "en", "Theme"),
        ("map.theme_n", 5, "de", "Themen"),
        ("no.such.key", 3, "de", "no.such.key"),
    ],
)
def test_plural_picks_one_or_other(key: str, n: int, lang: str, expected: str) -> None:
    assert plural(key, n, lang) == expected


def test_every_entry_has_german_and_every_plural_both_forms() -> None:
    assert all(de for de, _ in CATALOGUE.values())
    assert all(all(form) for de, en in PLURALS.values() for form in (*de, *en))
    assert translate("reason.modal", "de", word="muss") == "Modalverb „muss“"
