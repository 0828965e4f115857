"""The Reddit source against a real HTTP server on 127.0.0.1 that answers like Reddit's
`/search.json`: a Listing of `t3` children, newest first with `sort=new`, paged by `after`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from smwar.sources import reddit as reddit_module
from smwar.sources.base import SourceError, http_client
from smwar.sources.links import clean_url
from smwar.sources.recent import LOOKBACK, RecentCursor
from smwar.sources.reddit import MAX_PAGES, RedditSource, markdown_text
from smwar.sources.settings import RedditSettings
from tests.local_http import FAULTS, faulty, loses_nothing, poll_until_caught_up, serving, take

T = 1_795_852_800.0  # 2026-11-22 05:20:00 UTC
RECORDED = Path(__file__).parent / "fixtures" / "reddit"


def post(base36: str, created: float, title: str, selftext: str = "", author: str = "angry_admin") -> dict[str, Any]:
    slug = title.lower().replace(" ", "_")[:40]
    return {
        "kind": "t3",
        "data": {
            "approved_at_utc": None,
            "subreddit": "sysadmin",
            "selftext": selftext,
            "author_fullname": "t2_8x7y6z",
            "title": title,
            "subreddit_name_prefixed": "r/sysadmin",
            "name": f"t3_{base36}",
            "ups": 5,
            "score": 5,
            "created_utc": created,
            "id": base36,
            "author": author,
            "num_comments": 2,
            "over_18": False,
            "is_self": bool(selftext),
            "permalink": f"/r/sysadmin/comments/{base36}/{slug}/",
            "url": f"https://www.reddit.com/r/sysadmin/comments/{base36}/{slug}/",
            "link_flair_text": None,
        },
    }


@dataclass
class Reddit:
    """A small `/search.json`: `posts` (any order) served newest first; `failures` answered first."""

    port: int = 0
    posts: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    remaining: float = 99.0
    remaining_next: list[float] = field(default_factory=list)  # told in turn before `remaining`
    requests: list[dict[str, str]] = field(default_factory=list)
    page_faults: dict[str, list[tuple[int, bytes]]] = field(default_factory=dict)  # by `after`: answers first

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def search(self, params: dict[str, str]) -> dict[str, Any]:
        found = sorted(self.posts, key=lambda child: child["data"]["created_utc"], reverse=True)
        if after := params.get("after"):
            names = [child["data"]["name"] for child in found]
            found = found[names.index(after) + 1 :]
        limit = int(params.get("limit", "25"))
        page = found[:limit]
        more = len(found) > limit
        return {
            "kind": "Listing",
            "data": {
                "after": page[-1]["data"]["name"] if more else None,
                "dist": len(page),
                "modhash": "",
                "geo_filter": "",
                "children": page,
                "before": None,
            },
        }


@pytest.fixture
def reddit() -> Iterator[Reddit]:
    state = Reddit()

    def respond(path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        state.requests.append({**params, "user-agent": headers.get("user-agent", "")})
        json_type = {"Content-Type": "application/json; charset=UTF-8"}
        remaining = state.remaining_next.pop(0) if state.remaining_next else state.remaining
        limits = {"x-ratelimit-used": "1", "x-ratelimit-remaining": str(remaining), "x-ratelimit-reset": "42"}
        if state.failures:
            status, extra = state.failures.pop(0)
            body = json.dumps({"message": "Too Many Requests", "error": status}).encode()
            return status, {**json_type, **extra}, body
        if faults := state.page_faults.get(params.get("after", "")):
            status, body = faults.pop(0)
            return status, json_type, body
        if path == "/search.json":
            return 200, {**json_type, **limits}, json.dumps(state.search(params)).encode()
        return 404, json_type, b'{"message": "Not Found", "error": 404}'

    with serving(respond) as state.port:
        yield state


def reddit_source(api: str) -> RedditSource:
    settings = RedditSettings(id="reddit", kind="reddit", query="acme", api=api)
    return RedditSource(settings.model_copy(update={"poll_seconds": 0.01}))  # below the configurable minimum


async def test_posts_arrive_as_mentions(reddit: Reddit) -> None:
    reddit.posts = [
        post("1h2g3f4", T, "Acme deleted my account", "No warning, no answer from support &amp; <b>no</b> refund."),
        post("1h2g3f9", T + 30, "Is Acme down for anyone else?", author="mod_bot"),
    ]
    [batch] = await take(reddit_source(reddit.api).run(None), 1)

    deleted, down = batch.mentions
    assert deleted.network == "reddit"
    assert deleted.native_id == "t3_1h2g3f4"
    assert deleted.author == "u/angry_admin"
    assert (
        deleted.text == "r/sysadmin: Acme deleted my account\n\nNo warning, no answer from support & <b>no</b> refund."
    )
    assert deleted.url == "https://www.reddit.com/r/sysadmin/comments/1h2g3f4/acme_deleted_my_account/"
    assert deleted.posted_at == datetime.fromtimestamp(T, UTC)
    assert deleted.lang is None
    assert down.text == "r/sysadmin: Is Acme down for anyone else?"
    assert down.author == "u/mod_bot"
    [request] = reddit.requests
    assert request["q"] == "acme"
    assert (request["sort"], request["limit"], request["raw_json"]) == ("new", "100", "1")
    assert request["user-agent"].startswith("smwar")
    assert json.loads(batch.cursor or "") == {"newest": T + 30, "seen": {"t3_1h2g3f9": T + 30, "t3_1h2g3f4": T}}


async def test_resuming_from_the_cursor_delivers_only_what_is_new(reddit: Reddit) -> None:
    reddit.posts = [post("a1", T - 1000, "Acme, long ago"), post("a2", T, "Acme is down")]
    [first] = await take(reddit_source(reddit.api).run(None), 1)

    reddit.posts += [post("a3", T - 60, "Acme, found late by search"), post("a4", T + 90, "Acme is back")]
    [resumed] = await take(reddit_source(reddit.api).run(first.cursor), 1)

    assert [mention.native_id for mention in resumed.mentions] == ["t3_a3", "t3_a4"]
    cursor = RecentCursor.load(resumed.cursor)
    assert cursor.newest == T + 90
    assert set(cursor.seen) == {"t3_a4", "t3_a2", "t3_a3"}  # within LOOKBACK of the newest; a1 is not


async def test_many_new_posts_are_read_page_by_page(reddit: Reddit) -> None:
    reddit.posts = [post("b0", T, "Acme")]
    [first] = await take(reddit_source(reddit.api).run(None), 1)
    reddit.posts += [post(f"c{n}", T + 1 + n, f"Acme storm {n}") for n in range(230)]

    [storm] = await take(reddit_source(reddit.api).run(first.cursor), 1)

    assert len(storm.mentions) == 230
    assert [request.get("after") for request in reddit.requests[1:]] == [None, "t3_c130", "t3_c30"]


async def test_a_broken_post_is_quarantined_and_the_others_arrive(reddit: Reddit) -> None:
    broken = post("d2", T + 1, "Acme")
    broken["data"]["title"] = {"text": "Acme"}
    reddit.posts = [post("d1", T, "Acme is down"), broken, post("d3", T + 2, "Acme again")]
    first, second = await take(reddit_source(reddit.api).run(None), 2)

    assert [mention.native_id for mention in first.mentions] == ["t3_d1", "t3_d3"]
    [(raw, reason)] = first.quarantined
    assert json.loads(raw)["data"]["name"] == "t3_d2"
    assert reason == "TypeError: title is not text"
    assert second.mentions == []
    assert second.quarantined == []  # nothing twice, not even the broken one


async def test_a_poll_that_used_up_the_rate_limit_waits_for_the_reset(reddit: Reddit) -> None:
    reddit.posts, reddit.remaining = [post("e1", T, "Acme")], 0.0
    async with http_client() as client:
        batch, _, wait = await reddit_source(reddit.api).poll(client, RecentCursor())
    assert len(batch.mentions) == 1
    assert wait == 42.0


@pytest.mark.parametrize(
    ("status", "headers", "retry_after"),
    [
        (429, {"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "187"}, 187.0),  # Reddit's own way
        (429, {"Retry-After": "30", "x-ratelimit-reset": "187"}, 30.0),
        (429, {}, 60.0),
        (500, {}, None),
    ],
)
async def test_server_trouble_is_a_source_error(
    reddit: Reddit, status: int, headers: dict[str, str], retry_after: float | None
) -> None:
    reddit.failures = [(status, headers)]
    with pytest.raises(SourceError) as raised:
        await take(reddit_source(reddit.api).run(None), 1)
    assert raised.value.retry_after == retry_after
    assert not raised.value.fatal


async def test_a_refusal_is_fatal_and_says_why(reddit: Reddit) -> None:
    reddit.failures = [(403, {})]
    with pytest.raises(SourceError, match=r"refused access \(403\); Reddit refuses") as raised:
        await take(reddit_source(reddit.api).run(None), 1)
    assert raised.value.fatal


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> int:
    """Five posts a page (the source asks for `limit=5`), so a poll reads at most twenty-five."""
    monkeypatch.setattr(reddit_module, "PAGE_SIZE", 5)
    return 5 * MAX_PAGES


async def test_more_new_posts_than_a_poll_reads_leave_a_gap_that_later_polls_fill(
    reddit: Reddit, small_pages: int
) -> None:
    reddit.posts = [post("f0", T, "Acme")]
    [first] = await take(reddit_source(reddit.api).run(None), 1)
    storm = [post(f"g{n}", T + 1 + n // 3, f"Acme storm {n}") for n in range(3 * small_pages + 7)]
    reddit.posts += storm

    source = reddit_source(reddit.api)
    async with http_client() as client:
        batch, state, _ = await source.poll(client, source.load(first.cursor))
    assert len(batch.mentions) == small_pages
    [gap] = state.gaps
    assert gap.floor == T - LOOKBACK
    assert gap.after in {mention.native_id for mention in batch.mentions}  # the last one read: the next page after it
    assert gap.until == min(mention.posted_at.timestamp() for mention in batch.mentions)

    ids, caught_up = await poll_until_caught_up(reddit_source(reddit.api), batch.cursor)

    delivered = [mention.native_id for mention in batch.mentions] + ids
    assert sorted(delivered) == sorted(child["data"]["name"] for child in storm)  # every one, each once
    assert caught_up.gaps == []
    assert "gaps" not in json.loads(caught_up.dump())


async def test_a_cursor_saved_within_a_gap_resumes_it_after_a_restart(reddit: Reddit, small_pages: int) -> None:
    reddit.posts = [post("h0", T, "Acme")]
    [first] = await take(reddit_source(reddit.api).run(None), 1)
    storm = [post(f"i{n}", T + 1 + n // 2, f"Acme storm {n}") for n in range(4 * small_pages)]
    reddit.posts += storm

    before = await take(reddit_source(reddit.api).run(first.cursor), 2)  # then the process stops
    assert RecentCursor.load(before[-1].cursor).gaps, "the storm is not read yet"
    late = [post(f"j{n}", T + 10_000 + n, f"Acme later {n}") for n in range(small_pages // 2)]
    reddit.posts += late  # posted while the process was down

    ids, caught_up = await poll_until_caught_up(reddit_source(reddit.api), before[-1].cursor)

    delivered = [mention.native_id for batch in before for mention in batch.mentions] + ids
    assert sorted(delivered) == sorted(child["data"]["name"] for child in storm + late)
    assert caught_up.gaps == []


async def test_a_rate_limit_used_up_mid_pagination_leaves_a_gap_that_a_later_poll_fills(
    reddit: Reddit, small_pages: int
) -> None:
    reddit.posts = [post("k0", T, "Acme")]
    [first] = await take(reddit_source(reddit.api).run(None), 1)
    storm = [post(f"l{n}", T + 1 + n, f"Acme storm {n}") for n in range(small_pages - 3)]  # fits a poll's pages
    reddit.posts += storm
    reddit.remaining_next = [3.0, 0.0]  # ... but the second page uses up the rate limit

    source = reddit_source(reddit.api)
    async with http_client() as client:
        batch, state, wait = await source.poll(client, source.load(first.cursor))
    assert wait == 42.0
    assert len(batch.mentions) == 10
    [gap] = state.gaps
    assert gap.after == "t3_" + storm[-10]["data"]["id"]

    ids, caught_up = await poll_until_caught_up(reddit_source(reddit.api), batch.cursor)

    assert sorted([mention.native_id for mention in batch.mentions] + ids) == sorted(
        child["data"]["name"] for child in storm
    )
    assert caught_up.gaps == []
    gap_request = reddit.requests[3]  # the first request after the rate limit's reset: the gap, from its token
    assert gap_request.get("after") == gap.after


async def test_a_search_as_reddit_sends_it_reads_as_plain_text_with_its_subreddit_and_clean_links(
    reddit: Reddit,
) -> None:
    reddit.posts = json.loads((RECORDED / "search_new.json").read_text(encoding="utf-8"))["data"]["children"]
    [batch] = await take(reddit_source(reddit.api).run(None), 1)

    german, breach, outage = batch.mentions
    assert outage.text == (
        "r/sysadmin: Acme SSO down for anyone else?\n\n"
        "Since this morning every Acme login ends in a 502.\n\n"
        "• status page (https://status.acme.example/) says all green\n"
        "• support ticket #4471, no answer\n\n"
        "Anyone else? Their post-mortem from last time: https://blog.acme.example/outage?id=17"
    )
    assert outage.url == "https://www.reddit.com/r/sysadmin/comments/1p9k2xq/acme_sso_down_for_anyone_else/"
    assert breach.text == (
        "r/technology: Acme confirms data breach affecting 2M customers"
        " (https://news.example/2026/11/acme-breach?page=2)"
    )
    assert german.text == (
        "r/de: Acme-Störung: Kundendienst antwortet nicht\n\n"
        "> Wir arbeiten mit Hochdruck an einer Lösung\n\n"
        "Seit drei Tagen. Siehe auch den Thread in r/sysadmin (https://www.reddit.com/r/sysadmin/comments/1p9k2xq/)."
    )


def test_markdown_becomes_plain_text() -> None:
    source = (
        "# Heads up\n\n1. *first*\n2. `second`\n\n| plan | price |\n|---|---|\n| pro | 9 € |\n\n"
        "```\nERR 502\n```\n\n![screenshot](https://i.redd.it/x.png) ~~gone~~ <https://acme.example/?gclid=1>"
    )
    assert markdown_text(source) == (
        "Heads up\n\n1. first\n2. second\n\nplan | price\npro | 9 €\n\nERR 502\n\n"
        "screenshot (https://i.redd.it/x.png) gone https://acme.example/"
    )


def storm_after_a_first_poll(reddit: Reddit, name: str, count: int) -> list[str]:
    """`count` new posts (five a page with `small_pages`) after a first poll left a cursor; their fullnames."""
    storm = [post(f"{name}{n}", T + 1 + n, f"Acme storm {n}") for n in range(count)]
    reddit.posts = [post(f"{name}x", T, "Acme"), *storm]
    return [child["data"]["name"] for child in storm]


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_faulty_second_page_keeps_the_first_and_the_next_poll_reads_on_from_it(
    reddit: Reddit, small_pages: int, fault: str
) -> None:
    names = storm_after_a_first_poll(reddit, "m", 12)
    cursor = json.dumps({"newest": T, "seen": {"t3_mx": T}})
    second = json.dumps(reddit.search({"after": "t3_m7", "limit": "5"})).encode()
    reddit.page_faults["t3_m7"] = faulty(fault, second)

    await loses_nothing(reddit_source(reddit.api), cursor, names, 5, fault)

    assert reddit.page_faults["t3_m7"] == []  # every faulty answer was served ...
    assert [request.get("after") for request in reddit.requests[:3]] == [None, "t3_m7", "t3_m7"]  # ... at page two


async def test_an_unreadable_first_answer_is_quarantined_before_the_source_fails(reddit: Reddit) -> None:
    reddit.page_faults[""] = [(200, b"<html><body>Our CDN is having a moment</body></html>")] * 2
    source = reddit_source(reddit.api)
    batches = source.run(None)
    quarantined = await anext(batches)
    with pytest.raises(SourceError, match=r"^127\.0\.0\.1 answered no JSON \(Expecting value"):
        await anext(batches)
    await batches.aclose()  # type: ignore[attr-defined]

    assert (quarantined.mentions, quarantined.cursor) == ([], None)
    [(raw, _)] = quarantined.quarantined
    assert raw.startswith(b"<html>")
    with pytest.raises(SourceError, match="answered no JSON"):  # the same answer again: only a failure
        await take(source.run(None), 1)


@pytest.mark.parametrize(
    ("url", "cleaned"),
    [
        ("https://a.example/p?utm_source=x&UTM_Medium=y&id=7&fbclid=z#top", "https://a.example/p?id=7#top"),
        ("https://a.example/p?q=caf%C3%A9&ref=hn", "https://a.example/p?q=caf%C3%A9"),
        ("https://a.example/p?share_id=abc", "https://a.example/p"),
        ("https://a.example/p?reference=1&gclid", "https://a.example/p?reference=1"),
        ("http://[oops/?utm_source=x", "http://[oops/?utm_source=x"),  # not an address: left as it is
    ],
)
def test_tracking_parameters_are_taken_off_addresses(url: str, cleaned: str) -> None:
    assert clean_url(url) == cleaned


async def test_a_search_recorded_from_reddit_reads_as_people_see_it(reddit: Reddit) -> None:
    """Three posts of a search answer PRAW recorded from Reddit (raw_json=1): the subreddit leads
    the text, Markdown (code blocks, emphasis) is plain text, the permalink loses `?ref=`."""
    reddit.posts = json.loads((RECORDED / "praw_search.json").read_text(encoding="utf-8"))["data"]["children"]
    [batch] = await take(reddit_source(reddit.api).run(None), 1)

    assert batch.quarantined == []
    assert [(m.native_id, m.author) for m in batch.mentions] == [
        ("t3_1qvzkd", "u/DAsSNipez"),
        ("t3_3b4erh", "u/Ouiski"),
        ("t3_3x4kt2", "u/GrinningMouth38"),
    ], "oldest first"
    code, scraping, question = batch.mentions
    assert question.text == (
        "r/redditdev: [PRAW] Is there an easy way of getting a list of the subreddits I am subscribed to, without "
        "using OAuth?\n\nAs the title says.  I have done a bit of looking around and I can't seem to find an easy way "
        "of doing this.  I am simply looking to return a list of my own subscribed subs and then do a quick search "
        "through each of them.\n\nThanks"
    )
    assert (
        question.url
        == "https://www.reddit.com/r/redditdev/comments/3x4kt2/praw_is_there_an_easy_way_of_getting_a_list_of/"
    )
    assert question.posted_at == datetime(2015, 12, 16, 21, 3, 6, tzinfo=UTC)
    assert code.text.startswith(
        "r/redditdev: Praw, opening a user page.\n\nIs it possible to do this?\n\nSo instead of:\n\n"
        "reddit_object.get_subreddit('redditdev')\n\nI would have something like:\n\n"
        "reddit_object.get_userpage('DAsSNipez')\n\n"
    )
    assert "I don't think that's what I want" in code.text, "emphasis is plain text"
    assert scraping.text.startswith("r/learnpython: Collecting submission data from Reddit\n\nFirst off, ")
    assert "https://github.com/reddit/reddit/wiki/OAuth2-Quick-Start-Example" in scraping.text
