"""Every kind of source smwar has, how its settings are read, and how it is built."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from smwar.secrets import get_secret
from smwar.sources.base import Source
from smwar.sources.bluesky import BlueskySettings, BlueskySource
from smwar.sources.feeds import FeedSettings, FeedSource
from smwar.sources.hackernews import HackerNewsSettings, HackerNewsSource
from smwar.sources.jsonl import JsonlSettings, JsonlSource
from smwar.sources.mastodon import MastodonSettings, MastodonSource
from smwar.sources.reddit import RedditSettings, RedditSource
from smwar.sources.webhook import WebhookSettings, WebhookSource

AnySettings = Annotated[
    MastodonSettings
    | BlueskySettings
    | FeedSettings
    | HackerNewsSettings
    | RedditSettings
    | WebhookSettings
    | JsonlSettings,
    Field(discriminator="kind"),
]
SETTINGS: TypeAdapter[AnySettings] = TypeAdapter(AnySettings)
KINDS = ("mastodon", "bluesky", "rss", "hackernews", "reddit", "webhook", "jsonl")


def secret_name(settings: AnySettings) -> str | None:
    """The keyring entry a source's token, password or signing secret lives under, if any."""
    if settings.kind == "webhook":
        return f"webhook:{settings.id}"
    if settings.kind == "mastodon":
        return "mastodon"  # the access token
    if isinstance(settings, BlueskySettings) and settings.handle:
        return "bluesky"  # the app password of the handle that logs in
    return None


def build(settings: AnySettings) -> Source:
    """The source `settings` describe, with its secret from the keyring."""
    name = secret_name(settings)
    secret = get_secret(f"auth:{name}") if name else None
    match settings:
        case WebhookSettings():
            return WebhookSource(settings, secret)
        case MastodonSettings():
            return MastodonSource(settings, secret)
        case BlueskySettings():
            return BlueskySource(settings, secret)
        case FeedSettings():
            return FeedSource(settings)
        case HackerNewsSettings():
            return HackerNewsSource(settings)
        case RedditSettings():
            return RedditSource(settings)
        case _:
            return JsonlSource(settings)
