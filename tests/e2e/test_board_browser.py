"""End to end in headless Chromium: the app as `make run` starts it, several people at once."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from tests.e2e.conftest import ARTIFACTS, RunningApp, statement_count, submit, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_statement_typed_at_a_table_shows_on_a_participants_board(
    browser, running_app: RunningApp
) -> None:
    assert set(running_app.links) == {"moderator", "facilitator", "participant"}
    facilitator = browser.new_context()
    participant = browser.new_context(viewport={"width": 1600, "height": 1000})
    entry = facilitator.new_page()
    board = participant.new_page()
    external: list[str] = []
    board.on(
        "request",
        lambda r: (
            external.append(r.url)
            if not r.url.startswith(
                ("http://localhost", "ws://localhost", "data:", "blob:", "about:")
            )
            else None
        ),
    )
    entry.goto(running_app.links["facilitator"])
    board.goto(running_app.links["participant"])
    wait_for_app(entry)
    wait_for_app(board)
    before = statement_count(board)
    assert before > 50  # the demo workshop

    started = time.monotonic()
    submit(entry, "Sprachpatenschaften zwischen Schulen und Willkommensbündnissen aufbauen")
    entry.get_by_text("Gespeichert").first.wait_for(timeout=10_000)
    board.wait_for_function(
        f"""() => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
                 .some(e => /{before + 1} Aussagen/.test(e.innerText))""",
        timeout=5_000 + 10_000,
    )
    latency = time.monotonic() - started
    assert latency < 5.0, f"seen after {latency:.1f} s"
    # the map is there and was drawn
    frame = board.frame_locator("iframe").first
    frame.locator("canvas").first.wait_for(timeout=15_000)
    assert not external, f"requests left the machine: {external[:5]}"
    ARTIFACTS.mkdir(exist_ok=True)
    board.wait_for_timeout(1500)
    board.screenshot(path=str(ARTIFACTS / "board.png"))
    facilitator.close()
    participant.close()


def test_participant_cannot_reach_entry_or_curation(browser, running_app: RunningApp) -> None:
    context = browser.new_context()
    page = context.new_page()
    token = running_app.links["participant"].split("t=", 1)[1]
    for path in ("entry", "curate", "export", "start"):
        page.goto(f"{running_app.url}/{path}?t={token}")
        wait_for_app(page)
        page.wait_for_timeout(800)
        assert page.get_by_test_id("stChatInputTextArea").count() == 0
        assert page.get_by_text("Umbenennen").count() == 0
        assert page.get_by_text("PNG Poster").count() == 0
    context.close()


def test_moderator_downloads_a_png_that_decodes(browser, running_app: RunningApp) -> None:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    token = running_app.links["moderator"].split("t=", 1)[1]
    page.goto(f"{running_app.url}/export?t={token}")
    wait_for_app(page)
    with page.expect_download(timeout=60_000) as info:
        page.get_by_text("PNG Bildschirm").click()
    data = open(info.value.path(), "rb").read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.width >= 1600
    context.close()


def test_presentation_mode_screenshots(browser, running_app: RunningApp) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(running_app.links["moderator"])
    wait_for_app(page)
    page.frame_locator("iframe").first.locator("canvas").first.wait_for(timeout=20_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "board-moderator.png"))
    page.get_by_text("Präsentieren").click()
    page.wait_for_timeout(2500)
    assert page.locator('[data-testid="stSidebar"]').is_hidden()
    page.screenshot(path=str(ARTIFACTS / "board-presentation.png"))
    page.get_by_test_id("stCheckbox").count()  # no controls besides the exit button
    context.close()
