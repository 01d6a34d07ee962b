"""Two app servers, one PostgreSQL database: how Harvest outgrows one machine.

Two ``make run`` on different ports share one database and one HARVEST_SECRET_KEY (as
several ``streamlit run`` behind a proxy with sticky sessions would). A facilitator types
on server A; a participant whose board is served by server B sees the statement within
the refresh interval plus a margin, without reloading.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import start_app, statement_count, stop_app, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow,
              pytest.mark.xdist_group("browser")]

REFRESH_S = 1.0
MARGIN_S = 4.0  # B recomputes the board for the new revision; a loaded CI box is slow




def test_statement_entered_on_server_a_shows_on_server_b(
    browser, pg_url: str, tmp_path: Path,  # noqa: ANN001 - playwright Browser
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    # one after the other: each `make run` first makes sure the demo workshop exists
    server_a = start_app(tmp_path / "a", database_url=pg_url, refresh=REFRESH_S,
                         secret="two-servers")
    try:
        server_b = start_app(tmp_path / "b", database_url=pg_url, refresh=REFRESH_S,
                             secret="two-servers")
    except BaseException:
        stop_app(server_a.process)
        raise
    try:
        assert server_a.url != server_b.url
        token = {role: link.split("?t=", 1)[1] for role, link in server_a.links.items()}
        # the same secret and database: B hands out the very same links
        assert {role: link.split("?t=", 1)[1] for role, link in server_b.links.items()} == token

        facilitator = browser.new_context()
        participant = browser.new_context(viewport={"width": 1600, "height": 1000})
        entry = facilitator.new_page()
        board = participant.new_page()
        entry.goto(server_a.links["facilitator"])
        board.goto(server_b.links["participant"])
        assert board.url.startswith(server_b.url)
        wait_for_app(entry)
        wait_for_app(board)
        before = statement_count(board)
        assert before > 0

        started = time.monotonic()
        box = entry.get_by_test_id("stChatInputTextArea")
        box.fill("Gemeinschaftsgärten auf Brachflächen im Quartier anlegen")
        box.press("Enter")
        saved = entry.get_by_text(re.compile(r"Gespeichert \(Nr\. \d+\)")).first
        saved.wait_for(timeout=10_000)
        board.wait_for_function(
            f"""() => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
                     .some(e => /{before + 1} Aussagen/.test(e.innerText))""",
            timeout=(REFRESH_S + MARGIN_S + 10) * 1000,
        )
        latency = time.monotonic() - started
        assert latency < REFRESH_S + MARGIN_S, f"B showed it after {latency:.1f} s"
        print(f"A -> B: seen after {latency:.2f} s (refresh {REFRESH_S:g} s)")
        facilitator.close()
        participant.close()
    finally:
        stop_app(server_b.process)
        stop_app(server_a.process)
