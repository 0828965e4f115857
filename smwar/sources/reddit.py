"""Reddit: posts that match a query, from Reddit's public search listing (`/search.json`).

Each poll asks for the newest matches (`sort=new`) and pages back until it reaches posts
created a little before the newest one already seen: search indexes with a delay, so a post
can turn up after a newer one. The fullnames seen in that window travel in the cursor, so
nothing arrives twice. When more posts are new than a poll's pages hold (or the rate limit runs
out first, or a page fails), the cursor keeps the stretch left unread as a gap, with the `after`
token to go on from, and the next polls read it first.

Reddit tells how much of its rate limit is left (`X-Ratelimit-Remaining`, `-Reset` in seconds):
a 429 without `Retry-After` waits for the reset, and a poll that used the last request waits
for it too before the next one.

A mention's text starts with its subreddit ("r/sysadmin: "); Reddit's Markdown becomes plain
text, links keep their targets as "text (address)", and addresses (the post's own too: search
gives its permalink with `?ref=search_posts`) lose their tracking parameters.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime
from typing import Any

import httpx
from markdown_it import MarkdownIt
from markdown_it.token import Token

from smwar.model import Mention
from smwar.sources.base import SourceError, check
from smwar.sources.links import clean_url, clean_urls, with_target
from smwar.sources.recent import Pages, Read, RecentPoller, Stop, get_json, is_number
from smwar.sources.settings import REDDIT_WEB as WEB

NETWORK = "reddit"
PAGE_SIZE = 100
MAX_PAGES = 5  # per poll
MAX_TEXT_CHARS = 10_000
AUTH_HINT = "Reddit refuses anonymous clients from some networks"
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable(["strikethrough", "table"])


class RedditSource(RecentPoller):
    """Polls Reddit's search every `poll_seconds`; the cursor is a `RecentCursor` as JSON."""

    network = NETWORK
    max_pages = MAX_PAGES

    def identify(self, item: object, raw: bytes) -> tuple[str, float | None]:
        return _identify(item)

    def mention(self, item: dict[str, Any]) -> Mention | None:
        return child_mention(item)

    async def read_pages(self, client: httpx.AsyncClient, read: Read, pages: int) -> Pages:
        """The posts from just after `read.after` (or the newest) back to `read.floor`, in at most
        `pages` pages; it stops early when the rate limit is used up or a page fails."""
        url = f"{self.settings.api.rstrip('/')}/search.json"
        params: dict[str, str | int] = {"q": self.settings.query, "sort": "new", "limit": PAGE_SIZE, "raw_json": 1}
        if read.after is not None:
            params["after"] = read.after
        pages = pages if read.floor is not None else 1  # the first time: the latest page
        children: list[object] = []
        number, wait, after = 0, 0.0, read.after
        while number < pages:
            try:
                answer = await get_json(client, url, params, _check, page=f"after {after}")
            except (SourceError, httpx.HTTPError) as exc:
                return Pages(children, Stop(_oldest(children), after), number, failure=exc)
            number += 1
            listing = answer.data.get("data") if isinstance(answer.data, dict) else None
            page = listing.get("children") if isinstance(listing, dict) else None
            if not isinstance(listing, dict) or not isinstance(page, list):
                failure = answer.unreadable("without a listing")
                return Pages(children, Stop(_oldest(children), after), number - 1, failure=failure)
            times = [created for _, created in map(_identify, page) if created is not None]
            children.extend(child for child in page if not _older(child, read.floor))
            wait = _exhausted_wait(answer.response.headers)
            after = listing.get("after")
            reached = read.floor is None or any(created < read.floor for created in times)  # nothing older is new
            if reached or not isinstance(after, str) or not after or len(page) < PAGE_SIZE:
                return Pages(children, None, number, wait)
            if wait:
                break
            params = params | {"after": after, "count": len(children)}
        return Pages(children, Stop(_oldest(children), after), number, wait)


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
    permalink = _string(data, "permalink")
    if kind == "t3":
        title = " ".join(_string(data, "title").split())
        link = _string(data, "url")
        if title and link and not data.get("is_self") and not link.endswith(permalink or "\0"):
            title = with_target(title, link)  # a link post: where it points
        text = "\n\n".join(part for part in (title, markdown_text(_string(data, "selftext"))) if part)
        reply_to = None
    else:
        text = markdown_text(_string(data, "body"))
        reply_to = _string(data, "parent_id") or None
    if not text:
        raise ValueError(f"{fullname} has no text")
    subreddit = _string(data, "subreddit_name_prefixed") or (
        f"r/{name}" if (name := _string(data, "subreddit")) else ""
    )
    text = clean_urls(f"{subreddit}: {text}" if subreddit else text)
    if len(text) > MAX_TEXT_CHARS:
        text = text[: MAX_TEXT_CHARS - 1] + "…"
    return Mention(
        network=NETWORK,
        native_id=fullname,
        author=f"u/{author}",
        text=text,
        posted_at=datetime.fromtimestamp(float(created), UTC),
        url=clean_url(WEB + permalink) if permalink.startswith("/") else None,
        reply_to=reply_to,
    )


def markdown_text(source: str) -> str:
    """Reddit's Markdown as plain text: paragraphs apart by a blank line, list items ("• ", "1. ")
    and table rows ("a | b") one a line, quotes marked "> ", links as "text (address)"."""
    blocks: list[tuple[str, str]] = []  # (text, "item" of a tight list | "row" of a table | "block")
    quotes, lists = 0, list[int | None]()  # open quotes; per open list, its next number (None: bullets)
    marker, tight, row = "", False, None  # row: the cells of a table row being read
    for token in _MARKDOWN.parse(source.strip()):
        kind = token.type
        if kind in ("blockquote_open", "blockquote_close"):
            quotes += 1 if kind == "blockquote_open" else -1
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrs.get("start", 1) if kind == "ordered_list_open" else None
            lists.append(int(start) if start is not None else None)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            number = lists[-1]
            marker = "  " * (len(lists) - 1) + ("• " if number is None else f"{number}. ")
            lists[-1] = None if number is None else number + 1
        elif kind == "paragraph_open":
            tight = token.hidden
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            blocks.append(("> " * quotes + " | ".join(row), "row"))
            row = None
        elif kind == "inline" and row is not None:
            row.append(_inline(token.children or []))
        elif kind in ("inline", "fence", "code_block"):
            text = _inline(token.children or []) if kind == "inline" else token.content.rstrip("\n")
            lines = text.split("\n")
            lines[0], marker = marker + lines[0], ""
            blocks.append(("\n".join("> " * quotes + line for line in lines), "item" if tight else "block"))
            tight = False
    joined = [
        ("\n" if kind != "block" and kind == blocks[at - 1][1] else "\n\n") + text
        for at, (text, kind) in enumerate(blocks)
    ]
    return "".join(joined).strip()


def _inline(children: list[Token]) -> str:
    parts: list[str] = []
    links: list[tuple[str, int]] = []  # per open link: its target and where its text starts
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "link_open":
            links.append((str(child.attrs.get("href", "")), len(parts)))
        elif child.type == "link_close" and links:
            target, start = links.pop()
            label = "".join(parts[start:])
            parts[start:] = [with_target(label, WEB + target if target.startswith("/") else target)]
        elif child.type == "image":
            parts.append(with_target(child.content, str(child.attrs.get("src", ""))))
    return "".join(parts)


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


def _oldest(children: list[object]) -> float | None:
    return min((created for _, created in map(_identify, children) if created is not None), default=None)


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
