"""Participation in a real browser, on SQLite and PostgreSQL: a phone sends statements
into the queue (one hostile), the moderator approves one and rejects the other, opens a
vote, the phone gives a dot, the moderator closes the vote and the phone is told so.

The app is started as `make run` starts it, once per engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harvest.store import Store
from harvest.store import participation_store as ps
from tests.e2e.conftest import RunningApp, start_app, stop_app, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

HOSTILE = "<img src=x onerror=alert(1)> Mehr **Licht**"
GOOD = "Mehr Bänke am Spielplatz aufstellen"


@pytest.fixture
def app_on_engine(store_url: str, tmp_path: Path) -> Iterator[RunningApp]:
    running = start_app(tmp_path, database_url=store_url)
    yield running
    stop_app(running.process)


def page_url(running: RunningApp, role: str, path: str) -> str:
    return running.links[role].replace("/?t=", f"/{path}?t=")


def test_phone_submits_moderator_decides_phone_votes_until_closed(
    browser: Any, app_on_engine: RunningApp
) -> None:
    running = app_on_engine
    dialogs: list[str] = []
    with Store(running.env["HARVEST_DATABASE_URL"]) as store:
        workshop_id = store.get_workshop("demo").id
        ps.set_settings(store, workshop_id, participant_input=True)
        before = len(store.statements(workshop_id))
    phone_context = browser.new_context(viewport={"width": 390, "height": 844})
    desk_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    phone, desk = phone_context.new_page(), desk_context.new_page()
    for page in (phone, desk):
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    phone.goto(running.links["participant"])  # input on: the QR link opens the form
    wait_for_app(phone)
    for text in (HOSTILE, GOOD):
        phone.get_by_role("textbox", name="Ihre Aussage").fill(text)
        phone.get_by_role("button", name="Absenden").click()
        phone.get_by_text("Danke! Ihre Aussage wartet").wait_for(timeout=20_000)
        wait_for_app(phone)

    desk.goto(page_url(running, "moderator", "moderate"))
    wait_for_app(desk)
    desk.get_by_text("Warteschlange · 2").wait_for(timeout=20_000)
    desk.get_by_text(HOSTILE, exact=True).first.wait_for(timeout=10_000)  # shown as text
    with Store(running.env["HARVEST_DATABASE_URL"]) as store:
        waiting = {s.text: s.id for s in ps.queue(store, workshop_id)}
    # each queued statement sits in its own container (key queue_<id>)
    hostile, good = (desk.locator(f".st-key-queue_{waiting[text]}") for text in (HOSTILE, GOOD))
    good.get_by_role("button", name="Freigeben").click()
    desk.get_by_text("Freigegeben: steht jetzt auf dem Board.").wait_for(timeout=20_000)
    wait_for_app(desk)
    hostile.get_by_role("button", name="Ablehnen").click()
    desk.get_by_text("Warteschlange · 0").wait_for(timeout=20_000)
    with Store(running.env["HARVEST_DATABASE_URL"]) as store:
        texts = [s.text for s in store.statements(workshop_id)]
        assert len(texts) == before + 1 and texts[-1] == GOOD
        assert [s.status for s in ps.queue(store, workshop_id, None)] == ["rejected", "approved"]

    wait_for_app(desk)
    desk.get_by_role("button", name="Abstimmung öffnen").click()
    desk.get_by_role("button", name="Abstimmung schließen").wait_for(timeout=30_000)
    phone.reload()
    wait_for_app(phone)
    phone.locator('[data-testid="stCheckbox"]').first.click()
    phone.get_by_role("button", name="Punkte abgeben").click()
    phone.get_by_text("Ihre Punkte sind gezählt").wait_for(timeout=20_000)
    with Store(running.env["HARVEST_DATABASE_URL"]) as store:
        assert sum(ps.demand_votes(store, workshop_id).values()) == 1

    desk.get_by_role("button", name="Abstimmung schließen").click()
    desk.get_by_text("Geschlossen · 1 Stimmzettel").wait_for(timeout=20_000)
    phone.reload()
    wait_for_app(phone)
    phone.get_by_text("Die Abstimmung ist beendet").wait_for(timeout=20_000)
    assert phone.locator('[data-testid="stCheckbox"]').count() == 0
    assert dialogs == []
    phone_context.close()
    desk_context.close()
