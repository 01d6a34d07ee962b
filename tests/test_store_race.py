"""Concurrent first writes: eight facilitators name a workshop that does not exist yet.

Each round starts eight processes, each with its own ``Store`` (as eight ``harvest add``
commands or eight app servers would have), lines them up on a barrier and lets them all
find-or-create the same new workshop and add one statement to it. Exactly one workshop
may come out of it, holding all eight statements. Before the fix this failed in about one
round in five (``bar`` and ``bar-2``).
"""

from __future__ import annotations

import multiprocessing as mp
import traceback
from typing import Any

import pytest

from harvest import cli
from harvest.store import Store

WRITERS = 8
ROUNDS = 6


def _first_write(
    url: str, title: str, n: int, barrier: Any, via_cli: bool, errors: Any
) -> None:
    try:
        _write_one(url, title, n, barrier, via_cli)
    except BaseException:
        errors.put(f"writer {n}: {traceback.format_exc()}")
        raise


def _write_one(url: str, title: str, n: int, barrier: Any, via_cli: bool) -> None:
    store = Store(url)  # opened (and migrated) before the barrier: the race is the write
    try:
        barrier.wait(timeout=60)
        if via_cli:
            # The CLI opens its own store; this one only made the schema ready.
            code = cli.main(["--db", url, "add", title, "--table", f"Tisch {n}", f"Aussage {n}"])
            assert code == cli.EXIT_OK
        else:
            workshop, _created = store.find_or_create_workshop(title)
            store.add_statement(workshop.id, f"Aussage {n}", table=f"Tisch {n}")
    finally:
        store.close()


def _race(url: str, title: str, *, via_cli: bool) -> None:
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(WRITERS)
    errors = ctx.SimpleQueue()
    procs = [
        ctx.Process(target=_first_write, args=(url, title, n, barrier, via_cli, errors))
        for n in range(WRITERS)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
    reported = []
    while not errors.empty():
        reported.append(errors.get())
    assert [proc.exitcode for proc in procs] == [0] * WRITERS, "\n".join(reported)


@pytest.mark.slow
def test_eight_first_writes_at_once_make_one_workshop_with_every_statement(
    store_url: str,
) -> None:
    Store(store_url).close()  # schema first, so the writers race on the workshop only
    for round_no in range(ROUNDS):
        title = f"Bürgerrat Runde {round_no}"
        # Alternate the store call and the real CLI entry point (`harvest add`).
        _race(store_url, title, via_cli=round_no % 2 == 1)
        with Store(store_url) as store:
            matching = [w for w in store.list_workshops() if w.title == title]
            assert [w.slug for w in matching] == [f"buergerrat-runde-{round_no}"], round_no
            texts = sorted(s.text for s in store.statements(matching[0].id))
            assert texts == sorted(f"Aussage {n}" for n in range(WRITERS)), round_no


def test_find_or_create_finds_by_title_or_slug_and_says_whether_it_created(store: Store) -> None:
    created, was_new = store.find_or_create_workshop("Klimarat Süd")
    again, again_new = store.find_or_create_workshop("klimarat süd")
    by_slug, slug_new = store.find_or_create_workshop("klimarat-sued")
    assert (was_new, again_new, slug_new) == (True, False, False)
    assert created.id == again.id == by_slug.id
    assert created.slug == "klimarat-sued"
    assert len(store.list_workshops()) == 1
