"""The Reddit source against a real HTTP server on 127.0.0.1 that answers like Reddit's
`/search.json`: a Listing of `t3` children, newest first with `sort=new`, paged by `after`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from smwar.sources.base import SourceError, http_client
from smwar.sources.recent import RecentCursor
from smwar.sources.reddit import RedditSettings, RedditSource
from tests.local_http import serving, take

T = 1_795_852_800.0  # 2026-11-22 05:20:00 UTC


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
    requests: list[dict[str, str]] = field(default_factory=list)

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
        limits = {"x-ratelimit-used": "1", "x-ratelimit-remaining": str(state.remaining), "x-ratelimit-reset": "42"}
        if state.failures:
            status, extra = state.failures.pop(0)
            body = json.dumps({"message": "Too Many Requests", "error": status}).encode()
            return status, {**json_type, **extra}, body
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
    assert deleted.text == "Acme deleted my account\n\nNo warning, no answer from support &amp; <b>no</b> refund."
    assert deleted.url == "https://www.reddit.com/r/sysadmin/comments/1h2g3f4/acme_deleted_my_account/"
    assert deleted.posted_at == datetime.fromtimestamp(T, UTC)
    assert deleted.lang is None
    assert down.text == "Is Acme down for anyone else?"
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
