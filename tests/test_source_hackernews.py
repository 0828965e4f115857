"""The Hacker News source against a real HTTP server on 127.0.0.1 that answers like the HN
Search API (Algolia): `search_by_date`, newest first, with `numericFilters` and pages."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from smwar.sources import hackernews
from smwar.sources.base import Batch, SourceError, http_client
from smwar.sources.hackernews import MAX_PAGES, HackerNewsSource
from smwar.sources.recent import LOOKBACK, MAX_GAPS, RecentCursor
from smwar.sources.runner import SourceRunner
from smwar.sources.settings import HackerNewsSettings
from tests.local_http import FAULTS, faulty, loses_nothing, poll_until_caught_up, serving, take

T = 1_795_852_800  # 2026-11-22 05:20:00 UTC
RECORDED = Path(__file__).parent / "fixtures" / "hackernews"


def story(
    object_id: int, created: int, title: str, author: str = "throwaway42", text: str | None = None
) -> dict[str, Any]:
    return {
        "created_at": datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "title": title,
        "url": "https://status.acme.example/incidents/17",
        "author": author,
        "points": 12,
        "story_text": text,
        "comment_text": None,
        "num_comments": 3,
        "story_id": None,
        "story_title": None,
        "story_url": None,
        "parent_id": None,
        "created_at_i": created,
        "_tags": ["story", f"author_{author}", f"story_{object_id}"],
        "objectID": str(object_id),
        "_highlightResult": {"title": {"value": title, "matchLevel": "full", "matchedWords": ["acme"]}},
    }


def comment(object_id: int, created: int, html: str, parent: int, story_id: int) -> dict[str, Any]:
    return {
        "created_at": datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "title": None,
        "url": None,
        "author": "dang",
        "points": None,
        "story_text": None,
        "comment_text": html,
        "num_comments": None,
        "story_id": story_id,
        "story_title": "Acme is down",
        "story_url": "https://status.acme.example/incidents/17",
        "parent_id": parent,
        "created_at_i": created,
        "_tags": ["comment", "author_dang", f"story_{story_id}"],
        "objectID": str(object_id),
    }


@dataclass
class Algolia:
    """A small HN Search API: `hits` (any order) served newest first; `failures` answered first."""

    port: int = 0
    hits: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    page_faults: dict[str, list[tuple[int, bytes]]] = field(default_factory=dict)  # by `page`: answers first
    items: dict[str, dict[str, Any]] = field(default_factory=dict)  # `items/<id>`

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def search_by_date(self, params: dict[str, str]) -> dict[str, Any]:
        found = sorted(self.hits, key=lambda hit: hit.get("created_at_i", 0), reverse=True)
        for numeric in filter(None, params.get("numericFilters", "").split(",")):
            if numeric.startswith("created_at_i>="):
                since = int(numeric.removeprefix("created_at_i>="))
                found = [hit for hit in found if hit.get("created_at_i", 0) >= since]
            elif numeric.startswith("created_at_i<="):
                until = int(numeric.removeprefix("created_at_i<="))
                found = [hit for hit in found if hit.get("created_at_i", 0) <= until]
            else:
                raise AssertionError(f"unexpected numeric filter {numeric}")
        per_page, page = int(params.get("hitsPerPage", "20")), int(params.get("page", "0"))
        pages = -(-len(found) // per_page)
        return {
            "hits": found[page * per_page : (page + 1) * per_page],
            "nbHits": len(found),
            "page": page,
            "nbPages": pages,
            "hitsPerPage": per_page,
            "exhaustiveNbHits": True,
            "query": params.get("query", ""),
            "params": "&".join(f"{key}={value}" for key, value in params.items()),
            "processingTimeMS": 1,
        }


@pytest.fixture
def algolia() -> Iterator[Algolia]:
    state = Algolia()

    def respond(path: str, params: dict[str, str], _: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        state.requests.append({**params, "path": path} if path != "/api/v1/search_by_date" else params)
        json_type = {"Content-Type": "application/json; charset=utf-8"}
        if state.failures:
            status, headers = state.failures.pop(0)
            return status, {**json_type, **headers}, json.dumps({"message": "busy", "status": status}).encode()
        if path == "/api/v1/search_by_date" and (faults := state.page_faults.get(params.get("page", ""))):
            status, body = faults.pop(0)
            return status, json_type, body
        if path == "/api/v1/search_by_date":
            return 200, json_type, json.dumps(state.search_by_date(params)).encode()
        if (item := state.items.get(path.removeprefix("/api/v1/items/"))) is not None:
            return 200, json_type, json.dumps(item).encode()
        return 404, json_type, b'{"message":"not found"}'

    with serving(respond) as state.port:
        yield state


def hn_source(api: str) -> HackerNewsSource:
    settings = HackerNewsSettings(id="hn", kind="hackernews", query="acme", api=api)
    return HackerNewsSource(settings.model_copy(update={"poll_seconds": 0.01}))  # below the configurable minimum


async def test_stories_and_comments_arrive_as_mentions(algolia: Algolia) -> None:
    algolia.hits = [
        story(41000001, T, "Acme is down", text="<p>Since 9am nothing works.<p>Anyone else?"),
        comment(41000002, T + 60, "Same here &#x2F; Acme&#x27;s <i>status</i> page is green.", 41000001, 41000001),
    ]
    [batch] = await take(hn_source(algolia.api).run(None), 1)

    post, reply = batch.mentions
    assert post.network == "hackernews"
    assert post.native_id == "41000001"
    assert post.author == "throwaway42"
    assert (
        post.text
        == "Acme is down (https://status.acme.example/incidents/17)\n\nSince 9am nothing works.\n\nAnyone else?"
    )
    assert post.url == "https://news.ycombinator.com/item?id=41000001"
    assert post.posted_at == datetime.fromtimestamp(T, UTC)
    assert post.reply_to is None
    assert reply.text == (
        "Same here / Acme's status page is green.\n\non: Acme is down (https://status.acme.example/incidents/17)"
    )
    assert reply.author == "dang"
    assert reply.reply_to == "41000001"
    assert reply.url == "https://news.ycombinator.com/item?id=41000002"
    [request] = algolia.requests
    assert request == {"query": "acme", "tags": "(story,poll,comment)", "hitsPerPage": "100", "page": "0"}
    assert json.loads(batch.cursor or "") == {"newest": T + 60, "seen": {"41000002": T + 60, "41000001": T}}


async def test_resuming_from_the_cursor_delivers_only_what_is_new(algolia: Algolia) -> None:
    algolia.hits = [story(41000001, T, "Acme is down"), story(41000002, T + 10, "Acme outage postmortem")]
    [first] = await take(hn_source(algolia.api).run(None), 1)

    algolia.hits += [
        story(41000003, T + 10, "Acme at the same second"),
        story(41000004, T - 30, "Acme, indexed late"),
        story(41000005, T + 500, "Acme is back"),
    ]
    [resumed] = await take(hn_source(algolia.api).run(first.cursor), 1)

    assert [mention.native_id for mention in resumed.mentions] == ["41000004", "41000003", "41000005"]
    assert algolia.requests[-1]["numericFilters"] == f"created_at_i>={int(T + 10 - LOOKBACK)}"
    cursor = RecentCursor.load(resumed.cursor)
    assert cursor.newest == T + 500
    assert set(cursor.seen) == {"41000005"}  # the others are older than the window now


async def test_many_new_items_are_read_page_by_page(algolia: Algolia) -> None:
    algolia.hits = [story(41000000, T, "Acme")]
    [first] = await take(hn_source(algolia.api).run(None), 1)
    algolia.hits += [story(42000000 + n, T + 1 + n, f"Acme storm {n}") for n in range(250)]

    [storm] = await take(hn_source(algolia.api).run(first.cursor), 1)

    assert len(storm.mentions) == 250
    assert [request["page"] for request in algolia.requests[1:]] == ["0", "1", "2"]


async def test_a_broken_hit_is_quarantined_and_the_others_arrive(algolia: Algolia) -> None:
    broken = story(41000002, T + 5, "Acme")
    broken["author"] = None
    algolia.hits = [story(41000001, T, "Acme is down"), broken, comment(41000003, T + 9, "<p>ok</p>", 41000001, 1)]
    first, second = await take(hn_source(algolia.api).run(None), 2)

    assert [mention.native_id for mention in first.mentions] == ["41000001", "41000003"]
    [(raw, reason)] = first.quarantined
    assert json.loads(raw)["objectID"] == "41000002"
    assert reason == "TypeError: author is not a name"
    assert second.mentions == []
    assert second.quarantined == []  # nothing twice, not even the broken one


@pytest.mark.parametrize(
    ("status", "headers", "retry_after"),
    [(429, {"Retry-After": "30"}, 30.0), (429, {}, 60.0), (500, {}, None)],
)
async def test_server_trouble_is_a_source_error(
    algolia: Algolia, status: int, headers: dict[str, str], retry_after: float | None
) -> None:
    algolia.failures = [(status, headers)]
    with pytest.raises(SourceError) as raised:
        await take(hn_source(algolia.api).run(None), 1)
    assert raised.value.retry_after == retry_after
    assert f"({status})" in str(raised.value) or f"answered {status}" in str(raised.value)


async def test_the_runner_rides_out_a_500_without_losing_or_repeating_anything(algolia: Algolia) -> None:
    algolia.hits = [story(41000001, T, "Acme is down"), story(41000002, T + 10, "Acme outage")]
    delivered: list[Batch] = []
    runner = SourceRunner(
        hn_source(algolia.api), None, lambda source_id, batch: delivered.append(batch), base_delay=0.01
    )
    task = asyncio.create_task(runner.run_forever())
    try:
        await until(lambda: len(algolia.requests) >= 1)
        algolia.failures = [(500, {})]  # the next poll fails ...
        algolia.hits.append(story(41000003, T + 20, "Acme is back"))  # ... while something new is posted
        await until(lambda: sum(len(batch.mentions) for batch in delivered) >= 3)
        await until(lambda: runner.health().state == "live")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    assert algolia.failures == []  # the 500 was served
    ids = [mention.native_id for batch in delivered for mention in batch.mentions]
    assert ids == ["41000001", "41000002", "41000003"]
    assert any(request.get("numericFilters") for request in algolia.requests[2:])  # resumed from the cursor
    assert runner.health().mentions == 3


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> int:
    """Five hits a page (the source asks for `hitsPerPage=5`), so a poll reads at most fifty."""
    monkeypatch.setattr(hackernews, "HITS_PER_PAGE", 5)
    return 5 * MAX_PAGES


async def test_more_new_items_than_a_poll_reads_leave_a_gap_that_later_polls_fill(
    algolia: Algolia, small_pages: int
) -> None:
    algolia.hits = [story(41000000, T, "Acme")]
    [first] = await take(hn_source(algolia.api).run(None), 1)
    storm = [story(42000000 + n, T + 1 + n // 3, f"Acme storm {n}") for n in range(3 * small_pages + 7)]
    algolia.hits += storm  # three a second, so pages and gap edges split seconds

    source = hn_source(algolia.api)
    async with http_client() as client:
        batch, state, _ = await source.poll(client, source.load(first.cursor))
    assert len(batch.mentions) == small_pages
    [gap] = state.gaps
    assert gap.floor == T - LOOKBACK
    assert gap.until == min(mention.posted_at.timestamp() for mention in batch.mentions)
    assert state.newest == storm[-1]["created_at_i"]

    ids, caught_up = await poll_until_caught_up(hn_source(algolia.api), batch.cursor)

    delivered = [mention.native_id for mention in batch.mentions] + ids
    assert sorted(delivered) == sorted(hit["objectID"] for hit in storm)  # every one, each once
    assert caught_up.gaps == []
    assert "gaps" not in json.loads(caught_up.dump())
    assert f"created_at_i>={int(T - LOOKBACK)},created_at_i<={int(gap.until)}" in [
        request.get("numericFilters") for request in algolia.requests
    ]


async def test_a_cursor_saved_within_a_gap_resumes_it_after_a_restart(algolia: Algolia, small_pages: int) -> None:
    algolia.hits = [story(41000000, T, "Acme")]
    [first] = await take(hn_source(algolia.api).run(None), 1)
    storm = [story(42000000 + n, T + 1 + n // 2, f"Acme storm {n}") for n in range(4 * small_pages)]
    algolia.hits += storm

    before = await take(hn_source(algolia.api).run(first.cursor), 2)  # then the process stops
    saved = RecentCursor.load(before[-1].cursor)
    assert saved.gaps, "the storm is not read yet"
    late = [story(43000000 + n, T + 10_000 + n, f"Acme later {n}") for n in range(small_pages // 2)]
    algolia.hits += late  # posted while the process was down

    ids, caught_up = await poll_until_caught_up(hn_source(algolia.api), before[-1].cursor)

    delivered = [mention.native_id for batch in before for mention in batch.mentions] + ids
    assert sorted(delivered) == sorted(hit["objectID"] for hit in storm + late)
    assert caught_up.gaps == []


async def test_an_item_indexed_late_inside_a_gap_arrives_once(algolia: Algolia, small_pages: int) -> None:
    algolia.hits = [story(41000000, T, "Acme")]
    [first] = await take(hn_source(algolia.api).run(None), 1)
    storm = [story(42000000 + n, T + 1 + n, f"Acme storm {n}") for n in range(2 * small_pages)]
    algolia.hits += storm
    [stormy] = await take(hn_source(algolia.api).run(first.cursor), 1)
    [gap] = RecentCursor.load(stormy.cursor).gaps

    late = story(43000000, int(gap.until) - 3, "Acme, indexed late within the gap")
    algolia.hits.append(late)
    ids, caught_up = await poll_until_caught_up(hn_source(algolia.api), stormy.cursor)

    delivered = [mention.native_id for mention in stormy.mentions] + ids
    assert sorted(delivered) == sorted(hit["objectID"] for hit in [*storm, late])
    assert caught_up.gaps == []


async def test_a_cursor_without_gaps_loads_as_before() -> None:
    stored = json.dumps({"newest": T, "seen": {"41000001": T}})
    cursor = RecentCursor.load(stored)
    assert (cursor.newest, cursor.seen, cursor.gaps) == (T, {"41000001": T}, [])
    assert json.loads(cursor.dump()) == json.loads(stored)
    odd = RecentCursor.load(
        json.dumps({"newest": T, "seen": {}, "gaps": [{"floor": T}, "x", {"floor": 1, "until": 2}]})
    )
    assert [(gap.floor, gap.until, gap.after, gap.seen) for gap in odd.gaps] == [(1.0, 2.0, None, {})]
    many = [{"floor": n, "until": n + 1, "seen": {}} for n in range(MAX_GAPS + 5)]
    bounded = RecentCursor.load(json.dumps({"newest": T, "seen": {}, "gaps": many}))
    assert [gap.floor for gap in bounded.gaps] == [float(n) for n in range(5, MAX_GAPS + 5)]  # the newest kept


async def test_a_search_as_algolia_sends_it_keeps_stories_links_and_poll_options(algolia: Algolia) -> None:
    algolia.hits = json.loads((RECORDED / "search_by_date.json").read_text(encoding="utf-8"))["hits"]
    algolia.items["46120200"] = json.loads((RECORDED / "item_46120200.json").read_text(encoding="utf-8"))
    [batch] = await take(hn_source(algolia.api).run(None), 1)

    story_, poll, reply = batch.mentions
    assert story_.text == "Acme SSO outage (https://status.acme.example/incidents/17)"
    assert poll.text == (
        "Poll: Are you moving off Acme?\n\n"
        "After this week's outage: which SSO provider do you run?\n\n"
        "• Yes, already migrating\n• No, staying & waiting for the post-mortem\n• We never used Acme"
    )
    assert poll.url == "https://news.ycombinator.com/item?id=46120200"
    assert reply.text == (
        "Their status page was green the whole time. The real timeline is in the GitHub issue"
        " (https://github.com/acme/sso/issues/812), and the old post-mortem:"
        " https://blog.acme.example/2025/postmortem-sso-outage-and-what-we-learned\n\n"
        "Acme's support never answered.\n\n"
        "on: Acme SSO outage (https://status.acme.example/incidents/17)"
    )
    assert reply.reply_to == "46120031"
    assert [request.get("path") for request in algolia.requests] == [None, "/api/v1/items/46120200"]


def storm_after_a_first_poll(algolia: Algolia, first: int, count: int) -> tuple[str, list[str]]:
    """`count` new stories (five a page with `small_pages`) after a first poll: its cursor, their ids."""
    storm = [story(first + n, T + 1 + n, f"Acme storm {n}") for n in range(count)]
    algolia.hits = [story(first - 1, T, "Acme"), *storm]
    return json.dumps({"newest": T, "seen": {str(first - 1): T}}), [hit["objectID"] for hit in storm]


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_faulty_second_page_keeps_the_first_and_the_next_poll_reads_on_from_it(
    algolia: Algolia, small_pages: int, fault: str
) -> None:
    cursor, ids = storm_after_a_first_poll(algolia, 44000000, 12)
    second = json.dumps(algolia.search_by_date({"hitsPerPage": "5", "page": "1"})).encode()
    algolia.page_faults["1"] = faulty(fault, second)

    await loses_nothing(hn_source(algolia.api), cursor, ids, 5, fault)

    assert algolia.page_faults["1"] == []
    resumed = algolia.requests[2]  # after the failure: the stretch below page one, from the oldest it read
    assert resumed["numericFilters"] == f"created_at_i>={T - int(LOOKBACK)},created_at_i<={T + 8}"


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def test_answers_recorded_from_the_hn_search_api_read_as_people_see_them(algolia: Algolia) -> None:
    """A comment and a story as hn.algolia.com answered them (recorded by node-hacker-news-api):
    the comment's HTML entities and markup become text and it names its story, with its address."""
    recorded = json.loads((RECORDED / "node_hn_api.json").read_text(encoding="utf-8"))
    algolia.hits = [hit for answer in recorded for hit in answer["reply"]["hits"]]
    [batch] = await take(hn_source(algolia.api).run(None), 1)

    assert batch.quarantined == []
    comment_, story_ = batch.mentions
    assert (comment_.native_id, comment_.author, comment_.reply_to) == ("7919418", "fleitz", "7919290")
    assert comment_.text == (
        "Yeah the article seems stupid, while technically they aren't contributing to the scholarship they do pay "
        "tuition for the last 2 years.\n\nI'm not the biggest fan of starbucks, mostly because their coffee doesn't "
        "taste that good, however, I don't why what they've done shouldn't be applauded.\n\nIt's kinda funny that I "
        "see more people upset about the business practices of Starbucks/Wal-Mart than Lockheed Martin.\n\n"
        "on: Starbucks admits it's not contributing to scholarship fund "
        "(http://www.komonews.com/news/local/Starbucks-admits-its-not-contributing-to-hyped-scholarships-263837031.html)"
    )
    assert comment_.url == "https://news.ycombinator.com/item?id=7919418"
    assert comment_.posted_at == datetime(2014, 6, 20, 3, 32, 34, tzinfo=UTC)
    assert (story_.native_id, story_.author, story_.reply_to) == ("7919424", "bradleyjg", None)
    assert story_.text == (
        "Judge says concerned about Apple, Google hiring settlement "
        "(http://in.reuters.com/article/2014/06/19/apple-google-settlement-idINL2N0P01ZI20140619)"
    )
