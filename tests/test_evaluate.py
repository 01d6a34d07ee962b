"""Evaluation: the baseline, the cluster file, the evaluate table."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from harvest.engine.evaluate import (
    ColumnMissing,
    baseline_labels,
    cluster_file,
    evaluate_file,
    workshop_language,
)
from harvest.engine.themes import EngineSettings
from tests.test_themes import WORKSHOP

TOPICS = {
    "Wohnen": [16, 17, 18, 19, 22],
    "Mobilität": [7, 8, 9, 10, 11, 23],
    "Familie": [3, 4, 5, 6],
}


def write_csv(path: Path) -> Path:
    topic_of = {sid: topic for topic, ids in TOPICS.items() for sid in ids}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "label"])
        for sid, text, _ in WORKSHOP:
            writer.writerow([sid, text, topic_of.get(sid, "")])
    return path


def test_baseline_gives_k_clusters_deterministically() -> None:
    texts = ["Radwege bauen", "Radwege sicher machen", "Wohnungen bauen", "Wohnungen teuer",
             "Radwege breiter", "Wohnungen fehlen"]
    first = baseline_labels(texts, 2, seed=1)
    assert first == baseline_labels(texts, 2, seed=1)
    assert len(first) == 6 and set(first) == {0, 1}
    assert first[0] == first[1] == first[4] and first[2] == first[3] == first[5]


def test_baseline_copes_with_tiny_input() -> None:
    assert baseline_labels([], 3) == []
    assert baseline_labels(["eins"], 3) == [0]
    assert len(baseline_labels(["a b", "c d", "e f"], 2)) == 3


def test_cluster_file_writes_one_row_per_input_row(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    cluster_file(write_csv(tmp_path / "in.csv"), "text", out, EngineSettings(semantic=False))
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["row", "theme_id", "theme_label", "is_demand", "secondary_theme_id"]
    assert [int(r["row"]) for r in rows] == list(range(len(WORKSHOP)))
    assert rows[0]["is_demand"] == "true" and rows[7]["is_demand"] == "false"
    assert rows[23]["theme_id"] == "other" and rows[23]["theme_label"] == "Sonstiges"
    assert rows[15]["theme_label"] == "Wohnung · Bahn · Familie"


def test_evaluate_file_prints_harvest_beside_the_baseline(tmp_path: Path) -> None:
    table = evaluate_file(write_csv(tmp_path / "in.csv"), "text", "label")
    lines = table.splitlines()
    assert lines[0] == "in.csv: 15 rows, 3 labels"
    assert lines[1].split() == ["method", "ARI", "NMI", "themes", "time"]
    methods = [line.rsplit(maxsplit=4)[0] for line in lines[2:]]
    assert methods == ["Harvest (defaults)", "Harvest (--keywords-only)",
                       "Peer (USE k-means, k=3)", "Peer (USE kNN-15 + Leiden)",
                       "Baseline (TF-IDF+LSA, k-means k=3)"]


def test_cluster_file_uses_the_apps_semantic_defaults(tmp_path: Path) -> None:
    """Without --keywords-only the file is grouped by meaning: statements that share no
    keyword but say the same thing land together."""
    source = tmp_path / "in.csv"
    texts = ["Mehr Deutschkurse am Abend anbieten", "Sprachunterricht nach Feierabend",
             "Abendkurse für die deutsche Sprache", "Integrationskurse abends für Berufstätige",
             "Mehr Busse in der Nacht", "Nachtbusse öfter fahren lassen",
             "Der ÖPNV soll nachts häufiger fahren", "Straßenbahn auch spät am Abend"]
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text"])
        writer.writerows([t] for t in texts)
    out = tmp_path / "out.csv"
    cluster_file(source, "text", out)
    with out.open(encoding="utf-8") as handle:
        themes = [r["theme_id"] for r in csv.DictReader(handle)]
    assert len(set(themes[:4])) == 1 and len(set(themes[4:])) == 1, themes
    assert themes[0] != themes[4]


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(ColumnMissing, match="comment"):
        cluster_file(write_csv(tmp_path / "in.csv"), "comment", tmp_path / "out.csv")


def test_workshop_language_follows_the_majority() -> None:
    assert workshop_language(["We need more trees", "The bus is late", "Mehr Bäume"]) == "en"
    assert workshop_language(["Mehr Bäume", "Der Bus ist spät"]) == "de"
