"""Backup and restore: one or all workshops as a portable, gzip-compressed JSON archive.

A backup holds everything a workshop holds (the workshop row, its tables, statements with
their hidden flag, origin and times, earlier texts, events, curation actions, access
links as token hashes only, meta such as the saved board state, and the participants'
moderation queue, votes and ballots; for a process's own workshop row, the process with
its members by slug), read inside one snapshot transaction, so it is consistent while
the app keeps writing. The archive names no engine: a backup from SQLite restores into
PostgreSQL and back, which makes it the way to move a workshop from the embedded SQLite
file to a shared PostgreSQL server.

Restoring keeps every id that is free in the target database; where one is taken, the
table's rows get new ids and every reference to them is rewritten (statement ids in
actions' payloads and in the board state, ``user-N`` theme ids of split actions, table
ids in links and events, statement ids in submissions and in votes' and ballots' item
keys; across all workshops of one restore, so a process's curation still names its
members' statements), so the restored workshop is the same workshop. Processes are
restored after every workshop, and join the members they name that are in the database.

>>> from harvest.store import Store
>>> source, target = Store("sqlite://"), Store("sqlite://")
>>> w = source.create_workshop("Werkstatt", tables=["Sprache"])
>>> _ = source.add_statement(w.id, "Mehr Sprachkurse am Abend", table="Sprache")
>>> [r.slug for r in restore_backup(target, create_backup(source, "werkstatt"))]
['werkstatt']
>>> [s.text for s in target.statements(target.get_workshop("werkstatt").id)]
['Mehr Sprachkurse am Abend']
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import gzip
import json
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from harvest import __version__
from harvest.engine.curation import split_action_id, split_theme_id
from harvest.engine.embedding import text_key
from harvest.store import Store, WorkshopNotFound
from harvest.store import migrations as schema
from harvest.store.database import revision_changed
from harvest.store.erasure import delete_workshop_rows
from harvest.store.meta import BOARD_STATE_KEY
from harvest.store.workshops import current_revision

__all__ = [
    "ARCHIVE_FORMAT",
    "ARCHIVE_VERSION",
    "BackupError",
    "RestoredWorkshop",
    "WorkshopExists",
    "create_backup",
    "read_backup",
    "restore_backup",
]

ARCHIVE_FORMAT = "harvest-backup"
ARCHIVE_VERSION = 2
"""2: a process's own workshop carries the process (``"process"``: id, time, members)."""

# The tables of one workshop, in the order a restore inserts them (parents first).
_PARTS: tuple[tuple[str, sa.Table], ...] = (
    ("tables", schema.workshop_tables),
    ("statements", schema.statements),
    ("statement_versions", schema.statement_versions),
    ("events", schema.events),
    ("actions", schema.actions),
    ("links", schema.links),
    ("meta", schema.meta),
    ("submissions", schema.submissions),
    ("votes", schema.votes),
    ("ballots", schema.ballots),
)
_CHUNK = 500  # ids per IN (...) query: far below SQLite's and psycopg's parameter limits


class BackupError(ValueError):
    """A file is not a Harvest backup, or this backup cannot be restored here."""


class WorkshopExists(BackupError):
    """A workshop with the backup's slug exists already (restore with replace to overwrite)."""


@dataclass(frozen=True)
class RestoredWorkshop:
    """What a restore did for one workshop."""

    slug: str
    workshop_id: int
    statements: int
    revision: int
    replaced: bool
    remapped: tuple[str, ...]
    """The tables whose rows got new ids because their ids were taken."""
    missing_members: tuple[str, ...] = ()
    """A process's members (slugs) that are neither in the backup nor in this database."""


# --- values <-> JSON ------------------------------------------------------------------


def _encode(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(column.type, sa.Boolean):
        return bool(value)
    return value


def _decode(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, schema.UTCDateTime):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(kind, sa.Date):
        return date.fromisoformat(value)
    if isinstance(kind, sa.Boolean):
        return bool(value)
    if isinstance(kind, sa.Integer):
        return int(value)
    return value


def _rows(conn: Connection, query: sa.Select[Any], table: sa.Table) -> list[dict[str, Any]]:
    return [
        {column.name: _encode(column, row[column.name]) for column in table.columns}
        for row in conn.execute(query).mappings()
    ]


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


# --- backup ---------------------------------------------------------------------------


def _workshop_part(conn: Connection, workshop_row: sa.RowMapping) -> dict[str, Any]:
    """Everything one workshop holds, as JSON-ready rows."""
    workshop_id = workshop_row["id"]
    part: dict[str, Any] = {
        "workshop": {
            column.name: _encode(column, workshop_row[column.name])
            for column in schema.workshops.columns
        }
    }
    for name, table in _PARTS:
        if name == "statement_versions":
            own = sa.select(schema.statements.c.id).where(
                schema.statements.c.workshop_id == workshop_id
            )
            query = sa.select(table).where(table.c.statement_id.in_(own))
        else:
            query = sa.select(table).where(table.c.workshop_id == workshop_id)
        order = table.c.key if name == "meta" else table.c.id
        part[name] = _rows(conn, query.order_by(order), table)
    part["vectors"] = _vector_rows(conn, workshop_id)
    process = _process_part(conn, workshop_id)
    if process is not None:
        part["process"] = process
    return part


def _process_part(conn: Connection, workshop_id: int) -> dict[str, Any] | None:
    """The process whose own board this workshop row is (None for a plain workshop), its
    members named by slug: a restore finds them by slug, whatever ids they get."""
    processes, members, workshops = schema.processes, schema.process_workshops, schema.workshops
    row = conn.execute(
        sa.select(processes).where(processes.c.workshop_id == workshop_id)
    ).mappings().first()
    if row is None:
        return None
    query = (
        sa.select(workshops.c.slug, members.c.added_at)
        .select_from(members.join(workshops, workshops.c.id == members.c.workshop_id))
        .where(members.c.process_id == row["id"])
        .order_by(members.c.added_at, members.c.workshop_id)
    )
    return {
        "id": row["id"],
        "created_at": _encode(processes.c.created_at, row["created_at"]),
        "members": [
            {"slug": slug, "added_at": _encode(members.c.added_at, added_at)}
            for slug, added_at in conn.execute(query)
        ],
    }


def _vector_rows(conn: Connection, workshop_id: int) -> list[dict[str, Any]]:
    """The statements' sentence vectors (base64 float32 bytes): carried rather than
    rebuilt, so a restored board is the semantic one at once."""
    vectors = schema.vectors
    query = (
        sa.select(vectors.c.statement_id, vectors.c.model, vectors.c.text_key, vectors.c.vector)
        .where(vectors.c.workshop_id == workshop_id)
        .order_by(vectors.c.statement_id)
    )
    return [
        {
            "statement_id": row.statement_id,
            "model": row.model,
            "text_key": row.text_key,
            "vector": None if row.vector is None else base64.b64encode(row.vector).decode(),
        }
        for row in conn.execute(query)
    ]


def create_backup(store: Store, workshop: int | str | None = None) -> bytes:
    """A gzip-compressed JSON archive of one workshop (id, slug or title) or, with
    ``workshop=None``, of all of them; read in one snapshot, so it is consistent while
    the app writes. Raises ``WorkshopNotFound`` for an unknown workshop."""
    workshop_id = None if workshop is None else store.get_workshop(workshop).id
    with store.snapshot() as conn:
        query = sa.select(schema.workshops).order_by(schema.workshops.c.id)
        if workshop_id is not None:
            query = query.where(schema.workshops.c.id == workshop_id)
        workshop_rows = list(conn.execute(query).mappings())
        if workshop_id is not None and not workshop_rows:
            raise WorkshopNotFound(f"Workshop {workshop!r} was deleted before the backup began.")
        parts = [_workshop_part(conn, row) for row in workshop_rows]
        schema_version = schema.current_version(conn)
    archive = {
        "format": ARCHIVE_FORMAT,
        "version": ARCHIVE_VERSION,
        "schema_version": schema_version,
        "harvest": __version__,
        "created_at": datetime.now(UTC).isoformat(),
        "source_engine": store.dialect,
        "workshops": parts,
    }
    encoded = json.dumps(archive, ensure_ascii=False, separators=(",", ":"))
    return gzip.compress(encoded.encode("utf-8"), compresslevel=6)


# --- reading an archive ---------------------------------------------------------------


def read_backup(data: bytes) -> dict[str, Any]:
    """The archive in ``data``, checked; raises ``BackupError`` with a clear reason for a
    file that is not a Harvest backup, is damaged, or was made by a newer Harvest."""
    if data[:2] != b"\x1f\x8b":
        raise BackupError("not a Harvest backup: not a gzip file") from None
    try:
        raw = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise BackupError(f"not a Harvest backup: not a gzip file ({exc})") from None
    try:
        archive = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"not a Harvest backup: damaged JSON ({exc})") from None
    if not isinstance(archive, dict) or archive.get("format") != ARCHIVE_FORMAT:
        raise BackupError("not a Harvest backup: the archive does not say it is one")
    version = archive.get("version")
    if not isinstance(version, int) or version > ARCHIVE_VERSION:
        raise BackupError(
            f"this backup has format version {version!r}; this Harvest reads up to "
            f"{ARCHIVE_VERSION}: restore it with a newer Harvest"
        )
    schema_version = archive.get("schema_version")
    if not isinstance(schema_version, int) or schema_version > schema.LATEST_VERSION:
        raise BackupError(
            f"this backup comes from database schema {schema_version!r}; this Harvest knows "
            f"up to {schema.LATEST_VERSION}: restore it with a newer Harvest"
        )
    workshops = archive.get("workshops")
    if not isinstance(workshops, list):
        raise BackupError("damaged Harvest backup: no list of workshops")
    for number, part in enumerate(workshops, start=1):
        if not isinstance(part, dict) or not isinstance(part.get("workshop"), dict):
            raise BackupError(f"damaged Harvest backup: workshop {number} has no workshop row")
        for key in ("id", "slug", "title", "revision", "created_at", "max_chars"):
            if key not in part["workshop"]:
                raise BackupError(f"damaged Harvest backup: workshop {number} has no {key!r}")
        for name in (*(name for name, _ in _PARTS), "vectors"):
            rows = part.get(name, [])
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise BackupError(
                    f"damaged Harvest backup: {name!r} of workshop {number} is not a list of rows"
                )
        process = part.get("process")
        if process is not None and not (
            isinstance(process, dict)
            and {"id", "created_at"} <= set(process)
            and isinstance(process.get("members", []), list)
            and all(isinstance(m, dict) and "slug" in m for m in process.get("members", []))
        ):
            raise BackupError(f"damaged Harvest backup: the process of workshop {number}")
    return archive


# --- restore --------------------------------------------------------------------------


def _taken(conn: Connection, table: sa.Table, ids: Sequence[int]) -> bool:
    """True if any of ``ids`` is already used in ``table``."""
    for chunk in _chunks(ids):
        if conn.execute(sa.select(table.c.id).where(table.c.id.in_(chunk)).limit(1)).first():
            return True
    return False


def _insert(
    conn: Connection, table: sa.Table, rows: list[dict[str, Any]], *, keep_ids: bool
) -> dict[int, int]:
    """Insert ``rows`` (with their ids if ``keep_ids``); return old id -> new id."""
    if not rows:
        return {}
    old_ids = [row["id"] for row in rows]
    if keep_ids:
        conn.execute(table.insert(), rows)
        return {old: old for old in old_ids}
    fresh = [{k: v for k, v in row.items() if k != "id"} for row in rows]
    result = conn.execute(
        table.insert().returning(table.c.id, sort_by_parameter_order=True), fresh
    )
    return dict(zip(old_ids, (int(i) for i in result.scalars()), strict=True))


def _advance_sequence(conn: Connection, table: sa.Table) -> None:
    """PostgreSQL: move the id sequence past ids inserted explicitly (SQLite needs not)."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
            )
        )


def _decoded(table: sa.Table, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row of the archive as values for ``table`` (unknown keys dropped: a backup of an
    older schema may lack columns that have server defaults)."""
    try:
        return {
            column.name: _decode(column, row[column.name])
            for column in table.columns
            if column.name in row
        }
    except (TypeError, ValueError) as exc:
        raise BackupError(f"damaged Harvest backup: a row of {table.name} ({exc})") from None


class _Remap:
    """Old id -> new id per table, and the rewriting of references to them. One for a
    whole restore: ids are unique across a source database, and a process's curation
    names its members' statements."""

    def __init__(self) -> None:
        self.ids: dict[str, dict[int, int]] = {}

    def add(self, table: str, ids: dict[int, int]) -> dict[int, int]:
        self.ids.setdefault(table, {}).update(ids)
        return ids

    def moved(self, table: str) -> bool:
        """Did any row of ``table`` restored so far get a new id?"""
        return any(old != new for old, new in self.ids.get(table, {}).items())

    def id(self, table: str, old: Any) -> Any:
        if not isinstance(old, int) or isinstance(old, bool):
            return old
        return self.ids.get(table, {}).get(old, old)

    def theme(self, theme_id: Any) -> Any:
        """A theme id; split themes are named after their action (``user-<action id>``)."""
        action_id = split_action_id(theme_id) if isinstance(theme_id, str) else None
        return theme_id if action_id is None else split_theme_id(self.id("actions", action_id))

    def node(self, node: str) -> str:
        """A concept-map node id (``theme:<id>``, ``demand:<statement id>``, ``kw:...``)."""
        prefix, _, rest = node.partition(":")
        if prefix == "theme":
            return f"theme:{self.theme(rest)}"
        if prefix == "demand" and rest.isdigit():
            return f"demand:{self.id('statements', int(rest))}"
        return node

    def vote_item(self, key: str) -> str:
        """A vote item key (``s:<statement id>`` or ``t:<theme id>``)."""
        prefix, _, rest = key.partition(":")
        if prefix == "s" and rest.isdigit():
            return f"s:{self.id('statements', int(rest))}"
        return f"t:{self.theme(rest)}" if prefix == "t" else key

    def vote_items(self, value: Any) -> Any:
        """A vote's items (list of {"key", "label"}) or a ballot's dots ({key: dots})."""
        if isinstance(value, list):
            return [
                {**item, "key": self.vote_item(str(item.get("key", "")))}
                if isinstance(item, dict) else item
                for item in value
            ]
        if isinstance(value, dict):
            return {self.vote_item(str(key)): dots for key, dots in value.items()}
        return value

    def payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        """An action's payload with statement and split-theme ids rewritten."""
        out = dict(payload)
        if "statement_id" in out:
            out["statement_id"] = self.id("statements", out["statement_id"])
        if isinstance(out.get("statement_ids"), list):
            out["statement_ids"] = [self.id("statements", i) for i in out["statement_ids"]]
        for key in ("theme_id", "source", "target"):
            if key in out:
                out[key] = self.theme(out[key])
        return out

    def _theme_data(self, theme: Any) -> Any:
        if not isinstance(theme, dict):
            return theme
        theme = dict(theme)
        theme["id"] = self.theme(theme.get("id"))
        if isinstance(theme.get("statement_ids"), list):
            theme["statement_ids"] = [self.id("statements", i) for i in theme["statement_ids"]]
        return theme

    def board_state(self, state: Any) -> Any:
        """The saved board state with its theme, statement and node ids rewritten."""
        if not isinstance(state, dict):
            return state
        out = dict(state)
        for key in ("themes", "engine_themes"):
            if isinstance(out.get(key), list):
                out[key] = [self._theme_data(theme) for theme in out[key]]
        if isinstance(out.get("positions"), dict):
            out["positions"] = {self.node(str(k)): v for k, v in out["positions"].items()}
        if isinstance(out.get("colors"), dict):
            out["colors"] = {self.theme(k): v for k, v in out["colors"].items()}
        return out


def _rewrite_json(
    conn: Connection,
    table: sa.Table,
    column: str,
    ids: Iterable[int],
    rewrite: Callable[[Any], Any],
) -> None:
    """Rewrite a JSON text column of the rows ``ids`` with ``rewrite``."""
    for chunk in _chunks(list(ids)):
        rows = conn.execute(
            sa.select(table.c.id, table.c[column]).where(table.c.id.in_(chunk))
        ).all()
        for row_id, text in rows:
            try:
                value = json.loads(text)
            except (TypeError, json.JSONDecodeError):
                continue
            new = rewrite(value)
            if new != value:
                conn.execute(
                    sa.update(table)
                    .where(table.c.id == row_id)
                    .values({column: json.dumps(new, ensure_ascii=False, sort_keys=True)})
                )


def _restore_one(
    conn: Connection, part: dict[str, Any], remap: _Remap, *, replace: bool
) -> RestoredWorkshop:
    workshops = schema.workshops
    row = _decoded(workshops, part["workshop"])
    slug = str(row["slug"])
    existing = conn.execute(
        sa.select(workshops.c.id, workshops.c.revision).where(workshops.c.slug == slug)
    ).first()
    if existing is not None and not replace:
        raise WorkshopExists(
            f"a workshop {slug!r} exists already; restore with --replace to overwrite it "
            "(its current content is then lost)"
        )
    old_revision = 0
    if existing is not None:
        old_revision = current_revision(conn, existing.id) or 0
        delete_workshop_rows(conn, existing.id)
    # Never go back in revision: boards cache by (workshop, revision) and must see this.
    row["revision"] = max(int(row["revision"]), old_revision + 1 if existing else 0)
    revision_changed(conn)
    remapped: list[str] = []
    keep = not _taken(conn, workshops, [row["id"]])
    new_workshop_id = remap.add("workshops", _insert(conn, workshops, [row], keep_ids=keep))[
        row["id"]
    ]
    if keep:
        _advance_sequence(conn, workshops)
    else:
        remapped.append("workshops")
    own_actions: dict[int, int] = {}

    for name, table in _PARTS:
        rows = [_decoded(table, r) for r in part.get(name, [])]
        for r in rows:
            if "workshop_id" in r:
                r["workshop_id"] = new_workshop_id
            if "table_id" in r:
                r["table_id"] = remap.id("tables", r["table_id"])
            if name in ("statement_versions", "events", "submissions") and "statement_id" in r:
                r["statement_id"] = remap.id("statements", r["statement_id"])
            if name == "ballots":
                r["vote_id"] = remap.id("votes", r["vote_id"])
            if name in ("votes", "ballots"):
                column = "items" if name == "votes" else "dots"
                r[column] = _json_map(r[column], remap.vote_items)
            if name == "events" and isinstance(r.get("detail"), str):
                r["detail"] = _event_detail(r["detail"], remap)
        if name == "meta":
            for r in rows:
                if r.get("key") == BOARD_STATE_KEY:
                    r["value"] = _json_map(r["value"], remap.board_state)
            if rows:
                conn.execute(table.insert(), rows)
            continue
        if name == "links" and rows:
            clash = conn.execute(
                sa.select(table.c.token_hash).where(
                    table.c.token_hash.in_([r["token_hash"] for r in rows])
                )
            ).first()
            if clash is not None:
                raise BackupError(
                    f"a link of workshop {slug!r} is already used by another workshop here; "
                    "was this backup restored under another name?"
                )
        keep = not _taken(conn, table, [r["id"] for r in rows])
        inserted = remap.add(name, _insert(conn, table, rows, keep_ids=keep))
        if name == "actions":
            own_actions = inserted
        if keep:
            _advance_sequence(conn, table)
        elif rows:
            remapped.append(name)

    _restore_vectors(conn, part, remap, new_workshop_id)
    if "actions" in remapped or remap.moved("statements"):
        _rewrite_json(conn, schema.actions, "payload", own_actions.values(), remap.payload)
    if {"workshops", "tables"} & set(remapped):
        # Link tokens are derived from the workshop and table ids (harvest.access): the
        # stored ones no longer match what `harvest links` would derive, so revoke them
        # and let the next `harvest links` issue fresh ones.
        conn.execute(
            sa.update(schema.links)
            .where(schema.links.c.workshop_id == new_workshop_id)
            .values(revoked=True)
        )
    return RestoredWorkshop(
        slug=slug,
        workshop_id=new_workshop_id,
        statements=len(part.get("statements", [])),
        revision=int(row["revision"]),
        replaced=existing is not None,
        remapped=tuple(remapped),
    )


def _restore_vectors(
    conn: Connection, part: dict[str, Any], remap: _Remap, workshop_id: int
) -> None:
    """Insert the archive's vectors for the restored statements. A vector whose key does
    not match its statement's text (a hand-edited archive) is left out: the next
    ``embed_pending`` embeds that text. Archives from before vectors have none."""
    texts = {r.get("id"): r.get("text") for r in part.get("statements", [])}
    now = datetime.now(UTC)
    rows = []
    for r in part.get("vectors", []):
        text = texts.get(r.get("statement_id"))
        if not isinstance(text, str) or r.get("text_key") != text_key(text):
            continue
        try:
            blob = None if r.get("vector") is None else base64.b64decode(r["vector"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise BackupError("damaged Harvest backup: a vector is not base64") from None
        rows.append(
            {
                "statement_id": remap.id("statements", r["statement_id"]),
                "workshop_id": workshop_id,
                "model": str(r.get("model", "")),
                "text_key": r["text_key"],
                "vector": blob,
                "created_at": now,
            }
        )
    if rows:
        conn.execute(schema.vectors.insert(), rows)


def _restore_process(
    conn: Connection, process: dict[str, Any], restored: RestoredWorkshop
) -> RestoredWorkshop:
    """Make the restored workshop row a process's own board again, with the archive's
    members that are in this database (restored now or there already)."""
    processes, members, workshops = schema.processes, schema.process_workshops, schema.workshops
    row = _decoded(processes, {**process, "workshop_id": restored.workshop_id})
    keep = not _taken(conn, processes, [row["id"]])
    process_id = _insert(conn, processes, [row], keep_ids=keep)[row["id"]]
    if keep:
        _advance_sequence(conn, processes)
    missing = []
    plain = sa.select(processes.c.workshop_id)
    for member in process.get("members", []):
        slug = str(member["slug"])
        found = conn.execute(
            sa.select(workshops.c.id).where(workshops.c.slug == slug, workshops.c.id.not_in(plain))
        ).scalar_one_or_none()
        if found is None:
            missing.append(slug)
            continue
        added = _decoded(members, {"added_at": member.get("added_at")})
        conn.execute(
            members.insert().values(process_id=process_id, workshop_id=found, **added)
        )
    return dataclasses.replace(restored, missing_members=tuple(missing))


def _json_map(text: str, rewrite: Callable[[Any], Any]) -> str:
    try:
        value = json.loads(text)
    except (TypeError, json.JSONDecodeError):
        return text
    return json.dumps(rewrite(value), ensure_ascii=False, sort_keys=True)


def _event_detail(text: str, remap: _Remap) -> str:
    def rewrite(detail: Any) -> Any:
        if isinstance(detail, dict) and "table_id" in detail:
            return {**detail, "table_id": remap.id("tables", detail["table_id"])}
        return detail

    return _json_map(text, rewrite)


def restore_backup(
    store: Store, data: bytes, *, replace: bool = False, only: str | None = None
) -> list[RestoredWorkshop]:
    """Restore the workshops of a backup into ``store`` (any engine), all in one
    transaction: either every workshop is restored or nothing changes.

    A workshop whose slug exists already raises ``WorkshopExists`` unless ``replace``,
    which deletes the existing one first. ``only`` restores just the workshop with that
    slug. Raises ``BackupError`` for a file that is not a usable backup.
    """
    archive = read_backup(data)
    parts = archive["workshops"]
    if only is not None:
        parts = [p for p in parts if p["workshop"].get("slug") == only]
        if not parts:
            slugs = ", ".join(str(p["workshop"].get("slug")) for p in archive["workshops"])
            raise BackupError(f"the backup has no workshop {only!r} (it has: {slugs or 'none'})")
    try:
        with store.transaction() as conn:
            # processes last: they name their members by slug and their members'
            # statements by id, so those must be restored (and renumbered) first
            remap = _Remap()
            done: dict[int, RestoredWorkshop] = {}
            for index in sorted(range(len(parts)), key=lambda i: "process" in parts[i]):
                part = parts[index]
                done[index] = _restore_one(conn, part, remap, replace=replace)
                if "process" in part:
                    done[index] = _restore_process(conn, part["process"], done[index])
            return [done[index] for index in range(len(parts))]
    except sa.exc.IntegrityError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise BackupError(f"the backup does not fit this database: {reason}") from None
