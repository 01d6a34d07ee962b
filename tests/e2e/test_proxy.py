"""Two app servers behind the shipped nginx configuration, deployed as the README says.

Debian's nginx runs ``deploy/nginx/harvest.conf`` (ports rendered into a tmp dir, no root)
in front of two ``make run`` on one PostgreSQL. Through the proxy, in Chromium, a
facilitator's browser is held on server A and a participant's on server B by the sticky
cookie. A's statements show on B's board. Then A dies (SIGKILL): the facilitator's tab
opens a new stream through the same address, which the proxy sends to B, and the next
statement is saved there without a reload; a reload lands on B too. Every statement a
page acknowledged is on the board and in the database, none twice. (Under CI=true a
missing nginx fails the test.)"""

from __future__ import annotations

import re
import signal
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from harvest.store import Store
from tests.conftest import require
from tests.e2e.conftest import (
    ARTIFACTS,
    UPSTREAM_HEADER,
    RunningApp,
    RunningProxy,
    nginx_path,
    start_app,
    start_proxy,
    statement_count,
    stop_app,
    submit,
    wait_for_app,
)

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow,
              pytest.mark.xdist_group("browser")]

REFRESH_S = 1.0
COOKIE = "harvest_server"
SAVED = re.compile(r"Gespeichert \(Nr\. (\d+)\)")


@pytest.fixture
def deployment(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               ) -> Iterator[tuple[RunningProxy, RunningApp, RunningApp]]:
    """nginx in front of two app servers on one PostgreSQL (as the README deploys it)."""
    require(nginx_path(), "nginx is not installed (apt-get install nginx-light)")
    monkeypatch.setenv("HARVEST_TRUSTED_PROXIES", "127.0.0.1")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    apps: list[RunningApp] = []
    proxy: RunningProxy | None = None
    try:
        for name in ("a", "b"):  # one after the other: each makes sure the demo exists
            apps.append(start_app(tmp_path / name, database_url=pg_url, refresh=REFRESH_S,
                                  secret="proxy-test"))
        ports = [int(app.url.rsplit(":", 1)[1]) for app in apps]
        proxy = start_proxy(tmp_path, ports, expose_upstream=True)
        yield proxy, apps[0], apps[1]
    finally:
        if proxy is not None:
            stop_app(proxy.process)
        for app in apps:
            stop_app(app.process)


def served_by(proxy: RunningProxy, key: str) -> str:
    """Which app server (host:port) the proxy sends a browser with this cookie to."""
    request = urllib.request.Request(f"{proxy.url}/_stcore/health",
                                     headers={"Cookie": f"{COOKIE}={key}"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        return answer.headers[UPSTREAM_HEADER].split(",")[-1].strip()


def sticky_key(proxy: RunningProxy, app: RunningApp) -> str:
    """A cookie value the consistent hash maps to ``app``."""
    target = app.url.replace("localhost", "127.0.0.1").removeprefix("http://")
    for n in range(200):
        if served_by(proxy, f"key{n}") == target:
            return f"key{n}"
    raise AssertionError(f"no key of 200 lands on {target}")


def through(proxy: RunningProxy, app: RunningApp, role: str) -> str:
    return app.links[role].replace(app.url, proxy.url)


def wait_for_count(page, count: int, timeout_s: float = 30) -> None:  # noqa: ANN001
    page.wait_for_function(
        f"""() => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
                 .some(e => /(^|\\D){count} Aussagen/.test(e.innerText))""",
        timeout=timeout_s * 1000,
    )


def submit_and_ack(page, text: str) -> int:  # noqa: ANN001
    """Type a statement, press Enter, return the number the page acknowledged."""
    seen = {int(n) for n in SAVED.findall(page.locator("body").inner_text())}
    submit(page, text)
    page.wait_for_function(
        """(seen) => [...document.body.innerText.matchAll(/Gespeichert \\(Nr\\. (\\d+)\\)/g)]
                     .some(m => !seen.includes(Number(m[1])))""",
        arg=sorted(seen), timeout=20_000,
    )
    fresh = {int(n) for n in SAVED.findall(page.locator("body").inner_text())} - seen
    assert len(fresh) == 1, fresh
    return fresh.pop()


def test_a_server_dies_behind_the_proxy_and_its_users_carry_on_on_the_other_one(
    browser, deployment: tuple[RunningProxy, RunningApp, RunningApp], pg_url: str,  # noqa: ANN001
) -> None:
    proxy, server_a, server_b = deployment
    key_a, key_b = sticky_key(proxy, server_a), sticky_key(proxy, server_b)
    facilitator = browser.new_context()
    participant = browser.new_context(viewport={"width": 1600, "height": 1000})
    facilitator.add_cookies([{"name": COOKIE, "value": key_a, "url": proxy.url}])
    participant.add_cookies([{"name": COOKIE, "value": key_b, "url": proxy.url}])
    entry, board = facilitator.new_page(), participant.new_page()
    try:
        first = entry.goto(through(proxy, server_a, "facilitator"))
        assert first is not None and first.headers[UPSTREAM_HEADER.lower()].endswith(
            server_a.url.rsplit(":", 1)[1])
        board.goto(through(proxy, server_b, "participant"))
        wait_for_app(entry)
        wait_for_app(board)
        before = statement_count(board)
        assert before > 0

        acked = [submit_and_ack(entry, f"Trinkbrunnen an jedem Spielplatz, Vorschlag {n}")
                 for n in (1, 2)]
        wait_for_count(board, before + 2)  # written through A, shown by B

        streams: list[str] = []
        entry.on("websocket", lambda ws: streams.append(ws.url))
        stop_app(server_a.process, signal.SIGKILL)  # A dies with the facilitator's session
        ARTIFACTS.mkdir(exist_ok=True)
        entry.screenshot(path=str(ARTIFACTS / "proxy-server-died.png"))
        # Streamlit's frontend notices the closed stream ("Connecting" at the top right)
        # and retries through the same address; the proxy's hash moves on to B, where a
        # new session runs the page from its link: the tab is back without a reload
        if not streams:
            entry.wait_for_event("websocket", timeout=30_000)
        assert streams and all("/_stcore/stream" in url for url in streams), streams
        entry.get_by_test_id("stChatInputTextArea").wait_for(timeout=30_000)
        wait_for_app(entry)
        entry.screenshot(path=str(ARTIFACTS / "proxy-after-failover.png"))
        acked.append(submit_and_ack(entry, "Trinkbrunnen an jedem Spielplatz, Vorschlag 3"))
        wait_for_count(board, before + 3)

        # a reload (F5) goes to B as well, as long as A is down
        again = entry.reload()
        assert again is not None and again.headers[UPSTREAM_HEADER.lower()].endswith(
            server_b.url.rsplit(":", 1)[1])
        wait_for_app(entry)
        acked.append(submit_and_ack(entry, "Trinkbrunnen an jedem Spielplatz, Vorschlag 4"))
        wait_for_count(board, before + 4)

        with Store(pg_url) as store:
            rows = {s.id: s.text for w in store.list_workshops()
                    for s in store.statements(w.id, include_hidden=True)}
        assert set(acked) <= set(rows), (acked, sorted(rows))  # nothing acknowledged lost
        texts = [t for t in rows.values() if t.startswith("Trinkbrunnen an jedem")]
        assert sorted(texts) == sorted(set(texts)) and len(texts) == 4, texts  # none twice
        assert statement_count(board) == before + 4  # nothing doubled by the failover
    finally:
        facilitator.close()
        participant.close()
