"""The Bluesky source against real servers on 127.0.0.1: a websocket server that replays real
Jetstream events (tests/fixtures/jetstream) honouring `cursor`, and an HTTP server that
answers searchPosts, createSession and refreshSession as the API documents them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import keyring
import pytest
from click.testing import CliRunner
from websockets.asyncio.server import ServerConnection, serve

from smwar.cli import main
from smwar.clock import ManualClock
from smwar.engine.ingest import Handover
from smwar.engine.session import Session
from smwar.journal.store import Journal
from smwar.model import DELETED, EDITED
from smwar.paths import config_file
from smwar.runbooks.definitions import RunbookSet
from smwar.sources.base import MAX_ITEM_BYTES, Batch, SourceError
from smwar.sources.bluesky import JETSTREAM_REWIND_US, BlueskySource
from smwar.sources.runner import SourceRunner
from smwar.sources.settings import BlueskySettings
from tests.local_http import Collected, until
from tests.memory_keyring import FileKeyring

FIXTURES = Path(__file__).parent / "fixtures" / "jetstream"
LINES = (FIXTURES / "expected_v1.jsonl").read_text(encoding="utf-8").splitlines()
PROFILES = json.loads((FIXTURES / "getProfiles.json").read_text(encoding="utf-8"))["profiles"]
NOWHERE = "http://127.0.0.1:9"  # an AppView that refuses every connection: no profiles, no quoted texts
# an update and two deletions of matching posts, after the events above (see SOURCES.md)
REVISION_LINES = (FIXTURES / "revisions_v1.jsonl").read_text(encoding="utf-8").splitlines()
# "Reuters" only occurs in a link card's description, never in a post's text: it must match nothing.
KEYWORDS = ["band", "MAGA", "tic tac", "election", "Reuters"]
PASSWORD = "abcd-efgh-ijkl-mnop"


# -- what the fixture holds, worked out here independently of the source ------------------------


def time_of(line: str) -> int | None:
    try:
        value = json.loads(line).get("time_us")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def post_created(line: str) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """(at-uri, event, record) if `line` is the creation of a post."""
    event = json.loads(line)
    commit = event.get("commit", {})
    if event["kind"] != "commit" or (commit["operation"], commit["collection"]) != ("create", "app.bsky.feed.post"):
        return None
    return f"at://{event['did']}/app.bsky.feed.post/{commit['rkey']}", event, commit["record"]


def matching_posts(lines: list[str], keywords: list[str]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """at-uri -> (event, record) of every post create whose text holds a keyword."""
    found: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for line in lines:
        if created := post_created(line):
            uri, event, record = created
            if any(keyword.casefold() in record["text"].casefold() for keyword in keywords):
                found[uri] = (event, record)
    return found


EXPECTED = matching_posts(LINES, KEYWORDS)
LAST_TIME = max(t for line in LINES if (t := time_of(line)) is not None)


def cursor_time(batch: Batch) -> int | None:
    return json.loads(batch.cursor).get("time_us") if batch.cursor else None


# -- a Jetstream replay ----------------------------------------------------------------------------


@dataclass
class Replay:
    """Serves `lines` to each subscriber, only those after its `cursor` (a line that has no time_us
    goes with the line before it); the first connection is cut after `drop_after` lines."""

    lines: list[str]
    drop_after: int | None = None
    queries: list[dict[str, list[str]]] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)

    async def handler(self, ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path if ws.request else "").query)
        self.queries.append(query)
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        drop = self.drop_after if len(self.queries) == 1 else None
        sent, position = 0, 0
        for line in self.lines:
            position = time_of(line) or position
            if cursor is not None and position <= cursor:
                continue
            await ws.send(line)
            sent += 1
            if sent == drop:
                self.sent.append(sent)
                ws.transport.abort()  # no closing handshake: the connection just goes
                return
        self.sent.append(sent)
        await ws.wait_closed()  # then idle, as a quiet firehose would be


@dataclass
class Server:
    replay: Replay
    url: str


@contextlib.asynccontextmanager
async def jetstream(lines: list[str], drop_after: int | None = None) -> AsyncIterator[Server]:
    replay = Replay(lines, drop_after)
    async with serve(replay.handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        yield Server(replay, f"ws://127.0.0.1:{port}/subscribe")


def stream_settings(url: str, keywords: list[str] = KEYWORDS, appview: str = NOWHERE) -> BlueskySettings:
    return BlueskySettings(
        id="bsky", kind="bluesky", jetstream=True, keywords=keywords, jetstream_url=url, appview=appview
    )


async def batches_until(
    source: BlueskySource, cursor: str | None, done: Callable[[list[Batch]], bool], seconds: float = 8.0
) -> list[Batch]:
    batches: list[Batch] = []
    run = source.run(cursor)
    try:
        async with asyncio.timeout(seconds):
            async for batch in run:
                batches.append(batch)
                if done(batches):
                    break
    finally:
        await run.aclose()
    return batches


def caught_up(batches: list[Batch]) -> bool:
    return bool(batches) and cursor_time(batches[-1]) == LAST_TIME


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


# -- Jetstream -------------------------------------------------------------------------------------


async def test_jetstream_keeps_exactly_the_post_creates_that_match_and_drops_everything_else(api: Api) -> None:
    kinds = {json.loads(line)["kind"] for line in LINES}
    assert {"commit", "identity", "account"} <= kinds, "the fixture has the kinds this test is about"
    assert 0 < len(EXPECTED) < len(matching_posts(LINES, [""])), "some posts match, others do not"
    assert any("reply" in record for _, record in EXPECTED.values()), "some matching posts are replies"
    api.profiles = PROFILES
    quoted = post_view(1, "Die AquaPro ist undicht")  # what getPosts knows of the post a quote post quotes
    api.add(quoted)
    quote = json.loads(LINES[24])
    quote["time_us"] = LAST_TIME
    quote["commit"]["rkey"] = "3quotepost22a"
    quote["commit"]["record"]["embed"] = {
        "$type": "app.bsky.embed.record",
        "record": {"uri": quoted["uri"], "cid": "b"},
    }
    quote_uri = f"at://{quote['did']}/app.bsky.feed.post/3quotepost22a"

    async with jetstream([*LINES, json.dumps(quote, ensure_ascii=False)]) as server:
        source = BlueskySource(stream_settings(server.url, appview=api.base("appview")))
        batches = await batches_until(source, None, lambda got: quote_uri in [m.native_id for m in got[-1].mentions])
        assert server.replay.queries == [{"wantedCollections": ["app.bsky.feed.post"]}], "no cursor: live tail"

    mentions = [m for batch in batches for m in batch.mentions]
    assert sorted(m.native_id for m in mentions) == sorted([*EXPECTED, quote_uri])
    assert not [item for batch in batches for item in batch.quarantined]
    profiles = {profile["did"]: profile for profile in PROFILES}
    for mention in mentions:
        if mention.native_id == quote_uri:
            assert mention.text == f"{quote['commit']['record']['text']}\n[quote] Die AquaPro ist undicht"
            assert mention.quote_of == quoted["uri"]
            continue
        event, record = EXPECTED[mention.native_id]
        rkey = event["commit"]["rkey"]
        profile = profiles.get(event["did"], {})
        handle = profile.get("handle", "handle.invalid")
        assert mention.author == (event["did"] if handle == "handle.invalid" else handle), "a handle, else the DID"
        assert mention.author_name == (profile.get("displayName") or None)
        assert mention.followers == profile.get("followersCount")
        assert mention.network == "bluesky"
        assert mention.text == record["text"]
        assert mention.url == f"https://bsky.app/profile/{event['did']}/post/{rkey}"
        assert mention.lang == (record.get("langs") or [None])[0]
        assert mention.posted_at == datetime.fromisoformat(record["createdAt"])
        assert mention.reply_to == (record["reply"]["parent"]["uri"] if "reply" in record else None)
        assert mention.quote_of is None
    assert {m.author for m in mentions} >= {"oldguard.test", "uninsurable.test", "did:plc:ybqkf2mtfbwx3qhga63mttja"}
    asked = [query["actors"] for _, path, query, _ in api.requests if path.endswith("getProfiles")]
    assert sorted(did for actors in asked for did in actors) == sorted({event["did"] for event, _ in EXPECTED.values()})
    assert [query["uris"] for _, path, query, _ in api.requests if path.endswith("getPosts")] == [[quoted["uri"]]]


async def test_profiles_are_looked_up_25_at_a_time_kept_and_a_failed_lookup_loses_nothing(api: Api) -> None:
    posts = [post_view(n, f"AquaPro {n}") for n in range(30)]
    for n, post in enumerate(posts):  # thirty authors, whose handles searchPosts gives
        post["author"] = {"did": f"did:plc:author{n:02d}", "handle": f"user{n}.bsky.social"}
        post["uri"] = f"at://did:plc:author{n:02d}/app.bsky.feed.post/3lpost{n:05d}"
    api.add(*posts)
    api.page_size = 100
    api.profiles = [{"did": f"did:plc:author{n:02d}", "handle": f"new{n}.test", "followersCount": n} for n in range(29)]
    source = searcher(api)
    first = await first_batch(source)
    asked = [len(query["actors"]) for _, path, query, _ in api.requests if path.endswith("getProfiles")]
    assert asked == [25, 5]
    by_id = {m.native_id: m for m in first.mentions}
    assert [(by_id[p["uri"]].author, by_id[p["uri"]].followers) for p in posts[27:]] == [
        ("new27.test", 27),
        ("new28.test", 28),
        ("user29.bsky.social", None),  # unknown to getProfiles: as search had it
    ]

    api.add(*(post_view(n, f"AquaPro {n}") for n in range(100, 103)))
    api.profiles = []
    api.lookups_fail = True
    second = await first_batch(source, first.cursor)
    assert len(second.mentions) == 3, "a lookup that fails loses no mention"
    assert {m.author for m in second.mentions} == {f"user{n}.bsky.social" for n in range(3)}
    again = [post_view(n, f"AquaPro {n}") for n in (201, 202)]
    for n, post in enumerate(again, start=1):  # by authors looked up in the first poll
        post["author"]["did"] = f"did:plc:author{n:02d}"
        post["uri"] = f"at://did:plc:author{n:02d}/app.bsky.feed.post/3lpost{n + 200:05d}"
    api.add(*again)
    third = await first_batch(source, second.cursor)
    assert [m.followers for m in third.mentions] == [1, 2], "looked up before: not asked again"
    lookups = [path for _, path, _, _ in api.requests if path.endswith("getProfiles")]
    assert len(lookups) == 3, "the failed lookup pauses lookups: the third poll asks nothing"


async def test_profiles_kept_in_the_journal_are_not_looked_up_again_after_a_restart_until_they_expire(
    api: Api, tmp_path: Path
) -> None:
    posts = [post_view(n, f"AquaPro {n}") for n in range(3)]
    api.add(*posts)
    api.profiles = [{"did": f"did:plc:author{n}", "handle": f"new{n}.test", "followersCount": 10 + n} for n in (0, 1)]

    def lookups() -> int:
        return sum(1 for _, path, _, _ in api.requests if path.endswith("getProfiles"))

    with Journal.open(tmp_path / "live.sqlite") as journal:
        first = await first_batch(BlueskySource(search_settings(api), PASSWORD, journal=journal))
        assert lookups() == 1
        restarted = await first_batch(BlueskySource(search_settings(api), PASSWORD, journal=journal))
        assert lookups() == 1, "a restart finds the profiles in the journal"
        assert [(m.author, m.followers) for m in restarted.mentions] == [
            (m.author, m.followers) for m in first.mentions
        ]
        assert {(m.author, m.followers) for m in first.mentions} >= {("new0.test", 10), ("new1.test", 11)}
        later = datetime.now(UTC) + timedelta(hours=25)
        assert journal.known_profiles(["did:plc:author0", "did:plc:author2"], later) == {}, "expired in 24 h"
        kept = journal.known_profiles(["did:plc:author0", "did:plc:author2"], datetime.now(UTC))
        assert kept["did:plc:author0"][0] == ("new0.test", None, 10)
        assert kept["did:plc:author2"][0] is None, "unknown to getProfiles: kept as not found"
        with journal.writing() as db:
            db.execute("UPDATE profiles SET expires = ?", ["2000-01-01T00:00:00.000000+00:00"])
        await first_batch(BlueskySource(search_settings(api), PASSWORD, journal=journal))
        assert lookups() == 2, "expired: looked up again"


def post_revisions(lines: list[str]) -> list[tuple[str, str, str | None]]:
    """(at-uri, kind, new text) of every update and delete of a post in `lines`."""
    found = []
    for line in lines:
        event = json.loads(line)
        commit = event.get("commit", {})
        if event["kind"] == "commit" and commit["collection"] == "app.bsky.feed.post":
            uri = f"at://{event['did']}/app.bsky.feed.post/{commit['rkey']}"
            if commit["operation"] == "update":
                found.append((uri, EDITED, commit["record"]["text"]))
            elif commit["operation"] == "delete":
                found.append((uri, DELETED, None))
    return found


async def test_updates_and_deletions_of_posts_become_revisions_of_their_mentions_once(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    lines = [*LINES, *REVISION_LINES]
    expected = post_revisions(lines)
    assert len(expected) == 4, "the real deletion of a post that matched nothing, and three of matching posts"
    collected = Collected()
    # the connection drops right after the edit: the resumed stream sends it (and more) again
    async with jetstream(lines, drop_after=len(LINES) + 1) as server:
        runner = SourceRunner(BlueskySource(stream_settings(server.url)), None, collected, base_delay=0.01)
        task = asyncio.create_task(runner.run_forever())
        last = time_of(lines[-1])
        try:
            await until(lambda: bool(collected.batches) and cursor_time(collected.batches[-1]) == last)
        finally:
            await stop(task)
        assert len(server.replay.queries) == 2 and server.replay.sent[1] > 1, "the edit was sent twice"
    revisions = [revision for batch in collected.batches for revision in batch.revisions]
    assert [(r.native_id, r.kind, r.text) for r in revisions] == expected, "each once, in order"
    assert all(r.network == "bluesky" for r in revisions)
    assert revisions[1].at == datetime.fromtimestamp(json.loads(REVISION_LINES[0])["time_us"] / 1e6, UTC)
    assert sorted(collected.ids) == sorted(EXPECTED), "no mention lost or doubled"

    with Journal.open(tmp_path / "live.sqlite") as journal:  # the pipeline keeps them on the mentions
        handover = Handover()
        session = Session(journal, runbooks, ManualClock(datetime(2026, 7, 4, 15, tzinfo=UTC)), handover, "anna")
        for batch in collected.batches:
            handover.give(batch)
            session.pipeline.poll()
        items = {item.mention.native_id: item for item in journal.mentions()}
        assert len(items) == len(EXPECTED)
        edited, deleted = expected[1][0], expected[2][0]
        assert items[edited].mention.text == EXPECTED[edited][1]["text"], "the first text stays"
        assert [(r.kind, r.text) for r in journal.revisions_of(items[edited].id)] == [
            (EDITED, expected[1][2]),
            (DELETED, None),
        ]
        assert items[edited].revised == DELETED and items[deleted].revised == DELETED
        assert sum(len(journal.revisions_of(item.id)) for item in items.values()) == 3


def cut_before_a_late_post(lines: list[str]) -> int:
    """After how many lines to cut the connection so that a matching post still to come is the
    furthest behind the newest event already sent (resuming exactly at the cursor would lose it)."""
    posts = matching_posts(lines, KEYWORDS)
    post_times = [
        (index, time_of(line))
        for index, line in enumerate(lines)
        if (created := post_created(line)) and created[0] in posts
    ]
    best, best_lag = 0, 0
    for cut in range(1, len(lines)):
        newest_sent = max(t for line in lines[:cut] if (t := time_of(line)) is not None)
        lag = max((newest_sent - (t or 0) for index, t in post_times if index >= cut), default=0)
        if lag > best_lag:
            best, best_lag = cut, lag
    assert best_lag > 0, "the fixture's events arrive out of order"
    return best


async def test_a_dropped_connection_resumes_from_the_cursor_without_duplicates_or_losses() -> None:
    # The real events, their times stretched a hundredfold: they span about 32 s instead of 0.3 s,
    # so resuming 5 s back replays only part of them, while the real out-of-order arrival (up to
    # 33 ms, now 3.3 s) must still not lose anything.
    start = min(t for line in LINES if (t := time_of(line)) is not None)
    stretched = []
    for line in LINES:
        event = json.loads(line)
        event["time_us"] = start + (event["time_us"] - start) * 100
        stretched.append(json.dumps(event, ensure_ascii=False))
    last = max(t for line in stretched if (t := time_of(line)) is not None)

    collected = Collected()
    async with jetstream(stretched, drop_after=cut_before_a_late_post(stretched)) as server:
        source = BlueskySource(stream_settings(server.url))
        runner = SourceRunner(source, None, collected, base_delay=0.01)
        task = asyncio.create_task(runner.run_forever())
        try:
            await until(lambda: bool(collected.batches) and cursor_time(collected.batches[-1]) == last)
        finally:
            await stop(task)
        first, second = server.replay.queries
    resumed_from = cursor_time(collected.batches[0])
    assert resumed_from is not None and "cursor" not in first
    assert second["cursor"] == [str(resumed_from - JETSTREAM_REWIND_US)], "resumes a little before the cursor"
    assert server.replay.sent[1] < len(stretched), "the server replayed only what came after the cursor"
    assert sorted(collected.ids) == sorted(EXPECTED), "every matching post once: none lost, none twice"
    assert runner.health().state == "live"


async def test_malformed_events_are_quarantined_and_the_rest_still_arrive() -> None:
    post_lines = [line for line in LINES if '"app.bsky.feed.post"' in line and '"create"' in line]
    wrong_type = json.loads(post_lines[0])
    wrong_type["commit"]["record"]["text"] = 42
    oversized = json.loads(post_lines[1])
    oversized["commit"]["record"]["text"] = "band " + "x" * MAX_ITEM_BYTES
    no_time = json.loads(post_lines[2])
    del no_time["time_us"]
    quote = json.loads(post_lines[3])
    quote["commit"]["rkey"] = "3quotepost22a"
    quote["commit"]["record"] = {
        "$type": "app.bsky.feed.post",
        "createdAt": "2026-07-04T14:38:09.000Z",
        "text": "Look at what this BAND said",
        "embed": {
            "$type": "app.bsky.embed.record",
            "record": {"uri": "at://did:plc:x/app.bsky.feed.post/3q", "cid": "b"},
        },
    }
    broken = {
        "{not json": "JSONDecodeError",
        "[1, 2, 3]": "expected a JSON object",
        json.dumps(wrong_type): "text is not a string",
        json.dumps(oversized): "too large",
        json.dumps(no_time): "time_us",
        json.dumps({"did": "did:plc:x", "time_us": LAST_TIME - 1, "kind": "commit", "commit": "?"}): "commit",
    }
    harmless = [
        json.dumps({"did": "did:plc:x", "time_us": LAST_TIME - 2, "kind": "labels", "labels": [1, 2]}),
        json.dumps({"did": "did:plc:x", "time_us": LAST_TIME - 3, "kind": "commit", "commit": {"operation": "x"}}),
        json.dumps(quote),
    ]
    lines = list(LINES)
    for offset, injected in enumerate([*broken, *harmless]):
        lines.insert(10 + offset * 13, injected)

    collected, replayed = Collected(), Collected()
    async with jetstream(lines) as server:
        source = BlueskySource(stream_settings(server.url))
        runner = SourceRunner(source, None, collected, base_delay=0.01)
        task = asyncio.create_task(runner.run_forever())
        try:
            await until(lambda: caught_up(collected.batches))
        finally:
            await stop(task)
        task = asyncio.create_task(SourceRunner(source, runner.cursor, replayed, base_delay=0.01).run_forever())
        try:  # it resumes 5 s back: the server sends it all again
            await until(lambda: bool(replayed.batches))
        finally:
            await stop(task)
        assert server.replay.sent == [len(lines), len(lines)]
    batches = collected.batches

    mentions = {m.native_id: m for batch in batches for m in batch.mentions}
    quote_uri = f"at://{quote['did']}/app.bsky.feed.post/3quotepost22a"
    assert sorted(mentions) == sorted([*EXPECTED, quote_uri])
    assert mentions[quote_uri].quote_of == "at://did:plc:x/app.bsky.feed.post/3q"
    quarantined = [item for batch in batches for item in batch.quarantined]
    assert len(quarantined) == len(broken)
    for (raw, why), (line, expected_why) in zip(quarantined, broken.items(), strict=True):
        assert expected_why in why
        assert raw == line.encode()[:MAX_ITEM_BYTES]
    assert not [batch for batch in replayed.batches if batch.mentions or batch.quarantined], "a replay repeats nothing"


# -- search ----------------------------------------------------------------------------------------

T0 = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)


def iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def post_view(number: int, text: str, **record: Any) -> dict[str, Any]:
    """A postView as searchPosts gives it (fields as the lexicon has them)."""
    did = f"did:plc:author{number % 3}"
    at = T0 + timedelta(minutes=number)
    return {
        "uri": f"at://{did}/app.bsky.feed.post/3lpost{number:05d}",
        "cid": f"bafyrei{number:020d}",
        "author": {"did": did, "handle": f"user{number % 3}.bsky.social", "displayName": f"User {number % 3}"},
        "record": {"$type": "app.bsky.feed.post", "createdAt": iso(at), "langs": ["de"], "text": text, **record},
        "replyCount": 0,
        "repostCount": 0,
        "likeCount": 0,
        "quoteCount": 0,
        "indexedAt": iso(at + timedelta(seconds=1)),
        "labels": [],
    }


@dataclass
class Api:
    """searchPosts (anonymous under /appview, with a session under /pds), getProfiles and getPosts
    (under /appview, and getPosts with a session under /pds too), createSession and
    refreshSession; `answers` are given instead, one per searchPosts request, while there are any,
    and `refetches` likewise for getPosts under /pds."""

    port: int = 0
    posts: list[dict[str, Any]] = field(default_factory=list)  # newest first
    page_size: int = 3
    answers: list[tuple[int, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, list[str]], str | None]] = field(default_factory=list)
    valid_access: set[str] = field(default_factory=set)
    valid_refresh: set[str] = field(default_factory=set)
    issued: int = 0
    profiles: list[dict[str, Any]] = field(default_factory=list)  # what getProfiles knows
    lookups_fail: bool = False  # getProfiles and getPosts answer 502
    refetches: list[tuple[int, dict[str, str], dict[str, Any]]] = field(default_factory=list)

    def base(self, prefix: str) -> str:
        return f"http://127.0.0.1:{self.port}/{prefix}"

    def add(self, *posts: dict[str, Any]) -> None:
        self.posts[:0] = sorted(posts, key=lambda post: post["indexedAt"], reverse=True)

    def issue(self) -> dict[str, str]:
        self.issued += 1
        access, refresh = f"access-{self.issued}", f"refresh-{self.issued}"
        self.valid_access.add(access)
        self.valid_refresh.add(refresh)
        return {"did": "did:plc:me", "handle": "me.bsky.social", "accessJwt": access, "refreshJwt": refresh}

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], bearer: str | None, body: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        self.requests.append((method, path, query, bearer))
        if path == "/pds/xrpc/com.atproto.server.createSession":
            sent = json.loads(body)
            if sent != {"identifier": "me.bsky.social", "password": PASSWORD}:
                return 401, {}, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
            return 200, {}, self.issue()
        if path == "/pds/xrpc/com.atproto.server.refreshSession":
            if bearer not in self.valid_refresh:
                return 400, {}, {"error": "ExpiredToken", "message": "Token has expired"}
            self.valid_refresh.discard(bearer)
            return 200, {}, self.issue()
        if self.lookups_fail and path.startswith("/appview/"):
            return 502, {}, {"error": "UpstreamFailure", "message": "Upstream Failure"}
        lookups = {
            "app.bsky.actor.getProfiles": ("actors", "profiles", "did"),
            "app.bsky.feed.getPosts": ("uris", "posts", "uri"),
        }
        if path == "/pds/xrpc/app.bsky.feed.getPosts":
            if bearer not in self.valid_access:
                return 401, {}, {"error": "ExpiredToken", "message": "Token has expired"}
            if self.refetches:
                return self.refetches.pop(0)
        if path.startswith(("/appview/xrpc/", "/pds/xrpc/app.bsky.feed.getPosts")) and (
            lookup := lookups.get(path.rsplit("/", 1)[1])
        ):
            param, key, id_field = lookup
            if len(query[param]) > 25:
                message = f"Error: {param} must not have more than 25 elements"
                return 400, {}, {"error": "InvalidRequest", "message": message}
            known = self.profiles if key == "profiles" else self.posts
            return 200, {}, {key: [item for item in known if item[id_field] in query[param]]}
        if path.endswith("/xrpc/app.bsky.feed.searchPosts"):
            if path.startswith("/pds/") and bearer not in self.valid_access:
                return 401, {}, {"error": "ExpiredToken", "message": "Token has expired"}
            if self.answers:
                return self.answers.pop(0)
            term = query["q"][0].casefold()
            hits = [post for post in self.posts if term in json.dumps(post["record"]).casefold()]
            offset = int(query.get("cursor", ["0"])[0])
            page: dict[str, Any] = {"posts": hits[offset : offset + self.page_size]}
            if offset + self.page_size < len(hits):
                page["cursor"] = str(offset + self.page_size)
            return 200, {}, page
        return 404, {}, {"error": "MethodNotImplemented", "message": "not here"}


@pytest.fixture
def api() -> Iterator[Api]:
    state = Api()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            auth = self.headers.get("Authorization")
            bearer = auth.removeprefix("Bearer ") if auth else None
            with lock:
                status, headers, payload = state.answer(self.command, url.path, parse_qs(url.query), bearer, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def search_settings(api: Api, **extra: Any) -> BlueskySettings:
    return BlueskySettings(
        id="bsky",
        kind="bluesky",
        search=["AquaPro"],
        appview=api.base("appview"),
        pds=api.base("pds"),
        **{"handle": "me.bsky.social", **extra},
    )


def searcher(api: Api) -> BlueskySource:
    """A search source logged in with its app password."""
    return BlueskySource(search_settings(api), PASSWORD)


async def first_batch(source: BlueskySource, cursor: str | None = None) -> Batch:
    run = source.run(cursor)
    try:
        async with asyncio.timeout(5):
            return await anext(run)
    finally:
        await run.aclose()


async def test_search_pages_back_to_what_it_has_seen_and_loses_nothing(api: Api) -> None:
    api.add(*(post_view(n, f"AquaPro Nummer {n}") for n in range(5)), post_view(99, "nothing to do with it"))
    source = searcher(api)

    first = await first_batch(source)
    assert [m.text for m in first.mentions] == ["AquaPro Nummer 2", "AquaPro Nummer 3", "AquaPro Nummer 4"], (
        "a new term takes one page of the newest, oldest first"
    )
    assert json.loads(first.cursor or "")["search"]["AquaPro"]["uri"].endswith("3lpost00004")

    quoted = {"$type": "app.bsky.embed.record", "record": {"uri": "at://did:plc:q/app.bsky.feed.post/1", "cid": "c"}}
    with_media = {
        "$type": "app.bsky.embed.recordWithMedia",
        "record": {
            "$type": "app.bsky.embed.record",
            "record": {"uri": "at://did:plc:q/app.bsky.feed.post/2", "cid": "c"},
        },
        "media": {"$type": "app.bsky.embed.images", "images": []},
    }
    reply = {"root": {"uri": "at://did:plc:r/app.bsky.feed.post/0", "cid": "c"}}
    reply["parent"] = {"uri": "at://did:plc:r/app.bsky.feed.post/9", "cid": "c"}
    newer = [post_view(n, f"AquaPro Nummer {n}") for n in range(5, 13)]
    newer[0]["record"]["embed"] = quoted
    newer[1]["record"]["embed"] = with_media
    newer[2]["record"]["reply"] = reply
    newer[3]["record"]["text"] = ["AquaPro", "Nummer 8"]
    api.add(*newer)
    second = await first_batch(searcher(api), first.cursor)

    pages = [q.get("cursor") for _, path, q, _ in api.requests if path.endswith("searchPosts")][1:]
    assert pages == [None, ["3"], ["6"]], "three pages of three reach the posts seen before"
    expected = [f"AquaPro Nummer {n}" for n in range(5, 13) if n != 8]
    assert [m.text for m in second.mentions] == expected
    [(raw, why)] = second.quarantined
    assert json.loads(raw)["uri"] == newer[3]["uri"] and "text" in why
    by_text = {m.text: m for m in second.mentions}
    five = by_text["AquaPro Nummer 5"]
    assert (five.author, five.author_name, five.lang, five.followers) == ("user2.bsky.social", "User 2", "de", None)
    assert five.url == "https://bsky.app/profile/did:plc:author2/post/3lpost00005"
    assert five.posted_at == T0 + timedelta(minutes=5)
    assert five.quote_of == "at://did:plc:q/app.bsky.feed.post/1"
    assert by_text["AquaPro Nummer 6"].quote_of == "at://did:plc:q/app.bsky.feed.post/2"
    assert by_text["AquaPro Nummer 7"].reply_to == "at://did:plc:r/app.bsky.feed.post/9"
    assert json.loads(second.cursor or "")["search"]["AquaPro"]["uri"].endswith("3lpost00012")

    third = await first_batch(searcher(api), second.cursor)
    assert third.mentions == [] and third.quarantined == [], "nothing new: nothing twice"


async def test_quoted_text_and_alt_text_become_part_of_the_text_marked_as_such(api: Api) -> None:
    quoted = post_view(1, "Die AquaPro ist undicht")
    quote = post_view(2, "AquaPro? Na super.", embed=QUOTE_EMBED)  # as the lexicon's embed views have it
    quote["embed"] = {"$type": "app.bsky.embed.record#view", "record": record_view(quoted)}
    pictures = post_view(3, "AquaPro", embed={"$type": "app.bsky.embed.images", "images": [image("Wasser"), image("")]})
    both = post_view(4, "", embed={**MEDIA_EMBED, "media": {"$type": "app.bsky.embed.video", "alt": " AquaPro-Flut "}})
    both["embed"] = {
        "$type": "app.bsky.embed.recordWithMedia#view",
        "record": {"$type": "app.bsky.embed.record#view", "record": record_view(quoted)},
        "media": {"$type": "app.bsky.embed.video#view", "cid": "c", "playlist": "https://video.bsky.app/x.m3u8"},
    }
    gone = post_view(5, "AquaPro?", embed=QUOTE_EMBED)
    gone["embed"] = {
        "$type": "app.bsky.embed.record#view",
        "record": {"$type": "app.bsky.embed.record#viewNotFound", "uri": quoted["uri"], "notFound": True},
    }
    api.page_size = 10
    api.add(quote, pictures, both, gone)
    batch = await first_batch(searcher(api))
    assert [m.text for m in batch.mentions] == [
        "AquaPro? Na super.\n[quote] Die AquaPro ist undicht",
        "AquaPro\n[image: Wasser]\n[image]",
        "[video: AquaPro-Flut]\n[quote] Die AquaPro ist undicht",
        "AquaPro?",
    ]

    image_only = json.loads(LINES[28])  # a real post of a picture and a line of text, the alt text empty
    image_only["commit"]["record"]["embed"]["images"][0]["alt"] = "A band on stage"
    async with jetstream([json.dumps(image_only, ensure_ascii=False), LINES[30]]) as server:
        batches = await batches_until(BlueskySource(stream_settings(server.url)), None, lambda got: bool(got))
    [found] = batches[0].mentions
    assert found.text == image_only["commit"]["record"]["text"] + "\n[image: A band on stage]", "keywords see alt text"


QUOTE_EMBED = {
    "$type": "app.bsky.embed.record",
    "record": {"uri": "at://did:plc:author1/app.bsky.feed.post/1", "cid": "c"},
}
MEDIA_EMBED = {"$type": "app.bsky.embed.recordWithMedia", "record": QUOTE_EMBED}


def image(alt: str) -> dict[str, Any]:
    blob = {"$type": "blob", "ref": {"$link": "bafkrei"}, "mimeType": "image/jpeg", "size": 1}
    return {"alt": alt, "image": blob, "aspectRatio": {"height": 3, "width": 4}}


def record_view(post: dict[str, Any]) -> dict[str, Any]:
    """The `app.bsky.embed.record#viewRecord` of a quoted postView."""
    return {
        "$type": "app.bsky.embed.record#viewRecord",
        "uri": post["uri"],
        "cid": post["cid"],
        "author": post["author"],
        "value": post["record"],
        "indexedAt": post["indexedAt"],
    }


async def test_rate_limits_and_server_errors_are_source_errors(api: Api) -> None:
    api.answers.append((429, {"Retry-After": "7"}, {"error": "RateLimitExceeded", "message": "slow down"}))
    with pytest.raises(SourceError) as limited:
        await first_batch(searcher(api))
    assert limited.value.retry_after == 7.0 and not limited.value.fatal

    api.add(post_view(1, "AquaPro leaks"))
    api.answers.append((500, {}, {"error": "InternalServerError", "message": "oops"}))
    collected = Collected()
    runner = SourceRunner(searcher(api), None, collected, base_delay=0.01)
    task = asyncio.create_task(runner.run_forever())
    try:
        await until(lambda: bool(collected.ids))
    finally:
        await stop(task)
    assert collected.ids == [api.posts[0]["uri"]], "after the 500 it tries again and gets the post"
    assert runner.health().state == "live"


async def test_login_with_an_app_password_uses_the_session_and_renews_it_once(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.add(post_view(1, "AquaPro leaks"))
    source = searcher(api)
    assert (await first_batch(source)).mentions[0].text == "AquaPro leaks"

    api.valid_access.clear()  # the access token expires: the session is refreshed
    await first_batch(source)
    api.valid_access.clear()
    api.valid_refresh.clear()  # and when the refresh token is gone too, it logs in again
    await first_batch(source)

    api.requests[:] = [request for request in api.requests if request[1].startswith("/pds/")]  # not lookups
    calls = [(path.rsplit(".", 1)[1], bearer) for _, path, _, bearer in api.requests]
    assert calls == [
        ("createSession", None),
        ("searchPosts", "access-1"),
        ("searchPosts", "access-1"),
        ("refreshSession", "refresh-1"),
        ("searchPosts", "access-2"),
        ("searchPosts", "access-2"),
        ("refreshSession", "refresh-2"),
        ("createSession", None),
        ("searchPosts", "access-3"),
    ]

    api.answers.extend([(401, {}, {"error": "AuthenticationRequired", "message": "no"})] * 2)
    with pytest.raises(SourceError) as refused:
        await first_batch(source)
    assert refused.value.fatal
    assert [path.rsplit(".", 1)[1] for _, path, _, _ in api.requests[9:]] == [
        "searchPosts",
        "refreshSession",
        "searchPosts",
    ], "a refused session is renewed once, not in a loop"

    with pytest.raises(SourceError) as wrong:
        await first_batch(BlueskySource(search_settings(api), "wrong-password"))
    assert wrong.value.fatal and "app password" in str(wrong.value)

    secrets = [PASSWORD, "wrong-password", *(f"{kind}-{n}" for kind in ("access", "refresh") for n in range(1, 6))]
    told = [str(refused.value), str(wrong.value), repr(source), caplog.text]
    assert not [secret for secret in secrets for text in told if secret in text]


async def test_without_an_app_password_search_fails_at_once_saying_how_to_sign_in(api: Api) -> None:
    api.add(post_view(1, "AquaPro leaks"))
    with pytest.raises(SourceError) as no_password:
        await first_batch(BlueskySource(search_settings(api)))  # a handle, no password in the keyring
    with pytest.raises(SourceError) as no_handle:
        await first_batch(BlueskySource(search_settings(api, handle=None), PASSWORD))
    assert no_password.value.fatal and no_handle.value.fatal, "no point trying again soon"
    assert "smwar auth set bluesky:me.bsky.social" in str(no_password.value)
    assert "set handle=" in str(no_handle.value) and "needs a login" in str(no_handle.value)
    assert api.requests == [], "nothing is asked anonymously"


def test_sources_test_says_when_search_has_no_app_password() -> None:
    keyring.set_keyring(FileKeyring())
    runner = CliRunner()
    config_file().parent.mkdir(parents=True, exist_ok=True)
    added = runner.invoke(main, ["sources", "add", "bluesky", "bsky", "search=AquaPro", "handle=me.bsky.social"])
    assert added.exit_code == 0, added.output
    failed = runner.invoke(main, ["sources", "test", "bsky"])
    assert failed.exit_code == 1
    assert "bsky: FAILED: Bluesky search needs a login" in failed.output
    assert "no app password is stored for me.bsky.social; store one with `smwar auth set bluesky:me.bsky.social`" in (
        failed.output
    )


def test_settings_refuse_a_source_that_follows_nothing() -> None:
    with pytest.raises(ValueError, match="keywords"):
        BlueskySettings(id="bsky", kind="bluesky", jetstream=True)
    with pytest.raises(ValueError, match="search terms"):
        BlueskySettings(id="bsky", kind="bluesky")
    with pytest.raises(ValueError, match="ws://"):
        BlueskySettings(id="bsky", kind="bluesky", search=["x"], jetstream_url="https://example.org")


# -- search: more new posts than one poll reads ------------------------------------------------------


def search_entry(batch: Batch) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads(batch.cursor or "")["search"]["AquaPro"]
    return entry


def search_pages(api: Api) -> int:
    return sum(1 for _, path, _, _ in api.requests if path.endswith("searchPosts"))


async def test_a_flood_of_posts_is_read_over_later_polls_each_post_once(api: Api) -> None:
    api.add(*(post_view(n, f"AquaPro {n}") for n in range(2)))
    first = await first_batch(searcher(api))
    delivered = [m.native_id for m in first.mentions]

    # 150 new posts: far more than 20 pages of 3. Some share one indexedAt across a page boundary.
    flood = [post_view(n, f"AquaPro {n}") for n in range(10, 160)]
    for post in flood[85:95]:
        post["indexedAt"] = flood[85]["indexedAt"]
    api.add(*flood)
    cursor = first.cursor
    gaps_seen: list[int] = []
    later = 1000
    for poll in range(12):
        if poll < 3:  # more posts keep coming while the gap is read: the page cursors shift
            api.add(*(post_view(later + k, f"AquaPro {later + k}") for k in range(4)))
            later += 4
        before = search_pages(api)
        batch = await first_batch(searcher(api), cursor)  # a new source: a restart
        assert search_pages(api) - before <= 20, "a poll reads at most 20 pages per term"
        delivered += [m.native_id for m in batch.mentions]
        cursor = batch.cursor
        gaps_seen.append(len(search_entry(batch).get("gaps", [])))
        if poll > 3 and not gaps_seen[-1]:
            break

    everything = [post["uri"] for post in api.posts]
    assert sorted(delivered) == sorted(everything), "every post, each once"
    assert gaps_seen[0] == 1 and gaps_seen[-1] == 0, f"a gap opens, then closes: {gaps_seen}"
    assert search_entry(batch)["uri"] == api.posts[0]["uri"]
    assert set(search_entry(batch)) == {"at", "uri"}, "without gaps the cursor is as it always was"

    again = await first_batch(searcher(api), cursor)
    assert again.mentions == [] and again.revisions == [], "nothing new: nothing twice"
    assert search_entry(again) == search_entry(batch), "only the posts' turns to be re-fetched have moved on"


async def test_a_cursor_saved_inside_a_gap_resumes_after_a_restart(api: Api) -> None:
    api.add(post_view(0, "AquaPro 0"))
    first = await first_batch(searcher(api))
    api.add(*(post_view(n, f"AquaPro {n}") for n in range(1, 101)))
    second = await first_batch(searcher(api), first.cursor)
    assert [m.text for m in second.mentions] == [f"AquaPro {n}" for n in range(41, 101)], "20 pages of the newest"

    [gap] = search_entry(second)["gaps"]
    assert gap["cursor"] == "60" and gap["floor"]["uri"] == api.posts[-1]["uri"]
    assert gap["top"]["uri"] == post_view(41, "")["uri"] and gap["seen"] == [gap["top"]["uri"]]
    stored = json.dumps(json.loads(second.cursor or ""), indent=2)  # as a store might keep it

    requests_before = len(api.requests)
    third = await first_batch(searcher(api), stored)
    queries = [q for _, path, q, _ in api.requests[requests_before:] if path.endswith("searchPosts")]
    assert [q.get("cursor") for q in queries][:2] == [None, ["60"]], "the newest first, then on from the gap's cursor"
    assert [m.text for m in third.mentions] == [f"AquaPro {n}" for n in range(1, 41)], "the middle, oldest first"
    assert "gaps" not in search_entry(third)


async def test_gaps_are_bounded_and_the_newest_read_keeps_pages(api: Api) -> None:
    api.add(post_view(0, "AquaPro 0"))
    cursor = (await first_batch(searcher(api))).cursor
    number, delivered, most = 1, [api.posts[0]["uri"]], 0
    for _ in range(24):  # each poll, more than even 20 pages hold
        api.add(*(post_view(n, f"AquaPro {n}") for n in range(number, number + 70)))
        number += 70
        before = search_pages(api)
        batch = await first_batch(searcher(api), cursor)
        assert search_pages(api) - before <= 20
        ids = [m.native_id for m in batch.mentions]
        assert api.posts[0]["uri"] in ids, "the newest posts are always read"
        delivered += ids
        cursor = batch.cursor
        most = max(most, len(search_entry(batch)["gaps"]))
    assert most == 20, "the gaps pile up to their bound, no further"
    assert len(delivered) == len(set(delivered)), "nothing twice, even when something had to be given up"


async def test_an_old_cursor_loads_and_comes_back_in_the_same_form(api: Api) -> None:
    api.add(*(post_view(n, f"AquaPro {n}") for n in range(4)))
    old = {"v": 1, "search": {"AquaPro": {"at": api.posts[2]["indexedAt"], "uri": api.posts[2]["uri"]}}, "time_us": 5}
    batch = await first_batch(searcher(api), json.dumps(old))
    assert [m.text for m in batch.mentions] == ["AquaPro 2", "AquaPro 3"]
    saved = json.loads(batch.cursor or "")
    assert [uri for uri, _, _ in saved.pop("recheck")] == [api.posts[1]["uri"], api.posts[0]["uri"]], (
        "and, new, the posts found, to re-fetch"
    )
    assert saved == {
        "v": 1,
        "search": {"AquaPro": {"at": api.posts[0]["indexedAt"], "uri": api.posts[0]["uri"]}},
        "time_us": 5,
    }


# -- search: what became of the posts found ----------------------------------------------------------


def refetched(api: Api) -> list[list[str]]:
    """The at-uris of each getPosts call the source made to re-fetch posts (with its session)."""
    return [query["uris"] for _, path, query, _ in api.requests if path == "/pds/xrpc/app.bsky.feed.getPosts"]


async def test_a_post_deleted_or_edited_after_it_was_found_is_journaled_as_such_on_its_mention(
    api: Api, tmp_path: Path, runbooks: RunbookSet
) -> None:
    api.add(*(post_view(n, f"AquaPro Nummer {n}") for n in range(3)))
    first = await first_batch(searcher(api))
    assert len(first.mentions) == 3 and refetched(api) == [], "nothing found before: nothing to re-fetch"
    deleted, edited, kept = (post["uri"] for post in reversed(api.posts))
    api.posts = [post for post in api.posts if post["uri"] != deleted]
    next(post for post in api.posts if post["uri"] == edited)["record"]["text"] = "AquaPro Nummer 1, korrigiert"

    batches, cursor = [first], first.cursor
    api.refetches = [
        (502, {}, {"error": "UpstreamFailure", "message": "Upstream Failure"}),
        (200, {}, {"cursor": "0"}),  # an answer without its list of posts says nothing either
    ]
    for _ in api.refetches[:]:
        batch = await first_batch(searcher(api), cursor)
        assert batch.revisions == [], "a failed re-fetch tells no deletion and no edit"
        batches.append(batch)
        cursor = batch.cursor
    assert refetched(api) == [[deleted, edited, kept]] * 2, "each time, all of them, oldest first"

    told = await first_batch(searcher(api), cursor)
    assert [(r.native_id, r.kind, r.text) for r in told.revisions] == [
        (deleted, DELETED, None),
        (edited, EDITED, "AquaPro Nummer 1, korrigiert"),
    ]
    assert told.mentions == [] and all(r.network == "bluesky" for r in told.revisions)
    again = await first_batch(searcher(api), told.cursor)
    assert again.revisions == [], "each told once"
    assert refetched(api)[-2:] == [[deleted, edited, kept], [edited, kept]], "a deleted post is let go"
    batches += [told, again]

    with Journal.open(tmp_path / "live.sqlite") as journal:  # through the intake pipeline to the journal
        handover = Handover()
        session = Session(journal, runbooks, ManualClock(datetime(2026, 7, 4, 15, tzinfo=UTC)), handover, "anna")
        for batch in batches:
            handover.give(batch)
            session.pipeline.poll()
        items = {item.mention.native_id: item for item in journal.mentions()}
        assert sorted(items) == sorted([deleted, edited, kept]), "no mention more, none less"
        assert [(r.kind, r.text) for r in journal.revisions_of(items[deleted].id)] == [(DELETED, None)]
        assert [(r.kind, r.text) for r in journal.revisions_of(items[edited].id)] == [
            (EDITED, "AquaPro Nummer 1, korrigiert")
        ]
        assert items[edited].mention.text == "AquaPro Nummer 1", "the first text stays"
        assert (items[deleted].revised, items[edited].revised, items[kept].revised) == (DELETED, EDITED, None)


async def test_a_quoted_post_gone_is_no_edit_of_the_post_quoting_it(api: Api) -> None:
    quoted = post_view(1, "Die AquaPro ist undicht")
    quote = post_view(2, "AquaPro? Na super.", embed=QUOTE_EMBED)
    quote["embed"] = {"$type": "app.bsky.embed.record#view", "record": record_view(quoted)}
    api.add(quote)
    first = await first_batch(searcher(api))
    assert first.mentions[0].text == "AquaPro? Na super.\n[quote] Die AquaPro ist undicht"
    quote["embed"]["record"] = {"$type": "app.bsky.embed.record#viewNotFound", "uri": quoted["uri"], "notFound": True}
    assert (await first_batch(searcher(api), first.cursor)).revisions == [], "its own text is unchanged"
    quote["record"]["text"] = "AquaPro? Na toll."
    [revision] = (await first_batch(searcher(api), first.cursor)).revisions
    assert (revision.kind, revision.text) == (EDITED, "AquaPro? Na toll."), "the text its mention would have now"


async def test_re_fetching_is_capped_per_poll_and_remembers_a_bounded_day_of_posts(api: Api) -> None:
    api.add(post_view(0, "AquaPro 0"))
    now = int(datetime.now(UTC).timestamp())
    gone = [f"at://did:plc:author1/app.bsky.feed.post/3lgone{k:05d}" for k in range(600)]
    stale = "at://did:plc:author1/app.bsky.feed.post/3lstale00000"
    cursor = {
        "v": 1,
        "search": {"AquaPro": {"at": api.posts[0]["indexedAt"], "uri": api.posts[0]["uri"]}},
        "recheck": [
            [stale, now - 25 * 3600, "00000000"],
            *([uri, now - 60 * k, "00000000"] for k, uri in enumerate(gone)),
        ],
    }
    batch = await first_batch(searcher(api), json.dumps(cursor))
    assert refetched(api) == [gone[k : k + 25] for k in range(0, 100, 25)], "four calls of 25, the first in turn"
    assert [r.native_id for r in batch.revisions] == gone[:100], "none of them is there any more"
    assert [uri for uri, _, _ in json.loads(batch.cursor or "")["recheck"]] == gone[100:500], (
        "after a day a post is let go, and beyond 500 those found longest ago"
    )


async def test_what_jetstream_tells_of_a_post_search_found_is_not_told_again_by_re_fetching(api: Api) -> None:
    deleted, edited = post_view(1, "AquaPro eins"), post_view(2, "AquaPro zwei")
    api.add(deleted, edited)
    cursor = (await first_batch(searcher(api))).cursor
    events = []
    for number, (post, operation) in enumerate([(deleted, "delete"), (edited, "update")]):
        did, _, rkey = post["uri"].removeprefix("at://").split("/")
        commit = {"rev": f"3mrev{number}", "operation": operation, "collection": "app.bsky.feed.post", "rkey": rkey}
        if operation == "update":
            commit["record"] = {**post["record"], "text": "AquaPro zwei, korrigiert"}
        events.append(json.dumps({"did": did, "time_us": LAST_TIME + number, "kind": "commit", "commit": commit}))

    async with jetstream(events) as server:
        both = BlueskySource(
            search_settings(api, jetstream=True, keywords=["AquaPro"], jetstream_url=server.url), PASSWORD
        )
        batches = await batches_until(both, cursor, lambda got: cursor_time(got[-1]) == LAST_TIME + 1)
    told = [(r.native_id, r.kind) for batch in batches for r in batch.revisions]
    assert told == [(deleted["uri"], DELETED), (edited["uri"], EDITED)], "told by Jetstream, once"

    api.posts = [post for post in api.posts if post is not deleted]
    edited["record"]["text"] = "AquaPro zwei, korrigiert"
    later = await first_batch(searcher(api), batches[-1].cursor)
    assert later.revisions == [] and refetched(api)[-1] == [edited["uri"]], "the deleted post is let go"
