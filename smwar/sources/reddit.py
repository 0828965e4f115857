"""Reddit: posts that match a query, from Reddit's public search listing (`/search.json`).

Each poll asks for the newest matches (`sort=new`) and pages back until it reaches posts
created a little before the newest one already seen: search indexes with a delay, so a post
can turn up after a newer one. The fullnames seen in that window travel in the cursor, so
nothing arrives twice. When more posts are new than a poll's pages hold (or the rate limit runs
out first), the cursor keeps the stretch left unread as a gap, with the `after` token to go on
from, and the next polls read it first.

Reddit tells how much of its rate limit is left (`X-Ratelimit-Remaining`, `-Reset` in seconds):
a 429 without `Retry-After` waits for the reset, and a poll that used the last request waits
for it too before the next one.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal

import httpx
from pydantic import Field

from smwar.model import Mention
from smwar.sources.base import Batch, Poller, SourceError, check, read_items
from smwar.sources.recent import Pages, Read, RecentCursor, Stop, is_number
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
        """One search (several pages if that many posts are new, and first a stretch left unread by
        an earlier poll, if any): the batch, the state after it, and how long Reddit's rate limit
        asks to wait before the next request (0: no need)."""
        children, ended, wait = await state.read(MAX_PAGES, partial(self._read, client))
        fresh: list[bytes] = []
        arrived: dict[str, float | None] = {}
        for child in children:
            key, created = _identify(child)
            if state.known(key) or key in arrived:
                continue
            arrived[key] = created
            fresh.append(json.dumps(child, ensure_ascii=False).encode())
        mentions, quarantined = read_items(fresh, child_mention)
        mentions.sort(key=lambda mention: mention.posted_at)
        new_state = state.advanced(arrived, ended)
        return Batch(mentions, quarantined, new_state.dump() if new_state != state else None), new_state, wait

    async def _read(self, client: httpx.AsyncClient, read: Read, pages: int) -> Pages:
        """The posts from just after `read.after` (or the newest) back to `read.floor`, in at most
        `pages` pages; it stops early when the rate limit is used up."""
        url = f"{self.settings.api.rstrip('/')}/search.json"
        params: dict[str, str | int] = {"q": self.settings.query, "sort": "new", "limit": PAGE_SIZE, "raw_json": 1}
        if read.after is not None:
            params["after"] = read.after
        pages = pages if read.floor is not None else 1  # the first time: the latest page
        children: list[object] = []
        number, wait, after = 0, 0.0, None
        while number < pages:
            number += 1
            response = _check(await client.get(url, params=params))
            answer = response.json()
            listing = answer.get("data") if isinstance(answer, dict) else None
            page = listing.get("children") if isinstance(listing, dict) else None
            if not isinstance(listing, dict) or not isinstance(page, list):
                raise SourceError(f"{response.url.host} answered without a listing")
            times = [created for _, created in map(_identify, page) if created is not None]
            children.extend(child for child in page if not _older(child, read.floor))
            wait = _exhausted_wait(response.headers)
            after = listing.get("after")
            reached = read.floor is None or any(created < read.floor for created in times)  # nothing older is new
            if reached or not isinstance(after, str) or not after or len(page) < PAGE_SIZE:
                return Pages(children, None, number, wait)
            if wait:
                break
            params = params | {"after": after, "count": len(children)}
        oldest = min((created for _, created in map(_identify, children) if created is not None), default=None)
        return Pages(children, Stop(oldest, after), number, wait)


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


def _older(child: object, floor: float | None) -> bool:
    """Whether `child` was created before `floor`: delivered before (or long before this source began)."""
    created = _identify(child)[1]
    return floor is not None and created is not None and created < floor


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
