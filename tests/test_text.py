"""Text analysis: lemmas, stopwords and filler, languages, compounds, odd input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvest.engine.text import analyse, detect_language, normalise, split_compound, stopwords


def forms(text: str, language: str = "de") -> list[str]:
    return [term.form for term in analyse(text, language).terms]


def noun_forms(text: str, language: str = "de") -> list[str]:
    return [term.form for term in analyse(text, language).noun_terms]


def test_german_words_become_lemmas_and_filler_is_dropped() -> None:
    assert forms("Wir brauchen mehr kostenlose Sprachkurse für Eltern!") == [
        "kostenlos", "Sprachkurs", "Eltern"]
    assert noun_forms("Wir brauchen mehr kostenlose Sprachkurse für Eltern!") == [
        "Sprachkurs", "Eltern"]


def test_nouns_at_a_sentence_start_are_still_nouns() -> None:
    assert noun_forms("Arbeitsmarktintegration gelingt. Verbieten hilft nicht.") == [
        "Arbeitsmarktintegration"]


def test_old_spellings_are_modernised() -> None:
    assert noun_forms("Anerkennung von Abschlüssen") == ["Anerkennung", "Abschluss"]


def test_an_adjective_used_as_a_noun_is_one_keyword_in_every_inflection() -> None:
    # simplemma: "Geflüchtete" -> "Geflüchteter", "Geflüchteten" -> "Geflüchtete"
    assert noun_forms("Geflüchtete fragen, Geflüchteten helfen, Jugendliche und "
                      "Jugendlichen, Deutsche lernen mit Deutschen") == [
        "Geflüchtete", "Geflüchtete", "Jugendliche", "Jugendliche", "Deutsche", "Deutsche"]
    # nouns that end in -er are not read as such adjectives
    assert noun_forms("Im Alter zählen Lehrer und Bürger, trotz des Alters") == [
        "Alter", "Lehrer", "Bürger", "Alter"]


def test_english_keeps_acronyms_and_lowers_the_rest() -> None:
    assert forms("We need a UBI and affordable Houses", "en") == ["UBI", "affordable", "house"]


def test_numbers_urls_emails_and_emoji_are_dropped() -> None:
    assert forms("2030 🚲 https://example.org/radweg info@stadt.de Radwege!") == ["Radweg"]
    assert normalise("  Radweg\u00a0 https://x.y  ") == "Radweg"


def test_feed_markup_is_no_keyword_but_a_hashtag_keeps_its_words() -> None:
    post = "RT @DB_Bahn: Die S-Bahn ist wieder zu spät #MehrTakt https://t.co/x via @mdr_de"
    assert forms(post) == ["S-Bahn", "spät", "Takt"]
    assert normalise("@OB_Magdeburg Wann kommt die Brücke? cc @stadtrat") == (
        "Wann kommt die Brücke?")
    # an e-mail address, "C#", an "@" between words and entities are not feed markup
    assert normalise("an info@stadt.de: C# und &amp; um 18 Uhr @ Rathaus") == (
        "an : C# und & um 18 Uhr @ Rathaus")


@pytest.mark.parametrize(("text", "expected"), [
    ("Rathaus (https://x.de/a). Mehr Kitas!", "Rathaus . Mehr Kitas!"),  # the stop stays
    ("Siehe www.stadt.de, dann", "Siehe , dann"),
    ("Awww.Süß", "Awww.Süß"),  # no link
    ("RT-Ticket für alle", "RT-Ticket für alle"),
    ("RT: Mehr Kitas, Mail an info@x.de", "Mehr Kitas, Mail an"),
    ("Mehr mt @x", "Mehr mt"),  # "MT @x" is a mark, "mt" a word
    ("Kinder&notfall; &auml;", "Kinder&notfall; ä"),  # no entity, an entity
])
def test_markup_rules_take_only_markup(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We need more bike lanes in the city", "en"),
        ("Mehr Radwege in der Stadt", "de"),
        ("Radwege", "de"),
        ("", "de"),
    ],
)
def test_language_is_read_from_function_words(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_english_statement_in_a_german_workshop_is_read_as_english() -> None:
    analysis = analyse("The houses are too expensive", "de")
    assert analysis.language == "en"
    assert [t.key for t in analysis.terms] == ["house", "expensive"]


def test_stopword_lists_hold_function_words_and_workshop_filler() -> None:
    assert {"und", "sollte", "mehr", "wichtig", "brauchen"} <= stopwords("de")
    assert {"the", "should", "more", "important"} <= stopwords("en")


@pytest.mark.parametrize(
    ("word", "vocabulary", "parts"),
    [
        ("arbeitsmarktintegration", {"integration", "arbeit", "markt"},
         ("integration", "markt", "arbeit")),
        ("arbeitsmarktintegration", {"integration", "arbeitsmarkt"},
         ("integration", "arbeitsmarkt")),
        ("kinderbetreuung", {"betreuung", "kinder"}, ("betreuung", "kinder")),
        ("sprachkurs", {"kurs"}, ("kurs",)),
        ("sprachkurs", {"sprache"}, ()),
        ("kitaplatz", {"kita"}, ("kita",)),
        ("pv-anlage", {"anlage"}, ("anlage",)),
        ("radweg", {"rad", "weg"}, ()),
    ],
)
def test_compounds_split_against_the_workshop_vocabulary(word: str, vocabulary: set[str],
                                                          parts: tuple[str, ...]) -> None:
    assert split_compound(word, vocabulary) == parts


def test_analysis_is_cached() -> None:
    assert analyse("Radwege ausbauen", "de") is analyse("Radwege ausbauen", "de")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["de", "en", "xx"]))
def test_any_unicode_is_analysed(text: str, language: str) -> None:
    analysis = analyse(text, language)
    assert analysis.language in ("de", "en")
    for term in analysis.terms:
        assert term.key and term.key == term.key.casefold()


_LOADER = "simplemma.strategies.dictionaries.dictionary_factory._load_dictionary_from_disk"


@pytest.mark.parametrize("warmed", [True, False])
def test_after_the_warm_up_reading_statements_loads_no_dictionary(warmed: bool) -> None:
    # a fresh interpreter: the test process has long loaded every dictionary
    script = f"""
import unittest.mock
from harvest.engine.text import analyse, warm_up
if {warmed}:
    warm_up()
def refuse(code):
    raise SystemExit("loaded " + code)
with unittest.mock.patch("{_LOADER}", refuse):
    analyse("Die Wohnungsbaugenossenschaften bauen.", "de", detect=False)
    analyse("The housing cooperatives build.", "en", detect=False)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=Path(__file__).parent.parent, check=False)
    if warmed:
        assert done.returncode == 0, done.stderr
    else:
        assert "loaded de" in done.stderr
