"""Deleting for good: a workshop with all it holds, a statement with its history, and
what derived meta still says about their words (personal data must be erasable)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from harvest.store import migrations as schema
from harvest.store.database import Database, revision_changed
from harvest.store.meta import scrub_derived_meta
from harvest.store.processes import leave_processes
from harvest.store.records import (
    PARTICIPATION_TABLES,
    actions_t,
    events_t,
    links_t,
    meta_t,
    statements_t,
    tables_t,
    versions_t,
    workshops_t,
)
from harvest.store.statements import load_statement
from harvest.store.workshops import bump, load_workshop

__all__ = ["ErasureStore", "delete_workshop_rows"]

def delete_workshop_rows(conn: Connection, workshop_id: int) -> None:
    """Delete a workshop and all it holds inside ``conn``'s transaction: out of every
    process first (their revisions move on), its children, then its row."""
    load_workshop(conn, workshop_id)
    revision_changed(conn)  # a board of it must ask again (and learn it is gone)
    leave_processes(conn, workshop_id)
    own_statements = sa.select(statements_t.c.id).where(statements_t.c.workshop_id == workshop_id)
    conn.execute(sa.delete(versions_t).where(versions_t.c.statement_id.in_(own_statements)))
    for table in (
        *PARTICIPATION_TABLES, meta_t, links_t, actions_t, events_t, statements_t, tables_t,
    ):
        conn.execute(sa.delete(table).where(table.c.workshop_id == workshop_id))
    conn.execute(sa.delete(workshops_t).where(workshops_t.c.id == workshop_id))


class ErasureStore(Database):
    """Deleting workshops and statements for good."""

    def delete_workshop(self, workshop_id: int) -> None:
        """Delete the workshop and everything it holds, for good.

        Its processes stay and lose it as a member (their boards move on); a process's own
        workshop takes the process with it."""
        with self._write() as conn:
            delete_workshop_rows(conn, workshop_id)
        self._erase_traces()

    def delete_statement(self, statement_id: int) -> None:
        """Erase a statement for good, with its history and the events naming it
        (personal data must be erasable). Use ``set_hidden`` to take it off the board.

        Meta computed from statements (``DERIVED_META_KEYS``: the board's saved layout
        and themes) loses, in the same transaction, every entry naming a word that only
        this statement used: a name must not live on as a keyword's map position.
        """
        with self._write() as conn:
            current = load_statement(conn, statement_id)
            bump(conn, current.workshop_id)
            earlier = conn.execute(
                sa.select(versions_t.c.text).where(versions_t.c.statement_id == statement_id)
            ).scalars()
            gone = [current.text, *earlier]
            conn.execute(sa.delete(versions_t).where(versions_t.c.statement_id == statement_id))
            conn.execute(sa.delete(events_t).where(events_t.c.statement_id == statement_id))
            # the participants' texts that became (or were merged into) it go with it
            submissions = schema.submissions
            conn.execute(sa.delete(submissions).where(submissions.c.statement_id == statement_id))
            conn.execute(sa.delete(statements_t).where(statements_t.c.id == statement_id))
            scrub_derived_meta(conn, current.workshop_id, gone)
        self._erase_traces()
