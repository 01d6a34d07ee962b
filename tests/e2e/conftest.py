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
from collections.abc import Callable, Iterator
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
    wait_until_ready(process, lambda: app_healthy(url), log, "make run", 90)
    links = dict(
        re.findall(r"^(moderator|facilitator|participant)\s+(\S+)$", log.read_text(), re.M)
    )
    return RunningApp(url, links, process, log, env)


def app_healthy(url: str) -> bool:
    """Whether the Streamlit server at ``url`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:  # noqa: S310
            return bool(r.status == 200)
    except OSError:
        return False


def wait_until_ready(process: subprocess.Popen[str], ready: Callable[[], bool], log: Path,
                     what: str, seconds: float) -> None:
    """Wait until ``ready()``; if ``process`` exits first or time runs out, stop it and
    raise with the end of its ``log``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited: {log.read_text(errors='replace')[-3000:]}")
        if ready():
            return
        time.sleep(0.3)
    stop_app(process)
    raise RuntimeError(f"{what} did not start: {log.read_text(errors='replace')[-3000:]}")


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


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


def open_expander(page, label: str, shows: str, attempts: int = 3) -> None:  # noqa: ANN001
    """Open the expander titled ``label`` until the text ``shows`` is visible.

    On a loaded CI machine a click once hung in Playwright's "performing click action"
    for its whole 30 s, with the expander visible and stable. A second click is sent only
    while the expander is still closed, so a late first click is never undone by a
    second."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    details = page.locator('[data-testid="stExpander"] details').filter(has_text=label).first
    target = page.get_by_text(shows).first
    for _ in range(attempts):
        try:
            if details.get_attribute("open", timeout=15_000) is None:
                details.locator("summary").first.click(timeout=15_000)
            target.wait_for(timeout=15_000)
            return
        except PlaywrightTimeout:
            continue
    target.wait_for(timeout=15_000)  # fails with the locator's own message


def submit(page, text: str) -> None:  # noqa: ANN001
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")


# --- the reverse proxy: the shipped nginx configuration, rendered for a test ------------

NGINX_CONF = REPO / "deploy" / "nginx" / "harvest.conf"
UPSTREAM_HEADER = "X-Harvest-Upstream"


def nginx_path() -> str | None:
    """Debian's nginx (``apt-get install nginx-light``), wherever PATH or sbin has it."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )


def render_proxy_config(ports: list[int], listen_port: int, *, expose_upstream: bool) -> str:
    """``deploy/nginx/harvest.conf`` as shipped, with its ``listen`` and ``server`` lines
    pointed at this run's free ports. ``expose_upstream`` adds one response header naming
    the app server that answered (for tests that must know; not in the shipped file)."""
    text = NGINX_CONF.read_text(encoding="utf-8")
    servers = "".join(
        f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;\n" for port in ports
    )
    text, count = re.subn(r"(?m)^    server 127\.0\.0\.1:\d+ [^\n]*\n(?:    server [^\n]*\n)*",
                          servers, text)
    assert count == 1, "harvest.conf: the upstream's server lines moved"
    text, count = re.subn(r"(?m)^    listen 80;$", f"    listen 127.0.0.1:{listen_port};", text)
    assert count == 1, "harvest.conf: the listen line moved"
    if expose_upstream:
        text = text.replace(
            "    add_header Set-Cookie $harvest_set_cookie always;\n",
            "    add_header Set-Cookie $harvest_set_cookie always;\n"
            f"    add_header {UPSTREAM_HEADER} $upstream_addr always;\n",
        )
    return text


@dataclass
class RunningProxy:
    url: str
    process: subprocess.Popen[str]
    root: Path

    def error_log(self) -> str:
        path = self.root / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


def start_proxy(tmp: Path, ports: list[int], *, expose_upstream: bool = False) -> RunningProxy:
    """nginx in the foreground, no root needed: its own prefix, pid, logs and temp paths
    under ``tmp``, the shipped site config included from a minimal main config."""
    binary = nginx_path()
    if binary is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
    root = tmp / "nginx"
    root.mkdir(parents=True, exist_ok=True)
    listen = free_port()
    (root / "harvest.conf").write_text(
        render_proxy_config(ports, listen, expose_upstream=expose_upstream), encoding="utf-8"
    )
    temp = "\n".join(f"    {kind}_temp_path {root / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (root / "nginx.conf").write_text(
        f"worker_processes 1;\npid {root / 'nginx.pid'};\nerror_log {root / 'error.log'} warn;\n"
        "events { worker_connections 2048; }\n"
        f"http {{\n    access_log {root / 'access.log'};\n{temp}\n"
        "    proxy_max_temp_file_size 0;\n"  # answers stream through memory, no temp files
        f"    include {root / 'harvest.conf'};\n}}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [binary, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=(root / "stderr.log").open("w"), text=True,
        start_new_session=True,
    )
    wait_until_ready(process, lambda: listening(listen), root / "stderr.log", "nginx", 20)
    return RunningProxy(f"http://127.0.0.1:{listen}", process, root)
