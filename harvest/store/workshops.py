"""Workshops and their tables, and the workshop revision every change raises.

The module functions work inside a caller's transaction (``conn``) and are shared by the
other parts of the store; ``WorkshopStore`` holds the public methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from harvest.intake import accept_text
from harvest.model import DEFAULT_MAX_CHARS, Table, Workshop
from harvest.store.database import Database, revision_changed
from harvest.store.errors import TableExists, TableNotFound, WorkshopNotFound
from harvest.store.records import (
    TITLE_MAX_CHARS,
    check_language,
    check_max_chars,
    clean_name,
    clean_optional,
    members_t,
    processes_t,
    slugify,
    table_of,
    tables_t,
    utc_now,
    workshop_of,
    workshops_t,
)

__all__ = ["WorkshopStore"]

_PG_CREATE_LOCK = 0x4861727666
"""PostgreSQL advisory lock held while a find-or-create looks for and adds a workshop."""

member_w = workshops_t.alias("member_w")
PROCESS_ROWS = sa.select(processes_t.c.workshop_id)
"""The workshop rows that are processes' own boards (not listed as workshops)."""

# --- inside a transaction -----------------------------------------------------------

def workshop_ref_clauses(ref: int | str, id_column: sa.Column[Any]) -> list[sa.ColumnElement[bool]]:
    """How a workshop (or a process, by its own workshop row) is named, tried in order:
    an int as id; a string as slug, numeric id, title (any case), slugified title."""
    if isinstance(ref, int):
        return [id_column == ref]
    ref = ref.strip()
    clauses = [workshops_t.c.slug == ref]
    if ref.isdigit():
        clauses.append(id_column == int(ref))
    clauses.append(sa.func.lower(workshops_t.c.title) == ref.lower())
    clauses.append(workshops_t.c.slug == slugify(ref))
    return clauses

def bump(conn: Connection, workshop_id: int, by: int = 1) -> int:
    """Raise the workshop's revision by ``by``; return the new one. On PostgreSQL the
    row lock this takes also serialises writers of one workshop until commit."""
    revision = conn.execute(
        sa.update(workshops_t)
        .where(workshops_t.c.id == workshop_id)
        .values(revision=workshops_t.c.revision + by)
        .returning(workshops_t.c.revision)
    ).scalar_one_or_none()
    if revision is None:
        raise WorkshopNotFound(f"No workshop with id {workshop_id}.")
    revision_changed(conn)
    return int(revision)

def current_revision(conn: Connection, workshop_id: int) -> int | None:
    """The workshop's revision as ``Store.revision`` defines it (None: no such workshop)."""
    members = (
        sa.select(sa.func.coalesce(sa.func.sum(member_w.c.revision), 0))
        .select_from(
            members_t.join(processes_t, processes_t.c.id == members_t.c.process_id).join(
                member_w, member_w.c.id == members_t.c.workshop_id
            )
        )
        .where(processes_t.c.workshop_id == workshops_t.c.id)
        .scalar_subquery()
    )
    revision = conn.execute(
        sa.select(workshops_t.c.revision + members).where(workshops_t.c.id == workshop_id)
    ).scalar_one_or_none()
    return None if revision is None else int(revision)

def insert_workshop(
    conn: Connection,
    base: str,
    title: str,
    date: date | None,
    place: str,
    language: str,
    max_chars: int,
) -> int:
    """Insert a workshop under ``base`` or the first free ``base-2``, ``base-3``, ..."""
    taken = set(
        conn.execute(
            sa.select(workshops_t.c.slug).where(
                sa.or_(workshops_t.c.slug == base, workshops_t.c.slug.like(base + "-%"))
            )
        ).scalars()
    )
    unique, n = base, 2
    while unique in taken:
        unique, n = f"{base}-{n}", n + 1
    return int(
        conn.execute(
            workshops_t.insert()
            .values(
                slug=unique,
                title=title,
                date=date,
                place=place,
                language=language,
                max_chars=max_chars,
                revision=0,
                created_at=utc_now(),
            )
            .returning(workshops_t.c.id)
        ).scalar_one()
    )

def load_workshop(conn: Connection, workshop_id: int) -> Workshop:
    row = conn.execute(
        sa.select(workshops_t).where(workshops_t.c.id == workshop_id)
    ).one_or_none()
    if row is None:
        raise WorkshopNotFound(f"No workshop with id {workshop_id}.")
    return workshop_of(row)

def lookup_workshop(conn: Connection, ref: int | str) -> Workshop | None:
    clauses = workshop_ref_clauses(ref, workshops_t.c.id)
    if not isinstance(ref, int):
        # a name never finds a process's own board: `harvest add PROCESS` must not
        # put statements into it (its id still opens it, for the process's links)
        clauses = [sa.and_(c, workshops_t.c.id.not_in(PROCESS_ROWS)) for c in clauses]
    for clause in clauses:
        row = conn.execute(
            sa.select(workshops_t).where(clause).order_by(workshops_t.c.id).limit(1)
        ).one_or_none()
        if row is not None:
            return workshop_of(row)
    return None

def insert_table(
    conn: Connection,
    workshop_id: int,
    name: str,
    topic: str = "",
    facilitator: str | None = None,
) -> int:
    name = clean_name(name)
    key = name.casefold()
    exists = conn.execute(
        sa.select(tables_t.c.id).where(
            tables_t.c.workshop_id == workshop_id, tables_t.c.name_key == key
        )
    ).first()
    if exists is not None:
        raise TableExists(f"This workshop already has a table named {name!r}.")
    return int(
        conn.execute(
            tables_t.insert()
            .values(
                workshop_id=workshop_id,
                name=name,
                name_key=key,
                topic="" if not topic.strip() else accept_text(topic),
                facilitator=clean_optional(facilitator),
                created_at=utc_now(),
            )
            .returning(tables_t.c.id)
        ).scalar_one()
    )

def resolve_table(
    conn: Connection, workshop_id: int, table: int | str | None, *, create: bool
) -> tuple[int, str] | None:
    """Id and stored name of a table given by id or name; create a named one if
    asked to (the caller bumps the revision)."""
    if table is None:
        return None
    if isinstance(table, int) and not isinstance(table, bool):
        row = conn.execute(
            sa.select(tables_t.c.id, tables_t.c.name).where(
                tables_t.c.id == table, tables_t.c.workshop_id == workshop_id
            )
        ).first()
        if row is None:
            raise TableNotFound(f"Workshop {workshop_id} has no table with id {table}.")
        return int(row.id), row.name
    if not isinstance(table, str):
        raise TypeError(f"a table is an id or a name, not {table!r}")
    name = clean_name(table)
    row = conn.execute(
        sa.select(tables_t.c.id, tables_t.c.name).where(
            tables_t.c.workshop_id == workshop_id, tables_t.c.name_key == name.casefold()
        )
    ).first()
    if row is not None:
        return int(row.id), row.name
    if not create:
        raise TableNotFound(f"This workshop has no table named {name!r}.")
    return insert_table(conn, workshop_id, name), name

def table_id_of(
    conn: Connection, workshop_id: int, table: int | str | None, *, create: bool
) -> int | None:
    """Resolve a table given by id or name to its id (see ``_resolve_table``)."""
    resolved = resolve_table(conn, workshop_id, table, create=create)
    return None if resolved is None else resolved[0]

def has_table(conn: Connection, workshop_id: int, name: str) -> bool:
    return (
        conn.execute(
            sa.select(tables_t.c.id).where(
                tables_t.c.workshop_id == workshop_id,
                tables_t.c.name_key == clean_name(name).casefold(),
            )
        ).first()
        is not None
    )

# --- the public methods -------------------------------------------------------------

class WorkshopStore(Database):
    """Workshops, their tables and their revision."""

    def revision(self, workshop_id: int) -> int:
        """The workshop's current revision: one indexed single-row query.

        For a process's own workshop (see ``Process``) it is derived: its own revision
        (curation, membership) plus the sum of its members' revisions, so the process
        board moves whenever any member grows and nothing else has to be bumped. Every
        membership change raises its own revision by more than it takes away, so the
        derived revision never repeats an earlier value.
        """
        with self._read() as conn:
            revision = current_revision(conn, workshop_id)
        if revision is None:
            raise WorkshopNotFound(f"No workshop with id {workshop_id}.")
        return revision

    def create_workshop(
        self,
        title: str,
        *,
        date: date | None = None,
        place: str = "",
        language: str = "de",
        max_chars: int = DEFAULT_MAX_CHARS,
        tables: Sequence[str | tuple[str, str] | tuple[str, str, str | None]] = (),
        slug: str | None = None,
    ) -> Workshop:
        """Create a workshop (revision 0) with its tables.

        The slug comes from ``slug`` or the title (``slugify``) and is made unique with
        ``-2``, ``-3``, ... Each table is a name, ``(name, topic)`` or
        ``(name, topic, facilitator)``.
        """
        title = clean_name(title, TITLE_MAX_CHARS)
        place = "" if not place.strip() else clean_name(place)
        check_language(language)
        check_max_chars(max_chars)
        base = slugify(slug or title)
        specs: list[tuple[str, str, str | None]] = []
        for spec in tables:
            if isinstance(spec, str):
                specs.append((spec, "", None))
            else:
                specs.append((spec[0], spec[1], spec[2] if len(spec) > 2 else None))
        for attempt in range(5):
            try:
                with self._write() as conn:
                    workshop_id = insert_workshop(
                        conn, base, title, date, place, language, max_chars
                    )
                    for spec in specs:
                        insert_table(conn, workshop_id, *spec)
                    return load_workshop(conn, workshop_id)
            except sa.exc.IntegrityError:
                # Another server took the same slug between our SELECT and INSERT.
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def find_or_create_workshop(self, ref: str) -> tuple[Workshop, bool]:
        """The workshop ``ref`` names (as ``find_workshop``), created with ``ref`` as its
        title if there is none; and whether this call created it.

        Atomic: writers that name the same new workshop at the same moment (eight
        facilitators' first ``harvest add``, two app servers) all get one workshop. The
        look-up runs inside the write transaction, after SQLite's BEGIN IMMEDIATE or
        PostgreSQL's transaction lock on workshop creation, so whoever comes second sees
        what the first committed.
        """
        title = clean_name(ref, TITLE_MAX_CHARS)
        for attempt in range(5):
            try:
                with self._write() as conn:
                    if self.dialect == "postgresql":
                        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_CREATE_LOCK)))
                    found = lookup_workshop(conn, title)
                    if found is not None:
                        return found, False
                    workshop_id = insert_workshop(
                        conn, slugify(title), title, None, "", "de", DEFAULT_MAX_CHARS
                    )
                    return load_workshop(conn, workshop_id), True
            except sa.exc.IntegrityError:
                # A plain ``create_workshop`` (which takes no lock) won the slug: look again.
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def find_workshop(self, ref: int | str) -> Workshop | None:
        """The workshop with this id or slug, or None.

        A string is tried as a slug, then as a numeric id, then as a title (case-
        insensitive), then slugified: the CLI's ``add "Mein Workshop"`` finds the
        workshop it created before.
        """
        with self._read() as conn:
            return lookup_workshop(conn, ref)

    def get_workshop(self, ref: int | str) -> Workshop:
        """The workshop with this id or slug (see ``find_workshop``); else WorkshopNotFound."""
        workshop = self.find_workshop(ref)
        if workshop is None:
            raise WorkshopNotFound(
                f"No workshop {ref!r}. `python -m harvest workshops` lists them."
            )
        return workshop

    def list_workshops(self) -> list[Workshop]:
        """All workshops, newest first (processes' own boards are not workshops)."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(workshops_t)
                .where(workshops_t.c.id.not_in(PROCESS_ROWS))
                .order_by(workshops_t.c.created_at.desc(), workshops_t.c.id.desc())
            )
            return [workshop_of(row) for row in rows]

    _WORKSHOP_FIELDS = frozenset({"title", "date", "place", "language", "max_chars"})

    def update_workshop(self, workshop_id: int, **fields: Any) -> Workshop:
        """Change title, date, place, language or max_chars (the slug stays, so links do).

        A smaller max_chars applies to new statements; stored ones are kept as they are.
        """
        unknown = set(fields) - self._WORKSHOP_FIELDS
        if unknown:
            raise TypeError(f"update_workshop() cannot change {', '.join(sorted(unknown))}")
        values = dict(fields)
        if "title" in values:
            values["title"] = clean_name(values["title"], TITLE_MAX_CHARS)
        if "place" in values:
            values["place"] = "" if not values["place"].strip() else clean_name(values["place"])
        if "language" in values:
            check_language(values["language"])
        if "max_chars" in values:
            check_max_chars(values["max_chars"])
        with self._write() as conn:
            if not values:
                return load_workshop(conn, workshop_id)
            bump(conn, workshop_id)
            conn.execute(
                sa.update(workshops_t).where(workshops_t.c.id == workshop_id).values(values)
            )
            return load_workshop(conn, workshop_id)

    # --- tables -----------------------------------------------------------------------

    def add_table(
        self, workshop_id: int, name: str, topic: str = "", facilitator: str | None = None
    ) -> Table:
        """Add a table; its name must be new to the workshop (case-insensitive)."""
        with self._write() as conn:
            bump(conn, workshop_id)
            table_id = insert_table(conn, workshop_id, name, topic, facilitator)
            row = conn.execute(sa.select(tables_t).where(tables_t.c.id == table_id)).one()
            return table_of(row)

    def tables(self, workshop_id: int) -> list[Table]:
        """The workshop's tables in the order they were added."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(tables_t)
                .where(tables_t.c.workshop_id == workshop_id)
                .order_by(tables_t.c.id)
            )
            return [table_of(row) for row in rows]

    def get_table(self, workshop_id: int, name_or_id: int | str, *, create: bool = False) -> Table:
        """The table with this id or name (case-insensitive); ``create`` adds a missing
        named one (bumping the revision). Else TableNotFound."""
        if create and isinstance(name_or_id, str):
            with self._write() as conn:
                if not has_table(conn, workshop_id, name_or_id):
                    bump(conn, workshop_id)
                table_id = table_id_of(conn, workshop_id, name_or_id, create=True)
                row = conn.execute(sa.select(tables_t).where(tables_t.c.id == table_id)).one()
                return table_of(row)
        with self._read() as conn:
            table_id = table_id_of(conn, workshop_id, name_or_id, create=False)
            row = conn.execute(sa.select(tables_t).where(tables_t.c.id == table_id)).one()
            return table_of(row)
