"""Links and roles: who may do what in a workshop, without accounts.

Each workshop has three kinds of link: moderator (everything), facilitator (entry,
optionally bound to one table) and participant (board and summary; the phone form and
the ballot while the moderator has switched them on). A link carries a token derived
with HMAC from a server secret, so the same link can be printed again later
(``harvest links``) while the database stores only its SHA-256 hash. Re-issuing
a role's link revokes the old one and derives a new token from the next generation.

The participant token is an HMAC of its own, so it reveals nothing about the others.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from harvest import config
from harvest.model import ROLES, Workshop

if TYPE_CHECKING:
    from harvest.store import Store

TOKEN_PARAM = "t"  # noqa: S105 - a parameter name, not a secret
"""Query parameter that carries the token in a link."""

DEFAULT_BASE_URL = "http://localhost:8501"
TOKEN_BYTES = 24  # 192 bits: far beyond guessing, short enough for a QR code

PERMISSIONS: dict[str, frozenset[str]] = {
    "moderator": frozenset(
        {
            "board", "summary", "entry", "curate", "export", "export_raw", "links", "start",
            "moderate", "participate",
        }
    ),
    "facilitator": frozenset({"board", "summary", "entry"}),
    "participant": frozenset({"board", "summary", "participate"}),
}
"""What each role may do; the app checks every page and every action against this.
``participate``: send statements into the moderation queue and vote (only while the
moderator switched it on); ``moderate``: the queue, the settings and the votes."""

PROCESS_ROLES: tuple[str, ...] = ("moderator", "participant")
"""A process has no tables of its own (statements are entered in its workshops), so no
facilitator link; a workshop's links grant nothing on it (tokens name one workshop row)."""
PROCESS_DENIED = frozenset({"entry"})
"""What no link may do on a process's board."""


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
    process: bool = False
    """the link is a process's (``workshop_id`` is the process's own board)"""

    def allows(self, action: str) -> bool:
        """True if this role may perform ``action`` (see ``PERMISSIONS``)."""
        if self.process and action in PROCESS_DENIED:
            return False
        return action in PERMISSIONS.get(self.role, frozenset())


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def load_secret(sessions_dir: Path | None = None) -> bytes:
    """The server secret: env ``HARVEST_SECRET_KEY``, else a file created on first use.

    Several app servers that share one database must share this secret too (set the
    environment variable on each) so that ``harvest links`` prints the same links.
    """
    env = config.secret_key()
    if env:
        return env.encode("utf-8")
    if sessions_dir is None:
        sessions_dir = config.sessions_dir()
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
    if role not in PROCESS_ROLES and store.is_process(workshop.id):
        raise ValueError(f"a process has no {role} link; roles: {', '.join(PROCESS_ROLES)}")
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
    base = (base_url or config.base_url() or DEFAULT_BASE_URL).rstrip("/")
    path = f"/{page.strip('/')}" if page else "/"
    return f"{base}{path}?{urlencode({TOKEN_PARAM: token})}"


def token_from_link(link: str) -> str:
    """The token of a pasted link (or of a bare token): what follows the last ``t=``, up
    to the next parameter. Every role's link opens the root, where the role's default
    page is, so the path does not matter.

    >>> token_from_link("http://192.168.1.20:8501/?t=abc123&lang=en")
    'abc123'
    >>> token_from_link("  abc123 ")
    'abc123'
    """
    return link.rsplit(f"{TOKEN_PARAM}=", 1)[-1].split("&")[0].strip()


def workshop_links(
    store: Store, workshop: Workshop, base_url: str | None = None, *,
    secret: bytes | None = None,
) -> dict[str, str]:
    """The three links of a workshop: moderator, facilitator, participant (in that order);
    a process's two (``PROCESS_ROLES``)."""
    secret = secret if secret is not None else load_secret()
    roles = PROCESS_ROLES if store.is_process(workshop.id) else ROLES
    tokens = {role: issue_token(store, workshop, role, secret=secret) for role in roles}
    return {role: link_url(tokens[role], base_url) for role in roles}


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
    return Access(workshop_id=link.workshop_id, role=link.role, table_id=link.table_id,
                  process=store.is_process(link.workshop_id))


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

    def check(self, client: str, group: str | None = None) -> None:
        """Raise ``TooManyAttempts`` if this client (or its ``group``) must wait."""
        with self._lock:
            now = self.clock()
            self._check(client, self.free, now)
            if group is not None:
                self._check(group, self.free * self.GROUP_FACTOR, now)

    def _check(self, key: str, free: int, now: float) -> None:
        recent = self._recent(key, now)
        if len(recent) < free:
            return
        delay = min(self.max_delay, 2.0 ** (len(recent) - free + 1))
        wait = recent[-1] + delay - now
        if wait > 0:
            raise TooManyAttempts(wait)

    def failed(self, client: str, group: str | None = None) -> None:
        """Record a wrong token from this client (and its group)."""
        with self._lock:
            now = self.clock()
            for key in (client, group):
                if key is not None:
                    self._recent(key, now).append(now)
            if len(self._failures) > self.MAX_CLIENTS:  # forget clients whose window passed
                window = self.window
                stale = [k for k, ts in self._failures.items() if not ts or now - ts[-1] >= window]
                for key in stale:
                    del self._failures[key]

    MAX_CLIENTS = 10_000
    GROUP_FACTOR = 20
    """A group (all clients counted per browser session, see ``client_key``) may fail this
    many times as often as one client: reconnecting does not buy unlimited guesses."""


def authenticate(
    store: Store, token: str | None, client: str, throttle: Throttle, group: str | None = None
) -> Access:
    """Resolve the token; count a wrong one against ``client`` and slow that client down.

    A valid token is never refused, however many wrong ones came from the same address
    (192 bits cannot be guessed; the throttle only makes trying expensive), and it does
    not reset the count: opening the public participant link between guesses buys nothing.
    """
    try:
        return resolve_token(store, token)
    except AccessDenied:
        if token:
            throttle.check(client, group)  # raises TooManyAttempts while it must wait
            throttle.failed(client, group)
        raise


LOCAL_GROUP = "local"
"""The group of every client counted per browser session (see ``client_key``)."""


def client_key(
    peer: str | None, forwarded_for: str | None, trusted_proxies: str | None, session: str
) -> str:
    """Whose guesses count together: the client's address, as far as it can be trusted.

    ``peer`` is the address the connection came from; ``forwarded_for`` the
    X-Forwarded-For header, believed hop by hop from the right only while the hop that
    added it is one of ``trusted_proxies`` (comma-separated addresses or networks, the
    setting ``HARVEST_TRUSTED_PROXIES``; none by default). Clients on this machine (and
    anything unparseable) count per browser ``session``: a local proxy's users or the
    organiser's colleagues must not share one bucket that any of them can fill (together
    they form ``LOCAL_GROUP``, with a larger allowance).

    >>> client_key("10.0.0.5", "6.6.6.6", None, "s1")
    '10.0.0.5'
    >>> client_key("127.0.0.1", "203.0.113.7, 10.0.0.9", "127.0.0.1, 10.0.0.0/8", "s1")
    '203.0.113.7'
    >>> client_key("127.0.0.1", "203.0.113.7", None, "s1")
    'local:s1'
    """
    trusted = _networks(trusted_proxies)
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    address = _address(peer)
    while address is not None and hops and any(address in net for net in trusted):
        address = _address(hops.pop())
    if address is None or address.is_loopback or address.is_unspecified:
        return f"local:{session}"
    return str(address)


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((text or "").strip().strip("[]"))
    except ValueError:
        return None


def _networks(spec: str | None) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for item in (spec or "").split(","):
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue  # an empty or mistyped entry trusts nothing
    return networks
