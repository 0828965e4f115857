"""How a source is configured: one `[[source]]` table in config.toml per source.

Each kind of source has its settings model here, on `SourceSettings`, with a literal `kind`:
reading and checking config.toml needs none of the sources' client code, which is imported only
when a source is built. Tokens and passwords never appear here (they live in the OS keyring).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from smwar.tomlfile import Strict

MASTODON_AUTH_HINT = "set a token with: smwar auth set mastodon:<instance host>"
REDDIT_WEB = "https://www.reddit.com"
_HASHTAG = re.compile(r"[\w·\u200c]{1,100}")
SourceId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-_]*$", max_length=64)]


class SourceSettings(Strict):
    id: SourceId
    kind: str
    poll_seconds: float = Field(60.0, ge=5.0, le=86_400.0)  # for sources that poll

    @model_validator(mode="after")
    def _no_credentials_in_addresses(self) -> SourceSettings:
        """A password in an address would end up in config.toml: it belongs in the keyring."""
        for name, value in self:
            if isinstance(value, str) and "://" in value and "@" in urlsplit(value).netloc:
                raise ValueError(f"{name} must not hold a user or password; keep secrets with: smwar auth set")
        return self

    def fingerprint(self) -> str:
        """What the source reads, in short: a cursor saved for other settings is not used."""
        what = self.model_dump(exclude={"poll_seconds"})
        return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:12]


class MastodonSettings(SourceSettings):
    """One instance, read for hashtags and search terms (at least one of them)."""

    kind: Literal["mastodon"]
    instance: str  # its address, e.g. "https://mastodon.social"
    hashtags: list[str] = []  # without "#"
    search: list[str] = []  # status search terms: need a token on most instances
    keywords: list[str] = []  # with these, the public (federated) timeline too, keeping statuses that contain one
    stream: bool = False  # stream the hashtags (and the public timeline) too, besides catching up over REST

    @field_validator("instance")
    @classmethod
    def _address_alone(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be the instance's http(s) address, e.g. https://mastodon.social")
        if parts.username or parts.password:
            raise ValueError(f"must not hold credentials: {MASTODON_AUTH_HINT}")
        if parts.path.strip("/") or parts.query or parts.fragment:
            raise ValueError("must be the instance's address alone, without a path")
        _ = parts.port  # a port that is not a number raises here
        return f"{parts.scheme}://{parts.netloc.lower()}"

    @field_validator("hashtags")
    @classmethod
    def _tag_names(cls, values: list[str]) -> list[str]:
        names = [value.strip().lstrip("#").lower() for value in values]
        for name in names:
            if not _HASHTAG.fullmatch(name):
                raise ValueError(f"{name!r} is not a hashtag: letters, digits and _ only")
        return list(dict.fromkeys(names))

    @field_validator("search", "keywords")
    @classmethod
    def _terms(cls, values: list[str]) -> list[str]:
        terms = [value.strip() for value in values]
        if not all(0 < len(term) <= 200 for term in terms):
            raise ValueError("a search term must have 1 to 200 characters")
        return list(dict.fromkeys(terms))

    @model_validator(mode="after")
    def _something_to_read(self) -> MastodonSettings:
        if not (self.hashtags or self.search or self.keywords):
            raise ValueError("give at least one hashtag, search term or keyword")
        return self


class BlueskySettings(SourceSettings):
    """Posts on Bluesky: by search terms (polled) and/or by keywords on the Jetstream firehose."""

    kind: Literal["bluesky"]
    search: list[str] = []  # terms for app.bsky.feed.searchPosts (Lucene-like syntax)
    keywords: list[str] = []  # Jetstream keeps a post whose text contains any of these, case-insensitively
    jetstream: bool = False
    appview: str = "https://public.api.bsky.app"  # where authors' profiles and quoted posts are looked up
    pds: str = "https://bsky.social"  # where `handle` logs in, and where searches go once logged in
    jetstream_url: str = "wss://jetstream2.us-east.bsky.network/subscribe"
    handle: str | None = None  # log in with this handle and the app password kept in the keyring

    @field_validator("search", "keywords")
    @classmethod
    def _no_blank_terms(cls, terms: list[str]) -> list[str]:
        if any(not term.strip() for term in terms):
            raise ValueError("a term must not be blank")
        return [term.strip() for term in terms]

    @field_validator("appview", "pds")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("expected an http:// or https:// URL")
        return url.rstrip("/")

    @field_validator("jetstream_url")
    @classmethod
    def _ws_url(cls, url: str) -> str:
        if urlsplit(url).scheme not in ("ws", "wss"):
            raise ValueError("expected a ws:// or wss:// URL")
        return url

    @model_validator(mode="after")
    def _something_to_follow(self) -> BlueskySettings:
        if self.jetstream and not self.keywords:
            raise ValueError("jetstream = true needs keywords: the whole firehose is not a feed")
        if not self.search and not self.jetstream:
            raise ValueError("give search terms, or jetstream = true with keywords")
        return self


class FeedSettings(SourceSettings):
    kind: Literal["rss"]
    url: str = Field(pattern=r"^https?://[^\s/]+\S*$", max_length=2000)


class HackerNewsSettings(SourceSettings):
    kind: Literal["hackernews"]
    query: str = Field(min_length=1, max_length=500)
    api: str = Field("https://hn.algolia.com/api/v1", pattern=r"^https?://\S+$")


class RedditSettings(SourceSettings):
    kind: Literal["reddit"]
    query: str = Field(min_length=1, max_length=512)
    api: str = Field(REDDIT_WEB, pattern=r"^https?://\S+$")


class WebhookSettings(SourceSettings):
    kind: Literal["webhook"]
    host: str = "127.0.0.1"
    port: int = Field(8787, ge=0, le=65535)
    path: str = Field("/mentions", pattern=r"^/")
    max_bytes: int = Field(1_000_000, ge=1_000, le=50_000_000)


class JsonlSettings(SourceSettings):
    """A JSON Lines file followed as it grows (an export, another tool's log), or "-" for stdin."""

    kind: Literal["jsonl"]
    path: str = Field(min_length=1)
    poll_seconds: float = Field(1.0, ge=0.1, le=3600.0)
    follow: bool = True  # keep reading as the file grows; false: read it once, to its end
