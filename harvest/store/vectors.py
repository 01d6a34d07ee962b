"""Sentence vectors of statements, filled off the request path by ``harvest.vectors``.

One row per statement (its current text's vector, or NULL for a text the encoder cannot
read); a deleted statement's or workshop's vectors go with it (foreign keys cascade),
an edit drops its statement's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import sqlalchemy as sa

from harvest.engine.embedding import MODEL_VERSION, text_key
from harvest.store.database import Database
from harvest.store.records import statements_t, utc_now, vectors_t
from harvest.store.workshops import bump

__all__ = ["VectorStore"]

_VECTORS_SQL = (
    "SELECT v.statement_id, v.vector FROM statement_vectors v"
    " JOIN statements s ON s.id = v.statement_id"
    " WHERE v.workshop_id = :w AND v.model = :m AND v.vector IS NOT NULL AND NOT s.hidden"
)


def _vector_bytes(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def _upsert_vectors(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (statement_id) DO UPDATE: two servers embedding the same
    statement, or a model upgrade, replace the row instead of failing."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    statement = insert(vectors_t)
    return statement.on_conflict_do_update(
        index_elements=[vectors_t.c.statement_id],
        set_={
            name: statement.excluded[name]
            for name in ("model", "text_key", "vector", "created_at")
        },
    )

class VectorStore(Database):
    """The statements' sentence vectors, by model."""

    def statement_vectors(
        self, workshop_id: int, model: str = MODEL_VERSION
    ) -> dict[int, np.ndarray]:
        """Statement id -> unit vector (read-only float32) for the workshop's visible
        statements whose current text has been embedded with ``model``: one query.
        Statements not embedded yet, or not embeddable (emoji only), are absent."""
        # Plain SQL and the driver's rows: SQLAlchemy's per-value result processing
        # doubled the time of this, the largest read of a recompute (20 MB for 10,000).
        with self._read() as conn:
            if self.dialect == "postgresql":
                # binary transfer: bytea as text would be hex, twice the bytes, decoded
                cursor = conn.connection.dbapi_connection.cursor(binary=True)  # type: ignore[union-attr, call-arg]
                cursor.execute(_VECTORS_SQL.replace(":w", "%s").replace(":m", "%s"),
                               (workshop_id, model))
                rows = cursor.fetchall()
                cursor.close()
            else:
                rows = conn.execute(sa.text(_VECTORS_SQL), {"w": workshop_id, "m": model}).all()
        if not rows:
            return {}
        # one buffer for all rows: the values are views into it, no copy per statement
        matrix = np.frombuffer(b"".join(row[1] for row in rows), dtype="<f4")
        matrix = matrix.reshape(len(rows), -1)
        return {int(row[0]): vector for row, vector in zip(rows, matrix, strict=True)}

    def vector_count(self, workshop_id: int, model: str = MODEL_VERSION) -> int:
        """How many of the workshop's statements have been looked at by ``model`` (with
        or without a vector): one index count. Grows as vectors arrive while the
        revision stands still, so ``(revision, vector_count)`` keys a board's cache."""
        with self._read() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(vectors_t)
                    .where(vectors_t.c.workshop_id == workshop_id, vectors_t.c.model == model)
                ).scalar_one()
            )

    def missing_vectors(
        self, workshop_id: int, model: str = MODEL_VERSION
    ) -> list[tuple[int, str]]:
        """``(statement id, text)`` of the workshop's statements (hidden ones too, so
        showing them again needs no wait) that ``model`` has not looked at, by id."""
        query = (
            sa.select(statements_t.c.id, statements_t.c.text)
            .outerjoin(
                vectors_t,
                sa.and_(
                    vectors_t.c.statement_id == statements_t.c.id, vectors_t.c.model == model
                ),
            )
            .where(statements_t.c.workshop_id == workshop_id, vectors_t.c.statement_id.is_(None))
            .order_by(statements_t.c.id)
        )
        with self._read() as conn:
            return [(int(row.id), row.text) for row in conn.execute(query)]

    def known_vectors(self, model: str, keys: Iterable[str]) -> dict[str, bytes | None]:
        """Vectors already computed by ``model`` for these text keys (by any statement),
        so an equal text is copied instead of embedded again. None: not embeddable."""
        wanted = sorted(set(keys))
        found: dict[str, bytes | None] = {}
        with self._read() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    sa.select(vectors_t.c.text_key, vectors_t.c.vector).where(
                        vectors_t.c.model == model,
                        vectors_t.c.text_key.in_(wanted[start : start + 500]),
                    )
                )
                for key, blob in rows:
                    found[key] = None if blob is None else bytes(blob)
        return found

    def save_vectors(
        self, model: str, items: Iterable[tuple[int, str, np.ndarray | bytes | None]]
    ) -> int:
        """Store ``(statement id, text key, vector or None)`` rows; return how many.

        A row is kept only if its statement still exists and its text still has that
        key: an edit or a delete for good while the encoder ran wins, the stale vector
        is dropped (the edit's own vector comes with the next ``embed_pending``).
        """
        wanted = {int(sid): (key, vec) for sid, key, vec in items}
        if not wanted:
            return 0
        saved = 0
        now = utc_now()
        ids = sorted(wanted)
        with self._write() as conn:
            # The board's meaning arrived: a new revision, so every viewer on every
            # server recomputes. Workshop rows first, as every writer locks them.
            workshops: set[int] = set()
            for start in range(0, len(ids), 500):
                workshops.update(int(w) for w in conn.execute(
                    sa.select(statements_t.c.workshop_id).distinct()
                    .where(statements_t.c.id.in_(ids[start : start + 500]))
                ).scalars())
            for workshop_id in sorted(workshops):
                bump(conn, workshop_id)
            for start in range(0, len(ids), 500):
                # lock the rows (PostgreSQL), so an edit waits until these are stored
                current = conn.execute(
                    sa.select(statements_t.c.id, statements_t.c.workshop_id, statements_t.c.text)
                    .where(statements_t.c.id.in_(ids[start : start + 500]))
                    .with_for_update()
                ).all()
                rows = []
                for row in current:
                    key, vec = wanted[int(row.id)]
                    if text_key(row.text) != key:
                        continue
                    blob = vec if vec is None or isinstance(vec, bytes) else _vector_bytes(vec)
                    rows.append(
                        {
                            "statement_id": int(row.id),
                            "workshop_id": int(row.workshop_id),
                            "model": model,
                            "text_key": key,
                            "vector": blob,
                            "created_at": now,
                        }
                    )
                if rows:
                    conn.execute(_upsert_vectors(self.dialect), rows)
                    saved += len(rows)
        return saved
