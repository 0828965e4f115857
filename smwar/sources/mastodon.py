"""Mastodon: public statuses under hashtags and for search terms, polled over the REST API and,
with `stream = true`, pushed over the streaming API as they are posted.

Polling asks each hashtag timeline for what is newer than the newest status seen (`min_id`)
and follows its `Link: rel="prev"` pages toward the present, oldest page first, so a burst of
several pages between two polls is read whole. Search (`/api/v2/search`) has no such links: it
is read newest first and paged back (`max_id`) down to the newest status seen.

Each round asks a timeline for its newest page first: when that page reaches back to the cursor
it is all that is new, and the statuses on it seen before show their edits. A status seen again
with another `edited_at` or other words than the source last saw becomes an edit (`Revision`,
with its new text), not a new mention; search pages show their edits the same way. The source
remembers the last `VERSIONS` statuses it saw; one it does not remember (after a restart) with
an `edited_at` is an edit too, and the journal drops an edit that does not change the words it
has.

The cursor is a JSON object from each timeline's key to the newest status id delivered from
it, e.g. `{"search:acme recall":"113500","tag:acme":"113502"}`; a restart resumes right after
it. Ids compare by length, then as text: Mastodon's numeric ids and GoToSocial's ULIDs both
sort that way. A timeline without a cursor starts with its newest page.

Streaming keeps one server-sent-event connection per hashtag. Whatever was posted while no
stream was open is caught up over REST once the streams are connected, and a status that the
catch-up delivered is not delivered again when the stream sends it too. When a stream drops,
`run()` raises and the runner restarts it: catch up, then reconnect.

Search needs a token on most instances. Without one the source polls only its hashtags and
logs that once; one with nothing but search terms fails with the hint to set a token.

A boost becomes a mention by the booster (their reach is what spreads it) with the boosted
post's words; its `url` and `quote_of` are both the boosted post's address, which is what tells
a boost from the post itself (which has its own id and no `quote_of`).

`sources test` asks the instance what the source may lack (`mastodon_probe.shortfalls`): a
token whose app has no `read` or `read:statuses` scope (search and streaming need one), and a
server older than Mastodon 3.5, which tells no edits.

The token travels only as `Authorization: Bearer`, only to the instance: pagination links are
read for their ids, never followed, and httpx drops the header on a redirect to another host.
It never appears in a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from smwar.model import DELETED, EDITED, Mention, Revision
from smwar.sources.base import MAX_ITEM_BYTES, Batch, Rejections, SourceError, check, http_client, read_items
from smwar.sources.mastodon_probe import shortfalls
from smwar.sources.mastodon_status import NETWORK, public_mention_of
from smwar.sources.settings import MASTODON_AUTH_HINT as AUTH_HINT
from smwar.sources.settings import MastodonSettings
from smwar.urls import split_url

PAGE_LIMIT = 40  # the most Mastodon gives in one page
MAX_PAGES = 25  # per timeline and round: a long outage is caught up over several rounds
MAX_ANSWER_BYTES = PAGE_LIMIT * MAX_ITEM_BYTES
MAX_STREAM_LINE = 2 * MAX_ITEM_BYTES  # longer: the connection is dropped, REST catches the status up
STREAM_TIMEOUT = httpx.Timeout(20.0, read=90.0)  # Mastodon sends a heartbeat every 15 s
STREAM_BURST = 500  # stream events taken into one batch at most
UPDATE, DELETE = "update", "delete"  # a new status, a deletion
STATUS_UPDATES = frozenset({"status.update", "status_update"})  # an edit, as Mastodon and some servers name it
STREAM_EVENTS = frozenset({UPDATE, DELETE, *STATUS_UPDATES})
Event = tuple[str, str, bytes]  # (timeline key, event name, data)
PUBLIC = "public"  # the cursor key of the public timeline
VERSIONS = 2000  # statuses whose last version the source remembers, to tell an edit on a re-poll
_PATHS = {PUBLIC: "/api/v1/timelines/public", "tag": "/api/v1/timelines/tag"}

log = logging.getLogger(__name__)

_ID = re.compile(r"[0-9A-Za-z]{1,64}")


def _order(status_id: str) -> tuple[int, str]:
    return len(status_id), status_id


class _Unreadable(Exception):
    """An answer that is not what the API gives: quarantined whole, the round goes on."""

    def __init__(self, raw: bytes, why: str) -> None:
        super().__init__(why)
        self.item = (raw[:MAX_ITEM_BYTES], why[:300])


class _Versions:
    """The version (`edited_at` and a digest of the words) of the statuses seen last, at most
    `VERSIONS` of them: a status seen again in another version was edited."""

    def __init__(self) -> None:
        self._known: OrderedDict[str, tuple[str, str]] = OrderedDict()

    def edited(self, mention: Mention, edited_at: str | None) -> bool:
        """Remember the version of `mention` seen now; whether it is an edit of the one before
        (of one unknown: whether the status says it was edited)."""
        version = (edited_at or "", hashlib.blake2b(mention.text.encode(), digest_size=8).hexdigest())
        before = self._known.pop(mention.native_id, None)
        self._known[mention.native_id] = version
        if len(self._known) > VERSIONS:
            self._known.popitem(last=False)
        return version != before if before is not None else bool(edited_at)


@dataclass(frozen=True, slots=True)
class _Answer:
    value: Any
    body: bytes
    links: dict[str | None, dict[str, str]]


class MastodonSource:
    """Statuses from one Mastodon instance (or a server with its API: GoToSocial, Akkoma…)."""

    network = NETWORK

    def __init__(
        self, settings: MastodonSettings, token: str | None = None, client: httpx.AsyncClient | None = None
    ) -> None:
        self.id = settings.id
        self.settings = settings
        self._token = token
        self._client = client  # None: one of our own for each run
        self._told_no_search = False
        self._rejections = Rejections()  # kept across runs: the same bad answer twice is a failure
        self._versions = _Versions()  # kept across runs: an edit seen on a re-poll is told once

    def __repr__(self) -> str:  # never the token
        return f"MastodonSource(id={self.id!r}, instance={self.settings.instance!r})"

    async def run(self, cursor: str | None) -> AsyncGenerator[Batch, None]:
        settings = self.settings
        tags, terms = settings.hashtags, self._usable_terms()
        keys = [f"tag:{tag}" for tag in tags] + [f"search:{term}" for term in terms]
        if settings.keywords:
            keys.append(PUBLIC)
        async with self._http() as client:
            reader = _Reader(client, settings.instance, self._token, _load_cursor(cursor, keys), settings.keywords)
            reader.rejections, reader.versions = self._rejections, self._versions
            if settings.stream and (tags or settings.keywords):
                rounds = reader.stream(tags, terms, settings.poll_seconds)
            else:
                rounds = reader.poll(tags, terms, settings.poll_seconds)
            async for batch in rounds:
                yield batch

    async def shortfalls(self) -> list[str]:
        """What the token and the instance lack for what this source reads, a line each; a
        request that fails says nothing here (reading says why)."""
        async with self._http() as client:
            return await shortfalls(client, self.settings, self._token)

    def _usable_terms(self) -> list[str]:
        """The search terms, if there is a token to search with."""
        if self._token or not self.settings.search:
            return self.settings.search
        if not (self.settings.hashtags or self.settings.keywords):
            raise SourceError(f"searching needs a token on most instances: {AUTH_HINT}", fatal=True)
        if not self._told_no_search:
            self._told_no_search = True
            log.warning(
                "source %s has no token: its search terms are skipped, only hashtags read; %s", self.id, AUTH_HINT
            )
        return []

    @contextlib.asynccontextmanager
    async def _http(self) -> AsyncIterator[httpx.AsyncClient]:
        if self._client is not None:
            yield self._client
            return
        async with http_client() as client:
            yield client


class _Reader:
    """One run's reading: the client, and the newest status id delivered per timeline."""

    def __init__(
        self, client: httpx.AsyncClient, instance: str, token: str | None, newest: dict[str, str], keywords: list[str]
    ) -> None:
        self.client = client
        self.instance = instance
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.newest = newest
        self.keywords = [keyword.casefold() for keyword in keywords]
        self.rejections = Rejections()
        self.versions = _Versions()
        address = urlsplit(instance)  # its own accounts' handles keep a port it has: @anna@host:8443
        self.parse = partial(
            public_mention_of, host=f"{address.hostname or ''}{f':{address.port}' if address.port else ''}"
        )

    async def poll(self, tags: list[str], terms: list[str], every: float) -> AsyncIterator[Batch]:
        while True:
            async for batch in self.catch_up(tags, terms):
                yield batch
            await asyncio.sleep(every)

    async def catch_up(self, tags: Iterable[str], terms: Iterable[str]) -> AsyncIterator[Batch]:
        """Everything newer than the cursor. Every page read gives a batch, even an empty one:
        it carries the cursor and tells the runner the source is live."""
        for key in self.timelines(tags):
            async for batch in self.read_timeline(key):
                yield batch
        for term in terms:
            yield await self.read_search(term)

    def timelines(self, tags: Iterable[str]) -> list[str]:
        """The timelines read: each hashtag's, and the public one when there are keywords."""
        return [f"tag:{tag}" for tag in tags] + ([PUBLIC] if self.keywords else [])

    async def read_timeline(self, key: str) -> AsyncIterator[Batch]:
        """A timeline's newest page, with the edits of the statuses on it seen before; when more
        is new than it holds, the timeline from the cursor on, oldest page first, so that each
        batch's cursor covers everything before it."""
        path = _PATHS[PUBLIC] if key == PUBLIC else f"{_PATHS['tag']}/{quote(key.removeprefix('tag:'), safe='')}"
        params = {"limit": str(PAGE_LIMIT)}
        floor = self.newest.get(key)
        for _ in range(MAX_PAGES):
            try:
                answer = await self.get(path, params)
                statuses = _statuses(answer, None)
            except _Unreadable as bad:
                yield self.batch(quarantined=self.rejections.quarantine(*bad.item))
                return
            newest_page = "min_id" not in params
            if newest_page and floor is not None and not _reaches(statuses, floor):
                params["min_id"] = floor  # all of the newest page is new, and more before it
                continue
            newer = _link_id(answer.links, "prev", "min_id")  # the page after this one, toward now
            yield self.take([(key, status) for status in statuses], {key: newer})
            if newest_page or newer is None or len(statuses) < PAGE_LIMIT:
                return
            params = {"limit": str(PAGE_LIMIT), "min_id": newer}

    async def read_search(self, term: str) -> Batch:
        """A search's statuses newer than the cursor. Search pages go newest first, so the pages
        down to the cursor are read before any is delivered (the cursor moves once, at the end)."""
        key = f"search:{term}"
        floor = self.newest.get(key)
        params = {"q": term, "type": "statuses", "limit": str(PAGE_LIMIT)}
        found: list[tuple[str, Any]] = []
        for _ in range(MAX_PAGES):
            try:
                statuses = _statuses(await self.get("/api/v2/search", params), "statuses")
            except _Unreadable as bad:
                return self.batch(quarantined=self.rejections.quarantine(*bad.item))
            found += [(key, status) for status in statuses]
            oldest = _oldest(statuses)
            if floor is None or oldest is None or len(statuses) < PAGE_LIMIT or _order(oldest) <= _order(floor):
                break
            if params.get("max_id") == oldest:
                break  # the instance ignores max_id: no further back to go
            params["max_id"] = oldest
        return self.take(found)

    async def stream(self, tags: list[str], terms: list[str], every: float) -> AsyncIterator[Batch]:
        """Catch up, connect a stream per hashtag, catch up what was posted meanwhile, then
        deliver what the streams push (and poll the search terms between)."""
        async for batch in self.catch_up(tags, terms):
            yield batch
        events: asyncio.Queue[Event | Exception] = asyncio.Queue()
        async with contextlib.AsyncExitStack() as streams:
            for key in self.timelines(tags):
                response = await streams.enter_async_context(self.open_stream(key))
                streams.push_async_callback(_stop, asyncio.create_task(_pump(response, key, events)))
            async for batch in self.catch_up(tags, ()):
                yield batch
            async for batch in self.listen(events, terms, every):
                yield batch

    async def listen(
        self, events: asyncio.Queue[Event | Exception], terms: list[str], every: float
    ) -> AsyncIterator[Batch]:
        loop = asyncio.get_running_loop()
        next_poll = loop.time() + every
        while True:
            wait = max(next_poll - loop.time(), 0.0) if terms else None
            try:
                first = await asyncio.wait_for(events.get(), wait)
            except TimeoutError:
                async for batch in self.catch_up((), terms):
                    yield batch
                next_poll = loop.time() + every
                continue
            updates, failure = _until_failure([first, *_drain(events, STREAM_BURST)])
            if updates:
                batch = self.take((key, data) for key, name, data in updates if name == UPDATE)
                batch.revisions.extend(_revisions(updates, self.parse))
                yield batch
            if failure is not None:
                raise failure  # after the statuses the stream sent before it ended

    @contextlib.asynccontextmanager
    async def open_stream(self, key: str) -> AsyncIterator[httpx.Response]:
        headers = {**self.headers, "Accept": "text/event-stream"}
        path, params = (
            ("/api/v1/streaming/public", {}) if key == PUBLIC else ("/api/v1/streaming/hashtag", {"tag": key[4:]})
        )
        async with self.client.stream(
            "GET", self.instance + path, params=params, headers=headers, timeout=STREAM_TIMEOUT
        ) as response:
            check(response, auth_hint=AUTH_HINT)
            kind = response.headers.get("content-type", "")
            if not kind.startswith("text/event-stream"):
                raise SourceError(
                    f"the streaming API answered {kind or 'no content type'}, not events; set stream = false"
                )
            yield response

    async def get(self, path: str, params: dict[str, str]) -> _Answer:
        async with self.client.stream("GET", self.instance + path, params=params, headers=self.headers) as response:
            check(response, auth_hint=AUTH_HINT)
            body = await _read_capped(response)
        try:
            return _Answer(json.loads(body), body, dict(response.links))
        except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, nested past reason
            raise _Unreadable(body, f"unreadable answer to {path}: {exc}") from None

    def take(self, items: Iterable[tuple[str, Any]], newer: dict[str, str | None] | None = None) -> Batch:
        """The mentions among `items` ((timeline key, decoded status or raw JSON)) that are newer
        than their timeline's cursor, oldest first, and the edits of those seen before; the
        cursor moves past them (and to `newer`)."""
        mentions: dict[str, Mention] = {}  # by id: a status under two hashtags is one mention
        edits: dict[str, Revision] = {}
        met: set[str] = set()  # the statuses whose version was looked at
        delivered: list[tuple[str, str]] = []
        quarantined: list[tuple[bytes, str]] = []
        now = datetime.now(UTC)
        for key, item in items:
            raw = item if isinstance(item, bytes) else json.dumps(item, ensure_ascii=False).encode()
            found, bad = read_items([raw], self.parse)
            quarantined += bad
            for mention in found:
                if key == PUBLIC and not any(keyword in mention.text.casefold() for keyword in self.keywords):
                    continue  # the public timeline is everything: keep what the keywords pick
                status_id = mention.native_id
                edited = status_id not in met and self.versions.edited(mention, _edited_at(item))
                met.add(status_id)
                if self.is_new(key, status_id):
                    mentions.setdefault(status_id, mention)
                    delivered.append((key, status_id))
                elif edited:
                    edits[status_id] = Revision(NETWORK, status_id, EDITED, now, mention.text)
        for key, status_id in [*delivered, *(newer or {}).items()]:
            if status_id is not None:
                self.advance(key, status_id)
        batch = self.batch(sorted(mentions.values(), key=lambda mention: _order(mention.native_id)), quarantined)
        batch.revisions.extend(edit for status_id, edit in edits.items() if status_id not in mentions)
        return batch

    def is_new(self, key: str, status_id: str) -> bool:
        seen = self.newest.get(key)
        return seen is None or _order(status_id) > _order(seen)

    def advance(self, key: str, status_id: str) -> None:
        if self.is_new(key, status_id):
            self.newest[key] = status_id

    def batch(self, mentions: list[Mention] | None = None, quarantined: list[tuple[bytes, str]] | None = None) -> Batch:
        cursor = json.dumps(self.newest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return Batch(mentions or [], quarantined or [], cursor)


def _load_cursor(cursor: str | None, keys: Iterable[str]) -> dict[str, str]:
    """The newest id seen per timeline. Timelines no longer configured are forgotten (added
    again later they start afresh, not from an old gap); an unreadable cursor is as none."""
    try:
        saved = json.loads(cursor) if cursor else {}
    except ValueError:
        saved = {}
    if not isinstance(saved, dict):
        return {}
    return {key: saved[key] for key in keys if isinstance(saved.get(key), str) and _ID.fullmatch(saved[key])}


def _statuses(answer: _Answer, field: str | None) -> list[Any]:
    value = answer.value.get(field) if field and isinstance(answer.value, dict) else answer.value
    if not isinstance(value, list):
        raise _Unreadable(answer.body, f"expected a list of statuses, got {type(value).__name__}")
    return value


def _status_id(status: Any) -> str | None:
    found = status.get("id") if isinstance(status, dict) else None
    return found if isinstance(found, str) and _ID.fullmatch(found) else None


def _reaches(statuses: list[Any], floor: str) -> bool:
    """Whether a newest page holds everything newer than `floor`: it is the whole timeline, or
    its oldest status is no newer than `floor`."""
    oldest = _oldest(statuses)
    return len(statuses) < PAGE_LIMIT or oldest is None or _order(oldest) <= _order(floor)


def _oldest(statuses: list[Any]) -> str | None:
    return min(filter(None, map(_status_id, statuses)), key=_order, default=None)


def _edited_at(status: Any) -> str | None:
    """When a decoded status (the boosted one, for a boost) was last edited, if it says."""
    shown = status.get("reblog") or status if isinstance(status, dict) else None
    edited = shown.get("edited_at") if isinstance(shown, dict) else None
    return edited if isinstance(edited, str) else None


def _link_id(links: dict[str | None, dict[str, str]], rel: str, param: str) -> str | None:
    """An id from a pagination link: taken, not followed (the link could point anywhere)."""
    url = links.get(rel, {}).get("url", "")
    parts = split_url(url)
    found = parse_qs(parts.query).get(param, [""])[0] if parts else ""
    return found if _ID.fullmatch(found) else None


async def _read_capped(response: httpx.Response) -> bytes:
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise _Unreadable(bytes(body), f"an answer of more than {MAX_ANSWER_BYTES:,} bytes")
    return bytes(body)


async def _pump(response: httpx.Response, key: str, events: asyncio.Queue[Event | Exception]) -> None:
    """Hand a stream's statuses, edits and deletions (with their timeline's key) to the reader;
    how the stream ended is handed over last."""
    try:
        async for name, data in _sse_events(response):
            if name in STREAM_EVENTS:
                events.put_nowait((key, name, data))
    except Exception as exc:  # the reader raises it
        events.put_nowait(exc)
    else:
        what = "the public timeline" if key == PUBLIC else f"#{key[4:]}"
        events.put_nowait(SourceError(f"the server closed the stream of {what}"))


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _revisions(events: Iterable[Event], parse: Callable[[dict[str, Any]], Mention | None]) -> Iterator[Revision]:
    """The edits (with the new text) and deletions among a stream's events; an unreadable
    edit is skipped (the post's first text stays)."""
    now = datetime.now(UTC)
    for _, name, data in events:
        if name == DELETE:
            yield Revision(NETWORK, data.decode("utf-8", "replace").strip().strip('"'), DELETED, now)
        elif name in STATUS_UPDATES:
            try:
                edited = parse(json.loads(data))
            except (ValueError, RecursionError):
                continue
            if edited is not None:
                yield Revision(NETWORK, edited.native_id, EDITED, now, edited.text)


def _until_failure(events: list[Event | Exception]) -> tuple[list[Event], Exception | None]:
    """The stream events up to the first failure, and that failure."""
    updates: list[Event] = []
    for event in events:
        if isinstance(event, Exception):
            return updates, event
        updates.append(event)
    return updates, None


def _drain(queue: asyncio.Queue[Any], most: int) -> list[Any]:
    taken: list[Any] = []
    while len(taken) < most and not queue.empty():
        taken.append(queue.get_nowait())
    return taken


async def _sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, bytes]]:
    """(event name, data) of each server-sent event; comments (heartbeats) are skipped."""
    name, data = "message", bytearray()
    async for line in _lines(response):
        if not line:
            if data:
                yield name, bytes(data[:-1])
            name, data = "message", bytearray()
        elif not line.startswith(b":"):
            field, _, value = line.partition(b":")
            value = value.removeprefix(b" ")
            if field == b"event":
                name = value.decode("utf-8", "replace")
            elif field == b"data":
                data += value + b"\n"
                if len(data) > MAX_STREAM_LINE:
                    raise SourceError(f"the stream sent an event of more than {MAX_STREAM_LINE:,} bytes")


async def _lines(response: httpx.Response) -> AsyncIterator[bytes]:
    buffer = b""
    async for chunk in response.aiter_bytes():
        *lines, buffer = (buffer + chunk).split(b"\n")
        for line in lines:
            yield line.removesuffix(b"\r")
        if len(buffer) > MAX_STREAM_LINE:
            raise SourceError(f"the stream sent a line of more than {MAX_STREAM_LINE:,} bytes")
