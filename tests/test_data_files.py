"""The data files shipped with Harvest and its tests are well-formed and balanced."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from harvest.model import KINDS, LANGUAGES

DEMAND_CSV = Path(__file__).parent / "data" / "demand_statements.csv"


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    # Read through importlib.resources: that is how the app finds it once installed.
    text = (resources.files("harvest.data") / "demo_workshop.json").read_text(encoding="utf-8")
    return json.loads(text)


@pytest.fixture(scope="module")
def demand_rows() -> list[dict[str, str]]:
    with DEMAND_CSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_demo_workshop_has_the_header_fields(demo: dict[str, Any]) -> None:
    assert demo["title"].strip()
    assert demo["place"].strip()
    assert demo["language"] in LANGUAGES
    assert date.fromisoformat(demo["date"]).year >= 2025


def test_demo_workshop_has_five_or_six_distinct_tables(demo: dict[str, Any]) -> None:
    names = [table["name"] for table in demo["tables"]]
    assert 5 <= len(names) <= 6
    assert len(set(names)) == len(names)
    for table in demo["tables"]:
        assert table["name"].strip() and table["topic"].strip()


def test_every_demo_statement_belongs_to_a_known_table(demo: dict[str, Any]) -> None:
    names = {table["name"] for table in demo["tables"]}
    statements = demo["statements"]
    assert 80 <= len(statements) <= 150
    assert {s["table"] for s in statements} == names, "every table says something"


def test_demo_statements_have_valid_kinds_and_lengths(demo: dict[str, Any]) -> None:
    for statement in demo["statements"]:
        assert statement["kind"] is None or statement["kind"] in KINDS, statement
        assert 1 <= len(statement["text"]) <= 400, statement
        assert statement["text"] == statement["text"].strip(), statement
        assert statement["author"] is None or statement["author"].strip()


def test_demo_statements_are_mostly_unique(demo: dict[str, Any]) -> None:
    counts = Counter(s["text"].casefold() for s in demo["statements"])
    repeats = sum(n - 1 for n in counts.values() if n > 1)
    assert repeats <= 5


def test_demo_statements_mix_kinds_with_a_fifth_demands(demo: dict[str, Any]) -> None:
    kinds = Counter(s["kind"] for s in demo["statements"])
    assert kinds["demand"] >= 0.2 * len(demo["statements"])
    assert all(kinds[kind] > 0 for kind in KINDS)


def test_demo_statements_interleave_tables_over_time(demo: dict[str, Any]) -> None:
    # Tables talk in parallel, so the first few statements already come from most tables.
    first = {s["table"] for s in demo["statements"][:20]}
    assert len(first) >= 4


def test_demand_csv_has_the_agreed_header() -> None:
    with DEMAND_CSV.open(encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == ["text", "language", "is_demand", "note"]


def test_demand_csv_rows_are_complete_and_unique(demand_rows: list[dict[str, str]]) -> None:
    assert len(demand_rows) >= 150
    texts = [row["text"] for row in demand_rows]
    assert all(text.strip() for text in texts)
    assert len(set(texts)) == len(texts)
    assert {row["is_demand"] for row in demand_rows} == {"0", "1"}


def test_demand_csv_covers_both_languages_and_labels(demand_rows: list[dict[str, str]]) -> None:
    total = len(demand_rows)
    languages = Counter(row["language"] for row in demand_rows)
    labels = Counter(row["is_demand"] for row in demand_rows)
    assert set(languages) == set(LANGUAGES)
    assert min(languages.values()) >= 0.3 * total
    assert min(labels.values()) >= 0.3 * total
    for language in LANGUAGES:
        in_language = Counter(r["is_demand"] for r in demand_rows if r["language"] == language)
        assert min(in_language["0"], in_language["1"]) >= 0.3 * languages[language]
