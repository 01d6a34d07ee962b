"""Links and roles: who may do what in a workshop, without accounts.

Each workshop has three kinds of link: moderator (everything), facilitator (entry,
optionally bound to one table) and participant (read-only board and summary). A link
carries a token derived with HMAC from a server secret, so the same link can be printed
again later (``harvest links``) while the database stores only its SHA-256 hash. Re-issuing
a role's link revokes the old one and derives a new token from the next generation.

The participant token is an HMAC of its own, so it reveals nothing about the others.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from harvest.model import ROLES, Workshop

if TYPE_CHECKING:
    from harvest.store import Store

TOKEN_PARAM = "t"  # noqa: S105 - a parameter name, not a secret
"""Query parameter that carries the token in a link."""

DEFAULT_BASE_URL = "http://localhost:8501"
TOKEN_BYTES = 24  # 192 bits: far beyond guessing, short enough for a QR code

PERMISSIONS: dict[str, frozenset[str]] = {
    "moderator": frozenset(
        {"board", "summary", "entry", "curate", "export", "export_raw", "links", "start"}
    ),
    "facilitator": frozenset({"board", "summary", "entry"}),
    "participant": frozenset({"board", "summary"}),
}
"""What each role may do; the app checks every page and every action against this."""


class AccessDenied(PermissionError):
    """A token is missing, unknown, revoked, or does not allow this action."""


class TooManyAttempts(PermissionError):
    """This client tried too many wrong tokens; it has to wait before trying again."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"Too many wrong links. Try again in {retry_after:.0f} seconds.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Access:
    """What a valid token grants: a role in one workshop (and maybe one table)."""

    workshop_id: int
    role: str
    table_id: int | None = None

    def allows(self, action: str) -> bool:
        """True if this role may perform ``action`` (see ``PERMISSIONS``)."""
        return action in PERMISSIONS.get(self.role, frozenset())


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def load_secret(sessions_dir: Path | None = None) -> bytes:
    """The server secret: env ``HARVEST_SECRET_KEY``, else a file created on first use.

    Several app servers that share one database must share this secret too (set the
    environment variable on each) so that ``harvest links`` prints the same links.
    """
    env = os.environ.get("HARVEST_SECRET_KEY")
    if env:
        return env.encode("utf-8")
    if sessions_dir is None:
        sessions_dir = Path(
            os.environ.get("HARVEST_SESSIONS_DIR", Path(__file__).resolve().parents[1] / "sessions")
        )
    path = Path(sessions_dir) / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")


def derive_token(
    secret: bytes, workshop: Workshop, role: str, generation: int, table_id: int | None = None
) -> str:
    """The token of one link: an HMAC over the workshop, role, table and generation."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    message = f"{workshop.id}|{workshop.created_at.isoformat()}|{role}|{table_id}|{generation}"
    digest = hmac.new(secret, message.encode("utf-8"), hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _generation(
    store: Store, workshop_id: int, role: str, table_id: int | None
) -> tuple[int, bool]:
    """(generation of the current link, whether it is already stored and live)."""
    same = [
        link
        for link in store.links(workshop_id)
        if link.role == role and link.table_id == table_id
    ]
    live = [link for link in same if not link.revoked]
    if live:
        return len(same) - 1, True
    return len(same), False


def issue_token(
    store: Store, workshop: Workshop, role: str, *, table_id: int | None = None,
    secret: bytes | None = None,
) -> str:
    """The current token for a role (created and stored on first use)."""
    secret = secret if secret is not None else load_secret()
    generation, stored = _generation(store, workshop.id, role, table_id)
    token = derive_token(secret, workshop, role, generation, table_id)
    if not stored:
        store.save_link(workshop.id, role, hash_token(token), table_id=table_id)
    return token


def reissue_token(
    store: Store, workshop: Workshop, role: str, *, table_id: int | None = None,
    secret: bytes | None = None,
) -> str:
    """Revoke the role's current links (at once, table-bound ones too); return a fresh one."""
    store.revoke_links(workshop.id, role)
    return issue_token(store, workshop, role, table_id=table_id, secret=secret)


def link_url(token: str, base_url: str | None = None, page: str = "") -> str:
    """A full link: base URL, optional page path, and the token as query parameter."""
    base = (base_url or os.environ.get("HARVEST_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    path = f"/{page.strip('/')}" if page else "/"
    return f"{base}{path}?{urlencode({TOKEN_PARAM: token})}"


ROLE_PAGES = {"moderator": "", "facilitator": "", "participant": ""}
"""The page each role's link opens: the root, where each role's default page is (the
board for moderator and participant, entry for facilitators); a page that is some role's
default has no path of its own in Streamlit's navigation."""


def workshop_links(
    store: Store, workshop: Workshop, base_url: str | None = None, *,
    secret: bytes | None = None,
) -> dict[str, str]:
    """The three links of a workshop: moderator, facilitator, participant (in that order)."""
    secret = secret if secret is not None else load_secret()
    tokens = {role: issue_token(store, workshop, role, secret=secret) for role in ROLES}
    return {role: link_url(tokens[role], base_url, ROLE_PAGES[role]) for role in ROLES}


def resolve_token(store: Store, token: str | None) -> Access:
    """The access a token grants; raises ``AccessDenied`` if it grants none."""
    if not token or len(token) > 200:
        raise AccessDenied("no valid link")
    digest = hash_token(token)
    link = store.find_link(digest)
    # The lookup is by hash; the explicit constant-time comparison guards against a
    # store that ever matched loosely (case folding, prefixes).
    if link is None or link.revoked or not hmac.compare_digest(link.token_hash, digest):
        raise AccessDenied("no valid link")
    return Access(workshop_id=link.workshop_id, role=link.role, table_id=link.table_id)


class Throttle:
    """Slows down token guessing: after ``free`` failures per client in ``window`` seconds,
    each further attempt must wait, doubling up to ``max_delay``.

    Thread-safe (one instance serves all sessions of a server); the clock is injectable
    so tests need not sleep.
    """

    def __init__(
        self, *, free: int = 5, window: float = 300.0, max_delay: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free, self.window, self.max_delay, self.clock = free, window, max_delay, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> list[float]:
        recent = [t for t in self._failures.get(client, []) if now - t < self.window]
        self._failures[client] = recent
        return recent

    def check(self, client: str) -> None:
        """Raise ``TooManyAttempts`` if this client must wait before its next try."""
        with self._lock:
            now = self.clock()
            recent = self._recent(client, now)
            if len(recent) < self.free:
                return
            delay = min(self.max_delay, 2.0 ** (len(recent) - self.free + 1))
            wait = recent[-1] + delay - now
            if wait > 0:
                raise TooManyAttempts(wait)

    def failed(self, client: str) -> None:
        """Record a wrong token from this client."""
        with self._lock:
            now = self.clock()
            self._recent(client, now).append(now)

    def succeeded(self, client: str) -> None:
        """Forget a client's failures after a valid token."""
        with self._lock:
            self._failures.pop(client, None)


def authenticate(store: Store, token: str | None, client: str, throttle: Throttle) -> Access:
    """Check the throttle, resolve the token, and record the outcome."""
    throttle.check(client)
    try:
        access = resolve_token(store, token)
    except AccessDenied:
        if token:
            throttle.failed(client)
        raise
    throttle.succeeded(client)
    return access
