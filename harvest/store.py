"""Persistence: workshops, tables, statements and curation, in SQLite or PostgreSQL.

One code path (SQLAlchemy 2 Core) for both engines. SQLite is the embedded default, one
file under ``sessions/``; PostgreSQL is used when ``HARVEST_DATABASE_URL`` names one, so
that several app servers can share a database.

Every change to a workshop bumps ``workshops.revision`` by one in the same transaction,
and each statement row remembers the revision of its last change: a board asks
``revision(w)`` every few seconds and ``statements_since(w, r)`` only when it moved.

>>> store = Store("sqlite://")
>>> w = store.create_workshop("Integration in Magdeburg", tables=["Sprache"])
>>> s = store.add_statement(w.id, "Mehr Sprachkurse am Abend", table="Sprache", kind="Idee")
>>> (w.slug, s.kind, s.table_name, store.revision(w.id))
('integration-in-magdeburg', 'idea', 'Sprache', 1)
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.pool import StaticPool

from harvest import config
from harvest import migrations as schema
from harvest.embedding import MODEL_VERSION, text_key
from harvest.intake import clean_kind, clean_statement, clean_text
from harvest.model import (
    DEFAULT_MAX_CHARS,
    LANGUAGES,
    ORIGINS,
    ROLES,
    Process,
    Statement,
    Table,
    Workshop,
)

__all__ = [
    "Action",
    "ActionNotFound",
    "DatabaseUnavailable",
    "HiddenByModerator",
    "Link",
    "LinkExists",
    "NewStatement",
    "NotAMember",
    "ProcessNotFound",
    "SlugTaken",
    "StatementNotFound",
    "StorageFull",
    "Store",
    "StoreError",
    "TableExists",
    "TableNotFound",
    "WorkshopNotFound",
    "database_url",
    "slugify",
]

SQLITE_BUSY_TIMEOUT_S = 10.0
"""How long a SQLite writer waits for another one before giving up (default; the setting
``HARVEST_SQLITE_BUSY_SECONDS`` changes it)."""
PG_CONNECT_TIMEOUT_S = 2  # libpq's shortest
PG_STATEMENT_TIMEOUT_S = 5.0
"""PostgreSQL cancels a statement running longer (server side: statement_timeout)."""
PG_LOCK_TIMEOUT_S = 3.0
PG_STALL_S = 6.0
"""A statement without an answer this long is cut off client side: a stalled server (or
network) answers nothing, not even the cancel, and libpq would wait forever."""
PG_PING_S = 2.0
"""How long the check of a pooled connection may take before a fresh one is tried."""
PG_BACKOFF_S = 2.0
"""After a connection failure that took a while, calls fail at once for this long instead
of each waiting for its own timeout (a page asks several times: that made a 20 s hang)."""
PG_BACKOFF_AFTER_S = 1.0
TITLE_MAX_CHARS = 200
NAME_MAX_CHARS = 200
"""Longest table name, author or facilitator."""
SLUG_MAX_CHARS = 60
WAL_PURGE_WAIT_S = 0.2
"""How long a delete for good waits for readers before emptying the log in the background."""
WAL_PURGE_RETRY_S = 0.25
WAL_PURGE_GIVE_UP_S = 3600.0

BOARD_STATE_KEY = "board_state"
"""The board's saved layout and themes (``harvest.board``)."""
DERIVED_META_KEYS = frozenset({BOARD_STATE_KEY})
"""Meta computed from the statements, scrubbed of a deleted statement's words."""
_PG_CREATE_LOCK = 0x4861727666
"""PostgreSQL advisory lock held while a find-or-create looks for and adds a workshop."""


# --- errors -------------------------------------------------------------------------


class StoreError(Exception):
    """Something the store cannot do."""


class WorkshopNotFound(StoreError, LookupError):
    """No workshop has this id or slug."""


class TableNotFound(StoreError, LookupError):
    """The workshop has no table with this name or id."""


class TableExists(StoreError, ValueError):
    """The workshop already has a table with this name."""


class StatementNotFound(StoreError, LookupError):
    """No statement has this id."""


class ActionNotFound(StoreError, LookupError):
    """No curation action has this id."""


class LinkExists(StoreError, ValueError):
    """A link with this token hash is already stored."""


class ProcessNotFound(StoreError, LookupError):
    """No process with this slug, id or title."""


class SlugTaken(StoreError, ValueError):
    """A workshop or process already has this slug."""


class NotAMember(StoreError, ValueError):
    """This workshop cannot be (or is not) a member of this process."""


class HiddenByModerator(StoreError, PermissionError):
    """The moderator hid this statement: only the moderator may show or edit it again."""


class DatabaseUnavailable(StoreError):
    """The database cannot be reached right now: nothing was saved, try again."""


class StorageFull(DatabaseUnavailable):
    """The database's disk is full: nothing was saved until space is freed."""


class _AlreadyStored(Exception):
    """Internal: a submission id was stored before; carries that statement."""

    def __init__(self, statement: Statement) -> None:
        super().__init__(statement.id)
        self.statement = statement


# --- plain data that only the store knows -------------------------------------------


@dataclass(frozen=True)
class NewStatement:
    """One statement for ``Store.add_statements`` (a bulk import)."""

    text: str
    table: str | None = None
    kind: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class Action:
    """One curation decision of the moderator (rename, merge, move, ...), undoable."""

    id: int
    workshop_id: int
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    undone: bool = False
    actor: str = "moderator"


@dataclass(frozen=True)
class Link:
    """An access link: only the hash of its token is stored."""

    id: int
    workshop_id: int
    role: str
    table_id: int | None
    created_at: datetime
    revoked: bool = False
    token_hash: str = ""


# --- URLs ---------------------------------------------------------------------------

def database_url(explicit: str | None = None, sessions_dir: Path | None = None) -> str:
    """The database to use: ``explicit``, else ``$HARVEST_DATABASE_URL``, else the SQLite
    file ``harvest.db`` in ``sessions_dir`` (default ``$HARVEST_SESSIONS_DIR`` or the
    repository's ``sessions/``), whose folder is created here.

    ``postgresql://`` URLs are normalised to the psycopg 3 driver.
    """
    url = explicit or config.database_url()
    if not url:
        folder = sessions_dir or config.sessions_dir()
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder.resolve() / 'harvest.db'}"
    return _normalise_url(url)


def _normalise_url(url: str) -> str:
    """Point plain PostgreSQL URLs at psycopg 3 (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# --- small helpers ------------------------------------------------------------------

workshops_t = schema.workshops
tables_t = schema.workshop_tables
statements_t = schema.statements
versions_t = schema.statement_versions
events_t = schema.events
actions_t = schema.actions
links_t = schema.links
meta_t = schema.meta
vectors_t = schema.vectors
# Participation (harvest/participation_store.py writes them; the store erases them).
PARTICIPATION_TABLES = (schema.ballots, schema.votes, schema.submissions)
processes_t = schema.processes
members_t = schema.process_workshops

_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})


def slugify(text: str) -> str:
    """A lowercase ASCII slug: ``"Begegnung in Süd"`` -> ``"begegnung-in-sued"``."""
    text = text.lower().translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug[:SLUG_MAX_CHARS].rstrip("-") or "workshop"


def _now() -> datetime:
    return datetime.now(UTC)


def _clean_name(name: str, max_chars: int = NAME_MAX_CHARS) -> str:
    """A one-line name (table, title, author) by the input rules."""
    return clean_text(name, max_chars).replace("\n", " ")


def _clean_optional(value: str | None, max_chars: int = NAME_MAX_CHARS) -> str | None:
    if value is None or not value.strip():
        return None
    return _clean_name(value, max_chars)


def _to_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return language


def _check_max_chars(max_chars: int) -> int:
    if not isinstance(max_chars, int) or max_chars < 1:
        raise ValueError(f"max_chars must be a positive whole number, not {max_chars!r}")
    return max_chars


def _ref_clauses(ref: int | str, id_column: sa.Column[Any]) -> list[sa.ColumnElement[bool]]:
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


def _workshop(row: Row[Any]) -> Workshop:
    return Workshop(
        id=row.id,
        slug=row.slug,
        title=row.title,
        date=row.date,
        place=row.place,
        language=row.language,
        max_chars=row.max_chars,
        revision=row.revision,
        created_at=row.created_at,
    )


def _table(row: Row[Any]) -> Table:
    return Table(
        id=row.id,
        workshop_id=row.workshop_id,
        name=row.name,
        topic=row.topic,
        facilitator=row.facilitator,
    )


def _statement(row: Row[Any]) -> Statement:
    return Statement(
        id=row.id,
        workshop_id=row.workshop_id,
        table_id=row.table_id,
        text=row.text,
        kind=row.kind,
        author=row.author,
        created_at=row.created_at,
        updated_at=row.updated_at,
        hidden=bool(row.hidden),
        origin=row.origin,
        table_name=row.table_name,
    )


def _action(row: Row[Any]) -> Action:
    return Action(
        id=row.id,
        workshop_id=row.workshop_id,
        kind=row.kind,
        payload=json.loads(row.payload),
        created_at=row.created_at,
        undone=bool(row.undone),
        actor=row.actor,
    )


def _link(row: Row[Any]) -> Link:
    return Link(
        id=row.id,
        workshop_id=row.workshop_id,
        role=row.role,
        table_id=row.table_id,
        created_at=row.created_at,
        revoked=bool(row.revoked),
        token_hash=row.token_hash,
    )


# Statements with their table's name, the shape every statement query returns.
member_w = workshops_t.alias("member_w")
_PROCESS_ROWS = sa.select(processes_t.c.workshop_id)
"""The workshop rows that are processes' own boards (not listed as workshops)."""

_STATEMENT_SELECT = sa.select(*statements_t.c, tables_t.c.name.label("table_name")).select_from(
    statements_t.outerjoin(tables_t, statements_t.c.table_id == tables_t.c.id)
)

# Failures of the connection, not of the SQL: the pool timing out counts (too busy now).
_CONNECTION_ERRORS = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,
)


# --- the store ----------------------------------------------------------------------


class Store:
    """A Harvest database. Thread-safe; open one per process and share it.

    ``Store(url)`` connects and applies missing migrations. Every public method runs in
    its own transaction; a method that returned has committed (SQLite: synchronous=FULL).
    Connection failures surface as ``DatabaseUnavailable``, never as SQLAlchemy errors.
    """

    def __init__(self, url: str) -> None:
        self.url = _normalise_url(url)
        self._down_until = 0.0  # PostgreSQL back-off after a failure (time.monotonic)
        self._engine = _create_engine(self.url)
        self.dialect: str = self._engine.dialect.name
        self._in_memory = self.dialect == "sqlite" and isinstance(self._engine.pool, StaticPool)
        self._closed = threading.Event()
        self._purge_lock = threading.Lock()
        self._purge_thread: threading.Thread | None = None
        try:
            with self._write() as conn:
                schema.migrate(conn)
        except BaseException:
            self._engine.dispose()
            raise

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """The store at ``url``, or at ``database_url()`` (env or the default SQLite file)."""
        return cls(database_url(url))

    def close(self) -> None:
        """Close every pooled connection (after one last try at emptying the log)."""
        self._closed.set()
        if self._purge_thread is not None and self._purge_thread.is_alive():
            self._checkpoint()
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        shown = sa.make_url(self.url).render_as_string(hide_password=True)
        return f"Store({shown!r})"

    # --- transactions ---------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A read-only transaction (SQLite: deferred, so it never waits for writers)."""
        started = self._fail_fast()
        try:
            with self._engine.connect() as conn:
                yield conn
        except _CONNECTION_ERRORS as exc:
            raise self._failed(exc, started) from exc

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction, committed on exit (SQLite: BEGIN IMMEDIATE, so that
        concurrent writers queue on the busy timeout instead of failing on upgrade)."""
        started = self._fail_fast()
        try:
            with self._engine.connect() as conn:
                conn.execution_options(harvest_write=True)
                with conn.begin():
                    yield conn
        except _CONNECTION_ERRORS as exc:
            raise self._failed(exc, started) from exc

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """One read-only transaction that sees a single state of the database while
        others write (PostgreSQL: REPEATABLE READ; SQLite: one deferred transaction, whose
        WAL snapshot is fixed by its first read). For reads that must agree with each
        other, such as a backup."""
        started = self._fail_fast()
        try:
            with self._engine.connect() as conn:
                if self.dialect == "postgresql":
                    conn.execution_options(
                        isolation_level="REPEATABLE READ", postgresql_readonly=True
                    )
                with conn.begin():
                    yield conn
        except _CONNECTION_ERRORS as exc:
            raise self._failed(exc, started) from exc

    def _fail_fast(self) -> float:
        """Refuse at once while a PostgreSQL server that just stalled is in its back-off;
        else return the time the call starts."""
        now = time.monotonic()
        if now < self._down_until:
            raise DatabaseUnavailable(
                "The database is not reachable right now; nothing was saved. Try again."
            )
        return now

    def _failed(self, exc: Exception, started: float) -> DatabaseUnavailable:
        """The error to raise for a connection failure. A failure that made the caller
        wait (a stall, not a refused connection) starts the back-off: the next calls
        need not each wait again, while a server that is simply back answers at once."""
        error = _unavailable(exc)
        now = time.monotonic()
        if self.dialect == "postgresql" and now - started >= PG_BACKOFF_AFTER_S:
            self._down_until = now + PG_BACKOFF_S
        return error

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction for work that spans many tables at once (a restore): all
        of it is committed on exit, or none of it if an exception leaves the block."""
        with self._write() as conn:
            yield conn

    def schema_version(self) -> int:
        """The schema version of the database (``migrations.LATEST_VERSION`` once open)."""
        with self._read() as conn:
            return schema.current_version(conn)

    # --- revision ---------------------------------------------------------------------

    @staticmethod
    def _bump(conn: Connection, workshop_id: int, by: int = 1) -> int:
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
        return int(revision)

    def revision(self, workshop_id: int) -> int:
        """The workshop's current revision: one indexed single-row query.

        For a process's own workshop (see ``Process``) it is derived: its own revision
        (curation, membership) plus the sum of its members' revisions, so the process
        board moves whenever any member grows and nothing else has to be bumped. Every
        membership change raises its own revision by more than it takes away, so the
        derived revision never repeats an earlier value.
        """
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
        with self._read() as conn:
            revision = conn.execute(
                sa.select(workshops_t.c.revision + members).where(workshops_t.c.id == workshop_id)
            ).scalar_one_or_none()
        if revision is None:
            raise WorkshopNotFound(f"No workshop with id {workshop_id}.")
        return int(revision)

    # --- workshops --------------------------------------------------------------------

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
        title = _clean_name(title, TITLE_MAX_CHARS)
        place = "" if not place.strip() else _clean_name(place)
        _check_language(language)
        _check_max_chars(max_chars)
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
                    workshop_id = self._insert_workshop(
                        conn, base, title, date, place, language, max_chars
                    )
                    for spec in specs:
                        self._insert_table(conn, workshop_id, *spec)
                    return self._get_workshop(conn, workshop_id)
            except sa.exc.IntegrityError:
                # Another server took the same slug between our SELECT and INSERT.
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _insert_workshop(
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
                    created_at=_now(),
                )
                .returning(workshops_t.c.id)
            ).scalar_one()
        )

    def find_or_create_workshop(self, ref: str) -> tuple[Workshop, bool]:
        """The workshop ``ref`` names (as ``find_workshop``), created with ``ref`` as its
        title if there is none; and whether this call created it.

        Atomic: writers that name the same new workshop at the same moment (eight
        facilitators' first ``harvest add``, two app servers) all get one workshop. The
        look-up runs inside the write transaction, after SQLite's BEGIN IMMEDIATE or
        PostgreSQL's transaction lock on workshop creation, so whoever comes second sees
        what the first committed.
        """
        title = _clean_name(ref, TITLE_MAX_CHARS)
        for attempt in range(5):
            try:
                with self._write() as conn:
                    if self.dialect == "postgresql":
                        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_CREATE_LOCK)))
                    found = self._find_workshop(conn, title)
                    if found is not None:
                        return found, False
                    workshop_id = self._insert_workshop(
                        conn, slugify(title), title, None, "", "de", DEFAULT_MAX_CHARS
                    )
                    return self._get_workshop(conn, workshop_id), True
            except sa.exc.IntegrityError:
                # A plain ``create_workshop`` (which takes no lock) won the slug: look again.
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _get_workshop(conn: Connection, workshop_id: int) -> Workshop:
        row = conn.execute(
            sa.select(workshops_t).where(workshops_t.c.id == workshop_id)
        ).one_or_none()
        if row is None:
            raise WorkshopNotFound(f"No workshop with id {workshop_id}.")
        return _workshop(row)

    def find_workshop(self, ref: int | str) -> Workshop | None:
        """The workshop with this id or slug, or None.

        A string is tried as a slug, then as a numeric id, then as a title (case-
        insensitive), then slugified: the CLI's ``add "Mein Workshop"`` finds the
        workshop it created before.
        """
        with self._read() as conn:
            return self._find_workshop(conn, ref)

    @staticmethod
    def _find_workshop(conn: Connection, ref: int | str) -> Workshop | None:
        clauses = _ref_clauses(ref, workshops_t.c.id)
        if not isinstance(ref, int):
            # a name never finds a process's own board: `harvest add PROCESS` must not
            # put statements into it (its id still opens it, for the process's links)
            clauses = [sa.and_(c, workshops_t.c.id.not_in(_PROCESS_ROWS)) for c in clauses]
        for clause in clauses:
            row = conn.execute(
                sa.select(workshops_t).where(clause).order_by(workshops_t.c.id).limit(1)
            ).one_or_none()
            if row is not None:
                return _workshop(row)
        return None

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
                .where(workshops_t.c.id.not_in(_PROCESS_ROWS))
                .order_by(workshops_t.c.created_at.desc(), workshops_t.c.id.desc())
            )
            return [_workshop(row) for row in rows]

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
            values["title"] = _clean_name(values["title"], TITLE_MAX_CHARS)
        if "place" in values:
            values["place"] = "" if not values["place"].strip() else _clean_name(values["place"])
        if "language" in values:
            _check_language(values["language"])
        if "max_chars" in values:
            _check_max_chars(values["max_chars"])
        with self._write() as conn:
            if not values:
                return self._get_workshop(conn, workshop_id)
            self._bump(conn, workshop_id)
            conn.execute(
                sa.update(workshops_t).where(workshops_t.c.id == workshop_id).values(values)
            )
            return self._get_workshop(conn, workshop_id)

    def delete_workshop(self, workshop_id: int) -> None:
        """Delete the workshop and everything it holds, for good.

        Its processes stay and lose it as a member (their boards move on); a process's own
        workshop takes the process with it."""
        with self._write() as conn:
            self._get_workshop(conn, workshop_id)
            self._leave_processes(conn, workshop_id)
            own_statements = sa.select(statements_t.c.id).where(
                statements_t.c.workshop_id == workshop_id
            )
            conn.execute(sa.delete(versions_t).where(versions_t.c.statement_id.in_(own_statements)))
            for table in (
                *PARTICIPATION_TABLES, meta_t, links_t, actions_t, events_t, statements_t,
                tables_t,
            ):
                conn.execute(sa.delete(table).where(table.c.workshop_id == workshop_id))
            conn.execute(sa.delete(workshops_t).where(workshops_t.c.id == workshop_id))
        self._erase_traces()

    # --- processes --------------------------------------------------------------------

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
        title = _clean_name(title, TITLE_MAX_CHARS)
        with self._write() as conn:
            members = [self._member(conn, ref) for ref in workshops]
            lang = language or (members[0].language if members else "de")
            _check_language(lang)
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
            own = self._insert_workshop(conn, base, title, None, "", lang, DEFAULT_MAX_CHARS)
            process_id = int(
                conn.execute(
                    processes_t.insert()
                    .values(workshop_id=own, created_at=_now())
                    .returning(processes_t.c.id)
                ).scalar_one()
            )
            for member in members:
                self._join(conn, process_id, member.id)
            return self._get_process(conn, process_id)

    @staticmethod
    def _member(conn: Connection, ref: int | str) -> Workshop:
        found = Store._find_workshop(conn, ref)
        if found is None or conn.execute(
            sa.select(processes_t.c.id).where(processes_t.c.workshop_id == found.id)
        ).first():
            raise WorkshopNotFound(
                f"No workshop {ref!r}. `python -m harvest workshops` lists them."
            )
        return found

    @staticmethod
    def _join(conn: Connection, process_id: int, workshop_id: int) -> bool:
        """Add a member (False if it is one already)."""
        if conn.execute(
            sa.select(members_t.c.workshop_id).where(
                members_t.c.process_id == process_id, members_t.c.workshop_id == workshop_id
            )
        ).first():
            return False
        conn.execute(
            members_t.insert().values(
                process_id=process_id, workshop_id=workshop_id, added_at=_now()
            )
        )
        return True

    def add_to_process(self, process_ref: int | str, workshop_ref: int | str) -> Process:
        """Add a workshop to a process (nothing changes if it is in already). A workshop
        may be in any number of processes."""
        with self._write() as conn:
            process = self._find_process(conn, process_ref)
            member = self._member(conn, workshop_ref)
            if self._join(conn, process.id, member.id):
                self._bump(conn, process.workshop.id)
            return self._get_process(conn, process.id)

    def remove_from_process(self, process_ref: int | str, workshop_ref: int | str) -> Process:
        """Take a workshop out of a process (its statements stay in the workshop)."""
        with self._write() as conn:
            process = self._find_process(conn, process_ref)
            member = self._member(conn, workshop_ref)
            if member.id not in process.workshop_ids:
                raise NotAMember(f"{member.slug!r} is not part of the process {process.slug!r}.")
            self._leave(conn, process.id, process.workshop.id, member)
            return self._get_process(conn, process.id)

    def _leave(self, conn: Connection, process_id: int, own_id: int, member: Workshop) -> None:
        conn.execute(
            sa.delete(members_t).where(
                members_t.c.process_id == process_id, members_t.c.workshop_id == member.id
            )
        )
        # more than the member's share of the derived revision: it never repeats
        self._bump(conn, own_id, member.revision + 1)

    def _leave_processes(self, conn: Connection, workshop_id: int) -> None:
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
        member = self._get_workshop(conn, workshop_id)
        rows = conn.execute(
            sa.select(processes_t.c.id, processes_t.c.workshop_id)
            .select_from(processes_t.join(members_t))
            .where(members_t.c.workshop_id == workshop_id)
        ).all()
        for process_id, own_id in rows:
            self._leave(conn, process_id, own_id, member)

    def _get_process(self, conn: Connection, process_id: int) -> Process:
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
            workshop=self._get_workshop(conn, row.workshop_id),
            workshop_ids=tuple(int(m) for m in members),
            created_at=row.created_at,
        )

    def _find_process(self, conn: Connection, ref: int | str) -> Process:
        own = processes_t.join(workshops_t, workshops_t.c.id == processes_t.c.workshop_id)
        for clause in _ref_clauses(ref, processes_t.c.id):
            found = conn.execute(
                sa.select(processes_t.c.id).select_from(own).where(clause)
                .order_by(processes_t.c.id).limit(1)
            ).scalar_one_or_none()
            if found is not None:
                return self._get_process(conn, int(found))
        raise ProcessNotFound(
            f"No process {ref!r}. `python -m harvest process list` lists them."
        )

    def get_process(self, ref: int | str) -> Process:
        """The process with this id, slug or title; else ``ProcessNotFound``."""
        with self._read() as conn:
            return self._find_process(conn, ref)

    def process_of(self, workshop_id: int) -> Process | None:
        """The process whose own board ``workshop_id`` is, or None (a plain workshop)."""
        with self._read() as conn:
            found = conn.execute(
                sa.select(processes_t.c.id).where(processes_t.c.workshop_id == workshop_id)
            ).scalar_one_or_none()
            return None if found is None else self._get_process(conn, int(found))

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
            return [self._get_process(conn, int(i)) for i in ids]

    def list_processes(self) -> list[Process]:
        """All processes, newest first."""
        with self._read() as conn:
            ids = conn.execute(
                sa.select(processes_t.c.id).order_by(
                    processes_t.c.created_at.desc(), processes_t.c.id.desc()
                )
            ).scalars().all()
            return [self._get_process(conn, int(i)) for i in ids]

    # --- tables -----------------------------------------------------------------------

    @staticmethod
    def _insert_table(
        conn: Connection,
        workshop_id: int,
        name: str,
        topic: str = "",
        facilitator: str | None = None,
    ) -> int:
        name = _clean_name(name)
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
                    topic="" if not topic.strip() else clean_text(topic),
                    facilitator=_clean_optional(facilitator),
                    created_at=_now(),
                )
                .returning(tables_t.c.id)
            ).scalar_one()
        )

    def add_table(
        self, workshop_id: int, name: str, topic: str = "", facilitator: str | None = None
    ) -> Table:
        """Add a table; its name must be new to the workshop (case-insensitive)."""
        with self._write() as conn:
            self._bump(conn, workshop_id)
            table_id = self._insert_table(conn, workshop_id, name, topic, facilitator)
            row = conn.execute(sa.select(tables_t).where(tables_t.c.id == table_id)).one()
            return _table(row)

    def tables(self, workshop_id: int) -> list[Table]:
        """The workshop's tables in the order they were added."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(tables_t)
                .where(tables_t.c.workshop_id == workshop_id)
                .order_by(tables_t.c.id)
            )
            return [_table(row) for row in rows]

    @staticmethod
    def _resolve_table(
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
        name = _clean_name(table)
        row = conn.execute(
            sa.select(tables_t.c.id, tables_t.c.name).where(
                tables_t.c.workshop_id == workshop_id, tables_t.c.name_key == name.casefold()
            )
        ).first()
        if row is not None:
            return int(row.id), row.name
        if not create:
            raise TableNotFound(f"This workshop has no table named {name!r}.")
        return Store._insert_table(conn, workshop_id, name), name

    @staticmethod
    def _table_id(
        conn: Connection, workshop_id: int, table: int | str | None, *, create: bool
    ) -> int | None:
        """Resolve a table given by id or name to its id (see ``_resolve_table``)."""
        resolved = Store._resolve_table(conn, workshop_id, table, create=create)
        return None if resolved is None else resolved[0]

    def get_table(self, workshop_id: int, name_or_id: int | str, *, create: bool = False) -> Table:
        """The table with this id or name (case-insensitive); ``create`` adds a missing
        named one (bumping the revision). Else TableNotFound."""
        if create and isinstance(name_or_id, str):
            with self._write() as conn:
                if not self._has_table(conn, workshop_id, name_or_id):
                    self._bump(conn, workshop_id)
                table_id = self._table_id(conn, workshop_id, name_or_id, create=True)
                row = conn.execute(sa.select(tables_t).where(tables_t.c.id == table_id)).one()
                return _table(row)
        with self._read() as conn:
            table_id = self._table_id(conn, workshop_id, name_or_id, create=False)
            row = conn.execute(sa.select(tables_t).where(tables_t.c.id == table_id)).one()
            return _table(row)

    @staticmethod
    def _has_table(conn: Connection, workshop_id: int, name: str) -> bool:
        return (
            conn.execute(
                sa.select(tables_t.c.id).where(
                    tables_t.c.workshop_id == workshop_id,
                    tables_t.c.name_key == _clean_name(name).casefold(),
                )
            ).first()
            is not None
        )

    # --- statements -------------------------------------------------------------------

    @staticmethod
    def _max_chars(conn: Connection, workshop_id: int) -> int:
        max_chars = conn.execute(
            sa.select(workshops_t.c.max_chars).where(workshops_t.c.id == workshop_id)
        ).scalar_one_or_none()
        if max_chars is None:
            raise WorkshopNotFound(f"No workshop with id {workshop_id}.")
        return int(max_chars)

    @staticmethod
    def _get_statement(conn: Connection, statement_id: int) -> Statement:
        row = conn.execute(_STATEMENT_SELECT.where(statements_t.c.id == statement_id)).one_or_none()
        if row is None:
            raise StatementNotFound(f"No statement with id {statement_id}.")
        return _statement(row)

    def _find_submission(self, workshop_id: int, submission_id: str) -> Statement | None:
        with self._read() as conn:
            row = conn.execute(
                _STATEMENT_SELECT.where(
                    statements_t.c.workshop_id == workshop_id,
                    statements_t.c.submission_id == submission_id,
                )
            ).one_or_none()
            return None if row is None else _statement(row)

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
        author = _clean_optional(author)
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
                        raise _AlreadyStored(self._get_statement(conn, existing))
                resolved = self._resolve_table(conn, workshop_id, table, create=True)
                now = _now()
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
            max_chars = self._max_chars(conn, workshop_id)
            cleaned = []
            for index, item in enumerate(items):
                try:
                    cleaned.append(
                        (
                            clean_statement(item.text, max_chars),
                            None if item.table is None else _clean_name(item.table),
                            clean_kind(item.kind),
                            _clean_optional(item.author),
                        )
                    )
                except ValueError as exc:
                    if hasattr(exc, "params"):
                        exc.params["index"] = index
                    exc.add_note(f"in statement {index + 1} of {len(items)}")
                    raise
            last = self._bump(conn, workshop_id, len(items))
            first = last - len(items) + 1
            table_ids: dict[str, int | None] = {}
            for _, name, _, _ in cleaned:
                if name is not None and name.casefold() not in table_ids:
                    table_ids[name.casefold()] = self._table_id(
                        conn, workshop_id, name, create=True
                    )
            now = _now()
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
            return self._get_statement(conn, statement_id)

    def statements(
        self, workshop_id: int, *, include_hidden: bool = False, table_id: int | None = None
    ) -> list[Statement]:
        """The workshop's statements by id, with ``table_name`` filled."""
        query = _STATEMENT_SELECT.where(statements_t.c.workshop_id == workshop_id)
        if not include_hidden:
            query = query.where(statements_t.c.hidden == sa.false())
        if table_id is not None:
            query = query.where(statements_t.c.table_id == table_id)
        with self._read() as conn:
            return [_statement(row) for row in conn.execute(query.order_by(statements_t.c.id))]

    def statements_since(self, workshop_id: int, revision: int) -> list[Statement]:
        """Statements added or changed after ``revision`` (hidden ones too, so a board
        sees them go), by id. Deleted ones are simply absent: reload on any change."""
        with self._read() as conn:
            rows = conn.execute(
                _STATEMENT_SELECT.where(
                    statements_t.c.workshop_id == workshop_id,
                    statements_t.c.revision > revision,
                ).order_by(statements_t.c.id)
            )
            return [_statement(row) for row in rows]

    def _change_statement(
        self, statement_id: int, values: Mapping[str, Any], event: tuple[str, dict[str, Any]]
    ) -> Statement:
        """Apply ``values`` to a statement unless they change nothing; record ``event``."""
        with self._write() as conn:
            current = self._get_statement(conn, statement_id)
            if all(getattr(current, key) == value for key, value in values.items()):
                return current
            revision = self._bump(conn, current.workshop_id)
            conn.execute(
                sa.update(statements_t)
                .where(statements_t.c.id == statement_id)
                .values(**values, revision=revision, updated_at=_now())
            )
            self._record_event(conn, current.workshop_id, statement_id, *event)
            return self._get_statement(conn, statement_id)

    @staticmethod
    def _record_event(
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
                detail=_to_json(detail),
                at=_now(),
            )
        )

    def edit_statement(
        self, statement_id: int, text: str, *, actor: str = "moderator"
    ) -> Statement:
        """Replace a statement's text (input rules apply); the previous text is kept in
        its history. Returns the statement; an identical text changes nothing. Anyone
        but the moderator gets ``HiddenByModerator`` for a statement the moderator hid."""
        with self._write() as conn:
            current = self._get_statement(conn, statement_id)
            self._guard_moderator_hide(conn, current, actor)
            text = clean_statement(text, self._max_chars(conn, current.workshop_id))
            if text == current.text:
                return current
            revision = self._bump(conn, current.workshop_id)
            now = _now()
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
            self._record_event(conn, current.workshop_id, statement_id, "edited", {})
            return self._get_statement(conn, statement_id)

    def statement_history(self, statement_id: int) -> list[tuple[str, datetime]]:
        """The earlier texts of a statement, oldest first, each with the time it was
        written. The current text is not in it (it is ``Statement.text``)."""
        with self._read() as conn:
            self._get_statement(conn, statement_id)
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
            current = self._get_statement(conn, statement_id)
            if (
                not isinstance(table, int)
                and table is not None
                and not self._has_table(conn, current.workshop_id, table)
            ):
                revision = self._bump(conn, current.workshop_id)
                table_id = self._table_id(conn, current.workshop_id, table, create=True)
            else:
                table_id = self._table_id(conn, current.workshop_id, table, create=False)
                if table_id == current.table_id:
                    return current
                revision = self._bump(conn, current.workshop_id)
            conn.execute(
                sa.update(statements_t)
                .where(statements_t.c.id == statement_id)
                .values(table_id=table_id, revision=revision, updated_at=_now())
            )
            self._record_event(
                conn, current.workshop_id, statement_id, "table", {"table_id": table_id}
            )
            return self._get_statement(conn, statement_id)

    def set_hidden(self, statement_id: int, hidden: bool, *, actor: str = "moderator") -> Statement:
        """Hide a statement from the board or show it again; recorded as an event."""
        hidden = bool(hidden)
        if not hidden and actor != "moderator":
            with self._read() as conn:
                self._guard_moderator_hide(conn, self._get_statement(conn, statement_id), actor)
        return self._change_statement(
            statement_id,
            {"hidden": hidden},
            ("hidden" if hidden else "shown", {"actor": actor}),
        )

    def hidden_by_moderator(self, statement_id: int) -> bool:
        """True if the statement is hidden and the moderator was the one who hid it."""
        with self._read() as conn:
            return self._moderator_hid(conn, self._get_statement(conn, statement_id))

    @staticmethod
    def _moderator_hid(conn: Connection, statement: Statement) -> bool:
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

    def _guard_moderator_hide(self, conn: Connection, statement: Statement, actor: str) -> None:
        if actor != "moderator" and self._moderator_hid(conn, statement):
            raise HiddenByModerator(
                f"Statement {statement.id} was hidden by the moderator; only the moderator "
                "can show or change it again."
            )

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

    def delete_statement(self, statement_id: int) -> None:
        """Erase a statement for good, with its history and the events naming it
        (personal data must be erasable). Use ``set_hidden`` to take it off the board.

        Meta computed from statements (``DERIVED_META_KEYS``: the board's saved layout
        and themes) loses, in the same transaction, every entry naming a word that only
        this statement used: a name must not live on as a keyword's map position.
        """
        with self._write() as conn:
            current = self._get_statement(conn, statement_id)
            self._bump(conn, current.workshop_id)
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
            self._scrub_derived_meta(conn, current.workshop_id, gone)
        self._erase_traces()

    @staticmethod
    def _scrub_derived_meta(conn: Connection, workshop_id: int, gone: Sequence[str]) -> None:
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
            scrubbed = _to_json(_scrub(json.loads(value), private))
            if scrubbed != value:
                conn.execute(
                    sa.update(meta_t)
                    .where(meta_t.c.workshop_id == workshop_id, meta_t.c.key == key)
                    .values(value=scrubbed, updated_at=_now())
                )

    def _erase_traces(self) -> None:
        """After a delete for good: on SQLite, fold the write-ahead log (which still holds
        the old pages) into the overwritten database file and empty it. A reader holding
        an old snapshot keeps the log from being emptied; then this does not wait for it
        but retries in the background until the reader lets go. PostgreSQL frees the
        rows at its next VACUUM (autovacuum; run ``VACUUM`` to be sure)."""
        if self.dialect != "sqlite" or self._in_memory:
            return
        if self._checkpoint():
            return
        with self._purge_lock:
            if self._purge_thread is None or not self._purge_thread.is_alive():
                self._purge_thread = threading.Thread(
                    target=self._checkpoint_until_done, name="harvest-wal-purge", daemon=True
                )
                self._purge_thread.start()

    def _checkpoint(self) -> bool:
        """One try at folding and emptying the log, waiting at most a moment for readers."""
        try:
            raw = self._engine.raw_connection()
        except _CONNECTION_ERRORS:
            return False
        try:
            cursor = raw.cursor()
            cursor.execute(f"PRAGMA busy_timeout={int(WAL_PURGE_WAIT_S * 1000)}")
            try:
                busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                cursor.execute(f"PRAGMA busy_timeout={int(_sqlite_busy_timeout() * 1000)}")
                cursor.close()
            return int(busy) == 0
        except sqlite3.Error:
            return False
        finally:
            raw.close()

    def _checkpoint_until_done(self) -> None:
        deadline = time.monotonic() + WAL_PURGE_GIVE_UP_S
        while not self._closed.wait(WAL_PURGE_RETRY_S):
            if self._checkpoint() or time.monotonic() > deadline:
                return

    # --- sentence vectors (filled off the request path by harvest.vectors) ----------
    # A deleted statement's or workshop's vectors go with it (foreign keys cascade).

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
        now = _now()
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
                self._bump(conn, workshop_id)
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

    # --- curation actions -------------------------------------------------------------

    def record_action(
        self, workshop_id: int, kind: str, payload: dict[str, Any], *, actor: str = "moderator"
    ) -> int:
        """Record a moderator decision (payload must be JSON-serialisable); return its id."""
        if not kind or len(kind) > 40:
            raise ValueError(f"action kind must be 1 to 40 characters, not {kind!r}")
        encoded = _to_json(payload)
        with self._write() as conn:
            self._bump(conn, workshop_id)
            return int(
                conn.execute(
                    actions_t.insert()
                    .values(
                        workshop_id=workshop_id,
                        kind=kind,
                        payload=encoded,
                        actor=actor[:80],
                        created_at=_now(),
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
            return [_action(row) for row in conn.execute(query.order_by(actions_t.c.id))]

    def _set_undone(self, conn: Connection, action_id: int, undone: bool) -> Action:
        row = conn.execute(sa.select(actions_t).where(actions_t.c.id == action_id)).one_or_none()
        if row is None:
            raise ActionNotFound(f"No action with id {action_id}.")
        if bool(row.undone) == undone:
            return _action(row)
        self._bump(conn, row.workshop_id)
        conn.execute(
            sa.update(actions_t)
            .where(actions_t.c.id == action_id)
            .values(undone=undone, undone_at=_now() if undone else None)
        )
        return _action(conn.execute(sa.select(actions_t).where(actions_t.c.id == action_id)).one())

    def undo_action(self, action_id: int) -> Action:
        """Mark an action undone (no change if it already is)."""
        with self._write() as conn:
            return self._set_undone(conn, action_id, True)

    def redo_action(self, action_id: int) -> Action:
        """Make an undone action count again (no change if it already does)."""
        with self._write() as conn:
            return self._set_undone(conn, action_id, False)

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
            return self._set_undone(conn, action_id, True)

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
            return self._set_undone(conn, row.id, False)

    # --- links ------------------------------------------------------------------------

    def save_link(
        self, workshop_id: int, role: str, token_hash: str, *, table_id: int | None = None
    ) -> Link:
        """Store an access link's token hash (unique). Links do not bump the revision:
        they change who may see the board, not what it shows."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        with self._write() as conn:
            self._get_workshop(conn, workshop_id)
            if table_id is not None:
                self._table_id(conn, workshop_id, table_id, create=False)
            if conn.execute(
                sa.select(links_t.c.id).where(links_t.c.token_hash == token_hash)
            ).first():
                raise LinkExists("A link with this token is already stored.")
            link_id = conn.execute(
                links_t.insert()
                .values(
                    workshop_id=workshop_id,
                    role=role,
                    table_id=table_id,
                    token_hash=token_hash,
                    created_at=_now(),
                    revoked=False,
                )
                .returning(links_t.c.id)
            ).scalar_one()
            return _link(conn.execute(sa.select(links_t).where(links_t.c.id == link_id)).one())

    def find_link(self, token_hash: str) -> Link | None:
        """The link with this token hash, revoked or not (check ``revoked``), or None."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(links_t).where(links_t.c.token_hash == token_hash)
            ).one_or_none()
            return None if row is None else _link(row)

    def revoke_links(self, workshop_id: int, role: str | None = None) -> int:
        """Revoke the workshop's links (of one role, or all); return how many."""
        query = sa.update(links_t).where(
            links_t.c.workshop_id == workshop_id, links_t.c.revoked == sa.false()
        )
        if role is not None:
            query = query.where(links_t.c.role == role)
        with self._write() as conn:
            return int(conn.execute(query.values(revoked=True)).rowcount)

    def links(self, workshop_id: int) -> list[Link]:
        """The workshop's links, revoked ones too, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(links_t)
                .where(links_t.c.workshop_id == workshop_id)
                .order_by(links_t.c.id)
            )
            return [_link(row) for row in rows]

    # --- meta -------------------------------------------------------------------------

    def set_meta(
        self, workshop_id: int, key: str, value: object, *, bump_revision: bool = False
    ) -> None:
        """Store a small JSON value under ``key`` for the workshop.

        By default this does not bump the revision: layout positions are written often
        and do not change what the board shows. Pass ``bump_revision=True`` for values
        the board's content depends on (e.g. guided-mode categories).
        """
        encoded = _to_json(value)
        with self._write() as conn:
            if bump_revision:
                self._bump(conn, workshop_id)
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
                sa.update(meta_t).where(*where).values(value=encoded, updated_at=_now())
            ).rowcount
            if not updated:
                conn.execute(
                    meta_t.insert().values(
                        workshop_id=workshop_id, key=key, value=encoded, updated_at=_now()
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
# --- erasing words -------------------------------------------------------------------

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


def _create_engine(url: str) -> Engine:
    """An engine set up for Harvest's transactions on SQLite or PostgreSQL."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(parsed)
    engine = sa.create_engine(
        parsed,
        pool_size=5,
        max_overflow=10,
        pool_recycle=1800,
        pool_timeout=PG_STALL_S,
        connect_args={
            "connect_timeout": PG_CONNECT_TIMEOUT_S,
            # the server gives up on slow statements and on waiting for locks with an
            # error, and drops a session left open in a transaction
            "options": (
                f"-c statement_timeout={int(PG_STATEMENT_TIMEOUT_S * 1000)} "
                f"-c lock_timeout={int(PG_LOCK_TIMEOUT_S * 1000)} "
                "-c idle_in_transaction_session_timeout=60000"
            ),
            # a network that drops packets: the kernel gives up on unanswered data
            "tcp_user_timeout": int(PG_STALL_S * 1000),
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 2,
            "keepalives_count": 3,
        },
    )

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # SQLAlchemy's pre-ping, with a deadline: a restarted server must not cost the
        # next user an error, and a stalled one must not cost them a minute.
        _WATCHDOG.arm(dbapi_connection, PG_PING_S)
        autocommit = dbapi_connection.autocommit
        try:
            dbapi_connection.autocommit = True  # the ping must not open a transaction
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.autocommit = autocommit
        except Exception as exc:
            raise sa.exc.DisconnectionError(str(exc)) from exc
        finally:
            _WATCHDOG.disarm(dbapi_connection)

    @event.listens_for(engine, "before_cursor_execute")
    def _arm(conn: Connection, *_args: Any) -> None:
        _WATCHDOG.arm(conn.connection.dbapi_connection, PG_STALL_S)

    @event.listens_for(engine, "after_cursor_execute")
    def _disarm(conn: Connection, *_args: Any) -> None:
        _WATCHDOG.disarm(conn.connection.dbapi_connection)

    @event.listens_for(engine, "handle_error")
    def _disarm_failed(context: Any) -> None:
        dbapi_connection = getattr(context.connection, "connection", None)
        if dbapi_connection is not None:
            _WATCHDOG.disarm(dbapi_connection.dbapi_connection)

    return engine


class _Watchdog:
    """Cuts off PostgreSQL connections whose statement has waited past its deadline.

    One daemon thread for every store of the process. Cutting means shutting the socket
    down: libpq's blocked wait returns at once with "server closed the connection", the
    statement fails as ``DatabaseUnavailable`` and the pool drops the connection.
    """

    def __init__(self) -> None:
        self._deadlines: dict[int, tuple[float, int]] = {}
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, dbapi_connection: Any, seconds: float) -> None:
        try:
            fd = int(dbapi_connection.fileno())
        except Exception:  # noqa: BLE001 - closed already: nothing to guard
            return
        with self._wake:
            self._deadlines[id(dbapi_connection)] = (time.monotonic() + seconds, fd)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="harvest-pg-watchdog", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def disarm(self, dbapi_connection: Any) -> None:
        with self._wake:
            self._deadlines.pop(id(dbapi_connection), None)

    def _run(self) -> None:
        while True:
            with self._wake:
                now = time.monotonic()
                due = [key for key, (at, _) in self._deadlines.items() if at <= now]
                cut = [self._deadlines.pop(key)[1] for key in due]
                if not cut:
                    upcoming = min((at for at, _ in self._deadlines.values()), default=None)
                    self._wake.wait(None if upcoming is None else upcoming - now)
            for fd in cut:
                try:
                    with socket.socket(fileno=os.dup(fd)) as sock:
                        sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # closed meanwhile


_WATCHDOG = _Watchdog()


def _sqlite_busy_timeout() -> float:
    """Seconds a SQLite writer waits for a lock held by someone else."""
    return config.sqlite_busy_seconds(SQLITE_BUSY_TIMEOUT_S)


def _create_sqlite_engine(url: sa.URL) -> Engine:
    database = url.database or ""
    busy_timeout = _sqlite_busy_timeout()
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if in_memory:
        # One shared connection, or every pooled connection would see its own database.
        engine = sa.create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url,
            connect_args={"timeout": busy_timeout, "check_same_thread": False},
        )

    def _set_wal(cursor: Any) -> None:
        # Switching a brand-new file to WAL needs it to itself for a moment, and SQLite
        # answers "locked" at once, not through the busy timeout, when servers start
        # together: retry for up to the busy timeout.
        deadline = time.monotonic() + busy_timeout
        while True:
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite (SQLAlchemy's documented recipe), so
        # that writes can start with BEGIN IMMEDIATE in the "begin" hook below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            _set_wal(cursor)  # readers never block the writer
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA synchronous=FULL")  # acknowledged means on disk
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted personal data is overwritten
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A deferred transaction that later writes can fail at once with "database is
        # locked" (the busy handler cannot help it); IMMEDIATE queues writers instead.
        write = conn.get_execution_options().get("harvest_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _unavailable(exc: Exception) -> DatabaseUnavailable:
    """Wrap a driver-level failure in a message a person can act on."""
    original = getattr(exc, "orig", exc)
    reason = str(original).strip().splitlines()[0:1]
    detail = f" ({reason[0]})" if reason else ""
    if _is_disk_full(original):
        return StorageFull(
            "The database's disk is full; nothing was saved. Free some space on the server "
            f"(or ask whoever runs it), then send again.{detail}"
        )
    return DatabaseUnavailable(
        f"The database is not reachable right now; nothing was saved. Try again.{detail}"
    )


def _is_disk_full(exc: BaseException) -> bool:
    """SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100), or ENOSPC underneath."""
    if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
        return True
    if getattr(exc, "sqlstate", None) == "53100":
        return True
    return "disk is full" in str(exc) or "No space left on device" in str(exc)
