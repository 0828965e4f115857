"""Reddit: posts that match a query, from Reddit's public search listing (`/search.json`).

Each poll asks for the newest matches (`sort=new`) and pages back until it reaches posts
created a little before the newest one already seen: search indexes with a delay, so a post
can turn up after a newer one. The fullnames seen in that window travel in the cursor, so
nothing arrives twice.

Reddit tells how much of its rate limit is left (`X-Ratelimit-Remaining`, `-Reset` in seconds):
a 429 without `Retry-After` waits for the reset, and a poll that used the last request waits
for it too before the next one.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from pydantic import Field

from smwar.model import Mention
from smwar.sources.base import Batch, Poller, SourceError, check, read_items
from smwar.sources.recent import LOOKBACK, RecentCursor, is_number
from smwar.sources.settings import SourceSettings

NETWORK = "reddit"
WEB = "https://www.reddit.com"
PAGE_SIZE = 100
MAX_PAGES = 5  # per poll
MAX_TEXT_CHARS = 10_000
AUTH_HINT = "Reddit refuses anonymous clients from some networks"


class RedditSettings(SourceSettings):
    kind: Literal["reddit"]
    query: str = Field(min_length=1, max_length=512)
    api: str = Field(WEB, pattern=r"^https?://\S+$")


class RedditSource(Poller[RecentCursor]):
    """Polls Reddit's search every `poll_seconds`; the cursor is a `RecentCursor` as JSON."""

    network = NETWORK

    def load(self, cursor: str | None) -> RecentCursor:
        return RecentCursor.load(cursor)

    async def poll(self, client: httpx.AsyncClient, state: RecentCursor) -> tuple[Batch, RecentCursor, float]:
        """One search (several pages if that many posts are new): the batch, the state after it,
        and how long Reddit's rate limit asks to wait before the next request (0: no need)."""
        url = f"{self.settings.api.rstrip('/')}/search.json"
        params: dict[str, str | int] = {"q": self.settings.query, "sort": "new", "limit": PAGE_SIZE, "raw_json": 1}
        since = state.newest - LOOKBACK if state.newest is not None else None
        children: list[object] = []
        wait = 0.0
        for _ in range(MAX_PAGES if since is not None else 1):  # the first time: the latest page
            response = _check(await client.get(url, params=params))
            answer = response.json()
            listing = answer.get("data") if isinstance(answer, dict) else None
            page = listing.get("children") if isinstance(listing, dict) else None
            if not isinstance(listing, dict) or not isinstance(page, list):
                raise SourceError(f"{response.url.host} answered without a listing")
            children.extend(page)
            wait = _exhausted_wait(response.headers)
            after = listing.get("after")
            times = [created for _, created in map(_identify, page) if created is not None]
            reached = since is None or any(created < since for created in times)  # nothing older is new
            if reached or wait or not isinstance(after, str) or not after or len(page) < PAGE_SIZE:
                break
            params = params | {"after": after, "count": len(children)}

        fresh: list[bytes] = []
        arrived: dict[str, float | None] = {}
        for child in children:
            key, created = _identify(child)
            if key in state.seen or key in arrived:
                continue
            if since is not None and created is not None and created < since:
                continue  # older than the window: delivered before (or long before this source began)
            arrived[key] = created
            fresh.append(json.dumps(child, ensure_ascii=False).encode())
        mentions, quarantined = read_items(fresh, child_mention)
        mentions.sort(key=lambda mention: mention.posted_at)
        new_state = state.advanced(arrived)
        return Batch(mentions, quarantined, new_state.dump() if new_state != state else None), new_state, wait


def child_mention(child: dict[str, Any]) -> Mention | None:
    """One child of a listing as a mention: a post (`t3`) or a comment (`t1`); anything else is no mention."""
    kind, data = child["kind"], child["data"]
    if kind not in ("t3", "t1"):
        return None
    if not isinstance(data, dict):
        raise TypeError("data is not an object")
    fullname = data["name"]
    if not isinstance(fullname, str) or not fullname.startswith(f"{kind}_"):
        raise ValueError(f"name {fullname!r} is not a {kind} fullname")
    author = data["author"]
    if not isinstance(author, str) or not author:
        raise TypeError("author is not a name")
    created = data["created_utc"]
    if not is_number(created):
        raise TypeError("created_utc is not a number of seconds")
    if kind == "t3":
        title = " ".join(_string(data, "title").split())
        text = "\n\n".join(part for part in (title, _string(data, "selftext").strip()) if part)
        reply_to = None
    else:
        text = _string(data, "body").strip()
        reply_to = _string(data, "parent_id") or None
    if not text:
        raise ValueError(f"{fullname} has no text")
    if len(text) > MAX_TEXT_CHARS:
        text = text[: MAX_TEXT_CHARS - 1] + "…"
    permalink = _string(data, "permalink")
    return Mention(
        network=NETWORK,
        native_id=fullname,
        author=f"u/{author}",
        text=text,
        posted_at=datetime.fromtimestamp(float(created), UTC),
        url=WEB + permalink if permalink.startswith("/") else None,
        reply_to=reply_to,
    )


def _check(response: httpx.Response) -> httpx.Response:
    """`base.check`, with Reddit's X-Ratelimit-Reset as the wait of a 429 that gives no Retry-After."""
    if response.status_code == 429 and not response.headers.get("Retry-After"):
        reset = _header_seconds(response.headers, "X-Ratelimit-Reset")
        if reset is not None:
            raise SourceError(f"rate limited by {response.url.host} (429)", max(reset, 1.0))
    return check(response, auth_hint=AUTH_HINT)


def _exhausted_wait(headers: httpx.Headers) -> float:
    """Seconds until the rate limit resets if this response used up the last request, else 0."""
    remaining = _header_seconds(headers, "X-Ratelimit-Remaining")
    if remaining is None or remaining >= 1:
        return 0.0
    return _header_seconds(headers, "X-Ratelimit-Reset") or 0.0


def _identify(child: object) -> tuple[str, float | None]:
    """A child's fullname and creation time, as far as they can be read (else: a digest of it)."""
    data = child.get("data") if isinstance(child, dict) else None
    if isinstance(data, dict) and isinstance(name := data.get("name"), str) and name:
        created = data.get("created_utc")
        return name, float(created) if is_number(created) else None
    raw = json.dumps(child, sort_keys=True, default=str).encode()
    return "sha:" + hashlib.blake2b(raw, digest_size=8).hexdigest(), None


def _header_seconds(headers: httpx.Headers, name: str) -> float | None:
    try:
        value = float(headers.get(name, ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _string(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{key} is not text")
    return value or ""
