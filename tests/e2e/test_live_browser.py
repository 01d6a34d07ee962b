"""The light live board in headless Chromium: a facilitator types on Streamlit's entry
page, a phone on ``/live/{token}`` sees the statement within the refresh, the page's one
script runs under its Content-Security-Policy, and a wrong link is refused."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.conftest import ARTIFACTS, RunningApp, submit, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def live_count(page) -> int:  # noqa: ANN001 - playwright Page
    text = page.locator(".live-caption").filter(has_text="Aussagen").first
    match = re.search(r"(\d+) Aussagen", text.inner_text(timeout=30_000))
    return int(match.group(1)) if match else -1


def test_a_statement_typed_at_a_table_shows_on_the_light_board(
    browser, running_app: RunningApp
) -> None:
    token = running_app.links["participant"].split("?t=", 1)[1]
    facilitator = browser.new_context()
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    entry = facilitator.new_page()
    board = phone.new_page()
    problems: list[str] = []
    board.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    board.on("pageerror", lambda e: problems.append(str(e)))
    entry.goto(running_app.links["facilitator"])
    answer = board.goto(f"{running_app.url}/live/{token}")
    assert answer is not None and answer.status == 200
    wait_for_app(entry)
    before = live_count(board)
    assert before > 50  # the demo workshop
    board.locator("img.live-map").first.wait_for(timeout=30_000)
    assert board.evaluate("document.querySelector('img.live-map').naturalWidth") > 0

    started = time.monotonic()
    submit(entry, "Lesepatenschaften in der Stadtbibliothek für neu zugezogene Familien")
    entry.get_by_text("Gespeichert").first.wait_for(timeout=10_000)
    board.wait_for_function(
        f"""() => [...document.querySelectorAll('.live-caption')]
                 .some(e => /{before + 1} Aussagen/.test(e.innerText))""",
        timeout=15_000,
    )
    latency = time.monotonic() - started
    assert latency < 5.0, f"seen after {latency:.1f} s"
    assert not problems, problems  # the polling script ran, nothing blocked by the CSP
    board.wait_for_function(  # the swapped fragment's picture comes from the browser's cache
        "() => document.querySelector('img.live-map').naturalWidth > 0", timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    board.screenshot(path=str(ARTIFACTS / "live_board.png"), full_page=True)

    refused = board.goto(f"{running_app.url}/live/not-a-valid-link")
    assert refused is not None and refused.status == 403
    assert "Dieser Link ist ungültig" in board.inner_text("body")
    facilitator.close()
    phone.close()


def test_a_phone_set_to_dark_gets_the_dark_page(browser, running_app: RunningApp) -> None:
    from harvest.conceptmap.style import live_colors, rgb

    token = running_app.links["participant"].split("?t=", 1)[1]
    colors = {}
    for scheme in ("light", "dark"):
        phone = browser.new_context(viewport={"width": 390, "height": 844},
                                    color_scheme=scheme)
        page = phone.new_page()
        page.goto(f"{running_app.url}/live/{token}")
        page.locator("img.live-map").first.wait_for(timeout=30_000)
        colors[scheme] = page.evaluate(
            "[getComputedStyle(document.body).backgroundColor,"
            " getComputedStyle(document.body).color]")
        if scheme == "dark":
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "live_board_dark.png"), full_page=True)
        phone.close()
    for scheme, (background, text) in colors.items():
        ink = live_colors(scheme)
        assert background == "rgb({}, {}, {})".format(*rgb(ink["bg"]))
        assert text == "rgb({}, {}, {})".format(*rgb(ink["fg"]))


def test_the_server_starts_and_serves_both_boards_without_a_warning(
    browser, running_app: RunningApp
) -> None:
    # the web server imports harvest_app.py before Streamlit's runtime exists: the pages'
    # caches and page settings, imported then, each logged a warning at start-up
    token = running_app.links["participant"].split("?t=", 1)[1]
    context = browser.new_context()
    page = context.new_page()
    page.goto(running_app.links["moderator"])
    wait_for_app(page)
    answer = page.goto(f"{running_app.url}/live/{token}")
    assert answer is not None and answer.status == 200
    context.close()
    log = running_app.log.read_text(errors="replace")
    noise = [line for line in log.splitlines()
             if "WARNING" in line or "ScriptRunContext" in line or "No runtime" in line]
    assert noise == []
