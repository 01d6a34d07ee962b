"""Load on the live board: facilitators on Streamlit's entry page, participants watching.

F facilitators (one entry page each, bound to a table, clients that speak Streamlit's
websocket protocol) submit a statement every few seconds; V participants watch the light
live board (``/live/{token}``, harvest/live.py), polling its fragment every
HARVEST_REFRESH_SECONDS as its page's script does. ``--baseline`` runs the same load again
with the participants on the Streamlit board, whose fragment reruns their clients drive
exactly as browsers do (see benchmarks/load/client.py), and prints both rows. The app
is started as the README starts it (``make run``) on a fresh database, SQLite by default,
PostgreSQL with ``--postgres`` (a fresh database on HARVEST_TEST_POSTGRES_URL's server).

``--vote`` opens a participant vote (5 demands, tallies shown) before the viewers arrive;
the semantic engine is on, as the app always runs it.

Reported per run (viewer: light or streamlit):
  p50, p95   submit-to-visible latency: from a facilitator's Enter until a viewer's
             "N Aussagen" caption reaches the count that includes the statement, over
             every (statement, viewer) pair; never seen counts as infinitely late
  ack p95    submit until the facilitator's "Gespeichert (Nr. ID)"
  CPU %      server process trees (make + streamlit), percent of one core, over the run
             (summed over the servers with --servers N; nginx not counted)
  RSS MB     peak resident memory of those trees, summed
  lost       statements the app acknowledged that are not in the database afterwards
  failed     submissions answered with "Nicht gespeichert", an error, or nothing in 30 s
  errors     exception elements the server sent to any client

    .venv/bin/python benchmarks/load_board.py -F 12 -V 300 --duration 60 --vote --baseline
    .venv/bin/python benchmarks/load_board.py --sweep              # V = 25, 50, 100, ...
    .venv/bin/python benchmarks/load_board.py --sweep --postgres
    .venv/bin/python benchmarks/load_board.py --postgres --servers 2 -V 600   # behind nginx

Loopback only, bounded in clients (``--max-viewers``) and time (``--duration``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make the repo importable
    sys.path.insert(0, str(REPO))

from benchmarks.load.client import Facilitator, LiveViewer, Viewer  # noqa: E402
from benchmarks.load.server import (  # noqa: E402
    TreeMonitor,
    fresh_postgres_database,
    load_average,
    start_script,
    table_links,
)
from harvest.store import Store  # noqa: E402
from tests.e2e.conftest import RunningApp, start_app, start_proxy, stop_app  # noqa: E402

DATA = REPO / ".." / "shared" / "data" / "polis_klimarat_at_de" / "polis_klimarat_at_de.csv"
SECRET = "load-secret"
GOAL_P95_S = 5.0
MARKER = re.compile(r"#(\d{7})$")
FALLBACK_TEXTS = [
    "Mehr Radwege und sichere Kreuzungen für Kinder auf dem Schulweg",
    "Öffentlicher Nahverkehr auch abends und am Wochenende im Takt",
    "Bürgerbudget für kleine Projekte im Stadtteil einführen",
    "Leerstand für Jugendräume und Vereine öffnen",
    "Wie wird die Beteiligung nach dem Workshop fortgesetzt?",
    "Hitzeschutz: Bäume und Trinkbrunnen in der Innenstadt",
]


def statement_texts(count: int, seed: int) -> list[str]:
    """``count`` real statements (Klimarat Polis data, CC BY 4.0) in a seeded order."""
    texts: list[str] = []
    if DATA.exists():
        with DATA.open(encoding="utf-8") as handle:
            texts = [row["text"].strip() for row in csv.DictReader(handle)
                     if 20 <= len(row["text"].strip()) <= 280]
    texts = texts or FALLBACK_TEXTS
    rng = random.Random(seed)
    rng.shuffle(texts)
    return [texts[i % len(texts)] for i in range(count)]


@dataclass
class Submission:
    marker: str
    facilitator: int
    submitted: float
    answered: float | None = None
    outcome: str = "pending"
    statement_id: int | None = None


@dataclass
class RunResult:
    viewer: str
    engine: str
    facilitators: int
    viewers: int
    duration: float
    refresh: float
    submitted: int = 0
    acknowledged: int = 0
    failed: int = 0
    lost: int = 0
    p50: float = float("nan")
    p95: float = float("nan")
    ack_p95: float = float("nan")
    unseen: int = 0
    cpu_percent: float = 0.0
    rss_mb: float = 0.0
    client_cpu_percent: float = 0.0
    load_avg: float = 0.0
    connect_s: float = 0.0
    viewers_dropped: int = 0
    errors: int = 0
    mb_per_viewer: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return self.p95 < GOAL_P95_S and self.lost == 0 and self.failed == 0 \
            and self.viewers_dropped == 0

    def row(self) -> str:
        return (f"{self.viewer:<9} {self.engine:<10} {self.facilitators:>3} {self.viewers:>4} "
                f"{self.p50:>6.2f} {self.p95:>6.2f} {self.ack_p95:>7.2f} "
                f"{self.cpu_percent:>6.0f} {self.rss_mb:>7.0f} {self.lost:>5} "
                f"{self.failed:>6} {self.acknowledged:>5} {self.unseen:>6} "
                f"{self.errors:>6} {self.client_cpu_percent:>7.0f} {self.load_avg:>5.1f}  "
                f"{'yes' if self.holds else 'NO'}")


HEADER = ("viewer    engine       F    V    p50    p95  ack p95   CPU%  RSS MB  lost failed   acks "
          "unseen errors client%  load  holds")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by the nearest-rank method; inf counts as a value."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def connect_all(urls: list[str], batch: int, kind: Callable[..., Any],
                      timeout: float) -> tuple[list, int]:  # type: ignore[type-arg]
    """Open one client per URL, ``batch`` at a time (people do not arrive in one instant).
    Returns the clients whose page came up, and how many did not within ``timeout``."""
    label = getattr(kind, "__name__", "viewer").lower()
    clients = [kind(url, name=f"{label}-{i}") for i, url in enumerate(urls)]
    ready, failed = [], 0
    for start in range(0, len(clients), batch):
        group = clients[start:start + batch]
        # bounded as a whole: an overloaded server can hold a handshake or a send forever
        outcomes = await asyncio.gather(*(asyncio.wait_for(c.connect(timeout), timeout + 10)
                                          for c in group), return_exceptions=True)
        for client, outcome in zip(group, outcomes, strict=True):
            if outcome is None:
                ready.append(client)
            else:
                failed += 1
                await client.close()
    return ready, failed


async def facilitate(client: Facilitator, index: int, texts: Iterator[str], deadline: float,
                     interval: float, seed: int, log: list[Submission], counter: Iterator[int],
                     ) -> None:
    """Submit a statement every ``interval`` seconds (with jitter) until ``deadline``."""
    rng = random.Random(seed * 1000 + index)
    await asyncio.sleep(rng.uniform(0, interval))  # tables do not type in step
    while time.monotonic() < deadline:
        marker = f"#{next(counter):07d}"
        entry = Submission(marker, index, time.monotonic())
        log.append(entry)
        # what the page answered; the ID and time are matched up from the database later
        entry.outcome, _ = await client.submit(f"{next(texts)} {marker}")
        pause = interval * rng.uniform(0.6, 1.4) - (time.monotonic() - entry.submitted)
        await asyncio.sleep(max(0.2, pause))


async def drive(links: dict[str, str], entry_urls: list[str], *, facilitators: int,
                viewers: int, duration: float, interval: float, drain: float, seed: int,
                monitors: list[TreeMonitor], result: RunResult, refresh: float,
                vote: bool,
                ) -> tuple[list[Viewer], list[Submission], dict[int, float]]:
    started = time.monotonic()
    watch_url = links["participant"]
    if result.viewer == "light":
        kind: Callable[..., Any] = partial(LiveViewer, refresh=refresh)
    else:
        kind = Viewer
        if vote:  # an open vote makes the participant form the link's first page
            watch_url = watch_url.replace("/?t=", "/board?t=")
    watchers, missing = await connect_all([watch_url] * viewers, 10, kind, 90)
    tables, missing_tables = await connect_all(
        [entry_urls[i % len(entry_urls)] for i in range(facilitators)], 4, Facilitator, 90,
    )
    result.connect_s = time.monotonic() - started
    result.viewers_dropped = missing
    if missing or missing_tables:
        result.notes.append(f"{missing} viewers and {missing_tables} facilitators never got "
                            "their page within 90 s")
    await asyncio.sleep(2.0)  # let every board settle before the first statement
    texts = iter(statement_texts(facilitators * int(duration / interval + 5), seed))
    counter = iter(range(1, 10_000_000))
    log: list[Submission] = []
    client_cpu = time.process_time()
    with contextlib.ExitStack() as watching:
        for monitor in monitors:
            watching.enter_context(monitor)
        deadline = time.monotonic() + duration
        await asyncio.gather(*(
            facilitate(client, i, texts, deadline, interval, seed, log, counter)
            for i, client in enumerate(tables)  # type: ignore[arg-type]
        ))
        await asyncio.sleep(drain)  # the last statements reach the boards
        wall = duration + drain
    result.client_cpu_percent = 100.0 * (time.process_time() - client_cpu) / wall
    result.viewers_dropped += sum(1 for w in watchers if not w.connected)
    result.errors = sum(len(c.exceptions) for c in [*watchers, *tables])
    kinds_of_error = sorted({e.split(":", 1)[0] for c in [*watchers, *tables]
                             for e in c.exceptions})
    if kinds_of_error:
        result.notes.append(f"errors: {', '.join(kinds_of_error[:5])}")
    result.mb_per_viewer = (sum(w.bytes_received for w in watchers) / max(1, len(watchers))
                            / 1e6)
    acks: dict[int, float] = {}
    for table in tables:
        for statement_id, when in table.acks.items():
            acks.setdefault(statement_id, when)
    await asyncio.gather(*(c.close() for c in [*watchers, *tables]))
    return watchers, log, acks


def evaluate(result: RunResult, watchers: list[Viewer], log: list[Submission],
             acks: dict[int, float], database_url: str, workshop_id: int, base_max_id: int,
             base_count: int) -> None:
    """Latencies, acknowledgements and losses, checked against the database.

    An acknowledgement is any "Gespeichert (Nr. ID)" a facilitator's page showed; it is
    matched to its submission through the database row's marker, never by arrival order.
    Lost: an acknowledged ID with no row. Failed: a submission never acknowledged."""
    with Store(database_url) as store:
        rows = [s for s in store.statements(workshop_id, include_hidden=True)
                if s.id > base_max_id]
    rows.sort(key=lambda s: s.id)
    in_db = {s.id for s in rows}
    by_marker = {e.marker: e for e in log}
    result.submitted = len(log)
    result.lost = sum(1 for statement_id in acks if statement_id not in in_db)
    for statement in rows:
        match = MARKER.search(statement.text)
        entry = by_marker.get(match.group(0)) if match else None
        if entry is not None and statement.id in acks:
            entry.statement_id, entry.answered = statement.id, acks[statement.id]
            entry.outcome = "saved"
    acknowledged = [e for e in log if e.statement_id is not None and e.statement_id in acks]
    result.acknowledged = len(acknowledged)
    result.failed = len(log) - len(acknowledged)
    latencies: list[float] = []
    for rank, statement in enumerate(rows, start=1):
        match = MARKER.search(statement.text)
        entry = by_marker.get(match.group(0)) if match else None
        if entry is None:
            continue
        for watcher in watchers:
            seen = watcher.first_seen(base_count + rank)
            latencies.append(seen - entry.submitted if seen is not None else float("inf"))
    result.unseen = sum(1 for value in latencies if value == float("inf"))
    result.p50 = percentile(latencies, 50)
    result.p95 = percentile(latencies, 95)
    waits = [e.answered - e.submitted for e in acknowledged if e.answered is not None]
    result.ack_p95 = percentile(waits, 95)
    if waits:
        result.notes.append(f"ack median {statistics.median(waits):.2f} s")
    outcomes = statistics.multimode(e.outcome for e in log) if log else []
    if result.failed:
        result.notes.append(f"most common outcome {outcomes}")


@contextlib.contextmanager
def database(engine: str, tmp: Path) -> Iterator[str]:
    if engine == "sqlite":
        yield f"sqlite:///{tmp / 'load.db'}"
        return
    server = os.environ.get("HARVEST_TEST_POSTGRES_URL", "").strip()
    if not server:
        raise SystemExit("--postgres needs HARVEST_TEST_POSTGRES_URL (a PostgreSQL server)")
    with fresh_postgres_database(server) as url:
        yield url


@contextlib.contextmanager
def server_env(extra: dict[str, str]) -> Iterator[None]:
    """Extra environment for the app server (``start_app`` copies ours)."""
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def start_servers(tmp: Path, count: int, url: str, refresh: float, script: Path | None,
                  ) -> list[RunningApp]:
    """``count`` app servers on one database, one after the other (each makes sure the
    demo workshop exists): ``make run``, or ``streamlit run SCRIPT`` for a variant."""
    apps: list[RunningApp] = []
    try:
        for n in range(count):
            home = tmp / f"server-{n}"
            home.mkdir()
            if script is None:
                apps.append(start_app(home, database_url=url, refresh=refresh, secret=SECRET))
            else:
                apps.append(start_script(home, script, database_url=url, refresh=refresh,
                                         secret=SECRET))
    except BaseException:
        for app in apps:
            stop_app(app.process)
        raise
    return apps


def open_vote(url: str, workshop_id: int) -> None:
    """A participant vote on five of the board's demands, tallies shown on the board."""
    from harvest.participation import VoteItem, item_key
    from harvest.store import participation_store as ps

    with Store(url) as store:
        demands = [s for s in store.statements(workshop_id) if s.kind == "demand"][:5]
        ps.open_vote(store, workshop_id, [VoteItem(item_key("demand", s.id), s.text)
                                          for s in demands], dots=1)
        ps.show_tallies(store, workshop_id, True)


def run_once(engine: str, facilitators: int, viewers: int, *, duration: float,
             interval: float, refresh: float, drain: float, seed: int,
             env: dict[str, str] | None = None, script: Path | None = None,
             servers: int = 1, viewer: str = "light", vote: bool = False) -> RunResult:
    """One load run against freshly started app servers on a fresh database. With
    ``servers`` > 1 they stand behind nginx with the shipped ``deploy/nginx/harvest.conf``
    and every client goes through it (each websocket is its own sticky session)."""
    label = engine if servers == 1 else f"{engine[:2]}+{servers}nginx"
    result = RunResult(viewer, label, facilitators, viewers, duration, refresh)
    with tempfile.TemporaryDirectory(prefix="harvest-load-") as tmp_name, \
            database(engine, Path(tmp_name)) as url, \
            server_env({"HARVEST_SIMILAR_HINT": "0", "HARVEST_TRUSTED_PROXIES": "127.0.0.1",
                        **(env or {})}):  # no one to answer the similar-statement hint
        apps = start_servers(Path(tmp_name), servers, url, refresh, script)
        proxy = start_proxy(Path(tmp_name), [int(a.url.rsplit(":", 1)[1]) for a in apps]) \
            if servers > 1 else None
        app = apps[0]
        links = app.links if proxy is None else {
            role: link.replace(app.url, proxy.url) for role, link in app.links.items()
        }
        try:
            entry_urls = table_links(url, links["facilitator"], SECRET)
            token = app.links["participant"].split("?t=", 1)[1]
            with Store(url) as store:
                from harvest import access

                workshop_id = access.resolve_token(store, token).workshop_id
                before = store.statements(workshop_id, include_hidden=True)
                base_max_id = max((s.id for s in before), default=0)
            if vote:
                open_vote(url, workshop_id)
            monitors = [TreeMonitor(a.process.pid) for a in apps]
            watchers, log, acks = asyncio.run(drive(
                links, entry_urls, facilitators=facilitators, viewers=viewers,
                duration=duration, interval=interval, drain=drain, seed=seed,
                monitors=monitors, result=result, refresh=refresh, vote=vote,
            ))
            counts = {w.changes[0][1] for w in watchers if w.changes}
            base_count = min(counts) if counts else 0
            if len(counts) > 1:
                result.notes.append(f"viewers started from different counts {sorted(counts)}")
            result.cpu_percent = sum(m.cpu_percent for m in monitors)
            result.rss_mb = sum(m.peak_rss for m in monitors) / 1e6
            result.load_avg = load_average()
        finally:
            if proxy is not None:
                stop_app(proxy.process)
            for each in apps:
                stop_app(each.process)
        evaluate(result, watchers, log, acks, url, workshop_id, base_max_id, base_count)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-F", "--facilitators", type=int, default=12)
    parser.add_argument("-V", "--viewers", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0,
                        help="seconds of submissions per run (default 60)")
    parser.add_argument("--interval", type=float, default=5.0,
                        help="seconds between one facilitator's statements (default 5)")
    parser.add_argument("--refresh", type=float, default=3.0,
                        help="HARVEST_REFRESH_SECONDS of the app (default 3, as deployed)")
    parser.add_argument("--drain", type=float, default=12.0,
                        help="seconds to keep watching after the last submission")
    parser.add_argument("--postgres", action="store_true",
                        help="a fresh database on HARVEST_TEST_POSTGRES_URL's server")
    parser.add_argument("--servers", type=int, default=1,
                        help="app servers behind nginx (deploy/nginx/harvest.conf); "
                             "more than one needs --postgres")
    parser.add_argument("--baseline", action="store_true",
                        help="also run the participants on the Streamlit board, row beside row")
    parser.add_argument("--vote", action="store_true",
                        help="a participant vote is open (tallies on the board) during the run")
    parser.add_argument("--sweep", action="store_true",
                        help="raise V until p95 >= 5 s or something is lost")
    parser.add_argument("--sweep-viewers", default="25,50,100,150,200,250,300")
    parser.add_argument("--max-viewers", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--script", type=Path, metavar="PATH",
                        help="serve this variant of harvest_app.py instead of `make run`")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="environment for the app server, e.g. "
                             "STREAMLIT_RUNNER_POST_SCRIPT_GC=false (repeatable)")
    args = parser.parse_args(argv)
    engine = "postgresql" if args.postgres else "sqlite"
    if args.servers > 1 and not args.postgres:
        parser.error("--servers needs --postgres: app servers share one PostgreSQL")
    env = dict(item.split("=", 1) for item in args.env)

    steps = [int(v) for v in args.sweep_viewers.split(",")] if args.sweep else [args.viewers]
    steps = [v for v in steps if v <= args.max_viewers]
    print(f"# {engine}, refresh {args.refresh:g} s, each facilitator every {args.interval:g} s, "
          f"{args.duration:g} s of submissions + {args.drain:g} s drain, "
          f"{os.cpu_count()} cores{', vote open' if args.vote else ''}"
          f"{', server env ' + ' '.join(args.env) if args.env else ''}"
          f"{', script ' + str(args.script) if args.script else ''}",
          flush=True)
    print(HEADER, flush=True)
    best: int | None = None
    kinds = ["light", "streamlit"] if args.baseline else ["light"]
    for viewers in steps:
        results = []
        for kind in kinds:
            result = run_once(engine, args.facilitators, viewers, duration=args.duration,
                              interval=args.interval, refresh=args.refresh, drain=args.drain,
                              seed=args.seed, env=env, script=args.script,
                              servers=args.servers, viewer=kind, vote=args.vote)
            results.append(result)
            print(result.row(), flush=True)
            for note in result.notes:
                print(f"#   {note}", flush=True)
            print(f"#   {result.submitted} submitted, viewers connected in "
                  f"{result.connect_s:.0f} s, {result.viewers_dropped} dropped, "
                  f"{result.mb_per_viewer:.1f} MB sent to each viewer", flush=True)
        if results[0].holds:
            best = viewers
        elif args.sweep:
            break
    if args.sweep:
        print(f"# largest V with p95 < {GOAL_P95_S:g} s and nothing lost at "
              f"F={args.facilitators}: {best if best is not None else 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
