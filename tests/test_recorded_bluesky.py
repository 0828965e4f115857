"""Bluesky search on a post the AppView really answered (recorded by MarshalX's atproto SDK from
bsky.social): a quote post with a picture, served on 127.0.0.1 as a `searchPosts` hit behind a
logged-in session."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from smwar.sources.base import Batch
from smwar.sources.bluesky import BlueskySource
from smwar.sources.bluesky_profiles import QUOTE_MARK
from smwar.sources.settings import BlueskySettings
from tests.local_http import serving

RECORDED = Path(__file__).parent / "fixtures" / "bluesky"
THREAD = json.loads((RECORDED / "thread_view_post_with_embed_media.json").read_text(encoding="utf-8"))
POST = THREAD["thread"]["post"]  # a postView, as searchPosts lists them
QUOTED = POST["embed"]["record"]["record"]  # the viewRecord of the post it quotes
PASSWORD = "abcd-efgh-ijkl-mnop"


class Api:
    """A PDS that logs in with the app password and answers searchPosts with the recorded post,
    and an AppView that knows no profiles."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], str | None]] = []

    def __call__(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self.requests.append((path, params, headers.get("authorization")))
        kind = {"Content-Type": "application/json"}
        if path == "/pds/xrpc/com.atproto.server.createSession":
            session = {"did": "did:plc:me", "handle": "me.bsky.social", "accessJwt": "access", "refreshJwt": "refresh"}
            return 200, kind, json.dumps(session).encode()
        if path == "/pds/xrpc/app.bsky.feed.searchPosts":
            return 200, kind, json.dumps({"posts": [POST]}).encode()
        if path == "/appview/xrpc/app.bsky.actor.getProfiles":
            return 200, kind, b'{"profiles":[]}'
        return 404, kind, b'{"error":"MethodNotImplemented","message":"not here"}'


async def first_batch(source: BlueskySource) -> Batch:
    run = source.run(None)
    try:
        async with asyncio.timeout(5):
            return await anext(run)
    finally:
        await run.aclose()


def settings(port: int) -> BlueskySettings:
    base = f"http://127.0.0.1:{port}"
    return BlueskySettings(
        id="bsky",
        kind="bluesky",
        search=["python"],
        appview=f"{base}/appview",
        pds=f"{base}/pds",
        handle="me.bsky.social",
    )


async def test_a_recorded_quote_post_with_a_picture_reads_as_a_user_sees_it() -> None:
    api = Api()
    with serving(api) as port:
        batch = await first_batch(BlueskySource(settings(port), PASSWORD))
    searches = [(params, bearer) for path, params, bearer in api.requests if path.endswith("searchPosts")]
    assert searches == [({"q": "python", "sort": "latest", "limit": "100"}, "Bearer access")], "with the session"
    assert batch.quarantined == []
    [mention] = batch.mentions
    assert (mention.author, mention.author_name) == ("test.marshal.dev", "Python SDK")
    assert POST["record"]["text"] == "" and POST["record"]["embed"]["media"]["images"][0]["alt"] == ""
    # no words of its own: the picture (no alt text given) marked, then the quoted post's words
    assert mention.text == "[image]" + QUOTE_MARK + "test"
    assert QUOTED["value"]["text"] == "test"
    assert mention.quote_of == QUOTED["uri"]
    assert mention.url == "https://bsky.app/profile/did:plc:kvwvcn5iqfooopmyzvb4qzba/post/3kaheyt6vpc22"
    assert mention.lang == "en"
    assert mention.posted_at == datetime(2023, 9, 28, 12, 49, 36, 735000, tzinfo=UTC)
    assert mention.reply_to is None
