"""Bluesky: posts found by `app.bsky.feed.searchPosts`, and posts taken from the Jetstream
firehose that contain one of the configured keywords.

Search polls every `poll_seconds`, newest first, and pages back until it reaches posts it has
already seen. It needs a login: the public AppView has refused anonymous `searchPosts` (403)
since 2025, so without a `handle` and its app password (from the keyring) the source fails at
once, saying so. With them it logs in to the PDS with `com.atproto.server.createSession` and
searches there with the access token, refreshing the session (or logging in again) once when
the token has expired.

Jetstream is read over a websocket subscribed to `app.bsky.feed.post` only. Creates whose text
contains a keyword become mentions; every update of a post becomes an edit (`Revision`, with the
new text) and every deletion a deletion, on the at-uri the post's mention has: the journal keeps
those of posts it has and drops the rest. Everything else (other collections, identity and
account events, kinds Jetstream may add later) is dropped without a word, and an event that
cannot be read is quarantined. Events are handed over in batches, at most every
`FLUSH_SECONDS` or `BATCH_SIZE` items.

Search tells nothing of what became of a post it found, so each poll first re-fetches some of
the posts search found in the last `RECHECK_SECONDS` (at most `RECHECK_LIMIT`, those checked
longest ago first) with `app.bsky.feed.getPosts`, 25 a call and at most `RECHECK_CALLS` calls:
a post getPosts no longer gives (deleted, or its account taken down or gone) becomes a deletion,
one whose text (with alt texts) is no longer the text first found becomes an edit, with the text
its mention would have now. A call that fails says nothing of its posts: they wait for their
next turn, and no call more is made in that poll.

Elsewhere: the cursor (each term's newest post and unread stretches, the newest Jetstream event,
the posts waiting to be re-fetched) in `smwar.sources.bluesky_cursor`; the XRPC session and its
tokens in `smwar.sources.bluesky_session`; authors' profiles, quoted posts' texts and alt texts in
`smwar.sources.bluesky_profiles`.

Jetstream's events do not arrive strictly in
time order, so a reconnect asks for `JETSTREAM_REWIND_US` before it; the posts seen again are
recognised by their at-uri and not handed over twice (after a restart of the program the
journal deduplicates them on network + native id).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from smwar.model import DELETED, EDITED, Mention, Revision
from smwar.sources.base import (
    MAX_ITEM_BYTES,
    USER_AGENT,
    Batch,
    SourceError,
    http_client,
    read_items,
    retry_after_seconds,
)
from smwar.sources.bluesky_cursor import (
    SEARCH_MAX_PAGES,
    SEARCH_PAGE_SIZE,
    Gap,
    Newest,
    Position,
    Rechecked,
    digest,
    moved,
    parse_time,
    sort_key,
)
from smwar.sources.bluesky_profiles import (
    PROFILE_BATCH,
    QUOTE_MARK,
    Enricher,
    ProfileJournal,
    display_name_of,
    full_text,
    handle_of,
    quoted_text,
    reason,
    searchable,
    string_field,
)
from smwar.sources.bluesky_session import XrpcSession
from smwar.sources.recent import MAX_GAPS
from smwar.sources.settings import BlueskySettings

log = logging.getLogger(__name__)
NETWORK = "bluesky"
POST_COLLECTION = "app.bsky.feed.post"
JETSTREAM_REWIND_US = 5_000_000  # a reconnect replays the last 5 s: events arrive slightly out of order
BATCH_SIZE = 100  # mentions and quarantined items in one Jetstream batch, at most
FLUSH_SECONDS = 1.0  # a Jetstream batch waits at most this long
MAX_FRAME_BYTES = 8 * 1024 * 1024  # larger websocket messages close the connection (smaller ones over
# MAX_ITEM_BYTES are quarantined): a record cannot be near this large
SEEN_LIMIT = 50_000  # at-uris (and quarantined items) remembered so that a replay does not repeat them
_LOGIN_NEEDED = "Bluesky search needs a login (the AppView refuses anonymous searchPosts since 2025): "
_QUOTES = {"app.bsky.embed.record", "app.bsky.embed.recordWithMedia"}
_OPERATIONS = frozenset({"create", "update", "delete"})


class _Read(NamedTuple):
    """What one read of the search brought: its posts (newest first), the pages it used, and, when it
    stopped before reaching its floor, the page cursor to read on from (None: it got there)."""

    posts: list[object]
    used: int
    next_cursor: str | None


class BlueskySource:
    network = NETWORK

    def __init__(
        self,
        settings: BlueskySettings,
        app_password: str | None = None,
        client: httpx.AsyncClient | None = None,
        journal: ProfileJournal | None = None,  # where authors' profiles are kept across restarts
    ) -> None:
        self.id = settings.id
        self.settings = settings
        self._xrpc = XrpcSession(settings.pds, settings.handle, app_password)
        self._client = client
        self._keywords = [keyword.casefold() for keyword in settings.keywords]
        self._seen: OrderedDict[str, None] = OrderedDict()  # at-uris handed over, oldest first
        self._enricher = Enricher(settings.appview, journal)

    def __repr__(self) -> str:
        return f"BlueskySource(id={self.id!r})"

    @property
    def logs_in(self) -> bool:
        return self._xrpc.can_log_in

    async def run(self, cursor: str | None) -> AsyncGenerator[Batch, None]:
        """Search polling and the Jetstream reader run side by side; their batches come out in
        the order they were made, each with the cursor of everything before it. When either
        fails, the run ends with its error after the batches made before."""
        position = Position.load(cursor, self.settings.search)
        outbox: asyncio.Queue[Batch | BaseException] = asyncio.Queue()
        client = self._client or http_client()
        producers: list[Coroutine[Any, Any, None]] = []
        if self.settings.search:
            producers.append(self._poll_search(client, position, outbox.put_nowait))
        if self.settings.jetstream:
            producers.append(self._read_jetstream(position, outbox.put_nowait))
        tasks = [asyncio.create_task(_reporting(producer, outbox.put_nowait)) for producer in producers]
        try:
            while True:
                item = await outbox.get()
                if isinstance(item, BaseException):
                    raise item
                batch = await self._enricher.filled(client, self._unseen(item))
                yield batch
                self._remember(batch)  # only now: a batch the runner did not take is fetched again
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if client is not self._client:
                await client.aclose()

    def _unseen(self, batch: Batch) -> Batch:
        """`batch` without what was handed over before (a replay after a reconnect sends it again)."""
        keys: set[str] = set()

        def new(key: str) -> bool:
            fresh = key not in self._seen and key not in keys
            keys.add(key)
            return fresh

        mentions = [mention for mention in batch.mentions if new(mention.native_id)]
        quarantined = [item for item in batch.quarantined if new(_quarantine_key(item))]
        revisions = [revision for revision in batch.revisions if new(_revision_key(revision))]
        if (len(mentions), len(quarantined), len(revisions)) == (
            len(batch.mentions),
            len(batch.quarantined),
            len(batch.revisions),
        ):
            return batch
        return Batch(mentions, quarantined, batch.cursor, revisions)

    def _remember(self, batch: Batch) -> None:
        keys = [*(m.native_id for m in batch.mentions), *map(_quarantine_key, batch.quarantined)]
        for key in [*keys, *map(_revision_key, batch.revisions)]:
            self._seen[key] = None
        while len(self._seen) > SEEN_LIMIT:
            self._seen.popitem(last=False)

    # -- search -------------------------------------------------------------------------------

    async def _poll_search(self, client: httpx.AsyncClient, position: Position, emit: Callable[[Batch], None]) -> None:
        if not self.logs_in:
            raise SourceError(_LOGIN_NEEDED + _how_to_log_in(self.settings.handle), fatal=True)
        while True:
            rechecked = await self._recheck(client, position)
            for term in self.settings.search:
                mentions, quarantined = await self._search(client, term, position)
                revisions = position.rechecked(rechecked)  # in the batch that journals its revisions
                emit(Batch(mentions, quarantined, position.dump(), revisions))  # no await in between
                rechecked = Rechecked()
            await asyncio.sleep(self.settings.poll_seconds)

    async def _recheck(self, client: httpx.AsyncClient, position: Position) -> Rechecked:
        """The posts due in this poll re-fetched, `PROFILE_BATCH` a call, until a call fails; those
        of the failed call go to the back of the queue unchanged (a post that always fails does not
        hold up the rest), and no call more is made. `position` is left as it was."""
        rechecked = Rechecked()
        due = position.due(int(time.time()))
        for start in range(0, len(due), PROFILE_BATCH):
            uris = due[start : start + PROFILE_BATCH]
            try:
                answer = await self._xrpc.get(client, "app.bsky.feed.getPosts", [("uris", uri) for uri in uris])
                posts = answer.get("posts")
                if not isinstance(posts, list):
                    raise SourceError("getPosts answered without a list of posts")
            except (httpx.HTTPError, SourceError) as exc:
                if isinstance(exc, SourceError) and exc.fatal:
                    raise  # a session refused: search is refused too
                log.warning("re-fetching %d Bluesky posts failed, trying them later: %s", len(uris), reason(exc))
                rechecked.digests.update((uri, position.watched[uri].digest) for uri in uris)
                break
            given = {post["uri"]: post for post in posts if isinstance(post, dict) and isinstance(post.get("uri"), str)}
            now = datetime.now(UTC)
            for uri in uris:
                rechecked.digests[uri], revision = _revision(uri, given.get(uri), position.watched[uri].digest, now)
                if revision is not None:
                    rechecked.revisions.append(revision)
        return rechecked

    async def _search(
        self, client: httpx.AsyncClient, term: str, position: Position
    ) -> tuple[list[Mention], list[tuple[bytes, str]]]:
        """The posts for `term` newer than the newest seen, and those of its gaps that pages are
        left for, oldest first; `position` moves on past them. The first poll of a term takes one
        page of the newest."""
        known = position.search.get(term)
        gaps = list(position.gaps.get(term, ()))
        budget = SEARCH_MAX_PAGES - (SEARCH_MAX_PAGES // 2 if gaps else 0)  # gaps get at least half
        top = await self._read_search(client, term, None, known, None, (), budget if known is not None else 1)
        pages = SEARCH_MAX_PAGES - top.used
        filled: list[object] = []
        kept: list[Gap] = []
        for gap in gaps:  # the oldest first, while pages are left
            if pages < 1:
                kept.append(gap)
                continue
            read = await self._read_search(client, term, gap.cursor, gap.floor, gap.top, gap.seen, pages)
            pages -= read.used
            filled.extend(reversed(read.posts))
            if read.next_cursor is not None:
                kept.append(moved(gap, read.posts, read.next_cursor))
        newest = known
        for post in top.posts:
            key = sort_key(post)
            if key is not None and (newest is None or key.at > newest.at):
                newest = key
        if known is not None and top.next_cursor is not None:  # stopped before the posts seen before
            kept.append(moved(Gap(top.next_cursor, known), top.posts, top.next_cursor))
        if newest is not None:
            position.search[term] = newest
        if kept:
            position.gaps[term] = kept[-MAX_GAPS:]
        else:
            position.gaps.pop(term, None)
        found = [*filled, *reversed(top.posts)]  # oldest first, as they happened
        raw = [json.dumps(post, ensure_ascii=False).encode() for post in found]
        mentions, quarantined = read_items(raw, _mention_from_post_view)
        taken = {mention.native_id for mention in mentions}
        position.watch(  # each a postView whose record was read, if its mention was taken
            {p["uri"]: digest(full_text(p["record"])) for p in found if isinstance(p, dict) and p.get("uri") in taken},
            int(time.time()),
        )
        return mentions, quarantined

    async def _read_search(
        self,
        client: httpx.AsyncClient,
        term: str,
        page_cursor: str | None,
        floor: Newest | None,
        top: Newest | None,
        seen: tuple[str, ...],
        pages: int,
    ) -> _Read:
        """The posts for `term` from `page_cursor` (None: the newest) back to `floor` (None: this
        page only), in at most `pages` pages. Posts newer than `top`, or of its time and in `seen`,
        were read before (a page cursor that has shifted since gives them again) and are left out."""
        found: list[object] = []
        seen_here = set(seen)
        used = 0
        while used < pages:
            params = {"q": term, "sort": "latest", "limit": str(SEARCH_PAGE_SIZE)}
            if page_cursor:
                params["cursor"] = page_cursor
            answer = await self._xrpc.get(client, "app.bsky.feed.searchPosts", params)
            used += 1
            posts = answer.get("posts")
            if not isinstance(posts, list):
                raise SourceError("searchPosts answered without a list of posts")
            reached_floor = False
            for post in posts:
                key = sort_key(post)
                if floor is not None and key is not None and (key.uri == floor.uri or key.at < floor.at):
                    reached_floor = True  # seen before; the rest of this page may still be new
                    continue
                if top is not None:  # within a gap
                    uri = post.get("uri") if isinstance(post, dict) else None
                    if (key is not None and key.at > top.at) or (isinstance(uri, str) and uri in seen_here):
                        continue
                    if isinstance(uri, str):
                        seen_here.add(uri)
                found.append(post)
            next_cursor = answer.get("cursor")
            if floor is None or reached_floor or not posts or not isinstance(next_cursor, str) or not next_cursor:
                return _Read(found, used, None)
            page_cursor = next_cursor
        return _Read(found, used, page_cursor)

    # -- Jetstream ----------------------------------------------------------------------------

    def jetstream_url(self, time_us: int | None) -> str:
        """The subscription URL: posts only, from a little before `time_us` when resuming."""
        parts = urlsplit(self.settings.jetstream_url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("wantedCollections", "cursor")]
        query.append(("wantedCollections", POST_COLLECTION))
        if time_us is not None:
            query.append(("cursor", str(max(time_us - JETSTREAM_REWIND_US, 0))))
        return urlunsplit(parts._replace(query=urlencode(query)))

    async def _read_jetstream(self, position: Position, emit: Callable[[Batch], None]) -> None:
        url = self.jetstream_url(position.time_us)
        host = urlsplit(url).hostname
        pending = _Pending(position.time_us)

        def flush() -> None:
            if pending.changed(position.time_us):
                position.time_us = pending.time_us
                position.told(pending.revisions)
                emit(Batch(pending.mentions, pending.quarantined, position.dump(), pending.revisions))
            pending.reset()

        try:
            async with connect(url, max_size=MAX_FRAME_BYTES, user_agent_header=USER_AGENT, open_timeout=15) as ws:
                while True:
                    try:
                        async with asyncio.timeout(max(pending.flush_at - time.monotonic(), 0.0)):
                            message = await ws.recv(decode=False)
                    except TimeoutError:
                        flush()
                        continue
                    self._take_event(message if isinstance(message, bytes) else message.encode(), pending)
                    if pending.full() or time.monotonic() >= pending.flush_at:
                        flush()
        except ConnectionClosed as exc:
            flush()  # what arrived before the connection went is handed over
            raise SourceError(f"Jetstream connection to {host} lost ({_closed_reason(exc)})") from None
        except InvalidStatus as exc:
            status = exc.response.status_code
            retry_after = retry_after_seconds(exc.response.headers.get("Retry-After"))
            if status == 429:
                raise SourceError(f"rate limited by Jetstream at {host} (429)", retry_after or 60.0) from None
            raise SourceError(f"Jetstream at {host} refused the connection ({status})", retry_after) from None
        except WebSocketException as exc:
            raise SourceError(f"Jetstream at {host}: {type(exc).__name__}: {exc}"[:300]) from None

    def _take_event(self, raw: bytes, pending: _Pending) -> None:
        if len(raw) > MAX_ITEM_BYTES:
            pending.quarantined.append((raw[:MAX_ITEM_BYTES], f"event of {len(raw):,} bytes is too large"))
            return
        try:
            event = json.loads(raw)
            if not isinstance(event, dict):
                raise TypeError(f"expected a JSON object, got {type(event).__name__}")
            time_us = event["time_us"]
            if not isinstance(time_us, int) or isinstance(time_us, bool) or time_us <= 0:
                raise TypeError(f"time_us is not a positive integer: {time_us!r}"[:200])
        except (ValueError, TypeError, KeyError) as exc:
            pending.quarantined.append((raw, reason(exc)))
            return
        pending.advance(time_us)
        try:
            found = self._post_from_event(event, time_us)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            pending.quarantined.append((raw, reason(exc)))
            return
        if isinstance(found, Mention):
            pending.mentions.append(found)
        elif found is not None:
            pending.revisions.append(found)

    def _post_from_event(self, event: dict[str, Any], time_us: int) -> Mention | Revision | None:
        """The mention (a matching post created) or revision (a post updated or deleted) in a
        Jetstream event; None for an event that is neither."""
        if event.get("kind") != "commit":
            return None  # identity, account, and whatever kinds come later
        commit = event["commit"]
        if not isinstance(commit, dict):
            raise TypeError("commit is not an object")
        operation = commit.get("operation")
        if operation not in _OPERATIONS or commit.get("collection") != POST_COLLECTION:
            return None  # collections we did not ask for, operations Jetstream may add
        did, rkey = string_field(event, "did"), string_field(commit, "rkey")
        if not did.startswith("did:") or not rkey or "/" in rkey:
            raise ValueError(f"not a post's did and rkey: {did!r}, {rkey!r}"[:200])
        uri = f"at://{did}/{POST_COLLECTION}/{rkey}"
        at = datetime.fromtimestamp(time_us / 1_000_000, UTC)
        if operation == "delete":
            return Revision(NETWORK, uri, DELETED, at)
        record = commit["record"]
        if not isinstance(record, dict):
            raise TypeError("record is not an object")
        if operation == "update":
            return Revision(NETWORK, uri, EDITED, at, full_text(record))
        words = searchable(record)
        if not any(keyword in words for keyword in self._keywords):
            return None
        return _mention(uri, did, None, None, record, at)


@dataclass(slots=True)
class _Pending:
    """What the Jetstream reader has gathered since its last batch."""

    time_us: int | None
    mentions: list[Mention] = field(default_factory=list)
    quarantined: list[tuple[bytes, str]] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    flush_at: float = field(default_factory=lambda: time.monotonic() + FLUSH_SECONDS)

    def advance(self, time_us: int) -> None:
        if self.time_us is None or time_us > self.time_us:
            self.time_us = time_us

    def full(self) -> bool:
        return len(self.mentions) + len(self.quarantined) + len(self.revisions) >= BATCH_SIZE

    def changed(self, time_us: int | None) -> bool:
        return bool(self.mentions or self.quarantined or self.revisions) or self.time_us != time_us

    def reset(self) -> None:
        self.mentions, self.quarantined, self.revisions = [], [], []
        self.flush_at = time.monotonic() + FLUSH_SECONDS


async def _reporting(producer: Coroutine[Any, Any, None], report: Callable[[BaseException], None]) -> None:
    """Run `producer`; its failure is handed to the consumer instead of dying with the task."""
    try:
        await producer
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        report(exc)


# -- mapping ----------------------------------------------------------------------------------


def _mention_from_post_view(post: dict[str, Any]) -> Mention:
    """A mention from a searchPosts `postView`."""
    uri = string_field(post, "uri")
    author = post["author"]
    if not isinstance(author, dict):
        raise TypeError("author is not an object")
    did = string_field(author, "did")
    handle, display_name = handle_of(author.get("handle")), display_name_of(author.get("displayName"))
    record = post["record"]
    if not isinstance(record, dict):
        raise TypeError("record is not an object")
    if not uri.startswith(f"at://{did}/{POST_COLLECTION}/"):
        raise ValueError(f"not the at-uri of a post by {did}: {uri!r}"[:200])
    fallback = parse_time(post.get("indexedAt")) or datetime.now(UTC)
    return _mention(uri, did, handle, display_name, record, fallback, quoted_text(post.get("embed")))


def _mention(
    uri: str,
    did: str,
    handle: str | None,
    display_name: str | None,
    record: dict[str, Any],
    fallback: datetime,
    quoted: str | None = None,
) -> Mention:
    """The mention of a post's `record`; `quoted`: the text of the post it quotes, if known."""
    rkey = uri.rsplit("/", 1)[1]
    langs = record.get("langs")
    if langs is not None and (not isinstance(langs, list) or not all(isinstance(lang, str) for lang in langs)):
        raise TypeError("langs is not a list of strings")
    created = record.get("createdAt")
    if created is not None and not isinstance(created, str):
        raise TypeError("createdAt is not a string")
    return Mention(
        network=NETWORK,
        native_id=uri,
        author=handle or did,
        text=full_text(record) + (QUOTE_MARK + quoted if quoted else ""),
        posted_at=parse_time(created) or fallback,
        lang=langs[0] if langs else None,
        followers=None,  # neither searchPosts nor Jetstream says: the author's profile is looked up
        url=f"https://bsky.app/profile/{did}/post/{rkey}",
        author_name=display_name,
        reply_to=_reply_parent(record.get("reply")),
        quote_of=_quoted(record.get("embed")),
    )


def _revision(uri: str, post: dict[str, Any] | None, known: str, now: datetime) -> tuple[str | None, Revision | None]:
    """What a re-fetch of the post `uri`, whose text had the digest `known`, found: its digest
    now (None: deleted) and its revision, if any. A post getPosts did not give is deleted; one it
    gave but that cannot be read is taken as it was."""
    if post is None:
        return None, Revision(NETWORK, uri, DELETED, now)
    try:
        text = _mention_from_post_view(post).text
        now_digest = digest(full_text(post["record"]))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return known, None
    return now_digest, (Revision(NETWORK, uri, EDITED, now, text) if now_digest != known else None)


def _reply_parent(reply: object) -> str | None:
    if reply is None:
        return None
    if not isinstance(reply, dict) or not isinstance(reply.get("parent"), dict):
        raise TypeError("reply has no parent")
    return string_field(reply["parent"], "uri")


def _quoted(embed: object) -> str | None:
    """The at-uri a quote post quotes (app.bsky.embed.record, or recordWithMedia)."""
    if not isinstance(embed, dict) or embed.get("$type") not in _QUOTES:
        return None
    inner = embed.get("record")
    if embed["$type"] == "app.bsky.embed.recordWithMedia" and isinstance(inner, dict):
        inner = inner.get("record")
    if not isinstance(inner, dict):
        raise TypeError(f"{embed['$type']} without a record")
    return string_field(inner, "uri")


# -- HTTP and websocket details ---------------------------------------------------------------


def _how_to_log_in(handle: str | None) -> str:
    if handle:
        return f"no app password is stored for {handle}; store one with `smwar auth set bluesky:{handle}`"
    return "set handle= on the source and store its app password with `smwar auth set bluesky:HANDLE`"


def _closed_reason(exc: ConnectionClosed) -> str:
    close = exc.rcvd or exc.sent
    if close is None:
        return "no close frame"
    return f"code {close.code}" + (f": {close.reason}"[:120] if close.reason else "")


def _revision_key(revision: Revision) -> str:
    return f"{revision.kind}:{revision.at.isoformat()}:{revision.native_id}"


def _quarantine_key(item: tuple[bytes, str]) -> str:
    return "quarantined:" + hashlib.sha256(item[0]).hexdigest()
