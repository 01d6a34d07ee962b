"""Keywords: one vocabulary per workshop, compounds linked, the moderator's lexicon applied."""

from __future__ import annotations

from harvest.engine.keywords import Lexicon, extract_keywords
from harvest.model import Overrides


def keywords(table, row: int) -> list[str]:
    return [table.display[table.keys[i]] for i in table.doc_keywords[row]]


TEXTS = [
    "Mehr Kinderbetreuung am Abend!",
    "Die Betreuung der Kinder ist zu teuer.",
    "Sprachkurse mit Kinderbetreuung",
    "Ein Kurs für Eltern",
]


def test_each_statement_gets_its_keywords_with_compound_parts() -> None:
    table = extract_keywords(TEXTS, "de")
    assert keywords(table, 0) == ["Kinderbetreuung", "Betreuung", "Kind", "Abend"]
    assert keywords(table, 1) == ["Betreuung", "Kind"]
    assert keywords(table, 2) == ["Sprachkurs", "Kurs", "Kinderbetreuung", "Betreuung", "Kind"]
    assert keywords(table, 3) == ["Kurs", "Eltern"]
    assert table.compound_parts == {
        "kinderbetreuung": ("betreuung", "kind"), "sprachkurs": ("kurs",)}


def test_vocabulary_is_sorted_and_counts_statements() -> None:
    table = extract_keywords(TEXTS, "de")
    assert list(table.keys) == sorted(table.keys)
    counts = dict(zip(table.keys, table.document_frequency(), strict=True))
    assert counts["betreuung"] == 3
    assert counts["kinderbetreuung"] == 2


def test_without_compounds_words_stay_whole() -> None:
    table = extract_keywords(TEXTS, "de", compounds=False)
    assert keywords(table, 0) == ["Kinderbetreuung", "Abend"]


def test_stopwords_and_synonyms_of_the_moderator_apply() -> None:
    lexicon = Lexicon.from_overrides(Overrides(
        stopwords=frozenset({" Abend "}), synonyms={"Kurs": "Sprachkurs", "Sprachkurs": "Deutschkurs"}))
    table = extract_keywords(TEXTS, "de", lexicon)
    assert keywords(table, 0) == ["Kinderbetreuung", "Betreuung", "Kind"]
    assert keywords(table, 3) == ["Deutschkurs", "Eltern"]
    assert keywords(table, 2)[0] == "Deutschkurs"


def test_a_cycle_of_synonyms_does_not_hang() -> None:
    lexicon = Lexicon.from_overrides(Overrides(synonyms={"a": "b", "b": "a"}))
    assert set(lexicon.synonyms) == {"a", "b"}


def test_display_prefers_spelling_inside_sentences() -> None:
    table = extract_keywords(["Energie sparen.", "Wir sparen Energie", "mehr energie"], "de")
    assert table.display["energie"] == "Energie"


def test_english_statements_keep_all_content_words() -> None:
    table = extract_keywords(["We need affordable housing for families"], "en")
    assert keywords(table, 0) == ["affordable", "housing", "family"]
