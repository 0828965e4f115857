"""Hacker News: stories and comments that match a query, from the HN Search API (Algolia).

Each poll asks `search_by_date` (newest first) for stories and comments created since a
little before the newest one already seen: Algolia indexes with a delay, so an item can turn
up after a newer one. The ids seen in that window travel in the cursor, so nothing arrives
twice and nothing indexed late is lost. When more items are new than a poll's pages hold, the
cursor keeps the stretch left unread as a gap, and the next polls read it first, asking for
`created_at_i` between the gap's floor and the oldest item read so far.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal, TypeGuard

import httpx
from pydantic import Field

from smwar.model import Mention
from smwar.sources.base import Batch, Poller, SourceError, check, read_items
from smwar.sources.html import html_to_text
from smwar.sources.recent import Pages, Read, RecentCursor, Stop
from smwar.sources.settings import SourceSettings

NETWORK = "hackernews"
ITEM_URL = "https://news.ycombinator.com/item?id={}"
HITS_PER_PAGE = 100
MAX_PAGES = 10  # per poll: a thousand new items in one poll interval is more than a query should match


class HackerNewsSettings(SourceSettings):
    kind: Literal["hackernews"]
    query: str = Field(min_length=1, max_length=500)
    api: str = Field("https://hn.algolia.com/api/v1", pattern=r"^https?://\S+$")


class HackerNewsSource(Poller[RecentCursor]):
    """Polls the HN search every `poll_seconds`; the cursor is a `RecentCursor` as JSON."""

    network = NETWORK

    def load(self, cursor: str | None) -> RecentCursor:
        return RecentCursor.load(cursor)

    async def poll(self, client: httpx.AsyncClient, state: RecentCursor) -> tuple[Batch, RecentCursor, float]:
        """One search (several pages if that many items are new, and first a stretch left unread by
        an earlier poll, if any): the batch and the state after it."""
        hits, ended, _ = await state.read(MAX_PAGES, partial(self._read, client))
        fresh: list[bytes] = []
        arrived: dict[str, float | None] = {}
        for hit in hits:
            raw = json.dumps(hit, ensure_ascii=False).encode()
            key, created = _identify(hit, raw)
            if state.known(key) or key in arrived:
                continue
            arrived[key] = created
            fresh.append(raw)
        mentions, quarantined = read_items(fresh, hit_mention)
        mentions.sort(key=lambda mention: mention.posted_at)
        new_state = state.advanced(arrived, ended)
        return Batch(mentions, quarantined, new_state.dump() if new_state != state else None), new_state, 0.0

    async def _read(self, client: httpx.AsyncClient, read: Read, pages: int) -> Pages:
        """The hits created from `read.until` (or now) back to `read.floor`, in at most `pages` pages."""
        url = f"{self.settings.api.rstrip('/')}/search_by_date"
        params: dict[str, str | int] = {
            "query": self.settings.query,
            "tags": "(story,comment)",
            "hitsPerPage": HITS_PER_PAGE,
        }
        filters = [f"created_at_i>={int(read.floor)}"] if read.floor is not None else []
        if read.until is not None:
            filters.append(f"created_at_i<={int(read.until)}")
        if filters:
            params["numericFilters"] = ",".join(filters)
        pages = pages if read.floor is not None else 1  # the first time: the latest page
        hits: list[object] = []
        for page in range(pages):
            response = check(await client.get(url, params=params | {"page": page}))
            answer = response.json()
            page_hits = answer.get("hits") if isinstance(answer, dict) else None
            if not isinstance(page_hits, list):
                raise SourceError(f"{response.url.host} answered without a list of hits")
            hits.extend(page_hits)
            pages_in_all = answer.get("nbPages")
            if len(page_hits) < HITS_PER_PAGE or not _is_int(pages_in_all) or page + 1 >= pages_in_all:
                return Pages(hits, None, page + 1)
        times = [created for created in map(_created, hits) if created is not None]
        return Pages(hits, Stop(min(times, default=None)), pages)


def hit_mention(hit: dict[str, Any]) -> Mention:
    """One search hit (a story or a comment) as a mention."""
    object_id = hit["objectID"]
    if not isinstance(object_id, str | int) or not str(object_id):
        raise TypeError("objectID is not an id")
    created = hit["created_at_i"]
    if not _is_int(created):
        raise TypeError("created_at_i is not a number of seconds")
    author = hit["author"]
    if not isinstance(author, str) or not author:
        raise TypeError("author is not a name")
    tags = hit.get("_tags")
    tags = tags if isinstance(tags, list) else []
    reply_to: str | None = None
    if "comment" in tags or hit.get("comment_text"):
        text = html_to_text(_string(hit, "comment_text"))
        parent = hit.get("parent_id")
        reply_to = str(parent) if isinstance(parent, str | int) and not isinstance(parent, bool) else None
    else:
        title = " ".join(_string(hit, "title").split())
        body = html_to_text(_string(hit, "story_text"))  # Ask HN, Show HN and the like
        text = "\n\n".join(part for part in (title, body) if part)
    if not text:
        raise ValueError(f"item {object_id} has no text")
    return Mention(
        network=NETWORK,
        native_id=str(object_id),
        author=author,
        text=text,
        posted_at=datetime.fromtimestamp(created, UTC),
        url=ITEM_URL.format(object_id),
        reply_to=reply_to,
    )


def _identify(hit: object, raw: bytes) -> tuple[str, int | None]:
    """A hit's id and creation time, as far as they can be read (the id of an unreadable hit: its digest)."""
    object_id = hit.get("objectID") if isinstance(hit, dict) else None
    if isinstance(object_id, str | int) and not isinstance(object_id, bool) and str(object_id):
        return str(object_id), _created(hit)
    return "sha:" + hashlib.blake2b(raw, digest_size=8).hexdigest(), None


def _created(hit: object) -> int | None:
    created = hit.get("created_at_i") if isinstance(hit, dict) else None
    return created if _is_int(created) else None


def _string(hit: dict[str, Any], key: str) -> str:
    value = hit.get(key)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{key} is not text")
    return value or ""


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
