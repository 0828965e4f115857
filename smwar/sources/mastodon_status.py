"""A Mastodon status as a mention: the fields smwar reads of the API's status (the rest
ignored), checked, and turned into a `Mention` (smwar.sources.mastodon reads them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from smwar.model import Mention
from smwar.sources.base import parsed
from smwar.sources.html import html_to_text

NETWORK = "mastodon"
DIRECT = "direct"  # a status's visibility when it is a private message
StatusId = Annotated[str, Field(pattern=r"^[0-9A-Za-z]{1,64}$")]


class _Account(BaseModel):
    model_config = ConfigDict(extra="ignore")

    acct: str = Field(min_length=1, max_length=300)
    display_name: str | None = Field(None, max_length=1000)
    followers_count: int | None = Field(None, ge=0)


class _Ref(BaseModel):
    """A status referred to, where only its address matters."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    url: str | None = None
    uri: str | None = None


class _Quote(_Ref):
    """Mastodon 4.5's quote (`quoted_status`, or `quoted_status_id` when shallow); a fork's
    status-shaped quote (Fedibird) has the address itself."""

    quoted_status: _Ref | None = None
    quoted_status_id: str | None = None

    def target(self) -> str | None:
        quoted = self.quoted_status
        inner = (quoted.url or quoted.uri or quoted.id) if quoted else None
        return inner or self.quoted_status_id or self.url or self.uri


class _Status(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: StatusId
    created_at: datetime
    account: _Account
    content: str
    spoiler_text: str = ""
    language: str | None = Field(None, max_length=50)
    url: str | None = None
    uri: str | None = None
    in_reply_to_id: StatusId | None = None
    reblog: _Status | None = None
    quote: _Quote | None = None
    visibility: str = "public"


def public_mention_of(status: dict[str, Any], host: str) -> Mention | None:
    """A status as a mention, or None for a direct message: a private conversation is no
    public mention (it is not taken into the feed, nor quarantined)."""
    return None if status.get("visibility") == DIRECT else mention_of(status, host)


def mention_of(status: dict[str, Any], host: str) -> Mention:
    """A status as a mention; `ValueError` says what is wrong with it. `host` completes the
    handles of the instance's own accounts, whose `acct` has no domain."""
    read = parsed(_Status, status, "status")
    shown = read.reblog or read  # a boost shows the boosted post's words
    address = shown.url or shown.uri
    posted = read.created_at
    return Mention(
        network=NETWORK,
        native_id=read.id,
        author=handle(read.account.acct, host),
        text=_plain(shown),
        posted_at=posted.astimezone(UTC) if posted.tzinfo else posted.replace(tzinfo=UTC),
        lang=shown.language or None,
        followers=read.account.followers_count,
        url=address,
        author_name=read.account.display_name or None,
        reply_to=None if read.reblog else read.in_reply_to_id,
        quote_of=address if read.reblog else (read.quote.target() if read.quote else None),
    )


def handle(acct: str, host: str) -> str:
    """`@user@domain`: the instance's own accounts come without a domain."""
    acct = acct.lstrip("@")
    return f"@{acct}" if "@" in acct else f"@{acct}@{host}"


def _plain(status: _Status) -> str:
    """The words of a status; a content warning is words the author wrote too, so it leads."""
    parts = (status.spoiler_text.strip(), html_to_text(status.content))
    return "\n\n".join(part for part in parts if part)
