"""Participation rules: what participants' phones may send, and how dots are counted.

A participant is one browser session of the participant link, not a person: Harvest
has no accounts. Per workshop the moderator switches **participant input** on (the
phone form sends statements into a moderation queue) and opens **dot votes** (items are
demands or themes; each session has ``dots`` dots, several on one item only if the vote
``stack``s). Everything here is pure: plain data in, plain data out; the store side is
``harvest.store.participation_store``.

>>> vote = Vote(1, 1, (VoteItem("s:7", "Mehr Kitaplätze"), VoteItem("s:9", "Busse")), 3, False)
>>> check_ballot(vote, {"s:7": 1, "s:9": 1})
{'s:7': 1, 's:9': 1}
>>> [(t.item.key, t.dots) for t in tally(vote, [Ballot(1, 1, "a", None, {"s:9": 1})])]
[('s:9', 1), ('s:7', 0)]
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from harvest.intake import InvalidInput, clean_statement
from harvest.model import Clustering, Statement

__all__ = [
    "DEFAULT_DOTS",
    "MAX_DOTS",
    "PARTICIPANT_MAX_CHARS",
    "RATE_LIMIT",
    "RATE_WINDOW",
    "SETTINGS_KEY",
    "STATUSES",
    "Ballot",
    "BallotError",
    "InputClosed",
    "NoDots",
    "NoStacking",
    "NoVoteOpen",
    "RateLimited",
    "Settings",
    "Submission",
    "Tally",
    "TooManyDots",
    "UnknownItem",
    "Vote",
    "VoteClosed",
    "VoteItem",
    "check_ballot",
    "check_dots",
    "check_rate",
    "clean_submission",
    "demand_items",
    "theme_items",
    "item_key",
    "session_hash",
    "settings_from_data",
    "statement_votes",
    "tally",
]

SETTINGS_KEY = "participation"
"""The workshop meta key under which ``Settings`` are stored."""
PARTICIPANT_MAX_CHARS = 500
"""A phone's statement is at most this long (or the workshop's limit, if lower)."""
RATE_LIMIT = 3
RATE_WINDOW = timedelta(seconds=60)
"""At most ``RATE_LIMIT`` submissions per browser session in ``RATE_WINDOW``."""
DEFAULT_DOTS = 3
MAX_DOTS = 20
STATUSES = ("waiting", "approved", "merged", "rejected")


# --- refusals (InvalidInput: the app translates ``code``, the CLI prints the message) ---


class InputClosed(InvalidInput):
    """Participant input is switched off for this workshop: nothing is stored."""

    code = "input_closed"


class RateLimited(InvalidInput):
    """This browser session sent too many statements in a short time."""

    code = "rate_limited"


class BallotError(InvalidInput):
    """A ballot that breaks the vote's rules (base class)."""

    code = "ballot"


class NoVoteOpen(BallotError):
    """No vote is open in this workshop."""

    code = "no_vote"


class VoteClosed(BallotError):
    """The vote has been closed: it takes no more dots."""

    code = "vote_closed"


class TooManyDots(BallotError):
    """A ballot gives away more dots than the vote allows."""

    code = "too_many_dots"


class NoStacking(BallotError):
    """A ballot puts several dots on one item in a vote that allows one per item."""

    code = "no_stacking"


class NoDots(BallotError):
    """A ballot without a single dot."""

    code = "no_dots"


class UnknownItem(BallotError):
    """A ballot names an item that is not in the vote."""

    code = "unknown_item"


# --- data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """A workshop's participation settings (off by default)."""

    participant_input: bool = False
    dots: int = DEFAULT_DOTS
    """dots per participant in the next vote the moderator opens"""
    stack: bool = False
    """whether the next vote lets several dots go on one item"""

    def to_data(self) -> dict[str, Any]:
        return {"participant_input": self.participant_input, "dots": self.dots, "stack": self.stack}


def settings_from_data(data: Any) -> Settings:
    """Settings from stored JSON (anything unreadable counts as the default)."""
    if not isinstance(data, Mapping):
        return Settings()
    try:
        dots = check_dots(data.get("dots", DEFAULT_DOTS))
    except ValueError:
        dots = DEFAULT_DOTS
    return Settings(
        participant_input=data.get("participant_input") is True,
        dots=dots,
        stack=data.get("stack") is True,
    )


def check_dots(dots: Any) -> int:
    """``dots`` if it is a valid number of dots per participant, else ``ValueError``."""
    if not isinstance(dots, int) or isinstance(dots, bool) or not 1 <= dots <= MAX_DOTS:
        raise ValueError(f"dots must be a whole number from 1 to {MAX_DOTS}, not {dots!r}")
    return dots


@dataclass(frozen=True)
class Submission:
    """One statement a participant sent, as the moderation queue shows it."""

    id: int
    workshop_id: int
    text: str
    table_id: int | None
    table_name: str | None
    status: str
    statement_id: int | None
    received_at: datetime
    session: str
    """the anonymous session hash (the same for every submission of one session)"""


@dataclass(frozen=True)
class VoteItem:
    """One thing to vote on: ``key`` is ``s:<statement id>`` for a demand, ``t:<theme id>``
    for a theme; ``label`` is its text when the vote opened."""

    key: str
    label: str


@dataclass(frozen=True)
class Vote:
    """A dot vote."""

    id: int
    workshop_id: int
    items: tuple[VoteItem, ...]
    dots: int
    stack: bool
    show_tallies: bool = False
    closed: bool = False
    opened_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Ballot:
    """One session's dots in one vote (the vote log shows ``session`` and ``cast_at``)."""

    id: int
    vote_id: int
    session: str
    table_name: str | None
    dots: Mapping[str, int]
    cast_at: datetime | None = None


@dataclass(frozen=True)
class Tally:
    """An item's dots, in all and per table of the voters (``None``: no table given)."""

    item: VoteItem
    dots: int
    by_table: tuple[tuple[str | None, int], ...] = field(default=())


# --- rules ------------------------------------------------------------------------------


def item_key(kind: str, ident: int | str) -> str:
    """The key of a vote item: ``item_key("demand", 7) == "s:7"``, themes ``t:<id>``."""
    if kind == "demand":
        return f"s:{int(ident)}"
    if kind == "theme":
        return f"t:{ident}"
    raise ValueError(f"items are demands or themes, not {kind!r}")


def session_hash(session: str) -> str:
    """The anonymous name under which a browser session's input is stored: a hash of
    the session's random id, short enough to read in the vote log."""
    if not session:
        raise ValueError("a participant needs a session id")
    return hashlib.sha256(session.encode("utf-8")).hexdigest()[:12]


def clean_submission(text: str, max_chars: int) -> str:
    """A phone's statement after the facilitators' intake rules (``clean_statement``),
    with the participant length limit."""
    return clean_statement(text, min(max_chars, PARTICIPANT_MAX_CHARS))


def check_rate(recent: Sequence[datetime], now: datetime) -> None:
    """Raise ``RateLimited`` if a session that sent at ``recent`` may not send now."""
    inside = sorted(t for t in recent if now - t < RATE_WINDOW)
    if len(inside) >= RATE_LIMIT:
        wait = int((inside[0] + RATE_WINDOW - now).total_seconds()) + 1
        raise RateLimited(
            f"You sent {len(inside)} statements within a minute. Wait {wait} seconds, then "
            "send the next one.",
            seconds=wait,
        )


def check_ballot(vote: Vote, dots: Mapping[str, int]) -> dict[str, int]:
    """The ballot as it is stored (items without dots dropped), or a ``BallotError``
    saying what to change."""
    if vote.closed:
        raise VoteClosed("This vote is closed; it takes no more dots. Your earlier dots count.")
    known = {item.key for item in vote.items}
    cleaned: dict[str, int] = {}
    for key, count in dots.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise TooManyDots(f"Dots are whole numbers from 0, not {count!r}.")
        if count == 0:
            continue
        if key not in known:
            raise UnknownItem("This item is not part of the vote. Reload the page.")
        if count > 1 and not vote.stack:
            raise NoStacking(
                "In this vote each item takes at most one dot. Spread your dots.", limit=1
            )
        cleaned[key] = count
    used = sum(cleaned.values())
    if used > vote.dots:
        raise TooManyDots(
            f"You gave {used} dots but have {vote.dots}. Take some back.",
            used=used,
            limit=vote.dots,
        )
    if not cleaned:
        raise NoDots("Give at least one dot.")
    return cleaned


def tally(vote: Vote, ballots: Iterable[Ballot]) -> list[Tally]:
    """Every item of the vote with its dots, most first (ties by the vote's order), and
    per item the voters' tables, most first."""
    totals: Counter[str] = Counter()
    tables: dict[str, Counter[str | None]] = {}
    for ballot in ballots:
        for key, count in ballot.dots.items():
            totals[key] += count
            tables.setdefault(key, Counter())[ballot.table_name] += count
    order = {item.key: index for index, item in enumerate(vote.items)}
    ranked = sorted(vote.items, key=lambda item: (-totals[item.key], order[item.key]))
    return [
        Tally(
            item,
            totals[item.key],
            tuple(
                sorted(
                    tables.get(item.key, Counter()).items(),
                    key=lambda kv: (-kv[1], kv[0] is None, (kv[0] or "").casefold()),
                )
            ),
        )
        for item in ranked
    ]


def statement_votes(tallies: Iterable[Tally]) -> dict[int, int]:
    """Statement id -> dots, for the demand items of a tally: the one source the summary
    and the exports read votes from."""
    votes: dict[int, int] = {}
    for entry in tallies:
        kind, _, ident = entry.item.key.partition(":")
        if kind == "s" and ident.isdigit():
            votes[int(ident)] = entry.dots
    return votes


def demand_items(statements: Iterable[Statement], clustering: Clustering) -> list[VoteItem]:
    """The board's demands (visible statements the engine, or the moderator, took for
    demands), in the order they were written, as vote items."""
    return [
        VoteItem(item_key("demand", s.id), s.text)
        for s in sorted(statements, key=lambda s: s.id)
        if not s.hidden
        and (assignment := clustering.assignments.get(s.id)) is not None
        and assignment.is_demand
    ]


def theme_items(clustering: Clustering) -> list[VoteItem]:
    """The board's themes (the "other" bucket left out) as vote items."""
    return [
        VoteItem(item_key("theme", theme.id), theme.label)
        for theme in clustering.themes
        if not theme.is_other and theme.statement_ids
    ]
