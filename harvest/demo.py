"""The demo workshop: a realistic German integration workshop, ready to open on the board.

The content lives in ``harvest/data/demo_workshop.json`` (written for the project):
``{"title", "date", "place", "language", "tables": [{"name", "topic", "facilitator"}],
"statements": [{"table", "kind", "text", "author"}]}``.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

from harvest.model import Workshop
from harvest.store import NewStatement, Store, slugify

__all__ = ["DEMO_SLUG", "InvalidDemoSpec", "create_demo", "load_demo_spec"]

DEMO_SLUG = "demo"


class InvalidDemoSpec(ValueError):
    """The demo workshop's description is missing a field or has one of the wrong type."""


def load_demo_spec() -> dict[str, Any]:
    """The demo workshop as described in ``harvest/data/demo_workshop.json``."""
    text = resources.files("harvest").joinpath("data/demo_workshop.json").read_text("utf-8")
    spec = json.loads(text)
    if not isinstance(spec, dict):
        raise InvalidDemoSpec("demo_workshop.json must hold one JSON object")
    return spec


def _check(spec: dict[str, Any]) -> None:
    """Fail early and clearly on a malformed spec, before anything is written."""
    if not isinstance(spec.get("title"), str) or not spec["title"].strip():
        raise InvalidDemoSpec("the demo needs a non-empty 'title'")
    for key in ("tables", "statements"):
        if not isinstance(spec.get(key, []), list):
            raise InvalidDemoSpec(f"'{key}' must be a list")
    for table in spec.get("tables", []):
        if not isinstance(table, dict) or not isinstance(table.get("name"), str):
            raise InvalidDemoSpec(f"every table needs a 'name': {table!r}")
    for statement in spec.get("statements", []):
        if not isinstance(statement, dict) or not isinstance(statement.get("text"), str):
            raise InvalidDemoSpec(f"every statement needs a 'text': {statement!r}")


def create_demo(
    store: Store, *, slug: str = DEMO_SLUG, spec: dict[str, Any] | None = None
) -> Workshop:
    """Create the demo workshop under ``slug``, or return the one already there unchanged.

    Tables keep their topic and facilitator; statements are added in the spec's order,
    as typed at the tables (origin ``"typed"``). ``spec`` defaults to ``load_demo_spec()``.
    """
    slug = slugify(slug)
    existing = _find_by_slug(store, slug)
    if existing is not None:
        return existing
    spec = load_demo_spec() if spec is None else spec
    _check(spec)
    tables = [
        (table["name"], table.get("topic") or "", table.get("facilitator"))
        for table in spec.get("tables", [])
    ]
    workshop = store.create_workshop(
        spec["title"],
        date=date.fromisoformat(spec["date"]) if spec.get("date") else None,
        place=spec.get("place") or "",
        language=spec.get("language") or "de",
        tables=tables,
        slug=slug,
    )
    if workshop.slug != slug:
        # Another process created the demo between our look and our write: keep theirs.
        store.delete_workshop(workshop.id)
        found = _find_by_slug(store, slug)
        assert found is not None
        return found
    items = [
        NewStatement(
            text=item["text"], table=item.get("table"), kind=item.get("kind"),
            author=item.get("author"),
        )
        for item in spec.get("statements", [])
    ]
    try:
        store.add_statements(workshop.id, items, origin="typed")
    except Exception:
        # A half-made demo would be returned unchanged forever after: remove it.
        store.delete_workshop(workshop.id)
        raise
    return store.get_workshop(workshop.id)


def _find_by_slug(store: Store, slug: str) -> Workshop | None:
    """The workshop with exactly this slug (``find_workshop`` also matches titles)."""
    workshop = store.find_workshop(slug)
    return workshop if workshop is not None and workshop.slug == slug else None
