"""A cursor for searches that index late and list newest first: the newest time seen, every id
seen within a look-back window before it, so each poll can ask again a little into the past
without handing anything over twice, and the gaps a poll had to leave unread.

A poll reads a bounded number of pages. When more items arrived since the last poll than fit,
it stops above the window's floor, and the stretch between that floor and the oldest item it
read is a gap: the cursor keeps it, and later polls read it (oldest gap first) until it is
closed. A gap keeps the ids already delivered within it, so its edges are never delivered twice.

A page that fails (an HTTP error, a broken connection, an answer that is not JSON or larger
than `MAX_ANSWER_BYTES`) ends its read there: the pages before it are delivered, with a cursor
that makes the next poll go on at that page, and then the poll fails, for the runner to back
off from. An unreadable answer is quarantined with its bytes once: while polls keep failing, the
same page or the same bytes unreadable again is only a failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, NamedTuple, TypeGuard

import httpx

from smwar.model import Mention
from smwar.sources.base import MAX_ITEM_BYTES, Batch, Poller, SourceError, read_items
from smwar.sources.settings import SourceSettings

LOOKBACK = 300.0  # seconds before the newest item seen that each poll looks at again
SEEN_MAX = 2000
MAX_GAPS = 20  # beyond this many unread stretches the oldest is given up
MAX_ANSWER_BYTES = 10 * 1024 * 1024  # a page larger than this is refused, not read


@dataclass(frozen=True, slots=True)
class Gap:
    """Items created in [`floor`, `until`] not read yet, newest first from `until` (or, for a listing
    paged by tokens, from just after the item `after`); `seen`: ids in that stretch delivered already."""

    floor: float
    until: float
    after: str | None = None
    seen: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, data: object) -> Gap | None:
        if not isinstance(data, dict) or not is_number(floor := data.get("floor")):
            return None
        if not is_number(until := data.get("until")) or until < floor:
            return None
        after = data.get("after")
        return cls(float(floor), float(until), after if isinstance(after, str) and after else None, _times(data))

    def dump(self) -> dict[str, Any]:
        after = {"after": self.after} if self.after is not None else {}
        return {"floor": self.floor, "until": self.until, **after, "seen": self.seen}

    def holds(self, created: float) -> bool:
        return self.floor <= created <= self.until


@dataclass(frozen=True, slots=True)
class Read:
    """One stretch for a poll to read, newest first, down to `floor` (None: only the latest page,
    a cursor's very first poll), starting at `until` (None: now) or just after the item `after`."""

    floor: float | None
    until: float | None = None
    after: str | None = None


@dataclass(frozen=True, slots=True)
class Stop:
    """Where a read ended before its floor: the time of the oldest item it read (None: unreadable)
    and, for a listing paged by tokens, the token to read on from."""

    until: float | None
    after: str | None = None


class Pages(NamedTuple):
    """What one read brought: its items, where it stopped short of its floor (None: it got there),
    the pages it used, how long the server asks to be left alone (then the poll reads no more),
    and the failure of the page after `used` pages, if one failed (then the poll reads no more)."""

    items: list[object]
    stop: Stop | None
    used: int
    wait: float = 0.0
    failure: Exception | None = None


class Reading(NamedTuple):
    """What a poll's reads brought: the items, how each read made ended, the wait asked, and the
    failure that ended them early (None: none)."""

    items: list[object]
    ended: list[Stop | None]
    wait: float
    failure: Exception | None


class Unreadable(SourceError):
    """An answer that is not the page asked for: its bytes go to quarantine, once for `page`."""

    def __init__(self, page: str, body: bytes, why: str) -> None:
        super().__init__(why)
        self.page = page
        self.body = body


class Answer(NamedTuple):
    """One page as JSON, with its bytes, where it came from and which page it is."""

    data: object
    body: bytes
    response: httpx.Response
    page: str

    def unreadable(self, why: str) -> Unreadable:
        return Unreadable(self.page, self.body, f"{self.response.url.host} answered {why}")


async def get_json(
    client: httpx.AsyncClient,
    url: str,
    params: dict[str, str | int],
    check: Callable[[httpx.Response], httpx.Response],
    page: str | None = None,
) -> Answer:
    """One page: `check`ed, at most `MAX_ANSWER_BYTES` (`SourceError` when larger), and JSON
    (`Unreadable` when not). `page`: what makes it that page (by default its address)."""
    async with client.stream("GET", url, params=params) as response:
        check(response)
        declared = response.headers.get("Content-Length", "")
        size = int(declared) if declared.isdigit() else 0
        body = bytearray()
        if size <= MAX_ANSWER_BYTES:
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    break
        if max(size, len(body)) > MAX_ANSWER_BYTES:
            host = response.url.host
            raise SourceError(f"{host} answered more than the {MAX_ANSWER_BYTES:,} bytes a page may have; refused")
    page = page if page is not None else str(response.url)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise Answer(None, bytes(body), response, page).unreadable(f"no JSON ({exc})"[:300]) from None
    return Answer(data, bytes(body), response, page)


@dataclass(slots=True)
class RecentCursor:
    """As JSON: `{"newest": time of the newest item seen, "seen": {id: time}}` (Unix seconds), and
    `"gaps": [{"floor": t, "until": t, "after": token (if any), "seen": {id: time}}, ...]`, oldest
    first, when some stretches are unread (absent when none)."""

    newest: float | None = None
    seen: dict[str, float] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)

    @classmethod
    def load(cls, cursor: str | None) -> RecentCursor:
        """The cursor as stored; one that cannot be read starts afresh (the journal dedupes)."""
        try:
            data = json.loads(cursor) if cursor else {}
        except ValueError:
            return cls()
        if not isinstance(data, dict) or not is_number(data.get("newest")):
            return cls()
        stored = data.get("gaps")
        gaps = [gap for gap in map(Gap.load, stored if isinstance(stored, list) else []) if gap is not None]
        return cls(float(data["newest"]), _times(data), gaps[-MAX_GAPS:])

    def dump(self) -> str:
        gaps = {"gaps": [gap.dump() for gap in self.gaps]} if self.gaps else {}
        return json.dumps({"newest": self.newest, "seen": self.seen, **gaps}, separators=(",", ":"))

    def known(self, key: str) -> bool:
        """Whether the item `key` was delivered already (as far as this cursor remembers)."""
        return key in self.seen or any(key in gap.seen for gap in self.gaps)

    def reads(self) -> list[Read]:
        """What the next poll should read, in order: the oldest gap (if any), then the newest items."""
        if self.newest is None:
            return [Read(None)]
        top = Read(self.newest - LOOKBACK)
        if not self.gaps:
            return [top]
        oldest = self.gaps[0]
        return [Read(oldest.floor, oldest.until, oldest.after), top]

    async def read(self, pages: int, read: Callable[[Read, int], Awaitable[Pages]]) -> Reading:
        """Make this cursor's `reads` with `read(what, at most so many pages)`, within `pages` pages in
        all (a gap leaves one for the newest items), until one fails; a read whose first page failed
        counts as not made."""
        items: list[object] = []
        ended: list[Stop | None] = []
        plan = self.reads()
        for what in plan:
            most = pages - 1 if what is not plan[-1] else pages  # a gap leaves a page for the newest items
            answer = await read(what, max(most, 1))
            items.extend(answer.items)
            if answer.used or answer.failure is None:
                ended.append(answer.stop)
            pages -= answer.used
            if answer.failure is not None or answer.wait or pages < 1:
                return Reading(items, ended, answer.wait, answer.failure)
        return Reading(items, ended, 0.0, None)

    def advanced(self, arrived: dict[str, float | None], ended: Sequence[Stop | None] = ()) -> RecentCursor:
        """This cursor after `arrived` (id -> time, None where unreadable) was handled, where `ended`
        says how each of the first `reads()` ended (a read not listed was not made)."""
        times = [created for created in arrived.values() if created is not None]
        newest = max([*times, *([self.newest] if self.newest is not None else [])], default=None)
        if newest is None:
            return self
        delivered = {key: newest if created is None else created for key, created in arrived.items()}
        seen = {**self.seen, **delivered}
        recent = _newest_first((key, created) for key, created in seen.items() if created >= newest - LOOKBACK)
        gaps = self._gaps_after(list(zip(self.reads(), ended, strict=False)), newest)
        gaps = [_with_seen(gap, [gap.seen, seen]) for gap in gaps]
        return RecentCursor(newest, dict(recent[:SEEN_MAX]), [gap for gap in gaps if gap.until >= gap.floor])

    def _gaps_after(self, done: list[tuple[Read, Stop | None]], newest: float) -> list[Gap]:
        """The gaps once the reads in `done` ended as they did."""
        gaps = list(self.gaps)
        for what, stop in done:
            if what.floor is None:  # the first poll: history before it is not this source's business
                continue
            if what.until is not None:  # the oldest gap
                old = gaps.pop(0)
                if stop is not None:
                    gaps.insert(0, _moved(old, stop))
            elif stop is not None and (stop.until is None or self.newest is None or stop.until > self.newest):
                # the newest items, not read down to what earlier polls read: what is left is a gap (from
                # the window's floor, so it is looked at again for items indexed late, as the window is);
                # a read that got down among items read before only skips looking at the rest again
                until = stop.until if stop.until is not None else newest
                gaps.append(Gap(what.floor, until, stop.after))
        return gaps[-MAX_GAPS:]


def _moved(gap: Gap, stop: Stop) -> Gap:
    """`gap` after a read of it stopped at `stop`; one that cannot move on by token gives up the
    second it is stuck at (more items of one second than a poll's pages hold)."""
    until = gap.until if stop.until is None else min(stop.until, gap.until)
    if stop.after is None and until >= gap.until:
        until = gap.until - 1
    return replace(gap, until=until, after=stop.after)


def _with_seen(gap: Gap, sources: Iterable[dict[str, float]]) -> Gap:
    """`gap` remembering the ids of `sources` created within it (those nearest its top first)."""
    held = {key: created for source in sources for key, created in source.items() if gap.holds(created)}
    return replace(gap, seen=dict(_newest_first(held.items())[:SEEN_MAX]))


def _newest_first(pairs: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    return sorted(pairs, key=lambda pair: pair[1], reverse=True)


def _times(data: dict[str, Any]) -> dict[str, float]:
    seen = data.get("seen")
    if not isinstance(seen, dict):
        return {}
    return {str(key): float(value) for key, value in seen.items() if is_number(value)}


def is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


class RecentPoller(Poller[RecentCursor]):
    """A search read newest first with a `RecentCursor`. A subclass says how a stretch is read
    (`read_pages`), how an item is known (`identify`) and what mention it is (`mention`)."""

    max_pages: int

    def __init__(self, settings: SourceSettings, client: httpx.AsyncClient | None = None) -> None:
        super().__init__(settings, client)
        self._failure: Exception | None = None  # of the poll whose batch was handed over last
        self._quarantined: set[str] = set()  # pages and digests of answers quarantined since the last good poll

    def load(self, cursor: str | None) -> RecentCursor:
        return RecentCursor.load(cursor)

    async def read_pages(self, client: httpx.AsyncClient, read: Read, pages: int) -> Pages:
        raise NotImplementedError

    def identify(self, item: object, raw: bytes) -> tuple[str, float | None]:
        raise NotImplementedError

    def mention(self, item: dict[str, Any]) -> Mention | None:
        raise NotImplementedError

    async def poll(self, client: httpx.AsyncClient, state: RecentCursor) -> tuple[Batch, RecentCursor, float]:
        """One search (several pages if that many items are new, and first a stretch left unread by
        an earlier poll, if any): the batch, the state after it, and how long to wait before the
        next request (0: no need). When a page failed, the batch holds what was read before it and
        the failure is raised once the batch is handed over (at once when there is nothing to hand)."""
        reading = await state.read(self.max_pages, partial(self.read_pages, client))
        fresh: list[bytes] = []
        arrived: dict[str, float | None] = {}
        for item in reading.items:
            raw = json.dumps(item, ensure_ascii=False).encode()
            key, created = self.identify(item, raw)
            if state.known(key) or key in arrived:
                continue
            arrived[key] = created
            fresh.append(raw)
        mentions, quarantined = read_items(fresh, self.mention)
        mentions.sort(key=lambda mention: mention.posted_at)
        new_state = state.advanced(arrived, reading.ended)
        failure = reading.failure
        if failure is None:
            self._quarantined.clear()
        elif isinstance(failure, Unreadable):
            keys = {f"page {failure.page}", "sha256 " + hashlib.sha256(failure.body).hexdigest()}
            if not keys & self._quarantined:
                quarantined.append((failure.body[:MAX_ITEM_BYTES], str(failure)))
            self._quarantined |= keys
        if failure is not None and not mentions and not quarantined and new_state == state:
            raise failure
        self._failure = failure
        return Batch(mentions, quarantined, new_state.dump() if new_state != state else None), new_state, reading.wait

    async def run(self, cursor: str | None) -> AsyncIterator[Batch]:
        async with contextlib.aclosing(super().run(cursor)) as batches:
            async for batch in batches:
                yield batch
                if self._failure is not None:
                    failure, self._failure = self._failure, None
                    raise failure
