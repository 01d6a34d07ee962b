"""Workshop meta: small JSON values per workshop and key (the board's saved state, the
participation settings, guided-mode categories), and the scrubbing of derived meta when
a statement is deleted for good."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from harvest.store.database import Database
from harvest.store.errors import WorkshopNotFound
from harvest.store.records import meta_t, statements_t, to_json, utc_now, versions_t, workshops_t
from harvest.store.workshops import bump

__all__ = ["BOARD_STATE_KEY", "DERIVED_META_KEYS", "MetaStore"]

BOARD_STATE_KEY = "board_state"
"""The board's saved layout and themes (``harvest.board``)."""
DERIVED_META_KEYS = frozenset({BOARD_STATE_KEY})
"""Meta computed from the statements, scrubbed of a deleted statement's words."""

class MetaStore(Database):
    """Small JSON values per workshop and key."""

    def set_meta(
        self, workshop_id: int, key: str, value: object, *, bump_revision: bool = False
    ) -> None:
        """Store a small JSON value under ``key`` for the workshop.

        By default this does not bump the revision: layout positions are written often
        and do not change what the board shows. Pass ``bump_revision=True`` for values
        the board's content depends on (e.g. guided-mode categories).
        """
        encoded = to_json(value)
        with self._write() as conn:
            if bump_revision:
                bump(conn, workshop_id)
            else:
                # Lock the workshop row (PostgreSQL) so two writers do not both insert.
                found = conn.execute(
                    sa.select(workshops_t.c.id)
                    .where(workshops_t.c.id == workshop_id)
                    .with_for_update()
                ).first()
                if found is None:
                    raise WorkshopNotFound(f"No workshop with id {workshop_id}.")
            where = (meta_t.c.workshop_id == workshop_id, meta_t.c.key == key)
            updated = conn.execute(
                sa.update(meta_t).where(*where).values(value=encoded, updated_at=utc_now())
            ).rowcount
            if not updated:
                conn.execute(
                    meta_t.insert().values(
                        workshop_id=workshop_id, key=key, value=encoded, updated_at=utc_now()
                    )
                )

    def get_meta(self, workshop_id: int, key: str, default: Any = None) -> Any:
        """The value stored under ``key``, or ``default``."""
        with self._read() as conn:
            value = conn.execute(
                sa.select(meta_t.c.value).where(
                    meta_t.c.workshop_id == workshop_id, meta_t.c.key == key
                )
            ).scalar_one_or_none()
        return default if value is None else json.loads(value)

# --- erasing words -------------------------------------------------------------------

def scrub_derived_meta(conn: Connection, workshop_id: int, gone: Sequence[str]) -> None:
    """Drop from derived meta what names a word of ``gone`` that no remaining
    statement of the workshop (hidden ones and earlier versions included) contains."""
    remaining = conn.execute(
        sa.select(statements_t.c.text).where(statements_t.c.workshop_id == workshop_id)
    ).scalars()
    history = conn.execute(
        sa.select(versions_t.c.text)
        .select_from(versions_t.join(statements_t))
        .where(statements_t.c.workshop_id == workshop_id)
    ).scalars()
    private = _private_test(gone, [*remaining, *history])
    rows = conn.execute(
        sa.select(meta_t.c.key, meta_t.c.value).where(
            meta_t.c.workshop_id == workshop_id, meta_t.c.key.in_(DERIVED_META_KEYS)
        )
    ).all()
    for key, value in rows:
        scrubbed = to_json(_scrub(json.loads(value), private))
        if scrubbed != value:
            conn.execute(
                sa.update(meta_t)
                .where(meta_t.c.workshop_id == workshop_id, meta_t.c.key == key)
                .values(value=scrubbed, updated_at=utc_now())
            )

_WORD = re.compile(r"\w{3,}")


def _private_test(gone: Sequence[str], remaining: Sequence[str]) -> Callable[[str], bool]:
    """A test for text naming a word that only ``gone`` held: one of its words (3+
    letters, case-folded) occurs in ``gone`` (whole or as part: keywords are lemmas, and
    "quuxbauer" is the keyword of "Quuxbauerin") and in none of ``remaining``.

    >>> names = _private_test(["Frau Quuxbauerin fragt"], ["Frau Meier fragt auch"])
    >>> names("kw:quuxbauer"), names("kw:frau"), names("theme:t1")
    (True, False, False)
    """
    was = "\n".join(gone).casefold()
    rest = "\n".join(remaining).casefold()

    def names(text: str) -> bool:
        return any(w in was and w not in rest for w in _WORD.findall(text.casefold()))

    return names


def _scrub(value: Any, private: Callable[[str], bool]) -> Any:
    """``value`` (decoded JSON) without entries naming a private word: dict entries whose
    key or string value does, list items that are such strings or hold one (a keyword
    with its weight)."""

    def tainted(item: Any) -> bool:
        if isinstance(item, str):
            return private(item)
        if isinstance(item, list):
            return any(isinstance(x, str) and private(x) for x in item)
        return False

    if isinstance(value, dict):
        return {
            key: _scrub(item, private)
            for key, item in value.items()
            if not private(str(key)) and not tainted(item)
        }
    if isinstance(value, list):
        return [_scrub(item, private) for item in value if not tainted(item)]
    return value


# --- engines ------------------------------------------------------------------------
