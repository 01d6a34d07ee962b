"""Statements -> cached sentence vectors, off the request path; near-duplicates by meaning.

A statement is stored at once (the keyword board shows it straight away); its vector is
computed right after, in batches, by :func:`embed_pending`, and cached in the database
(``Store.save_vectors``) by statement, text key and model version, so a recompute never
embeds again and a text embedded once is copied, not embedded, for an equal one. The app
runs it in one background thread per server (:class:`BackgroundEmbedder`): many submits
coalesce into one run, and nothing is lost if a run fails, because what is missing is
read from the database each time.

>>> from harvest.store import Store
>>> store = Store("sqlite://")
>>> w = store.create_workshop("Werkstatt")
>>> _ = store.add_statement(w.id, "Mehr Deutschkurse am Abend")
>>> _ = store.add_statement(w.id, "Abends mehr Deutschkurse anbieten")
>>> embed_pending(store, w.id)
2
>>> near = similar_statements(store, w.id, "Deutschkurse abends", threshold=0.5)
>>> [round(s.score, 1) > 0.5 for s in near]
[True, True]
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from harvest.engine.embedding import Encoder, default_encoder, encode, is_embeddable, text_key

if TYPE_CHECKING:
    from harvest.store import Store

__all__ = [
    "SIMILAR_THRESHOLD",
    "BackgroundEmbedder",
    "Similar",
    "background_embedder",
    "embed_pending",
    "loaded_encoder",
    "similar_statements",
]

log = logging.getLogger(__name__)

SIMILAR_THRESHOLD = 0.8
"""Cosine at or above which the entry page says "similar to". Read off the Klimarat Polis
comments (German, 5,549 different texts with many near-copies typed by different
people; ``benchmarks/bench_vectors.py --pairs``): of 15 random pairs at 0.80-0.85, 13
say the same thing in other words ("Sofort Kerosin besteuern." / "Kerosin besteuern!");
at 0.75-0.80 only 4 or 5 of 15 do, the rest share a topic but ask for something else
(80 km/h on country roads / 30 km/h in town). 8% of the comments have a neighbour at
0.80 or more, so a fast typist is rarely stopped."""

Progress = Callable[[int, int], None]


def embed_pending(
    store: Store,
    workshop_id: int,
    *,
    encoder: Encoder | None = None,
    batch_size: int = 64,
    progress: Progress | None = None,
) -> int:
    """Embed the workshop's statements that have no vector yet; return how many got one.

    Works in batches of ``batch_size`` and saves each batch at once (a board sees the
    vectors arrive); calls ``progress(done, total)`` before the first and after every
    batch. A text whose key was embedded before (any statement, any workshop) is copied;
    one the encoder cannot read is marked as looked at, without vector. The model is
    loaded only if something needs embedding.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size!r}")
    model = encoder.version if encoder is not None else _default_version()
    missing = store.missing_vectors(workshop_id, model)
    total = len(missing)
    if progress is not None:
        progress(0, total)
    if not missing:
        return 0
    keys = [text_key(text) for _, text in missing]
    known: dict[str, bytes | np.ndarray | None] = dict(store.known_vectors(model, keys))
    saved = done = 0
    for start in range(0, total, batch_size):
        batch = list(zip(missing[start : start + batch_size], keys[start : start + batch_size],
                         strict=True))
        fresh = {key: text for (_, text), key in batch if key not in known}
        embeddable = [key for key, text in fresh.items() if is_embeddable(text)]
        if embeddable:
            encoder = encoder if encoder is not None else default_encoder()
            vectors = encode([fresh[key] for key in embeddable], encoder, batch_size=batch_size)
            known.update(zip(embeddable, vectors, strict=True))
        for key in fresh.keys() - set(embeddable):
            known[key] = None
        saved += store.save_vectors(model, [(sid, key, known[key]) for (sid, _), key in batch])
        done += len(batch)
        if progress is not None:
            progress(done, total)
    return saved


def _default_version() -> str:
    from harvest.engine.embedding import MODEL_VERSION

    return MODEL_VERSION


# --- near-duplicates ------------------------------------------------------------------


@dataclass(frozen=True)
class Similar:
    """A stored statement close in meaning to a draft."""

    statement_id: int
    score: float


def similar_statements(
    store: Store | None,
    workshop_id: int,
    text: str,
    *,
    threshold: float = SIMILAR_THRESHOLD,
    limit: int = 3,
    encoder: Encoder | None = None,
    vectors: Mapping[int, np.ndarray] | None = None,
) -> list[Similar]:
    """The workshop's visible statements most similar in meaning to ``text`` (cosine at
    least ``threshold``), best first, at most ``limit``: the draft is embedded once and
    compared with the cached vectors (``vectors``, or ``store.statement_vectors``).
    Statements without a vector yet are not compared; an unembeddable draft has none.

    >>> similar_statements(None, 1, "😀", vectors={})
    []
    """
    if limit < 1 or not is_embeddable(text):
        return []
    if vectors is None:
        if store is None:
            raise ValueError("give a store or the vectors to compare with")
        model = encoder.version if encoder is not None else _default_version()
        vectors = store.statement_vectors(workshop_id, model)
    if not vectors:
        return []
    ids = np.fromiter(vectors.keys(), dtype=np.int64, count=len(vectors))
    matrix = np.stack(list(vectors.values()))
    draft = encode([text], encoder)[0]
    scores = matrix @ draft
    hits = np.flatnonzero(scores >= threshold)
    best = hits[np.argsort(-scores[hits], kind="stable")][:limit]
    return [Similar(int(ids[i]), round(float(scores[i]), 4)) for i in best]


# --- one background worker per server -------------------------------------------------


class BackgroundEmbedder:
    """Embeds what is missing, workshop by workshop, in one daemon thread.

    ``request(store, workshop_id)`` returns at once; requests for a workshop that is
    already waiting coalesce, and one made while its workshop is being embedded runs it
    once more afterwards (statements stored meanwhile are seen). A failed run is logged
    and retried with the next request: the database says what is missing.
    """

    def __init__(self, encoder: Encoder | None = None, *, batch_size: int = 64) -> None:
        self._encoder = encoder
        self._batch_size = batch_size
        self._cond = threading.Condition()
        self._pending: dict[tuple[str, int], Store] = {}
        self._status: dict[tuple[str, int], tuple[int, int]] = {}
        self._running: tuple[str, int] | None = None
        self._thread: threading.Thread | None = None

    def request(self, store: Store, workshop_id: int) -> None:
        """Embed the workshop's missing vectors soon (returns at once, never raises;
        the very first request of a process loads the model here, about 1 s)."""
        if self._encoder is None:
            self._encoder = loaded_encoder()
        key = (store.url, workshop_id)
        with self._cond:
            self._pending.setdefault(key, store)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="harvest-embedder", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def status(self, store: Store, workshop_id: int) -> tuple[int, int] | None:
        """``(done, total)`` while the workshop is waiting or being embedded, else None."""
        key = (store.url, workshop_id)
        with self._cond:
            if key == self._running:
                return self._status.get(key, (0, 0))
            if key in self._pending:
                return (0, 0)
            return None

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait until nothing is waiting or running; False if ``timeout`` passed first."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._pending and self._running is None, timeout
            )

    def _work(self) -> None:
        while True:
            with self._cond:
                if not self._pending:
                    self._thread = None  # under the lock: the next request starts one
                    return
                key = next(iter(self._pending))
                store = self._pending.pop(key)
                self._running = key
                self._status[key] = (0, 0)

            def progress(done: int, total: int, key: tuple[str, int] = key) -> None:
                with self._cond:
                    self._status[key] = (done, total)

            try:
                embed_pending(
                    store, key[1], encoder=self._encoder, batch_size=self._batch_size,
                    progress=progress,
                )
            except Exception:  # a worker must outlive a bad moment of the database
                log.exception("embedding the statements of workshop %s failed", key[1])
            finally:
                with self._cond:
                    self._running = None
                    self._status.pop(key, None)
                    self._cond.notify_all()


_WARM: set[int] = set()
_WARM_LOCK = threading.Lock()


def loaded_encoder() -> Encoder:
    """The default encoder with its weights in memory (they load on the first encode).

    Call it on the thread that asks for work, not in a background thread: numpy reads
    the weights' headers with ``ast``, and CPython 3.11's ``ast`` cannot run in two
    threads at once (Streamlit compiles its scripts with it; the loser fails with
    "AST constructor recursion depth mismatch").
    """
    encoder = default_encoder()
    with _WARM_LOCK:
        if id(encoder) not in _WARM:
            encoder.encode(["Harvest"])
            _WARM.add(id(encoder))
    return encoder


_SHARED = BackgroundEmbedder()  # cheap: its thread starts with the first request


def background_embedder() -> BackgroundEmbedder:
    """The process's one background embedder (a server shares it between all users)."""
    return _SHARED
