"""Every kind of source smwar has, how its settings are read, and how it is built.

Reading settings needs only `smwar.sources.settings`: a kind's client code (and the libraries
it speaks its network with) is imported when a source of that kind is built.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

from pydantic import Field, TypeAdapter

from smwar.errors import SmwarError
from smwar.secrets import get_secret, refuse_plain_http
from smwar.sources.settings import (
    BlueskySettings,
    FeedSettings,
    HackerNewsSettings,
    JsonlSettings,
    MastodonSettings,
    RedditSettings,
    SourceSettings,
    WebhookSettings,
)

if TYPE_CHECKING:
    from smwar.sources.base import Batch, Source
    from smwar.sources.bluesky_profiles import ProfileJournal

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
KIND_SETTINGS: dict[str, type[SourceSettings]] = {
    "mastodon": MastodonSettings,
    "bluesky": BlueskySettings,
    "rss": FeedSettings,
    "hackernews": HackerNewsSettings,
    "reddit": RedditSettings,
    "webhook": WebhookSettings,
    "jsonl": JsonlSettings,
}
KINDS = tuple(KIND_SETTINGS)


def secret_name(settings: AnySettings) -> str | None:
    """The keyring entry a source's token, password or signing secret lives under, if any: one
    per instance or account, so a token never goes to a server it was not made for."""
    match settings:
        case WebhookSettings():
            return f"webhook:{settings.id}"
        case MastodonSettings():
            return f"mastodon:{urlsplit(settings.instance).hostname}"  # an access token
        case BlueskySettings() if settings.handle:
            return f"bluesky:{settings.handle}"  # the handle's app password
        case _:
            return None


def build(settings: AnySettings, journal: ProfileJournal | None = None) -> Source:
    """The source `settings` describe, with its secret from the keyring; `journal` keeps what a
    source looked up (Bluesky's authors' profiles) across restarts."""
    name = secret_name(settings)
    secret = get_secret(f"auth:{name}") if name else None
    if secret is not None:
        _refuse_plain_http(settings)
    match settings:
        case MastodonSettings():
            from smwar.sources.mastodon import MastodonSource

            return MastodonSource(settings, secret)
        case BlueskySettings():
            from smwar.sources.bluesky import BlueskySource

            return BlueskySource(settings, secret, journal=journal)
        case WebhookSettings():
            from smwar.sources.webhook import WebhookSource

            return WebhookSource(settings, secret)
        case FeedSettings():
            from smwar.sources.feeds import FeedSource

            return FeedSource(settings)
        case HackerNewsSettings():
            from smwar.sources.hackernews import HackerNewsSource

            return HackerNewsSource(settings)
        case RedditSettings():
            from smwar.sources.reddit import RedditSource

            return RedditSource(settings)
        case _:
            from smwar.sources.jsonl import JsonlSource

            return JsonlSource(settings)


def usable(settings: AnySettings, journal: ProfileJournal | None = None) -> Source:
    """The source `settings` describe (see `build`) or, where it cannot run as they say, one
    that fails saying why, like any failing source: the live sources run without it."""
    try:
        return build(settings, journal)
    except SmwarError as exc:
        return Unusable(settings, str(exc))


class Unusable:
    """A source that cannot run as it is configured (its secret would go over plain http…)."""

    def __init__(self, settings: AnySettings, reason: str) -> None:
        self.id = settings.id
        self.network = settings.kind
        self.reason = reason

    async def run(self, cursor: str | None) -> AsyncIterator[Batch]:
        from smwar.sources.base import Batch, SourceError

        raise SourceError(self.reason, fatal=True)
        yield Batch()  # never: this makes `run` an async generator, as a source's is


def _refuse_plain_http(settings: AnySettings) -> None:
    for _, value in settings:
        if isinstance(value, str):
            refuse_plain_http(value, f"source {settings.id!r}")
