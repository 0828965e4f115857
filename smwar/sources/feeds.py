"""RSS and Atom feeds: Google Alerts, news sites, blogs.

The feed is polled with a conditional GET (the stored ETag and Last-Modified go out as
If-None-Match and If-Modified-Since; a 304 means nothing new) and the bytes httpx fetched are
parsed by feedparser, which never fetches anything itself. Entries already delivered are
remembered in the cursor, so a feed that repeats its last fifty entries on every change
delivers each entry once.

The bytes are decoded before feedparser sees them: by the first encoding the answer declares
(its byte order mark, the HTTP charset, the XML declaration) that reads all of it, else as
UTF-8, else by the encoding charset-normalizer finds, so a feed in an undeclared KOI8-R,
Shift_JIS or windows-1255 (or one whose server claims UTF-8 for it) reads as it was written.

An entry with neither an id nor a link is known by a digest of its feed's host, its title and
its date: the same entry is the same mention on every poll, and an edit of its text does not
make a new one. Where the title or the date is missing the text joins the digest, as nothing
else tells such entries apart.

An entry seen again whose words (title and text) changed is an edit (`Revision`, with the new
words), not a new mention: the cursor keeps a short digest of each remembered entry's words.

An answer that is not a feed at all (an HTML page, garbage) is quarantined once with its raw
bytes; if the same answer comes again the source fails with the reason, so that its health
shows the problem without filling the quarantine with copies. An entry that cannot be read
is quarantined (once) and the other entries of the feed still arrive.
"""

from __future__ import annotations

import asyncio
import calendar
import codecs
import contextlib
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import charset_normalizer
import feedparser
import httpx
from charset_normalizer.md import mess_ratio

from smwar.model import EDITED, Mention, Revision
from smwar.sources.base import MAX_ITEM_BYTES, Batch, Poller, SourceError, check
from smwar.sources.html import html_to_text
from smwar.urls import host_of, split_url

NETWORK = "rss"
MAX_FEED_BYTES = 10 * 1024 * 1024  # a feed larger than this is not a feed we can poll every minute
MAX_TEXT_CHARS = 10_000  # a full article in the summary is cut here
SEEN = 500  # entry ids remembered (at least every entry of the current feed)
ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# charset-normalizer counts the bidi marks Hebrew and Arabic text carries as mess, and reads a
# windows-1255 feed with two of them as Cyrillic: its readings are compared without them.
_BIDI_MARKS = re.compile("[\u200e\u200f\u061c]")
MESS_TIE = 0.005  # readings this close in mess are told apart by how well they fit a language, as it does itself
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose mark it starts with
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHARSET = re.compile(r""";\s*charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(r"""\A\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")


@dataclass(slots=True)
class FeedCursor:
    """Where a feed stands: its validators for the conditional GET and what it delivered.

    As JSON: `{"etag": …, "last_modified": …, "seen": [16-hex digests of entry ids, newest
    first], "words": {entry id digest: 8-hex digest of its words, for the entries of "seen" that
    were mentions}, "rejected": digest of the last answer quarantined as not a feed, or null}`."""

    etag: str | None = None
    last_modified: str | None = None
    seen: list[str] = field(default_factory=list)
    rejected: str | None = None
    words: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, cursor: str | None) -> FeedCursor:
        """The cursor as stored; one that cannot be read starts afresh (the journal dedupes)."""
        try:
            data = json.loads(cursor) if cursor else {}
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        seen, words = data.get("seen"), data.get("words")
        return cls(
            etag=_str_or_none(data.get("etag")),
            last_modified=_str_or_none(data.get("last_modified")),
            seen=[key for key in seen if isinstance(key, str)] if isinstance(seen, list) else [],
            rejected=_str_or_none(data.get("rejected")),
            words={key: value for key, value in words.items() if isinstance(value, str)}
            if isinstance(words, dict)
            else {},
        )

    def dump(self) -> str:
        return json.dumps(
            {
                "etag": self.etag,
                "last_modified": self.last_modified,
                "seen": self.seen,
                "words": self.words,
                "rejected": self.rejected,
            },
            separators=(",", ":"),
        )


class FeedSource(Poller[FeedCursor]):
    """Polls one feed every `poll_seconds`; the cursor is a `FeedCursor` as JSON."""

    network = NETWORK

    def load(self, cursor: str | None) -> FeedCursor:
        return FeedCursor.load(cursor)

    async def poll(self, client: httpx.AsyncClient, state: FeedCursor) -> tuple[Batch, FeedCursor, float]:
        """One conditional GET: the batch to deliver and the state to go on from."""
        headers = {"Accept": ACCEPT}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        async with client.stream("GET", self.settings.url, headers=headers) as response:
            check(response)
            if response.status_code == 304:
                return Batch(), state, 0.0
            body, complete = await _read_capped(response, MAX_FEED_BYTES)
            content_type = response.headers.get("Content-Type", "")
            etag, last_modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
            final_url = str(response.url)
        if not complete:
            return self._reject(state, body, f"answer larger than {MAX_FEED_BYTES:,} bytes, not read as a feed")
        try:
            parsed = await asyncio.to_thread(_parse, body, content_type, final_url)
        except Exception as exc:  # feedparser on untrusted bytes: any failure means "not a feed"
            return self._reject(state, body, f"feed parser failed: {type(exc).__name__}: {exc}"[:300])
        entries: list[dict[str, Any]] = list(parsed.get("entries") or [])
        if not entries and (parsed.get("bozo") or not parsed.get("version")):
            problem = parsed.get("bozo_exception")
            why = f"{type(problem).__name__}: {problem}" if problem else "no RSS or Atom document found"
            kind = content_type.split(";")[0].strip() or "no content type"
            return self._reject(state, body, f"not a feed ({kind}): {why}"[:300])

        mentions: list[Mention] = []
        quarantined: list[tuple[bytes, str]] = []
        edits: list[Revision] = []
        keys: list[str] = []
        words: dict[str, str] = {}
        seen = set(state.seen)
        now = datetime.now(UTC)
        feed = parsed.get("feed")
        feed = feed if isinstance(feed, dict) else {}
        site = _str_or_none(feed.get("link"))  # the site the feed belongs to, not where it is served from
        feed_host = _host(site if site and site.startswith(("http://", "https://")) else self.settings.url)
        lang = _lang(feed.get("language"))
        for entry in entries:
            try:
                mention = entry_mention(entry, feed_host, now, lang)
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
                raw = json.dumps(entry, default=str, ensure_ascii=False).encode()
                key = _digest(raw)
                if key not in seen:
                    quarantined.append((raw[:MAX_ITEM_BYTES], f"unreadable feed entry: {exc}"[:300]))
            else:
                key = _digest(mention.native_id.encode())
                written = _digest(mention.text.encode(), 4)
                before = state.words.get(key)
                if key not in seen:
                    mentions.append(mention)
                elif before is not None and before != written and key not in words:
                    edits.append(Revision(NETWORK, mention.native_id, EDITED, now, mention.text))
                words.setdefault(key, written)
            if key not in keys:
                keys.append(key)
        mentions.sort(key=lambda mention: mention.posted_at)
        current = set(keys)
        remembered = (keys + [key for key in state.seen if key not in current])[: max(SEEN, len(keys))]
        kept = {key: found for key in remembered if (found := words.get(key) or state.words.get(key))}
        new_state = FeedCursor(etag, last_modified, remembered, rejected=None, words=kept)
        changed = new_state != state
        return Batch(mentions, quarantined, new_state.dump() if changed else None, edits), new_state, 0.0

    def _reject(self, state: FeedCursor, body: bytes, reason: str) -> tuple[Batch, FeedCursor, float]:
        """Quarantine an answer that is not a feed; the same answer again is a failure."""
        digest = _digest(body)
        if digest == state.rejected:
            raise SourceError(f"{_host(self.settings.url)}: {reason} (kept in quarantine)")
        new_state = FeedCursor(state.etag, state.last_modified, state.seen, rejected=digest, words=state.words)
        return Batch([], [(body[:MAX_ITEM_BYTES], reason)], new_state.dump()), new_state, 0.0


def entry_mention(entry: dict[str, Any], feed_host: str, now: datetime, lang: str | None = None) -> Mention:
    """One feedparser entry as a mention; `ValueError` for an entry that cannot be one.

    `lang`: the feed's language, where it declares one (an entry's own `xml:lang` wins)."""
    link = _str_or_none(entry.get("link"))
    title = _text(entry.get("title"), entry.get("title_detail"))
    summary = _summary(entry)
    if summary == title:
        summary = ""
    text = " — ".join(part for part in (title, summary) if part)
    native_id = _str_or_none(entry.get("id")) or link
    if not text:
        raise ValueError(f"entry {(native_id or 'without an id or a link')[:100]!r} has neither a title nor a summary")
    posted_at = _posted_at(entry)
    if not native_id:
        native_id = _content_id(feed_host, title, posted_at, text)
    if len(text) > MAX_TEXT_CHARS:
        text = text[: MAX_TEXT_CHARS - 1] + "…"
    url, redirected = _unwrap_redirect(link)
    host = _host(url) if redirected and url else feed_host  # Google Alerts: the site it found
    detail = entry.get("author_detail")
    name = _str_or_none(detail.get("name") if isinstance(detail, dict) else None) or _str_or_none(entry.get("author"))
    name = name.strip()[:200] if name else None
    return Mention(
        network=NETWORK,
        native_id=native_id[:2000],
        author=f"rss:{host}/{name}" if name else f"rss:{host}",
        text=text,
        posted_at=posted_at or now,
        lang=_entry_lang(entry) or lang,
        url=url,
        author_name=name or None,
    )


def _content_id(feed_host: str, title: str, posted_at: datetime | None, text: str) -> str:
    """The id of an entry that has none: its feed's host, title and date, and its text where one
    of those is missing."""
    date = posted_at.isoformat() if posted_at else ""
    key = [feed_host, title, date] if title and date else [feed_host, title, date, text]
    return f"hash:{feed_host}:{_digest(json.dumps(key, ensure_ascii=False).encode())}"


def _parse(body: bytes, content_type: str, url: str) -> dict[str, Any]:
    body, content_type = _as_utf8(body, content_type)
    # A stream, never bytes or a string: feedparser would try those as a file name or a URL.
    headers = {"content-type": content_type, "content-location": url}
    result: dict[str, Any] = feedparser.parse(io.BytesIO(body), response_headers=headers)
    return result


def _as_utf8(body: bytes, content_type: str) -> tuple[bytes, str]:
    """The answer as UTF-8 and a Content-Type that says so; as it came if nothing reads it.

    The XML declaration is made to agree: feedparser believes it over the HTTP charset for
    some content types."""
    text = next((text for text in _readings(body, content_type) if _is_markup(text)), None)
    if text is None:
        return body, content_type or "application/xml"
    if found := _XML_ENCODING.match(text):
        text = text[: found.start(1)] + "utf-8" + text[found.end(1) :]
    media_type = content_type.split(";")[0].strip() or "application/xml"
    return text.encode("utf-8"), f"{media_type}; charset=utf-8"


def _readings(body: bytes, content_type: str) -> Iterator[str]:
    """`body` decoded by each encoding it declares that reads all of it, then as UTF-8, then as
    charset-normalizer reads it (only if it comes to that: it is the slow one)."""
    for encoding in (*_declared(body, content_type), "utf-8"):
        try:
            text = body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        yield text
    readings = [(str(match), match.coherence) for match in charset_normalizer.from_bytes(body)]
    if readings:
        mess = [mess_ratio(_BIDI_MARKS.sub("", text), maximum_threshold=1.0) for text, _ in readings]
        calm = [reading for reading, score in zip(readings, mess, strict=True) if score <= min(mess) + MESS_TIE]
        yield max(calm, key=lambda reading: reading[1])[0]


def _declared(body: bytes, content_type: str) -> list[str]:
    """The encodings the answer names: its byte order mark alone, else the HTTP charset and the
    XML declaration's."""
    for mark, encoding in _BOMS:
        if body.startswith(mark):
            return [encoding]
    charset = _CHARSET.search(content_type)
    declaration = _XML_ENCODING.match(body[:500].decode("latin-1"))
    return [found.group(1) for found in (charset, declaration) if found]


def _is_markup(text: str) -> bool:
    """Whether `text` can be XML: no NUL, markup from the first character on (UTF-8 read as the
    UTF-16 an XML declaration may wrongly claim decodes, as nonsense)."""
    return "\x00" not in text and text.lstrip(" \t\r\n\ufeff").startswith("<")


def _summary(entry: dict[str, Any]) -> str:
    summary = _text(entry.get("summary"), entry.get("summary_detail"))
    if summary:
        return summary
    for content in entry.get("content") or []:
        if isinstance(content, dict) and (text := _text(content.get("value"), content)):
            return text
    return ""


def _text(value: object, detail: object) -> str:
    """A feed text construct as plain text: HTML (feedparser has sanitised it) is converted."""
    if not isinstance(value, str):
        return ""
    kind = detail.get("type") if isinstance(detail, dict) else None
    if kind in _HTML_TYPES or kind is None:
        return html_to_text(value)
    return " ".join(value.split())


def _lang(tag: object) -> str | None:
    """A language tag's primary language ("de-DE" -> "de"), as the other networks give it."""
    if not isinstance(tag, str):
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def _entry_lang(entry: dict[str, Any]) -> str | None:
    for key in ("title_detail", "summary_detail"):
        detail = entry.get(key)
        if isinstance(detail, dict) and (lang := _lang(detail.get("language"))):
            return lang
    return None


def _posted_at(entry: dict[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            with contextlib.suppress(TypeError, ValueError, OverflowError):
                return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return None


def _unwrap_redirect(link: str | None) -> tuple[str | None, bool]:
    """Google Alerts links go through google.com/url?url=…: the article's own URL, and whether it was one."""
    if not link:
        return None, False
    parts = split_url(link)
    if parts is None:
        return link, False
    host = parts.hostname or ""
    if parts.path == "/url" and (host == "google.com" or host.startswith(("google.", "www.google."))):
        target = parse_qs(parts.query).get("url") or parse_qs(parts.query).get("q")
        if target and target[0].startswith(("http://", "https://")):
            return target[0], True
    return link, False


def _host(url: str) -> str:
    return host_of(url).removeprefix("www.") or "unknown"


def _digest(data: bytes, size: int = 8) -> str:
    return hashlib.blake2b(data, digest_size=size).hexdigest()


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


async def _read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """The body, up to `limit` bytes, and whether that was all of it."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], False
    return b"".join(chunks), True
