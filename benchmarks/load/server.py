"""The server side of a load or fault run: an app as ``make run`` starts it, a fresh
PostgreSQL database when asked, per-table facilitator links, and CPU/RSS sampling of the
server's process tree."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import sqlalchemy as sa

from harvest import access
from harvest.store import Store
from tests.e2e.conftest import REPO, RunningApp, app_healthy, free_port, wait_until_ready


def start_script(tmp: Path, script: Path, *, database_url: str, refresh: float,
                 secret: str) -> RunningApp:
    """Like ``start_app`` (``make run``), but serving another app script, for measuring
    a variant of ``harvest_app.py`` beside the real one: the demo workshop is made and its
    links printed the same way, then ``streamlit run SCRIPT`` on a free port."""
    port = free_port()
    env = dict(os.environ)
    env.update({
        "HARVEST_DATABASE_URL": database_url, "HARVEST_SESSIONS_DIR": str(tmp),
        "HARVEST_SECRET_KEY": secret, "HARVEST_REFRESH_SECONDS": str(refresh),
        "HARVEST_LOCAL_ORGANISER": "1", "PYTHONPATH": str(REPO),
        "STREAMLIT_SERVER_HEADLESS": "true", "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    })
    url = f"http://localhost:{port}"
    demo = subprocess.run(
        [sys.executable, "-m", "harvest", "demo", "--links", "--base-url", url],
        cwd=REPO, env=env, capture_output=True, text=True, check=True,
    )
    links = dict(re.findall(r"^(moderator|facilitator|participant)\s+(\S+)$", demo.stdout,
                            re.M))
    log = tmp / f"app-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    wait_until_ready(process, lambda: app_healthy(url), log, "streamlit", 90)
    return RunningApp(url, links, process, log, env)


@contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """A new, uniquely named database on the server at ``server_url``, dropped afterwards
    (as ``tests/conftest.py``'s ``pg_url`` fixture makes them)."""
    server = sa.make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"harvest_load_{uuid.uuid4().hex}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def table_links(database_url: str, facilitator_url: str, secret: str) -> list[str]:
    """One facilitator link per table of the workshop the given facilitator link opens,
    as a moderator hands them out (the table is preselected on the entry page)."""
    base, token = facilitator_url.split("?t=", 1)
    base = base.rsplit("/", 1)[0]
    with Store(database_url) as store:
        grant = access.resolve_token(store, token)
        workshop = store.get_workshop(grant.workshop_id)
        return [
            access.link_url(
                access.issue_token(store, workshop, "facilitator", table_id=table.id,
                                   secret=secret.encode("utf-8")),
                base, "entry",
            )
            for table in store.tables(workshop.id)
        ]


@dataclass
class ProcessSample:
    """CPU seconds and resident memory of a process tree, summed."""

    cpu_seconds: float
    rss_bytes: int


def sample_tree(pid: int) -> ProcessSample:
    """CPU time (user + system, children included) and RSS of ``pid`` and its descendants."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return ProcessSample(0.0, 0)
    cpu, rss = 0.0, 0
    for proc in procs:
        try:
            times = proc.cpu_times()
            cpu += times.user + times.system
            rss += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return ProcessSample(cpu, rss)


@dataclass
class TreeMonitor:
    """Samples a process tree once a second in a thread: peak RSS and CPU over a window."""

    pid: int
    interval: float = 1.0
    peak_rss: int = 0
    _start: tuple[float, float] | None = None
    _end: tuple[float, float] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> TreeMonitor:
        sample = sample_tree(self.pid)
        self._start = (time.monotonic(), sample.cpu_seconds)
        self.peak_rss = sample.rss_bytes
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_rss = max(self.peak_rss, sample_tree(self.pid).rss_bytes)

    def __exit__(self, *exc: object) -> None:
        sample = sample_tree(self.pid)
        self._end = (time.monotonic(), sample.cpu_seconds)
        self.peak_rss = max(self.peak_rss, sample.rss_bytes)
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    @property
    def cpu_percent(self) -> float:
        """CPU used over the window, in percent of one core (200 % = both cores)."""
        if self._start is None or self._end is None:
            return 0.0
        wall = self._end[0] - self._start[0]
        return 100.0 * (self._end[1] - self._start[1]) / wall if wall > 0 else 0.0


def load_average() -> float:
    """The machine's 1-minute load average (other work on a shared machine shows here)."""
    return os.getloadavg()[0]
