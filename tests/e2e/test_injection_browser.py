"""Hostile text typed at a table, in a real browser: it shows as text and never runs.

The app is started as `make run` starts it; a facilitator types HTML and script payloads
on the entry page, the moderator names themes after them on the curate page, and the
participant's board (with its map) must open no dialog and show the payloads literally.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from harvest.board import compute_board, theme_counts
from harvest.store import Store
from tests.e2e.conftest import RunningApp, submit, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
)


def wait_for_label(running_app: RunningApp, label: str, timeout: float = 15.0) -> bool:
    """True once a rename to ``label`` is stored."""
    deadline = time.monotonic() + timeout
    with Store(running_app.env["HARVEST_DATABASE_URL"]) as store:
        workshop_id = store.get_workshop("demo").id
        while time.monotonic() < deadline:
            if any(a.payload.get("label") == label for a in store.actions(workshop_id)):
                return True
            time.sleep(0.2)
    return False


def test_script_payloads_typed_at_a_table_never_run_and_show_as_text(
    browser: Any, running_app: RunningApp
) -> None:
    dialogs: list[str] = []
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    entry, curate, board = context.new_page(), context.new_page(), context.new_page()
    for page in (entry, curate, board):
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with Store(running_app.env["HARVEST_DATABASE_URL"]) as store:
        # the entry page shows the title as Markdown: a javascript: link must stay dead
        store.update_workshop(store.get_workshop("demo").id,
                              title="[Werkstatt](javascript:alert(1)) **Demo**")
    entry.goto(running_app.links["facilitator"])
    wait_for_app(entry)
    for payload in PAYLOADS:
        submit(entry, payload)
        # the facilitator's own recent statements show it as typed
        entry.get_by_text(payload).first.wait_for(timeout=15_000)
        wait_for_app(entry)

    # the moderator names the three largest themes after the payloads
    with Store(running_app.env["HARVEST_DATABASE_URL"]) as store:
        workshop = store.get_workshop("demo")
        themes = [t.id for t, _ in theme_counts(compute_board(store, workshop.id))][:3]
        texts = {s.text for s in store.statements(workshop.id)}
    assert set(PAYLOADS) <= texts
    curate.goto(running_app.links["moderator"].replace("/?", "/curate?"))
    wait_for_app(curate)
    for theme_id, payload in zip(themes, PAYLOADS, strict=True):
        curate.locator(".st-key-cur_theme").click()
        curate.get_by_role("option").nth(themes.index(theme_id)).click()
        wait_for_app(curate)
        # the field is keyed by the theme: wait for the chosen theme's own field
        curate.locator(f".st-key-cur_rename_label_{theme_id} input").fill(payload)
        curate.locator(".st-key-cur_rename button").click()
        wait_for_app(curate)
        assert wait_for_label(running_app, payload), f"rename to {payload!r} not saved"

    board.goto(running_app.links["participant"])
    wait_for_app(board)
    side = board.locator(".harvest-theme")
    for payload in PAYLOADS:
        side.filter(has_text=payload).first.wait_for(timeout=15_000)
    shown = " ".join(side.all_inner_texts())
    assert all(payload in shown for payload in PAYLOADS)  # literal text, not markup
    # the map is drawn; hovering every node would be slow: the map's own browser test
    # hovers payloads, here it is enough that nothing ran while it was built
    frame = board.frame_locator("iframe").first
    frame.locator("canvas").first.wait_for(timeout=15_000)
    board.wait_for_timeout(1500)
    for page in (entry, curate, board):
        assert page.locator("img[src='x']").count() == 0
        assert page.locator("a[href^='javascript']").count() == 0
    assert dialogs == []
    context.close()
