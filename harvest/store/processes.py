"""Processes: groups of workshops with a board of their own.

A process's own board is a workshop row of its own (``Process.workshop``), so its
curation, saved board state and links are kept by the same code as a workshop's; its
revision is its own plus its members' (``harvest.store.workshops.current_revision``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from harvest.model import DEFAULT_MAX_CHARS, Process, Workshop
from harvest.store.database import Database
from harvest.store.errors import NotAMember, ProcessNotFound, SlugTaken, WorkshopNotFound
from harvest.store.records import (
    TITLE_MAX_CHARS,
    check_language,
    clean_name,
    members_t,
    processes_t,
    slugify,
    utc_now,
    workshops_t,
)
from harvest.store.workshops import (
    bump,
    insert_workshop,
    load_workshop,
    lookup_workshop,
    workshop_ref_clauses,
)

__all__ = ["ProcessStore"]

# --- inside a transaction -----------------------------------------------------------

def member_workshop(conn: Connection, ref: int | str) -> Workshop:
    found = lookup_workshop(conn, ref)
    if found is None or conn.execute(
        sa.select(processes_t.c.id).where(processes_t.c.workshop_id == found.id)
    ).first():
        raise WorkshopNotFound(
            f"No workshop {ref!r}. `python -m harvest workshops` lists them."
        )
    return found

def join_process(conn: Connection, process_id: int, workshop_id: int) -> bool:
    """Add a member (False if it is one already)."""
    if conn.execute(
        sa.select(members_t.c.workshop_id).where(
            members_t.c.process_id == process_id, members_t.c.workshop_id == workshop_id
        )
    ).first():
        return False
    conn.execute(
        members_t.insert().values(
            process_id=process_id, workshop_id=workshop_id, added_at=utc_now()
        )
    )
    return True

def leave_process(conn: Connection, process_id: int, own_id: int, member: Workshop) -> None:
    conn.execute(
        sa.delete(members_t).where(
            members_t.c.process_id == process_id, members_t.c.workshop_id == member.id
        )
    )
    # more than the member's share of the derived revision: it never repeats
    bump(conn, own_id, member.revision + 1)

def leave_processes(conn: Connection, workshop_id: int) -> None:
    """Before a workshop is deleted: out of every process; a process's own row
    takes its process along."""
    conn.execute(
        sa.delete(members_t).where(
            members_t.c.process_id.in_(
                sa.select(processes_t.c.id).where(processes_t.c.workshop_id == workshop_id)
            )
        )
    )
    conn.execute(sa.delete(processes_t).where(processes_t.c.workshop_id == workshop_id))
    member = load_workshop(conn, workshop_id)
    rows = conn.execute(
        sa.select(processes_t.c.id, processes_t.c.workshop_id)
        .select_from(processes_t.join(members_t))
        .where(members_t.c.workshop_id == workshop_id)
    ).all()
    for process_id, own_id in rows:
        leave_process(conn, process_id, own_id, member)

def load_process(conn: Connection, process_id: int) -> Process:
    row = conn.execute(
        sa.select(processes_t).where(processes_t.c.id == process_id)
    ).one_or_none()
    if row is None:
        raise ProcessNotFound(f"No process with id {process_id}.")
    members = conn.execute(
        sa.select(members_t.c.workshop_id)
        .where(members_t.c.process_id == process_id)
        .order_by(members_t.c.added_at, members_t.c.workshop_id)
    ).scalars()
    return Process(
        id=row.id,
        workshop=load_workshop(conn, row.workshop_id),
        workshop_ids=tuple(int(m) for m in members),
        created_at=row.created_at,
    )

def lookup_process(conn: Connection, ref: int | str) -> Process:
    own = processes_t.join(workshops_t, workshops_t.c.id == processes_t.c.workshop_id)
    for clause in workshop_ref_clauses(ref, processes_t.c.id):
        found = conn.execute(
            sa.select(processes_t.c.id).select_from(own).where(clause)
            .order_by(processes_t.c.id).limit(1)
        ).scalar_one_or_none()
        if found is not None:
            return load_process(conn, int(found))
    raise ProcessNotFound(
        f"No process {ref!r}. `python -m harvest process list` lists them."
    )

# --- the public methods -------------------------------------------------------------

class ProcessStore(Database):
    """Processes and their members."""

    def create_process(
        self,
        title: str,
        *,
        slug: str | None = None,
        workshops: Sequence[int | str] = (),
        language: str | None = None,
    ) -> Process:
        """Create a process of ``workshops`` (slugs, ids or titles; possibly none yet).

        A ``slug`` given is kept exactly or refused (``SlugTaken``: scripts name the
        process by it); one made from the title gets ``-2``, ``-3``, ... The language is
        ``language``, else the first workshop's, else German.
        """
        title = clean_name(title, TITLE_MAX_CHARS)
        with self._write() as conn:
            members = [member_workshop(conn, ref) for ref in workshops]
            lang = language or (members[0].language if members else "de")
            check_language(lang)
            if slug is not None:
                base = slugify(slug)
                if conn.execute(sa.select(workshops_t.c.id).where(workshops_t.c.slug == base)
                                ).first():
                    raise SlugTaken(
                        f"The slug {base!r} is taken; choose another (`harvest process list`, "
                        "`harvest workshops`)."
                    )
            else:
                base = slugify(title)
            own = insert_workshop(conn, base, title, None, "", lang, DEFAULT_MAX_CHARS)
            process_id = int(
                conn.execute(
                    processes_t.insert()
                    .values(workshop_id=own, created_at=utc_now())
                    .returning(processes_t.c.id)
                ).scalar_one()
            )
            for member in members:
                join_process(conn, process_id, member.id)
            return load_process(conn, process_id)

    def add_to_process(self, process_ref: int | str, workshop_ref: int | str) -> Process:
        """Add a workshop to a process (nothing changes if it is in already). A workshop
        may be in any number of processes."""
        with self._write() as conn:
            process = lookup_process(conn, process_ref)
            member = member_workshop(conn, workshop_ref)
            if join_process(conn, process.id, member.id):
                bump(conn, process.workshop.id)
            return load_process(conn, process.id)

    def remove_from_process(self, process_ref: int | str, workshop_ref: int | str) -> Process:
        """Take a workshop out of a process (its statements stay in the workshop)."""
        with self._write() as conn:
            process = lookup_process(conn, process_ref)
            member = member_workshop(conn, workshop_ref)
            if member.id not in process.workshop_ids:
                raise NotAMember(f"{member.slug!r} is not part of the process {process.slug!r}.")
            leave_process(conn, process.id, process.workshop.id, member)
            return load_process(conn, process.id)

    def get_process(self, ref: int | str) -> Process:
        """The process with this id, slug or title; else ``ProcessNotFound``."""
        with self._read() as conn:
            return lookup_process(conn, ref)

    def process_of(self, workshop_id: int) -> Process | None:
        """The process whose own board ``workshop_id`` is, or None (a plain workshop)."""
        with self._read() as conn:
            found = conn.execute(
                sa.select(processes_t.c.id).where(processes_t.c.workshop_id == workshop_id)
            ).scalar_one_or_none()
            return None if found is None else load_process(conn, int(found))

    def is_process(self, workshop_id: int) -> bool:
        """Is ``workshop_id`` a process's own board? One indexed query."""
        with self._read() as conn:
            return conn.execute(
                sa.select(processes_t.c.id).where(processes_t.c.workshop_id == workshop_id)
            ).first() is not None

    def processes_with(self, workshop_id: int) -> list[Process]:
        """The processes this workshop is a member of."""
        with self._read() as conn:
            ids = conn.execute(
                sa.select(members_t.c.process_id)
                .where(members_t.c.workshop_id == workshop_id)
                .order_by(members_t.c.process_id)
            ).scalars()
            return [load_process(conn, int(i)) for i in ids]

    def list_processes(self) -> list[Process]:
        """All processes, newest first."""
        with self._read() as conn:
            ids = conn.execute(
                sa.select(processes_t.c.id).order_by(
                    processes_t.c.created_at.desc(), processes_t.c.id.desc()
                )
            ).scalars().all()
            return [load_process(conn, int(i)) for i in ids]
