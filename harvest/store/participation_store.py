"""Participation in the database: the moderation queue, dot votes and ballots.

Functions over a ``Store`` (each one transaction, through ``Store.transaction`` and
``Store.snapshot``), with the rules of ``harvest.participation``. Nothing here bumps the
workshop's revision: a submission waits off the board and a dot changes no theme, so 200
phones cost the board no recompute. An approved submission becomes a statement through
``Store.add_statement`` (the facilitators' intake), so the engine, the vectors and the
board see it like any statement.

>>> from harvest.store import Store
>>> store = Store("sqlite://")
>>> w = store.create_workshop("Werkstatt", tables=["Sprache"])
>>> _ = set_settings(store, w.id, participant_input=True)
>>> sub = submit(store, w.id, "phone-1", "Mehr Sprachkurse am Abend", client_key="d1")
>>> [s.text for s in queue(store, w.id)], approve(store, sub.id).text
(['Mehr Sprachkurse am Abend'], 'Mehr Sprachkurse am Abend')
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from harvest.intake import InvalidInput
from harvest.model import Statement
from harvest.participation import (
    RATE_WINDOW,
    SETTINGS_KEY,
    Ballot,
    InputClosed,
    NoVoteOpen,
    Settings,
    Submission,
    Tally,
    Vote,
    VoteClosed,
    VoteItem,
    check_ballot,
    check_dots,
    check_rate,
    clean_submission,
    session_hash,
    settings_from_data,
    statement_votes,
    tally,
)
from harvest.store import StatementNotFound, Store, StoreError, TableNotFound, WorkshopNotFound
from harvest.store import migrations as schema

__all__ = [
    "NotWaiting",
    "SubmissionNotFound",
    "approve",
    "ballots",
    "cast_ballot",
    "close_vote",
    "current_vote",
    "demand_votes",
    "get_settings",
    "merge",
    "open_vote",
    "own_ballot",
    "queue",
    "reject",
    "remove_ballots",
    "set_settings",
    "show_tallies",
    "submit",
    "vote_tallies",
    "waiting_count",
]

_subs = schema.submissions
_votes = schema.votes
_ballots = schema.ballots
_tables = schema.workshop_tables
SUBMISSION_PREFIX = "participant-"
"""An approved submission's statement carries ``submission_id = participant-<id>``:
approving twice (two moderators, a retry) stores one statement."""


class SubmissionNotFound(StoreError, LookupError):
    """No submission with this id (in this workshop)."""


class NotWaiting(StoreError, ValueError):
    """The submission was already approved, merged or rejected."""


def _now() -> datetime:
    return datetime.now(UTC)


# --- settings ---------------------------------------------------------------------------


def get_settings(store: Store, workshop_id: int) -> Settings:
    """The workshop's participation settings (all off until the moderator changes them)."""
    return settings_from_data(store.get_meta(workshop_id, SETTINGS_KEY))


def set_settings(
    store: Store,
    workshop_id: int,
    *,
    participant_input: bool | None = None,
    dots: int | None = None,
    stack: bool | None = None,
) -> Settings:
    """Change the given settings, keep the others; return the new settings."""
    current = get_settings(store, workshop_id)
    new = Settings(
        participant_input=current.participant_input
        if participant_input is None else bool(participant_input),
        dots=current.dots if dots is None else check_dots(dots),
        stack=current.stack if stack is None else bool(stack),
    )
    store.set_meta(workshop_id, SETTINGS_KEY, new.to_data())
    return new


# --- the moderation queue ---------------------------------------------------------------


_SUBMISSION_SELECT = sa.select(*_subs.c, _tables.c.name.label("table_name")).select_from(
    _subs.outerjoin(_tables, _subs.c.table_id == _tables.c.id)
)


def _submission(row: Row[Any]) -> Submission:
    return Submission(
        id=row.id,
        workshop_id=row.workshop_id,
        text=row.text,
        table_id=row.table_id,
        table_name=row.table_name,
        status=row.status,
        statement_id=row.statement_id,
        received_at=row.received_at,
        session=row.session,
    )


def _get_submission(conn: Connection, submission_id: int) -> Submission:
    row = conn.execute(_SUBMISSION_SELECT.where(_subs.c.id == submission_id)).one_or_none()
    if row is None:
        raise SubmissionNotFound(f"No submission with id {submission_id}.")
    return _submission(row)


def _table_of(conn: Connection, workshop_id: int, table: int | str | None) -> int | None:
    """An existing table of the workshop by id or name (participants create none)."""
    if table is None or table == "":
        return None
    where = _tables.c.id == table if isinstance(table, int) else (
        _tables.c.name_key == str(table).strip().casefold()
    )
    found = conn.execute(
        sa.select(_tables.c.id).where(_tables.c.workshop_id == workshop_id, where)
    ).scalar_one_or_none()
    if found is None:
        raise TableNotFound(f"No table {table!r} in this workshop.")
    return int(found)


def submit(
    store: Store,
    workshop_id: int,
    session: str,
    text: str,
    *,
    client_key: str,
    table: int | str | None = None,
) -> Submission:
    """Put a participant's statement into the queue, or refuse it (``InvalidInput``):
    input switched off (``InputClosed``, nothing stored), too long or empty (the intake
    rules), too many from this session in a minute (``RateLimited``). The same
    ``client_key`` sent again returns the first submission instead of a second one."""
    if not client_key or len(client_key) > 64:
        raise ValueError("a submission needs a client key of 1 to 64 characters")
    who = session_hash(session)
    try:
        return _submit(store, workshop_id, who, text, client_key, table)
    except sa.exc.IntegrityError:
        # the same draft from a second tab or a retry committed first: that one counts
        with store.snapshot() as conn:
            row = conn.execute(
                _SUBMISSION_SELECT.where(
                    _subs.c.workshop_id == workshop_id, _subs.c.client_key == client_key
                )
            ).one_or_none()
        if row is None:
            raise
        return _submission(row)


def _submit(
    store: Store, workshop_id: int, who: str, text: str, client_key: str,
    table: int | str | None,
) -> Submission:
    with store.transaction() as conn:
        max_chars = conn.execute(
            sa.select(schema.workshops.c.max_chars).where(schema.workshops.c.id == workshop_id)
        ).scalar_one_or_none()
        if max_chars is None:
            raise WorkshopNotFound(f"No workshop with id {workshop_id}.")
        raw = conn.execute(
            sa.select(schema.meta.c.value).where(
                schema.meta.c.workshop_id == workshop_id, schema.meta.c.key == SETTINGS_KEY
            )
        ).scalar_one_or_none()
        if not settings_from_data(None if raw is None else json.loads(raw)).participant_input:
            raise InputClosed("Participant input is switched off; nothing was sent.")
        existing = conn.execute(
            _SUBMISSION_SELECT.where(
                _subs.c.workshop_id == workshop_id, _subs.c.client_key == client_key
            )
        ).one_or_none()
        if existing is not None:
            return _submission(existing)
        cleaned = clean_submission(text, int(max_chars))
        now = _now()
        recent = conn.execute(
            sa.select(_subs.c.received_at).where(
                _subs.c.workshop_id == workshop_id,
                _subs.c.session == who,
                _subs.c.received_at > now - RATE_WINDOW,
            )
        ).scalars()
        check_rate(list(recent), now)
        table_id = _table_of(conn, workshop_id, table)
        new_id = conn.execute(
            _subs.insert()
            .values(
                workshop_id=workshop_id, session=who, client_key=client_key, text=cleaned,
                table_id=table_id, status="waiting", received_at=now,
            )
            .returning(_subs.c.id)
        ).scalar_one()
        return _get_submission(conn, int(new_id))


def queue(store: Store, workshop_id: int, status: str | None = "waiting") -> list[Submission]:
    """The workshop's submissions with this status (``None``: all), oldest first."""
    query = _SUBMISSION_SELECT.where(_subs.c.workshop_id == workshop_id)
    if status is not None:
        query = query.where(_subs.c.status == status)
    with store.snapshot() as conn:
        return [_submission(row) for row in conn.execute(query.order_by(_subs.c.id))]


def waiting_count(store: Store, workshop_id: int) -> int:
    """How many submissions wait for the moderator (the public "n waiting")."""
    with store.snapshot() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).select_from(_subs).where(
                    _subs.c.workshop_id == workshop_id, _subs.c.status == "waiting"
                )
            ).scalar_one()
        )


def _decide(
    store: Store, submission_id: int, status: str, statement_id: int | None,
    workshop_id: int | None,
) -> Submission:
    with store.transaction() as conn:
        current = _get_submission(conn, submission_id)
        if workshop_id is not None and current.workshop_id != workshop_id:
            raise SubmissionNotFound(f"No submission with id {submission_id} in this workshop.")
        if current.status != "waiting":
            if current.status == status and current.statement_id == statement_id:
                return current  # the same decision again (a second click)
            raise NotWaiting(f"Submission {submission_id} is already {current.status}.")
        conn.execute(
            sa.update(_subs)
            .where(_subs.c.id == submission_id)
            .values(status=status, statement_id=statement_id, decided_at=_now())
        )
        return _get_submission(conn, submission_id)


def _waiting(store: Store, submission_id: int, workshop_id: int | None) -> Submission:
    with store.snapshot() as conn:
        current = _get_submission(conn, submission_id)
    if workshop_id is not None and current.workshop_id != workshop_id:
        raise SubmissionNotFound(f"No submission with id {submission_id} in this workshop.")
    return current


def approve(
    store: Store,
    submission_id: int,
    *,
    text: str | None = None,
    table: int | str | None = None,
    kind: str | None = None,
    workshop_id: int | None = None,
) -> Statement:
    """Put the submission on the board as a statement (its text, or the moderator's
    edit; ``table`` defaults to the participant's); return the statement. Passing
    ``workshop_id`` refuses a submission of another workshop."""
    current = _waiting(store, submission_id, workshop_id)
    if current.status not in ("waiting", "approved"):
        raise NotWaiting(f"Submission {submission_id} is already {current.status}.")
    statement = store.add_statement(
        current.workshop_id,
        current.text if text is None else text,
        table=current.table_name if table is None else table,
        kind=kind,
        submission_id=f"{SUBMISSION_PREFIX}{current.id}",
    )
    _decide(store, submission_id, "approved", statement.id, workshop_id)
    return statement


def merge(
    store: Store, submission_id: int, statement_id: int, *, workshop_id: int | None = None
) -> Submission:
    """Count the submission as said already by ``statement_id`` (it adds no statement)."""
    current = _waiting(store, submission_id, workshop_id)
    target = store.get_statement(statement_id)
    if target.workshop_id != current.workshop_id:
        raise StatementNotFound(f"No statement with id {statement_id} in this workshop.")
    return _decide(store, submission_id, "merged", statement_id, workshop_id)


def reject(store: Store, submission_id: int, *, workshop_id: int | None = None) -> Submission:
    """Keep the submission off the board."""
    return _decide(store, submission_id, "rejected", None, workshop_id)


# --- votes ------------------------------------------------------------------------------


def _vote(row: Row[Any]) -> Vote:
    return Vote(
        id=row.id,
        workshop_id=row.workshop_id,
        items=tuple(VoteItem(str(i["key"]), str(i["label"])) for i in json.loads(row.items)),
        dots=int(row.dots),
        stack=bool(row.stack),
        show_tallies=bool(row.show_tallies),
        closed=bool(row.closed),
        opened_at=row.opened_at,
        closed_at=row.closed_at,
    )


def _latest_vote(conn: Connection, workshop_id: int) -> Vote | None:
    row = conn.execute(
        sa.select(_votes).where(_votes.c.workshop_id == workshop_id).order_by(_votes.c.id.desc())
    ).first()
    return None if row is None else _vote(row)


def current_vote(store: Store, workshop_id: int) -> Vote | None:
    """The workshop's latest vote, open or closed (None before the first)."""
    with store.snapshot() as conn:
        return _latest_vote(conn, workshop_id)


def open_vote(
    store: Store,
    workshop_id: int,
    items: Sequence[VoteItem],
    *,
    dots: int | None = None,
    stack: bool | None = None,
) -> Vote:
    """Open a vote on ``items`` (closing the one open before); ``dots`` and ``stack``
    default to the workshop's settings."""
    if not items:
        raise InvalidInput("Choose at least one item to vote on.")
    keys = [item.key for item in items]
    if len(set(keys)) != len(keys):
        raise ValueError("every item of a vote must be different")
    settings = get_settings(store, workshop_id)
    dots = settings.dots if dots is None else check_dots(dots)
    stack = settings.stack if stack is None else bool(stack)
    payload = json.dumps([{"key": i.key, "label": i.label} for i in items], ensure_ascii=False)
    with store.transaction() as conn:
        if conn.execute(
            sa.select(schema.workshops.c.id).where(schema.workshops.c.id == workshop_id)
            .with_for_update()
        ).first() is None:
            raise WorkshopNotFound(f"No workshop with id {workshop_id}.")
        now = _now()
        conn.execute(
            sa.update(_votes)
            .where(_votes.c.workshop_id == workshop_id, _votes.c.closed == sa.false())
            .values(closed=True, closed_at=now)
        )
        conn.execute(
            _votes.insert().values(
                workshop_id=workshop_id, items=payload, dots=dots, stack=stack,
                show_tallies=False, closed=False, opened_at=now,
            )
        )
        vote = _latest_vote(conn, workshop_id)
        assert vote is not None
        return vote


def close_vote(store: Store, workshop_id: int) -> Vote | None:
    """Close the open vote (it keeps its ballots); return it, or None if none was open."""
    with store.transaction() as conn:
        vote = _latest_vote(conn, workshop_id)
        if vote is None or vote.closed:
            return vote
        conn.execute(
            sa.update(_votes).where(_votes.c.id == vote.id).values(closed=True, closed_at=_now())
        )
        return _latest_vote(conn, workshop_id)


def show_tallies(store: Store, workshop_id: int, show: bool) -> Vote:
    """Show or hide the latest vote's live tallies on the board and the phones."""
    with store.transaction() as conn:
        vote = _latest_vote(conn, workshop_id)
        if vote is None:
            raise NoVoteOpen("No vote yet. Open one first.")
        conn.execute(sa.update(_votes).where(_votes.c.id == vote.id).values(show_tallies=show))
        return _latest_vote(conn, workshop_id) or vote


def _ballot(row: Row[Any]) -> Ballot:
    return Ballot(
        id=row.id,
        vote_id=row.vote_id,
        session=row.session,
        table_name=row.table_name,
        dots={str(k): int(v) for k, v in json.loads(row.dots).items()},
        cast_at=row.cast_at,
    )


_BALLOT_SELECT = sa.select(*_ballots.c, _tables.c.name.label("table_name")).select_from(
    _ballots.outerjoin(_tables, _ballots.c.table_id == _tables.c.id)
)


def cast_ballot(
    store: Store,
    workshop_id: int,
    session: str,
    dots: Mapping[str, int],
    *,
    table: int | str | None = None,
) -> Ballot:
    """Store this session's ballot in the workshop's open vote (replacing its earlier
    one), or refuse it: no vote (``NoVoteOpen``), closed (``VoteClosed``), against the
    vote's rules (``BallotError``)."""
    who = session_hash(session)
    for attempt in (1, 2):
        try:
            with store.transaction() as conn:
                vote = _latest_vote(conn, workshop_id)
                if vote is None:
                    raise NoVoteOpen("No vote is open right now.")
                if vote.closed:
                    raise VoteClosed(
                        "This vote is closed; it takes no more dots. Your earlier dots count."
                    )
                cleaned = json.dumps(check_ballot(vote, dots))
                table_id = _table_of(conn, workshop_id, table)
                values = {"dots": cleaned, "table_id": table_id, "cast_at": _now()}
                where = (_ballots.c.vote_id == vote.id, _ballots.c.session == who)
                if not conn.execute(sa.update(_ballots).where(*where).values(values)).rowcount:
                    conn.execute(
                        _ballots.insert().values(
                            workshop_id=workshop_id, vote_id=vote.id, session=who, **values
                        )
                    )
                row = conn.execute(_BALLOT_SELECT.where(*where)).one()
                return _ballot(row)
        except sa.exc.IntegrityError:
            if attempt == 2:  # the same session's other tab inserted first: update it
                raise
    raise AssertionError("unreachable")


def own_ballot(store: Store, workshop_id: int, session: str) -> Ballot | None:
    """This session's ballot in the latest vote (to show a phone its dots)."""
    with store.snapshot() as conn:
        vote = _latest_vote(conn, workshop_id)
        if vote is None:
            return None
        row = conn.execute(
            _BALLOT_SELECT.where(
                _ballots.c.vote_id == vote.id, _ballots.c.session == session_hash(session)
            )
        ).one_or_none()
        return None if row is None else _ballot(row)


def ballots(store: Store, vote_id: int) -> list[Ballot]:
    """The vote log: every ballot with its anonymous session and time, in order cast."""
    with store.snapshot() as conn:
        rows = conn.execute(
            _BALLOT_SELECT.where(_ballots.c.vote_id == vote_id).order_by(_ballots.c.cast_at)
        )
        return [_ballot(row) for row in rows]


def remove_ballots(store: Store, vote_id: int, sessions: Sequence[str]) -> int:
    """Remove the ballots of these (hashed, as the log shows them) sessions: stuffing the
    moderator spotted in the log. Returns how many went."""
    if not sessions:
        return 0
    with store.transaction() as conn:
        return int(
            conn.execute(
                sa.delete(_ballots).where(
                    _ballots.c.vote_id == vote_id, _ballots.c.session.in_(list(sessions))
                )
            ).rowcount
        )


def vote_tallies(store: Store, workshop_id: int) -> tuple[Vote, list[Tally]] | None:
    """The latest vote and its tallies (most dots first), or None before the first."""
    vote = current_vote(store, workshop_id)
    if vote is None:
        return None
    return vote, tally(vote, ballots(store, vote.id))


def demand_votes(store: Store, workshop_id: int) -> dict[int, int]:
    """Statement id -> dots in the latest vote on demands ({} without one): what the
    summary and the exports list demands by."""
    result = vote_tallies(store, workshop_id)
    return {} if result is None else statement_votes(result[1])
