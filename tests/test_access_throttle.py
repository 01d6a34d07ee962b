"""The guess throttle (issue 16): never refuses a valid link, cannot be reset by one,
believes X-Forwarded-For only from configured proxies, and gives local clients buckets of
their own. Real SQLite store, injected clock."""

from __future__ import annotations

import pytest

from harvest import access
from harvest.access import AccessDenied, Throttle, TooManyAttempts
from harvest.store import Store

SECRET = b"throttle-test"


def tokens(store: Store) -> dict[str, str]:
    ws = store.create_workshop("Drosselung")
    return {
        role: url.rsplit("t=", 1)[1]
        for role, url in access.workshop_links(store, ws, secret=SECRET).items()
    }


def guess(store: Store, throttle: Throttle, client: str, group: str | None = None) -> str:
    try:
        access.authenticate(store, "falsch-geraten", client, throttle, group)
    except TooManyAttempts:
        return "wait"
    except AccessDenied:
        return "denied"
    return "open"


def test_a_valid_link_opens_even_while_its_address_is_throttled(sqlite_store: Store) -> None:
    links = tokens(sqlite_store)
    throttle = Throttle(free=3, window=300, clock=lambda: 100.0)
    outcomes = [guess(sqlite_store, throttle, "198.51.100.4") for _ in range(6)]
    assert outcomes == ["denied"] * 3 + ["wait"] * 3
    for role in ("moderator", "facilitator", "participant"):
        granted = access.authenticate(sqlite_store, links[role], "198.51.100.4", throttle)
        assert granted.role == role


def test_a_valid_open_does_not_reset_the_guess_count(sqlite_store: Store) -> None:
    links = tokens(sqlite_store)
    throttle = Throttle(free=3, window=300, clock=lambda: 100.0)
    for _ in range(3):
        assert guess(sqlite_store, throttle, "198.51.100.4") == "denied"
    # the public participant link, opened between guesses, buys no new guesses
    access.authenticate(sqlite_store, links["participant"], "198.51.100.4", throttle)
    assert guess(sqlite_store, throttle, "198.51.100.4") == "wait"


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        # no proxy configured: the header is anyone's to write, so it counts for nothing
        ("203.0.113.9", "192.0.2.1", None, "203.0.113.9"),
        ("127.0.0.1", "192.0.2.1", None, "local:s"),
        ("127.0.0.1", "192.0.2.1", "", "local:s"),
        # from the configured proxy: its last hop is the client ...
        ("127.0.0.1", "192.0.2.1", "127.0.0.1", "192.0.2.1"),
        # ... and a forged entry in front of it changes nothing
        ("127.0.0.1", "192.0.2.66, 192.0.2.1", "127.0.0.1", "192.0.2.1"),
        # a chain of trusted proxies, given as networks
        ("10.1.2.3", "192.0.2.1, 10.9.9.9", "10.0.0.0/8", "192.0.2.1"),
        # a peer that is not the proxy cannot speak for others
        ("203.0.113.9", "192.0.2.1", "127.0.0.1", "203.0.113.9"),
        # garbage in the header or the setting trusts nothing more
        ("127.0.0.1", "nonsense", "127.0.0.1", "local:s"),
        ("203.0.113.9", "192.0.2.1", "not-an-address", "203.0.113.9"),
        ("::1", None, None, "local:s"),
    ],
)
def test_forwarded_for_is_believed_only_from_a_configured_proxy(
    peer: str, forwarded: str | None, trusted: str | None, expected: str
) -> None:
    assert access.client_key(peer, forwarded, trusted, "s") == expected


def test_a_forged_forwarded_for_cannot_lock_out_a_chosen_address(sqlite_store: Store) -> None:
    throttle = Throttle(free=3, window=300, clock=lambda: 100.0)
    forger = access.client_key("127.0.0.1", "192.0.2.50", None, "forger-session")
    for _ in range(10):
        guess(sqlite_store, throttle, forger, access.LOCAL_GROUP)
    victim = access.client_key("192.0.2.50", None, None, "victim-session")
    assert guess(sqlite_store, throttle, victim) == "denied"  # counted, not refused


def test_one_local_client_cannot_lock_out_the_others(sqlite_store: Store) -> None:
    throttle = Throttle(free=3, window=300, clock=lambda: 100.0)
    noisy = access.client_key("127.0.0.1", None, None, "noisy")
    outcomes = [guess(sqlite_store, throttle, noisy, access.LOCAL_GROUP) for _ in range(6)]
    assert outcomes[-1] == "wait"
    colleague = access.client_key("127.0.0.1", None, None, "colleague")
    assert guess(sqlite_store, throttle, colleague, access.LOCAL_GROUP) == "denied"


def test_reconnecting_local_guessers_hit_the_groups_allowance(sqlite_store: Store) -> None:
    throttle = Throttle(free=2, window=300, clock=lambda: 100.0)
    allowance = 2 * Throttle.GROUP_FACTOR
    outcomes = [
        guess(sqlite_store, throttle, f"local:session-{n}", access.LOCAL_GROUP)
        for n in range(allowance + 1)
    ]
    assert outcomes[:allowance] == ["denied"] * allowance
    assert outcomes[-1] == "wait"
