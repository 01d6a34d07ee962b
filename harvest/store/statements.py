"""Statements: adding one or many, reading them, editing, moving, hiding, and their
history and events. Each statement row remembers the workshop revision of its last
change, so ``statements_since(w, r)`` returns only what a board has not seen."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from harvest.intake import clean_kind, clean_statement
from harvest.model import ORIGINS, Statement
from harvest.store.database import Database, revision_changed
from harvest.store.errors import HiddenByModerator, StatementNotFound, WorkshopNotFound
from harvest.store.records import (
    NewStatement,
    clean_name,
    clean_optional,
    events_t,
    statement_of,
    statements_t,
    tables_t,
    to_json,
    utc_now,
    vectors_t,
    versions_t,
    workshops_t,
)
from harvest.store.workshops import bump, has_table, resolve_table, table_id_of

__all__ = ["StatementStore"]

# Statements with their table's name, the shape every statement query returns.
STATEMENT_SELECT = sa.select(*statements_t.c, tables_t.c.name.label("table_name")).select_from(
    statements_t.outerjoin(tables_t, statements_t.c.table_id == tables_t.c.id)
)

class _AlreadyStored(Exception):
    """Internal: a submission id was stored before; carries that statement."""

    def __init__(self, statement: Statement) -> None:
        super().__init__(statement.id)
        self.statement = statement

# --- inside a transaction -----------------------------------------------------------

def max_chars_of(conn: Connection, workshop_id: int) -> int:
    max_chars = conn.execute(
        sa.select(workshops_t.c.max_chars).where(workshops_t.c.id == workshop_id)
    ).scalar_one_or_none()
    if max_chars is None:
        raise WorkshopNotFound(f"No workshop with id {workshop_id}.")
    return int(max_chars)

def load_statement(conn: Connection, statement_id: int) -> Statement:
    row = conn.execute(STATEMENT_SELECT.where(statements_t.c.id == statement_id)).one_or_none()
    if row is None:
        raise StatementNotFound(f"No statement with id {statement_id}.")
    return statement_of(row)

def record_event(
    conn: Connection,
    workshop_id: int,
    statement_id: int | None,
    kind: str,
    detail: dict[str, Any],
) -> None:
    conn.execute(
        events_t.insert().values(
            workshop_id=workshop_id,
            statement_id=statement_id,
            kind=kind,
            detail=to_json(detail),
            at=utc_now(),
        )
    )

def moderator_hid(conn: Connection, statement: Statement) -> bool:
    if not statement.hidden:
        return False
    detail = conn.execute(
        sa.select(events_t.c.detail)
        .where(events_t.c.statement_id == statement.id, events_t.c.kind == "hidden")
        .order_by(events_t.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    # hidden without a recorded actor (older data): the moderator's to decide
    return detail is None or json.loads(detail).get("actor", "moderator") == "moderator"

def guard_moderator_hide(conn: Connection, statement: Statement, actor: str) -> None:
    if actor != "moderator" and moderator_hid(conn, statement):
        raise HiddenByModerator(
            f"Statement {statement.id} was hidden by the moderator; only the moderator "
            "can show or change it again."
        )

# --- the public methods -------------------------------------------------------------

class StatementStore(Database):
    """Statements, their history and their events."""

    def _find_submission(self, workshop_id: int, submission_id: str) -> Statement | None:
        with self._read() as conn:
            row = conn.execute(
                STATEMENT_SELECT.where(
                    statements_t.c.workshop_id == workshop_id,
                    statements_t.c.submission_id == submission_id,
                )
            ).one_or_none()
            return None if row is None else statement_of(row)

    def add_statement(
        self,
        workshop_id: int,
        text: str,
        *,
        table: int | str | None = None,
        kind: str | None = None,
        author: str | None = None,
        origin: str = "typed",
        submission_id: str | None = None,
    ) -> Statement:
        """Store one statement and bump the revision once.

        ``text`` passes the input rules with the workshop's limit (``InvalidInput``
        otherwise); ``kind`` may be English or German; a table named here is created if
        missing. With ``submission_id``, submitting again (a double click, a retry after
        a timeout) returns the statement stored the first time instead of a duplicate.
        """
        if origin not in ORIGINS:
            raise ValueError(f"origin must be one of {', '.join(ORIGINS)}, not {origin!r}")
        kind = clean_kind(kind)
        author = clean_optional(author)
        try:
            with self._write() as conn:
                # Bump first: on PostgreSQL the row lock orders concurrent writers of the
                # workshop, so a table or submission stored by one is seen by the next.
                # Few round trips from here on: the lock is held until commit.
                bumped = conn.execute(
                    sa.update(workshops_t)
                    .where(workshops_t.c.id == workshop_id)
                    .values(revision=workshops_t.c.revision + 1)
                    .returning(workshops_t.c.revision, workshops_t.c.max_chars)
                ).first()
                if bumped is None:
                    raise WorkshopNotFound(f"No workshop with id {workshop_id}.")
                revision_changed(conn)
                text = clean_statement(text, bumped.max_chars)
                if submission_id is not None:
                    existing = conn.execute(
                        sa.select(statements_t.c.id).where(
                            statements_t.c.workshop_id == workshop_id,
                            statements_t.c.submission_id == submission_id,
                        )
                    ).scalar_one_or_none()
                    if existing is not None:
                        # Roll the bump back: nothing changed.
                        raise _AlreadyStored(load_statement(conn, existing))
                resolved = resolve_table(conn, workshop_id, table, create=True)
                now = utc_now()
                values = {
                    "workshop_id": workshop_id,
                    "table_id": None if resolved is None else resolved[0],
                    "text": text,
                    "kind": kind,
                    "author": author,
                    "origin": origin,
                    "hidden": False,
                    "submission_id": submission_id,
                    "revision": bumped.revision,
                    "created_at": now,
                    "updated_at": now,
                }
                statement_id = conn.execute(
                    statements_t.insert().values(values).returning(statements_t.c.id)
                ).scalar_one()
                return Statement(
                    id=statement_id,
                    workshop_id=workshop_id,
                    table_id=values["table_id"],
                    text=text,
                    kind=kind,
                    author=author,
                    created_at=now,
                    updated_at=now,
                    hidden=False,
                    origin=origin,
                    table_name=None if resolved is None else resolved[1],
                )
        except _AlreadyStored as already:
            return already.statement
        except sa.exc.IntegrityError:
            # A concurrent submit with the same id committed first (belt and braces: the
            # row lock above should already have ordered the two).
            if submission_id is not None:
                existing_statement = self._find_submission(workshop_id, submission_id)
                if existing_statement is not None:
                    return existing_statement
            raise

    def add_statements(
        self, workshop_id: int, items: Iterable[NewStatement], *, origin: str = "imported"
    ) -> list[int]:
        """Store many statements in one transaction; return their ids in input order.

        All or nothing: an invalid item raises its ``InvalidInput`` (with
        ``params["index"]``, 0-based) and nothing is stored. The revision rises by one per
        statement, in one update, and each statement gets its own revision.
        """
        if origin not in ORIGINS:
            raise ValueError(f"origin must be one of {', '.join(ORIGINS)}, not {origin!r}")
        items = list(items)
        if not items:
            return []
        with self._write() as conn:
            max_chars = max_chars_of(conn, workshop_id)
            cleaned = []
            for index, item in enumerate(items):
                try:
                    cleaned.append(
                        (
                            clean_statement(item.text, max_chars),
                            None if item.table is None else clean_name(item.table),
                            clean_kind(item.kind),
                            clean_optional(item.author),
                        )
                    )
                except ValueError as exc:
                    if hasattr(exc, "params"):
                        exc.params["index"] = index
                    exc.add_note(f"in statement {index + 1} of {len(items)}")
                    raise
            last = bump(conn, workshop_id, len(items))
            first = last - len(items) + 1
            table_ids: dict[str, int | None] = {}
            for _, name, _, _ in cleaned:
                if name is not None and name.casefold() not in table_ids:
                    table_ids[name.casefold()] = table_id_of(
                        conn, workshop_id, name, create=True
                    )
            now = utc_now()
            rows = [
                {
                    "workshop_id": workshop_id,
                    "table_id": None if name is None else table_ids[name.casefold()],
                    "text": text,
                    "kind": kind,
                    "author": author,
                    "origin": origin,
                    "hidden": False,
                    "submission_id": None,
                    "revision": first + offset,
                    "created_at": now,
                    "updated_at": now,
                }
                for offset, (text, name, kind, author) in enumerate(cleaned)
            ]
            result = conn.execute(
                statements_t.insert().returning(statements_t.c.id, sort_by_parameter_order=True),
                rows,
            )
            return [int(statement_id) for statement_id in result.scalars()]

    def get_statement(self, statement_id: int) -> Statement:
        """The statement with this id (hidden or not); else StatementNotFound."""
        with self._read() as conn:
            return load_statement(conn, statement_id)

    def statements(
        self, workshop_id: int, *, include_hidden: bool = False, table_id: int | None = None
    ) -> list[Statement]:
        """The workshop's statements by id, with ``table_name`` filled."""
        query = STATEMENT_SELECT.where(statements_t.c.workshop_id == workshop_id)
        if not include_hidden:
            query = query.where(statements_t.c.hidden == sa.false())
        if table_id is not None:
            query = query.where(statements_t.c.table_id == table_id)
        with self._read() as conn:
            return [statement_of(row) for row in conn.execute(query.order_by(statements_t.c.id))]

    def statements_since(self, workshop_id: int, revision: int) -> list[Statement]:
        """Statements added or changed after ``revision`` (hidden ones too, so a board
        sees them go), by id. Deleted ones are simply absent: reload on any change."""
        with self._read() as conn:
            rows = conn.execute(
                STATEMENT_SELECT.where(
                    statements_t.c.workshop_id == workshop_id,
                    statements_t.c.revision > revision,
                ).order_by(statements_t.c.id)
            )
            return [statement_of(row) for row in rows]

    def _change_statement(
        self, statement_id: int, values: Mapping[str, Any], event: tuple[str, dict[str, Any]]
    ) -> Statement:
        """Apply ``values`` to a statement unless they change nothing; record ``event``."""
        with self._write() as conn:
            current = load_statement(conn, statement_id)
            if all(getattr(current, key) == value for key, value in values.items()):
                return current
            revision = bump(conn, current.workshop_id)
            conn.execute(
                sa.update(statements_t)
                .where(statements_t.c.id == statement_id)
                .values(**values, revision=revision, updated_at=utc_now())
            )
            record_event(conn, current.workshop_id, statement_id, *event)
            return load_statement(conn, statement_id)

    def edit_statement(
        self, statement_id: int, text: str, *, actor: str = "moderator"
    ) -> Statement:
        """Replace a statement's text (input rules apply); the previous text is kept in
        its history. Returns the statement; an identical text changes nothing. Anyone
        but the moderator gets ``HiddenByModerator`` for a statement the moderator hid."""
        with self._write() as conn:
            current = load_statement(conn, statement_id)
            guard_moderator_hide(conn, current, actor)
            text = clean_statement(text, max_chars_of(conn, current.workshop_id))
            if text == current.text:
                return current
            revision = bump(conn, current.workshop_id)
            now = utc_now()
            conn.execute(
                versions_t.insert().values(
                    statement_id=statement_id,
                    text=current.text,
                    written_at=current.updated_at,
                    replaced_at=now,
                )
            )
            conn.execute(
                sa.update(statements_t)
                .where(statements_t.c.id == statement_id)
                .values(text=text, revision=revision, updated_at=now)
            )
            # the vector was the old text's: the new text is embedded afresh
            conn.execute(sa.delete(vectors_t).where(vectors_t.c.statement_id == statement_id))
            record_event(conn, current.workshop_id, statement_id, "edited", {})
            return load_statement(conn, statement_id)

    def statement_history(self, statement_id: int) -> list[tuple[str, datetime]]:
        """The earlier texts of a statement, oldest first, each with the time it was
        written. The current text is not in it (it is ``Statement.text``)."""
        with self._read() as conn:
            load_statement(conn, statement_id)
            rows = conn.execute(
                sa.select(versions_t.c.text, versions_t.c.written_at)
                .where(versions_t.c.statement_id == statement_id)
                .order_by(versions_t.c.id)
            )
            return [(row.text, row.written_at) for row in rows]

    def set_kind(self, statement_id: int, kind: str | None) -> Statement:
        """Give a statement a kind (English or German name) or none."""
        kind = clean_kind(kind)
        return self._change_statement(statement_id, {"kind": kind}, ("kind", {"kind": kind}))

    def set_table(self, statement_id: int, table: int | str | None) -> Statement:
        """Move a statement to another table (by id or name; a new name creates it)."""
        with self._write() as conn:
            current = load_statement(conn, statement_id)
            if (
                not isinstance(table, int)
                and table is not None
                and not has_table(conn, current.workshop_id, table)
            ):
                revision = bump(conn, current.workshop_id)
                table_id = table_id_of(conn, current.workshop_id, table, create=True)
            else:
                table_id = table_id_of(conn, current.workshop_id, table, create=False)
                if table_id == current.table_id:
                    return current
                revision = bump(conn, current.workshop_id)
            conn.execute(
                sa.update(statements_t)
                .where(statements_t.c.id == statement_id)
                .values(table_id=table_id, revision=revision, updated_at=utc_now())
            )
            record_event(
                conn, current.workshop_id, statement_id, "table", {"table_id": table_id}
            )
            return load_statement(conn, statement_id)

    def set_hidden(self, statement_id: int, hidden: bool, *, actor: str = "moderator") -> Statement:
        """Hide a statement from the board or show it again; recorded as an event."""
        hidden = bool(hidden)
        if not hidden and actor != "moderator":
            with self._read() as conn:
                guard_moderator_hide(conn, load_statement(conn, statement_id), actor)
        return self._change_statement(
            statement_id,
            {"hidden": hidden},
            ("hidden" if hidden else "shown", {"actor": actor}),
        )

    def hidden_by_moderator(self, statement_id: int) -> bool:
        """True if the statement is hidden and the moderator was the one who hid it."""
        with self._read() as conn:
            return moderator_hid(conn, load_statement(conn, statement_id))

    def events(self, workshop_id: int, statement_id: int | None = None) -> list[dict[str, Any]]:
        """The workshop's recorded events (oldest first) as dicts with ``id``,
        ``statement_id``, ``kind``, ``detail`` (a dict) and ``at``."""
        query = sa.select(events_t).where(events_t.c.workshop_id == workshop_id)
        if statement_id is not None:
            query = query.where(events_t.c.statement_id == statement_id)
        with self._read() as conn:
            return [
                {
                    "id": row.id,
                    "statement_id": row.statement_id,
                    "kind": row.kind,
                    "detail": json.loads(row.detail),
                    "at": row.at,
                }
                for row in conn.execute(query.order_by(events_t.c.id))
            ]
