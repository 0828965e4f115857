"""Hacker News: stories, polls and comments that match a query, from the HN Search API (Algolia).

Each poll asks `search_by_date` (newest first) for stories, polls and comments created since a
little before the newest one already seen: Algolia indexes with a delay, so an item can turn
up after a newer one. The ids seen in that window travel in the cursor, so nothing arrives
twice and nothing indexed late is lost. When more items are new than a poll's pages hold (or a
page fails), the cursor keeps the stretch left unread as a gap, and the next polls read it
first, asking for `created_at_i` between the gap's floor and the oldest item read so far.

A comment's text ends with the story it belongs to ("on: title (address)"); links in comments
keep their targets as "text (address)", without tracking parameters; a poll's options are
fetched (`items/<id>`) and listed under its text.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, datetime
from typing import Any, TypeGuard

import httpx

from smwar.model import Mention
from smwar.sources.base import SourceError, check
from smwar.sources.html import html_to_text
from smwar.sources.links import with_target
from smwar.sources.recent import Pages, Read, RecentPoller, Stop, get_json

NETWORK = "hackernews"
ITEM_URL = "https://news.ycombinator.com/item?id={}"
HITS_PER_PAGE = 100
MAX_PAGES = 10  # per poll: a thousand new items in one poll interval is more than a query should match
MAX_OPTIONS = 50
OPTIONS = "options"  # where a poll hit carries the texts of its options, as the items API names them
_ANCHOR = re.compile(r"<a\s[^>]*?href\s*=\s*(?:\"([^\"]*)\"|'([^']*)')[^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)


class HackerNewsSource(RecentPoller):
    """Polls the HN search every `poll_seconds`; the cursor is a `RecentCursor` as JSON."""

    network = NETWORK
    max_pages = MAX_PAGES

    def identify(self, item: object, raw: bytes) -> tuple[str, float | None]:
        object_id = item.get("objectID") if isinstance(item, dict) else None
        if _is_id(object_id):
            return str(object_id), _created(item)
        return "sha:" + hashlib.blake2b(raw, digest_size=8).hexdigest(), None

    def mention(self, item: dict[str, Any]) -> Mention:
        return hit_mention(item)

    async def read_pages(self, client: httpx.AsyncClient, read: Read, pages: int) -> Pages:
        """The hits created from `read.until` (or now) back to `read.floor`, in at most `pages` pages,
        a poll's with its options; it stops early when a page fails."""
        api = self.settings.api.rstrip("/")
        params: dict[str, str | int] = {
            "query": self.settings.query,
            "tags": "(story,poll,comment)",
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
            try:
                answer = await get_json(client, f"{api}/search_by_date", params | {"page": page}, check)
                page_hits = answer.data.get("hits") if isinstance(answer.data, dict) else None
                if not isinstance(page_hits, list):
                    raise answer.unreadable("without a list of hits")
                for hit in page_hits:
                    await self._add_options(client, api, hit)
            except (SourceError, httpx.HTTPError) as exc:
                return Pages(hits, Stop(_oldest(hits)), page, failure=exc)
            hits.extend(page_hits)
            pages_in_all = answer.data.get("nbPages") if isinstance(answer.data, dict) else None
            if len(page_hits) < HITS_PER_PAGE or not _is_int(pages_in_all) or page + 1 >= pages_in_all:
                return Pages(hits, None, page + 1)
        return Pages(hits, Stop(_oldest(hits)), pages)

    async def _add_options(self, client: httpx.AsyncClient, api: str, hit: object) -> None:
        """A poll's hit with the texts of its options (from the items API) under `OPTIONS`."""
        if not isinstance(hit, dict) or "poll" not in _tags(hit) or not _is_id(object_id := hit.get("objectID")):
            return
        answer = await get_json(client, f"{api}/items/{object_id}", {}, check)
        item = answer.data if isinstance(answer.data, dict) else {}
        children = item.get("children")
        options = item.get("options") or [
            child for child in (children if isinstance(children, list) else []) if _is_option(child)
        ]
        if not isinstance(options, list):
            raise answer.unreadable(f"poll {object_id} without a list of options")
        texts = [html_to_text(option["text"]) for option in options if _is_option(option)]
        hit[OPTIONS] = [text for text in texts if text][:MAX_OPTIONS]


def hit_mention(hit: dict[str, Any]) -> Mention:
    """One search hit (a story, a poll or a comment) as a mention."""
    object_id = hit["objectID"]
    if not _is_id(object_id):
        raise TypeError("objectID is not an id")
    created = hit["created_at_i"]
    if not _is_int(created):
        raise TypeError("created_at_i is not a number of seconds")
    author = hit["author"]
    if not isinstance(author, str) or not author:
        raise TypeError("author is not a name")
    tags = _tags(hit)
    reply_to: str | None = None
    if "comment" in tags or hit.get("comment_text"):
        text = comment_text(_string(hit, "comment_text"))
        parent = hit.get("parent_id")
        reply_to = str(parent) if _is_id(parent) else None
        story = " ".join(_string(hit, "story_title").split())
        story_url = _string(hit, "story_url")
        if text and (story or story_url):
            text += "\n\non: " + (with_target(story, story_url) if story_url else story)
    else:
        title = " ".join(_string(hit, "title").split())
        if title and (link := _string(hit, "url")):
            title = with_target(title, link)
        body = comment_text(_string(hit, "story_text"))  # Ask HN, Show HN, polls and the like
        options = hit.get(OPTIONS)
        listed = (
            "\n".join(f"• {option}" for option in options if isinstance(option, str))
            if isinstance(options, list)
            else ""
        )
        text = "\n\n".join(part for part in (title, body, listed) if part)
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


def comment_text(markup: str) -> str:
    """HN's HTML as plain text, each link written out as "text (address)"."""

    def written_out(anchor: re.Match[str]) -> str:
        target = html.unescape(anchor.group(1) or anchor.group(2) or "")
        label = html_to_text(anchor.group(3))
        return html.escape(with_target(label, target) if target else label, quote=False)

    return html_to_text(_ANCHOR.sub(written_out, markup))


def _oldest(hits: list[object]) -> int | None:
    return min((created for created in map(_created, hits) if created is not None), default=None)


def _tags(hit: dict[str, Any]) -> list[object]:
    tags = hit.get("_tags")
    return tags if isinstance(tags, list) else []


def _is_option(option: object) -> TypeGuard[dict[str, str]]:
    return (
        isinstance(option, dict) and option.get("type", "pollopt") == "pollopt" and isinstance(option.get("text"), str)
    )


def _is_id(value: object) -> TypeGuard[str | int]:
    return isinstance(value, str | int) and not isinstance(value, bool) and bool(str(value))


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
