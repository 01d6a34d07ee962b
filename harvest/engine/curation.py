"""The moderator's curation: recorded actions that become the engine's ``Overrides``.

Every decision (rename, merge, split, move, demand mark, stopword, synonym, pinned keyword,
guided categories) is stored as an action row; the engine receives all active actions as
``Overrides`` on every recompute, so no recompute can undo a decision, and undoing one is
just marking its row undone.

Action kinds and their payloads:

======================  =====================================================
``rename``              ``{"theme_id": str, "label": str}``
``merge``               ``{"source": str, "target": str}``
``split``               ``{"theme_id": str, "label": str, "statement_ids": [int]}``
``move``                ``{"statement_id": int, "theme_id": str}``
``demand``              ``{"statement_id": int, "value": bool}``
``stopword``            ``{"word": str}``
``synonym``             ``{"word": str, "canonical": str}``
``pin``                 ``{"keyword": str, "theme_id": str}``
``categories``          ``{"categories": [{"id", "name", "keywords": [str]}]}``
``pictogram``           ``{"theme_id": str, "code": str}`` (OpenMoji code, "" for none)
``hide``                ``{"statement_id": int, "hidden": bool}`` (applied to the store)
======================  =====================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from harvest.intake import InvalidInput, accept_text
from harvest.model import Category, Overrides, resolve_merges
from harvest.pictograms import is_known

ACTION_KINDS: tuple[str, ...] = (
    "rename", "merge", "split", "move", "demand", "stopword", "synonym", "pin", "categories",
    "hide", "pictogram",
)
MAX_LABEL_CHARS = 80
MAX_WORD_CHARS = 60


def categories_text(categories: Iterable[Category]) -> str:
    """Guided-mode categories as the moderator edits them: one line per category,
    ``Name: keyword, keyword``.

    >>> categories_text([Category("cat-1", "Sprache", ("kurs", "deutsch"))])
    'Sprache: kurs, deutsch'
    """
    return "\n".join(f"{c.name}: {', '.join(c.keywords)}" for c in categories)


def parse_categories(text: str) -> list[dict[str, Any]]:
    """The ``categories`` action's payload list from the moderator's lines (the inverse of
    ``categories_text``); blank lines are skipped, ids count the lines as typed.

    >>> for category in parse_categories("Sprache: kurs, deutsch\\n\\nWohnen"):
    ...     print(category)
    {'id': 'cat-1', 'name': 'Sprache', 'keywords': ['kurs', 'deutsch']}
    {'id': 'cat-3', 'name': 'Wohnen', 'keywords': []}
    """
    categories = []
    for index, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        name, _, words = line.partition(":")
        categories.append(
            {
                "id": f"cat-{index + 1}",
                "name": name.strip(),
                "keywords": [w.strip() for w in words.split(",") if w.strip()],
            }
        )
    return categories


class InvalidAction(ValueError):
    """A curation action is of an unknown kind or its payload is malformed."""


class ActionLike(Protocol):
    """What ``overrides_from_actions`` needs of a stored action."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def undone(self) -> bool: ...


def split_theme_id(action_id: int) -> str:
    """The id of the theme a split action creates (stable: derived from the action)."""
    return f"user-{action_id}"


_SPLIT_THEME = re.compile(r"user-(\d+)")


def split_action_id(theme_id: str) -> int | None:
    """The id of the split action a theme id names (``split_theme_id`` read back), or
    None for any other theme id.

    >>> split_action_id(split_theme_id(7)), split_action_id("t3")
    (7, None)
    """
    match = _SPLIT_THEME.fullmatch(theme_id)
    return None if match is None else int(match.group(1))


def _text(payload: Mapping[str, Any], key: str, limit: int) -> str:
    value = payload.get(key)
    if not isinstance(value, str):
        raise InvalidAction(f"{key!r} must be a non-empty text")
    try:  # the same input rules as statements: NFC, no control characters
        value = accept_text(value, limit)
    except InvalidInput as exc:
        raise InvalidAction(f"{key!r}: {exc}") from exc
    return " ".join(value.split())


def _int(payload: Mapping[str, Any], key: str) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAction(f"{key!r} must be a statement id")
    return value


def validate_action(kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """A cleaned copy of an action's payload; raises ``InvalidAction`` if it is malformed."""
    if kind not in ACTION_KINDS:
        raise InvalidAction(f"unknown action {kind!r}")
    if kind == "rename":
        return {"theme_id": _text(payload, "theme_id", 64),
                "label": _text(payload, "label", MAX_LABEL_CHARS)}
    if kind == "merge":
        source, target = _text(payload, "source", 64), _text(payload, "target", 64)
        if source == target:
            raise InvalidAction("a theme cannot be merged into itself")
        return {"source": source, "target": target}
    if kind == "split":
        ids = payload.get("statement_ids")
        if not isinstance(ids, list) or not ids or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            raise InvalidAction("'statement_ids' must be a non-empty list of statement ids")
        return {"theme_id": _text(payload, "theme_id", 64),
                "label": _text(payload, "label", MAX_LABEL_CHARS),
                "statement_ids": sorted(set(ids))}
    if kind == "move":
        return {"statement_id": _int(payload, "statement_id"),
                "theme_id": _text(payload, "theme_id", 64)}
    if kind == "demand":
        return {"statement_id": _int(payload, "statement_id"),
                "value": bool(payload.get("value", True))}
    if kind == "hide":
        return {"statement_id": _int(payload, "statement_id"),
                "hidden": bool(payload.get("hidden", True))}
    if kind == "stopword":
        return {"word": _text(payload, "word", MAX_WORD_CHARS).lower()}
    if kind == "synonym":
        word = _text(payload, "word", MAX_WORD_CHARS).lower()
        canonical = _text(payload, "canonical", MAX_WORD_CHARS).lower()
        if word == canonical:
            raise InvalidAction("a word cannot be its own synonym")
        return {"word": word, "canonical": canonical}
    if kind == "pictogram":
        code = payload.get("code")
        if not isinstance(code, str) or (code and not is_known(code)):
            raise InvalidAction("'code' must be a pictogram code (see harvest.pictograms)")
        return {"theme_id": _text(payload, "theme_id", 64), "code": code}
    if kind == "pin":
        return {"keyword": _text(payload, "keyword", MAX_WORD_CHARS).lower(),
                "theme_id": _text(payload, "theme_id", 64)}
    # categories
    raw = payload.get("categories")
    if not isinstance(raw, list):
        raise InvalidAction("'categories' must be a list")
    categories = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise InvalidAction("each category needs a name and keywords")
        name = _text(item, "name", MAX_LABEL_CHARS)
        words = item.get("keywords", [])
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise InvalidAction("a category's keywords must be a list of words")
        keywords = [w.strip().lower() for w in words if w.strip()][:20]
        category_id = str(item.get("id") or f"cat-{index + 1}")
        categories.append({"id": category_id, "name": name, "keywords": keywords})
    return {"categories": categories}


def overrides_from_actions(actions: Iterable[ActionLike]) -> Overrides:
    """Fold the active actions, oldest first, into the engine's ``Overrides``.

    Later actions win over earlier ones (a second rename replaces the first; a move after
    a split takes the statement elsewhere). Undone actions are ignored. Hide actions are
    not overrides: hidden statements never reach the engine.
    """
    renames: dict[str, str] = {}
    merges: dict[str, str] = {}
    moves: dict[int, str] = {}
    marks: dict[int, bool] = {}
    pins: dict[str, str] = {}
    stopwords: set[str] = set()
    synonyms: dict[str, str] = {}
    categories: tuple[Category, ...] = ()
    pictograms: dict[str, str] = {}
    for action in sorted(actions, key=lambda a: a.id):
        if action.undone:
            continue
        try:
            payload = validate_action(action.kind, action.payload)
        except InvalidAction:
            continue  # a row written by an older version: skip rather than break the board
        kind = action.kind
        if kind == "rename":
            renames[payload["theme_id"]] = payload["label"]
        elif kind == "merge":
            merges[payload["source"]] = payload["target"]
        elif kind == "split":
            new_id = split_theme_id(action.id)
            renames[new_id] = payload["label"]
            for statement_id in payload["statement_ids"]:
                moves[statement_id] = new_id
        elif kind == "move":
            moves[payload["statement_id"]] = payload["theme_id"]
        elif kind == "demand":
            marks[payload["statement_id"]] = payload["value"]
        elif kind == "stopword":
            stopwords.add(payload["word"])
        elif kind == "synonym":
            synonyms[payload["word"]] = payload["canonical"]
        elif kind == "pin":
            pins[payload["keyword"]] = payload["theme_id"]
        elif kind == "pictogram":
            pictograms[payload["theme_id"]] = payload["code"]
        elif kind == "categories":
            categories = tuple(
                Category(id=c["id"], name=c["name"], keywords=tuple(c["keywords"]))
                for c in payload["categories"]
            )
    resolved = resolve_merges(merges)  # the one rule for chains and cycles
    return Overrides(
        renames=renames, merges=resolved, moves=moves, demand_marks=marks,
        pinned_keywords=pins, stopwords=frozenset(stopwords), synonyms=synonyms,
        categories=categories, pictograms=pictograms,
    )


class CurationStore(Protocol):
    """The part of ``harvest.store.Store`` that curation writes to."""

    def record_action(
        self, workshop_id: int, kind: str, payload: dict[str, Any], *, actor: str = ...
    ) -> int: ...
    def set_hidden(self, statement_id: int, hidden: bool, *, actor: str = ...) -> object: ...
    def undo_last_action(self, workshop_id: int) -> Any: ...
    def undo_action(self, action_id: int) -> Any: ...
    def redo_action(self, action_id: int) -> Any: ...


def apply_action(
    store: CurationStore, workshop_id: int, kind: str, payload: Mapping[str, Any],
    *, actor: str = "moderator",
) -> int:
    """Validate and record one curation action; returns its id.

    A hide action also hides (or shows) the statement in the store; the action row is
    what makes it undoable like every other decision.
    """
    clean = validate_action(kind, payload)
    if kind == "hide":
        store.set_hidden(clean["statement_id"], clean["hidden"], actor=actor)
    return store.record_action(workshop_id, kind, clean, actor=actor)


def undo_last(store: CurationStore, workshop_id: int, *, actor: str = "moderator") -> Any:
    """Undo the newest active action (and reverse a hide); returns it, or None."""
    action = store.undo_last_action(workshop_id)
    if action is not None and action.kind == "hide":
        store.set_hidden(action.payload["statement_id"], not action.payload["hidden"], actor=actor)
    return action


def undo(store: CurationStore, action_id: int, *, actor: str = "moderator") -> Any:
    """Undo one decision from the history, however old (and show a hidden statement
    again); the decisions after it stay. Undoing an undone decision changes nothing."""
    action = store.undo_action(action_id)
    if action.kind == "hide":
        store.set_hidden(action.payload["statement_id"], not action.payload["hidden"], actor=actor)
    return action


def redo(store: CurationStore, action_id: int, *, actor: str = "moderator") -> Any:
    """Make an undone decision count again."""
    action = store.redo_action(action_id)
    if action.kind == "hide":
        store.set_hidden(action.payload["statement_id"], action.payload["hidden"], actor=actor)
    return action


def describe_action(
    action: ActionLike,
    theme_labels: Mapping[str, str],
    statement_texts: Mapping[int, str],
    language: str = "de",
    excerpt: int = 60,
) -> str:
    """One history line in words people know: theme names and statement excerpts, never
    internal ids (a theme that is gone shows as "Thema t3").

    >>> class A: kind, payload, id, undone = "merge", {"source": "t2", "target": "t1"}, 1, False
    >>> describe_action(A(), {"t1": "Sprache"}, {})
    'Thema t2 → Sprache'
    """
    from harvest.i18n import translate

    def theme(theme_id: object) -> str:
        label = theme_labels.get(str(theme_id))
        return label or translate("curate.log_theme", language, id=str(theme_id))

    def said(statement_id: object) -> str:
        text = " ".join(statement_texts.get(int(statement_id), "").split())  # type: ignore[call-overload]
        if not text:
            return translate("curate.log_statement", language, id=str(statement_id))
        return f"„{text[:excerpt]}…“" if len(text) > excerpt else f"„{text}“"

    payload, kind = action.payload, action.kind
    if kind == "rename":
        now = theme(payload["theme_id"])
        new = f"„{payload['label']}“"
        return new if now == payload["label"] else f"{now} → {new}"
    if kind == "merge":
        return f"{theme(payload['source'])} → {theme(payload['target'])}"
    if kind == "split":
        count = translate("curate.log_statements", language, n=len(payload["statement_ids"]))
        return f"{theme(payload['theme_id'])} → „{payload['label']}“ ({count})"
    if kind == "move":
        return f"{said(payload['statement_id'])} → {theme(payload['theme_id'])}"
    if kind == "demand":
        verdict = "curate.log_demand_yes" if payload["value"] else "curate.log_demand_no"
        return f"{said(payload['statement_id'])}: {translate(verdict, language)}"
    if kind == "hide":
        state = "curate.log_hidden" if payload["hidden"] else "curate.log_shown"
        return f"{said(payload['statement_id'])}: {translate(state, language)}"
    if kind == "stopword":
        return f"„{payload['word']}“"
    if kind == "synonym":
        return f"„{payload['word']}“ = „{payload['canonical']}“"
    if kind == "pin":
        return f"„{payload['keyword']}“ → {theme(payload['theme_id'])}"
    names = [str(c.get("name", "")) for c in payload.get("categories", [])]
    return ", ".join(names) or "–"
