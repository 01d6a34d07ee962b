"""The light live board: one render per revision, 304s, the participant link's rules,
and user text that stays text."""

from __future__ import annotations

import gzip
import io
import json
import re
import time

import pytest
from PIL import Image

from harvest import access, live
from harvest.conceptmap.render import BARE_ASPECT
from harvest.live import LiveBoard
from harvest.participation import VoteItem, item_key
from harvest.store import Store, participation_store

SECRET = b"live-secret"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def workshop(store: Store, title: str = "Werkstatt") -> tuple[int, dict[str, str]]:
    ws = store.create_workshop(title, slug="live", tables=["Sprache", "Arbeit"])
    for text in ("Mehr Sprachkurse am Abend für Eltern", "Sprachkurse mit Kinderbetreuung",
                 "Praktikum im Betrieb früher anbieten", "Anerkennung der Berufsabschlüsse"):
        store.add_statement(ws.id, text, table="Sprache")
    links = access.workshop_links(store, ws, "http://hall:8501", secret=SECRET)
    return ws.id, {role: url.rsplit("t=", 1)[1] for role, url in links.items()}


def board_of(store: Store, clock: Clock | None = None) -> LiveBoard:
    clock = clock or Clock()
    board = LiveBoard(store, draw_map=False, clock=clock, background=False,
                      throttle=access.Throttle(clock=clock))
    board.revisions.max_age = 0.0  # every poll asks the store: the tests add statements
    return board


def test_a_revision_is_rendered_once_for_every_viewer(sqlite_store: Store) -> None:
    workshop_id, tokens = workshop(sqlite_store)
    board = board_of(sqlite_store)
    first = board.board(tokens["participant"])
    for _ in range(20):  # a hall of phones polling the same revision
        assert board.board(tokens["participant"]).body == first.body
    assert first.status == 200
    assert "4 Aussagen" in first.body.decode()
    assert first.gzipped is not None and gzip.decompress(first.gzipped) == first.body
    assert (board.renders, board.boards_computed) == (1, 1)

    sqlite_store.add_statement(workshop_id, "Sprachkurse auch am Wochenende", table="Arbeit")
    after = board.board(tokens["participant"])
    assert "5 Aussagen" in after.body.decode()
    assert after.etag != first.etag
    assert (board.renders, board.boards_computed) == (2, 2)


def test_a_poll_never_waits_for_the_engine(sqlite_store: Store) -> None:
    workshop_id, tokens = workshop(sqlite_store)
    board = LiveBoard(sqlite_store, draw_map=False)
    board.revisions.max_age = 0.0
    first = board.board(tokens["participant"])  # the first board: computed while it waits
    sqlite_store.add_statement(workshop_id, "Sprachkurse auch am Wochenende", table="Arbeit")
    stale = board.board(tokens["participant"])  # the newest board there is, at once
    assert "4 Aussagen" in stale.body.decode()
    board.settle()
    fresh = board.board(tokens["participant"], have=first.etag)
    assert "5 Aussagen" in fresh.body.decode()
    assert board.boards_computed == 2


def test_the_watcher_computes_a_new_board_before_any_phone_asks(sqlite_store: Store) -> None:
    workshop_id, tokens = workshop(sqlite_store)
    board = LiveBoard(sqlite_store, draw_map=False)
    first = board.board(tokens["participant"])  # the phone that makes the server watch
    with Store(sqlite_store.url) as other_server:  # a facilitator on another server
        other_server.add_statement(workshop_id, "Sprachcafé im Stadtteil", table="Sprache")
    board.settle()
    assert board.boards_computed == 2  # nobody polled in between
    fresh = board.board(tokens["participant"], have=first.etag)
    assert "5 Aussagen" in fresh.body.decode()  # the first poll after it shows it
    assert board.boards_computed == 2


def test_the_watcher_draws_the_next_map_picture_before_a_fragment_names_it(
    sqlite_store: Store,
) -> None:
    workshop_id, tokens = workshop(sqlite_store)
    clock = Clock()
    board = LiveBoard(sqlite_store, clock=clock, map_seconds=15.0)
    first = board.board(tokens["participant"]).body.decode()
    version = re.search(r"map\.png\?v=(\d+)", first)
    assert version is not None
    assert board.map_png(tokens["participant"], version=version.group(1)).status == 200
    assert board.maps_drawn == 1  # the very first picture: drawn when a phone asked
    sqlite_store.add_statement(workshop_id, "Sprachcafé im Stadtteil", table="Sprache")
    clock.now += 15.0  # the picture is due again
    board.settle()
    for _ in range(200):  # the watcher draws it within a few of its rounds
        if board.maps_drawn == 2:
            break
        time.sleep(0.05)
    assert board.maps_drawn == 2
    later = board.board(tokens["participant"]).body.decode()
    assert f"map.png?v={sqlite_store.revision(workshop_id)}" in later
    picture = board.map_png(tokens["participant"], version=str(sqlite_store.revision(workshop_id)))
    assert picture.body.startswith(b"\x89PNG")
    assert board.maps_drawn == 2  # the phone loading it did not wait for a drawing
    width, height = Image.open(io.BytesIO(picture.body)).size
    # the map alone (the page shows title and themes): not the poster's A-paper frame
    assert width == live.MAP_WIDTH_PX and height != round(width / 2**0.5)
    assert BARE_ASPECT[0] <= width / height <= BARE_ASPECT[1]


def wait_rounds(board: LiveBoard, rounds: int) -> None:
    """Until the watcher made ``rounds`` more rounds (or 30 s passed)."""
    goal = board.rounds + rounds
    deadline = time.monotonic() + 30
    while board.rounds < goal and time.monotonic() < deadline:
        time.sleep(0.02)
    assert board.rounds >= goal, "the watcher stopped"


def test_a_failed_map_picture_is_tried_again_when_the_next_is_due_not_every_round(
    sqlite_store: Store,
) -> None:
    workshop_id, tokens = workshop(sqlite_store)
    clock = Clock()
    with LiveBoard(sqlite_store, clock=clock, map_seconds=15.0) as board:
        first = board.board(tokens["participant"]).body.decode()
        version = re.search(r"map\.png\?v=(\d+)", first)
        assert version is not None
        assert board.map_png(tokens["participant"], version=version.group(1)).status == 200
        drawings: list[int] = []
        draw = board._draw

        def failing(found: object) -> bytes:
            drawings.append(1)
            raise RuntimeError("no font today")

        board._draw = failing  # type: ignore[method-assign]
        sqlite_store.add_statement(workshop_id, "Sprachcafé im Stadtteil", table="Sprache")
        clock.now += 15.0
        board.settle()
        wait_rounds(board, 8)
        assert len(drawings) == 1  # one try, not one per round
        picture = board.map_png(tokens["participant"], version=version.group(1))
        assert picture.body.startswith(b"\x89PNG")  # phones keep the last picture
        board._draw = draw  # type: ignore[method-assign]
        clock.now += 15.0
        for _ in range(600):
            if board.maps_drawn == 2:
                break
            time.sleep(0.05)
        assert board.maps_drawn == 2


def test_the_watcher_asks_the_store_about_once_a_second_and_stops_when_closed(
    sqlite_store: Store,
) -> None:
    workshop_id, tokens = workshop(sqlite_store)
    board = LiveBoard(sqlite_store, draw_map=False)
    first = board.board(tokens["participant"])
    asked, started = board.revisions.queries, time.monotonic()
    wait_rounds(board, 12)  # at least 3 s
    elapsed = time.monotonic() - started
    # a revision is read at most every REVISION_SECONDS, not each round (4 a second)
    assert board.revisions.queries - asked <= elapsed / live.REVISION_SECONDS + 2
    watcher = board._watcher
    assert watcher is not None and watcher.is_alive()
    board.close()
    assert not watcher.is_alive()
    rounds = board.rounds
    sqlite_store.add_statement(workshop_id, "Sprachcafé im Stadtteil", table="Sprache")
    fresh = board.board(tokens["participant"], have=first.etag)  # a poll computes it
    assert "5 Aussagen" in fresh.body.decode()
    time.sleep(3 * live.WATCH_SECONDS)
    assert board.rounds == rounds and board._watcher is None


def test_an_unchanged_board_answers_304(sqlite_store: Store) -> None:
    workshop_id, tokens = workshop(sqlite_store)
    board = board_of(sqlite_store)
    etag = board.board(tokens["participant"]).etag
    assert etag is not None and re.fullmatch(r'"\d+-[0-9a-f]{8}"', etag)
    for have in (etag, etag.strip('"'), f"W/{etag}"):  # ?rev=, If-None-Match, weak
        reply = board.board(tokens["participant"], have=have)
        assert (reply.status, reply.body, reply.etag) == (304, b"", etag)
    sqlite_store.add_statement(workshop_id, "Ein neuer Gedanke zum Ehrenamt", table="Arbeit")
    assert board.board(tokens["participant"], have=etag).status == 200


def test_the_etag_changes_when_a_vote_opens(sqlite_store: Store) -> None:
    workshop_id, tokens = workshop(sqlite_store)
    clock = Clock()
    board = board_of(sqlite_store, clock)
    before = board.board(tokens["participant"])
    assert "participate" not in before.body.decode()
    statement = sqlite_store.statements(workshop_id)[0]
    participation_store.open_vote(sqlite_store, workshop_id,
                                  [VoteItem(item_key("demand", statement.id), "Abendkurse")])
    clock.now += live.PARTICIPATION_SECONDS
    opened = board.board(tokens["participant"], have=before.etag)
    assert opened.status == 200
    token = tokens["participant"]
    assert f'href="../participate?t={token}"' in opened.body.decode()  # to the Streamlit form


@pytest.mark.parametrize("token", ["", "x", "A" * 32, "A" * 500])
def test_a_wrong_link_is_refused_with_a_clear_message(sqlite_store: Store, token: str) -> None:
    workshop(sqlite_store)
    board = board_of(sqlite_store)
    for reply in (board.board(token, "10.0.0.5"), board.shell(token, "10.0.0.5")):
        assert reply.status == 403
        assert "Dieser Link ist ungültig oder wurde zurückgezogen" in reply.body.decode()
    assert board.renders == 0


def test_a_revoked_link_stops_within_the_recheck_time(sqlite_store: Store) -> None:
    workshop_id, tokens = workshop(sqlite_store)
    clock = Clock()
    board = board_of(sqlite_store, clock)
    assert board.board(tokens["participant"]).status == 200
    sqlite_store.revoke_links(workshop_id, "participant")
    clock.now += live.LINK_RECHECK_SECONDS
    assert board.board(tokens["participant"]).status == 403
    assert board.shell(tokens["participant"], lang="en").body.decode().count("invalid") == 1


def test_guessing_links_is_slowed_as_on_the_streamlit_pages(sqlite_store: Store) -> None:
    _, tokens = workshop(sqlite_store)
    board = board_of(sqlite_store)
    answers = [board.board(f"guess{i}", "203.0.113.7").status for i in range(7)]
    assert answers[:5] == [403] * 5
    assert 429 in answers[5:]
    assert board.board(tokens["participant"], "203.0.113.7").status == 200  # never refused


def test_user_text_stays_text(sqlite_store: Store) -> None:
    workshop_id, tokens = workshop(sqlite_store, title=HOSTILE)
    sqlite_store.add_statement(workshop_id, f"Forderung: {HOSTILE}", table="Arbeit")
    statement = sqlite_store.statements(workshop_id)[0]
    participation_store.open_vote(sqlite_store, workshop_id,
                                  [VoteItem(item_key("demand", statement.id), HOSTILE)])
    participation_store.show_tallies(sqlite_store, workshop_id, True)
    participation_store.cast_ballot(sqlite_store, workshop_id, "phone-1",
                                    {item_key("demand", statement.id): 1})
    board = board_of(sqlite_store)
    page = board.shell(tokens["participant"]).body.decode()
    fragment = board.board(tokens["participant"]).body.decode()
    for text in (page, fragment):
        assert "<script>alert" not in text
        assert "<img src=x" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page  # the title, as typed
    assert "&lt;img src=x onerror=alert(1)&gt;" in fragment  # the vote item, as typed
    assert page.count("<script") == 2  # the settings and the one script the CSP allows


def test_the_shell_polls_the_fragment_in_the_workshop_language(sqlite_store: Store) -> None:
    workshop_id, tokens = workshop(sqlite_store)
    sqlite_store.update_workshop(workshop_id, language="en")
    board = board_of(sqlite_store)
    reply = board.shell(tokens["participant"])
    page = reply.body.decode()
    assert '<html lang="en">' in page
    assert "4 statements" in page
    config = json.loads(page.split('<script id="live-config" type="application/json">')[1]
                        .split("</script>")[0])
    assert config == {"refresh": live.REFRESH_SECONDS, "lang": "en",
                      "offline": "No connection – the page keeps trying.",
                      "refused": "This link is invalid or was revoked. Ask the moderator "
                                 "for a new one."}
    assert reply.csp is not None and "script-src 'sha256-" in reply.csp
    assert "4 Aussagen" in board.board(tokens["participant"], lang="de").body.decode()


def test_the_map_picture_is_drawn_at_most_every_map_seconds(sqlite_store: Store) -> None:
    workshop_id, tokens = workshop(sqlite_store)
    clock = Clock()
    board = LiveBoard(sqlite_store, clock=clock, map_seconds=15.0, background=False)
    board.revisions.max_age = 0.0
    first = board.board(tokens["participant"]).body.decode()
    shown = re.search(r'src="([^"/]+)/map\.png\?v=(\d+)"', first)
    assert shown is not None and shown.group(1) == tokens["participant"]
    picture = board.map_png(tokens["participant"], version=shown.group(2))
    assert (picture.status, picture.content_type) == (200, "image/png")
    assert "immutable" in picture.cache  # the browser keeps it while the fragment names it
    assert picture.body.startswith(b"\x89PNG")
    sqlite_store.add_statement(workshop_id, "Noch ein Gedanke zur Sprache", table="Arbeit")
    again = board.board(tokens["participant"]).body.decode()
    assert f"map.png?v={shown.group(2)}" in again  # the picture is younger than 15 s
    clock.now += 15.0
    sqlite_store.add_statement(workshop_id, "Und einer zur Arbeit", table="Arbeit")
    later = board.board(tokens["participant"]).body.decode()
    assert f"map.png?v={shown.group(2)}" not in later


def test_the_map_picture_is_followed_by_its_shapes_and_the_pictograms_credit(
    sqlite_store: Store,
) -> None:
    from harvest.board import compute_board
    from harvest.i18n import translate

    workshop_id, tokens = workshop(sqlite_store)
    board = LiveBoard(sqlite_store, clock=Clock(), background=False)
    fragment = board.board(tokens["participant"]).body.decode()
    legend = re.search(r'<div class="live-legend"><ul>(.*?)</ul>', fragment)
    assert legend is not None  # right under the picture, which has no legend of its own
    assert fragment.index("live-map") < fragment.index('class="live-legend"')
    for kind in ("theme", "keyword"):
        assert translate(f"shape.{kind}", "de") in legend.group(1)
    assert any(compute_board(sqlite_store, workshop_id).pictograms.values())
    assert 'class="harvest-pict"' in fragment  # the theme list shows pictograms ...
    assert "OpenMoji" in fragment and "CC BY-SA" in fragment  # ... and credits them
