"""The app under attack and under faults (issue 16, issue 14's faults), driven by AppTest
on a real SQLite file: imports need a role, unsent statements are all kept in order,
refused text stays on screen with the reason."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harvest.store import Store
from tests.conftest import require
from tests.test_app import app, store, workshop_with  # noqa: F401 - the fixture, too
from tests.test_faults import lock_sqlite

# --- imports need a role ------------------------------------------------------------------


def uploaders(at: object) -> list[object]:
    return list(at.get("file_uploader"))  # type: ignore[attr-defined]


def test_an_anonymous_start_page_offers_no_import(store: Store) -> None:  # noqa: F811
    at = app()
    assert not at.exception
    assert not uploaders(at)
    assert any("Moderation" in c.value for c in at.caption)


def test_a_moderator_may_import_a_facilitator_may_not(store: Store) -> None:  # noqa: F811
    _, tokens = workshop_with(store, 3)
    assert uploaders(app(tokens["moderator"], "start"))
    assert not uploaders(app(tokens["facilitator"], "start"))


# --- every unsent statement is kept, in order -----------------------------------------------


def unsent_texts(at: object) -> list[str]:
    return [
        area.value
        for area in at.text_area  # type: ignore[attr-defined]
        if str(area.key).startswith("unsent_text_")
    ]


def test_statements_refused_while_sqlite_is_locked_are_all_kept_then_saved_in_order_once(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setenv("HARVEST_SQLITE_BUSY_SECONDS", "0.3")
    workshop_id, tokens = workshop_with(store, 3)
    entry = app(tokens["facilitator"])
    typed = [f"Während der Sperre Nummer {n}" for n in range(1, 4)]
    locker = lock_sqlite(tmp_path / "app.db", 30)
    try:
        for text in typed:
            entry.chat_input(key="entry_text").set_value(text).run()
            assert not entry.exception
        assert unsent_texts(entry) == typed  # all of them, in the order typed
        assert any("Nicht gespeichert" in e.value for e in entry.error)
        assert not entry.success
    finally:
        locker.kill()
        locker.wait()
    # the next statement goes out behind the waiting ones; nothing is doubled
    entry.chat_input(key="entry_text").set_value("Nach der Sperre").run()
    assert not entry.exception
    assert unsent_texts(entry) == []
    texts = [s.text for s in store.statements(workshop_id)]
    assert texts[-4:] == [*typed, "Nach der Sperre"]
    assert len(texts) == 7
    entry.chat_input(key="entry_text").set_value(typed[0]).run()  # typed again: a double
    assert len(store.statements(workshop_id)) == 7


def test_one_unsent_statement_can_be_discarded_and_the_others_stay(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setenv("HARVEST_SQLITE_BUSY_SECONDS", "0.3")
    workshop_id, tokens = workshop_with(store, 3)
    entry = app(tokens["facilitator"])
    locker = lock_sqlite(tmp_path / "app.db", 30)
    try:
        for text in ("Erste Aussage zur Sperre", "Zweite Aussage zur Sperre"):
            entry.chat_input(key="entry_text").set_value(text).run()
        discard = [b for b in entry.button if str(b.key).startswith("unsent_discard_")]
        discard[0].click().run()
        assert unsent_texts(entry) == ["Zweite Aussage zur Sperre"]
    finally:
        locker.kill()
        locker.wait()
    next(b for b in entry.button if str(b.key).startswith("unsent_send_")).click().run()
    assert not entry.exception
    assert unsent_texts(entry) == []
    assert [s.text for s in store.statements(workshop_id)][-1] == "Zweite Aussage zur Sperre"
    assert len(store.statements(workshop_id)) == 4


def test_a_statement_over_the_limit_is_refused_with_the_reason_and_kept_to_shorten(
    store: Store,  # noqa: F811
) -> None:
    # what a crafted websocket message or a long paste delivers: more than the limit
    workshop_id, tokens = workshop_with(store, 3)
    entry = app(tokens["facilitator"])
    long_text = "Wir brauchen mehr Sprachkurse am Abend. " * 40  # 1,600 characters
    entry.chat_input(key="entry_text").set_value(long_text).run()
    assert not entry.exception
    assert len(store.statements(workshop_id)) == 3  # not cut and saved
    assert not entry.success
    assert any("höchstens 1000" in e.value for e in entry.error)
    assert unsent_texts(entry) == [long_text]
    # shortened in place and sent: saved, and gone from the list
    area = next(a for a in entry.text_area if str(a.key).startswith("unsent_text_"))
    area.input("Wir brauchen mehr Sprachkurse am Abend.").run()
    next(b for b in entry.button if str(b.key).startswith("unsent_send_")).click().run()
    assert unsent_texts(entry) == []
    assert store.statements(workshop_id)[-1].text == "Wir brauchen mehr Sprachkurse am Abend."


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("\u200b\u2800\u3164", "leer"), ("ok", "sagt noch nichts"), (".", "sagt noch nichts")],
)
def test_the_entry_page_refuses_invisible_and_contentless_statements_and_says_why(
    store: Store, typed: str, reason: str  # noqa: F811
) -> None:
    workshop_id, tokens = workshop_with(store, 3)
    entry = app(tokens["facilitator"])
    entry.chat_input(key="entry_text").set_value(typed).run()
    assert not entry.exception
    assert any(reason in e.value for e in entry.error)
    assert not entry.success
    assert len(store.statements(workshop_id)) == 3


def test_the_entry_page_offers_no_undo_or_edit_for_what_the_moderator_hid(
    store: Store,  # noqa: F811
) -> None:
    from harvest.engine import curation

    workshop_id, tokens = workshop_with(store, 3)
    entry = app(tokens["facilitator"])
    entry.chat_input(key="entry_text").set_value("Ein Satz, den die Moderation ausblendet").run()
    mine = store.statements(workshop_id)[-1]
    curation.apply_action(store, workshop_id, "hide", {"statement_id": mine.id, "hidden": True})
    entry.run()
    assert not entry.exception
    assert not [b for b in entry.button if b.key in (f"undo_{mine.id}", f"edit_save_{mine.id}")]
    assert any("Von der Moderation ausgeblendet" in c.value for c in entry.caption)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real, tiny file system (tmpfs, 3 MB): the test fills it to the last byte."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
        capture_output=True, text=True, check=False,
    )
    require(done.returncode == 0, f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 512)
    return filler


def test_a_full_disk_says_so_keeps_the_statement_and_saves_it_once_space_is_back(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_app import SECRET

    url = f"sqlite:///{small_disk / 'app.db'}"
    monkeypatch.setenv("HARVEST_DATABASE_URL", url)
    monkeypatch.setenv("HARVEST_SESSIONS_DIR", str(small_disk))
    monkeypatch.setenv("HARVEST_SECRET_KEY", SECRET)
    monkeypatch.delenv("HARVEST_LOCAL_ORGANISER", raising=False)
    with Store(url) as disk_store:
        workshop_id, tokens = workshop_with(disk_store, 3)
        entry = app(tokens["facilitator"])
        filler = fill(small_disk)
        typed = "Mehr Stellplätze für Lastenräder am Bahnhof " + "und an den Schulen " * 40
        entry.chat_input(key="entry_text").set_value(typed[:990]).run()
        assert not entry.exception
        assert any("Speicherplatz" in e.value for e in entry.error), [e.value for e in entry.error]
        assert unsent_texts(entry) == [typed[:990]]
        assert len(disk_store.statements(workshop_id)) == 3
        filler.unlink()
        next(b for b in entry.button if str(b.key).startswith("unsent_send_")).click().run()
        assert not entry.exception
        assert unsent_texts(entry) == []
        assert len(disk_store.statements(workshop_id)) == 4


@pytest.mark.slow  # the attack run's figure: a 30 s lock against the default 10 s busy timeout
def test_a_thirty_second_lock_loses_nothing_and_doubles_nothing(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.delenv("HARVEST_SQLITE_BUSY_SECONDS", raising=False)
    workshop_id, tokens = workshop_with(store, 3)
    entry = app(tokens["facilitator"])
    started = time.monotonic()
    locker = lock_sqlite(tmp_path / "app.db", 30)
    typed = ["Erste Aussage in der langen Sperre", "Zweite Aussage in der langen Sperre"]
    entry.chat_input(key="entry_text").set_value(typed[0]).run()
    assert time.monotonic() - started < 30  # gave up waiting before the lock ended ...
    assert unsent_texts(entry) == typed[:1]  # ... and kept the statement
    assert any("Nicht gespeichert" in e.value for e in entry.error)
    # the next one goes out behind it, waiting as long as the lock lasts
    entry.chat_input(key="entry_text").set_value(typed[1]).run()
    locker.wait(60)
    entry.chat_input(key="entry_text").set_value("Nach der langen Sperre").run()
    assert unsent_texts(entry) == []
    texts = [s.text for s in store.statements(workshop_id)]
    assert texts[3:] == [*typed, "Nach der langen Sperre"]
