"""Demands: the wording rules, their reasons, and precision/recall on a labelled set."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvest.engine.demands import demand_verdict, detect_demand
from tests.conftest import require

LABELLED = Path(__file__).parent / "data" / "demand_statements.csv"


@pytest.mark.parametrize(
    ("text", "language", "reason"),
    [
        ("Die Stadt muss mehr Radwege bauen.", "de", "Modalverb „muss“"),
        ("Es braucht einen Trinkbrunnen am Markt.", "de", "Forderung: „es braucht“"),
        ("Radwege ausbauen!", "de", "Infinitiv-Forderung „… ausbauen“"),
        ("Beratung anbieten, auch am Telefon", "de", "Infinitiv-Forderung „… anbieten“"),
        ("Mehr Bänke im Park", "de", "Forderung: „mehr …“"),
        ("Kostenlose Sprachkurse für alle!", "de", "Stichpunkt-Forderung"),
        ("Könnte die Stadt nicht die Turnhalle öffnen?", "de", "rhetorische Frage „… nicht …?“"),
        ("The council should fund bike lanes.", "en", "„should“"),
        ("We need more bike lanes", "en", "„need“"),
        ("Ban cars from the old town.", "en", "imperative „ban …“"),
        ("It would be great if the pool opened earlier.", "en", "„it would be great if …“"),
        ("Free childcare during courses", "en", "keyword card"),
    ],
)
def test_demands_are_found_with_a_reason(text: str, language: str, reason: str) -> None:
    assert detect_demand(text, language) == reason


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Der Park ist schön.", "de"),
        ("Sollte man sich vorher anmelden?", "de"),
        ("Laut Amt sollte ich warten.", "de"),
        ("Das muss wohl am Wetter gelegen haben.", "de"),
        ("Wir brauchen 40 Minuten bis zur Schule.", "de"),
        ("Es kommen mehr Familien als letztes Jahr.", "de"),
        ("Wir mussten drei Monate warten.", "de"),
        ("Danke, bitte weiter so!", "de"),
        ("Should we register in advance?", "en"),
        ("The bus must have been late.", "en"),
        ("I have to change buses twice.", "en"),
        ("The caseworker said I should wait.", "en"),
        ("More people came than last year.", "en"),
        ("Rent is far too high.", "en"),
        ("", "de"),
        ("👍", "en"),
    ],
)
def test_cue_words_alone_do_not_make_a_demand(text: str, language: str) -> None:
    assert detect_demand(text, language) is None


def test_language_is_read_when_not_given() -> None:
    assert detect_demand("We should plant trees") == "„should“"
    assert detect_demand("Wir sollten Bäume pflanzen") == "Modalverb „sollten“"


def test_marks_and_kinds_win_over_wording() -> None:
    assert demand_verdict("Der Park ist schön.", "demand", "de", None) == (
        True, "von der Tischmoderation markiert")
    assert demand_verdict("Nice park", "demand", "en", None, "en") == (
        True, "marked by the facilitator")
    assert demand_verdict("Wir brauchen Bänke", None, "de", False) == (False, None)
    assert demand_verdict("Der Park ist schön.", None, "de", True) == (
        True, "vom Moderationsteam markiert")
    assert demand_verdict("Wir brauchen Bänke", "idea", "de", None) == (
        True, "Forderung: „wir brauchen“")


def measure() -> dict[str, tuple[float, float, int]]:
    require(LABELLED.exists(), f"{LABELLED} is absent")
    with LABELLED.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    result = {}
    for language in ("de", "en", "all"):
        subset = [r for r in rows if language in ("all", r["language"])]
        predicted = [detect_demand(r["text"], r["language"]) is not None for r in subset]
        truth = [r["is_demand"] == "1" for r in subset]
        hits = sum(p and t for p, t in zip(predicted, truth, strict=True))
        precision = hits / max(sum(predicted), 1)
        recall = hits / max(sum(truth), 1)
        result[language] = (precision, recall, len(subset))
    return result


def test_labelled_set_is_large_enough() -> None:
    figures = measure()
    assert figures["all"][2] >= 150
    assert figures["de"][2] >= 50 and figures["en"][2] >= 50


def test_precision_and_recall_on_the_labelled_set() -> None:
    """Measured 0.99 / 0.99 (de 1.00 / 1.00, en 0.97 / 0.97); the rules were written with
    this set in view, so the floors leave room for what new wording will bring."""
    figures = measure()
    for language in ("de", "en", "all"):
        precision, recall, _ = figures[language]
        assert precision >= 0.9, (language, precision)
        assert recall >= 0.9, (language, recall)


REAL = Path(__file__).parent / "data" / "demand_real_sample.csv"


def real_scores(split: str) -> tuple[float, float, int]:
    with REAL.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["split"] == split]
    predicted = [demand_verdict(r["text"], None, r["language"], None)[0] for r in rows]
    truth = [r["is_demand"] == "1" for r in rows]
    hits = sum(p and t for p, t in zip(predicted, truth, strict=True))
    return hits / max(sum(predicted), 1), hits / max(sum(truth), 1), len(rows)


def test_flagged_demands_are_what_a_person_calls_a_demand_on_fresh_real_comments() -> None:
    """Real comments (Tempelhofer Feld, Klimarat, Scoop) labelled by hand after the rules
    were tuned, never tuned on: measured precision 0.909, recall 0.784 (before this
    tuning 0.886 / 0.765); benchmarks/bench_demands.py prints the figures."""
    precision, recall, n = real_scores("test")
    assert n >= 80
    assert precision >= 0.88, precision
    assert recall >= 0.74, recall


def test_rules_tuned_on_real_comments_keep_their_figures() -> None:
    precision, recall, n = real_scores("dev")  # measured 0.947 / 0.877
    assert n >= 120
    assert precision >= 0.92 and recall >= 0.85, (precision, recall)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ich bin dafür, die Nutzer einzubeziehen.", True),
        ("Ich schlage vor, Liegestühle aufzustellen.", True),
        ("Neue Industrieanlagen dürfen nur mehr CO2-neutral errichtet werden.", True),
        ("Keine Gebäude in roten und orangen Hochwasserzonen.", True),
        ("Wien: Genossenschaften zu nachträglicher Begrünung (Fassaden etc.) zwingen.", True),
        ("Zahlen dazu gibt es viele. Verpflichtende Ernährungsseminare für alle.", True),
        ("Ich mag kein Tofu, aber man sollte doch lieber regional essen.", True),
        ("Eine Möglichkeit, auf dem Feld zu übernachten, wäre ein Schäferwagen.", False),
        ("Ein Grund mehr, mal wieder nach Berlin zu kommen!", False),
        ("Dort könnten alle Clubs spielen, die es in die erste Liga schaffen sollten.", False),
        ("Sehr cool! :)", False),
        ("Siehe auch: https://example.org/vorschlag/26", False),
    ],
)
def test_real_wording_of_demands_and_non_demands(text: str, expected: bool) -> None:
    assert (detect_demand(text, "de") is not None) is expected, detect_demand(text, "de")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nature can manage itself. Leave wild places wild.", True),
        ("Eliminate populations of non-native species", True),
        ("It IS NZ the way I want it!", False),
    ],
)
def test_real_english_wording(text: str, expected: bool) -> None:
    assert (detect_demand(text, "en") is not None) is expected


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["de", "en", None, "fr"]))
def test_any_text_gives_a_reason_or_none(text: str, language: str | None) -> None:
    reason = detect_demand(text, language)
    assert reason is None or (isinstance(reason, str) and reason)


@pytest.mark.parametrize(
    "text,kind,expected",
    [
        ("Termin bei der Ausländerbehörde: drei Monate Wartezeit", "challenge", False),
        ("Lange Wartezeiten bei der Ausländerbehörde, Termine kaum zu bekommen", "challenge", False),
        ("Sprachcafé im Stadtteiltreff", "idea", False),
        ("Sprachkurse mit Kinderbetreuung anbieten", "idea", False),
        ("Provide free childcare during courses", "idea", False),
        ("Sprachkurse mit Kinderbetreuung anbieten", None, True),
        ("Die Stadt muss mehr Dolmetscher einstellen", "challenge", True),
        ("We need more evening classes for parents", "idea", True),
    ],
)
def test_a_facilitators_kind_gives_way_only_to_explicit_demand_words(
    text: str, kind: str | None, expected: bool
) -> None:
    language = "en" if text.split()[0] in ("Provide", "We") else "de"
    is_demand, reason = demand_verdict(text, kind, language, None)
    assert is_demand is expected, reason


def test_top_demands_take_one_per_theme_largest_first_and_short_ones_first() -> None:
    from harvest.engine.demands import top_demands
    from harvest.model import Assignment, Clustering, Theme

    def demand(sid: int, theme: str, keywords: tuple[str, ...] = ()) -> Assignment:
        return Assignment(sid, theme, None, True, "x", keywords)

    clustering = Clustering(
        themes=(
            Theme("t1", "Sprache", (("kurs", 1.0),), (1, 2, 3, 9)),
            Theme("t2", "Arbeit", (), (4, 5)),
            Theme("other", "Sonstiges", (), (6, 7, 8, 10, 11), is_other=True),
        ),
        assignments={
            1: demand(1, "t1"),
            2: demand(2, "t1", ("kurs",)),
            3: Assignment(3, "t1", None, False, None, ("kurs",)),
            4: demand(4, "t2"),
            6: demand(6, "other"),
            9: demand(9, "t1", ("kurs",)),
        },
    )
    texts = {1: "a", 2: "b" * 300, 3: "c", 4: "d", 6: "e", 9: "Mehr Kurse am Abend"}
    # t1 first (largest real theme): its keyword-sharing short demand 9, then t2, then other
    assert top_demands(clustering, texts, limit=3) == [(9, "t1"), (4, "t2"), (6, "other")]
    assert top_demands(clustering, texts, limit=5) == [
        (9, "t1"), (4, "t2"), (6, "other"), (2, "t1"), (1, "t1")
    ]
    assert top_demands(clustering, texts, limit=0) == []


def test_a_demands_reason_is_shown_in_the_readers_language_not_the_rules() -> None:
    from harvest.engine.themes import detect_themes
    from harvest.i18n import reason_text
    from harvest.model import Document

    docs = [Document(1, "Die Stadt muss mehr Sprachkurse am Abend anbieten"),
            Document(2, "Sprachkurse am Abend helfen Berufstätigen", kind="demand"),
            Document(3, "Mehr Kitaplätze in der Nähe der Kurse")]
    found = detect_themes(docs, language="de").assignments
    assert found[1].demand_reason == "Modalverb „muss“"  # the engine's words, as before
    assert reason_text(found[1], "de") == "Modalverb „muss“"
    assert reason_text(found[1], "en") == "modal verb „muss“"
    assert reason_text(found[2], "en") == "marked by the facilitator"
    assert reason_text(found[2], "de") == "von der Tischmoderation markiert"
    not_one = [a for a in found.values() if not a.is_demand]
    assert all(reason_text(a, "en") == "" for a in not_one)
