"""Plain data that only the store knows, rows turned into model objects, and the input
rules for names and settings that every part of the store applies."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Row

from harvest.intake import accept_text
from harvest.model import LANGUAGES, Statement, Table, Workshop
from harvest.store import migrations as schema

__all__ = ["Action", "Link", "NewStatement", "slugify"]

TITLE_MAX_CHARS = 200
NAME_MAX_CHARS = 200
"""Longest table name, author or facilitator."""
SLUG_MAX_CHARS = 60


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


# The tables, by the names the store's queries use.
workshops_t = schema.workshops
tables_t = schema.workshop_tables
statements_t = schema.statements
versions_t = schema.statement_versions
events_t = schema.events
actions_t = schema.actions
links_t = schema.links
meta_t = schema.meta
vectors_t = schema.vectors
# Participation (participation_store.py writes them; the store erases them).
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


def utc_now() -> datetime:
    return datetime.now(UTC)


def clean_name(name: str, max_chars: int = NAME_MAX_CHARS) -> str:
    """A one-line name (table, title, author) by the input rules."""
    return accept_text(name, max_chars).replace("\n", " ")


def clean_optional(value: str | None, max_chars: int = NAME_MAX_CHARS) -> str | None:
    if value is None or not value.strip():
        return None
    return clean_name(value, max_chars)


def to_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return language


def check_max_chars(max_chars: int) -> int:
    if not isinstance(max_chars, int) or max_chars < 1:
        raise ValueError(f"max_chars must be a positive whole number, not {max_chars!r}")
    return max_chars


def workshop_of(row: Row[Any]) -> Workshop:
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


def table_of(row: Row[Any]) -> Table:
    return Table(
        id=row.id,
        workshop_id=row.workshop_id,
        name=row.name,
        topic=row.topic,
        facilitator=row.facilitator,
    )


def statement_of(row: Row[Any]) -> Statement:
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


def action_of(row: Row[Any]) -> Action:
    return Action(
        id=row.id,
        workshop_id=row.workshop_id,
        kind=row.kind,
        payload=json.loads(row.payload),
        created_at=row.created_at,
        undone=bool(row.undone),
        actor=row.actor,
    )


def link_of(row: Row[Any]) -> Link:
    return Link(
        id=row.id,
        workshop_id=row.workshop_id,
        role=row.role,
        table_id=row.table_id,
        created_at=row.created_at,
        revoked=bool(row.revoked),
        token_hash=row.token_hash,
    )

