"""Tests for harvest.cli (``python -m harvest``) and harvest.demo, on real databases."""

from __future__ import annotations

import csv
import importlib.util
import io
import subprocess
import sys
from pathlib import Path

import pytest

from harvest.cli import main
from harvest.demo import create_demo, load_demo_spec
from harvest.imports import parse_statements
from harvest.store import Store

COMMANDS = ["import", "export", "add", "workshops", "demo", "address", "links", "settings", "queue", "votes", "cluster", "evaluate"]
ROOT = Path(__file__).resolve().parents[1]


def run(capsys: pytest.CaptureFixture[str], db: str, *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process on database ``db``; return (exit code, stdout, stderr)."""
    code = main(["--db", db, *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- help ---------------------------------------------------------------------------


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert f"    {command}" in out
    assert "--db URL" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m harvest {command}")
    assert "--db URL" in out


def test_python_dash_m_harvest_help_runs_as_a_program() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "harvest", "--help"], cwd=ROOT, capture_output=True, text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for command in COMMANDS:
        assert command in done.stdout


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["export", "demo", "--format", "doc"]) == 2
    assert "invalid choice" in capsys.readouterr().err


# --- add and workshops --------------------------------------------------------------


def test_add_creates_workshop_and_table_and_prints_only_the_id(
    capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    code, out, _ = run(capsys, sqlite_url, "add", "Werkstatt Süd", "--table", "Sprache",
                       "--kind", "Forderung", "--author", "Aylin", "Mehr Kurse am Abend")
    assert (code, out) == (0, "1\n")
    code, out, _ = run(capsys, sqlite_url, "add", "Werkstatt Süd", "--table", "sprache",
                       "Zweite", "Aussage")
    assert (code, out) == (0, "2\n")
    with Store(sqlite_url) as store:
        [workshop] = store.list_workshops()
        assert (workshop.title, workshop.slug) == ("Werkstatt Süd", "werkstatt-sued")
        assert [table.name for table in store.tables(workshop.id)] == ["Sprache"]
        first, second = store.statements(workshop.id)
    assert (first.text, first.kind, first.author, first.table_name, first.origin) == (
        "Mehr Kurse am Abend", "demand", "Aylin", "Sprache", "typed"
    )
    assert second.text == "Zweite Aussage"


def test_add_by_slug_reaches_the_same_workshop(
    capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    run(capsys, sqlite_url, "add", "Werkstatt Süd", "--table", "A", "eins")
    assert run(capsys, sqlite_url, "add", "werkstatt-sued", "--table", "A", "zwei")[0] == 0
    with Store(sqlite_url) as store:
        assert len(store.list_workshops()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--kind", "Wunsch", "Text"], "Unknown kind 'Wunsch'"),
        (["   "], "empty"),
        (["x" * 1001], "1,000"),
    ],
)
def test_add_refuses_bad_input_with_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    code, out, err = run(capsys, sqlite_url, "add", "W", "--table", "T", *argv)
    assert (code, out) == (2, "")
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_workshops_lists_slug_title_date_statements_revision(
    capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    code, _, err = run(capsys, sqlite_url, "workshops")
    assert code == 0 and "No workshops yet" in err
    for text in ("eins", "zwei", "drei"):
        run(capsys, sqlite_url, "add", "Werkstatt Süd", "--table", "A", text)
    code, out, _ = run(capsys, sqlite_url, "workshops")
    assert code == 0
    # each add is one change, and its vector arriving right after another: the board's
    # meaning changed, so every viewer redraws
    assert out.splitlines() == [
        "slug            title          date  statements  revision",
        "werkstatt-sued  Werkstatt Süd  -              3         6",
    ]


def test_db_option_also_works_after_the_subcommand(
    capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    assert main(["add", "W", "--table", "T", "Mehr Licht", "--db", sqlite_url]) == 0
    assert capsys.readouterr().out == "1\n"
    with Store(sqlite_url) as store:
        assert len(store.list_workshops()) == 1


def test_unreachable_database_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "postgresql://nobody@127.0.0.1:9/nowhere", "workshops")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "not reachable" in err


def test_malformed_database_url_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "nosuchdb://x", "workshops")
    assert code == 2 and "Cannot use this database" in err


# --- import -------------------------------------------------------------------------

GOOD_CSV = (
    "Aussage;Tisch;Art;Autor\n"
    "Mehr Sprachkurse am Abend;Sprache;Forderung;Jürgen\n"
    "Wartezeiten bei der Behörde;Verwaltung;Herausforderung;\n"
    "Patenschaften für Azubis;;Idee;\n"
)
BAD_CSV = (
    "Aussage;Tisch;Art\n"
    "Gut und richtig;Sprache;Idee\n"
    ";Sprache;Idee\n"
    "Noch eine gute;Arbeit;Frage\n"
    "Falsche Art;Arbeit;Wunsch\n"
)


def test_import_creates_workshop_and_tables_and_reports_the_count(
    capsys: pytest.CaptureFixture[str], store_url: str, tmp_path: Path
) -> None:
    """On both engines: --db takes a PostgreSQL URL just the same."""
    path = tmp_path / "tische.csv"
    path.write_bytes(GOOD_CSV.encode("cp1252"))
    code, out, err = run(capsys, store_url, "import", "Werkstatt Nord", str(path),
                         "--table", "Allgemein")
    assert (code, err) == (0, "")
    assert out == "Imported 3 statements into 'Werkstatt Nord' (workshop werkstatt-nord).\n"
    with Store(store_url) as store:
        workshop = store.get_workshop("werkstatt-nord")
        statements = store.statements(workshop.id)
        assert [table.name for table in store.tables(workshop.id)] == [
            "Sprache", "Verwaltung", "Allgemein",
        ]
    assert [(s.text, s.table_name, s.kind, s.author, s.origin) for s in statements] == [
        ("Mehr Sprachkurse am Abend", "Sprache", "demand", "Jürgen", "imported"),
        ("Wartezeiten bei der Behörde", "Verwaltung", "challenge", None, "imported"),
        ("Patenschaften für Azubis", "Allgemein", "idea", None, "imported"),
    ]


def test_import_with_bad_rows_imports_nothing_and_lists_them(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "fehler.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    code, out, err = run(capsys, sqlite_url, "import", "Werkstatt", str(path))
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert lines[0].startswith("line 3: The text is empty.")
    assert lines[1].startswith("line 5: Unknown kind 'Wunsch'")
    assert "--skip-bad-rows" in lines[2] and "Nothing imported: 2 of 4 rows" in lines[2]
    with Store(sqlite_url) as store:
        assert store.list_workshops() == []  # not even the workshop was created


def test_import_with_skip_bad_rows_imports_the_good_ones(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "fehler.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    code, out, err = run(capsys, sqlite_url, "import", "Werkstatt", str(path), "--skip-bad-rows")
    assert code == 0
    assert out == (
        "Imported 2 statements into 'Werkstatt' (workshop werkstatt), skipped 2 bad rows.\n"
    )
    assert [line.split(":")[0] for line in err.splitlines()] == ["line 3", "line 5"]
    with Store(sqlite_url) as store:
        texts = [s.text for s in store.statements(store.get_workshop("werkstatt").id)]
    assert texts == ["Gut und richtig", "Noch eine gute"]


def test_import_respects_the_workshop_character_limit(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path
) -> None:
    with Store(sqlite_url) as store:
        store.create_workshop("Kurz", max_chars=10)
    path = tmp_path / "liste.txt"
    path.write_text("kurz\nviel zu lang für hier\n", encoding="utf-8")
    code, _, err = run(capsys, sqlite_url, "import", "kurz", str(path))
    assert code == 1 and "line 2:" in err and "at most 10" in err


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "leer.csv", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "bild.csv", "PNG image"),
        (b"Ort;Datum\nMagdeburg;heute\n", "x.csv", "No column holds the statements"),
        (b"Text\n", "x.docx", "cannot be imported"),
        (None, "fehlt.csv", "No such file"),
    ],
)
def test_import_of_an_unusable_file_is_one_line_exit_2(
    content: bytes | None, name: str, message: str, capsys: pytest.CaptureFixture[str],
    sqlite_url: str, tmp_path: Path,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(capsys, sqlite_url, "import", "W", str(path))
    assert (code, out) == (2, "")
    assert message in err and len(err.strip().splitlines()) == 1


# --- export -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_round_trips_through_the_cli(
    fmt: str, capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path
) -> None:
    texts = ["=1+1 ist keine Formel", "Grüße 👋 und مرحبا", "-5 Grad im Winter"]
    for number, text in enumerate(texts):
        assert run(capsys, sqlite_url, "add", "Quelle", "--table", f"Tisch {number % 2}",
                   "--kind", "Frage", text)[0] == 0
    out_path = tmp_path / f"export.{fmt}"
    code, _, err = run(capsys, sqlite_url, "export", "quelle", "--format", fmt,
                       "--out", str(out_path))
    assert code == 0 and "Exported 3 statements" in err
    if fmt == "csv":  # every statement carries the theme the board shows it in
        exported = list(csv.DictReader(io.StringIO(out_path.read_text(encoding="utf-8-sig"))))
        assert all(r["theme_id"] and r["theme_label"] for r in exported)
    rows = parse_statements(out_path.read_bytes(), out_path.name).rows
    assert [(r.text, r.table, r.kind) for r in rows] == [
        (text, f"Tisch {n % 2}", "question") for n, text in enumerate(texts)
    ]
    assert run(capsys, sqlite_url, "import", "Ziel", str(out_path))[0] == 0
    with Store(sqlite_url) as store:
        copied = store.statements(store.get_workshop("ziel").id)
    assert [(s.text, s.table_name, s.kind) for s in copied] == [
        (r.text, r.table, r.kind) for r in rows
    ]


def test_export_of_an_unknown_workshop_is_exit_2(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path
) -> None:
    code, _, err = run(capsys, sqlite_url, "export", "gibtsnicht", "-f", "csv",
                       "-o", str(tmp_path / "x.csv"))
    assert code == 2 and "No workshop 'gibtsnicht'" in err
    assert not (tmp_path / "x.csv").exists()


def test_export_into_a_missing_folder_is_exit_2(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path
) -> None:
    run(capsys, sqlite_url, "add", "W", "--table", "T", "Mehr Licht")
    code, _, err = run(capsys, sqlite_url, "export", "w", "-f", "csv",
                       "-o", str(tmp_path / "nope" / "x.csv"))
    assert code == 2 and "No such file" in err


@pytest.mark.slow  # the first render loads matplotlib and the engine: about 4 s
@pytest.mark.skipif(importlib.util.find_spec("harvest.board") is None, reason="no board yet")
def test_export_map_as_svg(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path
) -> None:
    for text in ("Mehr Sprachkurse am Abend", "Sprachkurse mit Kinderbetreuung",
                 "Wohnungen für Familien", "Bezahlbare Wohnungen in der Stadt"):
        run(capsys, sqlite_url, "add", "Karte", "--table", "A", text)
    out_path = tmp_path / "karte.svg"
    code, _, err = run(capsys, sqlite_url, "export", "karte", "-f", "svg", "-o", str(out_path))
    assert code == 0, err
    assert b"<svg" in out_path.read_bytes()[:2000]


# --- demo and links -----------------------------------------------------------------


def test_demo_is_created_once(capsys: pytest.CaptureFixture[str], sqlite_url: str) -> None:
    spec = load_demo_spec()
    code, out, _ = run(capsys, sqlite_url, "demo")
    assert code == 0
    assert f"{len(spec['tables'])} tables, {len(spec['statements'])} statements" in out
    assert run(capsys, sqlite_url, "demo")[0] == 0
    with Store(sqlite_url) as store:
        [workshop] = store.list_workshops()
        assert workshop.slug == "demo" and workshop.title == spec["title"]
        assert len(store.statements(workshop.id)) == len(spec["statements"])


@pytest.mark.skipif(importlib.util.find_spec("harvest.access") is None, reason="no access yet")
def test_demo_links_and_links_print_one_link_per_role(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("HARVEST_SESSIONS_DIR", str(tmp_path))  # the link secret lives there
    code, out, _ = run(capsys, sqlite_url, "demo", "--links", "--base-url", "https://a.example")
    assert code == 0
    lines = out.splitlines()[1:]
    assert [line.split()[0] for line in lines] == ["moderator", "facilitator", "participant"]
    assert all(line.split()[1].startswith("https://a.example/") for line in lines)
    monkeypatch.setenv("HARVEST_BASE_URL", "https://b.example")
    code, out, _ = run(capsys, sqlite_url, "links", "demo")
    assert code == 0
    assert [line.split()[1].split("/")[2] for line in out.splitlines()] == ["b.example"] * 3


SMALL_SPEC = {
    "title": "Kleine Werkstatt",
    "date": "2026-04-25",
    "place": "Magdeburg",
    "language": "de",
    "tables": [
        {"name": "Sprache", "topic": "Kurse", "facilitator": "Katrin"},
        {"name": "Arbeit", "topic": "", "facilitator": None},
    ],
    "statements": [
        {"table": "Sprache", "kind": "idea", "text": "Sprachcafé im Stadtteil", "author": None},
        {"table": "Arbeit", "kind": "demand", "text": "Anerkennung schneller", "author": "Ali"},
        {"table": "Sprache", "kind": None, "text": "Kurse am Abend", "author": None},
    ],
}


def test_create_demo_builds_tables_and_statements_in_order(store: Store) -> None:
    workshop = create_demo(store, spec=SMALL_SPEC)
    assert (workshop.slug, workshop.title, workshop.place) == ("demo", "Kleine Werkstatt",
                                                               "Magdeburg")
    assert workshop.date is not None and workshop.date.isoformat() == "2026-04-25"
    assert [(t.name, t.topic, t.facilitator) for t in store.tables(workshop.id)] == [
        ("Sprache", "Kurse", "Katrin"), ("Arbeit", "", None),
    ]
    assert [(s.text, s.table_name, s.kind, s.author, s.origin)
            for s in store.statements(workshop.id)] == [
        ("Sprachcafé im Stadtteil", "Sprache", "idea", None, "typed"),
        ("Anerkennung schneller", "Arbeit", "demand", "Ali", "typed"),
        ("Kurse am Abend", "Sprache", None, None, "typed"),
    ]


def test_create_demo_returns_the_existing_workshop_unchanged(store: Store) -> None:
    first = create_demo(store, spec=SMALL_SPEC)
    store.add_statement(first.id, "Von Hand dazu", table="Arbeit")
    again = create_demo(store, spec=SMALL_SPEC)
    assert again.id == first.id and again.revision == first.revision + 1
    assert len(store.list_workshops()) == 1
    other = create_demo(store, slug="demo-zwei", spec=SMALL_SPEC)
    assert other.slug == "demo-zwei" and other.id != first.id


def test_create_demo_leaves_nothing_behind_when_a_statement_is_invalid(store: Store) -> None:
    spec = {**SMALL_SPEC, "statements": [{"table": "A", "kind": "Wunsch", "text": "Mehr Licht"}]}
    with pytest.raises(ValueError, match="Wunsch"):
        create_demo(store, spec=spec)
    assert store.list_workshops() == []


# --- engine tools -------------------------------------------------------------------


@pytest.mark.slow  # the engine's first run loads its language data: several seconds
@pytest.mark.skipif(importlib.util.find_spec("harvest.engine.evaluate") is None, reason="no engine yet")
def test_cluster_and_evaluate_run_the_engine_on_a_csv_file(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    rows = ["text,label"] + [
        f"Mehr Sprachkurse am Abend {i},sprache" for i in range(5)
    ] + [f"Bezahlbare Wohnungen in der Stadt {i},wohnen" for i in range(5)]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out_path = tmp_path / "out.csv"
    code, _, err = run(capsys, sqlite_url, "cluster", str(source), "--out", str(out_path))
    assert code == 0, err
    written = out_path.read_text(encoding="utf-8").splitlines()
    assert written[0].startswith("row,theme_id") and len(written) == 11
    code, out, err = run(capsys, sqlite_url, "evaluate", str(source))
    assert code == 0, err
    assert "ARI" in out


def test_cluster_on_a_missing_column_is_exit_2(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("Aussage\nMehr Licht\n", encoding="utf-8")
    code, _, err = run(capsys, sqlite_url, "cluster", str(source), "--out",
                       str(tmp_path / "out.csv"))
    assert code == 2 and len(err.strip().splitlines()) == 1
