"""The projected board fits every common beamer (and a phone): QR code and theme list stay
fully on screen; the phone view of the board reads without zooming in first.

Screenshots of every size go to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS, RunningApp, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENS = [(1024, 768), (1280, 720), (1366, 768), (1920, 1080), (390, 844)]
QR = '.st-key-harvest_side [data-testid="stImage"] img'
THEMES = ".st-key-harvest_side .harvest-themes"


def outside(box: dict[str, float] | None, width: int, height: int) -> str:
    """Why ``box`` is not fully inside a width x height viewport ("" if it is)."""
    if box is None:
        return "not rendered"
    problems = []
    if box["x"] < 0 or box["y"] < 0:
        problems.append(f"starts at ({box['x']:.0f}, {box['y']:.0f})")
    if box["x"] + box["width"] > width + 0.5:
        problems.append(f"right edge {box['x'] + box['width']:.0f} > {width}")
    if box["y"] + box["height"] > height + 0.5:
        problems.append(f"bottom {box['y'] + box['height']:.0f} > {height}")
    return ", ".join(problems)


def test_presentation_keeps_qr_code_and_theme_list_on_screen_at_every_size(
    browser, running_app: RunningApp
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(running_app.links["moderator"])
    wait_for_app(page)
    page.frame_locator("iframe").first.locator("canvas").first.wait_for(timeout=30_000)
    page.get_by_text("Präsentieren").click()
    page.locator(QR).wait_for(timeout=20_000)
    failures = []
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(1200)  # the layout follows the screen by CSS alone
        page.screenshot(path=str(ARTIFACTS / f"presentation-{width}x{height}.png"))
        for name, selector in (("QR code", QR), ("theme list", THEMES)):
            problem = outside(page.locator(selector).bounding_box(), width, height)
            if problem:
                failures.append(f"{width}x{height}: {name} {problem}")
        # every theme line is there, none cut off to the side
        rows = page.locator(f"{THEMES} .harvest-theme")
        assert rows.count() >= 5
        for index in range(rows.count()):
            problem = outside(rows.nth(index).bounding_box(), width, height)
            if problem:
                failures.append(f"{width}x{height}: theme {index + 1} {problem}")
    assert not failures, "; ".join(failures)
    context.close()


def test_phone_board_has_readable_labels_and_the_map_right_under_the_title(
    browser, running_app: RunningApp
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(running_app.links["participant"])
    wait_for_app(page)
    frame = page.frame_locator("iframe").first
    frame.locator("canvas").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "board-phone.png"))
    box = page.locator('iframe[data-testid="stIFrame"]').bounding_box()
    assert box is not None
    assert box["y"] < 330, f"the map starts {box['y']:.0f} px down the screen"
    assert box["height"] <= 844, "the map frame is taller than the screen"
    # theme names are 48 px on the reference canvas; on screen they must read (>= 14 px)
    scale = page.frames[1].evaluate("window.harvest.network.getScale()")
    assert 48 * scale >= 14, f"theme labels are {48 * scale:.1f} px"
    # the full demands are listed below the map, in words that read on a phone
    demands = frame.locator("#harvest-demands li")
    assert demands.count() >= 1
    size = demands.first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 13
    context.close()
