"""The database schema and how it grew: numbered migrations, recorded in the database.

``MIGRATIONS`` is the list of ``(version, name, apply)`` steps; ``migrate`` applies the
missing ones in one transaction and records each in ``schema_migrations``. The tables
below describe the *latest* schema. A step may create a table from them only while no
later step alters that table; once one does, freeze the earlier step's shape in SQL.
To change the schema: append a step, never edit an applied one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

__all__ = ["LATEST_VERSION", "MIGRATIONS", "current_version", "metadata", "migrate"]


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every engine (SQLite stores it naive, as UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData()
# Foreign keys cascade as a safety net; the store also deletes children explicitly.

schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)

workshops = sa.Table(
    "workshops",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", sa.String(80), nullable=False, unique=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("date", sa.Date, nullable=True),
    sa.Column("place", sa.Text, nullable=False, server_default=""),
    sa.Column("language", sa.String(8), nullable=False, server_default="de"),
    sa.Column("max_chars", sa.Integer, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

workshop_tables = sa.Table(
    "workshop_tables",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("name_key", sa.String(200), nullable=False),  # casefolded: unique per workshop
    sa.Column("topic", sa.Text, nullable=False, server_default=""),
    sa.Column("facilitator", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("workshop_id", "name_key", name="uq_workshop_tables_name"),
)

statements = sa.Table(
    "statements",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    sa.Column("table_id", sa.ForeignKey("workshop_tables.id", ondelete="SET NULL"), nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("kind", sa.String(20), nullable=True),
    sa.Column("author", sa.Text, nullable=True),
    sa.Column("origin", sa.String(20), nullable=False, server_default="typed"),
    sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("submission_id", sa.String(200), nullable=True),
    sa.Column("revision", sa.BigInteger, nullable=False),  # workshop revision of last change
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # NULLs never collide, so only statements that carry a submission id are deduplicated.
    sa.UniqueConstraint("workshop_id", "submission_id", name="uq_statements_submission"),
    sa.Index("ix_statements_workshop_revision", "workshop_id", "revision"),
    sa.Index("ix_statements_table", "table_id"),
)

statement_versions = sa.Table(
    "statement_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("statement_id", sa.ForeignKey("statements.id", ondelete="CASCADE"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("written_at", UTCDateTime, nullable=False),  # when this text was written
    sa.Column("replaced_at", UTCDateTime, nullable=False),  # when an edit replaced it
    sa.Index("ix_statement_versions_statement", "statement_id"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    sa.Column("statement_id", sa.ForeignKey("statements.id", ondelete="CASCADE"), nullable=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default="{}"),  # JSON
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_events_workshop", "workshop_id"),
    sa.Index("ix_events_statement", "statement_id"),
)

actions = sa.Table(
    "actions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # JSON
    sa.Column("actor", sa.String(80), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("undone", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("undone_at", UTCDateTime, nullable=True),
    sa.Index("ix_actions_workshop", "workshop_id"),
)

links = sa.Table(
    "links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("table_id", sa.ForeignKey("workshop_tables.id", ondelete="CASCADE"), nullable=True),
    sa.Column("token_hash", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_links_workshop", "workshop_id"),
)

meta = sa.Table(
    "workshop_meta",
    metadata,
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),  # JSON
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# One row per statement: the vector of its current text (embedded off the request path).
# Keyed by statement, not by text alone, so it lives and dies with the statement (a
# delete for good, a deleted workshop or an edit removes it in the same transaction,
# and no counting of who else uses a text is needed for erasure); ``text_key`` and
# ``model`` let a text embedded once be copied to a statement with the same text
# instead of embedded again. ``vector`` is NULL for a text the encoder cannot read (so
# it is not tried again); otherwise float32 bytes, little-endian.
vectors = sa.Table(
    "statement_vectors",
    metadata,
    sa.Column(
        "statement_id",
        sa.ForeignKey("statements.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    sa.Column("model", sa.String(80), nullable=False),
    sa.Column("text_key", sa.String(64), nullable=False),
    sa.Column("vector", sa.LargeBinary, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_statement_vectors_workshop", "workshop_id", "model"),
    sa.Index("ix_statement_vectors_key", "model", "text_key"),
)

# A process groups workshops (regional conferences into one picture). Its own board lives
# in a workshop row of its own (``workshop_id``): title, slug, language, curation actions,
# saved board state and links are that row's, kept by the same store code as any
# workshop's; that row has no tables or statements and is not listed as a workshop.
processes = sa.Table(
    "processes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False,
        unique=True,
    ),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

process_workshops = sa.Table(
    "process_workshops",
    metadata,
    sa.Column("process_id", sa.ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("added_at", UTCDateTime, nullable=False),
    sa.Index("ix_process_workshops_workshop", "workshop_id"),
)


# Participation (issue 12): what participants' phones send. A submission waits in the
# moderation queue until the moderator approves it (it then becomes a statement through
# the same intake as a facilitator's), merges it into a statement or rejects it.
# ``session`` is a hash of a random id of one browser session of the participant link,
# never an identity; ``client_key`` is the phone's own id of one draft, so a double tap or
# a retry stores it once.
submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    sa.Column("session", sa.String(64), nullable=False),
    sa.Column("client_key", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("table_id", sa.ForeignKey("workshop_tables.id", ondelete="SET NULL"), nullable=True),
    sa.Column("status", sa.String(20), nullable=False, server_default="waiting"),
    sa.Column("statement_id", sa.ForeignKey("statements.id", ondelete="SET NULL"), nullable=True),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("workshop_id", "client_key", name="uq_submissions_client_key"),
    sa.Index("ix_submissions_workshop_status", "workshop_id", "status"),
    sa.Index("ix_submissions_session", "workshop_id", "session", "received_at"),
)

# A dot vote: its items (JSON list of {"key", "label"}, fixed when it opens), the dots
# each participant has and whether several may go on one item.
votes = sa.Table(
    "votes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    sa.Column("items", sa.Text, nullable=False),  # JSON
    sa.Column("dots", sa.Integer, nullable=False),
    sa.Column("stack", sa.Boolean, nullable=False),
    sa.Column("show_tallies", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("closed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Index("ix_votes_workshop", "workshop_id"),
)

# One ballot per browser session and vote: its dots as JSON {item key: dots}; cast again
# while the vote is open, it is replaced (still one ballot).
ballots = sa.Table(
    "ballots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    sa.Column("vote_id", sa.ForeignKey("votes.id", ondelete="CASCADE"), nullable=False),
    sa.Column("session", sa.String(64), nullable=False),
    sa.Column("table_id", sa.ForeignKey("workshop_tables.id", ondelete="SET NULL"), nullable=True),
    sa.Column("dots", sa.Text, nullable=False),  # JSON
    sa.Column("cast_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("vote_id", "session", name="uq_ballots_session"),
    sa.Index("ix_ballots_workshop", "workshop_id"),
)


def _create(*tables: sa.Table) -> Callable[[Connection], None]:
    """A migration step that creates ``tables`` (with their indexes)."""

    def apply(conn: Connection) -> None:
        for table in tables:
            table.create(conn)

    return apply


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (
        1,
        "workshops, tables, statements with versions and events",
        _create(workshops, workshop_tables, statements, statement_versions, events),
    ),
    (2, "curation actions, access links, workshop meta", _create(actions, links, meta)),
    (3, "sentence vectors of statements, by text key and model", _create(vectors)),
    (
        4,
        "participation: moderation queue, dot votes, ballots",
        _create(submissions, votes, ballots),
    ),
    (5, "processes: groups of workshops with a board of their own",
     _create(processes, process_workshops)),
]
LATEST_VERSION = MIGRATIONS[-1][0]

# Any constant: held for the migration transaction, so that app servers starting at the
# same time on one PostgreSQL database do not both create the schema.
_PG_MIGRATION_LOCK = 0x4861727665


def current_version(conn: Connection) -> int:
    """The schema version recorded in the database (0 for an empty database)."""
    if not sa.inspect(conn).has_table(schema_migrations.name):
        return 0
    version = conn.execute(sa.select(sa.func.max(schema_migrations.c.version))).scalar()
    return int(version or 0)


def migrate(conn: Connection, target: int | None = None) -> list[int]:
    """Apply the missing migrations up to ``target`` (default: latest) inside ``conn``'s
    transaction; return the versions applied. The caller commits."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_MIGRATION_LOCK)))
    schema_migrations.create(conn, checkfirst=True)
    current = current_version(conn)
    applied = []
    for version, name, apply in MIGRATIONS:
        if version <= current or (target is not None and version > target):
            continue
        apply(conn)
        conn.execute(
            schema_migrations.insert().values(
                version=version, name=name, applied_at=datetime.now(UTC)
            )
        )
        applied.append(version)
    return applied
