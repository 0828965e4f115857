"""The feed pages through the journal: a million mentions open on the newest, every row is
reachable and right, a search narrows them by full-text words and fields, and what the feed
shows agrees with reading the whole journal, whatever order the rows are asked for in."""

from __future__ import annotations

import random
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from smwar.clock import ManualClock
from smwar.engine.pipeline import Idle
from smwar.engine.session import Session
from smwar.journal import search
from smwar.journal.pages import MentionFilter
from smwar.journal.portable import Portable
from smwar.journal.reading import Span
from smwar.journal.store import Journal
from smwar.model import Mention, Triage
from smwar.runbooks.definitions import RunbookSet
from smwar.tui.app import WarRoomApp
from smwar.tui.widgets.detail import MentionDetail
from smwar.tui.widgets.feed import Feed
from smwar.tui.widgets.feed_rows import FIRST, MOST, FeedRows
from smwar.tui.widgets.feed_search import FeedSearch

from .conftest import in_feed, screen_text, shown_in
from .tools.journals import T0, fill, text_of

MILLION = 1_000_000


@pytest.fixture(scope="module")
def million(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fill(tmp_path_factory.mktemp("million") / "live.sqlite", MILLION)


async def searched(pilot: Pilot[None], app: WarRoomApp, query: str) -> None:
    """Search the feed for `query` as an operator does: `/`, the words, Enter."""
    await pilot.press("slash")
    app.query_one(FeedSearch).query_one(Input).value = query
    await pilot.press("enter")


@asynccontextmanager
async def search_shown(path: Path, runbooks: RunbookSet, query: str) -> AsyncIterator[tuple[WarRoomApp, Pilot[None]]]:
    """The war room on the journal at `path`, with a search for `query` typed and shown."""
    journal, app = war_room_on(path, runbooks)
    with journal:
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            await searched(pilot, app, query)
            await pilot.pause()
            yield app, pilot


def war_room_on(path: Path, runbooks: RunbookSet) -> tuple[Journal, WarRoomApp]:
    journal = Journal.open(path)
    clock = ManualClock(T0 + timedelta(seconds=MILLION + 60))
    return journal, WarRoomApp(Session(journal, runbooks, clock, Idle(), "tester"), poll_seconds=3600)


async def test_a_million_mentions_open_on_the_newest_and_every_row_is_reachable(
    million: Path, runbooks: RunbookSet
) -> None:
    journal, app = war_room_on(million, runbooks)
    with journal:
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            feed = app.query_one(Feed)
            assert feed.count == MILLION and feed.following
            assert feed.selected is not None and feed.selected.id == MILLION
            assert "Post 1000000:" in screen_text(app) and "1,000,000 mentions" in screen_text(app)
            await pilot.press("home")
            assert feed.selected is not None and feed.selected.mention.text == text_of(1)
            assert "Post 1:" in screen_text(app) and not feed.following
            feed.cursor = 999_998  # the row 999,999
            feed.action_cursor(0)
            await pilot.pause()
            assert feed.selected is not None and feed.selected.id == 999_999
            assert feed.selected.mention.text == text_of(999_999)
            assert "Post 999999:" in screen_text(app)
            await pilot.press("pageup")
            assert feed.selected is not None and feed.selected.mention.native_id == f"post-{999_999 - 20}"
            await pilot.press("end")
            assert feed.following and feed.selected is not None and feed.selected.id == MILLION


async def test_a_search_narrows_a_million_to_its_words_and_fields(million: Path, runbooks: RunbookSet) -> None:
    journal, app = war_room_on(million, runbooks)
    with journal:
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            line = app.query_one(FeedSearch)
            assert not line.display, "nothing narrows the feed: no search line"
            await searched(pilot, app, "ausgel network:reddit")
            await app.workers.wait_for_complete()  # the older matches, read beside the screen
            await pilot.pause()
            feed = app.query_one(Feed)
            assert app.focused is feed, "the keys move through the feed again"
            assert line.display and "/ search ausgel network:reddit" in screen_text(app)
            # "ausgelaufen" is every third mention, reddit every fourth: n ≡ 6 (mod 12), 83,333 of
            # them: more than a search keeps, so it keeps the newest and says so
            assert feed.count == MOST
            assert feed.selected is not None and feed.selected.id == 999_990
            assert "ausgel network:reddit" in str(feed.border_title)
            assert f"the newest {MOST:,}: narrow it" in str(feed.border_title)
            await pilot.press("home")
            assert feed.selected is not None and feed.selected.id == 999_990 - 12 * (MOST - 1)
            await searched(pilot, app, "ausgel network:reddit author:user4710@")
            await app.workers.wait_for_complete()
            await pilot.pause()
            kept = [n for n in range(6, MILLION + 1, 12) if n % 5000 == 4710]
            assert feed.count == len(kept), "narrowed, it keeps all it finds"
            assert feed.selected is not None and feed.selected.id == kept[-1]
            assert "the newest" not in str(feed.border_title)
            await pilot.press("slash", *"verspät", "escape")
            await pilot.pause()
            assert app.focused is feed and feed.count == len(kept), "escape leaves the search as it was"
            assert "/ search ausgel network:reddit author:user4710@" in screen_text(app)
            await pilot.press("slash", *"verspät", "tab")  # left for another panel without Enter
            await pilot.pause()
            assert app.focused is not feed and feed.count == len(kept)
            assert "/ search ausgel network:reddit author:user4710@" in screen_text(app), "not words never searched"
            await pilot.press("slash", "backspace", "enter")  # its words were selected: all of them go
            await pilot.pause()
            assert feed.count == MILLION and str(feed.border_title) == "Feed"
            assert not line.display and "/ search" not in screen_text(app)


async def test_a_search_shows_its_newest_matches_first_and_the_older_ones_come_after(
    million: Path, runbooks: RunbookSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal, app = war_room_on(million, runbooks)
    release = threading.Event()
    older = FeedRows.older

    def held(rows: FeedRows) -> list[int]:  # the older matches come when the test lets them
        release.wait(30)
        return older(rows)

    monkeypatch.setattr(FeedRows, "older", held)
    with journal:
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            await searched(pilot, app, "verspät network:bluesky")
            await pilot.pause()
            feed = app.query_one(Feed)
            # "verspätet" is two mentions in three, bluesky every fourth: n ≡ 1, 5 (mod 12)
            newest = [n for n in range(MILLION - 12 * FIRST, MILLION + 1) if n % 12 in (1, 5)][-FIRST:]
            assert feed.count == FIRST and [item.id for item in in_feed(feed)] == newest
            assert feed.selected is not None and feed.selected.id == 999_997
            assert "reading further back" in str(feed.border_title)
            await pilot.press("up", "up")
            assert feed.selected is not None and feed.selected.id == 999_985
            release.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert feed.count == MOST and f"the newest {MOST:,}" in str(feed.border_title)
            assert "reading further back" not in str(feed.border_title)
            assert feed.selected is not None and feed.selected.id == 999_985, "the cursor stays on its mention"
            assert "Post 999985:" in screen_text(app)
            await pilot.press("home")
            kept = [n for n in range(1, MILLION + 1) if n % 12 in (1, 5)]
            assert feed.selected is not None and feed.selected.id == kept[-MOST]
            await pilot.press("end")
            assert feed.selected is not None and feed.selected.id == 999_997


def typed_at_speed(app: WarRoomApp, text: str) -> None:
    """`text` as a terminal hands it over when it is typed (or pasted) faster than the screen
    handles keys: every key queued before the first is handled (a pilot's press waits for each)."""
    names = {"/": "slash", " ": "space", ":": "colon"}
    for character in text:
        key = events.Key(names.get(character, character), character)
        key.set_sender(app)
        app._driver.send_message(key)  # type: ignore[union-attr]  # as the terminal's driver does


async def test_words_typed_at_speed_after_the_slash_go_to_the_search_line(small: Path, runbooks: RunbookSet) -> None:
    journal, app = war_room_on(small, runbooks)
    with journal:
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            line, feed = app.query_one(FeedSearch), app.query_one(Feed)
            for words, kept in (("ausgel", SMALL // 3), ("lieferung network:reddit", 500), ("ausg/elaufen", 0)):
                typed_at_speed(app, f"/{words}")
                await pilot.pause()
                # before, they went to the feed, behind the slash: the search line opened empty,
                # or with the search shown before, and its words were lost
                assert line.query_one(Input).value == words, "every key typed went into the search line"
                await pilot.press("enter")
                await app.workers.wait_for_complete()
                await pilot.pause()
                assert feed.view.label == words and feed.count == kept and app.focused is feed


async def test_a_search_cleared_shows_the_newest_selected_and_the_next_key_moves_from_there(
    small: Path, runbooks: RunbookSet
) -> None:
    journal, app = war_room_on(small, runbooks)
    with journal:
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            feed, detail = app.query_one(Feed), app.query_one(MentionDetail)
            await searched(pilot, app, "Nummer 2042")  # one match: the feed has lines to spare
            await pilot.pause()
            assert "Post 2042:" in shown_in(feed)
            await pilot.press("slash", "ctrl+u", "enter")
            await pilot.pause()
            # before, the feed stayed on its first lines, with the newest selected out of sight
            assert feed.selected is not None and feed.selected.id == SMALL and feed.following
            assert "Post 3000:" in shown_in(feed) and "Post 1:" not in shown_in(feed)
            assert "Post 3000:" in shown_in(detail)
            await pilot.press("up")
            assert feed.selected is not None and feed.selected.id == SMALL - 1, "the next key moves from the newest"
            assert "Post 3000:" in shown_in(feed) and "Post 2999:" in shown_in(detail)


async def test_a_search_shows_its_newest_match_in_full_wherever_the_cursor_was(
    small: Path, runbooks: RunbookSet
) -> None:
    journal, app = war_room_on(small, runbooks)
    with journal:
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            detail = app.query_one(MentionDetail)
            await pilot.press("home")
            assert "Post 1:" in shown_in(detail)
            await searched(pilot, app, "Nummer 2042")  # its one match is the first row, as "Post 1" was
            await pilot.pause()
            assert "Post 2042:" in shown_in(detail) and "Post 1:" not in shown_in(detail)


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        ("leck action:foo", "unknown action “foo” (respond, watch, ignore)"),
        ("network:mastdon", "unknown network “mastdon” (mastodon, bluesky, rss, reddit, hackernews, webhook, jsonl)"),
        ("scenario:leak", "unknown scenario “leak” (data-leak-rumour, offensive-post"),
    ],
)
async def test_a_search_for_a_value_no_mention_can_have_is_refused_with_the_values_there_are(
    small: Path, runbooks: RunbookSet, query: str, refused: str
) -> None:
    async with search_shown(small, runbooks, query) as (app, pilot):
        line, feed = app.query_one(FeedSearch), app.query_one(Feed)
        assert f"not searched: {refused}" in shown_in(line)
        assert app.focused is line.query_one(Input), "the keys stay in the search line, to mend it"
        assert feed.count == SMALL and "Post 3000:" in shown_in(feed), "the feed shows what it showed"
        await pilot.press("escape")
        await pilot.pause()
        assert "not searched" not in screen_text(app) and not line.display


@pytest.mark.parametrize("query", ["%_*", "nothing-like-this network:reddit"])
async def test_a_search_that_finds_nothing_says_so_and_shows_no_mention(
    small: Path, runbooks: RunbookSet, query: str
) -> None:
    async with search_shown(small, runbooks, query) as (app, pilot):
        feed, detail = app.query_one(Feed), app.query_one(MentionDetail)
        assert f"No mention matches “{query}”" in shown_in(feed)
        assert "No mention selected: the feed shows none." in shown_in(detail)
        assert "Post 3000:" not in screen_text(app), "no mention that the search does not keep"
        await pilot.press("down", "up", "end")
        assert "No mention selected" in shown_in(detail)


SMALL = 3_000
VIEWS: list[tuple[MentionFilter, Callable[[int], bool]]] = [
    (MentionFilter(), lambda n: True),
    (MentionFilter.parse("lieferung"), lambda n: n % 3 != 0),
    (MentionFilter.parse("Waschmaschine ausgelaufen"), lambda n: n % 3 == 0),
    (MentionFilter.parse("verspät"), lambda n: n % 3 != 0),  # umlauts fold: "verspätet"
    (MentionFilter.parse("author:USER42@"), lambda n: n % 5000 == 42),
    (MentionFilter.parse("action:watch network:bluesky"), lambda n: n % 3 == 1 and n % 4 == 1),
    (MentionFilter.parse("scenario:product-defect"), lambda n: n % 3 == 0),
    (MentionFilter.parse("nothing-like-this"), lambda n: False),
    (MentionFilter.parse("ausgel network:bluesky"), lambda n: n % 3 == 0 and n % 4 == 1),
    (MentionFilter.parse("Lieferung action:watch"), lambda n: n % 3 == 1),
    (MentionFilter.parse("waschmaschine action:ignore"), lambda n: False),
    (MentionFilter.parse("versp author:user42@"), lambda n: n % 3 != 0 and n % 5000 == 42),
    (
        MentionFilter(
            span=Span("product-defect", T0 + timedelta(seconds=100), T0 + timedelta(seconds=400), {7, 2_500})
        ),
        lambda n: n in (7, 2_500) or (100 <= n <= 400 and n % 3 == 0),
    ),
]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fill(tmp_path_factory.mktemp("small") / "live.sqlite", SMALL)


@pytest.mark.parametrize(("view", "keeps"), VIEWS)
def test_the_feed_shows_what_reading_the_whole_journal_would(
    small: Path, view: MentionFilter, keeps: Callable[[int], bool]
) -> None:
    expected = [n for n in range(1, SMALL + 1) if keeps(n)]
    with Journal.open(small) as journal:
        rows = FeedRows(journal, view)
        rows.prepend(rows.older())  # a search's older rows, which the feed reads after the first
        assert rows.total == len(expected)
        jumps = random.Random(len(expected)).sample(range(len(expected)), min(200, len(expected)))
        forward = list(range(len(expected)))  # page after page by keyset, then back the other way
        for index in [*jumps, *forward, *reversed(forward)]:
            item = rows.at(index)
            assert item is not None and item.id == expected[index]
            assert item.mention.text == text_of(expected[index])
        assert rows.at(len(expected)) is None and rows.at(-1) is None


def test_mentions_that_arrive_are_counted_only_when_the_filter_keeps_them(tmp_path: Path) -> None:
    path = fill(tmp_path / "live.sqlite", 300)
    with Journal.open(path) as journal:
        everything, leaks = FeedRows(journal, MentionFilter()), FeedRows(journal, MentionFilter.parse("ausgelaufen"))
        leaks.prepend(leaks.older())
        assert (everything.total, leaks.total) == (300, 100)
        last = everything.at(299)
        assert last is not None
        arrivals = [  # two of them leaks (303, 306)
            (
                Mention("mastodon", f"post-{n}", "@a@b.c", text_of(n), last.mention.posted_at),
                last.received_at,
                (),
                (),
                None,
            )
            for n in range(301, 307)
        ]
        assert [item.id for item in journal.add_mentions(arrivals)] == list(range(301, 307))
        arrived = journal.mention_page(MentionFilter(), after_id=300, limit=10)
        assert everything.grow(arrived) == 6 and leaks.grow(arrived) == 2
        assert everything.at(305) is not None and everything.at(305).id == 306  # type: ignore[union-attr]
        assert [leaks.at(i).id for i in (100, 101)] == [303, 306]  # type: ignore[union-attr]
        assert everything.grow(arrived) == 0, "the same mentions again are no new ones"


@pytest.mark.parametrize("leaps", [search.LEAPS, 2])  # 2: the rest is read the plain way
def test_a_search_whose_words_and_filter_keep_apart_long_still_finds_the_few_both_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, leaps: int
) -> None:
    """Tens of leaks that were answered alternate with tens of other posts only watched, so
    the words' mentions and the filter's keep apart for many windows; one old leak was watched."""
    mentions = []
    for n in range(1, 8_002):
        leak = n == 1 or (n // 10) % 2 == 0
        action = "watch" if n == 1 or not leak else "respond"
        text = "Die AquaPro ist ausgelaufen" if leak else "Lieferung kam pünktlich"
        mention = Mention("mastodon", f"post-{n}", "@a@b.c", text, T0 + timedelta(seconds=n))
        mentions.append((mention, T0 + timedelta(seconds=n), (), (), Triage(action, "rule", (), 0.0)))
    view = MentionFilter.parse("ausgel action:watch")
    monkeypatch.setattr(search, "LEAPS", leaps)
    with Journal.open(tmp_path / "live.sqlite") as journal:
        journal.add_mentions(mentions)
        assert journal.newest_ids(view, 10) == [1]
        assert journal.newest_ids(view, 10) == Portable.newest_ids(journal, view, 10)
        watched = MentionFilter.parse("lieferung action:watch")  # the newest 10 of many
        assert journal.newest_ids(watched, 10) == Portable.newest_ids(journal, watched, 10)
