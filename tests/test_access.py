"""Links and roles: tokens are derived, stored hashed, revocable, and guessing is slowed."""

from __future__ import annotations

import pytest

from harvest import access
from harvest.access import Access, AccessDenied, Throttle, TooManyAttempts
from harvest.store import Store

SECRET = b"test-secret"


def links_of(store: Store, slug: str = "w") -> tuple[int, dict[str, str]]:
    ws = store.create_workshop("Werkstatt", slug=slug, tables=["Sprache", "Arbeit"])
    return ws.id, access.workshop_links(store, ws, "http://hall:8501", secret=SECRET)


def token_of(url: str) -> str:
    return url.rsplit("t=", 1)[1]


def test_three_links_open_their_pages_with_distinct_tokens(store: Store) -> None:
    _, links = links_of(store)
    assert list(links) == ["moderator", "facilitator", "participant"]
    assert all(url.startswith("http://hall:8501/?t=") for url in links.values())
    tokens = {token_of(u) for u in links.values()}
    assert len(tokens) == 3
    assert all(len(t) >= 32 for t in tokens)


def test_links_are_printed_again_unchanged_and_stored_only_hashed(store: Store) -> None:
    workshop_id, first = links_of(store)
    again = access.workshop_links(store, store.get_workshop(workshop_id), "http://hall:8501",
                                  secret=SECRET)
    assert again == first
    stored = store.links(workshop_id)
    assert len(stored) == 3
    for link in stored:
        assert all(token_of(u) not in link.token_hash for u in first.values())
        assert len(link.token_hash) == 64


def test_each_token_resolves_to_its_role(store: Store) -> None:
    workshop_id, links = links_of(store)
    for role, url in links.items():
        assert access.resolve_token(store, token_of(url)) == Access(workshop_id, role, None)


@pytest.mark.parametrize("token", [None, "", "x", "a" * 32, "a" * 5000, "' OR 1=1 --"])
def test_wrong_or_missing_tokens_are_refused(store: Store, token: str | None) -> None:
    links_of(store)
    with pytest.raises(AccessDenied):
        access.resolve_token(store, token)


def test_reissue_revokes_the_old_link_at_once(store: Store) -> None:
    workshop_id, links = links_of(store)
    ws = store.get_workshop(workshop_id)
    old = token_of(links["participant"])
    new = access.reissue_token(store, ws, "participant", secret=SECRET)
    assert new != old
    with pytest.raises(AccessDenied):
        access.resolve_token(store, old)
    assert access.resolve_token(store, new).role == "participant"
    # the other roles keep working
    assert access.resolve_token(store, token_of(links["moderator"])).role == "moderator"


def test_facilitator_link_can_be_bound_to_one_table(store: Store) -> None:
    workshop_id, _ = links_of(store)
    ws = store.get_workshop(workshop_id)
    table = store.get_table(workshop_id, "Arbeit")
    token = access.issue_token(store, ws, "facilitator", table_id=table.id, secret=SECRET)
    assert access.resolve_token(store, token) == Access(workshop_id, "facilitator", table.id)


def test_participant_may_only_read() -> None:
    participant = Access(1, "participant")
    assert participant.allows("board") and participant.allows("summary")
    for action in ("entry", "curate", "export", "export_raw", "links", "start"):
        assert not participant.allows(action)
    assert Access(1, "facilitator").allows("entry")
    assert not Access(1, "facilitator").allows("curate")
    assert all(Access(1, "moderator").allows(a) for a in access.PERMISSIONS["moderator"])


def test_different_secrets_give_different_tokens(sqlite_store: Store) -> None:
    ws = sqlite_store.create_workshop("W")
    a = access.derive_token(b"one", ws, "participant", 0)
    b = access.derive_token(b"two", ws, "participant", 0)
    assert a != b and len(a) == len(b) == 32


def test_throttle_slows_down_guessing_until_the_window_passes() -> None:
    now = [1000.0]
    throttle = Throttle(free=3, window=60, max_delay=30, clock=lambda: now[0])
    for _ in range(3):
        throttle.check("1.2.3.4")
        throttle.failed("1.2.3.4")
    with pytest.raises(TooManyAttempts) as info:
        throttle.check("1.2.3.4")
    assert 0 < info.value.retry_after <= 2
    throttle.check("5.6.7.8")  # other clients are not affected
    now[0] += 2.5
    throttle.check("1.2.3.4")
    throttle.failed("1.2.3.4")
    with pytest.raises(TooManyAttempts) as info:
        throttle.check("1.2.3.4")
    assert info.value.retry_after > 2  # the delay doubles
    now[0] += 61
    throttle.check("1.2.3.4")


def test_authenticate_counts_failures_per_client(sqlite_store: Store) -> None:
    throttle = Throttle(free=2, window=60, clock=lambda: 0.0)
    for _ in range(2):
        with pytest.raises(AccessDenied):
            access.authenticate(sqlite_store, "nope", "c", throttle)
    with pytest.raises(TooManyAttempts):
        access.authenticate(sqlite_store, "nope", "c", throttle)


def test_secret_file_is_created_once_and_private(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("HARVEST_SECRET_KEY", raising=False)
    first = access.load_secret(tmp_path)
    assert access.load_secret(tmp_path) == first
    assert (tmp_path / "secret.key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("HARVEST_SECRET_KEY", "from-env")
    assert access.load_secret(tmp_path) == b"from-env"


@pytest.mark.parametrize(
    ("pasted", "token"),
    [
        ("http://192.168.1.20:8501/?t=abc123", "abc123"),
        ("http://hall:8501/entry?t=abc123&lang=en", "abc123"),
        ("  abc123  ", "abc123"),
        ("https://x.org/?lang=de&t=abc123", "abc123"),
        ("", ""),
    ],
)
def test_token_from_link_finds_the_token_in_a_pasted_link(pasted: str, token: str) -> None:
    assert access.token_from_link(pasted) == token


def test_token_from_link_reads_the_links_harvest_hands_out(store: Store) -> None:
    _, links = links_of(store)
    for url in links.values():
        assert access.resolve_token(store, access.token_from_link(url)).workshop_id
