"""Input rules: what accept_text and clean_kind keep, change and refuse."""

from __future__ import annotations

import random
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvest.intake import (
    BinaryText,
    Contentless,
    EmptyStatement,
    InvalidInput,
    StatementTooLong,
    UnknownKind,
    accept_text,
    clean_kind,
    clean_statement,
)
from harvest.model import DEFAULT_MAX_CHARS, KINDS


@pytest.mark.parametrize(
    "text",
    [
        "Öffentliche Ämter müssen Übersetzungen anbieten",
        "Die Straße braucht mehr Grünflächen, Maß halten",
        "Mehr Begegnungsorte 🤝🏽 für alle 👩‍👩‍👧‍👦 Familien 🇩🇪",
        "نحتاج إلى دورات لغة في المساء",
        "Нужны курсы языка для родителей",
        "Потрібні курси мови для батьків, ґанок і їжак",
        "Ärger über lange Wartezeiten: 6 Monate für einen Termin?!",
        "Zeile eins\nZeile zwei",
        "نیم‌فاصله در فارسی",  # Persian with a zero-width non-joiner
        "מגדבורג",
    ],
)
def test_accept_text_returns_every_script_exactly(text: str) -> None:
    assert accept_text(text) == text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Sprachkurse  ", "Sprachkurse"),
        ("Sprach\tkurse", "Sprach kurse"),
        ("viel   zu    viele Leerzeichen", "viel zu viele Leerzeichen"),
        ("Windows\r\nZeile", "Windows\nZeile"),
        ("alter Mac\rZeile", "alter Mac\nZeile"),
        ("eins\n\n\n\nzwei", "eins\nzwei"),
        ("  eins  \n   zwei  ", "eins\nzwei"),
        ("Glocke\x07 und Escape\x1b[31m", "Glocke und Escape[31m"),
        ("C1\x85Zeilenende", "C1\nZeilenende"),
        ("\ufeffBOM am Anfang", "BOM am Anfang"),
        ("Silben\u00adtrennung", "Silbentrennung"),
        ("no\u00a0break\u2009thin", "no break thin"),
        ("Absatz\u2029Trenner", "Absatz\nTrenner"),
    ],
)
def test_accept_text_tidies_whitespace_and_drops_controls(raw: str, expected: str) -> None:
    assert accept_text(raw) == expected


def test_accept_text_normalises_to_nfc() -> None:
    decomposed = "Mu\u0308ller fu\u0308r Gru\u0308nfla\u0308chen"
    cleaned = accept_text(decomposed)
    assert cleaned == "Müller für Grünflächen"
    assert unicodedata.is_normalized("NFC", cleaned)
    assert len(cleaned) == len(decomposed) - 4


@pytest.mark.parametrize("text", ["", " ", "\n\n", "\t \r\n", "\u00a0\u3000", "\x07\x08"])
def test_accept_text_refuses_empty_text(text: str) -> None:
    with pytest.raises(EmptyStatement) as info:
        accept_text(text)
    assert info.value.code == "empty"
    assert "empty" in str(info.value)


def test_limit_counts_characters_after_cleaning() -> None:
    assert accept_text("ä" * 1000) == "ä" * 1000
    assert accept_text("  " + "a" * 1000 + "  ") == "a" * 1000
    assert accept_text("a" * 9, max_chars=9) == "a" * 9


def test_one_character_over_the_limit_is_refused_naming_the_limit() -> None:
    with pytest.raises(StatementTooLong) as info:
        accept_text("x" * 1001)
    assert str(info.value) == (
        "Statement is 1,001 characters long; this workshop allows at most 1,000. "
        "Shorten it or split it into two."
    )
    assert info.value.code == "too_long"
    assert info.value.params == {"length": 1001, "limit": 1000}


def test_a_workshop_limit_replaces_the_default() -> None:
    with pytest.raises(StatementTooLong) as info:
        accept_text("zu lang", max_chars=5)
    assert info.value.params == {"length": 7, "limit": 5}
    assert DEFAULT_MAX_CHARS == 1000


@pytest.mark.parametrize(
    "garbage",
    [
        "PK\x03\x04\x14\x00\x06\x00",  # the start of an XLSX/ZIP read as text
        bytes(range(256)).decode("latin-1"),
        random.Random(7).randbytes(400).decode("utf-8", errors="replace"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".decode("latin-1"),
        "\ufffd" * 12 + "abc",
        "".join(chr(0xE000 + i) for i in range(20)),  # private use area
        "\x01\x02\x03\x04\x05 Text",
    ],
    ids=["zip", "all-bytes", "random-utf8", "png", "replacement", "private-use", "c0-controls"],
)
def test_accept_text_refuses_binary_garbage(garbage: str) -> None:
    with pytest.raises(BinaryText) as info:
        accept_text(garbage)
    assert info.value.code == "binary"
    assert "binary file" in str(info.value)


def test_one_stray_replacement_character_is_not_binary() -> None:
    assert accept_text("Caf\ufffd am Markt") == "Caf\ufffd am Markt"


def test_emoji_newer_than_python_are_text() -> None:
    # U+1FAE8 (shaking face, Unicode 15) is unassigned in Python 3.11's tables.
    assert (
        accept_text("\U0001fae8\U0001fae8\U0001fae8 zu laut")
        == "\U0001fae8\U0001fae8\U0001fae8 zu laut"
    )


def test_lone_surrogates_are_dropped_so_text_can_be_stored() -> None:
    cleaned = accept_text("kaputt\udcc3 kodiert")
    assert cleaned == "kaputt kodiert"
    cleaned.encode("utf-8")


def test_accept_text_needs_a_string() -> None:
    with pytest.raises(TypeError):
        accept_text(b"bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("idea", "idea"),
        ("Idee", "idea"),
        ("IDEEN", "idea"),
        ("ideas", "idea"),
        ("challenge", "challenge"),
        ("Herausforderung", "challenge"),
        ("Herausforderungen", "challenge"),
        ("Problem", "challenge"),
        ("probleme", "challenge"),
        ("demand", "demand"),
        ("Forderung", "demand"),
        (" Forderungen ", "demand"),
        ("Demands", "demand"),
        ("question", "question"),
        ("Frage", "question"),
        ("Fragen:", "question"),
        ("", None),
        ("   ", None),
        ("-", None),
        (None, None),
    ],
)
def test_clean_kind_maps_english_and_german_names(value: str | None, kind: str | None) -> None:
    assert clean_kind(value) == kind
    assert kind is None or kind in KINDS


@pytest.mark.parametrize("value", ["Wunsch", "ideaa", "1", "Forderung!!"])
def test_clean_kind_refuses_unknown_kinds(value: str) -> None:
    with pytest.raises(UnknownKind) as info:
        clean_kind(value)
    assert info.value.code == "unknown_kind"
    assert "Forderung" in str(info.value)
    assert info.value.params["value"] == value


def test_every_refusal_is_a_value_error_with_code_and_params() -> None:
    for cls in (EmptyStatement, StatementTooLong, BinaryText, UnknownKind):
        assert issubclass(cls, InvalidInput)
        assert issubclass(cls, ValueError)
        assert cls.code != InvalidInput.code
        assert cls.__doc__


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=300), st.integers(1, 400))
def test_any_text_is_cleaned_or_refused_never_crashes(text: str, limit: int) -> None:
    try:
        cleaned = accept_text(text, max_chars=limit)
    except InvalidInput as exc:
        assert exc.code in ("empty", "too_long", "binary")
        return
    assert cleaned == cleaned.strip()
    assert 0 < len(cleaned) <= limit
    assert unicodedata.is_normalized("NFC", cleaned)
    assert "\x00" not in cleaned and "\r" not in cleaned and "\t" not in cleaned
    cleaned.encode("utf-8")
    assert accept_text(cleaned, max_chars=limit) == cleaned  # cleaning is idempotent


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=30)))
def test_any_kind_is_mapped_or_refused_never_crashes(value: str | None) -> None:
    try:
        kind = clean_kind(value)
    except InvalidInput as exc:
        assert exc.code == "unknown_kind"
        return
    assert kind is None or kind in KINDS


# --- nothing to read, nothing said (issue 16, issue 15) -----------------------------


@pytest.mark.parametrize(
    "text",
    [
        "\u200b\u200c\u200d",  # zero-width space, non-joiner, joiner
        "\u2800\u2800",  # Braille blank
        "\u3164",  # Hangul filler
        "\u115f\u1160",  # Hangul choseong/jungseong fillers
        "\ufe0f\u200d",  # a variation selector and a joiner without an emoji
        "\u0301\u0308",  # combining marks on nothing
        "\u2062\u2063\u2064",  # invisible times, separator, plus
        "\U000e0041\U000e0042",  # tag characters
    ],
)
def test_a_statement_of_only_invisible_characters_is_refused_as_empty(text: str) -> None:
    with pytest.raises(EmptyStatement):
        accept_text(text)
    with pytest.raises(EmptyStatement):
        clean_statement(text)


@pytest.mark.parametrize(
    "text", ["ok", "OK!", "Okay.", ".", "...", "?!", "👍", "a", "5", "Danke!", "  gut  ", "ja",
             "„Hallo“", "test", "x"],
)
def test_a_statement_that_says_nothing_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(Contentless) as caught:
        clean_statement(text)
    assert caught.value.code == "contentless"
    assert "says nothing" in str(caught.value)


@pytest.mark.parametrize(
    "text", ["Kita", "ÖPNV", "KI", "Radwege!", "Mehr Bänke 👍", "ok, aber mehr Busse", "Nein zur B6n",
             "Wohnen", "42 Kitaplätze fehlen", "Ämter"],
)
def test_short_statements_with_content_pass(text: str) -> None:
    assert clean_statement(text) == text


def test_names_and_labels_keep_the_plain_rules() -> None:
    # a table called "A" or "1" is fine: only statements must say something
    assert accept_text("A") == "A"
    assert accept_text("1") == "1"


def test_submission_key_is_the_same_for_a_resend_and_differs_for_news() -> None:
    from harvest.intake import submission_key

    key = submission_key("session", "Sprache", "Mehr Abendkurse")
    assert len(key) == 32
    assert submission_key("session", "Sprache", "  Mehr Abendkurse\n") == key
    assert submission_key("other", "Sprache", "Mehr Abendkurse") != key
    assert submission_key("session", "Arbeit", "Mehr Abendkurse") != key
    assert submission_key("session", None, "Mehr Abendkurse") != key
    assert submission_key("session", "Sprache", "Mehr Abendkurse!") != key
