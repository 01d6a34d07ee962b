"""Curation actions: the moderator's decisions (rename, merge, move, ...) as data, each
undoable on its own; ``harvest.engine.curation`` turns them into the engine's overrides."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from harvest.store.database import Database
from harvest.store.errors import ActionNotFound
from harvest.store.records import Action, action_of, actions_t, to_json, utc_now
from harvest.store.workshops import bump

__all__ = ["ActionStore"]

def set_undone(conn: Connection, action_id: int, undone: bool) -> Action:
    row = conn.execute(sa.select(actions_t).where(actions_t.c.id == action_id)).one_or_none()
    if row is None:
        raise ActionNotFound(f"No action with id {action_id}.")
    if bool(row.undone) == undone:
        return action_of(row)
    bump(conn, row.workshop_id)
    conn.execute(
        sa.update(actions_t)
        .where(actions_t.c.id == action_id)
        .values(undone=undone, undone_at=utc_now() if undone else None)
    )
    return action_of(conn.execute(sa.select(actions_t).where(actions_t.c.id == action_id)).one())

class ActionStore(Database):
    """The moderator's curation actions."""

    def record_action(
        self, workshop_id: int, kind: str, payload: dict[str, Any], *, actor: str = "moderator"
    ) -> int:
        """Record a moderator decision (payload must be JSON-serialisable); return its id."""
        if not kind or len(kind) > 40:
            raise ValueError(f"action kind must be 1 to 40 characters, not {kind!r}")
        encoded = to_json(payload)
        with self._write() as conn:
            bump(conn, workshop_id)
            return int(
                conn.execute(
                    actions_t.insert()
                    .values(
                        workshop_id=workshop_id,
                        kind=kind,
                        payload=encoded,
                        actor=actor[:80],
                        created_at=utc_now(),
                        undone=False,
                    )
                    .returning(actions_t.c.id)
                ).scalar_one()
            )

    def actions(self, workshop_id: int, *, include_undone: bool = False) -> list[Action]:
        """The workshop's actions in the order they were taken."""
        query = sa.select(actions_t).where(actions_t.c.workshop_id == workshop_id)
        if not include_undone:
            query = query.where(actions_t.c.undone == sa.false())
        with self._read() as conn:
            return [action_of(row) for row in conn.execute(query.order_by(actions_t.c.id))]

    def undo_action(self, action_id: int) -> Action:
        """Mark an action undone (no change if it already is)."""
        with self._write() as conn:
            return set_undone(conn, action_id, True)

    def redo_action(self, action_id: int) -> Action:
        """Make an undone action count again (no change if it already does)."""
        with self._write() as conn:
            return set_undone(conn, action_id, False)

    def undo_last_action(self, workshop_id: int) -> Action | None:
        """Undo the latest action that still counts; None if there is none."""
        with self._write() as conn:
            action_id = conn.execute(
                sa.select(sa.func.max(actions_t.c.id)).where(
                    actions_t.c.workshop_id == workshop_id, actions_t.c.undone == sa.false()
                )
            ).scalar()
            if action_id is None:
                return None
            return set_undone(conn, action_id, True)

    def redo_last_action(self, workshop_id: int) -> Action | None:
        """Redo the most recently undone action; None if there is none."""
        with self._write() as conn:
            row = conn.execute(
                sa.select(actions_t.c.id)
                .where(actions_t.c.workshop_id == workshop_id, actions_t.c.undone == sa.true())
                .order_by(actions_t.c.undone_at.desc(), actions_t.c.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            return set_undone(conn, row.id, False)
