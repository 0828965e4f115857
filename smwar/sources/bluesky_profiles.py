"""Who is speaking on Bluesky, and what a post shows: authors' profiles, the text of a post a
post quotes, and the alt text of its images and video.

Jetstream names a post's author by DID only, and neither Jetstream nor searchPosts says how
many followers an author has: before a batch is handed over, its authors are looked up with
`app.bsky.actor.getProfiles` on the AppView (`PROFILE_BATCH` at a time) for their handle,
display name and follower count, so that runbook lists and reach thresholds apply; the text of
a post a Jetstream post quotes is looked up likewise with `app.bsky.feed.getPosts`. What was
looked up is kept in the source's memory for `LOOKUP_TTL`; profiles are kept in the journal too,
for `PROFILE_TTL`, so that a restart does not look every author up again (a journal that cannot
keep them only means they are asked for again). A lookup that fails leaves the mentions as they
are, the author as a DID, and none is tried for `LOOKUP_PAUSE`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

import httpx

from smwar.model import Mention
from smwar.sources.base import Batch, SourceError, check

log = logging.getLogger(__name__)
Found = TypeVar("Found")
PROFILE_BATCH = 25  # actors getProfiles (and posts getPosts) takes at once
LOOKUP_TTL = 6 * 3600.0  # seconds a looked-up profile or quoted text is used from memory before it is asked again
PROFILE_TTL = timedelta(hours=24)  # how long the journal keeps a looked-up profile
LOOKUP_PAUSE = 60.0  # after a failed lookup, seconds in which authors stay DIDs without asking
LOOKUP_LIMIT = 20_000  # profiles (and quoted texts) remembered at most
LOOKUP_TIMEOUT = 5.0  # seconds a lookup may take: a batch waits for it
QUOTE_MARK = "\n[quote] "  # what comes before a quoted post's text in a mention's


class Profile(NamedTuple):
    handle: str | None
    name: str | None
    followers: int | None


class ProfileJournal(Protocol):
    """Where profiles are kept across restarts: the journal (`smwar.journal.profiles`)."""

    def known_profiles(
        self, dids: Sequence[str], now: datetime
    ) -> dict[str, tuple[tuple[str | None, str | None, int | None] | None, datetime]]: ...

    def keep_profiles(
        self, found: Mapping[str, tuple[str | None, str | None, int | None] | None], until: datetime
    ) -> None: ...


class Enricher:
    """Fills a batch's mentions with their authors' profiles and the texts of the posts they quote."""

    def __init__(self, appview: str, journal: ProfileJournal | None = None) -> None:
        self._appview = appview
        self._profiles = _ProfileLookup(journal)
        self._quoted = _Lookup("app.bsky.feed.getPosts", "uris", "posts", _quoted_from)

    async def filled(self, client: httpx.AsyncClient, batch: Batch) -> Batch:
        """`batch` with its authors' profiles and the texts of the posts it quotes, where known."""
        if not batch.mentions:
            return batch
        profiles = await self._profiles.get(client, self._appview, [_did_of(mention) for mention in batch.mentions])
        unquoted = [m.quote_of for m in batch.mentions if m.quote_of and QUOTE_MARK not in m.text]
        quoted = await self._quoted.get(client, self._appview, unquoted)
        mentions = [_with_profile(mention, profiles.get(_did_of(mention))) for mention in batch.mentions]
        mentions = [
            replace(m, text=m.text + QUOTE_MARK + quoted[m.quote_of]) if m.quote_of in quoted else m for m in mentions
        ]
        return replace(batch, mentions=mentions)


class _Lookup(Generic[Found]):
    """An AppView query by key (`param`, up to `PROFILE_BATCH` keys at once) whose answer lists
    objects under `answer_key`; `read` takes the key and what was found from each. Answers (and
    keys it did not find: deleted accounts and posts) are kept for `LOOKUP_TTL`."""

    def __init__(
        self, method: str, param: str, answer_key: str, read: Callable[[object], tuple[str, Found] | None]
    ) -> None:
        self._method, self._param, self._answer_key, self._read = method, param, answer_key, read
        self._known: OrderedDict[str, tuple[float, Found | None]] = OrderedDict()
        self._paused_until = 0.0

    async def get(self, client: httpx.AsyncClient, appview: str, keys: list[str]) -> dict[str, Found]:
        now = time.monotonic()
        found: dict[str, Found] = {}
        missing: list[str] = []
        for key in dict.fromkeys(keys):
            entry = self._known.get(key)
            if entry is None or entry[0] <= now:
                missing.append(key)
            elif entry[1] is not None:
                found[key] = entry[1]
        recalled = await self._recall(missing) if missing else {}
        for key, entry in recalled.items():
            self._known[key] = entry
            self._known.move_to_end(key)
            if entry[1] is not None:
                found[key] = entry[1]
        missing = [key for key in missing if key not in recalled]
        for start in range(0, len(missing), PROFILE_BATCH):
            if time.monotonic() < self._paused_until:
                break
            chunk = missing[start : start + PROFILE_BATCH]
            try:
                answered = await self._ask(client, appview, chunk)
            except (httpx.HTTPError, SourceError) as exc:
                self._paused_until = time.monotonic() + LOOKUP_PAUSE
                log.warning("%s failed, asking again in %g s: %s", self._method, LOOKUP_PAUSE, reason(exc))
                break
            for key in chunk:
                self._known[key] = (now + LOOKUP_TTL, answered.get(key))
                self._known.move_to_end(key)
            found.update((key, answered[key]) for key in chunk if key in answered)
            await self._keep({key: answered.get(key) for key in chunk})
        while len(self._known) > LOOKUP_LIMIT:
            self._known.popitem(last=False)
        return found

    async def _recall(self, keys: list[str]) -> dict[str, tuple[float, Found | None]]:
        """What is kept of `keys` beyond the source's memory, with until when (monotonic) to use it."""
        return {}

    async def _keep(self, answered: dict[str, Found | None]) -> None:
        """Keep what was just looked up beyond the source's memory."""

    async def _ask(self, client: httpx.AsyncClient, appview: str, keys: list[str]) -> dict[str, Found]:
        params = [(self._param, key) for key in keys]
        response = await client.get(f"{appview}/xrpc/{self._method}", params=params, timeout=LOOKUP_TIMEOUT)
        items = json_object(check(response), self._method).get(self._answer_key)
        if not isinstance(items, list):
            raise SourceError(f"{self._method} answered without a list of {self._answer_key}")
        return dict(pair for item in items if (pair := self._read(item)) is not None)


class _ProfileLookup(_Lookup[Profile]):
    """Authors' profiles by DID, kept in the journal (when there is one) for `PROFILE_TTL`."""

    def __init__(self, journal: ProfileJournal | None) -> None:
        super().__init__("app.bsky.actor.getProfiles", "actors", "profiles", _profile_from)
        self._journal = journal

    async def _recall(self, keys: list[str]) -> dict[str, tuple[float, Profile | None]]:
        if self._journal is None:
            return {}
        now = datetime.now(UTC)
        try:
            kept = await asyncio.to_thread(self._journal.known_profiles, keys, now)
        except sqlite3.Error as exc:
            log.warning("the journal's profiles could not be read, asking the AppView: %s", reason(exc))
            return {}
        base = time.monotonic()
        return {
            did: (base + min((until - now).total_seconds(), LOOKUP_TTL), Profile(*row) if row else None)
            for did, (row, until) in kept.items()
        }

    async def _keep(self, answered: dict[str, Profile | None]) -> None:
        if self._journal is None:
            return
        try:
            await asyncio.to_thread(self._journal.keep_profiles, answered, datetime.now(UTC) + PROFILE_TTL)
        except sqlite3.Error as exc:
            log.warning("the journal could not keep %d profiles: %s", len(answered), reason(exc))


def _profile_from(item: object) -> tuple[str, Profile] | None:
    """(DID, profile) from a getProfiles `profileViewDetailed`."""
    if not isinstance(item, dict) or not isinstance(did := item.get("did"), str):
        return None
    followers = item.get("followersCount")
    if not isinstance(followers, int) or isinstance(followers, bool) or followers < 0:
        followers = None
    return did, Profile(handle_of(item.get("handle")), display_name_of(item.get("displayName")), followers)


def _quoted_from(item: object) -> tuple[str, str] | None:
    """(at-uri, text with alt text) from a getPosts `postView`."""
    if not isinstance(item, dict) or not isinstance(uri := item.get("uri"), str):
        return None
    record = item.get("record")
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        return None
    return (uri, text) if (text := full_text(record)) else None


def _with_profile(mention: Mention, profile: Profile | None) -> Mention:
    if profile is None:
        return mention
    return replace(
        mention,
        author=profile.handle or mention.author,
        author_name=profile.name or mention.author_name,
        followers=profile.followers,
    )


def _did_of(mention: Mention) -> str:
    """The author's DID, from the post's at-uri (at://DID/app.bsky.feed.post/RKEY)."""
    return mention.native_id.removeprefix("at://").split("/", 1)[0]


def handle_of(value: object) -> str | None:
    return value if isinstance(value, str) and value and value != "handle.invalid" else None


def display_name_of(value: object) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def full_text(record: dict[str, Any]) -> str:
    """A post's text, with its images and video after it, marked as such with their alt text."""
    text = string_field(record, "text")
    marks = [f"[{kind}: {alt}]" if alt else f"[{kind}]" for kind, alt in _media(record)]
    return "\n".join([text, *marks]) if text and marks else text or "\n".join(marks)


def searchable(record: dict[str, Any]) -> str:
    """What Jetstream keywords are looked for in: a post's text and its alt texts."""
    return "\n".join([string_field(record, "text"), *(alt for _, alt in _media(record))]).casefold()


def _media(record: dict[str, Any]) -> list[tuple[str, str]]:
    """("image" or "video", its alt text or "") for each picture and video a post embeds."""
    embed = record.get("embed")
    if isinstance(embed, dict) and embed.get("$type") == "app.bsky.embed.recordWithMedia":
        embed = embed.get("media")
    if not isinstance(embed, dict):
        return []
    if embed.get("$type") == "app.bsky.embed.images" and isinstance(embed.get("images"), list):
        alts = [image.get("alt") if isinstance(image, dict) else None for image in embed["images"]]
        return [("image", alt.strip() if isinstance(alt, str) else "") for alt in alts]
    if embed.get("$type") == "app.bsky.embed.video":
        alt = embed.get("alt")
        return [("video", alt.strip() if isinstance(alt, str) else "")]
    return []


def quoted_text(embed_view: object) -> str | None:
    """The text of the post a searchPosts `postView` quotes, from its embed view."""
    if not isinstance(embed_view, dict):
        return None
    view = embed_view.get("record")
    if embed_view.get("$type") == "app.bsky.embed.recordWithMedia#view" and isinstance(view, dict):
        view = view.get("record")
    if not isinstance(view, dict) or view.get("$type") != "app.bsky.embed.record#viewRecord":
        return None  # not a quote, or one of a post not found, blocked or detached
    value = view.get("value")
    text = full_text(value) if isinstance(value, dict) and isinstance(value.get("text"), str) else ""
    return text or None


def string_field(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise TypeError(f"{key} is not a string")
    return value


def json_object(response: httpx.Response, method: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise SourceError(f"{method} answered something that is not JSON") from None
    if not isinstance(data, dict):
        raise SourceError(f"{method} answered JSON that is not an object")
    return data


def reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
