"""Browser fixtures: Debian's Chromium driven by Playwright, and the app started as the
README starts it (``make run``), on a free port with its own database."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import require

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("HARVEST_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium per test module. Not per session: Playwright's sync API runs an event
    loop in this thread while it lives, and other modules' tests use asyncio or their
    own Playwright."""
    path = chromium_path()
    require(path and Path(path).exists(), "Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningApp:
    url: str
    links: dict[str, str]
    process: subprocess.Popen[str]
    log: Path
    env: dict[str, str]


def start_app(
    tmp: Path,
    *,
    database_url: str | None = None,
    refresh: float = 1.0,
    port: int | None = None,
    secret: str = "e2e-secret",
) -> RunningApp:
    """``make run`` on a free port; returns once the server answers its health check."""
    port = port or free_port()
    env = dict(os.environ)
    env.update(
        {
            "HARVEST_DATABASE_URL": database_url or f"sqlite:///{tmp / 'e2e.db'}",
            "HARVEST_SESSIONS_DIR": str(tmp),
            "HARVEST_SECRET_KEY": secret,
            "HARVEST_REFRESH_SECONDS": str(refresh),
            "STREAMLIT_SERVER_HEADLESS": "true",
            "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
        }
    )
    log = tmp / f"app-{port}.log"
    handle = log.open("w")
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=REPO,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"make run exited: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        stop_app(process)
        raise RuntimeError(f"app did not start: {log.read_text()[-3000:]}")
    links = dict(
        re.findall(r"^(moderator|facilitator|participant)\s+(\S+)$", log.read_text(), re.M)
    )
    return RunningApp(url, links, process, log, env)


def stop_app(process: subprocess.Popen[str], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def running_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("app"))
    yield running
    stop_app(running.process)


# --- page helpers shared by the browser tests and benchmarks/bench_latency.py -----------


def wait_for_app(page) -> None:  # noqa: ANN001 - playwright Page
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000
    )


def statement_count(page) -> int:  # noqa: ANN001
    """The "N Aussagen" figure the board's side panel shows."""
    text = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="Aussagen").first
    match = re.search(r"(\d+) Aussagen", text.inner_text(timeout=30_000))
    return int(match.group(1)) if match else -1


def submit(page, text: str) -> None:  # noqa: ANN001
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")
