"""Load of participation: 200 phones send one statement each within a minute, then 200
give their dots within a minute, against a real running server (``make run`` on a fresh
database), with clients that speak Streamlit's websocket protocol as a browser does
(benchmarks/load/client.py): each phone is one browser session of the participant link,
fills the form's text area (or ticks a checkbox) and presses the form's button.

Phases, in one run and one server:
  baseline  F facilitators (table links) send N statements in all within a minute
  submit    P phones each send one statement into the moderation queue within a minute
  vote      the same P phones each give one dot within a minute (a vote on 5 demands)

Reported per phase: p50 and p95 time to acknowledgement (from pressing the button until
the page shows "Gespeichert (Nr. …)", "Danke! …" or "Ihre Punkte sind gezählt"), how many
were acknowledged, and whether the database holds each exactly once (submissions by
their marker, ballots by session). Goal: p95 under 2 s, all stored exactly once.

    .venv/bin/python benchmarks/load_participation.py             # SQLite
    .venv/bin/python benchmarks/load_participation.py --postgres  # fresh PostgreSQL database
    .venv/bin/python benchmarks/load_participation.py -P 50 --window 20   # a quick look

Loopback only, bounded in clients and time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make the repo importable
    sys.path.insert(0, str(REPO))

from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from benchmarks.load.client import Facilitator, StreamlitClient  # noqa: E402
from benchmarks.load.server import TreeMonitor, table_links  # noqa: E402
from benchmarks.load_board import (  # noqa: E402
    SECRET,
    connect_all,
    database,
    percentile,
    server_env,
    statement_texts,
)
from harvest.participation import VoteItem, item_key  # noqa: E402
from harvest.store import Store  # noqa: E402
from harvest.store import participation_store as ps  # noqa: E402
from tests.e2e.conftest import start_app, stop_app  # noqa: E402

GOAL_P95_S = 2.0
THANKS = "Danke! Ihre Aussage wartet"
COUNTED = "Ihre Punkte sind gezählt"
MAX_PHONES = 400


class Phone(StreamlitClient):
    """The participant page on a phone: knows its form's widgets and waits for answers."""

    def __init__(self, url: str, *, name: str = "") -> None:
        super().__init__(url, on_text=None, name=name)
        self.on_text = self._text
        self.widgets: dict[str, tuple[str, str]] = {}  # label -> (kind, widget id)
        self.buttons: dict[str, str] = {}  # label -> widget id
        self.checkboxes: list[str] = []
        self._waiting_for: tuple[str, asyncio.Future[float]] | None = None
        self.answers: Counter[str] = Counter()

    def _handle_element(self, msg, now: float) -> None:  # noqa: ANN001 - a ForwardMsg
        super()._handle_element(msg, now)
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "text_area":
            self.widgets[element.text_area.label] = ("text_area", element.text_area.id)
        elif kind == "button":
            self.buttons[element.button.label] = element.button.id
        elif kind == "checkbox" and element.checkbox.id not in self.checkboxes:
            self.checkboxes.append(element.checkbox.id)

    def _text(self, _client: StreamlitClient, text: str, now: float) -> None:
        for marker in (THANKS, COUNTED):
            if marker in text:
                self.answers[marker] += 1
        if self._waiting_for is not None and self._waiting_for[0] in text:
            future = self._waiting_for[1]
            if not future.done():
                future.set_result(now)

    async def press(self, button: str, states: list[WidgetState], answer: str,
                    timeout: float = 30.0) -> float | None:
        """Press a form's button with ``states``; seconds until ``answer`` showed (None:
        never within ``timeout``)."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting_for = (answer, future)
        trigger = WidgetState(id=self.buttons[button])
        trigger.trigger_value = True
        sent = time.monotonic()
        await self.rerun([*states, trigger])
        try:
            return await asyncio.wait_for(future, timeout) - sent
        except TimeoutError:
            return None
        finally:
            self._waiting_for = None

    async def send_statement(self, text: str) -> float | None:
        _kind, widget_id = self.widgets["Ihre Aussage"]
        state = WidgetState(id=widget_id)
        state.string_value = text
        return await self.press("Absenden", [state], THANKS)

    async def give_dot(self, index: int) -> float | None:
        state = WidgetState(id=self.checkboxes[index % len(self.checkboxes)])
        state.bool_value = True
        return await self.press("Punkte abgeben", [state], COUNTED)


@dataclass
class Phase:
    name: str
    sent: int = 0
    acknowledged: int = 0
    stored_once: int = 0
    stored_twice: int = 0
    p50: float = float("nan")
    p95: float = float("nan")
    cpu_percent: float = 0.0

    def row(self) -> str:
        holds = self.p95 < GOAL_P95_S and self.acknowledged == self.sent == self.stored_once \
            and not self.stored_twice
        return (f"{self.name:<9} {self.sent:>5} {self.acknowledged:>5} {self.stored_once:>6} "
                f"{self.stored_twice:>6} {self.p50:>6.2f} {self.p95:>6.2f} "
                f"{self.cpu_percent:>6.0f}  {'yes' if holds else 'NO'}")


HEADER = "phase      sent  acks  once  twice   p50    p95   CPU%  holds"


def summarise(phase: Phase, waits: list[float | None]) -> None:
    phase.sent = len(waits)
    done = [w for w in waits if w is not None]
    phase.acknowledged = len(done)
    phase.p50 = percentile(done + [float("inf")] * (len(waits) - len(done)), 50)
    phase.p95 = percentile(done + [float("inf")] * (len(waits) - len(done)), 95)


async def spread(jobs: list, window: float, seed: int) -> list[float | None]:  # type: ignore[type-arg]
    """Start each job (a coroutine factory) at a random moment within ``window`` s."""
    rng = random.Random(seed)

    async def later(job, delay: float) -> float | None:  # noqa: ANN001
        await asyncio.sleep(delay)
        return await job()

    return list(await asyncio.gather(*(later(job, rng.uniform(0, window)) for job in jobs)))


async def drive(url: str, links: dict[str, str], entry_urls: list[str], workshop_id: int, *,
                phones: int, facilitators: int, baseline: int, window: float, seed: int,
                monitor_pid: int) -> list[Phase]:
    phases = [Phase("baseline"), Phase("submit"), Phase("vote")]
    tables, missing = await connect_all(
        [entry_urls[i % len(entry_urls)] for i in range(facilitators)], 4, Facilitator, 90)
    texts = statement_texts(baseline + phones, seed)
    per_table = [baseline // max(1, len(tables))] * len(tables)

    async def facilitator_run(client: Facilitator, count: int, offset: int) -> list[float | None]:
        rng = random.Random(seed + offset)
        waits: list[float | None] = []
        for n in range(count):
            await asyncio.sleep(rng.uniform(0, 2 * window / max(1, count)))
            sent = time.monotonic()
            text = texts[(offset + n) % len(texts)]
            outcome, _ = await client.submit(f"{text} #b{offset + n:05d}")
            answered = client.answered_at
            waits.append(answered - sent if outcome == "saved" and answered else None)
        return waits

    monitor = TreeMonitor(monitor_pid)
    with monitor:
        results = await asyncio.gather(*(
            facilitator_run(c, per_table[i], i * 1000) for i, c in enumerate(tables)))
    summarise(phases[0], [w for r in results for w in r])
    phases[0].cpu_percent = monitor.cpu_percent
    await asyncio.gather(*(c.close() for c in tables))

    devices, dropped = await connect_all([links["participant"]] * phones, 10, Phone, 90)
    if missing or dropped:
        print(f"note: {missing} facilitators and {dropped} phones never got their page")
    monitor = TreeMonitor(monitor_pid)
    with monitor:
        waits = await spread(
            [lambda p=p, i=i: p.send_statement(f"{texts[baseline + i]} #p{i:05d}")
             for i, p in enumerate(devices)], window, seed)
    summarise(phases[1], waits)
    phases[1].cpu_percent = monitor.cpu_percent

    with Store(url) as store:
        board_demands = [s for s in store.statements(workshop_id) if s.kind == "demand"][:5]
        ps.open_vote(store, workshop_id, [
            VoteItem(item_key("demand", s.id), s.text) for s in board_demands], dots=1)
    # every phone reloads its page once (as a person does when told "the vote is open")
    await asyncio.gather(*(p.rerun() for p in devices))
    await asyncio.gather(*(p.wait_finished(60) for p in devices), return_exceptions=True)
    monitor = TreeMonitor(monitor_pid)
    with monitor:
        waits = await spread(
            [lambda p=p, i=i: p.give_dot(i) for i, p in enumerate(devices)], window, seed + 1)
    summarise(phases[2], waits)
    phases[2].cpu_percent = monitor.cpu_percent
    await asyncio.gather(*(p.close() for p in devices))
    return phases


def check_stored(phases: list[Phase], url: str, workshop_id: int) -> None:
    with Store(url) as store:
        statements = store.statements(workshop_id, include_hidden=True)
        baseline = Counter(s.text.rsplit("#b", 1)[1] for s in statements if "#b" in s.text)
        queue = ps.queue(store, workshop_id, None)
        markers = Counter(s.text.rsplit("#p", 1)[1] for s in queue if "#p" in s.text)
        vote = ps.current_vote(store, workshop_id)
        ballots = ps.ballots(store, vote.id) if vote else []
        sessions = Counter(b.session for b in ballots)
    for phase, counts in zip(phases, (baseline, markers, sessions), strict=True):
        phase.stored_once = sum(1 for n in counts.values() if n == 1)
        phase.stored_twice = sum(1 for n in counts.values() if n > 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-P", "--phones", type=int, default=200)
    parser.add_argument("-F", "--facilitators", type=int, default=10)
    parser.add_argument("--baseline", type=int, default=200,
                        help="facilitator statements in the baseline phase (default 200)")
    parser.add_argument("--window", type=float, default=60.0,
                        help="seconds over which each phase's sends are spread (default 60)")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if not 1 <= args.phones <= MAX_PHONES:
        parser.error(f"--phones must be 1..{MAX_PHONES}")
    engine = "postgresql" if args.postgres else "sqlite"
    with tempfile.TemporaryDirectory(prefix="harvest-part-") as tmp_name, \
            database(engine, Path(tmp_name)) as url, \
            server_env({"HARVEST_SIMILAR_HINT": "0"}):
        app = start_app(Path(tmp_name), database_url=url, refresh=3.0, secret=SECRET)
        try:
            entry_urls = table_links(url, app.links["facilitator"], SECRET)
            with Store(url) as store:
                workshop_id = store.get_workshop("demo").id
                ps.set_settings(store, workshop_id, participant_input=True)
            phases = asyncio.run(drive(
                url, app.links, entry_urls, workshop_id, phones=args.phones,
                facilitators=args.facilitators, baseline=args.baseline, window=args.window,
                seed=args.seed, monitor_pid=app.process.pid))
        finally:
            stop_app(app.process)
        check_stored(phases, url, workshop_id)
    print(f"{engine}: {args.phones} phones, {args.facilitators} facilitators, "
          f"{args.window:.0f} s per phase (websocket clients against `make run`)")
    print(HEADER)
    for phase in phases:
        print(phase.row())
    return 0 if all("yes" in p.row() for p in phases[1:]) else 1


if __name__ == "__main__":
    sys.exit(main())
