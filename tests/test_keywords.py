"""Keywords: one vocabulary per workshop, compounds linked, the moderator's lexicon applied."""

from __future__ import annotations

import pytest

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


def _fresh(texts: list[str], lexicon: Lexicon | None = None):
    """The table built in one go, without the vocabularies kept from earlier calls."""
    from harvest.engine.keywords import _Options, _Vocabulary

    return _Vocabulary(_Options("de", lexicon or Lexicon(), True, True, True)).grow(texts)


def _same(grown, fresh) -> None:
    assert grown.keys == fresh.keys
    assert list(grown.display.items()) == list(fresh.display.items())
    assert grown.doc_keywords == fresh.doc_keywords
    assert grown.compound_parts == fresh.compound_parts
    assert grown.standalone == fresh.standalone
    assert grown.doc_languages == fresh.doc_languages


def test_a_new_word_links_the_compounds_already_on_the_board() -> None:
    texts = ["Die Straßenkreuzung ist gefährlich.", "Mehr Licht im Park"]
    before = extract_keywords(texts, "de")
    assert keywords(before, 0) == ["Straßenkreuzung"]
    after = extract_keywords([*texts, "Jede Kreuzung braucht eine Ampel"], "de")
    assert keywords(after, 0) == ["Straßenkreuzung", "Kreuzung"]
    _same(after, _fresh([*texts, "Jede Kreuzung braucht eine Ampel"]))


def test_growing_a_workshop_statement_by_statement_gives_the_table_built_at_once() -> None:
    lexicon = Lexicon.from_overrides(Overrides(stopwords=frozenset({"abend"}),
                                               synonyms={"Kurs": "Sprachkurs"}))
    texts = [*TEXTS, "Kurse am Abend", "Die Sprachkurse sind voll", "Betreuungsplätze fehlen",
             "Platz für Kinder", "Sprachkurs-Angebote ausbauen", "We need more courses"]
    for lex in (None, lexicon):
        for n in range(1, len(texts) + 1):
            _same(extract_keywords(texts[:n], "de", lex), _fresh(texts[:n], lex))
    # another order is another workshop: built afresh, the same as at once
    _same(extract_keywords(texts[::-1], "de"), _fresh(texts[::-1]))


def test_a_changed_lexicon_is_not_served_the_vocabulary_of_the_old_one() -> None:
    assert keywords(extract_keywords(TEXTS, "de"), 0)[-1] == "Abend"
    lexicon = Lexicon.from_overrides(Overrides(stopwords=frozenset({"abend"})))
    assert "Abend" not in keywords(extract_keywords(TEXTS, "de", lexicon), 0)


def test_finding_compounds_by_many_new_words_agrees_with_finding_them_by_a_few() -> None:
    from harvest.engine.keywords import _containing

    words = {"straßenkreuzung", "kitaplatz", "radweg", "arbeitsmarkt", "ampel"}
    few = ["kreuzung", "markt"]
    many = few + [f"wort{i}" for i in range(100)]
    assert sorted(_containing(words, few)) == ["arbeitsmarkt", "straßenkreuzung"]
    assert sorted(_containing(words, many)) == ["arbeitsmarkt", "straßenkreuzung"]


def test_the_moderators_words_count_in_every_inflection() -> None:
    lexicon = Lexicon.from_overrides(Overrides(
        stopwords=frozenset({"Abende"}), synonyms={"Sprachkurse": "Kurse"}))
    table = extract_keywords(TEXTS, "de", lexicon)
    assert keywords(table, 0) == ["Kinderbetreuung", "Betreuung", "Kind"]
    # 'Sprachkurse' (the keyword 'Sprachkurs') now counts as the keyword 'Kurs'
    assert keywords(table, 2)[0] == "Kurs"
    assert table.keys[table.row(2)[0]] == table.keys[table.row(3)[0]] == "kurs"


def test_a_word_typed_as_it_stands_wins_over_another_words_inflection() -> None:
    lexicon = Lexicon.from_overrides(Overrides(
        synonyms={"Kurse": "Sprachkurs", "Kurs": "Weiterbildung"}))
    assert lexicon.canonical("kurs") == "weiterbildung"
    assert lexicon.canonical("kurse") == "sprachkurs"


def test_a_vocabulary_that_failed_to_grow_is_not_served_again(monkeypatch) -> None:  # noqa: ANN001
    import harvest.engine.keywords as keywords_module

    texts = ["Mehr Radwege in der Stadt", "Sichere Kreuzungen"]
    extract_keywords(texts, "de")
    real = keywords_module._display_form

    def failing(key: str, counts):  # noqa: ANN001, ANN202 - fails halfway through a read
        if key == "ampel":
            raise MemoryError
        return real(key, counts)

    monkeypatch.setattr(keywords_module, "_display_form", failing)
    grown = [*texts, "Neue Ampel am Markt"]
    with pytest.raises(MemoryError):
        extract_keywords(grown, "de")
    monkeypatch.setattr(keywords_module, "_display_form", real)
    _same(extract_keywords(grown, "de"), _fresh(grown))
