"""The closing summary: exact content on a hand-made workshop, escaping, HTML and PDF."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import os
import re
import shutil
from collections import Counter
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvest.demo import load_demo_spec
from harvest.model import Assignment, Clustering, Statement, Table, Theme, Workshop
from harvest.safety import escape_markdown, one_line
from harvest.summary import (
    MAX_KEYWORDS,
    Summary,
    SummaryError,
    ThemeSummary,
    build_summary,
    summary_html,
    summary_markdown,
    summary_pdf,
    without_reasons,
)
from tests.conftest import require

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

NOW = datetime(2026, 11, 21, 17, 30, tzinfo=UTC)
T0 = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)

WORKSHOP = Workshop(
    id=1,
    slug="feld",
    title="Zukunft des Tempelhofer Felds",
    date=date(2026, 11, 21),
    place="Berlin-Neukölln",
    language="de",
    max_chars=1000,
    revision=7,
    created_at=T0,
)
TABLES = (Table(1, 1, "Mobilität"), Table(2, 1, "Wohnen"), Table(3, 1, "Grün"))


def statement(
    sid: int, table: int | None, text: str, kind: str | None = "idea", **extra: object
) -> Statement:
    return Statement(
        id=sid,
        workshop_id=1,
        table_id=table,
        text=text,
        kind=kind,
        author=None,
        created_at=T0,
        updated_at=T0,
        **extra,  # type: ignore[arg-type]
    )


def assignment(
    sid: int, theme: str, *keywords: str, demand: bool = False, reason: str | None = None
) -> Assignment:
    return Assignment(sid, theme, None, demand, reason, keywords)


STATEMENTS = (
    statement(1, 1, "Mehr Radwege am Feld, auch am Abend beleuchtet"),
    statement(2, 1, "Radwege sicher machen und Busse öfter fahren lassen"),
    statement(3, 2, "Busse fahren am Abend zu selten", "challenge"),
    statement(4, 1, "Die Stadt muss bis 2027 Radwege bauen", "demand"),
    statement(5, 1, "Mehr Radwege am Feld – auch am Abend beleuchtet!"),
    statement(6, 3, "Bäume statt Parkplätze"),
    statement(7, 3, "Mehr Bäume und Schatten im Sommer"),
    statement(8, 2, "Wir fordern bezahlbare Mieten rund ums Feld", None),
    statement(9, 2, "Mieten bezahlbar halten"),
    statement(10, 3, "Hallo zusammen"),
    statement(11, 2, "Beleidigung, vom Moderator ausgeblendet", hidden=True),
    statement(12, None, "Importiert: Busse auch nachts", origin="imported"),
    statement(13, 3, "Parkplätze müssen bleiben", "demand"),
    statement(14, 3, "Der Kaffee war gut"),
)

CLUSTERING = Clustering(
    themes=(
        Theme(
            "t1",
            "Mobilität & Verkehr",
            (("radweg", 3.0), ("bus", 2.0), ("abend", 1.0), ("sicher", 0.5)),
            (1, 2, 3, 4, 5, 11, 12),
        ),
        Theme("t3", "Wohnen", (("miete", 2.0), ("bezahlbar", 1.5)), (8, 9)),
        Theme(
            "t2",
            "Grün",
            (("baum", 2.0), ("schatten", 1.0), ("parkplatz", 1.0)),
            (6, 7, 13),
        ),
        Theme("other", "Sonstiges", (), (10,), is_other=True),
    ),
    assignments={
        1: assignment(1, "t1", "radweg", "abend", "feld"),
        2: assignment(2, "t1", "radweg", "sicher", "bus"),
        3: assignment(3, "t1", "bus", "abend"),
        4: assignment(4, "t1", "radweg", demand=True, reason="Art: Forderung"),
        5: assignment(5, "t1", "radweg", "abend"),
        6: assignment(6, "t2", "baum", "parkplatz"),
        7: assignment(7, "t2", "baum", "schatten"),
        8: assignment(8, "t3", "miete", "bezahlbar", demand=True, reason="Signalwort „fordern“"),
        9: assignment(9, "t3", "miete", "bezahlbar"),
        10: assignment(10, "other"),
        11: assignment(11, "t1", "radweg"),
        12: assignment(12, "t1", "bus"),
        # The moderator unmarked this one: the engine's verdict wins over the kind.
        13: assignment(13, "t2", "parkplatz", demand=False),
        # 14 has no assignment and no theme claims it (entered after the recompute).
    },
)


def summarise(**kwargs: object) -> Summary:
    options: dict[str, object] = {"now": NOW, "tables": TABLES}
    options.update(kwargs)
    return build_summary(WORKSHOP, CLUSTERING, STATEMENTS, **options)  # type: ignore[arg-type]


# --- build_summary ---------------------------------------------------------------------


def test_themes_are_ordered_largest_first_with_other_last():
    summary = summarise()
    assert [(t.theme_id, t.size) for t in summary.themes] == [
        ("t1", 6),
        ("t2", 3),
        ("t3", 2),
        ("other", 2),
    ]
    assert [t.share for t in summary.themes] == [6 / 13, 3 / 13, 2 / 13, 2 / 13]
    assert [t.is_other for t in summary.themes] == [False, False, False, True]


def test_equal_sizes_are_ordered_by_label():
    themes = tuple(
        Theme(tid, label, (), (sid,))
        for tid, label, sid in [("a", "Zebra", 1), ("b", "apfel", 2), ("c", "Birne", 3)]
    )
    summary = build_summary(WORKSHOP, Clustering(themes, {}), STATEMENTS[:3], now=NOW)
    assert [t.label for t in summary.themes] == ["apfel", "Birne", "Zebra"]


def test_summary_figures_and_workshop_details():
    summary = summarise()
    assert (summary.title, summary.date, summary.place) == (
        "Zukunft des Tempelhofer Felds",
        date(2026, 11, 21),
        "Berlin-Neukölln",
    )
    assert (summary.language, summary.generated_at) == ("de", NOW)
    assert summary.total_statements == 13  # 14 minus the hidden one
    assert summary.total_demands == 2
    assert summary.table_count == 3


def test_table_count_without_tables_counts_tables_with_statements():
    assert summarise(tables=None).table_count == 3
    only_two = build_summary(WORKSHOP, CLUSTERING, STATEMENTS[:3], now=NOW)
    assert only_two.table_count == 2
    # the same table once by id, once also by name, counts once
    named = dataclasses.replace(STATEMENTS[0], table_name="Mobilität")
    assert build_summary(WORKSHOP, CLUSTERING, (named, *STATEMENTS[1:3]), now=NOW).table_count == 2


def test_tables_per_theme_are_counted_most_first():
    summary = summarise()
    assert {t.theme_id: t.tables for t in summary.themes} == {
        # statement 12 has no table: it counts for the theme, not for a table
        "t1": (("Mobilität", 4), ("Wohnen", 1)),
        "t2": (("Grün", 3),),
        "t3": (("Wohnen", 2),),
        "other": (("Grün", 2),),
    }


def test_table_names_come_from_statements_first_then_tables():
    named = dataclasses.replace(STATEMENTS[0], table_name="Tisch am Fenster")
    summary = build_summary(WORKSHOP, CLUSTERING, (named, *STATEMENTS[1:3]), now=NOW, tables=TABLES)
    assert summary.themes[0].tables == (
        ("Mobilität", 1),
        ("Tisch am Fenster", 1),
        ("Wohnen", 1),
    )


def test_keywords_are_the_themes_best_eight_in_order():
    words = tuple((f"wort{i}", 10.0 - i) for i in range(12))
    clustering = Clustering((Theme("t1", "Viele", words, (1,)),), {})
    summary = build_summary(WORKSHOP, clustering, STATEMENTS[:1], now=NOW)
    assert MAX_KEYWORDS == 8
    assert summary.themes[0].keywords == tuple(f"wort{i}" for i in range(8))
    assert summarise().themes[0].keywords == ("radweg", "bus", "abend", "sicher")


def test_representatives_cover_the_keywords_and_skip_near_duplicates():
    themes = {t.theme_id: t for t in summarise().themes}
    # 2 covers radweg+bus+sicher; 1 adds "abend" (tie with 5, lower id); 5 would come
    # next but says what 1 says, so 3 takes its place. 4 is a demand: listed apart.
    assert themes["t1"].representatives == (
        "Radwege sicher machen und Busse öfter fahren lassen",
        "Mehr Radwege am Feld, auch am Abend beleuchtet",
        "Busse fahren am Abend zu selten",
    )
    assert themes["t2"].representatives == (
        "Bäume statt Parkplätze",
        "Mehr Bäume und Schatten im Sommer",
        "Parkplätze müssen bleiben",
    )
    assert themes["t3"].representatives == ("Mieten bezahlbar halten",)
    assert themes["other"].representatives == ("Hallo zusammen", "Der Kaffee war gut")


def test_feed_copies_of_one_statement_are_near_duplicates():
    from harvest.summary import comparable, near_duplicate

    one = comparable("RT @stadt_md: Busse fahren am Abend zu selten https://t.co/x1")
    other = comparable("Busse fahren am Abend zu selten! via @lokal_zeitung")
    assert one == other == "busse fahren am abend zu selten"
    assert near_duplicate(one, other)


def test_max_representatives_limits_the_voices():
    themes = summarise(max_representatives=2).themes
    assert [len(t.representatives) for t in themes] == [2, 2, 1, 2]
    assert all(t.representatives == () for t in summarise(max_representatives=0).themes)
    # With room for more, the near-duplicate is still left out and 12 comes in.
    assert summarise(max_representatives=5).themes[0].representatives[3:] == (
        "Importiert: Busse auch nachts",
    )


def test_demands_follow_the_engines_verdict_with_reasons():
    themes = {t.theme_id: t for t in summarise().themes}
    assert themes["t1"].demands == (("Die Stadt muss bis 2027 Radwege bauen", "Art: Forderung"),)
    assert themes["t3"].demands == (
        ("Wir fordern bezahlbare Mieten rund ums Feld", "Signalwort „fordern“"),
    )
    assert themes["t2"].demands == ()  # 13 was unmarked by the moderator
    assert themes["other"].demands == ()


def test_printed_summary_leaves_out_the_engines_reasons():
    printed = summarise(reasons=False)
    themes = {t.theme_id: t for t in printed.themes}
    assert themes["t3"].demands == (("Wir fordern bezahlbare Mieten rund ums Feld", ""),)
    for document in (summary_markdown(printed), summary_html(printed)):
        assert "Grund" not in document and "Signalwort" not in document
        assert "Wir fordern bezahlbare Mieten rund ums Feld" in document
    assert "Signalwort" in summary_markdown(summarise())  # the moderator's screen keeps it


def test_without_reasons_is_the_summary_built_without_them() -> None:
    assert without_reasons(summarise()) == summarise(reasons=False)  # one build, not two


def test_the_other_theme_is_named_in_the_summary_language():
    german_other = dataclasses.replace(CLUSTERING, themes=tuple(
        dataclasses.replace(t, label="Sonstiges") if t.is_other else t for t in CLUSTERING.themes
    ))
    english = build_summary(WORKSHOP, german_other, STATEMENTS, now=NOW, language="en")
    assert [t.label for t in english.themes if t.is_other] == ["Other"]
    assert "Sonstiges" not in summary_html(english)


def test_without_an_assignment_the_kind_decides_a_demand():
    late = statement(20, 1, "Wir brauchen eine Ampel", "demand")
    summary = build_summary(WORKSHOP, Clustering((), {}), (late,), now=NOW)
    assert summary.themes[0].demands == (("Wir brauchen eine Ampel", ""),)
    assert summary.total_demands == 1


def test_hidden_statements_are_not_in_the_summary():
    texts = repr(summarise())
    assert "ausgeblendet" not in texts
    assert summarise().themes[0].size == 6


def test_unclaimed_statements_go_to_a_new_other_theme_when_there_is_none():
    clustering = Clustering(CLUSTERING.themes[:3], CLUSTERING.assignments)
    german = build_summary(WORKSHOP, clustering, STATEMENTS, now=NOW)
    english = build_summary(WORKSHOP, clustering, STATEMENTS, now=NOW, language="en")
    assert (german.themes[-1].label, german.themes[-1].is_other) == ("Sonstiges", True)
    assert english.themes[-1].label == "Other"
    # 10 is assigned to the missing "other" theme, 14 to nothing
    assert german.themes[-1].representatives == ("Hallo zusammen", "Der Kaffee war gut")
    assert sum(t.size for t in german.themes) == german.total_statements


def test_an_unnamed_theme_is_labelled_by_its_keywords():
    unnamed = Theme("t7", "  ", (("bank", 2.0), ("park", 1.0), ("licht", 0.5), ("weg", 0.1)), (1,))
    bare = Theme("t8", "", (), (2,))
    summary = build_summary(WORKSHOP, Clustering((unnamed, bare), {}), STATEMENTS[:2], now=NOW)
    assert [t.label for t in summary.themes] == ["bank, park, licht", "t8"]


def test_themes_without_visible_statements_are_left_out():
    clustering = Clustering(
        (*CLUSTERING.themes, Theme("t9", "Nur Ausgeblendetes", (("x", 1.0),), (11,))),
        CLUSTERING.assignments,
    )
    summary = build_summary(WORKSHOP, clustering, STATEMENTS, now=NOW)
    assert "t9" not in [t.theme_id for t in summary.themes]


def test_the_summary_does_not_depend_on_statement_order():
    assert (
        build_summary(WORKSHOP, CLUSTERING, STATEMENTS[::-1], now=NOW, tables=TABLES) == summarise()
    )


def test_colours_come_from_the_caller_and_other_is_grey():
    summary = summarise(colors={"t1": "#123456"})
    colours = {t.theme_id: t.color for t in summary.themes}
    assert colours["t1"] == "#123456"
    assert colours["other"] == "#B0B0B0"
    assert len({colours["t1"], colours["t2"], colours["t3"]}) == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"language": "fr"}, "no summary texts for language 'fr'"),
        ({"max_representatives": -1}, "max_representatives must be >= 0"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(SummaryError, match=message):
        summarise(**kwargs)


def test_statements_of_another_workshop_are_refused():
    stranger = dataclasses.replace(STATEMENTS[0], workshop_id=2)
    with pytest.raises(SummaryError, match="belongs to workshop 2"):
        build_summary(WORKSHOP, CLUSTERING, (stranger,), now=NOW)


def test_an_empty_workshop_has_an_empty_summary():
    summary = build_summary(WORKSHOP, Clustering((), {}), (), now=NOW)
    assert (summary.total_statements, summary.total_demands, summary.themes) == (0, 0, ())
    assert "Noch keine Beiträge." in summary_markdown(summary)
    assert "Noch keine Beiträge." in summary_html(summary)
    assert summary_pdf(summary).startswith(b"%PDF")


# --- Markdown ---------------------------------------------------------------------------

EXPECTED_MARKDOWN = """\
# Zukunft des Tempelhofer Felds

21.11.2026 · Berlin-Neukölln

## Zusammenfassung

**13** Beiträge · **2** Forderungen · **3** Tische · **4** Themen

## Themen

### 1\\. Mobilität \\& Verkehr

**6 Beiträge** · 46 % aller Beiträge

**Tische:** Mobilität \\(4\\), Wohnen \\(1\\)

**Schlagwörter:** radweg · bus · abend · sicher

#### Stimmen aus den Tischen

> „Radwege sicher machen und Busse öfter fahren lassen“

> „Mehr Radwege am Feld, auch am Abend beleuchtet“

> „Busse fahren am Abend zu selten“

#### Forderungen

- **!** Die Stadt muss bis 2027 Radwege bauen\\
  *Grund: Art\\: Forderung*

### 2\\. Grün

**3 Beiträge** · 23 % aller Beiträge

**Tische:** Grün \\(3\\)

**Schlagwörter:** baum · schatten · parkplatz

#### Stimmen aus den Tischen

> „Bäume statt Parkplätze“

> „Mehr Bäume und Schatten im Sommer“

> „Parkplätze müssen bleiben“

### 3\\. Wohnen

**2 Beiträge** · 15 % aller Beiträge

**Tische:** Wohnen \\(2\\)

**Schlagwörter:** miete · bezahlbar

#### Stimmen aus den Tischen

> „Mieten bezahlbar halten“

#### Forderungen

- **!** Wir fordern bezahlbare Mieten rund ums Feld\\
  *Grund: Signalwort „fordern“*

### 4\\. Sonstiges

**2 Beiträge** · 15 % aller Beiträge

**Tische:** Grün \\(2\\)

#### Stimmen aus den Tischen

> „Hallo zusammen“

> „Der Kaffee war gut“

---

*Erstellt am 21.11.2026, 17:30 UTC mit Harvest*
"""


def test_markdown_of_the_workshop_is_exactly_this():
    assert summary_markdown(summarise()) == EXPECTED_MARKDOWN


def test_markdown_headings_follow_the_language():
    german = summary_markdown(summarise())
    english = summary_markdown(summarise(language="en"))
    for heading in ["## Zusammenfassung", "## Themen", "#### Forderungen"]:
        assert heading in german
    assert "#### Stimmen aus den Tischen" in german
    for heading in ["## Summary", "## Themes", "#### Demands", "#### Voices from the tables"]:
        assert heading in english
    assert "**13** statements · **2** demands · **3** tables · **4** themes" in english
    assert "21 November 2026 · Berlin-Neukölln" in english
    assert "**6 statements** · 46% of all statements" in english


PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "[x](javascript:alert(1))",
    '=HYPERLINK("http://evil")',
    "# heading",
    "|table|",
    "- item",
    "1. item",
    "`code`",
    "**bold** _em_ ~~strike~~",
    "&lt;b&gt;entity",
    "===",
    "![img](http://evil/x.png)",
    "<!-- comment -->",
    "\\<script>",
    "line one\n# line two\n\n---",
    "see http://evil.example and www.evil.example",
    "\u202eevil\u202c <b>bidi</b>",
    "$x^2$ :red[rot] :material/warning:",
)


def hostile_summary(payload: str, language: str = "de") -> Summary:
    """Every user-controlled string of a summary set to the payload."""
    theme = ThemeSummary(
        theme_id="t1",
        label=payload,
        size=2,
        share=1.0,
        tables=((payload, 2),),
        keywords=(payload, "ok"),
        representatives=(payload, f"Text mit {payload} in der Mitte"),
        demands=((payload, payload),),
        color="#E69F00",
    )
    return Summary(
        title=payload,
        date=date(2026, 11, 21),
        place=payload,
        language=language,
        generated_at=NOW,
        total_statements=2,
        total_demands=1,
        table_count=1,
        themes=(theme,),
    )


def test_clean_text_makes_one_line_without_controls_or_direction_overrides():
    assert one_line(" Mehr\r\nBänke\u2028im \x00Park\t ") == "Mehr Bänke im Park"
    assert one_line("a\u202eb\u2066c\u2069d") == "abcd"
    assert one_line("Cafe\u0301 🚲\u200d") == "Café 🚲\u200d"  # NFC; joiners stay for emoji


def test_markdown_keeps_bare_addresses_from_becoming_links():
    # escaped, and broken by an invisible word joiner: GFM links them after unescaping
    assert escape_markdown("http://evil.example www.evil.example a@evil.example") == (
        "http\u2060\\://evil.example www\u2060\\.evil.example a@\u2060evil.example"
    )
    assert escape_markdown("$x^2$ :red[rot] :smile:") == "\\$x^2\\$ \\:red\\[rot\\] \\:smile\\:"
    assert escape_markdown("21.11.2026") == "21.11.2026"  # only "21. " starts a list
    assert escape_markdown("21. November") == "21\\. November"


def unescape_markdown(text: str) -> str:
    """What a reader sees: escapes resolved, the invisible word joiner not there."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_escaped_markdown_reads_back_as_the_original_text(payload):
    escaped = escape_markdown(payload)
    assert "\n" not in escaped
    assert unescape_markdown(escaped) == one_line(payload)
    # every character that could start markup is escaped
    unescaped_specials = re.findall(r"(?<!\\)(?:\\\\)*[`*_\[\]()#<>|~&:$]", escaped)
    assert unescaped_specials == []
    assert not re.match(r"[-+=]|\d+\.", escaped)


class TagCollector(HTMLParser):
    """Every element and attribute of an HTML document, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.comments.append(data)


def parse(document: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(document)
    collector.close()
    return collector


MARKDOWN_TAGS = {"h1", "h2", "h3", "h4", "p", "strong", "em", "blockquote", "ul", "li", "hr", "br"}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_renders_hostile_text_literally(payload):
    require(
        importlib.util.find_spec("markdown_it"),
        "markdown-it-py is not installed (the CommonMark renderer these tests render with)",
    )
    import markdown_it

    # html=True: the renderer would pass raw HTML through, so escaping is all that stops it
    rendered = markdown_it.MarkdownIt("commonmark", {"html": True}).render(
        summary_markdown(hostile_summary(payload))
    )
    page = parse(rendered)
    assert {tag for tag, _ in page.tags} <= MARKDOWN_TAGS
    assert all(not attrs for _, attrs in page.tags)
    assert page.comments == []
    text = "".join(page.text).replace("\u2060", "")  # the invisible word joiner
    flat = one_line(payload)
    assert f"„{flat}“" in text
    assert f"Grund: {flat}" in text
    assert [tag for tag, _ in page.tags].count("h3") == 1
    assert [tag for tag, _ in page.tags].count("h1") == 1


# --- HTML -------------------------------------------------------------------------------

HTML_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "footer", "section",
    "h1", "h2", "h3", "h4", "p", "ul", "ol", "li", "b", "span", "div", "blockquote",
}  # fmt: skip


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("dark", [False, True])
def test_html_shows_hostile_text_as_text(payload, dark):
    document = summary_html(hostile_summary(payload), dark=dark)
    page = parse(document)
    assert {tag for tag, _ in page.tags} <= HTML_TAGS
    for tag, attrs in page.tags:
        assert not [name for name in attrs if name.startswith("on")], tag
        assert not {"href", "src", "srcset", "action"} & set(attrs), tag
    assert page.comments == []
    text = "".join(page.text)
    flat = one_line(payload)
    assert f"„{flat}“" in text
    assert f"Grund: {flat}" in text
    assert text.count(flat) >= 8  # title x2, place, label x2, table, keyword, quotes, demand


def test_html_is_self_contained_and_locked_down():
    document = summary_html(summarise())
    head = document[: document.index("</head>")]
    assert '<meta charset="utf-8">' in head
    assert "default-src 'none'" in head
    assert "<script" not in document
    assert not re.search(r"https?://|url\(|@import|//[a-z]", document, re.IGNORECASE)
    assert "@media print" in document


def test_html_has_one_section_per_theme_with_its_share_as_bar_width():
    summary = summarise()
    page = parse(summary_html(summary))
    sections = [attrs for tag, attrs in page.tags if tag == "section"]
    assert len(sections) == 4
    assert [s["style"] for s in sections] == [f"--c: {t.color}" for t in summary.themes]
    widths = [
        attrs["style"]
        for tag, attrs in page.tags
        if tag == "span" and (attrs.get("style") or "").startswith("width")
    ]
    # the overview's bars, then each section's bar
    assert widths == ["width: 46.2%", "width: 23.1%", "width: 15.4%", "width: 15.4%"] * 2
    text = "".join(page.text)
    assert "„Busse fahren am Abend zu selten“" in text
    assert "Die Stadt muss bis 2027 Radwege baueGrund" not in text
    assert "Grund: Art: Forderung" in text


def test_html_speaks_the_summarys_language_and_has_a_dark_mode():
    german = summary_html(summarise())
    english = summary_html(summarise(language="en"), dark=True)
    assert '<html lang="de">' in german and '<body class="light">' in german
    assert '<html lang="en">' in english and '<body class="dark">' in english
    for words in ["Themen im Überblick", "Stimmen aus den Tischen", "Forderungen (1)"]:
        assert words in german
    for words in ["Themes at a glance", "Voices from the tables", "Demands (1)"]:
        assert words in english


def test_colours_that_are_not_plain_hex_never_reach_the_page():
    summary = summarise(colors={"t1": "red;background:url(http://evil)"})
    document = summary_html(summary)
    assert "evil" not in document


# --- PDF --------------------------------------------------------------------------------


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def test_pdf_of_the_workshop_is_a4_and_one_page_per_screenful():
    pdf = summary_pdf(summarise())
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"/MediaBox [0 0 595.28 841.89]" in pdf  # A4 in points
    assert b"/Outlines" in pdf  # one bookmark per theme
    assert page_count(pdf) == 2  # four themes: the last one and a half go to page two
    first_theme_only = dataclasses.replace(summarise(), themes=summarise().themes[:1])
    assert page_count(summary_pdf(first_theme_only)) == 1


def pdf_colours(pdf: bytes) -> set[tuple[float, float, float]]:
    """Every fill and stroke colour (``r g b rg`` / ``RG``, a grey as ``v g`` / ``G``) the
    PDF's streams set."""
    import zlib

    found = set()
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        for r, g, b in re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) (?:rg|RG)\b", content):
            found.add((round(float(r), 2), round(float(g), 2), round(float(b), 2)))
        for grey in re.findall(rb"(?<![\d.])([\d.]+) [gG]\b", content):  # a grey: one number
            found.add((round(float(grey), 2),) * 3)
    return found


def test_pdf_prints_in_the_summary_pages_print_colours():
    from harvest.conceptmap.style import rgb, summary_colors

    ink = summary_colors("print")
    colours = pdf_colours(summary_pdf(summarise()))
    for name in ("fg", "muted", "demand", "track", "rule"):
        assert tuple(round(c / 255, 2) for c in rgb(ink[name])) in colours, name


def test_pdf_carries_the_map_image_across_the_page():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1000), "#E69F00").save(buffer, format="PNG")
    without = summary_pdf(summarise())
    with_map = summary_pdf(summarise(), buffer.getvalue())
    assert b"/Subtype /Image" in with_map and b"/Subtype /Image" not in without
    assert page_count(with_map) >= page_count(without)


def long_summary(themes: int, quote_chars: int = 1000) -> Summary:
    words = ("Lärmschutz ", "Ärger über Straßen ", "Жильё ", "Житло ", "مدرسة ", "🚲 ")
    body = "".join(words[i % len(words)] for i in range(quote_chars))[:quote_chars]
    return Summary(
        title="Langer Workshop مع نص عربي 🚲",
        date=date(2026, 11, 21),
        place="Köln",
        language="de",
        generated_at=NOW,
        total_statements=themes * 5,
        total_demands=themes * 2,
        table_count=6,
        themes=tuple(
            ThemeSummary(
                theme_id=f"t{n}",
                label=f"Thema {n}: Straßenbäume und Плата",
                size=5,
                share=1 / themes,
                tables=(("Mobilität", 3), ("Wohnen", 2)),
                keywords=tuple(f"wort{k}" for k in range(8)),
                representatives=(body, body, body),
                demands=((body, "Signalwort „muss“"), ("x" * quote_chars, "")),
                color="#0072B2",
            )
            for n in range(themes)
        ),
    )


def test_long_pdf_breaks_into_as_many_pages_as_its_text_needs():
    # Each theme holds five 1,000-character blocks. A4 minus margins holds 43 lines of 6 mm;
    # at 11 pt a line takes 40 to 110 characters, so a theme needs 1.1 to 2.9 pages.
    one = page_count(summary_pdf(long_summary(1)))
    six = page_count(summary_pdf(long_summary(6)))
    assert 2 <= one <= 3
    assert math.ceil(6 * 5000 / (110 * 43)) <= six <= 6 * 3
    assert six >= 5 * one  # pages grow with the text, not with a fixed overhead


def test_pdf_survives_arabic_emoji_and_unbroken_words():
    pdf = summary_pdf(long_summary(2, quote_chars=1000))
    assert pdf.startswith(b"%PDF-")
    hostile = summary_pdf(hostile_summary("<script>alert(1)</script> {nb} \x00\u202e"))
    assert hostile.startswith(b"%PDF-") and page_count(hostile) == 1


# --- any input, real data, a real browser ------------------------------------------------

any_text = st.text(max_size=300)


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=200))
def test_escaped_markdown_reads_back_for_any_text(text):
    escaped = escape_markdown(text)
    assert "\n" not in escaped
    assert unescape_markdown(escaped) == one_line(text)


@settings(max_examples=60, deadline=None)
@given(
    title=any_text,
    label=any_text,
    table=any_text,
    texts=st.lists(any_text, min_size=1, max_size=6),
    language=st.sampled_from(["de", "en"]),
)
def test_any_unicode_builds_and_renders_as_text(title, label, table, texts, language):
    workshop = dataclasses.replace(WORKSHOP, title=title, place=table, language=language)
    statements = [
        dataclasses.replace(statement(i, 1, text), table_name=table)
        for i, text in enumerate(texts, 1)
    ]
    words = tuple((w, 1.0) for w in dict.fromkeys(texts[0].split()[:MAX_KEYWORDS]))
    clustering = Clustering(
        (Theme("t1", label, words, tuple(range(1, len(texts) + 1))),),
        {i: assignment(i, "t1", *text.split()[:3], demand=i % 2 == 0, reason=title)
         for i, text in enumerate(texts, 1)},
    )  # fmt: skip
    summary = build_summary(workshop, clustering, statements, now=NOW)
    assert sum(t.size for t in summary.themes) == len(texts)
    summary_markdown(summary)
    page = parse(summary_html(summary))
    assert {tag for tag, _ in page.tags} <= HTML_TAGS
    assert page.comments == []


@settings(max_examples=8, deadline=None)
@given(title=any_text, texts=st.lists(st.text(min_size=1, max_size=1000), min_size=1, max_size=3))
def test_any_unicode_makes_a_pdf(title, texts):
    theme = dataclasses.replace(
        hostile_summary("x").themes[0], label=title, representatives=tuple(texts),
        demands=tuple((text, title) for text in texts), tables=((title, 1),),
    )  # fmt: skip
    summary = dataclasses.replace(hostile_summary("x"), title=title, place=title, themes=(theme,))
    assert summary_pdf(summary).startswith(b"%PDF-")


def demo_workshop() -> tuple[Workshop, list[Table], list[Statement], Clustering]:
    """The demo workshop, with one theme per table standing in for the keyword engine."""
    spec = load_demo_spec()
    workshop = dataclasses.replace(
        WORKSHOP, title=spec["title"], date=date.fromisoformat(spec["date"]), place=spec["place"]
    )
    tables = [Table(i, 1, t["name"]) for i, t in enumerate(spec["tables"], 1)]
    table_id = {t.name: t.id for t in tables}
    statements = [
        statement(i, table_id[s["table"]], s["text"], s["kind"])
        for i, s in enumerate(spec["statements"], 1)
    ]
    themes, assignments = [], {}
    for table in tables:
        mine = [s for s in statements if s.table_id == table.id]
        counts = Counter(w for s in mine for w in re.findall(r"\w{6,}", s.text.lower()))
        weights = {w: float(n) for w, n in counts.most_common(12) if n > 1}
        themes.append(Theme(f"t{table.id}", table.name, tuple(weights.items()), ()))
        for s in mine:
            found = tuple(w for w in re.findall(r"\w{6,}", s.text.lower()) if w in weights)
            assignments[s.id] = Assignment(
                s.id, f"t{table.id}", None, s.kind == "demand", "Art: Forderung", found
            )
    return workshop, tables, statements, Clustering(tuple(themes), assignments)


def test_demo_workshop_summary_keeps_every_statement_once():
    workshop, tables, statements, clustering = demo_workshop()
    summary = build_summary(workshop, clustering, statements, now=NOW, tables=tables)
    assert summary.total_statements == len(statements) == 124
    assert sum(t.size for t in summary.themes) == 124
    assert math.isclose(sum(t.share for t in summary.themes), 1.0)
    assert summary.total_demands == sum(s.kind == "demand" for s in statements)
    sizes = [t.size for t in summary.themes]
    assert sizes == sorted(sizes, reverse=True)
    texts = {s.id: s.text for s in statements}
    by_theme = {a.theme_id: set() for a in clustering.assignments.values()}
    for a in clustering.assignments.values():
        by_theme[a.theme_id].add(texts[a.statement_id])
    for theme in summary.themes:
        assert len(theme.representatives) == 3
        assert set(theme.representatives) <= by_theme[theme.theme_id]
        assert not {text for text, _ in theme.demands} & set(theme.representatives)
        assert sum(n for _, n in theme.tables) == theme.size
        normal = [re.sub(r"\W+", " ", r.casefold()).strip() for r in theme.representatives]
        assert len(set(normal)) == 3
    assert page_count(summary_pdf(summary)) >= 3


@pytest.mark.browser
def test_html_summary_in_chromium_loads_nothing_and_runs_nothing(tmp_path):
    path = os.environ.get("HARVEST_CHROMIUM") or shutil.which("chromium")
    require(path and Path(path).exists(), "Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    payload = '<img src=x onerror=alert(1)><script>alert(2)</script>"><svg onload=alert(3)>'
    document = tmp_path / "summary.html"
    document.write_text(summary_html(hostile_summary(payload)), encoding="utf-8")
    requests, dialogs, errors = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(document.as_uri())
            page.wait_for_timeout(300)
            live = page.eval_on_selector_all("script, img, svg, a, iframe, object", "e => e.length")
            title = page.inner_text("h1")
            bar = page.eval_on_selector(".theme .bar span", "e => e.getBoundingClientRect().width")
            track = page.eval_on_selector(".theme .bar", "e => e.getBoundingClientRect().width")
        finally:
            browser.close()
    assert requests == [document.as_uri()]
    assert dialogs == [] and errors == []
    assert live == 0
    assert title == payload
    assert bar == pytest.approx(track)  # share 1.0 fills the bar


def test_the_time_of_writing_names_its_time_zone():
    berlin = datetime(2026, 11, 21, 18, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert "*Erstellt am 21.11.2026, 18:30 CET mit Harvest*" in summary_markdown(
        summarise(now=berlin)
    )
    english = summary_markdown(summarise(language="en"))
    assert english.endswith("*Generated on 21 November 2026, 17:30 UTC with Harvest*\n")
