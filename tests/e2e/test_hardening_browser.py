"""Issue 16 in headless Chromium, where only a browser can tell: what a revoked
participant's live board shows, and whether URLs in statements turn into links."""

from __future__ import annotations

import time

import pytest

from harvest import access
from harvest.store import Store
from tests.e2e.conftest import RunningApp, open_expander, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

URLS = "Infos auf https://example.org/anmeldung und www.example.net, Fragen an info@example.com"


def test_urls_in_statements_show_as_text_on_the_summarys_text_view(
    browser, running_app: RunningApp
) -> None:
    token = running_app.links["moderator"].split("t=", 1)[1]
    with Store(running_app.env["HARVEST_DATABASE_URL"]) as store:
        workshop_id = access.resolve_token(store, token).workshop_id
        store.add_statement(workshop_id, URLS, table=store.tables(workshop_id)[0].name)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{running_app.url}/summary?t={token}")
    wait_for_app(page)
    open_expander(page, "Als Text", shows="example.org/anmeldung")
    links = page.eval_on_selector_all(
        '[data-testid="stExpander"] a', "els => els.map(e => e.href)"
    )
    assert not [href for href in links if "example" in href], links
    context.close()


def test_a_revoked_participant_board_never_shows_the_new_participant_link(
    browser, running_app: RunningApp
) -> None:
    # The board's QR link is cached for every viewer for 10 s and each viewer re-checks
    # its own link every 10 s. The moderator's board fills the cache first, the
    # participant comes 5 s later: when the cache refills after the re-issue, the
    # participant's own check is still seconds away.
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    moderator = context.new_page()
    started = time.monotonic()
    moderator.goto(running_app.links["moderator"])
    wait_for_app(moderator)
    old = running_app.links["participant"].split("t=", 1)[1]
    moderator.get_by_text(old).first.wait_for(timeout=30_000)
    time.sleep(max(0.0, started + 5 - time.monotonic()))
    board = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    board.goto(running_app.links["participant"])
    wait_for_app(board)
    board.get_by_text(old).first.wait_for(timeout=30_000)  # the board shows its own link
    time.sleep(max(0.0, started + 8 - time.monotonic()))
    with Store(running_app.env["HARVEST_DATABASE_URL"]) as store:
        workshop_id = access.resolve_token(store, old).workshop_id
        new = access.reissue_token(
            store, store.get_workshop(workshop_id), "participant",
            secret=running_app.env["HARVEST_SECRET_KEY"].encode(),
        )
    deadline = time.monotonic() + 15  # the board refreshes every second here
    while time.monotonic() < deadline:
        assert new not in board.content()
        board.wait_for_timeout(300)
    assert "ungültig" in board.inner_text("body")  # and it says the link stopped working
    context.close()
