"""Submit-to-visible latency between two browser contexts (headless Chromium).

The app is started as the README starts it (``make run``, demo workshop, refresh every
3 s). A facilitator context types a statement and presses Enter; a participant context
watches the board; the latency is the time from Enter until the participant's board
shows the new statement count. 20 submissions, one every few seconds.

Baseline in the same run: what polling alone costs, i.e. the expected wait of a viewer
that refreshes every R seconds (R/2 on average, R at worst), so the table shows how much
the server adds on top of the polling interval.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.conftest import (  # noqa: E402
    CHROMIUM_ARGS,
    chromium_path,
    start_app,
    statement_count,
    stop_app,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--refresh", type=float, default=3.0)
    args = parser.parse_args()
    path = chromium_path()
    if not path:
        print("chromium not installed: apt-get install chromium")
        return 1
    latencies = []
    with tempfile.TemporaryDirectory() as tmp:
        app = start_app(Path(tmp), refresh=args.refresh)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
                entry = browser.new_context().new_page()
                board = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
                entry.goto(app.links["facilitator"])
                board.goto(app.links["participant"])
                entry.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
                board.wait_for_function(
                    "() => /\\d+ Aussagen/.test(document.body.innerText)", timeout=60_000
                )
                for i in range(args.n):
                    before = statement_count(board)
                    box = entry.get_by_test_id("stChatInputTextArea")
                    box.fill(f"Mehr Begegnungsorte im Stadtteil schaffen, Vorschlag {i + 1}")
                    started = time.monotonic()
                    box.press("Enter")
                    board.wait_for_function(
                        f"() => /{before + 1} Aussagen/.test(document.body.innerText)",
                        timeout=30_000, polling=50,
                    )
                    latencies.append(time.monotonic() - started)
                    time.sleep(0.7 + (i % 4) * 0.6)  # not in step with the refresh
                browser.close()
        finally:
            stop_app(app.process)
    print(f"\nSubmit-to-visible latency, {len(latencies)} submissions, refresh {args.refresh:g} s")
    print(f"{'':<28}{'median':>8}{'worst':>8}")
    print(f"{'Harvest (measured)':<28}{statistics.median(latencies):>7.2f}s{max(latencies):>7.2f}s")
    print(f"{'polling alone (baseline)':<28}{args.refresh / 2:>7.2f}s{args.refresh:>7.2f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
