"""A process in headless Chromium: its participant board grows when one of its workshops
does, and its moderator opens the compare page (the heat map)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harvest import access
from harvest.demo import create_demo
from harvest.store import Store
from tests.e2e.conftest import (
    ARTIFACTS,
    RunningApp,
    start_app,
    statement_count,
    stop_app,
    wait_for_app,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
SECRET = "e2e-process-secret"


@pytest.fixture(scope="module")
def process_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningApp, dict]]:
    tmp = tmp_path_factory.mktemp("process")
    url = f"sqlite:///{tmp / 'e2e.db'}"
    with Store(url) as store:
        demo = create_demo(store)
        region = store.create_workshop("Region Nord", slug="nord", tables=["Bus"])
        store.add_statement(region.id, "Mehr Busse am Abend auf dem Land", table="Bus")
        process = store.create_process("Land", slug="land", workshops=[demo.slug, "nord"])
        links = access.workshop_links(store, process.workshop, secret=SECRET.encode())
        total = len(store.statements(demo.id)) + 1
    running = start_app(tmp, database_url=url, secret=SECRET)
    base = running.url
    yield running, {
        "url": url, "region": region.id, "total": total,
        **{role: link.replace(access.DEFAULT_BASE_URL, base) for role, link in links.items()},
    }
    stop_app(running.process)


def test_process_board_grows_with_a_member_and_compare_opens(
    browser, process_app: tuple[RunningApp, dict]
) -> None:
    _running, info = process_app
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    board = context.new_page()
    board.goto(info["participant"])
    wait_for_app(board)
    assert statement_count(board) == info["total"]
    with Store(info["url"]) as store:
        store.add_statement(info["region"], "Kitaplätze in jedem Dorf", table="Bus")
    board.wait_for_function(
        f"""() => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
                 .some(e => /{info['total'] + 1} Aussagen/.test(e.innerText))""",
        timeout=20_000,
    )
    board.frame_locator("iframe").first.locator("canvas").first.wait_for(timeout=15_000)
    moderator = context.new_page()
    moderator.goto(info["moderator"].replace("/?", "/compare?"))
    wait_for_app(moderator)
    moderator.get_by_text("Werkstätten im Vergleich").first.wait_for(timeout=30_000)
    moderator.get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    moderator.screenshot(path=str(ARTIFACTS / "process-compare.png"), full_page=True)
    assert Path(ARTIFACTS / "process-compare.png").stat().st_size > 10_000
    context.close()
