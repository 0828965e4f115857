"""Where the Bluesky source stands, kept as its cursor: per search term the newest post found
and the stretches not read yet, the newest Jetstream event, and the posts search found that
are re-fetched for edits and deletions. The cursor is a small JSON object::

    {"v": 1, "search": {"<term>": {"at": "<newest indexedAt>", "uri": "<its at-uri>"}}, "time_us": 1783175888400999,
     "recheck": [["<at-uri>", <Unix seconds when found>, "<8-hex digest of its text>"], ...]}

`recheck` (absent when empty) lists the posts to re-fetch in the order of their next turn.

A poll reads at most `SEARCH_MAX_PAGES` pages per term. When more posts arrived since the last
poll than that, it stops short of the posts seen before, and the unread stretch in between is
kept as a gap in the term's entry (the key is absent when there are none)::

    "gaps": [{"cursor": "<searchPosts cursor to read on from>", "floor": {"at": ..., "uri": ...},
              "top": {"at": ..., "uri": ...}, "seen": ["<at-uri>", ...]}, ...]

oldest first: from `cursor` down to `floor` (the newest post before the stretch), where `top` is
the oldest post read in it so far and `seen` the posts of `top`'s time handed over already (a
cursor that has shifted since then gives some again). Later polls read the gaps, oldest first,
with what the newest posts leave of their pages (at least half), until they are closed; beyond
`MAX_GAPS` the oldest is given up.

`time_us` is the newest Jetstream event seen.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeGuard

from smwar.model import DELETED, Revision
from smwar.sources.bluesky_profiles import PROFILE_BATCH
from smwar.sources.recent import MAX_GAPS

SEARCH_PAGE_SIZE = 100  # the most searchPosts gives at once
SEARCH_MAX_PAGES = 20  # a poll pages back at most this far; anything older than that is left behind
RECHECK_SECONDS = 24 * 3600  # search's posts are re-fetched for edits and deletions this long after found
RECHECK_LIMIT = 500  # posts waiting to be re-fetched, at most (beyond it, those found longest ago are let go)
RECHECK_CALLS = 4  # getPosts calls (of PROFILE_BATCH posts) a poll makes at most


@dataclass(frozen=True, slots=True)
class Newest:
    """The newest post a search term has found: where the next poll stops paging."""

    at: datetime
    at_text: str
    uri: str


@dataclass(frozen=True, slots=True)
class Gap:
    """Posts of a term not read yet: from the search's page `cursor` back to `floor` (exclusive);
    `top` is the oldest post read within it so far (None: none yet), `seen` the at-uris of posts
    as old as `top` handed over already."""

    cursor: str
    floor: Newest
    top: Newest | None = None
    seen: tuple[str, ...] = ()

    @classmethod
    def load(cls, data: object) -> Gap | None:
        if not isinstance(data, dict) or not isinstance(cursor := data.get("cursor"), str) or not cursor:
            return None
        floor = _newest_from(data.get("floor"))
        if floor is None:
            return None
        seen = data.get("seen")
        uris = tuple(uri for uri in seen if isinstance(uri, str)) if isinstance(seen, list) else ()
        return cls(cursor, floor, _newest_from(data.get("top")), uris[:SEARCH_PAGE_SIZE])

    def dump(self) -> dict[str, Any]:
        top = {"top": _newest_dump(self.top)} if self.top is not None else {}
        return {"cursor": self.cursor, "floor": _newest_dump(self.floor), **top, "seen": list(self.seen)}


class Watched(NamedTuple):
    """A post search found, to re-fetch: when it was found (Unix seconds) and a digest of its text."""

    found: int
    digest: str


@dataclass(slots=True)
class Rechecked:
    """What one re-fetch made of the posts it asked for: the revisions to journal, and each post's
    digest now (None: deleted), in the order they were asked for."""

    revisions: list[Revision] = field(default_factory=list)
    digests: dict[str, str | None] = field(default_factory=dict)


@dataclass(slots=True)
class Position:
    """Where a run stands; `dump()` is the source's cursor."""

    search: dict[str, Newest] = field(default_factory=dict)
    time_us: int | None = None
    gaps: dict[str, list[Gap]] = field(default_factory=dict)  # per term, oldest first; no empty lists
    watched: OrderedDict[str, Watched] = field(default_factory=OrderedDict)  # search's posts, next turn first

    @classmethod
    def load(cls, cursor: str | None, terms: list[str]) -> Position:
        position = cls()
        if not cursor:
            return position
        try:
            data = json.loads(cursor)
        except ValueError:
            return position  # not ours (or from an older version): start afresh
        if not isinstance(data, dict):
            return position
        time_us = data.get("time_us")
        if isinstance(time_us, int) and not isinstance(time_us, bool) and time_us > 0:
            position.time_us = time_us
        searches = data.get("search")
        if isinstance(searches, dict):
            for term in terms:
                entry = searches.get(term)
                newest = _newest_from(entry)
                if newest is None or not isinstance(entry, dict):
                    continue
                position.search[term] = newest
                stored = entry.get("gaps")
                gaps = [gap for gap in map(Gap.load, stored if isinstance(stored, list) else []) if gap is not None]
                if gaps:
                    position.gaps[term] = gaps[-MAX_GAPS:]
        watched = data.get("recheck")
        for entry in watched if isinstance(watched, list) else []:
            if _is_watched(entry):
                position.watched[entry[0]] = Watched(entry[1], entry[2])
        position.let_go(int(time.time()))
        return position

    def dump(self) -> str:
        data: dict[str, Any] = {"v": 1}
        if self.search:
            data["search"] = {term: self._entry(term, newest) for term, newest in self.search.items()}
        if self.time_us is not None:
            data["time_us"] = self.time_us
        if self.watched:
            data["recheck"] = [[uri, *watched] for uri, watched in self.watched.items()]
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    def watch(self, found: dict[str, str], now: int) -> None:
        """Re-fetch the posts `found` (at-uri: digest of its text) `now`, after those waiting already."""
        for uri, digest in found.items():
            self.watched.setdefault(uri, Watched(now, digest))
        self.let_go(now)

    def due(self, now: int) -> list[str]:
        """The posts to re-fetch in this poll, in turn."""
        self.let_go(now)
        return list(self.watched)[: RECHECK_CALLS * PROFILE_BATCH]

    def rechecked(self, rechecked: Rechecked) -> list[Revision]:
        """Posts re-fetched: deleted ones are let go, the others take their new digest and wait for
        their next turn after all the others. The revisions found, of the posts still watched (not
        let go meanwhile, nor told deleted by Jetstream)."""
        revisions = [revision for revision in rechecked.revisions if revision.native_id in self.watched]
        for uri, digest in rechecked.digests.items():
            watched = self.watched.pop(uri, None)
            if watched is not None and digest is not None:
                self.watched[uri] = watched._replace(digest=digest)
        return revisions

    def told(self, revisions: list[Revision]) -> None:
        """Jetstream's word on posts: a watched post deleted is let go, one edited takes its new text's
        digest (so that re-fetching it does not tell the edit again)."""
        for revision in revisions:
            watched = self.watched.get(revision.native_id)
            if watched is not None and revision.kind == DELETED:
                del self.watched[revision.native_id]
            elif watched is not None and revision.text is not None:
                self.watched[revision.native_id] = watched._replace(digest=digest(revision.text))

    def let_go(self, now: int) -> None:
        """Forget the posts found more than `RECHECK_SECONDS` ago, and beyond `RECHECK_LIMIT` those
        found longest ago."""
        kept = sorted((watched.found, uri) for uri, watched in self.watched.items())
        for _, uri in kept[: max(len(kept) - RECHECK_LIMIT, 0)]:
            del self.watched[uri]
        for found, uri in kept:
            if found < now - RECHECK_SECONDS and uri in self.watched:
                del self.watched[uri]

    def _entry(self, term: str, newest: Newest) -> dict[str, Any]:
        gaps = self.gaps.get(term)
        return {**_newest_dump(newest), **({"gaps": [gap.dump() for gap in gaps]} if gaps else {})}


def _newest_from(entry: object) -> Newest | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("uri"), str):
        return None
    at = parse_time(entry.get("at"))
    return Newest(at, entry["at"], entry["uri"]) if at is not None else None


def _newest_dump(newest: Newest) -> dict[str, str]:
    return {"at": newest.at_text, "uri": newest.uri}


def _is_watched(entry: object) -> TypeGuard[list[Any]]:
    """Whether `entry` is a `recheck` entry of the cursor: [at-uri, Unix seconds, digest]."""
    if not isinstance(entry, list) or len(entry) != 3:
        return False
    uri, found, digest = entry
    return (
        isinstance(uri, str)
        and uri.startswith("at://")
        and isinstance(found, int)
        and not isinstance(found, bool)
        and isinstance(digest, str)
    )


def sort_key(post: object) -> Newest | None:
    """When a search result was indexed, and its at-uri; None if it does not say."""
    if not isinstance(post, dict) or not isinstance(post.get("uri"), str):
        return None
    at = parse_time(post.get("indexedAt"))
    return Newest(at, post["indexedAt"], post["uri"]) if at is not None else None


def moved(gap: Gap, posts: list[object], page_cursor: str) -> Gap:
    """`gap` after `posts` (newest first) were read from it and the search goes on at `page_cursor`."""
    keys = [key for post in posts if (key := sort_key(post)) is not None]
    if not keys:
        return Gap(page_cursor, gap.floor, gap.top, gap.seen)
    oldest = min(keys, key=lambda key: key.at)
    same = [key.uri for key in keys if key.at == oldest.at]
    if gap.top is not None and gap.top.at == oldest.at:
        same = [*gap.seen, *same]
    return Gap(page_cursor, gap.floor, oldest, tuple(dict.fromkeys(same))[-SEARCH_PAGE_SIZE:])


def digest(text: str) -> str:
    """A short digest of a post's text with its alt texts (`full_text`): what an edit changes."""
    return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
